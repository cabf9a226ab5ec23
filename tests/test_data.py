"""Windowing, splitting, scaling and encoding: no leakage, no copies, train-only fits."""

import pandas as pd
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from toy import H, L, toy_data

import covtut
from covtut.data.encoding import embedding_size


def test_batch_shapes(data, spec):
    ds = covtut.WindowDataset(data, L, H)
    b = ds.batch(torch.arange(5))
    b.validate(spec)
    assert b.past_target.shape == (5, L, 1)
    assert b.known.shape == (5, L + H, 3)
    assert b.future_target.shape == (5, H, 1)
    assert len(ds) == data.n_series * (data.n_steps - L - H + 1)


def test_window_contents_match_series(data):
    ds = covtut.WindowDataset(data, L, H, origins=[20, 30], series=[2, 4])
    b = ds.batch()
    # windows are series-major: (2, 20), (2, 30), (4, 20), (4, 30)
    s, o = 4, 30
    assert torch.equal(b.past_target[3], data.target[s, o - L:o])
    assert torch.equal(b.future_target[3], data.target[s, o:o + H])
    assert torch.equal(b.past_observed[3], data.observed[s, o - L:o])
    assert torch.equal(b.known_cat[3], data.known_cat[s, o - L:o + H])
    assert torch.equal(b.static[3], data.static[s])


def test_unfold_is_zero_copy(data):
    ds = covtut.WindowDataset(data, L, H)
    assert ds._target.untyped_storage().data_ptr() == data.target.untyped_storage().data_ptr()
    assert ds._known.untyped_storage().data_ptr() == data.known.untyped_storage().data_ptr()


@settings(max_examples=40, deadline=None)
@given(origin=st.integers(L, 60 - H), series=st.integers(0, 5), seed=st.integers(0, 2**16))
def test_future_never_enters_inputs(origin, series, seed):
    """Changing future targets or future observed covariates never changes any input."""
    data = toy_data()
    g = torch.Generator().manual_seed(seed)
    target, observed = data.target.clone(), data.observed.clone()
    target[series, origin:] = torch.randn(target[series, origin:].shape, generator=g)
    observed[series, origin:] = torch.randn(observed[series, origin:].shape, generator=g)
    changed = data.replace(target=target, observed=observed)
    a = covtut.WindowDataset(data, L, H, origins=[origin], series=[series]).batch()
    b = covtut.WindowDataset(changed, L, H, origins=[origin], series=[series]).batch()
    for name in ("past_target", "past_observed", "known", "known_cat", "static", "static_cat"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert not torch.equal(a.future_target, b.future_target)


@settings(max_examples=30, deadline=None)
@given(n_steps=st.integers(60, 400), lookback=st.integers(1, 20), horizon=st.integers(1, 10),
       stride=st.integers(1, 5))
def test_split_is_chronological(n_steps, lookback, horizon, stride):
    try:
        s = covtut.chronological_split(n_steps, lookback, horizon, 0.15, 0.2, stride)
    except ValueError:  # some set would be empty: tested in test_validation
        assume(False)
    assert (s.train + horizon <= s.train_end).all()  # no training target in val or test
    assert (s.val >= s.train_end).all() and (s.val + horizon <= s.val_end).all()
    assert (s.test >= s.val_end).all() and (s.test + horizon <= n_steps).all()
    assert (s.train >= lookback).all()


def test_scaler_fits_on_training_period_only():
    x = torch.cat([torch.zeros(2, 50, 1), torch.full((2, 50, 1), 100.0)], dim=1)
    x[:, :50] += torch.randn(2, 50, 1)
    sc = covtut.StandardScaler().fit(x, until=50)
    assert abs(float(sc.mean)) < 1  # the later level shift is not seen
    x2 = x.clone()
    x2[:, 50:] = -1e6  # whatever comes later, the fit is unchanged
    assert torch.equal(covtut.StandardScaler().fit(x2, until=50).mean, sc.mean)


def test_scaler_round_trip_per_series(data):
    sc = covtut.StandardScaler(per_series=True).fit(data.target, until=40)
    y = sc.transform(data.target)
    assert torch.allclose(sc.inverse_transform(y), data.target, atol=1e-5)
    series = torch.tensor([3, 1])
    w = y[series, 40:44]
    assert torch.allclose(sc.inverse_transform(w, series), data.target[series, 40:44], atol=1e-5)


def test_series_scaler_leaves_categories(data):
    scaler = covtut.SeriesScaler().fit(data, train_end=40)
    scaled = scaler.transform(data)
    assert torch.equal(scaled.known_cat, data.known_cat)
    assert abs(float(scaled.target[:, :40].mean())) < 1e-5


def test_unseen_category_maps_to_zero():
    enc = covtut.CategoryEncoder().fit(["vic", "nsw", "vic"])
    assert enc.cardinality == 3
    assert enc.transform(["nsw", "vic", "qld"]).tolist() == [1, 2, 0]
    assert enc.inverse_transform([0, 2]) == [None, "vic"]


def test_from_dataframe_encoders_fit_before_cutoff():
    rows = []
    for store, size in (("a", 100.0), ("b", 250.0)):
        for t in range(30):
            promo = "new" if t >= 25 else ("x" if t % 2 else "y")
            rows.append(dict(store=store, t=t, sales=float(t), temp=1.0, promo=promo,
                             size=size, region=store.upper()))
    df = pd.DataFrame(rows)
    data, enc = covtut.from_dataframe(df, series="store", time="t", target=["sales"],
                                      observed=["temp"], known_cat=["promo"], static=["size"],
                                      static_cat=["region"], fit_until=25)
    assert data.target.shape == (2, 30, 1)
    assert data.static.tolist() == [[100.0], [250.0]]
    assert enc["promo"].cardinality == 3  # x and y; "new" appears only after the cutoff
    assert (data.known_cat[:, 25:, 0] == 0).all()
    assert data.spec(5, 3).static_cardinalities == (3,)


def test_from_dataframe_missing_column():
    df = pd.DataFrame(dict(s=[1], t=[0], y=[1.0]))
    with pytest.raises(KeyError, match=r"columns \['temp'\] not in the DataFrame"):
        covtut.from_dataframe(df, series="s", time="t", target=["y"], observed=["temp"])


@pytest.mark.parametrize("n, rule, expected", [(2, "half", 1), (1000, "half", 50),
                                               (10, "fastai", 6), (1000, "fourth_root", 6)])
def test_embedding_size_rules(n, rule, expected):
    assert embedding_size(n, rule) == expected


def test_batch_to_moves_every_tensor(spec):
    b = covtut.Batch.random(spec).to("meta")
    assert all(getattr(b, f).device.type == "meta" for f in
               ("past_target", "known", "known_cat", "static_cat", "future_target"))


def test_dataset_to_keeps_windows(data):
    ds = covtut.WindowDataset(data, L, H, origins=[30, 20], series=[3, 1])
    moved = ds.to("meta")
    assert moved.series_index.device.type == "meta" and moved.data.target.device.type == "meta"
    assert ds.to("cpu") is ds
    assert moved.batch().past_target.shape == ds.batch().past_target.shape
