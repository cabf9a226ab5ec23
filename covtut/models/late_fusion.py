"""Late fusion: the recurrence reads the sequence; the statics join at the head.

Introduced in chapter "A GRU whose gate listens to the covariates", as the simple
alternative to gating. (This is what the widely shared "GRU with a covariate input
gate" recipe really does: there is no gate, only a concatenation at the output.)
"""

from __future__ import annotations

import torch

from covtut.core.batch import Batch, CovariateSpec
from covtut.models.base import CovariateModel, Head, ModelConfig, make_rnn
from covtut.models.lengths import run_rnn


class LateFusionRNN(CovariateModel):
    """LSTM or GRU over the per-step features; ``[h_L, statics]`` feed the head."""

    supports_lengths = True  # through run_rnn

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None) -> None:
        super().__init__(spec, config)
        c = self.config
        self.rnn = make_rnn(c.cell, self.inputs.dynamic_features, c.hidden_size,
                            c.num_layers, c.dropout)
        in_features = c.hidden_size + self.inputs.static_features + self.head_future_features()
        self.head = Head(in_features, spec.horizon, spec.n_targets, c.head, c.head_hidden)

    def forecast(self, batch: Batch) -> torch.Tensor:
        out, _ = run_rnn(self.rnn, self.inputs.dynamic(batch), batch)  # (B, L, hidden)
        z = torch.cat([out[:, -1], self.inputs.static(batch)], dim=-1)  # (B, hidden + static)
        return self.head(self.head_input(z, batch))  # (B, H, n_targets)
