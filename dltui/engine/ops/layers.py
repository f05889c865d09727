"""Layer ops: linear, convolution, pooling, normalization, embedding, dropout."""

from __future__ import annotations

import numpy as np

from dltui.i18n import N_

from ..kernels import active
from ..kernels.reference import conv_out_size, pair
from ..kernels.threads import threads
from .base import Op
from .basic import Concat, Pad


def _with_bias(grads, inputs):
    """Kernels always return a bias gradient; drop it when the call had no bias input."""
    return tuple(grads[: len(inputs)])


def _rows(a: np.ndarray) -> np.ndarray:
    """(…, features) as one (rows, features) matrix: a Linear's one GEMM, where a batched matmul made one per leading
    index (a transformer's (8, 64, 64) inputs: its forward 15-25 % slower)."""
    return a if a.ndim == 2 else a.reshape(-1, a.shape[-1])


class Linear(Op):
    name, formula, grad_formula = "linear", "Y = X·Wᵀ + b", "dX = dY·W, dW = dYᵀ·X, db = Σ dY"
    inputs_are, outputs_are = (N_("input X"), N_("weight W"), N_("bias b")), (N_("output Y"),)

    def forward(self, x, w, b=None):
        y = threads.matmul(_rows(x), w.T)
        if b is not None:
            y += b  # y is new: adding in place saves an output-sized array
        return y if x.ndim == 2 else y.reshape(x.shape[:-1] + w.shape[:1])  # a tiny net's step skips the reshape

    def backward(self, dy):
        x, w = self.arrays[0], self.arrays[1]
        dy2, x2 = _rows(dy), _rows(x)
        dx = None
        if self.inputs[0].requires_grad:  # a first layer's input needs none
            dx = threads.matmul(dy2, w)
            dx = dx if x.ndim == 2 else dx.reshape(x.shape)
        dw = threads.matmul(dy2.T, x2)
        return (dx, dw) if len(self.arrays) == 2 else (dx, dw, dy2.sum(axis=0))

    def composite(self, x, w, b=None):
        y = x @ w.T
        return y if b is None else y + b


def dilated(w: np.ndarray, dilation: tuple[int, int]) -> np.ndarray:
    """The kernel with d − 1 zeros between its taps: a dilated conv is an ordinary conv with this kernel."""
    dh, dw = dilation
    if dh == dw == 1:
        return w
    o, c, kh, kw = w.shape
    out = np.zeros((o, c, (kh - 1) * dh + 1, (kw - 1) * dw + 1))
    out[:, :, ::dh, ::dw] = w
    return out


def _grouped(groups, x, w, per_output):
    """Per group: its input channels, its kernels and its channels of `per_output` (the bias, or dy; None stays)."""
    cin, cout = x.shape[1] // groups, w.shape[0] // groups
    for g in range(groups):
        outs = slice(g * cout, (g + 1) * cout)
        part = None if per_output is None else per_output[(slice(None), outs) if per_output.ndim == 4 else outs]
        yield x[:, g * cin:(g + 1) * cin], w[outs], part


class Conv2d(Op):
    """Cross-correlation; `dilation` runs the kernels with zeros between their taps, and `groups` splits the
    channels into groups convolved separately (their outputs concatenated). The plain case is one kernel call."""

    name = "conv2d"
    formula = "y[n,o] = b[o] + Σ_c x[n,c] ⋆ w[o,c]"
    inputs_are, outputs_are = (N_("input x"), N_("kernels w"), N_("bias b")), (N_("feature maps y"),)
    grad_formula = N_("dx = dy ⋆ᵀ w (scatter back), dW[o,c] = Σ_n x[n,c] ⋆ dy[n,o], db = Σ dy")

    def forward(self, x, w, b=None, *, stride, padding, dilation=(1, 1), groups=1):
        if groups == 1 and dilation == (1, 1):
            return active().conv2d_forward(x, w, b, stride, padding)
        kernels = active()
        return np.concatenate([kernels.conv2d_forward(xg, wg, bg, stride, padding)
                               for xg, wg, bg in _grouped(groups, x, dilated(w, dilation), b)], axis=1)

    def backward(self, dy):
        x, w = self.arrays[:2]
        p, need_dx = self.params, self.inputs[0].requires_grad  # a first layer skips dX
        dilation, groups = p.get("dilation", (1, 1)), p.get("groups", 1)
        if groups == 1 and dilation == (1, 1):
            return _with_bias(active().conv2d_backward(x, w, dy, p["stride"], p["padding"], need_dx=need_dx),
                              self.inputs)
        kernels = active()
        parts = [kernels.conv2d_backward(xg, wg, dyg, p["stride"], p["padding"], need_dx=need_dx)
                 for xg, wg, dyg in _grouped(groups, x, dilated(w, dilation), dy)]
        dx = np.concatenate([part[0] for part in parts], axis=1) if need_dx else None
        dw = np.concatenate([part[1] for part in parts])[:, :, ::dilation[0], ::dilation[1]]
        return _with_bias((dx, dw, np.concatenate([part[2] for part in parts])), self.inputs)

    def composite(self, x, w, b=None):
        """im2col: gather every window into a row, then one matmul per group with the flattened kernels."""
        p = self.params
        (sh, sw), (ph, pw), (dh, dw) = pair(p["stride"]), pair(p["padding"]), pair(p.get("dilation", 1))
        groups = p.get("groups", 1)
        n, c, h, wd = x.shape
        c_out, cg, kh, kw = w.shape
        oh, ow = conv_out_size(h, (kh - 1) * dh + 1, sh, ph), conv_out_size(wd, (kw - 1) * dw + 1, sw, pw)
        if ph or pw:
            x = Pad.apply(x, pad_width=((0, 0), (0, 0), (ph, ph), (pw, pw)))
        rows = dh * np.arange(kh)[:, None] + sh * np.arange(oh)[None, :]  # (KH, OH) input row per tap, output row
        cols = dw * np.arange(kw)[:, None] + sw * np.arange(ow)[None, :]
        patches = x[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (N, C, KH, KW, OH, OW)
        og = c_out // groups
        ys = []
        for g in range(groups):
            part = patches if groups == 1 else patches[:, g * cg:(g + 1) * cg]
            columns = part.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, cg * kh * kw)
            ys.append(columns @ (w if groups == 1 else w[g * og:(g + 1) * og]).reshape(og, cg * kh * kw).T)
        y = ys[0] if groups == 1 else Concat.apply(*ys, axis=1)
        if b is not None:
            y = y + b
        return y.reshape(n, oh, ow, c_out).transpose(0, 3, 1, 2)


class ConvTranspose2d(Op):
    name = "conv_transpose2d"
    formula = N_("y = Σ_c x[n,c] scattered through w[c,o] at stride s (conv2d's input gradient)")
    inputs_are, outputs_are = (N_("input x"), N_("kernels w"), N_("bias b")), (N_("output y"),)
    grad_formula = N_("dx = dy ⋆ w (an ordinary conv), dW = Σ_n x ⋆ dy, db = Σ dy")

    def forward(self, x, w, b=None, *, stride, padding, output_padding):
        return active().conv_transpose2d_forward(x, w, b, stride, padding, output_padding)

    def backward(self, dy):
        p = self.params
        grads = active().conv_transpose2d_backward(
            *self.arrays[:2], dy, p["stride"], p["padding"], p["output_padding"]
        )
        return _with_bias(grads, self.inputs)


def pooled_size(size: int, k: int, s: int, p: int, ceil_mode: bool) -> int:
    """torch's pooling output size: with `ceil_mode` a last, partial window counts if it starts inside the input
    or its left padding."""
    if not ceil_mode:
        return conv_out_size(size, k, s, p)
    out = -(-(size + 2 * p - k) // s) + 1
    return out - 1 if (out - 1) * s >= size + p else out


def ceil_extra(shape, kernel_size, stride, padding) -> tuple[int, int]:
    """Rows and columns to add after the bottom and right padding so that floor-mode windows give the ceil-mode
    output."""
    return tuple(max((pooled_size(n, k, s, p, True) - 1) * s + k - (n + 2 * p), 0)
                 for n, k, s, p in zip(shape[2:], kernel_size, stride, padding))


class MaxPool2d(Op):
    name, formula, grad_formula = "max_pool2d", N_("y = max over each window"), N_("dx[argmax] += dy, 0 elsewhere")
    outputs_are = (N_("pooled y"),)

    def forward(self, x, kernel_size, stride, padding, ceil_mode=False):
        eh, ew = ceil_extra(x.shape, kernel_size, stride, padding) if ceil_mode else (0, 0)
        if eh or ew:  # −∞ below and right, never a window's maximum; indices back to x's own plane
            xe = np.pad(x, ((0, 0), (0, 0), (0, eh), (0, ew)), constant_values=-np.inf)
            y, argmax = active().max_pool2d_forward(xe, kernel_size, stride, padding)
            argmax = argmax // xe.shape[3] * x.shape[3] + argmax % xe.shape[3]
        else:
            y, argmax = active().max_pool2d_forward(x, kernel_size, stride, padding)
        self.save(argmax=argmax)
        return y

    def backward(self, dy):
        return (active().max_pool2d_backward(dy, self.saved["argmax"], self.inputs[0].shape),)


class AvgPool2d(Op):
    """Mean over each window. By default the zero padding counts in the divisor (torch's count_include_pad); else
    each window divides by the input elements it covers, or by `divisor_override`. `ceil_mode` keeps a last,
    partial window."""

    name, formula, grad_formula = "avg_pool2d", N_("y = mean over each window"), N_("dx = dy / (kh·kw) spread over the window")
    outputs_are = (N_("pooled y"),)

    def forward(self, x, kernel_size, stride, padding, ceil_mode=False, count_include_pad=True, divisor_override=None):
        if not ceil_mode and count_include_pad and divisor_override is None:
            return active().avg_pool2d_forward(x, kernel_size, stride, padding)
        (kh, kw), (ph, pw) = kernel_size, padding
        eh, ew = ceil_extra(x.shape, kernel_size, stride, padding) if ceil_mode else (0, 0)
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph + eh), (pw, pw + ew)))
        sums = active().avg_pool2d_forward(xp, kernel_size, stride, 0) * (kh * kw)
        if divisor_override is not None:
            count = np.array(float(divisor_override))
        else:  # windows over a mask of what counts: the padded input, or the input alone
            counted = np.zeros((1, 1) + xp.shape[2:])
            h, w = x.shape[2:]
            if count_include_pad:
                counted[..., : h + 2 * ph, : w + 2 * pw] = 1.0
            else:
                counted[..., ph:ph + h, pw:pw + w] = 1.0
            count = active().avg_pool2d_forward(counted, kernel_size, stride, 0) * (kh * kw)
        self.save(count=count, padded=xp.shape)
        return sums / count

    def backward(self, dy):
        p = self.params
        if "count" not in self.saved:
            return (active().avg_pool2d_backward(dy, self.inputs[0].shape, p["kernel_size"], p["stride"],
                                                 p["padding"]),)
        (kh, kw), (ph, pw) = p["kernel_size"], p["padding"]
        h, w = self.inputs[0].shape[2:]
        dxp = active().avg_pool2d_backward(dy / self.saved["count"] * (kh * kw), self.saved["padded"],
                                           p["kernel_size"], p["stride"], 0)
        return (np.ascontiguousarray(dxp[:, :, ph:ph + h, pw:pw + w]),)


class _Separable(Op):
    """y = A·x·Bᵀ on the last two axes (or y = x·Bᵀ on the last one): each output is a fixed weighted sum of
    inputs, one matrix per axis, as adaptive average pooling and interpolation are."""

    name, formula, grad_formula = "separable", "y = A·x·Bᵀ", "dx = Aᵀ·dy·B"

    def forward(self, x, *, rows, cols):
        y = x @ cols.T
        return y if rows is None else rows @ y

    def backward(self, dy):
        rows, cols = self.params["rows"], self.params["cols"]
        dx = dy @ cols
        return (dx if rows is None else rows.T @ dx,)


class AdaptiveAvgPool2d(_Separable):
    name = "adaptive_avg_pool2d"
    formula = N_("y[i,j] = mean of x over rows ⌊iH/h⌋…⌈(i+1)H/h⌉, columns alike  (y = A·x·Bᵀ)")
    grad_formula = N_("dx = Aᵀ·dy·B (each dy shared evenly over its window)")
    outputs_are = (N_("pooled y"),)


class Interpolate(_Separable):
    name = "interpolate"
    formula = N_("y = A·x·Bᵀ, each row of A (B) picking (nearest) or blending (linear) input rows (columns)")
    grad_formula = "dx = Aᵀ·dy·B"
    outputs_are = (N_("resized y"),)


def adaptive_matrix(size: int, out: int) -> np.ndarray:
    """Row i averages inputs ⌊i·size/out⌋ up to ⌈(i+1)·size/out⌉, torch's adaptive windows."""
    m = np.zeros((out, size))
    for i in range(out):
        start, end = i * size // out, -(-(i + 1) * size // out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def interpolation_matrix(size: int, out: int, mode: str, align_corners: bool, scale: float | None) -> np.ndarray:
    """Row i of the map from `size` inputs to `out` outputs along one axis, as torch computes it; `scale` is the
    input step per output (1/scale_factor when one was given, else size/out)."""
    if mode == "area":
        return adaptive_matrix(size, out)
    m, dst = np.zeros((out, size)), np.arange(out)
    if mode in ("nearest", "nearest-exact"):
        step = np.float32(size / out if scale is None else scale)  # torch computes the index in float32
        offset = np.float32(0.5 if mode == "nearest-exact" else 0.0)
        src = np.minimum(np.floor((dst.astype(np.float32) + offset) * step).astype(np.int64), size - 1)
        m[dst, src] = 1.0
        return m
    if align_corners:
        src = dst * ((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        src = np.maximum(((size / out) if scale is None else scale) * (dst + 0.5) - 0.5, 0.0)
    low = np.minimum(np.floor(src).astype(np.int64), size - 1)
    high = np.minimum(low + 1, size - 1)
    frac = src - low
    np.add.at(m, (dst, low), 1.0 - frac)
    np.add.at(m, (dst, high), frac)
    return m


class PadNd(Op):
    """torch's F.pad: each padded axis reads its input through an index map, −1 where the constant goes
    (reflect mirrors without repeating the edge, replicate repeats it, circular wraps around); backward adds
    each output's gradient back to the input element it came from."""

    name, formula, grad_formula = "pad", N_("y = x with a border (constant, reflected, replicated or wrapped)"), \
        N_("dx[i] = Σ dy over the outputs that read x[i]")

    def forward(self, x, *, maps, value=0.0, mode="constant"):
        for axis, index in maps:
            taken = np.take(x, np.maximum(index, 0), axis=axis)
            if (index < 0).any():
                fill = [slice(None)] * x.ndim
                fill[axis] = index < 0
                taken[tuple(fill)] = value
            x = taken
        return x if maps else x.copy()

    def backward(self, dy):
        shape = list(self.inputs[0].shape)
        for axis, index in reversed(self.params["maps"]):
            keep, at, size = index >= 0, [slice(None)] * dy.ndim, list(dy.shape)
            size[axis] = shape[axis]
            grad = np.zeros(size)
            at[axis] = index[keep]
            np.add.at(grad, tuple(at), np.compress(keep, dy, axis=axis))
            dy = grad
        return (dy,)


def pad_maps(shape: tuple[int, ...], pad: tuple[int, ...], mode: str) -> tuple[tuple[int, np.ndarray], ...]:
    """Index maps for torch's `pad` = (left, right) of the last axis, then of the one before, …; a negative
    amount crops."""
    numpy_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    maps = []
    for k in range(len(pad) // 2):
        axis = len(shape) - 1 - k
        before, after = pad[2 * k], pad[2 * k + 1]
        index = np.arange(shape[axis])
        kwargs = {"constant_values": -1} if mode == "constant" else {}
        index = np.pad(index, (max(before, 0), max(after, 0)), mode=numpy_mode, **kwargs)
        index = index[max(-before, 0): len(index) - max(-after, 0)]
        maps.append((axis, index))
    return tuple(maps)


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
    inputs_are = (N_("input x"), N_("scale γ"), N_("shift β"))
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
    formula = N_("x̂ = (x − μ)/√(σ² + ε) over the last dims, y = γ·x̂ + β")
    inputs_are = (N_("input x"), N_("scale γ"), N_("shift β"))
    grad_formula = "dx = (1/σ)/m·(m·dx̂ − Σdx̂ − x̂·Σ(dx̂⊙x̂)), dγ = Σ dy⊙x̂, dβ = Σ dy"

    def forward(self, x, gamma, beta, *, ndim, eps):
        y, x_hat, mean, inv_std = active().layer_norm_forward(x, gamma, beta, ndim, eps)
        self.save(mean=mean, inv_std=inv_std, x_hat=x_hat)
        return y

    def backward(self, dy):
        s = self.saved
        return active().layer_norm_backward(dy, s["x_hat"], s["inv_std"], self.arrays[1], self.params["ndim"])


class Embedding(Op):
    name, formula, grad_formula = "embedding", "y = W[indices]", N_("dW[indices] += dy (repeats add up)")
    inputs_are, outputs_are = (N_("table W"),), (N_("vectors y"),)

    def forward(self, weight, indices):
        return weight[indices]

    def backward(self, dy):
        dw = np.zeros_like(self.arrays[0])  # on the table's device
        np.add.at(dw, self.params["indices"], dy)
        return (dw,)
