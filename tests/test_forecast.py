"""Per-series and per-group scores, and the production forecast past the end of the data."""

import numpy as np
import pandas as pd
import pytest
import torch

import covtut
from covtut.evaluation import metrics

L, H = 8, 4


def table(n: int = 60) -> pd.DataFrame:
    rows = []
    for store, state, start in (("a", "x", 0), ("b", "x", 10), ("c", "y", 0)):
        t = pd.date_range("2024-01-01", periods=n, freq="h")[start:]
        rng = np.random.default_rng(start + ord(store))
        rows.append(pd.DataFrame({"store": store, "state": state, "time": t,
                                  "y": 10 + rng.normal(size=len(t)).cumsum(),
                                  "temp": rng.normal(size=len(t)), "hour": t.hour % 4,
                                  "size": float(ord(store))}))
    return pd.concat(rows, ignore_index=True)


KW = dict(series="store", time="time", target="y", known="temp", known_cat="hour",
          static="size", static_cat="state")


def setup(df):
    data, enc = covtut.from_dataframe(df, **KW)
    scaler = covtut.SeriesScaler(per_series_target=True).fit(data, 40)
    torch.manual_seed(0)
    model = covtut.build_model("concat", data.spec(L, H)).eval()
    return data, enc, scaler, model


def test_evaluate_per_series_and_per_group():
    data, _, scaler, model = setup(table())
    test = covtut.WindowDataset(scaler.transform(data), L, H, origins=range(40, 57))
    f = covtut.forecasts(model, test, scaler)
    per = covtut.evaluate(model, test, scaler, by="series")
    assert list(per.index) == ["a", "b", "c"] and per.index.name == "store"
    for i, key in enumerate(per.index):
        w = f.series == i
        assert per.loc[key, "mae"] == pytest.approx(metrics.mae(f.pred[w], f.truth[w]))
        assert per.loc[key, "skill"] == pytest.approx(
            metrics.skill(f.pred[w], f.truth[w], f.naive[w]))
    groups = covtut.evaluate(model, test, scaler, by="state")
    assert list(groups.index) == ["x", "y"] and groups["n_windows"].sum() == len(test)
    x = (f.series == 0) | (f.series == 1)
    assert groups.loc["x", "rmse"] == pytest.approx(metrics.rmse(f.pred[x], f.truth[x]))
    assert covtut.evaluate(model, test, scaler)["mae"] == pytest.approx(metrics.mae(f.pred,
                                                                                     f.truth))
    frame = f.to_frame(data)
    assert len(frame) == len(test) * H and set(frame["series"]) == {"a", "b", "c"}
    assert (frame["time"] - frame["origin_time"]).max() == pd.Timedelta(hours=H - 1)
    with pytest.raises(KeyError, match=r"by='region' is not a series key part"):
        covtut.evaluate(model, test, scaler, by="region")


def test_production_forecast_equals_the_window_cut_from_the_future():
    df = table(64)
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=59)
    past, future = df[df.time <= end], df[df.time > end].drop(columns="y")
    data, enc, scaler, model = setup(past)
    out = covtut.forecast_future(model, data, future, scaler=scaler, encoders=enc)
    assert list(out.columns) == ["store", "time", "y"] and len(out) == 3 * H
    assert out["time"].iloc[0] == end + pd.Timedelta(hours=1)
    # the same window, cut from a table that holds the horizon's rows
    full, _ = covtut.from_dataframe(df, **KW, encoders=enc)
    ds = covtut.WindowDataset(scaler.transform(full), L, H, origins=[60])
    expected = scaler.inverse_target(covtut.predict(model, ds), ds.series_index)
    assert torch.allclose(torch.tensor(out["y"].to_numpy()).view(3, H, 1), expected, atol=1e-5)


def test_production_forecast_leaves_out_what_it_cannot_forecast():
    df = table(64)
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=59)
    past = df[(df.time <= end) & ~((df.store == "c") & (df.time > end - pd.Timedelta(hours=3)))]
    future = df[df.time > end].drop(columns="y")
    data, enc, scaler, model = setup(past)
    with pytest.warns(UserWarning, match=r"1 series not forecast .*\['c'\]"):
        out = covtut.forecast_future(model, data, future, scaler=scaler, encoders=enc)
    assert set(out["store"]) == {"a", "b"}
    late = future.assign(time=future.time + pd.Timedelta(hours=1))
    with pytest.raises(ValueError, match=r"future has a row at time=2024-01-03 16:00:00, not "
                                         r"one of the 4 steps"):
        covtut.forecast_future(model, data, late, scaler=scaler, encoders=enc)
    with pytest.raises(KeyError, match=r"columns \['temp'\] not in future"):
        covtut.forecast_future(model, data, future.drop(columns="temp"), scaler=scaler,
                               encoders=enc)


def test_production_forecast_of_a_short_new_series():
    """A store with 5 hours of history is forecast through batch.lengths."""
    df = table(64)
    df = df[~((df.store == "b") & (df.time < pd.Timestamp("2024-01-03 07:00")))]
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=59)
    past, future = df[df.time <= end], df[df.time > end].drop(columns="y")
    data, enc = covtut.from_dataframe(past, **KW)
    scaler = covtut.SeriesScaler(per_series_target=True, min_steps=10, fallback="state")
    scaler.fit(data, 60)
    assert scaler.target.fallback.tolist() == [False, True, False]
    model = covtut.build_model("late_fusion", data.spec(L, H)).eval()
    with pytest.warns(UserWarning, match=r"\['b'\]"):
        covtut.forecast_future(model, data, future, scaler=scaler, encoders=enc)
    out = covtut.forecast_future(model, data, future, scaler=scaler, encoders=enc,
                                 min_lookback=3)
    assert set(out["store"]) == {"a", "b", "c"} and np.isfinite(out["y"]).all()
