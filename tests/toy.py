"""Small inputs for the unit tests: a spec with every kind of covariate, and data for it."""

import torch

import covtut

L, H = 12, 4


def full_spec(**overrides) -> covtut.CovariateSpec:
    """A spec with every kind of input, so every code path of a model runs."""
    kw = dict(lookback=L, horizon=H, n_targets=1, n_observed=2, n_known=3,
              known_cardinalities=(5, 3), n_static=2, static_cardinalities=(7,))
    kw.update(overrides)
    return covtut.CovariateSpec(**kw)
def toy_data(n_series: int = 6, n_steps: int = 60, seed: int = 0) -> covtut.SeriesData:
    """Random SeriesData with every kind of covariate, matching :func:`full_spec`."""
    g = torch.Generator().manual_seed(seed)
    N, T = n_series, n_steps
    return covtut.SeriesData(
        target=torch.randn(N, T, 1, generator=g),
        observed=torch.randn(N, T, 2, generator=g),
        known=torch.randn(N, T, 3, generator=g),
        known_cat=torch.stack([torch.randint(0, 5, (N, T), generator=g),
                               torch.randint(0, 3, (N, T), generator=g)], dim=-1),
        static=torch.randn(N, 2, generator=g),
        static_cat=torch.randint(0, 7, (N, 1), generator=g),
        known_cardinalities=(5, 3),
        static_cardinalities=(7,),
    )
