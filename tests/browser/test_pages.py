"""Open every chapter of the built book in Chromium, as a reader would."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"


def chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part["chapters"]:
            files += [chapter["file"]] + [s["file"] for s in chapter.get("sections", [])]
    return files


@pytest.mark.parametrize("doc", chapters())
def test_chapter_renders(page, doc):
    path = HTML / f"{doc}.html"
    assert path.exists(), f"{doc} is in _toc.yml but was not built"
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert page.locator("h1").count() >= 1, "no title"
    if Path(doc).name[:2].isdigit():  # a notebook: it was executed, so it has outputs
        assert page.locator("article .cell_output").count() >= 1, "no cell output"
    if page.locator("article .math").count():  # equations are typeset, offline too
        page.wait_for_function(
            "document.querySelectorAll('article mjx-container').length >= "
            "document.querySelectorAll('article .math').length", timeout=15000)
    broken = page.evaluate(
        "Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0)"
        ".map(i => i.src)")
    assert not broken, f"images that do not load: {broken}"
    # Jupyter Book 1 adds sphinx-thebe's config script twice; harmless, and not ours
    errors = [e for e in page.errors if "THEBE_JS_URL" not in e]
    assert not errors, f"JavaScript errors: {errors}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{Path(doc).name}.png"), full_page=False)


@pytest.mark.parametrize("doc", [d for d in chapters() if Path(d).name[:2].isdigit()])
def test_chapter_has_figures_and_hidden_solutions(page, doc):
    page.goto((HTML / f"{doc}.html").as_uri())
    page.wait_for_load_state("load")
    assert page.locator("article img").count() >= 1, "a chapter without a figure"
    exercises = page.locator("div.exercise")
    solutions = page.locator("div.solution")
    assert exercises.count() >= 3, f"{exercises.count()} exercises, expected at least 3"
    assert solutions.count() >= 3, f"{solutions.count()} solutions, expected at least 3"
    # solutions are collapsed until the reader opens them, and open on a click
    page.wait_for_selector("div.solution.toggle-hidden", state="attached", timeout=5000)
    first = solutions.first
    code = first.locator("pre, p:not(.admonition-title)").first
    assert code.is_hidden(), "solution shown open"
    first.locator(".admonition-title").click()
    code.wait_for(state="visible", timeout=5000)
