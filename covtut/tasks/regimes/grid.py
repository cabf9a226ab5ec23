"""The benchmark grid: every model of :mod:`covtut.models` on every synthetic regime.

Used by chapter "Where should my covariates go?" (``book/10_benchmark``); the package
:mod:`covtut.tasks.regimes` says what the grid measures and how.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch

from covtut import models as models_package
from covtut.data import scaling, split, synthetic, windows
from covtut.data.recipe import windowed_datasets
from covtut.data.synthetic import SyntheticData
from covtut.evaluation.scoring import evaluate
from covtut.training import trainer as train

__all__ = ["BUDGET", "DATA", "LIVE", "MODELS", "NAME", "REGIMES", "SEEDS", "Setup",
           "full_config", "full_run", "grid", "prepare", "run"]

#: The name of the committed result (``covtut/tasks/results/regimes.json``).
NAME = "regimes"

#: The seeds of the grid. Run ``k`` of every model on a regime sees the data drawn with
#: seed ``k`` and starts from the weights drawn with seed ``k``.
SEEDS = (0, 1, 2)

#: The regimes of the grid, by label, each as (regime of :mod:`covtut.data.synthetic`, its
#: options).
REGIMES: dict[str, tuple[str, dict]] = {
    "additive": ("additive", {}),
    "static_amplitude": ("static_dynamics", {"effect": "amplitude"}),
    "static_ar": ("static_dynamics", {"effect": "ar"}),
    "many_groups": ("many_groups", {}),
    "interaction": ("interaction", {}),
    "known_future": ("known_future", {}),
    "many_covariates": ("many_covariates", {}),
}

#: The models of the grid, by label, each as (name in :data:`covtut.models.MODELS`,
#: options), cheapest ideas first.
MODELS: dict[str, tuple[str, dict]] = {
    "concat": ("concat", {}),
    "concat_mlp": ("concat", {"head": "mlp"}),
    "init_state": ("init_state", {}),
    "film": ("film", {}),
    "late_fusion": ("late_fusion", {}),
    "gated_gru": ("gated_gru", {}),
    "gated_gru_static": ("gated_gru", {"static_gate_only": True}),  # the EA-LSTM's gate
    "attention": ("attention", {}),
    "encoder_decoder": ("encoder_decoder", {}),
    "variable_selection": ("variable_selection", {}),
}

#: The windows, as in Part II (lookback, horizon, season in steps; split fractions).
DATA: dict = {"lookback": 24, "horizon": 12, "season": 24, "val_frac": 0.15,
              "test_frac": 0.2, "stride": 2}

#: One budget for every model (optimiser steps, width, batch, Adam's learning rate).
BUDGET: dict = {"steps": 1000, "hidden_size": 32, "batch_size": 128, "lr": 3e-3}

#: The chapter's live run, one row of the grid (three models, the full budget, all seeds).
LIVE: dict = {"regime": "many_covariates",
              "models": ["concat", "attention", "variable_selection"]}


@dataclass
class Setup:
    """One draw of one regime, split by time, scaled and cut into windows."""

    syn: SyntheticData
    scaler: scaling.SeriesScaler
    train: windows.WindowDataset
    val: windows.WindowDataset
    test: windows.WindowDataset


def prepare(regime: str, seed: int) -> Setup:
    """Draw regime ``regime`` (a key of :data:`REGIMES`) with ``seed``, as :data:`DATA` says.

    Test origins are every step of the test period, so every phase of the season counts.
    """
    if regime not in REGIMES:
        raise ValueError(f"prepare: regime={regime!r}; valid: {sorted(REGIMES)}")
    name, options = REGIMES[regime]
    syn = synthetic.make_regime(name, seed=seed, **options)
    L, H = DATA["lookback"], DATA["horizon"]
    cut = split.chronological_split(syn.data.n_steps, L, H, val_frac=DATA["val_frac"],
                                    test_frac=DATA["test_frac"], stride=DATA["stride"])
    every = torch.arange(cut.val_end, syn.data.n_steps - H + 1)  # every test-period origin
    w = windowed_datasets(syn.data, L, H, split=cut, test_origins=every)
    return Setup(syn, w.scaler, w.train, w.val, w.test)


def run(regime: str | Setup, model: str, seed: int, *, steps: int | None = None,
        device: str | torch.device = "cpu", regime_name: str | None = None) -> dict:
    """Train model ``model`` (a key of :data:`MODELS`) on one draw; score it on test.

    Parameters
    ----------
    regime
        A key of :data:`REGIMES` (drawn with ``seed``), or a prepared :class:`Setup`.
    seed
        Seeds the data (when ``regime`` is a name) and the initialisation and shuffling.
    steps
        Optimiser steps (default :data:`BUDGET`'s).

    Returns
    -------
    dict
        ``floor_ratio``, ``rmse`` and ``skill`` (MAE skill against the seasonal naive
        forecast, :func:`covtut.evaluation.metrics.skill`) on test, ``seconds`` of training
        (validation
        included), ``steps``, ``seconds_per_step``, ``parameters`` and ``best_epoch``;
        and ``model``, the trained network (on the CPU).
    """
    setup = prepare(regime, seed) if isinstance(regime, str) else regime
    if model not in MODELS:
        raise ValueError(f"run: model={model!r}; valid: {list(MODELS)}")
    name, options = MODELS[model]
    steps = BUDGET["steps"] if steps is None else steps
    net = models_package.build_model(name, setup.train.spec, hidden_size=BUDGET["hidden_size"],
                                     **options)
    per_epoch = math.ceil(len(setup.train) / BUDGET["batch_size"])
    fitted = train.fit(net, setup.train, setup.val, epochs=math.ceil(steps / per_epoch),
                       max_steps=steps, patience=steps, batch_size=BUDGET["batch_size"],
                       lr=BUDGET["lr"], seed=seed, device=device, progress=False)
    scores = evaluate(net, setup.test, setup.scaler, season=DATA["season"],
                               truth=setup.syn)
    return {"floor_ratio": scores["floor_ratio"], "rmse": scores["rmse"], "skill": scores["skill"],
            "seconds": fitted.seconds, "steps": fitted.steps,
            "seconds_per_step": fitted.seconds / fitted.steps,
            "parameters": sum(p.numel() for p in net.parameters()),
            "best_epoch": fitted.best_epoch, "model": fitted.model.cpu()}


def grid(regimes: list[str], models: list[str], seeds: tuple[int, ...] = SEEDS, *,
         steps: int | None = None, device: str | torch.device = "cpu",
         log: bool = False) -> pd.DataFrame:
    """:func:`run` over ``regimes`` x ``models`` x ``seeds``; one row per run.

    On each regime and seed the data are drawn once and every model trains on them.
    """
    rows = []
    for regime in regimes:
        for seed in seeds:
            setup = prepare(regime, seed)
            for model in models:
                r = run(setup, model, seed, steps=steps, device=device)
                rows.append({"regime": regime, "model": model, "seed": seed,
                             **{k: v for k, v in r.items() if k != "model"}})
                if log:
                    print(regime, model, seed, f"{r['floor_ratio']:.3f}",
                          f"{r['seconds']:.1f}s", flush=True)
    return pd.DataFrame(rows)


def full_config() -> dict:
    """Everything that defines the full run, for :func:`covtut.tasks.benchmark.code_hash`."""
    return {"regimes": {k: [n, o] for k, n_o in REGIMES.items() for n, o in [n_o]},
            "models": {k: [n, o] for k, n_o in MODELS.items() for n, o in [n_o]},
            "data": DATA, "budget": BUDGET, "seeds": list(SEEDS)}


def full_run() -> dict:
    """The whole grid, :data:`MODELS` x :data:`REGIMES` x :data:`SEEDS`: one row per run."""
    return {"runs": grid(list(REGIMES), list(MODELS), log=True).to_dict("records")}
