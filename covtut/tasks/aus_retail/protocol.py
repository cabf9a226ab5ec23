"""The page "Protocol: monthly retail turnover" (``book/protocol_aus_retail.md``), as code.

Used by chapter "Many series: retail turnover": the table, the panel and its split, the
scored series and the MASE yardstick, the seasonal naive forecast, the scores, and the
reference rows of the protocol page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from covtut.data import table, windows
from covtut.data.series import SeriesData
from covtut.data.split import Split, split_by_time
from covtut.evaluation import baselines, metrics
from covtut.tasks.aus_retail.config import CONFIG

__all__ = ["ALL_HISTORY", "COLD_HISTORY", "COLD_STATE", "HORIZON", "REFERENCE",
           "REFERENCE_COLD", "SEASON", "TEST_START", "VAL_START", "Task", "build",
           "cold_series", "load_table", "prepare", "score", "seasonal_naive_forecast",
           "without_statics"]

#: The horizon and the season, in months.
HORIZON, SEASON = 12, 12
VAL_START, TEST_START = "2017-01-01", "2018-01-01"  # validation 2017, test 2018
COLD_STATE = "Tasmania"  #: the State held out of training in the cold start
#: The months of history a cold-start series keeps (2016-01 to 2017-12).
COLD_HISTORY = 24
#: The grid's first month. As ``train_from``, training uses every origin.
ALL_HISTORY = "1982-04-01"

#: The reference rows of the protocol page (2-core CPU, one thread, 2026-12-01), quoted
#: from it: (MASE, its spread over 3 seeds or 0, sMAPE %, MAE).
REFERENCE: dict[str, tuple[float, float, float, float]] = {
    "seasonal naive": (1.162, 0.0, 5.97, 14.51),
    "AutoETS, per series (statsforecast)": (0.972, 0.0, 5.11, 10.50),
    "AutoARIMA, per series (statsforecast)": (0.927, 0.0, 5.10, 9.21),
    "NHITS, global (neuralforecast)": (0.964, 0.057, 5.13, 9.81),
    "NHITS, global, statics + month (neuralforecast)": (0.943, 0.040, 5.01, 9.67),
    "LSTM, global, statics + month (neuralforecast)": (1.130, 0.019, 5.99, 11.71),
}
#: The protocol file's cold start, Tasmania's 15 scored series, as (MASE, spread).
REFERENCE_COLD: dict[str, tuple[float, float]] = {
    "seasonal naive": (1.472, 0.0),
    "NHITS with Tasmania, 36 months": (0.810, 0.021),
    "NHITS with Tasmania, 24 months": (1.363, 0.284),
    "NHITS without Tasmania, 24 months": (1.573, 0.128),
}


def load_table() -> pd.DataFrame:
    """The ``aus_retail`` table, one row per (State, Industry, month), with calendar columns.

    Returns
    -------
    pandas.DataFrame
        64,532 rows: ``State``, ``Industry``, ``month`` (first day, a Timestamp),
        ``turnover`` (million AUD), ``log_turnover``, ``month_name`` (``"Jan"``...; a
        known-future category) and ``days`` (days in the month minus 30.44, known-future).
    """
    from tsdata.fpp3 import raw as fpp3

    raw = fpp3["aus_retail"]
    month = pd.to_datetime(raw["Month"], format="%Y %b")
    return pd.DataFrame({
        "State": raw["State"].astype(str), "Industry": raw["Industry"].astype(str),
        "month": month, "turnover": raw["Turnover"].astype(float),
        "log_turnover": np.log(raw["Turnover"].astype(float)),
        "month_name": month.dt.strftime("%b"),
        "days": month.dt.days_in_month.astype(float) - 30.44,
    }).sort_values(["State", "Industry", "month"], ignore_index=True)


@dataclass
class Task:
    """The panel, its split and everything the protocol scores with.

    Attributes
    ----------
    data : SeriesData
        ``N`` series on one monthly grid of ``T`` steps; target: log turnover.
    turnover : SeriesData
        The same, with the target in million AUD (for baselines and scores).
    split : Split
        ``train_end`` is the step of 2017-01, ``val_end`` that of 2018-01.
    train, val, test : WindowDataset
        Training windows (every origin from ``CONFIG["train_from"]`` whose horizon ends
        by 2016-12, of the training series), the validation origin 2017-01 and the test
        origin 2018-01 (the scored series).
    scored : (148,) int64
        The series whose last month is 2018-12; the test windows' series, in order.
    train_series : (n,) int64
        The series that training windows are cut from (all 152, or 135 without Tasmania).
    scale : (N,) float
        The MASE yardstick: each series' mean ``|y_t - y_{t-12}|`` up to 2017-12.
    """

    data: SeriesData
    turnover: SeriesData
    split: Split
    train: windows.WindowDataset
    val: windows.WindowDataset
    test: windows.WindowDataset
    scored: torch.Tensor
    train_series: torch.Tensor
    scale: torch.Tensor

    @property
    def states(self) -> np.ndarray:
        """The State of every scored series, in the order of the test windows."""
        return self.data.info.index.get_level_values("State")[self.scored.numpy()].to_numpy()


def build(df: pd.DataFrame) -> SeriesData:
    """The panel on one monthly grid: target log turnover, statics State and Industry.

    Category encoders are fitted on rows before 2018 only.
    """
    data, _ = table.from_dataframe(
        df, series=["State", "Industry"], time="month", target="log_turnover", known="days",
        known_cat="month_name", static_cat=["State", "Industry"],
        fit_until=pd.Timestamp(TEST_START), freq="MS")
    return data


def prepare(df: pd.DataFrame | None = None, *, cold_start: bool = False,
            lookback: int | None = None, min_lookback: int | None = None,
            train_from: str | None = None) -> Task:
    """The protocol's panel, split, scored series and yardstick.

    Parameters
    ----------
    df
        :func:`load_table` (default: loaded here).
    cold_start
        Hold every Tasmanian series out of training, and give each only its last
        ``COLD_HISTORY`` months before 2018 as history: its earlier rows are dropped
        (the two Tasmanian series that end in 2013 vanish with them). The yardstick
        still reads each series' full history up to 2017-12; it is no model input.
    lookback, min_lookback
        Default ``CONFIG``'s.
    train_from
        The first month a training window's horizon may start in (default ``CONFIG``'s);
        :data:`ALL_HISTORY`, the grid's first month, keeps every origin.
    """
    df = load_table() if df is None else df
    L = CONFIG["lookback"] if lookback is None else lookback
    m = CONFIG["min_lookback"] if min_lookback is None else min_lookback
    full = build(df)
    # the yardstick reads every month up to 2017-12 of the full table, before any cut
    turnover_full = full.replace(target=torch.where(full.valid()[..., None],
                                                    full.target.exp(), 0.0))
    split = split_by_time(full, L, HORIZON, test_start=TEST_START, val_start=VAL_START,
                          min_lookback=m)
    scale_full = baselines.seasonal_scale(turnover_full, split.val_end, SEASON)[:, 0]
    data = full
    if cold_start:
        first = pd.Timestamp(TEST_START) - pd.DateOffset(months=COLD_HISTORY)
        keep = (df["State"] != COLD_STATE) | (df["month"] >= first)
        data = build(df[keep])
        if not data.time.equals(full.time):
            raise RuntimeError("the cold-start panel lies on another grid")
    keys = list(full.info.index)
    where = {k: i for i, k in enumerate(keys)}
    scale = scale_full[[where[k] for k in data.info.index]]
    turnover = data.replace(target=torch.where(data.valid()[..., None], data.target.exp(),
                                               0.0))
    valid = data.valid()
    T = data.n_steps
    scored = torch.from_numpy(np.flatnonzero(valid[:, T - 1].numpy()))
    state = data.info.index.get_level_values("State")
    train_series = torch.arange(data.n_series)
    if cold_start:
        train_series = torch.from_numpy(np.flatnonzero(state != COLD_STATE))
    start = CONFIG["train_from"] if train_from is None else train_from
    first = int(data.time.searchsorted(pd.Timestamp(start)))
    train_set = windows.WindowDataset(data, L, HORIZON, split.train[split.train >= first],
                                      train_series,
                                      min_lookback=m)
    val_series = train_series[valid[train_series, split.val_end - 1]]  # observed in 2017
    val_set = windows.WindowDataset(data, L, HORIZON, split.val, val_series, min_lookback=m)
    test_set = windows.WindowDataset(data, L, HORIZON, split.test, scored, min_lookback=m)
    return Task(data=data, turnover=turnover, split=split, train=train_set, val=val_set,
                test=test_set, scored=scored, train_series=train_series, scale=scale)


def without_statics(task: Task) -> Task:
    """The same task with no static categorical column: a model without the embeddings."""
    data = task.data.without_statics(numeric=False)
    train_set, val_set, test_set = (ds.with_data(data) for ds in (task.train, task.val,
                                                                    task.test))
    return Task(data=data, turnover=task.turnover, split=task.split, train=train_set,
                val=val_set, test=test_set, scored=task.scored,
                train_series=task.train_series, scale=task.scale)


def seasonal_naive_forecast(task: Task) -> torch.Tensor:
    """The value 12 months earlier, for every test window: (148, 12) million AUD."""
    return baselines.seasonal_naive(task.turnover, task.test, SEASON)[..., 0]


def score(pred: torch.Tensor, task: Task, series: torch.Tensor | None = None) -> dict:
    """The protocol's metrics of a 2018 forecast.

    Parameters
    ----------
    pred : (n, 12) float
        Million AUD, one row per test window (``task.test``'s order: the scored series).
    series : (n,) int64, optional
        Score only the rows of these series (the cold start's Tasmania).

    Returns
    -------
    dict
        ``mase``, ``smape`` (%), ``mae`` (million AUD) over every scored point, equally
        weighted, and ``mase_by_state`` (State -> MASE).
    """
    truth = task.turnover.target[task.scored, task.split.val_end:, 0]  # (148, 12)
    scale = task.scale[task.scored]  # (148,)
    states = task.states
    rows = torch.ones(len(task.scored), dtype=torch.bool)
    if series is not None:
        rows = torch.isin(task.scored, series)
    p, y, s = pred[rows, :, None], truth[rows, :, None], scale[rows, None]
    per_row = ((p - y).abs()[..., 0] / s).mean(1)  # (n,) MASE of each series
    by_state = pd.Series(per_row.numpy(), index=states[rows.numpy()]).groupby(level=0).mean()
    return {"mase": metrics.mase(p, y, s), "smape": metrics.smape(p, y),
            "mae": metrics.mae(p, y), "mase_by_state": {k: float(v) for k, v in by_state.items()}}


def cold_series(task: Task) -> torch.Tensor:
    """Tasmania's scored series, (15,) int64 indices into ``task.data``."""
    state = task.data.info.index.get_level_values("State")[task.scored.numpy()]
    return task.scored[torch.from_numpy(np.asarray(state == COLD_STATE))]
