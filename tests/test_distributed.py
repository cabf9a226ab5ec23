"""covtut.distributed: sharding, and two gloo processes training the retail model."""

import json
import os
import subprocess
import sys

import pytest
import torch

from covtut.training.parallel import shard


def test_the_shards_of_an_epoch_are_disjoint_equal_and_cover_all_but_the_remainder():
    n, world = 103, 4
    shards = [shard(n, r, world, epoch=2, seed=5) for r in range(world)]
    assert {len(s) for s in shards} == {n // world}
    every = torch.cat(shards)
    assert len(every.unique()) == len(every) == world * (n // world)
    assert torch.equal(shard(n, 1, world, 2, 5), shards[1])  # every rank draws the same
    assert not torch.equal(shard(n, 1, world, 3, 5), shards[1])  # a new order each epoch
    with pytest.raises(ValueError, match="rank=4"):
        shard(n, 4, world, 0)


def test_two_gloo_processes_agree_on_validation_and_share_no_window(tmp_path):
    out = tmp_path / "run.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "COVTUT_QUIET": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "covtut.distributed", "--device", "cpu", "--backend", "gloo",  # GPU or not
           "--epochs", "2", "--max-steps", "6", "--out", str(out),
           "--save", str(tmp_path / "weights.pt")]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads(out.read_text())
    assert record["world"] == 2 and record["backend"] == "gloo" and record["steps"] == 6
    first, second = (set(r["shard"]) for r in record["ranks"])
    assert not first & second and len(first) == len(second) == record["n_train"] // 2
    assert record["ranks"][0]["val_loss"] == record["ranks"][1]["val_loss"]  # same decisions
    weights = torch.load(tmp_path / "weights.pt", weights_only=True)  # rank 0 saved it
    assert all(torch.isfinite(w).all() for w in weights.values() if w.is_floating_point())
