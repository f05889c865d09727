"""Where an array lives: NumPy on the CPU, or a `CudaArray` in GPU memory, told apart without importing CUDA."""

from __future__ import annotations

from typing import Any

import numpy as np


def on_gpu(array: Any) -> bool:
    """Whether `array` lives in GPU memory (a `CudaArray`)."""
    return getattr(array, "on_gpu", False)


FLOAT64 = np.dtype(np.float64)


def as_array(value: Any) -> Any:
    """A float64 NumPy array, or the `CudaArray` itself: an op's values stay where they are."""
    if type(value) is np.ndarray and value.dtype is FLOAT64:  # most calls: nothing to convert, so ask nothing
        return value
    return value if on_gpu(value) else np.asarray(value, dtype=np.float64)
