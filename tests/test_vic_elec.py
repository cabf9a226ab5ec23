"""covtut.tasks.vic_elec: the protocol of the book's page protocol_vic_elec, exactly."""

import pandas as pd
import pytest
import torch

import covtut
from covtut.tasks import vic_elec as ve


@pytest.fixture(scope="module")
def task():
    return ve.prepare()


def test_split_is_the_protocols(task):
    sp = task.split
    assert (len(sp.train), len(sp.val), len(sp.test)) == (652, 72, 365)
    local = pd.DatetimeIndex(task.raw.time).tz_convert(ve.TZ)
    origins = local[torch.cat([sp.train, sp.val, sp.test]).numpy()]
    assert ((origins.hour == 0) & (origins.minute == 0)).all()  # every origin a local midnight
    assert str(origins[0].date()) == "2012-01-08"
    assert str(local[sp.val[0].item()].date()) == "2013-10-21"
    assert str(local[sp.test[0].item()].date()) == "2014-01-01"
    assert str(local[sp.test[-1].item()].date()) == "2014-12-31"
    # nothing from 2014 reaches the scaler: it was fitted before the validation origins
    assert sp.train_end == int(sp.val[0]) and int(sp.train[-1]) + ve.HORIZON <= sp.train_end


def test_naive_baselines_reproduce_the_protocols_numbers(task):
    truth = task.truth(task.split.test)
    naive = ve.naive_forecasts(task, task.split.test)
    weekly = ve.scores(naive["seasonal naive, weekly"], truth)
    daily = ve.scores(naive["naive, previous day"], truth)
    ref = ve.REFERENCE
    for got, row in ((weekly, "seasonal naive, weekly"), (daily, "naive, previous day")):
        assert round(got["mae"], 1) == ref.loc[row, "mae"]
        assert round(got["rmse"], 1) == ref.loc[row, "rmse"]
        assert round(got["mape"], 2) == ref.loc[row, "mape"]


def test_daily_statistics_are_those_of_each_local_day(task):
    local = pd.DatetimeIndex(task.raw.time).tz_convert(ve.TZ)
    temp = pd.Series(task.raw.known[0, :, 0].numpy(), index=local)
    by_day = temp.groupby(local.date)
    cols = task.raw.columns["known"]
    for name, how in (("temp_day_max", "max"), ("temp_day_min", "min"),
                      ("temp_day_mean", "mean")):
        expected = by_day.transform(how).to_numpy()
        got = task.raw.known[0, :, cols.index(name)].numpy()
        assert abs(got - expected).max() < 1e-4, name


def test_ridge_features_read_only_the_lookback_and_the_known_horizon(task):
    batch = task.windows(task.split.test[:3], scaled=False).batch()
    x = ve.ridge_features(batch)
    assert x.shape == (3, ve.HORIZON, len(ve.RIDGE_FEATURES))
    lag_day = ve.RIDGE_FEATURES.index("demand 1 day earlier")
    y = task.raw.target[0, :, 0]
    o = task.split.test[:3]
    assert torch.equal(x[:, 5, lag_day], y[o + 5 - 48])
    ridge = ve.DayAheadRidge().fit(task.windows(task.split.train, scaled=False).batch())
    covtut.check_no_leakage(ridge, task.windows(task.split.test, scaled=False),
                            data=task.source, make_batch=ve.pipeline(task, scaled=False))


def test_the_ridge_is_close_to_the_protocols(task):
    fit_on = torch.cat([task.split.train, task.split.val])
    ridge = ve.DayAheadRidge().fit(task.windows(fit_on, scaled=False).batch())
    test = task.windows(task.split.test, scaled=False).batch()
    got = ve.scores(ridge(test)[..., 0], task.truth(task.split.test))
    # the protocol's 126.9 came from another implementation of the same features
    assert 120 < got["mae"] < 135


def test_a_daily_demand_statistic_is_caught_as_a_leak(task):
    ridge = ve.DayAheadRidge().fit(task.windows(task.split.train, scaled=False).batch())

    def leaky(data, s, o):  # "the day's mean demand", joined by date: includes the horizon
        d = ve.with_daily_temperature(data)
        day = ve.day_index(data.time)
        y = data.target[..., 0]
        mean = torch.zeros(1, int(day.max()) + 1, dtype=y.dtype).scatter_reduce(
            1, day[None], y, reduce="mean", include_self=False).gather(1, day[None])
        known = d.known.clone()
        known[..., 4] = mean  # in place of the day's mean temperature
        return covtut.WindowDataset(d.replace(known=known), ve.LOOKBACK, ve.HORIZON,
                                    origins=[o], series=[s]).batch()

    with pytest.raises(covtut.LeakageError, match="the inputs see the future"):
        covtut.check_no_leakage(ridge, task.windows(task.split.test, scaled=False),
                                data=task.source, make_batch=leaky)


def test_forecast_noise_grows_with_lead_time_and_leaves_the_lookback(task):
    origins = task.split.test
    clean = task.windows(origins, scaled=False).batch()
    same = ve.with_forecast_noise(task, origins, 0.0, scaled=False)
    # sd 0: the same windows, except on the two daylight-saving days (46 and 50 steps):
    # there the horizon's 48 steps do not cover exactly one local date
    differ = ~torch.isclose(same.known, clean.known, atol=1e-4).all(-1).all(-1)
    local = pd.DatetimeIndex(task.raw.time).tz_convert(ve.TZ)
    dst = [str(d.date()) for d in local[origins[differ].numpy()]]
    assert dst == ["2014-04-06", "2014-10-05"]
    noisy = ve.with_forecast_noise(task, origins, 3.0, scaled=False)
    err = (noisy.known[..., 0] - clean.known[..., 0])  # (n, L + H)
    assert torch.equal(err[:, :ve.LOOKBACK], torch.zeros_like(err[:, :ve.LOOKBACK]))
    sd = err[:, ve.LOOKBACK:].std(0)  # (H,)
    assert sd[:6].mean() < 0.6 and 2.4 < sd[-6:].mean() < 3.6
    scaled = ve.with_forecast_noise(task, origins, 3.0)
    assert torch.allclose(task.scaler.known.inverse_transform(scaled.known), noisy.known,
                          atol=1e-3)


@pytest.mark.provenance
def test_the_committed_result_is_current_and_complete():
    result = ve.load()
    for name, config in (("best", ve.CONFIG), ("plain", ve.PLAIN)):
        runs = result["runs"][name]
        assert [r["seed"] for r in runs] == config["seeds"] and len(runs) >= 3
        assert all(r["mae"] > 0 and r["seconds"] > 0 for r in runs)
    assert result["environment"]["torch"] and result["command"] == "python -m covtut.tasks.vic_elec"
    # the per-day losses the test-period question reads: their mean is each test MAE
    for name in ("best", "plain"):
        for r in result["runs"][name]:
            assert len(r["origin_mae"]) == 365
            assert abs(sum(r["origin_mae"]) / 365 - r["mae"]) < 0.01
        ens = result["ensembles"][name]
        assert len(ens["origin_mae"]) == 365
        assert abs(sum(ens["origin_mae"]) / 365 - ens["mae"]) < 0.01
        # averaging forecasts cannot do worse than the average seed (the MAE is convex)
        assert ens["mae"] <= sum(r["mae"] for r in result["runs"][name]) / len(result["runs"][name])


def test_origin_mae_is_the_per_day_mae():
    import torch

    pred, truth = torch.zeros(3, 48), torch.ones(3, 48)
    pred[1] = 3.0
    assert ve.origin_mae(pred, truth) == [1.0, 2.0, 1.0]
