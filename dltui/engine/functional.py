"""The functional API, named and shaped like `torch.nn.functional` (NCHW, torch weight shapes).

Fused ops (linear, conv2d, the recurrent cells, attention) take `expand=True` to run as their
primitive ops instead: slower, same numbers, and every step visible on the tape.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import ops
from .init import generator
from .kernels.reference import pair
from .ops.losses import bce_elementwise
from .tensor import Tensor, as_tensor


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


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           expand: bool = False) -> Tensor:
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return _fused(ops.Conv2d, inputs, expand, stride=pair(stride), padding=pair(padding))


def conv_transpose2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0) -> Tensor:
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return ops.ConvTranspose2d.apply(*inputs, stride=pair(stride), padding=pair(padding),
                                     output_padding=pair(output_padding))


def max_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    return ops.MaxPool2d.apply(x, kernel_size=pair(kernel_size), stride=pair(stride or kernel_size),
                               padding=pair(padding))


def avg_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    return ops.AvgPool2d.apply(x, kernel_size=pair(kernel_size), stride=pair(stride or kernel_size),
                               padding=pair(padding))


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
def mse_loss(input: Tensor, target: Any) -> Tensor:
    return ops.MSELoss.apply(input, as_tensor(target))


def binary_cross_entropy(input: Tensor, target: Any) -> Tensor:
    return ops.BCELoss.apply(input, as_tensor(target))


def binary_cross_entropy_array(p: np.ndarray, target: Any, axis: Any = None) -> np.ndarray:
    """`binary_cross_entropy`'s numbers on plain arrays, averaged over `axis` only: a lab training a
    stack of nets as arrays gets one loss per net."""
    return bce_elementwise(p, target)[0].mean(axis=axis)


def binary_cross_entropy_with_logits(input: Tensor, target: Any) -> Tensor:
    return ops.BCEWithLogitsLoss.apply(input, as_tensor(target))


def cross_entropy(input: Tensor, target: Any) -> Tensor:
    """Logits (N, C) against class indices (N,); mean over the batch."""
    return ops.CrossEntropyLoss.apply(input, target=_indices(target))


def _indices(values: Any) -> np.ndarray:
    return np.asarray(values.data if isinstance(values, Tensor) else values).astype(np.int64)
