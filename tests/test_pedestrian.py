"""The third task (covtut.tasks.pedestrian) is the protocol of the book's page
protocol_pedestrian: every count the page states, from the data."""

import json
from pathlib import Path

import pandas as pd
import pytest

from covtut.tasks import pedestrian as pe

PAGE = (Path(__file__).resolve().parents[1] / "book" / "protocol_pedestrian.md").read_text()
TEXT = " ".join(PAGE.split())  # one line: the page's sentences wrap anywhere


@pytest.fixture(scope="module")
def table():
    return pe.load_table()


@pytest.fixture(scope="module")
def grid(table):
    return pd.date_range(table["time"].min(), table["time"].max(), freq="h")


def says(*phrases: str) -> None:
    for phrase in phrases:
        assert phrase in TEXT, f"the protocol page does not say {phrase!r}"


def test_the_table_and_its_grid(table, grid):
    assert len(table) == 66_037 and sorted(table["Sensor"].unique()) == list(pe.SENSORS)
    assert len(grid) == 17_544
    local = grid.tz_convert(pe.TZ)
    assert (str(local[0]), str(local[-1])) == ("2015-01-01 00:00:00+11:00",
                                               "2016-12-31 23:00:00+11:00")
    rows = table.groupby("Sensor").size()
    assert rows.tolist() == [14_566, 16_414, 17_518, 17_539]
    first = table.groupby("Sensor")["local"].min()
    assert str(first["Bourke Street Mall (North)"].date()) == "2015-02-17"
    says("66,037 rows", "17,544 hours", "14,566 (Birrarung Marr)", "16,414 (Bourke Street",
         "starts on 2015-02-17", "17,518", "17,539 hours (Southern Cross Station)")


def test_the_holiday_calendar(table):
    days = pe.holidays()
    assert len(days) == 27 and days["date"].is_unique
    assert {str(d) for d in days["date"]} >= {"2016-11-01", "2016-12-25", "2016-12-27",
                                               "2015-11-03", "2016-09-30"}
    marked = table.loc[table["holiday"] == 1.0, "local"].dt.date
    assert set(marked) == set(days["date"])  # every holiday is a recorded day, and only those
    says("27 dates", "python-holidays 0.109")


def test_origins_of_each_period_are_its_local_midnights(grid):
    counts = {p: len(pe.origins(grid, p)) for p in pe.PERIODS}
    assert counts == {"train": 540, "validation": 92, "selection": 46, "calibration": 46,
                      "test": 92}
    for period in pe.PERIODS:
        local = pe.origins(grid, period).tz_convert(pe.TZ)
        assert (local.hour == 0).all()
        first, last = pe.PERIODS[period]
        assert (str(local[0].date()), str(local[-1].date())) == (first, last)
    sel, cal = pe.origins(grid, "selection"), pe.origins(grid, "calibration")
    assert not set(sel) & set(cal) and set(sel) | set(cal) == set(pe.origins(grid, "validation"))
    says("the 540 origins from 2015-01-08 to 2016-06-30", "the 92 origins from 2016-07-01 to "
         "2016-09-30", "(2016-07-01 to 2016-08-15, 46 origins)", "(2016-08-16 to 2016-09-30, "
         "46 origins)", "the 92 origins from 2016-10-01 to 2016-12-31")


def test_the_windows_that_count(table):
    counted = {p: pe.windows(table, p) for p in ("train", "validation", "selection", "test")}
    assert int(counted["train"]["counts"].sum()) == 2_016
    assert int(counted["validation"]["counts"].sum()) == 368
    assert int(counted["selection"]["counts"].sum()) == 184
    test = counted["test"]
    assert len(test) == 368 and int(test["counts"].sum()) == 330
    by_sensor = test.groupby("Sensor")["counts"].sum()
    assert by_sensor.tolist() == [54, 92, 92, 92]
    says("2,016 training windows", "368 validation windows (184 in each half)",
         "330 of the 368 test windows (54 of Birrarung Marr's 92")


def test_no_period_reaches_another():
    ends = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in
            (pe.PERIODS["train"], pe.PERIODS["validation"], pe.PERIODS["test"])]
    for (_, end), (start, _) in zip(ends, ends[1:], strict=False):
        assert start == end + pd.Timedelta(days=1)  # consecutive local dates, no overlap


# --- the recipe on the task -------------------------------------------------------------

def test_the_recipes_windows_are_the_protocols():
    from covtut.tasks.pedestrian import recipe

    task = pe.prepare()
    assert (len(task.split.train), len(task.split.val), len(task.split.test)) == (540, 46, 92)
    w = task.windows()
    recipe._check_windows(task, w)  # test and selection: exactly the counted windows
    assert (len(w.train), len(w.val), len(w.test)) == (1905, 184, 330)
    counted = pe.windows(pe.load_table(), "train")
    assert int(counted["counts"].sum()) - len(w.train) == 111  # lookbacks missing an hour
    # the training period ends where the selection half begins, and the scaler stops there
    assert int(task.split.train[-1]) + pe.HORIZON <= task.split.train_end
    assert task.split.train_end <= int(task.split.val[0])
    assert (task.yardstick > 0).all() and task.yardstick.shape == (4,)


@pytest.mark.provenance
def test_the_committed_recipe_run_is_current_and_followed_its_own_rules():
    committed = pe.load()  # refuses a result the current code did not produce
    assert committed["config"] == json.loads(json.dumps(pe.full_config()))  # as stored
    search = pd.DataFrame(committed["search"])
    assert sorted(set(search["seed"])) == list(pe.SEARCH_SEEDS)
    assert len(search) == len(pe.CANDIDATES) * len(pe.SEARCH_SEEDS)
    means = search.groupby("candidate")["val"].mean()
    assert committed["chosen"] == int(means.idxmin())  # the lowest selection loss
    runs = pd.DataFrame(committed["runs"])
    assert list(runs["seed"]) == list(pe.SEEDS)
    assert (runs["steps"] == pe.BUDGET["steps"]).all()
    assert (runs["kept"] == (runs["combined_val"] < runs["linear_val"])).all()
    assert [e["seeds"] for e in committed["ensembles"]] == [
        list(pe.SEEDS[i:i + pe.MEMBERS]) for i in range(0, len(pe.SEEDS), pe.MEMBERS)]
    assert committed["test_windows"] == 330 and committed["selection_windows"] == 184
    assert committed["per_sensor_test_windows"] == [54, 92, 92, 92]
    linear = pd.DataFrame(committed["linear_choice"])
    assert committed["linear_options"] == linear.loc[linear["val"].idxmin(), "options"]
