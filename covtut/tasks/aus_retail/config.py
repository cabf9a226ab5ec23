"""The book's global model for the retail task, its training and its budgets.

Used by chapter "Many series: retail turnover"; the training start ``train_from`` was
chosen on the 2017 validation year by :mod:`covtut.tasks.aus_retail_tuning`.
"""

from __future__ import annotations

__all__ = ["BUDGETS", "CONFIG", "SEEDS"]

#: The seeds of every run of the task. Run ``k`` trains from the weights drawn with
#: seed ``k``.
SEEDS = (0, 1, 2)
#: The global model and its training, shared by the live run and the full-budget run.
CONFIG: dict = {
    "model": "encoder_decoder",
    "lookback": 36,  # three years: three values at each month of year
    "min_lookback": 12,  # windows with 12 to 36 observed months are cut (young series)
    "short_input_prob": 0.3,  # training windows cut to a random 12..36 months (cold start)
    "train_from": "2000-01-01",  # training horizons from 2000: chosen on 2017 (aus_retail_tuning)
    "hidden_size": 64,  # the LSTM's width
    "lags": [12, 24, 36],  # the decoder reads the same month 1, 2 and 3 years before
    "log_scale": 0.1,  # log turnover minus the window's level, divided by this
    "loss": "l1",  # MASE is an absolute error
    "lr": 2e-3,  # Adam
    "batch_size": 256,
    "patience": 3,  # epochs without a better 2017 validation loss
}

#: Training budgets, for the chapter's live run and for the full run of ``make benchmark``.
BUDGETS: dict = {
    "live": {"epochs": 3, "max_steps": 240},
    "full": {"epochs": 12, "max_steps": 1000},
}

