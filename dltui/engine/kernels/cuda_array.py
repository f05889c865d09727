"""`CudaArray`: a float64 array that lives in GPU memory, for tensors moved there with ``.to("cuda")``.

It speaks the part of NumPy's array interface the engine's ops use (arithmetic with broadcasting,
``np.exp``/``np.log``/``np.sqrt``/``np.maximum``, ``sum``/``mean``/``max``/``var`` over axes, ``reshape``,
transposes, ``@``, basic indexing and assignment, rows picked by an array of ints and ``np.add.at`` into them,
``np.stack``/``concatenate``/``split``), so an op written
once on NumPy arrays runs on the GPU unchanged, and the layer kernels (conv, pooling, activations,
cross-entropy) come from ``kernels/cuda.py``. Nothing is copied
back to the host until a number is asked for (``Tensor.item()``, ``.cpu()``); ``np.asarray`` on a
``CudaArray`` raises instead of copying silently, as PyTorch refuses ``.numpy()`` on a CUDA tensor.

Storage is one flat device buffer plus a shape and strides counted in elements, so a transpose or a
broadcast is a view: the elementwise, reduction and matrix-product kernels read through strides.
Four kernels do all the generic work: one for elementwise maps (unary, with a scalar, or binary
with broadcasting), one for strided copies (indexing reads through it into a new array, assignment
writes through it: no view carries an offset into its buffer), one for reductions (a block per output,
a tree in shared memory, split in two passes when few outputs reduce many inputs), and a shared-memory
tiled matrix product; two more pick rows by number and add into them (an embedding and its gradient).
Imported only when CUDA is used; runs under numba's simulator (``NUMBA_ENABLE_CUDASIM=1``) too.
"""

from __future__ import annotations

import math
import operator
from functools import reduce as _fold
from typing import Any

import numpy as np
from numba import config, cuda, float64

# threads per block: elementwise, the matrix product's tile side, reductions. The simulator runs a Python
# thread per GPU thread, so there blocks are kept small (same results, tests in seconds instead of minutes).
THREADS, TILE, RED_THREADS = (8, 4, 4) if config.ENABLE_CUDASIM else (256, 16, 128)
MAX_DIMS = 6
config.CUDA_LOW_OCCUPANCY_WARNINGS = False  # small layers launch small grids, and that is fine

# elementwise op codes (one kernel, a uniform branch per launch)
ADD, SUB, MUL, DIV, MAXIMUM, POW, RSUB, RDIV, RPOW, GT, SET, LOGADDEXP = range(12)
COPY, NEG, EXP, LOG, SQRT, TANH, ABS, SIGN, LOG1P, SQUARE = range(100, 110)
SUM, MAX, MIN = range(3)


@cuda.jit(device=True, inline=True)
def _apply(op, x, y):
    if op == ADD:
        return x + y
    if op == SUB:
        return x - y
    if op == MUL:
        return x * y
    if op == DIV:
        return x / y
    if op == MAXIMUM:
        return x if x >= y or x != x else y
    if op == POW:
        return x**y
    if op == RSUB:
        return y - x
    if op == RDIV:
        return y / x
    if op == RPOW:
        return y**x
    if op == GT:
        return 1.0 if x > y else 0.0
    if op == SET:
        return y
    if op == LOGADDEXP:  # log(eˣ + eʸ) as NumPy computes it: no overflow, ±∞ kept
        if x == y:
            return x + math.log(2.0)
        d = x - y
        if d > 0:
            return x + math.log1p(math.exp(-d))
        return y + math.log1p(math.exp(d)) if d <= 0 else d
    if op == COPY:
        return x
    if op == NEG:
        return -x
    if op == EXP:
        return math.exp(x)
    if op == LOG:
        return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if op == SQRT:
        return math.sqrt(x) if x >= 0 else math.nan
    if op == TANH:
        return math.tanh(x)
    if op == ABS:
        return abs(x)
    if op == SIGN:
        return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)
    if op == LOG1P:
        return math.log1p(x) if x > -1 else (-math.inf if x == -1 else math.nan)
    return x * x  # SQUARE


@cuda.jit(cache=True)
def _map(op, out, a, b, scalar, meta):
    """out[t] = op(a[...], b[...] or scalar). meta = [ndim, shape…, a strides…, b strides…] (b stride -1: scalar)."""
    t = cuda.grid(1)
    if t >= out.size:
        return
    nd = meta[0]
    ia, ib, rest = 0, 0, t
    for d in range(nd - 1, -1, -1):
        k = rest % meta[1 + d]
        rest //= meta[1 + d]
        ia += k * meta[1 + nd + d]
        ib += k * meta[1 + 2 * nd + d]
    y = scalar if meta[1 + 2 * nd] < 0 else b[ib]
    out[t] = _apply(op, a[ia], y)


@cuda.jit(cache=True)
def _put(out, out_base, a, a_base, total, meta):
    """out[out_base + Σ k·out strides] = a[a_base + Σ k·a strides] for each of the `total` indices k of a shape;
    meta = [ndim, shape…, out strides…, a strides…]. Indexing reads through it, assignment writes through it."""
    t = cuda.grid(1)
    if t >= total:
        return
    nd = meta[0]
    io, ia, rest = out_base, a_base, t
    for d in range(nd - 1, -1, -1):
        k = rest % meta[1 + d]
        rest //= meta[1 + d]
        io += k * meta[1 + nd + d]
        ia += k * meta[1 + 2 * nd + d]
    out[io] = a[ia]


@cuda.jit(cache=True)
def _take_rows(out, a, rows, inner, total):
    """out = a[rows] for a C-contiguous `a` whose rows hold `inner` elements each (an embedding's lookup)."""
    t = cuda.grid(1)
    if t < total:
        out[t] = a[rows[t // inner] * inner + t % inner]


@cuda.jit(cache=True)
def _add_at_rows(a, rows, values, inner, total):
    """np.add.at(a, rows, values): atomic adds, so a row picked twice gets both (an embedding's gradient)."""
    t = cuda.grid(1)
    if t < total:
        cuda.atomic.add(a, rows[t // inner] * inner + t % inner, values[t])


@cuda.jit(cache=True)
def _reduce(op, out, a, meta, count, segment, segments):
    """Block m·segments + s reduces inputs [s·segment, (s+1)·segment) of output m; meta = [kept ndim, kept
    shape…, kept strides…, reduced ndim, reduced shape…, reduced strides…]; count = reduced elements."""
    part = cuda.shared.array(RED_THREADS, float64)
    block, tid = cuda.blockIdx.x, cuda.threadIdx.x
    m, s = block // segments, block % segments
    nk = meta[0]
    base, rest = 0, m
    for d in range(nk - 1, -1, -1):
        base += (rest % meta[1 + d]) * meta[1 + nk + d]
        rest //= meta[1 + d]
    r0 = 1 + 2 * nk
    nr = meta[r0]
    acc = 0.0 if op == SUM else (-math.inf if op == MAX else math.inf)
    stop = min(count, (s + 1) * segment)
    for r in range(s * segment + tid, stop, RED_THREADS):
        at, rest = base, r
        for d in range(nr - 1, -1, -1):
            at += (rest % meta[r0 + 1 + d]) * meta[r0 + 1 + nr + d]
            rest //= meta[r0 + 1 + d]
        v = a[at]
        if op == SUM:
            acc += v
        elif op == MAX:
            acc = v if v > acc or v != v else acc
        else:
            acc = v if v < acc or v != v else acc
    part[tid] = acc
    cuda.syncthreads()
    width = RED_THREADS // 2
    while width > 0:
        if tid < width:
            x, y = part[tid], part[tid + width]
            if op == SUM:
                part[tid] = x + y
            elif op == MAX:
                part[tid] = y if y > x or y != y else x
            else:
                part[tid] = y if y < x or y != y else x
        cuda.syncthreads()
        width //= 2
    if tid == 0:
        out[block] = part[0]


@cuda.jit(cache=True)
def _gemm(a, b, c, rows, cols, inner, ab, a0, a1, bb, b0, b1):
    """c[z] = a[z] @ b[z] for z = blockIdx.z, read through strides (a transpose costs nothing), in TILE×TILE
    tiles staged through shared memory."""
    sa = cuda.shared.array((TILE, TILE), float64)
    sb = cuda.shared.array((TILE, TILE), float64)
    tx, ty, z = cuda.threadIdx.x, cuda.threadIdx.y, cuda.blockIdx.z
    row, col = cuda.blockIdx.y * TILE + ty, cuda.blockIdx.x * TILE + tx
    acc = 0.0
    for k0 in range(0, inner, TILE):
        ka, kb = k0 + tx, k0 + ty
        sa[ty, tx] = a[z * ab + row * a0 + ka * a1] if row < rows and ka < inner else 0.0
        sb[ty, tx] = b[z * bb + kb * b0 + col * b1] if kb < inner and col < cols else 0.0
        cuda.syncthreads()
        for k in range(TILE):
            acc += sa[ty, k] * sb[k, tx]
        cuda.syncthreads()
    if row < rows and col < cols:
        c[(z * rows + row) * cols + col] = acc


_META: dict[tuple[int, ...], Any] = {}


def _meta(values: tuple[int, ...]):
    """The index description a kernel reads, uploaded once per distinct layout (training repeats the same few)."""
    dev = _META.get(values)
    if dev is None:
        if len(_META) > 4096:
            _META.clear()
        dev = _META[values] = cuda.to_device(np.array(values, dtype=np.int64))
    return dev


#: kernels launched so far in this process: `bench/gpu.py` prints a training step's count (each launch is Python work
#: in numba's dispatcher before the GPU starts), and the tests hold the optimizers to one launch per parameter
launches = 0


def launch(kernel, total: int, *args) -> None:
    """One thread per output element."""
    if total:
        launch_grid(kernel, (total + THREADS - 1) // THREADS, THREADS, *args)


def launch_grid(kernel, grid, block, *args) -> None:
    """Every launch goes through here, so `launches` counts them all."""
    global launches
    launches += 1
    kernel[grid, block](*args)


def c_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def _size(shape: tuple[int, ...]) -> int:
    return _fold(operator.mul, shape, 1)


_NUMPY_OPS = {np.add: ADD, np.subtract: SUB, np.multiply: MUL, np.true_divide: DIV, np.maximum: MAXIMUM,
              np.power: POW, np.greater: GT, np.logaddexp: LOGADDEXP}
_REVERSED = {SUB: RSUB, DIV: RDIV, POW: RPOW}
_NUMPY_UNARY = {np.negative: NEG, np.exp: EXP, np.log: LOG, np.sqrt: SQRT, np.tanh: TANH, np.absolute: ABS,
                np.sign: SIGN, np.log1p: LOG1P, np.square: SQUARE}


class CudaArray:
    """A float64 array in GPU memory: `buf` (flat device buffer), `shape`, `strides` in elements."""

    __slots__ = ("buf", "shape", "strides")
    __array_priority__ = 2000  # ndarray ⊕ CudaArray defers to CudaArray
    on_gpu = True  # what the engine checks (tensor.py), so it never imports this module to ask

    def __init__(self, buf, shape: tuple[int, ...], strides: tuple[int, ...] | None = None) -> None:
        self.buf, self.shape = buf, tuple(int(n) for n in shape)
        self.strides = c_strides(self.shape) if strides is None else tuple(strides)

    # ------------------------------------------------------------------ making and reading
    @classmethod
    def empty(cls, shape: tuple[int, ...]) -> CudaArray:
        return cls(cuda.device_array(max(_size(shape), 1), dtype=np.float64), shape)

    @classmethod
    def full(cls, shape: tuple[int, ...], value: float) -> CudaArray:
        out = cls.empty(shape)
        launch(_map, out.size, SET, out.buf, out.buf, out.buf, float(value), _meta((1, out.size, 0, -1)))
        return out

    @classmethod
    def from_host(cls, array: Any) -> CudaArray:
        host = np.asarray(array, dtype=np.float64, order="C")  # not ascontiguousarray, which makes a 0-d array 1-d
        return cls(cuda.to_device(host.reshape(-1) if host.size else np.zeros(1)), host.shape)

    def get(self) -> np.ndarray:
        """A host copy (the only way numbers leave the GPU)."""
        flat = self.contiguous().buf.copy_to_host()
        return flat[: self.size].reshape(self.shape)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("this array is on the GPU: move it to the host first (tensor.cpu(), or .item() for a number)")

    @property
    def dtype(self):
        return np.dtype(np.float64)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return _size(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def item(self) -> float:
        if self.size != 1:
            raise ValueError(f"item() needs one element, this array has {self.size}")
        return float(self.get().reshape(-1)[0])

    def __float__(self) -> float:
        return self.item()

    def __repr__(self) -> str:
        return f"CudaArray({np.array2string(self.get(), precision=4, threshold=20)})"

    # ------------------------------------------------------------------ views
    @property
    def contiguous_layout(self) -> bool:
        """The buffer holds the elements in C order (an axis of length one may have any stride, as in NumPy)."""
        return self.size <= 1 or all(n == 1 or stride == step for n, stride, step
                                     in zip(self.shape, self.strides, c_strides(self.shape)))

    def contiguous(self) -> CudaArray:
        return self if self.contiguous_layout else self._unary(COPY)

    def copy(self) -> CudaArray:
        return self._unary(COPY)

    def nd(self):
        """The buffer as a device array of this shape (for kernels that index in N dimensions)."""
        flat = self.contiguous().buf
        return flat[: self.size].reshape(self.shape) if self.size else flat

    def reshape(self, *shape: Any) -> CudaArray:
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        if -1 in shape:
            known = _size(tuple(n for n in shape if n != -1))
            shape = tuple(self.size // known if n == -1 else n for n in shape)
        if _size(shape) != self.size:
            raise ValueError(f"cannot reshape an array of size {self.size} into shape {shape}")
        return CudaArray(self.contiguous().buf, shape)

    def transpose(self, *axes: Any) -> CudaArray:
        axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = axes or tuple(reversed(range(self.ndim)))
        return CudaArray(self.buf, tuple(self.shape[a] for a in axes), tuple(self.strides[a] for a in axes))

    @property
    def T(self) -> CudaArray:
        return self.transpose()

    def swapaxes(self, a: int, b: int) -> CudaArray:
        order = list(range(self.ndim))
        order[a], order[b] = order[b], order[a]
        return self.transpose(order)

    def broadcast_to(self, shape: tuple[int, ...]) -> CudaArray:
        shape = tuple(shape)
        pad = len(shape) - self.ndim
        strides = []
        for d, n in enumerate(shape):
            own = self.shape[d - pad] if d >= pad else 1
            if own not in (1, n):
                raise ValueError(f"cannot broadcast {self.shape} to {shape}")
            strides.append(self.strides[d - pad] if d >= pad and own == n else 0)
        return CudaArray(self.buf, shape, strides)

    def expand_dims(self, axes: Any) -> CudaArray:
        """A view with new axes of length one (their stride never counts)."""
        axes = (axes,) if isinstance(axes, int) else tuple(axes)
        shape, strides = list(self.shape), list(self.strides)
        for a in sorted(a % (self.ndim + len(axes)) for a in axes):
            shape.insert(a, 1)
            strides.insert(a, 0)
        return CudaArray(self.buf, shape, strides)

    # ------------------------------------------------------------------ elementwise
    def _unary(self, op: int, scalar: float = 0.0) -> CudaArray:
        out = CudaArray.empty(self.shape)
        meta = (self.ndim or 1, *(self.shape or (1,)), *(self.strides or (0,)), *([-1] * (self.ndim or 1)))
        _check_dims(self.ndim)
        launch(_map, out.size, op, out.buf, self.buf, self.buf, float(scalar), _meta(meta))
        return out

    def _binary(self, op: int, other: Any) -> CudaArray:
        if isinstance(other, (int, float, np.floating, np.integer)) or (isinstance(other, np.ndarray) and other.ndim == 0):
            out = CudaArray.empty(self.shape)
            meta = (self.ndim or 1, *(self.shape or (1,)), *(self.strides or (0,)), *([-1] * (self.ndim or 1)))
            _check_dims(self.ndim)
            launch(_map, out.size, op, out.buf, self.buf, self.buf, float(other), _meta(meta))
            return out
        other = other if isinstance(other, CudaArray) else CudaArray.from_host(other)
        shape = np.broadcast_shapes(self.shape, other.shape) or (1,)
        a, b = self.broadcast_to(shape), other.broadcast_to(shape)
        _check_dims(len(shape))
        out = CudaArray.empty(shape)
        launch(_map, out.size, op, out.buf, a.buf, b.buf, 0.0, _meta((len(shape), *shape, *a.strides, *b.strides)))
        return out if self.shape or other.shape else out.reshape(())

    def _reflected(self, op: int, other: Any) -> CudaArray:
        if isinstance(other, CudaArray):
            return other._binary(op, self)
        if np.ndim(other) == 0:
            return self._binary(_REVERSED.get(op, op), other)
        return CudaArray.from_host(other)._binary(op, self)

    def __add__(self, other):
        return self._binary(ADD, other)

    def __radd__(self, other):
        return self._reflected(ADD, other)

    def __sub__(self, other):
        return self._binary(SUB, other)

    def __rsub__(self, other):
        return self._reflected(SUB, other)

    def __mul__(self, other):
        return self._binary(MUL, other)

    def __rmul__(self, other):
        return self._reflected(MUL, other)

    def __truediv__(self, other):
        return self._binary(DIV, other)

    def __rtruediv__(self, other):
        return self._reflected(DIV, other)

    def __pow__(self, other):
        return self._unary(SQUARE) if isinstance(other, (int, float)) and other == 2 else self._binary(POW, other)

    def __rpow__(self, other):
        return self._reflected(POW, other)

    def __gt__(self, other):
        return self._binary(GT, other)

    def _in_place(self, op: int, other: Any) -> CudaArray:
        """`a += b` and the like write into `a`, as NumPy's do (batch norm moves its running statistics so)."""
        self[...] = self._binary(op, other)
        return self

    def __iadd__(self, other):
        return self._in_place(ADD, other)

    def __isub__(self, other):
        return self._in_place(SUB, other)

    def __imul__(self, other):
        return self._in_place(MUL, other)

    def __itruediv__(self, other):
        return self._in_place(DIV, other)

    def __neg__(self):
        return self._unary(NEG)

    def __abs__(self):
        return self._unary(ABS)

    def __matmul__(self, other: Any) -> CudaArray:
        return matmul(self, other if isinstance(other, CudaArray) else CudaArray.from_host(other))

    def __rmatmul__(self, other: Any) -> CudaArray:
        return matmul(CudaArray.from_host(other), self)

    # ------------------------------------------------------------------ reductions
    def _reduce(self, op: int, axis: Any = None, keepdims: bool = False) -> CudaArray:
        axes = tuple(range(self.ndim)) if axis is None else tuple(a % self.ndim for a in ((axis,) if isinstance(axis, int) else axis))
        kept = [d for d in range(self.ndim) if d not in axes]
        kept_shape = tuple(self.shape[d] for d in kept)
        red_shape = tuple(self.shape[d] for d in axes)
        _check_dims(max(len(kept), len(axes)))
        count, outputs = _size(red_shape), _size(kept_shape)
        if count == 0 and op != SUM:
            raise ValueError("zero-size array to reduction operation which has no identity")
        segments = max(1, min(512, count // (64 * RED_THREADS))) if outputs < 264 else 1
        segment = -(-count // segments) if count else 1
        meta = _meta((len(kept) or 1, *(kept_shape or (1,)), *([self.strides[d] for d in kept] or [0]),
                      len(axes) or 1, *(red_shape or (1,)), *([self.strides[d] for d in axes] or [0])))
        partial = CudaArray.empty((outputs, segments))
        launch_grid(_reduce, outputs * segments, RED_THREADS, op, partial.buf, self.buf, meta, count, segment, segments)
        out = partial._reduce(op, axis=1) if segments > 1 else partial.reshape((outputs,))
        shape = tuple(1 if d in axes else n for d, n in enumerate(self.shape)) if keepdims else kept_shape
        return out.reshape(shape)

    def sum(self, axis: Any = None, keepdims: bool = False) -> CudaArray:
        return self._reduce(SUM, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> CudaArray:
        total = self._reduce(SUM, axis, keepdims)
        return total._binary(DIV, float(self.size // max(total.size, 1)))

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> CudaArray:
        """NumPy's steps: the mean, the squared deviations, their sum over n − ddof."""
        deviations = self - self.mean(axis, keepdims=True)
        total = (deviations * deviations)._reduce(SUM, axis, keepdims)
        return total._binary(DIV, float(self.size // max(total.size, 1) - ddof))

    def max(self, axis: Any = None, keepdims: bool = False) -> CudaArray:
        return self._reduce(MAX, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> CudaArray:
        return self._reduce(MIN, axis, keepdims)

    # ------------------------------------------------------------------ NumPy's protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "at" and ufunc is np.add and isinstance(inputs[0], CudaArray) and not kwargs:
            return inputs[0].add_at(*inputs[1:])
        if method != "__call__" or kwargs:
            return NotImplemented
        if len(inputs) == 1 and ufunc in _NUMPY_UNARY:
            return inputs[0]._unary(_NUMPY_UNARY[ufunc])
        if len(inputs) == 2 and ufunc in _NUMPY_OPS:
            a, b = inputs
            op = _NUMPY_OPS[ufunc]
            return a._binary(op, b) if isinstance(a, CudaArray) else b._reflected(op, a)
        return NotImplemented

    def __array_function__(self, func, types, args, kwargs):
        handler = _FUNCTIONS.get(func)
        if handler is None:
            raise TypeError(f"numpy.{func.__name__} does not run on the GPU yet: move the tensor with .cpu() first")
        return handler(*args, **kwargs)

    # ------------------------------------------------------------------ indexing
    def __getitem__(self, index: Any) -> CudaArray:
        """Basic indexing (ints, slices with any step, None, ...), as NumPy's, into a new array: a view would need
        an offset into the buffer, which no kernel here takes. An array of ints picks rows (`a[[2, 0, 2]]`)."""
        rows = self._rows(index)
        if rows is not None:
            source, inner = self.contiguous(), _size(self.shape[1:])
            out = CudaArray.empty(rows.shape + self.shape[1:])
            launch(_take_rows, out.size, out.buf, source.buf, cuda.to_device(rows.reshape(-1)), inner, out.size)
            return out
        base, shape, strides = self._basic(index)
        out = CudaArray.empty(shape)
        _strided_copy(out.buf, 0, out.strides, self.buf, base, strides, shape)
        return out

    def __setitem__(self, index: Any, value: Any) -> None:
        """`self[index] = value` in place, for basic indices; `value` broadcasts (a number, a host array, GPU memory)."""
        base, shape, strides = self._basic(index)
        if not isinstance(value, CudaArray):
            value = CudaArray.full((), float(value)) if np.ndim(value) == 0 else CudaArray.from_host(value)
        value = value.broadcast_to(shape)
        _strided_copy(self.buf, base, strides, value.buf, 0, value.strides, shape)

    def __iter__(self):
        return (self[k] for k in range(len(self)))

    def add_at(self, index: Any, values: Any) -> None:
        """`np.add.at(self, rows, values)` for an array of row numbers, in place."""
        rows = self._rows(index)
        if rows is None or not self.contiguous_layout:
            raise TypeError("np.add.at runs on the GPU only for an array of row numbers into a contiguous array")
        inner = _size(self.shape[1:])
        values = values if isinstance(values, CudaArray) else CudaArray.from_host(values)
        values = values.broadcast_to(rows.shape + self.shape[1:]).contiguous()
        launch(_add_at_rows, values.size, self.buf, cuda.to_device(rows.reshape(-1)), values.buf, inner, values.size)

    def _rows(self, index: Any) -> np.ndarray | None:
        """An index that is an array (or list) of ints, as row numbers in [0, len) (NumPy's IndexError beyond);
        None for any other index."""
        if not isinstance(index, (np.ndarray, list)):
            return None
        rows = np.asarray(index)
        if rows.dtype.kind not in "iu" or not self.ndim:
            return None
        n = len(self)
        if rows.size and not (-n <= rows.min() and rows.max() < n):
            bad = rows.max() if rows.max() >= n else rows.min()
            raise IndexError(f"index {bad} is out of bounds for axis 0 with size {n}")
        return np.where(rows < 0, rows + n, rows).astype(np.int64)

    def _basic(self, index: Any) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
        """Where `self[index]` starts in the buffer, its shape and its strides, with NumPy's errors."""
        parts = index if type(index) is tuple else (index,)
        for part in parts:
            if not (part is None or part is Ellipsis or type(part) is slice
                    or isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_))):
                raise TypeError("this index does not run on the GPU yet: move the tensor with .cpu() first (ints, "
                                "slices, None, ... and one array of row numbers do; masks and several arrays do not)")
        ellipses = sum(part is Ellipsis for part in parts)
        taking = sum(part is not None and part is not Ellipsis for part in parts)
        if ellipses > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        if taking > self.ndim:
            raise IndexError(f"too many indices for array: array is {self.ndim}-dimensional, but {taking} were indexed")
        at = next((k for k, part in enumerate(parts) if part is Ellipsis), len(parts))
        parts = parts[:at] + (slice(None),) * (self.ndim - taking) + parts[at + 1:]
        base, shape, strides, axis = 0, [], [], 0
        for part in parts:
            if part is None:
                shape.append(1)
                strides.append(0)
                continue
            n, stride = self.shape[axis], self.strides[axis]
            if type(part) is slice:
                start, stop, step = part.indices(n)
                shape.append(len(range(start, stop, step)))
                strides.append(stride * step)
                base += start * stride if shape[-1] else 0
            elif -n <= part < n:
                base += (int(part) % n) * stride
            else:
                raise IndexError(f"index {part} is out of bounds for axis {axis} with size {n}")
            axis += 1
        return base, tuple(shape), tuple(strides)


def _check_dims(ndim: int) -> None:
    if ndim > MAX_DIMS:
        raise ValueError(f"arrays on the GPU have at most {MAX_DIMS} dimensions, this one has {ndim}")


def _strided_copy(out, out_base: int, out_strides: tuple[int, ...], a, a_base: int, a_strides: tuple[int, ...],
                  shape: tuple[int, ...]) -> None:
    """The `_put` kernel over `shape`: buffers `out` and `a`, each read from its first element through its strides."""
    _check_dims(len(shape))
    meta = _meta((len(shape) or 1, *(shape or (1,)), *(out_strides or (0,)), *(a_strides or (0,))))
    launch(_put, _size(shape), out, out_base, a, a_base, _size(shape), meta)


def matmul(a: CudaArray, b: CudaArray) -> CudaArray:
    """NumPy's matmul rules for 1- to 3-D operands (a 1-D operand is a row or a column; batch dims broadcast)."""
    if a.ndim == 1:
        return matmul(a.reshape(1, -1), b).reshape(b.shape[:-2] + b.shape[-1:])
    if b.ndim == 1:
        return matmul(a, b.reshape(-1, 1)).reshape(a.shape[:-1])
    if a.ndim > 3 or b.ndim > 3:
        lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        flat_a = a.broadcast_to(lead + a.shape[-2:]).contiguous().reshape(-1, *a.shape[-2:])
        flat_b = b.broadcast_to(lead + b.shape[-2:]).contiguous().reshape(-1, *b.shape[-2:])
        return matmul(flat_a, flat_b).reshape(*lead, a.shape[-2], b.shape[-1])
    rows, inner = a.shape[-2:]
    if b.shape[-2] != inner:
        raise ValueError(f"matmul: {a.shape} @ {b.shape} do not match")
    cols = b.shape[-1]
    batch = max(a.shape[0] if a.ndim == 3 else 1, b.shape[0] if b.ndim == 3 else 1)
    ab = a.strides[0] if a.ndim == 3 and a.shape[0] > 1 else 0
    bb = b.strides[0] if b.ndim == 3 and b.shape[0] > 1 else 0
    out = CudaArray.empty((batch, rows, cols) if max(a.ndim, b.ndim) == 3 else (rows, cols))
    grid = ((cols + TILE - 1) // TILE, (rows + TILE - 1) // TILE, batch)
    if out.size:
        launch_grid(_gemm, grid, (TILE, TILE), a.buf, b.buf, out.buf, rows, cols, inner, ab, a.strides[-2],
                    a.strides[-1], bb, b.strides[-2], b.strides[-1])
    return out


def _stack(arrays, axis: int = 0) -> CudaArray:
    """np.stack: each array given a new axis of length one (a view), then joined along it."""
    arrays = list(arrays)
    if any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError("all input arrays must have the same shape")
    axis %= arrays[0].ndim + 1
    return _concatenate([a.expand_dims(axis) for a in arrays], axis)


def _concatenate(arrays, axis: int = 0) -> CudaArray:
    arrays = list(arrays)
    shape, axis = arrays[0].shape, axis % arrays[0].ndim
    if any(a.shape[:axis] + a.shape[axis + 1:] != shape[:axis] + shape[axis + 1:] for a in arrays):
        raise ValueError(f"all the input array dimensions except for the concatenation axis ({axis}) must match")
    out = CudaArray.empty(shape[:axis] + (sum(a.shape[axis] for a in arrays),) + shape[axis + 1:])
    start = 0
    for a in arrays:
        out[(slice(None),) * axis + (slice(start, start + a.shape[axis]),)] = a
        start += a.shape[axis]
    return out


def _split(a: CudaArray, indices: Any, axis: int = 0) -> list[CudaArray]:
    """np.split: at the given indices, or into that many equal parts."""
    axis %= a.ndim
    n = a.shape[axis]
    if isinstance(indices, (int, np.integer)):
        if n % indices:
            raise ValueError("array split does not result in an equal division")
        indices = range(n // indices, n, n // indices)
    edges = [0, *(int(k) for k in indices), n]
    return [a[(slice(None),) * axis + (slice(lo, hi),)] for lo, hi in zip(edges, edges[1:])]


def _moveaxis(a: CudaArray, source: int, destination: int) -> CudaArray:
    order = [d for d in range(a.ndim) if d != source % a.ndim]
    order.insert(destination % a.ndim, source % a.ndim)
    return a.transpose(order)


def _like(value: float):
    return lambda a, *args, **kwargs: CudaArray.full(a.shape, value)


_FUNCTIONS = {
    np.sum: lambda a, axis=None, keepdims=False: a.sum(axis, keepdims),
    np.mean: lambda a, axis=None, keepdims=False: a.mean(axis, keepdims),
    np.var: lambda a, axis=None, keepdims=False, ddof=0: a.var(axis, keepdims, ddof),
    np.max: lambda a, axis=None, keepdims=False: a.max(axis, keepdims),
    np.amax: lambda a, axis=None, keepdims=False: a.max(axis, keepdims),
    np.ones_like: _like(1.0),
    np.zeros_like: _like(0.0),
    np.full_like: lambda a, value, *args, **kwargs: CudaArray.full(a.shape, value),
    np.reshape: lambda a, shape: a.reshape(shape),
    np.transpose: lambda a, axes=None: a.transpose(*(() if axes is None else tuple(axes))),
    np.swapaxes: lambda a, x, y: a.swapaxes(x, y),
    np.expand_dims: lambda a, axis: a.expand_dims(axis),
    np.broadcast_to: lambda a, shape: a.broadcast_to(shape),
    np.stack: _stack,
    np.concatenate: _concatenate,
    np.split: _split,
    np.moveaxis: _moveaxis,
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
    np.size: lambda a: a.size,
}
