"""Encoder-decoder for known-future covariates.

Introduced in chapter "Known-future covariates: encoder-decoder". The encoder reads the
lookback (target, observed-past and known covariates); its final state starts a decoder
that runs over the horizon reading only what is known there: the known-future
covariates and the statics. A shared per-step head turns each decoder state into that
step's forecast, so step ``k``'s forecast can react to step ``k``'s covariates.

With ``autoregressive=True`` the decoder also reads the previous step's target: its own
forecast at inference; in training, the true value with probability
``teacher_forcing`` (teacher forcing), which trains fast but lets the model rely on
inputs it will never see at inference (exposure bias).
"""

from __future__ import annotations

import torch

from covtut.batch import Batch, CovariateSpec
from covtut.models.base import CovariateModel, Head, ModelConfig, make_rnn


class EncoderDecoderRNN(CovariateModel):
    """Seq2seq: recurrent encoder over the lookback, decoder over the horizon.

    ``config.future_in_head`` is ignored: the decoder reads the horizon covariates.
    """

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None,
                 autoregressive: bool = False, teacher_forcing: float = 1.0) -> None:
        super().__init__(spec, config)
        c = self.config
        self.autoregressive, self.teacher_forcing = autoregressive, teacher_forcing
        self.encoder = make_rnn(c.cell, self.inputs.dynamic_features, c.hidden_size,
                                c.num_layers, c.dropout)
        dec_in = self.inputs.future_features + self.inputs.static_features
        dec_in += spec.n_targets if autoregressive else 0
        self.decoder = make_rnn(c.cell, dec_in, c.hidden_size, c.num_layers, c.dropout)
        self.head = Head(c.hidden_size, 1, spec.n_targets, c.head, c.head_hidden)

    def decoder_inputs(self, batch: Batch) -> torch.Tensor:
        """Horizon covariates and statics, ``(B, H, future + static features)``."""
        f = self.inputs.future(batch)  # (B, H, future_features)
        s = self.inputs.static(batch)[:, None, :].expand(-1, f.shape[1], -1)  # (B, H, static)
        return torch.cat([f, s], dim=-1)

    def step_head(self, out: torch.Tensor) -> torch.Tensor:
        B, H, hidden = out.shape
        return self.head(out.reshape(B * H, hidden)).view(B, H, -1)  # (B, H, n_targets)

    def forecast(self, batch: Batch) -> torch.Tensor:
        _, state = self.encoder(self.inputs.dynamic(batch))
        u = self.decoder_inputs(batch)  # (B, H, dec features)
        if not self.autoregressive:
            out, _ = self.decoder(u, state)  # (B, H, hidden)
            return self.step_head(out)
        prev = batch.past_target[:, -1]  # (B, n_targets): the last observed value
        preds = []
        for k in range(u.shape[1]):
            step_in = torch.cat([u[:, k], prev], dim=-1)[:, None, :]  # (B, 1, features)
            out, state = self.decoder(step_in, state)
            y = self.step_head(out)[:, 0]  # (B, n_targets)
            preds.append(y)
            # teacher forcing reads the truth, which exists only while training
            use_truth = self.training and self.teacher_forcing > 0 and (
                float(torch.rand(())) < self.teacher_forcing)
            prev = batch.future_target[:, k] if use_truth else y
        return torch.stack(preds, dim=1)  # (B, H, n_targets)
