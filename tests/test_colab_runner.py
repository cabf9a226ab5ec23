"""The Colab-like runner (`make colab-test`) names the notebook and the cell that failed.

Runs a tiny notebook in this environment's own kernel: the runner's logic, not Colab's
environment, which `make colab-test` builds.
"""

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "colab"))
import run_notebooks  # noqa: E402


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    run_notebooks.write_kernelspec(tmp_path / "jupyter", sys.executable)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return run_notebooks.kernel_env({})


def notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter")]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def test_a_failing_cell_is_named(tmp_path, kernel):
    path = notebook(tmp_path / "09_broken.ipynb", "x = 1",
                    "import math\nraise ValueError(f'boom {math.pi:.2f}')", "print('never')")
    result = run_notebooks.run_notebook(path, tmp_path / "run", kernel, timeout=60)
    assert len(result.problems) == 1, result.problems
    message = result.problems[0]
    assert message.startswith("09_broken.ipynb, code cell 2 (cell 2"), message
    assert "ValueError: boom 3.14" in message
    assert "| raise ValueError" in message  # the start of the cell that failed


def test_an_expected_error_is_not_the_failure(tmp_path, kernel):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("raise KeyError('shown on purpose')",
                                          metadata={"tags": ["raises-exception"]}),
                nbformat.v4.new_code_cell("y = 1"), nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, tmp_path / "11_expected.ipynb")
    result = run_notebooks.run_notebook(tmp_path / "11_expected.ipynb", tmp_path / "run",
                                        kernel, timeout=60)
    assert len(result.problems) == 1, result.problems
    assert result.problems[0].startswith("11_expected.ipynb, code cell 3 (cell 2")
    assert "ZeroDivisionError" in result.problems[0]


def test_a_passing_notebook_runs_alone_in_its_folder(tmp_path, kernel):
    path = notebook(tmp_path / "10_fine.ipynb", "open('here.txt', 'w').write('x')")
    result = run_notebooks.run_notebook(path, tmp_path / "run", kernel, timeout=60)
    assert result.problems == [] or all("imported covtut from the checkout" in p
                                        for p in result.problems), result.problems
    assert result.written == ["here.txt"]  # written in its own folder, the cwd
    assert result.setup_seconds is not None and result.seconds >= result.setup_seconds


def test_snapshot_sees_a_new_file(tmp_path):
    before = run_notebooks.snapshot(tmp_path)
    (tmp_path / "new.txt").write_text("x")
    assert run_notebooks.changed(before, run_notebooks.snapshot(tmp_path)) == ["new.txt"]
