"""covtut: covariates in PyTorch recurrent models, the companion package of the book.

The public face: every name a chapter uses is importable from ``covtut`` itself. The
folders are the layers, each importing only from those below it (the import-linter
contract in ``pyproject.toml``, checked by ``make test``):

* ``covtut.tasks``: the real-data tasks, their runner and committed results;
* ``covtut.serving``: forecasting from a table of the future, saving and loading;
* ``covtut.evaluation``: metrics, baselines, scoring, the verdict rule, leakage;
* ``covtut.training``: :func:`fit` and :func:`predict`, on one process or several;
* ``covtut.models``: one file per way of injecting covariates;
* ``covtut.data``: from a table to batches, safely, and the synthetic regimes;
* ``covtut.core``: the :class:`Batch` contract, input checks, devices and seeds.

Beside them, ``covtut.book`` (figures, glued numbers, tables for the pages) imports
at most ``covtut.core``; ``covtut.distributed`` is the ``torchrun`` command.
"""

import warnings

from covtut.core.batch import Batch, CovariateSpec
from covtut.core.device import get_device, seed_everything
from covtut.data.encoding import CategoryEncoder, embedding_size
from covtut.data.recipe import Windowed, windowed_datasets
from covtut.data.scaling import SeriesScaler, StandardScaler
from covtut.data.series import SeriesData
from covtut.data.split import Split, chronological_split, origins_at, split_by_time
from covtut.data.synthetic import REGIMES, SyntheticData, make_regime
from covtut.data.table import from_dataframe
from covtut.data.windows import WindowDataset
from covtut.evaluation.experiments import disjoint_groups, multi_seed, summarize
from covtut.evaluation.intervals import t_quantile
from covtut.evaluation.leakage import LeakageError, check_no_leakage
from covtut.evaluation.period import ProtocolVerdict, compare_forecasts, protocol_verdict
from covtut.evaluation.scoring import evaluate, forecasts
from covtut.evaluation.verdict import Verdict, compare, compare_results, holm
from covtut.models import MODELS, ModelConfig, build_model
from covtut.models.ensemble import Ensemble
from covtut.models.linear import LinearModel, PenaltyChoice, choose_linear, choose_penalty
from covtut.models.residual import LinearPlusNetwork
from covtut.serving.forecast import forecast_future, future_grid
from covtut.serving.forecaster import Forecaster
from covtut.serving.saving import load_forecaster, save_forecaster
from covtut.training.residual import ResidualFit, fit_linear_plus_network
from covtut.training.search import Candidate, SearchResult, search
from covtut.training.trainer import FitResult, fit, predict
from covtut.version import __version__  # noqa: F401 (the package face carries it)

# A model for data without statics has layers of input width 0; PyTorch warns that
# initialising them does nothing, which is true and harmless.
warnings.filterwarnings("ignore", message="Initializing zero-element tensors is a no-op")

__all__ = [
    "Batch", "CovariateSpec", "get_device", "seed_everything", "CategoryEncoder",
    "embedding_size", "evaluate", "forecasts", "multi_seed", "summarize", "LeakageError",
    "check_no_leakage", "MODELS", "ModelConfig", "build_model", "LinearModel", "PenaltyChoice",
    "choose_penalty", "choose_linear", "LinearPlusNetwork", "ResidualFit",
    "fit_linear_plus_network", "Ensemble", "disjoint_groups", "Candidate", "SearchResult",
    "search", "SeriesScaler",
    "StandardScaler", "SeriesData", "from_dataframe", "Split", "chronological_split",
    "REGIMES", "SyntheticData", "make_regime", "FitResult", "fit", "predict",
    "WindowDataset", "Windowed", "windowed_datasets", "Verdict", "compare", "compare_results",
    "compare_forecasts", "holm",
    "protocol_verdict", "ProtocolVerdict", "t_quantile", "origins_at", "split_by_time",
    "forecast_future", "future_grid", "Forecaster", "load_forecaster", "save_forecaster",
]
