"""The numerical core: tensors on a tape, PyTorch-shaped ops and layers, optimizers, a stepper.

    from dltui.engine import Tensor, functional as F, nn, optim

Headless: imports NumPy only (numba loads with the first compiled kernel), never a UI library.
"""

from . import functional, init, nn, optim
from .debug import breakpoint, debug
from .gradcheck import gradcheck
from .init import manual_seed
from .stepper import Stepper
from .tape import Tape, enable_grad, no_grad, no_record, recording
from .tensor import Tensor
from .creation import (arange, eye, full, full_like, linspace, ones, ones_like, rand, rand_like, randn, randn_like, tensor,
                       zeros, zeros_like)
from .functional import cat, stack
from .tensor import einsum, where

__all__ = [
    "Stepper", "Tape", "Tensor", "enable_grad", "functional", "gradcheck", "init", "manual_seed", "nn",
    "no_grad", "no_record", "optim", "recording",
    "breakpoint", "debug",
    "arange", "cat", "einsum", "eye", "full", "full_like", "linspace", "ones", "ones_like", "rand", "rand_like", "randn",
    "randn_like", "stack", "tensor", "where", "zeros", "zeros_like",
]
