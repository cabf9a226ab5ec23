"""Variable selection: weigh the *covariates* at each step, conditioned on the statics.

Introduced in chapter "Where should my covariates go?" (many covariates of varying
relevance, on the regime :func:`covtut.data.synthetic.many_covariates`), after the Temporal
Fusion Transformer (Lim et al. 2021). Attention (chapter "Attention conditioned on
covariates") weighs *time steps*; this layer weighs *variables*.

At step ``t``, each variable ``j`` (a numeric column, or one categorical column after its
encoding) gets its own projection ``xi_{j,t} = W_j x_{j,t} + b_j`` to ``d`` features, and a
small network of the step's flattened inputs ``x_t`` (the raw values and encodings; the
TFT reads the projections, ``n_vars * d`` wide, which costs more parameters for the same
information) and the static context ``c_s`` gives one weight per variable:

.. math::

    v_t = \\operatorname{softmax}\\big(W_2\\, \\operatorname{ELU}(W_1 x_t + W_c c_s + b_1)
          + b_2\\big), \\qquad
    \\tilde x_t = \\sum_j v_{j,t}\\, \\xi_{j,t}.

``c_s = ELU(W_s s + b_s)`` encodes the statics (numeric and encoded categorical), so which
covariates a series reads can depend on its group. The weighted sum ``tilde x_t``
(``(B, T, d)``) is the step's input to a recurrent encoder over the lookback, whose
initial state the static context also sets (as the TFT's ``c_h, c_c``), and to a decoder
over the horizon; a per-step :class:`~covtut.models.base.Head` reads each decoder state,
as in :class:`~covtut.models.encoder_decoder.EncoderDecoderRNN`. The decoder never reads
the target: over the horizon only the known-future covariates are selected.

Variables, in the order of the weights' last axis (:meth:`VariableSelectionRNN.variable_names`):

* lookback: each target channel, each observed-past column, each known numeric column,
  each known categorical column (``n_targets + n_observed + n_known + n_known_cat``);
* horizon: each known numeric column, each known categorical column
  (``n_known + n_known_cat``).
"""

from __future__ import annotations

import torch
from torch import nn

from covtut.core.batch import Batch, CovariateSpec
from covtut.models.base import CategoryFeatures, CovariateModel, Head, ModelConfig, make_rnn
from covtut.models.lengths import padding_mask, run_rnn

__all__ = ["VariableSelection", "VariableSelectionRNN", "NumericProjection"]


def encoded_widths(encoder: CategoryFeatures) -> list[int]:
    """Width of each categorical column after ``encoder``, in column order."""
    if encoder.mode == "embedding":
        return [e.embedding_dim for e in encoder.embeddings]
    if encoder.mode == "onehot":
        return list(encoder.cardinalities)
    return [1] * len(encoder.cardinalities)


class NumericProjection(nn.Module):
    """One affine map ``R -> R^d`` per numeric column, all at once.

    ``x`` ``(B, T, n)`` becomes ``(B, T, n, d)``: ``x[..., j, None] * weight[j] + bias[j]``.
    """

    def __init__(self, n: int, d: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, d))
        self.bias = nn.Parameter(torch.empty(n, d))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # as nn.Linear(1, d) for each column: fan-in 1, bound 1
        nn.init.uniform_(self.weight, -1.0, 1.0)
        nn.init.uniform_(self.bias, -1.0, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[..., None] * self.weight + self.bias  # (B, T, n, d)


class VariableSelection(nn.Module):
    """Per-step softmax weights over variables, and the weighted sum of their projections.

    Parameters
    ----------
    n_numeric
        Numeric variables: the first ``n_numeric`` input columns, one variable each.
    cat_widths
        Widths of the encoded categorical variables that follow, in order.
    context_size
        Width of the static context that conditions the weights.
    d
        Width of each variable's projection, and of the output.
    hidden
        Width of the weight network's hidden layer.
    """

    def __init__(self, n_numeric: int, cat_widths: list[int], context_size: int, d: int,
                 hidden: int) -> None:
        super().__init__()
        self.n_numeric, self.cat_widths, self.d = n_numeric, list(cat_widths), d
        self.n_vars = n_numeric + len(self.cat_widths)
        in_features = n_numeric + sum(self.cat_widths)
        self.numeric = NumericProjection(n_numeric, d)
        self.categorical = nn.ModuleList(nn.Linear(w, d) for w in self.cat_widths)
        self.w_in = nn.Linear(in_features, hidden)
        self.w_context = nn.Linear(context_size, hidden, bias=False)
        self.w_out = nn.Linear(hidden, self.n_vars)

    def forward(self, x: torch.Tensor,
                context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Select from ``x`` ``(B, T, features)`` given ``context`` ``(B, context_size)``.

        Returns
        -------
        selected : (B, T, d)
            The weighted sum of the variables' projections (zeros without variables).
        weights : (B, T, n_vars)
            Non-negative, summing to 1 over the variables at every step.
        """
        if self.n_vars == 0:
            return x.new_zeros(*x.shape[:2], self.d), x.new_zeros(*x.shape[:2], 0)
        parts = [self.numeric(x[..., :self.n_numeric])]  # (B, T, n_numeric, d)
        start = self.n_numeric
        for w, proj in zip(self.cat_widths, self.categorical, strict=True):
            parts.append(proj(x[..., start:start + w])[..., None, :])  # (B, T, 1, d)
            start += w
        xi = torch.cat(parts, dim=2)  # (B, T, n_vars, d)
        # the statics shift every step's scores alike: computed once per series
        hidden = self.w_in(x) + self.w_context(context)[:, None, :]  # (B, T, hidden)
        weights = torch.softmax(self.w_out(nn.functional.elu(hidden)), dim=-1)  # (B, T, n_vars)
        return (weights[..., None] * xi).sum(dim=2), weights  # (B, T, d), (B, T, n_vars)


class VariableSelectionRNN(CovariateModel):
    """Variable selection at every step, then an encoder-decoder with a per-step head.

    ``config.future_in_head`` is ignored: the decoder reads the selected horizon
    covariates. With ``batch.lengths``, the encoder skips each lookback's left padding
    (:func:`~covtut.models.lengths.run_rnn`) and the decoder starts from its state at the
    last valid step.

    Parameters
    ----------
    variable_size
        ``d``, the width of each variable's projection, of the selected input and of the
        weight network's hidden layer (default: half of ``config.hidden_size``, so that the
        parameter count stays near the encoder-decoder's).
    """

    supports_lengths = True

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None,
                 variable_size: int | None = None) -> None:
        super().__init__(spec, config)
        c = self.config
        d = variable_size or max(1, c.hidden_size // 2)
        cat_widths = encoded_widths(self.inputs.known_cat)
        # the statics' context: conditions the weights and sets the encoder's first state
        self.static_context = nn.Linear(self.inputs.static_features, c.hidden_size)
        self.past_selection = VariableSelection(
            spec.n_targets + spec.n_observed + spec.n_known, cat_widths, c.hidden_size, d, d)
        self.future_selection = VariableSelection(spec.n_known, cat_widths, c.hidden_size, d, d)
        n_states = 2 if c.cell == "lstm" else 1  # (h, c) for an LSTM
        self.init_state = nn.Linear(c.hidden_size, n_states * c.num_layers * c.hidden_size)
        self.encoder = make_rnn(c.cell, d, c.hidden_size, c.num_layers, c.dropout)
        self.decoder = make_rnn(c.cell, d, c.hidden_size, c.num_layers, c.dropout)
        self.head = Head(c.hidden_size, 1, spec.n_targets, c.head, c.head_hidden)

    def variable_names(self) -> tuple[list[str], list[str]]:
        """Names of the variables that the lookback and horizon weights refer to, in order."""
        s = self.spec
        known = [f"known[{j}]" for j in range(s.n_known)]
        known += [f"known_cat[{j}]" for j in range(s.n_known_cat)]
        past = [f"target[{j}]" for j in range(s.n_targets)]
        past += [f"observed[{j}]" for j in range(s.n_observed)]
        return past + known, list(known)

    def context(self, batch: Batch) -> torch.Tensor:
        """The static context ``c_s``, ``(B, hidden)``."""
        return nn.functional.elu(self.static_context(self.inputs.static(batch)))

    def initial_state(self, context: torch.Tensor):
        """The encoder's first state from the static context: ``h0`` ``(layers, B, hidden)``,
        or ``(h0, c0)`` for an LSTM."""
        c = self.config
        B = context.shape[0]
        states = self.init_state(context).view(B, -1, c.num_layers, c.hidden_size)
        states = states.permute(1, 2, 0, 3).contiguous()  # (n_states, layers, B, hidden)
        h0 = torch.tanh(states[0])
        return (h0, states[1]) if c.cell == "lstm" else h0

    def select(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                                            torch.Tensor, torch.Tensor]:
        """Static context, selected inputs and weights, over the lookback and the horizon.

        Returns
        -------
        context : (B, hidden)
        past : (B, L, d)
        past_weights : (B, L, n_past_vars)
        future : (B, H, d)
        future_weights : (B, H, n_future_vars)
        """
        ctx = self.context(batch)
        past, past_w = self.past_selection(self.inputs.dynamic(batch), ctx)
        future, future_w = self.future_selection(self.inputs.future(batch), ctx)
        return ctx, past, past_w, future, future_w

    def selection_weights(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """The variable weights for plotting: lookback ``(B, L, n_past_vars)`` (zero on
        padded steps) and horizon ``(B, H, n_future_vars)``; names from
        :meth:`variable_names`."""
        batch.validate(self.spec, check_values=self.check_values)
        _, _, past_w, _, future_w = self.select(batch)
        mask = padding_mask(batch, past_w.shape[1], past_w.device)  # (B, L), True on padding
        if mask is not None:
            past_w = past_w.masked_fill(mask[..., None], 0.0)
        return past_w, future_w

    def forecast(self, batch: Batch) -> torch.Tensor:
        ctx, past, _, future, _ = self.select(batch)
        _, state = run_rnn(self.encoder, past, batch, self.initial_state(ctx))
        out, _ = self.decoder(future, state)  # (B, H, hidden)
        B, H, width = out.shape
        return self.head(out.reshape(B * H, width)).view(B, H, -1)  # (B, H, n_targets)

