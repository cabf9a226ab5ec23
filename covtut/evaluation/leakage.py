"""Check that a forecast cannot see what is unknown at the forecast origin.

Introduced in chapter "Covariates and their shapes".

The test is behavioural, so it works on any model and any windowing code: change
everything that cannot be known at the origin (the future target, and the future
values of observed-past covariates) and assert that the forecast does not move.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from covtut.core.batch import Batch
from covtut.data.series import SeriesData
from covtut.data.windows import WindowDataset

__all__ = ["LeakageError", "check_no_leakage", "window_batch"]


class LeakageError(AssertionError):
    """The forecast changed when information from after the origin changed."""


def _forecast(model: torch.nn.Module, batch: Batch) -> torch.Tensor:
    with torch.no_grad():
        return model(batch)


def _check_future_target(model: torch.nn.Module, batch: Batch, g: torch.Generator,
                         atol: float, where: str) -> torch.Tensor:
    """Test 1: noise in ``batch.future_target`` must not move the forecast; returns it."""
    base = _forecast(model, batch)
    noisy = torch.randn(batch.future_target.shape, generator=g).to(batch.device) * 10
    moved = _forecast(model, batch.replace(future_target=noisy))
    if not torch.allclose(base, moved, atol=atol):
        raise LeakageError(
            f"the forecast of {where} changed by {float((base - moved).abs().max()):.3g} "
            "when batch.future_target changed: the model reads the target it is asked to "
            "forecast"
        )
    return base


MakeBatch = Callable[[SeriesData, int, int], Batch]


def window_batch(dataset: WindowDataset) -> MakeBatch:
    """The default windowing of :func:`check_no_leakage`: one window of ``dataset``'s
    lookback and horizon, cut by :class:`~covtut.data.windows.WindowDataset` from the data it
    is given."""

    def make_batch(data: SeriesData, series: int, origin: int) -> Batch:
        return WindowDataset(data, dataset.lookback, dataset.horizon, origins=[origin],
                             series=[series], min_lookback=dataset.min_lookback).batch()

    return make_batch


def check_no_leakage(model: torch.nn.Module, dataset: WindowDataset | Batch, n_windows: int = 4,
                     seed: int = 0, atol: float = 1e-6, *, data: SeriesData | None = None,
                     make_batch: MakeBatch | None = None) -> None:
    """Raise :class:`LeakageError` if ``model``'s forecast depends on the future.

    For ``n_windows`` windows (series ``s``, origin ``o``) drawn from ``dataset``,
    replace with random noise:

    1. ``batch.future_target`` (the model is handed it, and must not read it);
    2. in the series the windows are cut from, the target and observed-past
       covariates from the origin on; then cut the window again, so the windowing
       code (and any preparation in ``make_batch``) is checked too.

    Each time, the forecast must stay within ``atol`` of the original. The model is put
    in eval mode (dropout and teacher forcing are training-time behaviour).

    The check sees only the steps it is given. A leak made *before* the windows are cut
    (a covariate shifted by a bad join, a scaler fitted on the whole series) is already
    inside ``dataset.data``, where the second test cannot see it: pass the data as it
    was before that step as ``data``, and the steps that turn it into a batch as
    ``make_batch``.

    Parameters
    ----------
    model
        Any ``nn.Module`` that maps a :class:`~covtut.core.batch.Batch` to a forecast.
    dataset
        The windows to test on: its ``series_index`` and ``origin_index`` give the
        windows. Use test windows: their origins lie after the training period, which
        scalers and encoders may rightly have seen. A :class:`~covtut.core.batch.Batch` alone (your
        own
        windows, cut by your own code) gets test 1 only: without the series, nothing
        can be cut again.
    data
        The series in which to perturb the future (default ``dataset.data``).
    make_batch
        ``make_batch(data, series, origin) -> Batch``: your pipeline from ``data`` to
        the one window (series, origin). Default: cut it with
        :class:`~covtut.data.windows.WindowDataset`, with ``dataset``'s lookback and horizon.

    Examples
    --------
    A pipeline whose observed covariate was shifted by a bad join fails the check:

    >>> def leaky(data, s, o):  # doctest: +SKIP
    ...     shifted = data.replace(observed=data.observed.roll(-12, dims=1))
    ...     return WindowDataset(shifted, 48, 12, origins=[o], series=[s]).batch()
    >>> check_no_leakage(model, test, data=scaled, make_batch=leaky)  # doctest: +SKIP
    Traceback (most recent call last):
    LeakageError: ...
    """
    model.eval()
    device = next(model.parameters()).device
    g = torch.Generator().manual_seed(seed)
    if isinstance(dataset, Batch):
        _check_future_target(model, dataset.to(device), g, atol, "a window of the batch")
        return
    picks = torch.randperm(len(dataset), generator=g)[:n_windows]
    data = dataset.data if data is None else data
    make_batch = window_batch(dataset) if make_batch is None else make_batch
    for i in picks.tolist():
        s = int(dataset.series_index[i])
        o = int(dataset.origin_index[i])
        batch = make_batch(data, s, o).to(device)
        base = _check_future_target(model, batch, g, atol, f"window (series {s}, origin {o})")
        target, observed = data.target.clone(), data.observed.clone()
        target[s, o:] = torch.randn(target[s, o:].shape, generator=g).to(target) * 10
        observed[s, o:] = torch.randn(observed[s, o:].shape, generator=g).to(observed) * 10
        perturbed = make_batch(data.replace(target=target, observed=observed), s, o)
        moved = _forecast(model, perturbed.to(device))
        if not torch.allclose(base, moved, atol=atol):
            raise LeakageError(
                f"the forecast of window (series {s}, origin {o}) changed by "
                f"{float((base - moved).abs().max()):.3g} when the target and observed-past "
                "covariates from the origin on changed: the inputs see the future"
            )
