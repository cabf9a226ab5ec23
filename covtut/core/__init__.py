"""The bottom layer: the :class:`~covtut.core.batch.Batch` contract, input checks, devices and
seeds.

Imports nothing else of covtut.
"""
