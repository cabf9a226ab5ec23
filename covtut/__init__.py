"""covtut: covariates in PyTorch recurrent models, the companion package of the book.

The pieces, in the order the book introduces them:

* :mod:`covtut.batch`: the contract, :class:`Batch` and :class:`CovariateSpec`;
* :mod:`covtut.series`, :mod:`covtut.windows`, :mod:`covtut.split`,
  :mod:`covtut.scaling`, :mod:`covtut.encoding`: from a table to batches, safely;
* :mod:`covtut.synthetic`: data with known covariate effects and an oracle forecast;
* :mod:`covtut.models`: one file per way of injecting covariates;
* :mod:`covtut.train`, :mod:`covtut.evaluate`, :mod:`covtut.metrics`,
  :mod:`covtut.experiments`: fit, score, compare over seeds;
* :mod:`covtut.verdict`: the book's one rule for saying that one model beats another;
* :mod:`covtut.leakage`: the check that a forecast cannot see the future;
* :mod:`covtut.saving`: one file with what a forecast needs, loaded back safely;
* :mod:`covtut.benchmark`, :mod:`covtut.tasks`: the real-data tasks, and their committed
  full-budget results tied to the code that produced them;
* :mod:`covtut.plots`: one look for every figure;
* :mod:`covtut.glue`: numbers computed in a cell, cited in the prose.
"""

import warnings

from covtut.batch import Batch, CovariateSpec
from covtut.device import get_device, seed_everything
from covtut.encoding import CategoryEncoder, embedding_size
from covtut.evaluate import evaluate, forecasts
from covtut.experiments import multi_seed, summarize
from covtut.forecast import forecast_future, future_grid
from covtut.leakage import LeakageError, check_no_leakage
from covtut.models import MODELS, ModelConfig, build_model
from covtut.saving import Forecaster, load_forecaster, save_forecaster
from covtut.scaling import SeriesScaler, StandardScaler
from covtut.series import SeriesData
from covtut.split import Split, chronological_split, origins_at, split_by_time
from covtut.synthetic import REGIMES, SyntheticData, make_regime
from covtut.table import from_dataframe
from covtut.train import FitResult, fit, predict
from covtut.verdict import (
    ProtocolVerdict,
    Verdict,
    compare,
    compare_forecasts,
    compare_results,
    holm,
    protocol_verdict,
    t_quantile,
)
from covtut.windows import WindowDataset

__version__ = "0.1.0"

# A model for data without statics has layers of input width 0; PyTorch warns that
# initialising them does nothing, which is true and harmless.
warnings.filterwarnings("ignore", message="Initializing zero-element tensors is a no-op")

__all__ = [
    "Batch", "CovariateSpec", "get_device", "seed_everything", "CategoryEncoder",
    "embedding_size", "evaluate", "forecasts", "multi_seed", "summarize", "LeakageError",
    "check_no_leakage", "MODELS", "ModelConfig", "build_model", "SeriesScaler",
    "StandardScaler", "SeriesData", "from_dataframe", "Split", "chronological_split",
    "REGIMES", "SyntheticData", "make_regime", "FitResult", "fit", "predict",
    "WindowDataset", "Verdict", "compare", "compare_results", "compare_forecasts", "holm",
    "protocol_verdict", "ProtocolVerdict", "t_quantile", "origins_at", "split_by_time",
    "forecast_future", "future_grid", "Forecaster", "load_forecaster", "save_forecaster",
]
