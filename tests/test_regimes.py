"""covtut.tasks.regimes: the benchmark grid, its committed result and the decision guide."""

import pandas as pd
import pytest

from covtut.tasks import regimes as rg


@pytest.fixture(scope="module")
def committed():
    return rg.load()


@pytest.fixture(scope="module")
def results(committed):
    return pd.DataFrame(committed["runs"])


@pytest.mark.provenance
def test_the_committed_result_is_current_and_complete(committed, results):
    assert committed["config"] == rg.full_config()
    cells = results.groupby(["regime", "model"])["seed"].apply(sorted)
    assert len(cells) == len(rg.REGIMES) * len(rg.MODELS)
    assert all(seeds == list(rg.SEEDS) for seeds in cells)
    assert (results["steps"] == rg.BUDGET["steps"]).all()  # one budget for every model
    assert (results["floor_ratio"] > 1).all(), "no model may beat the oracle on average"


@pytest.mark.provenance
def test_one_committed_run_is_reproduced_by_the_current_code(results):
    row = results.query("regime == 'additive' and model == 'concat' and seed == 0").iloc[0]
    again = rg.run("additive", "concat", 0)
    assert again["floor_ratio"] == pytest.approx(row["floor_ratio"], rel=1e-3)
    assert again["parameters"] == row["parameters"]


@pytest.mark.provenance
def test_every_model_beats_seasonal_naive_somewhere_and_the_best_does_everywhere(results):
    best = results.groupby(["regime", "model"])["floor_ratio"].mean().groupby("regime").idxmin()
    for regime, (_, model) in best.items():
        runs = results.query("regime == @regime and model == @model")
        assert (runs["skill"] > 0).all(), f"{model} on {regime}: no better than seasonal naive"


def test_verdicts_never_say_the_best_is_beaten():
    rows = [{"regime": "r", "model": m, "seed": s, "floor_ratio": v, "seconds_per_step": t,
             "parameters": 1}
            for m, vals, t in [("a", (1.10, 1.11, 1.12), 2.0), ("b", (1.50, 1.60, 1.55), 1.0),
                               ("c", (1.13, 1.09, 1.115), 0.5)]
            for s, v in enumerate(vals)]
    table = rg.verdicts(pd.DataFrame(rows), "r")
    assert table.index[0] == "a" and not table.loc["a", "beaten"]
    assert table.loc["b", "beaten"]  # worse in every run, consistently
    assert not table.loc["c", "beaten"]  # interleaved with a: not settled


def test_verdicts_correct_a_regimes_comparisons_together():
    def table(others):
        rows = [{"regime": "r", "model": m, "seed": s, "floor_ratio": v, "seconds_per_step": 1.0,
                 "parameters": 1}
                for m, vals in [("a", (1.10, 1.20, 1.30)), *others] for s, v in enumerate(vals)]
        return rg.verdicts(pd.DataFrame(rows), "r")

    # b alone: its differences from a (0.05, 0.08, 0.04) settle at 5 % ...
    b = ("b", (1.15, 1.28, 1.34))
    alone = table([b])
    assert alone.loc["b", "beaten"] and alone.loc["b", "p_holm"] < 0.05
    # ... but among ten comparisons of the same strength none survives the correction
    # (the smallest p-value must be below 0.05 / 10)
    same = [(f"w{i}", (1.15, 1.28, 1.34)) for i in range(9)]
    crowded = table([b, *same])
    assert not crowded["beaten"].any()
    assert (crowded["p_holm"].dropna() >= alone.loc["b", "p_holm"]).all()


@pytest.mark.provenance
def test_the_guide_has_a_row_per_cell_and_guesses_nothing(results):
    guide = rg.guide(results)
    assert len(guide) == len(rg.GUIDE)
    unmeasured = guide[guide["regime"].isna()]
    assert unmeasured["best"].isna().all() and unmeasured["cheapest"].isna().all()
    measured = guide[guide["regime"].notna()]
    assert measured["best"].notna().all()
    for _, row in measured.iterrows():  # the cheapest is one the best does not beat
        assert row["cheapest"] in row["tied"].split(", ")


def test_every_model_has_a_route_and_every_regime_a_cell_of_the_guide():
    assert set(rg.ROUTES) == set(rg.MODELS)
    assert set(rg.LIVE["models"]) <= set(rg.MODELS) and rg.LIVE["regime"] in rg.REGIMES
    measured = {r for r in rg.GUIDE.values() if r is not None}
    assert measured == set(rg.REGIMES)  # every regime answers some cell, and only real ones


def test_the_regimes_with_statics_are_those_whose_data_have_them():
    for regime in rg.REGIMES:
        spec = rg.prepare(regime, 0).train.spec
        assert (spec.n_static + spec.n_static_cat > 0) == (regime in rg.WITH_STATICS), regime


def test_the_chapters_guide_lists_every_cell_in_order():
    import json
    import re
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "book" / "10_benchmark.ipynb"
    text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "markdown")
    items = re.findall(r"- \*\*(.+?), (.+?)\.\*\* \{glue:text\}`guide_(\d+)`", text)
    assert [int(i) for _, _, i in items] == list(range(len(rg.GUIDE)))
    for (what, effect, _), (kind, true_effect) in zip(items, rg.GUIDE, strict=True):
        assert effect == true_effect and what.lower().split()[0] in kind, (what, kind)
