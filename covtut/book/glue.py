"""Glue a computed number into the book's prose, and show it where the prose cannot.

Introduced in chapter "Getting started".

The book's sentences cite numbers with MyST's ``{glue:text}`name``` role, which the
HTML build fills from the cell outputs that :func:`glue` writes. This function writes
the same output as ``myst_nb.glue`` (so the book build reads it as before) without
importing ``myst_nb``, which Colab does not have. On Colab, or in any plain Jupyter,
the role stays raw markup, so every code cell that glues also ends with a short
text output listing what it glued: a reader of the notebook sees the numbers that
the reader of the HTML book sees in the sentences.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue", "glue_range", "glued_text"]

# the MIME prefix myst-nb reads for glued values that are not displayed
GLUE_PREFIX = "application/papermill.record/"
_pending: list[tuple[str, Any]] = []  # what the running cell glued, shown when it ends
_hooked = False


def glue(name: str, value: Any, display: bool = False) -> None:
    """Store ``value`` under ``name`` for the prose; show it at the end of the cell.

    Parameters
    ----------
    name
        The key the prose cites: ``{glue:text}`name:.3f```.
    value
        The value. NumPy and torch scalars are stored as plain Python numbers, so the
        stored text is ``0.372`` and not ``np.float64(0.372)``, which MyST cannot format.
    display
        Also display the value where the cell runs, as ``myst_nb.glue`` does. The
        summary line at the end of the cell lists it either way.
    """
    from IPython import get_ipython

    value = _plain(value)
    shell = get_ipython()
    if shell is None:  # a plain Python script: no book reads it, and no cell end comes
        print(glued_text([(name, value)]))
        return
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    bundle, metadata = format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
    _pending.append((name, value))
    _hook(shell)


def glue_range(name: str, values: Any, scale: float = 1.0) -> None:
    """Glue the mean, the smallest and the largest of ``values`` (over seeds, say) as
    ``{name}_mean``, ``{name}_min`` and ``{name}_max``, each times ``scale`` (100: in %).

    ``values``: a sequence, a NumPy array, a pandas Series or a tensor of numbers.
    """
    import numpy as np

    x = scale * np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError(f"glue_range({name!r}): no values")
    for stat in ("mean", "min", "max"):
        glue(f"{name}_{stat}", float(getattr(x, stat)()))


def _plain(value: Any) -> Any:
    """A NumPy or torch scalar as the Python number it holds; anything else unchanged."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return item()
    return value


def glued_text(items: list[tuple[str, Any]], width: int = 88) -> str:
    """Short lines ``glued for the text: a = 0.372 · b = 1.05 ...``, broken between items."""
    def fmt(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    lines, line = [], "glued for the text:"
    for i, (name, value) in enumerate(items):
        item, sep = f"{name} = {fmt(value)}", " " if i == 0 else " · "
        if i and len(line) + len(sep) + len(item) > width:
            lines.append(line)
            line, sep = " ", " "
        line += sep + item
    return "\n".join([*lines, line])


def _hook(shell: Any) -> None:
    """Register, once per kernel, the callback that prints a cell's glued values."""
    global _hooked
    if not _hooked:
        shell.events.register("post_execute", _show_pending)
        _hooked = True


def _show_pending() -> None:
    if _pending:
        print(glued_text(_pending))
        _pending.clear()
