"""Every chapter page of the built book can be opened on Colab and downloaded.

The expected links are derived from ``_config.yml``'s ``repository`` and
``launch_buttons``, the same settings ``make colab-cell`` writes into the first cells.
"""

import json
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def colab_link(notebook: Path) -> str:
    """``https://colab.research.google.com/github/<org>/<repo>/blob/<branch>/<path>``."""
    repo = CONFIG["repository"]
    url = urlparse(repo["url"])
    assert url.netloc == "github.com", f"Colab opens GitHub repositories, not {repo['url']}"
    org_repo = url.path.strip("/").removesuffix(".git")
    base = CONFIG["launch_buttons"]["colab_url"].rstrip("/")
    path = notebook.relative_to(ROOT).as_posix()
    return f"{base}/github/{org_repo}/blob/{repo.get('branch', 'main')}/{path}"


def open_chapter(page, notebook: Path):
    html = HTML / "book" / f"{notebook.stem}.html"
    assert html.exists(), f"{notebook.name} was not built"
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    return html


def test_expected_links_point_into_the_checkout():
    link = colab_link(NOTEBOOKS[0])
    assert "/./" not in link and "//" not in link.removeprefix("https://")
    path = link.split(f"/blob/{CONFIG['repository'].get('branch', 'main')}/", 1)[1]
    assert (ROOT / path).is_file(), f"{path} is not a file of the checkout"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_colab_repository_and_download_buttons(page, notebook):
    html = open_chapter(page, notebook)
    expected = colab_link(notebook)
    assert (ROOT / expected.split("/blob/", 1)[1].split("/", 1)[1]).is_file()
    colab = page.locator('a[href^="https://colab.research.google.com/"]')
    assert colab.count() == 1, f"{colab.count()} Colab links"
    assert colab.get_attribute("href") == expected
    # the launch menu opens on a click and shows the Colab link
    page.locator(".dropdown-launch-buttons button.dropdown-toggle").click()
    colab.wait_for(state="visible", timeout=5000)

    repo = page.locator(f'a.btn-source-repository-button[href="{CONFIG["repository"]["url"]}"]')
    assert repo.count() == 1, "no repository button"

    download = page.locator(".dropdown-download-buttons a.btn-download-source-button")
    assert download.count() == 1, "no download button"
    href = download.get_attribute("href")
    assert href.endswith(f"{notebook.stem}.ipynb"), href
    target = Path(urlparse(urljoin(html.as_uri(), href)).path)
    assert target.is_file(), f"the download button points at {target}, which was not built"
    downloaded = json.loads(target.read_text())
    first = next(c for c in downloaded["cells"] if c["cell_type"] == "code")
    source = json.loads(notebook.read_text())
    assert first == next(c for c in source["cells"] if c["cell_type"] == "code"), (
        "the downloaded notebook does not start with the chapter's setup cell")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_setup_cell_hidden_and_glued_values_shown(page, notebook):
    open_chapter(page, notebook)
    cells = page.locator("article div.cell")
    setup = cells.first
    assert "tag_hide-input" in setup.get_attribute("class"), "the first cell is not hide-input"
    assert "tag_colab-setup" in setup.get_attribute("class")
    code = setup.locator(".cell_input")
    assert code.is_hidden(), "the setup cell's code is shown open"
    assert "is ready" in setup.locator(".cell_output").inner_text()
    setup.locator("details.hide > summary").click()
    code.wait_for(state="visible", timeout=5000)
    assert "COVTUT_SOURCE" in code.inner_text()

    text = page.locator("article").inner_text()
    assert "{glue" not in text, "a glue role left unrendered"
    glued = page.locator("article .cell_output", has_text="glued for the text:")
    assert glued.count() >= 1, "no line of glued values printed by covtut.book.glue"
    assert "=" in glued.first.inner_text()
