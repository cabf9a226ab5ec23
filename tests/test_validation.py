"""Bad input gets a clear error from covtut that names the argument and the problem."""

import pytest
import torch
from toy import H, L, toy_data

import covtut
from covtut.models import build_model


@pytest.fixture
def model(spec):
    return build_model("concat", spec)


@pytest.fixture
def batch(spec):
    return covtut.Batch.random(spec, batch_size=3)


def test_float_category_indices(model, batch):
    bad = batch.replace(static_cat=batch.static_cat.float())
    with pytest.raises(TypeError, match=r"batch\.static_cat has dtype torch\.float32.*int64"):
        model(bad)


def test_covariate_width_mismatch(model, batch):
    bad = batch.replace(past_observed=torch.randn(3, L, 5))
    with pytest.raises(ValueError, match=r"batch\.past_observed has shape \(3, 12, 5\), "
                                         r"expected \(3, 12, 2\)"):
        model(bad)


def test_nan_in_input(model, batch):
    known = batch.known.clone()
    known[0, 1, 2] = float("nan")
    with pytest.raises(ValueError, match=r"batch\.known holds 1 NaN"):
        model(batch.replace(known=known))


def test_category_out_of_range(model, batch):
    cat = batch.known_cat.clone()
    cat[0, 0, 1] = 3  # cardinality of column 1 is 3: valid codes 0..2
    with pytest.raises(ValueError, match=r"batch\.known_cat\[\.\.\., 1\] holds indices in "
                                         r"\[0, 3\], expected \[0, 2\]"):
        model(batch.replace(known_cat=cat))


def test_negative_category(model, batch):
    cat = batch.static_cat.clone()
    cat[0, 0] = -1
    with pytest.raises(ValueError, match=r"batch\.static_cat\[\.\.\., 0\] holds indices"):
        model(batch.replace(static_cat=cat))


def test_not_a_batch(model):
    with pytest.raises(TypeError, match="takes a covtut Batch, got Tensor"):
        model(torch.randn(3, L, 1))


def test_series_shorter_than_window():
    with pytest.raises(ValueError, match=r"data has 10 time steps, expected at least 16"):
        covtut.WindowDataset(toy_data(n_steps=10), L, H)


def test_split_leaves_set_empty():
    with pytest.raises(ValueError, match="leaves the test set empty"):
        covtut.chronological_split(200, lookback=10, horizon=25, val_frac=0.3, test_frac=0.1)


def test_window_dataset_without_origins(data):
    with pytest.raises(ValueError, match="no windows"):
        covtut.WindowDataset(data, L, H, origins=torch.tensor([], dtype=torch.long))


def test_origin_out_of_range(data):
    with pytest.raises(ValueError, match=r"origins must lie in \[lookback=12"):
        covtut.WindowDataset(data, L, H, origins=[5])


def test_series_data_category_out_of_range():
    d = toy_data()
    with pytest.raises(ValueError, match=r"static_cat\[\.\.\., 0\] holds indices in \[9, 9\], "
                                          r"expected \[0, 6\]"):
        d.replace(static_cat=torch.full((6, 1), 9))  # dataclass replace re-validates


def test_unknown_model_name(spec):
    with pytest.raises(ValueError, match=r"unknown model 'lstm'; valid: \['attention'"):
        build_model("lstm", spec)


def test_unknown_config_value(spec):
    with pytest.raises(ValueError, match=r"ModelConfig.cat_encoding='label'"):
        build_model("concat", spec, cat_encoding="label")


def test_lengths_refused_by_models_without_masking(spec, batch):
    """Every covtut model handles lengths now; a reader's model that does not say so
    still refuses them rather than read padding as data."""

    class Plain(covtut.models.ConcatRNN):
        supports_lengths = False

    with pytest.raises(ValueError, match="does not support batch.lengths"):
        Plain(spec)(batch.replace(lengths=torch.full((3,), L)))


def test_spec_mismatch_in_fit(data):
    ds = covtut.WindowDataset(data, L, H)
    other = build_model("concat", covtut.CovariateSpec(lookback=L, horizon=H))
    with pytest.raises(ValueError, match="was built for"):
        covtut.fit(other, ds, epochs=1)
