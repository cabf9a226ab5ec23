"""The book's one verdict rule: every pair agrees, and the gap exceeds both spreads."""

import pandas as pd
import pytest

from covtut.verdict import compare, compare_results


def test_clear_win_is_settled():
    v = compare([1.00, 1.01, 1.02], [1.10, 1.12, 1.11], names=("film", "concat"))
    assert v.settled and v.better == "film" and v.word == "beats" and v.wins_a == 3
    assert "film beats concat" in str(v)


def test_gap_within_a_spread_is_not_settled():
    # a wins every pair, but b's own seeds spread more than the gap between the means
    v = compare([1.00, 1.01, 1.02], [1.02, 1.30, 1.03])
    assert v.wins_a == 3 and v.gap < v.spread_b
    assert not v.settled and v.word == "is not separated from"


def test_one_lost_pair_is_not_settled():
    # means far apart, but b wins one pair: overlapping runs
    v = compare([0.0, 0.0, 1.0], [1.9, 1.9, 0.9])
    assert v.gap > max(v.spread_a, v.spread_b) and v.wins_a == 2 and not v.settled


def test_higher_is_better_and_loser_side():
    v = compare([0.5, 0.52, 0.51], [0.8, 0.81, 0.82], names=("a", "b"), lower_is_better=False)
    assert v.better == "b" and v.word == "is beaten by"


def test_against_a_fixed_reference():
    assert compare([126.0, 125.5, 126.2], 126.9, names=("net", "ridge")).better == "net"
    assert not compare([126.0, 127.5, 126.2], 126.9).settled


def test_too_few_or_unpaired_runs_refused():
    with pytest.raises(ValueError, match="at least 3"):
        compare([1.0, 2.0], [1.5, 2.5])
    with pytest.raises(ValueError, match="same number of paired runs"):
        compare([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="non-finite"):
        compare([1.0, float("nan"), 3.0], 2.0)


def test_compare_results_pairs_on_seed_not_row_order():
    results = pd.DataFrame({
        "model": ["a", "a", "a", "b", "b", "b"],
        "seed": [0, 1, 2, 2, 1, 0],
        "mse": [1.0, 2.0, 3.0, 3.1, 2.1, 1.1],
    })
    # paired by seed, a wins every pair; the spreads (2.0) exceed the gap, so not settled
    v = compare_results(results, "a", "b", "mse")
    assert v.wins_a == 3 and not v.settled
    with pytest.raises(ValueError, match="paired runs"):
        compare_results(results[results.index != 3], "a", "b", "mse")
    with pytest.raises(ValueError, match="no rows"):
        compare_results(results, "a", "c", "mse")


def test_sentence_puts_the_winner_first():
    v = compare([0.98, 0.99, 0.97], [0.33, 0.34, 0.32], names=("w_x = 0", "trained"))
    assert str(v).startswith("trained beats w_x = 0 on metric: mean 0.33 against 0.98")


def test_a_published_mean_counts_with_its_published_spread():
    from covtut.verdict import compare

    ours = [120.0, 121.0, 122.0]
    assert compare(ours, 125.0).better == "a"  # gap 4 > our spread 2
    v = compare(ours, 125.0, reference_spread=5.0)  # gap 4 < the reference's spread 5
    assert v.better is None and v.spread_b == 5.0
    assert compare(ours, 130.0, reference_spread=5.0).better == "a"
    with pytest.raises(ValueError, match="reference_spread is for a fixed number"):
        compare(ours, ours, reference_spread=1.0)
