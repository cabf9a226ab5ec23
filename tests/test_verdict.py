"""The book's one verdict rule: a 95 % interval of the mean paired difference that must
exclude zero, its error rate and power by simulation, the test-period question, Holm."""

import math

import numpy as np
import pandas as pd
import pytest

from covtut.evaluation.intervals import t_quantile
from covtut.evaluation.period import compare_forecasts, long_run_variance, protocol_verdict
from covtut.evaluation.verdict import LEVEL, compare, compare_results, holm

R = 2000  # simulated comparisons per rate
# a 5 % rate estimated from R draws stays below this unless the rule's size is wrong
# (three binomial standard errors above 5 %)
SIZE_TOLERANCE = 0.05 + 3 * math.sqrt(0.05 * 0.95 / R)


def _paired(rng, n, delta):
    """n paired runs that share a draw effect, each model adding seed noise of s.d. 1;
    A's true mean lower than B's by ``delta`` seed s.d."""
    draw = rng.normal(0.0, 3.0, n)
    return draw + rng.normal(0.0, 1.0, n) - delta, draw + rng.normal(0.0, 1.0, n)


def _rate(n, delta, seed=0):
    rng = np.random.default_rng(seed)
    wins = 0
    for _ in range(R):
        v = compare(*_paired(rng, n, delta), names=("A", "B"))
        wins += v.settled if delta == 0 else v.better == "A"
    return wins / R


@pytest.mark.parametrize("n", [3, 5, 10])
def test_with_no_true_difference_a_winner_is_named_in_at_most_5_percent(n):
    assert _rate(n, 0.0) <= SIZE_TOLERANCE


def test_a_true_difference_of_3_seed_sd_is_found_with_10_runs():
    assert _rate(10, 3.0) >= 0.80


def test_power_grows_with_the_number_of_runs():
    for delta in (1.0, 2.0):
        rates = [_rate(n, delta, seed=n) for n in (3, 5, 10)]
        assert rates == sorted(rates), (delta, rates)


def test_t_quantiles_match_the_tables():
    assert t_quantile(0.975, 2) == pytest.approx(4.302653, abs=1e-5)
    assert t_quantile(0.975, 9) == pytest.approx(2.262157, abs=1e-5)
    assert t_quantile(0.95, 4) == pytest.approx(2.131847, abs=1e-5)
    assert t_quantile(0.025, 9) == pytest.approx(-2.262157, abs=1e-5)
    assert t_quantile(0.975, float("inf")) == pytest.approx(1.959964, abs=1e-6)
    assert t_quantile(0.975, 7.3) == pytest.approx(2.34, abs=0.01)  # between 7 and 8 df


def test_t_quantiles_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 3.5, 10, 100, 1000):
        for q in (0.6, 0.9, 0.975, 0.999):
            assert t_quantile(q, df) == pytest.approx(stats.t.ppf(q, df), rel=1e-8)


def test_the_interval_is_the_paired_t_interval():
    a, b = np.array([1.0, 1.2, 1.1, 0.9]), np.array([1.3, 1.4, 1.2, 1.3])
    d = a - b
    half = t_quantile(0.975, 3) * d.std(ddof=1) / 2.0
    v = compare(a, b, names=("film", "concat"), log=False)
    assert v.low == pytest.approx(d.mean() - half) and v.high == pytest.approx(d.mean() + half)
    assert v.high < 0 and v.better == "film" and v.word == "beats" and v.wins_a == 4
    assert 0 < v.p_value < 1 - LEVEL
    assert str(v).startswith("film beats concat on metric: mean 1.05 against 1.3")


def test_errors_are_compared_as_log_ratios():
    a, b = np.array([4.34, 4.46, 6.97]), np.array([2.42, 2.50, 2.56])  # b better by a factor
    d = np.log(a) - np.log(b)
    half = t_quantile(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    v = compare(a, b, names=("code", "none"))
    assert v.ratio and "log values" in v.test and v.better == "none"
    assert v.low == pytest.approx(np.exp(d.mean() - half))
    assert v.high == pytest.approx(np.exp(d.mean() + half))
    assert "a / b in" in str(v)
    assert not compare(a, b, log=False).settled  # the raw differences vary too much
    # scores (higher is better) and values that can be negative stay as they are
    assert not compare([0.5, 0.52, 0.51], [0.8, 0.81, 0.82], lower_is_better=False).ratio
    assert not compare([-1.0, 0.5, 1.0], [0.0, 1.0, 2.0]).ratio
    with pytest.raises(ValueError, match="positive"):
        compare([-1.0, 0.5, 1.0], [0.0, 1.0, 2.0], log=True)


def test_on_the_log_scale_the_size_holds_for_multiplicative_noise():
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(R):
        draw = rng.normal(0.0, 0.5, 5)  # errors vary by a factor from draw to draw
        a = np.exp(draw + rng.normal(0.0, 0.1, 5))
        b = np.exp(draw + rng.normal(0.0, 0.1, 5))
        found += compare(a, b).settled
    assert found / R <= SIZE_TOLERANCE


def test_winning_every_pair_is_not_enough_when_the_differences_vary():
    v = compare([1.10, 1.11, 1.12], [1.13, 1.20, 1.30], names=("A", "B"))
    assert v.wins_a == 3 and not v.settled and v.low < 1 < v.high
    assert "not settled" in str(v) and "contains 1" in str(v)
    assert compare([1.10, 1.11, 1.12], [1.20, 1.21, 1.22], names=("A", "B")).better == "A"


def test_ties_are_no_wins_and_no_verdict():
    v = compare([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert v.wins_a == 0 and not v.settled and v.p_value == 1.0
    v = compare([1.0, 2.0, 3.0], [1.0, 2.5, 3.5])
    assert v.wins_a == 2  # the tied first pair counts for neither


def test_higher_is_better_and_a_fixed_reference():
    v = compare([0.5, 0.52, 0.51], [0.8, 0.81, 0.82], names=("a", "b"), lower_is_better=False)
    assert v.better == "b" and v.word == "is beaten by"
    v = compare([126.0, 125.5, 126.2], 126.9, names=("net", "ridge"))
    assert v.better == "net" and v.test == "one-sample t on log values over 3 runs"
    assert not compare([126.0, 127.5, 126.2], 126.9).settled


def test_a_published_mean_counts_its_own_seed_noise():
    ours = [120.0, 121.0, 122.0]
    assert compare(ours, 125.0).better == "a"
    v = compare(ours, 125.0, reference_sd=3.6, reference_n=3)  # Welch: the reference's noise
    assert v.better is None and "Welch" in v.test
    assert v.high - v.low > compare(ours, 125.0).high - compare(ours, 125.0).low
    raw = compare(ours, 125.0, reference_sd=3.6, reference_n=3, log=False)
    assert raw.better is None and raw.p_value == pytest.approx(v.p_value, rel=0.1)
    assert compare(ours, 140.0, reference_sd=3.6, reference_n=3).better == "a"
    with pytest.raises(ValueError, match="fixed number b"):
        compare(ours, ours, reference_sd=1.0, reference_n=3)
    with pytest.raises(ValueError, match="reference_n >= 2"):
        compare(ours, 125.0, reference_sd=1.0)


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="at least 3"):
        compare([1.0, 2.0], [1.5, 2.5])
    with pytest.raises(ValueError, match="paired runs"):
        compare([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="non-finite"):
        compare([1.0, float("nan"), 3.0], 2.0)
    with pytest.raises(ValueError, match="non-finite"):
        compare([1.0, float("inf"), 3.0], 2.0)


def test_compare_results_pairs_on_seed_not_row_order():
    results = pd.DataFrame({
        "model": ["a", "a", "a", "b", "b", "b"],
        "seed": [0, 1, 2, 2, 1, 0],
        "mse": [1.0, 2.0, 3.0, 3.11, 2.1, 1.12],
    })
    v = compare_results(results, "a", "b", "mse")  # log ratios -0.11, -0.049, -0.036
    assert v.wins_a == 3 and not v.settled
    v = compare_results(results, "a", "b", "mse", log=False)  # differences -0.12, -0.1, -0.11
    assert v.wins_a == 3 and v.better == "a"
    shuffled = results.assign(seed=[0, 1, 2, 0, 1, 2])  # wrong pairing: not settled
    assert not compare_results(shuffled, "a", "b", "mse").settled
    with pytest.raises(ValueError, match="paired runs"):
        compare_results(results[results.index != 3], "a", "b", "mse")
    with pytest.raises(ValueError, match="no rows"):
        compare_results(results, "a", "c", "mse")


def _ar1(rng, t, rho):
    e = rng.normal(size=t + 100)
    x = np.zeros(t + 100)
    for i in range(1, t + 100):
        x[i] = rho * x[i - 1] + e[i]
    return x[100:]


def _dm_rate(delta, seed):
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(R):
        d = _ar1(rng, 365, 0.5) - delta  # loss of a minus loss of b, per origin
        v = compare_forecasts(d, np.zeros(365), names=("a", "b"))
        hits += v.settled if delta == 0 else v.better == "a"
    return hits / R


def test_the_test_period_test_holds_its_size_under_autocorrelation():
    assert _dm_rate(0.0, seed=1) <= SIZE_TOLERANCE


def test_the_test_period_test_finds_a_stated_difference():
    # 0.4 innovation s.d. per origin: about 3.8 standard errors of the mean over 365
    # origins whose losses are AR(1) with rho 0.5 (long-run variance 4)
    assert _dm_rate(0.4, seed=2) >= 0.80


def test_a_naive_variance_would_not_hold_the_size():
    rng = np.random.default_rng(3)
    d = _ar1(rng, 20_000, 0.5)
    assert long_run_variance(d) == pytest.approx(4.0, rel=0.1)  # 1 / (1 - 0.5) ** 2
    assert d.var() == pytest.approx(4.0 / 3.0, rel=0.1)  # what an iid t-test would use


def test_the_series_bootstrap_holds_its_size_and_finds_a_difference():
    rng = np.random.default_rng(4)
    false, found = 0, 0
    for _ in range(300):
        d = rng.standard_t(4, size=148)  # heavy-tailed per-series loss differences
        false += compare_forecasts(d, np.zeros(148), unit="series", n_boot=2000).settled
        found += compare_forecasts(d - 0.4, np.zeros(148), unit="series",
                                   n_boot=2000).better == "a"
    assert false / 300 <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 300)
    assert found / 300 >= 0.80


def test_compare_forecasts_refuses_bad_input():
    with pytest.raises(ValueError, match="one loss per test origin"):
        compare_forecasts(np.zeros(20), np.zeros(21))
    with pytest.raises(ValueError, match="at least 10"):
        compare_forecasts(np.zeros(5), np.zeros(5))
    with pytest.raises(ValueError, match="unit="):
        compare_forecasts(np.zeros(20), np.ones(20), unit="days")


def test_holm_controls_a_table_and_keeps_the_strong_verdicts():
    strong = compare([1.0, 1.01, 0.99, 1.0], [2.0, 2.02, 1.99, 2.01])
    weak = compare([1.0, 1.3, 0.9, 1.1], [1.2, 1.5, 1.0, 1.5])  # p just under 0.05
    assert weak.settled and weak.p_value > 0.01
    table = holm([weak, strong, *[compare([1.0, 2.0, 3.0], [1.1, 1.9, 3.05])] * 3])
    assert table[1].settled and table[1].p_value == pytest.approx(5 * strong.p_value)
    assert not table[0].settled  # 5 comparisons: 0.05 / 4 is the bar it now meets or misses
    assert all(a.p_value >= b.p_value for a, b in zip(table, [weak, strong], strict=False))
    assert "Holm over 5" in table[0].test and holm([]) == []


def test_protocol_verdict_needs_both_questions():
    seeds = compare([120.0, 121.0, 122.0], 126.9, names=("net", "ridge"))
    period_yes = compare_forecasts(np.full(20, 1.0) + np.arange(20) % 3,
                                   np.full(20, 2.0) + np.arange(20) % 3, names=("net", "ridge"))
    rng = np.random.default_rng(0)
    period_no = compare_forecasts(rng.normal(size=50), rng.normal(size=50), names=("net", "ridge"))
    assert protocol_verdict(seeds, period_yes).better == "net"
    both_no = protocol_verdict(seeds, period_no)
    assert both_no.better is None and "not separated" in str(both_no)
    untested = protocol_verdict(seeds, None)
    assert untested.better is None and untested.word == "is not separated from"
    assert str(untested).startswith("net beats ridge on the seed question alone")
    assert "not testable" in str(untested)
    with pytest.raises(ValueError, match="compare 'net'"):
        protocol_verdict(seeds, compare_forecasts(np.zeros(20), np.ones(20)))
