"""The recipe's committed runs on the three real tasks, side by side, with the book's verdicts.

Used by chapters "Start from the linear model" and "Where should my covariates go?". Each
task's run (:mod:`covtut.tasks.vic_elec.recipe`, :mod:`covtut.tasks.aus_retail.recipe`,
:mod:`covtut.tasks.pedestrian`) is loaded, refused if stale, and judged by the book's rule
on both questions: its seeds against the linear baseline it starts from, and its first
ensemble against the linear baseline over the test period's units (days, series or
origins).
"""

from __future__ import annotations

import importlib

import pandas as pd

from covtut.evaluation.period import ProtocolVerdict, compare_forecasts, protocol_verdict
from covtut.evaluation.verdict import compare

__all__ = ["TASKS", "summary"]

#: Per task: its label, the module whose ``load()`` gives the run, the metric, the key of
#: the per-unit losses, and the unit of the test-period question.
TASKS: dict[str, tuple[str, str, str, str]] = {
    "day-ahead demand (MAE, MW)": ("covtut.tasks.vic_elec.recipe", "mae", "origin_mae", "day"),
    "retail turnover (MASE)": ("covtut.tasks.aus_retail.recipe", "mase", "series_mase", "series"),
    "pedestrian counts (MASE)": ("covtut.tasks.pedestrian", "mase", "origin_loss", "origin"),
}


def summary() -> tuple[pd.DataFrame, dict[str, ProtocolVerdict]]:
    """One row per task, and the verdict of the recipe against its linear baseline.

    Returns
    -------
    table
        Indexed by task: ``linear``, ``recipe`` (the mean over seeds), ``recipe_min``,
        ``recipe_max``, ``ensembles`` (their mean), ``kept`` (seeds), ``seeds``,
        ``selection_gain`` (the mean relative gain on selection), ``seconds`` (of
        training per seed) and ``verdict``.
    verdicts
        Task -> the :func:`~covtut.evaluation.period.protocol_verdict` of the recipe
        (named ``"the recipe"``) against ``"the linear baseline"``.
    """
    rows, verdicts = [], {}
    names = ("the recipe", "the linear baseline")
    for task, (module, metric, per, unit) in TASKS.items():
        res = importlib.import_module(module).load()
        runs, ens, lin = pd.DataFrame(res["runs"]), pd.DataFrame(res["ensembles"]), res["linear"]
        v = protocol_verdict(
            compare(runs[metric].to_numpy(), lin[metric], names=names, metric=metric),
            compare_forecasts(ens[per].iloc[0], lin[per], names=names,
                              metric=f"{metric} per {unit}, ensemble of seeds 0-2",
                              **({"unit": "series"} if unit == "series" else {})))
        verdicts[task] = v
        rows.append({"task": task, "linear": lin[metric], "recipe": runs[metric].mean(),
                     "recipe_min": runs[metric].min(), "recipe_max": runs[metric].max(),
                     "ensembles": ens[metric].mean(), "kept": int(runs["kept"].sum()),
                     "seeds": len(runs), "selection_gain": float(runs["gain"].mean()),
                     "seconds": float(runs["seconds"].mean()), "verdict": v.word})
    return pd.DataFrame(rows).set_index("task"), verdicts
