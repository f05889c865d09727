"""numba.cuda kernels for the layers: conv2d, pooling, the activations, cross-entropy, LSTM/GRU gates.

Imported only when CUDA is used. Every function takes and returns `CudaArray`s (kernels/cuda_array.py):
the backend's kernel table sends an op here when its input lives in GPU memory and to the CPU kernels
otherwise, so values stay on the GPU between ops, forward and backward. Each kernel is one thread per
output element; scatter-style gradients gather instead (a thread per input element loops over the
outputs it fed), except max-pool's, which uses atomic adds, and conv2d's weight gradient, which sums
partial results over slices of the batch (a thread per weight alone would leave the GPU idle).
Tested with numba's simulator (``NUMBA_ENABLE_CUDASIM=1``) when no GPU is present.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from dltui.engine.kernels.cuda_array import CudaArray, launch
from dltui.engine.kernels.reference import (  # noqa: F401  (layer norm, softmax: CudaArray runs NumPy's arithmetic)
    adam_corrections,
    conv_out_size,
    layer_norm_backward,
    layer_norm_forward,
    pair,
    softmax_backward,
    softmax_forward,
)

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
    "cross_entropy_forward",
    "cross_entropy_backward",
    "softmax_forward",
    "softmax_backward",
    "layer_norm_forward",
    "layer_norm_backward",
    "lstm_gates_forward",
    "lstm_gates_backward",
    "gru_gates_forward",
    "gru_gates_backward",
    "adam_step",
    "sgd_momentum_step",
)

#: threads that conv2d's weight gradient aims for: enough weight × batch-slice pairs to fill a GPU
DW_THREADS = 1 << 18


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
def _conv2d_dw(x, dy, part, per_slice, sh, sw, ph, pw):
    """part[k, o, c, i, j] = the weight gradient summed over batch slice k (samples k·per_slice onward)."""
    t = cuda.grid(1)
    if t >= part.size:
        return
    per_weight_set = part.size // part.shape[0]
    k, rest = t // per_weight_set, t % per_weight_set
    o, c, i, j = _unflat(rest, part.shape[2], part.shape[3], part.shape[4])
    acc = 0.0
    for n in range(k * per_slice, min(x.shape[0], (k + 1) * per_slice)):
        for p in range(dy.shape[2]):
            r = p * sh + i - ph
            if 0 <= r < x.shape[2]:
                for q in range(dy.shape[3]):
                    s = q * sw + j - pw
                    if 0 <= s < x.shape[3]:
                        acc += dy[n, o, p, q] * x[n, c, r, s]
    part[k, o, c, i, j] = acc


def conv2d_forward(x, w, b, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    n, _, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    y = CudaArray.empty((n, c_out, conv_out_size(h, kh, sh, ph), conv_out_size(wd, kw, sw, pw)))
    bias = CudaArray.full((c_out,), 0.0) if b is None else b
    launch(_conv2d, y.size, x.nd(), w.nd(), bias.nd(), y.nd(), sh, sw, ph, pw)
    return y


def conv2d_backward(x, w, dy, stride=1, padding=0, need_dx=True):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    batch = x.shape[0]
    slices = max(1, min(batch, DW_THREADS // w.size))
    per_slice = -(-batch // slices)
    slices = -(-batch // per_slice)
    part = CudaArray.empty((slices, *w.shape))
    x_nd, dy_nd = x.nd(), dy.contiguous().nd()
    launch(_conv2d_dw, part.size, x_nd, dy_nd, part.nd(), per_slice, sh, sw, ph, pw)
    dw = part.sum(axis=0) if slices > 1 else part.reshape(w.shape)
    dx = None
    if need_dx:
        dx = CudaArray.empty(x.shape)
        launch(_conv2d_dx, dx.size, dy_nd, w.nd(), dx.nd(), sh, sw, ph, pw)
    return dx, dw, dy.sum(axis=(0, 2, 3))


# --------------------------------------------------------------------------- pooling


@cuda.jit(cache=True)
def _max_pool(x, y, arg, kh, kw, sh, sw, ph, pw):
    t = cuda.grid(1)
    if t >= y.size:
        return
    n, c, p, q = _unflat(t, y.shape[1], y.shape[2], y.shape[3])
    best, where = -math.inf, max(p * sh - ph, 0) * x.shape[3] + max(q * sw - pw, 0)  # the reference's rules
    for i in range(kh):
        r = p * sh + i - ph
        if 0 <= r < x.shape[2]:
            for j in range(kw):
                s = q * sw + j - pw
                if 0 <= s < x.shape[3]:
                    v = x[n, c, r, s]
                    if v > best or v != v:
                        best, where = v, r * x.shape[3] + s
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
    y, arg = CudaArray.empty(y_shape), cuda.device_array(y_shape, dtype=np.int64)
    launch(_max_pool, y.size, x.nd(), y.nd(), arg, *geom)
    return y, arg


def max_pool2d_backward(dy, argmax, x_shape):
    dx = CudaArray.full(tuple(x_shape), 0.0)
    launch(_max_unpool, dy.size, dy.nd(), argmax, dx.nd())
    return dx


def avg_pool2d_forward(x, kernel, stride=None, padding=0):
    geom, y_shape = _pool_geometry(x.shape, kernel, stride, padding)
    y = CudaArray.empty(y_shape)
    launch(_avg_pool, y.size, x.nd(), y.nd(), *geom)
    return y


def avg_pool2d_backward(dy, x_shape, kernel, stride=None, padding=0):
    geom, _ = _pool_geometry(x_shape, kernel, stride, padding)
    dx = CudaArray.empty(tuple(x_shape))
    launch(_avg_unpool, dx.size, dy.nd(), dx.nd(), *geom)
    return dx


# --------------------------------------------------------------------------- elementwise


@cuda.jit(cache=True)
def _act_forward(x, y, kind, param):
    """kind: 0 relu, 1 leaky_relu(param), 2 elu(param), 3 sigmoid, 4 tanh (flat arrays)."""
    k = cuda.grid(1)
    if k >= x.size:
        return
    v = x[k]
    if kind == 0:
        y[k] = 0.0 if v <= 0 else v  # a NaN stays NaN
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
        dx[k] = 0.0 if x[k] <= 0 else dy[k]
    elif kind == 1:
        dx[k] = dy[k] if x[k] > 0 else dy[k] * param
    elif kind == 2:
        dx[k] = dy[k] if x[k] > 0 else dy[k] * (y[k] + param)
    elif kind == 3:
        dx[k] = dy[k] * y[k] * (1.0 - y[k])
    else:
        dx[k] = dy[k] * (1.0 - y[k] * y[k])


def _fwd(x, kind, param=0.0):
    y = CudaArray.empty(x.shape)
    launch(_act_forward, x.size, x.contiguous().buf, y.buf, kind, float(param))
    return y


def _bwd(x, y, dy, kind, param=0.0):
    dx = CudaArray.empty(dy.shape)
    launch(_act_backward, dy.size, x.contiguous().buf, y.contiguous().buf, dy.contiguous().buf, dx.buf, kind,
           float(param))
    return dx


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


def _outputs(*shapes):
    arrays = [CudaArray.empty(shape) for shape in shapes]
    return arrays, [a.nd() for a in arrays]


def lstm_gates_forward(gates, c_prev):
    outs, views = _outputs(*[c_prev.shape] * 6)
    launch(_lstm_forward, c_prev.size, gates.nd(), c_prev.nd(), *views)
    return tuple(outs)


def lstm_gates_backward(i, f, g, o, c, c_prev, dh, dc):
    dh = CudaArray.full(c.shape, 0.0) if dh is None else dh
    dc = CudaArray.full(c.shape, 0.0) if dc is None else dc
    n, hs = c.shape
    outs, views = _outputs((n, 4 * hs), (n, hs))
    launch(_lstm_backward, c.size, *(a.nd() for a in (i, f, g, o, c, c_prev, dh, dc)), *views)
    return tuple(outs)


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
    outs, views = _outputs(*[h_prev.shape] * 4)
    launch(_gru_forward, h_prev.size, gi.nd(), gh.nd(), h_prev.nd(), *views)
    return tuple(outs)


def gru_gates_backward(gh, h_prev, r, z, n, dh):
    rows, hs = h_prev.shape
    outs, views = _outputs((rows, 3 * hs), (rows, 3 * hs), (rows, hs))
    launch(_gru_backward, h_prev.size, *(a.nd() for a in (gh, h_prev, r, z, n, dh)), *views)
    return tuple(outs)


# --------------------------------------------------------------------------- cross-entropy


@cuda.jit(cache=True)
def _softmax_cross_entropy(z, target, probs, losses):
    """Row n: probs = softmax(z[n]) and losses[n] = −log softmax(z[n])[target[n]], shifted by the row's max."""
    n = cuda.grid(1)
    if n >= z.shape[0]:
        return
    top = z[n, 0]
    for c in range(1, z.shape[1]):
        top = max(top, z[n, c])
    total = 0.0
    for c in range(z.shape[1]):
        e = math.exp(z[n, c] - top)
        probs[n, c] = e
        total += e
    for c in range(z.shape[1]):
        probs[n, c] /= total
    losses[n] = math.log(total) - (z[n, target[n]] - top)


@cuda.jit(cache=True)
def _cross_entropy_grad(probs, target, dl, dz):
    t = cuda.grid(1)
    if t >= probs.size:
        return
    n, c = t // probs.shape[1], t % probs.shape[1]
    onehot = 1.0 if c == target[n] else 0.0
    dz[n, c] = dl[0] * (probs[n, c] - onehot) / probs.shape[0]


def cross_entropy_forward(logits, target):
    probs, losses = CudaArray.empty(logits.shape), CudaArray.empty((logits.shape[0],))
    launch(_softmax_cross_entropy, logits.shape[0], logits.nd(), _indices(target), probs.nd(), losses.buf)
    return losses.mean(), probs


def cross_entropy_backward(probs, target, dl):
    dz = CudaArray.empty(probs.shape)
    launch(_cross_entropy_grad, probs.size, probs.nd(), _indices(target), dl.contiguous().buf, dz.nd())
    return dz


def _indices(target):
    """Class indices on the GPU (they stay a NumPy array in the op's params, as on the CPU)."""
    on_device = hasattr(target, "copy_to_host")
    return target if on_device else cuda.to_device(np.ascontiguousarray(target, dtype=np.int64))


# --------------------------------------------------------------------------- optimizer steps


@cuda.jit(cache=True)
def _adam_step(p, g, m, v, most, p_new, m_new, v_new, most_new, beta1, beta2, step_size, bias2_sqrt, eps, amsgrad):
    """The CPU kernel's arithmetic, one thread per element (flat arrays)."""
    i = cuda.grid(1)
    if i >= p.size:
        return
    mi = beta1 * m[i] + (1.0 - beta1) * g[i]
    vi = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
    m_new[i], v_new[i] = mi, vi
    if amsgrad:
        old = most[i]
        vi = old if old > vi or old != old else vi
        most_new[i] = vi
    p_new[i] = p[i] - step_size * mi / (math.sqrt(vi) / bias2_sqrt + eps)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2, lr, eps, step, amsgrad):
    """One launch per parameter where CudaArray's arithmetic made eleven. Without amsgrad the running max's two
    slots get arrays the kernel then neither reads there nor writes."""
    m, v = (CudaArray.full(param.shape, 0.0) if a is None else a.contiguous() for a in (exp_avg, exp_avg_sq))
    most = v if not amsgrad else (CudaArray.full(param.shape, 0.0) if max_exp_avg_sq is None
                                  else max_exp_avg_sq.contiguous())
    p_new, m_new, v_new = (CudaArray.empty(param.shape) for _ in range(3))
    most_new = CudaArray.empty(param.shape) if amsgrad else m_new
    launch(_adam_step, param.size, param.contiguous().buf, grad.contiguous().buf, m.buf, v.buf, most.buf, p_new.buf,
           m_new.buf, v_new.buf, most_new.buf, float(beta1), float(beta2),
           *adam_corrections(lr, beta1, beta2, step), float(eps), bool(amsgrad))
    return p_new, m_new, v_new, most_new if amsgrad else None


@cuda.jit(cache=True)
def _sgd_momentum_step(p, g, buf, p_new, buf_new, lr, momentum, dampening, nesterov, first):
    i = cuda.grid(1)
    if i >= p.size:
        return
    b = g[i] if first else momentum * buf[i] + (1.0 - dampening) * g[i]
    buf_new[i] = b
    p_new[i] = p[i] - lr * (g[i] + momentum * b if nesterov else b)


def sgd_momentum_step(param, grad, momentum_buffer, lr, momentum, dampening, nesterov):
    """One launch per parameter where CudaArray's arithmetic made five."""
    p_new, buf_new = CudaArray.empty(param.shape), CudaArray.empty(param.shape)
    grad = grad.contiguous()
    buf = grad if momentum_buffer is None else momentum_buffer.contiguous()  # not read on the first step
    launch(_sgd_momentum_step, param.size, param.contiguous().buf, grad.buf, buf.buf, p_new.buf, buf_new.buf,
           float(lr), float(momentum), float(dampening), bool(nesterov), momentum_buffer is None)
    return p_new, buf_new


def compile_jobs():
    """(label, thunk) pairs compiling each CUDA kernel by running it once on tiny inputs."""
    up = CudaArray.from_host
    x, w, v = up(np.zeros((1, 1, 2, 2))), up(np.zeros((1, 1, 1, 1))), up(np.zeros((1, 1)))
    v3, v4, label = up(np.zeros((1, 3))), up(np.zeros((1, 4))), np.zeros(1, dtype=np.int64)
    return [
        ("cuda arrays", lambda: ((v @ v.T).sum(axis=0) + 1.0).max()),
        ("cuda conv2d", lambda: (conv2d_forward(x, w, None), conv2d_backward(x, w, x))),
        ("cuda max_pool2d", lambda: max_pool2d_backward(*max_pool2d_forward(x, 2), x.shape)),
        ("cuda avg_pool2d", lambda: avg_pool2d_backward(avg_pool2d_forward(x, 2), x.shape, 2)),
        ("cuda activations", lambda: (relu_forward(v), relu_backward(v, v, v))),
        ("cuda cross_entropy", lambda: cross_entropy_backward(cross_entropy_forward(v3, label)[1], label, up(1.0))),
        ("cuda lstm gates", lambda: lstm_gates_backward(*lstm_gates_forward(v4, v)[:5], v, v, v)),
        ("cuda gru gates", lambda: gru_gates_backward(v3, v, *gru_gates_forward(v3, v3, v)[:3], v)),
        ("cuda adam", lambda: adam_step(v, v, None, None, None, 0.9, 0.999, 1e-3, 1e-8, 1, True)),
        ("cuda sgd", lambda: sgd_momentum_step(v, v, None, 0.1, 0.9, 0.0, False)),
    ]
