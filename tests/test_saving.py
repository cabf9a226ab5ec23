"""Saving a forecaster and loading it back: the same forecast, and nothing unsafe read."""

import decimal

import numpy as np
import pandas as pd
import pytest
import torch
from test_forecast import KW, table  # the same small table of three ragged stores

import covtut
from covtut.serving.saving import FORMAT_VERSION

L, H = 8, 4
SIDE_EFFECTS: list[str] = []  # what a crafted file's code would append to


def windows(data, scaler, origins=range(L, 40)):
    return covtut.WindowDataset(scaler.transform(data) if scaler else data, L, H,
                                origins=origins)


@pytest.fixture
def production(tmp_path):
    """A concat model on a table with known, known_cat, static and static_cat columns,
    a per-series scaler, saved and loaded."""
    df = table(64)
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=59)
    past, future = df[df.time <= end], df[df.time > end].drop(columns="y")
    data, enc = covtut.from_dataframe(past, **KW)
    scaler = covtut.SeriesScaler(per_series_target=True).fit(data, 40)
    torch.manual_seed(0)
    model = covtut.build_model("concat", data.spec(L, H), hidden_size=8).eval()
    covtut.save_forecaster(tmp_path / "f.pt", model, scaler=scaler, encoders=enc,
                           metadata={"trained_until": str(end), "mae": 0.5})
    return data, enc, scaler, model, future, covtut.load_forecaster(tmp_path / "f.pt")


def test_round_trip_of_a_concat_model_with_static_and_known_covariates(production, tmp_path):
    data, enc, scaler, model, future, loaded = production
    assert loaded.name == "concat" and not loaded.model.training
    assert loaded.spec == model.spec and loaded.model.config == model.config
    assert loaded.metadata == {"trained_until": "2024-01-03 11:00:00", "mae": 0.5}
    ds = windows(data, scaler)
    assert torch.equal(covtut.predict(loaded.model, ds), covtut.predict(model, ds))
    # the scaler, rebuilt per series with its keys, scales and unscales the same
    assert loaded.scaler.keys == ["a", "b", "c"] and loaded.scaler.target.per_series
    for name in ("target", "known", "static"):
        assert torch.equal(getattr(loaded.scaler.transform(data), name),
                           getattr(scaler.transform(data), name))
    y = torch.randn(3, H, 1)
    assert torch.equal(loaded.scaler.inverse_target(y), scaler.inverse_target(y))
    # the file is plain data: torch.load reads it in its safe mode, with nothing else
    raw = torch.load(tmp_path / "f.pt", weights_only=True)
    assert raw["lookback"] == L and raw["horizon"] == H and raw["model"]["options"] == {}


def test_the_production_forecast_is_the_same_after_loading(production):
    data, enc, scaler, model, future, loaded = production
    expected = covtut.forecast_future(model, data, future, scaler=scaler, encoders=enc)
    out = covtut.forecast_future(loaded.model, data, future, scaler=loaded.scaler,
                                 encoders=loaded.encoders)
    pd.testing.assert_frame_equal(out, expected, check_exact=True)
    pd.testing.assert_frame_equal(loaded.forecast_future(data, future), expected,
                                  check_exact=True)


def test_rebuilt_encoders_give_the_same_codes_unseen_included(tmp_path):
    values = {"s": ["b", "a", "c"], "i": [3, 1, 2], "f": [0.5, -1.5], "b": [True, False],
              "t": [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-01 12:00")],
              "tz": [pd.Timestamp("2024-03-31 01:00", tz="Europe/Paris")],
              "np": list(np.array([4, 5]))}
    encoders = {c: covtut.CategoryEncoder().fit(v) for c, v in values.items()}
    model = covtut.build_model("concat", covtut.CovariateSpec(L, H))
    covtut.save_forecaster(tmp_path / "f.pt", model, encoders=encoders)
    loaded = covtut.load_forecaster(tmp_path / "f.pt").encoders
    unseen = {"s": "z", "i": 9, "f": 2.5, "b": None, "t": pd.Timestamp("2030-01-01"),
              "tz": pd.Timestamp("2024-03-31 01:00", tz="UTC"), "np": 6}
    for c, enc in encoders.items():
        assert loaded[c].classes_ == enc.classes_
        assert [type(v) for v in loaded[c].classes_] == [type(v) for v in enc.classes_] or \
            c == "np"  # numpy integers come back as Python ints, equal and hashed alike
        probe = [*values[c], *([unseen[c]] if unseen[c] is not None else [])]
        assert loaded[c].transform(probe).tolist() == enc.transform(probe).tolist()
        if unseen[c] is not None:
            assert loaded[c].transform([unseen[c]]).tolist() == [0]
        assert loaded[c].cardinality == enc.cardinality
    with pytest.raises(ValueError, match=r"encoders\['d'\].classes_\[0\] is Decimal\('1'\) "
                                         r"of type decimal.Decimal"):
        covtut.save_forecaster(tmp_path / "g.pt", model, encoders={
            "d": covtut.CategoryEncoder().fit([decimal.Decimal(1)])})


def test_series_keys_of_several_columns_round_trip(tmp_path):
    df = table().assign(number=lambda d: d.store.map({"a": 1, "b": 2, "c": 3}))
    data, enc = covtut.from_dataframe(df, **{**KW, "series": ["store", "number"]})
    scaler = covtut.SeriesScaler(per_series_target=True).fit(data, 40)
    model = covtut.build_model("late_fusion", data.spec(L, H))
    covtut.save_forecaster(tmp_path / "f.pt", model, scaler=scaler, encoders=enc)
    loaded = covtut.load_forecaster(tmp_path / "f.pt")
    assert loaded.scaler.keys == [("a", 1), ("b", 2), ("c", 3)]
    assert [type(k[1]) for k in loaded.scaler.keys] == [int] * 3
    ds = windows(data, loaded.scaler)
    assert torch.equal(covtut.predict(loaded.model, ds),
                       covtut.predict(model, windows(data, scaler)))


def encoder_decoder(data, **options):
    torch.manual_seed(1)
    return covtut.build_model("encoder_decoder", data.spec(L, H), hidden_size=8,
                              cell="gru", **options).eval()


def test_round_trip_of_an_encoder_decoder_with_lags(tmp_path):
    data = covtut.make_regime("known_future", n_series=4, n_steps=48).data
    options = {"lags": (4, 8), "autoregressive": True, "skip_inputs": True,
               "encoder_steps": 6}
    model = encoder_decoder(data, **options)
    scaler = covtut.SeriesScaler(per_series_target=True).fit(data, 32)
    covtut.save_forecaster(tmp_path / "f.pt", model, scaler=scaler, options=options)
    state = torch.random.get_rng_state()
    loaded = covtut.load_forecaster(tmp_path / "f.pt")
    assert torch.equal(torch.random.get_rng_state(), state)  # loading draws no random number
    assert loaded.options == options and loaded.model.lags == (4, 8)
    assert loaded.model.encoder_steps == 6 and loaded.scaler.keys is None
    ds = windows(data, scaler)
    assert torch.equal(covtut.predict(loaded.model, ds), covtut.predict(model, ds))


def test_options_that_do_not_rebuild_the_model_are_refused(tmp_path):
    data = covtut.make_regime("known_future", n_series=4, n_steps=48).data
    model = encoder_decoder(data, lags=(4, 8), encoder_steps=6)
    with pytest.raises(ValueError, match=r"options=\{\} do not rebuild this 'encoder_decoder'"):
        covtut.save_forecaster(tmp_path / "f.pt", model)  # the lags change the layers
    with pytest.raises(ValueError, match=r"has encoder_steps=6 but options=\{'lags': \(4, 8\)\} "
                                         r"build one with encoder_steps=None"):
        covtut.save_forecaster(tmp_path / "f.pt", model, options={"lags": (4, 8)})
    with pytest.raises(ValueError, match=r"options \['lag'\] are not options of model"):
        covtut.save_forecaster(tmp_path / "f.pt", model, options={"lag": (4, 8)})
    assert not (tmp_path / "f.pt").exists()


def test_a_model_trained_with_fit_forecasts_the_same_after_loading(tmp_path):
    data = covtut.make_regime("many_groups", n_groups=3, series_per_group=2, n_steps=60).data
    scaler = covtut.SeriesScaler(per_series_target=True).fit(data, 40)
    train, val = windows(data, scaler, range(L, 36)), windows(data, scaler, range(40, 56))
    model = covtut.build_model("film", data.spec(L, H), hidden_size=8)
    covtut.fit(model, train, epochs=2, batch_size=16, max_steps=3, device="cpu")
    covtut.save_forecaster(tmp_path / "f.pt", model, scaler=scaler, metadata={"steps": 3})
    loaded = covtut.load_forecaster(tmp_path / "f.pt")
    assert torch.equal(covtut.predict(loaded.model, val), covtut.predict(model, val))
    loaded.check(data)


def record(event: str) -> None:
    SIDE_EFFECTS.append(event)


class Payload:
    """Unpickling this calls ``record``: a crafted file could run anything in its place."""

    def __reduce__(self):
        return record, ("ran",)


class Plain:
    def __init__(self):
        self.weights = torch.zeros(2)


@pytest.mark.parametrize(("obj", "name"), [
    (Payload(), "record"), ({"format": "covtut-forecaster", "x": Plain()}, "Plain")],
    ids=["reduce", "instance"])
def test_a_crafted_pickle_is_refused_and_never_run(tmp_path, obj, name):
    path = tmp_path / "evil.pt"
    torch.save(obj, path)
    SIDE_EFFECTS.clear()
    with pytest.raises(ValueError, match=rf"evil.pt.*refused, the file holds something other "
                                         rf"than tensors and plain values \(a reference to "
                                         rf"test_saving.{name}\).*nothing in it was run"):
        covtut.load_forecaster(path)
    assert SIDE_EFFECTS == []
    if isinstance(obj, Payload):  # the payload is real: an unsafe load does run it
        torch.load(path, weights_only=False)
        assert SIDE_EFFECTS == ["ran"]


def resave(tmp_path, **changes):
    model = covtut.build_model("concat", covtut.CovariateSpec(L, H))
    covtut.save_forecaster(tmp_path / "ok.pt", model)
    payload = torch.load(tmp_path / "ok.pt", weights_only=True)
    torch.save({**payload, **changes}, tmp_path / "bad.pt")
    return tmp_path / "bad.pt"


def test_other_formats_and_versions_are_refused(tmp_path):
    with pytest.raises(ValueError, match=rf"bad.pt.*format version 99; this covtut "
                                         rf"\(0.1.0\) reads format version {FORMAT_VERSION}"):
        covtut.load_forecaster(resave(tmp_path, format_version=99))
    with pytest.raises(ValueError, match=r"written by covtut 7.0.0, major version 7; this "
                                         r"covtut \(0.1.0\) reads major version 0"):
        covtut.load_forecaster(resave(tmp_path, covtut_version="7.0.0"))
    with pytest.raises(ValueError, match=r"not a covtut forecaster: expected format "
                                         r"'covtut-forecaster', got 'something-else'"):
        covtut.load_forecaster(resave(tmp_path, format="something-else"))
    torch.save({"weight": torch.zeros(3)}, tmp_path / "weights.pt")
    with pytest.raises(ValueError, match=r"weights.pt.*not a covtut forecaster.*got None"):
        covtut.load_forecaster(tmp_path / "weights.pt")
    (tmp_path / "notes.pt").write_text("not a torch file")
    with pytest.raises(ValueError, match=r"notes.pt.*not a file that torch.save wrote"):
        covtut.load_forecaster(tmp_path / "notes.pt")


def test_data_of_another_shape_is_refused(production):
    data, enc, scaler, model, future, loaded = production
    wider = data.replace(known=torch.cat([data.known, data.known], -1))
    with pytest.raises(ValueError, match=r"f.pt.*n_known is 2 in the data, expected 1"):
        loaded.check(wider)
    more = data.replace(static_cardinalities=(4,))
    with pytest.raises(ValueError, match=r"static_cardinalities is \(4,\) in the data, "
                                         r"expected \(3,\)"):
        loaded.check(more)
    with pytest.raises(ValueError, match=r"n_observed is 1 in the data, expected 0"):
        loaded.forecast_future(data.replace(observed=data.target.clone()), future)
    # encoders refitted on other data give other codes: refused, not silently wrong
    refit = data.replace(static_cat=3 - data.static_cat)
    with pytest.raises(ValueError, match=r"static_cat column 'state' was encoded with other "
                                         r"encoders"):
        loaded.check(refit)
    loaded.check(data)


def test_what_cannot_be_stored_is_refused_when_saving(tmp_path):
    class Mine(covtut.models.ConcatRNN):
        pass

    spec = covtut.CovariateSpec(L, H)
    with pytest.raises(ValueError, match=r"model class .*Mine is not registered in "
                                         r"covtut.models.MODELS"):
        covtut.save_forecaster(tmp_path / "f.pt", Mine(spec))
    model = covtut.build_model("concat", spec)
    with pytest.raises(ValueError, match=r"metadata\['when'\] is a datetime.datetime"):
        covtut.save_forecaster(tmp_path / "f.pt", model,
                               metadata={"when": pd.Timestamp("2024").to_pydatetime()})
    with pytest.raises(ValueError, match=r"metadata\['mae'\] is a float64, not a plain float"):
        covtut.save_forecaster(tmp_path / "f.pt", model, metadata={"mae": np.float64(1.0)})
    scaler = covtut.SeriesScaler()
    scaler.extra = 1
    with pytest.raises(ValueError, match=r"SeriesScaler has attributes \['extra'\] that format"):
        covtut.save_forecaster(tmp_path / "f.pt", model, scaler=scaler)
    assert not (tmp_path / "f.pt").exists()

