"""The third real task, day-ahead pedestrian counts: its protocol as code.

Its page, ``book/protocol_pedestrian.md``, was written and committed before any model
was run on the task. :mod:`~covtut.tasks.pedestrian.protocol` is that page in code.
"""

from covtut.tasks.pedestrian.protocol import (
    HORIZON,
    LOOKBACK,
    PERIODS,
    SENSORS,
    TZ,
    holidays,
    load_table,
    origins,
    windows,
)

__all__ = ["HORIZON", "LOOKBACK", "PERIODS", "SENSORS", "TZ", "holidays", "load_table",
           "origins", "windows"]
