"""The precisions :func:`covtut.fit` trains in, and the autocast context of each.

Introduced in chapter "From notebook to production".
"""

from __future__ import annotations

from functools import cache

import torch

__all__ = ["PRECISIONS", "autocast", "cpu_runs_bf16_rnn"]

#: The precisions :func:`covtut.fit` trains in. The forward pass and the loss run under
#: :func:`torch.autocast` in this dtype (``None``: float32, no autocast). The weights, the
#: gradients and Adam's state stay float32 in every case.
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def autocast(device: torch.device | str, precision: str = "fp32"):
    """The context :func:`covtut.fit` runs each forward pass and loss in, for ``precision``.

    Raises
    ------
    ValueError
        For an unknown precision, ``"fp16"`` off CUDA, ``"bf16"`` on a GPU without
        bfloat16 (before Ampere: a T4, a V100), or ``"bf16"`` on a CPU whose PyTorch
        cannot run a recurrent layer in bfloat16 (:func:`cpu_runs_bf16_rnn`), with the
        alternative to use.
    """
    device = torch.device(device)
    if precision not in PRECISIONS:
        raise ValueError(f"fit(precision={precision!r}): expected one of {list(PRECISIONS)}")
    if precision == "fp16" and device.type != "cuda":
        raise ValueError(f"fit(precision='fp16'): float16 training needs a CUDA GPU (its "
                         f"gradient scaler and fused Adam); the device is {device}. On a CPU, "
                         "use precision='bf16' (or 'fp32')")
    if precision == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError(f"fit(precision='bf16'): {torch.cuda.get_device_name(device)} has no "
                         "bfloat16; use precision='fp16' (float16 with a gradient scaler)")
    if precision == "bf16" and device.type == "cpu" and not cpu_runs_bf16_rnn():
        raise ValueError("fit(precision='bf16'): PyTorch cannot run an LSTM or GRU in "
                         "bfloat16 on this CPU (its oneDNN kernels need AVX-512 or AMX); use "
                         "precision='fp32' here, or bf16 on a GPU from Ampere on")
    dtype = PRECISIONS[precision]
    enabled = dtype is not None and device.type in ("cuda", "cpu")
    return torch.autocast(device.type if enabled else "cpu", dtype=dtype, enabled=enabled)


@cache
def cpu_runs_bf16_rnn() -> bool:
    """Whether this CPU runs an LSTM and a GRU forward and backward under bfloat16
    autocast; checked once, on two tiny layers (PyTorch's oneDNN kernels refuse on CPUs
    without AVX-512 or AMX, with a message about a "primitive descriptor")."""
    try:
        for layer in (torch.nn.LSTM(2, 2, batch_first=True), torch.nn.GRU(2, 2, batch_first=True)):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                out, _ = layer(torch.zeros(1, 3, 2))
            out.float().sum().backward()
    except RuntimeError:
        return False
    return True
