"""Pick the device, seed everything, and keep small CPU runs on one thread.

Introduced in chapter "Getting started".
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["get_device", "seed_everything"]


def get_device(prefer: str | None = None, cpu_threads: int | None = 1) -> torch.device:
    """The best available device: CUDA, then Apple's MPS, then the CPU.

    Parameters
    ----------
    prefer
        Force a device (``"cpu"``, ``"cuda"``...); also read from ``COVTUT_DEVICE``.
    cpu_threads
        On the CPU, the number of threads torch may use. The book's models are small:
        one thread is as fast as several on an idle machine, and 100 times faster
        than two when another process competes for the cores. ``None`` leaves it.
    """
    name = prefer or os.environ.get("COVTUT_DEVICE")
    if name is None:
        if torch.cuda.is_available():
            name = "cuda"
        elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            name = "mps"
        else:
            name = "cpu"
    device = torch.device(name)
    if device.type == "cpu" and cpu_threads is not None:
        torch.set_num_threads(cpu_threads)
    return device


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a CPU generator for shuffling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
