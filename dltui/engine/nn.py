"""Layers shaped like `torch.nn`: same constructor arguments, parameter names and shapes, and
default initialization, so a learner's PyTorch intuition carries over."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Iterable, Iterator

import numpy as np

from . import functional as F
from . import init
from .kernels.reference import pair
from .tensor import Tensor, moved_array


class Parameter(Tensor):
    """A tensor a module learns: requires a gradient and is listed by `Module.parameters()`."""

    def __init__(self, data: Any, requires_grad: bool = True, name: str | None = None) -> None:
        super().__init__(data, requires_grad=requires_grad, name=name)


class Module:
    """Parameters are the `Parameter` attributes; submodules the `Module` attributes (and the
    entries of a `ModuleList`/`Sequential`), found in the order they were assigned."""

    training = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def modules(self) -> Iterator[Module]:
        yield self
        for _, child in self.named_children():
            yield from child.modules()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Yields ("layer.weight", p) pairs and names each parameter so the tape shows its path."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                value.name = prefix + name
                yield value.name, value
        for name, child in self.named_children():
            yield from child.named_parameters(f"{prefix}{name}.")

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def to(self, device: Any) -> Module:
        """Move every parameter and its gradient to `device` ("cpu" or "cuda") in place, so an optimizer made
        before or after follows them, as PyTorch's `Module.to` does."""
        for p in self.parameters():
            p.data = moved_array(p.data, device)
            p.grad = None if p.grad is None else moved_array(p.grad, device)
        return self

    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in self.named_children()]
        body = "\n" + "\n".join(children) + "\n" if children else ""
        return f"{type(self).__name__}({self.extra_repr()}{body})"


class ModuleList(Module):
    def __init__(self, modules: Any = ()) -> None:
        self._items: list[Module] = list(modules)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        return ((str(k), m) for k, m in enumerate(self._items))

    def append(self, module: Module) -> None:
        self._items.append(module)

    def __getitem__(self, index: int) -> Module:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._items)


class Sequential(ModuleList):
    def __init__(self, *modules: Module) -> None:
        super().__init__(modules)

    def forward(self, x: Tensor) -> Tensor:
        for module in self._items:
            x = module(x)
        return x


def _uniform(shape: tuple[int, ...], bound: float, name: str) -> Parameter:
    return init.uniform_(Parameter(np.empty(shape), name=name), -bound, bound)


# ---------------------------------------------------------------- activations as layers
class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)


class ELU(Module):
    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Softmax(Module):
    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)


# ---------------------------------------------------------------- layers
class Linear(Module):
    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features)  # kaiming_uniform_(a=√5), PyTorch's default
        self.weight = _uniform((out_features, in_features), bound, "weight")
        self.bias = _uniform((out_features,), bound, "bias") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Conv2d(Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 bias: bool = True) -> None:
        kh, kw = pair(kernel_size)
        self.stride, self.padding = pair(stride), pair(padding)
        bound = 1.0 / math.sqrt(in_channels * kh * kw)
        self.weight = _uniform((out_channels, in_channels, kh, kw), bound, "weight")
        self.bias = _uniform((out_channels,), bound, "bias") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        out_c, in_c, kh, kw = self.weight.shape
        return f"{in_c}, {out_c}, kernel_size=({kh}, {kw}), stride={self.stride}, padding={self.padding}"


class ConvTranspose2d(Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, bias: bool = True) -> None:
        kh, kw = pair(kernel_size)
        self.stride, self.padding, self.output_padding = pair(stride), pair(padding), pair(output_padding)
        bound = 1.0 / math.sqrt(out_channels * kh * kw)  # PyTorch takes the fan-in from weight dim 1
        self.weight = _uniform((in_channels, out_channels, kh, kw), bound, "weight")
        self.bias = _uniform((out_channels,), bound, "bias") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding)


class _Pool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class Flatten(Module):
    def __init__(self, start_dim: int = 1) -> None:
        self.start_dim = start_dim

    def forward(self, x: Tensor) -> Tensor:
        return F.flatten(x, self.start_dim)


class Dropout(Module):
    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)


class BatchNorm1d(Module):
    """Running statistics are plain arrays (buffers), not parameters: they are not learned."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True) -> None:
        self.eps, self.momentum = eps, momentum
        self.weight = Parameter(np.ones(num_features), name="weight") if affine else None
        self.bias = Parameter(np.zeros(num_features), name="bias") if affine else None
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)

    def forward(self, x: Tensor) -> Tensor:
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, self.training,
                            self.momentum, self.eps)


class BatchNorm2d(BatchNorm1d):
    pass


class LayerNorm(Module):
    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True) -> None:
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps = eps
        self.weight = Parameter(np.ones(self.normalized_shape), name="weight") if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape), name="bias") if elementwise_affine else None

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


class Embedding(Module):
    def __init__(self, num_embeddings: int, embedding_dim: int) -> None:
        self.weight = init.normal_(Parameter(np.empty((num_embeddings, embedding_dim)), name="weight"))

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(indices, self.weight)


# ---------------------------------------------------------------- recurrent layers
def _suffix(layer: int, reverse: bool) -> str:
    return f"_l{layer}_reverse" if reverse else f"_l{layer}"


class _Recurrent(Module):
    """Stacked recurrent layers over a sequence, one cell call per time step, layer and direction.

    Input (L, N, input_size), or (N, L, input_size) with batch_first. Parameters are named like
    PyTorch's (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then the same with `_reverse`
    for the backward direction, …), in its order, and drawn from U(±1/√hidden_size). A
    bidirectional layer reads the sequence both ways and concatenates the two states at each step,
    so the output has 2·hidden_size features and the next layer takes them as input."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, bidirectional: bool = False) -> None:
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.batch_first, self.bidirectional = batch_first, bidirectional
        bound = 1.0 / math.sqrt(hidden_size)
        rows = self.gates * hidden_size
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * len(self.directions)
            shapes = dict(weight_ih=(rows, width), weight_hh=(rows, hidden_size), bias_ih=(rows,), bias_hh=(rows,))
            for reverse in self.directions:
                for kind, shape in shapes.items():
                    name = kind + _suffix(layer, reverse)
                    setattr(self, name, _uniform(shape, bound, name) if bias or kind.startswith("weight") else None)

    @property
    def directions(self) -> tuple[bool, ...]:
        """The `reverse` flag of each direction: (False,) or (False, True)."""
        return (False, True) if self.bidirectional else (False,)

    def weights(self, layer: int, reverse: bool = False) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        return tuple(getattr(self, kind + _suffix(layer, reverse)) for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def cell(self, x: Tensor, state: Any, weights: tuple) -> Any:
        raise NotImplementedError

    def initial(self, state: Tensor | None, x: Tensor) -> list[Tensor]:
        """Each layer and direction's starting state for input `x`: zeros, or the rows of the given
        (num_layers·directions, N, H) tensor."""
        count = self.num_layers * len(self.directions)
        if state is None:
            batch = x.shape[0 if self.batch_first else 1]
            return [Tensor(np.zeros((batch, self.hidden_size))) for _ in range(count)]
        return [state[k] for k in range(count)]

    def unroll(self, x: Tensor, states: list[Any]) -> tuple[Tensor, list[Any]]:
        """The last layer's output at every step, and the final states in PyTorch's order
        (l0 forward, l0 backward, l1 forward, …)."""
        inputs = [x[:, t] if self.batch_first else x[t] for t in range(x.shape[1 if self.batch_first else 0])]
        finals: list[Any] = []
        for layer in range(self.num_layers):
            outputs = []
            for reverse in self.directions:
                state, hs = states[len(finals)], []
                for x_t in reversed(inputs) if reverse else inputs:
                    state = self.cell(x_t, state, self.weights(layer, reverse))
                    hs.append(state[0] if isinstance(state, tuple) else state)
                finals.append(state)
                outputs.append(hs[::-1] if reverse else hs)
            inputs = outputs[0] if len(outputs) == 1 else [F.cat(pair, dim=1) for pair in zip(*outputs)]
        return F.stack(inputs, dim=1 if self.batch_first else 0), finals

    def extra_repr(self) -> str:
        flags = "".join(f", {flag}=True" for flag in ("batch_first", "bidirectional") if getattr(self, flag))
        return f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}{flags}"


class RNN(_Recurrent):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, bidirectional: bool = False) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional)
        self.nonlinearity = nonlinearity

    def cell(self, x: Tensor, h: Tensor, weights: tuple) -> Tensor:
        return F.rnn_cell(x, h, *weights, nonlinearity=self.nonlinearity)

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Returns (last layer's output at every step, final hidden state of every layer and direction)."""
        out, finals = self.unroll(x, self.initial(h0, x))
        return out, F.stack(finals)


class LSTM(_Recurrent):
    gates = 4

    def cell(self, x: Tensor, hc: tuple[Tensor, Tensor], weights: tuple) -> tuple[Tensor, Tensor]:
        return F.lstm_cell(x, hc, *weights)

    def forward(self, x: Tensor, hc0: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Returns (output, (h_n, c_n)) like torch.nn.LSTM."""
        h0, c0 = hc0 if hc0 is not None else (None, None)
        out, finals = self.unroll(x, list(zip(self.initial(h0, x), self.initial(c0, x))))
        return out, (F.stack([h for h, _ in finals]), F.stack([c for _, c in finals]))


class GRU(_Recurrent):
    gates = 3

    def cell(self, x: Tensor, h: Tensor, weights: tuple) -> Tensor:
        return F.gru_cell(x, h, *weights)

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        out, finals = self.unroll(x, self.initial(h0, x))
        return out, F.stack(finals)


class MultiheadAttention(Module):
    """torch.nn.MultiheadAttention: packed in_proj_weight (3E, E) for Q, K, V, then out_proj.

    Mind PyTorch's two mask conventions: here (as in torch's module) a boolean `attn_mask` marks
    with True the positions that may NOT be attended to; `F.scaled_dot_product_attention` takes
    the opposite. Returns (output, attention weights averaged over heads, (N, L, S))."""

    def __init__(self, embed_dim: int, num_heads: int, bias: bool = True, batch_first: bool = False) -> None:
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim, self.num_heads, self.batch_first = embed_dim, num_heads, batch_first
        self.in_proj_weight = init.xavier_uniform_(Parameter(np.empty((3 * embed_dim, embed_dim)), name="in_proj_weight"))
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim), name="in_proj_bias") if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias)
        if bias:
            init.zeros_(self.out_proj.bias)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, attn_mask: Any = None,
                is_causal: bool = False) -> tuple[Tensor, Tensor]:
        if not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        e, heads = self.embed_dim, self.num_heads
        w, b = self.in_proj_weight, self.in_proj_bias
        projected = [
            F.linear(t, w[k * e : (k + 1) * e], None if b is None else b[k * e : (k + 1) * e])
            for k, t in enumerate((query, key, value))
        ]
        q, k, v = (t.reshape(t.shape[0], t.shape[1], heads, e // heads).transpose(1, 2) for t in projected)
        if attn_mask is not None and np.asarray(attn_mask).dtype == bool:
            attn_mask = ~np.asarray(attn_mask)
        y, attn = F.attention(q, k, v, attn_mask, is_causal)
        y = self.out_proj(y.transpose(1, 2).reshape(query.shape[0], query.shape[1], e))
        return (y if self.batch_first else y.transpose(0, 1)), Tensor(attn.mean(axis=1))


# ---------------------------------------------------------------- utils
def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients together, in place, so that their joint norm is at most `max_norm`:
    the step keeps its direction and only its length is bounded. As `torch.nn.utils.clip_grad_norm_`:
    the norm of the per-parameter norms, factor max_norm/(norm + 1e-6), parameters without a
    gradient skipped. Returns the norm before clipping; `max_norm=math.inf` only measures it."""
    grads = [p.grad for p in ([parameters] if isinstance(parameters, Tensor) else parameters) if p.grad is not None]
    if not grads:
        return 0.0
    total = float(np.linalg.norm([np.linalg.norm(g.ravel(), norm_type) for g in grads], norm_type))
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return total


utils = SimpleNamespace(clip_grad_norm_=clip_grad_norm_)  # `nn.utils.clip_grad_norm_`, as in torch
