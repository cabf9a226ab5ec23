"""Cells that are meant to fail show the error, in a line or two, with no local paths."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"


def chapters_with_expected_errors() -> list[str]:
    found = []
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        if any("raises-exception" in c["metadata"].get("tags", []) for c in cells):
            found.append(path.stem)
    return found


def test_some_chapter_shows_an_expected_error():
    assert chapters_with_expected_errors(), "no cell tagged raises-exception: is the tag lost?"


@pytest.mark.parametrize("name", chapters_with_expected_errors())
def test_expected_errors_are_shown_briefly(page, name):
    page.goto((HTML / "book" / f"{name}.html").as_uri())
    page.wait_for_load_state("load")
    cells = page.locator("div.cell.tag_raises-exception")
    assert cells.count() >= 1, "the raises-exception tag did not reach the HTML"
    for i in range(cells.count()):
        text = cells.nth(i).locator(".cell_output").inner_text().strip()
        assert "Error" in text, f"cell {i} of {name} is tagged raises-exception but shows no error"
        lines = [line for line in text.splitlines() if line.strip()]
        assert len(lines) <= 4, f"cell {i} of {name} shows {len(lines)} lines of traceback"
        for leak in ("site-packages", "/work/", "/home/", "File \""):
            assert leak not in text, f"cell {i} of {name} shows a local path: {leak!r}"
