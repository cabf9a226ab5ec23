"""Chronological train / validation / test split of forecast origins.

Introduced in chapter "Covariates and their shapes".
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["Split", "chronological_split"]


@dataclass(frozen=True)
class Split:
    """Forecast origins of each set and the step where training data ends.

    Attributes
    ----------
    train, val, test : torch.Tensor
        Origins (int64). A training window's horizon ends at or before ``train_end``,
        so no training target lies in the validation or test period.
    train_end
        First step that is not training data: fit scalers and encoders on ``[:train_end]``.
    val_end
        First step of the test period.
    """

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    train_end: int
    val_end: int


def chronological_split(n_steps: int, lookback: int, horizon: int, val_frac: float = 0.15,
                        test_frac: float = 0.15, stride: int = 1) -> Split:
    """Split the time axis into consecutive train, validation and test periods.

    Origins of each set are taken every ``stride`` steps, such that every target window
    lies entirely inside its own period: a model never trains on a value that it is
    later tested on.

    Parameters
    ----------
    n_steps
        ``T``, the length of the series.
    lookback, horizon
        ``L`` and ``H``.
    val_frac, test_frac
        Fractions of the time axis for the validation and test periods.
    stride
        Steps between consecutive origins (``horizon`` gives non-overlapping targets).

    Raises
    ------
    ValueError
        If any of the three sets would be empty.
    """
    if not (0 <= val_frac < 1 and 0 < test_frac < 1 and val_frac + test_frac < 1):
        raise ValueError(f"val_frac={val_frac} and test_frac={test_frac} must be in [0, 1) "
                         "and sum to less than 1")
    val_end = round(n_steps * (1 - test_frac))
    train_end = round(n_steps * (1 - test_frac - val_frac))

    def origins(first: int, end: int) -> torch.Tensor:
        return torch.tensor(range(first, end - horizon + 1, stride), dtype=torch.long)

    train = origins(lookback, train_end)
    val = origins(train_end, val_end)
    test = origins(val_end, n_steps)
    for name, origins, lo, hi in (("train", train, 0, train_end), ("val", val, train_end, val_end),
                                  ("test", test, val_end, n_steps)):
        if origins.numel() == 0 and not (name == "val" and val_frac == 0):
            raise ValueError(
                f"chronological_split leaves the {name} set empty: its period [{lo}, {hi}) "
                f"of {hi - lo} steps cannot hold a window of lookback={lookback} and "
                f"horizon={horizon} (n_steps={n_steps}); use longer series or other fractions"
            )
    return Split(train=train, val=val, test=test, train_end=train_end, val_end=val_end)
