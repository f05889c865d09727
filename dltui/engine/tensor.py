"""`Tensor`: a float64 array that remembers the node that made it.

The array is NumPy's on the CPU, or a `CudaArray` in GPU memory after `.to("cuda")` (PyTorch's way
of choosing a device); ops run wherever their inputs are, and numbers come back only when asked.
"""

from __future__ import annotations

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
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        return float(self.data.item())

    def numpy(self) -> np.ndarray:
        if on_gpu(self.data):
            raise TypeError("can't convert a cuda tensor to NumPy: use tensor.cpu() to copy it to the host first")
        return self.data

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

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.MatMul.apply(self, as_tensor(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.MatMul.apply(as_tensor(other), self)

    def __pow__(self, exponent: float) -> Tensor:
        return _ops.Pow.apply(self, exponent=float(exponent))

    def __neg__(self) -> Tensor:
        return _ops.Neg.apply(self)

    def __getitem__(self, index: Any) -> Tensor:
        if isinstance(index, Tensor):
            index = index.data.astype(np.int64)
        return _ops.Index.apply(self, index=index)

    # ------------------------------------------------------------------ reductions and shape
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _ops.Reshape.apply(self, shape=shape)

    def transpose(self, *axes: int) -> Tensor:
        """No axes: reverse them (NumPy); two axes: swap those two (PyTorch); more: permute."""
        if len(axes) == 2:
            order = list(range(self.ndim))
            order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
            axes = tuple(order)
        return _ops.Transpose.apply(self, axes=axes or None)

    @property
    def T(self) -> Tensor:
        return self.transpose()

    # ------------------------------------------------------------------ elementwise
    def exp(self) -> Tensor:
        return _ops.Exp.apply(self)

    def log(self) -> Tensor:
        return _ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return _ops.Pow.apply(self, exponent=0.5)

    def relu(self) -> Tensor:
        return _ops.ReLU.apply(self)

    def sigmoid(self) -> Tensor:
        return _ops.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        return _ops.Tanh.apply(self)

    def softmax(self, axis: int = -1) -> Tensor:
        return _ops.Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return _ops.LogSoftmax.apply(self, axis=axis)


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
