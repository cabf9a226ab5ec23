"""``python -m covtut.tasks``: rerun the tasks whose committed results are stale.

``make benchmark`` calls it. Each stale task runs as its own process
(``python -m covtut.tasks.<name>``, one torch thread), at most ``--jobs`` at a time, the
longest first; each one's time is printed when it ends, and the total at the end.

    python -m covtut.tasks                 # the stale ones, two at a time
    python -m covtut.tasks --list          # which are stale, without running
    python -m covtut.tasks --all --jobs 1  # every task, one after the other
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time

from covtut.tasks.benchmark import is_current

#: The tasks with a committed result, longest first, with their minutes each, measured two
#: at a time on a 2-core CPU without AVX-512 (2026-12-03; a CPU with AVX-512 took about half).
#: The order and the minutes only plan the run: each result records its own time.
TASKS: dict[str, int] = {"aus_retail_tuning": 70, "regimes": 53, "pedestrian": 30,
                         "aus_retail.recipe": 25, "aus_retail": 20, "vic_elec": 19,
                         "pedestrian.sizes": 13, "vic_elec.recipe": 9}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m covtut.tasks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"tasks to consider (default all: {TASKS})")
    parser.add_argument("--jobs", type=int, default=2, help="tasks run at once (default 2)")
    parser.add_argument("--all", action="store_true", help="rerun current results too")
    parser.add_argument("--list", action="store_true", help="say which are stale; run nothing")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(TASKS))
    if unknown:
        parser.error(f"unknown tasks {unknown}; valid: {list(TASKS)}")
    names = [n for n in TASKS if not args.names or n in args.names]
    stale = [n for n in names
             if args.all or not is_current(importlib.import_module(f"covtut.tasks.{n}"))]
    for n in names:
        print(f"{n:20s} {'stale' if n in stale else 'current'}"
              f" (about {TASKS[n]} min)", flush=True)
    if args.list or not stale:
        return 0
    start, waiting, running, failed = time.perf_counter(), list(stale), {}, []
    while waiting or running:
        while waiting and len(running) < max(1, args.jobs):
            n = waiting.pop(0)  # TASKS lists the longest first
            running[n] = (subprocess.Popen([sys.executable, "-m", f"covtut.tasks.{n}"]),
                          time.perf_counter())
        time.sleep(1)
        for n, (proc, began) in list(running.items()):
            if proc.poll() is not None:
                del running[n]
                took = (time.perf_counter() - began) / 60
                print(f"== {n}: {'done' if proc.returncode == 0 else 'FAILED'} "
                      f"in {took:.1f} min", flush=True)
                if proc.returncode:
                    failed.append(n)
    print(f"== {len(stale) - len(failed)} of {len(stale)} reran in "
          f"{(time.perf_counter() - start) / 60:.1f} min", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
