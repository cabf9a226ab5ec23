"""The book's global model for the retail task: level-normalised windows, one training run.

Used by chapter "Many series: retail turnover".
"""

from __future__ import annotations

import pandas as pd
import torch

from covtut.core.batch import Batch
from covtut.models import build_model
from covtut.models import lengths as models_lengths
from covtut.models.base import CovariateModel
from covtut.tasks.aus_retail.config import BUDGETS, CONFIG
from covtut.tasks.aus_retail.protocol import (
    Task,
    cold_series,
    prepare,
    score,
    without_statics,
)
from covtut.training import trainer as train

__all__ = ["LevelNormalised", "fill_unseen_state", "fit_model", "forecast",
           "industry_embeddings", "make_model", "run"]


class LevelNormalised(CovariateModel):
    """A global model that reads each window relative to its own level.

    ``inner`` reads, instead of the log turnover ``z``, ``(z - level) / log_scale``,
    where ``level`` is the mean of the window's last 12 observed months (one whole year,
    so the season does not bias it); its forecast is mapped back the same way. A series
    of 5 million AUD a month and one of 2,000 then look alike: the model learns shapes
    (season, growth), which is what 152 series share; the statics say whose shape.

    In training, with probability ``short_input_prob`` a window's lookback is cut to a
    random 12 to ``L`` months (the steps before are then padding, ``batch.lengths``), so
    the model learns from inputs as short as a young series has.

    Parameters
    ----------
    inner
        Any covtut model that supports ``batch.lengths``.
    """

    supports_lengths = True

    def __init__(self, inner: CovariateModel, log_scale: float = 0.1,
                 short_input_prob: float = 0.0, min_length: int = 12) -> None:
        super().__init__(inner.spec, inner.config)
        self.inputs = inner.inputs  # the inner model's embeddings are the model's
        self.inner, self.log_scale = inner, log_scale
        self.short_input_prob, self.min_length = short_input_prob, min_length

    def input_lengths(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """The observed lookback months of each window, ``(B,)`` on the batch's device and
        on the CPU; in training, some are cut at random."""
        L = self.spec.lookback
        cpu = batch.lengths_cpu if batch.lengths_cpu is not None else (
            batch.lengths.cpu() if batch.lengths is not None
            else torch.full((batch.batch_size,), L))
        if self.training and self.short_input_prob > 0:
            cut = torch.rand(len(cpu)) < self.short_input_prob  # drawn on the CPU
            short = torch.randint(self.min_length, L + 1, (len(cpu),))
            cpu = torch.where(cut, torch.minimum(cpu, short), cpu)
        return cpu.to(batch.device), cpu

    def forecast(self, batch: Batch) -> torch.Tensor:
        L = self.spec.lookback
        lengths, lengths_cpu = self.input_lengths(batch)
        pad = models_lengths.padding_mask(batch.replace(lengths=lengths), L,
                                          batch.device)  # (B, L) True on padding
        z = batch.past_target  # (B, L, 1) log turnover
        level = z[:, -self.min_length:].mean(dim=1, keepdim=True)  # (B, 1, 1)
        x = ((z - level) / self.log_scale).masked_fill(pad[..., None], 0.0)  # (B, L, 1)
        inner = batch.replace(past_target=x, lengths=lengths, lengths_cpu=lengths_cpu,
                              future_target=(batch.future_target - level) / self.log_scale)
        return self.inner.forecast(inner) * self.log_scale + level  # (B, H, 1)


def make_model(task: Task, config: dict | None = None) -> LevelNormalised:
    """The book's global model for ``task``'s spec (statics included where it has them)."""
    c = CONFIG if config is None else config
    inner = build_model(c["model"], task.train.spec, hidden_size=c["hidden_size"],
                        lags=tuple(c["lags"]))
    return LevelNormalised(inner, c["log_scale"], c["short_input_prob"], c["min_lookback"])


def forecast(model: CovariateModel, task: Task) -> torch.Tensor:
    """The model's 2018 forecast of every scored series: (148, 12) million AUD."""
    return train.predict(model, task.test)[..., 0].exp()


def fit_model(seed: int, budget: str, task: Task, *, config: dict | None = None,
              device: str | torch.device = "cpu") -> train.FitResult:
    """Train the global model on ``task`` with ``seed`` at ``budget``; no 2018 forecast.

    Parameters
    ----------
    seed
        Seeds the initialisation, the shuffling and the short-input draws.
    budget
        A key of :data:`~covtut.tasks.aus_retail.config.BUDGETS`.
    task
        A prepared task; its training windows already start at its ``train_from``.
    config
        Keys of :data:`~covtut.tasks.aus_retail.config.CONFIG` to override (the model, ``lr``,
        ``batch_size``, ``loss``, ``patience``); default none.

    Returns
    -------
    covtut.training.trainer.FitResult
        The model at its best 2017 validation epoch, and the loss per epoch.
    """
    if budget not in BUDGETS:
        raise ValueError(f"fit_model: budget={budget!r}; valid: {sorted(BUDGETS)}")
    c = {**CONFIG, **(config or {})}
    model = make_model(task, c)
    b = BUDGETS[budget]
    return train.fit(model, task.train, task.val, epochs=b["epochs"], max_steps=b["max_steps"],
                     batch_size=c["batch_size"], lr=c["lr"], patience=c["patience"],
                     loss=c["loss"], seed=seed, device=device, progress=False)


def run(seed: int, budget: str = "live", *, task: Task | None = None, statics: bool = True,
        cold_start: bool = False, device: str | torch.device = "cpu",
        config: dict | None = None, fill_unseen: bool = True) -> dict:
    """Train the global model with ``seed`` at ``budget`` and score its 2018 forecast.

    Parameters
    ----------
    seed
        Seeds the initialisation, the shuffling and the short-input draws.
    budget
        A key of :data:`~covtut.tasks.aus_retail.config.BUDGETS`.
    task
        A prepared task (default: :func:`~covtut.tasks.aus_retail.protocol.prepare` with
        ``cold_start``, and with ``config``'s ``train_from``, ``lookback`` and ``min_lookback``).
    statics
        With the State and Industry embeddings, or without
        (:func:`~covtut.tasks.aus_retail.protocol.without_statics`).
    config
        Keys of :data:`~covtut.tasks.aus_retail.config.CONFIG` to override (see :func:`fit_model`);
        default none.
    fill_unseen
        For the cold start with statics: give the unseen State the mean of the trained
        rows (:func:`fill_unseen_state`), or leave its row as initialised.

    Returns
    -------
    dict
        The scores of :func:`~covtut.tasks.aus_retail.protocol.score` (for the cold start, over
        Tasmania's scored series), ``seconds`` of training, ``steps``, ``best_epoch``, and
        ``model`` and ``pred`` (148, 12) for the chapter's figures.
    """
    if budget not in BUDGETS:
        raise ValueError(f"run: budget={budget!r}; valid: {sorted(BUDGETS)}")
    c = {**CONFIG, **(config or {})}
    if task is None:
        task = prepare(cold_start=cold_start, lookback=c["lookback"],
                       min_lookback=c["min_lookback"], train_from=c["train_from"])
    if not statics:
        task = without_statics(task)
    fitted = fit_model(seed, budget, task, config=config, device=device)
    model = fitted.model.cpu()
    if cold_start and statics and fill_unseen:
        fill_unseen_state(model, task)
    pred = forecast(model, task)
    cold = cold_series(task) if cold_start else None
    return {**score(pred, task, cold), "seconds": fitted.seconds, "steps": fitted.steps,
            "best_epoch": fitted.best_epoch, "model": model, "pred": pred}


def fill_unseen_state(model: LevelNormalised, task: Task) -> None:
    """Give the held-out state the mean of the trained states' embeddings.

    No training window carries Tasmania's code, so its row of the State embedding kept
    its random initial value; the mean of the rows that were trained is the model's
    "a state like the others".
    """
    codes = task.data.static_cat[:, 0]  # (N,) State codes
    seen = codes[task.train_series].unique()
    unseen = codes[~torch.isin(codes, seen)].unique()
    emb = model.inputs.static_cat.embeddings[0].weight  # (states + 1, width)
    with torch.no_grad():
        emb[unseen] = emb[seen].mean(dim=0)


def industry_embeddings(model: LevelNormalised, task: Task) -> pd.DataFrame:
    """The learned Industry embedding of every industry: one row each, indexed by name."""
    codes = task.data.static_cat[:, 1]  # (N,)
    names = task.data.info.index.get_level_values("Industry")
    first = {int(c): names[i] for i, c in enumerate(codes.tolist())}
    weight = model.inputs.static_cat.embeddings[1].weight.detach()  # (industries + 1, width)
    order = sorted(first)
    return pd.DataFrame(weight[order].numpy(), index=[first[c] for c in order])
