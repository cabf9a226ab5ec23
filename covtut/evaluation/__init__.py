"""Scoring forecasts: metrics, baselines, the scoring of a model on a dataset, the verdict rule,
the leakage check.
"""
