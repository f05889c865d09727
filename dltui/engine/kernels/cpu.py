"""numba CPU kernels: the same names, arguments and results as ``reference`` (to 1e-10).

Rules followed here (measured, see DESIGN.md): only top-level ``@njit(cache=True)`` functions, with
NumPy's error model (a division by zero is inf or nan, as the reference gives, with no test per division);
no ``np.dot`` inside njit, so convolutions are im2col/col2im loops in numba around NumPy BLAS
matmuls; float64 C-contiguous arrays only, so every kernel has exactly one signature, declared in
``_SIGS`` and compiled up front by ``compile_jobs()`` (the warm-up), after which it compiles no other.
The public functions are thin Python wrappers that normalise arguments to those types and allocate the
arrays the kernels write (an
array numba allocates and hands back costs more to make and free: the activations' and gates'
kernels writing into NumPy's arrays took 7-17 µs off a 2-4-1 net's 100 µs step); the
``_``-prefixed ones are compiled. tanh and exp are NumPy's wherever an array of them is needed: its
vectorised ones are ~10x numba's, which calls libm once per element (tanh 2.8 vs 27 ns, exp 1.3 vs 9 ns
here), so σ is ½·tanh(x/2) + ½ on NumPy's tanh and the numba kernels keep the arithmetic around it.
No ``parallel=True``: on LeNet-sized im2col it was slower (memory-bound loops), and it would
double the kernels to compile; convolution and pooling instead share the batch out among the
engine's threads (``threads.py``, which also splits big matmuls; one unless ``OMP_NUM_THREADS`` or
``set_num_threads`` says more), each part in chunks whose columns stay in cache. The long kernels
(convolution, pooling) are ``nogil=True``: a lab
trains on its runner thread while the UI thread draws, and a kernel that kept the GIL stopped the UI
for its whole call (they touch only the arrays they are given). Measured on LeNet in the app
(bench/latency.py, 2 shared cores, 3 runs each): free-running while the picture follows went from
0.28x to 0.35x the engine's steps/s. The small ones a lab calls thousands of times a second
(elementwise, gates, the MLP's SGD; microseconds each) keep the GIL: a thread waiting for it starts
its 5 ms wait again whenever the holder drops it, so their releases kept the UI thread out for up to
700 ms beside the MLP's seed comparison (a key then took 500 ms; now 40).
"""

from __future__ import annotations

import functools
import math
import threading

import numpy as np
from numba import njit, uint64

from dltui.engine.arrays import FLOAT64
from dltui.engine.kernels import reference
from dltui.engine.kernels.reference import (  # noqa: F401  (cross-entropy, tanh: NumPy's vector code is faster)
    MLP_ACTIVATIONS,
    MLP_LOSSES,
    conv_out_size,
    conv_transpose2d_out_size,
    cross_entropy_backward,
    cross_entropy_forward,
    pair,
    tanh_forward,
)
from dltui.engine.kernels.threads import threads

_SIGS: dict[str, tuple[object, str]] = {}


def _kernel(sig: str, nogil: bool = True):
    """njit(cache=True) with the one signature the wrappers call it with, recorded for warm-up; `nogil=False`
    for kernels a lab calls thousands of times a second on small arrays (see the module's docstring)."""

    def register(fn):
        compiled = njit(cache=True, nogil=nogil, error_model="numpy")(fn)
        _SIGS[fn.__name__] = (compiled, sig)
        return compiled

    return register


def compile_jobs():
    """(label, thunk) pairs; each thunk compiles one kernel or loads it from numba's cache (`_compile_only`)."""
    return [(name.lstrip("_"), functools.partial(_compile_only, d, s)) for name, (d, s) in _SIGS.items()]


def _compile_only(kernel, sig: str) -> None:
    """Compile `sig` and no other signature after it: a call with other types is then numba's TypeError, never a
    JIT that freezes the UI for seconds (and `mlp_sgd` passes its arguments unchecked on that promise)."""
    kernel.disable_compile(False)  # a second warm-up finds it compiled
    kernel.compile(sig)
    kernel.disable_compile()


def _c(a) -> np.ndarray:
    """float64, C-contiguous, writeable: the only array type the kernels are compiled for. An array that already is
    one is checked in 120 ns instead of `asarray`'s 310 (a fused MLP step is 3 µs)."""
    if type(a) is np.ndarray and a.dtype is FLOAT64 and a.flags.carray:
        return a
    a = np.asarray(a, dtype=np.float64, order="C")  # not ascontiguousarray, which makes a 0-d array 1-d
    return a if a.flags.writeable else a.copy()


_local = threading.local()


_SCRATCH_MAX = 64 * 2**20 // 8  # float64s kept per buffer; bigger temporaries are not kept


def _scratch(slot: str, shape: tuple[int, ...]) -> np.ndarray:
    """A reused per-thread buffer for big temporaries (im2col columns): allocating ~10 MB afresh
    on every call cost LeNet's step more in page faults than the loops that fill it."""
    size = math.prod(shape)
    if size > _SCRATCH_MAX:
        return np.empty(shape)
    buf = getattr(_local, slot, None)
    if buf is None or buf.size < size:
        buf = np.empty(size)
        setattr(_local, slot, buf)
    return buf[:size].reshape(shape)


A4, A3, A2, A1 = "f8[:,:,:,::1]", "f8[:,:,::1]", "f8[:,::1]", "f8[::1]"
I4 = "i8[:,:,:,::1]"


# --------------------------------------------------------------------------- im2col / col2im


@njit(cache=True, inline="always")
def _valid_columns(j, sw, pw, w, ow):
    """The output columns q whose input column q*sw + j − pw lies inside [0, w): [lo, hi)."""
    lo = min(ow, max(0, (pw - j + sw - 1) // sw))
    return lo, max(lo, min(ow, (w - 1 + pw - j) // sw + 1))


@_kernel(f"none({A4}, i8, i8, i8, i8, i8, i8, {A3})")
def _im2col(x, kh, kw, sh, sw, ph, pw, cols):
    """cols[n, (c*KH + i)*KW + j, p*OW + q] = x[n, c, p*sh + i - ph, q*sw + j - pw] (0 outside).

    Writes every entry of ``cols`` (OH*OW = cols.shape[2]), so ``cols`` may be reused scratch. Flat arrays and
    unsigned offsets, with each row's zero margins cut off beforehand: numba's index wraps a negative int around,
    and that test in every element kept the copy scalar (LeNet's im2col 3.5x faster this way)."""
    n, c, h, w = x.shape
    ow = (w + 2 * pw - kw) // sw + 1
    oh = cols.shape[2] // ow
    src, dst = x.reshape(-1), cols.reshape(-1)
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    lo, hi = _valid_columns(j, sw, pw, w, ow)
                    row = ((b * c + ch) * kh + i) * kw + j
                    for p in range(oh):
                        r = p * sh + i - ph
                        at = uint64((row * oh + p) * ow)
                        lo_p, hi_p = (lo, hi) if 0 <= r < h else (ow, ow)  # a row outside: all zeros
                        for q in range(lo_p):
                            dst[at + uint64(q)] = 0.0
                        if hi_p > lo_p:
                            start = uint64(((b * c + ch) * h + r) * w + lo_p * sw + j - pw)
                            for t in range(hi_p - lo_p):
                                dst[at + uint64(lo_p + t)] = src[start + uint64(t * sw)]
                        for q in range(hi_p, ow):
                            dst[at + uint64(q)] = 0.0


@_kernel(f"none({A3}, i8, i8, i8, i8, i8, i8, i8, {A4})")
def _col2im(cols, kh, kw, sh, sw, ph, pw, oh, x):
    """The adjoint of _im2col: scatter-add every column entry into its input pixel of ``x`` (flat and unsigned,
    as `_im2col`)."""
    n, c, h, w = x.shape
    ow = cols.shape[2] // oh
    src, dst = cols.reshape(-1), x.reshape(-1)
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    lo, hi = _valid_columns(j, sw, pw, w, ow)
                    row = ((b * c + ch) * kh + i) * kw + j
                    for p in range(oh):
                        r = p * sh + i - ph
                        if r < 0 or r >= h or hi <= lo:
                            continue
                        at = uint64((row * oh + p) * ow + lo)
                        start = uint64(((b * c + ch) * h + r) * w + lo * sw + j - pw)
                        for t in range(hi - lo):
                            dst[start + uint64(t * sw)] += src[at + uint64(t)]


_CHUNK_BYTES = 1024 * 1024


def _chunks(a: int, z: int, per_sample: int):
    """Ranges of the batch's [a, z) whose im2col columns stay cache-sized: a whole-batch column matrix
    (10 MB for LeNet's first layer) goes out to RAM and back, which made backward up to 3x slower.
    1 MiB rather than 256 KiB: LeNet's four convolution passes took 16 ms instead of 17-21 at one
    thread, 11 instead of 15 at two (fewer Python round trips between the GIL-free parts)."""
    step = max(1, _CHUNK_BYTES // (8 * per_sample))
    return [(k, min(z, k + step)) for k in range(a, z, step)]


def _columns(x, kh, kw, sh, sw, ph, pw, positions):
    cols = _scratch("cols", (x.shape[0], x.shape[1] * kh * kw, positions))
    _im2col(x, kh, kw, sh, sw, ph, pw, cols)
    return cols


def _bias(y, b):
    """y (N, C, …) += b per channel, in place; nothing when b is None."""
    if b is not None:
        y += np.asarray(b, dtype=np.float64).reshape((1, -1) + (1,) * (y.ndim - 2))
    return y


def conv2d_forward(x, w, b, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    x, w = _c(x), _c(w)
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    oh, ow = conv_out_size(h, kh, sh, ph), conv_out_size(wd, kw, sw, pw)
    y = np.empty((n, c_out, oh * ow))
    wm = w.reshape(c_out, -1)

    def part(first, end):
        for a, z in _chunks(first, end, c_in * kh * kw * oh * ow):
            cols = _columns(x[a:z], kh, kw, sh, sw, ph, pw, oh * ow)  # (chunk, C_in*KH*KW, OH*OW)
            np.matmul(wm, cols, out=y[a:z])  # (chunk, C_out, OH*OW): already NCHW
        _bias(y[first:end], b)

    threads.over_batch(n, part)
    return y.reshape(n, c_out, oh, ow)


def conv2d_backward(x, w, dy, stride=1, padding=0, need_dx=True):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    x, w, dy = _c(x), _c(w), _c(dy)
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    oh, ow = dy.shape[2:]
    dyr, wm = dy.reshape(n, c_out, oh * ow), w.reshape(c_out, -1)
    dx = np.empty(x.shape) if need_dx else None

    def part(first, end):  # (dw, db) of samples first..end-1, and their dx
        dw = np.zeros(wm.shape)
        if need_dx:
            dx[first:end] = 0.0
        for a, z in _chunks(first, end, c_in * kh * kw * oh * ow):
            cols = _columns(x[a:z], kh, kw, sh, sw, ph, pw, oh * ow)
            dw += np.matmul(dyr[a:z], cols.transpose(0, 2, 1)).sum(axis=0)
            if need_dx:
                dcols = np.matmul(wm.T, dyr[a:z], out=_scratch("dcols", cols.shape))
                _col2im(dcols, kh, kw, sh, sw, ph, pw, oh, dx[a:z])
        return dw, dyr[first:end].sum(axis=(0, 2))

    dw, db = (sum(parts) for parts in zip(*threads.over_batch(n, part)))
    return dx, dw.reshape(w.shape), db


def conv_transpose2d_forward(x, w, b, stride=1, padding=0, output_padding=0):
    """The input-gradient of a conv2d whose output has x's size: matmul, then col2im."""
    (sh, sw), (ph, pw), (oph, opw) = pair(stride), pair(padding), pair(output_padding)
    x, w = _c(x), _c(w)
    n, c_in, h, wd = x.shape
    _, c_out, kh, kw = w.shape
    oh = conv_transpose2d_out_size(h, kh, sh, ph, oph)
    ow = conv_transpose2d_out_size(wd, kw, sw, pw, opw)
    cols = _scratch("dcols", (n, c_out * kh * kw, h * wd))
    np.matmul(w.reshape(c_in, -1).T, x.reshape(n, c_in, h * wd), out=cols)
    y = np.zeros((n, c_out, oh, ow))
    _col2im(cols, kh, kw, sh, sw, ph, pw, h, y)
    return _bias(y, b)


def conv_transpose2d_backward(x, w, dy, stride=1, padding=0, output_padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    x, w, dy = _c(x), _c(w), _c(dy)
    n, c_in, h, wd = x.shape
    _, _, kh, kw = w.shape
    dcols = _columns(dy, kh, kw, sh, sw, ph, pw, h * wd)  # (N, C_out*KH*KW, H*W)
    xr = x.reshape(n, c_in, h * wd)
    dx = np.matmul(w.reshape(c_in, -1), dcols).reshape(x.shape)
    dw = np.matmul(xr, dcols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    return dx, dw, dy.sum(axis=(0, 2, 3))


# --------------------------------------------------------------------------- pooling


@njit(cache=True, inline="always")
def _beats(v, best):
    """Whether v takes a max-pooling window from `best`: when bigger, or a NaN (torch's rule: a NaN wins, the last)."""
    return v > best or v != v


@_kernel(f"none({A4}, i8, i8, i8, i8, i8, i8, {A4}, {I4})")
def _max_pool(x, kh, kw, sh, sw, ph, pw, y, arg):
    """y = the max of each window, arg = where it was in its plane (r * W + s); both written whole. Each window's
    rows and columns are clipped to the input once (a window of -inf only points at its first pixel, as the
    reference's); the max is a select and its place is arithmetic, not a branch
    (random data mispredicts it half the time); flat arrays with unsigned offsets skip numba's negative-index test.
    LeNet's pools ~2.5x faster than with a bounds test and a branch per element. The usual 2x2 window with stride 2
    and no padding has a loop of its own (`_max_pool_2x2`), 3.5x faster again."""
    n, c, h, w = x.shape
    oh, ow = y.shape[2:]
    src, out, places = x.reshape(-1), y.reshape(-1), arg.reshape(-1)
    if kh == kw == sh == sw == 2 and ph == pw == 0:
        _max_pool_2x2(src, n * c, h, w, oh, ow, out, places)
        return
    o = uint64(0)
    for plane in range(n * c):
        first = plane * h * w
        for p in range(oh):
            r0 = p * sh - ph
            i_lo, i_hi = max(0, -r0), min(kh, h - r0)
            for q in range(ow):
                s0 = q * sw - pw
                j_lo, j_hi = max(0, -s0), min(kw, w - s0)
                best, where = -np.inf, (r0 + i_lo) * w + s0 + j_lo
                for i in range(i_lo, i_hi):
                    row = (r0 + i) * w + s0
                    for j in range(j_lo, j_hi):
                        v = src[uint64(first + row + j)]
                        bigger = _beats(v, best)
                        best = v if bigger else best
                        where += np.int64(bigger) * (row + j - where)
                out[o], places[o] = best, where
                o += uint64(1)


@njit(cache=True, inline="always")
def _max_pool_2x2(src, planes, h, w, oh, ow, out, places):
    """`_max_pool` for 2x2 windows at stride 2, all inside the plane: four loads and four selects per window, with
    nothing to clip (LeNet's first pool 0.82 -> 0.23 ms), the same winners."""
    o = uint64(0)
    for plane in range(planes):
        first = uint64(plane * h * w)
        for p in range(oh):
            for q in range(ow):
                at = 2 * (p * w + q)
                best, where = -np.inf, at
                for place in (at, at + 1, at + w, at + w + 1):
                    v = src[first + uint64(place)]
                    if _beats(v, best):
                        best, where = v, place
                out[o], places[o] = best, where
                o += uint64(1)


@_kernel(f"none({A4}, {I4}, {A4})")
def _max_unpool(dy, arg, dx):
    """dx (zeros on entry) += each dy at its window's argmax."""
    n, c, oh, ow = dy.shape
    size, per_plane = dx.shape[2] * dx.shape[3], oh * ow
    grads, places, out = dy.reshape(-1), arg.reshape(-1), dx.reshape(-1)
    for plane in range(n * c):
        for k in range(per_plane):
            o = uint64(plane * per_plane + k)
            out[uint64(plane * size + places[o])] += grads[o]


@_kernel(f"{A4}({A4}, i8, i8, i8, i8, i8, i8, i8, i8)")
def _avg_pool(x, kh, kw, sh, sw, ph, pw, oh, ow):
    n, c, h, w = x.shape
    y = np.zeros((n, c, oh, ow))
    scale = 1.0 / (kh * kw)
    for b in range(n):
        for ch in range(c):
            for p in range(oh):
                for q in range(ow):
                    acc = 0.0
                    for i in range(kh):
                        r = p * sh + i - ph
                        if r < 0 or r >= h:
                            continue
                        for j in range(kw):
                            s = q * sw + j - pw
                            if 0 <= s < w:
                                acc += x[b, ch, r, s]
                    y[b, ch, p, q] = acc * scale
    return y


@_kernel(f"{A4}({A4}, i8, i8, i8, i8, i8, i8, i8, i8)")
def _avg_unpool(dy, h, w, kh, kw, sh, sw, ph, pw):
    n, c, oh, ow = dy.shape
    dx = np.zeros((n, c, h, w))
    scale = 1.0 / (kh * kw)
    for b in range(n):
        for ch in range(c):
            for p in range(oh):
                for q in range(ow):
                    g = dy[b, ch, p, q] * scale
                    for i in range(kh):
                        r = p * sh + i - ph
                        if r < 0 or r >= h:
                            continue
                        for j in range(kw):
                            s = q * sw + j - pw
                            if 0 <= s < w:
                                dx[b, ch, r, s] += g
    return dx


def _pool_geometry(x_shape, kernel, stride, padding):
    (kh, kw) = pair(kernel)
    (sh, sw), (ph, pw) = pair(kernel if stride is None else stride), pair(padding)
    oh, ow = conv_out_size(x_shape[2], kh, sh, ph), conv_out_size(x_shape[3], kw, sw, pw)
    return kh, kw, sh, sw, ph, pw, oh, ow


def max_pool2d_forward(x, kernel, stride=None, padding=0):
    x = _c(x)
    kh, kw, sh, sw, ph, pw, oh, ow = _pool_geometry(x.shape, kernel, stride, padding)
    shape = x.shape[:2] + (oh, ow)
    y, arg = np.empty(shape), np.empty(shape, dtype=np.int64)
    threads.over_batch(len(x), lambda a, z: _max_pool(x[a:z], kh, kw, sh, sw, ph, pw, y[a:z], arg[a:z]), x.size)
    return y, arg


def max_pool2d_backward(dy, argmax, x_shape):
    dy, arg = _c(dy), np.ascontiguousarray(argmax, dtype=np.int64)
    arg = arg if arg.flags.writeable else arg.copy()  # the kernel is compiled for writeable arrays only
    dx = np.zeros(x_shape)
    threads.over_batch(len(dy), lambda a, z: _max_unpool(dy[a:z], arg[a:z], dx[a:z]), dy.size)
    return dx


def avg_pool2d_forward(x, kernel, stride=None, padding=0):
    x = _c(x)
    return _avg_pool(x, *_pool_geometry(x.shape, kernel, stride, padding))


def avg_pool2d_backward(dy, x_shape, kernel, stride=None, padding=0):
    kh, kw, sh, sw, ph, pw, _, _ = _pool_geometry(x_shape, kernel, stride, padding)
    return _avg_unpool(_c(dy), x_shape[2], x_shape[3], kh, kw, sh, sw, ph, pw)


# --------------------------------------------------------------------------- elementwise
# Compiled over the flat array; the wrappers restore the shape. One pass, no temporaries.


@_kernel(f"none({A1}, i8, f8, {A1})", nogil=False)
def _act_forward_flat(x, kind, param, y):
    """y = the activation of x; kind: 0 relu, 1 leaky_relu(param), 2 elu(param) (σ and tanh are NumPy's, below)."""
    for k in range(x.size):
        v = x[k]
        if kind == 0:
            y[k] = 0.0 if v <= 0 else v  # a NaN stays NaN, as in NumPy's maximum and torch's relu
        elif kind == 1:
            y[k] = v if v > 0 else param * v
        else:
            y[k] = v if v > 0 else param * math.expm1(v)


@_kernel(f"none({A1}, {A1}, {A1}, i8, f8, {A1})", nogil=False)
def _act_backward_flat(x, y, dy, kind, param, dx):
    for k in range(dy.size):
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
    x = _c(x)
    y = np.empty(x.shape)
    _act_forward_flat(x.reshape(-1), kind, float(param), y.reshape(-1))
    return y


def _bwd(x, y, dy, kind, param=0.0):
    dy = _c(dy)
    flat = dy.reshape(-1)
    x = _c(x).reshape(-1) if kind <= 2 else flat  # relu family reads x, the others read y
    y = _c(y).reshape(-1) if kind >= 2 else flat
    dx = np.empty(dy.shape)
    _act_backward_flat(x, y, flat, kind, float(param), dx.reshape(-1))
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


def _sigmoid_into(y):
    """y ← σ(y) = ½·tanh(y/2) + ½ in place, which cannot overflow, on NumPy's tanh (see the module's docstring)."""
    y *= 0.5
    np.tanh(y, out=y)
    y *= 0.5
    y += 0.5
    return y


def sigmoid_forward(x):
    return _sigmoid_into(np.array(x, dtype=np.float64))  # a copy, and an array even when x is 0-d


def sigmoid_backward(x, y, dy):
    return _bwd(x, y, dy, 3)


def tanh_backward(x, y, dy):
    return _bwd(x, y, dy, 4)


# --------------------------------------------------------------------------- softmax over the last axis
# The exp is NumPy's (see the module's docstring); each row's max, shift, sum and division are one numba pass each
# side of it, where NumPy made five over the whole array. The row's max and sums keep four running values, not one:
# a single chain waits on each addition's latency (the max pass 2.7x faster so; attention's weights, 8x4x64x64,
# 0.86 -> 0.4 ms forward, 0.19 multiplying by the sum's reciprocal; 0.5 -> 0.15 backward).


@njit(cache=True, inline="always")
def _row_max(x, r, m):
    """The largest of row r (a NaN is passed over: it still makes the softmax's whole row NaN, through its sum)."""
    t0 = t1 = t2 = t3 = -np.inf
    k = 0
    while k + 4 <= m:
        a, b, c, d = x[r, k], x[r, k + 1], x[r, k + 2], x[r, k + 3]
        t0, t1 = (a if a > t0 else t0), (b if b > t1 else t1)
        t2, t3 = (c if c > t2 else t2), (d if d > t3 else t3)
        k += 4
    for j in range(k, m):
        t0 = x[r, j] if x[r, j] > t0 else t0
    t0, t2 = (t1 if t1 > t0 else t0), (t3 if t3 > t2 else t2)
    return t2 if t2 > t0 else t0


@njit(cache=True, inline="always")
def _row_dot(a, b, r, m):
    """Σ a[r]·b[r]."""
    s0 = s1 = s2 = s3 = 0.0
    k = 0
    while k + 4 <= m:
        s0 += a[r, k] * b[r, k]
        s1 += a[r, k + 1] * b[r, k + 1]
        s2 += a[r, k + 2] * b[r, k + 2]
        s3 += a[r, k + 3] * b[r, k + 3]
        k += 4
    for j in range(k, m):
        s0 += a[r, j] * b[r, j]
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, inline="always")
def _row_sum(a, r, m):
    s0 = s1 = s2 = s3 = 0.0
    k = 0
    while k + 4 <= m:
        s0 += a[r, k]
        s1 += a[r, k + 1]
        s2 += a[r, k + 2]
        s3 += a[r, k + 3]
        k += 4
    for j in range(k, m):
        s0 += a[r, j]
    return (s0 + s1) + (s2 + s3)


@_kernel(f"none({A2}, {A2})", nogil=False)
def _shift_by_row_max(x, out):
    rows, m = x.shape
    for r in range(rows):
        top = _row_max(x, r, m)
        for k in range(m):
            out[r, k] = x[r, k] - top


@_kernel(f"none({A2},)", nogil=False)
def _divide_by_row_sum(e):
    """Times the sum's reciprocal (the same as dividing to ~1e-15 relative): a division per element took 40 % of
    the softmax (attention's 8x4x64x64 weights: 322 -> 193 µs forward)."""
    rows, m = e.shape
    for r in range(rows):
        inverse = 1.0 / _row_sum(e, r, m)
        for k in range(m):
            e[r, k] *= inverse


@_kernel(f"none({A2}, {A2}, {A2})", nogil=False)
def _softmax_backward(y, dy, dx):
    rows, m = y.shape
    for r in range(rows):
        total = _row_dot(dy, y, r, m)
        for k in range(m):
            dx[r, k] = y[r, k] * (dy[r, k] - total)


def softmax_forward(x):
    x = _c(x)
    if x.ndim == 0 or x.size == 0:
        return reference.softmax_forward(x)
    e = np.empty(x.shape)
    rows = e.reshape(-1, x.shape[-1])
    _shift_by_row_max(x.reshape(rows.shape), rows)
    np.exp(e, out=e)
    _divide_by_row_sum(rows)
    return e


def softmax_backward(y, dy):
    y, dy = _c(y), _c(dy)
    if y.ndim == 0 or y.size == 0 or y.shape != dy.shape:
        return reference.softmax_backward(y, dy)
    dx = np.empty(y.shape)
    shape = (-1, y.shape[-1])
    _softmax_backward(y.reshape(shape), dy.reshape(shape), dx.reshape(shape))
    return dx


# --------------------------------------------------------------------------- layer norm
# One pass per row instead of NumPy's eight over the whole array: a transformer block's two norms took 1.5 ms of its
# 12 ms step, now 0.5.


@_kernel(f"none({A2}, {A1}, {A1}, f8, {A2}, {A1}, {A1}, {A2})", nogil=False)
def _layer_norm(x, gamma, beta, eps, x_hat, mean, inv_std, y):
    rows, m = x.shape
    for r in range(rows):
        mu = _row_sum(x, r, m) / m
        squares = 0.0
        for k in range(m):
            d = x[r, k] - mu
            x_hat[r, k] = d
            squares += d * d
        inv = 1.0 / math.sqrt(squares / m + eps)
        mean[r], inv_std[r] = mu, inv
        for k in range(m):
            h = x_hat[r, k] * inv
            x_hat[r, k] = h
            y[r, k] = h * gamma[k] + beta[k]


@_kernel(f"none({A2}, {A2}, {A1}, {A1}, {A2}, {A1}, {A1})", nogil=False)
def _layer_norm_backward(dy, x_hat, inv_std, gamma, dx, dgamma, dbeta):
    rows, m = dy.shape
    dgamma[:] = 0.0
    dbeta[:] = 0.0
    for r in range(rows):
        sum_g = 0.0
        sum_gh = 0.0
        for k in range(m):
            g = dy[r, k] * gamma[k]
            sum_g += g
            sum_gh += g * x_hat[r, k]
            dgamma[k] += dy[r, k] * x_hat[r, k]
            dbeta[k] += dy[r, k]
        scale = inv_std[r] / m
        for k in range(m):
            dx[r, k] = (dy[r, k] * gamma[k] * m - sum_g - x_hat[r, k] * sum_gh) * scale


def _normalized(shape, ndim):
    """(rows, per row) of an array normalized over its last `ndim` axes."""
    per_row = math.prod(shape[len(shape) - ndim:])
    return math.prod(shape[: len(shape) - ndim]), per_row


def layer_norm_forward(x, gamma, beta, ndim, eps):
    x, gamma, beta = _c(x), _c(gamma), _c(beta)
    rows, m = _normalized(x.shape, ndim)
    if gamma.size != m or beta.size != m:  # γ or β broadcast from a smaller shape: NumPy's arithmetic does that
        return reference.layer_norm_forward(x, gamma, beta, ndim, eps)
    x_hat, y, mean, inv_std = np.empty(x.shape), np.empty(x.shape), np.empty(rows), np.empty(rows)
    _layer_norm(x.reshape(rows, m), gamma.reshape(-1), beta.reshape(-1), float(eps), x_hat.reshape(rows, m),
                mean, inv_std, y.reshape(rows, m))
    kept = x.shape[: x.ndim - ndim] + (1,) * ndim
    return y, x_hat, mean.reshape(kept), inv_std.reshape(kept)


def layer_norm_backward(dy, x_hat, inv_std, gamma, ndim):
    dy, x_hat, inv_std, gamma = _c(dy), _c(x_hat), _c(inv_std), _c(gamma)
    rows, m = _normalized(dy.shape, ndim)
    if gamma.size != m or x_hat.shape != dy.shape:
        return reference.layer_norm_backward(dy, x_hat, inv_std, gamma, ndim)
    dx, dgamma, dbeta = np.empty(dy.shape), np.empty(m), np.empty(m)
    _layer_norm_backward(dy.reshape(rows, m), x_hat.reshape(rows, m), inv_std.reshape(-1), gamma.reshape(-1),
                         dx.reshape(rows, m), dgamma, dbeta)
    return dx, dgamma.reshape(gamma.shape), dbeta.reshape(gamma.shape)


# --------------------------------------------------------------------------- recurrent cell gates


@functools.lru_cache(maxsize=None)
def _lstm_halves(hs: int) -> np.ndarray:
    """What the gate blocks i, f, g, o are scaled by before one tanh: σ(x) = ½·tanh(x/2) + ½."""
    scale = np.repeat([0.5, 0.5, 1.0, 0.5], hs)
    scale.flags.writeable = False
    return scale


@_kernel(f"none({A2}, {A2}, {A2}, {A2}, {A2}, {A2}, {A2})", nogil=False)
def _lstm_forward(t, c_prev, i, f, g, o, c):
    """From t = tanh of the scaled gates: the gates, and the new cell."""
    n, hs = c_prev.shape
    for b in range(n):
        for k in range(hs):
            i[b, k] = 0.5 * t[b, k] + 0.5
            f[b, k] = 0.5 * t[b, hs + k] + 0.5
            g[b, k] = t[b, 2 * hs + k]
            o[b, k] = 0.5 * t[b, 3 * hs + k] + 0.5
            c[b, k] = f[b, k] * c_prev[b, k] + i[b, k] * g[b, k]


@_kernel(f"none({A2}, {A2}, {A2}, {A2}, {A2}, {A2}, {A2}, {A2}, {A2}, {A2})", nogil=False)
def _lstm_backward(i, f, g, o, tc, c_prev, dh, dc, dgates, dc_prev):
    n, hs = tc.shape
    for b in range(n):
        for k in range(hs):
            t = tc[b, k]
            dct = dh[b, k] * o[b, k] * (1.0 - t * t) + dc[b, k]
            ik, fk, gk, ok = i[b, k], f[b, k], g[b, k], o[b, k]
            dgates[b, k] = dct * gk * ik * (1.0 - ik)
            dgates[b, hs + k] = dct * c_prev[b, k] * fk * (1.0 - fk)
            dgates[b, 2 * hs + k] = dct * ik * (1.0 - gk * gk)
            dgates[b, 3 * hs + k] = dh[b, k] * t * ok * (1.0 - ok)
            dc_prev[b, k] = dct * fk


def lstm_gates_forward(gates, c_prev):
    """The tanh calls are NumPy's, the rest one numba pass (the LSTM bench's step 11.9 -> 8.0 ms with libm's tanh before)."""
    c_prev = _c(c_prev)
    t = np.multiply(gates, _lstm_halves(c_prev.shape[1]), order="C")
    np.tanh(t, out=t)
    i, f, g, o, c = (np.empty(c_prev.shape) for _ in range(5))
    _lstm_forward(t, c_prev, i, f, g, o, c)
    return i, f, g, o, c, o * np.tanh(c)


def lstm_gates_backward(i, f, g, o, c, c_prev, dh, dc):
    tc = np.tanh(c, order="C")
    dh = np.zeros_like(tc) if dh is None else _c(dh)
    dc = np.zeros_like(tc) if dc is None else _c(dc)
    dgates, dc_prev = np.empty((len(tc), 4 * tc.shape[1])), np.empty(tc.shape)
    _lstm_backward(_c(i), _c(f), _c(g), _c(o), tc, _c(c_prev), dh, dc, dgates, dc_prev)
    return dgates, dc_prev


@_kernel(f"none({A2}, {A2}, {A2}, {A2}, {A2}, {A2}, {A2}, {A2}, {A2})", nogil=False)
def _gru_backward(gh, h_prev, r, z, nn, dh, dgi, dgh, dh_prev):
    n, hs = h_prev.shape
    for b in range(n):
        for k in range(hs):
            rk, zk, nk, d = r[b, k], z[b, k], nn[b, k], dh[b, k]
            dn = d * (1.0 - zk) * (1.0 - nk * nk)
            dz = d * (h_prev[b, k] - nk) * zk * (1.0 - zk)
            dr = dn * gh[b, 2 * hs + k] * rk * (1.0 - rk)
            dgi[b, k], dgi[b, hs + k], dgi[b, 2 * hs + k] = dr, dz, dn
            dgh[b, k], dgh[b, hs + k], dgh[b, 2 * hs + k] = dr, dz, dn * rk
            dh_prev[b, k] = d * zk


def gru_gates_forward(gi, gh, h_prev):
    """NumPy throughout: two tanh calls (σ(x) = ½·tanh(x/2) + ½ for r and z) and a few passes of arithmetic."""
    hs = h_prev.shape[1]
    rz = _sigmoid_into(np.add(gi[:, : 2 * hs], gh[:, : 2 * hs]))
    r, z = rz[:, :hs].copy(), rz[:, hs:].copy()
    n = np.multiply(r, gh[:, 2 * hs :])
    n += gi[:, 2 * hs :]
    np.tanh(n, out=n)
    h = np.subtract(h_prev, n)
    h *= z
    h += n  # (1 − z)·n + z·h_prev
    return r, z, n, h


def gru_gates_backward(gh, h_prev, r, z, n, dh):
    h_prev = _c(h_prev)
    gates = (len(h_prev), 3 * h_prev.shape[1])
    dgi, dgh, dh_prev = np.empty(gates), np.empty(gates), np.empty(h_prev.shape)
    _gru_backward(_c(gh), h_prev, _c(r), _c(z), _c(n), _c(dh), dgi, dgh, dh_prev)
    return dgi, dgh, dh_prev


# --------------------------------------------------------------------------- fused tiny-MLP training

_ACTIVATION_CODES = {name: k for k, name in enumerate(MLP_ACTIVATIONS)}
_LOSS_CODES = {name: k for k, name in enumerate(MLP_LOSSES)}


@njit(cache=True, inline="always")
def _hidden(z, act):
    if act == 0:
        return 0.5 * math.tanh(0.5 * z) + 0.5
    if act == 1:
        return math.tanh(z)
    if act == 2:
        return 0.0 if z <= 0 else z  # a NaN stays NaN
    return z if z > 0 else 0.01 * z


@njit(cache=True, inline="always")
def _hidden_backward(z, h, dh, act):
    if act == 0:
        return dh * h * (1.0 - h)
    if act == 1:
        return dh * (1.0 - h * h)
    if act == 2:
        return 0.0 if z <= 0 else dh
    return dh * (1.0 if z > 0 else 0.01)


@_kernel(f"none({A3}, {A2}, {A3}, {A2}, {A2}, {A1}, f8, i8, i8, b1, i8, i8, b1[::1])", nogil=False)
def _mlp_sgd(w1, b1, w2, b2, x, y, lr, act, loss, batch, start, count, active):
    nets, hidden, inputs = w1.shape
    n = x.shape[0]
    m = n if batch else 1
    z1, h, gw1 = np.empty(hidden), np.empty(hidden), np.empty((hidden, inputs))
    gb1, gw2 = np.empty(hidden), np.empty(hidden)
    for s in range(nets):
        if not active[s]:
            continue
        for k in range(count):
            gw1[:] = 0.0
            gb1[:] = 0.0
            gw2[:] = 0.0
            gb2 = 0.0
            for j in range(m):
                i = j if batch else (start + k) % n
                z2 = 0.0
                for u in range(hidden):
                    acc = 0.0
                    for d in range(inputs):
                        acc += x[i, d] * w1[s, u, d]
                    z1[u] = acc + b1[s, u]
                    h[u] = _hidden(z1[u], act)
                    z2 += h[u] * w2[s, 0, u]
                z2 += b2[s, 0]
                p = 0.5 * math.tanh(0.5 * z2) + 0.5
                if loss == 0:
                    dp = 2.0 * (p - y[i]) / m
                else:
                    dp = (p - y[i]) / max(p * (1.0 - p), 1e-12) / m
                dz2 = dp * p * (1.0 - p)
                gb2 += dz2
                for u in range(hidden):
                    gw2[u] += dz2 * h[u]
                    dz1 = _hidden_backward(z1[u], h[u], dz2 * w2[s, 0, u], act)
                    gb1[u] += dz1
                    for d in range(inputs):
                        gw1[u, d] += dz1 * x[i, d]
            for u in range(hidden):
                for d in range(inputs):
                    w1[s, u, d] -= lr * gw1[u, d]
                b1[s, u] -= lr * gb1[u]
                w2[s, 0, u] -= lr * gw2[u]
            b2[s, 0] -= lr * gb2


def mlp_sgd(w1, b1, w2, b2, x, y, lr, activation, loss, batch, start, count, active):
    """The weights are updated in place, so they must already be float64 and C-contiguous. A step is ~2 µs, and
    checking the other arguments cost 0.7 more, so they go to the kernel as they come; only when it refuses them (a
    TypeError once the warm-up compiled it, see `_compile_only`) are they converted to its types."""
    act, code = _ACTIVATION_CODES[activation], _LOSS_CODES[loss]
    try:
        _mlp_sgd(w1, b1, w2, b2, x, y, lr, act, code, batch, start, count, active)
    except TypeError:
        _mlp_sgd(w1, b1, w2, b2, _c(x), _c(y), float(lr), act, code, bool(batch), int(start), int(count),
                 np.ascontiguousarray(active, dtype=np.bool_))


# --------------------------------------------------------------------------- optimizer steps


@_kernel(f"none({A1}, {A1}, {A1}, {A1}, {A1}, {A1}, {A1}, {A1}, {A1}, f8, f8, f8, f8, f8, b1)", nogil=False)
def _adam_step(p, g, m, v, most, p_new, m_new, v_new, most_new, beta1, beta2, step_size, bias2_sqrt, eps, amsgrad):
    for i in range(p.size):
        mi = beta1 * m[i] + (1.0 - beta1) * g[i]
        vi = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
        m_new[i], v_new[i] = mi, vi
        if amsgrad:
            old = most[i]
            vi = old if old > vi or old != old else vi  # np.maximum's: a NaN on either side wins
            most_new[i] = vi
        p_new[i] = p[i] - step_size * mi / (math.sqrt(vi) / bias2_sqrt + eps)


_NO_ARRAY = np.empty(0)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2, lr, eps, step, amsgrad):
    """The reference's arithmetic, to the bit, in one pass per element, where NumPy made eleven over the whole
    parameter (a transformer block's Adam step: 0.45 -> 0.22 ms)."""
    p = _c(param)
    m, v, most = (np.zeros(p.size) if a is None else _c(a).reshape(-1)
                  for a in (exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else _NO_ARRAY))
    p_new, m_new, v_new = np.empty(p.shape), np.empty(p.shape), np.empty(p.shape)
    most_new = np.empty(p.shape) if amsgrad else _NO_ARRAY
    _adam_step(p.reshape(-1), _c(grad).reshape(-1), m, v, most, p_new.reshape(-1), m_new.reshape(-1),
               v_new.reshape(-1), most_new.reshape(-1), float(beta1), float(beta2),
               *reference.adam_corrections(lr, beta1, beta2, step), float(eps), bool(amsgrad))
    return p_new, m_new, v_new, most_new if amsgrad else None


@_kernel(f"none({A1}, {A1}, {A1}, {A1}, {A1}, f8, f8, f8, b1, b1)", nogil=False)
def _sgd_momentum_step(p, g, buf, p_new, buf_new, lr, momentum, dampening, nesterov, first):
    for i in range(p.size):
        b = g[i] if first else momentum * buf[i] + (1.0 - dampening) * g[i]
        buf_new[i] = b
        p_new[i] = p[i] - lr * (g[i] + momentum * b if nesterov else b)


def sgd_momentum_step(param, grad, momentum_buffer, lr, momentum, dampening, nesterov):
    """The reference's arithmetic, to the bit, in one pass per element (five NumPy passes)."""
    p = _c(param)
    buf = _NO_ARRAY if momentum_buffer is None else _c(momentum_buffer).reshape(-1)
    p_new, buf_new = np.empty(p.shape), np.empty(p.shape)
    _sgd_momentum_step(p.reshape(-1), _c(grad).reshape(-1), buf, p_new.reshape(-1), buf_new.reshape(-1), float(lr),
                       float(momentum), float(dampening), bool(nesterov), momentum_buffer is None)
    return p_new, buf_new
