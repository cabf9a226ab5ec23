"""A network that starts from the linear model: the linear forecast plus a network's correction.

``forecast = linear(batch) + keep * network(batch)``. The linear part is a fitted
:class:`~covtut.models.linear.LinearModel` and stays fixed (its parameters take no
gradient); the network is any model of :mod:`covtut.models` and, trained on the sum, learns
what the linear model leaves: its residual. ``keep`` (0 or 1) switches the network's part
off; :func:`covtut.training.residual.fit_linear_plus_network` sets it from the validation
windows, so that on validation the combination is never worse than the linear model.

Why a residual and not a skip path trained jointly: the linear part keeps its closed-form
solution, the penalty chosen on validation, so the network cannot unlearn it, and with the
network switched off the model *is* the linear baseline, which makes the keep decision a
comparison of two fixed forecasts.
"""

from __future__ import annotations

import torch
from torch import nn

from covtut.core.batch import Batch
from covtut.models.base import CovariateModel
from covtut.models.linear import LinearModel

__all__ = ["LinearPlusNetwork"]


class LinearPlusNetwork(CovariateModel):
    """The linear model's forecast plus ``keep`` times a network's.

    Parameters
    ----------
    linear
        A fitted linear model (its forecast is the starting point).
    network
        A model of :mod:`covtut.models` for the same spec: the correction.

    Attributes
    ----------
    keep : torch.Tensor
        A scalar, 1 (the network's part is used) or 0 (the model is the linear model).
    """

    def __init__(self, linear: LinearModel, network: CovariateModel) -> None:
        if linear.spec != network.spec:
            raise ValueError(f"LinearPlusNetwork: the linear model's spec {linear.spec} is not "
                             f"the network's {network.spec}")
        if torch.isnan(linear.alpha):
            raise ValueError("LinearPlusNetwork(linear=...): fit the linear model first "
                             "(LinearModel.fit or covtut.choose_penalty)")
        super().__init__(network.spec, network.config)
        del self.inputs  # each part reads its own inputs
        self.linear, self.network = linear, network
        self.linear.requires_grad_(False)
        self.keep = nn.Parameter(torch.tensor(1.0), requires_grad=False)

    @property
    def supports_lengths(self) -> bool:  # type: ignore[override]
        """Whether the network handles variable-length lookbacks (the linear part does)."""
        return self.network.supports_lengths

    def forecast(self, batch: Batch) -> torch.Tensor:
        """``(B, H, n_targets)``: the linear forecast, plus the network's if kept."""
        # keep = 0 gives the linear forecast exactly (a finite correction times zero); the
        # network still runs, so that the model never branches on a value on the device
        return self.linear.forecast(batch) + self.keep * self.network.forecast(batch)
