"""FiLM: static covariates scale and shift the hidden states, feature by feature.

Introduced in chapter "Conditioning the state". Perez et al. (2018), "FiLM: Visual
Reasoning with a General Conditioning Layer": ``h <- gamma(s) * h + beta(s)``. The
recurrent stack is split into single layers so that the modulated states of one layer
are what the next layer's recurrence reads.
"""

from __future__ import annotations

import torch
from torch import nn

from covtut.core.batch import Batch, CovariateSpec
from covtut.models.base import CovariateModel, Head, ModelConfig, make_rnn
from covtut.models.lengths import run_rnn


class FiLM(nn.Module):
    """``gamma(s) * h + beta(s)`` with ``gamma`` and ``beta`` linear in ``s``.

    Initialised to the identity (gamma = 1, beta = 0), so training starts from the
    unconditioned model and learns how much the covariates should modulate it.
    """

    def __init__(self, cond_features: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.proj = nn.Linear(cond_features, 2 * hidden_size)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.zeros_(self.proj.weight)
        with torch.no_grad():
            self.proj.bias[: self.hidden_size] = 1.0  # gamma = 1
            self.proj.bias[self.hidden_size:] = 0.0  # beta = 0

    def forward(self, h: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.proj(s).chunk(2, dim=-1)  # (B, hidden) each
        return gamma[:, None, :] * h + beta[:, None, :]  # (B, L, hidden)


class FiLMRNN(CovariateModel):
    """A stack of recurrent layers, each followed by FiLM conditioned on the statics."""

    supports_lengths = True  # each layer through run_rnn: it never reads padded steps

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None) -> None:
        super().__init__(spec, config)
        c = self.config
        sizes = [self.inputs.dynamic_features] + [c.hidden_size] * c.num_layers
        self.layers = nn.ModuleList(make_rnn(c.cell, i, c.hidden_size) for i in sizes[:-1])
        self.films = nn.ModuleList(FiLM(self.inputs.static_features, c.hidden_size)
                                   for _ in range(c.num_layers))
        self.dropout = nn.Dropout(c.dropout)
        self.head = Head(c.hidden_size + self.head_future_features(), spec.horizon,
                         spec.n_targets, c.head, c.head_hidden)

    def forecast(self, batch: Batch) -> torch.Tensor:
        h = self.inputs.dynamic(batch)  # (B, L, dynamic_features)
        s = self.inputs.static(batch)  # (B, static_features)
        for i, (rnn, film) in enumerate(zip(self.layers, self.films, strict=False)):
            if i > 0:
                h = self.dropout(h)
            h, _ = run_rnn(rnn, h, batch)  # (B, L, hidden)
            h = film(h, s)  # (B, L, hidden), modulated per series
        return self.head(self.head_input(h[:, -1], batch))  # (B, H, n_targets)
