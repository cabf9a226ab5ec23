"""Split-conformal intervals, per horizon step, from residuals on calibration windows.

Split conformal prediction (Vovk et al. 2005; Lei et al. 2018) widens a forecast by the
``ceil((n + 1)(1 - alpha)) / n`` empirical quantile of ``n`` calibration scores. If the
calibration and test points are exchangeable, the interval covers at least ``1 - alpha``
of them on average. A time series breaks that: errors are correlated in time, and a test
year can be more volatile than the calibration days (a heatwave), so the guarantee
becomes a hope that the chapter measures. The calibration windows must be ones no fit and
no selection used, scored by the model as it was fitted without them.

* :func:`conformal_quantiles`: a point forecast plus per-step quantiles of its absolute
  calibration residuals, as quantiles at the central levels;
* :func:`conformalize`: conformalized quantile regression (Romano et al. 2019), which
  widens (or narrows) each central interval of a quantile forecast by the quantile of
  ``max(q_lo - y, y - q_hi)`` on the calibration windows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = ["conformal_level", "conformal_quantiles", "conformalize"]


def conformal_level(n: int, alpha: float) -> int:
    """The rank ``ceil((n + 1)(1 - alpha))`` (1-based) of the calibration score to use."""
    k = math.ceil((n + 1) * (1 - alpha))
    if k > n:
        raise ValueError(f"{n} calibration windows are too few for alpha={alpha}: need at "
                         f"least {math.ceil(1 / alpha) - 1}")
    return k


def _kth(scores: torch.Tensor, alpha: float) -> torch.Tensor:
    """``(H, n_targets)``: per step and target, the conformal quantile of ``(N, H, T)``."""
    k = conformal_level(scores.shape[0], alpha)
    return scores.sort(dim=0).values[k - 1]


def _pairs(levels: Sequence[float]) -> list[tuple[int, int, float]]:
    levels = [float(q) for q in levels]
    pairs = []
    for i, q in enumerate(levels):
        if q < 0.5:
            j = min(range(len(levels)), key=lambda m: abs(levels[m] - (1 - q)))
            if abs(levels[j] - (1 - q)) > 1e-9:
                raise ValueError(f"levels={levels}: {q} has no symmetric partner {1 - q}")
            pairs.append((i, j, 2 * q))
    return pairs


def conformal_quantiles(point: torch.Tensor, residuals: torch.Tensor,
                        levels: Sequence[float]) -> torch.Tensor:
    """Quantiles ``(B, H, n_targets, Q)``: ``point`` at 0.5, and ``point -+ r`` at each
    central pair, ``r`` the conformal quantile of the calibration ``|residuals|`` per step.

    Parameters
    ----------
    point : (B, H, n_targets)
    residuals : (N, H, n_targets)
        ``truth - forecast`` on the calibration windows.
    levels
        Symmetric levels, such as ``(0.025, 0.1, 0.5, 0.9, 0.975)``.
    """
    out = point[..., None].repeat_interleave(len(levels), -1).clone()
    for i, j, alpha in _pairs(levels):
        r = _kth(residuals.abs(), alpha)  # (H, n_targets)
        out[..., i], out[..., j] = point - r, point + r
    return out


def conformalize(quantiles: torch.Tensor, cal_quantiles: torch.Tensor, cal_truth: torch.Tensor,
                 levels: Sequence[float]) -> torch.Tensor:
    """Conformalized quantile regression, per step: each central interval moved out by
    the conformal quantile of ``max(q_lo - y, y - q_hi)`` on the calibration windows.

    Parameters
    ----------
    quantiles : (B, H, n_targets, Q)
        The forecast to calibrate.
    cal_quantiles : (N, H, n_targets, Q), cal_truth : (N, H, n_targets)
        The same model's quantiles and the truth on the calibration windows.

    Returns
    -------
    (B, H, n_targets, Q), sorted along the last axis so that adjusted pairs cannot cross.
    """
    out = quantiles.clone()
    for i, j, alpha in _pairs(levels):
        score = torch.maximum(cal_quantiles[..., i] - cal_truth, cal_truth - cal_quantiles[..., j])
        e = _kth(score, alpha)  # (H, n_targets)
        out[..., i], out[..., j] = quantiles[..., i] - e, quantiles[..., j] + e
    return out.sort(dim=-1).values
