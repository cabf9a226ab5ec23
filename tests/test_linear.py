"""covtut.models.linear: the linear baseline's features, its closed form, its penalty chosen on
validation, and the contract it shares with the networks (evaluation, leakage, saving)."""

import numpy as np
import pytest
import torch
from toy import H, L, full_spec, toy_data

import covtut
from covtut.models.linear import LinearModel, choose_penalty


def toy_windows(seed=0, origins=range(L, 40)):
    return covtut.WindowDataset(toy_data(seed=seed), L, H, origins=origins)


def full_model(**options):
    kw = dict(lags=(4, 6), means=(1, 3), hinges=((0, 0.5, 1), (1, -0.2, -1)))
    kw.update(options)
    return LinearModel(full_spec(), **kw)


def test_every_feature_is_the_value_the_docstring_names():
    ds = toy_windows()
    b = ds.batch(torch.arange(3))
    m = full_model()
    x = m.features(b)
    assert x.shape == (3, H, len(m.feature_names))
    col = {name: i for i, name in enumerate(m.feature_names)}
    w, h = 2, 3  # window 2, horizon step 3: window index L + 3
    assert x[w, h, col["known 1"]] == b.known[w, L + h, 1]
    assert x[w, h, col["max(known 0 - 0.5, 0)"]] == torch.relu(b.known[w, L + h, 0] - 0.5)
    assert x[w, h, col["max(-0.2 - known 1, 0)"]] == torch.relu(-0.2 - b.known[w, L + h, 1])
    code = int(b.known_cat[w, L + h, 0])
    assert x[w, h, col[f"known_cat 0 = {code}"]] == 1
    assert x[w, h, [col[f"known_cat 0 = {v}"] for v in range(5)]].sum() == 1
    assert x[w, h, col["target 0, 4 steps earlier"]] == b.past_target[w, L + h - 4, 0]
    assert x[w, h, col["target 0, 6 steps earlier"]] == b.past_target[w, L + h - 6, 0]
    assert x[w, h, col["target 0, mean of last 1"]] == b.past_target[w, -1, 0]
    assert torch.isclose(x[w, h, col["observed 1, mean of last 3"]],
                         b.past_observed[w, -3:, 1].mean())
    assert x[w, h, col["static 1"]] == b.static[w, 1]
    assert x[w, h, col[f"static_cat 0 = {int(b.static_cat[w, 0])}"]] == 1


def test_no_feature_reads_the_future():
    ds = toy_windows()
    b = ds.batch()
    m = full_model().fit(b, 1.0)
    covtut.check_no_leakage(m, ds, n_windows=6)  # future target and observed replaced by noise


def test_the_closed_form_is_the_ridge_solution_of_an_independent_solver():
    b = toy_windows().batch()
    m = full_model().fit(b, 3.0)
    x = m.features(b).double().numpy()  # (B, H, F)
    y = b.future_target[..., 0].double().numpy()  # (B, H)
    got = m(b)[..., 0].detach().double().numpy()
    for h in range(H):
        z = (x[:, h] - x[:, h].mean(0)) / np.maximum(x[:, h].std(0, ddof=1), 1e-8)
        f = z.shape[1]
        aug_x = np.vstack([z, np.sqrt(3.0) * np.eye(f)])  # ridge as least squares
        aug_y = np.concatenate([y[:, h] - y[:, h].mean(), np.zeros(f)])
        w = np.linalg.lstsq(aug_x, aug_y, rcond=None)[0]
        np.testing.assert_allclose(got[:, h], z @ w + y[:, h].mean(), rtol=1e-4, atol=1e-4)
    assert float(m.alpha) == 3.0


def test_a_target_that_is_linear_in_the_features_is_recovered():
    data = toy_data()
    target = 2.0 * data.known[..., :1] - 0.5 * torch.relu(data.known[..., 1:2] + 0.2) + 1.0
    ds = covtut.WindowDataset(data.replace(target=target), L, H, origins=range(L, 50))
    m = LinearModel(ds.spec, lags=(), means=(), hinges=((1, -0.2, 1),)).fit(ds.batch(), 1e-6)
    assert torch.allclose(m(ds.batch()), ds.batch().future_target, atol=1e-3)


def test_chapter_8s_ridge_is_one_configuration():
    from covtut.tasks import vic_elec as ve
    from covtut.tasks.vic_elec.linear import ridge

    task = ve.prepare()
    train = task.windows(task.split.train, scaled=False)
    test = task.windows(task.split.test, scaled=False).batch()
    for lags in (True, False):
        old = ve.DayAheadRidge(lags=lags, alpha=10.0).fit(train.batch())
        new = ridge(train.spec, lags).fit(train.batch(), 10.0)
        with torch.no_grad():
            gap = (old(test) - new(test)).abs().max()
        assert gap < 0.01, (lags, gap)  # MW, of forecasts of about 4,000 MW: float32 rounding


def test_a_table_with_one_known_column_runs_through_evaluate():
    syn = covtut.make_regime("additive", n_series=8, n_steps=200, seed=0)
    w = covtut.windowed_datasets(syn.data, 24, 6, val_frac=0.15, test_frac=0.2)
    m = LinearModel(w.train.spec, lags=(6, 24), means=(1, 24))
    # three known columns, one observed, no categories or statics (chapter 8's ridge class
    # failed on such a table with an IndexError): the features follow the spec
    assert m.feature_names == ["known 0", "known 1", "known 2", "target 0, 6 steps earlier",
                               "target 0, 24 steps earlier", "target 0, mean of last 1",
                               "observed 0, mean of last 1", "target 0, mean of last 24",
                               "observed 0, mean of last 24"]
    choice = choose_penalty(m, w.train.batch(), w.val.batch())
    scores = covtut.evaluate(m, w.test, w.scaler, season=24, truth=syn)
    assert np.isfinite(scores["floor_ratio"]) and scores["floor_ratio"] >= 0.5
    assert choice.alpha in choice.losses


def test_the_penalty_is_the_best_on_validation_and_the_model_is_left_fitted_with_it():
    train, val = toy_windows(0).batch(), toy_windows(1).batch()
    m = full_model()
    choice = choose_penalty(m, train, val, alphas=(0.1, 1.0, 10.0, 100.0), loss="mae")
    assert set(choice.losses) == {0.1, 1.0, 10.0, 100.0} and choice.loss == "mae"
    assert choice.losses[choice.alpha] == min(choice.losses.values())
    refit = full_model().fit(train, choice.alpha)
    assert torch.equal(m.coef, refit.coef) and float(m.alpha) == choice.alpha
    with torch.no_grad():
        mae = float((refit(val) - val.future_target).abs().mean())
    assert mae == pytest.approx(choice.losses[choice.alpha])


def test_saved_and_loaded_it_gives_the_same_forecast(tmp_path):
    b = toy_windows().batch()
    options = dict(lags=(4, 6), means=(1, 3), hinges=((0, 0.5, 1), (1, -0.2, -1)))
    m = LinearModel(full_spec(), **options).fit(b, 1.0).eval()
    covtut.save_forecaster(tmp_path / "linear.pt", m, options=options)
    loaded = covtut.load_forecaster(tmp_path / "linear.pt")
    assert loaded.name == "linear" and isinstance(loaded.model, LinearModel)
    with torch.no_grad():
        assert torch.equal(loaded.model(b), m(b))
    with pytest.raises(ValueError, match="do not rebuild"):
        covtut.save_forecaster(tmp_path / "bad.pt", m, options={"lags": (4,)})


def test_a_subclass_with_more_features_loads_its_own_weights():
    class WithSquare(LinearModel):
        def extra_names(self):
            return ["known 0 squared"]

        def extra_features(self, batch):
            return batch.known[:, batch.lookback:, :1] ** 2

    b = toy_windows().batch()
    m = WithSquare(full_spec()).fit(b, 1.0)
    again = WithSquare(full_spec())
    again.load_state_dict(m.state_dict())
    with torch.no_grad():
        assert torch.equal(again(b), m(b))
    assert m.feature_names[-1] == "known 0 squared"


@pytest.mark.parametrize("options, match", [
    (dict(lags=(2,)), "between the horizon"),
    (dict(means=(0,)), "1 to"),
    (dict(known=(3,)), r"known=.*columns \[3\] do not exist"),
    (dict(hinges=((0, 1.0, 2),)), "direction"),
])
def test_bad_options_name_the_argument(options, match):
    with pytest.raises(ValueError, match=match):
        LinearModel(full_spec(), **options)


def test_windows_too_short_for_its_lags_are_refused_by_name():
    ds = toy_windows()
    b = ds.batch(torch.arange(4))
    lengths = torch.tensor([L, L, 3, L])
    short = b.replace(lengths=lengths, lengths_cpu=lengths)
    m = full_model(means=(1,))
    with pytest.raises(ValueError, match="window 2 .* 3 valid lookback steps; .* the last 6"):
        m(short)


def test_the_forecast_runs_on_the_meta_device():
    spec = full_spec()
    m = full_model().to("meta")
    out = m(covtut.Batch.random(spec, batch_size=5).to("meta"))
    assert out.shape == (5, H, 1) and out.device.type == "meta"


def test_with_groups_each_category_gets_the_ridge_of_its_own_windows():
    ds = toy_windows()
    b = ds.batch()
    m = full_model(groups=0).fit(b, 2.0)
    z = ((m.features(b) - m.mean) / m.std).double().numpy()  # the global standardisation
    y = b.future_target[..., 0].double().numpy()
    code = b.static_cat[:, 0].numpy()
    got = m(b)[..., 0].detach().double().numpy()
    for v in np.unique(code):
        rows = code == v
        for h in range(H):
            zv = z[rows, h] - z[rows, h].mean(0)
            f = zv.shape[1]
            w = np.linalg.lstsq(np.vstack([zv, np.sqrt(2.0) * np.eye(f)]),
                                np.concatenate([y[rows, h] - y[rows, h].mean(), np.zeros(f)]),
                                rcond=None)[0]
            np.testing.assert_allclose(got[rows, h], zv @ w + y[rows, h].mean(),
                                       rtol=1e-4, atol=1e-4)
    # a category without training windows forecasts with the global model
    unseen = set(range(7)) - set(code.tolist())
    glob = full_model().fit(b, 2.0)
    for v in unseen:
        assert torch.equal(m.coef[v], glob.coef[0]) and torch.equal(m.intercept[v],
                                                                    glob.intercept[0])
    assert unseen  # the toy data leave some of the 7 categories out of these windows


def test_a_local_model_beats_the_global_one_on_series_of_opposite_dynamics():
    g = torch.Generator().manual_seed(0)
    n, t = 2, 400
    y = torch.zeros(n, t)
    for s in range(1, t):  # series 0 persists (AR 0.9), series 1 alternates (AR -0.9)
        y[:, s] = torch.tensor([0.9, -0.9]) * y[:, s - 1] + torch.randn(n, generator=g)
    empty = torch.zeros(n, t, 0)
    data = covtut.SeriesData(target=y[..., None], observed=empty, known=empty,
                             known_cat=empty.long(), static=torch.zeros(n, 0),
                             static_cat=torch.tensor([[1], [2]]), static_cardinalities=(3,))
    train = covtut.WindowDataset(data, 8, 2, origins=range(8, 300)).batch()
    test = covtut.WindowDataset(data, 8, 2, origins=range(300, 398)).batch()
    mse = {}
    for groups in (None, 0):
        m = LinearModel(data.spec(8, 2), means=(1,), groups=groups).fit(train, 1.0)
        with torch.no_grad():
            mse[groups] = float((m(test) - test.future_target).pow(2).mean())
    assert mse[0] < 0.7 * mse[None], mse  # one AR coefficient cannot fit both series
