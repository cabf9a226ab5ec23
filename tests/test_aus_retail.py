"""The retail task (covtut.tasks.aus_retail) is the protocol of the book's page
protocol_aus_retail: its counts, its baselines, its split, and a
committed full-budget result that matches the current code."""

import numpy as np
import pandas as pd
import pytest
import torch

from covtut.evaluation import baselines
from covtut.tasks import aus_retail as ar


@pytest.fixture(scope="module")
def table():
    return ar.load_table()


@pytest.fixture(scope="module")
def task(table):
    return ar.prepare(table)


@pytest.fixture(scope="module")
def cold(table):
    return ar.prepare(table, cold_start=True)


def test_the_protocols_counts(table, task):
    assert len(table) == 64_532 and task.data.n_series == 152
    assert len(task.scored) == 148 and len(task.test) == 148
    assert ar.seasonal_naive_forecast(task).numel() == 1_776  # scored points
    per_state = pd.Series(task.states).value_counts()
    assert per_state["Queensland"] == 18 and per_state["Northern Territory"] == 15
    assert per_state["Tasmania"] == 15 and per_state["Victoria"] == 20
    assert task.data.time[task.split.val_end] == pd.Timestamp("2018-01-01")
    assert (task.test.origin_index == task.split.val_end).all()  # one origin, 2018-01


def test_seasonal_naive_reproduces_the_protocols_rows(task, cold):
    s = ar.score(ar.seasonal_naive_forecast(task), task)
    assert round(s["mase"], 3) == ar.REFERENCE["seasonal naive"][0] == 1.162
    assert round(s["smape"], 2) == 5.97 and round(s["mae"], 2) == 14.51
    c = ar.score(ar.seasonal_naive_forecast(cold), cold, ar.cold_series(cold))
    assert round(c["mase"], 3) == ar.REFERENCE_COLD["seasonal naive"][0] == 1.472
    assert len(ar.cold_series(cold)) == 15


def test_nothing_from_2018_reaches_fitting(task):
    test_start = task.split.val_end
    for ds in (task.train, task.val):
        inputs, _ = ds.read_steps()
        assert not inputs[:, test_start:].any()  # no training or validation window reads 2018
    train_inputs, _ = task.train.read_steps()
    assert not train_inputs[:, task.split.train_end:].any()  # nor 2017, kept for validation
    # the yardstick reads only data up to 2017-12: changing 2018 leaves it unchanged
    changed = task.turnover.replace(target=task.turnover.target.clone())
    changed.target[:, test_start:] *= 10
    torch.testing.assert_close(baselines.seasonal_scale(changed, test_start, 12)[:, 0],
                               task.scale)


def test_the_cold_start_holds_tasmania_out(cold):
    state = cold.data.info.index.get_level_values("State")
    tas = torch.from_numpy(np.asarray(state == "Tasmania"))
    assert int(tas.sum()) == 15  # the two series that end in 2013 have no row left
    assert not tas[cold.train.series_index].any() and not tas[cold.val.series_index].any()
    history = cold.data.valid()[tas, :cold.split.val_end].sum(1)
    assert (history == ar.COLD_HISTORY).all()


@pytest.mark.provenance
def test_the_committed_result_matches_the_code():
    result = ar.load()
    assert len(result["seeds"]) >= 3
    for name in ("with_statics", "without_statics", "cold_start", "cold_start_unfilled",
                 "warm_on_tasmania"):
        assert [r["seed"] for r in result["runs"][name]] == result["seeds"]
    assert round(result["seasonal_naive"]["mase"], 3) == 1.162
    # the forecasts the test-set question reads: one row per scored series, and their
    # score is the committed one (within the 4-decimal rounding of the file)
    warm, cold = ar.prepare(), ar.prepare(cold_start=True)
    for name, task, series in (("with_statics", warm, None), ("without_statics", warm, None),
                               ("cold_start", cold, ar.cold_series(cold)),
                               ("cold_start_unfilled", cold, ar.cold_series(cold))):
        for r in result["runs"][name]:
            pred = torch.tensor(r["pred"])
            assert pred.shape == (148, 12)
            assert abs(ar.score(pred, task, series)["mase"] - r["mase"]) < 1e-4, name


@pytest.mark.xfail(strict=True, reason="known defect: the submodule covtut/tasks/aus_retail/run.py "
                   "rebinds the package's name run (the one-seed function of model.py) when "
                   "__init__ imports it; renaming the submodule changes the hashed code, so it "
                   "waits for the next benchmark rerun (chapter 9 calls ar.model.run meanwhile)")
def test_the_package_name_run_is_the_one_seed_function():
    assert callable(ar.run)
