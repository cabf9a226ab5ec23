"""Number figures and exercises per chapter: "Exercise 3.2", "Fig. 8.1".

Sphinx numbers each kind of numbered element (figures, tables, code blocks, and
sphinx-exercise's exercises) with one counter for the whole book unless the table of
contents is numbered, and a numbered table of contents with parts restarts at 1 in
every part. A chapter's number here is the two digits its file name starts with
(``book/03_embeddings.ipynb`` is chapter 3), the number a reader also sees in the file
a notebook downloads as; pages without such a prefix keep Sphinx's numbering.
"""

from __future__ import annotations

import re

CHAPTER = re.compile(r"(?:^|/)(\d\d)_[^/]*$")


def chapter_of(docname: str) -> int | None:
    """The chapter number of a document, from its file name (``None`` if it has none)."""
    match = CHAPTER.search(docname)
    return int(match.group(1)) if match else None


def renumber(fignumbers: dict[str, dict[str, tuple[int, ...]]], chapter: int) -> dict:
    """One document's numbers, ``{kind: {id: number}}``, as ``(chapter, 1), (chapter, 2)``.

    The order within a kind is the order Sphinx numbered them in: the document's order.
    """
    return {kind: {node_id: (chapter, k) for k, (node_id, _) in
                   enumerate(sorted(numbers.items(), key=lambda item: item[1]), start=1)}
            for kind, numbers in fignumbers.items()}


def _per_chapter(app, env) -> list[str]:
    for docname, fignumbers in env.toc_fignumbers.items():
        chapter = chapter_of(docname)
        if chapter is not None:
            env.toc_fignumbers[docname] = renumber(fignumbers, chapter)
    return []


def setup(app):
    # after Sphinx's TocTreeCollector has assigned the book-wide numbers (priority 500)
    app.connect("env-get-updated", _per_chapter, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
