"""The book's recipe on the day-ahead demand task: the ridge, a network on its residual, seeds.

Used by chapter "Day-ahead electricity demand"; ``python -m covtut.tasks.vic_elec.recipe``
(``make benchmark``) runs it and commits the result. It is the recipe of
:func:`covtut.training.recipe.run_recipe`, as on the pedestrian task:

1. the linear baseline: the protocol's ridge (:func:`~covtut.tasks.vic_elec.linear.ridge`),
   with or without its temperature hinges, and its penalty, by the selection MAE;
2. a network on its residual, kept only if it lowers the selection loss, the best of
   :data:`CANDIDATES` (chapter 8's encoder-decoder and three variations), each trained
   with :data:`SEARCH_SEEDS` for :data:`BUDGET`;
3. the chosen configuration with every seed of :data:`SEEDS`, averaged in disjoint
   ensembles of :data:`MEMBERS`.

**Selection and calibration.** The protocol's 72 validation midnights (2013-10-21 to
2013-12-31) are split in time: the first :data:`SELECTION` (to 2013-11-25) select (the
penalty, the candidate, early stopping, the keep decision); the last 36, nearer the test
year, are left for calibrating intervals and read by nothing here. The test year is
scored once, after every choice.

Every window starts at a local midnight, the training ones too (:func:`windowed` says why).
The windows are the scaled ones the networks read; the ridge's knots (in °C) are mapped
to the scaled units (:func:`scaled_hinges`), which leaves its forecast as it is on raw
windows, since its features are standardised anyway.
"""

from __future__ import annotations

import dataclasses
import importlib

import pandas as pd
import torch

from covtut.data.recipe import Windowed
from covtut.models.base import CovariateModel
from covtut.tasks import benchmark
from covtut.tasks.vic_elec.linear import HINGES
from covtut.tasks.vic_elec.protocol import HORIZON, LOOKBACK, TZ, Task, prepare
from covtut.tasks.vic_elec.run import origin_mae, scores
from covtut.training.recipe import run_recipe
from covtut.training.search import Candidate
from covtut.training.trainer import predict

__all__ = ["BUDGET", "CANDIDATES", "MEMBERS", "NAME", "SEARCH_SEEDS", "SEEDS", "SELECTION",
           "full_config", "full_run", "linear_choices", "load", "main",
           "scaled_hinges", "windowed"]

#: This module's name, also when it runs as ``__main__``.
MODULE = "covtut.tasks.vic_elec.recipe"
#: The name of the committed result (``covtut/tasks/results/vic_elec_recipe.json``).
NAME = "vic_elec_recipe"
#: The first this many validation origins select; the rest are kept for calibration.
SELECTION = 36

_NET = (("head", "mlp"), ("head_hidden", 64), ("lags", (48, 336)), ("skip_inputs", True),
        ("encoder_steps", 48))
#: Chapter 8's network (an encoder-decoder that reads the last day, with the demand and
#: temperature one day and one week before each step, and a skip of the inputs to the
#: head), narrower, with a smaller learning rate, and without the lags and the skip.
CANDIDATES: tuple[Candidate, ...] = (
    Candidate(LOOKBACK, "encoder_decoder", 64, 3e-3, _NET),
    Candidate(LOOKBACK, "encoder_decoder", 32, 3e-3,
              (("head", "mlp"), ("head_hidden", 32), *_NET[2:])),
    Candidate(LOOKBACK, "encoder_decoder", 64, 1e-3, _NET),
    Candidate(LOOKBACK, "encoder_decoder", 64, 3e-3, (*_NET[:2], ("encoder_steps", 48))),
)
#: One budget for every training.
BUDGET = {"steps": 600, "batch_size": 128, "loss": "l1"}
#: The seeds of the search, and of the chosen configuration's runs.
SEARCH_SEEDS, SEEDS = (0, 1, 2), tuple(range(9))
#: Members of each disjoint seed ensemble (three ensembles of three).
MEMBERS = 3


def scaled_hinges(task: Task) -> tuple[tuple[int, float, int], ...]:
    """The ridge's hinges (:data:`~covtut.tasks.vic_elec.linear.HINGES`, knots in °C) with
    each knot in the units of the scaled windows: ``(knot - mean) / std`` of its column."""
    mean, std = task.scaler.known.mean.flatten(), task.scaler.known.std.flatten()
    return tuple((c, float((k - mean[c]) / std[c]), d) for c, k, d in HINGES)


def linear_choices(task: Task) -> tuple[dict, ...]:
    """The protocol's ridge (the weekday one-hot, the demand lags and means, every known
    column), with its hinges and without them."""
    base = {"known_cat": (1,), "lags": (48, 336), "means": (1, 48, 336)}
    return ({**base, "hinges": scaled_hinges(task)}, base)


def windowed(task: Task) -> Windowed:
    """The scaled windows: the protocol's training midnights as ``train``, the selection
    midnights as ``val``, the test year as ``test``.

    Midnights, not chapter 8's origins every 8 half-hours: the ridge is one model per
    horizon step, so step ``h`` must be the same half-hour of the day in every window. The
    origins are local midnights, so the daylight-saving changes keep that true (origins
    every 48 half-hours of UTC would not)."""
    split = dataclasses.replace(task.split, val=task.split.val[:SELECTION])
    return Windowed(split=split, scaler=task.scaler, scaled=task.data,
                    train=task.windows(task.split.train),
                    val=task.windows(split.val), test=task.windows(task.split.test))


def full_config() -> dict:
    """Everything that defines the full run, for :func:`covtut.tasks.benchmark.code_hash`."""
    return {"candidates": [dataclasses.asdict(c) for c in CANDIDATES], "budget": BUDGET,
            "search_seeds": list(SEARCH_SEEDS), "seeds": list(SEEDS), "members": MEMBERS,
            "selection": SELECTION, "hinges": [list(h) for h in HINGES],
            "lookback": LOOKBACK, "horizon": HORIZON}


def _score(task: Task, w: Windowed, model: CovariateModel) -> dict:
    pred = task.scaler.inverse_target(predict(model.cpu(), w.test))[..., 0]  # (365, 48) MW
    truth = task.truth(task.split.test)
    return {**scores(pred, truth), "origin_mae": origin_mae(pred, truth)}


def full_run(log: bool = True) -> dict:
    """The recipe on the selection origins, then the test year scored once."""
    torch.set_num_threads(1)
    task = prepare()
    w = windowed(task)
    run = run_recipe(lambda lookback: w, CANDIDATES, linear_choices=linear_choices(task),
                     lookback=LOOKBACK, steps=BUDGET["steps"],
                     batch_size=BUDGET["batch_size"], loss=BUDGET["loss"],
                     search_seeds=SEARCH_SEEDS, seeds=SEEDS, log=log)
    linear = run.fits[SEEDS[0]].model.linear
    linear_scores = _score(task, w, linear)
    runs = []
    for r in run.runs():
        sc = _score(task, w, run.fits[r["seed"]].model)
        runs.append({**r, **sc})
        if log:
            print(f"seed {r['seed']}: test MAE {sc['mae']:.1f} MW "
                  f"(linear {linear_scores['mae']:.1f})", flush=True)
    ensembles = [{"seeds": list(g), **_score(task, w, ens)} for g, ens in run.ensembles(MEMBERS)]
    grid = pd.DatetimeIndex(task.data.time)
    days = grid[w.val.origin_index.numpy()].tz_convert(TZ)
    return {"task": "book/protocol_vic_elec.md",
            "linear_choice": run.linear_table.to_dict("records"),
            "linear_options": repr(run.linear_options),
            "search": run.search.table.to_dict("records"), "chosen": run.chosen,
            "chosen_label": run.search.best.label(), "runs": runs, "ensembles": ensembles,
            "linear": linear_scores, "train_windows": len(w.train),
            "selection_windows": len(w.val),
            "selection_days": [str(days[0].date()), str(days[-1].date())]}


def load() -> dict:
    """The committed result, refused if stale."""
    return benchmark.load_result(importlib.import_module(MODULE))


def main(argv: list[str] | None = None) -> None:
    """``python -m covtut.tasks.vic_elec.recipe``: the full run, written to the results."""
    benchmark.main(importlib.import_module(MODULE), argv)


if __name__ == "__main__":
    main()
