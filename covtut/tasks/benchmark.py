"""Full-budget runs, committed with their provenance, and the check that they are current.

Introduced in chapter "Day-ahead electricity demand".

A chapter must run in minutes, but a model may need longer to train than that. Its
full-budget run then lives in a task module (``python -m covtut.tasks.vic_elec``; ``make
benchmark`` runs them all), which writes a JSON result into ``covtut/tasks/results/``: the
configuration, the seeds, the scores, the times, the package versions and the machine.
The result also stores a hash of the configuration and of the source of the code the run
used (:func:`code_hash`). The chapter shows the committed result, labelled as such,
beside a live reduced run, and :func:`load_result` refuses a result whose hash no longer
matches the current code: a change to the model or the training loop fails CI until the
benchmark is rerun.

The results ship inside the package, so a chapter opened alone on Colab reads them too.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import platform
import sys
import warnings
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from types import ModuleType

import torch

from covtut.version import __version__

__all__ = ["StaleResultError", "code_hash", "environment", "load_result", "result_path",
           "save_result"]


class StaleResultError(RuntimeError):
    """A committed result was produced by another configuration or other code."""


Code = ModuleType | type | Callable


def _source(code: Code) -> str:
    # newlines normalised, so a checkout with CRLF line ends hashes the same
    return inspect.getsource(code).replace("\r\n", "\n")


def _name(code: Code) -> str:
    if isinstance(code, ModuleType):
        return code.__name__
    return f"{code.__module__}.{code.__qualname__}"


def code_hash(config: dict, modules: Iterable[Code]) -> str:
    """SHA-256 of ``config`` (as sorted JSON) and of the source of each module.

    Parameters
    ----------
    config
        Everything that defines the run (numbers, strings, lists; JSON-serialisable).
    modules
        The code the run executes: whole modules (the model's file, the training loop),
        or single functions and classes of a module that also holds code the run does
        not use (a task module's chapter helpers). Their order does not matter.
    """
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for name, src in sorted((_name(m), _source(m)) for m in modules):
        h.update(name.encode())
        h.update(src.encode())
    return h.hexdigest()


def environment() -> dict:
    """Package versions and the machine, for the record of a run."""
    import numpy
    import pandas

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "covtut": __version__,
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
    }


def result_path(name: str) -> Path:
    """Where the committed result ``name`` lives in the package (``covtut/tasks/results/``)."""
    return Path(str(resources.files("covtut.tasks") / "results" / f"{name}.json"))


def save_result(name: str, result: dict, path: str | os.PathLike | None = None) -> Path:
    """Write ``result`` as indented JSON to ``path`` (default :func:`result_path`)."""
    path = Path(path) if path is not None else result_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return path


def load_result(name: str, config: dict, modules: Iterable[Code]) -> dict:
    """The committed result ``name``, after checking that the current code produced it.

    Raises
    ------
    FileNotFoundError
        No committed result of that name: run ``make benchmark``.
    StaleResultError
        Its ``code_hash`` differs from :func:`code_hash` of ``config`` and ``modules``
        now: the configuration or the code changed since the run.
    """
    path = result_path(name)
    if not path.exists():
        raise FileNotFoundError(f"no committed result {path}; run `make benchmark` "
                                f"(python -m covtut.tasks.{name})")
    result = json.loads(path.read_text())
    now = code_hash(config, modules)
    if result.get("code_hash") != now:
        if os.environ.get("COVTUT_STALE_OK") == "1":  # a developer's switch; CI never sets it
            warnings.warn(f"{path.name} is stale (COVTUT_STALE_OK=1): rerun make benchmark",
                          stacklevel=2)
            return result
        raise StaleResultError(
            f"{path.name} was produced with code_hash {str(result.get('code_hash'))[:12]}, "
            f"but the configuration and code now hash to {now[:12]}: rerun `make benchmark` "
            f"({sys.executable} -m covtut.tasks.{name}) and commit the result")
    return result
