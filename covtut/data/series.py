"""Many aligned series in one container, before they are cut into windows.

Introduced in chapter "Covariates and their shapes".

:class:`SeriesData` holds ``N`` series of ``T`` steps each, every kind of covariate in
its own field, in the same layout as :class:`covtut.core.batch.Batch` but over the whole
time axis. :func:`covtut.data.table.from_dataframe` builds one from a long pandas table, on
one regular time grid: series may start and end at different steps (a ragged panel),
and a per-step validity ``mask`` says which steps of each series are observed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import pandas as pd
import torch

from covtut.core.batch import CovariateSpec
from covtut.core.validation import check_float, check_index, check_shape
from covtut.data.panel import label

__all__ = ["SeriesData"]


@dataclass
class SeriesData:
    """``N`` aligned series of ``T`` steps with their covariates.

    Attributes
    ----------
    target : (N, T, n_targets) float
    observed : (N, T, n_observed) float
        Known only up to each forecast origin once windowed.
    known : (N, T, n_known) float
        Known over lookback and horizon.
    known_cat : (N, T, n_known_cat) int64
    static : (N, n_static) float
    static_cat : (N, n_static_cat) int64
    known_cardinalities, static_cardinalities
        Cardinality of each categorical column, reserved index 0 included.
    mask : (N, T) bool, optional
        True where a step of a series is observed. ``None``: every step is. Steps outside
        a series' span, and (with ``from_dataframe(missing="mask")``) steps with a
        missing value, are False; their values are 0 and nothing reads them as data:
        windows never score them, and lookbacks are shortened before them.
    time : pandas.Index of length T, optional
        The timestamp of every step (the grid), to map steps back to real times.
    info : pandas.DataFrame of N rows, optional
        Indexed by the series keys, in the order of the series; its columns hold the raw
        (unencoded) static values, for per-series and per-group reports.
    columns : dict, optional
        Column names of each field (``{"target": ("price",), ...}``), for messages.
    """

    target: torch.Tensor
    observed: torch.Tensor
    known: torch.Tensor
    known_cat: torch.Tensor
    static: torch.Tensor
    static_cat: torch.Tensor
    known_cardinalities: tuple[int, ...] = ()
    static_cardinalities: tuple[int, ...] = ()
    mask: torch.Tensor | None = None
    time: pd.Index | None = None
    info: pd.DataFrame | None = None
    columns: dict[str, tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        check_float(self.target, "target")
        if self.target.dim() != 3:
            raise ValueError(
                f"target has shape {tuple(self.target.shape)}, expected (N, T, n_targets)"
            )
        N, T, _ = self.target.shape
        for name in ("observed", "known"):
            x = getattr(self, name)
            check_float(x, name)
            check_shape(x, (N, T, x.shape[-1]), name)
        check_float(self.static, "static")
        check_shape(self.static, (N, self.static.shape[-1]), "static")
        check_index(self.known_cat, (N, T, len(self.known_cardinalities)),
                    self.known_cardinalities, "known_cat")
        check_index(self.static_cat, (N, len(self.static_cardinalities)),
                    self.static_cardinalities, "static_cat")
        if self.mask is not None:
            if self.mask.dtype != torch.bool:
                raise TypeError(f"mask has dtype {self.mask.dtype}, expected torch.bool")
            check_shape(self.mask, (N, T), "mask")
        if self.time is not None and len(self.time) != T:
            raise ValueError(f"time has {len(self.time)} timestamps, expected T={T}")
        if self.info is not None and len(self.info) != N:
            raise ValueError(f"info has {len(self.info)} rows, expected N={N}")

    def series_label(self, i: int) -> str:
        """Series ``i`` as an error message names it: its key, else its index."""
        return f"series {label(self.info.index[i]) if self.info is not None else i}"

    def step_label(self, t: int) -> str:
        """Step ``t`` as an error message names it: its index and, if known, timestamp."""
        if self.time is not None and 0 <= t < len(self.time):
            return f"step {t} ({self.time[t]})"
        return f"step {t}"

    def column_label(self, field: str, c: int) -> str:
        """Channel ``c`` of ``field`` as a message names it: ``known[..., 0] ('temp')``."""
        names = (self.columns or {}).get(field, ())
        return f"{field}[..., {c}]" + (f" ({names[c]!r})" if c < len(names) else "")

    def valid(self) -> torch.Tensor:
        """The validity mask ``(N, T)``, all True where :attr:`mask` is ``None``."""
        if self.mask is not None:
            return self.mask
        return torch.ones(self.target.shape[:2], dtype=torch.bool, device=self.target.device)

    @property
    def n_series(self) -> int:
        return self.target.shape[0]

    @property
    def n_steps(self) -> int:
        return self.target.shape[1]

    def spec(self, lookback: int, horizon: int) -> CovariateSpec:
        """The :class:`~covtut.core.batch.CovariateSpec` of windows cut from this data."""
        return CovariateSpec(
            lookback=lookback,
            horizon=horizon,
            n_targets=self.target.shape[-1],
            n_observed=self.observed.shape[-1],
            n_known=self.known.shape[-1],
            known_cardinalities=self.known_cardinalities,
            n_static=self.static.shape[-1],
            static_cardinalities=self.static_cardinalities,
        )

    def to(self, device: torch.device | str) -> SeriesData:
        """Return a copy with every tensor on ``device``."""
        moved = {
            f.name: getattr(self, f.name).to(device)
            if isinstance(getattr(self, f.name), torch.Tensor)
            else getattr(self, f.name)
            for f in fields(self)
        }
        return SeriesData(**moved)

    def replace(self, **changes: object) -> SeriesData:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)

    def without_statics(self, numeric: bool = True, categorical: bool = True) -> SeriesData:
        """The same series with no static columns: the data of a model without them.

        Parameters
        ----------
        numeric, categorical
            Drop the numeric static columns (``static`` becomes ``(N, 0)``), the
            categorical ones (``static_cat`` becomes ``(N, 0)``, no cardinalities), or both.

        Examples
        --------
        The same windows read from it: ``windows.with_data(data.without_statics())``.
        """
        changes: dict[str, object] = {}
        if numeric:
            changes["static"] = self.static[:, :0]
        if categorical:
            changes.update(static_cat=self.static_cat[:, :0], static_cardinalities=())
        if self.columns is not None:
            drop = {k for k, on in (("static", numeric), ("static_cat", categorical)) if on}
            changes["columns"] = {k: (() if k in drop else v) for k, v in self.columns.items()}
        return replace(self, **changes)

