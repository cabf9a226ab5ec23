"""Cut aligned series into forecasting windows without copying them, and without
letting anything from after the origin into the inputs.

Introduced in chapter "Covariates and their shapes".

A window is a pair (series ``i``, origin ``o``): its inputs cover steps ``[o - L, o)``
(and, for known-future covariates only, ``[o - L, o + H)``); its target covers
``[o, o + H)``. The series are unfolded once into views of shape
``(N, n_windows, C, L + H)`` with :meth:`torch.Tensor.unfold`, which allocates nothing;
a batch is then one advanced-indexing gather on those views.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence

import torch

from covtut.batch import Batch
from covtut.series import SeriesData
from covtut.validation import check_length

__all__ = ["WindowDataset"]


class WindowDataset:
    """All windows ``(series, origin)`` for the given series and origins.

    Parameters
    ----------
    data : SeriesData
        The series, already scaled if you scale. Put it on the training device first:
        the dataset then never copies from the host.
    lookback, horizon
        ``L`` and ``H``.
    origins
        Forecast origins (index of the first horizon step). Each must satisfy
        ``lookback <= o <= T - horizon``. Default: every valid origin.
    series
        Indices of the series to use. Default: all.
    """

    def __init__(
        self,
        data: SeriesData,
        lookback: int,
        horizon: int,
        origins: Sequence[int] | torch.Tensor | None = None,
        series: Sequence[int] | torch.Tensor | None = None,
    ) -> None:
        T = data.n_steps
        check_length(T, lookback + horizon, "data")
        device = data.target.device
        origins = torch.arange(lookback, T - horizon + 1) if origins is None else origins
        series = torch.arange(data.n_series) if series is None else series
        origins = torch.as_tensor(origins, dtype=torch.long).cpu()
        series = torch.as_tensor(series, dtype=torch.long).cpu()
        if origins.numel() == 0 or series.numel() == 0:
            raise ValueError(
                f"WindowDataset: no windows ({origins.numel()} origins x {series.numel()} "
                "series); the split leaves this set empty"
            )
        if origins.min() < lookback or origins.max() > T - horizon:
            raise ValueError(
                f"origins must lie in [lookback={lookback}, T - horizon={T - horizon}], got "
                f"[{int(origins.min())}, {int(origins.max())}]"
            )
        self.lookback, self.horizon = lookback, horizon
        self.spec = data.spec(lookback, horizon)
        # every (series, origin) pair, series-major
        self.series_index = series.repeat_interleave(origins.numel()).to(device)
        self.origin_index = origins.repeat(series.numel()).to(device)
        self._set_data(data)

    def _set_data(self, data: SeriesData) -> None:
        self.data = data
        W = self.lookback + self.horizon
        # zero-copy views (N, n_windows, C, L + H); window w starts at step w = o - L
        self._target = data.target.unfold(1, W, 1)
        self._observed = data.observed.unfold(1, W, 1)
        self._known = data.known.unfold(1, W, 1)
        self._known_cat = data.known_cat.unfold(1, W, 1)

    def to(self, device: torch.device | str) -> WindowDataset:
        """The same windows with the data on ``device`` (``self`` if already there)."""
        device = torch.device(device)
        if self.series_index.device == device:
            return self
        moved = copy.copy(self)
        moved.series_index = self.series_index.to(device)
        moved.origin_index = self.origin_index.to(device)
        moved._set_data(self.data.to(device))
        return moved

    def __len__(self) -> int:
        return self.series_index.numel()

    def batch(self, idx: torch.Tensor | slice | None = None) -> Batch:
        """The windows at positions ``idx`` (all of them if ``None``) as a :class:`Batch`."""
        idx = slice(None) if idx is None else idx
        s = self.series_index[idx]
        w = self.origin_index[idx] - self.lookback
        L = self.lookback
        # slice to the lookback *before* gathering: future observed values are never read
        target = self._target[s, w].transpose(1, 2)  # (B, L + H, n_targets)
        observed = self._observed[s, w, :, :L].transpose(1, 2)  # (B, L, n_observed)
        return Batch(
            past_target=target[:, :L],
            past_observed=observed,
            known=self._known[s, w].transpose(1, 2),  # (B, L + H, n_known)
            known_cat=self._known_cat[s, w].transpose(1, 2),  # (B, L + H, n_known_cat)
            static=self.data.static[s],  # (B, n_static)
            static_cat=self.data.static_cat[s],  # (B, n_static_cat)
            future_target=target[:, L:],  # (B, H, n_targets)
        )

    def batches(self, batch_size: int, shuffle: bool = False,
                generator: torch.Generator | None = None) -> Iterator[Batch]:
        """Iterate over the dataset in batches; ``shuffle`` draws a fresh order each call.

        The permutation is drawn on the CPU with ``generator`` (so a seed gives the same
        order on every device) and moved to the data's device once per epoch.
        """
        n = len(self)
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        order = order.to(self.series_index.device)
        for start in range(0, n, batch_size):
            yield self.batch(order[start:start + batch_size])
