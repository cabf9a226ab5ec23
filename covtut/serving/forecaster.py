"""A trained model with the scaler and the encoders it was trained with: what
:func:`covtut.load_forecaster` returns.

Introduced in chapter "From notebook to production".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import torch

from covtut.core.batch import CovariateSpec
from covtut.data.encoding import CategoryEncoder
from covtut.data.scaling import SeriesScaler
from covtut.data.series import SeriesData
from covtut.models.base import CovariateModel
from covtut.serving.forecast import forecast_future

__all__ = ["Forecaster"]

# what a saved spec must match in new data
_SPEC_FIELDS = ("n_targets", "n_observed", "n_known", "known_cardinalities", "n_static",
                "static_cardinalities")


@dataclass
class Forecaster:
    """Everything a forecast needs, as :func:`~covtut.serving.saving.load_forecaster` rebuilt it.

    Attributes
    ----------
    model
        The model, in eval mode, with the saved weights.
    scaler
        The fitted scaler (``None``: the model was trained on unscaled data).
    encoders
        The fitted encoder of each categorical column, by column name (or ``None``).
    spec
        The model's :class:`~covtut.core.batch.CovariateSpec`: lookback ``L``, horizon ``H``
        and the width of every kind of input.
    metadata
        What the caller of :func:`~covtut.serving.saving.save_forecaster` stored (``{}`` if
        nothing).
    name, options
        The model's name in :data:`covtut.models.MODELS` and its class options.
    covtut_version
        The version of covtut that wrote the file.
    source
        Where it was loaded from, for messages.
    """

    model: CovariateModel
    scaler: SeriesScaler | None
    encoders: dict[str, CategoryEncoder] | None
    spec: CovariateSpec
    metadata: dict = field(default_factory=dict)
    name: str = ""
    options: dict = field(default_factory=dict)
    covtut_version: str = ""
    source: str = "forecaster"

    def check(self, data: SeriesData) -> None:
        """Raise a ``ValueError`` if ``data`` does not match the saved spec.

        Compares the number of target, observed, known and static columns and the
        cardinality of every categorical column, and, where ``data`` comes from
        :func:`covtut.from_dataframe`, that its static categories were encoded with the
        saved encoders (``from_dataframe(..., encoders=forecaster.encoders)``).
        """
        if not isinstance(data, SeriesData):
            raise TypeError(f"Forecaster.check takes a SeriesData, got {type(data).__name__}")
        actual = data.spec(self.spec.lookback, self.spec.horizon)
        for name in _SPEC_FIELDS:
            want, got = getattr(self.spec, name), getattr(actual, name)
            if want != got:
                raise ValueError(f"{self.source}: the data does not match the saved "
                                 f"forecaster: {name} is {got} in the data, expected {want}")
        if self.encoders is None or data.columns is None or data.info is None:
            return
        for j, col in enumerate(data.columns.get("static_cat", ())):
            if col not in self.encoders or col not in data.info.columns:
                continue
            codes = torch.as_tensor(self.encoders[col].transform(data.info[col]))
            if not torch.equal(codes, data.static_cat[:, j].cpu()):
                raise ValueError(
                    f"{self.source}: the data's static_cat column {col!r} was encoded with "
                    "other encoders than the saved ones; build the data with "
                    "from_dataframe(..., encoders=forecaster.encoders)")

    def forecast_future(self, data: SeriesData, future: pd.DataFrame | None = None, *,
                        min_lookback: int | None = None) -> pd.DataFrame:
        """:func:`covtut.forecast_future` with the saved scaler and encoders, after
        :meth:`check`."""
        self.check(data)
        return forecast_future(self.model, data, future, scaler=self.scaler,
                               encoders=self.encoders, min_lookback=min_lookback)
