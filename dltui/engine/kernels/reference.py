"""Reference kernels: the readable NumPy definition of every hot kernel.

This module is the specification and the test oracle; the numba (``cpu.py``) and numba.cuda
(``cuda.py``) backends have the same names and must agree with it to 1e-10. It is also the
``numpy`` backend, used when numba is missing and while compiled kernels are still warming up.

Conventions (PyTorch's): NCHW layout, float64, conv weights ``(C_out, C_in, KH, KW)``,
transposed-conv weights ``(C_in, C_out, KH, KW)``, ``stride``/``padding`` an int or an
``(h, w)`` pair. Forward functions return what the backward needs besides the inputs; backward
functions take the upstream gradient ``dy`` and return gradients in input order.
"""

from __future__ import annotations

import math

import numpy as np

# --------------------------------------------------------------------------- helpers


def pair(v) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(2, 1)`` -> ``(2, 1)``."""
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def conv_out_size(size: int, k: int, s: int, p: int) -> int:
    """Output length of a convolution or pooling window sweep along one axis."""
    return (size + 2 * p - k) // s + 1


def _pad(x: np.ndarray, ph: int, pw: int, value: float = 0.0) -> np.ndarray:
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _tap(xp: np.ndarray, i: int, j: int, sh: int, sw: int, oh: int, ow: int) -> np.ndarray:
    """The input pixels that kernel tap (i, j) touches for every output position: (N, C, OH, OW)."""
    return xp[:, :, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]


# --------------------------------------------------------------------------- conv2d


def conv2d_forward(x, w, b, stride=1, padding=0):
    """y[n,o,p,q] = b[o] + sum_{c,i,j} x_pad[n,c,p*sh+i,q*sw+j] * w[o,c,i,j] (cross-correlation)."""
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    n, _, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    oh, ow = conv_out_size(h, kh, sh, ph), conv_out_size(wd, kw, sw, pw)
    xp = _pad(x, ph, pw)
    y = np.zeros((n, c_out, oh, ow))
    for i in range(kh):  # each kernel tap is a strided view of the input times a (C_out, C_in) matrix
        for j in range(kw):
            y += np.einsum("nchw,oc->nohw", _tap(xp, i, j, sh, sw, oh, ow), w[:, :, i, j], optimize=True)
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def conv2d_backward(x, w, dy, stride=1, padding=0, need_dx=True):
    """Gradients of conv2d_forward: returns (dx, dw, db); dx is None when not ``need_dx`` (a
    first layer's input needs no gradient, and dx is the costlier half)."""
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    n, c_in, h, wd = x.shape
    _, _, kh, kw = w.shape
    oh, ow = dy.shape[2:]
    xp = _pad(x, ph, pw)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(kh):
        for j in range(kw):
            dw[:, :, i, j] = np.einsum("nohw,nchw->oc", dy, _tap(xp, i, j, sh, sw, oh, ow), optimize=True)
            if need_dx:
                _tap(dxp, i, j, sh, sw, oh, ow)[...] += np.einsum("nohw,oc->nchw", dy, w[:, :, i, j], optimize=True)
    dx = np.ascontiguousarray(dxp[:, :, ph : ph + h, pw : pw + wd]) if need_dx else None
    return dx, dw, dy.sum(axis=(0, 2, 3))


# --------------------------------------------------------------------------- conv_transpose2d


def conv_transpose2d_out_size(size: int, k: int, s: int, p: int, op: int = 0) -> int:
    return (size - 1) * s - 2 * p + k + op


def conv_transpose2d_forward(x, w, b, stride=1, padding=0, output_padding=0):
    """Transposed convolution (the gradient of conv2d w.r.t. its input), torch semantics.

    Every input pixel scatters ``x[n,c,h,w] * w[c,:,:,:]`` into the output at (h*s, w*s); the
    result is then cropped by ``padding`` on each side, ``output_padding`` extra rows/cols kept.
    """
    (sh, sw), (ph, pw), (oph, opw) = pair(stride), pair(padding), pair(output_padding)
    n, _, h, wd = x.shape
    _, c_out, kh, kw = w.shape
    full = np.zeros((n, c_out, (h - 1) * sh + kh + oph, (wd - 1) * sw + kw + opw))
    for i in range(kh):
        for j in range(kw):
            _tap(full, i, j, sh, sw, h, wd)[...] += np.einsum("nchw,co->nohw", x, w[:, :, i, j], optimize=True)
    oh = conv_transpose2d_out_size(h, kh, sh, ph, oph)
    ow = conv_transpose2d_out_size(wd, kw, sw, pw, opw)
    y = np.ascontiguousarray(full[:, :, ph : ph + oh, pw : pw + ow])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def conv_transpose2d_backward(x, w, dy, stride=1, padding=0, output_padding=0):
    """Gradients of conv_transpose2d_forward: returns (dx, dw, db)."""
    (sh, sw), (ph, pw), (oph, opw) = pair(stride), pair(padding), pair(output_padding)
    n, _, h, wd = x.shape
    _, c_out, kh, kw = w.shape
    oh, ow = dy.shape[2:]
    dfull = np.zeros((n, c_out, (h - 1) * sh + kh + oph, (wd - 1) * sw + kw + opw))
    dfull[:, :, ph : ph + oh, pw : pw + ow] = dy
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    for i in range(kh):
        for j in range(kw):
            tap = _tap(dfull, i, j, sh, sw, h, wd)
            dx += np.einsum("nohw,co->nchw", tap, w[:, :, i, j], optimize=True)
            dw[:, :, i, j] = np.einsum("nchw,nohw->co", x, tap, optimize=True)
    return dx, dw, dy.sum(axis=(0, 2, 3))


# --------------------------------------------------------------------------- pooling


def max_pool2d_forward(x, kernel, stride=None, padding=0):
    """Max over each window (padding counts as -inf). Returns (y, argmax).

    ``argmax[n,c,p,q]`` is the flat index ``h*W + w`` of the winner in the unpadded input plane
    (torch's ``return_indices``), with torch's rules: on ties the first in row-major window order wins, a NaN
    wins over any number (the window's last NaN), and a window of nothing but -inf points at its first pixel.
    """
    (kh, kw) = pair(kernel)
    (sh, sw), (ph, pw) = pair(kernel if stride is None else stride), pair(padding)
    n, c, h, wd = x.shape
    oh, ow = conv_out_size(h, kh, sh, ph), conv_out_size(wd, kw, sw, pw)
    xp = _pad(x, ph, pw, -np.inf)
    y = np.full((n, c, oh, ow), -np.inf)
    rows = np.arange(oh).reshape(-1, 1) * sh - ph  # unpadded row of tap (0, 0) per output
    cols = np.arange(ow).reshape(1, -1) * sw - pw
    argmax = np.broadcast_to(np.maximum(rows, 0) * wd + np.maximum(cols, 0), y.shape)  # each window's first pixel
    for i in range(kh):
        for j in range(kw):
            tap = _tap(xp, i, j, sh, sw, oh, ow)
            better = (tap > y) | np.isnan(tap)
            y = np.where(better, tap, y)
            argmax = np.where(better, (rows + i) * wd + (cols + j), argmax)
    return y, argmax


def max_pool2d_backward(dy, argmax, x_shape):
    """Route each output gradient to its window's winner; overlapping windows accumulate."""
    n, c, h, wd = x_shape
    plane = np.arange(n * c).reshape(n, c, 1, 1) * (h * wd)
    dx = np.bincount((plane + argmax).ravel(), weights=dy.ravel(), minlength=n * c * h * wd)
    return dx.reshape(x_shape)


def avg_pool2d_forward(x, kernel, stride=None, padding=0):
    """Mean over each window; zero padding counts in the divisor (torch's count_include_pad=True)."""
    (kh, kw) = pair(kernel)
    (sh, sw), (ph, pw) = pair(kernel if stride is None else stride), pair(padding)
    n, c, h, wd = x.shape
    oh, ow = conv_out_size(h, kh, sh, ph), conv_out_size(wd, kw, sw, pw)
    xp = _pad(x, ph, pw)
    y = np.zeros((n, c, oh, ow))
    for i in range(kh):
        for j in range(kw):
            y += _tap(xp, i, j, sh, sw, oh, ow)
    return y / (kh * kw)


def avg_pool2d_backward(dy, x_shape, kernel, stride=None, padding=0):
    """Spread each output gradient evenly over its window."""
    (kh, kw) = pair(kernel)
    (sh, sw), (ph, pw) = pair(kernel if stride is None else stride), pair(padding)
    n, c, h, wd = x_shape
    oh, ow = dy.shape[2:]
    dxp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    share = dy / (kh * kw)
    for i in range(kh):
        for j in range(kw):
            _tap(dxp, i, j, sh, sw, oh, ow)[...] += share
    return np.ascontiguousarray(dxp[:, :, ph : ph + h, pw : pw + wd])


# --------------------------------------------------------------------------- elementwise
# Every backward has the signature (x, y, dy, *params) -> dx, so callers need not know which of
# x or y a derivative is cheaper from.


def relu_forward(x):
    return np.maximum(x, 0.0)


def relu_backward(x, y, dy):
    return np.where(x <= 0, 0.0, dy)  # torch's: a NaN gradient stops where x <= 0, and passes where x is NaN


def leaky_relu_forward(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_backward(x, y, dy, negative_slope=0.01):
    return dy * np.where(x > 0, 1.0, negative_slope)


def elu_forward(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_backward(x, y, dy, alpha=1.0):
    return dy * np.where(x > 0, 1.0, y + alpha)


def sigmoid_forward(x):
    """1 / (1 + e^-x), written so that neither branch overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_backward(x, y, dy):
    return dy * y * (1.0 - y)


def tanh_forward(x):
    return np.tanh(x)


def tanh_backward(x, y, dy):
    return dy * (1.0 - y * y)


# --------------------------------------------------------------------------- cross-entropy


def cross_entropy_forward(logits, target):
    """Mean over rows of −log softmax(z)[t], and the softmax, kept for the gradient."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(target)), target]), np.exp(log_probs)


def cross_entropy_backward(probs, target, dl):
    """dz = dl·(softmax(z) − onehot(t)) / N."""
    dz = probs.copy()
    dz[np.arange(len(target)), target] -= 1.0
    return dl * dz / len(target)


# --------------------------------------------------------------------------- softmax over the last axis


def softmax_forward(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_backward(y, dy):
    """dx = y ⊙ (dy − Σ dy⊙y), the sum along the last axis."""
    return y * (dy - (dy * y).sum(axis=-1, keepdims=True))


# --------------------------------------------------------------------------- layer norm


def layer_norm_forward(x, gamma, beta, ndim, eps):
    """Each sample normalized over its last `ndim` axes, then scaled by γ and shifted by β: (y, x̂, mean, 1/σ), the
    mean and 1/σ with those axes kept at size 1."""
    axes = tuple(range(x.ndim - ndim, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    x_hat = x - mean
    inv_std = 1.0 / np.sqrt((x_hat * x_hat).mean(axis=axes, keepdims=True) + eps)
    x_hat *= inv_std
    y = x_hat * gamma
    y += beta
    return y, x_hat, mean, inv_std


def layer_norm_backward(dy, x_hat, inv_std, gamma, ndim):
    """(dx, dγ, dβ): dx = (1/σ)/m·(m·dx̂ − Σdx̂ − x̂·Σ(dx̂⊙x̂)) with dx̂ = dy⊙γ, the sums over the normalized axes."""
    axes = tuple(range(dy.ndim - ndim, dy.ndim))
    outer = tuple(range(dy.ndim - ndim))
    m = math.prod(dy.shape[dy.ndim - ndim:])
    dx_hat = dy * gamma
    dx = dx_hat * m  # in place from here, in the formula's order
    dx -= dx_hat.sum(axis=axes, keepdims=True)
    dx -= x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)
    dx *= inv_std / m
    return dx, (dy * x_hat).sum(axis=outer), dy.sum(axis=outer)


# --------------------------------------------------------------------------- recurrent cell gates


def lstm_gates_forward(gates, c_prev):
    """PyTorch LSTM cell after the matmuls. ``gates`` (N, 4H) = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh,
    blocks in order i, f, g, o. Returns (i, f, g, o, c, h):

        i, f, o = σ(·)   g = tanh(·)   c = f*c_prev + i*g   h = o*tanh(c)
    """
    hs = c_prev.shape[1]
    i = sigmoid_forward(gates[:, :hs])
    f = sigmoid_forward(gates[:, hs : 2 * hs])
    g = np.tanh(gates[:, 2 * hs : 3 * hs])
    o = sigmoid_forward(gates[:, 3 * hs :])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return i, f, g, o, c, h


def lstm_gates_backward(i, f, g, o, c, c_prev, dh, dc):
    """Gradients of lstm_gates_forward given dL/dh and dL/dc (either may be None = zero).

    Returns (dgates (N, 4H) w.r.t. the pre-activations, dc_prev)."""
    tc = np.tanh(c)
    dh = np.zeros_like(c) if dh is None else dh
    dc_total = dh * o * (1.0 - tc * tc) + (0.0 if dc is None else dc)
    di, df, dg, do = dc_total * g, dc_total * c_prev, dc_total * i, dh * tc
    dgates = np.concatenate(
        [di * i * (1.0 - i), df * f * (1.0 - f), dg * (1.0 - g * g), do * o * (1.0 - o)], axis=1
    )
    return dgates, dc_total * f


def gru_gates_forward(gi, gh, h_prev):
    """PyTorch GRU cell after the matmuls. ``gi`` = x W_ihᵀ + b_ih, ``gh`` = h W_hhᵀ + b_hh, both
    (N, 3H) in block order r, z, n. Returns (r, z, n, h):

        r = σ(gi_r + gh_r)   z = σ(gi_z + gh_z)   n = tanh(gi_n + r*gh_n)   h = (1-z)*n + z*h_prev

    b_hn sits inside gh_n, so it is multiplied by r (PyTorch's convention).
    """
    hs = h_prev.shape[1]
    r = sigmoid_forward(gi[:, :hs] + gh[:, :hs])
    z = sigmoid_forward(gi[:, hs : 2 * hs] + gh[:, hs : 2 * hs])
    n = np.tanh(gi[:, 2 * hs :] + r * gh[:, 2 * hs :])
    h = (1.0 - z) * n + z * h_prev
    return r, z, n, h


def gru_gates_backward(gh, h_prev, r, z, n, dh):
    """Gradients of gru_gates_forward given dL/dh. Returns (dgi, dgh, dh_prev).

    ``dh_prev`` is only the direct path ``z*dh``; the path through ``gh`` (``dgh @ W_hh``) is the
    caller's matmul."""
    hs = h_prev.shape[1]
    dn_pre = dh * (1.0 - z) * (1.0 - n * n)
    dz_pre = dh * (h_prev - n) * z * (1.0 - z)
    dr_pre = dn_pre * gh[:, 2 * hs :] * r * (1.0 - r)
    dgi = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)
    dgh = np.concatenate([dr_pre, dz_pre, dn_pre * r], axis=1)
    return dgi, dgh, dh * z


# --------------------------------------------------------------------------- fused tiny-MLP training
# A net of a few dozen weights spends almost all of an engine step in per-op bookkeeping, so the
# MLP lab trains with these instead: a stack of S nets x → Linear → act → Linear → σ on a leading
# axis (shapes as torch.nn.Linear's: w1 (S,H,D), b1 (S,H), w2 (S,1,H), b2 (S,1)), the loss the
# batch mean, plain SGD. Op for op they compute what the engine's backward computes.


def _sigmoid_tanh(z):
    """σ(z) = ½·tanh(z/2) + ½: cannot overflow, and on tiny arrays faster than two branches."""
    return 0.5 * np.tanh(0.5 * z) + 0.5


MLP_ACTIVATIONS = {  # hidden activation: forward, backward(z, h, dh)
    "sigmoid": (_sigmoid_tanh, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
}
MLP_LOSSES = ("mse", "bce")


def mlp_forward(w1, b1, w2, b2, x, activation):
    """z1 = x·W1ᵀ + b1, h = act(z1), z2 = h·W2ᵀ + b2, p = σ(z2); each (S, B, ·)."""
    z1 = x @ w1.transpose(0, 2, 1) + b1[:, None, :]
    h = MLP_ACTIVATIONS[activation][0](z1)
    z2 = h @ w2.transpose(0, 2, 1) + b2[:, None, :]
    return z1, h, z2, _sigmoid_tanh(z2)


def mlp_loss_grad(p, y, loss):
    """∂loss/∂p of the batch mean, as the engine's mse_loss and binary_cross_entropy write it."""
    t = y.reshape(1, -1, 1)
    if loss == "mse":
        return 2.0 * (p - t) / p.shape[1]
    return (p - t) / np.maximum(p * (1.0 - p), 1e-12) / p.shape[1]


def mlp_grads(w1, b1, w2, b2, x, y, activation, loss):
    """Gradients of each net's batch-mean loss: [dw1, db1, dw2, db2]."""
    z1, h, z2, p = mlp_forward(w1, b1, w2, b2, x, activation)
    dz2 = sigmoid_backward(z2, p, mlp_loss_grad(p, y, loss))
    dz1 = MLP_ACTIVATIONS[activation][1](z1, h, dz2 @ w2)
    return [dz1.transpose(0, 2, 1) @ x, dz1.sum(axis=1), dz2.transpose(0, 2, 1) @ h, dz2.sum(axis=1)]


def mlp_sgd(w1, b1, w2, b2, x, y, lr, activation, loss, batch, start, count, active):
    """``count`` SGD updates, in place, of the nets where ``active`` (bool, (S,)) is True.

    ``batch``: every update uses all of x (accumulated BP). Otherwise update k uses the single
    sample (start + k) mod len(x) (standard BP)."""
    for k in range(count):
        i = slice(None) if batch else [(start + k) % len(x)]
        grads = mlp_grads(w1, b1, w2, b2, x[i], y[i], activation, loss)
        for a, g in zip((w1, b1, w2, b2), grads):
            a[active] -= lr * g[active]


# --------------------------------------------------------------------------- optimizer steps
def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2, lr, eps, step, amsgrad):
    """One Adam step of one parameter (`step` counts from 1), as torch.optim.Adam: new arrays (param, exp_avg,
    exp_avg_sq, max_exp_avg_sq), the last None without `amsgrad`; state not there yet (None) starts at 0."""
    exp_avg = beta1 * (0.0 if exp_avg is None else exp_avg) + (1 - beta1) * grad
    exp_avg_sq = beta2 * (0.0 if exp_avg_sq is None else exp_avg_sq) + (1 - beta2) * grad * grad
    v = exp_avg_sq
    if amsgrad:
        max_exp_avg_sq = v = np.maximum(0.0 if max_exp_avg_sq is None else max_exp_avg_sq, v)
    step_size, bias2_sqrt = adam_corrections(lr, beta1, beta2, step)
    denom = np.sqrt(v) / bias2_sqrt + eps
    return param - step_size * exp_avg / denom, exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else None


def adam_corrections(lr, beta1, beta2, step):
    """Adam's bias corrections as its update uses them: the step size lr/(1 − β₁ᵗ) and √(1 − β₂ᵗ)."""
    return lr / (1 - beta1**step), math.sqrt(1 - beta2**step)


def sgd_momentum_step(param, grad, momentum_buffer, lr, momentum, dampening, nesterov):
    """One step of SGD with momentum, as torch.optim.SGD: new arrays (param, momentum_buffer); the buffer starts as
    the first gradient (None before)."""
    if momentum_buffer is None:
        momentum_buffer = grad.copy()
    else:
        momentum_buffer = momentum * momentum_buffer + (1 - dampening) * grad
    return param - lr * (grad + momentum * momentum_buffer if nesterov else momentum_buffer), momentum_buffer
