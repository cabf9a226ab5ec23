"""Forecasts that need no training, which every model must beat before a comparison
between models means anything.

Introduced in chapter "The naive way, and when it fails".

Both baselines read the series in their original units and index them by the window
keys of a :class:`~covtut.data.windows.WindowDataset` (its ``series_index`` and
``origin_index``), so they work for any lookback, even one shorter than a season:

* :func:`seasonal_naive`: repeat the value one season before each horizon step;
* :func:`seasonal_profile` and :func:`profile_forecast`: each series' own average at
  each phase of the season, over the training period only;
* :func:`seasonal_scale`: each series' in-sample error of the seasonal naive forecast,
  the yardstick of the MASE (:func:`covtut.evaluation.metrics.mase`).
"""

from __future__ import annotations

import torch

from covtut.data.series import SeriesData
from covtut.data.windows import WindowDataset

__all__ = ["seasonal_naive", "seasonal_profile", "profile_forecast", "seasonal_scale"]


def _keys(dataset: WindowDataset) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    series = dataset.series_index.cpu()
    origins = dataset.origin_index.cpu()
    steps = origins[:, None] + torch.arange(dataset.horizon)  # (B, H)
    return series, origins, steps


def seasonal_naive(data: SeriesData, dataset: WindowDataset, season: int) -> torch.Tensor:
    """``y[o + k - season * ceil((k + 1) / season)]``: the last observed value at the
    same phase, for every window of ``dataset``.

    Parameters
    ----------
    data
        The series the dataset was cut from, in the units you want the forecast in
        (usually the original, unscaled data).
    dataset
        Supplies the window keys and the horizon ``H``.
    season
        The period in steps (1 gives the last-value forecast).

    Returns
    -------
    (B, H, n_targets) float tensor on the CPU.
    """
    if season < 1:
        raise ValueError(f"season must be >= 1, got {season}")
    series, origins, steps = _keys(dataset)
    k = torch.arange(dataset.horizon)
    back = season * (k // season + 1)  # (H,): steps back to the same phase, before o
    if int(origins.min() - back.max()) < 0:
        raise ValueError(f"season={season} reaches before the first step for origin "
                         f"{int(origins.min())} and horizon {dataset.horizon}")
    y = data.target.cpu()
    if data.mask is not None:  # a ragged panel: the value one season back must be observed
        seen = data.mask.cpu()[series[:, None], steps - back]  # (B, H)
        if not seen.all():
            b = int((~seen).any(1).nonzero()[0])
            raise ValueError(
                f"season={season} reaches an unobserved step for the window of "
                f"{data.series_label(int(series[b]))} at origin {data.step_label(int(origins[b]))}"
                "; use a shorter season, or windows with more history")
    return y[series[:, None], steps - back]  # (B, H, n_targets)


def seasonal_profile(data: SeriesData, until: int, period: int) -> torch.Tensor:
    """Each series' mean target at each phase of the season, over steps ``[:until]``.

    Fit it on the training period (``split.train_end``) so that it sees no value it
    is later scored on.

    Returns
    -------
    (N, period, n_targets) float tensor on the CPU; phase ``p`` averages the steps
    ``t < until`` with ``t % period == p`` (the observed ones, on a ragged panel).
    """
    if until < period:
        raise ValueError(f"until={until} must cover at least one period ({period} steps)")
    y = data.target[:, :until].cpu()  # (N, until, n_targets)
    phase = torch.arange(until) % period
    sums = torch.zeros(y.shape[0], period, y.shape[2], dtype=y.dtype)
    if data.mask is None:
        sums.index_add_(1, phase, y)
        counts = torch.bincount(phase, minlength=period).to(y.dtype)
        return sums / counts[None, :, None]
    # a ragged panel: average the observed steps only (a phase never observed gives NaN)
    seen = data.mask[:, :until].cpu()[..., None]  # (N, until, 1)
    sums.index_add_(1, phase, torch.where(seen, y, 0.0))
    counts = torch.zeros(y.shape[0], period, 1, dtype=y.dtype).index_add_(1, phase, seen.to(y))
    return sums / counts


def profile_forecast(profile: torch.Tensor, dataset: WindowDataset) -> torch.Tensor:
    """The profile value at the phase of every horizon step: ``(B, H, n_targets)``.

    ``profile`` comes from :func:`seasonal_profile`; step ``t`` has phase
    ``t % period``, the same convention as the synthetic regimes' calendar.
    """
    series, _, steps = _keys(dataset)
    return profile[series[:, None], steps % profile.shape[1]]  # (B, H, n_targets)


def seasonal_scale(data: SeriesData, until: int, season: int) -> torch.Tensor:
    """Each series' mean ``|y_t - y_{t - season}|`` over the steps ``t < until``.

    The yardstick of the mean absolute scaled error (Hyndman and Koehler, 2006): a
    forecast's error divided by it is below 1 where the forecast beats, out of sample,
    what the seasonal naive forecast achieved in sample. On a ragged panel only pairs of
    observed steps count.

    Returns
    -------
    (N, n_targets) float tensor on the CPU.

    Raises
    ------
    ValueError
        If a series has no pair of observed steps one season apart before ``until``, or
        its in-sample error is 0 (a constant series), naming the series.
    """
    if season < 1 or until <= season:
        raise ValueError(f"seasonal_scale: need 1 <= season < until, got season={season}, "
                         f"until={until}")
    y = data.target[:, :until].cpu()  # (N, until, n_targets)
    diff = (y[:, season:] - y[:, :-season]).abs()  # (N, until - season, n_targets)
    if data.mask is None:
        pairs = torch.ones(diff.shape[:2], dtype=torch.bool)
    else:
        seen = data.mask[:, :until].cpu()
        pairs = seen[:, season:] & seen[:, :-season]  # (N, until - season)
    count = pairs.sum(dim=1)  # (N,)
    scale = torch.where(pairs[..., None], diff, 0.0).sum(dim=1) / count.clamp_min(1)[:, None]
    bad = (count == 0) | (scale <= 0).any(dim=1)
    if bad.any():
        i = int(bad.nonzero()[0])
        raise ValueError(f"seasonal_scale: {data.series_label(i)} has no in-sample seasonal-"
                         f"naive error before step {until} (too short, or constant), so its "
                         "scaled error is undefined")
    return scale
