"""The search reads training and validation windows only; seed ensembles and their groups."""

import dataclasses

import pytest
import torch

import covtut
from covtut.evaluation.experiments import disjoint_groups
from covtut.models.ensemble import Ensemble
from covtut.training.search import Candidate, search


class Tripwire:
    """Test windows that raise when read: the search must never touch them."""

    def __getattr__(self, name):
        raise AssertionError(f"the search read the test windows (.{name})")

    def __len__(self):
        raise AssertionError("the search read the test windows (len)")


SYN = covtut.make_regime("interaction", n_series=8, n_steps=160, seed=0)


def windows(lookback):
    w = covtut.windowed_datasets(SYN.data, lookback, 6, stride=2)
    return dataclasses.replace(w, test=Tripwire())


CANDIDATES = [Candidate(lookback=12, model="concat", hidden_size=8, linear=(("lags", (6, 12)),)),
              Candidate(lookback=24, model="concat", hidden_size=8, lr=1e-2,
                        linear=(("lags", (6, 24)),))]


def test_the_search_never_reads_the_test_windows_and_keeps_the_lowest_mean():
    result = search(CANDIDATES, windows, steps=20, seeds=(0, 1), device="cpu")
    t = result.table
    assert len(t) == 4 and set(t["seed"]) == {0, 1} and set(t["candidate"]) == {0, 1}
    assert (t["val"] <= t["linear_val"]).all()  # never worse than the linear model
    means = t.groupby("candidate")["val"].mean()
    assert result.best == CANDIDATES[int(means.idxmin())]
    s = result.summary()
    assert s.index[0][0] == int(means.idxmin()) and s["val"].is_monotonic_increasing
    assert set(result.fits) == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_candidates_on_other_validation_windows_are_refused():
    def other(lookback):  # the validation period moves with the lookback: not comparable
        w = covtut.windowed_datasets(SYN.data, lookback, 6, val_frac=0.1 + lookback / 240)
        return dataclasses.replace(w, test=Tripwire())

    with pytest.raises(ValueError, match="other validation windows"):
        search(CANDIDATES, other, steps=2, device="cpu")
    with pytest.raises(ValueError, match="at least one candidate"):
        search([], windows, steps=2)


def test_an_ensemble_is_the_mean_of_its_members_forecasts():
    w = covtut.windowed_datasets(SYN.data, 12, 6)
    members = []
    for seed in (0, 1, 2):
        torch.manual_seed(seed)
        members.append(covtut.build_model("concat", w.train.spec, hidden_size=8).eval())
    ens = Ensemble(members).eval()
    b = w.test.batch()
    with torch.no_grad():
        out = ens(b)
        assert out.shape == (len(w.test), 6, 1)
        assert torch.allclose(out, torch.stack([m(b) for m in members]).mean(0))
    scores = covtut.evaluate(ens, w.test, w.scaler, season=24, truth=SYN)
    assert scores["rmse"] > 0
    with pytest.raises(ValueError, match="different specs"):
        other = covtut.build_model("concat", covtut.windowed_datasets(SYN.data, 24, 6).train.spec)
        Ensemble([members[0], other])
    with pytest.raises(ValueError, match="at least one"):
        Ensemble([])


def test_disjoint_groups_of_seeds():
    assert disjoint_groups(range(9), 3) == [(0, 1, 2), (3, 4, 5), (6, 7, 8)]
    assert disjoint_groups([5, 6, 7, 8], 1) == [(5,), (6,), (7,), (8,)]
    with pytest.raises(ValueError, match="at least 3, so give at least 15 seeds"):
        disjoint_groups(range(10), 5)
    with pytest.raises(ValueError, match="twice"):
        disjoint_groups([0, 0, 1, 2], 1)
