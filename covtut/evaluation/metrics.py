"""Forecast metrics, all on tensors of shape (B, H, n_targets) in original units.

Introduced in chapter "Getting started".
"""

from __future__ import annotations

import torch

__all__ = ["mae", "rmse", "mape", "smape", "mase", "seasonal_naive", "relative_mae", "skill",
           "noise_floor_ratio"]


def _check(pred: torch.Tensor, truth: torch.Tensor) -> None:
    if pred.shape != truth.shape:
        raise ValueError(f"pred has shape {tuple(pred.shape)}, truth {tuple(truth.shape)}; "
                         "expected equal shapes (B, H, n_targets)")


def mae(pred: torch.Tensor, truth: torch.Tensor) -> float:
    """Mean absolute error."""
    _check(pred, truth)
    return float((pred - truth).abs().mean())


def rmse(pred: torch.Tensor, truth: torch.Tensor) -> float:
    """Root mean squared error."""
    _check(pred, truth)
    return float((pred - truth).pow(2).mean().sqrt())


def mape(pred: torch.Tensor, truth: torch.Tensor) -> float:
    """Mean absolute percentage error, in percent. Undefined where truth is near 0."""
    _check(pred, truth)
    return float(((pred - truth).abs() / truth.abs().clamp_min(1e-8)).mean() * 100)


def smape(pred: torch.Tensor, truth: torch.Tensor) -> float:
    """Symmetric MAPE in percent: the mean of ``200 |y - yhat| / (|y| + |yhat|)``."""
    _check(pred, truth)
    return float((200 * (pred - truth).abs() / (pred.abs() + truth.abs()).clamp_min(1e-8)).mean())


def mase(pred: torch.Tensor, truth: torch.Tensor, scale: torch.Tensor) -> float:
    """Mean absolute scaled error: ``|y - yhat|`` over each window's yardstick, averaged.

    Parameters
    ----------
    pred, truth : (B, H, n_targets)
    scale : (B, n_targets)
        Each window's series' in-sample seasonal-naive error,
        :func:`covtut.evaluation.baselines.seasonal_scale` indexed by the windows' series.
    """
    _check(pred, truth)
    if scale.shape != (pred.shape[0], pred.shape[2]):
        raise ValueError(f"scale has shape {tuple(scale.shape)}, expected (B, n_targets) = "
                         f"{(pred.shape[0], pred.shape[2])}")
    return float(((pred - truth).abs() / scale[:, None, :]).mean())


def seasonal_naive(past_target: torch.Tensor, horizon: int, season: int) -> torch.Tensor:
    """Repeat the last ``season`` steps of the past over the horizon.

    Parameters
    ----------
    past_target : (B, L, n_targets), with ``L >= season``
    horizon : H
    season
        The seasonal period in steps (1 gives the last-value naive forecast).

    Returns
    -------
    (B, H, n_targets)
    """
    L = past_target.shape[1]
    if season > L:
        raise ValueError(f"season={season} exceeds the lookback L={L}")
    idx = L - season + torch.arange(horizon, device=past_target.device) % season
    return past_target[:, idx]


def relative_mae(pred: torch.Tensor, truth: torch.Tensor, baseline: torch.Tensor) -> float:
    """MAE of ``pred`` divided by the MAE of ``baseline``: below 1 beats the baseline."""
    return mae(pred, truth) / mae(baseline, truth)


def skill(pred: torch.Tensor, truth: torch.Tensor, baseline: torch.Tensor) -> float:
    """The MAE skill score against ``baseline``: ``1 - MAE(pred) / MAE(baseline)``.

    As forecasters use the term: 0 is no better than the baseline, 1 is a perfect
    forecast, and a negative skill is worse than the baseline. Higher is better.
    """
    return 1.0 - relative_mae(pred, truth, baseline)


def noise_floor_ratio(pred: torch.Tensor, truth: torch.Tensor, oracle: torch.Tensor) -> float:
    """MSE of ``pred`` over the MSE of the oracle forecast: 1 is the best possible."""
    _check(pred, oracle)
    return rmse(pred, truth) ** 2 / rmse(oracle, truth) ** 2
