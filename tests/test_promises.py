"""Behaviours that a docstring promises, pinned so that breaking one fails a test.

Each test here was written against a bug planted in ``covtut`` that the rest of the
suite let through (FiLM without its shift; ``fit`` keeping the last weights).
"""

import pytest
import torch
from toy import H, L, full_spec, toy_data

import covtut
from covtut.evaluation import metrics
from covtut.models.film import FiLM
from covtut.training.trainer import validation_loss


def test_film_adds_its_shift():
    film = FiLM(cond_features=2, hidden_size=4)
    with torch.no_grad():
        film.proj.weight.normal_()
    h, s = torch.randn(3, 5, 4), torch.randn(3, 2)
    gamma, beta = film.proj(s).chunk(2, dim=-1)
    assert beta.abs().min() > 0
    expected = gamma[:, None, :] * h + beta[:, None, :]
    torch.testing.assert_close(film(h, s), expected)
    # a zero state comes out as the shift alone: gamma * h cannot produce it
    torch.testing.assert_close(film(torch.zeros_like(h), s), beta[:, None, :].expand_as(h))


def test_film_model_forecast_moves_with_the_shift_alone():
    model = covtut.build_model("film", full_spec())
    batch = covtut.Batch.random(full_spec(), batch_size=3)
    before = model(batch)
    with torch.no_grad():
        model.films[-1].proj.bias[model.config.hidden_size:] += 0.5  # beta only
    assert not torch.allclose(model(batch), before)


def _diverging_fit(**kwargs):
    """Train on one target and validate on its negation: validation gets worse."""
    data = toy_data(n_series=4, n_steps=60)
    flipped = data.replace(target=-data.target)
    train = covtut.WindowDataset(data, L, H)
    val = covtut.WindowDataset(flipped, L, H)
    model = covtut.build_model("concat", full_spec())
    result = covtut.fit(model, train, val, epochs=8, patience=3, lr=3e-2, batch_size=16,
                        device="cpu", **kwargs)
    return result, val


def test_fit_keeps_the_best_validation_epoch_not_the_last():
    result, val = _diverging_fit()
    losses = result.val_loss
    assert result.best_epoch == min(range(len(losses)), key=losses.__getitem__)
    assert result.best_epoch < len(losses) - 1, "precondition: the last epoch is not the best"
    # the returned weights are those of the best epoch
    assert validation_loss(result.model, val, 128) == pytest.approx(losses[result.best_epoch],
                                                                rel=1e-5)
    assert validation_loss(result.model, val, 128) < losses[-1]


def test_fit_stops_after_patience_epochs_without_improvement():
    result, _ = _diverging_fit()
    assert len(result.val_loss) == result.best_epoch + 1 + 3


def test_fit_without_validation_keeps_the_last_weights():
    data = toy_data(n_series=4, n_steps=40)
    result = covtut.fit(covtut.build_model("concat", full_spec()),
                        covtut.WindowDataset(data, L, H), epochs=2, device="cpu")
    assert result.best_epoch == 1 and result.val_loss == []


def test_fit_max_steps_is_exact():
    data = toy_data(n_series=4, n_steps=60)
    result = covtut.fit(covtut.build_model("concat", full_spec()),
                        covtut.WindowDataset(data, L, H), epochs=50, batch_size=8,
                        max_steps=7, device="cpu")
    assert result.steps == 7


def test_predict_restores_the_training_mode():
    model = covtut.build_model("concat", full_spec())
    ds = covtut.WindowDataset(toy_data(), L, H)
    model.train()
    covtut.predict(model, ds)
    assert model.training
    model.eval()
    covtut.predict(model, ds)
    assert not model.training


def test_skill_is_the_usual_skill_score():
    truth = torch.zeros(2, 3, 1)
    baseline = torch.ones(2, 3, 1)
    assert metrics.skill(0.5 * baseline, truth, baseline) == pytest.approx(0.5)
    assert metrics.skill(baseline, truth, baseline) == pytest.approx(0.0)
    assert metrics.skill(2 * baseline, truth, baseline) == pytest.approx(-1.0)
    assert metrics.relative_mae(0.5 * baseline, truth, baseline) == pytest.approx(0.5)


def test_constant_channel_is_not_divided_by_zero():
    x = torch.ones(2, 10, 1)
    scaler = covtut.StandardScaler().fit(x)
    assert torch.isfinite(scaler.transform(x)).all()
