"""Run an experiment over several seeds and summarise mean and spread.

Introduced in chapter "Getting started".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

__all__ = ["multi_seed", "summarize"]


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
