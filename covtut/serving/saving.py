"""Save a trained forecaster to one file, and load it back safely, for production.

Introduced in chapter "From notebook to production" (still to be written).

A forecast needs more than the model's weights: the model's name, its
:class:`~covtut.core.batch.CovariateSpec`, :class:`~covtut.models.base.ModelConfig` and class
options (to rebuild the same layers), the fitted :class:`~covtut.data.scaling.SeriesScaler`
(to scale inputs and unscale the forecast) and the fitted
:class:`~covtut.data.encoding.CategoryEncoder` of each categorical column (to give every
category the code the model learned). :func:`save_forecaster` writes them all into one
file; :func:`load_forecaster` rebuilds them as a :class:`Forecaster`.

The file holds only tensors, numbers, strings, lists, tuples, dicts and ``None``, so
that ``torch.load(path, weights_only=True)`` reads it. Loading uses that mode and no
other: a pickle file can run any code while it is read, and ``weights_only`` refuses
everything but plain data, so a crafted file is refused before any of its code runs.

Categories and series keys are stored with their type, as ``(type, value)`` pairs:
``str``, ``int``, ``float``, ``bool``, :class:`pandas.Timestamp` and tuples of those
(a series key of several columns). Anything else is refused when saving.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from covtut.core.batch import CovariateSpec
from covtut.data.encoding import CategoryEncoder
from covtut.data.scaling import SeriesScaler, StandardScaler
from covtut.data.series import SeriesData
from covtut.models import MODELS, build_model
from covtut.models.base import CovariateModel
from covtut.serving.forecast import forecast_future
from covtut.version import __version__

__all__ = ["Forecaster", "save_forecaster", "load_forecaster", "FORMAT", "FORMAT_VERSION"]

FORMAT = "covtut-forecaster"  # the file's "format" entry: what it is
FORMAT_VERSION = 1  # raise it whenever the layout below changes

# the attributes each fitted object has; one more means the format must learn it
_STANDARD_FIELDS = ("per_series", "eps", "min_steps", "mean", "std", "fallback")
_SERIES_FIELDS = ("target", "observed", "known", "static", "fallback", "keys")
_ENCODER_FIELDS = ("classes_", "_index")
_SPEC_FIELDS = ("n_targets", "n_observed", "n_known", "known_cardinalities", "n_static",
                "static_cardinalities")


@dataclass
class Forecaster:
    """Everything a forecast needs, as :func:`load_forecaster` rebuilt it.

    Attributes
    ----------
    model
        The model, in eval mode, with the saved weights.
    scaler
        The fitted scaler (``None``: the model was trained on unscaled data).
    encoders
        The fitted encoder of each categorical column, by column name (or ``None``).
    spec
        The model's :class:`~covtut.core.batch.CovariateSpec`: lookback ``L``, horizon ``H``
        and the width of every kind of input.
    metadata
        What the caller of :func:`save_forecaster` stored (``{}`` if nothing).
    name, options
        The model's name in :data:`covtut.models.MODELS` and its class options.
    covtut_version
        The version of covtut that wrote the file.
    source
        Where it was loaded from, for messages.
    """

    model: CovariateModel
    scaler: SeriesScaler | None
    encoders: dict[str, CategoryEncoder] | None
    spec: CovariateSpec
    metadata: dict = field(default_factory=dict)
    name: str = ""
    options: dict = field(default_factory=dict)
    covtut_version: str = ""
    source: str = "forecaster"

    def check(self, data: SeriesData) -> None:
        """Raise a ``ValueError`` if ``data`` does not match the saved spec.

        Compares the number of target, observed, known and static columns and the
        cardinality of every categorical column, and, where ``data`` comes from
        :func:`covtut.from_dataframe`, that its static categories were encoded with the
        saved encoders (``from_dataframe(..., encoders=forecaster.encoders)``).
        """
        if not isinstance(data, SeriesData):
            raise TypeError(f"Forecaster.check takes a SeriesData, got {type(data).__name__}")
        actual = data.spec(self.spec.lookback, self.spec.horizon)
        for name in _SPEC_FIELDS:
            want, got = getattr(self.spec, name), getattr(actual, name)
            if want != got:
                raise ValueError(f"{self.source}: the data does not match the saved "
                                 f"forecaster: {name} is {got} in the data, expected {want}")
        if self.encoders is None or data.columns is None or data.info is None:
            return
        for j, col in enumerate(data.columns.get("static_cat", ())):
            if col not in self.encoders or col not in data.info.columns:
                continue
            codes = torch.as_tensor(self.encoders[col].transform(data.info[col]))
            if not torch.equal(codes, data.static_cat[:, j].cpu()):
                raise ValueError(
                    f"{self.source}: the data's static_cat column {col!r} was encoded with "
                    "other encoders than the saved ones; build the data with "
                    "from_dataframe(..., encoders=forecaster.encoders)")

    def forecast_future(self, data: SeriesData, future: pd.DataFrame | None = None, *,
                        min_lookback: int | None = None) -> pd.DataFrame:
        """:func:`covtut.forecast_future` with the saved scaler and encoders, after
        :meth:`check`."""
        self.check(data)
        return forecast_future(self.model, data, future, scaler=self.scaler,
                               encoders=self.encoders, min_lookback=min_lookback)


def save_forecaster(path: str | os.PathLike, model: CovariateModel, *,
                    scaler: SeriesScaler | None = None,
                    encoders: dict[str, CategoryEncoder] | None = None,
                    options: dict | None = None, metadata: dict | None = None) -> None:
    """Write ``model`` and what its forecasts need to ``path``.

    Parameters
    ----------
    path
        The file to write (``"model.pt"``); written whole or not at all.
    model
        A model whose class is registered in :data:`covtut.models.MODELS`.
    scaler
        The :class:`~covtut.data.scaling.SeriesScaler` it was trained with, fitted.
    encoders
        The :class:`~covtut.data.encoding.CategoryEncoder` of each categorical column, from
        :func:`covtut.from_dataframe`.
    options
        The class options it was built with, the keyword arguments of
        :func:`covtut.build_model` that are not :class:`~covtut.models.base.ModelConfig` fields
        (``{"lags": (48, 336), "autoregressive": True}``). Checked against the model: a
        model rebuilt from them must have the same parameter shapes and, for each option
        the class keeps as an attribute of the same name, the same value.
    metadata
        Anything else worth keeping (training period, scores), as plain values.

    Raises
    ------
    ValueError
        If the model's class is not registered, the options do not rebuild it, or
        something to store is not a plain value (see the module docstring).
    """
    name = next((n for n, cls in MODELS.items() if type(model) is cls), None)
    if name is None:
        cls = type(model)
        raise ValueError(
            f"save_forecaster: model class {cls.__module__}.{cls.__qualname__} is not "
            f"registered in covtut.models.MODELS (registered: {sorted(MODELS)}); register "
            "it, MODELS['my_model'] = MyModel, before saving and before loading")
    options = dict(options or {})
    metadata = dict(metadata or {})
    _check_plain(options, "options")
    _check_plain(metadata, "metadata")
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    config = dataclasses.asdict(model.config)
    _check_options(name, model, config, options, state)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "covtut_version": _version(),
        "model": {"name": name, "spec": dataclasses.asdict(model.spec), "config": config,
                  "options": options, "state_dict": state},
        "lookback": model.spec.lookback,
        "horizon": model.spec.horizon,
        "scaler": None if scaler is None else _scaler_to_dict(scaler),
        "encoders": None if encoders is None else {
            _column(col): _encoder_to_dict(enc, col) for col, enc in encoders.items()},
        "metadata": metadata,
    }
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)  # a failed save never leaves half a file at ``path``
    finally:
        tmp.unlink(missing_ok=True)


def load_forecaster(path: str | os.PathLike, *,
                    map_location: str | torch.device = "cpu") -> Forecaster:
    """Read a file :func:`save_forecaster` wrote, with ``torch.load(weights_only=True)``.

    Parameters
    ----------
    path
        The file.
    map_location
        The device the model is moved to; the scaler stays on the CPU.

    Raises
    ------
    ValueError
        If the file holds anything but plain data (it is never unpickled otherwise), is
        not a covtut forecaster, or has a format version or covtut major version that
        this covtut cannot read.
    """
    where = f"load_forecaster({str(path)!r})"
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        refused = _refused(e)
        if refused is None or refused.startswith("Unsupported operand"):  # a text file...
            raise ValueError(f"{where}: not a file that torch.save wrote "
                             f"({refused or e})") from None
        raise ValueError(
            f"{where}: refused, the file holds something other than tensors and plain "
            f"values ({refused}), which a covtut forecaster never does; nothing in it "
            "was run. Never load a file you do not trust with weights_only=False") from None
    except OSError:
        raise  # no such file, no permission: the usual errors
    except Exception as e:  # noqa: BLE001 - whatever torch.load raises on a non-torch file
        raise ValueError(f"{where}: not a file that torch.save wrote "
                         f"({type(e).__name__}: {e})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        got = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise ValueError(f"{where}: not a covtut forecaster: expected format {FORMAT!r}, "
                         f"got {got!r}")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(f"{where}: format version {version!r}; this covtut ({_version()}) "
                         f"reads format version {FORMAT_VERSION}")
    written = str(payload.get("covtut_version"))
    if _major(written) != _major(_version()):
        raise ValueError(f"{where}: written by covtut {written}, major version "
                         f"{_major(written)}; this covtut ({_version()}) reads major version "
                         f"{_major(_version())}")
    try:
        return _rebuild(payload, where, map_location)
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise ValueError(f"{where}: cannot rebuild the forecaster: {e}") from None


def _rebuild(payload: dict, where: str, map_location: str | torch.device) -> Forecaster:
    """The :class:`Forecaster` from a payload whose format and versions were checked."""
    m = payload["model"]
    if m["name"] not in MODELS:
        raise ValueError(f"model {m['name']!r} is not registered in covtut.models.MODELS "
                         f"(registered: {sorted(MODELS)})")
    spec = CovariateSpec(**m["spec"])
    model = _build(m["name"], spec, m["config"], m["options"])
    model.load_state_dict(m["state_dict"])
    model.to(map_location).eval()
    encoders = payload["encoders"]
    return Forecaster(
        model=model,
        scaler=None if payload["scaler"] is None else _scaler_from_dict(payload["scaler"]),
        encoders=None if encoders is None else {
            col: _encoder_from_dict(e) for col, e in encoders.items()},
        spec=spec, metadata=payload["metadata"], name=m["name"], options=m["options"],
        covtut_version=str(payload["covtut_version"]), source=where)


# --- the model --------------------------------------------------------------------------

def _build(name: str, spec: CovariateSpec, config: dict, options: dict) -> CovariateModel:
    """``build_model`` without touching the caller's random stream (the weights are
    overwritten anyway)."""
    with torch.random.fork_rng(devices=[]):
        return build_model(name, spec, **config, **options)


def _check_options(name: str, model: CovariateModel, config: dict, options: dict,
                   state: dict[str, torch.Tensor]) -> None:
    """Refuse options that would not rebuild ``model``: another option than the class
    takes, other parameter shapes, or another value of an option the model keeps."""
    taken = set(inspect.signature(type(model).__init__).parameters) - {"self", "spec",
                                                                       "config"}
    unknown = sorted(set(options) - taken)
    if unknown:
        raise ValueError(f"save_forecaster: options {unknown} are not options of model "
                         f"{name!r} (its options: {sorted(taken)})")
    try:
        rebuilt = _build(name, model.spec, config, options)
        rebuilt.load_state_dict(state)
    except (TypeError, ValueError, RuntimeError) as e:
        raise ValueError(f"save_forecaster: options={options} do not rebuild this {name!r} "
                         f"model; pass the options it was built with ({e})") from None
    for option in sorted(taken):
        mine, theirs = getattr(model, option, None), getattr(rebuilt, option, None)
        if type(mine) in (type(None), bool, int, float, str, tuple) and mine != theirs:
            raise ValueError(
                f"save_forecaster: the model has {option}={mine!r} but options={options} "
                f"build one with {option}={theirs!r}; "
                "pass the options it was built with")


# --- plain values -----------------------------------------------------------------------

def _check_plain(value: Any, where: str) -> None:
    """Raise unless ``value`` is made of tensors, numbers, strings, lists, tuples, dicts
    and None only: what ``torch.load(weights_only=True)`` reads."""
    if isinstance(value, torch.Tensor) or type(value) in (type(None), bool, int, float, str):
        return
    if isinstance(value, (bool, int, float, str)):  # numpy.float64, numpy.str_, an enum...
        raise ValueError(f"save_forecaster: {where} is a {type(value).__name__}, not a plain "
                         f"{type(value).__mro__[1].__name__}; convert it (int(x), str(x), ...)")
    if type(value) in (list, tuple):
        for i, v in enumerate(value):
            _check_plain(v, f"{where}[{i}]")
        return
    if type(value) is dict:
        for k, v in value.items():
            if type(k) not in (str, int):
                raise ValueError(f"save_forecaster: {where} has the key {k!r} of type "
                                 f"{type(k).__name__}; only str and int keys are stored")
            _check_plain(v, f"{where}[{k!r}]")
        return
    raise ValueError(
        f"save_forecaster: {where} is a {type(value).__module__}.{type(value).__qualname__}; "
        "a forecaster file stores only tensors, numbers, strings, lists, tuples, dicts and "
        "None (convert it first: int(x), list(x), str(x))")


def _tag(value: Any, where: str) -> tuple:
    """A category or series key as a ``(type, value)`` pair of plain values."""
    if isinstance(value, tuple):
        return ("tuple", tuple(_tag(v, f"{where}[{i}]") for i, v in enumerate(value)))
    if isinstance(value, pd.Timestamp):
        tz = None if value.tz is None else str(value.tz)
        tagged = ("timestamp", (int(value.value), tz))
        back = _untag(tagged)
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


def _is_numpy(value: Any, kind: type) -> bool:
    """Whether ``value`` is a numpy scalar of the Python type ``kind`` (numpy.int64...)."""
    numpy_kind = {bool: np.bool_, int: np.integer, float: np.floating, str: np.str_}[kind]
    return isinstance(value, numpy_kind)


def _untag(tagged: tuple) -> Any:
    kind, value = tagged
    if kind == "tuple":
        return tuple(_untag(v) for v in value)
    if kind == "timestamp":
        ns, tz = value
        return pd.Timestamp(ns, tz=tz) if tz is not None else pd.Timestamp(ns)
    return {"bool": bool, "int": int, "float": float, "str": str}[kind](value)


def _fields(obj: object, expected: tuple[str, ...]) -> None:
    """Refuse an object with attributes this format does not know, rather than drop them."""
    extra = sorted(set(vars(obj)) - set(expected))
    if extra:
        raise ValueError(f"save_forecaster: {type(obj).__name__} has attributes {extra} that "
                         f"format version {FORMAT_VERSION} does not store; covtut.serving.saving "
                         "needs "
                         "to learn them")


# --- the scaler and the encoders --------------------------------------------------------

def _tensor(x: torch.Tensor | None) -> torch.Tensor | None:
    return None if x is None else x.detach().cpu().clone()


def _standard_to_dict(s: StandardScaler) -> dict:
    _fields(s, _STANDARD_FIELDS)
    return {"per_series": bool(s.per_series), "eps": float(s.eps),
            "min_steps": int(s.min_steps), "mean": _tensor(s.mean), "std": _tensor(s.std),
            "fallback": _tensor(s.fallback)}


def _standard_from_dict(d: dict) -> StandardScaler:
    s = StandardScaler(per_series=d["per_series"], eps=d["eps"], min_steps=d["min_steps"])
    s.mean, s.std, s.fallback = d["mean"], d["std"], d["fallback"]
    return s


def _scaler_to_dict(scaler: SeriesScaler) -> dict:
    if not isinstance(scaler, SeriesScaler):
        raise ValueError(f"save_forecaster: scaler is a {type(scaler).__name__}, expected a "
                         "covtut SeriesScaler")
    _fields(scaler, _SERIES_FIELDS)
    if scaler.fallback is not None and type(scaler.fallback) not in (str, int):
        raise ValueError(f"save_forecaster: scaler.fallback is {scaler.fallback!r}; expected "
                         "a column name (str), a static_cat index (int) or None")
    keys = None if scaler.keys is None else [
        _tag(k, f"scaler.keys[{i}]") for i, k in enumerate(scaler.keys)]
    return {**{name: _standard_to_dict(getattr(scaler, name))
               for name in ("target", "observed", "known", "static")},
            "fallback": scaler.fallback, "keys": keys}


def _scaler_from_dict(d: dict) -> SeriesScaler:
    scaler = SeriesScaler(fallback=d["fallback"])
    for name in ("target", "observed", "known", "static"):
        setattr(scaler, name, _standard_from_dict(d[name]))
    scaler.keys = None if d["keys"] is None else [_untag(k) for k in d["keys"]]
    return scaler


def _column(col: object) -> str | int:
    if type(col) not in (str, int):
        raise ValueError(f"save_forecaster: encoders has the column name {col!r} of type "
                         f"{type(col).__name__}; only str and int column names are stored")
    return col


def _encoder_to_dict(enc: CategoryEncoder, col: str) -> dict:
    if not isinstance(enc, CategoryEncoder):
        raise ValueError(f"save_forecaster: encoders[{col!r}] is a {type(enc).__name__}, "
                         "expected a covtut CategoryEncoder")
    _fields(enc, _ENCODER_FIELDS)
    return {"classes": [_tag(v, f"encoders[{col!r}].classes_[{i}]")
                        for i, v in enumerate(enc.classes_)]}


def _encoder_from_dict(d: dict) -> CategoryEncoder:
    enc = CategoryEncoder()
    enc.classes_ = [_untag(v) for v in d["classes"]]
    enc._index = {v: i + 1 for i, v in enumerate(enc.classes_)}  # codes 1..K, as fit gives
    return enc


def _refused(error: pickle.UnpicklingError) -> str | None:
    """What ``weights_only`` refused, from its long message (``a reference to os.system``),
    or ``None`` where the file was no pickle to begin with."""
    text = str(error)
    if "Weights only load failed" not in text:
        return None
    found = re.search(r"GLOBAL ([\w.]+)", text)
    if found:
        return f"a reference to {found.group(1)}"
    found = re.search(r"WeightsUnpickler error:\s*([^\n]+)", text)
    return found.group(1).strip() if found else "see torch.load(weights_only=True)"


def _version() -> str:
    return __version__


def _major(version: str) -> str:
    return version.split(".")[0]
