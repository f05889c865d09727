"""Layer ops: linear, convolution, pooling, normalization, embedding, dropout."""

from __future__ import annotations

import numpy as np

from ..kernels import active
from ..kernels.reference import conv_out_size, pair
from .base import Op
from .basic import Pad


def _with_bias(grads, inputs):
    """Kernels always return a bias gradient; drop it when the call had no bias input."""
    return tuple(grads[: len(inputs)])


class Linear(Op):
    name, formula, grad_formula = "linear", "Y = X·Wᵀ + b", "dX = dY·W, dW = dYᵀ·X, db = Σ dY"
    inputs_are, outputs_are = ("input X", "weight W", "bias b"), ("output Y",)

    def forward(self, x, w, b=None):
        y = x @ w.T
        return y if b is None else y + b

    def backward(self, dy):
        x, w = self.arrays[0], self.arrays[1]
        dy2, x2 = (dy, x) if dy.ndim == 2 else (dy.reshape(-1, dy.shape[-1]), x.reshape(-1, x.shape[-1]))
        dx = dy @ w if self.inputs[0].requires_grad else None  # a first layer's input needs none
        return (dx, dy2.T @ x2) if len(self.arrays) == 2 else (dx, dy2.T @ x2, dy2.sum(axis=0))

    def composite(self, x, w, b=None):
        y = x @ w.T
        return y if b is None else y + b


class Conv2d(Op):
    name = "conv2d"
    formula = "y[n,o] = b[o] + Σ_c x[n,c] ⋆ w[o,c]"
    inputs_are, outputs_are = ("input x", "kernels w", "bias b"), ("feature maps y",)
    grad_formula = "dx = dy ⋆ᵀ w (scatter back), dW[o,c] = Σ_n x[n,c] ⋆ dy[n,o], db = Σ dy"

    def forward(self, x, w, b=None, *, stride, padding):
        return active().conv2d_forward(x, w, b, stride, padding)

    def backward(self, dy):
        x, w = self.arrays[:2]
        grads = active().conv2d_backward(x, w, dy, self.params["stride"], self.params["padding"],
                                         need_dx=self.inputs[0].requires_grad)  # a first layer skips dX
        return _with_bias(grads, self.inputs)

    def composite(self, x, w, b=None):
        """im2col: gather every window into a row, then one matmul with the flattened kernels."""
        (sh, sw), (ph, pw) = pair(self.params["stride"]), pair(self.params["padding"])
        n, c, h, wd = x.shape
        c_out, _, kh, kw = w.shape
        oh, ow = conv_out_size(h, kh, sh, ph), conv_out_size(wd, kw, sw, pw)
        if ph or pw:
            x = Pad.apply(x, pad_width=((0, 0), (0, 0), (ph, ph), (pw, pw)))
        rows = np.arange(kh)[:, None] + sh * np.arange(oh)[None, :]  # (KH, OH) input row per tap, output row
        cols = np.arange(kw)[:, None] + sw * np.arange(ow)[None, :]
        patches = x[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (N, C, KH, KW, OH, OW)
        columns = patches.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, c * kh * kw)
        y = columns @ w.reshape(c_out, c * kh * kw).T
        if b is not None:
            y = y + b
        return y.reshape(n, oh, ow, c_out).transpose(0, 3, 1, 2)


class ConvTranspose2d(Op):
    name = "conv_transpose2d"
    formula = "y = Σ_c x[n,c] scattered through w[c,o] at stride s (conv2d's input gradient)"
    inputs_are, outputs_are = ("input x", "kernels w", "bias b"), ("output y",)
    grad_formula = "dx = dy ⋆ w (an ordinary conv), dW = Σ_n x ⋆ dy, db = Σ dy"

    def forward(self, x, w, b=None, *, stride, padding, output_padding):
        return active().conv_transpose2d_forward(x, w, b, stride, padding, output_padding)

    def backward(self, dy):
        p = self.params
        grads = active().conv_transpose2d_backward(
            *self.arrays[:2], dy, p["stride"], p["padding"], p["output_padding"]
        )
        return _with_bias(grads, self.inputs)


class MaxPool2d(Op):
    name, formula, grad_formula = "max_pool2d", "y = max over each window", "dx[argmax] += dy, 0 elsewhere"
    outputs_are = ("pooled y",)

    def forward(self, x, kernel_size, stride, padding):
        y, argmax = active().max_pool2d_forward(x, kernel_size, stride, padding)
        self.save(argmax=argmax)
        return y

    def backward(self, dy):
        return (active().max_pool2d_backward(dy, self.saved["argmax"], self.inputs[0].shape),)


class AvgPool2d(Op):
    name, formula, grad_formula = "avg_pool2d", "y = mean over each window", "dx = dy / (kh·kw) spread over the window"
    outputs_are = ("pooled y",)

    def forward(self, x, kernel_size, stride, padding):
        return active().avg_pool2d_forward(x, kernel_size, stride, padding)

    def backward(self, dy):
        p = self.params
        return (active().avg_pool2d_backward(dy, self.inputs[0].shape, p["kernel_size"], p["stride"], p["padding"]),)


class Dropout(Op):
    name, formula, grad_formula = "dropout", "y = x ⊙ mask / (1 − p)", "dx = dy ⊙ mask / (1 − p)"

    def forward(self, x, scaled_mask):
        return x * scaled_mask

    def backward(self, dy):
        return (dy * self.params["scaled_mask"],)


class BatchNorm(Op):
    """Normalize each channel (axis 1) over the batch and spatial axes.

    Training uses the batch's mean and biased variance (saved as `mean`, `var`); evaluation uses
    the running statistics passed as params, which makes it a per-channel affine map."""

    name = "batch_norm"
    formula = "x̂ = (x − μ_B)/√(σ²_B + ε), y = γ·x̂ + β"
    inputs_are = ("input x", "scale γ", "shift β")
    grad_formula = "dx = (γ/σ)/m·(m·dx̂ − Σdx̂ − x̂·Σ(dx̂⊙x̂)), dγ = Σ dy⊙x̂, dβ = Σ dy"

    def forward(self, x, gamma, beta, *, training, running_mean, running_var, eps):
        axes = (0,) + tuple(range(2, x.ndim))
        shape = [1, -1] + [1] * (x.ndim - 2)
        if training:
            mean, var = x.mean(axis=axes), x.var(axis=axes)
        else:
            mean, var = running_mean, running_var
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
        self.save(mean=mean, var=var, x_hat=x_hat, inv_std=inv_std, axes=axes, shape=shape)
        return gamma.reshape(shape) * x_hat + beta.reshape(shape)

    def backward(self, dy):
        s = self.saved
        axes, shape, x_hat = s["axes"], s["shape"], s["x_hat"]
        gamma = self.arrays[1]
        dx_hat = dy * gamma.reshape(shape)
        scale = s["inv_std"].reshape(shape)
        if self.params["training"]:
            m = dy.size / gamma.size
            dx = scale / m * (m * dx_hat - dx_hat.sum(axis=axes).reshape(shape)
                              - x_hat * (dx_hat * x_hat).sum(axis=axes).reshape(shape))
        else:
            dx = dx_hat * scale
        return dx, (dy * x_hat).sum(axis=axes), dy.sum(axis=axes)


class LayerNorm(Op):
    name = "layer_norm"
    formula = "x̂ = (x − μ)/√(σ² + ε) over the last dims, y = γ·x̂ + β"
    inputs_are = ("input x", "scale γ", "shift β")
    grad_formula = "dx = (1/σ)/m·(m·dx̂ − Σdx̂ − x̂·Σ(dx̂⊙x̂)), dγ = Σ dy⊙x̂, dβ = Σ dy"

    def forward(self, x, gamma, beta, *, ndim, eps):
        axes = tuple(range(x.ndim - ndim, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
        x_hat = (x - mean) * inv_std
        self.save(mean=mean, inv_std=inv_std, x_hat=x_hat)
        return gamma * x_hat + beta

    def backward(self, dy):
        x_hat, inv_std = self.saved["x_hat"], self.saved["inv_std"]
        gamma = self.arrays[1]
        ndim = self.params["ndim"]
        axes = tuple(range(dy.ndim - ndim, dy.ndim))
        outer = tuple(range(dy.ndim - ndim))
        m = gamma.size
        dx_hat = dy * gamma
        dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
                            - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True))
        return dx, (dy * x_hat).sum(axis=outer), dy.sum(axis=outer)


class Embedding(Op):
    name, formula, grad_formula = "embedding", "y = W[indices]", "dW[indices] += dy (repeats add up)"
    inputs_are, outputs_are = ("table W",), ("vectors y",)

    def forward(self, weight, indices):
        return weight[indices]

    def backward(self, dy):
        dw = np.zeros(self.inputs[0].shape)
        np.add.at(dw, self.params["indices"], dy)
        return (dw,)
