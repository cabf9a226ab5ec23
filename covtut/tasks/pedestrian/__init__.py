"""The third real task, day-ahead pedestrian counts: its protocol and the book's recipe on it.

Its page, ``book/protocol_pedestrian.md``, was written and committed before any model
was run on the task. :mod:`~covtut.tasks.pedestrian.protocol` is that page in code;
:mod:`~covtut.tasks.pedestrian.recipe` runs the book's recipe on it once (``python -m
covtut.tasks.pedestrian``), every choice made on the selection half of its validation
period.
"""

import sys

from covtut.tasks import benchmark
from covtut.tasks.pedestrian.protocol import (
    HORIZON,
    LOOKBACK,
    PERIODS,
    SENSORS,
    TZ,
    holidays,
    load_table,
    origins,
    windows,
)
from covtut.tasks.pedestrian.recipe import (
    BUDGET,
    CANDIDATES,
    LINEAR_CHOICES,
    MEMBERS,
    NAME,
    SEARCH_SEEDS,
    SEEDS,
    Task,
    full_config,
    full_run,
    prepare,
    scores,
)

__all__ = ["BUDGET", "CANDIDATES", "HORIZON", "LINEAR_CHOICES", "LOOKBACK", "MEMBERS", "NAME",
           "PERIODS", "SEARCH_SEEDS", "SEEDS", "SENSORS", "TZ", "Task", "full_config",
           "full_run", "holidays", "load", "load_table", "main", "origins", "prepare",
           "scores", "windows"]


def load() -> dict:
    """The committed full run, checked against the current code."""
    return benchmark.load_result(sys.modules[__name__])


def main(argv: list[str] | None = None) -> None:
    """``python -m covtut.tasks.pedestrian``: the full run, written to the results."""
    benchmark.main(sys.modules[__name__], argv)
