"""Every architecture the book teaches, one file per way of injecting covariates.

Choose one by name with :func:`build_model`; :data:`MODELS` lists them.
"""

from __future__ import annotations

from covtut.core.batch import CovariateSpec
from covtut.models.attention import AttentionRNN
from covtut.models.base import (
    CategoryFeatures,
    CovariateInputs,
    CovariateModel,
    Head,
    ModelConfig,
    config_from_kwargs,
)
from covtut.models.concat import ConcatRNN
from covtut.models.encoder_decoder import EncoderDecoderRNN
from covtut.models.film import FiLMRNN
from covtut.models.gated_gru import CovariateGatedGRU, CovariateGRUCell
from covtut.models.init_state import InitStateRNN
from covtut.models.late_fusion import LateFusionRNN
from covtut.models.variable_selection import VariableSelectionRNN

MODELS: dict[str, type[CovariateModel]] = {
    "concat": ConcatRNN,  # every covariate as input channels (chapters 2 and 3)
    "init_state": InitStateRNN,  # statics set the initial state (chapter 4)
    "film": FiLMRNN,  # statics scale and shift hidden states (chapter 4)
    "attention": AttentionRNN,  # covariate-conditioned attention (chapter 5)
    "gated_gru": CovariateGatedGRU,  # statics drive the update gate (chapter 6)
    "late_fusion": LateFusionRNN,  # statics join at the head (chapter 6)
    "encoder_decoder": EncoderDecoderRNN,  # decoder over known-future covariates (chapter 7)
    "variable_selection": VariableSelectionRNN,  # per-step weights over covariates (benchmark)
}


def build_model(name: str, spec: CovariateSpec, **kwargs) -> CovariateModel:
    """Build model ``name`` for ``spec``.

    Keyword arguments that are :class:`~covtut.models.base.ModelConfig` fields (``hidden_size``,
    ``cat_encoding``, ``head``, ...) go to the config; the rest to the model class
    (``autoregressive=True`` for the encoder-decoder, for example).

    Examples
    --------
    >>> spec = CovariateSpec(lookback=24, horizon=6, n_static=1)
    >>> build_model("film", spec, hidden_size=16).config.hidden_size
    16
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; valid: {sorted(MODELS)}")
    config, options = config_from_kwargs(kwargs)
    return MODELS[name](spec, config, **options)


__all__ = ["MODELS", "build_model", "ModelConfig", "CovariateModel", "CategoryFeatures",
           "CovariateInputs", "Head", "ConcatRNN", "InitStateRNN", "FiLMRNN", "AttentionRNN",
           "CovariateGatedGRU", "CovariateGRUCell", "LateFusionRNN", "EncoderDecoderRNN",
           "VariableSelectionRNN"]
