"""The forecasts that need no training: seasonal naive and each series' profile."""

import pytest
import torch
from toy import H, L

import covtut
from covtut.evaluation import metrics
from covtut.evaluation.baselines import profile_forecast, seasonal_naive, seasonal_profile


def test_seasonal_naive_matches_the_lookback_version(data):
    ds = covtut.WindowDataset(data, L, H)
    for season in (1, 3, L):
        expected = metrics.seasonal_naive(ds.batch().past_target, H, season)
        assert torch.equal(seasonal_naive(data, ds, season), expected)


def test_seasonal_naive_needs_no_lookback_of_a_season(data):
    ds = covtut.WindowDataset(data, 2, H, origins=[30, 40])  # lookback 2 < season 24
    out = seasonal_naive(data, ds, 24)
    assert out.shape == (2 * data.n_series, H, 1)
    assert torch.equal(out[1, 0], data.target[0, 40 - 24])
    with pytest.raises(ValueError, match="reaches before the first step"):
        seasonal_naive(data, covtut.WindowDataset(data, 2, H, origins=[10]), 24)


def test_profile_recovers_a_periodic_series(data):
    period = 5
    pattern = torch.randn(data.n_series, period, 1)
    y = pattern.repeat(1, data.n_steps // period, 1)  # (N, T, 1), exactly periodic
    periodic = data.replace(target=y)
    profile = seasonal_profile(periodic, until=40, period=period)
    assert torch.allclose(profile, pattern)
    ds = covtut.WindowDataset(periodic, L, H, origins=[41, 47])
    assert torch.allclose(profile_forecast(profile, ds), ds.batch().future_target)


def test_profile_uses_only_steps_before_until(data):
    late = data.target.clone()
    late[:, 30:] += 100.0  # a change after `until` must not move the profile
    a = seasonal_profile(data, until=30, period=6)
    b = seasonal_profile(data.replace(target=late), until=30, period=6)
    assert torch.equal(a, b)


def test_evaluate_seasonal_naive_with_a_season_longer_than_the_lookback():
    syn = covtut.make_regime("additive", n_series=4, n_steps=120)
    split = covtut.chronological_split(120, 12, 6)
    train = covtut.WindowDataset(syn.data, 12, 6, split.train)
    test = covtut.WindowDataset(syn.data, 12, 6, split.test)
    model = covtut.build_model("concat", train.spec)
    scores = covtut.evaluate(model, test, season=24, truth=syn)
    assert 0 < scores["relative_mae"] < float("inf")
    assert scores["skill"] == pytest.approx(1 - scores["relative_mae"])
    # the same baseline as the batch-level one, where the lookback covers the season
    wide = covtut.WindowDataset(syn.data, 24, 6, split.test)
    batch = wide.batch()
    assert torch.equal(metrics.seasonal_naive(batch.past_target, 6, 24),
                       seasonal_naive(syn.data, wide, 24))


def test_mase_and_its_yardstick():
    from covtut.evaluation.baselines import seasonal_scale

    y = torch.tensor([[1.0, 2, 4, 7, 11, 16], [5, 5, 5, 6, 5, 5]])[..., None]  # (2, 6, 1)
    data = covtut.SeriesData(target=y, observed=torch.zeros(2, 6, 0), known=torch.zeros(2, 6, 0),
                             known_cat=torch.zeros(2, 6, 0, dtype=torch.long),
                             static=torch.zeros(2, 0),
                             static_cat=torch.zeros(2, 0, dtype=torch.long))
    scale = seasonal_scale(data, until=5, season=2)  # pairs (t, t-2) for t = 2, 3, 4
    assert torch.allclose(scale[:, 0], torch.tensor([(3 + 5 + 7) / 3, (0 + 1 + 0) / 3]))
    truth = torch.ones(2, 3, 1)
    pred = truth + torch.tensor([5.0, 1.0])[:, None, None]  # errors 5 and 1
    assert metrics.mase(pred, truth, scale) == pytest.approx((5 / 5 + 1 / (1 / 3)) / 2)
    assert metrics.smape(truth, truth) == 0
    assert metrics.smape(2 * truth, truth) == pytest.approx(200 / 3)
    with pytest.raises(ValueError, match="expected \\(B, n_targets\\)"):
        metrics.mase(pred, truth, scale[:1])
    mask = torch.ones(2, 6, dtype=torch.bool)
    mask[0, 0] = False  # a ragged start: the pair (2, 0) no longer counts
    assert seasonal_scale(data.replace(mask=mask), until=5, season=2)[0, 0] == (5 + 7) / 2
    flat = data.replace(target=torch.ones(2, 6, 1))
    with pytest.raises(ValueError, match="constant"):
        seasonal_scale(flat, until=5, season=2)
