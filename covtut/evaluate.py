"""Score a trained model on a dataset, in the target's original units.

Introduced in chapter "Getting started".
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from covtut import baselines, metrics
from covtut.models.base import CovariateModel
from covtut.scaling import SeriesScaler
from covtut.synthetic import SyntheticData
from covtut.train import predict
from covtut.windows import WindowDataset

__all__ = ["Forecasts", "forecasts", "evaluate"]


@dataclass
class Forecasts:
    """Model, truth, seasonal-naive and (for synthetic data) oracle forecasts.

    All are ``(n_windows, H, n_targets)`` CPU tensors in original units.
    """

    pred: torch.Tensor
    truth: torch.Tensor
    naive: torch.Tensor
    oracle: torch.Tensor | None = None


def forecasts(model: CovariateModel, dataset: WindowDataset, scaler: SeriesScaler | None = None,
              season: int = 1, truth: SyntheticData | None = None) -> Forecasts:
    """Forecast every window of ``dataset`` and undo the scaling.

    Parameters
    ----------
    scaler
        The scaler the dataset was transformed with (``None``: not scaled).
    season
        Period of the seasonal-naive baseline, in steps (1: last value); it may exceed
        the lookback.
    truth
        For synthetic data, the generator's output: adds its oracle forecast.
    """
    batch = dataset.batch()
    series = dataset.series_index.cpu()

    def unscale(y: torch.Tensor) -> torch.Tensor:
        y = y.cpu()
        return y if scaler is None else scaler.inverse_target(y, series)

    pred = unscale(predict(model, dataset))
    # read from the series, not the window, so a season longer than the lookback works
    naive = unscale(baselines.seasonal_naive(dataset.data, dataset, season))
    oracle = None if truth is None else truth.oracle(series, dataset.origin_index.cpu(),
                                                     dataset.horizon)
    return Forecasts(pred, unscale(batch.future_target), naive, oracle)


def evaluate(model: CovariateModel, dataset: WindowDataset, scaler: SeriesScaler | None = None,
             season: int = 1, truth: SyntheticData | None = None) -> dict[str, float]:
    """MAE, RMSE, MAPE, skill against seasonal naive and, with ``truth``, the noise floor.

    Returns
    -------
    dict with ``mae``, ``rmse``, ``mape``, ``relative_mae`` (model MAE / seasonal-naive
    MAE, below 1 beats it), ``skill`` (``1 - relative_mae``: 0 is no better than seasonal
    naive, higher is better),
    and with ``truth``: ``oracle_rmse`` and ``floor_ratio`` (model MSE / oracle MSE, 1 is
    the best possible).
    """
    f = forecasts(model, dataset, scaler, season, truth)
    out = {
        "mae": metrics.mae(f.pred, f.truth),
        "rmse": metrics.rmse(f.pred, f.truth),
        "mape": metrics.mape(f.pred, f.truth),
        "relative_mae": metrics.relative_mae(f.pred, f.truth, f.naive),
        "skill": metrics.skill(f.pred, f.truth, f.naive),
    }
    if f.oracle is not None:
        out["oracle_rmse"] = metrics.rmse(f.oracle, f.truth)
        out["floor_ratio"] = metrics.noise_floor_ratio(f.pred, f.truth, f.oracle)
    return out
