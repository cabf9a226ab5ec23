"""Figures with one look across the book: the same colour for the same model everywhere.

Introduced in chapter "Getting started".
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

__all__ = ["COLORS", "color", "plot_forecast", "plot_learning_curves", "plot_comparison",
           "plot_heatmap", "plot_fan_chart", "plot_reliability"]

#: One colour per model (colour-blind-safe Okabe-Ito palette), used by every chapter.
COLORS = {
    "truth": "#000000",
    "oracle": "#999999",
    "seasonal_naive": "#B0B0B0",
    "naive_concat": "#D55E00",  # vermillion: the recipe the book takes apart
    "concat": "#E69F00",
    "concat_mlp": "#CC6677",  # concatenation with an MLP head (the benchmark)
    "embed_concat": "#E69F00",
    "init_state": "#56B4E9",
    "film": "#0072B2",
    "attention": "#CC79A7",
    "gated_gru": "#009E73",
    "gated_gru_static": "#DDCC77",  # the EA-LSTM's gate, statics alone (the benchmark)
    "late_fusion": "#F0E442",
    "encoder_decoder": "#882255",
    "encoder_decoder_lags": "#332288",  # with seasonal lags (chapter "Day-ahead demand")
    "ridge": "#117733",  # the ridge regression with demand lags
    "recipe": "#AA4499",  # the linear baseline plus a network on its residual (chapter 12)
    "variable_selection": "#44AA99",  # weighs covariates per step (TFT-style)
    "covariate": "#4D4D4D",
}
_EXTRA = ["#332288", "#117733", "#44AA99", "#88CCEE", "#DDCC77", "#AA4499"]


def color(name: str) -> str:
    """The colour of ``name`` (a model key), or a stable extra colour for others."""
    if name in COLORS:
        return COLORS[name]
    return _EXTRA[sum(map(ord, name)) % len(_EXTRA)]


def _style(ax: plt.Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3)


def plot_forecast(past: torch.Tensor, future: torch.Tensor, forecasts: dict[str, torch.Tensor],
                  covariate: torch.Tensor | None = None, covariate_name: str = "covariate",
                  title: str = "", ylabel: str = "target", step_unit: str = "steps"):
    """One window: the past, the truth and each forecast; the covariate underneath.

    Parameters
    ----------
    past, future
        The target before (shape ``(L,)``) and after (``(H,)``) the origin.
    forecasts : dict
        Model name -> that model's forecast, of shape ``(H,)``; colours from
        :data:`COLORS`.
    covariate : (L + H,), optional
        Drawn in a panel below, sharing the time axis.
    """
    L, H = len(past), len(future)
    t_past, t_future = np.arange(-L, 0), np.arange(0, H)
    nrows = 2 if covariate is not None else 1
    fig, axes = plt.subplots(nrows, 1, figsize=(8, 4 if nrows == 1 else 5), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1][:nrows]}, squeeze=False)
    ax = axes[0, 0]
    ax.plot(t_past, past, color=COLORS["truth"], lw=1.2, label="past")
    ax.plot(t_future, future, color=COLORS["truth"], lw=1.2, ls="--", label="truth")
    for name, f in forecasts.items():
        ax.plot(t_future, f, color=color(name), lw=2, label=name)
    ax.axvline(-0.5, color="k", lw=0.8, alpha=0.5)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, ncol=3)
    _style(ax)
    if covariate is not None:
        cax = axes[1, 0]
        cax.step(np.arange(-L, H), covariate, where="mid", color=COLORS["covariate"])
        cax.axvline(-0.5, color="k", lw=0.8, alpha=0.5)
        cax.set_ylabel(covariate_name)
        _style(cax)
    axes[-1, 0].set_xlabel(f"{step_unit} from the forecast origin")
    fig.tight_layout()
    return fig


def plot_learning_curves(results: dict, title: str = "Learning curves",
                         ylabel: str = "MSE (scaled)"):
    """Train (dashed) and validation (solid) loss per epoch for several fits.

    ``results`` maps a model name to a :class:`covtut.training.trainer.FitResult`.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, r in results.items():
        ax.plot(r.train_loss, color=color(name), ls="--", alpha=0.7)
        if r.val_loss:
            ax.plot(r.val_loss, color=color(name), label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_yscale("log")
    ax.set_title(title)
    ax.legend(frameon=False, title="validation (solid), train (dashed)", fontsize=8)
    _style(ax)
    fig.tight_layout()
    return fig


def plot_comparison(results: pd.DataFrame, metric: str = "rmse", by: str = "model",
                    floor: float | None = None, title: str = "", ylabel: str | None = None,
                    group: str | None = None, pair: str | None = "seed"):
    """Every run as a dot, each model's mean as a bar across its range; paired runs joined.

    The axis is scaled to the runs, not started at zero, so that a gap of a few percent
    shows; thin grey lines join the runs of different models that share a ``pair`` value
    (the same seed and data draw), which is what the book's verdict rule compares.

    Parameters
    ----------
    results
        One row per (model, seed), as from :func:`covtut.evaluation.experiments.multi_seed`.
    floor
        The oracle's value of the metric, drawn as a horizontal line (the noise floor).
    group
        Optional column with a second factor (a regime, a training size): one panel each.
    pair
        Column that pairs runs across models (``None``: no lines).
    """
    groups = [None] if group is None else list(dict.fromkeys(results[group]))
    fig, axes = plt.subplots(1, len(groups), figsize=(max(5, 3.2 * len(groups)), 4),
                             squeeze=False, sharey=group is not None)
    for ax, g in zip(axes[0], groups, strict=False):
        sub = results if g is None else results[results[group] == g]
        names = list(dict.fromkeys(sub[by]))
        if pair is not None and pair in sub:
            wide = sub.pivot_table(index=pair, columns=by, values=metric)[names]
            for _, row in wide.iterrows():
                ax.plot(range(len(names)), row.to_numpy(), color="#BBBBBB", lw=0.8, zorder=1)
        for i, name in enumerate(names):
            vals = sub.loc[sub[by] == name, metric].to_numpy()
            c = color(name)
            ax.vlines(i, vals.min(), vals.max(), color=c, lw=6, alpha=0.35, zorder=2)
            ax.hlines(vals.mean(), i - 0.25, i + 0.25, color=c, lw=2.5, zorder=3)
            ax.scatter(np.full(len(vals), i), vals, color=c, edgecolor="k", linewidth=0.5,
                       s=22, zorder=4)
        first = ax is axes[0, 0]
        if floor is not None:
            ax.axhline(floor, color=COLORS["oracle"], ls="--", lw=1.5, label="noise floor (oracle)")
            if first:
                ax.legend(frameon=False, fontsize=8)
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
        ax.set_xlim(-0.6, len(names) - 0.4)
        if first or group is None:
            ax.set_ylabel(ylabel or metric)
        if g is not None:
            ax.set_title(f"{group} = {g}", fontsize=10)
        _style(ax)
    # a long title wraps to the figure's width (about 11 characters per inch at 12 pt)
    fig.suptitle(textwrap.fill(title, width=int(11 * fig.get_figwidth())))
    fig.tight_layout()
    return fig


def plot_heatmap(values: torch.Tensor, title: str = "", xlabel: str = "lookback step",
                 ylabel: str = "window", cbar_label: str = "weight"):
    """A (rows, steps) heatmap: attention weights or gate values per window and step."""
    fig, ax = plt.subplots(figsize=(8, 3.5))
    im = ax.imshow(np.asarray(values), aspect="auto", cmap="viridis", interpolation="nearest")
    fig.colorbar(im, ax=ax, label=cbar_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_fan_chart(ax: plt.Axes, x: np.ndarray, quantiles: np.ndarray, levels: tuple,
                   name: str, truth: np.ndarray | None = None) -> plt.Axes:
    """Central intervals of one forecast as nested bands, its median as a line.

    Parameters
    ----------
    ax
        Where to draw.
    x : (n,)
        The time axis (steps or timestamps).
    quantiles : (n, Q)
        The forecast's quantiles at ``levels`` (increasing, symmetric about 0.5, with 0.5).
    name
        The model key: its colour from :data:`COLORS`, and the legend labels.
    truth : (n,), optional
        Drawn as black points.
    """
    levels = [round(float(q), 10) for q in levels]
    colour = color(name)
    pairs = [(i, levels.index(round(1 - q, 10))) for i, q in enumerate(levels) if q < 0.5]
    for k, (i, j) in enumerate(sorted(pairs)):  # widest first: narrower bands lie on top
        ax.fill_between(x, quantiles[:, i], quantiles[:, j], color=colour, alpha=0.18 + 0.17 * k,
                        lw=0, label=f"{name}, {levels[j] - levels[i]:.0%} interval")
    ax.plot(x, quantiles[:, levels.index(0.5)], color=colour, lw=1.5, label=f"{name}, median")
    if truth is not None:
        ax.plot(x, truth, "o", color=COLORS["truth"], ms=2.5, label="truth")
    _style(ax)
    return ax


def plot_reliability(ax: plt.Axes, levels: tuple, observed: dict[str, np.ndarray]) -> plt.Axes:
    """The share of points below each forecast quantile against its level: a calibrated
    forecast lies on the diagonal, one too narrow is steeper than it.

    Parameters
    ----------
    levels : (Q,)
    observed
        Model key -> ``(Q,)`` shares (:func:`covtut.evaluation.probabilistic.quantile_coverage`).
    """
    ax.plot([0, 1], [0, 1], color=COLORS["oracle"], lw=1, ls="--", label="calibrated")
    for name, shares in observed.items():
        ax.plot(levels, shares, "o-", color=color(name), lw=1.5, label=name)
    ax.set_xlabel("quantile level")
    ax.set_ylabel("share of points below the quantile")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    _style(ax)
    return ax
