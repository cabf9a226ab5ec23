"""When is a network worth it? The recipe's gain over the linear model against training size.

Used by chapter "Start from the linear model"; ``python -m covtut.tasks.pedestrian.sizes``
(``make benchmark``) runs it and commits the result. The pedestrian task's training
period is cut to its most recent :data:`FRACTIONS` of training origins; at each size the
linear baseline (one per sensor, as the recipe chose on the full task; its penalty chosen
again on the selection windows) and the network the recipe chose (``CANDIDATES[0]`` of
:mod:`~covtut.tasks.pedestrian.recipe`, trained on the linear model's residual and kept
only if it lowers the selection loss) are trained with :data:`SEEDS`, one budget each,
and scored on the test period. The configuration is the full task's choice, made on its
selection windows; nothing here chooses, so the test period is only measured. At the full
size the runs are those of the committed recipe result with the same seeds.
"""

from __future__ import annotations

import importlib

import torch

from covtut.data.recipe import Windowed
from covtut.data.windows import WindowDataset
from covtut.evaluation.scoring import forecasts
from covtut.models.base import CovariateModel
from covtut.models.linear import LinearModel
from covtut.tasks import benchmark
from covtut.tasks.pedestrian.protocol import HORIZON, LOOKBACK
from covtut.tasks.pedestrian.recipe import BUDGET, CANDIDATES, LINEAR_CHOICES, Task, prepare, scores
from covtut.training.residual import fit_linear_plus_network
from covtut.training.search import build_network, steps_to_epochs

__all__ = ["CHOICE", "FRACTIONS", "LINEAR", "MODULE", "NAME", "SEEDS", "full_config",
           "full_run", "load", "main", "test_mase"]

#: This module's name, also when it runs as ``__main__``.
MODULE = "covtut.tasks.pedestrian.sizes"
#: The name of the committed result (``covtut/tasks/results/pedestrian_sizes.json``).
NAME = "pedestrian_sizes"
#: The shares of the training origins kept, the most recent ones.
FRACTIONS = (0.125, 0.25, 0.5, 1.0)
#: The network (the recipe's choice on the full task) and the linear model's options.
CHOICE, LINEAR = CANDIDATES[0], LINEAR_CHOICES[1]
#: The seeds at every size.
SEEDS = (0, 1, 2)


def full_config() -> dict:
    """Everything that defines the full run, for :func:`covtut.tasks.benchmark.code_hash`."""
    return {"fractions": list(FRACTIONS), "choice": repr(CHOICE), "linear": repr(LINEAR),
            "seeds": list(SEEDS), "budget": BUDGET, "lookback": LOOKBACK, "horizon": HORIZON}


def test_mase(task: Task, w: Windowed, model: CovariateModel) -> float:
    """The protocol's test MASE of ``model``'s forecast of ``w.test``."""
    f = forecasts(model.cpu(), w.test, w.scaler, season=168)
    return scores(task, f.pred[..., 0], f.truth[..., 0], f.naive[..., 0], f.series,
                  f.origins)["mase"]


def full_run(log: bool = True) -> dict:
    """The linear model and the recipe at every training size and seed, scored on test."""
    torch.set_num_threads(1)
    task = prepare()
    w = task.windows(LOOKBACK)
    origins = task.split.train
    rows = []
    for frac in FRACTIONS:
        if frac == 1.0:
            train = w.train
        else:
            cut = origins[int(round(len(origins) * (1 - frac)))]
            train = WindowDataset(w.scaled, LOOKBACK, HORIZON, origins=origins[origins >= cut])
        for seed in SEEDS:
            r = fit_linear_plus_network(
                LinearModel(train.spec, **LINEAR), build_network(CHOICE, train.spec), train,
                w.val, loss=BUDGET["loss"], batch_size=BUDGET["batch_size"],
                epochs=steps_to_epochs(len(train), BUDGET["batch_size"], BUDGET["steps"]),
                max_steps=BUDGET["steps"], patience=BUDGET["steps"], lr=CHOICE.lr, seed=seed,
                device="cpu", progress=False)
            rows.append({"fraction": frac, "train_windows": len(train), "seed": seed,
                         "kept": r.kept, "gain": r.gain, "alpha": r.penalty.alpha,
                         "linear_mase": test_mase(task, w, r.model.linear),
                         "recipe_mase": test_mase(task, w, r.model),
                         "seconds": r.fit.seconds})
            if log:
                print(rows[-1], flush=True)
    return {"task": "book/protocol_pedestrian.md", "runs": rows}


def load() -> dict:
    """The committed result, refused if stale."""
    return benchmark.load_result(importlib.import_module(MODULE))


def main(argv: list[str] | None = None) -> None:
    """``python -m covtut.tasks.pedestrian.sizes``: the full run, written to the results."""
    benchmark.main(importlib.import_module(MODULE), argv)


if __name__ == "__main__":
    main()
