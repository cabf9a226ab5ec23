"""Serve MathJax from the built book itself, so equations render without a network.

Sphinx loads MathJax from a CDN by default: a reader offline, or a browser test on a
machine without internet, then sees raw LaTeX. This extension copies MathJax 3's
SVG build with every TeX extension preloaded (one 2.3 MB file: nothing is fetched
later, not even ``\\color``) from the ``django-static-mathjax`` wheel, which ships
MathJax's files and nothing else, into ``_static/mathjax/`` and points Sphinx at it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import mathjax  # the django-static-mathjax distribution; no Django needed

BUNDLE = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg-full.js"
TARGET = "mathjax/tex-svg-full.js"  # relative to _static


def _use_local(app, config) -> None:
    config.mathjax_path = TARGET


def _copy(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        dest = Path(app.outdir) / "_static" / TARGET
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BUNDLE, dest)


def setup(app):
    if not BUNDLE.exists():
        raise FileNotFoundError(f"MathJax bundle not found at {BUNDLE}")
    app.connect("config-inited", _use_local, priority=900)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
