"""What evaluation, serving, the tasks and the data-parallel hooks promise, edge cases included.

Each test pins one promise of a public function's docstring: the metrics and baselines
by their formulas, the verdict rule on ties and by its interval, Holm's adjustment, the
scores that evaluate() builds, the production forecast's grid and its warnings, the
protocols' day and scale, and DataParallel's shares.
"""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from toy import toy_data

import covtut
from covtut.evaluation import baselines, metrics
from covtut.evaluation.intervals import t_quantile
from covtut.training.parallel import DataParallel

# --- metrics -----------------------------------------------------------------------------


def test_the_metrics_are_their_formulas():
    pred = torch.tensor([[[1.0], [2.0]], [[0.0], [4.0]]])  # (2, 2, 1)
    truth = torch.tensor([[[2.0], [2.0]], [[2.0], [1.0]]])
    errors = torch.tensor([1.0, 0.0, 2.0, 3.0])
    assert metrics.mae(pred, truth) == pytest.approx(1.5)
    assert metrics.rmse(pred, truth) == pytest.approx(math.sqrt((errors ** 2).mean()))
    scale = torch.tensor([[1.0], [2.0]])  # per series: series 1's errors count half
    assert metrics.mase(pred, truth, scale) == pytest.approx((1 + 0 + 1 + 1.5) / 4)
    assert metrics.noise_floor_ratio(pred, truth, truth + 1) == pytest.approx(
        float((errors ** 2).mean()))


def test_the_windows_seasonal_naive_repeats_the_last_season_in_order():
    past = torch.arange(6.0).reshape(1, 6, 1)  # 0 1 2 3 4 5
    assert metrics.seasonal_naive(past, 5, 3)[0, :, 0].tolist() == [3, 4, 5, 3, 4]
    assert metrics.seasonal_naive(past, 3, 1)[0, :, 0].tolist() == [5, 5, 5]


# --- baselines ---------------------------------------------------------------------------

def stepwise(n_series: int = 2, n_steps: int = 60, slope: float = 1.0) -> covtut.SeriesData:
    """Data whose target is ``slope`` times the step: a value tells which step it is."""
    d = toy_data(n_series=n_series, n_steps=n_steps)
    return d.replace(target=slope * torch.arange(float(n_steps)).expand(n_series, -1)[..., None])


@pytest.mark.parametrize("season", [1, 4, 24])
def test_seasonal_naive_reads_one_season_back_and_never_the_origin_or_later(season):
    data = stepwise()
    ds = covtut.WindowDataset(data, 12, 6, origins=[30, 41])
    naive = baselines.seasonal_naive(data, ds, season)[..., 0]  # (4, 6): the step it read
    k = torch.arange(6)
    expected = ds.origin_index[:, None] + k - season * ((k // season) + 1)
    assert torch.equal(naive.long(), expected)
    assert (naive < ds.origin_index[:, None]).all()


def test_the_seasonal_scale_is_the_mean_absolute_seasonal_difference():
    data = stepwise(slope=0.5)  # |y_t - y_{t-4}| = 2 at every step
    torch.testing.assert_close(baselines.seasonal_scale(data, 40, 4),
                               torch.full((2, 1), 2.0))


def test_forecasts_score_against_the_seasonal_naive_of_the_season_given():
    data = toy_data(n_series=3, n_steps=60)
    ds = covtut.WindowDataset(data, 12, 4, origins=[30, 40])
    model = covtut.build_model("concat", ds.spec, hidden_size=4)
    f = covtut.forecasts(model, ds, season=7)
    assert torch.equal(f.naive, baselines.seasonal_naive(data, ds, 7))
    scores = covtut.evaluate(model, ds, season=7)
    assert scores["relative_mae"] == pytest.approx(metrics.mae(f.pred, f.truth)
                                                   / metrics.mae(f.naive, f.truth), rel=1e-6)


# --- the verdict rule --------------------------------------------------------------------

def test_identical_runs_settle_nothing_and_win_nothing():
    v = covtut.compare([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], names=("a", "b"))
    assert v.better is None and v.wins_a == 0 and v.word == "is not separated from"


def test_a_tied_pair_is_not_a_win():
    v = covtut.compare([1.0, 2.0, 3.0], [1.0, 2.5, 3.5], names=("a", "b"))
    assert v.wins_a == 2 and v.n == 3


def test_the_interval_is_the_paired_t_interval_of_the_log_ratios():
    a, b = np.array([1.0, 1.2, 0.9, 1.1]), np.array([1.3, 1.4, 1.2, 1.5])
    v = covtut.compare(a, b)
    d = np.log(a) - np.log(b)
    half = t_quantile(0.975, 3) * d.std(ddof=1) / 2.0  # n - 1 = 3 degrees of freedom
    assert v.low == pytest.approx(math.exp(d.mean() - half))
    assert v.high == pytest.approx(math.exp(d.mean() + half))
    assert v.better == "a"


def test_holm_multiplies_the_ordered_p_values_and_keeps_them_monotone():
    runs = [([1.0, 1.1, 0.9], [2.0, 2.3, 1.9]), ([1.0, 1.2, 0.9], [1.1, 1.3, 1.0]),
            ([1.0, 1.3, 0.8], [1.02, 1.2, 0.9])]
    plain = [covtut.compare(a, b) for a, b in runs]
    adjusted = covtut.holm(plain)
    order = np.argsort([v.p_value for v in plain])
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (3 - rank) * plain[i].p_value))
        assert adjusted[i].p_value == pytest.approx(running)
        assert (adjusted[i].better is not None) == (running < 0.05)


# --- the production forecast -------------------------------------------------------------

def test_the_future_grid_starts_one_step_after_the_data():
    time = pd.date_range("2024-03-01", periods=10, freq="30min")
    grid = covtut.future_grid(time, 3)
    assert list(grid) == list(pd.date_range("2024-03-01 05:00", periods=3, freq="30min"))
    assert list(covtut.future_grid(pd.Index([1, 2, 3]), 2)) == [4, 5]


# --- the protocols -----------------------------------------------------------------------

def test_vic_elec_days_are_local_days_of_melbourne():
    from covtut.tasks import vic_elec as ve

    # 2014-01-01 00:00 in Melbourne is 2013-12-31 13:00 UTC (daylight time, UTC+11)
    time = pd.date_range("2013-12-31 13:00", periods=96, freq="30min", tz="UTC")
    day = ve.day_index(time)
    assert day.tolist() == [0] * 48 + [1] * 48


def test_aus_retail_mase_scales_each_series_by_its_own_yardstick():
    from covtut.tasks import aus_retail as ar

    task = ar.prepare()
    truth = task.turnover.target[task.scored, task.split.val_end:, 0]
    scale = task.scale[task.scored]
    off_by_its_scale = truth + scale[:, None]  # every series off by its own scale
    assert ar.score(off_by_its_scale, task)["mase"] == pytest.approx(1.0, rel=1e-5)


# --- data-parallel shares ----------------------------------------------------------------

def test_the_ranks_validation_shares_are_disjoint_and_cover_every_window():
    shares = [DataParallel(r, 3, torch.device("cpu")).val_windows(10) for r in range(3)]
    every = torch.cat(shares)
    assert sorted(every.tolist()) == list(range(10))


def test_without_a_process_group_the_reduce_and_the_wrapper_change_nothing():
    dp = DataParallel(0, 1, torch.device("cpu"))
    totals = torch.tensor([3.0, 2.0], dtype=torch.float64)
    assert torch.equal(dp.reduce(totals), totals)
    model = torch.nn.Linear(2, 2)
    assert dp.prepare(model) is model
    with pytest.raises(ValueError, match=r"rank=2 must be in \[0, world=2\)"):
        DataParallel(2, 2, torch.device("cpu"))
