"""Synthetic series whose covariate effects, and best possible forecast, are known.

Introduced in chapter "The naive way, and when it fails"; every later chapter uses it.

Every regime is one process,

.. math::

    y_t = m_t + u_t, \\qquad u_t = \\phi_t\\, u_{t-1} + \\sigma \\varepsilon_t,
    \\qquad \\varepsilon_t \\sim \\mathcal N(0, 1),

where the mean ``m_t`` and the persistence ``phi_t`` depend only on what is known at a
forecast origin (static and known-future covariates). The conditional mean of the
future given everything known at origin ``o`` is therefore exact:

.. math::

    \\hat y_{o+k} = m_{o+k} + \\Big(\\prod_{j=0}^{k} \\phi_{o+j}\\Big) u_{o-1},

and its error variance follows ``V_k = phi_{o+k}^2 V_{k-1} + sigma^2`` with ``V_{-1} = 0``.
That oracle is the noise floor: no model can beat it on average. Each regime changes
only how covariates shape ``m`` and ``phi``:

``additive`` (a)
    A known-future numeric driver adds ``beta * x_t`` to the mean; an observed-past
    sensor reads ``u_t`` with noise (before the origin it tells a series' level apart
    from its disturbance; after it, a leak).
``static_dynamics`` (b)
    A static number sets each series' seasonal amplitude or its persistence ``phi``.
``many_groups`` (c)
    A static category (one of many groups) sets level and seasonal phase.
``interaction`` (d)
    A known-future regime flag gates how much the past persists.
``known_future`` (e)
    A planned promotion (categorical) and holidays (numeric) shift the mean; only
    their values over the horizon tell what is coming.
``many_covariates`` (f)
    Many known-future drivers, of which a few move the mean; which few depends on a
    known-future regime flag and on a static group.

Every regime also has two calendar covariates, ``sin`` and ``cos`` of the season phase,
as known-future numeric inputs.
"""

from covtut.data.synthetic.process import BURN_IN, SyntheticData
from covtut.data.synthetic.regimes import (
    PROMO_EFFECT,
    REGIMES,
    RELEVANT_COEFS,
    additive,
    interaction,
    known_future,
    level_estimate_error,
    make_regime,
    many_covariates,
    many_groups,
    static_dynamics,
)

__all__ = ["BURN_IN", "PROMO_EFFECT", "REGIMES", "RELEVANT_COEFS", "SyntheticData", "additive",
           "interaction", "known_future", "level_estimate_error", "make_regime",
           "many_covariates", "many_groups", "static_dynamics"]
