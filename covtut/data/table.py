"""From a long table (one row per series and time step) to :class:`~covtut.data.series.SeriesData`.

Introduced in chapter "Covariates and their shapes".

:func:`from_dataframe` names each column's kind, places every series on one regular
time grid (:mod:`covtut.data.panel` holds the checks a real table needs), encodes the
categories and returns the tensors, with the grid's timestamps and the series keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import torch

from covtut.data.encoding import CategoryEncoder
from covtut.data.panel import (
    as_columns,
    check_categorical,
    check_duplicates,
    check_shifted_grids,
    label,
    regular_grid,
    time_column,
)
from covtut.data.series import SeriesData

__all__ = ["from_dataframe"]


Missing = Literal["error", "mask"]


def from_dataframe(
    df: pd.DataFrame,
    *,
    series: str | Sequence[str],
    time: str,
    target: str | Sequence[str],
    observed: str | Sequence[str] = (),
    known: str | Sequence[str] = (),
    known_cat: str | Sequence[str] = (),
    static: str | Sequence[str] = (),
    static_cat: str | Sequence[str] = (),
    fit_until=None,
    encoders: dict[str, CategoryEncoder] | None = None,
    freq: str | int | None = None,
    missing: Missing = "error",
) -> tuple[SeriesData, dict[str, CategoryEncoder]]:
    """Turn a long table (one row per series and time step) into
    :class:`~covtut.data.series.SeriesData`.

    The series are placed on one regular time grid, from the first timestamp of any
    series to the last (:func:`covtut.data.panel.regular_grid`), so that step ``t`` is the
    same timestamp in every series. A series may start later or end earlier than others
    (a ragged panel): its steps outside its span are marked invalid in ``data.mask``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per (series, time); duplicates and rows off the grid are refused.
    series
        The series-key column, or several (``["State", "Industry"]``: the key is a tuple).
    time
        The time column: numbers or timestamps (convert text with ``pd.to_datetime``).
    target, observed, known, known_cat, static, static_cat
        Column names of each kind of input, a name or a list of names. Static columns
        must be constant per series. A categorical column must hold categories (text,
        integers), not non-integer floats, and no missing value: fill one with an explicit
        category (``df[c].fillna("none")``) if missing is a category of its own.
    fit_until
        Categorical encoders learn only the categories seen in rows with
        ``df[time] < fit_until`` (the training period), so that later categories map
        to the reserved 'unseen' index 0, as they would in real use. ``None``: all rows.
    encoders
        Already fitted encoders (those returned for the training data) to use instead
        of fitting new ones: for new data, such as a series that joins later, whose
        codes must mean what they meant in training. Must hold every categorical column.
    freq
        The grid's step (``"MS"``, ``"30min"``, or a number for numeric times); default
        inferred from the timestamps.
    missing
        A step *inside* a series' span with no row, or a NaN in a target, observed,
        known or known-categorical column: ``"error"`` (the default) raises, naming the
        column, the series and the timestamp; ``"mask"`` marks the whole step invalid
        in ``data.mask`` (its values become 0 and are never read as data), so that a
        gap, or a NaN in the test period, costs only the windows that would read it.

    Returns
    -------
    data : SeriesData
        With ``time`` (the grid), ``info`` (the series keys and their raw statics),
        ``columns``, and ``mask`` (``None`` when every step of every series is observed,
        so that fully observed tables behave exactly as before).
    encoders : dict[str, CategoryEncoder]
        One fitted encoder per categorical column, to decode or encode new data.
    """
    if missing not in ("error", "mask"):
        raise ValueError(f"from_dataframe: missing={missing!r}; valid: ('error', 'mask')")
    keys, cols = _column_names(df, series, time, {
        "target": target, "observed": observed, "known": known, "known_cat": known_cat,
        "static": static, "static_cat": static_cat})
    df = _checked_rows(df, keys, time, [*cols["known_cat"], *cols["static_cat"]])
    at = _place(df, keys, time, freq)
    dynamic, valid, problems = _dynamic_values(df, at, cols)
    if problems and missing == "error":
        _refuse_missing(problems, at)
    first_rows = _static_rows(df, at, cols)
    encoders = _encoders(df, time, [*cols["known_cat"], *cols["static_cat"]], encoders,
                         fit_until)
    known_codes = np.zeros((at.N, at.T, len(cols["known_cat"])), dtype=np.int64)
    for j, c in enumerate(cols["known_cat"]):
        ok = df[c].notna().to_numpy()
        known_codes[at.s_idx[ok], at.t_idx[ok], j] = encoders[c].transform(df[c][ok])
    known_codes[~valid] = 0
    static_codes = np.zeros((at.N, len(cols["static_cat"])), dtype=np.int64)
    for j, c in enumerate(cols["static_cat"]):
        static_codes[:, j] = encoders[c].transform(first_rows[c])
    data = SeriesData(
        target=torch.from_numpy(dynamic["target"]),
        observed=torch.from_numpy(dynamic["observed"]),
        known=torch.from_numpy(dynamic["known"]),
        known_cat=torch.from_numpy(known_codes),
        static=torch.from_numpy(np.array(first_rows[cols["static"]].to_numpy(np.float32))
                                .reshape(at.N, len(cols["static"]))),
        static_cat=torch.from_numpy(static_codes),
        known_cardinalities=tuple(encoders[c].cardinality for c in cols["known_cat"]),
        static_cardinalities=tuple(encoders[c].cardinality for c in cols["static_cat"]),
        mask=None if valid.all() else torch.from_numpy(valid),
        time=at.grid,
        info=first_rows[[*cols["static"], *cols["static_cat"]]].set_axis(at.index),
        columns={**{name: tuple(v) for name, v in cols.items()}, "series": tuple(keys),
                 "time": (time,)},
    )
    return data, encoders


def _column_names(df: pd.DataFrame, series: str | Sequence[str], time: str,
                  kinds: dict[str, str | Sequence[str]]) -> tuple[list[str], dict[str, list[str]]]:
    """The series-key columns and the columns of each kind, all present in ``df``."""
    keys = as_columns(series, "series")
    cols = {name: as_columns(v, name) for name, v in kinds.items()}
    absent = [c for c in [*keys, time, *(c for v in cols.values() for c in v)]
              if c not in df.columns]
    if absent:
        raise KeyError(f"from_dataframe: columns {absent} not in the DataFrame "
                       f"(it has {list(df.columns)})")
    if not cols["target"]:
        raise ValueError("from_dataframe: target names no column")
    return keys, cols


def _checked_rows(df: pd.DataFrame, keys: list[str], time: str, cats: list[str]) -> pd.DataFrame:
    """``df`` with a checked time column, sorted by series and time: no missing key, no
    duplicate (series, time) row, categories that are categories."""
    times = time_column(df, time)
    if times is not df[time]:
        df = df.assign(**{time: times})
    for c in keys:
        if df[c].isna().any():
            raise ValueError(f"from_dataframe: series column {c!r} holds missing keys")
    check_duplicates(df, keys, time)
    for c in cats:
        check_categorical(df, c)
    return df.sort_values([*keys, time])


@dataclass
class _Placement:
    """Where every row of the sorted table goes: series ``s_idx`` and step ``t_idx`` of
    the ``(N, T)`` grid (each ``(n_rows,)`` int64)."""

    grid: pd.Index
    index: pd.Index  # the series keys, sorted
    groups: object  # the table grouped by series
    s_idx: np.ndarray
    t_idx: np.ndarray
    time: str

    @property
    def N(self) -> int:
        return len(self.index)

    @property
    def T(self) -> int:
        return len(self.grid)

    def where(self, s: int, t: int) -> str:
        """Series ``s`` at step ``t``, for messages."""
        return f"series {label(self.index[s])} at {self.time}={self.grid[t] if t >= 0 else '?'}"


def _place(df: pd.DataFrame, keys: list[str], time: str, freq: str | int | None) -> _Placement:
    """Put every row on one regular grid; refuse rows off it and series on shifted grids."""
    grid = regular_grid(df[time], freq)
    groups = df.groupby(keys, sort=True)
    at = _Placement(grid=grid, index=groups.size().index, groups=groups,
                    s_idx=groups.ngroup().to_numpy(), t_idx=grid.get_indexer(df[time]),
                    time=time)
    off = at.t_idx < 0
    if off.any():
        first = int(np.flatnonzero(off)[0])
        raise ValueError(
            f"from_dataframe: {int(off.sum())} rows lie off the time grid (from "
            f"{grid[0]} every {getattr(grid, 'freq', None) or freq}), first series "
            f"{label(at.index[at.s_idx[first]])} at {time}={df[time].iloc[first]}: series on "
            "shifted grids cannot be stacked step by step; align them (resample, or "
            "round the timestamps) first, or pass freq=")
    return at


def _dynamic_values(df: pd.DataFrame, at: _Placement, cols: dict[str, list[str]]
                    ) -> tuple[dict[str, np.ndarray], np.ndarray, list[tuple]]:
    """The ``(N, T, n)`` float32 arrays of target, observed and known; the ``(N, T)``
    observed steps; and each kind of missing value found, as (what, count, series, step).

    A step is unobserved when it lies inside its series' span with no row (a gap), or its
    row holds a NaN or infinite number, or a missing known category; such steps hold 0.
    """
    present = np.zeros((at.N, at.T), dtype=bool)
    present[at.s_idx, at.t_idx] = True
    check_shifted_grids(present, at.index, at.grid, at.time)
    steps = np.arange(at.T)
    start = present.argmax(axis=1)
    end = at.T - present[:, ::-1].argmax(axis=1)
    span = (steps >= start[:, None]) & (steps < end[:, None])  # (N, T)
    gaps = span & ~present
    problems = []
    if gaps.any():
        s, t = np.argwhere(gaps)[0]
        problems.append(("no row (a gap in the series' time steps)", int(gaps.sum()), s, t))

    def block(columns: list[str]) -> np.ndarray:
        arr = np.zeros((at.N, at.T, len(columns)), dtype=np.float32)
        if columns:
            arr[at.s_idx, at.t_idx] = df[columns].to_numpy(dtype=np.float32)
        return arr

    dynamic = {name: block(cols[name]) for name in ("target", "observed", "known")}
    row_ok = np.ones(len(df), dtype=bool)
    for name, arr in dynamic.items():
        for j, c in enumerate(cols[name]):
            bad = ~np.isfinite(arr[at.s_idx, at.t_idx, j])
            if bad.any():
                problems.append((f"{name} column {c!r} is NaN or infinite",
                                 *_first(bad, at)))
                row_ok &= ~bad
    for c in cols["known_cat"]:
        bad = df[c].isna().to_numpy()
        if bad.any():
            problems.append((f"known_cat column {c!r} is missing", *_first(bad, at)))
            row_ok &= ~bad
    valid = np.zeros((at.N, at.T), dtype=bool)
    valid[at.s_idx[row_ok], at.t_idx[row_ok]] = True
    for arr in dynamic.values():
        arr[~valid] = 0.0  # invalid steps hold 0, never NaN: nothing reads them
    return dynamic, valid, problems


def _first(bad: np.ndarray, at: _Placement) -> tuple[int, int, int]:
    """Count of ``bad`` rows, and the (series, step) of the first."""
    first = int(np.flatnonzero(bad)[0])
    return int(bad.sum()), int(at.s_idx[first]), int(at.t_idx[first])


def _refuse_missing(problems: list[tuple], at: _Placement) -> None:
    """Raise for the first kind of missing value, naming the others (``missing="error"``)."""
    what, n, s, t = problems[0]
    others = "; also " + ", ".join(p[0] for p in problems[1:]) if len(problems) > 1 else ""
    raise ValueError(
        f"from_dataframe: {what} at {n} step(s), first {at.where(s, t)}{others}. Pass "
        "missing='mask' to treat such steps as unobserved (never read as data), or "
        "impute them first")


def _static_rows(df: pd.DataFrame, at: _Placement, cols: dict[str, list[str]]) -> pd.DataFrame:
    """Each series' first row, after checking that its static columns are constant and
    present."""
    first_rows = df.iloc[np.unique(at.s_idx, return_index=True)[1]]
    for c in [*cols["static"], *cols["static_cat"]]:
        varies = at.groups[c].nunique(dropna=False).to_numpy() > 1
        if varies.any():
            raise ValueError(f"from_dataframe: static column {c!r} varies within "
                             f"series {label(at.index[int(np.flatnonzero(varies)[0])])}")
        if first_rows[c].isna().any():
            s = int(np.flatnonzero(first_rows[c].isna().to_numpy())[0])
            raise ValueError(f"from_dataframe: static column {c!r} is missing for series "
                             f"{label(at.index[s])}; fill it (an explicit category such as "
                             "'unknown' for a categorical column)")
    return first_rows


def _encoders(df: pd.DataFrame, time: str, cats: list[str],
              encoders: dict[str, CategoryEncoder] | None, fit_until) -> dict[str, CategoryEncoder]:
    """One encoder per categorical column: the given ones, or fitted on ``time < fit_until``."""
    if encoders is None:
        fit_rows = df if fit_until is None else df[df[time] < fit_until]
        return {c: CategoryEncoder().fit(fit_rows[c].dropna()) for c in cats}
    absent = [c for c in cats if c not in encoders]
    if absent:
        raise KeyError(f"from_dataframe: no encoder given for columns {absent}")
    return {c: encoders[c] for c in cats}
