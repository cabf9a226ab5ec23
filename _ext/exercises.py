"""The chapters' exercises, read from the notebooks: levels, solutions, student copies, times.

Every chapter ends with graded exercises in sphinx-exercise's gated form::

    ```{exercise}
    :label: emb-params
    *(Apply, 15 minutes.)* Count the parameters ...
    ```
    ```{solution-start} emb-params
    :class: dropdown
    ```
    (the solution: markdown and code cells)
    ```{solution-end}
    ```

The marker that opens each exercise gives its level and the student's time: *Check your
understanding*, *Apply*, *Analyse*, or *Homework, open-ended* (in hours). This module
reads them (:func:`exercises`), writes a notebook's student copy without the solutions
(:func:`student_copy`), and, run as a script on executed notebooks, measures how long
each solution's code takes to run (``python _ext/exercises.py DIR``, which writes
``book/exercise_times.json``; the teacher's page shows it).
"""

from __future__ import annotations

import copy
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMES = ROOT / "book" / "exercise_times.json"
LEVELS = ("Check your understanding", "Apply", "Analyse", "Homework, open-ended")
EXERCISE = re.compile(r"```\{exercise\}[^\n]*\n:label: (?P<label>\S+)\n(?P<body>.*?)\n```", re.S)
MARKER = re.compile(r"\*\((?P<level>" + "|".join(re.escape(v) for v in LEVELS) + r"), "
                    r"(?P<lo>\d+)(?: to (?P<hi>\d+))? (?P<unit>minutes|hours)\.\)\*")
FENCE = re.compile(r"```\{solution-(?P<kind>start|end)\}[ \t]*(?P<label>\S*)[^\n]*\n"
                   r"(?::[^\n]*\n)*```[ \t]*(?:\n|$)")


@dataclass
class Exercise:
    """One exercise of a chapter, as the notebook states it."""

    label: str
    number: int            # its number within the chapter, from 1
    level: str             # one of LEVELS
    minutes: tuple[int, int]  # the student's time, low and high (equal if one number)
    text: str              # the exercise's text after the marker
    solution_cells: list[int] = field(default_factory=list)  # indices of its code cells

    @property
    def homework(self) -> bool:
        """Whether it suits homework: open-ended, or at least half an hour of work."""
        return self.level == LEVELS[-1] or self.minutes[1] >= 30


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def exercises(nb: dict, name: str = "notebook") -> list[Exercise]:
    """The exercises of one notebook (a dict as ``json.load`` reads it), in order.

    Raises ``ValueError`` naming the notebook and the label when an exercise lacks its
    level marker or its gated solution.
    """
    found: list[Exercise] = []
    open_label = None
    for i, cell in enumerate(nb["cells"]):
        text = _source(cell)
        if cell["cell_type"] == "code":
            if open_label is not None:
                next(e for e in found if e.label == open_label).solution_cells.append(i)
            continue
        if cell["cell_type"] != "markdown":
            continue
        events = sorted([(m.start(), "exercise", m) for m in EXERCISE.finditer(text)]
                        + [(m.start(), m["kind"], m) for m in FENCE.finditer(text)],
                        key=lambda event: event[0])
        for _, kind, m in events:
            if kind == "exercise":
                body = m["body"].strip()
                marker = MARKER.match(body)
                if marker is None:
                    raise ValueError(
                        f"{name}: exercise {m['label']!r} must start with a level marker such "
                        f"as '*(Apply, 15 minutes.)*' (levels: {', '.join(LEVELS)}); it "
                        f"starts with {body[:60]!r}")
                lo = int(marker["lo"])
                hi = int(marker["hi"] or lo)
                scale = 60 if marker["unit"] == "hours" else 1
                found.append(Exercise(m["label"], len(found) + 1, marker["level"],
                                      (lo * scale, hi * scale), body[marker.end():].strip()))
            elif kind == "start":
                if open_label is not None or m["label"] not in {e.label for e in found}:
                    raise ValueError(f"{name}: solution-start {m['label']!r} has no open "
                                     "exercise before it, or the previous one is not closed")
                open_label = m["label"]
            else:
                if open_label is None:
                    raise ValueError(f"{name}: a solution-end without a solution-start")
                open_label = None
    if open_label is not None:
        raise ValueError(f"{name}: the solution of {open_label!r} is not closed")
    return found


def _markdown(text: str, cell_id: str) -> dict:
    lines = text.strip("\n").split("\n")
    return {"cell_type": "markdown", "id": cell_id, "metadata": {},
            "source": [line + "\n" for line in lines[:-1]] + lines[-1:]}


def _blank_code(cell_id: str) -> dict:
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None,
            "outputs": [], "source": []}


def _answer(number: str) -> str:
    return (f"**Your answer to exercise {number}.** *(Its solution is in the book, and in "
            "the chapter's full notebook.)*")


def student_copy(nb: dict, full_copy_url: str | None = None,
                 chapter: int | None = None) -> dict:
    """The notebook without the exercises' solutions, for students to work in.

    Every gated solution (its markdown and its code cells) is removed; each exercise gets a
    cell of its own, followed by an answer cell and an empty code cell. Everything else,
    the chapter's code included, is kept as it is, so the copy runs exactly as the chapter
    does up to the exercises.
    """
    numbers = {e.label: f"{chapter}.{e.number}" if chapter is not None else str(e.number)
               for e in exercises(nb)}
    out = copy.deepcopy(nb)
    cells: list[dict] = []
    inside = False
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            if not inside:
                cells.append(copy.deepcopy(cell))
            continue
        text, pos, kept = _source(cell), 0, []
        for m in FENCE.finditer(text):
            if m["kind"] == "start":
                kept.append(text[pos:m.start()])
                inside = True
            else:
                inside = False
            pos = m.end()
        if not inside:
            kept.append(text[pos:])
        # each exercise in a cell of its own, with the student's cells after it
        text, pos, pieces = "".join(kept), 0, []
        for m in EXERCISE.finditer(text):
            pieces += [("text", text[pos:m.start()]), ("exercise", m.group(0), m["label"])]
            pos = m.end()
        pieces.append(("text", text[pos:]))
        for k, (kind, piece, *label) in enumerate(pieces):
            cid = cell.get("id", "cell") if k == 0 else f"{cell.get('id', 'cell')}-{k}"[:60]
            if kind == "exercise":
                cells += [_markdown(piece, cid), _markdown(_answer(numbers[label[0]]), f"{cid}a"),
                          _blank_code(f"{cid}c")]
            elif piece.strip():
                cells.append(_markdown(piece, cid))
    title = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown")
    note = ("> **Student copy**: the exercises at the end have no solutions here; write "
            "yours in the cells below each one.")
    if full_copy_url:
        note += f" The chapter with solutions: <{full_copy_url}>."
    cells[title] = _markdown(_source(cells[title]) + "\n\n" + note, cells[title]["id"])
    out["cells"] = cells
    return out


def _seconds(cell: dict) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        raise ValueError(f"cell {cell.get('id')} has no execution times: run the notebook "
                         "with nbclient (nbmake, or `jupyter nbconvert --execute`) first")
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def measure(executed: Path) -> dict:
    """Seconds per chapter and per solution, from executed notebooks' cell timings."""
    chapters = {}
    for path in sorted(executed.glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text())
        codes = [c for c in nb["cells"] if c["cell_type"] == "code"]
        chapters[path.stem] = {
            "seconds": round(sum(_seconds(c) for c in codes), 1),
            "solutions": {e.label: round(sum(_seconds(nb["cells"][i]) for i in e.solution_cells), 1)
                          for e in exercises(nb, path.name)}}
    return {"measured": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            "how": "cell execution times that nbclient recorded in make test, on a 2-core "
                   "CPU with one torch thread",
            "chapters": chapters}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python _ext/exercises.py DIR_WITH_EXECUTED_NOTEBOOKS")
    result = measure(Path(sys.argv[1]))
    TIMES.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {TIMES}: {len(result['chapters'])} chapters")
