"""Would another test period agree? The second question of a verdict on real data.

Introduced in chapter "Getting started" with the rule (:mod:`covtut.evaluation.verdict`):
:func:`compare_forecasts` answers it from the per-origin (or per-series) losses of two
forecasts, and :func:`protocol_verdict` joins it with the verdict over seeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from covtut.evaluation.intervals import t_interval, winner
from covtut.evaluation.verdict import LEVEL, Verdict

__all__ = ["ProtocolVerdict", "compare_forecasts", "long_run_variance", "protocol_verdict"]


def long_run_variance(d: np.ndarray) -> float:
    """The long-run variance of a series' mean times its length, robust to autocorrelation.

    An AR(1) prewhitening, then the Bartlett (Newey–West) kernel on the residuals with
    bandwidth ``floor(4 (T / 100) ** (2 / 9))``, recoloured by ``1 / (1 - phi) ** 2``
    (Andrews and Monahan 1992). The AR coefficient is capped at 0.97 so that a near unit
    root cannot blow the variance up.

    Parameters
    ----------
    d : (T,) the series (loss differences in time order)
    """
    x = np.asarray(d, dtype=float) - float(np.mean(d))
    t = len(x)
    denom = float(x[:-1] @ x[:-1])
    phi = float(np.clip(x[1:] @ x[:-1] / denom, -0.97, 0.97)) if denom > 0 else 0.0
    e = x[1:] - phi * x[:-1]
    lags = int(4 * (t / 100.0) ** (2.0 / 9.0))
    lrv = float(e @ e) / len(e)
    for k in range(1, min(lags, len(e) - 1) + 1):
        lrv += 2.0 * (1.0 - k / (lags + 1.0)) * float(e[k:] @ e[:-k]) / len(e)
    return max(lrv, 0.0) / (1.0 - phi) ** 2


def compare_forecasts(loss_a: Sequence[float], loss_b: Sequence[float], *,
                      names: tuple[str, str] = ("a", "b"), metric: str = "loss",
                      unit: str = "origins", n_boot: int = 10_000, seed: int = 0) -> Verdict:
    """Would another test period agree? Two forecasts compared on their per-unit losses.

    Parameters
    ----------
    loss_a, loss_b : (T,) each forecast's loss per test origin (its mean over the
        horizon), in time order, or per test series; seed-averaged forecasts where a
        model has seeds. Their means are the two forecasts' test scores.
    names, metric
        For the sentence.
    unit
        ``"origins"``: successive origins, whose losses may be autocorrelated: the
        Diebold–Mariano test, with :func:`covtut.evaluation.period.long_run_variance` and a t
        reference with
        ``T - 1`` degrees of freedom (Harvey, Leybourne and Newbold 1997).
        ``"series"``: independent series at one origin: a paired bootstrap over series
        (``n_boot`` resamples, seeded), percentile interval.
    n_boot, seed
        The bootstrap's resamples and seed (``"series"`` only).

    Returns
    -------
    Verdict
        Over the ``T`` units: the interval of the mean loss difference ``a - b``, its
        p-value, and which forecast is better (lower loss) when it excludes zero.

    Raises
    ------
    ValueError
        For unequal lengths, fewer than 10 units, non-finite losses or an unknown unit.
    """
    la, lb = np.asarray(loss_a, dtype=float), np.asarray(loss_b, dtype=float)
    if la.ndim != 1 or la.shape != lb.shape:
        raise ValueError(f"compare_forecasts: loss_a has shape {la.shape} and loss_b "
                         f"{lb.shape}; expected one loss per test {unit[:-1]}, the same for both")
    if len(la) < 10:
        raise ValueError(f"compare_forecasts: {len(la)} test {unit} given, at least 10 needed")
    if not (np.isfinite(la).all() and np.isfinite(lb).all()):
        raise ValueError("compare_forecasts: non-finite losses")
    d = la - lb
    t = len(d)
    if unit == "origins":
        se = math.sqrt(long_run_variance(d) / t)
        low, high, p = t_interval(float(d.mean()), se, float(t - 1), LEVEL)
        test = f"Diebold–Mariano over {t} test origins"
    elif unit == "series":
        rng = np.random.default_rng(seed)
        means = d[rng.integers(0, t, size=(n_boot, t))].mean(axis=1)
        tail = (1.0 - LEVEL) / 2.0
        low, high = (float(v) for v in np.quantile(means, [tail, 1.0 - tail]))
        # two-sided, with the usual +1 so that a finite bootstrap never claims p = 0
        extreme = min(int((means <= 0).sum()), int((means >= 0).sum()))
        p = float(min(1.0, 2.0 * (extreme + 1) / (n_boot + 1)))
        test = f"bootstrap over {t} test series"
    else:
        raise ValueError(f"compare_forecasts: unit={unit!r}; expected 'origins' or 'series'")
    return Verdict(a=names[0], b=names[1], metric=metric, mean_a=float(la.mean()),
                   mean_b=float(lb.mean()), spread_a=0.0, spread_b=0.0,
                   wins_a=int((d < 0).sum()), n=t, better=winner(names, low, high, True),
                   low=low, high=high, p_value=p, test=test)


@dataclass(frozen=True)
class ProtocolVerdict:
    """Both questions on a real protocol: another set of seeds, another test period.

    Attributes
    ----------
    seeds
        :func:`~covtut.evaluation.verdict.compare` over the seeds' test scores.
    period
        :func:`compare_forecasts` on the seed-averaged forecasts' per-origin (or
        per-series) losses; ``None`` where the other side published no forecasts.
    """

    seeds: Verdict
    period: Verdict | None

    @property
    def better(self) -> str | None:
        """The winner on this protocol, where both questions settle it the same way."""
        if self.period is None or self.seeds.better != self.period.better:
            return None
        return self.seeds.better

    @property
    def settled(self) -> bool:
        """Whether both questions name the same winner."""
        return self.better is not None

    @property
    def word(self) -> str:
        """'beats', 'is beaten by' or 'is not separated from', on both questions."""
        if self.better is None:
            return "is not separated from"
        return "beats" if self.better == self.seeds.a else "is beaten by"

    def __str__(self) -> str:
        a, b = self.seeds.a, self.seeds.b
        seeds = f"seeds: {self.seeds.word} ({self.seeds.test}, p = {self.seeds.p_value:.2g})"
        if self.period is None:
            return (f"{a} {self.seeds.word} {b} on the seed question alone; the test period "
                    f"is not testable (no forecasts of {b}). {seeds}")
        period = (f"test period: {self.period.word} ({self.period.test}, "
                  f"p = {self.period.p_value:.2g})")
        return f"{a} {self.word} {b} on this protocol. {seeds}; {period}"


def protocol_verdict(seeds: Verdict, period: Verdict | None) -> ProtocolVerdict:
    """Join the seed question and the test-period question into one verdict.

    Parameters
    ----------
    seeds
        From :func:`~covtut.evaluation.verdict.compare` (the seeds' test scores; ``names`` in the
        same order).
    period
        From :func:`compare_forecasts`, or ``None`` without the other side's forecasts.

    Raises
    ------
    ValueError
        If the two compare different names.
    """
    if period is not None and (seeds.a, seeds.b) != (period.a, period.b):
        raise ValueError(f"protocol_verdict: the seeds compare {seeds.a!r} with {seeds.b!r}, "
                         f"the test period {period.a!r} with {period.b!r}")
    return ProtocolVerdict(seeds=seeds, period=period)
