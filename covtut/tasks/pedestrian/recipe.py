"""The book's recipe on the pedestrian task, run once, as its protocol page says.

Written and committed before the recipe was run on the task (the history shows the
order). Every choice reads the training windows and the selection half of the
validation period only; the calibration half is left for intervals; the test period is
scored once, at the end, by :func:`full_run`.

The recipe, in three stages that read the training and selection windows only:

1. the linear baseline (:class:`~covtut.models.linear.LinearModel`): the best of
   :data:`LINEAR_CHOICES` (one model for all sensors, or one per sensor) and its penalty,
   by the selection MAE (:func:`~covtut.models.linear.choose_linear`);
2. a network trained on its residual, kept only if it lowers the selection loss
   (:func:`~covtut.training.residual.fit_linear_plus_network`); the network's
   configuration is the best of :data:`CANDIDATES` on selection
   (:func:`~covtut.training.search.search`), each trained with :data:`SEARCH_SEEDS` for
   the same :data:`BUDGET`;
3. the chosen configuration trained with every seed of :data:`SEEDS`; its forecasts
   averaged in disjoint ensembles of :data:`MEMBERS`.

The protocol scores absolute errors, so the networks are fitted to absolute errors
(``loss="l1"``) and the linear model's choices use the MAE; the ridge itself is least
squares. The lookback is the protocol's 168 hours for every candidate.

Data. The table (:func:`~covtut.tasks.pedestrian.protocol.load_table`) on its hourly UTC
grid, the unrecorded hours masked; the target is ``Count``; known over the horizon the
local hour and day of week (categories) and the holiday flag; the sensor is a static
category. Counts are scaled per sensor on the training period. A window whose 168-hour
lookback misses an hour is not used (111 of the 2,016 counted training windows; no
selection or test window misses one), so no unrecorded hour is ever read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from covtut.data.recipe import Windowed, windowed_datasets
from covtut.data.scaling import SeriesScaler
from covtut.data.series import SeriesData
from covtut.data.split import Split
from covtut.data.table import from_dataframe
from covtut.evaluation.scoring import forecasts
from covtut.tasks.pedestrian.protocol import HORIZON, LOOKBACK, TZ, load_table, origins, windows
from covtut.training.recipe import run_recipe
from covtut.training.search import Candidate

__all__ = ["BUDGET", "CANDIDATES", "LINEAR_CHOICES", "MEMBERS", "NAME", "SEARCH_SEEDS", "SEEDS",
           "Task",
           "full_config", "full_run", "prepare", "scores"]

NAME = "pedestrian"

#: The linear baseline's features (the hour and weekday one-hot and the holiday flag at the
#: target hour, the counts one day and one week earlier at that hour, the last count and
#: the means of the last day and week, the sensor one-hot), as one model for every sensor
#: or one per sensor (``groups=0``: the sensor column).
LINEAR_CHOICES: tuple[dict, ...] = (
    {"lags": (24, 168), "means": (1, 24, 168)},
    {"lags": (24, 168), "means": (1, 24, 168), "groups": 0},
)

#: The handful of network configurations the search tries on top of the chosen linear
#: model: the guide's model for known-future calendar covariates (the encoder-decoder)
#: with the seasonal lags, wider, with a smaller learning rate, without the lags, and the
#: cheapest model (concat).
CANDIDATES: tuple[Candidate, ...] = (
    Candidate(LOOKBACK, "encoder_decoder", 32, 3e-3, (("lags", (24, 168)),)),
    Candidate(LOOKBACK, "encoder_decoder", 64, 3e-3, (("lags", (24, 168)),)),
    Candidate(LOOKBACK, "encoder_decoder", 32, 1e-3, (("lags", (24, 168)),)),
    Candidate(LOOKBACK, "encoder_decoder", 32, 3e-3),
    Candidate(LOOKBACK, "concat", 32, 3e-3),
)

#: One budget for every training (optimiser steps, batch, and the loss).
BUDGET = {"steps": 1500, "batch_size": 128, "loss": "l1"}
#: The seeds of the search (each candidate trained with each).
SEARCH_SEEDS = (0, 1, 2)
#: The seeds of the chosen configuration's runs (the search's first, then six more).
SEEDS = tuple(range(9))
#: Members of each disjoint seed ensemble (three ensembles of three).
MEMBERS = 3


@dataclass
class Task:
    """The task's data, split and windows.

    Attributes
    ----------
    data
        The panel on the UTC grid, unscaled (``data.mask`` marks the recorded hours).
    split
        Training, selection and test origins (grid steps); ``train_end`` is the step of
        2016-07-01 00:00 local, the end of the training period.
    yardstick
        ``(4,)``: each sensor's MASE scale, the mean ``|y_t - y_{t-168}|`` over recorded
        training-period pairs.
    """

    data: SeriesData
    split: Split
    yardstick: torch.Tensor

    def windows(self, lookback: int = LOOKBACK) -> Windowed:
        """Training, selection and test windows for ``lookback``, scaled per sensor."""
        return windowed_datasets(self.data, lookback, HORIZON, split=self.split,
                                 scaler=SeriesScaler(per_series_target=True))


def prepare() -> Task:
    """The table as :class:`~covtut.data.series.SeriesData`, and the protocol's origins."""
    table = load_table().assign(sensor=lambda d: d["Sensor"])
    train_end = pd.Timestamp("2016-07-01", tz=TZ).tz_convert("UTC")
    data, _ = from_dataframe(table, series="Sensor", time="time", target="Count",
                             known=["holiday"], known_cat=["hour", "weekday"],
                             static_cat=["sensor"], fit_until=train_end, freq="h",
                             missing="mask")
    grid = pd.DatetimeIndex(data.time)

    def steps(period: str) -> torch.Tensor:
        return torch.as_tensor(grid.get_indexer(origins(grid, period)), dtype=torch.long)

    split = Split(train=steps("train"), val=steps("selection"), test=steps("test"),
                  train_end=int(grid.get_loc(train_end)),
                  val_end=int(grid.get_loc(pd.Timestamp("2016-10-01", tz=TZ).tz_convert("UTC"))))
    y, seen = data.target[..., 0], data.valid()
    end = split.train_end
    diff = (y[:, 168:end] - y[:, :end - 168]).abs()
    both = seen[:, 168:end] & seen[:, :end - 168]
    yardstick = (diff * both).sum(1) / both.sum(1)
    return Task(data=data, split=split, yardstick=yardstick)


def scores(task: Task, pred: torch.Tensor, truth: torch.Tensor, naive: torch.Tensor,
           series: torch.Tensor, origin: torch.Tensor) -> dict:
    """The protocol's metrics of one forecast of the test windows.

    Parameters
    ----------
    pred, truth, naive
        ``(W, 24)`` counts: the forecast, what happened, the weekly seasonal naive.
    series, origin
        ``(W,)``: each window's sensor and origin step.

    Returns
    -------
    dict
        ``mae``, ``rmse``, ``relative_mae``, ``mase``, and ``origin_loss``: per test
        origin, the mean absolute scaled error of its windows (the period question's loss).
    """
    err = (pred - truth).abs()
    scaled = err / task.yardstick[series][:, None]
    per_window = scaled.mean(1)
    frame = pd.DataFrame({"origin": origin.numpy(), "loss": per_window.numpy()})
    return {"mae": float(err.mean()), "rmse": float((pred - truth).pow(2).mean().sqrt()),
            "relative_mae": float(err.mean() / (naive - truth).abs().mean()),
            "mase": float(scaled.mean()),
            "origin_loss": frame.groupby("origin")["loss"].mean().tolist()}


def _test_forecast(task: Task, w: Windowed, model: torch.nn.Module) -> tuple[dict, torch.Tensor]:
    f = forecasts(model.cpu(), w.test, w.scaler, season=168)
    s = scores(task, f.pred[..., 0], f.truth[..., 0], f.naive[..., 0], f.series, f.origins)
    return s, f.pred[..., 0]


def _check_windows(task: Task, w: Windowed) -> None:
    """The test windows are exactly the protocol's counted ones, and the selection windows
    every counted selection window."""
    table = load_table()
    grid = pd.DatetimeIndex(task.data.time)
    sensors = list(task.data.info.index)
    for period, ds in (("test", w.test), ("selection", w.val)):
        counted = windows(table, period)
        counted = counted[counted["counts"]]
        want = sorted(zip(counted["Sensor"].map(sensors.index),
                          grid.get_indexer(counted["origin"]), strict=True))
        got = sorted(zip(ds.series_index.tolist(), ds.origin_index.tolist(), strict=True))
        if got != want:
            raise RuntimeError(f"{period}: {len(got)} windows, the protocol counts {len(want)}")


def full_config() -> dict:
    """Everything that defines the full run, for :func:`covtut.tasks.benchmark.code_hash`."""
    return {"linear": [repr(o) for o in LINEAR_CHOICES],
            "candidates": [dataclasses.asdict(c) for c in CANDIDATES], "budget": BUDGET,
            "search_seeds": list(SEARCH_SEEDS), "seeds": list(SEEDS), "members": MEMBERS,
            "lookback": LOOKBACK, "horizon": HORIZON}


def full_run(log: bool = True) -> dict:
    """Search on selection, train the chosen configuration with every seed, score on test."""
    torch.set_num_threads(1)
    task = prepare()
    cache: dict[int, Windowed] = {}

    def windowed(lookback: int) -> Windowed:
        if lookback not in cache:
            cache[lookback] = task.windows(lookback)
        return cache[lookback]

    run = run_recipe(windowed, CANDIDATES, linear_choices=LINEAR_CHOICES, lookback=LOOKBACK,
                     steps=BUDGET["steps"], batch_size=BUDGET["batch_size"],
                     loss=BUDGET["loss"], search_seeds=SEARCH_SEEDS, seeds=SEEDS, log=log)
    w = windowed(LOOKBACK)
    _check_windows(task, w)
    linear = run.fits[SEEDS[0]].model.linear
    linear_scores, _ = _test_forecast(task, w, linear)
    runs = []
    for r in run.runs():
        sc, _ = _test_forecast(task, w, run.fits[r["seed"]].model)
        runs.append({**r, **sc})
        if log:
            print(f"seed {r['seed']}: test MASE {sc['mase']:.3f} "
                  f"(linear {linear_scores['mase']:.3f})", flush=True)
    ensembles = [{"seeds": list(g), **_test_forecast(task, w, ens)[0]}
                 for g, ens in run.ensembles(MEMBERS)]
    f = forecasts(linear, w.test, w.scaler, season=168)
    naive = scores(task, f.naive[..., 0], f.truth[..., 0], f.naive[..., 0], f.series, f.origins)
    return {"linear_choice": run.linear_table.to_dict("records"),
            "linear_options": repr(run.linear_options),
            "search": run.search.table.to_dict("records"), "chosen": run.chosen,
            "chosen_label": run.search.best.label(), "runs": runs, "ensembles": ensembles,
            "linear": linear_scores, "seasonal_naive": naive,
            "test_windows": int(len(w.test)),
            "train_windows": int(len(w.train)), "selection_windows": int(len(w.val)),
            "per_sensor_test_windows": np.bincount(w.test.series_index.cpu().numpy(),
                                                   minlength=4).tolist()}
