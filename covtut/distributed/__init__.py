"""The command ``python -m covtut.distributed``: the retail model trained on several processes.

Launched by ``torchrun``. What data-parallel training adds to :func:`covtut.fit` is in
:mod:`covtut.training.parallel`; the example it runs, the retail chapter's global model,
is :mod:`covtut.tasks.aus_retail.parallel`.
"""
