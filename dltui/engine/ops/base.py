"""`Op`: one op class per operation; each call creates an instance, which is the tape node."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from dltui.i18n import N_

from ..tape import Tape, backward, enable_grad, mode, sequence
from ..tensor import Tensor, result


def as_is(text: str) -> str:
    """No translation: the engine's own (English) words."""
    return text


class Op:
    """A node: what ran (`name`, `params`), on what (`inputs`, the tensors, and `arrays`, their
    values at call time, kept even if an optimizer later rebinds a parameter's data), what came
    out (`outputs`), the named values kept for backward (`saved`), and after backward the
    gradient that arrived (`grad_out`) and the gradient sent to each input (`grads_in`, None
    where not needed).

    Subclasses write `forward(*arrays, **params)` on NumPy arrays and `backward(*grads_out)`
    returning one gradient per input. `formula` and `grad_formula` are one line each for the UI;
    `inputs_are` and `outputs_are` say what each input and output is, by its role and the symbol
    the formulas use ("prediction ŷ", "target y" → "loss L"), so the debugger names a loss's target
    a target and its output the loss. Fused ops also write `composite(*tensors)` from primitive
    ops, which `expanded()` records.

    Roles, and formulas with words in them, are English marked with `N_`: the debugger translates them where it
    shows them (`input_names(_)`, `_(node.formula)`), so what the engine hands out stays English. A role's
    translation keeps the symbol last ("权重 W"), as `_roles` and the debugger's `dY` expect.
    """

    name: ClassVar[str] = "op"
    formula: ClassVar[str] = ""
    grad_formula: ClassVar[str] = ""
    inputs_are: ClassVar[tuple[str, ...]] = (N_("input x"),)
    """Each input's role and symbol, in call order; an op taking any number of inputs (stack, cat) names one role,
    numbered per input (part x₁, part x₂, …)."""
    outputs_are: ClassVar[tuple[str, ...]] = (N_("output y"),)

    # What a node holds (`run` sets them when it records the op). Class defaults instead of an `__init__` make an op
    # cheaper to create; `save` gives an op its own `saved` dict.
    params: Mapping[str, Any] = MappingProxyType({})
    saved: Mapping[str, Any] = MappingProxyType({})
    inputs: tuple[Tensor, ...] = ()
    arrays: tuple[np.ndarray, ...] = ()
    outputs: tuple[np.ndarray, ...] = ()
    grad_out: Any = None
    grads_in: tuple[np.ndarray | None, ...] | None = None
    index: int | None = None
    tape = None
    seq = -1

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Any:
        """Run the op on tensors; returns a Tensor, or a tuple of them for multi-output ops."""
        return cls().run(inputs, params)

    @classmethod
    def call(cls, *inputs: Tensor, **params: Any) -> tuple[Op, Any]:
        """`apply`, also handing back the op so a caller can read what it saved."""
        op = cls()
        return op, op.run(inputs, params)

    def run(self, inputs: tuple[Tensor, ...], params: dict[str, Any]) -> Any:
        """Forward on the inputs' values (what `apply` does with a fresh op); this op becomes their node when grad
        mode is on and one of them needs a gradient. Plain loops, no comprehensions: every op call pays for this."""
        self.params = params
        arrays, tracked = [], False
        for t in inputs:
            arrays.append(t.data)
            if t.requires_grad:
                tracked = True
        out = self.forward(*arrays, **params)
        node = self if tracked and mode.grad_enabled else None
        if node is not None:
            self.inputs, self.arrays, self.seq = inputs, tuple(arrays), next(sequence)
            self.outputs = out if isinstance(out, tuple) else (out,)
            tape = mode.tape
            if tape is not None:
                tape.record(self)
        if isinstance(out, tuple):
            return tuple([result(y, node, slot) for slot, y in enumerate(out)])
        return result(out, node, 0)

    def forward(self, *arrays: np.ndarray, **params: Any) -> Any:
        raise NotImplementedError

    def backward(self, *grads_out: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    def save(self, **values: Any) -> None:
        self.saved = {**self.saved, **values}

    def rerun(self, *arrays: np.ndarray) -> Any:
        """This op's forward on other input values (same params): the local finite-difference check."""
        return type(self)().forward(*arrays, **self.params)

    @property
    def fused(self) -> bool:
        return type(self).composite is not Op.composite

    def composite(self, *inputs: Tensor) -> Any:
        raise NotImplementedError(f"{self.name} is a primitive op")

    def expanded(self) -> Expansion:
        """Re-run this fused op as primitive ops on copies of its inputs and push the same upstream
        gradient through them; the returned tape's gradients equal this node's `grads_in`."""
        inputs = tuple(
            Tensor(a, requires_grad=t.requires_grad, name=t.name or f"input{k}")
            for k, (t, a) in enumerate(zip(self.inputs, self.arrays))
        )
        with Tape() as tape, enable_grad():
            out = self.composite(*inputs)
        outputs = out if isinstance(out, tuple) else (out,)
        if self.grad_out is not None:
            grads = self.grad_out if isinstance(self.grad_out, tuple) else (self.grad_out,)
            backward(list(outputs), list(grads))
        return Expansion(tape, inputs, outputs)

    def input_names(self, translate: Callable[[str], str] = as_is) -> list[str]:
        """Each input by its role, with the tensor's own name (or the op that made it) beside it where that says more:
        `weight W (fc1.weight)`, `prediction ŷ (p)`, `target y`. `translate` (the UI's `_`) gives the roles in the
        interface's language; whether the name is added is decided on the English role."""
        count = len(self.inputs)
        return [_named(role, shown, t.name or (t.node.name if t.node is not None else ""))
                for role, shown, t in zip(_roles(self.inputs_are, count),
                                          _roles(tuple(map(translate, self.inputs_are)), count), self.inputs)]

    def output_names(self, translate: Callable[[str], str] = as_is) -> list[str]:
        return _roles(tuple(map(translate, self.outputs_are)), len(self.outputs))

    @property
    def label(self) -> str:
        return self.label_in()

    def label_in(self, translate: Callable[[str], str] = as_is) -> str:
        """`label` ("#3 mul(2, scalar)") with its word in the interface's language (`translate`: the UI's `_`)."""
        shapes = ", ".join("×".join(map(str, t.shape)) or translate(SCALAR) for t in self.inputs)
        where = "" if self.index is None else f"#{self.index} "
        return f"{where}{self.name}({shapes})"

    def __repr__(self) -> str:
        return f"<{self.label}>"


SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SCALAR = N_("scalar")  # a 0-d input's shape in a label


def _roles(roles: tuple[str, ...], count: int) -> list[str]:
    """`count` roles: as declared, or one role numbered per value (part x₁, part x₂) for an op that takes any number."""
    if count <= len(roles):
        return list(roles[:count])
    return [f"{roles[0]}{str(k + 1).translate(SUBSCRIPTS)}" for k in range(count)]


def _named(role: str, shown: str, own: str) -> str:
    """`shown` (the role as the reader sees it) with the tensor's own name where that is not the role's symbol."""
    return f"{shown} ({own})" if own and own != role.split()[-1] else shown


class Expansion:
    """A fused node re-run as primitives: the tape, the fresh input leaves (whose `.grad` hold the
    gradients) and the outputs."""

    def __init__(self, tape: Tape, inputs: tuple[Tensor, ...], outputs: tuple[Tensor, ...]) -> None:
        self.tape, self.inputs, self.outputs = tape, inputs, outputs

    @property
    def grads(self) -> tuple[np.ndarray | None, ...]:
        return tuple(t.grad for t in self.inputs)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back down to the operand's shape."""
    if grad.shape == shape:
        return grad
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    axes = tuple(k for k, n in enumerate(shape) if n == 1 and grad.shape[k] != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad
