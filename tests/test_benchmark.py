"""covtut.tasks.benchmark: the hash that ties a committed result to the code that produced it."""

import json

import pytest

import covtut
from covtut.evaluation import metrics
from covtut.tasks import benchmark
from covtut.training import trainer as train


def test_code_hash_changes_with_config_and_with_code(monkeypatch):
    base = benchmark.code_hash({"lr": 1e-3, "seeds": [0, 1, 2]}, [train, metrics])
    assert base == benchmark.code_hash({"seeds": [0, 1, 2], "lr": 1e-3}, [metrics, train])
    assert base != benchmark.code_hash({"lr": 2e-3, "seeds": [0, 1, 2]}, [train, metrics])
    src = benchmark._source(train)
    monkeypatch.setattr(benchmark, "_source",
                        lambda m: src + "# edited\n" if m is train else src)
    assert base != benchmark.code_hash({"lr": 1e-3, "seeds": [0, 1, 2]}, [train, metrics])


def test_load_result_refuses_a_stale_result(tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark, "result_path", lambda name: tmp_path / f"{name}.json")
    config = {"epochs": 3}
    with pytest.raises(FileNotFoundError, match="run `make benchmark`"):
        benchmark.load_result("demo", config, [train])
    benchmark.save_result("demo", {"code_hash": benchmark.code_hash(config, [train]), "mae": 1.0},
                          tmp_path / "demo.json")
    assert benchmark.load_result("demo", config, [train])["mae"] == 1.0
    with pytest.raises(benchmark.StaleResultError, match="rerun `make benchmark`"):
        benchmark.load_result("demo", {"epochs": 4}, [train])


def test_environment_names_versions_and_machine():
    env = benchmark.environment()
    assert env["covtut"] == covtut.__version__ and env["cpu_count"] >= 1
    json.dumps(env)  # storable as it is


def test_code_hash_of_single_functions_ignores_the_rest_of_their_module():
    from covtut.tasks import vic_elec

    h = benchmark.code_hash({}, [vic_elec.prepare, vic_elec.Task])
    assert h == benchmark.code_hash({}, [vic_elec.Task, vic_elec.prepare])
    assert h != benchmark.code_hash({}, [vic_elec.prepare])
    assert benchmark._name(vic_elec.Task) == "covtut.tasks.vic_elec.Task"
