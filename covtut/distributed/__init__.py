"""The command ``python -m covtut.distributed``: the retail model trained on several processes.

Launched by ``torchrun`` (see :mod:`covtut.training.parallel` for what data-parallel
training adds to :func:`covtut.fit`, and :mod:`covtut.tasks.aus_retail` for the task).
"""
