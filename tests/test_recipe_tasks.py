"""The recipe on the three real tasks (covtut.tasks.*.recipe, covtut.tasks.pedestrian) and the
training-size study (covtut.tasks.pedestrian.sizes): every choice reads training and
selection windows only, and the committed results are current and followed their rules."""

import ast
import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
import torch

import covtut
from covtut.tasks import pedestrian as pe
from covtut.tasks.aus_retail import LevelNormalised
from covtut.tasks.aus_retail import recipe as ar_recipe
from covtut.tasks.pedestrian import recipe as pe_recipe
from covtut.tasks.pedestrian import sizes as pe_sizes
from covtut.tasks.vic_elec import recipe as ve_recipe
from covtut.training.trainer import predict

ROOT = Path(__file__).resolve().parents[1]
#: The module whose ``run_recipe`` each task calls, and the task's public face.
RECIPES = {"vic_elec": ve_recipe, "aus_retail": ar_recipe, "pedestrian": pe_recipe}
FACES = {"vic_elec": ve_recipe, "aus_retail": ar_recipe, "pedestrian": pe}


@pytest.mark.parametrize("name", list(RECIPES))
def test_every_choice_reads_training_and_selection_windows_only(monkeypatch, name):
    """The whole run at a tiny budget, with test windows that fail when read until every
    choice is made: the linear choice, the search and the extra seeds see none."""
    module = RECIPES[name]
    real, seen = module.run_recipe, []

    def guarded(windows, candidates, **kw):
        def no_test(lookback):
            seen.append(lookback)
            return dataclasses.replace(windows(lookback), test=None)  # reading it fails
        return real(no_test, candidates, **kw)

    monkeypatch.setattr(module, "run_recipe", guarded)
    monkeypatch.setattr(module, "BUDGET", {**module.BUDGET, "steps": 2})
    monkeypatch.setattr(module, "CANDIDATES", module.CANDIDATES[:2])
    monkeypatch.setattr(module, "SEARCH_SEEDS", (0,))
    monkeypatch.setattr(module, "SEEDS", (0, 1))
    monkeypatch.setattr(module, "MEMBERS", 1)
    out = module.full_run(log=False)
    assert seen
    assert [r["seed"] for r in out["runs"]] == [0, 1] and len(out["ensembles"]) == 2
    for r in out["runs"]:  # the network is kept exactly when it lowers the selection loss
        assert r["kept"] == (r["combined_val"] < r["linear_val"])
        assert r["steps"] == 2
    if name == "pedestrian":
        assert out["test_windows"] == 330 and len(out["linear"]["origin_loss"]) == 92
        assert out["seasonal_naive"]["relative_mae"] == pytest.approx(1.0)


def test_vic_elec_selection_and_calibration_days_do_not_overlap():
    task = ve_recipe.prepare()
    w = ve_recipe.windowed(task)
    val = task.split.val
    assert torch.equal(w.val.origin_index, val[:ve_recipe.SELECTION])
    assert len(val) - ve_recipe.SELECTION == 36  # the calibration days, read by nothing here
    assert torch.equal(w.train.origin_index, task.split.train)  # the protocol's midnights
    days = pd.DatetimeIndex(task.data.time)[task.split.val.numpy()].tz_convert(ve_recipe.TZ)
    page = " ".join((ROOT / "book" / "protocol_vic_elec.md").read_text().split())
    first, last = days[:ve_recipe.SELECTION], days[ve_recipe.SELECTION:]
    assert (f"the first 36 ({first[0].date()} to {first[-1].date()})" in page
            and f"the last 36 ({last[0].date()} to {last[-1].date()})" in page)


def test_vic_elec_scaled_hinges_give_the_raw_ridges_forecast():
    """The ridge on scaled windows, knots mapped, is the protocol's ridge on raw windows."""
    from covtut.tasks.vic_elec.linear import ridge

    task = ve_recipe.prepare()
    sp = task.split
    raw, scaled = (task.windows(sp.train, scaled=s).batch() for s in (False, True))
    spec = task.windows(sp.val).spec
    a = ridge(spec).fit(raw, 10.0)
    b = covtut.LinearModel(spec, **ve_recipe.linear_choices(task)[0]).fit(scaled, 10.0)
    test_raw, test_scaled = (task.windows(sp.test, scaled=s).batch() for s in (False, True))
    with torch.no_grad():
        pa = a(test_raw)
        pb = task.scaler.inverse_target(b(test_scaled))
    assert torch.allclose(pa, pb, atol=0.05)  # MW, of demand near 5,000 MW


def test_aus_retail_selection_and_calibration_series_split_the_validation_windows():
    task = ar_recipe.prepare()
    sel, cal = ar_recipe.selection_series(task)
    assert not set(sel.tolist()) & set(cal.tolist())
    assert sorted(sel.tolist() + cal.tolist()) == task.val.series_index.unique().tolist()
    states = task.data.info.index.get_level_values("State")
    assert set(states[sel.numpy()]) == set(states[cal.numpy()]) == set(states)
    w = ar_recipe.windowed(task)
    assert sorted(set(w.val.series_index.tolist())) == sel.tolist()


def test_the_level_correction_is_the_level_model_minus_its_level():
    task = ar_recipe.prepare()
    torch.manual_seed(0)
    c = ar_recipe.CANDIDATES[0]
    net = ar_recipe.build(c, task.train.spec).eval()
    batch = task.val.batch(torch.arange(5))
    level = batch.past_target[:, -12:].mean(dim=1, keepdim=True)
    with torch.no_grad():
        whole = LevelNormalised.forecast(net, batch)
        assert torch.allclose(net(batch), whole - level)


def _check_run(committed: dict, module, face) -> pd.DataFrame:
    assert committed["config"] == json.loads(json.dumps(face.full_config()))  # as stored
    search = pd.DataFrame(committed["search"])
    assert sorted(set(search["seed"])) == list(module.SEARCH_SEEDS)
    assert len(search) == len(module.CANDIDATES) * len(module.SEARCH_SEEDS)
    assert committed["chosen"] == int(search.groupby("candidate")["val"].mean().idxmin())
    runs = pd.DataFrame(committed["runs"])
    assert list(runs["seed"]) == list(module.SEEDS)
    assert (runs["steps"] == module.BUDGET["steps"]).all()
    assert (runs["kept"] == (runs["combined_val"] < runs["linear_val"])).all()
    # never worse than the linear model on selection, by construction
    assert (runs[["combined_val", "linear_val"]].min(axis=1) <= runs["linear_val"]).all()
    m = module.MEMBERS
    assert [e["seeds"] for e in committed["ensembles"]] == [
        list(module.SEEDS[i:i + m]) for i in range(0, len(module.SEEDS), m)]
    return runs


@pytest.mark.provenance
def test_the_committed_vic_elec_recipe_is_current_and_its_linear_baseline_reproduces():
    committed = ve_recipe.load()
    runs = _check_run(committed, ve_recipe, ve_recipe)
    task = ve_recipe.prepare()
    w = ve_recipe.windowed(task)
    options = ast.literal_eval(committed["linear_options"])
    again = covtut.LinearModel(w.train.spec, **options).fit(w.train.batch(),
                                                            float(runs["alpha"].iloc[0]))
    pred = task.scaler.inverse_target(predict(again, w.test))[..., 0]
    mae = float((pred - task.truth(task.split.test)).abs().mean())
    assert mae == pytest.approx(committed["linear"]["mae"], abs=0.01)
    assert len(committed["linear"]["origin_mae"]) == 365
    assert committed["selection_days"] == ["2013-10-21", "2013-11-25"]


@pytest.mark.provenance
def test_the_committed_aus_retail_recipe_is_current_and_its_linear_baseline_reproduces():
    committed = ar_recipe.load()
    runs = _check_run(committed, ar_recipe, ar_recipe)
    task = ar_recipe.prepare()
    w = ar_recipe.windowed(task)
    options = ast.literal_eval(committed["linear_options"])
    again = covtut.LinearModel(w.train.spec, **options).fit(w.train.batch(),
                                                            float(runs["alpha"].iloc[0]))
    pred = predict(again, task.test)[..., 0].exp()
    assert ar_recipe.score(pred, task)["mase"] == pytest.approx(committed["linear"]["mase"],
                                                                abs=1e-4)
    assert len(committed["linear"]["series_mase"]) == 148
    assert committed["selection_series"] + committed["calibration_windows"] == len(
        task.val.series_index.unique())


@pytest.mark.provenance
def test_the_committed_size_study_is_current_and_agrees_with_the_recipe_run():
    sizes = pd.DataFrame(pe_sizes.load()["runs"])
    assert sorted(set(sizes["fraction"])) == list(pe_sizes.FRACTIONS)
    assert (sizes.groupby("fraction")["seed"].apply(list) == [list(pe_sizes.SEEDS)] * 4).all()
    assert sizes.groupby("fraction")["train_windows"].first().is_monotonic_increasing
    full = sizes[sizes["fraction"] == 1.0].set_index("seed")
    ped = pd.DataFrame(pe.load()["runs"]).set_index("seed")
    # the chosen configuration, at the full size, is the recipe run's: the same numbers
    assert pe.load()["chosen"] == 0 and pe_sizes.CHOICE == pe.CANDIDATES[0]
    for seed in pe_sizes.SEEDS:
        assert full.loc[seed, "recipe_mase"] == pytest.approx(ped.loc[seed, "mase"], abs=1e-5)
        assert full.loc[seed, "linear_mase"] == pytest.approx(pe.load()["linear"]["mase"],
                                                              abs=1e-5)
