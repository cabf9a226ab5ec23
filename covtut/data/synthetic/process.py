"""The process behind every synthetic regime, and its exact best forecast.

The process and its oracle are described in :mod:`covtut.data.synthetic`; the regimes
that shape its mean and persistence are in ``covtut.data.synthetic.regimes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from covtut.data.series import SeriesData

__all__ = ["BURN_IN", "SyntheticData", "ar1", "as_index", "calendar", "pack", "simulate"]

BURN_IN = 200  # steps simulated and dropped so u_t starts from its stationary law


@dataclass
class SyntheticData:
    """A synthetic dataset with its ground truth.

    Attributes
    ----------
    data : SeriesData
        The series in original units (scale them yourself, as with real data).
    mean : (N, T) float64 array
        ``m_t``, the part of ``y_t`` that the covariates determine.
    phi : (N, T) float64 array
        ``phi_t``, the persistence of the disturbance.
    sigma : float
        Std of the innovations: the one-step noise floor.
    regime : str
    params : dict
        The true parameters, for a chapter to show what a model should learn.
    """

    data: SeriesData
    mean: np.ndarray
    phi: np.ndarray
    sigma: float
    regime: str
    params: dict = field(default_factory=dict)

    def oracle(self, series: torch.Tensor, origins: torch.Tensor, horizon: int) -> torch.Tensor:
        """The conditional mean of the next ``horizon`` steps, in original units.

        Parameters
        ----------
        series, origins : (B,) int64
            Window keys, as in :attr:`covtut.data.windows.WindowDataset.series_index`.

        Returns
        -------
        (B, horizon, 1) float32 tensor on the CPU.
        """
        s, o = as_index(series), as_index(origins)
        y = self.data.target[..., 0].double().cpu().numpy()
        steps = o[:, None] + np.arange(horizon)  # (B, H)
        u_last = y[s, o - 1] - self.mean[s, o - 1]  # (B,)
        persistence = np.cumprod(self.phi[s[:, None], steps], axis=1)  # (B, H)
        forecast = self.mean[s[:, None], steps] + persistence * u_last[:, None]
        return torch.from_numpy(forecast[..., None].astype(np.float32))

    def oracle_variance(self, series: torch.Tensor, origins: torch.Tensor,
                        horizon: int) -> torch.Tensor:
        """Expected squared error of :meth:`oracle` at each step, (B, horizon)."""
        s, o = as_index(series), as_index(origins)
        phi = self.phi[s[:, None], o[:, None] + np.arange(horizon)]  # (B, H)
        var = np.zeros_like(phi)
        prev = np.zeros(len(s))
        for k in range(horizon):
            prev = phi[:, k] ** 2 * prev + self.sigma**2
            var[:, k] = prev
        return torch.from_numpy(var.astype(np.float32))


def as_index(x) -> np.ndarray:
    """Window keys (a tensor or a sequence) as int64 numpy indices."""
    return torch.as_tensor(x).cpu().numpy().astype(np.int64)


def simulate(mean: np.ndarray, phi: np.ndarray, sigma: float,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Simulate ``u_t = phi_t u_{t-1} + sigma eps_t`` and return ``(y, u)``, each ``(N, T)``,
    with ``y = mean + u``; :data:`BURN_IN` steps are simulated first and dropped."""
    N, T = mean.shape
    phi_full = np.concatenate([np.repeat(phi[:, :1], BURN_IN, axis=1), phi], axis=1)
    eps = rng.standard_normal((N, BURN_IN + T)) * sigma
    u = np.zeros((N, BURN_IN + T))
    for t in range(1, BURN_IN + T):
        u[:, t] = phi_full[:, t] * u[:, t - 1] + eps[:, t]
    u = u[:, BURN_IN:]
    return mean + u, u


def calendar(n_series: int, n_steps: int, period: int) -> np.ndarray:
    """``sin`` and ``cos`` of the season's phase: ``(n_series, n_steps, 2)``."""
    angle = 2 * np.pi * np.arange(n_steps) / period
    cal = np.stack([np.sin(angle), np.cos(angle)], axis=-1)  # (T, 2)
    return np.broadcast_to(cal, (n_series, n_steps, 2))


def pack(y, *, known, observed=None, known_cat=None, known_cards=(), static=None,
         static_cat=None, static_cards=()) -> SeriesData:
    """Numpy arrays as :class:`~covtut.data.series.SeriesData`: ``y`` ``(N, T)``, the
    covariates ``(N, T, n)`` or ``(N, n)``; a field left ``None`` gets no columns."""
    N, T = y.shape

    def f32(a, shape):
        return torch.zeros(*shape) if a is None else torch.as_tensor(
            np.ascontiguousarray(a), dtype=torch.float32)

    def i64(a, shape):
        return torch.zeros(*shape, dtype=torch.long) if a is None else torch.as_tensor(
            np.ascontiguousarray(a), dtype=torch.long)

    return SeriesData(
        target=f32(y[..., None], ()),
        observed=f32(observed, (N, T, 0)),
        known=f32(known, (N, T, 0)),
        known_cat=i64(known_cat, (N, T, 0)),
        static=f32(static, (N, 0)),
        static_cat=i64(static_cat, (N, 0)),
        known_cardinalities=known_cards,
        static_cardinalities=static_cards,
    )


def ar1(rng, shape, coef, scale=1.0) -> np.ndarray:
    """A stationary AR(1) driver of shape ``(N, T)``: coefficient ``coef``, sd ``scale``."""
    N, T = shape
    x = np.zeros((N, T + BURN_IN))
    e = rng.standard_normal((N, T + BURN_IN)) * np.sqrt(1 - coef**2) * scale
    for t in range(1, T + BURN_IN):
        x[:, t] = coef * x[:, t - 1] + e[:, t]
    return x[:, BURN_IN:]
