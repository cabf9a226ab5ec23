"""Full-budget runs, committed with their provenance, and the check that they are current.

Introduced in chapter "Day-ahead electricity demand".

A chapter must run in minutes, but a model may need longer to train than that. Its
full-budget run then lives in a task (``python -m covtut.tasks.vic_elec``; ``make
benchmark`` runs every stale one), which writes a JSON result into
``covtut/tasks/results/``: the configuration, the seeds, the scores, the times, the
package versions and the machine. The chapter shows the committed result, labelled as
such, beside a live reduced run.

**Provenance.** The result stores a hash (:func:`code_hash`) of the configuration and of
the code of *every covtut module the task imports* (:func:`imported_modules`: a walk of
the import statements from the task's module, at module level and inside functions, so
no hand-written list can miss one). :func:`load_result` refuses a result whose hash no
longer matches: a change to the data pipeline, a model, the training loop or a metric
fails CI until the benchmark is rerun. Only code counts: comments, docstrings and blank
lines are left out of the hash, so editing the prose of a module keeps its results.

**Every task exposes the same names**, which :func:`run_task` and :func:`load_result`
use: ``NAME`` (the result's file name), ``full_config()`` (everything that defines the
full run, JSON-serialisable), ``full_run()`` (the run itself: a dict of results),
``load()`` (the committed result, checked) and ``main()`` (the command line).

The results ship inside the package, so a chapter opened alone on Colab reads them too.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import io
import json
import os
import platform
import sys
import time
import tokenize
import warnings
from importlib import resources
from pathlib import Path
from types import ModuleType

import torch

from covtut.version import __version__

__all__ = ["StaleResultError", "code_hash", "code_text", "environment", "imported_modules",
           "is_current", "load_result", "main", "result_path", "run_task", "save_result"]

#: The package whose modules provenance follows; its face (``covtut/__init__.py``) only
#: re-exports, so an import of ``covtut.x`` counts ``covtut.x`` and not the face.
ROOT = "covtut"


class StaleResultError(RuntimeError):
    """A committed result was produced by another configuration or other code."""


def _spec_origin(name: str) -> str | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # a parent is not a package: ``covtut.x.function``
        return None
    return None if spec is None else spec.origin


def _imports(name: str, path: str) -> set[str]:
    """The covtut modules that the file of module ``name`` imports, at any depth."""
    tree = ast.parse(_read(name))
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, ``level - 1`` levels up
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for a in node.names:  # ``from covtut.data import scaling``: a module
                sub = f"{base}.{a.name}"
                found.add(sub if _spec_origin(sub) else base)
    return {m for m in found if m.startswith(ROOT + ".")}


def imported_modules(task: ModuleType | str) -> list[str]:
    """Every covtut module that ``task`` imports, directly or through others, sorted.

    Follows the import statements of each module's file (at module level and inside
    functions, where the tasks import lazily), and counts the packages on the way
    (``covtut.data`` for ``covtut.data.scaling``: its ``__init__`` runs too), except the
    package face ``covtut`` itself, which only re-exports. A module imported by name at
    run time (``importlib.import_module``) is not seen; covtut has none.

    Parameters
    ----------
    task
        A module, or its dotted name.
    """
    start = task if isinstance(task, str) else task.__name__
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen or name == ROOT:
            continue
        path = _spec_origin(name)
        if path is None or not path.endswith(".py"):
            continue
        seen.add(name)
        parent = name.rpartition(".")[0]
        todo.extend([parent] if parent else [])
        todo.extend(_imports(name, path))
    return sorted(seen)


def code_text(source: str) -> str:
    """``source`` without what does not run: comments, docstrings and blank lines.

    The result is the same on every Python version that covtut supports (it cuts the
    source text itself, at positions that ``ast`` and ``tokenize`` report alike), so a
    result hashed on one machine checks on Colab's Python too.
    """
    source = source.replace("\r\n", "\n")
    lines = source.split("\n")
    cut = [bytearray(line.encode("utf-8")) for line in lines]

    def blank(l0: int, c0: int, l1: int, c1: int) -> None:  # 1-based lines, byte columns
        for i in range(l0 - 1, l1):
            lo = c0 if i == l0 - 1 else 0
            hi = c1 if i == l1 - 1 else len(cut[i])
            cut[i][lo:hi] = b" " * (hi - lo)

    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            d = body[0]
            blank(d.lineno, d.col_offset, d.end_lineno, d.end_col_offset)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            (l0, c0), (l1, c1) = tok.start, tok.end  # character columns: to bytes
            line = lines[l0 - 1]
            blank(l0, len(line[:c0].encode("utf-8")), l1, len(line[:c1].encode("utf-8")))
    kept = (bytes(b).decode("utf-8").rstrip() for b in cut)
    return "\n".join(line for line in kept if line.strip())


def code_hash(config: dict, task: ModuleType | str) -> str:
    """SHA-256 of ``config`` (as sorted JSON) and of the code of every module the task imports.

    Parameters
    ----------
    config
        Everything that defines the run (numbers, strings, lists; JSON-serialisable).
    task
        The task's module (or its name): its own code and that of every module
        :func:`imported_modules` finds are hashed, as :func:`code_text` keeps them.
    """
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for name in imported_modules(task):
        h.update(name.encode())
        h.update(code_text(_read(name)).encode())
    return h.hexdigest()


def _read(name: str) -> str:
    """The source of module ``name`` as it is on disk now (not as it was imported)."""
    return Path(_spec_origin(name)).read_text(encoding="utf-8")


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


def _committed(task: ModuleType) -> tuple[Path, dict | None]:
    path = result_path(task.NAME)
    return path, (json.loads(path.read_text()) if path.exists() else None)


def is_current(task: ModuleType) -> bool:
    """Whether ``task``'s committed result exists and matches its configuration and code."""
    _, result = _committed(task)
    return result is not None and result.get("code_hash") == code_hash(task.full_config(), task)


def load_result(task: ModuleType) -> dict:
    """The committed result of ``task``, after checking that the current code produced it.

    ``COVTUT_STALE_OK=1`` (a developer's switch, never set by CI or the tests) loads a
    stale result with a warning instead, to work on a chapter before a rerun.

    Raises
    ------
    FileNotFoundError
        No committed result of that name: run ``make benchmark``.
    StaleResultError
        Its ``code_hash`` differs from :func:`code_hash` of the task now: the
        configuration or the code changed since the run.
    """
    path, result = _committed(task)
    if result is None:
        raise FileNotFoundError(f"no committed result {path}; run `make benchmark` "
                                f"(python -m {task.__name__})")
    now = code_hash(task.full_config(), task)
    if result.get("code_hash") != now:
        if os.environ.get("COVTUT_STALE_OK") == "1":
            warnings.warn(f"{path.name} is stale (COVTUT_STALE_OK=1): rerun make benchmark",
                          stacklevel=2)
            return result
        raise StaleResultError(
            f"{path.name} was produced with code_hash {str(result.get('code_hash'))[:12]}, "
            f"but the configuration and code now hash to {now[:12]}: rerun `make benchmark` "
            f"({sys.executable} -m {task.__name__}) and commit the result")
    return result


def run_task(task: ModuleType, path: str | os.PathLike | None = None) -> Path:
    """Hash, run, hash again, save: the one way a committed result is made.

    The hash is taken before the run, while the files on disk are the code this process
    loaded, and again after it: an edit during the run would make the result describe
    code that did not produce it, so nothing is written then.

    Returns
    -------
    pathlib.Path
        Where the result was written (default :func:`result_path` of ``task.NAME``).
    """
    config = task.full_config()
    digest = code_hash(config, task)
    torch.set_num_threads(1)  # the committed times are one thread's
    start = time.perf_counter()
    body = task.full_run()
    if code_hash(config, task) != digest:
        raise RuntimeError(f"{task.__name__}: the configuration or the code changed on disk "
                           "during the run; the result is not written: run it again")
    result = {"name": task.NAME, "config": config, **body, "code_hash": digest,
              "modules": imported_modules(task), "environment": environment(),
              "wall_seconds": time.perf_counter() - start,
              "command": f"python -m {task.__name__}"}
    return save_result(task.NAME, result, path)


def main(task: ModuleType, argv: list[str] | None = None) -> Path:
    """The command line of every task: ``python -m covtut.tasks.<name> [--out PATH]``."""
    parser = argparse.ArgumentParser(prog=f"python -m {task.__name__}",
                                     description=(task.__doc__ or "").splitlines()[0])
    parser.add_argument("--out", default=None,
                        help=f"default covtut/tasks/results/{task.NAME}.json")
    args = parser.parse_args(argv)
    path = run_task(task, args.out)
    print("wrote", path, flush=True)
    return path
