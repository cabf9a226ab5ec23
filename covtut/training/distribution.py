"""Training a forecast distribution: the head's own loss in the training loop.

A :class:`~covtut.models.distribution.ProbabilisticModel` is trained on the loss of its
head: the pinball loss over its levels (quantile head) or the negative log-likelihood
(Gaussian, Laplace). Early stopping watches the same loss on the validation windows.
Everything else is :func:`covtut.training.trainer.fit`'s: the seed re-initialises the
weights and orders the batches, the data are checked once and moved to the device once,
gradients are clipped, and the best validation epoch's weights are kept.

The loop repeats :func:`~covtut.training.trainer.fit`'s on purpose, for now: ``fit``'s code
is hashed into every committed benchmark result (:mod:`covtut.tasks.benchmark`), so it
gains a loss argument, and this function becomes a call to it, at the next full rerun.
"""

from __future__ import annotations

import copy
import time

import torch
from torch import nn

from covtut.core.device import get_device, seed_everything
from covtut.data.windows import WindowDataset
from covtut.models.distribution import ProbabilisticModel
from covtut.training.trainer import FitResult, quiet

__all__ = ["fit_distribution", "distribution_loss", "reinitialise"]


def reinitialise(module: nn.Module) -> None:
    """Re-initialise every layer, so that the weights depend only on the seed (a module
    with its own ``reset_parameters`` owns its children's initialisation)."""
    for child in module.children():
        if hasattr(child, "reset_parameters"):
            child.reset_parameters()
        else:
            reinitialise(child)


def _checked(model: ProbabilisticModel, dataset: WindowDataset, name: str) -> None:
    """The spec, and every value some window reads, checked once before training."""
    if dataset.spec != model.spec:
        raise ValueError(f"{name} has spec {dataset.spec}, but the model was built for "
                         f"{model.spec}")
    dataset.batch().validate(model.spec, check_values=True)


def distribution_loss(model: ProbabilisticModel, dataset: WindowDataset,
                      batch_size: int = 512) -> float:
    """The head's loss averaged over every point of ``dataset`` (scaled units), in eval
    mode, without gradients."""
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for batch in dataset.batches(batch_size):
            loss = model.head.loss(model.params(batch), batch.future_target)
            total, n = total + float(loss.sum()), n + loss.numel()
    return total / max(n, 1)


def fit_distribution(model: ProbabilisticModel, train: WindowDataset,
                     val: WindowDataset | None = None, *, epochs: int = 30,
                     batch_size: int = 128, lr: float = 3e-3, weight_decay: float = 0.0,
                     patience: int = 5, clip: float | None = 1.0, seed: int = 0,
                     device: torch.device | str | None = None, max_steps: int | None = None,
                     progress: bool | None = None) -> FitResult:
    """Train ``model`` with Adam on its head's loss; keep the best validation weights.

    The arguments are :func:`covtut.training.trainer.fit`'s (one process, float32).
    ``train_loss`` and ``val_loss`` in the result are the head's loss: the mean pinball
    loss, or the mean negative log-likelihood per point.
    """
    if not isinstance(model, ProbabilisticModel):
        raise TypeError(f"fit_distribution(model={type(model).__name__}): expected a "
                        "ProbabilisticModel; train a point model with covtut.fit")
    device = torch.device(device) if device is not None else get_device()
    generator = seed_everything(seed)
    reinitialise(model)
    model.to(device)
    _checked(model, train, "train")
    train = train.to(device)
    if val is not None:
        _checked(model, val, "val")
        val = val.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    result = FitResult(model=model)
    best, best_state, bad_epochs = float("inf"), None, 0
    bar = None
    if (not quiet()) if progress is None else progress:
        from tqdm.auto import tqdm  # imported here: under tests and CI no bar is made

        bar = tqdm(total=epochs, leave=False, unit="epoch")
    start = time.perf_counter()
    model.check_values = False  # the datasets were checked above, once
    try:
        for epoch in range(epochs):
            model.train()
            total, seen = torch.zeros((), device=device), 0
            for batch in train.batches(batch_size, shuffle=True, generator=generator):
                loss = model.head.loss(model.params(batch), batch.future_target).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if clip is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), clip)
                opt.step()
                total += loss.detach() * batch.batch_size
                seen += batch.batch_size
                result.steps += 1
                if max_steps is not None and result.steps >= max_steps:
                    break
            result.train_loss.append(float(total) / max(seen, 1))
            if val is not None:
                result.val_loss.append(distribution_loss(model, val, batch_size * 4))
                if result.val_loss[-1] < best:
                    best, bad_epochs, result.best_epoch = result.val_loss[-1], 0, epoch
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    bad_epochs += 1
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
