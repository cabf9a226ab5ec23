"""The same models on a CUDA GPU: forward and backward, training with the data on the
device and no host synchronisation per step, and the equivalences that must hold there.

Marked ``cuda`` and skipped, with the reason, where ``torch.cuda.is_available()`` is
False (this CI has no GPU). `make gpu-check` runs them on a machine that has one:
``pytest -m cuda tests/test_cuda.py``.

TF32 is switched off in every test here, so matrix products are full float32 and the
tolerances below are those of float32 arithmetic in a different summation order.
"""

import warnings

import pytest
import torch
from test_models import VARIANTS, make
from torch import nn
from toy import H, L, full_spec, toy_data

import covtut
from covtut.models import build_model
from covtut.models.gated_gru import CovariateGRUCell

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(),
                       reason="no CUDA GPU here (torch.cuda.is_available() is False); "
                              "`make gpu-check` runs these on a GPU machine"),
]
CUDA = "cuda"
# float32 without TF32: the padding equivalence holds to the CPU test's tolerance; cuDNN's
# GRU sums in another order than our cell, over 10 steps: 1e-5 (the CPU test uses 1e-6)
PAD_ATOL = 1e-5
GRU_ATOL = 1e-5


@pytest.fixture(autouse=True)
def no_tf32():
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def test_get_device_chooses_cuda(monkeypatch):
    monkeypatch.delenv("COVTUT_DEVICE", raising=False)
    assert covtut.get_device().type == "cuda"


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_forward_and_backward_on_cuda(name, variant):
    spec = full_spec()
    torch.manual_seed(0)
    model = make(name, variant, spec, num_layers=2).to(CUDA)
    model.train()
    batch = covtut.Batch.random(spec, batch_size=8, device=CUDA)
    out = model(batch)
    assert out.device.type == "cuda" and out.shape == (8, H, 1)
    loss = nn.functional.mse_loss(out, batch.future_target)
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, f"{pname} gets no gradient"
        assert p.grad.device.type == "cuda", pname
        assert torch.isfinite(p.grad).all(), pname


def count_syncs(fn) -> int:
    """How many times ``fn`` makes the host wait for the GPU."""
    torch.cuda.synchronize()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            fn()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    return sum("synchroniz" in str(w.message) for w in caught)


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_fit_on_cuda_keeps_the_data_there_and_never_syncs_per_step(name, variant):
    data = toy_data(n_series=6, n_steps=60).to(CUDA)  # 6 x 45 = 270 windows
    ds = covtut.WindowDataset(data, L, H)
    assert ds.data.target.device.type == "cuda" and ds.series_index.device.type == "cuda"
    model = make(name, variant, full_spec())

    def one_epoch(batch_size: int):
        result = covtut.fit(model, ds, epochs=1, batch_size=batch_size, device=CUDA,
                            progress=False)
        assert result.steps == -(-len(ds) // batch_size)

    one_epoch(135)  # warm-up: cuDNN and the allocator settle
    few, many = count_syncs(lambda: one_epoch(135)), count_syncs(lambda: one_epoch(27))
    assert many == few, (f"{name}/{variant}: {few} host syncs in an epoch of 2 steps, "
                         f"{many} in one of 10: something in the step waits for the GPU")
    assert all(p.device.type == "cuda" for p in model.parameters())
    forecast = covtut.predict(model, ds)
    assert forecast.shape == (len(ds), H, 1) and torch.isfinite(forecast).all()


def test_attention_mask_ignores_padding_on_cuda():
    """The CPU test's padded window, on the GPU: same forecast, zero weight on padding."""
    torch.manual_seed(0)
    short = covtut.CovariateSpec(lookback=6, horizon=H, n_known=2, n_static=1)
    long = covtut.CovariateSpec(lookback=10, horizon=H, n_known=2, n_static=1)
    m_short = build_model("attention", short).to(CUDA).eval()
    m_long = build_model("attention", long).to(CUDA).eval()
    m_long.load_state_dict(m_short.state_dict())
    b = covtut.Batch.random(short, 3, device=CUDA)
    pad = 4

    def padded(x):
        junk = torch.randn(x.shape[0], pad, *x.shape[2:], device=CUDA) * 100
        return torch.cat([junk.to(x.dtype), x], dim=1)

    bl = b.replace(past_target=padded(b.past_target), past_observed=padded(b.past_observed),
                   known=padded(b.known),
                   known_cat=torch.cat([torch.zeros(3, pad, 0, dtype=torch.long,
                                                    device=CUDA), b.known_cat], dim=1),
                   lengths=torch.full((3,), 6, device=CUDA))
    with torch.no_grad():
        diff = (m_short(b) - m_long(bl)).abs().max().item()
        w = m_long.attention_weights(bl)
    assert diff < PAD_ATOL, f"padded and unpadded forecasts differ by {diff:.2e}"
    assert (w[:, :pad] == 0).all()
    assert torch.allclose(w.sum(1), torch.ones(3, device=CUDA))


def test_gated_cell_equals_cudnn_gru_without_covariates():
    torch.manual_seed(0)
    gru = nn.GRU(5, 8, batch_first=True)
    cell = CovariateGRUCell(5, 8, cond_size=3)
    cell.load_gru(gru)
    gru, cell = gru.to(CUDA), cell.to(CUDA)
    x, s = torch.randn(4, 10, 5, device=CUDA), torch.randn(4, 3, device=CUDA)
    with torch.no_grad():
        ours, _ = cell(x, s)
        ref, _ = gru(x)
    diff = (ours - ref).abs().max().item()
    assert diff < GRU_ATOL, f"our GRU cell and nn.GRU on cuda differ by {diff:.2e}"


def test_gated_gru_model_equals_gru_late_fusion_on_cuda():
    spec = covtut.CovariateSpec(lookback=L, horizon=H, n_known=2)
    batch = covtut.Batch.random(spec, 4, device=CUDA)
    torch.manual_seed(0)
    ref = build_model("late_fusion", spec, cell="gru")
    ours = build_model("gated_gru", spec)
    ours.cell.load_gru(ref.rnn)
    ours.head.load_state_dict(ref.head.state_dict())
    ref, ours = ref.to(CUDA).eval(), ours.to(CUDA).eval()
    with torch.no_grad():
        diff = (ours(batch) - ref(batch)).abs().max().item()
    assert diff < GRU_ATOL, f"gated GRU and GRU late fusion differ by {diff:.2e} on cuda"


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
@pytest.mark.parametrize("name, variant", [("concat", "lstm"), ("encoder_decoder", "lags"),
                                           ("gated_gru", "gru"), ("variable_selection", "lstm")])
def test_mixed_precision_on_cuda_trains_without_a_sync_per_step(name, variant, precision):
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bfloat16")
    data = toy_data(n_series=6, n_steps=60).to(CUDA)
    ds = covtut.WindowDataset(data, L, H)
    model = make(name, variant, full_spec())

    def one_epoch(batch_size: int):
        covtut.fit(model, ds, epochs=1, batch_size=batch_size, device=CUDA, progress=False,
                   precision=precision)

    one_epoch(135)
    few, many = count_syncs(lambda: one_epoch(135)), count_syncs(lambda: one_epoch(27))
    assert many == few, f"{name}/{precision}: the step waits for the GPU"
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert torch.isfinite(covtut.predict(model, ds)).all()
