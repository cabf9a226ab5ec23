"""The six regimes: how covariates shape the mean and the persistence of the process.

Described in :mod:`covtut.data.synthetic`; each generator returns a
:class:`~covtut.data.synthetic.SyntheticData`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from covtut.data.synthetic.process import SyntheticData, ar1, calendar, pack, simulate

__all__ = ["PROMO_EFFECT", "REGIMES", "RELEVANT_COEFS", "additive", "interaction",
           "known_future", "level_estimate_error", "make_regime", "many_covariates",
           "many_groups", "static_dynamics"]


def additive(n_series: int = 64, n_steps: int = 400, period: int = 24, beta: float = 1.5,
             phi: float = 0.6, sigma: float = 0.3, seed: int = 0) -> SyntheticData:
    """(a) An additive known-future driver, plus an observed-past sensor.

    ``m_t = level_i + sin(2 pi t / period) + beta * x_t`` with ``x_t`` a smooth AR(1)
    driver known over the horizon (think temperature forecast), and ``level_i`` a
    per-series level that no covariate gives: a model must estimate it from the
    lookback. The observed-past sensor ``w_t = u_t + noise`` reads the disturbance, so
    before the origin it separates the level from the disturbance, which the past target
    alone cannot do (see :func:`level_estimate_error`); its values after the origin would
    reveal the future disturbance: feeding them is leakage.
    """
    rng = np.random.default_rng(seed)
    cal = calendar(n_series, n_steps, period)
    level = rng.normal(0, 1, (n_series, 1))
    x = ar1(rng, (n_series, n_steps), 0.95)
    mean = level + cal[..., 0] + beta * x
    phis = np.full((n_series, n_steps), phi)
    y, u = simulate(mean, phis, sigma, rng)
    sensor = u + rng.normal(0, sigma / 2, u.shape)
    known = np.concatenate([cal, x[..., None]], axis=-1)
    data = pack(y, known=known, observed=sensor[..., None])
    return SyntheticData(data, mean, phis, sigma, "additive",
                         dict(beta=beta, phi=phi, period=period, known=["sin", "cos", "x"],
                              observed=["sensor"], level=level[:, 0]))


def level_estimate_error(syn: SyntheticData, origins: torch.Tensor,
                         lookback: int) -> tuple[float, float]:
    """How well the ``lookback`` steps before each origin tell a series' level (``additive``).

    The residual ``y_t - sin - beta * x_t = level_i + u_t`` averaged over the lookback
    estimates the level from the past target alone; subtracting the sensor
    (``w_t = u_t + noise``) first leaves the level plus the sensor's noise.

    Parameters
    ----------
    syn
        Data of the ``additive`` regime.
    origins : (n,) int64
        Forecast origins; every series is estimated at each.
    lookback
        ``L``.

    Returns
    -------
    tuple of float
        The error standard deviation of the two estimates, over series and origins, from
        the past target alone and with the sensor.
    """
    if syn.regime != "additive":
        raise ValueError(f"level_estimate_error needs the additive regime, got {syn.regime!r}")
    d = syn.data
    known_part = d.known[..., 0].double() + syn.params["beta"] * d.known[..., 2].double()
    resid = d.target[..., 0].double() - known_part  # (N, T): level + u
    sensor = d.observed[..., 0].double()  # (N, T): u + noise
    level = torch.from_numpy(syn.params["level"])[:, None]  # (N, 1)
    o = torch.as_tensor(origins).unique().cpu()
    steps = o[:, None] - lookback + torch.arange(lookback)  # (n, L)
    alone = resid[:, steps].mean(-1) - level  # (N, n)
    with_sensor = (resid - sensor)[:, steps].mean(-1) - level  # (N, n)
    return float(alone.std()), float(with_sensor.std())


def static_dynamics(n_series: int = 256, n_steps: int = 300, period: int = 24,
                    effect: str = "amplitude", sigma: float = 0.3,
                    seed: int = 0) -> SyntheticData:
    """(b) A static number ``s_i`` in [0, 1] changes each series' dynamics.

    ``effect="amplitude"``: ``m_t = (0.2 + 1.8 s_i) sin(2 pi t / period)``, ``phi = 0.5``.
    ``effect="ar"``: ``m_t = sin(2 pi t / period)``, ``phi_i = -0.5 + 1.4 s_i``
    (from anti-persistent to strongly persistent).
    """
    if effect not in ("amplitude", "ar"):
        raise ValueError(f"effect must be 'amplitude' or 'ar', got {effect!r}")
    rng = np.random.default_rng(seed)
    cal = calendar(n_series, n_steps, period)
    s = rng.uniform(0, 1, (n_series, 1))
    if effect == "amplitude":
        mean = (0.2 + 1.8 * s) * cal[..., 0]
        phis = np.full((n_series, n_steps), 0.5)
    else:
        mean = cal[..., 0].copy()
        phis = np.repeat(-0.5 + 1.4 * s, n_steps, axis=1)
    y, _ = simulate(mean, phis, sigma, rng)
    data = pack(y, known=cal, static=s)
    return SyntheticData(data, mean, phis, sigma, "static_dynamics",
                         dict(effect=effect, period=period, static=s[:, 0]))


def many_groups(n_groups: int = 100, series_per_group: int = 4, n_steps: int = 300,
                period: int = 24, phi: float = 0.5, sigma: float = 0.3,
                seed: int = 0) -> SyntheticData:
    """(c) A static category with many levels: the group sets level and seasonal phase.

    ``m_t = mu_g + 1.5 sin(2 pi t / period + theta_g)``; groups are coded ``1..n_groups``
    (cardinality ``n_groups + 1``, index 0 reserved for unseen).
    """
    rng = np.random.default_rng(seed)
    n_series = n_groups * series_per_group
    group = np.repeat(np.arange(n_groups), series_per_group)
    mu = rng.normal(0, 1.5, n_groups)
    theta = rng.uniform(0, 2 * np.pi, n_groups)
    t = np.arange(n_steps)
    mean = mu[group, None] + 1.5 * np.sin(2 * np.pi * t / period + theta[group, None])
    phis = np.full((n_series, n_steps), phi)
    y, _ = simulate(mean, phis, sigma, rng)
    data = pack(y, known=calendar(n_series, n_steps, period),
                 static_cat=(group + 1)[:, None], static_cards=(n_groups + 1,))
    return SyntheticData(data, mean, phis, sigma, "many_groups",
                         dict(mu=mu, theta=theta, group=group, period=period))


def interaction(n_series: int = 128, n_steps: int = 300, period: int = 24,
                phi_on: float = 0.95, phi_off: float = 0.2, switch_prob: float = 0.05,
                sigma: float = 0.3, seed: int = 0) -> SyntheticData:
    """(d) A known-future regime flag ``r_t`` gates how much the past persists.

    ``phi_t = phi_on`` when ``r_t = 1`` and ``phi_off`` otherwise; ``m_t`` is the
    calendar sine. The flag switches with probability ``switch_prob`` per step, and is
    known in advance (a market's scheduled trading regime, a machine's planned mode).
    The covariate does nothing on its own: it multiplies the effect of the past.
    """
    rng = np.random.default_rng(seed)
    cal = calendar(n_series, n_steps, period)
    flips = rng.uniform(size=(n_series, n_steps)) < switch_prob
    r = (np.cumsum(flips, axis=1) + rng.integers(0, 2, (n_series, 1))) % 2
    phis = np.where(r == 1, phi_on, phi_off)
    mean = cal[..., 0].copy()
    y, _ = simulate(mean, phis, sigma, rng)
    known = np.concatenate([cal, r[..., None].astype(float)], axis=-1)
    data = pack(y, known=known)
    return SyntheticData(data, mean, phis, sigma, "interaction",
                         dict(phi_on=phi_on, phi_off=phi_off, period=period,
                              known=["sin", "cos", "regime"]))


PROMO_EFFECT = (0.0, 0.0, 1.5, 3.0)  # by code: unseen, none, discount, bundle


def known_future(n_series: int = 128, n_steps: int = 300, period: int = 24,
                 promo_prob: float = 0.08, holiday_prob: float = 0.03,
                 holiday_effect: float = -2.0, phi: float = 0.5, sigma: float = 0.3,
                 seed: int = 0) -> SyntheticData:
    """(e) Planned promotions and holidays, known in advance, shift the mean.

    ``known_cat`` holds the promotion (codes 1 none, 2 discount, 3 bundle; effects
    ``PROMO_EFFECT``) and ``known`` the calendar and a holiday flag. The past tells
    nothing about when the next promotion comes: only the covariate's values over the
    horizon do.
    """
    rng = np.random.default_rng(seed)
    cal = calendar(n_series, n_steps, period)
    on = rng.uniform(size=(n_series, n_steps)) < promo_prob
    promo = np.where(on, rng.integers(2, 4, (n_series, n_steps)), 1)
    holiday = (rng.uniform(size=(1, n_steps)) < holiday_prob).astype(float)
    holiday = np.repeat(holiday, n_series, axis=0)  # holidays are shared by all series
    mean = cal[..., 0] + np.asarray(PROMO_EFFECT)[promo] + holiday_effect * holiday
    phis = np.full((n_series, n_steps), phi)
    y, _ = simulate(mean, phis, sigma, rng)
    known = np.concatenate([cal, holiday[..., None]], axis=-1)
    data = pack(y, known=known, known_cat=promo[..., None], known_cards=(4,))
    return SyntheticData(data, mean, phis, sigma, "known_future",
                         dict(promo_effect=PROMO_EFFECT, holiday_effect=holiday_effect,
                              period=period, known=["sin", "cos", "holiday"],
                              known_cat=["promotion"]))


RELEVANT_COEFS = (1.5, 1.0, 0.5)  # the relevant drivers' |coefficients|, in each state


def many_covariates(n_series: int = 128, n_steps: int = 300, period: int = 24,
                    n_covariates: int = 24, n_groups: int = 2,
                    coefs: tuple[float, ...] = RELEVANT_COEFS, driver_ar: float = 0.8,
                    switch_prob: float = 0.05, phi: float = 0.5, sigma: float = 0.3,
                    seed: int = 0) -> SyntheticData:
    """(f) Many known-future drivers of varying relevance: which ones matter changes.

    ``n_covariates`` drivers ``x_{j,t}`` (independent AR(1), coefficient ``driver_ar``,
    unit variance) are known over the horizon (forecasts of weather, prices, traffic).
    The state ``k_t = 2 g_i + r_t`` combines a static group ``g_i`` (series ``i`` is in
    group ``i mod n_groups``; coded ``g_i + 1`` in ``static_cat``, index 0 unseen) and a
    known-future regime flag ``r_t`` in {0, 1} (it switches with probability
    ``switch_prob`` per step, as in :func:`interaction`). In state ``k`` only the
    drivers ``S_k = {k n_rel, ..., k n_rel + n_rel - 1}`` (``n_rel = len(coefs)``) move
    the mean:

    .. math::

        m_t = \\sin(2\\pi t / \\text{period})
              + \\sum_{j \\in S_{k_t}} \\pm c_{j - k_t n_{rel}}\\, x_{j,t},

    with fixed random signs. The sets are disjoint, so of the ``n_covariates`` drivers
    ``2 n_groups n_rel`` matter in some state and the rest never; a model must learn which
    columns to read from the flag and the group. ``phi`` is constant, so the oracle is
    exact as in every regime.

    ``known`` holds ``sin, cos, regime, x_0, ..., x_{n-1}`` (names in
    ``params["known"]``); ``params["relevance"]`` is the true ``|coefficient|`` of each
    driver in each state, a ``(2 n_groups, n_covariates)`` tensor whose row ``k`` is the
    state ``params["states"][k] = (group, flag)``; ``params["flag_column"]`` and
    ``params["covariate_columns"]`` index ``known``; ``params["state"]`` is ``k_t``,
    ``(N, T)``.
    """
    n_states, n_rel = 2 * n_groups, len(coefs)
    if n_states * n_rel > n_covariates:
        raise ValueError(f"many_covariates: {n_states} states x {n_rel} relevant drivers need "
                         f"n_covariates >= {n_states * n_rel}, got {n_covariates}")
    rng = np.random.default_rng(seed)
    cal = calendar(n_series, n_steps, period)
    flips = rng.uniform(size=(n_series, n_steps)) < switch_prob
    r = (np.cumsum(flips, axis=1) + rng.integers(0, 2, (n_series, 1))) % 2  # (N, T)
    group = np.arange(n_series) % n_groups  # (N,)
    state = 2 * group[:, None] + r  # (N, T)
    coef = np.zeros((n_states, n_covariates))
    for k in range(n_states):
        coef[k, k * n_rel:(k + 1) * n_rel] = np.asarray(coefs) * rng.choice([-1, 1], n_rel)
    x = np.stack([ar1(rng, (n_series, n_steps), driver_ar) for _ in range(n_covariates)],
                 axis=-1)  # (N, T, n_covariates)
    mean = cal[..., 0] + np.einsum("ntj,ntj->nt", coef[state], x)
    phis = np.full((n_series, n_steps), phi)
    y, _ = simulate(mean, phis, sigma, rng)
    known = np.concatenate([cal, r[..., None].astype(float), x], axis=-1)
    data = pack(y, known=known, static_cat=(group + 1)[:, None],
                 static_cards=(n_groups + 1,))
    names = ["sin", "cos", "regime"] + [f"x{j}" for j in range(n_covariates)]
    return SyntheticData(data, mean, phis, sigma, "many_covariates",
                         dict(coef=coef, relevance=torch.from_numpy(np.abs(coef)).float(),
                              states=[(k // 2, k % 2) for k in range(n_states)],
                              state=state, group=group, period=period, known=names,
                              flag_column=2, covariate_columns=list(range(3, len(names))),
                              static_cat=["group"]))


#: Every regime's generator, by the name that :func:`~covtut.data.synthetic.make_regime` takes.
REGIMES: dict[str, Callable[..., SyntheticData]] = {
    "additive": additive,
    "static_dynamics": static_dynamics,
    "many_groups": many_groups,
    "interaction": interaction,
    "known_future": known_future,
    "many_covariates": many_covariates,
}


def make_regime(name: str, **kwargs) -> SyntheticData:
    """Generate the regime ``name`` with ``kwargs``.

    ``name`` is a key of :data:`~covtut.data.synthetic.regimes.REGIMES`.
    """
    if name not in REGIMES:
        raise ValueError(f"unknown regime {name!r}; valid: {sorted(REGIMES)}")
    return REGIMES[name](**kwargs)
