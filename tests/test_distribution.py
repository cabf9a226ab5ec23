"""Distribution heads: quantiles that never cross, closed forms against scoringrules-style
hand calculations, every base model with every head (meta device, gradients, no leakage),
training lowers the head's loss, and a quantile head recovers known quantiles."""

import math

import pytest
import torch
from toy import H, L, toy_data

import covtut
from covtut.models import MODELS, build_model
from covtut.models.distribution import (
    HEADS,
    LEVELS,
    GaussianHead,
    LaplaceHead,
    ProbabilisticEnsemble,
    ProbabilisticModel,
    QuantileHead,
    mixture_quantiles,
    pinball_loss,
)
from covtut.training.distribution import distribution_loss, fit_distribution

BASES = sorted(MODELS)


def make(name, spec, head, **kw):
    return ProbabilisticModel(build_model(name, spec, **kw), head)


@pytest.mark.parametrize("head", sorted(HEADS))
def test_quantiles_never_cross_on_random_inputs(head):
    torch.manual_seed(0)
    h = HEADS[head](7, H, 2, hidden=16)
    z = torch.randn(500, 7) * 20  # far outside what training would give
    q = h.quantiles(h(z), LEVELS)
    assert q.shape == (500, H, 2, len(LEVELS))
    assert (q.diff(dim=-1) >= 0).all()  # equal only where a gap underflows float32


@pytest.mark.parametrize("name", BASES)
@pytest.mark.parametrize("head", sorted(HEADS))
def test_every_base_with_every_head_on_the_meta_device(name, head, spec):
    model = make(name, spec, head).to("meta")
    model.train()
    b = covtut.Batch.random(spec, batch_size=3, device="meta")
    assert model(b).shape == (3, H, 1)
    assert model.quantiles(b).shape == (3, H, 1, len(LEVELS))


@pytest.mark.parametrize("name", BASES)
@pytest.mark.parametrize("head", sorted(HEADS))
def test_every_parameter_gets_a_gradient_and_no_leakage(name, head, spec):
    torch.manual_seed(0)
    model = ProbabilisticModel(build_model(name, spec, head="mlp"), head)
    b = covtut.Batch.random(spec, batch_size=8)
    model.head.loss(model.distribution(b), b.future_target).mean().backward()
    for pname, p in model.named_parameters():
        if p.requires_grad and "film" not in pname and "weight_sz" not in pname:
            assert p.grad is not None and torch.isfinite(p.grad).all(), pname
    covtut.check_no_leakage(model, covtut.WindowDataset(toy_data(), L, H), n_windows=2)


def test_autoregressive_decoder_and_levels_without_median_are_refused(spec):
    with pytest.raises(ValueError, match="autoregressive"):
        ProbabilisticModel(build_model("encoder_decoder", spec, autoregressive=True))
    with pytest.raises(ValueError, match="include 0.5"):
        ProbabilisticModel(build_model("concat", spec), levels=(0.1, 0.9))
    with pytest.raises(ValueError, match="expected one of"):
        ProbabilisticModel(build_model("concat", spec), head="student")


def test_pinball_loss_by_hand():
    q = torch.tensor([[1.0, 2.0, 3.0]])
    y = torch.tensor([2.5])
    # 0.1 * 1.5, 0.5 * 0.5, (0.9 - 1) * (2.5 - 3) = 0.05
    assert torch.allclose(pinball_loss(q, y, (0.1, 0.5, 0.9)), torch.tensor([[0.15, 0.25, 0.05]]))


def test_closed_form_crps_against_numerical_integration():
    """CRPS = integral of (F(x) - 1{x >= y})^2 dx, by the trapezoid rule on a fine grid."""
    x = torch.linspace(-30, 30, 600_001, dtype=torch.float64)
    for head, dist in ((GaussianHead(1, 1, 1), torch.distributions.Normal(0.3, 1.7)),
                       (LaplaceHead(1, 1, 1), torch.distributions.Laplace(0.3, 1.7))):
        for y in (-2.0, 0.3, 4.0):
            integrand = (dist.cdf(x) - (x >= y).double()) ** 2
            exact = float(torch.trapezoid(integrand, x))
            params = torch.tensor([[[[0.3, 1.7]]]], dtype=torch.float64)
            got = float(head.crps(params, torch.tensor([[[y]]], dtype=torch.float64)))
            assert got == pytest.approx(exact, rel=1e-4), (type(head).__name__, y)


def test_parametric_quantiles_match_the_distribution():
    params = torch.tensor([[[[1.0, 2.0]]]])
    for head, dist in ((GaussianHead(1, 1, 1), torch.distributions.Normal(1.0, 2.0)),
                       (LaplaceHead(1, 1, 1), torch.distributions.Laplace(1.0, 2.0))):
        q = head.quantiles(params, LEVELS)[0, 0, 0]
        assert torch.allclose(dist.cdf(q), torch.tensor(LEVELS), atol=1e-5)


def test_quantile_head_interpolates_and_refuses_to_extrapolate():
    head = QuantileHead(1, 1, 1, levels=(0.1, 0.5, 0.9))
    params = torch.tensor([[[[0.0, 1.0, 3.0]]]])
    assert head.quantiles(params, (0.3, 0.7)).flatten().tolist() == pytest.approx([0.5, 2.0])
    with pytest.raises(ValueError, match="does not extrapolate"):
        head.quantiles(params, (0.05, 0.5))


def test_mixture_of_identical_members_is_the_member():
    head = GaussianHead(1, 1, 1)
    params = torch.tensor([[[[1.0, 2.0]]]])
    mixed = mixture_quantiles([head, head], [params, params], LEVELS)
    assert torch.allclose(mixed, head.quantiles(params, LEVELS), atol=1e-5)


def test_a_quantile_head_recovers_known_quantiles():
    """y = x + (0.5 + x) * e, e ~ N(0, 1), x ~ U(0, 1): the q quantile is
    x + (0.5 + x) z_q. Tolerance 0.1 (the noise scale is 0.5 to 1.5), on a grid of x."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(20_000, 1, generator=g)
    y = x + (0.5 + x) * torch.randn(20_000, 1, generator=g)
    torch.manual_seed(0)
    head = QuantileHead(1, 1, 1, hidden=32)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    for _ in range(600):
        i = torch.randint(0, 20_000, (512,), generator=g)
        loss = head.loss(head(x[i]), y[i, None]).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    grid = torch.linspace(0.05, 0.95, 10)[:, None]
    z = math.sqrt(2) * torch.erfinv(2 * torch.tensor(LEVELS) - 1)
    exact = grid + (0.5 + grid) * z  # (10, Q)
    got = head(grid)[:, 0, 0]
    assert (got - exact).abs().max() < 0.1


@pytest.mark.parametrize("head", ["quantile", "gaussian"])
def test_fit_distribution_lowers_the_validation_loss(head):
    data = toy_data(n_series=6, n_steps=80)
    split = covtut.chronological_split(80, L, H, val_frac=0.25, test_frac=0.2)
    train = covtut.WindowDataset(data, L, H, split.train)
    val = covtut.WindowDataset(data, L, H, split.val)
    model = make("concat", train.spec, head)
    result = fit_distribution(model, train, val, epochs=6, seed=0, progress=False,
                              device="cpu")
    torch.manual_seed(0)
    untrained = make("concat", train.spec, head)
    assert distribution_loss(result.model, val) < distribution_loss(untrained, val)
    assert result.train_loss[-1] < result.train_loss[0]
    again = fit_distribution(make("concat", train.spec, head), train, val, epochs=6, seed=0,
                             progress=False, device="cpu")
    assert again.train_loss == result.train_loss  # the seed decides


def test_ensemble_combines_members(spec):
    b = covtut.Batch.random(spec, batch_size=4)
    members = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        members.append(make("concat", spec, "gaussian").eval())
    for how in ("vincentize", "mixture"):
        q = ProbabilisticEnsemble(members, how).quantiles(b)
        assert q.shape == (4, H, 1, len(LEVELS)) and (q.diff(dim=-1) > 0).all()
    with pytest.raises(ValueError, match="parametric"):
        ProbabilisticEnsemble([make("concat", spec, "quantile")], "mixture")


def test_fit_distribution_refuses_nan_and_other_specs():
    data = toy_data(n_series=4, n_steps=40)
    data.target[1, 5, 0] = float("nan")
    train = covtut.WindowDataset(data, L, H)
    with pytest.raises(ValueError, match="(?i)nan"):
        fit_distribution(make("concat", train.spec, "quantile"), train, epochs=1, device="cpu")
    other = covtut.CovariateSpec(lookback=L, horizon=H)
    with pytest.raises(ValueError, match="model was built for"):
        fit_distribution(make("concat", other, "quantile"), train, epochs=1, device="cpu")
    with pytest.raises(TypeError, match="ProbabilisticModel"):
        fit_distribution(build_model("concat", train.spec), train, epochs=1, device="cpu")
