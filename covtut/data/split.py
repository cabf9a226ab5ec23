"""Chronological train / validation / test split of forecast origins.

Introduced in chapter "Covariates and their shapes".

Two ways to choose origins: by fractions of the time axis and a stride
(:func:`chronological_split`), or by timestamp (:func:`split_by_time`, with
:func:`origins_at`: every local midnight, every month start, a list of dates), as
real-data protocols define them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from covtut.data.series import SeriesData

__all__ = ["Split", "chronological_split", "origins_at", "split_by_time"]


@dataclass(frozen=True)
class Split:
    """Forecast origins of each set and the step where training data ends.

    Attributes
    ----------
    train, val, test : torch.Tensor
        Origins (int64). A training window's horizon ends at or before ``train_end``,
        so no training target lies in the validation or test period.
    train_end
        First step that is not training data: fit scalers and encoders on ``[:train_end]``.
    val_end
        First step of the test period.
    """

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    train_end: int
    val_end: int


def chronological_split(n_steps: int, lookback: int, horizon: int, val_frac: float = 0.15,
                        test_frac: float = 0.15, stride: int = 1,
                        phase: int | None = None) -> Split:
    """Split the time axis into consecutive train, validation and test periods.

    Origins of each set are taken every ``stride`` steps, such that every target window
    lies entirely inside its own period: a model never trains on a value that it is
    later tested on.

    Parameters
    ----------
    n_steps
        ``T``, the length of the series.
    lookback, horizon
        ``L`` and ``H``.
    val_frac, test_frac
        Fractions of the time axis for the validation and test periods.
    stride
        Steps between consecutive origins (``horizon`` gives non-overlapping targets).
    phase
        ``None`` (the default): each set's origins start at its period's first step, so
        with ``stride > 1`` the sets may sit at different phases of the stride (every
        validation origin at noon, every training origin at midnight). A number: every
        origin ``o`` of every set has ``o % stride == phase % stride`` (``phase=0`` with
        ``stride=24`` on an hourly grid starting at midnight: every origin at midnight).
        To choose origins by timestamp, see :func:`split_by_time`.

    Raises
    ------
    ValueError
        If any of the three sets would be empty.
    """
    if not (0 <= val_frac < 1 and 0 < test_frac < 1 and val_frac + test_frac < 1):
        raise ValueError(f"val_frac={val_frac} and test_frac={test_frac} must be in [0, 1) "
                         "and sum to less than 1")
    val_end = round(n_steps * (1 - test_frac))
    train_end = round(n_steps * (1 - test_frac - val_frac))

    def origins(first: int, end: int) -> torch.Tensor:
        if phase is not None:
            first += (phase - first) % stride  # the first step of the chosen phase
        return torch.tensor(range(first, end - horizon + 1, stride), dtype=torch.long)

    train = origins(lookback, train_end)
    val = origins(train_end, val_end)
    test = origins(val_end, n_steps)
    for name, origins, lo, hi in (("train", train, 0, train_end), ("val", val, train_end, val_end),
                                  ("test", test, val_end, n_steps)):
        if origins.numel() == 0 and not (name == "val" and val_frac == 0):
            raise ValueError(
                f"chronological_split leaves the {name} set empty: its period [{lo}, {hi}) "
                f"of {hi - lo} steps cannot hold a window of lookback={lookback} and "
                f"horizon={horizon} (n_steps={n_steps}); use longer series or other fractions"
            )
    return Split(train=train, val=val, test=test, train_end=train_end, val_end=val_end)


At = str | Sequence | Callable[[pd.Index], np.ndarray] | None


def _grid(time: SeriesData | pd.Index) -> pd.Index:
    grid = time.time if isinstance(time, SeriesData) else pd.Index(time)
    if grid is None:
        raise ValueError("this SeriesData has no time grid (data.time); build it with "
                         "from_dataframe, or pass the timestamps")
    return grid


def _stamp(x: object, grid: pd.Index, tz: str | None) -> pd.Timestamp:
    """``x`` as a timestamp comparable with ``grid``: naive stamps are local to ``tz``."""
    x = pd.Timestamp(x)
    grid_tz = getattr(grid, "tz", None)
    if grid_tz is not None and x.tzinfo is None:
        x = x.tz_localize(tz or grid_tz)
    return x.tz_convert(grid_tz) if grid_tz is not None else x


def _local(grid: pd.Index, tz: str | None) -> pd.DatetimeIndex:
    if not isinstance(grid, pd.DatetimeIndex):
        raise TypeError("origins by timestamp need a DatetimeIndex grid, got "
                        f"{type(grid).__name__}")
    if tz is None:
        return grid
    return grid.tz_convert(tz) if grid.tz is not None else grid.tz_localize(tz)


def origins_at(time: SeriesData | pd.Index, at: At, *, tz: str | None = None) -> torch.Tensor:
    """The steps of the grid whose timestamps are forecast origins, as int64 indices.

    Parameters
    ----------
    time
        A :class:`~covtut.data.series.SeriesData` with a time grid (from
        :func:`covtut.from_dataframe`), or the grid's timestamps.
    at
        ``"midnight"``: every step at 00:00 local time; ``"month_start"``: every first day
        of a month at 00:00; a list of timestamps (each must be on the grid); or a
        function of the (local) ``DatetimeIndex`` that returns a bool array.
    tz
        The local time zone (``"Australia/Melbourne"``), for a grid in UTC; also the zone
        of naive timestamps in a list.
    """
    grid = _grid(time)
    if at is None:
        return torch.arange(len(grid))
    if isinstance(at, str):
        local = _local(grid, tz)
        rules = {"midnight": (local.hour == 0) & (local.minute == 0) & (local.second == 0),
                 "month_start": (local.day == 1) & (local.hour == 0) & (local.minute == 0)}
        if at not in rules:
            raise ValueError(f"origins_at: unknown at={at!r}; valid: {sorted(rules)}, a list "
                             "of timestamps, or a function of the timestamps")
        return torch.from_numpy(np.flatnonzero(rules[at]))
    if callable(at):
        return torch.from_numpy(np.flatnonzero(np.asarray(at(_local(grid, tz)), dtype=bool)))
    stamps = [_stamp(x, grid, tz) if isinstance(grid, pd.DatetimeIndex) else x for x in at]
    idx = grid.get_indexer(stamps)
    if (idx < 0).any():
        raise ValueError(f"origins_at: {stamps[int(np.flatnonzero(idx < 0)[0])]} is not a "
                         f"step of the time grid ({grid[0]} to {grid[-1]})")
    return torch.from_numpy(np.sort(idx))


def split_by_time(time: SeriesData | pd.Index, lookback: int, horizon: int, *, test_start,
                  val_start=None, at: At = None, tz: str | None = None,
                  min_lookback: int | None = None) -> Split:
    """Split forecast origins by timestamp: train before ``val_start``, validation from
    ``val_start``, test from ``test_start``.

    Every origin's horizon lies inside its own period (a training horizon ends at or
    before ``val_start``), and its lookback inside the grid.

    Parameters
    ----------
    time
        A :class:`~covtut.data.series.SeriesData` with a time grid, or the grid's timestamps.
    lookback, horizon
        ``L`` and ``H``.
    test_start, val_start
        First timestamp of the test and validation periods (naive ones are local to
        ``tz``). ``val_start=None``: no validation set; training runs up to ``test_start``.
    at, tz
        Which steps may be origins (see :func:`origins_at`); ``None``: every step.
    min_lookback
        With :class:`~covtut.data.windows.WindowDataset`'s ``min_lookback``: origins may start
        that early in the grid.

    Returns
    -------
    Split
        ``train_end`` is the step of ``val_start`` (of ``test_start`` without validation):
        fit scalers and encoders before it. ``val_end`` is the step of ``test_start``.
        On a ragged panel, :class:`~covtut.data.windows.WindowDataset` then keeps, for each
        series, the origins whose windows it observes.
    """
    grid = _grid(time)
    T = len(grid)

    def step(x) -> int:
        return int(grid.searchsorted(_stamp(x, grid, tz) if isinstance(grid, pd.DatetimeIndex)
                                     else x))

    val_end = step(test_start)
    train_end = val_end if val_start is None else step(val_start)
    if not 0 < train_end <= val_end:
        raise ValueError(f"split_by_time: val_start={val_start} must lie after the grid's start "
                         f"({grid[0]}) and at or before test_start={test_start}")
    o = origins_at(grid, at, tz=tz)
    o = o[o >= (lookback if min_lookback is None else min_lookback)]
    sets = {"train": o[o + horizon <= train_end],
            "val": o[(o >= train_end) & (o + horizon <= val_end)],
            "test": o[(o >= val_end) & (o + horizon <= T)]}
    for name, origins in sets.items():
        if origins.numel() == 0 and not (name == "val" and val_start is None):
            raise ValueError(
                f"split_by_time leaves the {name} set empty: no origin (at={at!r}) whose "
                f"window of lookback={lookback} and horizon={horizon} fits in its period "
                f"(grid {grid[0]} to {grid[-1]}, val_start={val_start}, test_start={test_start})")
    return Split(train=sets["train"], val=sets["val"], test=sets["test"], train_end=train_end,
                 val_end=val_end)
