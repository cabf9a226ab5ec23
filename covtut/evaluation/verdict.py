"""The book's one rule for saying that one model beats another.

Introduced in chapter "Getting started"; every verdict in the book is computed with it.

**The rule.** Run both models on the same ``n >= 3`` paired runs: run ``k`` of each sees
the same data and the same seed (on synthetic data the seed draws the data *and* the
initialisation; on a real data set, which has one history, it draws the initialisation
alone). Take the ``n`` paired differences ``d_k = a_k - b_k`` and their 95 % confidence
interval, ``mean(d) ± t(0.975, n - 1) · sd(d) / sqrt(n)``. Model A beats model B when
the interval lies wholly on A's side of zero; otherwise the runs do not settle the
question, which is not the same as the models being equal. Errors (MSE, MAE, floor
ratios: positive, and better or worse by a factor) are compared as logarithms,
``d_k = log a_k - log b_k``, so that the interval is one of the ratio of the two errors.

This is the paired t-test at the 5 % level, two-sided: when the two models are equally
good, it names a winner in 5 % of comparisons (either way), at any ``n``; and its power
against a given true difference grows with ``n`` (chapter "Getting started" measures
both). The interval assumes that the differences are roughly normal; with three runs it
is wide (``t = 4.30``), so three runs settle only differences several times their
seed-to-seed spread.

- Against a **fixed number** (a deterministic baseline), the interval is the one-sample
  interval of ``a - b`` over the seeds.
- Against a **published mean over seeds** (a "135.9 ± 3.6" over 3 seeds), its standard
  deviation and number of seeds enter as a second sample (Welch's interval):
  ``reference_sd`` and ``reference_n``.

**The test period.** Seeds answer "would another set of seeds agree?". On real data a
second question is "would another test period agree?": the test set is one sample of
days (or of series). :func:`~covtut.evaluation.period.compare_forecasts` answers it
from the per-origin (or per-series) losses of two forecasts, seed-averaged where a model
has seeds: a Diebold–Mariano test with a variance robust to autocorrelation over origins,
or a paired bootstrap over independent series.
:func:`~covtut.evaluation.period.protocol_verdict` joins both answers: "A beats B on this
protocol" needs both. With many comparisons in one table,
:func:`holm` controls the chance of any false verdict in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from covtut.evaluation.intervals import t_interval, winner

__all__ = ["LEVEL", "MIN_RUNS", "Verdict", "compare", "compare_results", "holm"]

#: The fewest paired runs the rule accepts (fewer give no estimate of the spread).
MIN_RUNS = 3

#: The confidence level of every interval (a verdict is settled at the 5 % level).
LEVEL = 0.95


@dataclass(frozen=True)
class Verdict:
    """The outcome of a comparison of models ``a`` and ``b`` on one metric.

    Attributes
    ----------
    a, b
        The names compared.
    metric
        The metric's name, for the sentence.
    mean_a, mean_b
        The metric's mean over the runs (or over the test origins or series).
    spread_a, spread_b
        Max - min over the runs, descriptive only (a fixed number has spread 0).
    wins_a, n
        In how many of the ``n`` pairs ``a`` was strictly better.
    low, high
        The :data:`LEVEL` confidence interval of ``mean_a - mean_b``, or, where ``ratio``,
        of the ratio ``a / b`` (of geometric means: the rule compared logarithms).
    p_value
        The two-sided p-value of "no difference" (Holm-adjusted after :func:`holm`).
    test
        What was tested, for the sentence ("paired t over 3 runs").
    ratio
        Whether the interval is of the ratio ``a / b`` (the rule read log values).
    better
        ``a`` or ``b`` when the interval excludes zero, else ``None``.
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
    low: float = float("nan")
    high: float = float("nan")
    p_value: float = float("nan")
    test: str = ""
    ratio: bool = False

    @property
    def settled(self) -> bool:
        """Whether the comparison settles which model is better."""
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
        what, null = ("a / b", "1") if self.ratio else ("a − b", "0")
        interval = f"{what} in [{self.low:.3g}, {self.high:.3g}]"
        p = f"p = {self.p_value:.2g}"
        if self.better is None:
            return (f"{self.a} vs {self.b} on {self.metric}: not settled ({self.test}; means "
                    f"{self.mean_a:.4g} and {self.mean_b:.4g}; {interval} contains {null}; {p})")
        a_wins = self.better == self.a
        loser = self.b if a_wins else self.a
        win_mean, lose_mean = ((self.mean_a, self.mean_b) if a_wins
                               else (self.mean_b, self.mean_a))
        return (f"{self.better} beats {loser} on {self.metric}: mean {win_mean:.4g} against "
                f"{lose_mean:.4g} ({self.test}; {interval}; {p})")


def compare(a: Sequence[float], b: Sequence[float] | float, *, names: tuple[str, str] = ("a", "b"),
            metric: str = "metric", lower_is_better: bool = True,
            reference_sd: float | None = None, reference_n: int | None = None,
            log: bool | None = None) -> Verdict:
    """Apply the book's rule (module docstring) to paired runs of two models.

    Parameters
    ----------
    a : (n,) values of model ``a``, one per run
    b : (n,) values of model ``b`` for the same runs, in the same order; or one number
        (a reference that does not vary with the seed, or a published mean)
    names
        The two names, for the verdict's sentence.
    metric
        The metric's name.
    lower_is_better
        True for errors (MSE, MAE, floor ratio), False for scores (skill, accuracy).
    reference_sd, reference_n
        Where ``b`` is one number that was itself a mean over ``reference_n`` seeds with
        standard deviation ``reference_sd`` (a published "135.9 ± 3.6" over 3 seeds):
        the interval is then Welch's, counting the reference's own seed noise.
    log
        Compare the logarithms: the interval is that of the mean log ratio, reported as
        the ratio ``a / b`` of geometric means. Default (``None``): for errors whose values
        are all positive (``lower_is_better`` and every value > 0), where a model is better
        or worse by a factor, which a log makes additive; otherwise the values themselves.
        A published spread then enters as ``reference_sd / b`` (its delta-method log).

    Returns
    -------
    Verdict
        With the interval of ``mean(a) - mean(b)`` (or, on the log scale, of the ratio
        ``a / b``) and the p-value of no difference.

    Raises
    ------
    ValueError
        With fewer than :data:`MIN_RUNS` runs, unequal numbers of runs, non-finite
        values, or a reference spread without a single number ``b``.
    """
    a_arr = np.asarray(a, dtype=float)
    published = reference_sd is not None or reference_n is not None
    if published and np.ndim(b) != 0:
        raise ValueError("compare: reference_sd and reference_n are for a fixed number b, "
                         "not for paired runs")
    if published and (reference_sd is None or reference_n is None
                      or reference_sd < 0 or reference_n < 2):
        raise ValueError(f"compare: a published reference needs reference_sd >= 0 and "
                         f"reference_n >= 2, got {reference_sd} and {reference_n}")
    b_arr = np.full_like(a_arr, float(b)) if np.ndim(b) == 0 else np.asarray(b, dtype=float)
    if a_arr.ndim != 1 or a_arr.shape != b_arr.shape:
        raise ValueError(f"compare: a has {a_arr.shape} runs and b {b_arr.shape}; expected "
                         "the same number of paired runs (or one number for b)")
    n = len(a_arr)
    if n < MIN_RUNS:
        raise ValueError(f"compare: {n} runs given, at least {MIN_RUNS} needed for an "
                         "interval; run more seeds")
    if not (np.isfinite(a_arr).all() and np.isfinite(b_arr).all()):
        raise ValueError(f"compare: non-finite values in a={a_arr} or b={b_arr}")
    sign = 1.0 if lower_is_better else -1.0
    positive = bool((a_arr > 0).all() and (b_arr > 0).all())
    if log and not positive:
        raise ValueError("compare: log=True needs every value of a and b to be positive")
    ratio = (lower_is_better and positive) if log is None else bool(log)
    diff = np.log(a_arr) - np.log(b_arr) if ratio else a_arr - b_arr
    var_a = float(diff.var(ddof=1)) / n
    if published:
        sd_b = float(reference_sd) / float(b) if ratio else float(reference_sd)
        var_b = sd_b ** 2 / int(reference_n)
        se = math.sqrt(var_a + var_b)
        df = ((var_a + var_b) ** 2 / (var_a ** 2 / (n - 1) + var_b ** 2 / (reference_n - 1))
              if var_a + var_b > 0 else float(n - 1))
    else:
        se, df = math.sqrt(var_a), float(n - 1)
    scale = " on log values" if ratio else ""
    test = (f"Welch's t{scale}, {n} runs against a mean of {reference_n} seeds" if published
            else f"{'paired' if np.ndim(b) != 0 else 'one-sample'} t{scale} over {n} runs")
    low, high, p = t_interval(float(diff.mean()), se, df, LEVEL)
    better = winner(names, low, high, lower_is_better)
    if ratio:
        low, high = math.exp(low), math.exp(high)
    return Verdict(a=names[0], b=names[1], metric=metric, mean_a=float(a_arr.mean()),
                   mean_b=float(b_arr.mean()), spread_a=float(np.ptp(a_arr)),
                   spread_b=float(np.ptp(b_arr)) + (float(reference_sd) if published else 0.0),
                   wins_a=int((sign * -diff > 0).sum()), n=n, better=better,
                   low=low, high=high, p_value=p, test=test, ratio=ratio)


def compare_results(results: pd.DataFrame, a: str, b: str, metric: str, *, by: str = "model",
                    pair: str = "seed", lower_is_better: bool = True,
                    log: bool | None = None) -> Verdict:
    """:func:`compare` for two groups of a results table, paired on the ``pair`` column.

    Parameters
    ----------
    results
        One row per run, as :func:`covtut.multi_seed` returns: columns ``by``, ``pair``
        and ``metric``.
    a, b
        Values of ``results[by]`` to compare.
    lower_is_better, log
        As for :func:`compare`.

    Returns
    -------
    Verdict
        As :func:`compare` gives it, on the runs ordered by ``pair``.

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
                   metric=metric, lower_is_better=lower_is_better, log=log)


def holm(verdicts: Sequence[Verdict]) -> list[Verdict]:
    """Holm's step-down correction over the comparisons of one table.

    The chance that *any* verdict of the table is a false "beats" stays at most 5 %.
    Each verdict's p-value is replaced by its Holm-adjusted value, and it stays settled
    only where that is below 5 %; its interval is the unadjusted one.

    Parameters
    ----------
    verdicts
        The table's comparisons, each with a p-value.

    Returns
    -------
    list of Verdict
        In the order given.
    """
    m = len(verdicts)
    if m == 0:
        return []
    order = sorted(range(m), key=lambda i: verdicts[i].p_value)
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * verdicts[i].p_value))
        adjusted[i] = running
    out = []
    for v, p in zip(verdicts, adjusted, strict=True):
        keep = v.better if p < 1.0 - LEVEL else None
        out.append(replace(v, p_value=p, better=keep,
                           test=f"{v.test}; Holm over {m} comparisons"))
    return out
