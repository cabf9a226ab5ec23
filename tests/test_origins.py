"""Origins on a chosen phase, and origins chosen by timestamp (issue 9)."""

import pandas as pd
import pytest
import torch

import covtut


def test_stride_origins_follow_the_period_unless_a_phase_is_chosen():
    """Hourly data from midnight: by default the validation origins may sit at noon."""
    kw = dict(n_steps=24 * 30, lookback=48, horizon=24, val_frac=0.15, test_frac=0.15, stride=24)
    old = covtut.chronological_split(**kw)
    assert (old.test % 24 == 12).all()  # the documented default: the period boundary
    new = covtut.chronological_split(**kw, phase=0)
    for origins in (new.train, new.val, new.test):
        assert (origins % 24 == 0).all() and origins.numel() > 0
    assert (new.val >= new.train_end).all() and (new.test + 24 <= 24 * 30).all()
    assert torch.equal(covtut.chronological_split(**kw, phase=5).train % 24,
                       torch.full_like(covtut.chronological_split(**kw, phase=5).train, 5))


def utc_half_hours(days: int) -> pd.DatetimeIndex:
    start = pd.Timestamp("2013-03-25", tz="Australia/Melbourne").tz_convert("UTC")
    return pd.date_range(start, periods=48 * days, freq="30min")


def test_every_local_midnight_across_daylight_saving():
    grid = utc_half_hours(20)  # spans the switch back on 2013-04-07
    o = covtut.origins_at(grid, "midnight", tz="Australia/Melbourne")
    local = grid[o.numpy()].tz_convert("Australia/Melbourne")
    assert len(o) == 20 and (local.hour == 0).all() and (local.minute == 0).all()
    assert set(torch.diff(o).tolist()) == {48, 50}  # the 25-hour day


def test_origins_at_month_starts_and_dates():
    grid = pd.date_range("2015-01-01", periods=40, freq="MS")
    assert covtut.origins_at(grid, "month_start").tolist() == list(range(40))
    assert covtut.origins_at(grid, ["2016-03-01", "2015-02-01"]).tolist() == [1, 14]
    with pytest.raises(ValueError, match="2016-03-15 00:00:00 is not a step of the time grid"):
        covtut.origins_at(grid, ["2016-03-15"])
    jan = covtut.origins_at(grid, lambda t: t.month == 1)
    assert jan.tolist() == [0, 12, 24, 36]
    with pytest.raises(ValueError, match=r"unknown at='noon'; valid"):
        covtut.origins_at(grid, "noon")


def test_split_by_time_follows_a_protocol():
    """Day-ahead at local midnight: train, validation and test origins by date."""
    grid = utc_half_hours(30)
    s = covtut.split_by_time(grid, 48 * 3, 48, val_start="2013-04-10", test_start="2013-04-17",
                             at="midnight", tz="Australia/Melbourne")
    local = grid.tz_convert("Australia/Melbourne")
    day = lambda o: str(local[int(o)].date())  # noqa: E731
    assert day(s.train[0]) == "2013-03-28" and day(s.train[-1]) == "2013-04-09"
    assert day(s.val[0]) == "2013-04-10" and day(s.val[-1]) == "2013-04-16"
    assert day(s.test[0]) == "2013-04-17" and day(s.test[-1]) == "2013-04-22"
    assert (s.train + 48 <= s.train_end).all() and (s.val + 48 <= s.val_end).all()
    assert str(local[s.train_end]) == "2013-04-10 00:00:00+10:00"
    refit = covtut.split_by_time(grid, 48 * 3, 48, test_start="2013-04-17", at="midnight",
                                 tz="Australia/Melbourne")
    assert len(refit.train) == len(s.train) + len(s.val) and len(refit.val) == 0


def test_split_by_time_on_a_ragged_monthly_panel():
    rows = [dict(s=k, month=m, y=1.0) for k, start in (("old", "2000-01"), ("new", "2004-07"))
            for m in pd.date_range(start, "2006-12", freq="MS")]
    data, _ = covtut.from_dataframe(pd.DataFrame(rows), series="s", time="month", target="y")
    s = covtut.split_by_time(data, 24, 12, val_start="2005-01", test_start="2006-01")
    assert len(s.test) == 1 and data.time[int(s.test[0])] == pd.Timestamp("2006-01-01")
    test = covtut.WindowDataset(data, 24, 12, s.test, min_lookback=12)
    assert test.series_index.tolist() == [0, 1] and test.lengths.tolist() == [18, 24]
    with pytest.raises(ValueError, match="leaves the test set empty"):
        covtut.split_by_time(data, 24, 13, test_start="2006-01")
