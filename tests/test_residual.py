"""The linear model plus a network on its residual: exactly the linear model when switched off,
the linear part untouched by training, and the network kept only when validation says so."""

import pytest
import torch
from toy import H, L, full_spec, toy_data

import covtut
from covtut.models.linear import LinearModel
from covtut.models.residual import LinearPlusNetwork
from covtut.training.residual import fit_linear_plus_network


def toy_windows(data=None, origins=range(L, 40)):
    return covtut.WindowDataset(toy_data() if data is None else data, L, H, origins=origins)


def fitted_linear(ds):
    return LinearModel(ds.spec, lags=(4,), means=(1, 3)).fit(ds.batch(), 1.0)


def test_switched_off_it_is_the_linear_model_exactly():
    ds = toy_windows()
    linear = fitted_linear(ds)
    model = LinearPlusNetwork(linear, covtut.build_model("concat", ds.spec, hidden_size=8))
    b = ds.batch()
    with torch.no_grad():
        on = model(b)
        model.keep.fill_(0.0)
        off = model(b)
        assert torch.equal(off, linear(b)) and not torch.equal(on, off)


def test_an_unfitted_linear_model_or_another_spec_is_refused():
    ds = toy_windows()
    net = covtut.build_model("concat", ds.spec, hidden_size=8)
    with pytest.raises(ValueError, match="fit the linear model first"):
        LinearPlusNetwork(LinearModel(ds.spec), net)
    other = covtut.build_model("concat", full_spec(horizon=H + 1), hidden_size=8)
    with pytest.raises(ValueError, match="spec"):
        LinearPlusNetwork(fitted_linear(ds), other)


def interaction_data(seed=0):
    """A target with a part no linear model of the features has: a product of two known
    columns at the target step."""
    data = toy_data(n_series=8, n_steps=200, seed=seed)
    k = data.known
    target = 0.5 * k[..., :1] + 2.0 * k[..., :1] * k[..., 1:2]
    return data.replace(target=target + 0.05 * torch.randn_like(target))


def test_training_leaves_the_linear_part_alone_and_keeps_a_network_that_helps():
    data = interaction_data()
    train = toy_windows(data, range(L, 140))
    val = toy_windows(data, range(140, 196 - H))
    linear = LinearModel(train.spec, lags=(4,), means=(1,))
    net = covtut.build_model("concat", train.spec, hidden_size=16, head="mlp")
    r = fit_linear_plus_network(linear, net, train, val, epochs=30, lr=3e-3, patience=30,
                                seed=0, device="cpu", progress=False)
    before = {k: v.clone() for k, v in r.model.linear.state_dict().items()}
    assert r.penalty is not None and float(linear.alpha) == r.penalty.alpha
    assert r.kept and r.combined_val < r.linear_val and 0 < r.gain < 1
    assert float(r.model.keep) == 1.0
    # the linear part is the closed-form fit: training did not move it
    refit = LinearModel(train.spec, lags=(4,), means=(1,)).fit(train.batch(), r.penalty.alpha)
    assert all(torch.equal(before[k], v) for k, v in refit.state_dict().items())


def test_a_network_that_does_not_help_on_validation_is_switched_off():
    data = toy_data(n_series=8, n_steps=120)
    train, val = toy_windows(data, range(L, 80)), toy_windows(data, range(80, 116 - H))
    linear = LinearModel(train.spec, lags=(4,), means=(1,))
    net = covtut.build_model("concat", train.spec, hidden_size=8)
    # one step of training: the network's part is noise on top of the linear forecast
    r = fit_linear_plus_network(linear, net, train, val, epochs=1, max_steps=1, lr=1e-1,
                                seed=0, device="cpu", progress=False)
    assert not r.kept and float(r.model.keep) == 0.0 and r.gain == 0.0
    b = val.batch()
    with torch.no_grad():
        assert torch.equal(r.model(b), r.model.linear(b))  # never worse on validation


def test_the_combined_forecast_runs_on_the_meta_device():
    ds = toy_windows()
    model = LinearPlusNetwork(fitted_linear(ds), covtut.build_model("concat", ds.spec,
                                                                    hidden_size=8)).to("meta")
    out = model(covtut.Batch.random(ds.spec, batch_size=3).to("meta"))
    assert out.shape == (3, H, 1) and out.device.type == "meta"
