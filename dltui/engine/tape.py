"""The tape: grad mode, recording, and the backward pass over recorded nodes.

Every op call creates a node (an `Op` instance) when a gradient may be needed; that node is the
autograd graph. A `Tape` is only a list that nodes are *also* appended to while it records, so a
training loop that never steps through its passes pays for one list append less, nothing more.
Node sequence numbers grow with every call, so recording order is a topological order and the
backward pass is a walk over the reachable nodes in reverse sequence order.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import numpy as np

from .arrays import as_array

if TYPE_CHECKING:
    from .ops.base import Op
    from .tensor import Tensor


class _Mode(threading.local):
    """Per-thread switches: a lab trains in a worker thread while another thread may inspect."""

    grad_enabled = True
    tape: Tape | None = None


mode = _Mode()
sequence = itertools.count()


@contextmanager
def no_grad() -> Iterator[None]:
    """Run ops without building a graph (evaluation, optimizer updates)."""
    previous, mode.grad_enabled = mode.grad_enabled, False
    try:
        yield
    finally:
        mode.grad_enabled = previous


@contextmanager
def enable_grad() -> Iterator[None]:
    previous, mode.grad_enabled = mode.grad_enabled, True
    try:
        yield
    finally:
        mode.grad_enabled = previous


@contextmanager
def no_record() -> Iterator[None]:
    """Keep building the graph but stop appending nodes to the active tape."""
    previous, mode.tape = mode.tape, None
    try:
        yield
    finally:
        mode.tape = previous


def recording() -> Tape:
    """`with recording() as tape:` records every op called inside onto a fresh tape."""
    return Tape()


@dataclass(eq=False)
class BackwardStep:
    """The backward pass went through `node`: its `grad_out` and `grads_in` are now set."""

    node: Op


@dataclass(eq=False)
class Accumulation:
    """A tensor used more than once received another gradient and summed it with what it had.

    `tensor` is the reused tensor, `source` the node whose backward sent `incoming`.
    """

    tensor: Tensor
    source: Op
    before: np.ndarray
    incoming: np.ndarray
    after: np.ndarray


class Tape:
    """Nodes in the order they ran, then the backward events in the order they happened."""

    def __init__(self) -> None:
        self.nodes: list[Op] = []
        self.events: list[BackwardStep | Accumulation] = []
        self._previous: list[Tape | None] = []

    def __enter__(self) -> Tape:
        self._previous.append(mode.tape)
        mode.tape = self
        return self

    def __exit__(self, *exc: object) -> None:
        mode.tape = self._previous.pop()

    def record(self, node: Op) -> None:
        node.index = len(self.nodes)
        node.tape = weakref.ref(self)
        self.nodes.append(node)

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[Op]:
        return iter(self.nodes)

    def __repr__(self) -> str:
        return f"<Tape {len(self.nodes)} nodes, {len(self.events)} backward events>"


def backward(roots: list[Tensor], grads: list[np.ndarray]) -> None:
    """Push `grads` from `roots` back through the graph; leaves accumulate into `.grad`.

    A gradient reaching a tensor that already holds one from another consumer is summed, and
    when the nodes were recorded that sum is its own `Accumulation` event on the tape.
    """
    nodes: dict[Op, None] = {}
    stack = [r.node for r in roots if r.node is not None]
    while stack:
        node = stack.pop()
        if node not in nodes:
            nodes[node] = None
            stack.extend(t.node for t in node.inputs if t.node is not None)
    owner = next((r.node.tape for r in roots if r.node is not None and r.node.tape is not None), None)
    tape = owner() if owner is not None else None

    pending: dict[object, np.ndarray] = {}  # keyed by (node, slot) for op outputs, by tensor for leaves
    leaves: list[Tensor] = []

    def receive(tensor: Tensor, grad: np.ndarray, source: Op | None) -> None:
        key = tensor if tensor.node is None else (tensor.node, tensor.slot)
        before = pending.get(key)
        if before is None:
            pending[key] = grad
            if tensor.node is None:
                leaves.append(tensor)
            return
        pending[key] = before + grad
        if tape is not None and source is not None:
            tape.events.append(Accumulation(tensor, source, before, grad, pending[key]))

    for root, grad in zip(roots, grads):
        receive(root, as_array(grad), None)
    for node in sorted(nodes, key=lambda n: n.seq, reverse=True):
        if len(node.outputs) == 1:
            grad_out = pending.pop((node, 0), None)
            if grad_out is None:
                continue
            node.grad_out, grads_in = grad_out, node.backward(grad_out)
        else:
            grads_out = [pending.pop((node, slot), None) for slot in range(len(node.outputs))]
            if all(g is None for g in grads_out):
                continue
            grads_out = [np.zeros_like(y) if g is None else g for y, g in zip(node.outputs, grads_out)]
            node.grad_out, grads_in = tuple(grads_out), node.backward(*grads_out)
        node.grads_in = tuple(g if t.requires_grad else None for t, g in zip(node.inputs, grads_in))
        if tape is not None:
            tape.events.append(BackwardStep(node))
        for tensor, grad in zip(node.inputs, node.grads_in):
            if grad is not None:
                receive(tensor, grad, node)
    for tensor in leaves:
        grad = pending[tensor]
        tensor.grad = grad.copy() if tensor.grad is None else tensor.grad + grad
