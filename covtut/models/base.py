"""The contract every model follows, and the pieces they share.

Introduced in chapter "Getting started"; each model file shows only where its
covariates enter. A model takes a :class:`~covtut.core.batch.Batch` and returns the forecast
of shape ``(B, H, n_targets)``.

Shared here, so that a chapter can vary one thing at a time:

* :class:`CategoryFeatures`: category codes as features (embedding, one-hot, or
  the raw code as a number, the naive way);
* :class:`CovariateInputs`: which features each model reads at the lookback steps,
  from the statics and over the horizon;
* :class:`Head`: what the output layer can express (linear, or a small MLP).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

import torch
from torch import nn

from covtut.core.batch import Batch, CovariateSpec
from covtut.data.encoding import embedding_size

__all__ = ["ModelConfig", "CovariateModel", "CategoryFeatures", "CovariateInputs", "Head",
           "make_rnn"]


@dataclass
class ModelConfig:
    """Hyper-parameters shared by every model."""

    hidden_size: int = 32  # small enough to train in seconds on a laptop CPU
    num_layers: int = 1  # stacked recurrent layers
    cell: Literal["lstm", "gru"] = "lstm"
    dropout: float = 0.0  # between stacked layers only (PyTorch ignores it for 1 layer)
    cat_encoding: Literal["embedding", "onehot", "code"] = "embedding"
    embedding_rule: str = "fastai"  # see covtut.data.encoding.EMBEDDING_RULES
    head: Literal["linear", "mlp"] = "linear"
    head_hidden: int = 64  # width of the MLP head's hidden layer
    future_in_head: bool = True  # known-future covariates over the horizon feed the head

    def __post_init__(self) -> None:
        valid = {"cell": ("lstm", "gru"), "cat_encoding": ("embedding", "onehot", "code"),
                 "head": ("linear", "mlp")}
        for name, options in valid.items():
            if getattr(self, name) not in options:
                raise ValueError(f"ModelConfig.{name}={getattr(self, name)!r}; valid: {options}")


def make_rnn(cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
             dropout: float = 0.0) -> nn.LSTM | nn.GRU:
    """A batch-first ``nn.LSTM`` or ``nn.GRU``; dropout only where it applies."""
    rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
    return rnn(input_size, hidden_size, num_layers, batch_first=True,
               dropout=dropout if num_layers > 1 else 0.0)


class CategoryFeatures(nn.Module):
    """Integer category codes ``(..., n_cat)`` as float features ``(..., out_features)``.

    The model's side of categories: :class:`covtut.data.encoding.CategoryEncoder` turns a
    table's values into the codes; this turns the codes into what the network reads.

    ``mode="embedding"``: one learned ``nn.Embedding`` per column, widths by ``rule``.
    ``mode="onehot"``: one-hot vectors, no parameters.
    ``mode="code"``: the code itself as a number, the naive way that imposes an order
    and a distance on categories that have neither.
    """

    def __init__(self, cardinalities: tuple[int, ...], mode: str = "embedding",
                 rule: str = "fastai") -> None:
        super().__init__()
        self.cardinalities, self.mode = tuple(cardinalities), mode
        self.embeddings = nn.ModuleList(
            nn.Embedding(c, embedding_size(c, rule)) for c in cardinalities
        ) if mode == "embedding" else nn.ModuleList()
        if mode == "embedding":
            self.out_features = sum(e.embedding_dim for e in self.embeddings)
        elif mode == "onehot":
            self.out_features = sum(cardinalities)
        else:
            self.out_features = len(cardinalities)

    def forward(self, codes: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        if not self.cardinalities:
            return codes.new_zeros(*codes.shape[:-1], 0, dtype=dtype)
        if self.mode == "embedding":
            return torch.cat([emb(codes[..., j]) for j, emb in enumerate(self.embeddings)], -1)
        if self.mode == "onehot":
            return torch.cat([nn.functional.one_hot(codes[..., j], c).to(dtype)
                              for j, c in enumerate(self.cardinalities)], dim=-1)
        return codes.to(dtype)


class CovariateInputs(nn.Module):
    """Turn a :class:`~covtut.core.batch.Batch` into the three groups of features a model reads.

    * :meth:`dynamic`: per lookback step, the past target, observed-past covariates and
      known-future covariates at those steps, ``(B, L, dynamic_features)``;
    * :meth:`static`: per series, ``(B, static_features)``;
    * :meth:`future`: per horizon step, the known-future covariates,
      ``(B, H, future_features)``.
    """

    def __init__(self, spec: CovariateSpec, config: ModelConfig) -> None:
        super().__init__()
        self.spec = spec
        self.known_cat = CategoryFeatures(spec.known_cardinalities, config.cat_encoding,
                                            config.embedding_rule)
        self.static_cat = CategoryFeatures(spec.static_cardinalities, config.cat_encoding,
                                             config.embedding_rule)
        self.future_features = spec.n_known + self.known_cat.out_features
        self.dynamic_features = spec.n_targets + spec.n_observed + self.future_features
        self.static_features = spec.n_static + self.static_cat.out_features

    def dynamic(self, batch: Batch) -> torch.Tensor:
        L = self.spec.lookback
        x = batch.past_target
        return torch.cat([
            x,  # (B, L, n_targets)
            batch.past_observed,  # (B, L, n_observed)
            batch.known[:, :L],  # (B, L, n_known)
            self.known_cat(batch.known_cat[:, :L], x.dtype),  # (B, L, known_cat features)
        ], dim=-1)

    def static(self, batch: Batch) -> torch.Tensor:
        return torch.cat([batch.static, self.static_cat(batch.static_cat, batch.static.dtype)],
                         dim=-1)  # (B, static_features)

    def future(self, batch: Batch) -> torch.Tensor:
        L = self.spec.lookback
        return torch.cat([batch.known[:, L:],
                          self.known_cat(batch.known_cat[:, L:], batch.known.dtype)],
                         dim=-1)  # (B, H, future_features)


class Head(nn.Module):
    """Map a summary ``(B, in_features)`` to the forecast ``(B, horizon, n_targets)``.

    ``kind="linear"`` is one affine map; ``kind="mlp"`` adds a hidden ReLU layer, so the
    head can express interactions between its inputs (the hidden state and covariates).
    """

    def __init__(self, in_features: int, horizon: int, n_targets: int, kind: str = "linear",
                 hidden: int = 64) -> None:
        super().__init__()
        self.horizon, self.n_targets = horizon, n_targets
        out = horizon * n_targets
        self.net = nn.Linear(in_features, out) if kind == "linear" else nn.Sequential(
            nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, out))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(z.shape[0], self.horizon, self.n_targets)  # (B, H, n_targets)


class CovariateModel(nn.Module):
    """Base class: validates the batch, then calls :meth:`forecast`.

    Subclasses build their layers in ``__init__`` and implement ``forecast(batch)``.

    Attributes
    ----------
    check_values
        If true (the default), ``forward`` also checks values: NaN and category ranges.
        Those checks synchronise with the GPU, so :func:`covtut.training.trainer.fit` checks the
        whole dataset once and switches them off while training.
    supports_lengths
        Whether the model handles ``batch.lengths`` (variable-length, left-padded
        lookbacks). Every covtut model does, through :mod:`covtut.models.lengths`; a
        subclass that does not set it refuses such a batch rather than read padding
        as data.
    """

    supports_lengths = False

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None) -> None:
        super().__init__()
        self.spec, self.config = spec, config or ModelConfig()
        self.inputs = CovariateInputs(spec, self.config)
        self.check_values = True

    def head_future_features(self) -> int:
        """Width of the flattened horizon covariates that the head reads, if any."""
        if not self.config.future_in_head:
            return 0
        return self.spec.horizon * self.inputs.future_features

    def head_input(self, summary: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Join the summary ``(B, F)`` with the flattened horizon covariates."""
        if not self.config.future_in_head or self.inputs.future_features == 0:
            return summary
        future = self.inputs.future(batch).flatten(1)  # (B, H * future_features)
        return torch.cat([summary, future], dim=-1)

    def forward(self, batch: Batch) -> torch.Tensor:
        """Forecast ``(B, H, n_targets)`` for ``batch``, in the scale of its target."""
        if not isinstance(batch, Batch):
            raise TypeError(
                f"{type(self).__name__} takes a covtut Batch, got {type(batch).__name__}")
        batch.validate(self.spec, check_values=self.check_values)
        if batch.lengths is not None and not self.supports_lengths:
            raise ValueError(f"{type(self).__name__} does not support batch.lengths "
                             "(variable-length lookbacks); run its recurrence through "
                             "covtut.models.lengths.run_rnn and set supports_lengths = True")
        return self.forecast(batch)

    def forecast(self, batch: Batch) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError


def config_from_kwargs(kwargs: dict) -> tuple[ModelConfig, dict]:
    """Split keyword arguments into ModelConfig fields and model-specific options."""
    names = {f.name for f in fields(ModelConfig)}
    return (ModelConfig(**{k: v for k, v in kwargs.items() if k in names}),
            {k: v for k, v in kwargs.items() if k not in names})
