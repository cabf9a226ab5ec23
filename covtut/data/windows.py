"""Cut aligned series into forecasting windows without copying them, and without
letting anything from after the origin into the inputs.

Introduced in chapter "Covariates and their shapes".

A window is a pair (series ``i``, origin ``o``): its inputs cover steps ``[o - L, o)``
(and, for known-future covariates only, ``[o - L, o + H)``); its target covers
``[o, o + H)``. The series are unfolded once into views of shape
``(N, n_windows, C, L + H)`` with :meth:`torch.Tensor.unfold`, which allocates nothing;
a batch is then one advanced-indexing gather on those views.

On a ragged panel (``data.mask``, see :class:`covtut.data.series.SeriesData`) only windows
whose horizon is fully observed are cut. A window whose lookback reaches before its
series starts (or back past a gap) is dropped, unless ``min_lookback`` asks to keep
lookbacks of at least that many observed steps: those are left-padded, and
``batch.lengths`` says how many steps of each lookback are real.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence

import torch

from covtut.core.batch import Batch
from covtut.core.validation import check_length
from covtut.data.series import SeriesData

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
    min_lookback
        ``None`` (the default): every window has ``lookback`` observed steps before its
        origin. A number ``1 <= m <= lookback``: keep windows with at least ``m``
        observed lookback steps (a new series, a series just after a gap), left-padded
        to ``lookback``; every batch then carries ``lengths`` (and ``lengths_cpu``),
        and origins may start at ``m``.

    Attributes
    ----------
    series_index : (n_windows,) int64
        The series of every window (its key is ``(series, origin)``), series-major.
    origin_index : (n_windows,) int64
        The forecast origin of every window.
    lengths : (n_windows,) int64 or None
        Observed lookback steps of every window (with ``min_lookback``), on the data's
        device.
    lengths_cpu : (n_windows,) int64 or None
        The same, on the CPU.
    n_dropped
        Windows (series, origin) asked for but not cut: their horizon holds an
        unobserved step, or their lookback has too few observed steps.
    """

    def __init__(
        self,
        data: SeriesData,
        lookback: int,
        horizon: int,
        origins: Sequence[int] | torch.Tensor | None = None,
        series: Sequence[int] | torch.Tensor | None = None,
        min_lookback: int | None = None,
    ) -> None:
        T = data.n_steps
        if min_lookback is not None and not 1 <= min_lookback <= lookback:
            raise ValueError(f"min_lookback={min_lookback} must lie in [1, lookback={lookback}]")
        need = lookback if min_lookback is None else min_lookback
        check_length(T, need + horizon, "data")
        device = data.target.device
        origins = torch.arange(need, T - horizon + 1) if origins is None else origins
        series = torch.arange(data.n_series) if series is None else series
        origins = torch.as_tensor(origins, dtype=torch.long).cpu()
        series = torch.as_tensor(series, dtype=torch.long).cpu()
        if origins.numel() == 0 or series.numel() == 0:
            raise ValueError(
                f"WindowDataset: no windows ({origins.numel()} origins x {series.numel()} "
                "series); the split leaves this set empty"
            )
        first = "lookback" if min_lookback is None else "min_lookback"
        if origins.min() < need or origins.max() > T - horizon:
            raise ValueError(
                f"origins must lie in [{first}={need}, T - horizon={T - horizon}], got "
                f"[{int(origins.min())}, {int(origins.max())}]"
            )
        self.lookback, self.horizon, self.min_lookback = lookback, horizon, min_lookback
        self.spec = data.spec(lookback, horizon)
        # every (series, origin) pair, series-major
        series_index = series.repeat_interleave(origins.numel())
        origin_index = origins.repeat(series.numel())
        self.n_dropped, lengths = 0, None
        if data.mask is not None or min_lookback is not None:
            keep, lengths = _observed_windows(data.valid().cpu(), series_index, origin_index,
                                              lookback, horizon, need)
            self.n_dropped = int((~keep).sum())
            series_index, origin_index, lengths = (series_index[keep], origin_index[keep],
                                                   lengths[keep])
            if series_index.numel() == 0:
                raise ValueError(
                    f"WindowDataset: no windows: all {self.n_dropped} (series, origin) pairs "
                    f"have an unobserved step in their horizon or fewer than {first}="
                    f"{need} observed steps before their origin")
        self.lengths_cpu = None if min_lookback is None else lengths
        self.lengths = None if min_lookback is None else lengths.to(device)
        # left padding in front of step 0, so that an origin o < lookback has a window
        self._pad = max(0, lookback - int(origin_index.min()))
        self.series_index = series_index.to(device)
        self.origin_index = origin_index.to(device)
        self._set_data(data)

    def _set_data(self, data: SeriesData) -> None:
        self.data = data
        W = self.lookback + self.horizon
        fields = [data.target, data.observed, data.known, data.known_cat]
        if self._pad:  # a copy, made only where origins come before lookback steps
            fields = [torch.nn.functional.pad(x, (0, 0, self._pad, 0)) for x in fields]
        # zero-copy views (N, n_windows, C, L + H); window w starts at step w = o - L + pad
        self._target, self._observed, self._known, self._known_cat = (
            x.unfold(1, W, 1) for x in fields)

    def to(self, device: torch.device | str) -> WindowDataset:
        """The same windows with the data on ``device`` (``self`` if already there)."""
        device = torch.device(device)
        if self.series_index.device == device:
            return self
        moved = copy.copy(self)
        moved.series_index = self.series_index.to(device)
        moved.origin_index = self.origin_index.to(device)
        if self.lengths is not None:
            moved.lengths = self.lengths.to(device)
        moved._set_data(self.data.to(device))
        return moved

    def with_data(self, data: SeriesData) -> WindowDataset:
        """The same windows (series, origins, observed lengths, order) read from ``data``.

        ``data`` has the same series and steps, and so the same mask, but may have other columns:
        for example :meth:`~covtut.data.series.SeriesData.without_statics`, for a model without
        them.
        """
        if (data.n_series, data.n_steps) != (self.data.n_series, self.data.n_steps):
            raise ValueError(f"with_data: data has {data.n_series} series x {data.n_steps} "
                             f"steps; these windows read {self.data.n_series} x "
                             f"{self.data.n_steps}")
        same_mask = (data.mask is None and self.data.mask is None) or (
            data.mask is not None and self.data.mask is not None
            and torch.equal(data.mask.cpu(), self.data.mask.cpu()))
        if not same_mask:
            raise ValueError("with_data: data has another mask (observed steps); cut new "
                             "windows with WindowDataset(data, ...) instead")
        moved = copy.copy(self)
        moved.spec = data.spec(self.lookback, self.horizon)
        moved._set_data(data.to(self.series_index.device))
        return moved

    def read_steps(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The steps that some window reads, as two (N, T) bool masks on the CPU.

        Returns
        -------
        inputs : (N, T) bool
            Steps ``[o - length, o + H)`` of each window, where the target and the known
            covariates are read (lookback and horizon).
        lookback : (N, T) bool
            Steps ``[o - length, o)``, where observed-past covariates are read.
        """
        N, T = self.data.n_series, self.data.n_steps
        s, o = self.series_index.cpu(), self.origin_index.cpu()
        n = torch.full_like(o, self.lookback) if self.lengths_cpu is None else self.lengths_cpu
        start = (o - n).clamp_min(0)

        def cover(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            d = torch.zeros(N, T + 1, dtype=torch.long)
            d.index_put_((s, a), torch.ones_like(a), accumulate=True)
            d.index_put_((s, b), -torch.ones_like(b), accumulate=True)
            return d.cumsum(1)[:, :T] > 0  # (N, T): inside some window's [a, b)

        return cover(start, o + self.horizon), cover(start, o)

    def __len__(self) -> int:
        return self.series_index.numel()

    def batch(self, idx: torch.Tensor | slice | None = None) -> Batch:
        """The windows at positions ``idx`` (all of them if ``None``) as a
        :class:`~covtut.core.batch.Batch`.

        With lengths, an ``idx`` on the GPU is copied to the CPU once, for the CPU copy of
        the lengths; :meth:`batches` avoids even that.
        """
        idx = slice(None) if idx is None else idx
        idx_cpu = idx.cpu() if isinstance(idx, torch.Tensor) and self.lengths is not None \
            else idx
        return self._batch(idx, idx_cpu)

    def _batch(self, idx: torch.Tensor | slice, idx_cpu: torch.Tensor | slice) -> Batch:
        s = self.series_index[idx]
        w = self.origin_index[idx] - self.lookback + self._pad
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
            lengths=None if self.lengths is None else self.lengths[idx],  # (B,)
            lengths_cpu=None if self.lengths_cpu is None else self.lengths_cpu[idx_cpu],
        )

    def batches(self, batch_size: int, shuffle: bool = False,
                generator: torch.Generator | None = None, *,
                order: torch.Tensor | None = None, drop_last: bool = False) -> Iterator[Batch]:
        """Iterate over the dataset in batches; ``shuffle`` draws a fresh order each call.

        The permutation is drawn on the CPU with ``generator`` (so a seed gives the same
        order on every device) and moved to the data's device once per epoch.

        Parameters
        ----------
        order
            ``(k,)`` int64 window positions to take, in this order, instead of all windows
            (a process's shard); not with ``shuffle``.
        drop_last
            Leave out a last batch shorter than ``batch_size``.
        """
        if order is not None and shuffle:
            raise ValueError("batches: pass order= or shuffle=True, not both")
        if order is None:
            order = torch.randperm(len(self), generator=generator) if shuffle \
                else torch.arange(len(self))
        order = torch.as_tensor(order, dtype=torch.long).cpu()
        n = len(order) - len(order) % batch_size if drop_last else len(order)
        on_device = order.to(self.series_index.device)
        for start in range(0, n, batch_size):
            # the CPU order gives the CPU lengths: no batch waits for the GPU
            yield self._batch(on_device[start:start + batch_size], order[start:start + batch_size])


def _observed_windows(valid: torch.Tensor, series: torch.Tensor, origins: torch.Tensor,
                      lookback: int, horizon: int, need: int
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """Which windows to keep, and their observed lookback lengths.

    Parameters
    ----------
    valid : (N, T) bool
        The data's validity mask.
    series, origins : (n,) int64
        The candidate windows.

    Returns
    -------
    keep : (n,) bool
        The horizon ``[o, o + H)`` is fully observed and at least ``need`` steps just
        before ``o`` are.
    lengths : (n,) int64
        The run of observed steps that ends at ``o - 1``, at most ``lookback``.
    """
    N, T = valid.shape
    steps = torch.arange(T)
    # the last unobserved step at or before each step (-1 if none): (N, T)
    last_gap = torch.where(valid, -1, steps).cummax(dim=1).values
    bad = torch.cat([torch.zeros(N, 1, dtype=torch.long), (~valid).long().cumsum(1)], 1)
    horizon_ok = bad[series, origins + horizon] == bad[series, origins]
    before = last_gap[series, (origins - 1).clamp_min(0)]
    run = torch.where(origins > 0, origins - 1 - before, 0)
    lengths = run.clamp_max(lookback)
    return horizon_ok & (lengths >= need), lengths
