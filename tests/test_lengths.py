"""Variable-length lookbacks: every model forecasts a left-padded window exactly as the
unpadded one, whatever garbage the padding holds."""

import pytest
import torch
from test_models import VARIANTS, make
from toy import H

import covtut

LONG = 10


def garbage_padded(batch: covtut.Batch, spec: covtut.CovariateSpec, lengths: list[int],
                   seed: int = 0) -> covtut.Batch:
    """``batch`` (lookback LONG) with every step before each window's length overwritten."""
    g = torch.Generator().manual_seed(seed)
    n = torch.tensor(lengths)
    pad = torch.arange(LONG)[None, :] < (LONG - n)[:, None]  # (B, L), True on padding

    def spoil(x):
        keep = torch.nn.functional.pad(~pad, (0, x.shape[1] - LONG), value=True)
        return torch.where(keep[..., None], x, 100 * torch.randn(x.shape, generator=g))

    codes = batch.known_cat.clone()
    for j, card in enumerate(spec.known_cardinalities):
        junk = torch.randint(0, card, codes.shape[:2], generator=g)
        codes[:, :LONG, j] = torch.where(pad, junk[:, :LONG], codes[:, :LONG, j])
    return batch.replace(past_target=spoil(batch.past_target),
                         past_observed=spoil(batch.past_observed), known=spoil(batch.known),
                         known_cat=codes, lengths=n, lengths_cpu=n.clone())


def cut(batch: covtut.Batch, i: int, n: int) -> covtut.Batch:
    """Window ``i`` with only its last ``n`` lookback steps: no padding at all."""
    s = LONG - n
    return covtut.Batch(
        past_target=batch.past_target[i:i + 1, s:], past_observed=batch.past_observed[i:i + 1, s:],
        known=batch.known[i:i + 1, s:], known_cat=batch.known_cat[i:i + 1, s:],
        static=batch.static[i:i + 1], static_cat=batch.static_cat[i:i + 1],
        future_target=batch.future_target[i:i + 1])


# seasonal lags are offsets from the origin, so a model with a shorter lookback is another
# model; their padding is tested in test_lags_read_zero_in_the_padding
@pytest.mark.parametrize("name, variant", [v for v in VARIANTS if v[1] != "lags"])
def test_padding_changes_no_forecast(name, variant):
    """For every model: garbage before each window's length changes nothing."""
    torch.manual_seed(0)
    spec = covtut.CovariateSpec(lookback=LONG, horizon=H, n_observed=1, n_known=2,
                                known_cardinalities=(4,), n_static=1, static_cardinalities=(3,))
    model = make(name, variant, spec, num_layers=2).eval()
    if name == "gated_gru":
        torch.nn.init.normal_(model.cell.weight_sz)  # a static gate that does something
    lengths = [LONG, 6, 1, 3]
    full = covtut.Batch.random(spec, len(lengths), seed=1)
    padded = garbage_padded(full, spec, lengths)
    with torch.no_grad():
        y = model(padded)
        for i, n in enumerate(lengths):
            short = make(name, variant, covtut.CovariateSpec(**{**spec.__dict__, "lookback": n}),
                         num_layers=2).eval()
            short.load_state_dict(model.state_dict())  # no parameter depends on the lookback
            assert torch.allclose(short(cut(full, i, n)), y[i:i + 1], atol=1e-5), (name, n)
    assert model.supports_lengths


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_lengths_on_the_meta_device(name, variant):
    spec = covtut.CovariateSpec(lookback=LONG, horizon=H, n_known=1, n_static=1)
    model = make(name, variant, spec).to("meta")
    b = covtut.Batch.random(spec, 3, device="meta")
    n = torch.tensor([LONG, 4, 1])
    out = model(b.replace(lengths=n.to("meta"), lengths_cpu=n))
    assert out.device.type == "meta" and out.shape == (3, H, 1)
    assert model(b.replace(lengths=n.to("meta"))).shape == (3, H, 1)  # no CPU copy


def test_packing_reads_the_cpu_copy(monkeypatch):
    """A batch cut by WindowDataset carries its lengths on the CPU: packing never copies
    them from the device."""
    spec = covtut.CovariateSpec(lookback=LONG, horizon=H)
    model = covtut.build_model("concat", spec).eval()
    b = covtut.Batch.random(spec, 2)
    n = torch.tensor([LONG, 4])

    class NoCopy(torch.Tensor):
        def cpu(self, *args, **kwargs):
            raise AssertionError("lengths copied from the device")

    on_device = n.as_subclass(NoCopy)
    model(b.replace(lengths=on_device, lengths_cpu=n))
    with pytest.raises(AssertionError, match="copied from the device"):
        model(b.replace(lengths=on_device))


def test_lengths_cpu_checked_for_free():
    spec = covtut.CovariateSpec(lookback=LONG, horizon=H)
    b = covtut.Batch.random(spec, 2)
    with pytest.raises(ValueError, match=r"batch.lengths must lie in \[1, lookback=10\]"):
        b.replace(lengths=torch.tensor([3, 11]), lengths_cpu=torch.tensor([3, 11])).validate(
            spec, check_values=False)
    moved = b.replace(lengths=torch.tensor([3, 4]), lengths_cpu=torch.tensor([3, 4])).to("meta")
    assert moved.lengths.device.type == "meta" and moved.lengths_cpu.device.type == "cpu"


def ragged_toy() -> covtut.SeriesData:
    """toy_data with a series that starts late, one that stops early, and a gap."""
    from toy import toy_data

    d = toy_data(n_series=4, n_steps=40)
    mask = torch.ones(4, 40, dtype=torch.bool)
    mask[1, :25] = False  # a new series: 15 steps of history
    mask[2, 33:] = False  # a series that stops
    mask[3, 18] = False  # a gap
    return d.replace(target=d.target.masked_fill(~mask[..., None], 0.0), mask=mask)


@pytest.mark.parametrize("name", sorted(covtut.MODELS))
def test_training_on_a_ragged_panel(name):
    """Every model trains on left-padded windows and still cannot see the future."""
    data = ragged_toy()
    train = covtut.WindowDataset(data, 12, 4, min_lookback=3)
    assert (train.lengths < 12).any() and train.n_dropped > 0
    model = covtut.build_model(name, train.spec, hidden_size=8)
    result = covtut.fit(model, train, epochs=1, batch_size=32, device="cpu")
    assert result.steps > 0 and torch.isfinite(torch.tensor(result.train_loss)).all()
    covtut.check_no_leakage(model, train, n_windows=3)


def test_lags_read_zero_in_the_padding():
    spec = covtut.CovariateSpec(lookback=LONG, horizon=H, n_known=2)
    model = make("encoder_decoder", "lags", spec)
    lengths = [LONG, H + 1, 2]
    padded = garbage_padded(covtut.Batch.random(spec, len(lengths), seed=1), spec, lengths)
    lagged = model.lagged_inputs(padded)  # (B, H, 2 * 3): lags H and LONG
    assert torch.equal(lagged[0], model.lagged_inputs(padded.replace(lengths=None))[0])
    assert (lagged[1:, :, 3:] == 0).all()  # lag LONG lies in the padding of both
    assert (lagged[1, :, :3] != 0).all()  # lag H lies inside 5 steps for every step
    assert (lagged[2, :H - 2, :3] == 0).all() and (lagged[2, H - 2:, :3] != 0).all()
