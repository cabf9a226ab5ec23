"""fit(precision=...): mixed precision under torch.autocast, on every model, and its errors."""

import pytest
import torch
from test_models import VARIANTS, make
from toy import H, L, full_spec, toy_data

import covtut
from covtut.training.precision import autocast, cpu_runs_bf16_rnn


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_every_model_trains_in_bfloat16_on_the_cpu_and_keeps_float32_weights(name, variant):
    ds = covtut.WindowDataset(toy_data(n_series=4, n_steps=40), L, H)
    model = make(name, variant, full_spec())
    if not cpu_runs_bf16_rnn():  # an AVX2 CPU: a clear error, not oneDNN's
        with pytest.raises(ValueError, match=r"cannot run an LSTM or GRU in bfloat16 on this "
                                             r"CPU.*use precision='fp32'"):
            covtut.fit(model, ds, epochs=1, device="cpu", precision="bf16", progress=False)
        return
    result = covtut.fit(model, ds, epochs=1, max_steps=3, batch_size=32, device="cpu",
                        precision="bf16", progress=False)
    assert result.steps == 3 and all(torch.isfinite(torch.tensor(result.train_loss)))
    assert all(p.dtype == torch.float32 for p in model.parameters())
    with autocast("cpu", "bf16"):
        inside = model(ds.batch(torch.arange(4)))
    assert inside.dtype == torch.bfloat16  # autocast did reach the model's layers
    assert covtut.predict(model, ds).dtype == torch.float32  # prediction stays float32


def test_fp16_needs_cuda_and_unknown_precisions_are_refused():
    ds = covtut.WindowDataset(toy_data(n_series=2, n_steps=30), L, H)
    model = make("concat", "lstm", full_spec())
    with pytest.raises(ValueError, match="needs a CUDA GPU.*use precision='bf16'"):
        covtut.fit(model, ds, epochs=1, device="cpu", precision="fp16", progress=False)
    with pytest.raises(ValueError, match=r"precision='half'.*'fp32', 'bf16', 'fp16'"):
        covtut.fit(model, ds, epochs=1, device="cpu", precision="half", progress=False)


def test_fp32_is_the_default_and_does_not_autocast():
    ctx = autocast("cpu", "fp32")
    assert not ctx._enabled
