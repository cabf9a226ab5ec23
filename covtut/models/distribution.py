"""Heads that forecast a distribution, and a model that carries one.

A point model's :class:`~covtut.models.base.Head` maps its summary to ``(B, H, n_targets)``.
The heads here map the same summary to the parameters of a forecast distribution,
``(B, H, n_targets, n_params)``, so any covariate that reaches the head (the hidden state,
the horizon's known-future covariates, the statics where the model joins them there) moves
the spread as well as the level:

* :class:`QuantileHead`: several quantiles at once (as MQ-RNN, Wen et al. 2017, and the
  TFT, Lim et al. 2021, do), trained with the pinball loss. They cannot cross: the head
  outputs the lowest quantile and positive gaps (softplus) above it.
* :class:`GaussianHead`: a mean and a scale (softplus), trained by the negative
  log-likelihood (as DeepAR, Salinas et al. 2020, does).
* :class:`LaplaceHead`: the heavy-tailed choice, a median and a scale; its tails decay as
  ``exp(-|y - m| / b)``, slower than the Gaussian's ``exp(-(y - m)^2 / 2s^2)``, and its
  likelihood is an absolute error (it aims at the median, as MAE is scored).

:class:`ProbabilisticModel` puts one of them on a built model of :mod:`covtut.models` in
place of its point head. Its ``forward`` keeps the models' contract (the median,
``(B, H, n_targets)``), so every tool that takes a model takes it (``evaluate``,
``check_no_leakage``, ``Ensemble``); :meth:`ProbabilisticModel.distribution` and
:meth:`ProbabilisticModel.quantiles` give the rest. Train it with
:func:`covtut.training.distribution.fit_distribution`.

All parameters and quantiles are in the scale of the model's target (scaled units when
the data were scaled): an affine unscaling maps quantiles to quantiles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.functional import softplus

from covtut.core.batch import Batch
from covtut.models.base import CovariateModel, Head

__all__ = ["LEVELS", "DistributionHead", "QuantileHead", "LocationScaleHead", "GaussianHead",
           "LaplaceHead", "HEADS", "ProbabilisticModel", "ProbabilisticEnsemble",
           "pinball_loss", "combine_quantiles", "mixture_quantiles"]

#: The quantile levels both real-data protocols score (the 80 % and 95 % central
#: intervals and the median).
LEVELS = (0.025, 0.1, 0.5, 0.9, 0.975)
_MIN_SCALE = 1e-4  # in scaled units: keeps the likelihood finite at a perfect fit


def _check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    levels = tuple(float(q) for q in levels)
    if not levels or any(not 0.0 < q < 1.0 for q in levels) or list(levels) != sorted(
            set(levels)):
        raise ValueError(f"levels={levels}: expected distinct quantile levels in (0, 1), "
                         "in increasing order, for example (0.1, 0.5, 0.9)")
    return levels


def pinball_loss(quantiles: torch.Tensor, truth: torch.Tensor,
                 levels: Sequence[float]) -> torch.Tensor:
    """The pinball (quantile) loss of each point and level, ``(..., Q)``.

    ``rho_q(y - yhat_q) = max(q (y - yhat_q), (q - 1)(y - yhat_q))``: its expectation over
    ``y`` is smallest when ``yhat_q`` is the ``q`` quantile of ``y``'s distribution.

    Parameters
    ----------
    quantiles : (..., Q)
    truth : (...)
    levels
        The ``Q`` levels.
    """
    q = torch.as_tensor(levels, dtype=quantiles.dtype, device=quantiles.device)
    err = truth[..., None] - quantiles  # (..., Q)
    return torch.maximum(q * err, (q - 1) * err)


class DistributionHead(nn.Module):
    """Map a summary ``(B, in_features)`` to distribution parameters ``(B, H, n_targets, P)``.

    Parameters
    ----------
    in_features, horizon, n_targets
        As :class:`~covtut.models.base.Head`.
    hidden
        0 for one affine map; a width for a hidden ReLU layer first (the MLP head).
    """

    n_params: int = 1

    def __init__(self, in_features: int, horizon: int, n_targets: int, hidden: int = 0) -> None:
        super().__init__()
        self.horizon, self.n_targets = horizon, n_targets
        out = horizon * n_targets * self.n_params
        self.net = nn.Linear(in_features, out) if hidden <= 0 else nn.Sequential(
            nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, out))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        raw = self.net(z).view(z.shape[0], self.horizon, self.n_targets, self.n_params)
        return self.constrain(raw)  # (B, H, n_targets, P)

    def constrain(self, raw: torch.Tensor) -> torch.Tensor:
        """Raw outputs to valid parameters (positive scales, increasing quantiles)."""
        return raw

    def median(self, params: torch.Tensor) -> torch.Tensor:
        """``(B, H, n_targets)``: the point forecast the model returns."""
        return self.quantiles(params, (0.5,))[..., 0]

    def quantiles(self, params: torch.Tensor, levels: Sequence[float]) -> torch.Tensor:
        """``(B, H, n_targets, Q)``: the forecast's quantiles at ``levels``."""
        raise NotImplementedError

    def loss(self, params: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
        """The training loss per point, ``(B, H, n_targets)``."""
        raise NotImplementedError

    def crps(self, params: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
        """The continuous ranked probability score per point, ``(B, H, n_targets)``."""
        raise NotImplementedError


class QuantileHead(DistributionHead):
    """Quantiles at fixed ``levels`` that cannot cross.

    The head outputs the lowest quantile and ``Q - 1`` raw gaps; each gap goes through a
    softplus (positive) and the quantiles are their running sum, so
    ``q_1 < q_2 < ... < q_Q`` for every input, before any training.
    """

    def __init__(self, in_features: int, horizon: int, n_targets: int, hidden: int = 0,
                 levels: Sequence[float] = LEVELS) -> None:
        self.levels = _check_levels(levels)
        self.n_params = len(self.levels)
        super().__init__(in_features, horizon, n_targets, hidden)

    def constrain(self, raw: torch.Tensor) -> torch.Tensor:
        gaps = softplus(raw[..., 1:]) + 1e-6  # (..., Q - 1), positive
        return torch.cat([raw[..., :1], raw[..., :1] + gaps.cumsum(-1)], dim=-1)

    def quantiles(self, params: torch.Tensor, levels: Sequence[float]) -> torch.Tensor:
        """Linear interpolation between the head's levels; no extrapolation beyond them."""
        levels = _check_levels(levels)
        if levels == self.levels:
            return params
        lo, hi = self.levels[0], self.levels[-1]
        if levels[0] < lo or levels[-1] > hi:
            raise ValueError(f"levels={levels}: this QuantileHead forecasts the levels "
                             f"{self.levels}, and does not extrapolate beyond [{lo}, {hi}]")
        known = torch.as_tensor(self.levels, dtype=params.dtype, device=params.device)
        want = torch.as_tensor(levels, dtype=params.dtype, device=params.device)
        j = torch.searchsorted(known, want, right=True).clamp(1, len(self.levels) - 1)
        w = ((want - known[j - 1]) / (known[j] - known[j - 1]))  # (Q',)
        return params[..., j - 1] * (1 - w) + params[..., j] * w

    def loss(self, params: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
        """The mean pinball loss over the levels."""
        return pinball_loss(params, truth, self.levels).mean(-1)

    def crps(self, params: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
        """Twice the mean pinball loss over the levels: the CRPS approximated from
        ``Q`` quantiles (exact as their levels fill (0, 1) evenly)."""
        return 2 * self.loss(params, truth)


class LocationScaleHead(DistributionHead):
    """A location-scale family: parameters ``(location, scale)``, the scale by a softplus;
    trained by the negative log-likelihood. Subclasses name the family and its standard
    quantile function."""

    n_params = 2
    family: type[torch.distributions.Distribution]

    def constrain(self, raw: torch.Tensor) -> torch.Tensor:
        return torch.stack([raw[..., 0], softplus(raw[..., 1]) + _MIN_SCALE], dim=-1)

    def distribution(self, params: torch.Tensor) -> torch.distributions.Distribution:
        """The forecast distribution of every point, batch shape ``(B, H, n_targets)``."""
        return self.family(params[..., 0], params[..., 1])

    def standard_quantiles(self, q: torch.Tensor) -> torch.Tensor:
        """The quantiles of the family at location 0 and scale 1, ``(Q,)``."""
        raise NotImplementedError

    def quantiles(self, params: torch.Tensor, levels: Sequence[float]) -> torch.Tensor:
        q = torch.as_tensor(_check_levels(levels), dtype=params.dtype, device=params.device)
        return params[..., :1] + params[..., 1:2] * self.standard_quantiles(q)

    def loss(self, params: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
        """The negative log-likelihood per point."""
        return -self.distribution(params).log_prob(truth)


class GaussianHead(LocationScaleHead):
    """A normal distribution: parameters ``(mean, scale)``."""

    family = torch.distributions.Normal

    def standard_quantiles(self, q: torch.Tensor) -> torch.Tensor:
        return math.sqrt(2.0) * torch.erfinv(2 * q - 1)

    def crps(self, params: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
        """Closed form (Gneiting et al. 2005): ``s [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]``."""
        mu, s = params[..., 0], params[..., 1]
        z = (truth - mu) / s
        phi = torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        cdf = 0.5 * (1 + torch.erf(z / math.sqrt(2.0)))
        return s * (z * (2 * cdf - 1) + 2 * phi - 1 / math.sqrt(math.pi))


class LaplaceHead(LocationScaleHead):
    """A Laplace distribution: parameters ``(median, scale)``; its negative log-likelihood
    is ``|y - m| / b + log(2 b)``."""

    family = torch.distributions.Laplace

    def standard_quantiles(self, q: torch.Tensor) -> torch.Tensor:
        return -torch.sign(q - 0.5) * torch.log1p(-2 * (q - 0.5).abs())

    def crps(self, params: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
        """Closed form: ``b (|z| + exp(-|z|) - 3/4)`` with ``z = (y - m) / b``."""
        b = params[..., 1]
        z = ((truth - params[..., 0]) / b).abs()
        return b * (z + torch.exp(-z) - 0.75)


#: The distribution heads by name, as :class:`ProbabilisticModel` takes them.
HEADS: dict[str, type[DistributionHead]] = {
    "quantile": QuantileHead, "gaussian": GaussianHead, "laplace": LaplaceHead}


class ProbabilisticModel(CovariateModel):
    """A model of :mod:`covtut.models` with a distribution head in place of its point head.

    Parameters
    ----------
    base
        A built model whose ``head`` is a :class:`~covtut.models.base.Head` (every model of
        :data:`covtut.models.MODELS`). Its head is replaced by one of the same input width,
        linear or MLP as the base's config says; the rest of the model is unchanged, so the
        covariates reach the distribution where they reached the point forecast.
    head
        A key of :data:`HEADS`: ``"quantile"``, ``"gaussian"`` or ``"laplace"``.
    levels
        The quantile head's levels (default :data:`LEVELS`); they must include 0.5, the
        median the model forecasts as its point.

    Notes
    -----
    An autoregressive encoder-decoder feeds its own forecast back as the next step's
    input, so it needs one value per step inside its loop; it is refused here (use the
    direct decoder, ``autoregressive=False``, the book's default).
    """

    def __init__(self, base: CovariateModel, head: str = "quantile",
                 levels: Sequence[float] = LEVELS) -> None:
        if head not in HEADS:
            raise ValueError(f"ProbabilisticModel(head={head!r}): expected one of {sorted(HEADS)}")
        old = getattr(base, "head", None)
        if not isinstance(old, Head):
            raise TypeError(f"ProbabilisticModel(base={type(base).__name__}): the base model "
                            "needs a covtut Head named `head` to replace")
        if getattr(base, "autoregressive", False):
            raise ValueError("ProbabilisticModel(base=...): an autoregressive decoder feeds "
                             "back one value per step; build it with autoregressive=False")
        super().__init__(base.spec, base.config)
        del self.inputs  # the base reads its own inputs
        first = old.net if isinstance(old.net, nn.Linear) else old.net[0]
        kw = {"levels": levels} if head == "quantile" else {}
        if head == "quantile" and 0.5 not in _check_levels(levels):
            raise ValueError(f"levels={tuple(levels)}: include 0.5, the median the model "
                             "returns as its point forecast")
        hidden = 0 if isinstance(old.net, nn.Linear) else base.config.head_hidden
        base.head = HEADS[head](first.in_features, old.horizon, old.n_targets, hidden, **kw)
        self.base, self.kind = base, head

    @property
    def head(self) -> DistributionHead:
        """The distribution head (it lives in the base model)."""
        return self.base.head

    @property
    def supports_lengths(self) -> bool:  # type: ignore[override]
        """Whether the base handles variable-length lookbacks."""
        return self.base.supports_lengths

    @property
    def levels(self) -> tuple[float, ...]:
        """The levels :meth:`quantiles` returns by default."""
        return getattr(self.head, "levels", LEVELS)

    def params(self, batch: Batch) -> torch.Tensor:
        """``(B, H, n_targets, P)``, without checking the batch (``fit`` checked it)."""
        out = self.base.forecast(batch)  # (B, H, n_targets, P), or (B, H, n_targets * P)
        H, T = self.spec.horizon, self.spec.n_targets
        return out.reshape(out.shape[0], H, T, self.head.n_params)

    def forecast(self, batch: Batch) -> torch.Tensor:
        """``(B, H, n_targets)``: the median."""
        return self.head.median(self.params(batch))

    def distribution(self, batch: Batch) -> torch.Tensor:
        """The checked batch's distribution parameters, ``(B, H, n_targets, P)``."""
        batch.validate(self.spec, check_values=self.check_values)
        return self.params(batch)

    def quantiles(self, batch: Batch, levels: Sequence[float] | None = None) -> torch.Tensor:
        """``(B, H, n_targets, Q)``: the forecast's quantiles at ``levels`` (default
        :attr:`levels`)."""
        return self.head.quantiles(self.distribution(batch), levels or self.levels)


def combine_quantiles(quantiles: Sequence[torch.Tensor]) -> torch.Tensor:
    """Several models' quantiles ``(B, H, n_targets, Q)`` combined into one forecast by
    averaging them level by level (Vincentization).

    The average of quantile functions is the quantile function of a distribution whose
    spread is the members' typical spread; a mixture of the members (the deep ensembles
    of Lakshminarayanan et al. 2017) is wider by their disagreement. Averaged quantiles
    stay increasing when every member's are.
    """
    quantiles = list(quantiles)
    if not quantiles:
        raise ValueError("combine_quantiles([]): give at least one model's quantiles")
    shapes = {tuple(q.shape) for q in quantiles}
    if len(shapes) > 1:
        raise ValueError(f"combine_quantiles: the members' quantiles have shapes {sorted(shapes)}")
    return torch.stack(quantiles).mean(0)


def mixture_quantiles(heads: Sequence[DistributionHead], params: Sequence[torch.Tensor],
                      levels: Sequence[float], iterations: int = 60) -> torch.Tensor:
    """Quantiles ``(B, H, n_targets, Q)`` of the equal-weight mixture of parametric members.

    The mixture's distribution function is the mean of the members'; each quantile is
    found by bisection between the members' extreme quantiles at that level, which
    bracket it. ``iterations`` halvings shrink the bracket by ``2 ** -iterations``.
    """
    levels = _check_levels(levels)
    if not all(hasattr(h, "distribution") for h in heads):
        raise ValueError("mixture_quantiles: every member needs a parametric head "
                         f"({sorted(k for k, v in HEADS.items() if hasattr(v, 'distribution'))}); "
                         "combine quantile heads with combine_quantiles")
    each = torch.stack([h.quantiles(p, levels) for h, p in zip(heads, params, strict=True)])
    lo, hi = each.amin(0), each.amax(0)
    want = torch.as_tensor(levels, dtype=lo.dtype, device=lo.device)
    dists = [h.distribution(p) for h, p in zip(heads, params, strict=True)]
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)  # (..., Q)
        cdf = torch.stack([d.cdf(mid.movedim(-1, 0)).movedim(0, -1) for d in dists]).mean(0)
        below = cdf < want
        lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
    return 0.5 * (lo + hi)


class ProbabilisticEnsemble(CovariateModel):
    """Several trained :class:`ProbabilisticModel` (seeds of one model) as one forecast
    distribution.

    Parameters
    ----------
    members
        At least one, all built for the same spec.
    how
        ``"mixture"``: the equal-weight mixture of the members' distributions, the deep
        ensemble of Lakshminarayanan et al. 2017 (parametric heads only); its spread adds
        the members' disagreement to their own spread. ``"vincentize"``: the members'
        quantiles averaged level by level (:func:`combine_quantiles`; any head).
    """

    def __init__(self, members: Sequence[ProbabilisticModel], how: str = "vincentize") -> None:
        members = list(members)
        if not members or not all(isinstance(m, ProbabilisticModel) for m in members):
            raise ValueError("ProbabilisticEnsemble(members=...): give one or more "
                             "ProbabilisticModel")
        if len({m.spec for m in members}) > 1:
            raise ValueError("ProbabilisticEnsemble: the members were built for different specs")
        if how not in ("mixture", "vincentize"):
            raise ValueError(f"ProbabilisticEnsemble(how={how!r}): 'mixture' or 'vincentize'")
        if how == "mixture" and not all(hasattr(m.head, "distribution") for m in members):
            raise ValueError("ProbabilisticEnsemble(how='mixture'): every member needs a "
                             "parametric head (gaussian, laplace); average quantile heads "
                             "with how='vincentize'")
        super().__init__(members[0].spec, members[0].config)
        del self.inputs
        self.members, self.how = nn.ModuleList(members), how

    @property
    def supports_lengths(self) -> bool:  # type: ignore[override]
        return all(m.supports_lengths for m in self.members)

    @property
    def levels(self) -> tuple[float, ...]:
        return self.members[0].levels

    def _quantiles(self, batch: Batch, levels: Sequence[float]) -> torch.Tensor:
        if self.how == "mixture":
            return mixture_quantiles([m.head for m in self.members],
                                     [m.params(batch) for m in self.members], levels)
        return combine_quantiles([m.head.quantiles(m.params(batch), levels)
                                  for m in self.members])

    def forecast(self, batch: Batch) -> torch.Tensor:
        """``(B, H, n_targets)``: the combined distribution's median."""
        return self._quantiles(batch, (0.5,))[..., 0]

    def quantiles(self, batch: Batch, levels: Sequence[float] | None = None) -> torch.Tensor:
        """``(B, H, n_targets, Q)``: the combined distribution's quantiles."""
        batch.validate(self.spec, check_values=self.check_values)
        return self._quantiles(batch, levels or self.levels)
