"""What the data layer promises in its docstrings, edge cases included.

Each test pins one promise of a public function (from_dataframe, the panel checks,
chronological_split, the scalers, the encoder, WindowDataset), so that a change which
breaks it fails here, whether or not a committed result notices.
"""

import numpy as np
import pandas as pd
import pytest
import torch
from toy import toy_data

import covtut
from covtut.data.encoding import CategoryEncoder
from covtut.data.scaling import StandardScaler


def table(n: int = 30, stores=("a", "b"), **columns) -> pd.DataFrame:
    """An hourly table of two stores: price (target), temp (known), size (static)."""
    rows = []
    for k, store in enumerate(stores):
        t = pd.date_range("2024-01-01", periods=n, freq="h")
        rows.append(pd.DataFrame({"store": store, "time": t,
                                  "price": np.arange(n, dtype=float) + 100 * k,
                                  "temp": np.cos(np.arange(n)), "size": float(k + 1),
                                  "kind": ["x", "y"][k % 2]}))
    df = pd.concat(rows, ignore_index=True)
    for name, values in columns.items():
        df[name] = values
    return df


KW = dict(series="store", time="time", target="price", known="temp", static="size")


# --- from_dataframe ----------------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("column", ["price", "temp"])
def test_a_nan_or_infinite_value_is_refused_naming_column_series_and_time(bad, column):
    df = table()
    df.loc[(df.store == "b") & (df.time == "2024-01-01 05:00"), column] = bad
    with pytest.raises(ValueError, match=rf"column '{column}' is NaN or infinite at 1 step.*"
                                         r"series 'b' at time=2024-01-01 05:00"):
        covtut.from_dataframe(df, **KW)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_an_infinite_value_masked_is_an_unobserved_step_holding_zero(bad):
    df = table()
    df.loc[(df.store == "a") & (df.time == "2024-01-01 03:00"), "price"] = bad
    data, _ = covtut.from_dataframe(df, **KW, missing="mask")
    assert data.mask is not None and not data.mask[0, 3] and data.mask.sum() == 59
    assert data.target[0, 3, 0] == 0 and torch.isfinite(data.target).all()


def test_a_gap_inside_a_series_is_refused_and_masked_on_request():
    df = table().drop(index=7)  # store a, 07:00
    with pytest.raises(ValueError, match=r"no row \(a gap.*series 'a' at time=2024-01-01 07:00"):
        covtut.from_dataframe(df, **KW)
    data, _ = covtut.from_dataframe(df, **KW, missing="mask")
    assert not data.mask[0, 7] and data.mask[1].all()


def test_a_static_column_that_varies_within_a_series_is_refused_even_by_one_row():
    df = table()
    df.loc[3, "size"] = 9.0  # one row of store a
    with pytest.raises(ValueError, match=r"static column 'size' varies within series 'a'"):
        covtut.from_dataframe(df, **KW)


def test_a_duplicate_row_is_refused():
    df = table()
    with pytest.raises(ValueError, match=r"2 rows share a \(series, time\).*series 'a'"):
        covtut.from_dataframe(pd.concat([df, df.iloc[[4]]]), **KW)


def test_encoders_learn_only_rows_strictly_before_fit_until():
    df = table(kind=["old"] * 40 + ["new"] * 20)
    cut = df.time.iloc[0] + pd.Timedelta(hours=10)  # store b's rows from 10:00 on are "new"
    df.loc[(df.store == "b") & (df.time == cut), "kind"] = "at_cut"
    _, enc = covtut.from_dataframe(df, **KW, known_cat="kind", fit_until=cut)
    assert enc["kind"].classes_ == ["old"]  # the row at fit_until itself is not learnt


def test_the_grid_is_regular_and_the_series_sorted_by_key():
    df = table(stores=("b", "a")).sample(frac=1.0, random_state=0)  # shuffled rows
    data, _ = covtut.from_dataframe(df, **KW)
    assert list(data.info.index) == ["a", "b"] and len(data.time) == 30
    assert (np.diff(data.time) == pd.Timedelta(hours=1)).all()
    assert data.target[0, :, 0].tolist() == [float(v) for v in range(100, 130)]  # b is k=0


# --- chronological_split -----------------------------------------------------------------

@pytest.mark.parametrize("stride", [1, 3, 5])
def test_every_target_window_lies_inside_its_own_period(stride):
    T, L, H = 200, 12, 7
    s = covtut.chronological_split(T, L, H, val_frac=0.2, test_frac=0.2, stride=stride)
    assert s.train.min() >= L
    assert s.train.max() + H <= s.train_end  # training targets end before validation starts
    assert s.val.min() >= s.train_end and s.val.max() + H <= s.val_end
    assert s.test.min() >= s.val_end and s.test.max() + H <= T
    for origins in (s.train, s.val, s.test):
        assert (torch.diff(origins) == stride).all()
    # the last origin of each period is the last one that fits (no window is left out)
    assert s.train.max() + stride + H > s.train_end and s.test.max() + stride + H > T


# --- scalers -----------------------------------------------------------------------------

def test_a_scaler_fitted_until_t_reads_no_step_from_t_on():
    x = torch.randn(3, 50, 2)
    a = StandardScaler(per_series=True).fit(x, until=30)
    changed = x.clone()
    changed[:, 30:] = 1e6  # everything from step 30 on
    b = StandardScaler(per_series=True).fit(changed, until=30)
    assert torch.equal(a.mean, b.mean) and torch.equal(a.std, b.std)
    torch.testing.assert_close(a.mean[:, 0], x[:, :30].mean(1))


def test_unscale_matches_series_by_key_whatever_their_order():
    data = toy_data(n_series=4, n_steps=40)
    data = data.replace(target=data.target + torch.arange(4.0)[:, None, None] * 10,
                        info=pd.DataFrame(index=pd.Index(list("abcd"), name="store")))
    scaler = covtut.SeriesScaler(per_series_target=True).fit(data, 30)
    order = [2, 0, 3, 1]
    other = data.replace(target=data.target[order], info=data.info.iloc[order])
    y = torch.zeros(4, 3, 1)  # a forecast of 0 in scaled units: each series' own mean
    back = scaler.unscale(y, other, torch.arange(4))
    torch.testing.assert_close(back[:, 0, 0], scaler.target.mean[order, 0, 0])


# --- CategoryEncoder ---------------------------------------------------------------------

def test_every_category_not_seen_in_fit_gets_code_zero():
    enc = CategoryEncoder().fit(["b", "a"])
    assert enc.transform(["a", "b", "c", "zz"]).tolist() == [1, 2, 0, 0]
    assert enc.inverse_transform([0, 1, 2]) == [None, "a", "b"]


def test_an_encoder_round_trips_through_to_dict_with_its_codes():
    enc = CategoryEncoder().fit([10, 2, 33, pd.Timestamp("2024-01-01")])
    back = CategoryEncoder.from_dict(enc.to_dict())
    values = [2, 10, 33, pd.Timestamp("2024-01-01"), 7]
    assert back.transform(values).tolist() == enc.transform(values).tolist()


# --- WindowDataset -----------------------------------------------------------------------

def test_origins_past_the_last_full_horizon_are_refused():
    data = toy_data(n_series=2, n_steps=40)
    covtut.WindowDataset(data, 12, 4, origins=[36])  # the last: steps 36..39
    with pytest.raises(ValueError, match=r"origins must lie in \[lookback=12, T - horizon=36\]"):
        covtut.WindowDataset(data, 12, 4, origins=[37])


def test_batches_with_drop_last_give_only_full_batches_in_the_given_order():
    ds = covtut.WindowDataset(toy_data(n_series=2, n_steps=40), 12, 4)
    order = torch.tensor([5, 3, 9, 0, 7, 1, 2])
    sizes = [b.batch_size for b in ds.batches(3, order=order, drop_last=True)]
    assert sizes == [3, 3]
    first = next(ds.batches(3, order=order))
    assert torch.equal(first.past_target, ds.batch(order[:3]).past_target)
    assert [b.batch_size for b in ds.batches(3, order=order)] == [3, 3, 1]


def test_with_data_keeps_the_windows_and_refuses_another_mask():
    data = toy_data(n_series=3, n_steps=40)
    ds = covtut.WindowDataset(data, 12, 4, origins=[12, 20], series=[2, 0])
    bare = ds.with_data(data.without_statics())
    assert torch.equal(bare.series_index, ds.series_index)
    assert bare.spec.n_static == 0 and bare.spec.static_cardinalities == ()
    assert torch.equal(bare.batch().past_target, ds.batch().past_target)
    masked = data.replace(mask=torch.ones(3, 40, dtype=torch.bool).index_fill_(1,
                                                                       torch.tensor([5]), False))
    with pytest.raises(ValueError, match="another mask"):
        ds.with_data(masked)
