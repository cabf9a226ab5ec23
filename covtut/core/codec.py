"""Plain values: what a covtut file stores, and how a category or a key is stored.

Used by :mod:`covtut.serving.saving` and by the ``to_dict``/``from_dict`` of the classes it
saves (:class:`~covtut.data.scaling.SeriesScaler`,
:class:`~covtut.data.encoding.CategoryEncoder`). A *plain* value is made of tensors,
numbers, strings, lists, tuples, dicts and ``None`` only: what
``torch.load(weights_only=True)`` reads back without running any code. Categories and
series keys keep their type as ``(type, value)`` pairs (:func:`tag`, :func:`untag`).
Errors start with ``save_forecaster:``, the function a user called.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

__all__ = ["FORMAT_VERSION", "check_fields", "check_plain", "tag", "tensor", "untag"]

#: Raise it whenever the stored layout of a class changes (a file's ``format_version``).
FORMAT_VERSION = 1


def check_plain(value: Any, where: str) -> None:
    """Raise unless ``value`` is made of tensors, numbers, strings, lists, tuples, dicts
    and None only: what ``torch.load(weights_only=True)`` reads."""
    if isinstance(value, torch.Tensor) or type(value) in (type(None), bool, int, float, str):
        return
    if isinstance(value, (bool, int, float, str)):  # numpy.float64, numpy.str_, an enum...
        raise ValueError(f"save_forecaster: {where} is a {type(value).__name__}, not a plain "
                         f"{type(value).__mro__[1].__name__}; convert it (int(x), str(x), ...)")
    if type(value) in (list, tuple):
        for i, v in enumerate(value):
            check_plain(v, f"{where}[{i}]")
        return
    if type(value) is dict:
        for k, v in value.items():
            if type(k) not in (str, int):
                raise ValueError(f"save_forecaster: {where} has the key {k!r} of type "
                                 f"{type(k).__name__}; only str and int keys are stored")
            check_plain(v, f"{where}[{k!r}]")
        return
    raise ValueError(
        f"save_forecaster: {where} is a {type(value).__module__}.{type(value).__qualname__}; "
        "a forecaster file stores only tensors, numbers, strings, lists, tuples, dicts and "
        "None (convert it first: int(x), list(x), str(x))")


def tag(value: Any, where: str) -> tuple:
    """A category or series key as a ``(type, value)`` pair of plain values.

    ``str``, ``int``, ``float``, ``bool`` (numpy's scalars of those too),
    :class:`pandas.Timestamp` (with a named time zone) and tuples of those; anything else
    is refused, naming ``where``.
    """
    if isinstance(value, tuple):
        return ("tuple", tuple(tag(v, f"{where}[{i}]") for i, v in enumerate(value)))
    if isinstance(value, pd.Timestamp):
        tz = None if value.tz is None else str(value.tz)
        tagged = ("timestamp", (int(value.value), tz))
        back = untag(tagged)
        if back != value or (tz is not None and str(back.tz) != tz):
            raise ValueError(f"save_forecaster: {where} is {value!r}, whose time zone "
                             f"{tz!r} cannot be stored by name; convert it (tz_convert('UTC'))")
        return tagged
    for kind in (bool, int, float, str):  # bool first: a bool is also an int
        if isinstance(value, kind) or _is_numpy(value, kind):
            return (kind.__name__, kind(value))
    raise ValueError(
        f"save_forecaster: {where} is {value!r} of type {type(value).__module__}."
        f"{type(value).__qualname__}; a forecaster file stores categories and series keys of "
        "type str, int, float, bool, pandas.Timestamp and tuples of those")


def untag(tagged: tuple) -> Any:
    """The value of a :func:`tag` pair, of its type."""
    kind, value = tagged
    if kind == "tuple":
        return tuple(untag(v) for v in value)
    if kind == "timestamp":
        ns, tz = value
        return pd.Timestamp(ns, tz=tz) if tz is not None else pd.Timestamp(ns)
    return {"bool": bool, "int": int, "float": float, "str": str}[kind](value)


def check_fields(obj: object, expected: tuple[str, ...]) -> None:
    """Refuse an object with attributes its ``to_dict`` does not know, rather than drop them."""
    extra = sorted(set(vars(obj)) - set(expected))
    if extra:
        raise ValueError(f"save_forecaster: {type(obj).__name__} has attributes {extra} that "
                         f"format version {FORMAT_VERSION} does not store; its to_dict needs "
                         "to learn them")


def tensor(x: torch.Tensor | None) -> torch.Tensor | None:
    """A detached CPU copy (``None`` stays ``None``)."""
    return None if x is None else x.detach().cpu().clone()


def _is_numpy(value: Any, kind: type) -> bool:
    """Whether ``value`` is a numpy scalar of the Python type ``kind`` (numpy.int64...)."""
    numpy_kind = {bool: np.bool_, int: np.integer, float: np.floating, str: np.str_}[kind]
    return isinstance(value, numpy_kind)
