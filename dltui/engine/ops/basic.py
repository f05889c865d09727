"""Arithmetic, reductions and shape ops: the primitives everything else can be expanded into."""

from __future__ import annotations

import numpy as np

from dltui.i18n import N_

from ..arrays import on_gpu
from ..kernels.threads import threads
from .base import Op, unbroadcast


class Add(Op):
    name, formula, grad_formula = "add", "y = a + b", N_("da = dy, db = dy (summed over broadcast axes)")
    inputs_are, outputs_are = (N_("term a"), N_("term b")), (N_("sum y"),)

    def forward(self, a, b):
        self.save(a_shape=a.shape, b_shape=b.shape)
        return a + b

    def backward(self, dy):
        return unbroadcast(dy, self.saved["a_shape"]), unbroadcast(dy, self.saved["b_shape"])


class Sub(Op):
    name, formula, grad_formula = "sub", "y = a − b", "da = dy, db = −dy"
    inputs_are, outputs_are = (N_("minuend a"), N_("subtrahend b")), (N_("difference y"),)

    def forward(self, a, b):
        self.save(a_shape=a.shape, b_shape=b.shape)
        return a - b

    def backward(self, dy):
        return unbroadcast(dy, self.saved["a_shape"]), unbroadcast(-dy, self.saved["b_shape"])


class Mul(Op):
    name, formula, grad_formula = "mul", "y = a ⊙ b", "da = dy ⊙ b, db = dy ⊙ a"
    inputs_are, outputs_are = (N_("factor a"), N_("factor b")), (N_("product y"),)

    def forward(self, a, b):
        return a * b

    def backward(self, dy):
        a, b = self.arrays[:2]
        return unbroadcast(dy * b, a.shape), unbroadcast(dy * a, b.shape)


class Div(Op):
    name, formula, grad_formula = "div", "y = a / b", "da = dy / b, db = −dy ⊙ a / b²"
    inputs_are, outputs_are = (N_("numerator a"), N_("denominator b")), (N_("quotient y"),)

    def forward(self, a, b):
        return a / b

    def backward(self, dy):
        a, b = self.arrays[:2]
        return unbroadcast(dy / b, a.shape), unbroadcast(-dy * a / (b * b), b.shape)


class Neg(Op):
    name, formula, grad_formula = "neg", "y = −x", "dx = −dy"

    def forward(self, x):
        return -x

    def backward(self, dy):
        return (-dy,)


class Pow(Op):
    name, formula, grad_formula = "pow", "y = xᵖ", "dx = dy ⊙ p·xᵖ⁻¹"
    inputs_are, outputs_are = (N_("base x"),), (N_("power y"),)

    def forward(self, x, exponent):
        return x**exponent

    def backward(self, dy):
        p = self.params["exponent"]
        if p == 0:  # x⁰ is flat, even at x = 0 where p·xᵖ⁻¹ would be 0·∞ (PyTorch: 0)
            return (np.zeros_like(dy),)
        return (dy * p * self.arrays[0] ** (p - 1),)


class Exp(Op):
    name, formula, grad_formula = "exp", "y = eˣ", "dx = dy ⊙ y"

    def forward(self, x):
        return np.exp(x)

    def backward(self, dy):
        return (dy * self.outputs[0],)


class Log(Op):
    name, formula, grad_formula = "log", "y = ln x", "dx = dy / x"

    def forward(self, x):
        return np.log(x)

    def backward(self, dy):
        return (dy / self.arrays[0],)


class MatMul(Op):
    """Matrix product with NumPy's rules: batch dims broadcast, 1-D operands become a row/column."""

    name, formula, grad_formula = "matmul", "Y = A·B", "dA = dY·Bᵀ, dB = Aᵀ·dY"
    inputs_are, outputs_are = (N_("left matrix A"), N_("right matrix B")), (N_("product Y"),)

    def forward(self, a, b):
        return threads.matmul(a, b)

    def backward(self, dy):
        a, b = self.arrays[:2]
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1:
            dy = np.expand_dims(dy, -2)
        if b.ndim == 1:
            dy = np.expand_dims(dy, -1)
        da = unbroadcast(threads.matmul(dy, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        db = unbroadcast(threads.matmul(np.swapaxes(a2, -1, -2), dy), b2.shape).reshape(b.shape)
        return da, db


class Sum(Op):
    name, formula, grad_formula = "sum", "y = Σ x", N_("dx = dy broadcast back over the summed axes")
    outputs_are = (N_("sum y"),)

    def forward(self, x, axis, keepdims):
        return np.sum(x, axis=axis, keepdims=keepdims)

    def backward(self, dy):
        shape = self.inputs[0].shape
        return (np.broadcast_to(_keep_dims(dy, shape, self.params), shape).copy(),)


class Mean(Op):
    name, formula, grad_formula = "mean", "y = (1/n) Σ x", N_("dx = dy / n broadcast back")
    outputs_are = (N_("mean y"),)

    def forward(self, x, axis, keepdims):
        return np.mean(x, axis=axis, keepdims=keepdims)

    def backward(self, dy):
        shape = self.inputs[0].shape
        count = np.prod(shape) / max(self.outputs[0].size, 1)
        return (np.broadcast_to(_keep_dims(dy, shape, self.params), shape) / count,)


def _keep_dims(dy, shape, params):
    """Re-insert the axes a reduction removed so the gradient broadcasts against the input."""
    axis = params["axis"]
    if not shape:  # a 0-d tensor reduced over dim 0 or −1 (PyTorch allows it): nothing was removed
        return dy
    if params["keepdims"] or axis is None:
        return np.reshape(dy, [1] * len(shape)) if axis is None else dy
    axes = (axis,) if isinstance(axis, int) else axis
    return np.expand_dims(dy, tuple(a % len(shape) for a in axes))


class Reshape(Op):
    name, formula, grad_formula = "reshape", N_("y = x viewed as a new shape"), N_("dx = dy reshaped back")

    def forward(self, x, shape):
        return x.reshape(shape)

    def backward(self, dy):
        return (dy.reshape(self.inputs[0].shape),)


class Transpose(Op):
    name, formula, grad_formula = "transpose", N_("y = xᵀ (axes permuted)"), N_("dx = dy with the inverse permutation")

    def forward(self, x, axes):
        return np.transpose(x, axes)

    def backward(self, dy):
        axes = self.params["axes"]
        return (np.transpose(dy, None if axes is None else np.argsort(axes)),)


class Index(Op):
    name, formula, grad_formula = "index", "y = x[i]", N_("dx[i] += dy (repeated indices add up)")

    def forward(self, x, index):
        y = x[index]  # a view, a NumPy scalar, or a new array on the GPU
        return y if on_gpu(y) else np.array(y, dtype=np.float64)

    def backward(self, dy):
        dx, index = np.zeros_like(self.arrays[0]), self.params["index"]
        if _picks_each_once(index):
            dx[index] = dy  # 4-10x faster than add.at, which a slice or an int does not need
        else:
            np.add.at(dx, index, dy)
        return (dx,)


def _picks_each_once(index) -> bool:
    """Basic indexing (ints, slices, None, ...): no element is picked twice, so the gradient needs no adding up."""
    for part in index if type(index) is tuple else (index,):
        if not (part is None or part is Ellipsis or type(part) is slice
                or (isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_)))):
            return False
    return True


class Stack(Op):
    name, formula, grad_formula = "stack", N_("y = [x₁; x₂; …] along a new axis"), "dxₖ = dy[k]"
    inputs_are, outputs_are = (N_("part x"),), (N_("stack y"),)

    def forward(self, *xs, axis):
        return np.stack(xs, axis=axis)

    def backward(self, dy):
        return tuple(np.moveaxis(dy, self.params["axis"], 0))


class Concat(Op):
    name, formula, grad_formula = "cat", N_("y = [x₁ x₂ …] along an axis"), N_("dxₖ = dy's slice for xₖ")
    inputs_are, outputs_are = (N_("part x"),), (N_("joined y"),)

    def forward(self, *xs, axis):
        return np.concatenate(xs, axis=axis)

    def backward(self, dy):
        sizes = [t.shape[self.params["axis"]] for t in self.inputs]
        return tuple(np.split(dy, np.cumsum(sizes)[:-1], axis=self.params["axis"]))


class Pad(Op):
    name, formula, grad_formula = "pad", N_("y = x surrounded by zeros"), N_("dx = dy with the border cut off")

    def forward(self, x, pad_width):
        return np.pad(x, pad_width)

    def backward(self, dy):
        inner = tuple(slice(before, n - after) for (before, after), n in zip(self.params["pad_width"], dy.shape))
        return (dy[inner],)
