"""The book's recipe on the retail task: a linear model, a network on its residual, seeds.

Used by chapter "Many series: retail turnover"; ``python -m covtut.tasks.aus_retail.recipe``
(``make benchmark``) runs it and commits the result. It is the recipe of
:func:`covtut.training.recipe.run_recipe`, as on the pedestrian task:

1. the linear baseline on log turnover: the same month one year before, alone or with the
   last month, the mean of the last year, the month of year one-hot and its trading days,
   the State and the Industry one-hot; one model for every series or one per Industry
   (:data:`LINEAR_CHOICES`), with its penalty, by the selection MAE;
2. a network on its residual, kept only if it lowers the selection loss: the best of
   :data:`CANDIDATES` (the chapter's encoder-decoder and three variations), each reading
   its windows relative to their level (:class:`LevelCorrection`) and trained with
   :data:`SEARCH_SEEDS` for :data:`BUDGET`;
3. the chosen configuration with every seed of :data:`SEEDS`, averaged (in log turnover)
   in disjoint ensembles of :data:`MEMBERS`.

**Selection and calibration.** The protocol has one validation origin, 2017-01, with a
window for each series observed in 2017. Those windows are split by series: every other
series in the panel's order (State, then Industry) selects (the penalty, the candidate,
early stopping, the keep decision), the others are kept for calibrating intervals and are
read by nothing here. The panel's order alternates the Industries within each State, so
both halves cover every State. 2018 is scored once, after every choice.
"""

from __future__ import annotations

import dataclasses
import importlib

import torch

from covtut.core.batch import Batch, CovariateSpec
from covtut.data.recipe import Windowed
from covtut.data.windows import WindowDataset
from covtut.models import build_model
from covtut.models.base import CovariateModel
from covtut.tasks import benchmark, peers
from covtut.tasks.aus_retail.config import CONFIG
from covtut.tasks.aus_retail.model import LevelNormalised
from covtut.tasks.aus_retail.protocol import HORIZON, Task, prepare, score, seasonal_naive_forecast
from covtut.training.recipe import run_recipe
from covtut.training.search import Candidate
from covtut.training.trainer import predict

__all__ = ["BUDGET", "CANDIDATES", "LINEAR_CHOICES", "LevelCorrection", "MEMBERS", "MODULE",
           "NAME", "SEARCH_SEEDS", "SEEDS", "build", "full_config", "full_run", "load",
           "main", "selection_series", "windowed"]

#: This module's name, also when it runs as ``__main__``.
MODULE = "covtut.tasks.aus_retail.recipe"
#: The name of the committed result (``covtut/tasks/results/aus_retail_recipe.json``).
NAME = "aus_retail_recipe"

_SEASONAL = {"lags": (12,), "means": (), "known": (), "known_cat": (), "statics": False}
_FULL = {"lags": (12,), "means": (1, 12)}
#: The linear baseline's configurations, the same month one year before alone (a seasonal
#: naive forecast with a fitted slope and drift per step), and with the last month, the
#: mean of the last year, the calendar and the statics; each as one model for every series
#: or one per Industry (``groups=1``).
LINEAR_CHOICES: tuple[dict, ...] = (_SEASONAL, _FULL, {**_SEASONAL, "groups": 1},
                                    {**_FULL, "groups": 1})

_LAGS = (("lags", (12, 24, 36)),)
#: The chapter's network (an encoder-decoder of width 64 whose decoder reads the same
#: month one, two and three years before), narrower, with a smaller learning rate, and
#: without the lags.
CANDIDATES: tuple[Candidate, ...] = (
    Candidate(CONFIG["lookback"], "encoder_decoder", 64, 2e-3, _LAGS),
    Candidate(CONFIG["lookback"], "encoder_decoder", 32, 2e-3, _LAGS),
    Candidate(CONFIG["lookback"], "encoder_decoder", 64, 1e-3, _LAGS),
    Candidate(CONFIG["lookback"], "encoder_decoder", 64, 2e-3),
)
#: One budget for every training (the chapter's full budget of optimiser steps).
BUDGET = {"steps": 1000, "batch_size": 256, "loss": "l1"}
#: The seeds of the search, and of the chosen configuration's runs.
SEARCH_SEEDS, SEEDS = (0, 1, 2), tuple(range(9))
#: Members of each disjoint seed ensemble (three ensembles of three).
MEMBERS = 3


class LevelCorrection(LevelNormalised):
    """The chapter's level-normalised network, forecasting a correction instead of a level.

    It reads each window relative to its level as
    :class:`~covtut.tasks.aus_retail.model.LevelNormalised` does, and returns the inner
    model's output times ``log_scale`` *without* adding the level back: a change of log
    turnover, which the linear model's forecast is corrected by.
    """

    def forecast(self, batch: Batch) -> torch.Tensor:
        level = batch.past_target[:, -self.min_length:].mean(dim=1, keepdim=True)  # (B, 1, 1)
        return super().forecast(batch) - level  # (B, H, 1) log turnover


def build(candidate: Candidate, spec: CovariateSpec) -> LevelCorrection:
    """The candidate's network inside :class:`LevelCorrection` (the chapter's level scale,
    short-input probability and shortest lookback)."""
    inner = build_model(candidate.model, spec, hidden_size=candidate.hidden_size,
                        **dict(candidate.options))
    return LevelCorrection(inner, CONFIG["log_scale"], CONFIG["short_input_prob"],
                           CONFIG["min_lookback"])


def selection_series(task: Task) -> tuple[torch.Tensor, torch.Tensor]:
    """The validation windows' series split in two: every other one selects, the rest
    calibrate. Returns ``(selection, calibration)``, positions in ``task.data``."""
    series = task.val.series_index.unique(sorted=True)
    return series[0::2], series[1::2]


def windowed(task: Task) -> Windowed:
    """The protocol's training and test windows, and the selection series' 2017 windows."""
    sel, _ = selection_series(task)
    L = CONFIG["lookback"]
    val = WindowDataset(task.data, L, HORIZON, task.split.val, sel,
                        min_lookback=CONFIG["min_lookback"])
    return Windowed(split=task.split, scaler=None, scaled=task.data, train=task.train, val=val,
                    test=task.test)


def full_config() -> dict:
    """Everything that defines the full run, for :func:`covtut.tasks.benchmark.code_hash`."""
    return {"linear": [repr(o) for o in LINEAR_CHOICES],
            "candidates": [dataclasses.asdict(c) for c in CANDIDATES], "budget": BUDGET,
            "search_seeds": list(SEARCH_SEEDS), "seeds": list(SEEDS), "members": MEMBERS,
            "config": CONFIG}


def _score(task: Task, model: CovariateModel) -> dict:
    pred = predict(model.cpu(), task.test)[..., 0].exp()  # (148, 12) million AUD
    return {**score(pred, task),
            "series_mase": [round(float(v), 5) for v in peers.series_mase(pred, task)]}


def full_run(log: bool = True) -> dict:
    """The recipe on the selection series, then 2018 scored once."""
    torch.set_num_threads(1)
    task = prepare()
    w = windowed(task)
    run = run_recipe(lambda lookback: w, CANDIDATES, linear_choices=LINEAR_CHOICES,
                     lookback=CONFIG["lookback"], steps=BUDGET["steps"],
                     batch_size=BUDGET["batch_size"], loss=BUDGET["loss"], build=build,
                     search_seeds=SEARCH_SEEDS, seeds=SEEDS, log=log)
    linear = run.fits[SEEDS[0]].model.linear
    linear_scores = _score(task, linear)
    runs = []
    for r in run.runs():
        sc = _score(task, run.fits[r["seed"]].model)
        runs.append({**r, **sc})
        if log:
            print(f"seed {r['seed']}: test MASE {sc['mase']:.3f} "
                  f"(linear {linear_scores['mase']:.3f})", flush=True)
    ensembles = [{"seeds": list(g), **_score(task, ens)} for g, ens in run.ensembles(MEMBERS)]
    naive = seasonal_naive_forecast(task)
    sel, cal = selection_series(task)
    return {"task": "book/protocol_aus_retail.md",
            "linear_choice": run.linear_table.to_dict("records"),
            "linear_options": repr(run.linear_options),
            "search": run.search.table.to_dict("records"), "chosen": run.chosen,
            "chosen_label": run.search.best.label(), "runs": runs, "ensembles": ensembles,
            "linear": linear_scores,
            "seasonal_naive": {**score(naive, task), "series_mase": [
                round(float(v), 5) for v in peers.series_mase(naive, task)]},
            "train_windows": len(w.train), "selection_windows": len(w.val),
            "calibration_windows": len(cal), "selection_series": len(sel)}


def load() -> dict:
    """The committed result, refused if stale."""
    return benchmark.load_result(importlib.import_module(MODULE))


def main(argv: list[str] | None = None) -> None:
    """``python -m covtut.tasks.aus_retail.recipe``: the full run, written to the results."""
    benchmark.main(importlib.import_module(MODULE), argv)


if __name__ == "__main__":
    main()
