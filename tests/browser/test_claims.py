"""The summaries' claims against the verdicts they summarise, on the same run.

The intro (and any page of prose without code) states verdicts that the chapters compute.
Each such sentence is followed in its Markdown source by a comment line

    % claim: 08_day_ahead_demand best_vs_ref == "is not separated from"

naming the chapter, one of its glued values and what the sentence says it is. This test
reads the glued values from the executed chapters of this build and checks every claim,
so a rerun that changes a verdict fails here until the sentence is rewritten.
"""

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PAGES = ["book/intro.md"]
CLAIM = re.compile(r"^%\s*claim:\s*(\S+)\s+(\w+)\s*(==|!=|<|>|in|contains)\s*(.+?)\s*$")


def claims() -> list[tuple[str, str, str, str, object]]:
    out = []
    for page in PAGES:
        for line in (ROOT / page).read_text().splitlines():
            m = CLAIM.match(line)
            if m:
                chapter, name, op, value = m.groups()
                out.append((page, chapter, name, op, ast.literal_eval(value)))
    return out


def executed(chapter: str) -> dict:
    """The chapter's glued values, from the executed notebook of this build."""
    for path in (ROOT / "book" / f"{chapter}.ipynb",
                 ROOT / "_build" / "jupyter_execute" / "book" / f"{chapter}.ipynb"):
        if not path.exists():
            continue
        values = {}
        for cell in json.loads(path.read_text())["cells"]:
            for out in cell.get("outputs", []):
                name = out.get("metadata", {}).get("scrapbook", {}).get("name")
                text = out.get("data", {}).get("application/papermill.record/text/plain")
                if name and text is not None:
                    values[name] = ast.literal_eval(text)
        if values:
            return values
    raise AssertionError(f"no executed {chapter}.ipynb with glued values in book/ or "
                         "_build/jupyter_execute/: build the book first")


def test_the_pages_make_claims():
    assert len(claims()) >= 10


@pytest.mark.parametrize("page,chapter,name,op,expected", claims(),
                         ids=[f"{c[1]}:{c[2]}" for c in claims()])
def test_claim_holds(page, chapter, name, op, expected):
    values = executed(chapter)
    assert name in values, f"{page}: {chapter} glues no value named {name!r}"
    actual = values[name]
    ok = {"==": lambda: actual == expected, "!=": lambda: actual != expected,
          "<": lambda: actual < expected, ">": lambda: actual > expected,
          "in": lambda: actual in expected, "contains": lambda: expected in actual}[op]()
    assert ok, (f"{page} claims {chapter}'s {name} {op} {expected!r}, but this build "
                f"glued {actual!r}: rewrite the sentence above the claim")
