"""What :func:`covtut.fit` asks of data-parallel training: the hooks of one process.

Introduced in chapter "From notebook to production";
:class:`covtut.training.parallel.DataParallel` implements it.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

__all__ = ["Sharding"]


class Sharding(Protocol):
    """How :func:`covtut.fit` trains as one of several processes (``fit(..., sharding=...)``).

    Without it, :func:`covtut.fit` is one process: it shuffles all training windows each epoch
    and scores all validation windows. :class:`covtut.training.parallel.DataParallel`
    is the implementation for :class:`~torch.nn.parallel.DistributedDataParallel`.
    """

    def prepare(self, model: nn.Module) -> nn.Module:
        """Called once, after the weights are drawn and the model is on its device: the
        module the training steps call (a :class:`~torch.nn.parallel.DistributedDataParallel`
        wrapper, whose backward pass averages the gradients over processes)."""
        ...

    def train_windows(self, epoch: int, n: int) -> torch.Tensor:
        """This process's training windows in ``epoch``, in order: ``(k,)`` int64 indices
        into the ``n`` windows. :func:`covtut.fit` takes them in full batches only, so that every
        process takes the same number of steps."""
        ...

    def val_windows(self, n: int) -> torch.Tensor:
        """This process's share of the ``n`` validation windows: ``(k,)`` int64 indices."""
        ...

    def reduce(self, totals: torch.Tensor) -> torch.Tensor:
        """``totals``: ``(2,)`` float64, this process's sum of validation losses and its
        number of windows; returned summed over all processes (an all-reduce), so that every
        process computes the same validation loss and stops at the same epoch."""
        ...
