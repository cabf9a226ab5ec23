"""The package's layers: the import contract of pyproject.toml, and no private imports."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "covtut"
LINT = Path(sys.executable).with_name("lint-imports")


def private_uses(path: Path, root: Path = ROOT) -> list[str]:
    """``from covtut.x import _name`` and ``module._name`` of an imported covtut module."""
    tree = ast.parse(path.read_text())
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("covtut"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.relative_to(root)}:{node.lineno} imports {alias.name}")
                else:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules |= {(a.asname or a.name).split(".")[0] for a in node.names
                        if a.name.startswith("covtut")}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            found.append(f"{path.relative_to(root)}:{node.lineno} reads {node.value.id}."
                         f"{node.attr}")
    return found


def test_no_module_of_covtut_uses_another_modules_private_names():
    found = [use for path in sorted(PACKAGE.rglob("*.py")) for use in private_uses(path)]
    assert not found, found


def test_the_private_name_check_sees_both_forms(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from covtut.training.trainer import _reset_parameters\n"
                   "from covtut.data import windows\n"
                   "windows._observed_windows\n")
    assert len(private_uses(bad, tmp_path)) == 2


def run_contract(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, capture_output=True,
                          text=True, env={"PYTHONPATH": str(root), "PATH": ""}, timeout=300)


@pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")
def test_the_import_contract_holds_and_a_deliberate_violation_breaks_it(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "covtut",
                    ignore=shutil.ignore_patterns("__pycache__", "results"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    kept = run_contract(tmp_path)
    assert kept.returncode == 0, kept.stdout[-2000:]
    core = tmp_path / "covtut" / "core" / "device.py"  # the bottom layer imports a model
    core.write_text(core.read_text() + "\nfrom covtut.models import base  # noqa\n")
    broken = run_contract(tmp_path)
    assert broken.returncode != 0
    assert "covtut.core is not allowed to import covtut.models" in broken.stdout
    core.write_text(core.read_text().replace("from covtut.models import base  # noqa\n",
                                             "import covtut  # noqa\n"))
    face = run_contract(tmp_path)
    assert face.returncode != 0 and "package face" in face.stdout
