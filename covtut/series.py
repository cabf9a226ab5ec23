"""Many aligned series in one container, before they are cut into windows.

Introduced in chapter "Covariates and their shapes".

:class:`SeriesData` holds ``N`` series of ``T`` steps each, every kind of covariate in
its own field, in the same layout as :class:`covtut.batch.Batch` but over the whole
time axis. :func:`from_dataframe` builds one from a long pandas table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import torch

from covtut.batch import CovariateSpec
from covtut.encoding import CategoryEncoder
from covtut.validation import check_float, check_index, check_shape

__all__ = ["SeriesData", "from_dataframe"]


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
    """

    target: torch.Tensor
    observed: torch.Tensor
    known: torch.Tensor
    known_cat: torch.Tensor
    static: torch.Tensor
    static_cat: torch.Tensor
    known_cardinalities: tuple[int, ...] = ()
    static_cardinalities: tuple[int, ...] = ()

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

    @property
    def n_series(self) -> int:
        return self.target.shape[0]

    @property
    def n_steps(self) -> int:
        return self.target.shape[1]

    def spec(self, lookback: int, horizon: int) -> CovariateSpec:
        """The :class:`CovariateSpec` of windows cut from this data."""
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


def _float_block(frames: list, columns: Sequence[str], n_steps: int) -> torch.Tensor:
    if not columns:
        return torch.zeros(len(frames), n_steps, 0)
    arr = np.stack([f[list(columns)].to_numpy(dtype=np.float32) for f in frames])
    return torch.from_numpy(arr)


def from_dataframe(
    df,
    *,
    series: str,
    time: str,
    target: Sequence[str],
    observed: Sequence[str] = (),
    known: Sequence[str] = (),
    known_cat: Sequence[str] = (),
    static: Sequence[str] = (),
    static_cat: Sequence[str] = (),
    fit_until=None,
    encoders: dict[str, CategoryEncoder] | None = None,
) -> tuple[SeriesData, dict[str, CategoryEncoder]]:
    """Turn a long table (one row per series and time step) into :class:`SeriesData`.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per (series, time); every series must have the same time steps.
    series, time
        Names of the series-key and time columns.
    target, observed, known, known_cat, static, static_cat
        Column names of each kind of input. Static columns must be constant per series.
    fit_until
        Categorical encoders learn only the categories seen in rows with
        ``df[time] < fit_until`` (the training period), so that later categories map
        to the reserved 'unseen' index 0, as they would in real use. ``None``: all rows.
    encoders
        Already fitted encoders (those returned for the training data) to use instead
        of fitting new ones: for new data, such as a series that joins later, whose
        codes must mean what they meant in training. Must hold every categorical column.

    Returns
    -------
    data : SeriesData
    encoders : dict[str, CategoryEncoder]
        One fitted encoder per categorical column, to decode or encode new data.
    """
    missing = [c for c in [series, time, *target, *observed, *known, *known_cat, *static,
                           *static_cat] if c not in df.columns]
    if missing:
        raise KeyError(f"from_dataframe: columns {missing} not in the DataFrame "
                       f"(it has {list(df.columns)})")
    df = df.sort_values([series, time])
    if encoders is None:
        fit_rows = df if fit_until is None else df[df[time] < fit_until]
        encoders = {c: CategoryEncoder().fit(fit_rows[c]) for c in [*known_cat, *static_cat]}
    else:
        absent = [c for c in [*known_cat, *static_cat] if c not in encoders]
        if absent:
            raise KeyError(f"from_dataframe: no encoder given for columns {absent}")
        encoders = {c: encoders[c] for c in [*known_cat, *static_cat]}
    frames = [g for _, g in df.groupby(series, sort=True)]
    lengths = {len(f) for f in frames}
    if len(lengths) != 1:
        raise ValueError(f"from_dataframe: series have different lengths {sorted(lengths)}; "
                         "reindex them onto one time grid first")
    T = lengths.pop()
    for c in [*static, *static_cat]:
        if any(f[c].nunique(dropna=False) > 1 for f in frames):
            raise ValueError(f"from_dataframe: static column {c!r} varies within a series")

    def cat_block(columns: Sequence[str], per_step: bool) -> torch.Tensor:
        if not columns:
            shape = (len(frames), T, 0) if per_step else (len(frames), 0)
            return torch.zeros(*shape, dtype=torch.long)
        cols = []
        for c in columns:
            codes = [encoders[c].transform(f[c] if per_step else f[c].iloc[:1]) for f in frames]
            cols.append(np.stack(codes) if per_step else np.concatenate(codes))
        return torch.from_numpy(np.stack(cols, axis=-1))

    first = [f.iloc[:1] for f in frames]
    data = SeriesData(
        target=_float_block(frames, target, T),
        observed=_float_block(frames, observed, T),
        known=_float_block(frames, known, T),
        known_cat=cat_block(known_cat, per_step=True),
        static=_float_block(first, static, 1)[:, 0, :],
        static_cat=cat_block(static_cat, per_step=False),
        known_cardinalities=tuple(encoders[c].cardinality for c in known_cat),
        static_cardinalities=tuple(encoders[c].cardinality for c in static_cat),
    )
    return data, encoders
