"""Clear errors for bad input, raised before PyTorch's opaque ones.

Each check names the argument, what was expected and what was given, so that
``batch.static_cat has dtype torch.float32, expected an integer dtype`` replaces
``IndexError: tensors used as indices must be long...`` deep inside an embedding.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["check_float", "check_shape", "check_finite", "check_index", "check_length",
           "find_nonfinite"]


def check_float(x: torch.Tensor, name: str) -> None:
    """Raise ``TypeError`` unless ``x`` is a floating-point tensor."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} has dtype {x.dtype}, expected a floating-point dtype")


def check_shape(x: torch.Tensor, expected: Sequence[int], name: str) -> None:
    """Raise ``ValueError`` unless ``x.shape == expected``."""
    if tuple(x.shape) != tuple(expected):
        raise ValueError(
            f"{name} has shape {tuple(x.shape)}, expected {tuple(expected)}"
        )


def check_finite(x: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` if ``x`` holds NaN or infinity (skipped on ``meta``)."""
    if x.device.type == "meta" or x.numel() == 0:
        return
    if not torch.isfinite(x).all():
        n_bad = int((~torch.isfinite(x)).sum())
        raise ValueError(
            f"{name} holds {n_bad} NaN or infinite value(s); impute or drop them first")


def check_index(x: torch.Tensor, expected: Sequence[int], cardinalities: Sequence[int],
                name: str) -> None:
    """Raise unless ``x`` is an int64 tensor of codes, column ``j`` in ``[0, cardinalities[j])``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dtype != torch.long:
        raise TypeError(
            f"{name} has dtype {x.dtype}, expected torch.int64 category indices "
            "(encode categories with covtut.data.encoding.CategoryEncoder)"
        )
    check_shape(x, expected, name)
    if x.device.type == "meta" or x.numel() == 0:
        return
    for j, card in enumerate(cardinalities):
        col = x[..., j]
        lo, hi = int(col.min()), int(col.max())
        if lo < 0 or hi >= card:
            raise ValueError(
                f"{name}[..., {j}] holds indices in [{lo}, {hi}], expected [0, {card - 1}] "
                f"(cardinality {card}; index 0 is the reserved 'unseen' category)"
            )


def check_length(n_steps: int, needed: int, name: str) -> None:
    """Raise ``ValueError`` if a series of ``n_steps`` is shorter than ``needed``."""
    if n_steps < needed:
        raise ValueError(
            f"{name} has {n_steps} time steps, expected at least {needed} "
            "(lookback + horizon)"
        )


def find_nonfinite(x: torch.Tensor, where: torch.Tensor | None = None
                   ) -> tuple[int, tuple[int, ...]] | None:
    """Count and index of the first NaN or infinity in ``x`` (N, T, C), or ``None``.

    ``where`` (N, T) bool restricts the search to those steps (the steps that are read),
    so that a caller can name the series and the step in its error.
    """
    if x.device.type == "meta" or x.numel() == 0:
        return None
    bad = ~torch.isfinite(x)
    if where is not None:
        bad &= where[..., None]
    if not bad.any():
        return None
    return int(bad.sum()), tuple(int(i) for i in bad.nonzero()[0])
