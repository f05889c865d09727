"""Making tensors, PyTorch's way: `tensor`, `zeros`, `ones`, `full`, `eye`, `arange`, `linspace`, `randn`, `rand`
and the `_like` forms. Values are float64 (the engine's one dtype); random ones come from the engine's generator,
so `manual_seed` repeats them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .init import generator
from .tensor import Tensor, _shape


def _made(data: Any, requires_grad: bool) -> Tensor:
    return Tensor(data, requires_grad=requires_grad)


def tensor(data: Any, requires_grad: bool = False) -> Tensor:
    """A new leaf holding a copy of `data` (numbers, nested lists, an array or another tensor's values)."""
    return _made(data.data if isinstance(data, Tensor) else data, requires_grad)


def zeros(*size: Any, requires_grad: bool = False) -> Tensor:
    return _made(np.zeros(_shape(size)), requires_grad)


def ones(*size: Any, requires_grad: bool = False) -> Tensor:
    return _made(np.ones(_shape(size)), requires_grad)


def full(size: Any, fill_value: float, requires_grad: bool = False) -> Tensor:
    return _made(np.full(_shape((size,)), float(fill_value)), requires_grad)


def eye(n: int, m: int | None = None, requires_grad: bool = False) -> Tensor:
    return _made(np.eye(n, m), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, requires_grad: bool = False) -> Tensor:
    """`arange(5)` is 0…4, `arange(1, 2, 0.25)` is 1, 1.25, 1.5, 1.75: the end is left out, as in PyTorch."""
    return _made(np.arange(0, start, step) if end is None else np.arange(start, end, step), requires_grad)


def linspace(start: float, end: float, steps: int, requires_grad: bool = False) -> Tensor:
    return _made(np.linspace(start, end, steps), requires_grad)


def randn(*size: Any, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    return _made(generator().standard_normal(_shape(size)), requires_grad)


def rand(*size: Any, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    return _made(generator().random(_shape(size)), requires_grad)


def zeros_like(input: Tensor, requires_grad: bool = False) -> Tensor:
    return zeros(input.shape, requires_grad=requires_grad)


def ones_like(input: Tensor, requires_grad: bool = False) -> Tensor:
    return ones(input.shape, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: float, requires_grad: bool = False) -> Tensor:
    return full(input.shape, fill_value, requires_grad=requires_grad)


def randn_like(input: Tensor, requires_grad: bool = False) -> Tensor:
    return randn(input.shape, requires_grad=requires_grad)


def rand_like(input: Tensor, requires_grad: bool = False) -> Tensor:
    return rand(input.shape, requires_grad=requires_grad)
