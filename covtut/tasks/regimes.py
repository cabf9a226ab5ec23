"""Every model of :mod:`covtut.models` on every synthetic regime, under one budget.

Used by chapter "Where should my covariates go?" (``book/10_benchmark``).

The grid is :data:`MODELS` x :data:`REGIMES` x :data:`SEEDS`. Run ``k`` of every model
on a regime sees the same data (drawn with seed ``k``) and starts from weights drawn
with seed ``k``, so the book's verdict rule (:func:`covtut.compare`) can pair them.

**The budget.** Every model gets the same number of optimiser steps (:data:`BUDGET`),
the same hidden size, batch size and learning rate, and keeps the weights of its best
validation loss. The same steps and width, not the same parameter count: the question a
reader asks is "where should my covariate enter a network of the size I would use?",
and an architecture's extra parameters (an MLP head, a weight network) are part of its
price, which the table shows beside its error (parameters and seconds per step).

The score is the test **floor ratio**: the model's mean squared error over the oracle's
(the conditional mean the generator knows; 1 is the best any model can do on average).

``python -m covtut.tasks.regimes`` runs the full grid and writes
``covtut/tasks/results/regimes.json``; the chapter runs a reduced grid live (:data:`LIVE`).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass

import pandas as pd
import torch

from covtut import models as models_package
from covtut.core import batch as batch_module
from covtut.data import scaling, series, split, synthetic, windows
from covtut.data.synthetic import SyntheticData
from covtut.evaluation import metrics
from covtut.evaluation.scoring import evaluate
from covtut.evaluation.verdict import Verdict, compare, holm
from covtut.models import (
    attention,
    base,
    concat,
    encoder_decoder,
    film,
    gated_gru,
    init_state,
    late_fusion,
    lengths,
    variable_selection,
)
from covtut.tasks import benchmark
from covtut.training import trainer as train

__all__ = ["BUDGET", "DATA", "GUIDE", "LIVE", "MODELS", "MODULES", "REGIMES", "ROUTES",
           "SAME_SPEED", "SEEDS", "STATIC_ROUTES", "WITH_STATICS", "Setup", "cheapest_of",
           "full_config", "grid", "guide", "load", "main", "prepare", "run", "verdicts"]

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

#: Where each model's covariates enter the network, and the chapter that teaches it.
ROUTES: dict[str, tuple[str, str]] = {
    "concat": ("all covariates as input channels, horizon values into a linear head",
               "02_naive_concatenation"),
    "concat_mlp": ("all covariates as input channels, horizon values into an MLP head",
                   "02_naive_concatenation"),
    "init_state": ("statics set the initial state", "04_conditioning_state"),
    "film": ("statics scale and shift the hidden states", "04_conditioning_state"),
    "late_fusion": ("statics join at the head", "06_gated_gru"),
    "gated_gru": ("statics also drive the GRU's update gate", "06_gated_gru"),
    "gated_gru_static": ("statics alone drive the update gate (EA-LSTM)", "06_gated_gru"),
    "attention": ("attention over lookback steps, scored with the covariates",
                  "05_attention"),
    "encoder_decoder": ("a decoder reads each horizon step's known covariates",
                        "07_encoder_decoder"),
    "variable_selection": ("per-step weights over the covariates, into an encoder-decoder",
                           "10_benchmark"),
}

#: The decision guide's cells. Each key, (kind of covariate, kind of effect), maps to the
#: regime that measures it, or to ``None`` where no regime of the book does.
GUIDE: dict[tuple[str, str], str | None] = {
    ("static numeric", "additive"): None,
    ("static numeric", "on the dynamics"): "static_ar",  # sets the persistence
    ("static numeric", "interaction"): "static_amplitude",  # scales the season
    ("static categorical", "additive and interaction"): "many_groups",  # level and phase
    ("static categorical", "on the dynamics"): None,
    ("observed-past numeric", "additive"): "additive",  # reads the past disturbance
    ("observed-past numeric", "on the dynamics"): None,
    ("known-future numeric", "additive"): "additive",  # a driver of the mean
    ("known-future numeric", "on the dynamics"): "interaction",  # a flag sets persistence
    ("known-future categorical", "additive"): "known_future",  # promotions, holidays
    ("known-future categorical", "on the dynamics"): None,
    ("many known-future, varying relevance", "interaction"): "many_covariates",
}


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
    scaler = scaling.SeriesScaler().fit(syn.data, cut.train_end)
    scaled = scaler.transform(syn.data)
    test = torch.arange(cut.val_end, syn.data.n_steps - H + 1)
    sets = [windows.WindowDataset(scaled, L, H, origins=o) for o in (cut.train, cut.val, test)]
    return Setup(syn, scaler, *sets)


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


def verdicts(results: pd.DataFrame, regime: str) -> pd.DataFrame:
    """On ``regime``: the best model by mean floor ratio, and the rule's verdict against it.

    On a regime without statics the models of :data:`STATIC_ROUTES` are left out.

    The best model is compared with every other model of the regime: one table of
    comparisons, so :func:`~covtut.evaluation.verdict.holm` corrects their p-values
    together, and ``beaten`` is the corrected verdict.

    Returns
    -------
    pandas.DataFrame
        One row per model, by mean floor ratio, with ``mean``, ``min``, ``max``,
        ``seconds_per_step``, ``parameters``, ``p_holm`` (the Holm-corrected p-value of
        the best against it; NaN on the best's own row) and ``beaten`` (whether the best
        model beats it by the book's rule after the correction; False on its own row).
    """
    sub = results[results["regime"] == regime]
    if regime not in WITH_STATICS:
        sub = sub[~sub["model"].isin(STATIC_ROUTES)]
    runs = {m: g.sort_values("seed")["floor_ratio"].to_numpy() for m, g in sub.groupby("model")}
    table = (sub.groupby("model")
             .agg(mean=("floor_ratio", "mean"), min=("floor_ratio", "min"),
                  max=("floor_ratio", "max"), seconds_per_step=("seconds_per_step", "mean"),
                  parameters=("parameters", "first"))
             .sort_values("mean"))
    best = table.index[0]
    others = [m for m in table.index if m != best]
    corrected = dict(zip(others, holm([_verdict(runs, best, m) for m in others]), strict=True))
    table["p_holm"] = [corrected[m].p_value if m in corrected else float("nan")
                       for m in table.index]
    table["beaten"] = [m in corrected and corrected[m].better == best for m in table.index]
    return table


def _verdict(runs: dict, a: str, b: str) -> Verdict:
    return compare(runs[a], runs[b], names=(a, b), metric="floor ratio")


#: Models whose own route is for static covariates. On a regime without statics they
#: reduce to concatenation (with a learned initial state, a GRU, ...), so the guide does
#: not recommend them there.
STATIC_ROUTES = ("init_state", "film", "late_fusion", "gated_gru", "gated_gru_static")

#: The regimes with static covariates (numeric or categorical).
WITH_STATICS = ("static_amplitude", "static_ar", "many_groups", "many_covariates")

#: Times per step within this factor of the fastest count as equally fast. A few percent
#: are timing noise on a shared machine, not a difference in cost.
SAME_SPEED = 1.1


def cheapest_of(table: pd.DataFrame) -> str:
    """The cheapest model of a :func:`verdicts` table: among those whose seconds per step
    are within :data:`SAME_SPEED` of the fastest, the one with the fewest parameters."""
    fast = table[table["seconds_per_step"] <= SAME_SPEED * table["seconds_per_step"].min()]
    return str(fast["parameters"].idxmin())


def guide(results: pd.DataFrame) -> pd.DataFrame:
    """The decision guide, computed from ``results``: one row per cell of :data:`GUIDE`.

    Columns: ``regime`` (``None`` where no regime measures the cell), ``best`` (lowest
    mean floor ratio), ``cheapest`` (:func:`cheapest_of` of the models the best does not beat
    by the book's rule), its mean floor ratio, ``tied`` (every model the best does not
    beat), and ``concat``: the rule's verdict of the best model against plain
    concatenation (its name if it wins, else ``None``). Every verdict is one of
    :func:`verdicts`'s, Holm-corrected over the regime's comparisons.
    """
    rows = []
    for (kind, effect), regime in GUIDE.items():
        row = {"covariate": kind, "effect": effect, "regime": regime}
        if regime is not None and regime in set(results["regime"]):
            table = verdicts(results, regime)
            tied = table[~table["beaten"]]
            cheapest = cheapest_of(tied)
            best = table.index[0]
            row.update(best=best, best_mean=float(table.loc[best, "mean"]), cheapest=cheapest,
                       cheapest_mean=float(table.loc[cheapest, "mean"]),
                       tied=", ".join(tied.index),
                       concat=(best if best != "concat" and "concat" in table.index
                               and bool(table.loc["concat", "beaten"]) else None))
        rows.append(row)
    return pd.DataFrame(rows)


def full_config() -> dict:
    """Everything that defines the full run, for :func:`covtut.tasks.benchmark.code_hash`."""
    return {"regimes": {k: [n, o] for k, n_o in REGIMES.items() for n, o in [n_o]},
            "models": {k: [n, o] for k, n_o in MODELS.items() for n, o in [n_o]},
            "data": DATA, "budget": BUDGET, "seeds": list(SEEDS)}


def load() -> dict:
    """The committed full run; raises :class:`covtut.tasks.benchmark.StaleResultError` if stale."""
    return benchmark.load_result("regimes", full_config(), MODULES)


def main(argv: list[str] | None = None) -> dict:
    """The full grid over :data:`SEEDS`; writes ``covtut/tasks/results/regimes.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regimes", nargs="+", default=list(REGIMES))
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--out", default=None, help="default covtut/tasks/results/regimes.json")
    args = parser.parse_args(argv)
    if (args.regimes != list(REGIMES) or args.models != list(MODELS)) and args.out is None:
        parser.error("a partial grid is not the committed result: give --out")
    torch.set_num_threads(1)
    code = benchmark.code_hash(full_config(), MODULES)  # before the run: edits during it show
    start = time.perf_counter()
    results = grid(args.regimes, args.models, log=True)
    if benchmark.code_hash(full_config(), MODULES) != code:
        raise RuntimeError("the code changed while the benchmark ran; run it again")
    result = {"name": "regimes", "config": full_config(), "runs": results.to_dict("records"),
              "environment": benchmark.environment(),
              "wall_seconds": time.perf_counter() - start, "code_hash": code}
    path = benchmark.save_result("regimes", result, args.out)
    print("wrote", path)
    return result


#: The code the full run executes, for :func:`covtut.tasks.benchmark.code_hash`. That is this
#: module's run functions (not the guide's, which only read the result) and the modules
#: they use.
MODULES = [Setup, prepare, run, grid, main, batch_module, sys.modules["covtut.evaluation.scoring"],
           metrics, scaling, series, split, synthetic, train, windows, models_package, base,
           concat, init_state, film, late_fusion, gated_gru, attention, encoder_decoder,
           variable_selection, lengths]


if __name__ == "__main__":
    # run the imported module, not __main__: its name and source are what the hash reads
    from covtut.tasks import regimes

    regimes.main()
