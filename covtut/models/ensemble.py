"""A seed ensemble: the mean of several trained models' forecasts, as one model.

Networks trained from different seeds differ by more than a reader expects (the book's
verdicts show the spread); their mean forecast is usually better than the typical member
and varies less. :class:`Ensemble` has the models' contract, so
:func:`~covtut.evaluation.scoring.evaluate`, :func:`covtut.forecasts` and
:func:`covtut.check_no_leakage` take it like one network. A verdict about ensembles
compares several disjoint ones
(:func:`covtut.evaluation.experiments.disjoint_groups`), not one ensemble against seeds.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from covtut.core.batch import Batch
from covtut.models.base import CovariateModel

__all__ = ["Ensemble"]


class Ensemble(CovariateModel):
    """The mean forecast of ``members``, all built for the same spec.

    Parameters
    ----------
    members
        Trained models (at least one), each ``Batch -> (B, H, n_targets)``.
    """

    def __init__(self, members: Sequence[CovariateModel]) -> None:
        members = list(members)
        if not members:
            raise ValueError("Ensemble(members=[]): give at least one trained model")
        specs = {m.spec for m in members}
        if len(specs) > 1:
            raise ValueError(f"Ensemble: the members were built for {len(specs)} different "
                             f"specs ({sorted(map(str, specs))}); an ensemble needs one")
        super().__init__(members[0].spec, members[0].config)
        del self.inputs  # each member reads its own inputs
        self.members = nn.ModuleList(members)

    @property
    def supports_lengths(self) -> bool:  # type: ignore[override]
        """Whether every member handles variable-length lookbacks."""
        return all(m.supports_lengths for m in self.members)

    def forecast(self, batch: Batch) -> torch.Tensor:
        """``(B, H, n_targets)``: the members' forecasts, averaged."""
        return torch.stack([m.forecast(batch) for m in self.members]).mean(0)
