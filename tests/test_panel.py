"""Real tables: one time grid, ragged series, missing values, clear errors (issue 9)."""

import numpy as np
import pandas as pd
import pytest
import torch
from toy import toy_data

import covtut


def hourly(store: str, start: str, n: int, **cols) -> pd.DataFrame:
    t = pd.date_range(start, periods=n, freq="h")
    rng = np.random.default_rng(len(store) + n)
    return pd.DataFrame({"store": store, "time": t, "price": rng.normal(size=n),
                         "temp": rng.normal(size=n), "hour": t.hour, "size": 1.0, **cols})


def ragged() -> pd.DataFrame:
    """Store a: 40 hours; store b joins 10 hours later and stops 5 hours earlier."""
    return pd.concat([hourly("a", "2024-01-01", 40), hourly("b", "2024-01-01 10:00", 25)])


KW = dict(series="store", time="time", target="price", known="temp", static="size")


# --- the defects of the issue, each reproduced -------------------------------------------

def test_series_on_shifted_grids_are_refused():
    df = pd.concat([hourly("a", "2024-01-01 00:00", 24), hourly("b", "2024-01-01 00:30", 24)])
    with pytest.raises(ValueError, match=r"rows lie off the time grid .* first series 'b' at "
                                         r"time=2024-01-01 00:30"):
        covtut.from_dataframe(df, **KW, freq="h")


def test_series_shifted_by_a_step_are_stacked_in_step():
    """Equal lengths on grids one hour apart: the same timestamp is the same step."""
    df = pd.concat([hourly("a", "2024-01-01 00:00", 24), hourly("b", "2024-01-01 01:00", 24)])
    data, _ = covtut.from_dataframe(df, **KW)
    assert data.n_steps == 25 and data.time[1] == pd.Timestamp("2024-01-01 01:00")
    b = df[df.store == "b"]
    assert data.target[1, 1, 0] == np.float32(b.price.iloc[0])
    assert data.mask[:, 0].tolist() == [True, False] and data.mask[:, -1].tolist() == [False, True]


def test_daylight_saving_gaps_in_different_places():
    a, b = hourly("a", "2024-03-30", 48), hourly("b", "2024-03-30", 48)
    a = a.drop(index=26)  # a skips 02:00 on the 31st, b does not
    with pytest.raises(ValueError, match=r"no row \(a gap.*first series 'a' at "
                                         r"time=2024-03-31 02:00"):
        covtut.from_dataframe(pd.concat([a, b]), **KW)
    data, _ = covtut.from_dataframe(pd.concat([a, b]), **KW, missing="mask")
    assert data.n_steps == 48 and not data.mask[0, 26] and data.mask[1].all()
    assert data.target[0, 27, 0] == np.float32(a.price.loc[27])  # later steps not shifted


def test_duplicate_row_is_named_as_a_duplicate():
    df = ragged()
    df = pd.concat([df, df.iloc[[3]]])
    with pytest.raises(ValueError, match=r"2 rows share a \(series, time\).*series 'a' at "
                                         r"time=2024-01-01 03:00"):
        covtut.from_dataframe(df, **KW)


def test_column_argument_may_be_one_name():
    data, _ = covtut.from_dataframe(ragged(), series="store", time="time", target="price",
                                    observed="temp", known_cat="hour")
    assert data.target.shape[-1] == data.observed.shape[-1] == data.known_cat.shape[-1] == 1
    assert data.columns["target"] == ("price",)


def test_nan_is_an_error_naming_column_series_and_time():
    df = ragged()
    df.loc[(df.store == "b") & (df.time == "2024-01-01 12:00"), "temp"] = np.nan
    with pytest.raises(ValueError, match=r"known column 'temp' is NaN or infinite at 1 step"
                                         r".*series 'b' at time=2024-01-01 12:00.*missing='mask'"):
        covtut.from_dataframe(df, **KW)
    data, _ = covtut.from_dataframe(df, **KW, missing="mask")
    assert not data.mask[1, 12] and data.known[1, 12, 0] == 0  # never NaN


def test_scaler_names_the_nan_it_would_fit_on():
    d = toy_data()
    known = d.known.clone()
    known[3, 17, 1] = float("nan")
    with pytest.raises(ValueError, match=r"known\[\.\.\., 1\], first series 3 at step 17"):
        covtut.SeriesScaler().fit(d.replace(known=known), train_end=40)
    covtut.SeriesScaler().fit(d.replace(known=known), train_end=10)  # after the fit period


def test_fit_ignores_nan_that_training_never_reads():
    d = toy_data(n_series=4, n_steps=40)
    target = d.target.clone()
    target[2, 35] = float("nan")  # test period only
    d = d.replace(target=target)
    split = covtut.chronological_split(40, 12, 4, val_frac=0, test_frac=0.25)
    train = covtut.WindowDataset(d, 12, 4, split.train)
    model = covtut.build_model("concat", train.spec)
    covtut.fit(model, train, epochs=1, device="cpu")
    test = covtut.WindowDataset(d, 12, 4, split.test)
    with pytest.raises(ValueError, match=r"train\.data\.target\[\.\.\., 0\] holds 1 NaN.*"
                                         r"series 2 at step 35"):
        covtut.fit(model, test, epochs=1, device="cpu")


def test_nan_in_a_categorical_column_is_not_code_zero():
    df = ragged().astype({"hour": object})
    df.loc[5, "hour"] = None
    with pytest.raises(ValueError, match=r"known_cat column 'hour' is missing.*series 'a'"):
        covtut.from_dataframe(df, **KW, known_cat="hour")
    masked, _ = covtut.from_dataframe(df, **KW, known_cat="hour", missing="mask")
    assert not masked.mask[0, 5] and not masked.mask[1, 15]  # the two rows labelled 5
    assert masked.mask.sum() == 40 + 25 - 2
    region = ragged().assign(region="x")
    region.loc[region.store == "b", "region"] = np.nan
    with pytest.raises(ValueError, match=r"static column 'region' is missing for series 'b'"):
        covtut.from_dataframe(region, **KW, static_cat="region")
    with pytest.raises(ValueError, match=r"CategoryEncoder.fit: 1 missing value"):
        covtut.CategoryEncoder().fit(["a", np.nan])
    with pytest.raises(ValueError, match=r"CategoryEncoder.transform: 1 missing value"):
        covtut.CategoryEncoder().fit(["a"]).transform(["a", None])


def test_float_column_as_categorical_is_refused():
    df = ragged().assign(forecast=lambda d: d.temp * 10)
    with pytest.raises(TypeError, match=r"categorical column 'forecast' holds non-integer "
                                        r"floats \(65 distinct"):
        covtut.from_dataframe(df, **KW, known_cat="forecast")
    ok = ragged().assign(flag=lambda d: (d.hour % 2).astype(float))  # integer codes: fine
    data, enc = covtut.from_dataframe(ok, **KW, known_cat="flag")
    assert enc["flag"].cardinality == 3


def test_text_time_column_is_refused_clearly():
    df = ragged().assign(time=lambda d: d.time.dt.strftime("%Y %b %d %H"))
    with pytest.raises(TypeError, match=r"time column 'time' has dtype .*pd.to_datetime"):
        covtut.from_dataframe(df, **KW)


def test_per_series_scaler_on_other_series_names_the_target():
    d = toy_data(n_series=2, n_steps=50)
    sc = covtut.SeriesScaler(per_series_target=True).fit(d, 30)
    one = d.replace(**{f: getattr(d, f)[:1] for f in ("target", "observed", "known",
                                                      "known_cat", "static", "static_cat")})
    with pytest.raises(ValueError, match=r"target was fitted per series on 2 series, but the "
                                         r"data has 1"):
        sc.transform(one)


def test_per_series_scaler_matches_series_by_key():
    data, enc = covtut.from_dataframe(ragged(), **KW)
    sc = covtut.SeriesScaler(per_series_target=True).fit(data, 30)
    only_b, _ = covtut.from_dataframe(ragged().query("store == 'b'"), **KW)
    scaled = sc.transform(only_b)
    assert only_b.mask is None
    assert torch.allclose(scaled.target[0], sc.transform(data).target[1, 10:35])
    other, _ = covtut.from_dataframe(ragged().replace({"store": {"b": "c"}}), **KW)
    with pytest.raises(ValueError, match=r"series \['c'\] of the data were not among"):
        sc.transform(other)


# --- the ragged panel --------------------------------------------------------------------

def test_ragged_panel_has_a_validity_mask():
    data, _ = covtut.from_dataframe(ragged(), **KW)
    assert data.target.shape == (2, 40, 1)
    assert data.mask[0].all() and data.mask[1].sum() == 25
    assert data.mask[1, 10:35].all() and not data.mask[1, :10].any()
    assert (data.target[1, :10] == 0).all()  # values outside the span are 0, never NaN
    assert list(data.info.index) == ["a", "b"] and data.info["size"].tolist() == [1.0, 1.0]
    assert data.series_label(1) == "series 'b'"
    full, _ = covtut.from_dataframe(hourly("a", "2024-01-01", 40), **KW)
    assert full.mask is None  # fully observed: exactly as before


def test_multi_column_series_key():
    df = pd.concat([hourly("a", "2024-01-01", 30, state="x"),
                    hourly("a", "2024-01-01 02:00", 20, state="y")])
    data, _ = covtut.from_dataframe(df, series=["state", "store"], time="time", target="price")
    assert list(data.info.index) == [("x", "a"), ("y", "a")]
    assert data.series_label(1) == "series ('y', 'a')"


def test_windows_only_where_the_horizon_is_observed():
    data, _ = covtut.from_dataframe(ragged(), **KW)
    L, H = 6, 3
    ds = covtut.WindowDataset(data, L, H)
    valid = data.mask
    for s, o in zip(ds.series_index.tolist(), ds.origin_index.tolist(), strict=True):
        assert valid[s, o - L:o + H].all()
    b_origins = ds.origin_index[ds.series_index == 1]
    assert b_origins.min() == 10 + L and b_origins.max() == 35 - H
    assert ds.batch().lengths is None and ds.n_dropped > 0


def test_min_lookback_left_pads_with_lengths():
    data, _ = covtut.from_dataframe(ragged(), **KW)
    L, H = 6, 3
    ds = covtut.WindowDataset(data, L, H, min_lookback=2)
    b = ds.batch()
    first_b = int(((ds.series_index == 1) & (ds.origin_index == 12)).nonzero()[0])
    assert b.lengths[first_b] == 2 and b.lengths_cpu[first_b] == 2
    assert torch.equal(b.past_target[first_b, -2:], data.target[1, 10:12])
    assert ds.origin_index.min() == 2  # series a: origins before the lookback, zero-padded
    assert b.lengths[ds.origin_index == 2].tolist() == [2]
    assert torch.equal(b.lengths.cpu(), b.lengths_cpu)
    # batches() cuts the CPU lengths from the CPU order
    for batch in ds.batches(5, shuffle=True, generator=torch.Generator().manual_seed(0)):
        assert torch.equal(batch.lengths, batch.lengths_cpu)


def test_gap_shortens_the_lookback():
    df = hourly("a", "2024-01-01", 30)
    df.loc[10, "price"] = np.nan
    data, _ = covtut.from_dataframe(df, **KW, missing="mask")
    ds = covtut.WindowDataset(data, 6, 2, min_lookback=3)
    lengths = dict(zip(ds.origin_index.tolist(), ds.lengths.tolist(), strict=True))
    assert 9 not in lengths and 10 not in lengths  # the gap in the horizon
    assert 13 not in lengths and lengths[14] == 3 and lengths[17] == 6
    strict = covtut.WindowDataset(data, 6, 2)
    assert not ((strict.origin_index > 8) & (strict.origin_index < 17)).any()


def test_fully_observed_mask_changes_nothing(data):
    ds = covtut.WindowDataset(data, 12, 4, origins=[20, 30])
    masked = covtut.WindowDataset(data.replace(mask=torch.ones(6, 60, dtype=torch.bool)), 12, 4,
                                  origins=[20, 30])
    a, b = ds.batch(), masked.batch()
    for f in ("past_target", "past_observed", "known", "known_cat", "future_target"):
        assert torch.equal(getattr(a, f), getattr(b, f))
    assert torch.equal(ds.series_index, masked.series_index)


def test_scaler_reads_observed_training_steps_only():
    data, _ = covtut.from_dataframe(ragged(), **KW)
    sc = covtut.SeriesScaler(per_series_target=True).fit(data, train_end=30)
    y = data.target[1, 10:30, 0]
    assert torch.allclose(sc.target.mean[1, 0, 0], y.mean())
    assert torch.allclose(sc.target.std[1, 0, 0], y.std())
    temp = torch.cat([data.known[0, :30, 0], data.known[1, 10:30, 0]])
    assert torch.allclose(sc.known.mean[0, 0, 0], temp.mean(), atol=1e-6)
    spoilt = data.target.clone()
    spoilt[1, :10] = 1e6  # unobserved steps hold anything: the fit does not move
    assert torch.equal(covtut.SeriesScaler(True).fit(data.replace(target=spoilt), 30).target.mean,
                       sc.target.mean)
    scaled = sc.transform(data)
    assert (scaled.target[1, :10] == 0).all() and (scaled.known[1, 35:] == 0).all()


def test_short_history_falls_back_to_its_group():
    df = pd.concat([hourly("a", "2024-01-01", 40, state="x"),
                    hourly("b", "2024-01-01", 40, state="x"),
                    hourly("c", "2024-01-02 03:00", 13, state="x"),
                    hourly("d", "2024-01-01", 40, state="y")])
    data, _ = covtut.from_dataframe(df, series="store", time="time", target="price",
                                    static_cat="state")
    with pytest.raises(ValueError, match=r"series 'c' has 3 observed step\(s\) to fit target "
                                         r"on, fewer than min_steps=12.*fallback"):
        covtut.SeriesScaler(per_series_target=True, min_steps=12).fit(data, train_end=30)
    sc = covtut.SeriesScaler(per_series_target=True, min_steps=12, fallback="state").fit(data, 30)
    group = torch.cat([data.target[0, :30, 0], data.target[1, :30, 0], data.target[2, 27:30, 0]])
    assert torch.allclose(sc.target.mean[2, 0, 0], group.mean())
    assert torch.allclose(sc.target.std[2, 0, 0], group.std())
    assert sc.target.fallback.tolist() == [False, False, True, False]
    assert torch.equal(sc.target.mean[0, 0, 0], data.target[0, :30, 0].mean())
    lone = df.replace({"state": {"x": "z"}}).assign(state=lambda d: d.store)
    data2, _ = covtut.from_dataframe(lone, series="store", time="time", target="price",
                                     static_cat="state")
    with pytest.raises(ValueError, match=r"series 'c'.*its group .* no fallback is possible"):
        covtut.SeriesScaler(per_series_target=True, min_steps=12, fallback=0).fit(data2, 30)


def test_seasonal_profile_reads_observed_steps_only():
    from covtut.evaluation.baselines import seasonal_profile

    data, _ = covtut.from_dataframe(ragged(), **KW)
    profile = seasonal_profile(data, until=30, period=5)
    y = data.target[1, :30, 0]
    steps = torch.arange(30)
    expected = y[(steps >= 10) & (steps % 5 == 2)].mean()
    assert torch.allclose(profile[1, 2, 0], expected)


def test_series_on_shifted_grids_are_named_as_shifted():
    times = pd.date_range("2024-01-01", periods=24, freq="h")
    df = pd.concat([
        pd.DataFrame({"m": "A", "t": times, "y": np.arange(24.0)}),
        pd.DataFrame({"m": "B", "t": times + pd.Timedelta("30min"), "y": np.arange(24.0)}),
    ])
    with pytest.raises(ValueError, match="shifted against each other.*'A'.*'B'"):
        covtut.from_dataframe(df, series="m", time="t", target="y")
