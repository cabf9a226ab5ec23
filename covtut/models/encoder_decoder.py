"""Encoder-decoder for known-future covariates.

Introduced in chapter "Known-future covariates: encoder-decoder". The encoder reads the
lookback (target, observed-past and known covariates); its final state starts a decoder
that runs over the horizon reading only what is known there: the known-future
covariates and the statics. A shared per-step head turns each decoder state into that
step's forecast, so step ``k``'s forecast can react to step ``k``'s covariates.

With ``autoregressive=True`` the decoder also reads the previous step's target: its own
forecast at inference; in training, the true value with probability
``teacher_forcing`` (teacher forcing), which trains fast but lets the model rely on
inputs it will never see at inference (exposure bias). ``teacher_forcing_steps > 0``
lowers that probability linearly to 0 over that many training steps (scheduled
sampling, Bengio et al. 2015).

``lags=(48, 336)`` gives the decoder, at horizon step ``k``, the target and the numeric
known covariates ``m`` steps before that step (the same half-hour one day and one week
earlier: its demand and its temperature): values of the lookback, so known at the origin
for every step of a horizon no longer than the lag. ``skip_inputs=True`` lets the head
read the decoder's inputs beside its state, so a step's forecast can stay close to a
linear function of those lags, as a ridge regression's is. Chapter "Day-ahead electricity
demand" measures both.
"""

from __future__ import annotations

import torch
from torch import nn

from covtut.core.batch import Batch, CovariateSpec
from covtut.models.base import CovariateModel, Head, ModelConfig, make_rnn
from covtut.models.lengths import run_rnn


class StepClock(nn.Module):
    """Counts training forward passes, for a teacher-forcing schedule.

    :func:`covtut.training.trainer.fit` re-initialises every child that has ``reset_parameters``,
    so each fit starts the schedule again from step 0.
    """

    def __init__(self) -> None:
        super().__init__()
        self.steps = 0

    def reset_parameters(self) -> None:
        self.steps = 0


class EncoderDecoderRNN(CovariateModel):
    """Seq2seq: recurrent encoder over the lookback, decoder over the horizon.

    ``config.future_in_head`` is ignored: the decoder reads the horizon covariates.
    With ``batch.lengths``, the decoder starts from the encoder's state at the last
    valid step of each lookback (:func:`~covtut.models.lengths.run_rnn`).

    Parameters
    ----------
    autoregressive
        The decoder also reads the previous step's target (its own forecast at inference).
    teacher_forcing
        In training, the probability, per window and step, that the decoder reads the
        true previous target instead of its own forecast (1: teacher forcing; 0: free
        running). Never used in eval mode.
    teacher_forcing_steps
        If positive, the probability falls linearly from ``teacher_forcing`` to 0 over
        this many training steps (scheduled sampling), then stays at 0.
    lags
        Seasonal lags that the decoder reads at each horizon step: for a lag ``m``, step
        ``k`` reads the target and the numeric known covariates ``m`` steps before it
        (``past_target[:, L - m + k]``, ``known[:, L - m + k]``). Each lag must satisfy
        ``H <= m <= L``, so the values lie in the lookback. With ``batch.lengths``, a lag
        that reaches into the padding reads 0, whatever the padding holds.
    skip_inputs
        The per-step head reads the decoder's inputs beside its state (a skip
        connection around the decoder).
    encoder_steps
        The encoder reads only the last ``encoder_steps`` lookback steps (``None``: all).
        With long seasonal lags, the older steps reach the decoder through ``lags``, and
        a shorter recurrence is that much cheaper. Not with ``batch.lengths``.
    """

    supports_lengths = True

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None,
                 autoregressive: bool = False, teacher_forcing: float = 1.0,
                 teacher_forcing_steps: int = 0, lags: tuple[int, ...] = (),
                 skip_inputs: bool = False, encoder_steps: int | None = None) -> None:
        super().__init__(spec, config)
        if not 0.0 <= teacher_forcing <= 1.0:
            raise ValueError(f"teacher_forcing is a probability, got {teacher_forcing}")
        self.lags = tuple(int(m) for m in lags)
        for m in self.lags:
            if not spec.horizon <= m <= spec.lookback:
                raise ValueError(
                    f"lags: lag {m} must lie in [horizon={spec.horizon}, lookback="
                    f"{spec.lookback}], so that every horizon step's lagged value is in the "
                    "lookback (known at the origin)")
        if encoder_steps is not None and not 1 <= encoder_steps <= spec.lookback:
            raise ValueError(f"encoder_steps={encoder_steps} must lie in [1, lookback="
                             f"{spec.lookback}]")
        self.skip_inputs, self.encoder_steps = skip_inputs, encoder_steps
        c = self.config
        self.autoregressive, self.teacher_forcing = autoregressive, teacher_forcing
        self.teacher_forcing_steps = teacher_forcing_steps
        self.encoder = make_rnn(c.cell, self.inputs.dynamic_features, c.hidden_size,
                                c.num_layers, c.dropout)
        dec_in = self.inputs.future_features + self.inputs.static_features
        dec_in += (spec.n_targets + spec.n_known) * len(self.lags)
        dec_in += spec.n_targets if autoregressive else 0
        # with nothing known over the horizon, the decoder reads one constant zero per step
        # (an RNN needs an input of width >= 1) and runs on its state alone
        self.zero_input = dec_in == 0
        self.decoder = make_rnn(c.cell, max(dec_in, 1), c.hidden_size, c.num_layers,
                                c.dropout)
        head_in = c.hidden_size + (max(dec_in, 1) if skip_inputs else 0)
        self.head = Head(head_in, 1, spec.n_targets, c.head, c.head_hidden)
        self.clock = StepClock()

    def lagged_inputs(self, batch: Batch) -> torch.Tensor:
        """The target and numeric known covariates ``m`` steps before each horizon step,
        for each lag ``m``, ``(B, H, (n_targets + n_known) * len(lags))``."""
        L, H = self.spec.lookback, self.spec.horizon
        y, known = batch.past_target, batch.known
        parts = [torch.cat([y[:, L - m:L - m + H], known[:, L - m:L - m + H]], dim=-1)
                 for m in self.lags]
        if parts and batch.lengths is not None:
            # step k's lag m sits m - k steps before the origin: padding if beyond lengths
            k = torch.arange(H, device=y.device)
            parts = [p * ((m - k)[None, :] <= batch.lengths[:, None])[..., None].to(p.dtype)
                     for m, p in zip(self.lags, parts, strict=True)]
        if not parts:  # (B, H, 0)
            return known.new_zeros(known.shape[0], H, 0)
        return torch.cat(parts, dim=-1)

    def decoder_inputs(self, batch: Batch) -> torch.Tensor:
        """Horizon covariates, statics and lagged inputs, ``(B, H, features)``.

        Without any, one zero per step, ``(B, H, 1)``.
        """
        f = self.inputs.future(batch)  # (B, H, future_features)
        s = self.inputs.static(batch)[:, None, :].expand(-1, f.shape[1], -1)  # (B, H, static)
        u = torch.cat([f, s, self.lagged_inputs(batch)], dim=-1)
        if self.zero_input:
            u = u.new_zeros(*u.shape[:2], 1)  # (B, H, 1)
        return u

    def step_head(self, out: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
        """Each decoder state (with ``skip_inputs``, beside its input ``u``) to a forecast."""
        if self.skip_inputs:
            out = torch.cat([out, u], dim=-1)  # (B, H, hidden + dec features)
        B, H, width = out.shape
        return self.head(out.reshape(B * H, width)).view(B, H, -1)  # (B, H, n_targets)

    def teacher_forcing_probability(self) -> float:
        """The teacher-forcing probability at the current training step."""
        if self.teacher_forcing_steps <= 0:
            return self.teacher_forcing
        return self.teacher_forcing * max(0.0, 1.0 - self.clock.steps / self.teacher_forcing_steps)

    def feedback(self, y: torch.Tensor, batch: Batch, k: int, p: float) -> torch.Tensor:
        """The previous target the decoder reads after step ``k``, ``(B, n_targets)``.

        At inference, its own forecast ``y``: the truth is unknown. In training, the
        truth ``batch.future_target[:, k]`` with probability ``p``, per window.
        """
        if not self.training or p <= 0.0:
            return y
        truth = batch.future_target[:, k]
        if p >= 1.0:
            return truth
        use_truth = torch.rand(y.shape[0], 1, device=y.device) < p  # (B, 1)
        return torch.where(use_truth, truth, y)

    def encode(self, batch: Batch):
        """The encoder's final state over the lookback (its last ``encoder_steps``)."""
        x = self.inputs.dynamic(batch)  # (B, L, dynamic features)
        if self.encoder_steps is not None:
            if batch.lengths is not None:
                raise ValueError("encoder_steps does not support batch.lengths "
                                 "(variable-length lookbacks)")
            x = x[:, -self.encoder_steps:]
        return run_rnn(self.encoder, x, batch)[1]

    def forecast(self, batch: Batch) -> torch.Tensor:
        state = self.encode(batch)
        u = self.decoder_inputs(batch)  # (B, H, dec features)
        if not self.autoregressive:
            out, _ = self.decoder(u, state)  # (B, H, hidden)
            return self.step_head(out, u)
        p = self.teacher_forcing_probability()
        if self.training:
            self.clock.steps += 1
        prev = batch.past_target[:, -1]  # (B, n_targets): the last observed value
        preds = []
        for k in range(u.shape[1]):
            step_in = torch.cat([u[:, k], prev], dim=-1)[:, None, :]  # (B, 1, features)
            out, state = self.decoder(step_in, state)
            y = self.step_head(out, step_in)[:, 0]  # (B, n_targets)
            preds.append(y)
            prev = self.feedback(y, batch, k, p)
        return torch.stack(preds, dim=1)  # (B, H, n_targets)
