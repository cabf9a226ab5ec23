"""The book's recipe, end to end: the linear baseline, a network on its residual, seeds.

Introduced in chapter "Start from the linear model"; the three real tasks run it
(``covtut.tasks.pedestrian``, ``covtut.tasks.vic_elec.recipe``,
``covtut.tasks.aus_retail.recipe``). Three stages, each reading the training windows and
the *selection* windows (``windows(lookback).val``) only:

1. the linear baseline: the best of a few feature configurations and its penalty
   (:func:`~covtut.models.linear.choose_linear`);
2. a network trained on its residual and kept only if it lowers the selection loss, its
   configuration the best of a handful of candidates, each trained with the same seeds and
   the same budget of optimiser steps (:func:`~covtut.training.search.search`);
3. the chosen configuration trained with more seeds; :meth:`RecipeRun.ensembles` averages
   them in disjoint seed ensembles.

Nothing here reads a test window: a task scores the result on its test period once, after
every choice. Keep the windows that will calibrate intervals out of the selection windows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from covtut.core.batch import CovariateSpec
from covtut.data.recipe import Windowed
from covtut.models.base import CovariateModel
from covtut.models.ensemble import Ensemble
from covtut.models.linear import LinearModel, choose_linear
from covtut.training.residual import ResidualFit
from covtut.training.search import Candidate, SearchResult, build_network, search

__all__ = ["RecipeRun", "run_recipe"]


@dataclass
class RecipeRun:
    """What :func:`run_recipe` chose and trained.

    Attributes
    ----------
    linear
        The chosen linear baseline, fitted on the training windows with its penalty.
    linear_options
        Its options (keyword arguments of :class:`~covtut.models.linear.LinearModel`).
    linear_table
        One row per linear configuration tried: ``options``, ``alpha``, ``val``.
    search
        The search over the candidates (each with the chosen linear options).
    chosen
        The index of the chosen candidate.
    fits
        Seed -> the chosen configuration's fitted recipe, for every seed of the run.
    """

    linear: LinearModel
    linear_options: dict
    linear_table: pd.DataFrame
    search: SearchResult
    chosen: int
    fits: dict[int, ResidualFit]

    def ensembles(self, members: int) -> list[tuple[tuple[int, ...], Ensemble]]:
        """Disjoint seed ensembles of ``members`` models each, in seed order.

        Returns
        -------
        list
            ``(seeds, ensemble)`` pairs; seeds left over after the last whole ensemble are
            not used.
        """
        seeds = sorted(self.fits)
        groups = [tuple(seeds[i:i + members]) for i in range(0, len(seeds) - members + 1,
                                                             members)]
        return [(g, Ensemble([self.fits[s].model for s in g])) for g in groups]

    def runs(self) -> list[dict]:
        """Per seed: ``seed``, ``kept``, ``linear_val``, ``combined_val``, ``gain`` (the
        relative selection gain), ``alpha``, ``seconds``, ``steps``, ``best_epoch``."""
        return [{"seed": s, "kept": r.kept, "linear_val": r.linear_val,
                 "combined_val": r.combined_val, "gain": r.gain, "alpha": r.penalty.alpha,
                 "seconds": r.fit.seconds, "steps": r.fit.steps,
                 "best_epoch": r.fit.best_epoch} for s, r in sorted(self.fits.items())]


def run_recipe(windows: Callable[[int], Windowed], candidates: Sequence[Candidate], *,
               linear_choices: Sequence[dict], lookback: int, steps: int,
               search_seeds: Sequence[int], seeds: Sequence[int], batch_size: int = 128,
               loss: str = "l1", linear_loss: str = "mae",
               build: Callable[[Candidate, CovariateSpec], CovariateModel] = build_network,
               device: str | torch.device | None = "cpu", log: bool = False) -> RecipeRun:
    """Choose the linear baseline, search the candidates, train the chosen one's seeds.

    Parameters
    ----------
    windows
        ``lookback -> Windowed``, as :func:`~covtut.training.search.search` takes it; only
        ``.train`` and ``.val`` (the selection windows) are read.
    candidates
        The network configurations to try; their ``linear`` options are replaced by the
        chosen linear configuration's.
    linear_choices
        Keyword arguments of :class:`~covtut.models.linear.LinearModel`, one dict each.
    lookback
        The lookback of the windows the linear configurations are chosen on.
    steps, batch_size, loss, build, device
        As :func:`~covtut.training.search.search`: one budget for every training.
    search_seeds
        The seeds every candidate is trained with.
    seeds
        The seeds of the chosen configuration (those in ``search_seeds`` are reused).
    linear_loss
        ``"mae"`` or ``"mse"``: how the linear configurations are compared.
    log
        Print the tables as they are made.
    """
    w = windows(lookback)
    linear, options, table = choose_linear(linear_choices, w.train.spec, w.train.batch(),
                                           w.val.batch(), loss=linear_loss)
    if log:
        print(table, flush=True)
    with_linear = [dataclasses.replace(c, linear=tuple(options.items())) for c in candidates]
    kwargs = {"steps": steps, "batch_size": batch_size, "loss": loss, "device": device,
              "build": build}
    found = search(with_linear, windows, seeds=search_seeds, **kwargs)
    if log:
        print(found.summary().round(4), flush=True)
    chosen = with_linear.index(found.best)
    rest = [s for s in seeds if s not in search_seeds]
    fits = {s: found.fits[chosen, s] for s in search_seeds if s in seeds}
    if rest:
        final = search([found.best], windows, seeds=rest, **kwargs)
        fits |= {s: final.fits[0, s] for s in rest}
    if log:
        for s, r in sorted(fits.items()):
            print(f"seed {s}: kept {r.kept}, selection gain {r.gain:.3f}", flush=True)
    return RecipeRun(linear=linear, linear_options=options, linear_table=table, search=found,
                     chosen=chosen, fits=fits)
