"""The recipe every chapter starts from: split by time, scale on training, cut three window sets.

Introduced in chapter "Getting started" (chapter 0) and used by the synthetic chapters and
:mod:`covtut.tasks.regimes`: one function, so that no chapter writes it out again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from covtut.data.scaling import SeriesScaler
from covtut.data.series import SeriesData
from covtut.data.split import Split, chronological_split
from covtut.data.windows import WindowDataset

__all__ = ["Windowed", "windowed_datasets"]


@dataclass(frozen=True)
class Windowed:
    """One panel, split by time, scaled on its training period, cut into window sets.

    Attributes
    ----------
    split
        The origins of each set and the end of the training period.
    scaler
        Fitted on ``[:split.train_end]`` only: validation and test values never set a scale.
    scaled
        ``scaler.transform(data)``: what the windows read.
    train, val, test
        The windows of each period; ``test`` covers every series, ``train`` and ``val``
        the ``train_series`` (all series by default).
    """

    split: Split
    scaler: SeriesScaler
    scaled: SeriesData
    train: WindowDataset
    val: WindowDataset
    test: WindowDataset


def windowed_datasets(
    data: SeriesData,
    lookback: int,
    horizon: int,
    *,
    val_frac: float = 0.15,
    test_frac: float = 0.15,
    stride: int = 1,
    split: Split | None = None,
    scaler: SeriesScaler | None = None,
    train_series: Sequence[int] | torch.Tensor | None = None,
    test_origins: Sequence[int] | torch.Tensor | None = None,
) -> Windowed:
    """Split ``data`` by time, fit a scaler on the training period, cut the three sets.

    Parameters
    ----------
    data
        The panel, in original units: ``(N, T, ...)`` fields.
    lookback, horizon
        ``L`` and ``H`` of every window.
    val_frac, test_frac, stride
        As :func:`~covtut.data.split.chronological_split`; ignored when ``split`` is given.
    split
        Origins chosen elsewhere (for example by :func:`~covtut.data.split.split_by_time`).
    scaler
        An unfitted scaler with the options you need; default ``SeriesScaler()``. It is
        fitted here, on ``[:split.train_end]``.
    train_series
        The series that train and validate (series indices); the test set keeps every
        series, so that series never seen in training are scored too.
    test_origins
        Test origins other than ``split.test`` (for example every step of the test period,
        so that every phase of a season counts).

    Returns
    -------
    Windowed
        The split, the fitted scaler, the scaled data and the three
        :class:`~covtut.data.windows.WindowDataset`.
    """
    if split is None:
        split = chronological_split(data.n_steps, lookback, horizon, val_frac=val_frac,
                                    test_frac=test_frac, stride=stride)
    scaler = (SeriesScaler() if scaler is None else scaler).fit(data, split.train_end)
    scaled = scaler.transform(data)
    test = split.test if test_origins is None else test_origins
    return Windowed(
        split=split, scaler=scaler, scaled=scaled,
        train=WindowDataset(scaled, lookback, horizon, origins=split.train, series=train_series),
        val=WindowDataset(scaled, lookback, horizon, origins=split.val, series=train_series),
        test=WindowDataset(scaled, lookback, horizon, origins=test),
    )
