"""Interval scores against hand calculations; split conformal and CQR cover as promised
on exchangeable data, within a binomial tolerance."""

import math

import pytest
import torch
from toy import H, L, toy_data

import covtut
from covtut.evaluation.conformal import conformal_level, conformal_quantiles, conformalize
from covtut.evaluation.probabilistic import (
    coverage,
    interval,
    interval_scores,
    mean_pinball,
    mean_width,
    msis,
    quantile_coverage,
    quantile_forecasts,
)
from covtut.models import build_model
from covtut.models.distribution import LEVELS, ProbabilisticModel


def test_interval_scores_by_hand():
    lo = torch.tensor([[[0.0], [0.0]]])  # (B=1, H=2, T=1)
    hi = torch.tensor([[[2.0], [2.0]]])
    y = torch.tensor([[[1.0], [3.0]]])
    assert coverage(lo, hi, y) == 0.5
    assert mean_width(lo, hi) == 2.0
    # point 1: width 2; point 2: width 2 + (2 / 0.05) * 1 = 42; mean 22, over scale 2: 11
    assert msis(lo, hi, y, alpha=0.05, scale=2.0) == pytest.approx(11.0)
    assert msis(lo, hi, y, alpha=0.05, scale=torch.tensor([[2.0]])) == pytest.approx(11.0)


def test_pinball_and_quantile_coverage_by_hand():
    q = torch.tensor([[[[1.0, 2.0, 3.0]]]])
    y = torch.tensor([[[2.5]]])
    assert mean_pinball(q, y, (0.1, 0.5, 0.9)) == pytest.approx((0.15 + 0.25 + 0.05) / 3)
    assert quantile_coverage(q, y, (0.1, 0.5, 0.9)).tolist() == [0.0, 0.0, 1.0]
    lo, hi = interval(torch.arange(5.0).expand(1, 1, 1, 5), LEVELS, 0.2)
    assert (float(lo), float(hi)) == (1.0, 3.0)
    with pytest.raises(ValueError, match="needs the levels"):
        interval(q, (0.1, 0.5, 0.9), 0.05)


def test_conformal_rank_and_too_few_windows():
    assert conformal_level(19, 0.05) == 19  # ceil(20 * 0.95)
    with pytest.raises(ValueError, match="too few"):
        conformal_level(10, 0.05)


def _binomial_band(p: float, n_cal: int, n_test: int) -> float:
    """Four standard errors of a coverage: given one calibration set of ``n_cal`` points,
    the coverage is Beta-distributed with variance about ``p (1 - p) / n_cal``; the test
    set's binomial noise adds ``p (1 - p) / n_test``."""
    return 4 * math.sqrt(p * (1 - p) * (1 / n_cal + 1 / n_test))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_split_conformal_covers_exchangeable_data(seed):
    """Student-t residuals (heavy tails), 400 calibration and 20,000 test points: coverage
    within 4 standard errors of nominal (at most 1 / (n + 1) above it, in expectation)."""
    t = torch.distributions.StudentT(3.0)
    torch.manual_seed(seed)
    cal = t.sample((400, 2, 1))
    test = t.sample((20_000, 2, 1))
    point = torch.zeros_like(test)
    q = conformal_quantiles(point, cal, LEVELS)
    for alpha in (0.2, 0.05):
        lo, hi = interval(q, LEVELS, alpha)
        c, band = coverage(lo, hi, test), _binomial_band(1 - alpha, 400, 20_000)
        assert 1 - alpha - band <= c <= 1 - alpha + 1 / 401 + band, (alpha, c)


def test_cqr_repairs_intervals_that_are_too_narrow():
    torch.manual_seed(0)
    y_cal, y = torch.randn(500, 1, 1), torch.randn(20_000, 1, 1)
    narrow = torch.tensor([-0.5, -0.3, 0.0, 0.3, 0.5])  # far too narrow for N(0, 1)
    q_cal, q = narrow.expand(500, 1, 1, 5), narrow.expand(20_000, 1, 1, 5)
    fixed = conformalize(q, q_cal, y_cal, LEVELS)
    assert (fixed.diff(dim=-1) >= 0).all()
    for alpha in (0.2, 0.05):
        before = coverage(*interval(q, LEVELS, alpha), y)
        after = coverage(*interval(fixed, LEVELS, alpha), y)
        assert before < 1 - alpha - 0.3
        assert abs(after - (1 - alpha)) < _binomial_band(1 - alpha, 500, 20_000) + 1 / 501


def test_quantile_forecasts_unscale_every_quantile():


    data = toy_data(n_series=4, n_steps=40)
    scaler = covtut.SeriesScaler(per_series_target=True).fit(data, 30)
    test = covtut.WindowDataset(scaler.transform(data), L, H, origins=range(30, 37))
    torch.manual_seed(0)
    model = ProbabilisticModel(build_model("concat", test.spec), "gaussian")
    q, truth = quantile_forecasts(model, test, scaler)
    assert q.shape == (len(test), H, 1, len(LEVELS)) and truth.shape == (len(test), H, 1)
    assert (q.diff(dim=-1) > 0).all()
    raw = covtut.WindowDataset(data, L, H, origins=range(30, 37))
    assert torch.allclose(truth, raw.batch().future_target, atol=1e-4)
    median = covtut.forecasts(model, test, scaler).pred  # the model's point is its median
    assert torch.allclose(q[..., LEVELS.index(0.5)], median, atol=1e-4)


def test_scores_agree_with_scoringrules():
    """The closed-form CRPS of the Gaussian and Laplace heads, the interval score behind
    the MSIS and the pinball loss, against the scoringrules library."""
    import numpy as np
    import scoringrules as sr

    from covtut.models.distribution import GaussianHead, LaplaceHead

    g = torch.Generator().manual_seed(0)
    y = torch.randn(200, 1, 1, generator=g, dtype=torch.float64) * 3
    mu = torch.randn(200, 1, 1, generator=g, dtype=torch.float64)
    s = torch.rand(200, 1, 1, generator=g, dtype=torch.float64) + 0.2
    params = torch.stack([mu, s], dim=-1)
    for head, ref in ((GaussianHead(1, 1, 1), sr.crps_normal),
                      (LaplaceHead(1, 1, 1), sr.crps_laplace)):
        assert np.allclose(head.crps(params, y).numpy(), ref(y.numpy(), mu.numpy(), s.numpy()))
    lo, hi = mu - s, mu + s
    assert msis(lo, hi, y, alpha=0.05) == pytest.approx(
        float(np.mean(sr.interval_score(y.numpy(), lo.numpy(), hi.numpy(), 0.05))))
    q = torch.stack([mu - s, mu, mu + s], dim=-1)
    levels = (0.1, 0.5, 0.9)
    want = np.mean([sr.quantile_score(y.numpy(), q[..., k].numpy(), a).mean()
                    for k, a in enumerate(levels)])
    assert mean_pinball(q, y, levels) == pytest.approx(float(want))


def test_fan_chart_draws_nested_bands_and_the_reliability_diagonal():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from covtut.book.plots import plot_fan_chart, plot_reliability

    x = np.arange(10)
    q = x[:, None] + np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    fig, (a, b) = plt.subplots(1, 2)
    plot_fan_chart(a, x, q, LEVELS, "recipe", truth=x)
    labels = [h.get_label() for h in a.get_legend_handles_labels()[0]]
    assert labels == ["recipe, 95% interval", "recipe, 80% interval", "recipe, median", "truth"]
    plot_reliability(b, LEVELS, {"recipe": np.array(LEVELS)})
    assert b.get_xlabel() == "quantile level" and b.get_ylabel()
    plt.close(fig)


def test_interval_scores_pooled_and_by_group():
    q = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0]).expand(4, 1, 1, 5)
    y = torch.tensor([0.0, 1.5, 3.0, 0.5]).view(4, 1, 1)
    got = interval_scores(q, y, LEVELS)
    assert got["coverage80"] == 0.5 and got["coverage95"] == 0.75 and got["width95"] == 4.0
    # the MSIS: widths 4 each, plus (2 / 0.05) * (3 - 2) = 40 for the third point
    assert got["msis95"] == pytest.approx(4 + 40 / 4)
    assert got["pinball5"] == pytest.approx(mean_pinball(q, y, LEVELS))
    by = interval_scores(q, y, LEVELS, scale=torch.full((4, 1), 2.0), groups=["a", "b", "a", "b"])
    assert list(by.index) == ["a", "b"]
    assert by.loc["a", "coverage95"] == 0.5 and by.loc["b", "coverage95"] == 1.0
    assert by.loc["a", "msis95"] == pytest.approx((4 + 40 + 4) / 2 / 2)
    with pytest.raises(ValueError, match="labels for 4 windows"):
        interval_scores(q, y, LEVELS, groups=["a"])
