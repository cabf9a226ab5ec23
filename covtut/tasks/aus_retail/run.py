"""The retail task's full-budget benchmark: every model of the chapter over
:data:`~covtut.tasks.aus_retail.config.SEEDS`.

``python -m covtut.tasks.aus_retail`` (``make benchmark``) runs :func:`full_run` through
:func:`covtut.tasks.benchmark.run_task`, which commits the result.
"""

from __future__ import annotations

import torch

from covtut.tasks.aus_retail.config import BUDGETS, CONFIG, SEEDS
from covtut.tasks.aus_retail.model import (
    fill_unseen_state,
    forecast,
    industry_embeddings,
    run,
)
from covtut.tasks.aus_retail.protocol import (
    COLD_HISTORY,
    cold_series,
    load_table,
    prepare,
    score,
    seasonal_naive_forecast,
)

__all__ = ["NAME", "full_config", "full_run"]

#: The name of the committed result (``covtut/tasks/results/aus_retail.json``).
NAME = "aus_retail"

#: What a run keeps of :func:`~covtut.tasks.aus_retail.model.run`'s scores and times.
KEEP = ("mase", "smape", "mae", "mase_by_state", "seconds", "steps", "best_epoch")


def full_config() -> dict:
    """Everything that defines the full run: the model, the budget, the seeds."""
    return {"config": CONFIG, "budget": BUDGETS["full"], "seeds": list(SEEDS),
            "cold_history": COLD_HISTORY}


def _rounded(pred: torch.Tensor) -> list[list[float]]:
    """A forecast (series, 12) as nested lists, to 4 decimals, for the committed result."""
    return [[round(float(x), 4) for x in row] for row in pred]


def full_run() -> dict:
    """With and without statics, and the cold start (filled and unfilled), per seed.

    Returns
    -------
    dict
        ``runs``: per variant a list of per-seed scores and forecasts (``pred``, the
        148 x 12 forecast in million AUD; the cold start's over Tasmania's series too);
        ``seasonal_naive`` and ``seasonal_naive_cold``: the baseline's scores.
    """
    df = load_table()
    tasks = {"warm": prepare(df), "cold": prepare(df, cold_start=True)}
    runs: dict[str, list[dict]] = {"with_statics": [], "without_statics": [], "cold_start": [],
                                   "cold_start_unfilled": [], "warm_on_tasmania": []}
    for seed in SEEDS:
        for name, kwargs in (("with_statics", {}), ("without_statics", {"statics": False})):
            r = run(seed, "full", task=tasks["warm"], **kwargs)
            runs[name].append({"seed": seed, **{k: r[k] for k in KEEP}})
            if name == "with_statics":  # the model that saw Tasmania, scored on Tasmania
                tas = score(r["pred"], tasks["warm"], cold_series(tasks["warm"]))
                runs["warm_on_tasmania"].append({"seed": seed, **tas})
                emb = industry_embeddings(r["model"], tasks["warm"])
                runs[name][-1]["industry_embedding"] = {k: [round(float(x), 6) for x in v]
                                                        for k, v in emb.iterrows()}
            print(name, seed, {k: round(r[k], 4) for k in ("mase", "smape", "mae", "seconds")},
                  flush=True)
            runs[name][-1]["pred"] = _rounded(r["pred"])
        cold = tasks["cold"]
        tasmania = cold_series(cold)
        r = run(seed, "full", task=cold, cold_start=True, fill_unseen=False)
        unfilled = r["pred"]  # Tasmania's State row as initialised: never trained
        runs["cold_start_unfilled"].append({"seed": seed, **score(unfilled, cold, tasmania),
                                            "pred": _rounded(unfilled)})
        fill_unseen_state(r["model"], cold)  # the same trained model, the mean row filled in
        pred = forecast(r["model"], cold)
        runs["cold_start"].append({"seed": seed, **{k: r[k] for k in KEEP},
                                   **score(pred, cold, tasmania), "pred": _rounded(pred)})
        print("cold_start", seed, round(runs["cold_start"][-1]["mase"], 4),
              "unfilled", round(runs["cold_start_unfilled"][-1]["mase"], 4), flush=True)
    cold = tasks["cold"]
    return {"budget": BUDGETS["full"], "seeds": list(SEEDS), "runs": runs,
            "seasonal_naive": score(seasonal_naive_forecast(tasks["warm"]), tasks["warm"]),
            "seasonal_naive_cold": score(seasonal_naive_forecast(cold), cold,
                                         cold_series(cold))}
