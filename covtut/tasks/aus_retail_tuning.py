"""The retail model's learning rate, seasonal lags and training start, chosen on 2017 alone.

Introduced in chapter "Many series: retail turnover". The protocol (the book's page
"Protocol: monthly retail turnover") lets 2017 serve for validation and tuning,
and forbids using 2018 for any choice. This study trains the global model of
:mod:`covtut.tasks.aus_retail` at the full budget for every configuration of :func:`grid`
(the learning rate x the decoder's seasonal lags at the committed start of training, and
three other starts at the committed learning rate and lags) over :data:`SEEDS`, and
records each run's best 2017 validation loss (L1 on the model's scaled log scale, the loss
early stopping reads). It never forecasts 2018: it calls
:func:`covtut.tasks.aus_retail.model.fit_model`, which trains and validates only, and no key of
its result holds a test score.

The configuration with the lowest mean validation loss over the seeds is the choice;
:func:`covtut.compare` (the book's rule, paired on seeds) then says whether it is
separated from each other configuration or only the best mean.

``python -m covtut.tasks.aus_retail_tuning`` (``make benchmark``) writes
``covtut/tasks/results/aus_retail_tuning.json`` through
:func:`covtut.tasks.benchmark.run_task`; :func:`load` reads it back after checking its hash.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from covtut.evaluation.verdict import Verdict, compare
from covtut.tasks import aus_retail as ar
from covtut.tasks import benchmark

__all__ = ["BUDGET", "LAGS", "LRS", "METRIC", "NAME", "SEEDS", "TRAIN_FROMS", "full_config",
           "full_run", "grid", "label", "load", "main", "summary", "table", "verdicts"]

#: The name of the committed result (``covtut/tasks/results/aus_retail_tuning.json``).
NAME = "aus_retail_tuning"
#: The seeds of every configuration of the study.
SEEDS = (0, 1, 2)
#: The budget of every run, a key of ``aus_retail.BUDGETS``.
BUDGET = "full"
#: The learning rates (Adam's) the study tries.
LRS = (1e-3, 2e-3, 5e-3)
#: The seasonal lags the study tries, the months before each horizon step that the
#: decoder reads.
LAGS = ([12], [12, 24], [12, 24, 36])
#: The starts of training the study tries, besides that of :data:`START`.
TRAIN_FROMS = (ar.ALL_HISTORY, "2000-01-01", "2009-01-01")
#: Where the search starts, the configuration fixed while the model was developed. The
#: study varies lr x lags at its start year, then the start year at its lr and lags; its
#: choice is what ``aus_retail.CONFIG`` commits.
START = {"lr": 2e-3, "lags": [12, 24, 36], "train_from": "2005-01-01"}
METRIC = "2017 validation loss"


def grid() -> list[dict]:
    """The 12 configurations: overrides of ``lr``, ``lags`` and ``train_from``.

    Returns
    -------
    list of dict
        Every learning rate of :data:`LRS` x every lag set of :data:`LAGS` at
        :data:`START`'s start year (9), then every start of :data:`TRAIN_FROMS` at its
        learning rate and lags (3).
    """
    base = START
    configs = [{"lr": lr, "lags": list(lags), "train_from": base["train_from"]}
               for lr in LRS for lags in LAGS]
    configs += [{"lr": base["lr"], "lags": list(base["lags"]), "train_from": start}
                for start in TRAIN_FROMS]
    return configs


def label(config: dict) -> str:
    """A short name such as ``"lr 0.002, lags 12/24/36, from 2005"``."""
    lags = "/".join(str(k) for k in config["lags"])
    return f"lr {config['lr']:g}, lags {lags}, from {config['train_from'][:4]}"


def full_config() -> dict:
    """Everything that defines the study, for :func:`covtut.tasks.benchmark.code_hash`."""
    return {"start": START, "grid": grid(), "seeds": list(SEEDS), "budget_name": BUDGET,
            "budget": ar.BUDGETS[BUDGET]}


def verdicts(result: dict) -> list[Verdict]:
    """The rule between the chosen configuration and each other one, best mean first.

    Parameters
    ----------
    result
        What :func:`main` writes (or :func:`load` returns).

    Returns
    -------
    list of Verdict
        ``a`` is the chosen configuration, ``b`` the other; paired on the seeds; lower
        validation loss is better. Ordered by ``b``'s mean, so the first is the runner-up.
    """
    rows = result["runs"]
    by = {label(r["config"]): {s["seed"]: s["val_loss"] for s in r["seeds"]} for r in rows}
    means = {k: float(np.mean(list(v.values()))) for k, v in by.items()}
    chosen = min(means, key=means.__getitem__)
    seeds = sorted(by[chosen])
    out = []
    for other in sorted((k for k in means if k != chosen), key=means.__getitem__):
        out.append(compare([by[chosen][s] for s in seeds], [by[other][s] for s in seeds],
                           names=(chosen, other), metric=METRIC))
    return out


def summary(result: dict) -> dict:
    """The choice: the configuration of lowest mean, the runner-up and the rule's verdict.

    Returns
    -------
    dict
        ``chosen`` (its overrides), ``chosen_label``, ``runner_up_label``, ``word`` (the
        verdict's phrase against the runner-up), ``settled`` (whether the rule separates
        the choice from the runner-up), ``separated_from`` (how many of the other
        configurations it beats by the rule) and ``n_configs``.
    """
    vs = verdicts(result)
    chosen = vs[0].a
    config = next(r["config"] for r in result["runs"] if label(r["config"]) == chosen)
    return {"chosen": config, "chosen_label": chosen, "runner_up_label": vs[0].b,
            "word": vs[0].word, "settled": vs[0].settled,
            "separated_from": sum(v.better == chosen for v in vs),
            "n_configs": len(vs) + 1}


def table(result: dict | None = None) -> pd.DataFrame:
    """One row per configuration: its overrides and its validation loss over the seeds.

    Parameters
    ----------
    result
        Default :func:`load`.

    Returns
    -------
    pandas.DataFrame
        Columns ``config`` (:func:`label`), ``lr``, ``lags``, ``train_from``, ``mean``,
        ``min``, ``max`` (the best 2017 validation loss of each seed), ``spread``
        (max - min), ``best_epoch`` and ``seconds`` (means over the seeds), ``rank`` (1:
        lowest mean); sorted by ``mean``.
    """
    result = load() if result is None else result
    rows = []
    for r in result["runs"]:
        v = np.array([s["val_loss"] for s in r["seeds"]])
        c = r["config"]
        rows.append({"config": label(c), "lr": c["lr"],
                     "lags": ", ".join(str(k) for k in c["lags"]),
                     "train_from": c["train_from"][:7], "mean": v.mean(), "min": v.min(),
                     "max": v.max(), "spread": np.ptp(v),
                     "best_epoch": np.mean([s["best_epoch"] for s in r["seeds"]]),
                     "seconds": np.mean([s["seconds"] for s in r["seeds"]])})
    df = pd.DataFrame(rows).sort_values("mean", ignore_index=True)
    df["rank"] = np.arange(1, len(df) + 1)
    return df


def load() -> dict:
    """The committed result, after :func:`covtut.tasks.benchmark.load_result` checked its hash."""
    return benchmark.load_result(sys.modules[__name__])


def full_run() -> dict:
    """Every configuration of :func:`grid` over :data:`SEEDS`: the study's runs.

    Nothing here forecasts or scores 2018: each run is
    :func:`covtut.tasks.aus_retail.model.fit_model`, which reads only the training windows and
    the 2017 validation windows.

    Returns
    -------
    dict
        ``runs``: per configuration, each seed's best 2017 validation loss, its loss per
        epoch, best epoch, steps and seconds; ``summary``: the choice (:func:`summary`).
    """
    df = ar.load_table()
    tasks: dict[str, ar.Task] = {}
    runs = []
    configs = grid()
    for i, config in enumerate(configs):
        if config["train_from"] not in tasks:
            tasks[config["train_from"]] = ar.prepare(df, train_from=config["train_from"])
        task = tasks[config["train_from"]]
        seeds = []
        for seed in SEEDS:
            fitted = ar.fit_model(seed, BUDGET, task, config=config)
            seeds.append({"seed": seed, "val_loss": float(min(fitted.val_loss)),
                          "val_loss_by_epoch": [round(float(x), 6) for x in fitted.val_loss],
                          "best_epoch": fitted.best_epoch, "steps": fitted.steps,
                          "seconds": fitted.seconds})
            print(f"[{i + 1}/{len(configs)}] {label(config)} seed {seed}: "
                  f"val {seeds[-1]['val_loss']:.4f} epoch {fitted.best_epoch} "
                  f"steps {fitted.steps} {fitted.seconds:.0f} s", flush=True)
        runs.append({"config": config, "n_train_windows": len(task.train), "seeds": seeds})
    result = {"metric": METRIC, "start": START, "budget": ar.BUDGETS[BUDGET],
              "seeds": list(SEEDS), "runs": runs}
    result["summary"] = summary(result)
    print("chosen:", result["summary"], flush=True)
    for v in verdicts(result):
        print(" ", v, flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    """``python -m covtut.tasks.aus_retail_tuning``: the study, written to the results."""
    benchmark.main(sys.modules[__name__], argv)


if __name__ == "__main__":
    # the imported module, not __main__: the hash walks the imports from its name
    from covtut.tasks import aus_retail_tuning

    aus_retail_tuning.main()
