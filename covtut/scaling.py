"""Standardisation fitted on the training period only, and reversible.

Introduced in chapter "Covariates and their shapes".
"""

from __future__ import annotations

import torch

from covtut.series import SeriesData

__all__ = ["StandardScaler", "SeriesScaler"]


class StandardScaler:
    """``(x - mean) / std`` per channel, over steps ``[:until]`` only.

    Parameters
    ----------
    per_series
        If true, each series gets its own mean and std (for series on different
        scales, such as stores of different sizes); otherwise one per channel.
    eps
        Floor on the std, so a constant channel does not divide by zero.
    """

    def __init__(self, per_series: bool = False, eps: float = 1e-8) -> None:
        self.per_series, self.eps = per_series, eps
        self.mean: torch.Tensor | None = None
        self.std: torch.Tensor | None = None

    def fit(self, x: torch.Tensor, until: int | None = None) -> StandardScaler:
        """Fit on ``x[:, :until]``; ``x`` has shape (N, T, C)."""
        if x.dim() != 3:
            raise ValueError(f"x has shape {tuple(x.shape)}, expected (N, T, C)")
        train = x[:, :until]
        if train.shape[1] == 0:
            raise ValueError(f"StandardScaler.fit: until={until} leaves no step to fit on")
        dims = (1,) if self.per_series else (0, 1)
        self.mean = train.mean(dim=dims, keepdim=True)  # (N or 1, 1, C)
        if x.shape[-1] == 0 or train[..., :1].numel() < 2:
            self.std = torch.ones_like(self.mean)  # nothing to scale, or a single value
        else:
            self.std = train.std(dim=dims, keepdim=True).clamp_min(self.eps)
        return self

    def _stats(self, series: torch.Tensor | None, like: torch.Tensor):
        if self.mean is None:
            raise RuntimeError("StandardScaler used before fit")
        mean, std = self.mean.to(like.device), self.std.to(like.device)
        if self.per_series and series is not None:
            mean, std = mean[series], std[series]  # (B, 1, C)
        return mean, std

    def transform(self, x: torch.Tensor, series: torch.Tensor | None = None) -> torch.Tensor:
        """Scale ``x`` of shape (N, T, C), or (B, T, C) windows of series ``series``."""
        mean, std = self._stats(series, x)
        return (x - mean) / std

    def inverse_transform(self, x: torch.Tensor,
                          series: torch.Tensor | None = None) -> torch.Tensor:
        """Undo :meth:`transform`: ``x * std + mean``."""
        mean, std = self._stats(series, x)
        return x * std + mean


class SeriesScaler:
    """Scale every numeric field of a :class:`SeriesData`, fitted on ``[:train_end]``.

    The target may be scaled per series; covariates use one scale per channel.
    Categorical fields are left as they are.
    """

    def __init__(self, per_series_target: bool = False) -> None:
        self.target = StandardScaler(per_series=per_series_target)
        self.observed = StandardScaler()
        self.known = StandardScaler()
        self.static: StandardScaler = StandardScaler()

    def fit(self, data: SeriesData, train_end: int) -> SeriesScaler:
        self.target.fit(data.target, train_end)
        self.observed.fit(data.observed, train_end)
        self.known.fit(data.known, train_end)
        self.static.fit(data.static[:, None, :])
        return self

    def transform(self, data: SeriesData) -> SeriesData:
        return data.replace(
            target=self.target.transform(data.target),
            observed=self.observed.transform(data.observed),
            known=self.known.transform(data.known),
            static=self.static.transform(data.static[:, None, :])[:, 0, :],
        )

    def inverse_target(self, y: torch.Tensor, series: torch.Tensor | None = None) -> torch.Tensor:
        """A forecast (B, H, n_targets) back in the target's original units."""
        return self.target.inverse_transform(y, series)
