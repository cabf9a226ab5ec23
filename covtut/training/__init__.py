"""Fitting a model and forecasting with it: :func:`~covtut.training.trainer.fit`, on one process
or, through the same loop, on several (:mod:`covtut.training.parallel`).
"""
