"""covtut.tasks.benchmark: the provenance that ties a committed result to its code.

These tests pin the mechanism on a toy task and on the real tasks' import graphs; the
checks of the committed results themselves are the ``provenance``-marked tests of the
task test files.
"""

import json
import subprocess
import sys
import textwrap

import pytest

import covtut
from covtut.tasks import (
    aus_retail,
    aus_retail_tuning,
    benchmark,
    pedestrian,
    regimes,
    vic_elec,
)
from covtut.tasks.aus_retail import recipe as aus_retail_recipe
from covtut.tasks.pedestrian import sizes as pedestrian_sizes
from covtut.tasks.vic_elec import recipe as vic_elec_recipe

TASKS = [vic_elec, aus_retail, aus_retail_tuning, regimes, pedestrian, vic_elec_recipe,
         aus_retail_recipe, pedestrian_sizes]


def test_every_task_exposes_the_same_names():
    for task in TASKS:
        for name in ("NAME", "full_config", "full_run", "load", "main"):
            assert hasattr(task, name), (task.__name__, name)
        json.dumps(task.full_config())  # the hash reads it as JSON
    assert len({t.NAME for t in TASKS}) == len(TASKS)


def test_the_import_walk_finds_the_modules_the_hand_lists_missed():
    ve = benchmark.imported_modules(vic_elec)
    for m in ("covtut.data.series", "covtut.data.panel", "covtut.data.encoding",
              "covtut.core.device", "covtut.training.trainer", "covtut.tasks.vic_elec.run"):
        assert m in ve, m
    assert "covtut.evaluation.baselines" in benchmark.imported_modules(regimes)
    assert "covtut.tasks.aus_retail.model" in benchmark.imported_modules(aus_retail_tuning)
    for task in TASKS:  # neither the package face nor layers the task does not use
        found = benchmark.imported_modules(task)
        assert "covtut" not in found and found == sorted(found)
        assert not [m for m in found if m.startswith(("covtut.book", "covtut.serving"))]


@pytest.mark.parametrize("task, module", [
    (vic_elec, "covtut.core.device"), (vic_elec, "covtut.data.encoding"),
    (regimes, "covtut.evaluation.baselines"), (aus_retail, "covtut.evaluation.baselines"),
    (aus_retail_tuning, "covtut.tasks.aus_retail.protocol")])
def test_editing_code_a_task_imports_makes_its_result_stale(monkeypatch, task, module):
    config, read = task.full_config(), benchmark._read
    before = benchmark.code_hash(config, task)
    monkeypatch.setattr(benchmark, "_read",
                        lambda name: read(name) + ("\nEDITED = 1\n" if name == module else ""))
    assert benchmark.code_hash(config, task) != before


def test_editing_a_module_the_task_does_not_import_or_only_its_prose_does_not(monkeypatch):
    config, read = vic_elec.full_config(), benchmark._read
    before = benchmark.code_hash(config, vic_elec)

    def edited(name):
        src = read(name)
        if name == "covtut.serving.saving":  # not imported by the task: any edit
            return src + "\nEDITED = 1\n"
        if name == "covtut.training.trainer":  # imported: a comment and a docstring only
            return src.replace('"""', '"""Reworded. ', 1) + "\n# a comment\n\n"
        return src

    monkeypatch.setattr(benchmark, "_read", edited)
    assert benchmark.code_hash(config, vic_elec) == before
    assert benchmark.code_hash({**config, "every": 4}, vic_elec) != before


def test_code_text_keeps_the_code_and_drops_comments_docstrings_and_blank_lines():
    src = textwrap.dedent('''\
        """Module doc, with a non-ASCII °C."""
        import os  # a comment


        def f(x):
            """Doc."""
            s = "# not a comment"  # but this is
            return x + 1
        ''')
    assert benchmark.code_text(src) == ("import os\ndef f(x):\n    s = \"# not a comment\"\n"
                                        "    return x + 1")
    assert benchmark.code_text(src.replace("x + 1", "x + 2")) != benchmark.code_text(src)


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A task module of two lines of work, importable, writing into tmp_path."""
    (tmp_path / "toy_task.py").write_text(textwrap.dedent('''\
        """A toy task."""
        from covtut.evaluation import metrics
        NAME = "toy"
        CONFIG = {"n": 3}
        def full_config():
            return dict(CONFIG)
        def full_run():
            return {"runs": [metrics.__name__] * CONFIG["n"]}
        '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(benchmark, "result_path", lambda name: tmp_path / f"{name}.json")
    import toy_task

    yield toy_task
    sys.modules.pop("toy_task", None)


def test_run_task_then_load_result_round_trips_and_refuses_stale(toy, monkeypatch):
    with pytest.raises(FileNotFoundError, match="run `make benchmark`"):
        benchmark.load_result(toy)
    assert not benchmark.is_current(toy)
    path = benchmark.run_task(toy)
    result = benchmark.load_result(toy)
    assert result["runs"] == ["covtut.evaluation.metrics"] * 3 and result["name"] == "toy"
    assert result["config"] == {"n": 3} and result["command"] == "python -m toy_task"
    assert "covtut.evaluation.metrics" in result["modules"] and result["wall_seconds"] >= 0
    assert benchmark.is_current(toy) and path.exists()
    monkeypatch.setattr(toy, "CONFIG", {"n": 4})
    assert not benchmark.is_current(toy)
    with pytest.raises(benchmark.StaleResultError, match="rerun `make benchmark`"):
        benchmark.load_result(toy)
    monkeypatch.setenv("COVTUT_STALE_OK", "1")  # the developer's switch: a warning
    with pytest.warns(UserWarning, match="stale"):
        assert benchmark.load_result(toy)["runs"]


def test_run_task_writes_nothing_when_the_code_changes_during_the_run(toy, tmp_path):
    def full_run():
        (tmp_path / "toy_task.py").write_text(
            (tmp_path / "toy_task.py").read_text() + "EDITED = 1\n")
        return {}

    toy.full_run = full_run
    with pytest.raises(RuntimeError, match="changed on disk during the run"):
        benchmark.run_task(toy)
    assert not (tmp_path / "toy.json").exists()


def test_environment_names_versions_and_machine():
    env = benchmark.environment()
    assert env["covtut"] == covtut.__version__ and env["cpu_count"] >= 1
    json.dumps(env)  # storable as it is


def test_the_command_lists_which_results_are_stale():
    out = subprocess.run([sys.executable, "-m", "covtut.tasks", "--list"], capture_output=True,
                         text=True, check=True).stdout
    for task in TASKS:
        assert task.__name__.removeprefix("covtut.tasks.") in out
    bad = subprocess.run([sys.executable, "-m", "covtut.tasks", "nope"], capture_output=True,
                         text=True)
    assert bad.returncode != 0 and "unknown tasks" in bad.stderr
