"""The retail chapter's global model trained on several processes: the example that
``python -m covtut.distributed`` runs.

Introduced in chapter "From notebook to production" (Part III). Every rank builds the
task of :mod:`covtut.tasks.aus_retail` and its model from the same seed and trains it
with :func:`covtut.training.parallel.train`; rank 0 scores the 2018 forecast and writes
the record (and the weights, with ``--save``).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch
import torch.distributed as dist

from covtut.tasks import aus_retail as ar
from covtut.training import parallel

__all__ = ["main"]


def main(argv: list[str] | None = None) -> dict:
    """The ``torchrun`` entry point: train the retail global model, rank 0 writes."""
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
        r = parallel.train(ar.make_model(task), task.train, task.val, rank=rank,
                           world=world, device=device, epochs=args.epochs,
                           max_steps=args.max_steps, batch_size=c["batch_size"], lr=c["lr"],
                           patience=c["patience"], loss=c["loss"], seed=args.seed)
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
