"""Scores of forecast distributions given as quantiles, in original units.

Quantiles are ``(B, H, n_targets, Q)`` at increasing ``levels``; the truth is
``(B, H, n_targets)``. The central interval at level ``1 - alpha`` is
``[q_{alpha/2}, q_{1-alpha/2}]`` (the 80 % interval is ``[q0.1, q0.9]``).

* :func:`coverage` and :func:`mean_width`: calibration and sharpness of one interval;
* :func:`msis`: the M4 competition's mean scaled interval score, both at once;
* :func:`mean_pinball`: the pinball loss averaged over points and levels (a proxy for
  the CRPS: twice it approximates the CRPS as the levels fill (0, 1));
* :func:`quantile_coverage`: the share of points below each quantile, the data of a
  reliability diagram (calibrated quantiles lie on the diagonal);
* :func:`interval_scores`: the protocols' scores at once (``coverage80``, ``coverage95``,
  ``msis95``, ``pinball5``, ``width95``), pooled or by group;
* :func:`quantile_forecasts`: a distribution model's quantiles of every window of a
  dataset, with the truth, in original units.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch

from covtut.data.scaling import SeriesScaler
from covtut.data.windows import WindowDataset
from covtut.models.distribution import pinball_loss

__all__ = ["quantile_forecasts", "interval_scores", "interval", "coverage", "mean_width", "msis",
           "mean_pinball", "quantile_coverage"]


def _check(quantiles: torch.Tensor, truth: torch.Tensor, levels: Sequence[float]) -> None:
    if quantiles.shape[:-1] != truth.shape or quantiles.shape[-1] != len(levels):
        raise ValueError(f"quantiles have shape {tuple(quantiles.shape)}, truth "
                         f"{tuple(truth.shape)}, levels {len(levels)}: expected quantiles "
                         "(B, H, n_targets, Q) for truth (B, H, n_targets) and Q levels")


def interval(quantiles: torch.Tensor, levels: Sequence[float],
             alpha: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The lower and upper ends ``(B, H, n_targets)`` of the ``1 - alpha`` central interval."""
    levels = [round(float(q), 10) for q in levels]
    lo, hi = round(alpha / 2, 10), round(1 - alpha / 2, 10)
    if lo not in levels or hi not in levels:
        raise ValueError(f"alpha={alpha} needs the levels {lo} and {hi}; got {levels}")
    return quantiles[..., levels.index(lo)], quantiles[..., levels.index(hi)]


def coverage(lower: torch.Tensor, upper: torch.Tensor, truth: torch.Tensor) -> float:
    """The share of points with ``lower <= truth <= upper``."""
    return float(((truth >= lower) & (truth <= upper)).double().mean())


def mean_width(lower: torch.Tensor, upper: torch.Tensor) -> float:
    """The mean of ``upper - lower``, in the target's units."""
    return float((upper - lower).double().mean())


def msis(lower: torch.Tensor, upper: torch.Tensor, truth: torch.Tensor, alpha: float,
         scale: torch.Tensor | float = 1.0) -> float:
    """The mean scaled interval score (M4): per point
    ``(U - L) + (2/alpha)(L - y)[y < L] + (2/alpha)(y - U)[y > U]``, divided by ``scale``
    (a number, or ``(B, n_targets)``, each window's series' yardstick), averaged."""
    score = ((upper - lower) + (2 / alpha) * (lower - truth).clamp_min(0)
             + (2 / alpha) * (truth - upper).clamp_min(0))
    if isinstance(scale, torch.Tensor):
        scale = scale[:, None, :]
    return float((score / scale).double().mean())


def mean_pinball(quantiles: torch.Tensor, truth: torch.Tensor, levels: Sequence[float],
                 scale: torch.Tensor | float = 1.0) -> float:
    """The pinball loss averaged over points and levels, divided by ``scale`` as in
    :func:`msis`."""
    _check(quantiles, truth, levels)
    loss = pinball_loss(quantiles, truth, levels).mean(-1)  # (B, H, n_targets)
    if isinstance(scale, torch.Tensor):
        scale = scale[:, None, :]
    return float((loss / scale).double().mean())


def quantile_coverage(quantiles: torch.Tensor, truth: torch.Tensor,
                      levels: Sequence[float]) -> torch.Tensor:
    """``(Q,)``: the share of points at or below each quantile; nominal is ``levels``."""
    _check(quantiles, truth, levels)
    return (truth[..., None] <= quantiles).double().flatten(0, -2).mean(0)


def quantile_forecasts(model: torch.nn.Module, dataset: WindowDataset,
                       scaler: SeriesScaler | None = None, levels: Sequence[float] | None = None,
                       batch_size: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """Quantiles ``(n_windows, H, n_targets, Q)`` and truth ``(n_windows, H, n_targets)`` of
    every window of ``dataset``, on the CPU, in original units.

    Parameters
    ----------
    model
        A :class:`~covtut.models.distribution.ProbabilisticModel` or
        :class:`~covtut.models.distribution.ProbabilisticEnsemble` (anything with
        ``quantiles(batch, levels)``).
    scaler
        The scaler ``dataset`` was transformed with (``None``: not scaled). Unscaling is
        affine with a positive scale, so it maps each quantile to the same quantile.
    levels
        Default: the model's own.
    """
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        data = dataset.to(device)
        q = torch.cat([model.quantiles(b, levels).cpu() for b in data.batches(batch_size)])
    model.train(was_training)
    truth = dataset.batch().future_target.cpu()
    if scaler is not None:
        series = dataset.series_index.cpu()
        truth = scaler.unscale(truth, dataset.data, series)
        q = torch.stack([scaler.unscale(q[..., k], dataset.data, series)
                         for k in range(q.shape[-1])], dim=-1)
    return q, truth


def interval_scores(quantiles: torch.Tensor, truth: torch.Tensor, levels: Sequence[float],
                    scale: torch.Tensor | float = 1.0,
                    groups: Sequence | None = None) -> dict[str, float] | pd.DataFrame:
    """The scores both real-data protocols report, from quantiles at ``levels`` (which must
    hold 0.025, 0.1, 0.9 and 0.975).

    Parameters
    ----------
    quantiles : (B, H, n_targets, Q)
    truth : (B, H, n_targets)
    scale
        The MSIS's and the pinball loss's yardstick: a number (vic_elec: the weekly
        seasonal-naive MAE, MW) or ``(B, n_targets)`` (aus_retail: each window's series'
        in-sample seasonal-naive MAE).
    groups : (B,), optional
        A label per window (a series key, a State, a temperature band): one row of scores
        per label, as a DataFrame.

    Returns
    -------
    ``{"coverage80", "coverage95", "msis95", "pinball5", "width95"}`` (``width95`` in the
    target's units, unscaled), or a DataFrame of them by group.
    """
    _check(quantiles, truth, levels)
    if groups is not None:
        labels = pd.Series(list(groups))
        if len(labels) != quantiles.shape[0]:
            raise ValueError(f"groups has {len(labels)} labels for {quantiles.shape[0]} windows")
        rows = {}
        for label, idx in labels.groupby(labels, sort=True).groups.items():
            i = torch.as_tensor(list(idx))
            s = scale[i] if isinstance(scale, torch.Tensor) else scale
            rows[label] = interval_scores(quantiles[i], truth[i], levels, s)
        return pd.DataFrame.from_dict(rows, orient="index")
    lo80, hi80 = interval(quantiles, levels, 0.2)
    lo95, hi95 = interval(quantiles, levels, 0.05)
    return {"coverage80": coverage(lo80, hi80, truth), "coverage95": coverage(lo95, hi95, truth),
            "msis95": msis(lo95, hi95, truth, 0.05, scale),
            "pinball5": mean_pinball(quantiles, truth, levels, scale),
            "width95": mean_width(lo95, hi95)}
