"""Standardisation fitted on the training period only, and reversible.

Introduced in chapter "Covariates and their shapes".

On a ragged panel the statistics read only the observed training steps of each series
(``data.mask``). A series with too little training history for statistics of its own
(a new store) gets those of its static group (its state, its industry), or a clear
error where it has no group to borrow from.
"""

from __future__ import annotations

import pandas as pd
import torch

from covtut.core.codec import check_fields, tag, tensor, untag
from covtut.core.validation import find_nonfinite
from covtut.data.series import SeriesData

__all__ = ["StandardScaler", "SeriesScaler"]


class StandardScaler:
    """``(x - mean) / std`` per channel, over steps ``[:until]`` only.

    Parameters
    ----------
    per_series
        If true, each series gets its own mean and std (for series on different
        scales, such as stores of different sizes); otherwise one per channel.
    eps
        Floor on the std, so a constant channel does not divide by zero.
    min_steps
        With ``per_series`` and a mask: a series needs at least this many observed steps
        in ``[:until]`` for statistics of its own; below that it takes those of its
        group (``groups`` in :meth:`fit`), pooled over the group's observed steps.
    """

    def __init__(self, per_series: bool = False, eps: float = 1e-8, min_steps: int = 2) -> None:
        self.per_series, self.eps, self.min_steps = per_series, eps, min_steps
        self.mean: torch.Tensor | None = None
        self.std: torch.Tensor | None = None
        self.fallback: torch.Tensor | None = None  # (N,) bool: series that took group stats

    def fit(self, x: torch.Tensor, until: int | None = None, mask: torch.Tensor | None = None,
            groups: torch.Tensor | None = None, *, name: str = "x",
            data: SeriesData | None = None) -> StandardScaler:
        """Fit on ``x[:, :until]``; ``x`` has shape (N, T, C).

        Parameters
        ----------
        mask : (N, T) bool, optional
            Observed steps; only those are read. ``None``: every step.
        groups : (N,) int64, optional
            Group of each series, for the ``min_steps`` fallback.
        name, data
            For error messages: the field's name, and the data whose series keys,
            timestamps and column names they quote.
        """
        if x.dim() != 3:
            raise ValueError(f"x has shape {tuple(x.shape)}, expected (N, T, C)")
        train = x[:, :until]
        if train.shape[1] == 0:
            raise ValueError(f"StandardScaler.fit: until={until} leaves no step to fit on")
        m = None if mask is None else mask[:, :train.shape[1]]
        bad = find_nonfinite(train, m)
        if bad is not None:
            (n, (s, t, c)), d = bad, data
            where = (f"{d.column_label(name, c)}, first {d.series_label(s)} at "
                     f"{d.step_label(t)}" if d is not None else f"{name}[{s}, {t}, {c}]")
            raise ValueError(
                f"StandardScaler.fit: {n} NaN or infinite value(s) among the steps it fits "
                f"on (before until={until}), {where}; mark such steps missing "
                "(from_dataframe(..., missing='mask')) or impute them")
        if m is None:
            dims = (1,) if self.per_series else (0, 1)
            self.mean = train.mean(dim=dims, keepdim=True)  # (N or 1, 1, C)
            if x.shape[-1] == 0 or train[..., :1].numel() < 2:
                self.std = torch.ones_like(self.mean)  # nothing to scale, or a single value
            else:
                self.std = train.std(dim=dims, keepdim=True).clamp_min(self.eps)
            return self
        self.mean, self.std = self._masked_stats(train, m, groups, name, data)
        return self

    def _masked_stats(self, train: torch.Tensor, m: torch.Tensor, groups: torch.Tensor | None,
                      name: str, data: SeriesData | None) -> tuple[torch.Tensor, torch.Tensor]:
        N = train.shape[0]
        w = m[..., None].to(train.dtype)  # (N, T, 1): 1 on observed steps
        x = torch.where(m[..., None], train, 0.0)  # never 0 * NaN

        def pooled(assign: torch.Tensor, G: int):
            """Count, mean and std (G, C) over the observed steps of each group of series."""
            n = torch.zeros(G, 1, dtype=x.dtype).index_add_(0, assign, w.sum(1))
            mean = torch.zeros(G, x.shape[2], dtype=x.dtype).index_add_(0, assign, x.sum(1))
            mean = mean / n.clamp_min(1)
            dev = ((x - mean[assign][:, None, :]) ** 2 * w).sum(1)  # (N, C), two passes
            var = torch.zeros_like(mean).index_add_(0, assign, dev) / (n - 1).clamp_min(1)
            return n, mean, torch.where(n >= 2, var.sqrt().clamp_min(self.eps), 1.0)

        if not self.per_series:
            n, mean, std = pooled(torch.zeros(N, dtype=torch.long), 1)
            if int(n.sum()) == 0:
                raise ValueError(f"StandardScaler.fit: {name} has no observed step to fit on")
            return mean[:, None, :], std[:, None, :]  # (1, 1, C)
        n, mean, std = pooled(torch.arange(N), N)
        own = n[:, 0] >= self.min_steps
        self.fallback = ~own
        if not own.all():
            short = int((~own).nonzero()[0])
            who = data.series_label(short) if data is not None else f"series {short}"
            if groups is None:
                raise ValueError(
                    f"StandardScaler.fit: {who} has {int(n[short])} observed step(s) to fit "
                    f"{name} on, fewer than min_steps={self.min_steps}, and no group to take "
                    "statistics from: give SeriesScaler a fallback (a static column, e.g. "
                    "fallback='State'), a smaller min_steps, or leave the series out")
            gn, gmean, gstd = pooled(groups, int(groups.max()) + 1)
            if (gn[groups[~own], 0] < self.min_steps).any():
                raise ValueError(
                    f"StandardScaler.fit: {who} has {int(n[short])} observed step(s) to fit "
                    f"{name} on, and its group (code {int(groups[short])}) has "
                    f"{int(gn[groups[short]])}, fewer than min_steps={self.min_steps}: no "
                    "fallback is possible; choose another fallback column or min_steps")
            pick = ~own[:, None]  # (N, 1): series that take their group's statistics
            mean, std = torch.where(pick, gmean[groups], mean), torch.where(pick, gstd[groups],
                                                                            std)
        return mean[:, None, :], std[:, None, :]  # (N, 1, C)

    def _stats(self, series: torch.Tensor | None, like: torch.Tensor):
        if self.mean is None:
            raise RuntimeError("StandardScaler used before fit")
        mean, std = self.mean.to(like.device), self.std.to(like.device)
        if self.per_series and series is not None:
            mean, std = mean[series], std[series]  # (B, 1, C)
        elif self.per_series and like.shape[0] != mean.shape[0]:
            raise ValueError(
                f"StandardScaler was fitted per series on {mean.shape[0]} series, but x has "
                f"{like.shape[0]} (shape {tuple(like.shape)}); pass series= the index of each "
                "row among the fitted series")
        return mean, std

    def transform(self, x: torch.Tensor, series: torch.Tensor | None = None) -> torch.Tensor:
        """Scale ``x`` of shape (N, T, C), or (B, T, C) windows of series ``series``."""
        mean, std = self._stats(series, x)
        return (x - mean) / std

    def inverse_transform(self, x: torch.Tensor,
                          series: torch.Tensor | None = None) -> torch.Tensor:
        """Undo :meth:`transform`: ``x * std + mean``."""
        mean, std = self._stats(series, x)
        return x * std + mean

    def to_dict(self) -> dict:
        """Its settings and fitted statistics as plain values (:mod:`covtut.core.codec`)."""
        check_fields(self, ("per_series", "eps", "min_steps", "mean", "std", "fallback"))
        return {"per_series": bool(self.per_series), "eps": float(self.eps),
                "min_steps": int(self.min_steps), "mean": tensor(self.mean),
                "std": tensor(self.std), "fallback": tensor(self.fallback)}

    @classmethod
    def from_dict(cls, d: dict) -> StandardScaler:
        """The scaler that :meth:`to_dict` stored."""
        s = cls(per_series=d["per_series"], eps=d["eps"], min_steps=d["min_steps"])
        s.mean, s.std, s.fallback = d["mean"], d["std"], d["fallback"]
        return s


class SeriesScaler:
    """Scale every numeric field of a :class:`~covtut.data.series.SeriesData`, fitted on
    ``[:train_end]``.

    The target may be scaled per series; covariates use one scale per channel.
    Categorical fields are left as they are. Only observed steps (``data.mask``) are
    read, and unobserved steps stay 0 after scaling.

    Parameters
    ----------
    per_series_target
        Each series' target gets its own mean and std.
    min_steps
        Observed training steps a series needs for target statistics of its own.
    fallback
        Where a series has fewer: a column of ``data.info`` (a static column or a part of
        the series key, ``"State"``) or the index of a ``static_cat`` column; the series
        then takes the target statistics of all series in its group. ``None``: an error.
    """

    def __init__(self, per_series_target: bool = False, min_steps: int = 2,
                 fallback: str | int | None = None) -> None:
        self.target = StandardScaler(per_series=per_series_target, min_steps=min_steps)
        self.observed = StandardScaler()
        self.known = StandardScaler()
        self.static: StandardScaler = StandardScaler()
        self.fallback = fallback
        self.keys: list | None = None  # the fitted series' keys, to match new data by key

    def fit(self, data: SeriesData, train_end: int) -> SeriesScaler:
        groups = None if self.fallback is None else _groups(data, self.fallback)
        for name in ("target", "observed", "known"):
            getattr(self, name).fit(getattr(data, name), train_end, data.mask,
                                    groups if name == "target" else None, name=name, data=data)
        self.static.fit(data.static[:, None, :], name="static")
        self.keys = None if data.info is None else list(data.info.index)
        return self

    def series_index(self, data: SeriesData) -> torch.Tensor | None:
        """Index of each of ``data``'s series among the fitted ones (``None``: the same).

        Series are matched by key where both have keys, else by position (``None``).
        """
        if not self.target.per_series or self.target.mean is None:
            return None
        n_fit = self.target.mean.shape[0]
        if self.keys is not None and data.info is not None:
            keys = list(data.info.index)
            if keys == self.keys:
                return None
            where = {k: i for i, k in enumerate(self.keys)}
            unknown = [k for k in keys if k not in where]
            if unknown:
                raise ValueError(
                    f"SeriesScaler: series {unknown[:3]} of the data were not among the "
                    f"{n_fit} series the target scaler was fitted on per series; refit it "
                    "on data that holds them (a new series' short history is enough)")
            return torch.tensor([where[k] for k in keys])
        return None

    def transform(self, data: SeriesData) -> SeriesData:
        series = self.series_index(data)
        n_fit = None if self.target.mean is None else self.target.mean.shape[0]
        if self.target.per_series and n_fit is not None and series is None \
                and data.n_series != n_fit:
            raise ValueError(
                f"SeriesScaler: target was fitted per series on {n_fit} series, but the "
                f"data has {data.n_series} (target shape {tuple(data.target.shape)}) and no "
                "series keys to match them by; use data from from_dataframe, or refit")
        scaled = {
            "target": self.target.transform(data.target, series),
            "observed": self.observed.transform(data.observed),
            "known": self.known.transform(data.known),
        }
        if data.mask is not None:  # unobserved steps stay 0: never NaN, never scaled data
            scaled = {k: v.masked_fill(~data.mask[..., None], 0.0) for k, v in scaled.items()}
        return data.replace(
            **scaled, static=self.static.transform(data.static[:, None, :])[:, 0, :])

    def inverse_target(self, y: torch.Tensor, series: torch.Tensor | None = None) -> torch.Tensor:
        """A forecast (B, H, n_targets) back in the target's original units."""
        return self.target.inverse_transform(y, series)

    def to_dict(self) -> dict:
        """Its four scalers, the fallback and the fitted series' keys as plain values."""
        check_fields(self, ("target", "observed", "known", "static", "fallback", "keys"))
        if self.fallback is not None and type(self.fallback) not in (str, int):
            raise ValueError(f"save_forecaster: scaler.fallback is {self.fallback!r}; expected "
                             "a column name (str), a static_cat index (int) or None")
        keys = None if self.keys is None else [
            tag(k, f"scaler.keys[{i}]") for i, k in enumerate(self.keys)]
        return {**{name: getattr(self, name).to_dict()
                   for name in ("target", "observed", "known", "static")},
                "fallback": self.fallback, "keys": keys}

    @classmethod
    def from_dict(cls, d: dict) -> SeriesScaler:
        """The scaler that :meth:`to_dict` stored."""
        scaler = cls(fallback=d["fallback"])
        for name in ("target", "observed", "known", "static"):
            setattr(scaler, name, StandardScaler.from_dict(d[name]))
        scaler.keys = None if d["keys"] is None else [untag(k) for k in d["keys"]]
        return scaler

    def unscale(self, y: torch.Tensor, data: SeriesData, series: torch.Tensor) -> torch.Tensor:
        """Forecasts ``(B, H, n_targets)`` of ``data``'s series ``series`` ``(B,)`` (positions
        in ``data``) back in the target's original units.

        ``data`` may hold other series, or the same in another order, than the data the
        scaler was fitted on: each is matched by its key (:meth:`series_index`).
        """
        fitted = self.series_index(data)
        series = series.cpu()
        return self.target.inverse_transform(y, series if fitted is None else fitted[series])


def _groups(data: SeriesData, fallback: str | int) -> torch.Tensor:
    """(N,) int64 group codes from a column of ``data.info`` or a static_cat column."""
    if isinstance(fallback, int):
        return data.static_cat[:, fallback].cpu()
    info = data.info
    if info is not None and fallback in info.columns:
        values = info[fallback]
    elif info is not None and fallback in (info.index.names or []):
        values = info.index.get_level_values(fallback)
    else:
        options = [] if info is None else [*info.index.names, *info.columns]
        raise KeyError(f"SeriesScaler: fallback={fallback!r} is not a column of data.info "
                       f"(the series keys and statics: {options})")
    return torch.as_tensor(pd.factorize(values, sort=True)[0], dtype=torch.long)
