"""Finite-difference gradient checks in float64.

Central differences with eps = 1e-6, compared element by element through the relative error
|a − n| / max(|a| + |n|, tiny). Outputs are contracted with a fixed random weight so every
output element takes part, and the difference is taken per output element before summing,
which keeps the rounding noise of large outputs out of the estimate.

`tiny` is what saves elements whose true gradient is near zero: their central difference is
rounding noise (~1e-10), so judged against themselves they would fail. By default it is 1e-3 of
the input's largest |a| + |n|: such elements are judged against the input's gradient scale.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .tape import backward, no_grad
from .tensor import Tensor

EPS = 1e-6
SCALE_FLOOR = 1e-3


def relative_error(analytic: np.ndarray, numeric: np.ndarray, tiny: float | None = None) -> float:
    """The largest element-wise |a − n| / max(|a| + |n|, tiny); 0 when both are all zero."""
    magnitude = np.abs(analytic) + np.abs(numeric)
    if analytic.size == 0 or not magnitude.any():
        return 0.0
    tiny = SCALE_FLOOR * float(magnitude.max()) if tiny is None else tiny
    return float((np.abs(analytic - numeric) / np.maximum(magnitude, tiny)).max())


def numeric_grad(f: Callable[[], Sequence[np.ndarray]], x: np.ndarray, weights: Sequence[np.ndarray],
                 eps: float = EPS) -> np.ndarray:
    """∂(Σ_k Σ weights_k ⊙ f()_k)/∂x by central differences, perturbing `x` in place."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + eps
        plus = [np.array(y) for y in f()]  # copies: a view of x (reshape) would move with it
        x[idx] = original - eps
        minus = [np.array(y) for y in f()]
        x[idx] = original
        grad[idx] = sum(float(np.sum(w * (p - m))) for w, p, m in zip(weights, plus, minus)) / (2 * eps)
    return grad


def _as_tuple(out: Any) -> tuple:
    return out if isinstance(out, tuple) else (out,)


def gradcheck(fn: Callable[..., Any], inputs: Sequence[Tensor], eps: float = EPS, seed: int = 0) -> list[float | None]:
    """Max relative error between backprop and finite differences, per input (None for inputs
    that do not require a gradient). `fn(*inputs)` returns a Tensor or a tuple of Tensors and
    must be deterministic."""
    outs = _as_tuple(fn(*inputs))
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(o.shape) for o in outs]
    for t in inputs:
        t.grad = None
    backward(list(outs), weights)

    def values() -> list[np.ndarray]:
        with no_grad():
            return [o.data for o in _as_tuple(fn(*inputs))]

    errors: list[float | None] = []
    for t in inputs:
        if not t.requires_grad:
            errors.append(None)
            continue
        analytic = np.zeros(t.shape) if t.grad is None else t.grad
        errors.append(relative_error(analytic, numeric_grad(values, t.data, weights, eps)))
    return errors


def check_node(node: Any, eps: float = EPS) -> list[float | None]:
    """The local check the stepper offers: re-run this one node's forward with each input nudged
    and compare with the gradients backward sent to its inputs (needs backward to have run)."""
    if node.grads_in is None:
        raise ValueError(f"{node.label} has no gradients yet: run backward first")
    arrays = [a.copy() for a in node.arrays]
    weights = node.grad_out if isinstance(node.grad_out, tuple) else (node.grad_out,)
    errors: list[float | None] = []
    for k, grad in enumerate(node.grads_in):
        if grad is None or not node.inputs[k].requires_grad:
            errors.append(None)
            continue
        errors.append(relative_error(grad, numeric_grad(lambda: _as_tuple(node.rerun(*arrays)), arrays[k], weights, eps)))
    return errors
