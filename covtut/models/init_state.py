"""Static covariates set the initial hidden (and cell) state.

Introduced in chapter "Conditioning the state". The idea of the Keras library
``cond_rnn``: instead of repeating a static covariate at every step, a small network
maps it to the state the recurrence starts from, once per series.
"""

from __future__ import annotations

import torch
from torch import nn

from covtut.core.batch import Batch, CovariateSpec
from covtut.models.base import CovariateModel, Head, ModelConfig, make_rnn
from covtut.models.lengths import run_rnn


class InitStateRNN(CovariateModel):
    """LSTM or GRU whose ``h_0`` (and ``c_0``) are ``tanh(W s + b)`` of the statics ``s``."""

    supports_lengths = True  # through run_rnn: each window starts from h_0 at its first step

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None) -> None:
        super().__init__(spec, config)
        c = self.config
        self.rnn = make_rnn(c.cell, self.inputs.dynamic_features, c.hidden_size,
                            c.num_layers, c.dropout)
        n_states = 2 if c.cell == "lstm" else 1  # LSTM: hidden and cell state
        # one linear map from statics to every layer's initial states
        self.init = nn.Linear(self.inputs.static_features,
                              n_states * c.num_layers * c.hidden_size)
        self.head = Head(c.hidden_size + self.head_future_features(), spec.horizon,
                         spec.n_targets, c.head, c.head_hidden)

    def initial_state(self, batch: Batch) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """``h_0`` of shape (num_layers, B, hidden), or ``(h_0, c_0)`` for an LSTM."""
        c = self.config
        s = self.inputs.static(batch)  # (B, static_features); width 0 gives the bias alone
        states = torch.tanh(self.init(s))  # (B, n_states * layers * hidden)
        states = states.view(s.shape[0], -1, c.num_layers, c.hidden_size)
        states = states.permute(1, 2, 0, 3).contiguous()  # (n_states, layers, B, hidden)
        return (states[0], states[1]) if c.cell == "lstm" else states[0]

    def forecast(self, batch: Batch) -> torch.Tensor:
        x = self.inputs.dynamic(batch)  # (B, L, dynamic_features)
        out, _ = run_rnn(self.rnn, x, batch, self.initial_state(batch))  # (B, L, hidden)
        return self.head(self.head_input(out[:, -1], batch))  # (B, H, n_targets)
