"""The page "Protocol: day-ahead electricity demand" (``book/protocol_vic_elec.md``), as code.

Used by chapter "Day-ahead electricity demand" (``book/08_day_ahead_demand``).

The task: at every local midnight (Australia/Melbourne), forecast the next 48 half-hours
of demand (MW) from the 336 half-hours (7 days) before, with temperature, the holiday
flag, the half-hour of the day and the day of week known over the horizon. Training
origins run from 2012-01-08 to 2013-12-31 (the last 72 are the validation set), test
origins are every midnight of 2014. Temperature over the horizon is the *observed* value,
used as if it were a perfect weather forecast.

This module holds the pipeline from the table to batches (:func:`load_table`,
:func:`prepare`, :func:`with_daily_temperature`, :func:`daily_statistics`), the window
variants the chapter tests (:func:`pipeline`, :func:`with_forecast_noise`) and the
reference rows of the protocol page (:data:`REFERENCE`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from covtut.core.batch import Batch
from covtut.data.scaling import SeriesScaler
from covtut.data.series import SeriesData
from covtut.data.split import Split, split_by_time
from covtut.data.table import from_dataframe
from covtut.data.windows import WindowDataset

__all__ = ["DAILY", "HORIZON", "KNOWN", "KNOWN_CAT", "LOOKBACK", "REFERENCE", "TEST_START",
           "TZ", "VAL_START", "Task", "daily_statistics", "day_index", "load_table",
           "pipeline", "prepare", "with_daily_temperature", "with_forecast_noise"]

#: The task's time zone (Australia/Melbourne). Forecast origins are its local midnights.
TZ = "Australia/Melbourne"
#: The lookback and the horizon, in half-hours (the week before the origin, the day after).
LOOKBACK, HORIZON = 336, 48
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


def day_index(time: pd.Index) -> torch.Tensor:
    """The local (Australia/Melbourne) date of every step of ``time`` as 0, 1, 2, ...

    Parameters
    ----------
    time : (T,) timestamps (UTC), the grid of a :class:`~covtut.data.series.SeriesData`

    Returns
    -------
    torch.Tensor
        ``(T,)`` int64: the first local date is 0, the next 1, and so on.
    """
    dates = pd.DatetimeIndex(time).tz_convert(TZ).normalize()
    return torch.as_tensor(pd.factorize(dates)[0], dtype=torch.long)


def daily_statistics(temp: torch.Tensor, day: torch.Tensor) -> torch.Tensor:
    """Each step's day maximum, minimum and mean of ``temp``.

    Parameters
    ----------
    temp : (n, T) float
        Values (here temperature, °C).
    day : (n, T) int64
        The day of each step, counted from 0 within each row (:func:`day_index`); the
        steps of one day need not be contiguous.

    Returns
    -------
    torch.Tensor
        ``(n, T, 3)``: the maximum, minimum and mean of ``temp`` over each step's day.
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
    day = day_index(data.time).to(data.known.device)  # (T,)
    temp = data.known[..., 0]  # (N, T)
    known = torch.cat([data.known, daily_statistics(temp, day.expand_as(temp))], dim=-1)
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
    day = day_index(task.raw.time)[origins[:, None] + torch.arange(H)]  # (n, H)
    known[:, L:, 2:5] = daily_statistics(known[:, L:, 0], day - day[:, :1])
    if scaled:
        return task.windows(origins).batch().replace(
            known=task.scaler.known.transform(known))
    return raw.replace(known=known)
