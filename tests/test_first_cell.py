"""Every chapter starts with the same setup cell, naming _config.yml's repository.

A student who opens one notebook alone on Colab has only that cell to install what the
chapter needs; a fork or a course that freezes a version changes ``repository:`` in
``_config.yml`` and runs ``make colab-cell``.
"""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import first_cell  # noqa: E402

NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def first_code(path: Path) -> dict:
    nb = json.loads(path.read_text())
    return next(c for c in nb["cells"] if c["cell_type"] == "code")


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_is_the_setup_cell_of_config(path):
    cell = first_code(path)
    assert "".join(cell["source"]) == first_cell.cell_source(), (
        f"{path.name}: its first code cell is not the setup cell for _config.yml's "
        "repository; run `make colab-cell`")
    assert "hide-input" in cell["metadata"].get("tags", [])


def test_setup_cell_names_the_config_address():
    address = first_cell.source_address()
    assert address.startswith("git+https://") and "@" in address.removeprefix("git+https://")
    assert f'COVTUT_SOURCE = "{address}"' in first_cell.cell_source()


def test_a_changed_address_is_caught(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/someone/fork\n  branch: v1.0\n")
    assert first_cell.source_address(config) == "git+https://github.com/someone/fork@v1.0"
    other = first_cell.cell_source(first_cell.source_address(config))
    assert all("".join(first_code(p)["source"]) != other for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_do_not_need_myst_nb_or_repository_files(path):
    code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "code")
    assert "myst_nb" not in code, f"{path.name} imports myst_nb, which Colab lacks"
    for pattern in ("open(", "read_csv(", "Path(__file__", "savefig(\"/", "../"):
        assert pattern not in code, f"{path.name} reads or writes a file: {pattern!r}"
