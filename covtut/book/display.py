"""How a notebook shows an error it means to show: by its last line, not 80 lines of torch.

Introduced in chapter "Covariates and their shapes".
"""

from __future__ import annotations

__all__ = ["brief_error"]


def brief_error() -> None:
    """Show an error raised by the rest of the running cell as its last line only.

    Call it first in a cell tagged ``raises-exception``: the error still stops the cell,
    but the reader sees ``LeakageError: ...`` instead of a traceback through library
    internals with local paths. The usual traceback returns for the next cell. Outside
    IPython it does nothing.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    previous = shell.InteractiveTB.mode
    shell.InteractiveTB.set_mode("Minimal")

    def restore(*_: object) -> None:
        shell.InteractiveTB.set_mode(previous)
        shell.events.unregister("post_run_cell", restore)

    shell.events.register("post_run_cell", restore)
