"""The production forecast: the horizon after the end of the data, for every series.

Introduced in chapter "Getting started".

After training comes the forecast for tomorrow. Its lookback is the last ``L`` steps
of each series; over the horizon, past the end of the data, only the known-future
covariates exist, and they come from a table of their own (tomorrow's calendar, the
weather forecast). :func:`forecast_future` joins the two, cuts one window per series
and returns the forecast in original units, with real timestamps and series keys.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import torch

from covtut.data.encoding import CategoryEncoder
from covtut.data.panel import check_duplicates, label, time_column
from covtut.data.scaling import SeriesScaler
from covtut.data.series import SeriesData
from covtut.data.windows import WindowDataset
from covtut.models.base import CovariateModel
from covtut.training.trainer import predict

__all__ = ["forecast_future", "future_grid"]


def future_grid(time: pd.Index, horizon: int) -> pd.Index:
    """The ``horizon`` timestamps after the last step of the grid ``time``."""
    if isinstance(time, pd.DatetimeIndex):
        freq = time.freq
        if freq is None and len(time) >= 3:
            freq = pd.infer_freq(time)
        if freq is None:
            raise ValueError("future_grid: the time grid has no regular frequency; build the "
                             "data with from_dataframe(..., freq=...)")
        return pd.date_range(time[-1], periods=horizon + 1, freq=freq)[1:]
    step = time[-1] - time[-2]
    return pd.Index(time[-1] + step * np.arange(1, horizon + 1))


def _future_block(data: SeriesData, future: pd.DataFrame, times: pd.Index,
                  encoders: dict[str, CategoryEncoder] | None
                  ) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """Known covariates (N, H, n_known), codes (N, H, n_known_cat) from ``future``, and
    which series have a row at every horizon step (N,)."""
    keys, (time,) = list(data.columns["series"]), data.columns["time"]
    known, known_cat = list(data.columns["known"]), list(data.columns["known_cat"])
    absent = [c for c in [*keys, time, *known, *known_cat] if c not in future.columns]
    if absent:
        raise KeyError(f"forecast_future: columns {absent} not in future (it has "
                       f"{list(future.columns)})")
    if known_cat and encoders is None:
        raise ValueError(f"forecast_future: pass the encoders from from_dataframe, to encode "
                         f"future's categorical columns {known_cat}")
    check_duplicates(future, keys, time)
    future = future.assign(**{time: time_column(future, time)})
    key = pd.MultiIndex.from_frame(future[keys]) if len(keys) > 1 else pd.Index(future[keys[0]])
    s = data.info.index.get_indexer(key)
    t = times.get_indexer(future[time])
    if (s < 0).any():
        raise ValueError(f"forecast_future: future has rows for series "
                         f"{label(key[int(np.flatnonzero(s < 0)[0])])}, which is not in the data")
    if (t < 0).any():
        bad = future[time].iloc[int(np.flatnonzero(t < 0)[0])]
        raise ValueError(
            f"forecast_future: future has a row at {time}={bad}, not one of the "
            f"{len(times)} steps after the data's end ({times[0]} to {times[-1]})")
    N, H = data.n_series, len(times)
    values = np.zeros((N, H, len(known)), dtype=np.float32)
    values[s, t] = future[known].to_numpy(dtype=np.float32)
    codes = np.zeros((N, H, len(known_cat)), dtype=np.int64)
    for j, c in enumerate(known_cat):
        codes[s, t, j] = encoders[c].transform(future[c])
    present = np.zeros((N, H), dtype=bool)
    present[s, t] = True
    if not np.isfinite(values[present]).all():
        raise ValueError("forecast_future: future's known columns hold NaN or infinite values")
    return torch.from_numpy(values), torch.from_numpy(codes), present.all(axis=1)


def forecast_future(model: CovariateModel, data: SeriesData, future: pd.DataFrame | None = None,
                    *, scaler: SeriesScaler | None = None,
                    encoders: dict[str, CategoryEncoder] | None = None,
                    min_lookback: int | None = None) -> pd.DataFrame:
    """Forecast the ``H`` steps after the end of ``data``, from each series' last window.

    Parameters
    ----------
    model
        A trained model; its spec gives ``L`` and ``H``.
    data
        The series in original units, as :func:`covtut.from_dataframe` returned them (it
        needs their time grid and keys), up to the last observed step.
    future
        With known-future covariates: a long table with the series-key and time columns
        and every known and known-categorical column, one row per series and horizon step
        (the ``H`` grid steps after the data's last timestamp, :func:`future_grid`).
    scaler, encoders
        The scaler the model was trained with (``None``: not scaled) and the encoders
        from :func:`covtut.from_dataframe`.
    min_lookback
        Forecast also series with fewer than ``L`` observed steps at the end (at least
        this many), through ``batch.lengths``. ``None``: each needs a full lookback.

    Returns
    -------
    pandas.DataFrame
        One row per forecast series and horizon step: the series-key columns, the time
        column (the horizon's timestamps) and one column per target, in original units.
        Series that cannot be forecast (they end before the data does, lack lookback or
        future rows) are left out with a warning that names them.
    """
    if data.time is None or data.info is None or not data.columns:
        raise ValueError("forecast_future needs the time grid and series keys of "
                         "from_dataframe's SeriesData")
    L, H, T, N = model.spec.lookback, model.spec.horizon, data.n_steps, data.n_series
    times = future_grid(data.time, H)
    if model.spec.n_known or model.spec.n_known_cat:
        if future is None:
            raise ValueError("forecast_future: the model reads known-future covariates; pass "
                             "future, a table of them over the horizon")
        known, known_cat, complete = _future_block(data, future, times, encoders)
    else:
        known, known_cat = torch.zeros(N, H, 0), torch.zeros(N, H, 0, dtype=torch.long)
        complete = np.ones(N, dtype=bool)

    def extend(x: torch.Tensor, tail: torch.Tensor | None = None) -> torch.Tensor:
        tail = x.new_zeros(N, H, x.shape[-1]) if tail is None else tail.to(x)
        return torch.cat([x, tail], dim=1)  # (N, T + H, C)

    # the horizon's target is unknown: zeros, marked observed only so that the window is
    # cut; in eval mode no model reads batch.future_target
    mask = torch.cat([data.valid().cpu(), torch.from_numpy(complete)[:, None].expand(N, H)], 1)
    ext = data.replace(target=extend(data.target), observed=extend(data.observed),
                       known=extend(data.known, known), known_cat=extend(data.known_cat,
                                                                         known_cat),
                       mask=mask, time=data.time.append(times))
    scaled = ext if scaler is None else scaler.transform(ext)
    ds = WindowDataset(scaled, L, H, origins=[T], min_lookback=min_lookback)
    series = ds.series_index.cpu()
    left_out = sorted(set(range(N)) - set(series.tolist()))
    if left_out:
        warnings.warn(f"forecast_future: {len(left_out)} series not forecast (no row in future "
                      f"at every horizon step, or fewer than {min_lookback or L} observed steps "
                      f"at the end of the data): {[data.info.index[i] for i in left_out][:5]}",
                      stacklevel=2)
    pred = predict(model, ds)  # (B, H, n_targets), scaled
    if scaler is not None:
        pred = scaler.unscale(pred, ext, series)
    keys, (time,) = list(data.columns["series"]), data.columns["time"]
    key = data.info.index[series.repeat_interleave(H).numpy()]
    out = pd.DataFrame(list(key) if len(keys) > 1 else {keys[0]: key}, columns=keys)
    out[time] = np.tile(times.to_numpy(), len(series))
    for c, name in enumerate(data.columns["target"]):
        out[name] = pred[..., c].flatten().numpy()
    return out
