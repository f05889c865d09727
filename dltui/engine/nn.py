"""Layers shaped like `torch.nn`: same constructor arguments, parameter names and shapes, and
default initialization, so a learner's PyTorch intuition carries over."""

from __future__ import annotations

import difflib
import math
from collections import OrderedDict, namedtuple
from types import SimpleNamespace
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from . import functional
from . import functional as F
from . import init
from .kernels.reference import pair
from .tape import mode
from .tensor import Tensor, constant, moved_array


class Parameter(Tensor):
    """A tensor a module learns: requires a gradient and is listed by `Module.parameters()`."""

    def __init__(self, data: Any, requires_grad: bool = True, name: str | None = None) -> None:
        super().__init__(data, requires_grad=requires_grad, name=name)


class Module:
    """Parameters are the `Parameter` attributes; submodules the `Module` attributes (and the entries of a
    `ModuleList`/`Sequential`/`ModuleDict`), found in the order they were assigned; buffers the attributes named
    by `register_buffer`. Their dotted names, `state_dict` keys and order are torch's for the same structure."""

    training = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """`forward`; while a tape records, its ops are marked with this module's name (one check otherwise)."""
        tape = mode.tape
        if tape is None:
            return self.forward(*args, **kwargs)
        tape.enter(self)
        try:
            return self.forward(*args, **kwargs)
        finally:
            tape.leave()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        """Only reached for a name the module lacks: a named child of a container (`seq.conv1`), else an error
        naming the closest attribute it has."""
        children = self.__dict__.get("_modules")
        if children is not None and name in children:
            return children[name]
        if name.startswith("__"):
            raise AttributeError(name)
        close = difflib.get_close_matches(name, [n for n in {*dir(type(self)), *vars(self)} if not n.startswith("_")], n=1)
        hint = f"; the closest it has is .{close[0]}" if close else ""
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}{hint}")

    # ------------------------------------------------------------------ what a module holds, as torch names it
    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module ("") and every submodule below it, depth first, by dotted path ("features.0")."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def _named_members(self, kind: str, prefix: str, recurse: bool, remove_duplicate: bool) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for path, module in modules:
            for name, value in module._own(kind):
                if remove_duplicate and id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{path}.{name}" if path else name), value

    def _own(self, kind: str) -> Iterator[tuple[str, Any]]:
        """This module's own parameters or (persistent or all) buffers, without submodules'; None entries skipped."""
        if kind == "parameters":
            for name, value in vars(self).items():
                if isinstance(value, Parameter):
                    yield name, value
            return
        for name, persistent in self.__dict__.get("_buffer_names", {}).items():
            value = getattr(self, name, None)
            if value is not None and (persistent or kind == "buffers"):
                yield name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yields ("layer.weight", p) pairs, in torch's order, and names each parameter so the tape shows its path."""
        for name, p in self._named_members("parameters", prefix, recurse, remove_duplicate):
            p.name = name
            yield name, p

    def parameters(self, recurse: bool = True) -> list[Parameter]:
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """State that is not learned (running statistics, a fixed mask): in `state_dict` when persistent."""
        self.__dict__.setdefault("_buffer_names", {})[name] = persistent
        setattr(self, name, tensor)

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        return self._named_members("buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> list[Any]:
        return [b for _, b in self.named_buffers(recurse=recurse)]

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        setattr(self, name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        module = self
        for name in target.split(".") if target else ():
            children = dict(module.named_children())
            if name not in children:
                raise AttributeError(f"{type(module).__name__} has no submodule {name!r}")
            module = children[name]
        return module

    def apply(self, fn: Any) -> Module:
        """`fn(module)` on every submodule, children first, then this one (an initialization pass)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ saving and loading
    def _state_entries(self) -> Iterator[tuple[str, Any]]:
        """torch's state_dict order: per module, depth first, its parameters then its persistent buffers."""
        for path, module in self.named_modules(remove_duplicate=False):
            for kind in ("parameters", "persistent"):
                for name, value in module._own(kind):
                    yield (f"{path}.{name}" if path else name), value

    def state_dict(self, *, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Any]:
        """Every parameter and persistent buffer by its dotted name, the keys torch gives the same structure.
        Values share memory with the model (detached tensors), as torch's do: copy them to keep a snapshot."""
        return OrderedDict((prefix + name, value if keep_vars else _shared(value)) for name, value in self._state_entries())

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (engine tensors, torch tensors, arrays) into the parameters and buffers in place, so an
        optimizer keeps working on them. Returns (missing_keys, unexpected_keys); with `strict` either one raises,
        as does a shape that differs."""
        own = dict(self._state_entries())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = _host_array(state_dict[key])
            if value.shape != tuple(target.shape):
                errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
                              f"the shape in current model is {tuple(target.shape)}.")
            elif isinstance(target, Tensor):
                target.data = moved_array(value.astype(np.float64), target.device) if target.device != "cpu" \
                    else _copied(target.data, value)
            else:
                target[...] = value
        if strict:
            errors += [f"Missing key(s) in state_dict: {', '.join(map(repr, missing))}."] if missing else []
            errors += [f"Unexpected key(s) in state_dict: {', '.join(map(repr, unexpected))}."] if unexpected else []
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ gradients, modes, devices
    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = p.grad * 0.0

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def to(self, device: Any) -> Module:
        """Move every parameter and its gradient to `device` ("cpu" or "cuda") in place, so an optimizer made
        before or after follows them, as PyTorch's `Module.to` does; float buffers (batch norm's running
        statistics) go along, a counter stays on the host."""
        for p in self.parameters():
            p.data = moved_array(p.data, device)
            p.grad = None if p.grad is None else moved_array(p.grad, device)
        for module in self.modules():
            for name, value in module._own("buffers"):
                if isinstance(value, Tensor):
                    setattr(module, name, value.to(device))
                elif getattr(value, "dtype", None) == np.float64:
                    setattr(module, name, moved_array(value, device))
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self) -> Module:
        return self.to("cuda")

    def double(self) -> Module:
        """Every engine value is float64 already."""
        return self

    float = double

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


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self) -> str:
        return "<All keys matched successfully>" if self == ([], []) else super().__repr__()


def _shared(value: Any) -> Tensor:
    """A state_dict value: a detached tensor on the same memory (a buffer keeps its dtype)."""
    return value.detach() if isinstance(value, Tensor) else constant(value)


def _host_array(value: Any) -> np.ndarray:
    """A value from a state dict as a NumPy array: an engine tensor (from the GPU too), a torch tensor, an array."""
    if isinstance(value, Tensor):
        return np.asarray(value.cpu().data)
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu()
    return np.asarray(value)


def _copied(data: np.ndarray, value: np.ndarray) -> np.ndarray:
    data[...] = value
    return data


# ---------------------------------------------------------------- containers
class ModuleList(Module):
    """Submodules by position; `_modules` maps "0", "1", … to them, renumbered after an insert or delete."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        self._modules: dict[str, Module] = {}
        self.extend(modules or ())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        return iter(list(self._modules.items()))

    def _renumber(self, modules: Iterable[Module]) -> None:
        self._modules = {str(k): m for k, m in enumerate(modules)}

    def append(self, module: Module) -> ModuleList:
        self._modules[str(len(self._modules))] = module
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, module)
        self._renumber(items)

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.values())
        return type(self)(items[index]) if isinstance(index, slice) else items[index]

    def __setitem__(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items[index] = module
        self._renumber(items)

    def __delitem__(self, index: int | slice) -> None:
        items = list(self._modules.values())
        del items[index]
        self._renumber(items)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)


class Sequential(ModuleList):
    """Modules applied in order: `Sequential(a, b)` names them "0", "1"; `Sequential(OrderedDict(conv=…))` by key
    (reachable as `seq.conv`). A slice is a Sequential with the same names."""

    def __init__(self, *modules: Any) -> None:
        self._modules = {}
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            self._modules.update(modules[0])
        else:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        return Sequential(OrderedDict(items[index])) if isinstance(index, slice) else items[index][1]

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x


class ModuleDict(Module):
    """Submodules by name, in insertion order, used like a dict."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        self._modules: dict[str, Module] = {}
        if modules is not None:
            self.update(modules)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        return iter(list(self._modules.items()))

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        self._modules.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self._modules[key] = module

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def clear(self) -> None:
        self._modules.clear()

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def keys(self) -> Any:
        return self._modules.keys()

    def values(self) -> Any:
        return self._modules.values()

    def items(self) -> Any:
        return self._modules.items()


class Identity(Module):
    """Returns its input; takes and ignores any arguments, as torch's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def forward(self, x: Any) -> Any:
        return x


def _uniform(shape: tuple[int, ...], bound: float, name: str) -> Parameter:
    return init.uniform_(Parameter(np.empty(shape), name=name), -bound, bound)


# ---------------------------------------------------------------- activations as layers
# `inplace` is accepted and ignored: the engine never overwrites a value the tape may need.
class ReLU(Module):
    def __init__(self, inplace: bool = False) -> None:
        pass

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)


class CELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)


class Hardtanh(Module):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)


class _Elementwise(Module):
    """An activation without settings: `forward` is `F.<function>`."""

    function = ""

    def __init__(self, inplace: bool = False) -> None:
        pass

    def forward(self, x: Tensor) -> Tensor:
        return getattr(F, self.function)(x)


class Sigmoid(_Elementwise):
    function = "sigmoid"


class Tanh(_Elementwise):
    function = "tanh"


class SiLU(_Elementwise):
    function = "silu"


class ReLU6(_Elementwise):
    function = "relu6"


class SELU(_Elementwise):
    function = "selu"


class Mish(_Elementwise):
    function = "mish"


class Hardswish(_Elementwise):
    function = "hardswish"


class Hardsigmoid(_Elementwise):
    function = "hardsigmoid"


class LogSigmoid(_Elementwise):
    function = "logsigmoid"


class Softsign(_Elementwise):
    function = "softsign"


class Softmax(Module):
    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)


class LogSoftmax(Softmax):
    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)


# ---------------------------------------------------------------- losses as modules
class _Loss(Module):
    """`forward(input, target)` is `F.<function>(input, target, **settings)`; a class `weight` (and BCE's
    `pos_weight`) is a buffer, as in torch, so it is saved with the model."""

    function = ""

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 **settings: Any) -> None:
        self.reduction = F._reduction(size_average, reduce, reduction)
        self.settings = {k: v for k, v in settings.items() if k not in ("weight", "pos_weight")}
        for name in ("weight", "pos_weight"):
            if name in settings:
                self.register_buffer(name, settings[name])

    def forward(self, input: Tensor, target: Any) -> Tensor:
        buffers = {name: getattr(self, name) for name in self.__dict__.get("_buffer_names", ())}
        return getattr(F, self.function)(input, target, reduction=self.reduction, **buffers, **self.settings)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    function = "mse_loss"


class L1Loss(_Loss):
    function = "l1_loss"


class SmoothL1Loss(_Loss):
    function = "smooth_l1_loss"

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction, beta=beta)


class HuberLoss(_Loss):
    function = "huber_loss"

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction, delta=delta)


class BCELoss(_Loss):
    function = "binary_cross_entropy"

    def __init__(self, weight: Any = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction, weight=weight)


class BCEWithLogitsLoss(_Loss):
    function = "binary_cross_entropy_with_logits"

    def __init__(self, weight: Any = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(size_average, reduce, reduction, weight=weight, pos_weight=pos_weight)


class NLLLoss(_Loss):
    function = "nll_loss"

    def __init__(self, weight: Any = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction, weight=weight, ignore_index=ignore_index)


class CrossEntropyLoss(_Loss):
    function = "cross_entropy"

    def __init__(self, weight: Any = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(size_average, reduce, reduction, weight=weight, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)


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
    """torch.nn.Conv2d: kernels (out, in/groups, kH, kW); `padding_mode` other than 'zeros' pads with F.pad first."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros") -> None:
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}")
        kh, kw = pair(kernel_size)
        self.stride, self.dilation, self.groups, self.padding_mode = pair(stride), pair(dilation), groups, padding_mode
        self.padding = padding if isinstance(padding, str) else pair(padding)
        bound = 1.0 / math.sqrt(in_channels // groups * kh * kw)
        self.weight = _uniform((out_channels, in_channels // groups, kh, kw), bound, "weight")
        self.bias = _uniform((out_channels,), bound, "bias") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        padding = self.padding
        if self.padding_mode != "zeros" and padding != "valid":
            if padding == "same":
                totals = [d * (k - 1) for d, k in zip(self.dilation, self.weight.shape[2:])]
                sides = [(t // 2, t - t // 2) for t in totals]
            else:
                sides = [(p, p) for p in padding]
            x, padding = F.pad(x, (*sides[1], *sides[0]), mode=self.padding_mode), 0
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        out_c, in_c, kh, kw = self.weight.shape
        extra = "".join(f", {name}={value}" for name, value, default in [
            ("dilation", self.dilation, (1, 1)), ("groups", self.groups, 1), ("bias", self.bias is not None, True),
            ("padding_mode", repr(self.padding_mode), "'zeros'")] if value != default)
        return (f"{in_c * self.groups}, {out_c}, kernel_size=({kh}, {kw}), stride={self.stride}, "
                f"padding={self.padding}{extra}")


class Conv1d(Module):
    """torch.nn.Conv1d: kernels (out, in/groups, K) over (N, C, L)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: Any = 0,
                 dilation: int = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros") -> None:
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}")
        k = F._single(kernel_size)
        self.stride, self.dilation, self.groups, self.padding_mode = stride, dilation, groups, padding_mode
        self.padding = padding
        bound = 1.0 / math.sqrt(in_channels // groups * k)
        self.weight = _uniform((out_channels, in_channels // groups, k), bound, "weight")
        self.bias = _uniform((out_channels,), bound, "bias") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        padding = self.padding
        if self.padding_mode != "zeros" and not isinstance(padding, str):
            x, padding = F.pad(x, (F._single(padding),) * 2, mode=self.padding_mode), 0
        return F.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        out_c, in_c, k = self.weight.shape
        return f"{in_c * self.groups}, {out_c}, kernel_size=({k},), stride={self.stride}, padding={self.padding}"


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


class MaxPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride or kernel_size, padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Any:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size: Any) -> None:
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Upsample(Module):
    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


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
    """Running statistics are buffers (arrays), not parameters: they are not learned, but they are saved."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True) -> None:
        self.eps, self.momentum = eps, momentum
        self.weight = Parameter(np.ones(num_features), name="weight") if affine else None
        self.bias = Parameter(np.zeros(num_features), name="bias") if affine else None
        self.register_buffer("running_mean", np.zeros(num_features))
        self.register_buffer("running_var", np.ones(num_features))
        self.register_buffer("num_batches_tracked", np.array(0))

    def forward(self, x: Tensor) -> Tensor:
        if self.training:
            self.num_batches_tracked += 1
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
            return [Tensor(np.zeros((batch, self.hidden_size))).to(x.device) for _ in range(count)]
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
        attn_mask = attn_mask.data if isinstance(attn_mask, Tensor) else attn_mask
        if attn_mask is not None and np.asarray(attn_mask).dtype == bool:
            attn_mask = ~np.asarray(attn_mask)
        y, attn = F.attention(q, k, v, attn_mask, is_causal)
        y = self.out_proj(y.transpose(1, 2).reshape(query.shape[0], query.shape[1], e))
        return (y if self.batch_first else y.transpose(0, 1)), Tensor(attn.mean(axis=1))


def __getattr__(name: str) -> Any:
    """Only reached for a name this module lacks: say so, and name the closest layer it has."""
    if name.startswith("__"):
        raise AttributeError(name)
    own = [n for n, v in globals().items() if not n.startswith("_") and getattr(v, "__module__", "") == __name__]
    close = difflib.get_close_matches(name, own, n=1)
    hint = f"; the closest it has is nn.{close[0]}" if close else ""
    raise AttributeError(f"the engine's nn has no {name!r} (torch.nn.{name} is not supported yet){hint}")


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
