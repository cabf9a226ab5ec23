"""Student's t distribution without scipy, and the interval the verdict rule reads.

Used by :mod:`covtut.evaluation.verdict` and :mod:`covtut.evaluation.period`.
"""

from __future__ import annotations

import math

__all__ = ["t_cdf", "t_interval", "t_quantile", "t_two_sided_p", "winner"]


def t_quantile(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t distribution with ``df`` degrees of freedom.

    Computed from the regularised incomplete beta function (no scipy needed); accurate
    to about 1e-10. ``df = inf`` gives the normal quantile.
    """
    if not 0.0 < q < 1.0 or not df > 0:
        raise ValueError(f"t_quantile: need 0 < q < 1 and df > 0, got q={q}, df={df}")
    if q < 0.5:
        return -t_quantile(1.0 - q, df)
    if q == 0.5:
        return 0.0
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < q:
        lo, hi = hi, hi * 2.0
    for _ in range(200):  # bisection: the cdf is monotone, 200 halvings exhaust a double
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def t_cdf(x: float, df: float) -> float:
    """Student's t cdf at ``x >= 0`` with ``df`` degrees of freedom."""
    if math.isinf(df):
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
    return 1.0 - 0.5 * _betainc(df / 2.0, 0.5, df / (df + x * x))


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), by its continued fraction."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x > (a + 1.0) / (a + b + 2.0):  # the fraction converges fast on this side only
        return 1.0 - _betainc(b, a, 1.0 - x)
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    f = d
    for m in range(1, 500):  # Lentz's method
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            f *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return math.exp(log_front) * f / a


def t_two_sided_p(t: float, df: float) -> float:
    """The two-sided p-value of a t statistic ``t`` with ``df`` degrees of freedom."""
    return 2.0 * (1.0 - t_cdf(abs(t), df)) if math.isfinite(t) else 0.0


def t_interval(mean: float, se: float, df: float, level: float) -> tuple[float, float, float]:
    """(low, high, p): the ``level`` t interval of a mean with standard error ``se``, and
    the two-sided p-value of zero; ``se = 0`` gives a point."""
    if se == 0.0:
        return mean, mean, (1.0 if mean == 0.0 else 0.0)
    half = t_quantile(0.5 + level / 2.0, df) * se
    return mean - half, mean + half, t_two_sided_p(mean / se, df)


def winner(names: tuple[str, str], low: float, high: float,
           lower_is_better: bool) -> str | None:
    """The winner when the interval ``(low, high)`` of ``a - b`` excludes zero, else ``None``."""
    if low > 0.0 or high < 0.0:
        a_lower = high < 0.0
        return names[0] if a_lower == lower_is_better else names[1]
    return None
