"""A GRU cell whose update gate also listens to the static covariates.

Introduced in chapter "A GRU whose gate listens to the covariates". The published
precedent is the EA-LSTM (Kratzert et al. 2019), where static catchment attributes
alone drive the input gate. Here, with statics ``s``:

.. math::

    r_t &= \\sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\\\
    z_t &= \\sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz} + W_{sz} s) \\\\
    n_t &= \\tanh(W_{in} x_t + b_{in} + r_t \\odot (W_{hn} h_{t-1} + b_{hn})) \\\\
    h_t &= (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}

With ``W_sz = 0`` this is exactly ``nn.GRU`` (same parameter layout, so weights copy
across). With ``static_gate_only=True`` the update gate is ``sigma(W_sz s + b_z)``,
the EA-LSTM's choice: how much each unit updates is a property of the series.

Speed: the input projections of all steps are one matrix product before the loop, and
the static term is computed and added to the update gate's inputs once, since statics
do not change over time; the loop then does one small matrix product and a handful of
element-wise operations per step. (With ``static_gate_only`` the update gate is
computed once, before the loop.)

Variable-length lookbacks (``batch.lengths``): the loop leaves the state unchanged on
padded steps (:func:`~covtut.models.lengths.padding_mask`), so each window's recurrence
starts at its first valid step from the zero state, exactly as without padding.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from covtut.core.batch import Batch, CovariateSpec
from covtut.models.base import CovariateModel, Head, ModelConfig
from covtut.models.lengths import padding_mask


class CovariateGRUCell(nn.Module):
    """The gated cell, run over a whole sequence at once (batch-first).

    Parameters
    ----------
    input_size, hidden_size
        As for ``nn.GRU``.
    cond_size
        Width of the static features that enter the update gate (0: a plain GRU).
    static_gate_only
        If true, the update gate reads only the statics (EA-LSTM style).
    """

    def __init__(self, input_size: int, hidden_size: int, cond_size: int,
                 static_gate_only: bool = False) -> None:
        super().__init__()
        self.hidden_size, self.static_gate_only = hidden_size, static_gate_only
        H = hidden_size
        # same names and layout as nn.GRU: rows ordered (reset, update, new)
        self.weight_ih = nn.Parameter(torch.empty(3 * H, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * H, H))
        self.bias_ih = nn.Parameter(torch.empty(3 * H))
        self.bias_hh = nn.Parameter(torch.empty(3 * H))
        self.weight_sz = nn.Parameter(torch.empty(H, cond_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``nn.GRU``'s initialisation; the static path starts at zero (a plain GRU)."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh):
            nn.init.uniform_(p, -bound, bound)
        nn.init.zeros_(self.weight_sz)

    @torch.no_grad()
    def load_gru(self, gru: nn.GRU) -> None:
        """Copy the weights of a one-layer ``nn.GRU`` (for the equivalence test)."""
        self.weight_ih.copy_(gru.weight_ih_l0)
        self.weight_hh.copy_(gru.weight_hh_l0)
        self.bias_ih.copy_(gru.bias_ih_l0)
        self.bias_hh.copy_(gru.bias_hh_l0)

    def forward(self, x: torch.Tensor, s: torch.Tensor, h: torch.Tensor | None = None,
                pad: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Run over ``x`` (B, L, input_size) with statics ``s`` (B, cond_size).

        ``pad`` (B, L) bool, True on left-padded steps: there the state is kept as it is.

        Returns
        -------
        out : (B, L, hidden)
            All hidden states.
        gates : (B, L, hidden)
            The update gate ``z_t`` at every step (for plotting).
        """
        B, L, _ = x.shape
        H = self.hidden_size
        # every step's input projection in one matrix product: (B, L, 3H)
        gi = torch.addmm(self.bias_ih, x.reshape(B * L, -1), self.weight_ih.t()).view(B, L, 3 * H)
        gs = s @ self.weight_sz.t()  # (B, H), once: statics do not change over time
        h = x.new_zeros(B, H) if h is None else h
        w_hh = self.weight_hh.t()  # (H, 3H)
        skip = None if pad is None else pad[..., None].unbind(1)  # L x (B, 1)
        if self.static_gate_only:
            z = torch.sigmoid(gs + self.bias_ih[H:2 * H])  # (B, H), the same at every step
            gi_r, gi_n = gi[..., :H].unbind(1), gi[..., 2 * H:].unbind(1)
            outs = []
            for t in range(L):
                gh = torch.addmm(self.bias_hh, h, w_hh)  # (B, 3H)
                r = torch.sigmoid(gi_r[t] + gh[:, :H])
                n = torch.tanh(gi_n[t] + r * gh[:, 2 * H:])
                h_new = n + z * (h - n)  # = (1 - z) * n + z * h
                h = h_new if skip is None else torch.where(skip[t], h, h_new)
                outs.append(h)
            return torch.stack(outs, dim=1), z[:, None, :].expand(B, L, H)
        # add the static term to the update gate's inputs once, for all steps
        gi_rz = gi[..., :2 * H] + torch.cat([torch.zeros_like(gs), gs], dim=1)[:, None, :]
        gi_rz, gi_n = gi_rz.unbind(1), gi[..., 2 * H:].unbind(1)
        outs, gates = [], []
        for t in range(L):
            gh = torch.addmm(self.bias_hh, h, w_hh)  # (B, 3H): the one product per step
            rz = torch.sigmoid(gi_rz[t] + gh[:, :2 * H])  # reset and update gates together
            r, z = rz[:, :H], rz[:, H:]
            n = torch.tanh(gi_n[t] + r * gh[:, 2 * H:])
            h_new = n + z * (h - n)  # = (1 - z) * n + z * h, one operation fewer
            h = h_new if skip is None else torch.where(skip[t], h, h_new)
            outs.append(h)
            gates.append(z)
        return torch.stack(outs, dim=1), torch.stack(gates, dim=1)


class CovariateGatedGRU(CovariateModel):
    """One :class:`CovariateGRUCell` layer over the per-step features, and a head.

    ``config.cell`` and ``config.num_layers`` are ignored: this model is one gated GRU.
    """

    supports_lengths = True  # the cell keeps its state on padded steps

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None,
                 static_gate_only: bool = False) -> None:
        super().__init__(spec, config)
        c = self.config
        self.cell = CovariateGRUCell(self.inputs.dynamic_features, c.hidden_size,
                                     self.inputs.static_features, static_gate_only)
        self.head = Head(c.hidden_size + self.head_future_features(), spec.horizon,
                         spec.n_targets, c.head, c.head_hidden)

    def gates(self, batch: Batch) -> torch.Tensor:
        """The update gates ``(B, L, hidden)`` for ``batch``, for plotting."""
        batch.validate(self.spec, check_values=self.check_values)
        return self._run(batch)[1]

    def _run(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.inputs.dynamic(batch)  # (B, L, dynamic_features)
        pad = padding_mask(batch, x.shape[1], x.device)  # (B, L) or None
        return self.cell(x, self.inputs.static(batch), pad=pad)

    def forecast(self, batch: Batch) -> torch.Tensor:
        out, _ = self._run(batch)
        return self.head(self.head_input(out[:, -1], batch))  # (B, H, n_targets)
