"""The protocol's ridge regression: one linear model per horizon step, in closed form.

Used by chapter "Day-ahead electricity demand" as the linear reference the network must
beat (``book/protocol_vic_elec.md`` lists it).
"""

from __future__ import annotations

import torch
from torch import nn

from covtut.core.batch import Batch
from covtut.tasks.vic_elec.protocol import HORIZON

__all__ = ["RIDGE_FEATURES", "DayAheadRidge", "ridge_features"]

#: The names of the ridge regression's features, in the order of the columns of
#: :func:`ridge_features`.
RIDGE_FEATURES = [
    "temperature", "max(T-20,0)", "max(T-25,0)", "max(18-T,0)", "max(12-T,0)",
    "day max T", "day min T", "day mean T", "max(day max T-30,0)", "holiday",
    *[f"weekday {d}" for d in range(7)],
    "demand 1 day earlier", "demand 1 week earlier", "last demand", "mean demand, last day",
    "mean demand, last week",
]


def ridge_features(batch: Batch, lags: bool = True) -> torch.Tensor:
    """The protocol's ridge features for every horizon step, from a raw (unscaled) batch.

    Everything is read from the window: temperature and calendar over the horizon (known
    columns), demand from the lookback only (``past_target``).

    Parameters
    ----------
    batch
        Unscaled windows: ``known`` ``(B, L + H, 5)`` (temperature, holiday, day max,
        min and mean), ``known_cat`` ``(B, L + H, 2)`` (codes of half-hour and weekday).
    lags
        Include the demand features (the last five of :data:`RIDGE_FEATURES`).

    Returns
    -------
    torch.Tensor
        ``(B, H, n_features)``, in the order of :data:`RIDGE_FEATURES`.
    """
    L, H = batch.lookback, batch.horizon
    k = batch.known[:, L:]  # (B, H, 5)
    t = k[..., 0]
    relu = torch.relu
    weekday = batch.known_cat[:, L:, 1] - 1  # codes 1..7 -> 0..6 (0 is "unseen")
    parts = [t, relu(t - 20), relu(t - 25), relu(18 - t), relu(12 - t),
             k[..., 2], k[..., 3], k[..., 4], relu(k[..., 2] - 30), k[..., 1]]
    parts = [p[..., None] for p in parts]
    parts.append(nn.functional.one_hot(weekday.clamp_min(0), 7).to(t.dtype))
    if lags:
        y = batch.past_target[..., 0]  # (B, L)
        steps = torch.arange(H, device=y.device)
        ones = torch.ones_like(t)  # (B, H): one value per window, the same for every step
        day_mean, week_mean = y[:, -48:].mean(1, keepdim=True), y.mean(1, keepdim=True)
        parts += [y[:, L - 48 + steps][..., None], y[:, L - 336 + steps][..., None],
                  (y[:, -1:] * ones)[..., None], (day_mean * ones)[..., None],
                  (week_mean * ones)[..., None]]
    return torch.cat(parts, dim=-1)


class DayAheadRidge(nn.Module):
    """Ridge regression, one model per horizon step, on :func:`ridge_features`.

    A module with the models' contract (a raw :class:`~covtut.core.batch.Batch` in,
    ``(B, H, 1)`` MW out), so that :func:`covtut.check_no_leakage` tests it like a
    network. Fit in closed form with :meth:`fit`; features are standardised per step on
    the training windows.

    Parameters
    ----------
    horizon
        ``H``: one coefficient vector per step.
    lags
        Use the demand features (the protocol's "with demand lags").
    alpha
        The L2 penalty on the standardised coefficients.
    """

    def __init__(self, horizon: int = HORIZON, lags: bool = True, alpha: float = 1.0) -> None:
        super().__init__()
        self.lags, self.alpha = lags, alpha
        n = len(RIDGE_FEATURES) - (0 if lags else 5)
        # parameters without gradients, so the module has a device like a network
        self.mean = nn.Parameter(torch.zeros(horizon, n), requires_grad=False)
        self.std = nn.Parameter(torch.ones(horizon, n), requires_grad=False)
        self.coef = nn.Parameter(torch.zeros(horizon, n), requires_grad=False)
        self.intercept = nn.Parameter(torch.zeros(horizon), requires_grad=False)

    def features(self, batch: Batch) -> torch.Tensor:
        """The features of every horizon step, ``(B, H, F)``; override to add some."""
        return ridge_features(batch, self.lags)

    def fit(self, batch: Batch) -> DayAheadRidge:
        """Solve ``(X'X + alpha I) w = X'y`` per step, on standardised features."""
        x = self.features(batch).double()  # (B, H, F)
        y = batch.future_target[..., 0].double()  # (B, H)
        mean, std = x.mean(0), x.std(0).clamp_min(1e-8)  # (H, F)
        z = ((x - mean) / std).transpose(0, 1)  # (H, B, F)
        yc = (y - y.mean(0)).T[..., None]  # (H, B, 1)
        eye = torch.eye(z.shape[-1], dtype=z.dtype)
        w = torch.linalg.solve(z.transpose(1, 2) @ z + self.alpha * eye, z.transpose(1, 2) @ yc)
        dtype = self.coef.dtype
        for name, value in (("mean", mean), ("std", std), ("coef", w[..., 0]),
                            ("intercept", y.mean(0))):  # shaped by the features
            setattr(self, name, nn.Parameter(value.to(dtype), requires_grad=False))
        return self

    def forward(self, batch: Batch) -> torch.Tensor:
        """Forecast ``(B, H, 1)`` in MW."""
        z = (self.features(batch) - self.mean) / self.std  # (B, H, F)
        return ((z * self.coef).sum(-1) + self.intercept)[..., None]


