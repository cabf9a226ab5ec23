"""The book's real-data tasks, each defined exactly by its protocol file.

One module per task: loading the table, the split, the features, the baselines, the
models of the chapter and its full-budget run (``python -m covtut.tasks.<name>``, which
``make benchmark`` runs and which writes ``covtut/results/<name>.json``; see
:mod:`covtut.benchmark`).
"""
