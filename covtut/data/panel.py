"""A long table onto one regular time grid: the checks a real table needs.

Introduced in chapter "Covariates and their shapes".

A reader's table is not synthetic data: timestamps must match across series, rows may
be duplicated, series start and stop at different dates, values are missing. The
helpers here find each of those before the table becomes tensors, and say which
column, which series and which timestamp is at fault. :func:`covtut.data.table.from_dataframe`
calls them in order.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["as_columns", "time_column", "regular_grid", "check_duplicates",
           "check_categorical", "check_shifted_grids", "label"]


def as_columns(value: str | Sequence[str] | None, name: str) -> list[str]:
    """A column-list argument as a list: ``"price"`` is ``["price"]``, not five letters."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    columns = list(value)
    bad = [c for c in columns if not isinstance(c, str)]
    if bad:
        raise TypeError(f"from_dataframe: {name} must be a column name or a list of them, "
                        f"got {bad!r}")
    return columns


def label(key: object) -> str:
    """A series key or timestamp as it reads in an error message."""
    if isinstance(key, tuple):
        return "(" + ", ".join(repr(k) for k in key) + ")"
    if isinstance(key, pd.Timestamp):
        return str(key)
    return repr(key)


def time_column(df: pd.DataFrame, time: str) -> pd.Series:
    """The time column as numbers or timestamps; text and periods are refused or converted."""
    t = df[time]
    if isinstance(t.dtype, pd.PeriodDtype):
        return t.dt.to_timestamp()
    if pd.api.types.is_datetime64_any_dtype(t) or pd.api.types.is_numeric_dtype(t):
        if t.isna().any():
            raise ValueError(f"from_dataframe: time column {time!r} holds "
                             f"{int(t.isna().sum())} missing value(s)")
        return t
    example = t.iloc[0] if len(t) else None
    raise TypeError(f"from_dataframe: time column {time!r} has dtype {t.dtype} (e.g. "
                    f"{example!r}), expected numbers or timestamps; convert it first, e.g. "
                    f"df[{time!r}] = pd.to_datetime(df[{time!r}])")


def regular_grid(times: pd.Series, freq: str | int | None = None) -> pd.Index:
    """The regular grid from the first to the last time step of all series.

    Parameters
    ----------
    times
        Every row's time (numbers or timestamps).
    freq
        The grid's step: a pandas frequency (``"MS"``, ``"30min"``) for timestamps, a
        number for numeric times. Default: inferred from the timestamps; where no
        regular frequency can be inferred, the grid is the sorted set of all timestamps.

    Returns
    -------
    pandas.Index
        ``T`` steps, a ``DatetimeIndex`` (with ``freq``) or a numeric index.
    """
    unique = pd.Index(times.unique()).sort_values()
    if pd.api.types.is_numeric_dtype(unique):
        if freq is None:
            diffs = np.diff(unique.to_numpy())
            if len(diffs) == 0:
                return unique
            step = diffs.min()
            if not np.allclose(diffs / step, np.round(diffs / step)):
                return unique  # no common step: the steps that occur are the grid
        else:
            step = freq
        n = int(round((unique[-1] - unique[0]) / step)) + 1
        return pd.Index(unique[0] + step * np.arange(n))
    if freq is None and len(unique) >= 3:
        with warnings.catch_warnings():  # pandas 3 warns that it will return an offset
            warnings.filterwarnings("ignore", message=".*infer_freq")
            freq = pd.infer_freq(unique)
        if freq is None:  # gaps: try the most common difference between steps
            common = pd.Series(unique[1:] - unique[:-1]).mode().iloc[0]
            grid = pd.date_range(unique[0], unique[-1], freq=common)
            freq = common if unique.isin(grid).all() else None
    if freq is None:
        return pd.DatetimeIndex(unique)
    return pd.date_range(unique[0], unique[-1], freq=freq)


def check_duplicates(df: pd.DataFrame, series: list[str], time: str) -> None:
    """Raise if two rows share a (series, time): each series has one row per step."""
    dup = df.duplicated([*series, time], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        key = tuple(first[c] for c in series)
        raise ValueError(
            f"from_dataframe: {int(dup.sum())} rows share a (series, time) with another "
            f"row, first series {label(key[0] if len(key) == 1 else key)} at {time}="
            f"{label(first[time])}; each series needs one row per time step: drop or "
            f"aggregate the duplicates (df.drop_duplicates or df.groupby(...).mean())")


def check_categorical(df: pd.DataFrame, column: str) -> None:
    """Refuse a float column with non-integer values given as categorical.

    A continuous column read as categories makes one category per distinct value, and
    half-integer codes are not codes: either is a mistake in the column list.
    """
    values = df[column]
    if pd.api.types.is_float_dtype(values):
        finite = values.dropna().to_numpy()
        if (finite != np.round(finite)).any():
            raise TypeError(
                f"from_dataframe: categorical column {column!r} holds non-integer floats "
                f"({values.nunique()} distinct values, e.g. "
                f"{finite[finite != np.round(finite)][0]!r}); pass a continuous column as "
                "known or static (numeric), or cast category codes to int or str first")


def check_shifted_grids(present: np.ndarray, index: pd.Index, grid: pd.Index, time: str) -> None:
    """Refuse series whose own grids are offset copies of each other (UTC against local
    time, a half-hour shift): their union grid is finer than any series' own step."""
    strides, phases = [], []
    for row in present:
        steps = np.flatnonzero(row)
        if len(steps) < 2:
            return
        strides.append(int(np.gcd.reduce(np.diff(steps))))
        phases.append(int(steps[0]))
    k = strides[0]
    if k < 2 or any(st != k for st in strides):
        return
    by_phase = {}
    for s, ph in enumerate(phases):
        by_phase.setdefault(ph % k, s)
    if len(by_phase) < 2:
        return
    a, b = list(by_phase.values())[:2]
    raise ValueError(
        f"from_dataframe: the series lie on grids shifted against each other: each has a row "
        f"every {k} steps of the common grid, but series {label(index[a])} starts at "
        f"{time}={grid[phases[a]]} and series {label(index[b])} at {time}={grid[phases[b]]}; "
        "align them first (the same time zone, or round or resample the timestamps)")
