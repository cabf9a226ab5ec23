"""Additive attention over the encoder's states, with scores that depend on the
covariates and a mask for padded steps.

Introduced in chapter "Attention conditioned on covariates".

Score of lookback step ``t`` (Bahdanau et al. 2015, with covariate terms):

.. math::

    e_t = v^\\top \\tanh(W_h h_t + W_x c_t + W_s s), \\qquad
    \\alpha = \\operatorname{softmax}(e \\text{ with padded steps set to } -\\infty)

where ``c_t`` are the covariates at step ``t`` and ``s`` the statics. Unlike the recipe
in which covariates only touch the attention weights, here the covariates also enter
the recurrence as inputs. Lookbacks may have different lengths: ``batch.lengths``
gives each window's valid steps, left-padded (the origin is always the last step);
the recurrence skips the padding with ``pack_padded_sequence``.
"""

from __future__ import annotations

import torch
from torch import nn

from covtut.core.batch import Batch, CovariateSpec
from covtut.models.base import CovariateModel, Head, ModelConfig, make_rnn
from covtut.models.lengths import (  # noqa: F401 (re-exported: chapter 5 imports them here)
    left_to_right_padding,
    padding_mask,
    right_to_left_padding,
    run_rnn,
)


class AttentionRNN(CovariateModel):
    """Recurrent encoder + covariate-conditioned additive attention + head.

    The head reads ``[context, h_last, horizon covariates]``.
    """

    supports_lengths = True

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None,
                 attention_size: int | None = None) -> None:
        super().__init__(spec, config)
        c = self.config
        a = attention_size or c.hidden_size
        self.rnn = make_rnn(c.cell, self.inputs.dynamic_features, c.hidden_size,
                            c.num_layers, c.dropout)
        n_cov = self.inputs.dynamic_features - spec.n_targets  # covariates at each step
        self.w_h = nn.Linear(c.hidden_size, a, bias=True)
        self.w_x = nn.Linear(n_cov, a, bias=False)
        self.w_s = nn.Linear(self.inputs.static_features, a, bias=False)
        self.v = nn.Linear(a, 1, bias=False)
        self.head = Head(2 * c.hidden_size + self.head_future_features(), spec.horizon,
                         spec.n_targets, c.head, c.head_hidden)

    def encode(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encoder states ``(B, L, hidden)``, attention weights ``(B, L)``, ``h_last``."""
        x = self.inputs.dynamic(batch)  # (B, L, dynamic_features)
        out, _ = run_rnn(self.rnn, x, batch)  # (B, L, hidden), padded steps skipped
        mask = padding_mask(batch, x.shape[1], x.device)  # (B, L), True on padded steps
        covariates = x[..., self.spec.n_targets:]  # (B, L, n_cov)
        s = self.inputs.static(batch)[:, None, :]  # (B, 1, static_features)
        scores = self.v(torch.tanh(self.w_h(out) + self.w_x(covariates) + self.w_s(s)))
        scores = scores.squeeze(-1)  # (B, L)
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        weights = torch.softmax(scores, dim=1)  # (B, L)
        return out, weights, out[:, -1]

    def attention_weights(self, batch: Batch) -> torch.Tensor:
        """The attention weights ``(B, L)`` for ``batch``, for plotting."""
        batch.validate(self.spec, check_values=self.check_values)
        return self.encode(batch)[1]

    def forecast(self, batch: Batch) -> torch.Tensor:
        out, weights, h_last = self.encode(batch)
        context = torch.bmm(weights[:, None, :], out).squeeze(1)  # (B, hidden)
        z = torch.cat([context, h_last], dim=-1)  # (B, 2 * hidden)
        return self.head(self.head_input(z, batch))  # (B, H, n_targets)
