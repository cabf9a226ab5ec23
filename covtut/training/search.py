"""Choose a configuration on validation: a small search with a fixed budget, never the test.

The book's chapters take their configurations from this one function. Each candidate (a
lookback, a network and its width, options such as seasonal lags, a learning rate, the
linear model's features) is trained as the recipe of
:func:`~covtut.training.residual.fit_linear_plus_network`: the linear model, then the
network on its residual, kept only if it helps on validation. Every candidate gets the
same number of optimiser steps, and is scored by the validation loss of what it keeps,
averaged over the seeds. Only ``windows(lookback).train`` and ``.val`` are read; the test
windows are never touched (a test hands the search test windows that raise when read).

A search reads validation windows many times, so what it reports on them is optimistic:
score the chosen configuration on the test period once, and keep calibration windows
(for intervals) apart from the selection windows given here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from covtut.core.batch import CovariateSpec
from covtut.data.recipe import Windowed
from covtut.models import build_model
from covtut.models.base import CovariateModel
from covtut.models.linear import ALPHAS, LinearModel
from covtut.training.residual import ResidualFit, fit_linear_plus_network

__all__ = ["Candidate", "SearchResult", "build_network", "search", "steps_to_epochs"]


@dataclass(frozen=True)
class Candidate:
    """One configuration to try.

    Attributes
    ----------
    lookback
        ``L`` of the windows (``windows(lookback)`` cuts them).
    model, hidden_size, lr
        The network (a key of :data:`covtut.models.MODELS`), its width, Adam's learning rate.
    options
        The network's other options (``{"lags": (48, 336)}``), as ``(name, value)`` pairs.
    linear
        The linear model's options (:class:`~covtut.models.linear.LinearModel`), as pairs.
    """

    lookback: int
    model: str = "encoder_decoder"
    hidden_size: int = 32
    lr: float = 3e-3
    options: tuple[tuple[str, object], ...] = ()
    linear: tuple[tuple[str, object], ...] = ()

    def label(self) -> str:
        """A short name for tables: ``encoder_decoder L=24 h=32 lr=0.003 lags=(12,)``."""
        extra = " ".join(f"{k}={v}" for k, v in self.options)
        return (f"{self.model} L={self.lookback} h={self.hidden_size} lr={self.lr:g}"
                + (f" {extra}" if extra else ""))


def build_network(candidate: Candidate, spec: CovariateSpec) -> CovariateModel:
    """The candidate's network for ``spec``: :func:`covtut.models.build_model` of its
    ``model``, ``hidden_size`` and ``options`` (the default of :func:`search`'s ``build``)."""
    return build_model(candidate.model, spec, hidden_size=candidate.hidden_size,
                       **dict(candidate.options))


def steps_to_epochs(n_windows: int, batch_size: int, steps: int) -> int:
    """The epochs that hold ``steps`` optimiser steps over ``n_windows`` training windows
    in batches of ``batch_size`` (``fit``'s ``max_steps`` stops it at ``steps``)."""
    per_epoch = -(-n_windows // batch_size)
    return -(-steps // per_epoch)


@dataclass
class SearchResult:
    """What :func:`search` tried and chose.

    Attributes
    ----------
    table
        One row per candidate and seed: ``candidate`` (its index), ``label``, ``seed``,
        ``linear_val``, ``combined_val``, ``kept``, ``val`` (the loss of what is kept),
        ``alpha`` (the linear model's penalty), ``seconds``.
    best
        The candidate with the lowest mean ``val`` (the earlier on a tie).
    fits
        The fitted recipe of every row, by ``(candidate index, seed)``.
    """

    table: pd.DataFrame
    best: Candidate
    fits: dict[tuple[int, int], ResidualFit]

    def summary(self) -> pd.DataFrame:
        """Per candidate: mean, min and max of ``val``, the share of seeds that kept the
        network, and the mean seconds; the chosen one first."""
        g = self.table.groupby(["candidate", "label"], sort=False)
        out = g.agg(val=("val", "mean"), val_min=("val", "min"), val_max=("val", "max"),
                    linear_val=("linear_val", "mean"), kept=("kept", "mean"),
                    seconds=("seconds", "mean"))
        return out.sort_values("val", kind="stable")


def search(candidates: Sequence[Candidate], windows: Callable[[int], Windowed], *,
           steps: int, seeds: Sequence[int] = (0,), batch_size: int = 128,
           loss: str = "mse", alphas: tuple[float, ...] = ALPHAS,
           device: str | torch.device | None = None,
           build: Callable[[Candidate, CovariateSpec], CovariateModel] = build_network,
           ) -> SearchResult:
    """Train every candidate with every seed for ``steps`` steps; keep the best on validation.

    Parameters
    ----------
    candidates
        The configurations, a handful (each costs ``len(seeds)`` trainings).
    windows
        ``lookback -> Windowed``: the same split and scaler for every lookback, so that
        every candidate is scored on the same validation windows (checked).
    steps
        Optimiser steps per training: the fixed budget.
    seeds
        Each seeds the network's weights and the order of its batches.
    loss, alphas, batch_size, device
        As :func:`~covtut.training.residual.fit_linear_plus_network`.
    build
        ``(candidate, spec) -> network``: how a candidate's network is made (default
        :func:`build_network`; a task wraps it, as the retail task's level normalisation).

    Raises
    ------
    ValueError
        If there is no candidate, or two candidates are scored on different validation
        windows.
    """
    if not candidates:
        raise ValueError("search(candidates=[]): give at least one candidate")
    rows, fits, reference = [], {}, None
    for i, c in enumerate(candidates):
        w = windows(c.lookback)
        val = w.val
        key = (val.series_index.tolist(), val.origin_index.tolist())
        if reference is None:
            reference = key
        elif key != reference:
            raise ValueError(
                f"search: candidate {i} ({c.label()}) is scored on other validation windows "
                f"than candidate 0 ({len(key[1])} against {len(reference[1])}); cut every "
                "lookback's windows from one split, with the same validation origins")
        for seed in seeds:
            linear = LinearModel(w.train.spec, **dict(c.linear))
            net = build(c, w.train.spec)
            r = fit_linear_plus_network(
                linear, net, w.train, val, alphas=alphas, loss=loss, batch_size=batch_size,
                epochs=steps_to_epochs(len(w.train), batch_size, steps), max_steps=steps,
                patience=steps, lr=c.lr,
                seed=seed, device=device, progress=False)
            fits[i, seed] = r
            rows.append({"candidate": i, "label": c.label(), "seed": seed,
                         "linear_val": r.linear_val, "combined_val": r.combined_val,
                         "kept": r.kept, "val": min(r.linear_val, r.combined_val),
                         "alpha": r.penalty.alpha if r.penalty else float("nan"),
                         "seconds": r.fit.seconds})
    table = pd.DataFrame(rows)
    means = table.groupby("candidate")["val"].mean()
    best = candidates[int(means.idxmin())]  # idxmin: the first of equal minima
    return SearchResult(table=table, best=best, fits=fits)
