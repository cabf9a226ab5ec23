"""The linear baseline: one ridge regression per horizon step, on features read from the window.

Every network of this book must beat it (chapter "Day-ahead electricity demand" shows why
it is strong). It follows the models' contract, a :class:`~covtut.core.batch.Batch` in and
``(B, H, n_targets)`` out, so :func:`~covtut.evaluation.scoring.evaluate`,
:func:`covtut.check_no_leakage`,
:func:`covtut.save_forecaster` and :func:`covtut.load_forecaster` take it like a network;
it is fitted in closed form by :meth:`LinearModel.fit`, and :func:`choose_penalty` picks its
penalty on validation windows. The peer it matches is darts' ``LinearRegressionModel``
with ``multi_models=True`` (one model per step).

The features of horizon step ``h`` (window index ``L + h``, ``L`` the lookback):

===============  ==========================================================================
option           features
===============  ==========================================================================
``known``        each chosen known-future numeric column at the target step (calendar terms
                 enter this way, as known columns)
``hinges``       ``max(x - knot, 0)`` (direction ``+1``) or ``max(knot - x, 0)`` (``-1``) of
                 a known column at the target step, so the model can bend
``known_cat``    each chosen known-future categorical column at the target step, one-hot
``lags``         the target ``k`` steps before the target step, ``y[L + h - k]``, for each
                 ``k >= H`` (a seasonal lag, inside the lookback for every step)
``means``        the mean of the last ``n`` lookback steps of the target and of each
                 observed-past covariate (``n = 1``: the last value), the same for every step
``statics``      the numeric statics, and the categorical statics one-hot
===============  ==========================================================================

Since one model is fitted per step, each coefficient is a step x feature interaction. With
``groups``, one model is fitted per step *and* per value of a static category (the series
id, for a local model per series), on that value's windows only. The
features are standardised per step on the training windows and the penalty is on the
standardised coefficients. Knots are in the units of the windows the model reads: fit it
on raw windows (``task.windows(..., scaled=False)``) for knots in degrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn

from covtut.core.batch import Batch, CovariateSpec
from covtut.models.base import CovariateModel, ModelConfig

__all__ = ["LinearModel", "PenaltyChoice", "choose_penalty", "choose_linear", "ALPHAS"]

#: The penalties :func:`choose_penalty` tries by default: one per decade.
ALPHAS: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)


class LinearModel(CovariateModel):
    """One ridge regression per horizon step and target, on the features of the module docstring.

    Parameters
    ----------
    spec
        Widths of the inputs, as for every model.
    config
        Unused (a linear model has no width); accepted so that :func:`covtut.build_model`
        and :func:`covtut.load_forecaster` build it like any model.
    lags
        Seasonal lags of the target, each at least the horizon ``H``.
    means
        Window lengths ``n`` (``1 <= n <= L``) of the lookback means of the target and of
        the observed-past covariates.
    known, known_cat
        The known-future numeric and categorical columns to use, by index; ``None``
        (the default) uses all.
    hinges
        ``(column, knot, direction)`` triples: a hinge of known numeric column ``column``
        at ``knot``, rising above it (``direction=1``) or below it (``-1``).
    statics
        Use the statics (numeric as they are, categorical one-hot).
    groups
        ``None``: one model per step for every window (a global model). An index ``c`` of a
        static categorical column: one model per step and per category of column ``c``
        (with the series id, a local model per series); a category with fewer than two
        training windows (the unseen code 0, say) uses the global model.

    Attributes
    ----------
    feature_names : list[str]
        The ``F`` features, in the order of the last axis of :meth:`features`.
    coef : torch.Tensor
        ``(G, H, F, n_targets)``, on standardised features, one set per group (``G = 1``
        without ``groups``); zero until :meth:`fit`.
    mean, std : torch.Tensor
        ``(H, F)``, each step's feature means and standard deviations on the fitted windows.
    intercept : torch.Tensor
        ``(G, H, n_targets)``.
    alpha : torch.Tensor
        The penalty of the last fit (a scalar; ``nan`` before it).

    A subclass adds features by extending :meth:`extra_names` and :meth:`extra_features`;
    the sizes follow the names, so it saves and loads like the base class.
    """

    supports_lengths = True

    def __init__(self, spec: CovariateSpec, config: ModelConfig | None = None, *,
                 lags: tuple[int, ...] = (), means: tuple[int, ...] = (1,),
                 known: tuple[int, ...] | None = None, known_cat: tuple[int, ...] | None = None,
                 hinges: tuple[tuple[int, float, int], ...] = (), statics: bool = True,
                 groups: int | None = None) -> None:
        super().__init__(spec, config)
        del self.inputs  # the networks' learned input layers: this model reads its own features
        self.lags = tuple(int(k) for k in lags)
        self.means = tuple(int(n) for n in means)
        self.known = tuple(range(spec.n_known)) if known is None else tuple(int(c) for c in known)
        self.known_cat = (tuple(range(spec.n_known_cat)) if known_cat is None
                          else tuple(int(c) for c in known_cat))
        self.hinges = tuple((int(c), float(k), int(d)) for c, k, d in hinges)
        self.statics = bool(statics)
        self.groups = None if groups is None else int(groups)
        self._check_options()
        self.feature_names = self.base_names() + self.extra_names()
        h, f, t = spec.horizon, len(self.feature_names), spec.n_targets
        g = 1 if self.groups is None else spec.static_cardinalities[self.groups]
        # parameters without gradients (fitted in closed form), so that the model has a
        # device and a parameter count like a network; their shapes follow the names
        for name, value in (("mean", torch.zeros(h, f)), ("std", torch.ones(h, f)),
                            ("coef", torch.zeros(g, h, f, t)), ("intercept", torch.zeros(g, h, t)),
                            ("alpha", torch.tensor(float("nan")))):
            setattr(self, name, nn.Parameter(value, requires_grad=False))

    def _check_options(self) -> None:
        s = self.spec
        short = [k for k in self.lags if k < s.horizon or k > s.lookback]
        if short:
            raise ValueError(f"LinearModel(lags={self.lags}): every lag must lie between the "
                             f"horizon H={s.horizon} and the lookback L={s.lookback} (a lag k "
                             f"reads y[L + h - k], which for k < H is after the origin); "
                             f"got {short}")
        bad = [n for n in self.means if not 1 <= n <= s.lookback]
        if bad:
            raise ValueError(f"LinearModel(means={self.means}): each window must be 1 to "
                             f"L={s.lookback} steps; got {bad}")
        for name, cols, width in (("known", self.known, s.n_known),
                                  ("known_cat", self.known_cat, s.n_known_cat),
                                  ("hinges", [c for c, _, _ in self.hinges], s.n_known)):
            out = [c for c in cols if not 0 <= c < width]
            if out:
                raise ValueError(f"LinearModel({name}=...): columns {out} do not exist; the "
                                 f"windows have {width} such columns")
        if self.groups is not None and not 0 <= self.groups < s.n_static_cat:
            raise ValueError(f"LinearModel(groups={self.groups}): there are "
                             f"{s.n_static_cat} static categorical columns")
        if any(d not in (1, -1) for _, _, d in self.hinges):
            raise ValueError(f"LinearModel(hinges={self.hinges}): each direction must be "
                             "1 (above the knot) or -1 (below it)")

    # --- the features ---------------------------------------------------------------------

    def base_names(self) -> list[str]:
        """The names of the features the options ask for, in their order."""
        s = self.spec
        names = [f"known {c}" for c in self.known]
        names += [f"max(known {c} - {k:g}, 0)" if d == 1 else f"max({k:g} - known {c}, 0)"
                  for c, k, d in self.hinges]
        names += [f"known_cat {c} = {v}" for c in self.known_cat
                  for v in range(s.known_cardinalities[c])]
        names += [f"target {j}, {k} steps earlier" for k in self.lags for j in range(s.n_targets)]
        names += [f"{what} {j}, mean of last {n}" for n in self.means
                  for what, width in (("target", s.n_targets), ("observed", s.n_observed))
                  for j in range(width)]
        if self.statics:
            names += [f"static {j}" for j in range(s.n_static)]
            names += [f"static_cat {c} = {v}" for c, card in enumerate(s.static_cardinalities)
                      for v in range(card)]
        return names

    def extra_names(self) -> list[str]:
        """Names of the features a subclass adds (none here)."""
        return []

    def extra_features(self, batch: Batch) -> torch.Tensor:
        """The features a subclass adds, ``(B, H, len(extra_names()))``."""
        return batch.known.new_zeros(batch.batch_size, batch.horizon, 0)

    def features(self, batch: Batch) -> torch.Tensor:
        """Every feature of every horizon step, ``(B, H, F)``, in :attr:`feature_names` order.

        Reads the known columns over the horizon and the target and observed columns over
        the lookback only, so no value after the origin enters.
        """
        L, H, B = batch.lookback, batch.horizon, batch.batch_size
        self._check_lengths(batch)
        future = batch.known[:, L:]  # (B, H, n_known)
        parts = [future[..., list(self.known)]]
        for c, knot, d in self.hinges:
            parts.append(torch.relu(d * (future[..., c:c + 1] - knot)))
        for c in self.known_cat:
            card = self.spec.known_cardinalities[c]
            parts.append(nn.functional.one_hot(batch.known_cat[:, L:, c], card).to(future.dtype))
        steps = torch.arange(H, device=batch.device)
        for k in self.lags:
            parts.append(batch.past_target[:, L - k + steps])  # (B, H, n_targets)
        for n in self.means:
            recent = torch.cat([batch.past_target[:, L - n:], batch.past_observed[:, L - n:]], -1)
            parts.append(recent.mean(1, keepdim=True).expand(B, H, -1))
        if self.statics:
            parts.append(batch.static[:, None].expand(B, H, -1))
            for c, card in enumerate(self.spec.static_cardinalities):
                hot = nn.functional.one_hot(batch.static_cat[:, c], card).to(future.dtype)
                parts.append(hot[:, None].expand(B, H, -1))
        parts.append(self.extra_features(batch))
        return torch.cat(parts, dim=-1)

    def _check_lengths(self, batch: Batch) -> None:
        need = max([*self.lags, *self.means, 0])
        if batch.lengths is None or need == 0:
            return
        short = (batch.lengths_cpu if batch.lengths_cpu is not None else batch.lengths.cpu()) < need
        if bool(short.any()):
            b = int(short.nonzero()[0, 0])
            raise ValueError(
                f"LinearModel: window {b} (of {int(short.sum())} such) has "
                f"{int(batch.lengths[b])} valid lookback steps; its features read the last "
                f"{need} (lags={self.lags}, means={self.means}). Use shorter lags and means, "
                "or windows with at least that much history")

    # --- fitting and forecasting ----------------------------------------------------------

    @torch.no_grad()
    def fit(self, batch: Batch, alpha: float = 1.0) -> LinearModel:
        """Solve ``(Z'Z + alpha I) w = Z'y`` for every step, on standardised features ``Z``.

        Parameters
        ----------
        batch
            The training windows, all at once (``dataset.batch()``).
        alpha
            The L2 penalty on the standardised coefficients (``> 0``).

        Returns
        -------
        LinearModel
            ``self``, fitted.
        """
        if not alpha > 0:
            raise ValueError(f"LinearModel.fit(alpha={alpha}): the penalty must be > 0")
        batch.validate(self.spec, check_values=True)
        x = self.features(batch).double()  # (B, H, F)
        if x.shape[-1] != len(self.feature_names):
            raise ValueError(f"{type(self).__name__}.features gives {x.shape[-1]} features, "
                             f"feature_names lists {len(self.feature_names)}")
        y = batch.future_target.double()  # (B, H, T)
        mean, std = x.mean(0), x.std(0).clamp_min(1e-8)  # (H, F)
        z = (x - mean) / std  # (B, H, F)
        w, b = _ridge(z, y, alpha)  # the global model: (H, F, T), (H, T)
        coef = w.expand_as(self.coef).clone()
        intercept = b.expand_as(self.intercept).clone()
        if self.groups is not None:
            code = batch.static_cat[:, self.groups]
            for v in range(coef.shape[0]):
                rows = code == v
                if int(rows.sum()) >= 2:  # else: the global model
                    coef[v], intercept[v] = _ridge(z[rows], y[rows], alpha)
        for name, value in (("mean", mean), ("std", std), ("coef", coef),
                            ("intercept", intercept), ("alpha", torch.tensor(float(alpha)))):
            getattr(self, name).copy_(value)
        return self

    def forecast(self, batch: Batch) -> torch.Tensor:
        """The forecast ``(B, H, n_targets)``, in the units of the windows' target."""
        z = (self.features(batch) - self.mean) / self.std  # (B, H, F)
        if self.groups is None:
            return torch.einsum("bhf,hft->bht", z, self.coef[0]) + self.intercept[0]
        code = batch.static_cat[:, self.groups]  # (B,): each window's group
        return torch.einsum("bhf,bhft->bht", z, self.coef[code]) + self.intercept[code]


def _ridge(z: torch.Tensor, y: torch.Tensor, alpha: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per step, the ridge of ``y`` ``(B, H, T)`` on standardised ``z`` ``(B, H, F)``:
    coefficients ``(H, F, T)`` solving ``(Z'Z + alpha I) w = Z'(y - mean y)``, and the
    intercept ``(H, T)`` (the mean of ``y``, since ``z`` is centred on the training windows;
    on a group's windows, the intercept absorbs the group's offset)."""
    zh = z.transpose(0, 1)  # (H, B, F)
    mz, my = zh.mean(1, keepdim=True), y.mean(0)  # (H, 1, F), (H, T)
    zc, yc = zh - mz, (y - my).transpose(0, 1)  # centred on these windows
    eye = torch.eye(z.shape[-1], dtype=z.dtype, device=z.device)
    w = torch.linalg.solve(zc.transpose(1, 2) @ zc + alpha * eye, zc.transpose(1, 2) @ yc)
    return w, my - (mz @ w)[:, 0]


@dataclass(frozen=True)
class PenaltyChoice:
    """What :func:`choose_penalty` tried and chose.

    Attributes
    ----------
    alpha
        The penalty with the lowest validation loss (the smallest, on a tie).
    losses
        The validation loss of each penalty tried.
    loss
        ``"mse"`` or ``"mae"``, over every validation step and target.
    """

    alpha: float
    losses: dict[float, float]
    loss: str


def choose_penalty(model: LinearModel, train: Batch, val: Batch,
                   alphas: tuple[float, ...] = ALPHAS, loss: str = "mse") -> PenaltyChoice:
    """Fit ``model`` on ``train`` with each penalty, and keep the one best on ``val``.

    The model is left fitted on ``train`` with the chosen penalty: refit it on more
    windows (training and validation) with ``model.fit(batch, choice.alpha)`` if the
    protocol allows. No test window is read.

    Parameters
    ----------
    model
        The model to fit.
    train, val
        Training and validation windows, each all at once (``dataset.batch()``).
    alphas
        The penalties to try.
    loss
        ``"mse"`` (what the ridge minimises) or ``"mae"``.
    """
    if loss not in ("mse", "mae"):
        raise ValueError(f"choose_penalty(loss={loss!r}): valid: 'mse', 'mae'")
    if not alphas:
        raise ValueError("choose_penalty(alphas=()): give at least one penalty")
    losses = {}
    with torch.no_grad():
        for a in alphas:
            err = model.fit(train, a)(val) - val.future_target
            losses[float(a)] = float(err.pow(2).mean() if loss == "mse" else err.abs().mean())
    best = min(losses, key=lambda a: (losses[a], a))
    model.fit(train, best)
    return PenaltyChoice(alpha=best, losses=losses, loss=loss)


def choose_linear(options: Sequence[dict], spec: CovariateSpec, train: Batch, val: Batch,
                  alphas: tuple[float, ...] = ALPHAS,
                  loss: str = "mse") -> tuple[LinearModel, dict, pd.DataFrame]:
    """Of several feature configurations, the one (with its penalty) best on ``val``.

    Parameters
    ----------
    options
        Keyword arguments of :class:`LinearModel`, one dict per configuration.
    spec
        The windows' spec.
    train, val, alphas, loss
        As :func:`choose_penalty`, which runs for each configuration.

    Returns
    -------
    model
        The best configuration, fitted on ``train`` with its chosen penalty.
    best
        Its options.
    table
        One row per configuration: ``options`` (as text), ``alpha``, ``val`` (its loss).
    """
    if not options:
        raise ValueError("choose_linear(options=[]): give at least one configuration")
    rows, models = [], []
    for o in options:
        m = LinearModel(spec, **o)
        choice = choose_penalty(m, train, val, alphas, loss)
        rows.append({"options": repr(o), "alpha": choice.alpha,
                     "val": choice.losses[choice.alpha]})
        models.append(m)
    table = pd.DataFrame(rows)
    i = int(table["val"].idxmin())  # the first of equal minima
    return models[i], dict(options[i]), table
