"""The covariate contract: one :class:`Batch` of forecasting windows and the
:class:`CovariateSpec` that tells a model how wide each kind of input is.

Introduced in chapter "Covariates and their shapes" (``book/01_covariates_and_shapes``).

Every tensor is batch-first. With ``B`` windows, a lookback of ``L`` steps and a
horizon of ``H`` steps:

=================  ===========================  =======================================
field              shape                        what it holds
=================  ===========================  =======================================
``past_target``    ``(B, L, n_targets)``        the series up to the forecast origin
``past_observed``  ``(B, L, n_observed)``       covariates known only up to the origin
``known``          ``(B, L + H, n_known)``      numeric covariates known in advance
``known_cat``      ``(B, L + H, n_known_cat)``  categorical ones (int64 codes)
``static``         ``(B, n_static)``            numeric, constant per series
``static_cat``     ``(B, n_static_cat)``        categorical, constant per series
``future_target``  ``(B, H, n_targets)``        what the model must forecast
``lengths``        ``(B,)``                     valid lookback steps (left padding)
``lengths_cpu``    ``(B,)``                     the same, kept on the CPU (for packing)
=================  ===========================  =======================================

Lookbacks of different lengths are *left*-padded: the origin is always the last step,
and window ``b``'s valid steps are its last ``lengths[b]``. ``lengths_cpu`` is the copy
that :class:`~covtut.data.windows.WindowDataset` keeps on the CPU, so that packing a batch
(which needs the lengths on the CPU) never waits for the GPU.

A field with no columns is an empty tensor of width zero, never ``None``, so a
model never has to branch on whether a kind of covariate is present.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch

from covtut.core.validation import (
    check_finite,
    check_float,
    check_index,
    check_shape,
)

__all__ = ["Batch", "CovariateSpec"]


@dataclass(frozen=True)
class CovariateSpec:
    """Widths and cardinalities of every kind of input, for building a model.

    Parameters
    ----------
    lookback, horizon
        ``L`` and ``H``: steps before and after the forecast origin.
    n_targets
        Number of target channels (1 for a univariate forecast).
    n_observed
        Numeric covariates known only up to the origin (temperature measured so far).
    n_known
        Numeric covariates known over lookback and horizon (calendar, planned price).
    known_cardinalities
        One cardinality per known-future categorical column, counting the reserved
        index 0 for unseen categories (see :class:`covtut.data.encoding.CategoryEncoder`).
    n_static
        Numeric covariates constant per series (store size).
    static_cardinalities
        One cardinality per static categorical column (store id), index 0 reserved.
    """

    lookback: int
    horizon: int
    n_targets: int = 1
    n_observed: int = 0
    n_known: int = 0
    known_cardinalities: tuple[int, ...] = ()
    n_static: int = 0
    static_cardinalities: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name in ("lookback", "horizon", "n_targets"):
            if getattr(self, name) < 1:
                raise ValueError(f"CovariateSpec.{name} must be >= 1, got {getattr(self, name)}")
        for name in ("n_observed", "n_known", "n_static"):
            if getattr(self, name) < 0:
                raise ValueError(f"CovariateSpec.{name} must be >= 0, got {getattr(self, name)}")
        for name in ("known_cardinalities", "static_cardinalities"):
            cards = tuple(int(c) for c in getattr(self, name))
            if any(c < 2 for c in cards):
                raise ValueError(
                    f"CovariateSpec.{name} must be >= 2 each (index 0 is reserved for "
                    f"unseen categories), got {cards}"
                )
            object.__setattr__(self, name, cards)

    @property
    def n_known_cat(self) -> int:
        """Number of known-future categorical columns."""
        return len(self.known_cardinalities)

    @property
    def n_static_cat(self) -> int:
        """Number of static categorical columns."""
        return len(self.static_cardinalities)


@dataclass
class Batch:
    """A batch of forecasting windows, one field per kind of input.

    See the module docstring for the shape of each field. Build one with
    :func:`covtut.data.windows.WindowDataset.batch` or :meth:`Batch.random`;
    check one against a model's spec with :meth:`validate`.
    """

    past_target: torch.Tensor
    past_observed: torch.Tensor
    known: torch.Tensor
    known_cat: torch.Tensor
    static: torch.Tensor
    static_cat: torch.Tensor
    future_target: torch.Tensor
    lengths: torch.Tensor | None = None
    lengths_cpu: torch.Tensor | None = None

    @property
    def batch_size(self) -> int:
        return self.past_target.shape[0]

    @property
    def lookback(self) -> int:
        return self.past_target.shape[1]

    @property
    def horizon(self) -> int:
        return self.known.shape[1] - self.past_target.shape[1]

    @property
    def device(self) -> torch.device:
        return self.past_target.device

    def to(self, device: torch.device | str, non_blocking: bool = False) -> Batch:
        """Return a copy with every tensor on ``device`` (``lengths_cpu`` stays on the CPU)."""
        moved = {
            f.name: None
            if getattr(self, f.name) is None
            else getattr(self, f.name).to(device, non_blocking=non_blocking)
            for f in fields(self) if f.name != "lengths_cpu"
        }
        return Batch(**moved, lengths_cpu=self.lengths_cpu)

    def replace(self, **changes: torch.Tensor) -> Batch:
        """Return a copy with some fields replaced (used by the leakage check)."""
        return replace(self, **changes)

    def validate(self, spec: CovariateSpec, check_values: bool = True) -> None:
        """Raise a clear error if this batch does not match ``spec``.

        Checks dtypes (float inputs, int64 categorical codes), every width against the
        spec, that categorical codes lie in ``[0, cardinality)``, and that no input
        holds NaN or infinity. Called by every model's ``forward`` before any layer runs.
        The value checks (NaN, category range, lengths) read the data, which waits for
        the GPU; ``check_values=False`` keeps only the free shape and dtype checks.
        """
        B, L, H = self.batch_size, spec.lookback, spec.horizon
        float_fields = {
            "past_target": (B, L, spec.n_targets),
            "past_observed": (B, L, spec.n_observed),
            "known": (B, L + H, spec.n_known),
            "static": (B, spec.n_static),
        }
        for name, shape in float_fields.items():
            x = getattr(self, name)
            check_float(x, f"batch.{name}")
            check_shape(x, shape, f"batch.{name}")
            if check_values:
                check_finite(x, f"batch.{name}")
        cards = (spec.known_cardinalities, spec.static_cardinalities) if check_values else ((), ())
        check_index(self.known_cat, (B, L + H, spec.n_known_cat), cards[0], "batch.known_cat")
        check_index(self.static_cat, (B, spec.n_static_cat), cards[1], "batch.static_cat")
        check_float(self.future_target, "batch.future_target")
        check_shape(self.future_target, (B, H, spec.n_targets), "batch.future_target")
        if self.lengths_cpu is not None and self.lengths is None:
            raise ValueError("batch.lengths_cpu is set but batch.lengths is not")
        if self.lengths is not None:
            check_shape(self.lengths, (B,), "batch.lengths")
            # the CPU copy, where there is one, is checked for free: no wait for the GPU
            lengths = self.lengths if self.lengths_cpu is None else self.lengths_cpu
            if self.lengths_cpu is not None:
                check_shape(self.lengths_cpu, (B,), "batch.lengths_cpu")
                if self.lengths_cpu.device.type != "cpu":
                    raise ValueError(f"batch.lengths_cpu is on {self.lengths_cpu.device}, "
                                     "expected the CPU")
            if (check_values or self.lengths_cpu is not None) and \
                    lengths.device.type != "meta" and ((lengths < 1).any() or (lengths > L).any()):
                raise ValueError(
                    f"batch.lengths must lie in [1, lookback={L}], got min "
                    f"{int(lengths.min())} and max {int(lengths.max())}"
                )

    @staticmethod
    def random(spec: CovariateSpec, batch_size: int = 4, device: str | torch.device = "cpu",
               seed: int = 0) -> Batch:
        """A batch of random inputs that matches ``spec``: for shape tests and demos.

        On the ``meta`` device the tensors have shapes and dtypes but no values.
        """
        g = torch.Generator().manual_seed(seed)
        B, L, H = batch_size, spec.lookback, spec.horizon

        def normal(*shape: int) -> torch.Tensor:
            return torch.randn(*shape, generator=g).to(device)

        def codes(shape: tuple[int, ...], cards: tuple[int, ...]) -> torch.Tensor:
            cols = [torch.randint(0, c, shape, generator=g) for c in cards]
            out = torch.stack(cols, dim=-1) if cols else torch.zeros(*shape, 0, dtype=torch.long)
            return out.to(device)

        return Batch(
            past_target=normal(B, L, spec.n_targets),
            past_observed=normal(B, L, spec.n_observed),
            known=normal(B, L + H, spec.n_known),
            known_cat=codes((B, L + H), spec.known_cardinalities),
            static=normal(B, spec.n_static),
            static_cat=codes((B,), spec.static_cardinalities),
            future_target=normal(B, H, spec.n_targets),
        )
