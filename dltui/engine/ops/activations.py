"""Elementwise activations (through the kernel table) and the softmax family."""

from __future__ import annotations

import math

import numpy as np

from dltui.i18n import N_

from ..kernels import active
from ..kernels.reference import sigmoid_forward as _sigmoid
from .base import Op
from .elementwise import Unary, erf
from .losses import softplus as _softplus


class ReLU(Op):
    name, formula, grad_formula = "relu", "y = max(x, 0)", "dx = dy ⊙ [x > 0]"

    def forward(self, x):
        return active().relu_forward(x)

    def backward(self, dy):
        return (active().relu_backward(self.arrays[0], self.outputs[0], dy),)


class LeakyReLU(Op):
    name, formula, grad_formula = "leaky_relu", "y = x if x > 0 else α·x", "dx = dy ⊙ (1 if x > 0 else α)"

    def forward(self, x, negative_slope):
        return active().leaky_relu_forward(x, negative_slope)

    def backward(self, dy):
        x, y = self.arrays[0], self.outputs[0]
        return (active().leaky_relu_backward(x, y, dy, self.params["negative_slope"]),)


class ELU(Op):
    name, formula, grad_formula = "elu", "y = x if x > 0 else α(eˣ − 1)", "dx = dy ⊙ (1 if x > 0 else y + α)"

    def forward(self, x, alpha):
        return active().elu_forward(x, alpha)

    def backward(self, dy):
        return (active().elu_backward(self.arrays[0], self.outputs[0], dy, self.params["alpha"]),)


class Sigmoid(Op):
    name, formula, grad_formula = "sigmoid", "y = 1 / (1 + e⁻ˣ)", "dx = dy ⊙ y(1 − y)"

    def forward(self, x):
        return active().sigmoid_forward(x)

    def backward(self, dy):
        return (active().sigmoid_backward(self.arrays[0], self.outputs[0], dy),)


class Tanh(Op):
    name, formula, grad_formula = "tanh", "y = tanh x", "dx = dy ⊙ (1 − y²)"

    def forward(self, x):
        return active().tanh_forward(x)

    def backward(self, dy):
        return (active().tanh_backward(self.arrays[0], self.outputs[0], dy),)


class Softmax(Op):
    name, formula, grad_formula = "softmax", "yᵢ = eˣⁱ / Σⱼ eˣʲ", "dx = y ⊙ (dy − Σ dy⊙y)"
    inputs_are, outputs_are = (N_("scores x"),), (N_("probabilities y"),)

    def forward(self, x, axis):
        return _along(axis, active().softmax_forward, x)

    def backward(self, dy):
        return (_along(self.params["axis"], active().softmax_backward, self.outputs[0], dy),)


def _along(axis, kernel, *arrays):
    """`kernel` (which works along the last axis) along `axis`: that axis swapped with the last and back."""
    if axis in (-1, arrays[0].ndim - 1):
        return kernel(*arrays)
    return np.swapaxes(kernel(*(np.swapaxes(a, axis, -1) for a in arrays)), axis, -1)


class LogSoftmax(Op):
    name, formula, grad_formula = "log_softmax", "yᵢ = xᵢ − log Σⱼ eˣʲ", "dx = dy − softmax(x)·Σ dy"
    inputs_are, outputs_are = (N_("scores x"),), (N_("log-probabilities y"),)

    def forward(self, x, axis):
        shifted = x - x.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(self, dy):
        axis = self.params["axis"]
        return (dy - np.exp(self.outputs[0]) * dy.sum(axis=axis, keepdims=True),)


# ---------------------------------------------------------------- PyTorch's other activations (NumPy, any backend)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


class GELU(Unary):
    """`approximate="none"`: x·Φ(x) with the normal CDF Φ; `"tanh"`: Hendrycks and Gimpel's tanh fit."""

    name, formula, grad_formula = "gelu", "y = x·Φ(x)", "dx = dy ⊙ (Φ(x) + x·φ(x))"

    def f(self, x, approximate):
        if approximate == "tanh":
            return 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3)))
        return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))

    def df(self, x, y, approximate):
        if approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3))
            return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
        return 0.5 * (1.0 + erf(x / math.sqrt(2.0))) + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


class SiLU(Unary):
    name, formula, grad_formula = "silu", "y = x·σ(x)", "dx = dy ⊙ σ(x)(1 + x(1 − σ(x)))"

    def f(self, x):
        return x * _sigmoid(x)

    def df(self, x, y):
        s = _sigmoid(x)
        return s * (1.0 + x * (1.0 - s))


class Softplus(Unary):
    """Linear (y = x) where β·x exceeds `threshold`, as PyTorch's is."""

    name, formula, grad_formula = "softplus", "y = (1/β) ln(1 + e^(βx))", "dx = dy ⊙ σ(βx)"

    def f(self, x, beta, threshold):
        return np.where(beta * x > threshold, x, _softplus(beta * x) / beta)

    def df(self, x, y, beta, threshold):
        return np.where(beta * x > threshold, 1.0, _sigmoid(beta * x))


class Hardtanh(Unary):
    name, formula, grad_formula = "hardtanh", "y = clamp(x, lo, hi)", N_("dx = dy where lo < x < hi, else 0")

    def f(self, x, min_val, max_val):
        return np.clip(x, min_val, max_val)

    def df(self, x, y, min_val, max_val):
        return ((x > min_val) & (x < max_val)).astype(np.float64)


class SELU(Unary):
    name, formula, grad_formula = "selu", "y = λ(x if x > 0 else α(eˣ − 1))", "dx = dy ⊙ λ(1 if x > 0 else αeˣ)"

    def f(self, x):
        return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))

    def df(self, x, y):
        return SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0.0)))


class CELU(Unary):
    name, formula, grad_formula = "celu", "y = max(0, x) + min(0, α(e^(x/α) − 1))", "dx = dy ⊙ (1 if x > 0 else e^(x/α))"

    def f(self, x, alpha):
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0) / alpha))

    def df(self, x, y, alpha):
        return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0) / alpha))


class Mish(Unary):
    name, formula, grad_formula = "mish", "y = x·tanh(softplus(x))", "dx = dy ⊙ (t + x·σ(x)(1 − t²)), t = tanh(softplus x)"

    def f(self, x):
        return x * np.tanh(_softplus(x))

    def df(self, x, y):
        t = np.tanh(_softplus(x))
        return t + x * _sigmoid(x) * (1.0 - t * t)


class Hardswish(Unary):
    name, formula, grad_formula = "hardswish", "y = x·clamp(x + 3, 0, 6)/6", N_("dx = dy ⊙ (0, (2x + 3)/6 or 1 by region)")

    def f(self, x):
        return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0

    def df(self, x, y):
        return np.where(x < -3.0, 0.0, np.where(x <= 3.0, (2.0 * x + 3.0) / 6.0, 1.0))


class Hardsigmoid(Unary):
    name, formula, grad_formula = "hardsigmoid", "y = clamp(x/6 + 1/2, 0, 1)", N_("dx = dy/6 where −3 < x < 3, else 0")

    def f(self, x):
        return np.clip(x / 6.0 + 0.5, 0.0, 1.0)

    def df(self, x, y):
        return np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0)


class LogSigmoid(Unary):
    name, formula, grad_formula = "logsigmoid", "y = ln σ(x) = −softplus(−x)", "dx = dy ⊙ σ(−x)"

    def f(self, x):
        return -_softplus(-x)

    def df(self, x, y):
        return _sigmoid(-x)


class Softsign(Unary):
    name, formula, grad_formula = "softsign", "y = x / (1 + |x|)", "dx = dy / (1 + |x|)²"

    def f(self, x):
        return x / (1.0 + np.abs(x))

    def df(self, x, y):
        return 1.0 / (1.0 + np.abs(x)) ** 2
