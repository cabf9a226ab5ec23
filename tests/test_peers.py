"""The peers' packaged test forecasts: aligned with the protocols' truth, scoring exactly
the published rows, and equal to the files they were copied from."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from covtut.tasks import aus_retail as ar
from covtut.tasks import peers
from covtut.tasks import vic_elec as ve

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "forecasts"


@pytest.fixture(scope="module")
def vic():
    return ve.prepare()


@pytest.fixture(scope="module")
def retail():
    return ar.prepare()


def test_vic_elec_forecasts_score_their_published_rows(vic):
    truth = vic.truth(vic.split.test)
    table = peers._table("vic_elec").sort_values(["origin_date", "step"])
    assert np.allclose(table["y"].to_numpy().reshape(-1, 48), truth.numpy(), atol=1e-3)
    for name, mae in (("ridge_lags", 126.9), ("lightgbm_midnight_origins_s1", 131.7),
                      ("lightgbm_every4th_origin_s1", 127.8)):
        pred = peers.vic_elec(name)
        assert pred.shape == (365, 48)
        assert round(ve.scores(pred, truth)["mae"], 1) == mae, name
        assert np.mean(ve.origin_mae(pred, truth)) == pytest.approx(ve.scores(pred, truth)["mae"],
                                                                     abs=1e-3)


def test_aus_retail_forecasts_follow_the_task_order(retail):
    truth = retail.turnover.target[retail.scored, retail.split.val_end:, 0]
    assert np.allclose(peers.aus_retail("autoarima", retail).shape, (148, 12))
    table = peers._table("aus_retail").sort_values(["unique_id", "ds"])
    y = pd.DataFrame(table["y"].to_numpy().reshape(-1, 12),
                     index=table["unique_id"].to_numpy()[::12])
    keys = [f"{s} | {i}" for s, i in retail.data.info.index[retail.scored.numpy()]]
    assert np.allclose(y.loc[keys].to_numpy(), truth.numpy(), atol=1e-3)
    for name, mase in (("seasonal_naive", 1.162), ("autoets", 0.972), ("autoarima", 0.927)):
        pred = peers.aus_retail(name, retail)
        losses = peers.series_mase(pred, retail)
        assert losses.shape == (148,)
        assert round(float(losses.mean()), 3) == mase, name
        assert losses.mean() == pytest.approx(ar.score(pred, retail)["mase"], rel=1e-5)
    tas = ar.cold_series(retail)
    assert peers.series_mase(peers.aus_retail("autoarima", retail), retail, tas).shape == (15,)


def test_an_unknown_peer_is_refused_by_name():
    with pytest.raises(ValueError, match="has \\['lightgbm"):
        peers.vic_elec("prophet")


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared benchmark files are not beside")
def test_the_package_copies_equal_the_shared_files():
    for task, key in (("vic_elec", ["origin_date", "step"]), ("aus_retail", ["unique_id", "ds"])):
        ours = peers._table(task)
        for name in peers.SOURCES[task]:
            stem = name if (SHARED / task / f"{name}.csv").exists() else f"{name}_intervals"
            src = pd.read_csv(SHARED / task / f"{stem}.csv")
            col = "yhat" if "yhat" in src else "q0.5"
            merged = ours.merge(src[[*key, col]], on=key)
            assert len(merged) == len(ours), (task, name)
            assert np.allclose(merged[name], merged[col], atol=1e-3), (task, name)
