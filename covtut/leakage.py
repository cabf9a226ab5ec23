"""Check that a forecast cannot see what is unknown at the forecast origin.

Introduced in chapter "Covariates and their shapes".

The test is behavioural, so it works on any model and any windowing code: change
everything that cannot be known at the origin (the future target, and the future
values of observed-past covariates) and assert that the forecast does not move.
"""

from __future__ import annotations

import torch

from covtut.batch import Batch
from covtut.windows import WindowDataset

__all__ = ["LeakageError", "check_no_leakage"]


class LeakageError(AssertionError):
    """The forecast changed when information from after the origin changed."""


def _forecast(model: torch.nn.Module, batch: Batch) -> torch.Tensor:
    with torch.no_grad():
        return model(batch)


def check_no_leakage(model: torch.nn.Module, dataset: WindowDataset, n_windows: int = 4,
                     seed: int = 0, atol: float = 1e-6) -> None:
    """Raise :class:`LeakageError` if ``model``'s forecast depends on the future.

    For ``n_windows`` windows drawn from ``dataset``, replace with random noise:

    1. ``batch.future_target`` (the model is handed it, and must not read it);
    2. in the underlying series, the target and observed-past covariates from the
       origin on; then cut the window again, so the windowing code is checked too.

    Each time, the forecast must stay within ``atol`` of the original. The model is put
    in eval mode (dropout and teacher forcing are training-time behaviour).

    Parameters
    ----------
    model
        Any ``nn.Module`` that maps a :class:`Batch` to a forecast.
    dataset
        The windows to test on.
    """
    model.eval()
    device = next(model.parameters()).device
    g = torch.Generator().manual_seed(seed)
    picks = torch.randperm(len(dataset), generator=g)[:n_windows]
    data = dataset.data
    for i in picks.tolist():
        s = int(dataset.series_index[i])
        o = int(dataset.origin_index[i])
        one = WindowDataset(data, dataset.lookback, dataset.horizon, origins=[o], series=[s])
        batch = one.batch().to(device)
        base = _forecast(model, batch)
        noisy_future = torch.randn(batch.future_target.shape, generator=g).to(device) * 10
        moved = _forecast(model, batch.replace(future_target=noisy_future))
        if not torch.allclose(base, moved, atol=atol):
            raise LeakageError(
                f"the forecast of window (series {s}, origin {o}) changed by "
                f"{float((base - moved).abs().max()):.3g} when batch.future_target changed: "
                "the model reads the target it is asked to forecast"
            )
        target, observed = data.target.clone(), data.observed.clone()
        target[s, o:] = torch.randn(target[s, o:].shape, generator=g).to(target) * 10
        observed[s, o:] = torch.randn(observed[s, o:].shape, generator=g).to(observed) * 10
        perturbed = WindowDataset(data.replace(target=target, observed=observed),
                                  dataset.lookback, dataset.horizon, origins=[o], series=[s])
        moved = _forecast(model, perturbed.batch().to(device))
        if not torch.allclose(base, moved, atol=atol):
            raise LeakageError(
                f"the forecast of window (series {s}, origin {o}) changed by "
                f"{float((base - moved).abs().max()):.3g} when the target and observed-past "
                "covariates from the origin on changed: the inputs see the future"
            )
