"""Train a network on what the linear model leaves, and keep it only if validation says so.

The recipe of :class:`~covtut.models.residual.LinearPlusNetwork`, in three steps that read
the training and validation windows only:

1. the linear model's penalty is chosen on validation and it is fitted on the training
   windows (:func:`~covtut.models.linear.choose_penalty`);
2. the network is trained by :func:`~covtut.training.trainer.fit` on the sum, the linear
   part fixed, with early stopping on validation;
3. the network's part is kept if the sum's validation loss is below the linear model's,
   and switched off otherwise, so on validation the result is never worse than the
   linear model.

Selection and calibration must not share validation windows: give this function the
selection windows, and keep others apart for calibrating intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from covtut.data.windows import WindowDataset
from covtut.models.base import CovariateModel
from covtut.models.linear import ALPHAS, LinearModel, PenaltyChoice, choose_penalty
from covtut.models.residual import LinearPlusNetwork
from covtut.training.trainer import FitResult, fit, validation_loss

__all__ = ["ResidualFit", "fit_linear_plus_network"]


@dataclass
class ResidualFit:
    """What :func:`fit_linear_plus_network` did and decided.

    Attributes
    ----------
    model
        The combined model, its ``keep`` set.
    kept
        Whether the network's part is used.
    linear_val, combined_val
        Validation loss (``fit``'s, in the windows' scaled units) of the linear model alone
        and of the sum with the network kept.
    penalty
        The linear model's penalty choice (``None`` if it came fitted).
    fit
        The network's training record.
    """

    model: LinearPlusNetwork
    kept: bool
    linear_val: float
    combined_val: float
    penalty: PenaltyChoice | None
    fit: FitResult

    @property
    def gain(self) -> float:
        """Relative validation gain of the result over the linear model (0 if not kept)."""
        return 1 - min(self.combined_val, self.linear_val) / self.linear_val


def fit_linear_plus_network(linear: LinearModel, network: CovariateModel, train: WindowDataset,
                            val: WindowDataset, *, alphas: tuple[float, ...] | None = ALPHAS,
                            loss: str = "mse", batch_size: int = 128,
                            **fit_kwargs) -> ResidualFit:
    """Fit the linear model, train ``network`` on its residual, keep the network if it helps.

    Parameters
    ----------
    linear
        The linear model; fitted here with the penalty chosen on ``val`` from ``alphas``,
        or used as fitted if ``alphas`` is ``None``.
    network
        The correction, trained by :func:`~covtut.training.trainer.fit` (its weights are
        drawn there, from ``seed``).
    train, val
        Training and validation windows (scaled, as a network reads them). No test window
        is read.
    loss
        ``fit``'s loss, ``"mse"`` or ``"l1"``: the penalty, early stopping and the keep
        decision all use it.
    batch_size, **fit_kwargs
        Passed to ``fit`` (``epochs``, ``lr``, ``seed``, ``device``, ``max_steps``, ...).
    """
    penalty = None
    if alphas is not None:
        penalty = choose_penalty(linear, train.batch(), val.batch(), alphas,
                                 loss={"mse": "mse", "l1": "mae"}[loss])
    model = LinearPlusNetwork(linear, network)
    result = fit(model, train, val, batch_size=batch_size, loss=loss, **fit_kwargs)
    device = next(model.parameters()).device
    with torch.no_grad():
        model.keep.fill_(0.0)
        linear_val = validation_loss(model, val.to(device), batch_size, loss)
        model.keep.fill_(1.0)
        combined_val = validation_loss(model, val.to(device), batch_size, loss)
        kept = combined_val < linear_val
        model.keep.fill_(float(kept))
    return ResidualFit(model=model, kept=kept, linear_val=linear_val, combined_val=combined_val,
                       penalty=penalty, fit=result)
