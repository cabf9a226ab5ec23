"""The book's one rule for saying that one model beats another.

Introduced in chapter "Getting started"; every verdict in the book is computed with it.

**The rule.** Run both models on the same ``n >= 3`` paired runs: run ``k`` of each sees
the same data and the same seed (on synthetic data the seed draws the data *and* the
initialisation; on a real data set, which has one history, it draws the initialisation
alone). Model A beats model B on a metric when

1. A is better in every one of the ``n`` pairs, and
2. the gap between the two means is larger than the spread (max - min over runs) of
   each model.

Otherwise the runs do not settle the question, which is not the same as the models
being equal: more runs may settle it. Against a fixed number (a baseline that does not
depend on a seed, a published result) the same rule applies with a spread of zero, or,
for a published mean over seeds, with the spread it was published with
(``reference_spread``).

Why this rule: three seeds cannot support a test at the usual levels, and a
difference smaller than the seed-to-seed spread of one model is a difference that
another draw of seeds could reverse. The rule is deliberately strict; it says "not
settled" far more often than a t-test on three pairs would say "significant".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Verdict", "compare", "compare_results", "MIN_RUNS"]

#: The fewest paired runs the rule accepts (fewer give no spread worth the name).
MIN_RUNS = 3


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`compare` for models ``a`` and ``b`` on one metric.

    Attributes
    ----------
    a, b
        The names compared.
    metric
        The metric's name, for the sentence.
    mean_a, mean_b, spread_a, spread_b
        Mean and spread (max - min) over the runs; a fixed reference has spread 0.
    wins_a, n
        In how many of the ``n`` pairs ``a`` was better.
    better
        ``a`` or ``b`` when the rule settles the difference, else ``None``.
    """

    a: str
    b: str
    metric: str
    mean_a: float
    mean_b: float
    spread_a: float
    spread_b: float
    wins_a: int
    n: int
    better: str | None

    @property
    def settled(self) -> bool:
        """Whether the runs settle which model is better."""
        return self.better is not None

    @property
    def gap(self) -> float:
        """``|mean_a - mean_b|``."""
        return abs(self.mean_a - self.mean_b)

    @property
    def word(self) -> str:
        """A short phrase for a sentence, 'beats', 'is beaten by' or 'is not separated from'."""
        if self.better is None:
            return "is not separated from"
        return "beats" if self.better == self.a else "is beaten by"

    def __str__(self) -> str:
        spread = max(self.spread_a, self.spread_b)
        if self.better is None:
            return (f"{self.a} vs {self.b} on {self.metric}: not settled by {self.n} runs "
                    f"(means {self.mean_a:.4g} and {self.mean_b:.4g}, gap {self.gap:.3g}, "
                    f"largest spread {spread:.3g}, {self.a} better in {self.wins_a} of "
                    f"{self.n} pairs)")
        a_wins = self.better == self.a
        loser = self.b if a_wins else self.a
        win_mean, lose_mean = ((self.mean_a, self.mean_b) if a_wins
                               else (self.mean_b, self.mean_a))
        return (f"{self.better} beats {loser} on {self.metric}: mean {win_mean:.4g} against "
                f"{lose_mean:.4g}, gap {self.gap:.3g} > largest spread {spread:.3g}, "
                f"in every one of {self.n} paired runs")


def compare(a: Sequence[float], b: Sequence[float] | float, *, names: tuple[str, str] = ("a", "b"),
            metric: str = "metric", lower_is_better: bool = True,
            reference_spread: float = 0.0) -> Verdict:
    """Apply the book's rule (module docstring) to paired runs of two models.

    Parameters
    ----------
    a : (n,) values of model ``a``, one per run
    b : (n,) values of model ``b`` for the same runs, in the same order; or one number
        (a reference that does not vary with the seed)
    names
        The two names, for the verdict's sentence.
    metric
        The metric's name.
    lower_is_better
        True for errors (MSE, MAE, floor ratio), False for scores (skill, accuracy).
    reference_spread
        Where ``b`` is one number that was itself a mean over seeds (a published
        "135.9 ± 3.6"), the spread to count for it (3.6); the rule then needs the gap to
        exceed it too. Only with a number ``b``.

    Raises
    ------
    ValueError
        With fewer than :data:`MIN_RUNS` runs, unequal numbers of runs, or non-finite values.
    """
    a_arr = np.asarray(a, dtype=float)
    if reference_spread and np.ndim(b) != 0:
        raise ValueError("compare: reference_spread is for a fixed number b, not for paired runs")
    if reference_spread < 0:
        raise ValueError(f"compare: reference_spread={reference_spread} must be >= 0")
    b_arr = np.full_like(a_arr, float(b)) if np.ndim(b) == 0 else np.asarray(b, dtype=float)
    if a_arr.ndim != 1 or a_arr.shape != b_arr.shape:
        raise ValueError(f"compare: a has {a_arr.shape} runs and b {b_arr.shape}; expected "
                         "the same number of paired runs (or one number for b)")
    if len(a_arr) < MIN_RUNS:
        raise ValueError(f"compare: {len(a_arr)} runs given, at least {MIN_RUNS} needed for a "
                         "spread; run more seeds")
    if not (np.isfinite(a_arr).all() and np.isfinite(b_arr).all()):
        raise ValueError(f"compare: non-finite values in a={a_arr} or b={b_arr}")
    sign = 1.0 if lower_is_better else -1.0
    a_wins = int((sign * (b_arr - a_arr) > 0).sum())
    b_wins = int((sign * (a_arr - b_arr) > 0).sum())
    spread_a, spread_b = float(np.ptp(a_arr)), float(np.ptp(b_arr)) + float(reference_spread)
    gap = abs(float(a_arr.mean() - b_arr.mean()))
    clear = gap > max(spread_a, spread_b)
    n = len(a_arr)
    better = names[0] if clear and a_wins == n else names[1] if clear and b_wins == n else None
    return Verdict(a=names[0], b=names[1], metric=metric, mean_a=float(a_arr.mean()),
                   mean_b=float(b_arr.mean()), spread_a=spread_a, spread_b=spread_b,
                   wins_a=a_wins, n=n, better=better)


def compare_results(results: pd.DataFrame, a: str, b: str, metric: str, *, by: str = "model",
                    pair: str = "seed", lower_is_better: bool = True) -> Verdict:
    """:func:`compare` for two groups of a results table, paired on the ``pair`` column.

    Parameters
    ----------
    results
        One row per run, as :func:`covtut.multi_seed` returns: columns ``by``, ``pair``
        and ``metric``.
    a, b
        Values of ``results[by]`` to compare.

    Raises
    ------
    ValueError
        If a group is missing, or the two groups were not run on the same ``pair`` values.
    """
    groups = {}
    for name in (a, b):
        rows = results[results[by] == name]
        if rows.empty:
            raise ValueError(f"compare_results: no rows with {by} == {name!r}; "
                             f"{by} has {sorted(results[by].unique())}")
        if rows[pair].duplicated().any():
            raise ValueError(f"compare_results: {name!r} has several rows for one {pair}")
        groups[name] = rows.set_index(pair)[metric]
    if set(groups[a].index) != set(groups[b].index):
        raise ValueError(f"compare_results: {a!r} ran on {pair}s {sorted(groups[a].index)}, "
                         f"{b!r} on {sorted(groups[b].index)}; the rule needs paired runs")
    order = sorted(groups[a].index)
    return compare(groups[a][order].to_numpy(), groups[b][order].to_numpy(), names=(a, b),
                   metric=metric, lower_is_better=lower_is_better)
