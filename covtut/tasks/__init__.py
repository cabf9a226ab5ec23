"""The book's real-data tasks, each defined exactly by its protocol page in the book.

One module or package per task: loading the table, the split, the features, the
baselines, the models of the chapter and its full-budget run (``python -m
covtut.tasks.<name>``, which writes ``covtut/tasks/results/<name>.json``). Every task
exposes the same names (``NAME``, ``full_config``, ``full_run``, ``load``, ``main``;
see :mod:`covtut.tasks.benchmark`, which makes and checks the committed results), and
``python -m covtut.tasks`` (``make benchmark``) reruns the stale ones.
:mod:`covtut.tasks.peers` holds the established libraries' test forecasts on both
protocols.
"""
