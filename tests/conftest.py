"""Shared fixtures: one CPU thread (small models run fastest so), quiet progress bars."""

import os

import pytest
import torch
from toy import full_spec, toy_data

import covtut

os.environ.setdefault("COVTUT_QUIET", "1")
torch.set_num_threads(1)


@pytest.fixture
def spec() -> covtut.CovariateSpec:
    return full_spec()


@pytest.fixture
def data() -> covtut.SeriesData:
    return toy_data()
