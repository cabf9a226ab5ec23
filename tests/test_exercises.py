"""The graded exercises: levels, per-chapter numbers, student copies and measured times."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

from chapter_numbers import chapter_of, renumber  # noqa: E402
from exercises import FENCE, LEVELS, TIMES, exercises, student_copy  # noqa: E402

CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def md(text: str, cid: str) -> dict:
    return {"cell_type": "markdown", "id": cid, "metadata": {}, "source": text}


def code(text: str, cid: str) -> dict:
    return {"cell_type": "code", "id": cid, "metadata": {}, "source": text,
            "outputs": [], "execution_count": None}


TOY = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    code("%pip install covtut", "install"),
    md("# A chapter\n\nText.", "title"),
    code("x = 1", "body"),
    md("## Exercises\n\n```{exercise}\n:label: toy-a\n*(Check your understanding, 5 minutes.)*"
       " Why?\n```\n\n```{solution-start} toy-a\n:class: dropdown\n```\nBecause.", "ex-a"),
    code("assert x == 1", "sol-a"),
    md("Indeed.\n\n```{solution-end}\n```\n\n```{exercise}\n:label: toy-b\n"
       "*(Homework, open-ended, 1 to 3 hours.)* Go further.\n```\n\n"
       "```{solution-start} toy-b\n:class: dropdown\n```", "ex-b"),
    md("A good answer ...\n\n```{solution-end}\n```", "end-b"),
]}


def test_the_toy_chapter_reads_as_two_graded_exercises():
    found = exercises(TOY)
    assert [(e.label, e.number, e.level, e.minutes) for e in found] == [
        ("toy-a", 1, LEVELS[0], (5, 5)), ("toy-b", 2, LEVELS[3], (60, 180))]
    assert found[0].solution_cells == [4] and found[1].solution_cells == []
    assert found[1].homework and not found[0].homework


def test_an_exercise_without_a_level_marker_is_refused_by_name():
    nb = {"cells": [md("```{exercise}\n:label: toy-c\nJust do it.\n```", "c")]}
    with pytest.raises(ValueError, match=r"ch\.ipynb: exercise 'toy-c' must start with a level"):
        exercises(nb, "ch.ipynb")


def test_the_student_copy_drops_solutions_and_keeps_everything_else():
    copy = student_copy(TOY, full_copy_url="https://example.org/ch.ipynb")
    text = "\n".join("".join(c["source"]) for c in copy["cells"])
    assert "solution-" not in text and "Because" not in text and "A good answer" not in text
    assert "assert x == 1" not in text
    assert [e.label for e in exercises(copy)] == ["toy-a", "toy-b"]
    assert copy["cells"][0] == TOY["cells"][0]  # the install cell, as it is
    assert "Student copy" in "".join(copy["cells"][1]["source"])
    assert "https://example.org/ch.ipynb" in "".join(copy["cells"][1]["source"])
    ids = [c["id"] for c in copy["cells"]]
    assert len(ids) == len(set(ids))
    answers = [i for i, c in enumerate(copy["cells"]) if "Your answer" in "".join(c["source"])]
    assert len(answers) == 2
    for i, label in zip(answers, ["toy-a", "toy-b"], strict=True):  # each after its exercise
        assert f":label: {label}" in "".join(copy["cells"][i - 1]["source"])
        assert copy["cells"][i + 1]["cell_type"] == "code" and not copy["cells"][i + 1]["source"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_grades_its_exercises_from_a_check_to_homework(path):
    found = exercises(load(path), path.name)
    levels = [e.level for e in found]
    assert len(found) >= 3, f"{path.name}: {len(found)} exercises"
    assert LEVELS[0] in levels, f"{path.name}: no 'Check your understanding' exercise"
    assert LEVELS[-1] in levels, f"{path.name}: no open-ended homework"
    assert [e.number for e in found] == list(range(1, len(found) + 1))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_student_copy_keeps_the_chapters_code_and_drops_every_solution(path):
    nb = load(path)
    solved = {i for e in exercises(nb, path.name) for i in e.solution_cells}
    body = [c["source"] for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "code" and i not in solved]
    copy = student_copy(nb, chapter=chapter_of(path.name))
    assert f"exercise {chapter_of(path.name)}.1" in json.dumps(copy)
    kept = [c["source"] for c in copy["cells"] if c["cell_type"] == "code" and c["source"]]
    assert kept == body, "the student copy must run the chapter's code as it is"
    assert not any(FENCE.search("".join(c["source"])) for c in copy["cells"])
    assert [e.label for e in exercises(copy)] == [e.label for e in exercises(nb)]


def test_the_measured_times_cover_exactly_the_current_exercises():
    times = json.loads(TIMES.read_text())["chapters"]
    assert sorted(times) == [p.stem for p in CHAPTERS], "run `make exercise-times`"
    for path in CHAPTERS:
        labels = [e.label for e in exercises(load(path), path.name)]
        measured = times[path.stem]
        assert list(measured["solutions"]) == labels, (
            f"{path.name}: exercise_times.json is stale; run `make exercise-times`")
        assert measured["seconds"] > 0
        assert all(s >= 0 for s in measured["solutions"].values())
        assert sum(measured["solutions"].values()) <= measured["seconds"]


def test_numbers_restart_in_each_chapter_in_document_order():
    assert chapter_of("book/03_embeddings") == 3 and chapter_of("book/glossary") is None
    numbers = {"exercise": {"b": (7,), "a": (6,), "c": (8,)}, "figure": {"f": (12,)}}
    assert renumber(numbers, 3) == {"exercise": {"a": (3, 1), "b": (3, 2), "c": (3, 3)},
                                    "figure": {"f": (3, 1)}}
