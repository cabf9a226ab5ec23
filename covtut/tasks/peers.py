"""The established libraries' test forecasts on the book's two protocols, as data.

Used by the real-data chapters for the second question of every verdict there, "would
another test period agree?" (:func:`covtut.evaluation.period.compare_forecasts`), which needs a
peer's
forecasts and not only its score. The files in ``covtut/tasks/forecasts/`` are copies of
the forecasts behind the reference rows of the protocol pages, produced with the same
data, split, origins and fitting rules (see :data:`SOURCES`); the book ships them so that
the test runs anywhere, Colab included. Rows without forecasts (the published neural
rows of ``vic_elec``) can be compared on the seed question alone.

* :func:`vic_elec`: a peer's forecast of the 365 test origins x 48 half-hours, MW;
* :func:`aus_retail`: a peer's 2018 forecast of the 148 scored series, million AUD, in a
  task's order;
* :func:`series_mase`: the per-series MASE of any retail forecast (the losses whose mean
  is the protocol's MASE).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import torch

__all__ = ["SOURCES", "aus_retail", "series_mase", "vic_elec"]

_DIR = Path(__file__).with_name("forecasts")

#: Each peer forecast the package ships, as task -> column -> where it came from.
SOURCES: dict[str, dict[str, str]] = {
    "vic_elec": {
        "ridge_lags": "the protocol's ridge with demand lags, penalty 10 chosen on the 72 "
                      "validation origins, refitted on all 724 (scikit-learn 1.9.1; MAE 126.9)",
        "lightgbm_midnight_origins_s1": "LightGBM 4.7 on the ridge's features, trained on "
                                        "midnight origins, seed 1 (MAE 131.7)",
        "lightgbm_every4th_origin_s1": "the same LightGBM trained on every 4th half-hour "
                                       "origin, seed 1 (MAE 127.8)",
    },
    "aus_retail": {
        "seasonal_naive": "statsforecast 2.1.1 SeasonalNaive (MASE 1.162)",
        "autoets": "statsforecast 2.1.1 AutoETS per series, the median (MASE 0.972)",
        "autoarima": "statsforecast 2.1.1 AutoARIMA per series, the median (MASE 0.927)",
        **{f"nhits_statics_s{s}": f"neuralforecast 3.3.0 NHITS, statics + month, seed {s}"
           for s in (1, 2, 3)},
        **{f"nhits_nostatics_s{s}": f"neuralforecast 3.3.0 NHITS, no covariates, seed {s}"
           for s in (1, 2, 3)},
        **{f"lstm_statics_s{s}": f"neuralforecast 3.3.0 LSTM, statics + month, seed {s}"
           for s in (1, 2, 3)},
    },
}


@cache
def _table(task: str) -> pd.DataFrame:
    return pd.read_csv(_DIR / f"{task}.csv.gz")


def _check(task: str, name: str) -> None:
    if name not in SOURCES[task]:
        raise ValueError(f"peers: no {task} forecast named {name!r}; "
                         f"the package has {sorted(SOURCES[task])}")


def vic_elec(name: str) -> torch.Tensor:
    """A peer's ``vic_elec`` test forecast.

    Parameters
    ----------
    name
        A key of ``SOURCES["vic_elec"]``.

    Returns
    -------
    torch.Tensor
        ``(365, 48)`` float32, MW: one row per test origin (local midnight, 2014-01-01
        first), one column per half-hour step, as ``covtut.tasks.vic_elec.Task.truth``.
    """
    _check("vic_elec", name)
    d = _table("vic_elec").sort_values(["origin_date", "step"])
    return torch.tensor(d[name].to_numpy().reshape(-1, 48), dtype=torch.float32)


def aus_retail(name: str, task) -> torch.Tensor:
    """A peer's ``aus_retail`` 2018 forecast, in the order of ``task``'s scored series.

    Parameters
    ----------
    name
        A key of ``SOURCES["aus_retail"]``.
    task : covtut.tasks.aus_retail.Task
        Gives the order (``task.scored`` into ``task.data.info``).

    Returns
    -------
    torch.Tensor
        ``(148, 12)`` float32, million AUD, row ``i`` the series ``task.scored[i]``.
    """
    _check("aus_retail", name)
    d = _table("aus_retail").sort_values(["unique_id", "ds"])
    wide = pd.DataFrame(d[name].to_numpy().reshape(-1, 12),
                        index=d["unique_id"].to_numpy()[::12])
    keys = [f"{s} | {i}" for s, i in task.data.info.index[task.scored.numpy()]]
    missing = [k for k in keys if k not in wide.index]
    if missing:
        raise ValueError(f"peers.aus_retail: no forecast of {len(missing)} scored series, "
                         f"first {missing[0]!r}")
    return torch.tensor(wide.loc[keys].to_numpy(), dtype=torch.float32)


def series_mase(pred: torch.Tensor, task, series: torch.Tensor | None = None) -> np.ndarray:
    """Each scored series' MASE over 2018: its mean of ``|y - pred| / scale``.

    Parameters
    ----------
    pred : (148, 12) a forecast in million AUD, in ``task.test``'s order
    task : covtut.tasks.aus_retail.Task
    series : (n,) int64, optional
        Only these series (the cold start's Tasmania), as in
        :func:`covtut.tasks.aus_retail.protocol.score`.

    Returns
    -------
    numpy.ndarray
        ``(n,)``: one loss per series, whose mean is the protocol's MASE of ``pred``.
    """
    truth = task.turnover.target[task.scored, task.split.val_end:, 0]  # (148, 12)
    rows = (torch.ones(len(task.scored), dtype=torch.bool) if series is None
            else torch.isin(task.scored, series))
    err = (torch.as_tensor(pred, dtype=torch.float32) - truth).abs()
    return (err[rows] / task.scale[task.scored][rows, None]).mean(dim=1).numpy()
