"""The synthetic regimes: the oracle's error is the injected noise, and no model beats it."""

import pytest
import torch

import covtut
from covtut.data.synthetic import REGIMES


@pytest.mark.parametrize("name", sorted(REGIMES))
def test_oracle_error_matches_injected_noise(name):
    syn = covtut.make_regime(name, seed=1)
    H = 6
    ds = covtut.WindowDataset(syn.data, 24, H, origins=torch.arange(40, syn.data.n_steps - H, 3))
    oracle = syn.oracle(ds.series_index, ds.origin_index, H)
    truth = ds.batch().future_target
    measured = (oracle - truth).pow(2).mean(0)[:, 0]  # (H,)
    expected = syn.oracle_variance(ds.series_index, ds.origin_index, H).mean(0)
    # thousands of windows per step: agree within 10 % per step
    assert torch.allclose(measured, expected, rtol=0.1), (measured, expected)
    # one step ahead, the only error is one innovation: sigma
    assert abs(measured[0].sqrt() - syn.sigma) < 0.1 * syn.sigma


@pytest.mark.parametrize("name", sorted(REGIMES))
def test_regime_data_is_valid(name):
    syn = covtut.make_regime(name, seed=0)
    spec = syn.data.spec(24, 6)
    covtut.WindowDataset(syn.data, 24, 6).batch(torch.arange(8)).validate(spec)
    assert syn.mean.shape == syn.phi.shape == syn.data.target.shape[:2]


def test_unknown_regime():
    with pytest.raises(ValueError, match=r"unknown regime 'x'; valid: \['additive'"):
        covtut.make_regime("x")


@pytest.mark.parametrize("model_name", sorted(covtut.MODELS))
def test_oracle_beats_trained_models(model_name):
    syn = covtut.make_regime("known_future", n_series=16, n_steps=160, seed=0)
    L, H = 24, 6
    split = covtut.chronological_split(160, L, H, val_frac=0.15, test_frac=0.25)
    scaler = covtut.SeriesScaler().fit(syn.data, split.train_end)
    data = scaler.transform(syn.data)
    train = covtut.WindowDataset(data, L, H, split.train)
    test = covtut.WindowDataset(data, L, H, split.test)
    model = covtut.build_model(model_name, train.spec, hidden_size=16)
    covtut.fit(model, train, epochs=2, device="cpu")
    scores = covtut.evaluate(model, test, scaler, season=24, truth=syn)
    assert scores["floor_ratio"] > 1
    assert scores["rmse"] > scores["oracle_rmse"]


def test_metrics():
    from covtut.evaluation import metrics
    truth = torch.tensor([[[1.0], [2.0], [4.0]]])
    pred = truth + torch.tensor([[[1.0], [-1.0], [0.0]]])
    assert metrics.mae(pred, truth) == pytest.approx(2 / 3)
    assert metrics.rmse(pred, truth) == pytest.approx((2 / 3) ** 0.5)
    assert metrics.mape(pred, truth) == pytest.approx(100 * (1 + 0.5 + 0) / 3)
    past = torch.arange(6.0).view(1, 6, 1)
    assert metrics.seasonal_naive(past, 4, season=2)[0, :, 0].tolist() == [4, 5, 4, 5]
    with pytest.raises(ValueError, match="equal shapes"):
        metrics.mae(pred, truth[:, :2])


def test_multi_seed_summary():
    df = covtut.multi_seed(lambda s: {"rmse": float(s)}, seeds=[0, 1, 2], model="m")
    summary = covtut.summarize(df)
    assert summary.loc["m", ("rmse", "mean")] == 1.0
    assert summary.loc["m", ("rmse", "count")] == 3


def test_level_estimate_error_sensor_reveals_the_level():
    from covtut.data.synthetic import level_estimate_error

    syn = covtut.make_regime("additive", n_series=32, n_steps=400, seed=0)
    origins = torch.arange(100, 380, 4)
    alone24, sensor24 = level_estimate_error(syn, origins, 24)
    alone48, _ = level_estimate_error(syn, origins, 48)
    # the mean of an AR(1) over L steps: sd ~ sigma_u * sqrt((1 + phi) / (1 - phi) / L)
    sigma_u = 0.3 / (1 - 0.6**2) ** 0.5
    assert alone24 == pytest.approx(sigma_u * (4 / 24) ** 0.5, rel=0.2)
    assert alone48 < alone24
    assert sensor24 == pytest.approx(0.15 / 24**0.5, rel=0.2)  # the sensor's noise alone
    with pytest.raises(ValueError, match="additive"):
        level_estimate_error(covtut.make_regime("interaction", n_series=4), origins, 24)


def test_many_covariates_only_a_few_drivers_move_the_mean():
    """The mean is the calendar sine plus exactly the state's relevant drivers."""
    syn = covtut.make_regime("many_covariates", n_series=8, n_steps=120, seed=0)
    p = syn.params
    known = syn.data.known.double().numpy()
    x = known[..., p["covariate_columns"]]  # (N, T, 24)
    coef = p["coef"][p["state"]]  # (N, T, 24): each step's coefficients
    rebuilt = known[..., 0] + (coef * x).sum(-1)
    assert abs(rebuilt - syn.mean).max() < 1e-5
    rel = p["relevance"]  # (n_states, n_covariates)
    assert rel.shape == (4, 24) and torch.equal(rel, torch.from_numpy(abs(p["coef"])).float())
    assert ((rel > 0).sum(1) == 3).all()  # a few per state
    assert (rel.sum(0) == 0).sum() == 12  # half the drivers never matter
    assert (rel > 0).sum(0).max() == 1  # the relevant sets are disjoint: they change


def test_many_covariates_relevant_set_changes_with_flag_and_group():
    syn = covtut.make_regime("many_covariates", n_series=8, n_steps=200, seed=0)
    p = syn.params
    flag = syn.data.known[..., p["flag_column"]].numpy().astype(int)  # (N, T)
    group = syn.data.static_cat[:, 0].numpy() - 1  # (N,)
    assert set(flag.ravel()) == {0, 1} and set(group) == {0, 1}
    assert (p["state"] == 2 * group[:, None] + flag).all()
    sets = [frozenset(torch.nonzero(p["relevance"][k]).ravel().tolist()) for k in range(4)]
    assert len(set(sets)) == 4  # a different set for each (group, flag)
    assert p["states"] == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_many_covariates_is_deterministic_under_a_seed():
    a, b, c = (covtut.make_regime("many_covariates", n_series=4, n_steps=60, seed=s)
               for s in (3, 3, 4))
    assert torch.equal(a.data.target, b.data.target) and torch.equal(a.data.known, b.data.known)
    assert not torch.equal(a.data.target, c.data.target)
    with pytest.raises(ValueError, match="need n_covariates >= 12"):
        covtut.make_regime("many_covariates", n_covariates=10)
