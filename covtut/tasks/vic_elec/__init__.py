"""Day-ahead electricity demand in Victoria, on the protocol of the book's page
"Protocol: day-ahead electricity demand" (``book/protocol_vic_elec.md``).

Used by chapter "Day-ahead electricity demand" (``book/08_day_ahead_demand``).

The task: at every local midnight (Australia/Melbourne), forecast the next 48 half-hours
of demand (MW) from the 336 half-hours (7 days) before, with temperature, the holiday
flag, the half-hour of the day and the day of week known over the horizon. Training
origins run from 2012-01-08 to 2013-12-31 (the last 72 are the validation set), test
origins are every midnight of 2014. Temperature over the horizon is the *observed* value,
used as if it were a perfect weather forecast.

* :mod:`~covtut.tasks.vic_elec.protocol`: the table, the split, the features, the
  reference rows;
* :mod:`~covtut.tasks.vic_elec.ridge`: the protocol's ridge regression;
* :mod:`~covtut.tasks.vic_elec.run`: the book's network, one training run, and the
  full-budget benchmark (``python -m covtut.tasks.vic_elec``, which ``make benchmark``
  runs when its result is stale).
"""

from __future__ import annotations

import sys

from covtut.tasks import benchmark
from covtut.tasks.vic_elec.protocol import (
    DAILY,
    HORIZON,
    KNOWN,
    KNOWN_CAT,
    LOOKBACK,
    REFERENCE,
    TEST_START,
    TZ,
    VAL_START,
    Task,
    daily_statistics,
    day_index,
    load_table,
    pipeline,
    prepare,
    with_daily_temperature,
    with_forecast_noise,
)
from covtut.tasks.vic_elec.ridge import RIDGE_FEATURES, DayAheadRidge, ridge_features
from covtut.tasks.vic_elec.run import (
    CONFIG,
    LIVE,
    NAME,
    PLAIN,
    build_network,
    full_config,
    full_run,
    naive_forecasts,
    origin_mae,
    run_network,
    scores,
)

__all__ = ["CONFIG", "DAILY", "HORIZON", "KNOWN", "KNOWN_CAT", "LIVE", "LOOKBACK", "NAME",
           "PLAIN", "REFERENCE", "RIDGE_FEATURES", "TEST_START", "TZ", "VAL_START",
           "DayAheadRidge", "Task", "build_network", "daily_statistics", "day_index",
           "full_config", "full_run", "load", "load_table", "main", "naive_forecasts",
           "origin_mae", "pipeline", "prepare", "ridge_features", "run_network", "scores",
           "with_daily_temperature", "with_forecast_noise"]


def load() -> dict:
    """The committed full-budget result, checked against the current code."""
    return benchmark.load_result(sys.modules[__name__])


def main(argv: list[str] | None = None) -> None:
    """``python -m covtut.tasks.vic_elec``: the full budget, written to the results."""
    benchmark.main(sys.modules[__name__], argv)
