"""Elementwise activations (through the kernel table) and the softmax family."""

from __future__ import annotations

import numpy as np

from ..kernels import active
from .base import Op


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
    inputs_are, outputs_are = ("scores x",), ("probabilities y",)

    def forward(self, x, axis):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def backward(self, dy):
        y = self.outputs[0]
        return (y * (dy - (dy * y).sum(axis=self.params["axis"], keepdims=True)),)


class LogSoftmax(Op):
    name, formula, grad_formula = "log_softmax", "yᵢ = xᵢ − log Σⱼ eˣʲ", "dx = dy − softmax(x)·Σ dy"
    inputs_are, outputs_are = ("scores x",), ("log-probabilities y",)

    def forward(self, x, axis):
        shifted = x - x.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(self, dy):
        axis = self.params["axis"]
        return (dy - np.exp(self.outputs[0]) * dy.sum(axis=axis, keepdims=True),)
