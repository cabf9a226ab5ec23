"""The protocol's ridge as a configuration of :class:`covtut.models.linear.LinearModel`.

Chapter "Day-ahead electricity demand" builds its ridge from this. The same features as
:class:`~covtut.tasks.vic_elec.ridge.DayAheadRidge` (the tests check that the two give the
same forecast), which this replaces once the committed results are next rerun: this module
is not imported by :mod:`covtut.tasks.vic_elec`, so adding it left them current.

The windows' columns (:func:`~covtut.tasks.vic_elec.protocol.with_daily_temperature`): known
numeric 0 temperature (°C), 1 holiday, 2, 3, 4 the day's maximum, minimum and mean
temperature; known categorical 0 half-hour, 1 weekday. The knots are in °C, so the model
reads raw windows (``task.windows(..., scaled=False)``).
"""

from __future__ import annotations

from covtut.core.batch import CovariateSpec
from covtut.models.linear import LinearModel

__all__ = ["HINGES", "ridge"]

#: Temperature hinges (at 20 and 25 °C upwards, 18 and 12 °C downwards) and a hot-day
#: hinge of the day's maximum at 30 °C, as ``(column, knot, direction)``.
HINGES = ((0, 20.0, 1), (0, 25.0, 1), (0, 18.0, -1), (0, 12.0, -1), (2, 30.0, 1))


def ridge(spec: CovariateSpec, lags: bool = True) -> LinearModel:
    """The protocol's ridge for windows of ``spec``, with or without the demand features.

    Every known numeric column and the hinges at the target half-hour, the weekday
    one-hot (the half-hour is the step's own, so it is left out), and with ``lags`` the
    demand one day and one week earlier at the same half-hour, the last value, and the
    means of the last day and the last week.
    """
    return LinearModel(spec, known_cat=(1,), hinges=HINGES,
                       lags=(48, 336) if lags else (), means=(1, 48, 336) if lags else ())
