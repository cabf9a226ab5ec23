"""One short training loop: seeded, device-agnostic, early stopping, clipping.

Introduced in chapter "Getting started".
"""

from __future__ import annotations

import copy
import os
import sys
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from covtut.core.batch import Batch
from covtut.core.device import get_device, seed_everything
from covtut.core.validation import find_nonfinite
from covtut.data.windows import WindowDataset
from covtut.models.base import CovariateModel
from covtut.training.precision import autocast
from covtut.training.sharding import Sharding

__all__ = ["LOSSES", "FitResult", "fit", "predict", "quiet", "validation_loss"]

#: The training losses :func:`fit` knows by name, squared error (the conditional mean is
#: its best forecast) and absolute error (the conditional median; what MAE scores).
LOSSES = {"mse": nn.functional.mse_loss, "l1": nn.functional.l1_loss}

def quiet() -> bool:
    """True under tests and CI, or when ``COVTUT_QUIET=1``: no progress bars then."""
    return any(os.environ.get(k) for k in ("COVTUT_QUIET", "CI", "PYTEST_CURRENT_TEST"))


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    model
        The model, on its training device, with the weights of the best validation epoch.
    train_loss, val_loss
        Mean loss per epoch (scaled units).
    best_epoch
        Epoch (0-based) whose weights were kept.
    seconds
        Wall time of training.
    steps
        Optimiser steps taken.
    """

    model: CovariateModel
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0
    steps: int = 0


def _check_dataset(model: CovariateModel, dataset: WindowDataset, name: str) -> None:
    """Check every value once, so the training loop need not."""
    if dataset.spec != model.spec:
        raise ValueError(f"{name} has spec {dataset.spec}, but the model was built for "
                         f"{model.spec}")
    # only the steps some window reads: a NaN that training never reads (in the test
    # period, before a series starts) must not stop it
    d = dataset.data
    inputs, lookback = dataset.read_steps()
    for field_name, where in (("target", inputs), ("observed", lookback), ("known", inputs)):
        bad = find_nonfinite(getattr(d, field_name), where.to(d.target.device))
        if bad is not None:
            (n, (s, t, c)) = bad
            raise ValueError(
                f"{name}.data.{d.column_label(field_name, c)} holds {n} NaN or infinite "
                f"value(s) at steps that {name}'s windows read, first {d.series_label(s)} at "
                f"{d.step_label(t)}; impute them, or mark them missing (from_dataframe(..., "
                "missing='mask')) so that no window reads them")
    bad = find_nonfinite(d.static[:, None, :])
    if bad is not None:
        raise ValueError(f"{name}.data.static holds NaN or infinite values, first "
                         f"{d.series_label(bad[1][0])}")


def predict(model: CovariateModel, dataset: WindowDataset | Batch,
            batch_size: int = 1024) -> torch.Tensor:
    """Forecasts ``(n_windows, H, n_targets)`` on the CPU, in eval mode, no gradients."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        if isinstance(dataset, Batch):
            out = model(dataset.to(device)).cpu()
        else:
            dataset = dataset.to(device)
            out = torch.cat([model(b).cpu() for b in dataset.batches(batch_size)])
    model.train(was_training)
    return out


def fit(
    model: CovariateModel,
    train: WindowDataset,
    val: WindowDataset | None = None,
    *,
    epochs: int = 30,
    batch_size: int = 128,
    lr: float = 3e-3,
    weight_decay: float = 0.0,
    patience: int = 5,
    clip: float | None = 1.0,
    seed: int = 0,
    device: torch.device | str | None = None,
    max_steps: int | None = None,
    progress: bool | None = None,
    loss: str = "mse",
    precision: str = "fp32",
    sharding: Sharding | None = None,
) -> FitResult:
    """Train ``model`` with Adam; keep the best validation weights.

    Parameters
    ----------
    model, train, val
        The model and its datasets (``val=None``: no early stopping, keep the last).
    epochs, batch_size, lr, weight_decay
        The usual; ``lr`` is Adam's.
    patience
        Stop after this many epochs without a better validation loss.
    clip
        Max gradient norm (``None``: no clipping). Recurrent nets can have gradient spikes.
    seed
        Seeds the weights' initialisation (the model is re-initialised from it) and the
        shuffling, so the same seed gives the same loss curve on the same device.
    device
        Default :func:`covtut.core.device.get_device`. The datasets are moved there once;
        each batch is then an index view into device memory, with no host copies.
    max_steps
        Stop after this many optimiser steps (for smoke tests and time budgets).
    progress
        Show a tqdm bar over epochs; default: unless :func:`quiet`.
    loss
        ``"mse"`` (mean squared error, the default) or ``"l1"`` (mean absolute error),
        for training and for the validation loss that early stopping watches. Train on
        the error you will be scored on: MSE aims at the conditional mean, L1 at the
        median.
    precision
        ``"fp32"`` (the default), ``"bf16"`` (autocast to bfloat16: CUDA GPUs from Ampere
        on, and CPUs, fastest with AVX-512 BF16), or ``"fp16"`` (autocast to float16 with
        a gradient scaler and a fused Adam, CUDA only). The validation loss that early
        stopping watches is computed in float32 either way; see
        :func:`covtut.training.precision.autocast`.
    sharding
        Train as one of several processes (see :class:`covtut.training.sharding.Sharding`):
        each epoch's training windows and this process's share of the validation windows
        come from it, in full batches of ``batch_size`` (the per-process batch); the
        validation sums are reduced over processes. Default ``None``: one process, all windows.
    """
    if loss not in LOSSES:
        raise ValueError(f"fit(loss={loss!r}): expected one of {sorted(LOSSES)}")
    loss_fn = LOSSES[loss]
    device = torch.device(device) if device is not None else get_device()
    amp = autocast(device, precision)  # checks that the device supports it, before training
    scaler = torch.amp.GradScaler(device.type) if precision == "fp16" else None
    generator = seed_everything(seed)
    _reset_parameters(model)
    model.to(device)
    _check_dataset(model, train, "train")
    train = train.to(device)
    if val is not None:
        _check_dataset(model, val, "val")
        val = val.to(device)
    step_model = model if sharding is None else sharding.prepare(model)
    # fp16: a fused Adam skips a step with inf gradients on the device, so the scaler needs
    # no host synchronisation per step (an unfused one reads found_inf with .item())
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay,
                           **({"fused": True} if scaler is not None else {}))
    result = FitResult(model=model)
    best, best_state, bad_epochs = float("inf"), None, 0
    show = (not quiet()) if progress is None else progress
    bar = _progress(epochs) if show else None
    start = time.perf_counter()
    model.check_values = False  # the datasets were checked above, once
    try:
        for epoch in range(epochs):
            model.train()
            total = torch.zeros((), device=device)  # accumulate on device: no sync per step
            seen = 0
            if sharding is None:
                epoch_batches = train.batches(batch_size, shuffle=True, generator=generator)
            else:
                epoch_batches = train.batches(batch_size, order=sharding.train_windows(
                    epoch, len(train)), drop_last=True)
            for batch in epoch_batches:
                with amp:
                    step_loss = loss_fn(step_model(batch).float(), batch.future_target)
                opt.zero_grad(set_to_none=True)
                if scaler is None:
                    step_loss.backward()
                    if clip is not None:
                        nn.utils.clip_grad_norm_(model.parameters(), clip)
                    opt.step()
                else:
                    scaler.scale(step_loss).backward()
                    if clip is not None:
                        scaler.unscale_(opt)  # clip the true gradients, not the scaled ones
                        nn.utils.clip_grad_norm_(model.parameters(), clip)
                    scaler.step(opt)
                    scaler.update()
                total += step_loss.detach() * batch.batch_size
                seen += batch.batch_size
                result.steps += 1
                if max_steps is not None and result.steps >= max_steps:
                    break
            result.train_loss.append(float(total) / max(seen, 1))  # one sync per epoch
            if val is not None:
                result.val_loss.append(validation_loss(model, val, batch_size, loss, sharding))
                if result.val_loss[-1] < best:
                    best, bad_epochs, result.best_epoch = result.val_loss[-1], 0, epoch
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    bad_epochs += 1
                if bar is not None:
                    bar.set_postfix(train=f"{result.train_loss[-1]:.4f}", val=f"{best:.4f}")
            if bar is not None:
                bar.update()
            if bad_epochs >= patience or (max_steps is not None and result.steps >= max_steps):
                break
    finally:
        model.check_values = True
        if bar is not None:
            bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        result.best_epoch = len(result.train_loss) - 1
    model.eval()
    result.seconds = time.perf_counter() - start
    return result


def _progress(epochs: int):
    """A tqdm bar: a widget in notebooks with ipywidgets (Colab), else text."""
    from tqdm.auto import tqdm  # imported here: under tests and CI no bar is made at all

    return tqdm(total=epochs, file=sys.stderr, leave=False, unit="epoch")


def validation_loss(model: CovariateModel, dataset: WindowDataset, batch_size: int,
                    loss: str = "mse", sharding: Sharding | None = None) -> float:
    """The loss that :func:`fit`'s early stopping watches: the mean over ``dataset``'s
    windows of each window's mean loss (scaled units), in eval mode, without gradients.

    Parameters
    ----------
    batch_size
        Windows are scored ``4 * batch_size`` at a time.
    loss
        A key of :data:`LOSSES`.
    sharding
        Score this process's share of the windows and reduce the sums over processes.
    """
    model.eval()
    total = torch.zeros((), device=dataset.series_index.device)
    order = None if sharding is None else sharding.val_windows(len(dataset))
    with torch.no_grad():
        for batch in dataset.batches(batch_size * 4, order=order):
            total += LOSSES[loss](model(batch), batch.future_target,
                                  reduction="sum") / batch.future_target[0].numel()
    n = len(dataset) if order is None else len(order)
    totals = torch.stack([total.double(), torch.tensor(float(n), dtype=torch.float64,
                                                       device=total.device)])
    if sharding is not None:
        totals = sharding.reduce(totals)
    return float(totals[0] / totals[1])


def _reset_parameters(module: nn.Module) -> None:
    """Re-initialise every layer, so a model's weights depend only on ``fit``'s seed.

    A module with its own ``reset_parameters`` owns its children's initialisation
    (FiLM starts as the identity), so its children are not reset again.
    """
    for child in module.children():
        if hasattr(child, "reset_parameters"):
            child.reset_parameters()
        else:
            _reset_parameters(child)
