"""Score a trained model on a dataset, in the target's original units, pooled or per
series and per group.

Introduced in chapter "Getting started".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pandas as pd
import torch

from covtut.data.scaling import SeriesScaler
from covtut.data.series import SeriesData
from covtut.data.windows import WindowDataset
from covtut.evaluation import baselines, metrics
from covtut.models.base import CovariateModel
from covtut.training.trainer import predict

__all__ = ["Forecasts", "Oracle", "forecasts", "evaluate"]


class Oracle(Protocol):
    """What knows the best possible forecast of a dataset's windows: the generator of
    synthetic data (:class:`covtut.data.synthetic.SyntheticData`)."""

    def oracle(self, series: torch.Tensor, origins: torch.Tensor, horizon: int) -> torch.Tensor:
        """The conditional mean ``(B, horizon, n_targets)`` of windows ``(series, origins)``
        ``(B,)`` each, in original units."""
        ...


@dataclass
class Forecasts:
    """Model, truth, seasonal-naive and (for synthetic data) oracle forecasts.

    All are ``(n_windows, H, n_targets)`` CPU tensors in original units. ``series`` and
    ``origins`` (``(n_windows,)`` int64) are each window's series index and origin step,
    to map a row back to a series key (``data.info.index``) and a timestamp
    (``data.time``); :meth:`to_frame` does it.
    """

    pred: torch.Tensor
    truth: torch.Tensor
    naive: torch.Tensor
    oracle: torch.Tensor | None = None
    series: torch.Tensor | None = None
    origins: torch.Tensor | None = None

    def to_frame(self, data: SeriesData) -> pd.DataFrame:
        """One row per window, horizon step and target: series key, origin, the step's
        time (where ``data`` has a grid), ``pred``, ``truth`` and ``naive``."""
        B, H, C = self.pred.shape
        s = self.series.repeat_interleave(H * C).numpy()
        steps = (self.origins[:, None] + torch.arange(H)).repeat_interleave(C, 1).flatten()
        key = data.info.index[s] if data.info is not None else s
        frame = pd.DataFrame({"series": list(key), "origin": self.origins.repeat_interleave(
            H * C).numpy(), "step": torch.arange(H).repeat_interleave(C).repeat(B).numpy()})
        if data.time is not None:
            frame["origin_time"] = data.time[frame["origin"].to_numpy()]
            frame["time"] = data.time[steps.numpy()]
        names = (data.columns or {}).get("target") or tuple(range(C))
        frame["target"] = [names[c] for c in range(C)] * (B * H)
        for name in ("pred", "truth", "naive"):
            frame[name] = getattr(self, name).flatten().numpy()
        return frame


def forecasts(model: CovariateModel, dataset: WindowDataset, scaler: SeriesScaler | None = None,
              season: int = 1, truth: Oracle | None = None) -> Forecasts:
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
        return y if scaler is None else scaler.unscale(y, dataset.data, series)

    pred = unscale(predict(model, dataset))
    # read from the series, not the window, so a season longer than the lookback works
    naive = unscale(baselines.seasonal_naive(dataset.data, dataset, season))
    origins = dataset.origin_index.cpu()
    oracle = None if truth is None else truth.oracle(series, origins, dataset.horizon)
    return Forecasts(pred, unscale(batch.future_target), naive, oracle, series, origins)


def _scores(pred: torch.Tensor, truth: torch.Tensor, naive: torch.Tensor,
            oracle: torch.Tensor | None) -> dict[str, float]:
    out = {
        "mae": metrics.mae(pred, truth),
        "rmse": metrics.rmse(pred, truth),
        "mape": metrics.mape(pred, truth),
        "relative_mae": metrics.relative_mae(pred, truth, naive),
        "skill": metrics.skill(pred, truth, naive),
    }
    if oracle is not None:
        out["oracle_rmse"] = metrics.rmse(oracle, truth)
        out["floor_ratio"] = metrics.noise_floor_ratio(pred, truth, oracle)
    return out


def _group_labels(data: SeriesData, by: str | int) -> pd.Index:
    """One label per series: its key (``by="series"``), a column of ``data.info`` or a part
    of the key (``"State"``), or the code of a ``static_cat`` column (an int)."""
    info = data.info
    if by == "series":
        return info.index if info is not None else pd.RangeIndex(data.n_series, name="series")
    if isinstance(by, int):
        return pd.Index(data.static_cat[:, by].cpu().numpy(), name=f"static_cat[{by}]")
    if info is not None and by in info.columns:
        return pd.Index(info[by].to_numpy(), name=by)
    if info is not None and by in (info.index.names or []):
        return pd.Index(info.index.get_level_values(by), name=by)
    options = ["series"] + ([] if info is None else [*info.index.names, *info.columns])
    raise KeyError(f"evaluate: by={by!r} is not a series key part or static column; valid: "
                   f"{options} or the index of a static_cat column")


def evaluate(model: CovariateModel, dataset: WindowDataset, scaler: SeriesScaler | None = None,
             season: int = 1, truth: Oracle | None = None,
             by: str | int | None = None) -> dict[str, float] | pd.DataFrame:
    """MAE, RMSE, MAPE, skill against seasonal naive and, with ``truth``, the noise floor.

    Parameters
    ----------
    by
        ``None``: one score over all windows (a dict). ``"series"``: one row per series,
        indexed by its key; a static column or a part of the series key (``"State"``),
        or the index of a ``static_cat`` column: one row per group. Each row pools the
        windows of its series (every point weighted equally), so a group's relative MAE
        is its MAE over its seasonal-naive MAE.

    Returns
    -------
    dict or pandas.DataFrame
        ``mae``, ``rmse``, ``mape``, ``relative_mae`` (model MAE / seasonal-naive MAE,
        below 1 beats it) and ``skill`` (``1 - relative_mae``; 0 is no better than
        seasonal naive, higher is better); with ``truth`` also ``oracle_rmse`` and
        ``floor_ratio`` (model MSE / oracle MSE, 1 is the best possible). With ``by``, a
        DataFrame of those columns and ``n_windows``.
    """
    f = forecasts(model, dataset, scaler, season, truth)
    if by is None:
        return _scores(f.pred, f.truth, f.naive, f.oracle)
    labels = _group_labels(dataset.data, by)[f.series.numpy()]  # one per window
    codes, groups = labels.factorize(sort=True)
    rows = []
    for k in range(len(groups)):
        w = torch.from_numpy(codes == k)  # (n_windows,): the windows of group k
        rows.append({**_scores(f.pred[w], f.truth[w], f.naive[w],
                               None if f.oracle is None else f.oracle[w]),
                     "n_windows": int(w.sum())})
    return pd.DataFrame(rows, index=groups.set_names(labels.names))
