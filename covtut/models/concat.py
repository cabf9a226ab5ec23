"""Concatenation: every covariate as extra input channels at every step.

Introduced in chapter "The naive way, and when it fails" (with ``cat_encoding="code"``,
the naive recipe) and chapter "Embeddings, then concatenation" (with embeddings).

Static covariates are broadcast over the lookback with ``expand`` (a view, no copy)
and joined to the per-step features; a recurrent layer reads them all; the head maps
the last hidden state (and the horizon's known-future covariates) to the forecast.
"""

from __future__ import annotations

import torch

from covtut.core.batch import Batch, CovariateSpec
from covtut.models.base import CovariateModel, Head, ModelConfig, make_rnn
from covtut.models.lengths import run_rnn


class ConcatRNN(CovariateModel):
    """LSTM or GRU over ``[target, covariates, statics repeated]`` at each step."""

    supports_lengths = True  # through run_rnn

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None) -> None:
        super().__init__(spec, config)
        c = self.config
        in_features = self.inputs.dynamic_features + self.inputs.static_features
        self.rnn = make_rnn(c.cell, in_features, c.hidden_size, c.num_layers, c.dropout)
        self.head = Head(c.hidden_size + self.head_future_features(), spec.horizon,
                         spec.n_targets, c.head, c.head_hidden)

    def forecast(self, batch: Batch) -> torch.Tensor:
        x = self.inputs.dynamic(batch)  # (B, L, dynamic_features)
        s = self.inputs.static(batch)  # (B, static_features)
        s = s[:, None, :].expand(-1, x.shape[1], -1)  # (B, L, static_features), a view
        out, _ = run_rnn(self.rnn, torch.cat([x, s], dim=-1), batch)  # (B, L, hidden)
        return self.head(self.head_input(out[:, -1], batch))  # (B, H, n_targets)
