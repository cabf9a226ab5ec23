"""Every model of :mod:`covtut.models` on every synthetic regime, under one budget.

Used by chapter "Where should my covariates go?" (``book/10_benchmark``).

The grid is :data:`~covtut.tasks.regimes.grid.MODELS` x :data:`~covtut.tasks.regimes.grid.REGIMES`
x :data:`~covtut.tasks.regimes.grid.SEEDS`. Run ``k`` of every model on a regime sees the same data
(drawn with seed ``k``) and starts from weights drawn with seed ``k``, so the book's verdict rule
(:func:`covtut.compare`) can pair them.

**The budget.** Every model gets the same number of optimiser steps
(:data:`~covtut.tasks.regimes.grid.BUDGET`), the same hidden size, batch size and learning rate,
and keeps the weights of its best validation loss. The same steps and width, not the same parameter
count: the question a reader asks is "where should my covariate enter a network of the size I would
use?", and an architecture's extra parameters (an MLP head, a weight network) are part of its
price, which the table shows beside its error (parameters and seconds per step).

The score is the test **floor ratio**: the model's mean squared error over the oracle's
(the conditional mean the generator knows; 1 is the best any model can do on average).

* :mod:`~covtut.tasks.regimes.grid`: the grid, one run, the full run;
* :mod:`~covtut.tasks.regimes.guide`: the verdicts per regime and the decision guide,
  read from the committed result.

``python -m covtut.tasks.regimes`` (``make benchmark``) runs the full grid and writes
``covtut/tasks/results/regimes.json``; the chapter runs a reduced grid live
(:data:`~covtut.tasks.regimes.grid.LIVE`).
"""

from __future__ import annotations

import sys

from covtut.tasks import benchmark
from covtut.tasks.regimes.grid import (
    BUDGET,
    DATA,
    LIVE,
    MODELS,
    NAME,
    REGIMES,
    SEEDS,
    Setup,
    full_config,
    full_run,
    grid,
    prepare,
    run,
)
from covtut.tasks.regimes.guide import (
    GUIDE,
    ROUTES,
    SAME_SPEED,
    STATIC_ROUTES,
    WITH_STATICS,
    cheapest_of,
    guide,
    verdicts,
)

__all__ = ["BUDGET", "DATA", "GUIDE", "LIVE", "MODELS", "NAME", "REGIMES", "ROUTES",
           "SAME_SPEED", "SEEDS", "STATIC_ROUTES", "WITH_STATICS", "Setup", "cheapest_of",
           "full_config", "full_run", "grid", "guide", "load", "main", "prepare", "run",
           "verdicts"]


def load() -> dict:
    """The committed full grid, checked against the current code."""
    return benchmark.load_result(sys.modules[__name__])


def main(argv: list[str] | None = None) -> None:
    """``python -m covtut.tasks.regimes``: the full grid, written to the results."""
    benchmark.main(sys.modules[__name__], argv)
