"""The numerical core: tensors on a tape, PyTorch-shaped ops and layers, optimizers, a stepper.

    from dltui.engine import Tensor, functional as F, nn, optim

Headless: imports NumPy only (numba loads with the first compiled kernel), never a UI library.
"""

import difflib
from typing import Any, Callable

from . import functional, init, nn, optim
from .creation import (arange, eye, full, full_like, linspace, ones, ones_like, rand, rand_like, randn, randn_like,
                       tensor, zeros, zeros_like)
from .debug import breakpoint, debug
from .functional import cat, stack
from .gradcheck import gradcheck
from .init import manual_seed
from .kernels.threads import get_num_threads, set_num_threads
from .stepper import Stepper
from .tape import Tape, enable_grad, no_grad, no_record, recording
from .tensor import Tensor, as_tensor, einsum, where

__all__ = [
    "Stepper", "Tape", "Tensor", "enable_grad", "functional", "gradcheck", "get_num_threads", "init", "manual_seed",
    "nn", "set_num_threads",
    "no_grad", "no_record", "optim", "recording",
    "breakpoint", "debug",
    "arange", "cat", "einsum", "eye", "full", "full_like", "linspace", "ones", "ones_like", "rand", "rand_like", "randn",
    "randn_like", "stack", "tensor", "where", "zeros", "zeros_like", "from_numpy",
]

def from_numpy(array: Any) -> Tensor:
    """`torch.from_numpy`: the array's values as a tensor (a float64 copy: the engine computes in float64)."""
    return tensor(array)


NOT_FUNCTIONS = {"backward", "cpu", "cuda", "item", "numpy", "to", "tolist", "zero_grad"}
"""Tensor methods that are no `torch.` function of a tensor (`torch.cuda` is a module there)."""


def __getattr__(name: str) -> Callable[..., Any]:
    """PyTorch's functions of a tensor, `torch.exp(x)`, `torch.sum(x, dim=1)`, `torch.maximum(a, b)`, are the
    tensor's methods here (a number or an array becomes a constant first). Any other name is an AttributeError
    naming the closest one the engine has."""
    if not name.startswith("_") and name not in NOT_FUNCTIONS and callable(getattr(Tensor, name, None)):
        def function(input: Any, *args: Any, **kwargs: Any) -> Any:
            return getattr(as_tensor(input), name)(*args, **kwargs)

        function.__name__ = function.__qualname__ = name
        return function
    known = [*__all__, *(n for n in dir(Tensor) if not n.startswith("_") and n not in NOT_FUNCTIONS)]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; the closest it has is {close[0]}" if close else ""
    raise AttributeError(f"dltui.engine has no {name!r} (PyTorch's torch.{name} is not supported yet){hint}")
