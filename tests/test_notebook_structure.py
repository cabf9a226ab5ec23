"""Each chapter's exercises and gated solutions pair up, as sphinx-exercise requires.

A broken pair fails the book build only, after every notebook has run; this finds it in
a second.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
DIRECTIVE = re.compile(r"```\{(exercise|solution-start|solution-end)\}[ \t]*(\S*)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_one_gated_solution(path):
    cells = json.loads(path.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    found = DIRECTIVE.findall(text)
    exercises = [label.strip() for kind, label in found if kind == "exercise"]
    labels = re.findall(r"```\{exercise\}\s*\n:label: (\S+)", text)
    assert len(labels) == len(exercises) >= 3, f"{path.name}: at least 3 labelled exercises"
    gated = [(kind, label) for kind, label in found if kind != "exercise"]
    starts = [label for kind, label in gated if kind == "solution-start"]
    assert sorted(starts) == sorted(labels), f"{path.name}: solutions {starts}, exercises {labels}"
    kinds = [kind for kind, _ in gated]
    assert kinds == ["solution-start", "solution-end"] * len(labels), (
        f"{path.name}: solution-start and solution-end must alternate, got {kinds}")


GLUE_ROLE = re.compile(r"\{glue:text\}`([^`]+)`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_glue_format_is_a_valid_format_spec(path):
    # a typo such as `key:.0f}` only fails the executed book build, at the end of CI
    cells = json.loads(path.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    for role in GLUE_ROLE.findall(text):
        key, _, spec = role.partition(":")
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key), f"{path.name}: glue key {key!r}"
        if spec:
            ok = False
            for value in (1.5, 1, "x"):
                try:
                    format(value, spec)
                    ok = True
                except (ValueError, TypeError):
                    pass
            assert ok, f"{path.name}: {{glue:text}}`{role}` has no valid format spec {spec!r}"


INCLUDE = re.compile(r"```\{literalinclude\} (\S+)\n(?::pyobject: (\S+))?")


def defined_names(path: Path) -> set[str]:
    """Functions, classes and methods (``Class.method``) a Python file defines."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
            names |= {f"{node.name}.{b.name}" for b in node.body
                      if isinstance(b, ast.FunctionDef)}
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_literalinclude_names_a_file_and_an_object_that_exist(path):
    """A moved module breaks a page's code listing; the book build finds it only at the end."""
    cells = json.loads(path.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    for target, obj in INCLUDE.findall(text):
        source = (path.parent / target).resolve()
        assert source.is_file(), f"{path.name}: literalinclude {target} is no file"
        if obj:
            assert obj in defined_names(source), f"{path.name}: {target} defines no {obj}"
