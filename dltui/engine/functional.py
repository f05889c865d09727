"""The functional API, named and shaped like `torch.nn.functional` (NCHW, torch weight shapes).

Fused ops (linear, conv2d, the recurrent cells, attention) take `expand=True` to run as their
primitive ops instead: slower, same numbers, and every step visible on the tape.
"""

from __future__ import annotations

import difflib
import math
from typing import Any, Sequence

import numpy as np

from . import ops
from .init import generator
from .kernels.reference import pair
from .ops.losses import bce_elementwise
from .tensor import Tensor, as_tensor, constant


def _fused(op_class: type[ops.Op], inputs: tuple[Tensor, ...], expand: bool, **params: Any) -> Any:
    op = op_class()
    if not expand:
        return op.run(inputs, params)
    op.params = params
    return op.composite(*inputs)


# ---------------------------------------------------------------- activations
def relu(x: Tensor) -> Tensor:
    return ops.ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return ops.LeakyReLU.apply(x, negative_slope=negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    return ops.ELU.apply(x, alpha=alpha)


def sigmoid(x: Tensor) -> Tensor:
    return ops.Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    return ops.Tanh.apply(x)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    return ops.Softmax.apply(x, axis=dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    return ops.LogSoftmax.apply(x, axis=dim)


# ---------------------------------------------------------------- shape
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    return ops.Stack.apply(*tensors, axis=dim)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    return ops.Concat.apply(*tensors, axis=dim)


def flatten(x: Tensor, start_dim: int = 1) -> Tensor:
    return x.reshape(*x.shape[:start_dim], -1)


# ---------------------------------------------------------------- layers
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None, expand: bool = False) -> Tensor:
    return _fused(ops.Linear, (x, weight) if bias is None else (x, weight, bias), expand)


def _conv_padding(x: Tensor, weight_shape: tuple[int, ...], padding: Any, stride: tuple[int, int],
                  dilation: tuple[int, int]):
    """torch's padding: numbers, or 'valid' (none) or 'same' (stride 1: the output keeps the input's size; an odd
    total puts the extra row or column after, as torch does). Returns the input, padded beforehand where the two
    sides differ, and the symmetric padding left for the kernel."""
    if not isinstance(padding, str):
        return x, pair(padding)
    if padding == "valid":
        return x, (0, 0)
    if padding != "same":
        raise ValueError(f"padding {padding!r}: use a number, a pair, 'valid' or 'same'")
    if stride != (1, 1):
        raise ValueError("padding='same' is not supported for strided convolutions (as in torch)")
    totals = [d * (k - 1) for d, k in zip(dilation, weight_shape[2:])]
    if any(t % 2 for t in totals):
        (th, tw) = totals
        return pad(x, (tw // 2, tw - tw // 2, th // 2, th - th // 2)), (0, 0)
    return x, (totals[0] // 2, totals[1] // 2)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1, expand: bool = False) -> Tensor:
    """Cross-correlation of (N, C, H, W) or unbatched (C, H, W) input with kernels (O, C/groups, kH, kW)."""
    if x.ndim == 3:
        return conv2d(x.reshape(1, *x.shape), weight, bias, stride, padding, dilation, groups, expand)[0]
    if x.shape[1] != weight.shape[1] * groups or weight.shape[0] % groups:
        raise ValueError(f"conv2d: input of {x.shape[1]} channels, kernels {tuple(weight.shape)} and groups={groups} "
                         f"do not fit: the input needs kernels.shape[1]·groups channels, and groups must divide "
                         f"the output channels")
    stride, dilation = pair(stride), pair(dilation)
    x, padding = _conv_padding(x, weight.shape, padding, stride, dilation)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return _fused(ops.Conv2d, inputs, expand, stride=stride, padding=padding, dilation=dilation, groups=groups)


def conv1d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: Any = 0,
           dilation: int = 1, groups: int = 1) -> Tensor:
    """A conv2d over rows of height 1: (N, C, L) or (C, L) input, kernels (O, C/groups, K)."""
    if x.ndim == 2:
        return conv1d(x.reshape(1, *x.shape), weight, bias, stride, padding, dilation, groups)[0]
    n, c, length = x.shape
    padding = padding if isinstance(padding, str) else (0, _single(padding))
    y = conv2d(x.reshape(n, c, 1, length), weight.reshape(*weight.shape[:2], 1, weight.shape[2]), bias,
               (1, _single(stride)), padding, (1, _single(dilation)), groups)
    return y.reshape(n, y.shape[1], y.shape[3])


def _single(value: Any) -> int:
    return int(value[0] if isinstance(value, (tuple, list)) else value)


def conv_transpose2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0) -> Tensor:
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return ops.ConvTranspose2d.apply(*inputs, stride=pair(stride), padding=pair(padding),
                                     output_padding=pair(output_padding))


def _pool_args(kernel_size: Any, stride: Any, padding: Any) -> dict[str, tuple[int, int]]:
    kernel, pads = pair(kernel_size), pair(padding)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(f"pooling padding {pads} should be at most half the kernel size {kernel}")
    return dict(kernel_size=kernel, stride=pair(stride or kernel_size), padding=pads)


def max_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over each window; `return_indices` also gives each winner's flat index h·W + w in its input plane."""
    if pair(dilation) != (1, 1):
        raise NotImplementedError("max_pool2d with dilation is not supported yet; dilation=1 is")
    if x.ndim == 3:
        out = max_pool2d(x.reshape(1, *x.shape), kernel_size, stride, padding, dilation, ceil_mode, return_indices)
        return (out[0][0], out[1][0]) if return_indices else out[0]
    args = _pool_args(kernel_size, stride, padding)
    if ceil_mode:
        args["ceil_mode"] = True
    op, y = ops.MaxPool2d.call(x, **args)
    return (y, constant(op.saved["argmax"])) if return_indices else y


def avg_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    if x.ndim == 3:
        return avg_pool2d(x.reshape(1, *x.shape), kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override)[0]
    args = _pool_args(kernel_size, stride, padding)
    if ceil_mode or not count_include_pad or divisor_override is not None:  # else the plain kernel call
        args.update(ceil_mode=ceil_mode, count_include_pad=count_include_pad, divisor_override=divisor_override)
    return ops.AvgPool2d.apply(x, **args)


def _sizes(x: Tensor, size: Any, count: int) -> tuple[int, ...]:
    """Output sizes of the last `count` axes; None keeps an input size (adaptive pooling)."""
    sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * count
    return tuple(x.shape[-count + k] if s is None else int(s) for k, s in enumerate(sizes))


def adaptive_avg_pool2d(x: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed (h, w): output (i, j) averages rows ⌊iH/h⌋ to ⌈(i+1)H/h⌉, columns alike."""
    (h, w), (oh, ow) = x.shape[-2:], _sizes(x, output_size, 2)
    return ops.AdaptiveAvgPool2d.apply(x, rows=ops.layers.adaptive_matrix(h, oh), cols=ops.layers.adaptive_matrix(w, ow))


def interpolate(x: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize (N, C, L) or (N, C, H, W): 'nearest', 'nearest-exact', 'linear'/'bilinear' (with `align_corners`),
    'area'. Either `size` or `scale_factor`, as torch takes them."""
    axes = x.ndim - 2
    modes = {"nearest": (1, 2), "nearest-exact": (1, 2), "area": (1, 2), "linear": (1,), "bilinear": (2,)}
    if mode not in modes or axes not in modes[mode] or antialias:
        raise NotImplementedError(f"interpolate mode={mode!r} on a {x.ndim}-d input is not supported yet; "
                                  "supported: nearest, nearest-exact, area (3-d or 4-d), linear (3-d), bilinear (4-d)")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give either size or scale_factor")
    if size is not None:
        outs, scales = _sizes(x, size, axes), (None,) * axes
    else:
        factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * axes
        outs = tuple(int(math.floor(n * f)) for n, f in zip(x.shape[2:], factors))
        scales = (None,) * axes if recompute_scale_factor else tuple(1.0 / f for f in factors)
    corners = bool(align_corners) and mode in ("linear", "bilinear")
    maps = [ops.layers.interpolation_matrix(n, out, mode, corners, s) for n, out, s in zip(x.shape[2:], outs, scales)]
    return ops.Interpolate.apply(x, rows=maps[0] if axes == 2 else None, cols=maps[-1])


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """torch's F.pad: `pad` = (left, right) for the last axis, then (top, bottom) for the one before, …;
    mode 'constant' (with `value`, 0 by default; negative amounts crop), 'reflect', 'replicate', 'circular'."""
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad {tuple(pad)} needs (before, after) pairs for at most {input.ndim} axes")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad mode {mode!r} is not supported; use constant, reflect, replicate or circular")
    return ops.PadNd.apply(input, maps=ops.layers.pad_maps(input.shape, tuple(int(p) for p in pad), mode),
                           value=0.0 if value is None else float(value), mode=mode)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the rest by 1/(1−p), so
    evaluation needs no rescaling. The mask is drawn here and handed to the op as a param."""
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = generator().random(x.shape) >= p
    return ops.Dropout.apply(x, scaled_mask=keep / (1.0 - p))


def batch_norm(x: Tensor, running_mean: np.ndarray | None, running_var: np.ndarray | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Training normalizes with the batch's statistics and moves the running ones (in place)
    toward them, the variance unbiased as in PyTorch; evaluation uses the running ones."""
    channels = x.shape[1]
    gamma = weight if weight is not None else as_tensor(np.ones(channels))
    beta = bias if bias is not None else as_tensor(np.zeros(channels))
    op, y = ops.BatchNorm.call(x, gamma, beta, training=training, running_mean=running_mean,
                               running_var=running_var, eps=eps)
    if training and running_mean is not None:
        count = x.size / channels
        running_mean *= 1.0 - momentum
        running_mean += momentum * op.saved["mean"]
        running_var *= 1.0 - momentum
        running_var += momentum * op.saved["var"] * count / max(count - 1.0, 1.0)
    return y


def layer_norm(x: Tensor, normalized_shape: Any, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    gamma = weight if weight is not None else as_tensor(np.ones(shape))
    beta = bias if bias is not None else as_tensor(np.zeros(shape))
    return ops.LayerNorm.apply(x, gamma, beta, ndim=len(shape), eps=eps)


def embedding(indices: Any, weight: Tensor) -> Tensor:
    return ops.Embedding.apply(weight, indices=_indices(indices))


# ---------------------------------------------------------------- recurrent cells
def _biases(b_ih: Tensor | None, b_hh: Tensor | None, size: int) -> tuple[Tensor, Tensor]:
    zeros = as_tensor(np.zeros(size))
    return (b_ih if b_ih is not None else zeros), (b_hh if b_hh is not None else zeros)


def rnn_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None, nonlinearity: str = "tanh", expand: bool = False) -> Tensor:
    b_ih, b_hh = _biases(b_ih, b_hh, w_ih.shape[0])
    return _fused(ops.RNNCell, (x, h, w_ih, w_hh, b_ih, b_hh), expand, nonlinearity=nonlinearity)


def lstm_cell(x: Tensor, hc: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None, expand: bool = False) -> tuple[Tensor, Tensor]:
    """One LSTM step; returns (h', c'). Weights stack the gates i, f, g, o: w_ih is (4H, input)."""
    b_ih, b_hh = _biases(b_ih, b_hh, w_ih.shape[0])
    h, c = hc
    return _fused(ops.LSTMCell, (x, h, c, w_ih, w_hh, b_ih, b_hh), expand)


def gru_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None, expand: bool = False) -> Tensor:
    """One GRU step; weights stack r, z, n: w_ih is (3H, input)."""
    b_ih, b_hh = _biases(b_ih, b_hh, w_ih.shape[0])
    return _fused(ops.GRUCell, (x, h, w_ih, w_hh, b_ih, b_hh), expand)


# ---------------------------------------------------------------- attention
def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, attn_mask: Any = None, is_causal: bool = False,
                                 scale: float | None = None, expand: bool = False) -> Tensor:
    """softmax(Q·Kᵀ/√d + mask)·V over the last two axes. A boolean mask marks with True the
    positions that may be attended to; a float mask is added to the scores."""
    return attention(q, k, v, attn_mask, is_causal, scale, expand)[0]


def attention(q: Tensor, k: Tensor, v: Tensor, attn_mask: Any = None, is_causal: bool = False,
              scale: float | None = None, expand: bool = False) -> tuple[Tensor, np.ndarray]:
    """`scaled_dot_product_attention` that also returns the attention weights (for display)."""
    bias = ops.attention_bias(attn_mask, is_causal, q.shape[-2], k.shape[-2])
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    if expand:
        y, attn = ops.attention_chain(q, k, v, bias, scale)
        return y, attn.data
    op, y = ops.ScaledDotProductAttention.call(q, k, v, bias=bias, scale=scale)
    return y, op.saved["attn"]


# ---------------------------------------------------------------- losses
# torch's names and defaults; `size_average` and `reduce` are its deprecated spellings of `reduction`.
def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        reduction = "none" if reduce is False else "sum" if size_average is False else "mean"
    return ops.check_reduction(reduction)


def _array(value: Any) -> np.ndarray | None:
    """A weight as a float64 array (engine or torch tensor, list, number); None stays None."""
    return None if value is None else np.asarray(value.data if isinstance(value, Tensor) else value, dtype=np.float64)


def mse_loss(input: Tensor, target: Any, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: Any = None) -> Tensor:
    return ops.MSELoss.apply(input, as_tensor(target), reduction=_reduction(size_average, reduce, reduction),
                             weight=_array(weight))


def l1_loss(input: Tensor, target: Any, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: Any = None) -> Tensor:
    return ops.L1Loss.apply(input, as_tensor(target), reduction=_reduction(size_average, reduce, reduction),
                            weight=_array(weight))


def smooth_l1_loss(input: Tensor, target: Any, size_average: bool | None = None, reduce: bool | None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    return ops.SmoothL1Loss.apply(input, as_tensor(target), reduction=_reduction(size_average, reduce, reduction),
                                  beta=float(beta))


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0, weight: Any = None) -> Tensor:
    return ops.HuberLoss.apply(input, as_tensor(target), reduction=ops.check_reduction(reduction), delta=float(delta),
                               weight=_array(weight))


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: bool | None = None,
                         reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    return ops.BCELoss.apply(input, as_tensor(target), reduction=_reduction(size_average, reduce, reduction),
                             weight=_array(weight))


def binary_cross_entropy_array(p: np.ndarray, target: Any, axis: Any = None) -> np.ndarray:
    """`binary_cross_entropy`'s numbers on plain arrays, averaged over `axis` only: a lab training a
    stack of nets as arrays gets one loss per net."""
    return bce_elementwise(p, target)[0].mean(axis=axis)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None, size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> Tensor:
    if weight is None and pos_weight is None and size_average is None and reduce is None:  # the usual call: fewer steps
        return ops.BCEWithLogitsLoss.apply(input, as_tensor(target), reduction=ops.check_reduction(reduction))
    return ops.BCEWithLogitsLoss.apply(input, as_tensor(target), reduction=_reduction(size_average, reduce, reduction),
                                       weight=_array(weight), pos_weight=_array(pos_weight))


def _class_indices(input: Tensor, target: Any, ignore_index: int) -> np.ndarray:
    """Class indices checked against the class axis, as torch checks them (NumPy would wrap −1 around)."""
    t = _indices(target)
    classes = input.shape[0 if input.ndim == 1 else 1]
    expected = input.shape[1:0] if input.ndim == 1 else input.shape[:1] + input.shape[2:]
    if t.shape != expected:
        raise ValueError(f"target of shape {t.shape} for input of shape {input.shape}: expected class indices of "
                         f"shape {expected}, or class probabilities of the input's shape")
    if t.size and (t.min() < 0 or t.max() >= classes):
        bad = t[(t != ignore_index) & ((t < 0) | (t >= classes))]
        if bad.size:
            raise IndexError(f"target {bad.flat[0]} is out of bounds for {classes} classes")
    return t


def cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Logits (N, C, …) or (C,) against class indices (N, …), or against class probabilities of the logits' own
    shape (which receive a gradient when they require one)."""
    options = dict(weight=_array(weight), label_smoothing=float(label_smoothing),
                   reduction=_reduction(size_average, reduce, reduction))
    if tuple(np.shape(target.data if isinstance(target, Tensor) else target)) == input.shape:
        return ops.CrossEntropyLoss.apply(input, as_tensor(target), **options)
    return ops.CrossEntropyLoss.apply(input, target=_class_indices(input, target, ignore_index),
                                      ignore_index=ignore_index, **options)


def nll_loss(input: Tensor, target: Any, weight: Any = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Log-probabilities (N, C, …) or (C,) against class indices: −x[n, t_n], weighted, averaged over Σ w[t_n]."""
    return ops.NLLLoss.apply(input, target=_class_indices(input, target, ignore_index), weight=_array(weight),
                             ignore_index=ignore_index, reduction=_reduction(size_average, reduce, reduction))


def _indices(values: Any) -> np.ndarray:
    return np.asarray(values.data if isinstance(values, Tensor) else values).astype(np.int64)


def __getattr__(name: str) -> Any:
    """Only reached for a name this module lacks: say so, and name the closest function it has."""
    if name.startswith("__"):
        raise AttributeError(name)
    own = [n for n, v in globals().items() if not n.startswith("_") and getattr(v, "__module__", "") == __name__]
    close = difflib.get_close_matches(name, own, n=1)
    hint = f"; the closest it has is F.{close[0]}" if close else ""
    raise AttributeError(f"the engine's functional has no {name!r} (torch.nn.functional.{name} is not supported "
                         f"yet){hint}")


# PyTorch surface: activations and elementwise
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    return input.gelu(approximate)


def silu(input: Tensor) -> Tensor:
    return input.silu()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return input.softplus(beta, threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return input.hardtanh(min_val, max_val)


def relu6(input: Tensor) -> Tensor:
    return input.relu6()


def selu(input: Tensor) -> Tensor:
    return input.selu()


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    return input.celu(alpha)


def mish(input: Tensor) -> Tensor:
    return input.mish()


def hardswish(input: Tensor) -> Tensor:
    return input.hardswish()


def hardsigmoid(input: Tensor) -> Tensor:
    return input.hardsigmoid()


def logsigmoid(input: Tensor) -> Tensor:
    return input.logsigmoid()


def softsign(input: Tensor) -> Tensor:
    return input.softsign()


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(‖input‖ₚ along dim, eps), as primitive ops. The bound is taken before the root, max(Σ|x|ᵖ, epsᵖ),
    which is the same number and keeps a zero row's gradient finite (0, as PyTorch's) instead of 0·∞."""
    return input / (input.abs() ** p).sum(dim, keepdim=True).clamp_min(eps**p) ** (1.0 / p)
