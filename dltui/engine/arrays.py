"""Where an array lives: NumPy on the CPU, or a `CudaArray` in GPU memory, told apart without importing CUDA."""

from __future__ import annotations

from typing import Any

import numpy as np


def on_gpu(array: Any) -> bool:
    """Whether `array` lives in GPU memory (a `CudaArray`)."""
    return getattr(array, "on_gpu", False)


def as_array(value: Any) -> Any:
    """A float64 NumPy array, or the `CudaArray` itself: an op's values stay where they are."""
    return value if on_gpu(value) else np.asarray(value, dtype=np.float64)
