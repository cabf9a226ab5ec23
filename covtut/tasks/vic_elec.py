"""Day-ahead electricity demand in Victoria, on the protocol of the book's page
"Protocol: day-ahead electricity demand" (``book/protocol_vic_elec.md``).

Used by chapter "Day-ahead electricity demand" (``book/08_day_ahead_demand``).

The task: at every local midnight (Australia/Melbourne), forecast the next 48 half-hours
of demand (MW) from the 336 half-hours (7 days) before, with temperature, the holiday
flag, the half-hour of the day and the day of week known over the horizon. Training
origins run from 2012-01-08 to 2013-12-31 (the last 72 are the validation set), test
origins are every midnight of 2014. Temperature over the horizon is the *observed* value,
used as if it were a perfect weather forecast.

The module holds the pipeline from the table to batches (:func:`load_table`,
:func:`prepare`, :func:`with_daily_temperature`), the ridge regression the protocol
lists (:class:`DayAheadRidge`), the book's network for the task (:func:`build_network`),
one training run (:func:`run_network`) and the full-budget benchmark
(``python -m covtut.tasks.vic_elec``, which ``make benchmark`` runs).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn

from covtut.core.batch import Batch
from covtut.data.scaling import SeriesScaler
from covtut.data.series import SeriesData
from covtut.data.split import Split, split_by_time
from covtut.data.table import from_dataframe
from covtut.data.windows import WindowDataset

__all__ = ["TZ", "LOOKBACK", "HORIZON", "VAL_START", "TEST_START", "REFERENCE",
           "load_table", "with_daily_temperature", "Task", "prepare", "ridge_features",
           "DayAheadRidge"]

#: The task's time zone (Australia/Melbourne). Forecast origins are its local midnights.
TZ = "Australia/Melbourne"
#: The lookback and the horizon, in half-hours (the week before the origin, the day after).
LOOKBACK, HORIZON = 336, 48  # 7 days of half-hours before the origin; the next day after
VAL_START, TEST_START = "2013-10-21", "2014-01-01"
KNOWN = ["Temperature", "Holiday"]  # numeric known-future columns of the table
KNOWN_CAT = ["half_hour", "weekday"]  # local half-hour of the day (0-47), day of week (0-6)
DAILY = ["temp_day_max", "temp_day_min", "temp_day_mean"]  # added by with_daily_temperature

#: The reference table of the protocol page (test MAE in MW; ``spread`` is the published
#: "±" over 3 seeds, read as their standard deviation; 0 for deterministic methods).
REFERENCE = pd.DataFrame([
    ("seasonal naive, weekly", 343.3, 613.5, 7.06, 0.0),
    ("naive, previous day", 366.9, 570.5, 7.81, 0.0),
    ("ridge, no demand lags", 211.5, 315.6, 4.56, 0.0),
    ("ridge, with demand lags", 126.9, 187.4, 2.71, 0.0),
    ("LightGBM, midnight origins", 131.7, 200.1, 2.79, 0.0),
    ("LightGBM, every 4th half-hour origin", 127.8, 194.1, 2.69, 0.0),
    ("NHITS, no covariates", 205.5, 374.3, 4.24, 1.4),
    ("LSTM, no covariates", 261.3, 423.9, 5.55, 6.6),
    ("NHITS, covariates", 135.9, 203.9, 2.86, 3.6),
    ("LSTM, covariates", 139.2, 205.7, 2.96, 2.7),
    ("TFT, covariates (1 seed)", 160.1, 232.8, 3.41, 0.0),
    ("DeepAR, covariates", 283.4, 431.0, 5.90, 36.7),
], columns=["method", "mae", "rmse", "mape", "spread"]).set_index("method")


def load_table() -> pd.DataFrame:
    """``vic_elec`` as a long table with the calendar columns the task uses.

    Returns
    -------
    pandas.DataFrame
        52,608 rows: ``region`` (one series, "VIC"), ``Time`` (UTC timestamps),
        ``Demand`` (MW), ``Temperature`` (°C), ``Holiday`` (0 or 1), ``half_hour`` and
        ``weekday`` of the local time, ``date`` (the local date).
    """
    from tsdata.fpp3 import raw as fpp3

    vic = fpp3["vic_elec"]
    time = pd.to_datetime(vic["Time"], utc=True)
    local = time.dt.tz_convert(TZ)
    return pd.DataFrame({
        "region": "VIC",
        "Time": time,
        "Demand": vic["Demand"].to_numpy(float),
        "Temperature": vic["Temperature"].to_numpy(float),
        "Holiday": vic["Holiday"].to_numpy(float),
        "half_hour": (local.dt.hour * 2 + local.dt.minute // 30).to_numpy(),
        "weekday": local.dt.day_of_week.to_numpy(),
        "date": local.dt.date.astype(str).to_numpy(),
    })


def _day_index(time: pd.Index) -> torch.Tensor:
    """The local date of every grid step as 0, 1, 2, ... ``(T,)`` int64."""
    dates = pd.DatetimeIndex(time).tz_convert(TZ).normalize()
    return torch.as_tensor(pd.factorize(dates)[0], dtype=torch.long)


def _daily_stats(temp: torch.Tensor, day: torch.Tensor) -> torch.Tensor:
    """Each step's day maximum, minimum and mean of ``temp``: ``(n, T, 3)``.

    ``temp`` ``(n, T)``; ``day`` ``(n, T)`` int64, the day of each step counted from 0
    within each row (steps of one day need not be contiguous).
    """
    n_days = int(day.max()) + 1
    stats = []
    for reduce in ("amax", "amin", "mean"):
        out = temp.new_zeros(temp.shape[0], n_days)
        out = out.scatter_reduce(1, day, temp, reduce=reduce, include_self=False)
        stats.append(out.gather(1, day))  # (n, T): each step gets its day's statistic
    return torch.stack(stats, dim=-1)


def with_daily_temperature(data: SeriesData) -> SeriesData:
    """Append the local day's maximum, minimum and mean temperature as known columns.

    The statistics of step ``t`` are those of ``t``'s whole local day: over the horizon,
    they use the day's temperatures after ``t`` too, which is allowed only because
    temperature is treated as known (a perfect forecast). Computed from ``data.known``
    and ``data.time``, so :func:`covtut.check_no_leakage` runs this construction again on
    perturbed data (``make_batch=``).

    Parameters
    ----------
    data
        ``known`` ``(N, T, k)`` with ``Temperature`` first; ``time`` the grid.

    Returns
    -------
    SeriesData
        ``known`` ``(N, T, k + 3)``.
    """
    day = _day_index(data.time).to(data.known.device)  # (T,)
    temp = data.known[..., 0]  # (N, T)
    known = torch.cat([data.known, _daily_stats(temp, day.expand_as(temp))], dim=-1)
    columns = dict(data.columns or {})
    if "known" in columns:
        columns["known"] = (*columns["known"], *DAILY)
    return data.replace(known=known, columns=columns)


@dataclass
class Task:
    """The task's data, split and scaler, as :func:`prepare` returns them.

    Attributes
    ----------
    source
        The series as :func:`covtut.from_dataframe` returns them (MW, °C), before any
        feature is built: what :func:`covtut.check_no_leakage` perturbs.
    raw
        The same with the daily temperature statistics (:func:`with_daily_temperature`).
    data
        The same, scaled by ``scaler`` (fitted on steps before the validation origins).
    split
        Origins: ``train`` (652), ``val`` (72), ``test`` (365), local midnights.
    scaler
        Fitted on the training period only.
    """

    source: SeriesData
    raw: SeriesData
    data: SeriesData
    split: Split
    scaler: SeriesScaler

    def windows(self, origins: torch.Tensor, scaled: bool = True) -> WindowDataset:
        """The windows at ``origins``, from the scaled or the raw series."""
        return WindowDataset(self.data if scaled else self.raw, LOOKBACK, HORIZON,
                             origins=origins)

    def train_origins(self, every: int = HORIZON, refit: bool = False) -> torch.Tensor:
        """Training origins, every ``every`` half-hours from the first midnight origin.

        ``every=48``: the protocol's midnights. A smaller step adds origins inside the
        days (more windows from the same period); their horizons still end before the
        validation period (``refit=True``: before the test period, the refit on all 724).
        """
        end = self.split.val_end if refit else self.split.train_end
        first = int(self.split.train[0])
        return torch.arange(first, end - HORIZON + 1, every)

    def truth(self, origins: torch.Tensor) -> torch.Tensor:
        """Demand (MW) over the horizon of each origin, ``(n, H)``."""
        return self.raw.target[0, origins[:, None] + torch.arange(HORIZON), 0]


def prepare(table: pd.DataFrame | None = None) -> Task:
    """The protocol's pipeline from the table to scaled series and the split."""
    table = load_table() if table is None else table
    data, _ = from_dataframe(table, series="region", time="Time", target="Demand",
                             known=KNOWN, known_cat=KNOWN_CAT)
    raw = with_daily_temperature(data)
    split = split_by_time(raw, LOOKBACK, HORIZON, val_start=VAL_START, test_start=TEST_START,
                          at="midnight", tz=TZ)
    scaler = SeriesScaler().fit(raw, split.train_end)
    return Task(source=data, raw=raw, data=scaler.transform(raw), split=split, scaler=scaler)


def pipeline(task: Task, scaled: bool = True):
    """The whole way from source series to one window, for ``check_no_leakage(make_batch=)``.

    Builds the daily temperature statistics, scales with the task's (training-period)
    scaler if ``scaled``, and cuts the window (series ``s``, origin ``o``).
    """

    def make_batch(data: SeriesData, s: int, o: int) -> Batch:
        d = with_daily_temperature(data)
        d = task.scaler.transform(d) if scaled else d
        return WindowDataset(d, LOOKBACK, HORIZON, origins=[o], series=[s]).batch()

    return make_batch


def with_forecast_noise(task: Task, origins: torch.Tensor, sd_day_ahead: float, seed: int = 0,
                        persistence: float = 0.9, scaled: bool = True) -> Batch:
    """Test windows whose horizon temperature is a noisy forecast instead of the truth.

    The error at horizon step ``k`` is ``sd_day_ahead * (k + 1) / H`` times an AR(1)
    series of unit variance with the given ``persistence`` (a forecast that is too warm
    at 14:00 is too warm at 14:30 as well): it grows with lead time to ``sd_day_ahead``
    °C at the last step. The daily statistics are computed again from the noisy values,
    as they would be from a forecast, over the horizon's steps of each local date; the
    lookback keeps the observed temperatures.

    Returns
    -------
    Batch
        The windows at ``origins``; scaled by the task's scaler if ``scaled``.
    """
    L, H = LOOKBACK, HORIZON
    raw = task.windows(origins, scaled=False).batch()
    g = torch.Generator().manual_seed(seed)
    e = torch.randn(len(origins), H, generator=g, dtype=torch.float64)
    z = torch.empty_like(e)
    z[:, 0] = e[:, 0]
    for k in range(1, H):  # stationary AR(1): unit variance at every step
        z[:, k] = persistence * z[:, k - 1] + (1 - persistence ** 2) ** 0.5 * e[:, k]
    sd = sd_day_ahead * torch.arange(1, H + 1, dtype=torch.float64) / H
    known = raw.known.clone()
    known[:, L:, 0] += (sd * z).to(known.dtype)
    # the horizon's daily statistics, from the forecast: over its steps of each local
    # date (the whole day, except on the two daylight-saving days, of 46 and 50 steps)
    day = _day_index(task.raw.time)[origins[:, None] + torch.arange(H)]  # (n, H)
    known[:, L:, 2:5] = _daily_stats(known[:, L:, 0], day - day[:, :1])
    if scaled:
        return task.windows(origins).batch().replace(
            known=task.scaler.known.transform(known))
    return raw.replace(known=known)


# ---------------------------------------------------------------------------------------
# The ridge regression of the protocol: one linear model per horizon step
# ---------------------------------------------------------------------------------------

#: The names of the ridge regression's features, in the order of the columns of
#: :func:`ridge_features`.
RIDGE_FEATURES = [
    "temperature", "max(T-20,0)", "max(T-25,0)", "max(18-T,0)", "max(12-T,0)",
    "day max T", "day min T", "day mean T", "max(day max T-30,0)", "holiday",
    *[f"weekday {d}" for d in range(7)],
    "demand 1 day earlier", "demand 1 week earlier", "last demand", "mean demand, last day",
    "mean demand, last week",
]


def ridge_features(batch: Batch, lags: bool = True) -> torch.Tensor:
    """The protocol's ridge features for every horizon step, from a raw (unscaled) batch.

    Everything is read from the window: temperature and calendar over the horizon (known
    columns), demand from the lookback only (``past_target``).

    Parameters
    ----------
    batch
        Unscaled windows: ``known`` ``(B, L + H, 5)`` (temperature, holiday, day max,
        min and mean), ``known_cat`` ``(B, L + H, 2)`` (codes of half-hour and weekday).
    lags
        Include the demand features (the last five of :data:`RIDGE_FEATURES`).

    Returns
    -------
    torch.Tensor
        ``(B, H, n_features)``, in the order of :data:`RIDGE_FEATURES`.
    """
    L, H = batch.lookback, batch.horizon
    k = batch.known[:, L:]  # (B, H, 5)
    t = k[..., 0]
    relu = torch.relu
    weekday = batch.known_cat[:, L:, 1] - 1  # codes 1..7 -> 0..6 (0 is "unseen")
    parts = [t, relu(t - 20), relu(t - 25), relu(18 - t), relu(12 - t),
             k[..., 2], k[..., 3], k[..., 4], relu(k[..., 2] - 30), k[..., 1]]
    parts = [p[..., None] for p in parts]
    parts.append(nn.functional.one_hot(weekday.clamp_min(0), 7).to(t.dtype))
    if lags:
        y = batch.past_target[..., 0]  # (B, L)
        steps = torch.arange(H, device=y.device)
        ones = torch.ones_like(t)  # (B, H): one value per window, the same for every step
        day_mean, week_mean = y[:, -48:].mean(1, keepdim=True), y.mean(1, keepdim=True)
        parts += [y[:, L - 48 + steps][..., None], y[:, L - 336 + steps][..., None],
                  (y[:, -1:] * ones)[..., None], (day_mean * ones)[..., None],
                  (week_mean * ones)[..., None]]
    return torch.cat(parts, dim=-1)


class DayAheadRidge(nn.Module):
    """Ridge regression, one model per horizon step, on :func:`ridge_features`.

    A module with the models' contract (a raw :class:`~covtut.core.batch.Batch` in,
    ``(B, H, 1)`` MW out), so that :func:`covtut.check_no_leakage` tests it like a
    network. Fit in closed form with :meth:`fit`; features are standardised per step on
    the training windows.

    Parameters
    ----------
    horizon
        ``H``: one coefficient vector per step.
    lags
        Use the demand features (the protocol's "with demand lags").
    alpha
        The L2 penalty on the standardised coefficients.
    """

    def __init__(self, horizon: int = HORIZON, lags: bool = True, alpha: float = 1.0) -> None:
        super().__init__()
        self.lags, self.alpha = lags, alpha
        n = len(RIDGE_FEATURES) - (0 if lags else 5)
        # parameters without gradients, so the module has a device like a network
        self.mean = nn.Parameter(torch.zeros(horizon, n), requires_grad=False)
        self.std = nn.Parameter(torch.ones(horizon, n), requires_grad=False)
        self.coef = nn.Parameter(torch.zeros(horizon, n), requires_grad=False)
        self.intercept = nn.Parameter(torch.zeros(horizon), requires_grad=False)

    def features(self, batch: Batch) -> torch.Tensor:
        """The features of every horizon step, ``(B, H, F)``; override to add some."""
        return ridge_features(batch, self.lags)

    def fit(self, batch: Batch) -> DayAheadRidge:
        """Solve ``(X'X + alpha I) w = X'y`` per step, on standardised features."""
        x = self.features(batch).double()  # (B, H, F)
        y = batch.future_target[..., 0].double()  # (B, H)
        mean, std = x.mean(0), x.std(0).clamp_min(1e-8)  # (H, F)
        z = ((x - mean) / std).transpose(0, 1)  # (H, B, F)
        yc = (y - y.mean(0)).T[..., None]  # (H, B, 1)
        eye = torch.eye(z.shape[-1], dtype=z.dtype)
        w = torch.linalg.solve(z.transpose(1, 2) @ z + self.alpha * eye, z.transpose(1, 2) @ yc)
        dtype = self.coef.dtype
        for name, value in (("mean", mean), ("std", std), ("coef", w[..., 0]),
                            ("intercept", y.mean(0))):  # shaped by the features
            setattr(self, name, nn.Parameter(value.to(dtype), requires_grad=False))
        return self

    def forward(self, batch: Batch) -> torch.Tensor:
        """Forecast ``(B, H, 1)`` in MW."""
        z = (self.features(batch) - self.mean) / self.std  # (B, H, F)
        return ((z * self.coef).sum(-1) + self.intercept)[..., None]


# ---------------------------------------------------------------------------------------
# The book's network for the task, one training run, and the full-budget benchmark
# ---------------------------------------------------------------------------------------

#: The full-budget configuration that ``python -m covtut.tasks.vic_elec`` runs. ``every``:
#: training origins every 8 half-hours (6 times the midnights, as the LightGBM peer's
#: "every 4th half-hour" does with 12 times); ``lags``: demand and temperature one day
#: and one week before each horizon step; the encoder reads the last day only.
CONFIG = {
    "model": {"hidden_size": 64, "head": "mlp", "head_hidden": 64, "cell": "lstm",
              "lags": [48, 336], "skip_inputs": True, "encoder_steps": 48},
    "fit": {"epochs": 40, "batch_size": 128, "lr": 3e-3, "patience": 6, "loss": "l1"},
    "every": 8,
    "seeds": [0, 1, 2, 3, 4],
    "torch_threads": 1,
}

#: The chapter's live run, the same model on half the training origins (every 16
#: half-hours) and at most 20 epochs, three seeds, so that the page runs in minutes.
LIVE = {**CONFIG, "every": 16, "fit": {**CONFIG["fit"], "epochs": 20}, "seeds": [0, 1, 2]}

#: The same without the lags and the skip, that is the encoder-decoder of chapter 7,
#: which reads the whole week, with the same training budget; three seeds (its recurrence
#: over 336 steps makes each run about 5 minutes on one CPU thread).
PLAIN = {**CONFIG, "model": {**CONFIG["model"], "lags": [], "skip_inputs": False,
                             "encoder_steps": None}, "seeds": [0, 1, 2]}


def build_network(spec, model: dict) -> nn.Module:
    """The encoder-decoder of ``model`` (a ``CONFIG["model"]``) for ``spec``."""
    from covtut.models import ModelConfig
    from covtut.models.encoder_decoder import EncoderDecoderRNN

    return EncoderDecoderRNN(
        spec, ModelConfig(hidden_size=model["hidden_size"], head=model["head"],
                          head_hidden=model["head_hidden"], cell=model["cell"]),
        lags=tuple(model["lags"]), skip_inputs=model["skip_inputs"],
        encoder_steps=model["encoder_steps"])


def naive_forecasts(task: Task, origins: torch.Tensor) -> dict[str, torch.Tensor]:
    """The protocol's two naive forecasts (MW, ``(n, H)``): the same half-hour one week
    earlier (``seasonal naive, weekly``) and one day earlier (``naive, previous day``)."""
    y = task.raw.target[0, :, 0]
    t = origins[:, None] + torch.arange(HORIZON)
    return {"seasonal naive, weekly": y[t - 336], "naive, previous day": y[t - 48]}


def scores(pred: torch.Tensor, truth: torch.Tensor) -> dict[str, float]:
    """The protocol's metrics of forecasts ``(n, H)`` in MW: MAE, RMSE, MAPE (%)."""
    err = pred - truth
    return {"mae": float(err.abs().mean()), "rmse": float(err.pow(2).mean().sqrt()),
            "mape": float((err.abs() / truth.abs()).mean() * 100)}


def run_network(task: Task, config: dict, seed: int,
                device: torch.device | str | None = None) -> dict:
    """Train the network of ``config`` with ``seed``; score it on the test origins.

    Early stopping on the validation origins; no refit. ``device``: default
    :func:`covtut.get_device` (a GPU if there is one).

    Returns
    -------
    dict
        ``mae``, ``rmse``, ``mape`` (MW, %), ``seconds`` of training, ``steps``,
        ``best_epoch``, ``model`` (the trained module, on ``device``) and ``pred``, the
        test forecast ``(365, 48)`` in MW, on the CPU.
    """
    from covtut.training.trainer import fit, predict

    train = task.windows(task.train_origins(config["every"]))
    val, test = task.windows(task.split.val), task.windows(task.split.test)
    model = build_network(train.spec, config["model"])
    r = fit(model, train, val, seed=seed, device=device, **config["fit"])
    pred = task.scaler.inverse_target(predict(r.model, test))[..., 0]  # (365, 48) MW
    return {**scores(pred, task.truth(task.split.test)), "seconds": r.seconds,
            "steps": r.steps, "best_epoch": r.best_epoch, "model": r.model,
            "pred": pred.detach().cpu()}


def origin_mae(pred: torch.Tensor, truth: torch.Tensor) -> list[float]:
    """Each test origin's MAE over its 48 half-hours, MW: the per-origin losses that
    :func:`covtut.compare_forecasts` tests (their mean is the test MAE).

    Parameters
    ----------
    pred, truth : (n, 48) forecasts and actual demand, MW
    """
    return [round(float(v), 3) for v in (pred - truth).abs().mean(dim=1)]


def modules() -> list:
    """The code the benchmark runs, hashed with its configuration: the package modules
    it uses, and this module's functions on the benchmark's path (not the chapter's
    helpers, so that editing those leaves the committed result current)."""
    from covtut.core import batch
    from covtut.data import scaling, split, table, windows
    from covtut.models import base, encoder_decoder, lengths
    from covtut.training import trainer as train

    return [batch, scaling, split, table, train, windows, base, encoder_decoder, lengths,
            load_table, _day_index, _daily_stats, with_daily_temperature, Task, prepare,
            build_network,
            scores, run_network, origin_mae, main]


def benchmark_config() -> dict:
    """Everything the committed result depends on: both networks' configurations."""
    return {"best": CONFIG, "plain": PLAIN}


def main() -> None:
    """Run the full budget over ``CONFIG["seeds"]`` and write
    ``covtut/tasks/results/vic_elec.json``."""
    import time

    from covtut.tasks.benchmark import code_hash, environment, save_result

    torch.set_num_threads(CONFIG["torch_threads"])
    start = time.perf_counter()
    # hashed now, while the files on disk are the code this process loaded (inspect reads
    # the files again when asked, so an edit during the run would hash something else)
    bench_config, digest = benchmark_config(), code_hash(benchmark_config(), modules())
    task = prepare()
    truth = task.truth(task.split.test)
    runs, ensembles = {}, {}
    for name, config in (("best", CONFIG), ("plain", PLAIN)):
        runs[name], preds = [], []
        for seed in config["seeds"]:
            r = run_network(task, config, seed)
            r.pop("model")
            preds.append(r.pop("pred"))
            runs[name].append({"seed": seed, **r, "origin_mae": origin_mae(preds[-1], truth)})
            print(f"{name} seed {seed}: MAE {r['mae']:.1f} MW, {r['seconds']:.0f} s", flush=True)
        mean = torch.stack(preds).mean(dim=0)  # the seed-averaged forecast, (365, 48) MW
        ensembles[name] = {**scores(mean, truth), "origin_mae": origin_mae(mean, truth)}
    if code_hash(bench_config, modules()) != digest:
        raise RuntimeError("the configuration or the code changed on disk during the run; "
                           "the result is not written: run the benchmark again")
    path = save_result("vic_elec", {
        "task": "book/protocol_vic_elec.md", "config": bench_config,
        "runs": runs, "ensembles": ensembles, "environment": environment(), "code_hash": digest,
        "wall_seconds": time.perf_counter() - start,
        "command": "python -m covtut.tasks.vic_elec",
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    # run the module's functions under their own name, not __main__'s, so that the code
    # hash names them as the chapter and the tests do
    from covtut.tasks.vic_elec import main as _main

    _main()
