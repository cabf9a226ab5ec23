"""The decision guide: which covariate route the grid's committed result recommends.

Used by chapter "Where should my covariates go?" (``book/10_benchmark``): it reads the
result of :func:`covtut.tasks.regimes.grid.full_run` and applies the book's verdict rule
(:func:`covtut.compare`, Holm-corrected per regime) to it; it trains nothing.
"""

from __future__ import annotations

import pandas as pd

from covtut.evaluation.verdict import Verdict, compare, holm

__all__ = ["GUIDE", "ROUTES", "SAME_SPEED", "STATIC_ROUTES", "WITH_STATICS", "cheapest_of",
           "guide", "verdicts"]

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


#: Models whose own route is for static covariates. On a regime without statics they
#: reduce to concatenation (with a learned initial state, a GRU, ...), so the guide does
#: not recommend them there.
STATIC_ROUTES = ("init_state", "film", "late_fusion", "gated_gru", "gated_gru_static")

#: The regimes with static covariates (numeric or categorical).
WITH_STATICS = ("static_amplitude", "static_ar", "many_groups", "many_covariates")

#: Times per step within this factor of the fastest count as equally fast. A few percent
#: are timing noise on a shared machine, not a difference in cost.
SAME_SPEED = 1.1


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
