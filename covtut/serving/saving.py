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
from pathlib import Path

import torch

from covtut.core.batch import CovariateSpec
from covtut.core.codec import FORMAT_VERSION, check_plain
from covtut.data.encoding import CategoryEncoder
from covtut.data.scaling import SeriesScaler
from covtut.models import MODELS
from covtut.models.base import CovariateModel, ModelConfig
from covtut.models.linear import LinearModel
from covtut.serving.forecaster import Forecaster
from covtut.version import __version__

__all__ = ["Forecaster", "save_forecaster", "load_forecaster", "FORMAT", "FORMAT_VERSION"]

FORMAT = "covtut-forecaster"  # the file's "format" entry: what it is

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
        A model whose class is registered in :data:`covtut.models.MODELS`, or the linear
        baseline :class:`~covtut.models.linear.LinearModel`.
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
    name = next((n for n, cls in _classes().items() if type(model) is cls), None)
    if name is None:
        cls = type(model)
        raise ValueError(
            f"save_forecaster: model class {cls.__module__}.{cls.__qualname__} is not "
            f"registered in covtut.models.MODELS (registered: {sorted(_classes())}); register "
            "it, MODELS['my_model'] = MyModel, before saving and before loading")
    options = dict(options or {})
    metadata = dict(metadata or {})
    check_plain(options, "options")
    check_plain(metadata, "metadata")
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
    if m["name"] not in _classes():
        raise ValueError(f"model {m['name']!r} is not registered in covtut.models.MODELS "
                         f"(registered: {sorted(_classes())})")
    spec = CovariateSpec(**m["spec"])
    model = _build(m["name"], spec, m["config"], m["options"])
    model.load_state_dict(m["state_dict"])
    model.to(map_location).eval()
    encoders = payload["encoders"]
    return Forecaster(
        model=model,
        scaler=None if payload["scaler"] is None else SeriesScaler.from_dict(payload["scaler"]),
        encoders=None if encoders is None else {
            col: CategoryEncoder.from_dict(e) for col, e in encoders.items()},
        spec=spec, metadata=payload["metadata"], name=m["name"], options=m["options"],
        covtut_version=str(payload["covtut_version"]), source=where)


# --- the model --------------------------------------------------------------------------

def _classes() -> dict[str, type[CovariateModel]]:
    """The models a file can hold: every registered network, and the linear baseline."""
    return {**MODELS, "linear": LinearModel}


def _build(name: str, spec: CovariateSpec, config: dict, options: dict) -> CovariateModel:
    """What ``build_model`` builds, without touching the caller's random stream (the
    weights are overwritten anyway)."""
    with torch.random.fork_rng(devices=[]):
        return _classes()[name](spec, ModelConfig(**config), **options)


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


# --- the scaler and the encoders: checked here, stored by their own to_dict ---------------

def _scaler_to_dict(scaler: SeriesScaler) -> dict:
    if not isinstance(scaler, SeriesScaler):
        raise ValueError(f"save_forecaster: scaler is a {type(scaler).__name__}, expected a "
                         "covtut SeriesScaler")
    return scaler.to_dict()


def _column(col: object) -> str | int:
    if type(col) not in (str, int):
        raise ValueError(f"save_forecaster: encoders has the column name {col!r} of type "
                         f"{type(col).__name__}; only str and int column names are stored")
    return col


def _encoder_to_dict(enc: CategoryEncoder, col: str) -> dict:
    if not isinstance(enc, CategoryEncoder):
        raise ValueError(f"save_forecaster: encoders[{col!r}] is a {type(enc).__name__}, "
                         "expected a covtut CategoryEncoder")
    return enc.to_dict(f"encoders[{col!r}]")


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
