"""Variable-length lookbacks: how every model skips the left padding.

Introduced in chapter "Attention conditioned on covariates" (and used by every model
since the real-data chapters, where a new series has a short history).

A window with ``batch.lengths[b] < L`` is left-padded: its last ``lengths[b]`` steps
are real, the steps before are padding whose values are garbage. Two ways to make a
recurrence ignore them, both here so that every model uses the same one:

* :func:`run_rnn`, for ``nn.LSTM`` and ``nn.GRU``: move the valid steps to the front,
  run the packed sequence (``pack_padded_sequence``, which needs the lengths on the
  CPU: the batch's ``lengths_cpu``), and move the outputs back, so that ``out[:, -1]``
  and the final state are those of the last valid step, as without padding;
* :func:`padding_mask`, for a hand-written cell loop: the state is left unchanged on
  padded steps, so at the first valid step it is still the initial state.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from covtut.core.batch import Batch

__all__ = ["left_to_right_padding", "right_to_left_padding", "padding_mask", "run_rnn"]

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def left_to_right_padding(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Move each sequence's valid steps to the front: (B, L, F) -> (B, L, F).

    Applying it twice with the same lengths restores the original order only for the
    valid part; use :func:`right_to_left_padding` to go back.
    """
    L = x.shape[1]
    t = torch.arange(L, device=x.device)
    idx = (t[None, :] + (L - lengths)[:, None]) % L  # (B, L)
    return x.gather(1, idx[..., None].expand(-1, -1, x.shape[-1]))


def right_to_left_padding(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`left_to_right_padding`."""
    L = x.shape[1]
    t = torch.arange(L, device=x.device)
    idx = (t[None, :] - (L - lengths)[:, None]) % L  # (B, L)
    return x.gather(1, idx[..., None].expand(-1, -1, x.shape[-1]))


def padding_mask(batch: Batch, L: int, device: torch.device) -> torch.Tensor | None:
    """``(B, L)`` bool, True on padded steps; ``None`` for a batch without lengths."""
    if batch.lengths is None:
        return None
    t = torch.arange(L, device=device)
    return t[None, :] < (L - batch.lengths)[:, None]  # (B, L)


def _cpu_lengths(batch: Batch) -> torch.Tensor:
    # the windowing keeps a CPU copy; a reader's own batch pays one copy from the GPU
    return batch.lengths_cpu if batch.lengths_cpu is not None else batch.lengths.cpu()


def run_rnn(rnn: nn.LSTM | nn.GRU, x: torch.Tensor, batch: Batch,
            state: State | None = None) -> tuple[torch.Tensor, State]:
    """Run ``rnn`` over ``x`` (B, L, F), skipping each window's left padding.

    Returns
    -------
    out : (B, L, hidden)
        Left-padded like ``x``: ``out[:, -1]`` is every window's last valid step (the
        padded steps hold zeros).
    state
        The final state, that of each window's last valid step: ``h_n`` (layers, B,
        hidden), or ``(h_n, c_n)`` for an LSTM.
    """
    L = x.shape[1]
    # without lengths, or on the meta device (shapes only: nothing to pack), a plain run
    if batch.lengths is None or x.device.type == "meta":
        return rnn(x, state)
    lengths = _cpu_lengths(batch)
    if bool((lengths == L).all()):  # no padding in this batch: the plain run is the same
        return rnn(x, state)
    packed = pack_padded_sequence(left_to_right_padding(x, batch.lengths), lengths,
                                  batch_first=True, enforce_sorted=False)
    out, state = rnn(packed, state)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=L)  # (B, L, hidden)
    return right_to_left_padding(out, batch.lengths), state  # padding first again
