"""From a table to batches: series, panels, encoders, scalers, splits, windows, synthetic regimes.
"""
