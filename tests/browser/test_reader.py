"""The built book as a reader sees it: links, outputs, markup, figures, index and search.

The static checks read the built HTML with BeautifulSoup (every page reachable from the
front page, all of it, hidden solutions included); the index and the search run in
Chromium, since a reader's search is JavaScript.
"""

import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from test_pages import chapters

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SKIP_SCHEMES = ("http", "https", "mailto", "javascript", "data")
# raw MyST that did not render: a role or directive name in braces, a fence, an option
RAW_MYST = re.compile(r"\{(?:glue|doc|ref|term|cite|numref|eq|download|exercise|solution)"
                      r"[a-z:-]*\}|```|^:(?:label|class|name|alt):", re.M)
NOT_PROSE = ["pre", "code", "script", "style", "mjx-container", "textarea"]


@cache
def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def local_target(page: Path, url: str) -> tuple[Path, str] | None:
    """The file and fragment a relative URL on `page` points to (None if external)."""
    parts = urlsplit(url)
    if parts.scheme in SKIP_SCHEMES or parts.netloc:
        return None
    if parts.scheme == "file":
        return Path(unquote(parts.path)), parts.fragment
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    return target, unquote(parts.fragment)


@cache
def pages() -> tuple[Path, ...]:
    """Every HTML page reachable from the front page through the book's own links."""
    # the front page redirects to the intro; the index and the search page are reached by
    # the theme's search box and the API pages, so they start the crawl too
    seen = set()
    todo = [HTML / name for name in ("index.html", "book/intro.html", "genindex.html",
                                     "search.html")]
    while todo:
        page = todo.pop().resolve()
        if page in seen or not page.exists():
            continue
        seen.add(page)
        for a in soup(page).find_all("a", href=True):
            target = local_target(page, a["href"])
            if target and target[0].suffix == ".html" and HTML.resolve() in target[0].parents:
                todo.append(target[0])
    return tuple(sorted(seen))


def chapter_pages() -> list[Path]:
    return sorted((HTML / "book").glob("[0-9][0-9]_*.html"))


def test_the_crawl_reaches_every_page_of_the_table_of_contents():
    docs = chapters()  # every file of _toc.yml
    found = {p.relative_to(HTML.resolve()).with_suffix("").as_posix() for p in pages()}
    missing = [d for d in docs if d not in found]
    assert not missing, f"pages in _toc.yml that no link reaches: {missing}"


def test_no_internal_link_or_asset_is_broken():
    broken = []
    for page in pages():
        doc = soup(page)
        refs = [(t.name, t.get("href")) for t in doc.find_all(["a", "link"], href=True)]
        refs += [(t.name, t.get("src")) for t in doc.find_all(["img", "script", "source"],
                                                               src=True)]
        for tag, url in refs:
            if not url or url == "#":
                continue
            target = local_target(page, url)
            if target is None:
                continue
            path, fragment = target
            name = page.relative_to(HTML.resolve())
            if not path.exists():
                broken.append(f"{name}: <{tag}> {url} (no such file)")
            elif fragment and path.suffix == ".html" and tag == "a":
                if soup(path).find(id=fragment) is None:
                    broken.append(f"{name}: <a> {url} (no #{fragment} in the page)")
    assert not broken, f"{len(broken)} broken links or assets:\n" + "\n".join(broken[:40])


@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_outputs_show_no_tracebacks_or_warnings_outside_expected_errors(page):
    # An error output (a traceback box) and anything a cell wrote to stderr (warnings go
    # there; the book shows stderr) may appear only in a cell tagged raises-exception
    # (test_errors.py checks that those show only the error's last lines). Text a cell
    # prints on purpose is its content.
    problems = []
    for k, cell in enumerate(soup(page).select("div.cell")):
        expected = "tag_raises-exception" in cell.get("class", [])
        for out in cell.select("div.cell_output .output.traceback, div.cell_output .output.stderr"):
            kind = "traceback" if "traceback" in out["class"] else "stderr"
            lines = [line for line in out.get_text("\n").splitlines() if line.strip()]
            if not expected:
                problems.append(f"cell {k}: {kind} output in a cell not tagged "
                                f"raises-exception: {' '.join(lines)[:160]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", [p for p in pages() if "_modules" not in p.parts],
                         ids=lambda p: p.stem)
def test_no_raw_myst_markup_or_unresolved_glue(page):
    doc = BeautifulSoup(str(soup(page).find("article") or soup(page)), "html.parser")
    for tag in doc.find_all(NOT_PROSE):
        tag.decompose()
    for tag in doc.select(".highlight, .math, .sig, .cell_input"):
        tag.decompose()
    text = doc.get_text(" ")
    found = [m.group(0) for m in RAW_MYST.finditer(text)]
    assert not found, f"raw markup in the rendered page: {found[:10]}"
    unresolved = [s.get_text() for s in doc.select("span.pasted-text, span.pasted-inline")
                  if not s.get_text().strip() and not s.find("img")]
    assert not unresolved, f"{len(unresolved)} glued values render empty"


FILE_NAME = re.compile(r"^[0-9a-f]{12,}|\.(png|svg|jpe?g)$", re.I)


@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_every_figure_has_alt_text_and_a_caption(page):
    problems = []
    for k, img in enumerate(soup(page).select("article img")):
        alt = (img.get("alt") or "").strip()
        if len(alt) < 20 or FILE_NAME.search(alt):
            problems.append(f"image {k} ({img.get('src')}): alt text {alt!r}")
        figure = img.find_parent("figure")
        caption = figure.find("figcaption") if figure else None
        if caption is None or len(caption.get_text(strip=True)) < 20:
            problems.append(f"image {k} ({img.get('src')}): no caption")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_exercises_and_figures_are_numbered_by_chapter(page):
    chapter = int(page.stem[:2])
    titles = [t.get_text(" ", strip=True) for t in
              soup(page).select("div.exercise > p.admonition-title")]
    assert titles, "no exercise titles"
    numbers = [re.match(r"Exercise (\d+)\.(\d+)", t) for t in titles]
    assert all(numbers), f"exercise titles not numbered by chapter: {titles}"
    assert [(int(m[1]), int(m[2])) for m in numbers] == [
        (chapter, k) for k in range(1, len(titles) + 1)]
    for caption in soup(page).select("figcaption .caption-number"):
        assert caption.get_text().startswith(f"Fig. {chapter}."), caption.get_text()


def test_every_chapter_has_a_student_copy_without_solutions():
    chapters = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    for source in chapters:
        copy = HTML / "student" / source.name
        assert copy.exists(), f"no student copy of {source.name}"
        cells = json.loads(copy.read_text())["cells"]
        text = "".join("".join(c["source"]) for c in cells)
        assert "solution-start" not in text and "{exercise}" in text
    plan = soup(HTML / "book" / "course_plan.html")
    links = {a["href"] for a in plan.find_all("a", href=True)}
    for source in chapters:
        assert f"../student/{source.name}" in links, f"the teacher's page lacks {source.name}"
        assert f"../_sources/book/{source.name}" in links


def test_the_index_lists_the_package(page):
    page.goto((HTML / "genindex.html").as_uri())
    page.wait_for_load_state("load")
    entries = page.locator("article table.indextable a")
    assert entries.count() >= 50, f"the index has {entries.count()} entries"
    text = page.locator("article").inner_text()
    for name in ("fit()", "Batch", "from_dataframe()"):
        assert name in text, f"{name} is not in the index"
    entries.filter(has_text="fit()").first.click()
    page.wait_for_load_state("load")
    assert "api" in page.url


@pytest.mark.parametrize("query, page_name", [("embedding", "03_embeddings"),
                                              ("teacher forcing", "07_encoder_decoder")])
def test_search_finds_the_chapter(page, query, page_name):
    page.goto((HTML / "search.html").as_uri() + f"?q={query.replace(' ', '+')}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=20000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any(page_name in (h or "") for h in hrefs), f"{query!r} found {hrefs[:8]}"
