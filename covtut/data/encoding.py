"""Categorical covariates: integer codes with a reserved 'unseen' index, and
embedding-size rules.

Introduced in chapters "Covariates and their shapes" and "Embeddings, then concatenation".
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from covtut.core.codec import check_fields, tag, untag

__all__ = ["CategoryEncoder", "embedding_size", "EMBEDDING_RULES"]

UNSEEN = 0  # the code of every category that was not seen when fitting


class CategoryEncoder:
    """Map categories to codes ``1..K``; anything not seen in :meth:`fit` maps to 0.

    Fit it on the training split only: a category that first appears later (a new
    store) then gets the reserved code 0, whose embedding the model learns from no
    example, exactly as it would face it in production.

    Examples
    --------
    >>> enc = CategoryEncoder().fit(["b", "a", "b"])
    >>> enc.transform(["a", "b", "z"]).tolist()
    [1, 2, 0]
    >>> enc.cardinality
    3
    """

    def __init__(self) -> None:
        self.classes_: list = []
        self._index: dict = {}

    def fit(self, values: Iterable) -> CategoryEncoder:
        """Learn the categories of ``values``; a missing value (NaN, None) is refused."""
        values = _no_missing(values, "fit")
        return self._learn(sorted(set(values), key=lambda v: (str(type(v)), v)))

    def _learn(self, classes: list) -> CategoryEncoder:
        """Codes ``1..K`` for ``classes``, in their order."""
        self.classes_ = list(classes)
        self._index = {v: i + 1 for i, v in enumerate(self.classes_)}
        return self

    def to_dict(self, where: str = "encoder") -> dict:
        """Its categories as plain ``(type, value)`` pairs (:mod:`covtut.core.codec`);
        ``where`` names it in an error."""
        check_fields(self, ("classes_", "_index"))
        return {"classes": [tag(v, f"{where}.classes_[{i}]")
                            for i, v in enumerate(self.classes_)]}

    @classmethod
    def from_dict(cls, d: dict) -> CategoryEncoder:
        """The encoder that :meth:`to_dict` stored: the same categories, the same codes."""
        return cls()._learn([untag(v) for v in d["classes"]])

    @property
    def cardinality(self) -> int:
        """The number of codes, ``K + 1`` with the reserved unseen index."""
        return len(self.classes_) + 1

    def transform(self, values: Iterable) -> np.ndarray:
        """Codes as an int64 array; unseen categories become 0, missing values an error."""
        if not self._index:
            raise RuntimeError("CategoryEncoder.transform called before fit")
        values = _no_missing(values, "transform")
        return np.fromiter((self._index.get(v, UNSEEN) for v in values), dtype=np.int64)

    def inverse_transform(self, codes: Iterable[int]) -> list:
        """Categories for codes; code 0 becomes ``None`` (unseen)."""
        return [None if c == UNSEEN else self.classes_[c - 1] for c in codes]


def _no_missing(values: Iterable, method: str) -> list:
    """``values`` as a list; raise if one is NaN or None, which must not become code 0."""
    values = list(values)
    missing = pd.isna(np.asarray(values, dtype=object))
    if missing.any():
        raise ValueError(
            f"CategoryEncoder.{method}: {int(missing.sum())} missing value(s) (NaN or None), "
            f"first at position {int(np.flatnonzero(missing)[0])}; a missing category would "
            "silently become the unseen code 0: fill it with an explicit category first")
    return values


def _fastai(cardinality: int) -> int:
    # fastai's tabular rule, round(1.6 * n ** 0.56), capped at 600
    return min(600, round(1.6 * cardinality**0.56))


def _half(cardinality: int) -> int:
    # the older rule of thumb: half the cardinality, at most 50
    return min(50, (cardinality + 1) // 2)


def _fourth_root(cardinality: int) -> int:
    # Google's "fourth root of the number of categories" guideline
    return max(1, math.ceil(cardinality**0.25))


EMBEDDING_RULES = {"fastai": _fastai, "half": _half, "fourth_root": _fourth_root}


def embedding_size(cardinality: int, rule: str = "fastai") -> int:
    """Embedding width for a categorical column of ``cardinality`` codes.

    Parameters
    ----------
    cardinality
        Number of codes, the reserved unseen index included.
    rule
        ``"fastai"`` (``round(1.6 n^0.56)``, capped at 600), ``"half"``
        (``min(50, (n + 1) // 2)``) or ``"fourth_root"`` (``ceil(n^0.25)``).
    """
    if rule not in EMBEDDING_RULES:
        raise ValueError(f"unknown embedding rule {rule!r}; valid: {sorted(EMBEDDING_RULES)}")
    return EMBEDDING_RULES[rule](int(cardinality))
