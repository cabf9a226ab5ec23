"""The setup cell that every chapter starts with, written from ``_config.yml``.

A notebook opened alone on Colab has no checkout beside it, so it cannot read
``_config.yml``: the repository address is written into each notebook's first code
cell instead. After changing ``repository:`` in ``_config.yml`` (a fork, or a tag that
freezes the book for a course), run ``make colab-cell`` to rewrite every first cell;
``tests/test_first_cell.py`` fails while any notebook's cell differs.

Usage: ``python _ext/first_cell.py [--check]``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TAGS = ["hide-input", "colab-setup"]  # hidden behind a toggle in the HTML book

TEMPLATE = '''\
# Setup for Colab or any fresh environment: install covtut and the book's data unless
# they are installed already (a clone of the book, CI). pip keeps the torch, numpy,
# pandas and matplotlib it finds (on Colab, its own CUDA builds).
import importlib.metadata
import importlib.util
import os
import pathlib
import subprocess
import sys

COVTUT_SOURCE = "{source}"  # written by `make colab-cell`
if not all(importlib.util.find_spec(m) for m in ("covtut", "tsdata")):
    source = os.environ.get("COVTUT_SOURCE", COVTUT_SOURCE)  # a checkout, for tests
    if os.path.isdir(source):
        source = pathlib.Path(source).resolve().as_uri()
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    f"covtut[book] @ {{source}}"], check=True)
    importlib.invalidate_caches()
print("covtut", importlib.metadata.version("covtut"), "is ready")'''


def source_address(config: Path = ROOT / "_config.yml") -> str:
    """``git+<repository url>@<branch>``, from ``_config.yml``'s ``repository``."""
    repo = yaml.safe_load(config.read_text())["repository"]
    return f"git+{repo['url'].rstrip('/')}@{repo.get('branch', 'main')}"


def cell_source(source: str | None = None) -> str:
    """The first cell's code for the address ``source`` (default: ``_config.yml``'s)."""
    return TEMPLATE.format(source=source or source_address())


def notebooks() -> list[Path]:
    return sorted((ROOT / "book").glob("*.ipynb"))


def first_code_cell(nb: dict) -> dict | None:
    return next((c for c in nb["cells"] if c["cell_type"] == "code"), None)


def write(path: Path, code: str) -> bool:
    """Make ``code`` the notebook's first code cell, right after its title; True if changed."""
    nb = json.loads(path.read_text())
    lines = code.splitlines(keepends=True)
    cell = first_code_cell(nb)
    if cell is not None and "colab-setup" in cell.get("metadata", {}).get("tags", []):
        if cell["source"] == lines:
            return False
        cell["source"] = lines
    else:
        new = {"cell_type": "code", "execution_count": None, "id": "colab-setup",
               "metadata": {"tags": TAGS}, "outputs": [], "source": lines}
        nb["cells"].insert(1, new)  # after the title and objectives
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return True


def main(argv: list[str]) -> int:
    code = cell_source()
    if "--check" in argv:
        stale = [p.name for p in notebooks()
                 if "".join((first_code_cell(json.loads(p.read_text())) or {}).get("source", ""))
                 != code]
        if stale:
            print("first cell differs from _config.yml's in:", *stale, "(run make colab-cell)")
        return 1 if stale else 0
    changed = [p.name for p in notebooks() if write(p, code)]
    print(f"first cell written to {len(changed)} notebooks; address {source_address()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
