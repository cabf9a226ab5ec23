"""The book's real-data tasks, each defined exactly by its protocol page in the book.

One module per task: loading the table, the split, the features, the baselines, the
models of the chapter and its full-budget run (``python -m covtut.tasks.<name>``, which
``make benchmark`` runs and which writes ``covtut/tasks/results/<name>.json``; see
:mod:`covtut.tasks.benchmark`), and :mod:`covtut.tasks.peers`, the established libraries' test
forecasts on both protocols.
"""
