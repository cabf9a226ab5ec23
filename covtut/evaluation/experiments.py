"""Run an experiment over several seeds and summarise mean and spread.

Introduced in chapter "Getting started".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pandas as pd

__all__ = ["multi_seed", "summarize", "disjoint_groups", "MIN_GROUPS"]

#: The fewest disjoint ensembles a verdict about ensembles compares (as many as the fewest
#: seeds a verdict about single models compares).
MIN_GROUPS = 3


def multi_seed(run: Callable[[int], dict[str, float]], seeds: Iterable[int] = (0, 1, 2),
               **labels: object) -> pd.DataFrame:
    """Call ``run(seed)`` for each seed; one row per seed, plus ``labels`` as columns.

    ``run`` returns a dict of metrics, for example ``{"rmse": 0.31, "seconds": 4.2}``.
    """
    rows = [{**labels, "seed": seed, **run(seed)} for seed in seeds]
    return pd.DataFrame(rows)


def summarize(results: pd.DataFrame, by: str | list[str] = "model",
              metrics: list[str] | None = None) -> pd.DataFrame:
    """Mean, std, min, max and count of each metric per group (e.g. per model)."""
    by = [by] if isinstance(by, str) else by
    metrics = metrics or [c for c in results.columns
                          if c not in (*by, "seed") and pd.api.types.is_numeric_dtype(results[c])]
    return results.groupby(by, sort=False)[metrics].agg(["mean", "std", "min", "max", "count"])


def disjoint_groups(seeds: Sequence[int], members: int,
                    min_groups: int = MIN_GROUPS) -> list[tuple[int, ...]]:
    """Split ``seeds`` into disjoint ensembles of ``members`` seeds each, in order.

    A verdict about an ensemble of ``m`` members compares at least ``min_groups`` such
    ensembles (each a run of the verdict rule), never one ensemble against single seeds;
    seeds left over are not used.

    Examples
    --------
    >>> disjoint_groups(range(7), 2)
    [(0, 1), (2, 3), (4, 5)]
    """
    seeds = [int(s) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"disjoint_groups(seeds={seeds}): a seed appears twice")
    if members < 1:
        raise ValueError(f"disjoint_groups(members={members}): at least 1 member")
    n = len(seeds) // members
    if n < min_groups:
        raise ValueError(
            f"disjoint_groups: {len(seeds)} seeds make {n} disjoint ensembles of {members}; "
            f"a verdict compares at least {min_groups}, so give at least "
            f"{min_groups * members} seeds")
    return [tuple(seeds[i * members:(i + 1) * members]) for i in range(n)]
