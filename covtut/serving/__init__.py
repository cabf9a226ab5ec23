"""Using a trained model: forecasts from a table of the future, and one file that holds what a
forecast needs.
"""
