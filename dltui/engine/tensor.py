"""`Tensor`: a float64 array that remembers the node that made it.

The array is NumPy's on the CPU, or a `CudaArray` in GPU memory after `.to("cuda")` (PyTorch's way
of choosing a device); ops run wherever their inputs are, and numbers come back only when asked.

Its methods are PyTorch's, with torch's names, argument names and defaults (`x.sum(dim=1, keepdim=True)`,
`x.max(1)` giving (values, indices), `x.size(0)`), so a learner's PyTorch runs unchanged; a name the engine lacks
fails with an AttributeError naming the closest one it has. Values that carry no gradient keep their own dtype, as
torch's do: comparisons give bool tensors (`x[x > 0]` is a mask), argmax and sort give int64 indices.
"""

from __future__ import annotations

import difflib
import math
import operator
from collections import namedtuple
from typing import Any

import numpy as np

from . import tape as _tape
from .arrays import FLOAT64, as_array, on_gpu


class Tensor:
    """`data` is the value, `grad` the gradient after `backward()` (leaves only, like PyTorch);
    `node` is the op call that produced it (None for leaves) and `slot` which of its outputs."""

    __slots__ = ("data", "grad", "requires_grad", "name", "node", "slot", "__weakref__")
    __array_priority__ = 1000  # ndarray ⊕ Tensor defers to Tensor's reflected operators

    def __init__(self, data: Any, requires_grad: bool = False, name: str | None = None) -> None:
        data = data.data if isinstance(data, Tensor) else data
        self.data = data.copy() if on_gpu(data) else np.array(data, dtype=np.float64)
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self.name = name
        self.node = None
        self.slot = 0

    # ------------------------------------------------------------------ array-like
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> Size:
        """The element count (NumPy's `x.size`), and called, PyTorch's `x.size()` / `x.size(d)`."""
        return Size(self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        """float64, except for comparisons (bool) and indices (int64), which carry no gradient."""
        return self.data.dtype

    def dim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> Any:
        """The one value as a Python number: a float, an int for indices, a bool for a comparison."""
        return self.data.item()

    def tolist(self) -> Any:
        return (self.data.get() if on_gpu(self.data) else self.data).tolist()

    def numpy(self) -> np.ndarray:
        if on_gpu(self.data):
            raise TypeError("can't convert a cuda tensor to NumPy: use tensor.cpu() to copy it to the host first")
        return self.data

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor of {self.data.size} elements is ambiguous: "
                               "use .any() or .all()")
        return bool(self.data.item())

    def __float__(self) -> float:
        return float(self.data.item())

    def __int__(self) -> int:
        return int(self.data.item())

    def __index__(self) -> int:
        """An index tensor as a Python index (`names[logits.argmax()]`); a float one is refused, as by torch."""
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only an integer tensor of one element can be used as an index")
        return int(self.data.item())

    __hash__ = object.__hash__  # by identity, so tensors stay dict keys (optimizer state) while == compares values

    def __getattr__(self, name: str) -> Any:
        """Only reached for a name the Tensor lacks: say so, and name the closest one it has."""
        raise AttributeError(name) if name.startswith("__") else MissingName(name)

    # ------------------------------------------------------------------ dtypes (values stay float64 with a gradient)
    def float(self) -> Tensor:
        return self if self.data.dtype == FLOAT64 else constant(self.data.astype(np.float64))

    double = float

    def long(self) -> Tensor:
        return constant(self.data.astype(np.int64))

    def bool(self) -> Tensor:
        return constant(self.data.astype(bool))

    def clone(self) -> Tensor:
        return self * 1.0 if self.requires_grad else constant(self.data.copy())

    def contiguous(self) -> Tensor:
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    # ------------------------------------------------------------------ devices
    @property
    def device(self) -> str:
        return "cuda" if on_gpu(self.data) else "cpu"

    def to(self, device: str) -> Tensor:
        """This tensor on `device` ("cpu" or "cuda"): itself if it is there already, else a copy that is a leaf
        with the same `requires_grad` (as PyTorch's `.to` gives for a leaf)."""
        if device_name(device) == self.device:
            return self
        moved = result(moved_array(self.data, device), None, 0)
        moved.requires_grad, moved.name = self.requires_grad, self.name
        return moved

    def cuda(self) -> Tensor:
        return self.to("cuda")

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def detach(self) -> Tensor:
        return result(self.data, None, 0)

    def __repr__(self) -> str:
        extra = (f", name={self.name!r}" if self.name else "") + (", requires_grad=True" if self.requires_grad else "")
        extra += ", device='cuda'" if on_gpu(self.data) else ""
        values = self.data.get() if on_gpu(self.data) else self.data
        return f"Tensor({np.array2string(values, precision=4, threshold=20)}{extra})"

    # ------------------------------------------------------------------ autograd
    def backward(self, grad: Any = None) -> None:
        """Backpropagate from this tensor; without `grad` it must be a scalar (seed 1)."""
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require a gradient (made under no_grad, or from constants only)")
        if grad is not None:
            grad = as_array(grad.data if isinstance(grad, Tensor) else grad)
        elif self.data.size != 1:
            raise ValueError(f"backward() without a gradient needs a scalar, got shape {self.shape}")
        elif on_gpu(self.data):
            grad = np.ones_like(self.data)
        else:  # the seed of 1; np.array is several times cheaper than np.ones_like
            grad = np.array(1.0) if self.data.ndim == 0 else np.array(1.0).reshape(self.data.shape)
        _tape.backward([self], [grad])

    def zero_grad(self) -> None:
        self.grad = None

    # ------------------------------------------------------------------ operators
    def __add__(self, other: Any) -> Tensor:
        return _ops.Add.apply(self, as_tensor(other))

    def __radd__(self, other: Any) -> Tensor:
        return _ops.Add.apply(as_tensor(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.Sub.apply(self, as_tensor(other))

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.Sub.apply(as_tensor(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.Mul.apply(self, as_tensor(other))

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.Mul.apply(as_tensor(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.Div.apply(self, as_tensor(other))

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.Div.apply(as_tensor(other), self)

    def __floordiv__(self, other: Any) -> Tensor:
        """⌊a / b⌋, without a gradient (as PyTorch's floor_divide)."""
        return constant(np.floor_divide(self.data, _value(other)))

    def __mod__(self, other: Any) -> Tensor:
        return _ops.Remainder.apply(self, as_tensor(other))

    def __rmod__(self, other: Any) -> Tensor:
        return _ops.Remainder.apply(as_tensor(other), self)

    # in place, for PyTorch's hand-written update `with no_grad(): w -= lr * w.grad`
    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place(operator.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place(operator.sub, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place(operator.mul, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place(operator.truediv, other)

    def _in_place(self, op: Any, other: Any) -> Tensor:
        """Under no_grad the tensor keeps its identity (a parameter stays a leaf that requires grad) and takes the new
        value (a new array: tapes keep the old one); with grad on, a leaf that requires grad refuses, as in torch, and
        any other tensor is computed out of place as usual."""
        if not _tape.mode.grad_enabled:
            self.data = as_array(op(self.data, _value(other)))
            return self
        if self.requires_grad and self.node is None:
            raise RuntimeError("a leaf tensor that requires grad can't be changed in place while gradients are "
                               "recorded: update it inside `with no_grad():`")
        return op(self, other)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.MatMul.apply(self, as_tensor(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.MatMul.apply(as_tensor(other), self)

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, Tensor):
            return _ops.PowTensor.apply(self, exponent)
        return _ops.Pow.apply(self, exponent=float(exponent))

    def __rpow__(self, base: Any) -> Tensor:
        return _ops.PowTensor.apply(as_tensor(base), self)

    def __neg__(self) -> Tensor:
        return _ops.Neg.apply(self)

    def __abs__(self) -> Tensor:
        return _ops.Abs.apply(self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.Index.apply(self, index=_index(index))

    # comparisons and logic: values without a gradient (bool), as PyTorch's
    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return False if other is None else constant(np.equal(self.data, _value(other)))  # `t == None`: False, as torch

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return True if other is None else constant(np.not_equal(self.data, _value(other)))

    def __lt__(self, other: Any) -> Tensor:
        return constant(np.less(self.data, _value(other)))

    def __le__(self, other: Any) -> Tensor:
        return constant(np.less_equal(self.data, _value(other)))

    def __gt__(self, other: Any) -> Tensor:
        return constant(np.greater(self.data, _value(other)))

    def __ge__(self, other: Any) -> Tensor:
        return constant(np.greater_equal(self.data, _value(other)))

    def __invert__(self) -> Tensor:
        return constant(np.logical_not(self.data))

    def __and__(self, other: Any) -> Tensor:
        return constant(np.logical_and(self.data, _value(other)))

    def __or__(self, other: Any) -> Tensor:
        return constant(np.logical_or(self.data, _value(other)))

    def __xor__(self, other: Any) -> Tensor:
        return constant(np.logical_xor(self.data, _value(other)))

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def logical_not(self) -> Tensor:
        return ~self

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return constant(np.any(self.data, axis=self._dims(dim), keepdims=keepdim))

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return constant(np.all(self.data, axis=self._dims(dim), keepdims=keepdim))

    # ------------------------------------------------------------------ reductions (PyTorch's dim/keepdim; NumPy's
    # axis/keepdims still accepted, as the engine's own code spells them)
    def _dims(self, dim: Any, axis: Any = None) -> Any:
        """`dim` (or `axis`) as NumPy takes it: a tuple for several, None for all (and for a 0-d tensor's 0 or −1)."""
        dim = axis if dim is None else dim
        return None if dim is None or self.ndim == 0 else tuple(dim) if isinstance(dim, (list, tuple)) else dim

    def sum(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.Sum.apply(self, axis=self._dims(dim, axis), keepdims=keepdim or keepdims)

    def mean(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.Mean.apply(self, axis=self._dims(dim, axis), keepdims=keepdim or keepdims)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None) -> Tensor:
        """Divides by n − correction: 1 (the unbiased estimate) unless `correction` or `unbiased=False` says 0."""
        return _ops.Var.apply(self, dim=self._dims(dim), correction=_correction(unbiased, correction), keepdim=keepdim)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None) -> Tensor:
        return _ops.Std.apply(self, dim=self._dims(dim), correction=_correction(unbiased, correction), keepdim=keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """`x.max()`: the largest value; `x.max(dim)`: (values, indices) along dim; `x.max(other)`: `maximum`."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        return self._extreme(_ops.Max, _ops.MaxAlong, MaxResult, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        return self._extreme(_ops.Min, _ops.MinAlong, MinResult, dim, keepdim)

    def _extreme(self, whole: Any, along: Any, named: Any, dim: Any, keepdim: bool, values_only: bool = False) -> Any:
        if dim is None:
            out = whole.apply(self)
            return out.reshape((1,) * self.ndim) if keepdim else out
        op, values = along.call(self, dim=dim, keepdim=keepdim)
        if values_only:
            return values
        indices = op.saved["indices"]
        return named(values, constant(indices if keepdim or self.ndim == 0 else indices.squeeze(dim % self.ndim)))

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, pick: Any, dim: int | None, keepdim: bool) -> Tensor:
        if dim is None or self.ndim == 0:
            found = pick(self.data)
            return constant(np.reshape(found, (1,) * self.ndim) if keepdim else found)
        return constant(pick(self.data, axis=dim, keepdims=keepdim))

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        """The p-norm over dim (all elements by default); "fro" is p = 2, and p = inf the largest |x|."""
        p = 2.0 if p == "fro" else float(p)
        if p == math.inf:
            return self.abs().amax(dim, keepdim)
        if not 1.0 <= p < math.inf:
            raise ValueError(f"norm supports p ≥ 1 (and inf), not {p}")
        return _ops.Norm.apply(self, p=p, dim=self._dims(dim), keepdim=keepdim)

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The largest values over dim (all by default), without indices; ties share the gradient."""
        return self._extreme(_ops.Max, _ops.MaxAlong, MaxResult, dim, keepdim, values_only=True)

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return self._extreme(_ops.Min, _ops.MinAlong, MinResult, dim, keepdim, values_only=True)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return _ops.LogSumExp.apply(self, dim=self._dims(dim), keepdim=keepdim)

    def prod(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _ops.Prod.apply(self, dim=self._dims(dim), keepdim=keepdim)

    def cumsum(self, dim: int) -> Tensor:
        return _ops.CumSum.apply(self, dim=dim)

    def cumprod(self, dim: int) -> Tensor:
        return _ops.CumProd.apply(self, dim=dim)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        op, values = _ops.TopK.call(self, dim=dim, k=k, largest=largest, sorted=sorted)
        return TopKResult(values, constant(op.saved["indices"]))

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        op, values = _ops.Sort.call(self, dim=dim, descending=descending, stable=stable)
        return SortResult(values, constant(op.saved["indices"]))

    def argsort(self, dim: int = -1, descending: bool = False) -> Tensor:
        return self.sort(dim, descending).indices

    # ------------------------------------------------------------------ shape and movement
    def reshape(self, *shape: Any) -> Tensor:
        return _ops.Reshape.apply(self, shape=_shape(shape))

    view = reshape

    def view_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    reshape_as = view_as

    def transpose(self, *axes: int) -> Tensor:
        """No axes: reverse them (NumPy); two axes: swap those two (PyTorch); more: permute."""
        if len(axes) == 2:
            order = list(range(self.ndim))
            order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
            axes = tuple(order)
        return _ops.Transpose.apply(self, axes=axes or None)

    swapaxes = transpose

    def permute(self, *dims: Any) -> Tensor:
        return _ops.Transpose.apply(self, axes=tuple(d % self.ndim for d in _shape(dims)))

    def t(self) -> Tensor:
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor of at most 2 dimensions, got {self.ndim}: use transpose(d0, d1)")
        return self.transpose() if self.ndim == 2 else self

    @property
    def T(self) -> Tensor:
        return self.transpose()

    @property
    def mT(self) -> Tensor:
        return self.transpose(-2, -1)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_dim % self.ndim, end_dim % self.ndim
        return self.reshape(*self.shape[:start], -1, *self.shape[end + 1:])

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        dim = dim % self.ndim
        return self.reshape(*self.shape[:dim], *sizes, *self.shape[dim + 1:])

    def squeeze(self, dim: Any = None) -> Tensor:
        """Drop the size-1 axes (all, or those of `dim` that are 1; a dim of another size stays, as in PyTorch)."""
        dims = range(self.ndim) if dim is None else [d % max(self.ndim, 1) for d in _shape((dim,))]
        gone = {d for d in dims if self.ndim and self.shape[d] == 1}
        return self.reshape(*[n for d, n in enumerate(self.shape) if d not in gone])

    def unsqueeze(self, dim: int) -> Tensor:
        dim = dim % (self.ndim + 1)
        return self.reshape(*self.shape[:dim], 1, *self.shape[dim:])

    def expand(self, *sizes: Any) -> Tensor:
        sizes = _shape(sizes)
        own = (None,) * (len(sizes) - self.ndim) + self.shape
        return _ops.Expand.apply(self, shape=tuple(n if s == -1 else s for s, n in zip(sizes, own)))

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def repeat(self, *sizes: Any) -> Tensor:
        return _ops.Repeat.apply(self, repeats=_shape(sizes))

    def flip(self, *dims: Any) -> Tensor:
        return _ops.Flip.apply(self, dims=_shape(dims))

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        if dims is None:  # PyTorch rolls the flattened tensor and restores the shape
            return _ops.Roll.apply(self.flatten(), shifts=shifts, dims=0).reshape(self.shape)
        return _ops.Roll.apply(self, shifts=_tuple(shifts), dims=_tuple(dims))

    def tril(self, diagonal: int = 0) -> Tensor:
        return _ops.Tril.apply(self, diagonal=diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return _ops.Triu.apply(self, diagonal=diagonal)

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of `split_size_or_sections` along dim (the last may be smaller), or of the sizes listed."""
        n = self.shape[dim]
        sizes = (list(split_size_or_sections) if isinstance(split_size_or_sections, (list, tuple))
                 else [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)])
        if sum(sizes) != n:
            raise ValueError(f"split sizes {sizes} do not add up to {n}, the size of dim {dim}")
        edges = np.cumsum([0, *sizes])
        lead = (slice(None),) * (dim % self.ndim)
        return tuple(self[(*lead, slice(int(a), int(b)))] for a, b in zip(edges[:-1], edges[1:]))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return self.split(-(-self.shape[dim] // chunks), dim)

    def gather(self, dim: int, index: Any) -> Tensor:
        return _ops.Gather.apply(self, dim=dim, index=_integers(index))

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Tensor:
        """A copy with `src`'s values (or one `value`) written at `index` along `dim`."""
        index = _integers(index)
        source = as_tensor(np.full(index.shape, float(src if value is None else value))) if value is not None or \
            not isinstance(src, Tensor) else src
        return _ops.Scatter.apply(self, source, dim=dim, index=index)

    def matmul(self, other: Any) -> Tensor:
        return self @ other

    mm = bmm = matmul

    # ------------------------------------------------------------------ elementwise
    def exp(self) -> Tensor:
        return _ops.Exp.apply(self)

    def log(self) -> Tensor:
        return _ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return _ops.Sqrt.apply(self)

    def rsqrt(self) -> Tensor:
        return _ops.Rsqrt.apply(self)

    def pow(self, exponent: Any) -> Tensor:
        return self**exponent

    def square(self) -> Tensor:
        return self**2

    def reciprocal(self) -> Tensor:
        return 1.0 / self

    def neg(self) -> Tensor:
        return -self

    def abs(self) -> Tensor:
        return _ops.Abs.apply(self)

    def sign(self) -> Tensor:
        return _ops.Sign.apply(self)

    def floor(self) -> Tensor:
        return _ops.Floor.apply(self)

    def ceil(self) -> Tensor:
        return _ops.Ceil.apply(self)

    def round(self, decimals: int = 0) -> Tensor:
        return _ops.Round.apply(self, decimals=decimals)

    def sin(self) -> Tensor:
        return _ops.Sin.apply(self)

    def cos(self) -> Tensor:
        return _ops.Cos.apply(self)

    def log2(self) -> Tensor:
        return _ops.Log2.apply(self)

    def log10(self) -> Tensor:
        return _ops.Log10.apply(self)

    def exp2(self) -> Tensor:
        return _ops.Exp2.apply(self)

    def erf(self) -> Tensor:
        return _ops.Erf.apply(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Bounds that are numbers, tensors (which get gradients, through maximum/minimum) or None."""
        if min is None and max is None:
            raise ValueError("clamp needs min or max (or both)")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            out = self if min is None else self.maximum(min)
            return out if max is None else out.minimum(max)
        return _ops.Clamp.apply(self, min=min, max=max)

    clip = clamp

    def clamp_min(self, min: Any) -> Tensor:
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> Tensor:
        return self.clamp(max=max)

    def maximum(self, other: Any) -> Tensor:
        return _ops.Maximum.apply(self, as_tensor(other))

    def minimum(self, other: Any) -> Tensor:
        return _ops.Minimum.apply(self, as_tensor(other))

    def where(self, condition: Any, other: Any) -> Tensor:
        """PyTorch's `x.where(condition, y)`: x where the condition holds, else y."""
        return where(condition, self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return _ops.MaskedFill.apply(self, mask=np.asarray(_value(mask), dtype=bool), value=float(value))

    # ------------------------------------------------------------------ activations
    def relu(self) -> Tensor:
        return _ops.ReLU.apply(self)

    def sigmoid(self) -> Tensor:
        return _ops.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        return _ops.Tanh.apply(self)

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        return _ops.Softmax.apply(self, axis=dim if axis is None else axis)

    def log_softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        return _ops.LogSoftmax.apply(self, axis=dim if axis is None else axis)

    def gelu(self, approximate: str = "none") -> Tensor:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu's approximate is 'none' or 'tanh', not {approximate!r}")
        return _ops.GELU.apply(self, approximate=approximate)

    def silu(self) -> Tensor:
        return _ops.SiLU.apply(self)

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
        return _ops.Softplus.apply(self, beta=beta, threshold=threshold)

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
        return _ops.Hardtanh.apply(self, min_val=min_val, max_val=max_val)

    def relu6(self) -> Tensor:
        return self.hardtanh(0.0, 6.0)

    def selu(self) -> Tensor:
        return _ops.SELU.apply(self)

    def celu(self, alpha: float = 1.0) -> Tensor:
        return _ops.CELU.apply(self, alpha=alpha)

    def mish(self) -> Tensor:
        return _ops.Mish.apply(self)

    def hardswish(self) -> Tensor:
        return _ops.Hardswish.apply(self)

    def hardsigmoid(self) -> Tensor:
        return _ops.Hardsigmoid.apply(self)

    def logsigmoid(self) -> Tensor:
        return _ops.LogSigmoid.apply(self)

    def softsign(self) -> Tensor:
        return _ops.Softsign.apply(self)


class MissingName(AttributeError):
    """A Tensor attribute PyTorch has and the engine lacks. The message, with the closest name the Tensor has, is
    made only when read, so a `hasattr` or `getattr(t, name, default)` that misses stays cheap."""

    def __init__(self, name: str) -> None:
        super().__init__(name, name=name)

    def __str__(self) -> str:
        close = difflib.get_close_matches(self.name, [n for n in dir(Tensor) if not n.startswith("_")], n=1)
        hint = f"; the closest it has is Tensor.{close[0]}" if close else ""
        return f"the engine's Tensor has no {self.name!r} (PyTorch's Tensor.{self.name} is not supported yet){hint}"


class Size(int):
    """What `x.size` gives: the element count, as NumPy (and the engine's labs) read `p.size`, which called is
    PyTorch's `x.size()` (the shape) or `x.size(d)` (one dimension's length)."""

    def __new__(cls, shape: tuple[int, ...]) -> Size:
        size = super().__new__(cls, math.prod(shape))
        size.shape = shape
        return size

    def __call__(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]


MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])
TopKResult = namedtuple("topk", ["values", "indices"])
SortResult = namedtuple("sort", ["values", "indices"])


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """`input` where `condition` holds, else `other` (numbers or tensors; both tensors get gradients)."""
    return _ops.Where.apply(as_tensor(input), as_tensor(other), condition=np.asarray(_value(condition), dtype=bool))


def einsum(equation: str, *operands: Any) -> Tensor:
    """PyTorch's `einsum("ij,jk->ik", a, b)` (the operands may also come as one list), with gradients."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return _ops.Einsum.apply(*[as_tensor(x) for x in operands], equation=equation)


def constant(array: Any) -> Tensor:
    """A tensor without a gradient that keeps its array's dtype: comparisons (bool), indices (int64)."""
    t = _new(Tensor)
    t.data, t.grad, t.name, t.node, t.slot, t.requires_grad = np.asarray(array), None, None, None, 0, False
    return t


def _value(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _integers(index: Any) -> np.ndarray:
    return np.asarray(_value(index)).astype(np.int64)


def _index(index: Any) -> Any:
    """An index with tensors in it as NumPy takes it: a bool tensor stays a mask, any other becomes integers."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data if index.data.dtype == bool else index.data.astype(np.int64)
    return index


def _shape(sizes: tuple) -> tuple:
    """`f(2, 3)` and `f((2, 3))` alike (PyTorch accepts both)."""
    return tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)


def _tuple(x: Any) -> Any:
    return tuple(x) if isinstance(x, list) else x


def _correction(unbiased: bool | None, correction: float | None) -> float:
    if correction is not None:
        return correction
    return 0.0 if unbiased is False else 1.0


def result(data: Any, node: Any, slot: int) -> Tensor:
    """An op's output (or a constant, with no node): no copy, gradient needed exactly when a node is attached.
    Every op call makes one, so it skips `as_array`'s call when the value is already a float64 array."""
    t = _new(Tensor)
    t.data = data if type(data) is np.ndarray and data.dtype is FLOAT64 else as_array(data)
    t.grad = t.name = None
    t.node, t.slot, t.requires_grad = node, slot, node is not None
    return t


_new = object.__new__


def as_tensor(value: Any) -> Tensor:
    """Tensors pass through; numbers and arrays become constants (no gradient)."""
    return value if isinstance(value, Tensor) else result(value, None, 0)


def device_name(device: Any) -> str:
    """"cpu" or "cuda" from what PyTorch accepts ("cuda:0" too)."""
    name = str(device).split(":")[0]
    if name not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {device!r}: use 'cpu' or 'cuda'")
    return name


def moved_array(array: Any, device: Any) -> Any:
    """`array` on `device`: the same array if it is there, else a copy. The first move to "cuda" checks that the
    GPU works (the cuda backend's self-test) and raises RuntimeError with the reason when it does not."""
    if device_name(device) == "cpu":
        return array.get() if on_gpu(array) else array
    if on_gpu(array):
        return array
    from . import backend

    backend.require_cuda()
    from .kernels.cuda_array import CudaArray

    return CudaArray.from_host(array)


from . import ops as _ops  # noqa: E402  (ops import Tensor; the methods above look ops up at call time)
