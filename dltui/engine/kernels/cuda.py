"""numba.cuda kernels for conv2d, pooling, the activations and the LSTM/GRU gate math.

Imported only when the cuda backend is chosen (importing it initialises CUDA). The functions
take and return host NumPy arrays like every backend, so ops need not know where they ran; the
engine's matmuls stay in NumPy, and kernels not listed in ``PROVIDES`` come from the CPU backend.
Each kernel is one thread per output element; scatter-style gradients gather instead (a thread
per input element loops over the outputs it fed), except max-pool's, which uses atomic adds.
Tested with numba's simulator (``NUMBA_ENABLE_CUDASIM=1``) when no GPU is present.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from dltui.engine.kernels.reference import conv_out_size, pair

PROVIDES = (
    "conv2d_forward",
    "conv2d_backward",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool2d_backward",
    "relu_forward",
    "relu_backward",
    "leaky_relu_forward",
    "leaky_relu_backward",
    "elu_forward",
    "elu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "lstm_gates_forward",
    "lstm_gates_backward",
    "gru_gates_forward",
    "gru_gates_backward",
)

_THREADS = 128


def _dev(a, dtype=np.float64):
    return cuda.to_device(np.ascontiguousarray(a, dtype=dtype))


def _launch(kernel, total, *args):
    kernel[(total + _THREADS - 1) // _THREADS, _THREADS](*args)


@cuda.jit(device=True, inline=True)
def _unflat(t, c, h, w):
    """Flat index -> (n, c, h, w) for a C-contiguous (N, C, H, W) array."""
    return t // (c * h * w), (t // (h * w)) % c, (t // w) % h, t % w


@cuda.jit(device=True, inline=True)
def _sigmoid(v):
    e = math.exp(-abs(v))
    return 1.0 / (1.0 + e) if v >= 0 else e / (1.0 + e)


# --------------------------------------------------------------------------- conv2d


@cuda.jit(cache=True)
def _conv2d(x, w, b, y, sh, sw, ph, pw):
    t = cuda.grid(1)
    if t >= y.size:
        return
    n, o, p, q = _unflat(t, y.shape[1], y.shape[2], y.shape[3])
    acc = b[o]
    for c in range(x.shape[1]):
        for i in range(w.shape[2]):
            r = p * sh + i - ph
            if 0 <= r < x.shape[2]:
                for j in range(w.shape[3]):
                    s = q * sw + j - pw
                    if 0 <= s < x.shape[3]:
                        acc += x[n, c, r, s] * w[o, c, i, j]
    y[n, o, p, q] = acc


@cuda.jit(cache=True)
def _conv2d_dx(dy, w, dx, sh, sw, ph, pw):
    """dx[n,c,r,s] = sum over the (o, i, j) with r = p*sh + i - ph, s = q*sw + j - pw."""
    t = cuda.grid(1)
    if t >= dx.size:
        return
    n, c, r, s = _unflat(t, dx.shape[1], dx.shape[2], dx.shape[3])
    acc = 0.0
    for i in range(w.shape[2]):
        pr = r + ph - i
        if pr < 0 or pr % sh != 0 or pr // sh >= dy.shape[2]:
            continue
        for j in range(w.shape[3]):
            qs = s + pw - j
            if qs < 0 or qs % sw != 0 or qs // sw >= dy.shape[3]:
                continue
            for o in range(w.shape[0]):
                acc += dy[n, o, pr // sh, qs // sw] * w[o, c, i, j]
    dx[n, c, r, s] = acc


@cuda.jit(cache=True)
def _conv2d_dw(x, dy, dw, sh, sw, ph, pw):
    t = cuda.grid(1)
    if t >= dw.size:
        return
    o, c, i, j = _unflat(t, dw.shape[1], dw.shape[2], dw.shape[3])
    acc = 0.0
    for n in range(x.shape[0]):
        for p in range(dy.shape[2]):
            r = p * sh + i - ph
            if 0 <= r < x.shape[2]:
                for q in range(dy.shape[3]):
                    s = q * sw + j - pw
                    if 0 <= s < x.shape[3]:
                        acc += dy[n, o, p, q] * x[n, c, r, s]
    dw[o, c, i, j] = acc


def conv2d_forward(x, w, b, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    n, _, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    y = cuda.device_array((n, c_out, conv_out_size(h, kh, sh, ph), conv_out_size(wd, kw, sw, pw)))
    bias = np.zeros(c_out) if b is None else b
    _launch(_conv2d, y.size, _dev(x), _dev(w), _dev(bias), y, sh, sw, ph, pw)
    return y.copy_to_host()


def conv2d_backward(x, w, dy, stride=1, padding=0, need_dx=True):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    d_dy, dw = _dev(dy), cuda.device_array(w.shape)
    _launch(_conv2d_dw, dw.size, _dev(x), d_dy, dw, sh, sw, ph, pw)
    dx = None
    if need_dx:
        dx = cuda.device_array(x.shape)
        _launch(_conv2d_dx, dx.size, d_dy, _dev(w), dx, sh, sw, ph, pw)
        dx = dx.copy_to_host()
    return dx, dw.copy_to_host(), np.asarray(dy, dtype=np.float64).sum(axis=(0, 2, 3))


# --------------------------------------------------------------------------- pooling


@cuda.jit(cache=True)
def _max_pool(x, y, arg, kh, kw, sh, sw, ph, pw):
    t = cuda.grid(1)
    if t >= y.size:
        return
    n, c, p, q = _unflat(t, y.shape[1], y.shape[2], y.shape[3])
    best, where = -math.inf, 0
    for i in range(kh):
        r = p * sh + i - ph
        if 0 <= r < x.shape[2]:
            for j in range(kw):
                s = q * sw + j - pw
                if 0 <= s < x.shape[3] and x[n, c, r, s] > best:
                    best, where = x[n, c, r, s], r * x.shape[3] + s
    y[n, c, p, q], arg[n, c, p, q] = best, where


@cuda.jit(cache=True)
def _max_unpool(dy, arg, dx):
    t = cuda.grid(1)
    if t >= dy.size:
        return
    n, c, p, q = _unflat(t, dy.shape[1], dy.shape[2], dy.shape[3])
    k = arg[n, c, p, q]
    cuda.atomic.add(dx, (n, c, k // dx.shape[3], k % dx.shape[3]), dy[n, c, p, q])


@cuda.jit(cache=True)
def _avg_pool(x, y, kh, kw, sh, sw, ph, pw):
    t = cuda.grid(1)
    if t >= y.size:
        return
    n, c, p, q = _unflat(t, y.shape[1], y.shape[2], y.shape[3])
    acc = 0.0
    for i in range(kh):
        r = p * sh + i - ph
        if 0 <= r < x.shape[2]:
            for j in range(kw):
                s = q * sw + j - pw
                if 0 <= s < x.shape[3]:
                    acc += x[n, c, r, s]
    y[n, c, p, q] = acc / (kh * kw)


@cuda.jit(cache=True)
def _avg_unpool(dy, dx, kh, kw, sh, sw, ph, pw):
    t = cuda.grid(1)
    if t >= dx.size:
        return
    n, c, r, s = _unflat(t, dx.shape[1], dx.shape[2], dx.shape[3])
    acc = 0.0
    for i in range(kh):
        pr = r + ph - i
        if pr < 0 or pr % sh != 0 or pr // sh >= dy.shape[2]:
            continue
        for j in range(kw):
            qs = s + pw - j
            if qs >= 0 and qs % sw == 0 and qs // sw < dy.shape[3]:
                acc += dy[n, c, pr // sh, qs // sw]
    dx[n, c, r, s] = acc / (kh * kw)


def _pool_geometry(x_shape, kernel, stride, padding):
    (kh, kw) = pair(kernel)
    (sh, sw), (ph, pw) = pair(kernel if stride is None else stride), pair(padding)
    oh, ow = conv_out_size(x_shape[2], kh, sh, ph), conv_out_size(x_shape[3], kw, sw, pw)
    return (kh, kw, sh, sw, ph, pw), (x_shape[0], x_shape[1], oh, ow)


def max_pool2d_forward(x, kernel, stride=None, padding=0):
    geom, y_shape = _pool_geometry(x.shape, kernel, stride, padding)
    y, arg = cuda.device_array(y_shape), cuda.device_array(y_shape, dtype=np.int64)
    _launch(_max_pool, y.size, _dev(x), y, arg, *geom)
    return y.copy_to_host(), arg.copy_to_host()


def max_pool2d_backward(dy, argmax, x_shape):
    dx = cuda.to_device(np.zeros(x_shape))
    _launch(_max_unpool, dy.size, _dev(dy), _dev(argmax, np.int64), dx)
    return dx.copy_to_host()


def avg_pool2d_forward(x, kernel, stride=None, padding=0):
    geom, y_shape = _pool_geometry(x.shape, kernel, stride, padding)
    y = cuda.device_array(y_shape)
    _launch(_avg_pool, y.size, _dev(x), y, *geom)
    return y.copy_to_host()


def avg_pool2d_backward(dy, x_shape, kernel, stride=None, padding=0):
    geom, _ = _pool_geometry(x_shape, kernel, stride, padding)
    dx = cuda.device_array(tuple(x_shape))
    _launch(_avg_unpool, dx.size, _dev(dy), dx, *geom)
    return dx.copy_to_host()


# --------------------------------------------------------------------------- elementwise


@cuda.jit(cache=True)
def _act_forward(x, y, kind, param):
    """kind: 0 relu, 1 leaky_relu(param), 2 elu(param), 3 sigmoid, 4 tanh (flat arrays)."""
    k = cuda.grid(1)
    if k >= x.size:
        return
    v = x[k]
    if kind == 0:
        y[k] = v if v > 0 else 0.0
    elif kind == 1:
        y[k] = v if v > 0 else param * v
    elif kind == 2:
        y[k] = v if v > 0 else param * math.expm1(v)
    elif kind == 3:
        y[k] = _sigmoid(v)
    else:
        y[k] = math.tanh(v)


@cuda.jit(cache=True)
def _act_backward(x, y, dy, dx, kind, param):
    k = cuda.grid(1)
    if k >= dy.size:
        return
    if kind == 0:
        dx[k] = dy[k] if x[k] > 0 else 0.0
    elif kind == 1:
        dx[k] = dy[k] if x[k] > 0 else dy[k] * param
    elif kind == 2:
        dx[k] = dy[k] if x[k] > 0 else dy[k] * (y[k] + param)
    elif kind == 3:
        dx[k] = dy[k] * y[k] * (1.0 - y[k])
    else:
        dx[k] = dy[k] * (1.0 - y[k] * y[k])


def _fwd(x, kind, param=0.0):
    x = np.asarray(x, dtype=np.float64)
    y = cuda.device_array(x.size)
    _launch(_act_forward, x.size, _dev(x.reshape(-1)), y, kind, float(param))
    return y.copy_to_host().reshape(x.shape)


def _bwd(x, y, dy, kind, param=0.0):
    dy = np.asarray(dy, dtype=np.float64)
    dx = cuda.device_array(dy.size)
    flat = lambda a: _dev(np.reshape(a, -1))  # noqa: E731
    _launch(_act_backward, dy.size, flat(x), flat(y), flat(dy), dx, kind, float(param))
    return dx.copy_to_host().reshape(dy.shape)


def relu_forward(x):
    return _fwd(x, 0)


def relu_backward(x, y, dy):
    return _bwd(x, y, dy, 0)


def leaky_relu_forward(x, negative_slope=0.01):
    return _fwd(x, 1, negative_slope)


def leaky_relu_backward(x, y, dy, negative_slope=0.01):
    return _bwd(x, y, dy, 1, negative_slope)


def elu_forward(x, alpha=1.0):
    return _fwd(x, 2, alpha)


def elu_backward(x, y, dy, alpha=1.0):
    return _bwd(x, y, dy, 2, alpha)


def sigmoid_forward(x):
    return _fwd(x, 3)


def sigmoid_backward(x, y, dy):
    return _bwd(x, y, dy, 3)


def tanh_forward(x):
    return _fwd(x, 4)


def tanh_backward(x, y, dy):
    return _bwd(x, y, dy, 4)


# --------------------------------------------------------------------------- recurrent cell gates


@cuda.jit(cache=True)
def _lstm_forward(gates, c_prev, i, f, g, o, c, h):
    t = cuda.grid(1)
    hs = c_prev.shape[1]
    if t >= c_prev.size:
        return
    b, k = t // hs, t % hs
    i[b, k] = _sigmoid(gates[b, k])
    f[b, k] = _sigmoid(gates[b, hs + k])
    g[b, k] = math.tanh(gates[b, 2 * hs + k])
    o[b, k] = _sigmoid(gates[b, 3 * hs + k])
    c[b, k] = f[b, k] * c_prev[b, k] + i[b, k] * g[b, k]
    h[b, k] = o[b, k] * math.tanh(c[b, k])


@cuda.jit(cache=True)
def _lstm_backward(i, f, g, o, c, c_prev, dh, dc, dgates, dc_prev):
    t = cuda.grid(1)
    hs = c.shape[1]
    if t >= c.size:
        return
    b, k = t // hs, t % hs
    tc = math.tanh(c[b, k])
    dct = dh[b, k] * o[b, k] * (1.0 - tc * tc) + dc[b, k]
    ik, fk, gk, ok = i[b, k], f[b, k], g[b, k], o[b, k]
    dgates[b, k] = dct * gk * ik * (1.0 - ik)
    dgates[b, hs + k] = dct * c_prev[b, k] * fk * (1.0 - fk)
    dgates[b, 2 * hs + k] = dct * ik * (1.0 - gk * gk)
    dgates[b, 3 * hs + k] = dh[b, k] * tc * ok * (1.0 - ok)
    dc_prev[b, k] = dct * fk


def lstm_gates_forward(gates, c_prev):
    outs = [cuda.device_array(c_prev.shape) for _ in range(6)]
    _launch(_lstm_forward, c_prev.size, _dev(gates), _dev(c_prev), *outs)
    return tuple(a.copy_to_host() for a in outs)


def lstm_gates_backward(i, f, g, o, c, c_prev, dh, dc):
    dh = np.zeros_like(c) if dh is None else dh
    dc = np.zeros_like(c) if dc is None else dc
    n, hs = c.shape
    dgates, dc_prev = cuda.device_array((n, 4 * hs)), cuda.device_array((n, hs))
    _launch(_lstm_backward, c.size, *map(_dev, (i, f, g, o, c, c_prev, dh, dc)), dgates, dc_prev)
    return dgates.copy_to_host(), dc_prev.copy_to_host()


@cuda.jit(cache=True)
def _gru_forward(gi, gh, h_prev, r, z, nn, h):
    t = cuda.grid(1)
    hs = h_prev.shape[1]
    if t >= h_prev.size:
        return
    b, k = t // hs, t % hs
    r[b, k] = _sigmoid(gi[b, k] + gh[b, k])
    z[b, k] = _sigmoid(gi[b, hs + k] + gh[b, hs + k])
    nn[b, k] = math.tanh(gi[b, 2 * hs + k] + r[b, k] * gh[b, 2 * hs + k])
    h[b, k] = (1.0 - z[b, k]) * nn[b, k] + z[b, k] * h_prev[b, k]


@cuda.jit(cache=True)
def _gru_backward(gh, h_prev, r, z, nn, dh, dgi, dgh, dh_prev):
    t = cuda.grid(1)
    hs = h_prev.shape[1]
    if t >= h_prev.size:
        return
    b, k = t // hs, t % hs
    rk, zk, nk, d = r[b, k], z[b, k], nn[b, k], dh[b, k]
    dn = d * (1.0 - zk) * (1.0 - nk * nk)
    dz = d * (h_prev[b, k] - nk) * zk * (1.0 - zk)
    dr = dn * gh[b, 2 * hs + k] * rk * (1.0 - rk)
    dgi[b, k], dgi[b, hs + k], dgi[b, 2 * hs + k] = dr, dz, dn
    dgh[b, k], dgh[b, hs + k], dgh[b, 2 * hs + k] = dr, dz, dn * rk
    dh_prev[b, k] = d * zk


def gru_gates_forward(gi, gh, h_prev):
    outs = [cuda.device_array(h_prev.shape) for _ in range(4)]
    _launch(_gru_forward, h_prev.size, _dev(gi), _dev(gh), _dev(h_prev), *outs)
    return tuple(a.copy_to_host() for a in outs)


def gru_gates_backward(gh, h_prev, r, z, n, dh):
    rows, hs = h_prev.shape
    outs = (cuda.device_array((rows, 3 * hs)), cuda.device_array((rows, 3 * hs)), cuda.device_array((rows, hs)))
    _launch(_gru_backward, h_prev.size, *map(_dev, (gh, h_prev, r, z, n, dh)), *outs)
    return tuple(a.copy_to_host() for a in outs)


def compile_jobs():
    """(label, thunk) pairs compiling each CUDA kernel by running it once on tiny inputs."""
    x, w, v = np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 1)), np.zeros((1, 1))
    y, arg, v3 = np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 1, 1), dtype=np.int64), np.zeros((1, 3))
    return [
        ("cuda conv2d", lambda: (conv2d_forward(x, w, None), conv2d_backward(x, w, x))),
        ("cuda max_pool2d", lambda: (max_pool2d_forward(x, 2), max_pool2d_backward(y, arg, x.shape))),
        ("cuda avg_pool2d", lambda: (avg_pool2d_forward(x, 2), avg_pool2d_backward(y, x.shape, 2))),
        ("cuda activations", lambda: (relu_forward(v), relu_backward(v, v, v))),
        ("cuda lstm gates", lambda: lstm_gates_backward(*lstm_gates_forward(np.zeros((1, 4)), v)[:5], v, v, v)),
        ("cuda gru gates", lambda: gru_gates_backward(v3, v, *gru_gates_forward(v3, v3, v)[:3], v)),
    ]
