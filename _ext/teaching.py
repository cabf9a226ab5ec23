"""The teacher's apparatus in the built book: student copies and the exercise tables.

- Every chapter notebook gets a student copy without the solutions, written beside the
  HTML as ``student/<chapter>.ipynb`` (on Colab a solution is a plain cell a student
  sees at once, so a course hands out these instead).
- ``{notebook-table}`` lists the chapters with their measured run time, the full
  notebook and the student copy; ``{exercise-table}`` lists every exercise with its
  number, level, the student's time and the measured run time of its solution. Both
  read the notebooks at build time and the times from ``book/exercise_times.json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from chapter_numbers import chapter_of
from docutils import nodes
from docutils.parsers.rst import Directive
from exercises import TIMES, exercises, student_copy
from sphinx import addnodes
from sphinx.util import logging

STUDENT_DIR = "student"
LOGGER = logging.getLogger(__name__)


def _chapters(srcdir: Path) -> list[Path]:
    return sorted(p for p in (srcdir / "book").glob("[0-9][0-9]_*.ipynb"))


def _times() -> dict:
    return json.loads(TIMES.read_text()) if TIMES.exists() else {"chapters": {}}


def _plain(text: str, words: int = 12) -> str:
    """A short plain-text start of an exercise, for a table cell."""
    text = re.sub(r"\{[a-z:-]+\}`([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", text)
    text = re.sub(r"[`*]", "", text).replace("$", "")
    cut = text.split()
    return " ".join(cut[:words]) + (" …" if len(cut) > words else "")


def _table(header: list[str], rows: list[list[nodes.Node | str]], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["colwidths-given"])
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=w) for w in widths]
    head, body = nodes.thead(), nodes.tbody()
    group += [head, body]
    for target, cells in [(head, [header]), (body, rows)]:
        for cells_of_row in cells:
            row = nodes.row()
            for cell in cells_of_row:
                entry = nodes.entry()
                para = nodes.paragraph()
                para += cell if isinstance(cell, nodes.Node) else nodes.Text(cell)
                entry += para
                row += entry
            target += row
    return table


def _doc_link(docname: str) -> nodes.Node:
    """A link to a page, with the page's title as its text."""
    ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget="/" + docname,
                                refexplicit=False, refwarn=True)
    ref += nodes.inline(text=docname)
    return ref


def _label_link(label: str, text: str) -> nodes.Node:
    ref = addnodes.pending_xref("", refdomain="std", reftype="ref", reftarget=label,
                                refexplicit=True, refwarn=True)
    ref += nodes.inline(text=text)
    return ref


def _file_link(url: str, text: str) -> nodes.Node:
    return nodes.reference("", text, refuri=url, internal=True)


def _minutes(span: tuple[int, int]) -> str:
    lo, hi = span
    if lo >= 60:
        return f"{lo // 60} h" if lo == hi else f"{lo // 60}-{hi // 60} h"
    return f"{lo} min" if lo == hi else f"{lo}-{hi} min"


def _level(ex) -> str:
    """The level, short, and whether it suits homework."""
    short = {"Check your understanding": "Check", "Homework, open-ended": "Homework"}
    level = short.get(ex.level, ex.level)
    return level if level == "Homework" or not ex.homework else f"{level}, homework"


def _seconds(run: float | None, has_code: bool) -> str:
    if not has_code:
        return "no code"
    if run is None:
        return "not measured"
    return "< 1 s" if run < 0.5 else f"{run:.0f} s"


class NotebookTable(Directive):
    """Each chapter: its measured run time, the full notebook and the student copy."""

    def run(self):
        env = self.state.document.settings.env
        up = "../" * env.docname.count("/")
        env.note_dependency(str(TIMES))
        times = _times()["chapters"]
        rows = []
        for path in _chapters(Path(env.srcdir)):
            doc = f"book/{path.stem}"
            seconds = times.get(path.stem, {}).get("seconds")
            rows.append([str(chapter_of(doc)), _doc_link(doc),
                         f"{seconds:.0f} s" if seconds is not None else "not measured",
                         _file_link(f"{up}_sources/{doc}.ipynb", "with solutions"),
                         _file_link(f"{up}{STUDENT_DIR}/{path.stem}.ipynb", "student copy")])
        return [_table(["", "chapter", "runs in", "notebook", "for students"], rows,
                       [4, 52, 12, 16, 16])]


class ExerciseTable(Directive):
    """Every exercise: number, level, the student's time, its solution's run time."""

    def run(self):
        env = self.state.document.settings.env
        measured = _times()
        env.note_dependency(str(TIMES))
        times = measured["chapters"]
        rows = []
        for path in _chapters(Path(env.srcdir)):
            env.note_dependency(str(path))
            chapter = chapter_of(path.name)
            solved = times.get(path.stem, {}).get("solutions", {})
            try:
                found = exercises(json.loads(path.read_text()), path.name)
            except ValueError as err:  # a warning, which CI's -W build turns into an error
                LOGGER.warning(str(err), location=self.state_machine.get_source_and_line())
                continue
            for ex in found:
                run = solved.get(ex.label)
                rows.append([_label_link(ex.label, f"{chapter}.{ex.number}"),
                             _plain(ex.text, words=10), _level(ex), _minutes(ex.minutes),
                             _seconds(run, bool(ex.solution_cells))])
        how = nodes.paragraph(text=(
            f"Solution run times: measured on {measured['measured']}, from the "
            f"{measured['how']} (book/exercise_times.json)." if "measured" in measured
            else "Solution run times: not measured yet (see _ext/exercises.py)."))
        return [how, _table(["", "exercise", "level", "student's time", "solution runs in"],
                            rows, [6, 52, 16, 13, 13])]


def _write_student_copies(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    options = app.config.html_theme_options or {}
    repo = str(options.get("repository_url", "")).rstrip("/")
    branch = options.get("repository_branch", "main")
    target = Path(app.outdir) / STUDENT_DIR
    target.mkdir(parents=True, exist_ok=True)
    for path in _chapters(Path(app.srcdir)):
        url = f"{repo}/blob/{branch}/book/{path.name}" if repo else None
        copy = student_copy(json.loads(path.read_text()), full_copy_url=url,
                            chapter=chapter_of(path.name))
        (target / path.name).write_text(json.dumps(copy, indent=1, ensure_ascii=False) + "\n")


def setup(app):
    app.add_directive("notebook-table", NotebookTable)
    app.add_directive("exercise-table", ExerciseTable)
    app.connect("build-finished", _write_student_copies)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
