"""The tape: grad mode, recording, and the backward pass over recorded nodes.

Every op call creates a node (an `Op` instance) when a gradient may be needed; that node is the
autograd graph. A `Tape` is only a list that nodes are *also* appended to while it records, so a
training loop that never steps through its passes pays for one list append less, nothing more.
Node sequence numbers grow with every call, so recording order is a topological order and the
backward pass is a walk over the reachable nodes in reverse sequence order.

While a tape records, `nn.Module.__call__` tells it which module is running (`enter`/`leave`), and each node
recorded gets `module`: the qualified name of the innermost one, as PyTorch names modules (`layer1.conv2`;
the outermost module called is its class name, `CNN`; "" outside any module).
"""

from __future__ import annotations

import itertools
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any, Iterator

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
        self.modules: list[tuple[Any, str]] = []  # the modules whose __call__ is running, innermost last, named

    def __enter__(self) -> Tape:
        self._previous.append(mode.tape)
        mode.tape = self
        return self

    def __exit__(self, *exc: object) -> None:
        mode.tape = self._previous.pop()

    def record(self, node: Op) -> None:
        node.module = self.modules[-1][1] if self.modules else ""
        self.adopt(node)

    def adopt(self, node: Op) -> None:
        """Put a node made earlier on this tape (its module name stays)."""
        node.index = len(self.nodes)
        node.tape = weakref.ref(self)
        self.nodes.append(node)

    def enter(self, module: Any) -> None:
        """`module.__call__` starts: the ops until `leave` are its own (or its submodules')."""
        self.modules.append((module, qualified_name(module, self.modules)))

    def leave(self) -> None:
        self.modules.pop()

    def heard(self, roots: list[Tensor]) -> None:
        """A backward pass from `roots` ran while this tape was the active one (`dltui debug` counts them)."""

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[Op]:
        return iter(self.nodes)

    def __repr__(self) -> str:
        return f"<Tape {len(self.nodes)} nodes, {len(self.events)} backward events>"


def qualified_name(module: Any, running: list[tuple[Any, str]]) -> str:
    """`module`'s name as PyTorch's `named_modules` gives it: the attribute path from the outermost running module
    (found among the caller's children first, then anywhere below the outermost); the outermost is its class name."""
    if not running:
        return type(module).__name__
    parent, name = running[-1]
    prefix = "" if len(running) == 1 else name + "."
    for child_name, child in parent.named_children():
        if child is module:
            return prefix + child_name
    stack = [("", running[0][0])]
    while stack:
        path, found = stack.pop()
        for child_name, child in found.named_children():
            if child is module:
                return path + child_name
            stack.append((f"{path}{child_name}.", child))
    return type(module).__name__


def module_of(node: Op) -> str:
    """The module a node ran in ("" if it was made while no tape recorded)."""
    return getattr(node, "module", "")


def backward(roots: list[Tensor], grads: list[np.ndarray]) -> None:
    """Push `grads` from `roots` back through the graph; leaves accumulate into `.grad`.

    A gradient reaching a tensor that already holds one from another consumer is summed, and
    when the nodes were recorded that sum is its own `Accumulation` event on the tape.

    Nodes run latest first (by sequence number, from a heap that a node joins when its first gradient arrives), so
    each runs once every consumer has sent its share. Plain loops, no comprehensions: a small net's step pays for
    this walk as much as for its arithmetic.
    """
    # Gradients waiting for their node, keyed by what they belong to: a leaf by the tensor, an op's
    # output by its node (first output) or (node, slot) (the others of a multi-output op).
    pending: dict[object, np.ndarray] = {}
    leaves: list[Tensor] = []
    queue: list[tuple[int, Op]] = []
    queued: set[Op] = set()
    sums: dict[object, np.ndarray] = {}  # the sums this walk made (no node holds them): added to in place
    owner = None
    for root, grad in zip(roots, grads):
        node, grad = root.node, as_array(grad)
        key = root if node is None else node if root.slot == 0 else (node, root.slot)
        pending[key] = pending[key] + grad if key in pending else grad
        if node is None:
            if all(leaf is not root for leaf in leaves):  # by identity: == compares values
                leaves.append(root)
        elif node not in queued:
            queued.add(node)
            heappush(queue, (-node.seq, node))
            if owner is None:
                owner = node.tape
    tape = owner() if owner is not None else None

    while queue:
        node = heappop(queue)[1]
        if len(node.outputs) == 1:
            grad_out = pending.pop(node)
            node.grad_out, grads_in = grad_out, node.backward(grad_out)
        else:
            grads_out = [pending.pop((node, slot) if slot else node, None) for slot in range(len(node.outputs))]
            grads_out = [np.zeros_like(y) if g is None else g for y, g in zip(node.outputs, grads_out)]
            node.grad_out, grads_in = tuple(grads_out), node.backward(*grads_out)
        if tape is not None:
            tape.events.append(BackwardStep(node))
        inputs, unwanted = node.inputs, False
        for tensor, grad in zip(inputs, grads_in):
            if grad is None:
                continue
            if not tensor.requires_grad:
                unwanted = True
                continue
            source = tensor.node
            key = tensor if source is None else source if tensor.slot == 0 else (source, tensor.slot)
            before = pending.get(key)
            if before is not None:
                if sums.get(key) is before and type(grad) is np.ndarray and grad.shape == before.shape:
                    before += grad  # a weight an RNN uses at every step: one sum, not a new array per step
                    continue
                pending[key] = total = before + grad
                if tape is not None:  # the event keeps before and after, so each sum stays its own array
                    tape.events.append(Accumulation(tensor, node, before, grad, total))
                elif type(total) is np.ndarray:
                    sums[key] = total
                continue
            pending[key] = grad
            if source is None:
                leaves.append(tensor)
            elif source not in queued:
                queued.add(source)
                heappush(queue, (-source.seq, source))
        if unwanted or type(grads_in) is not tuple or len(grads_in) != len(inputs):  # what each input received
            grads_in = tuple([g if g is not None and t.requires_grad else None for t, g in zip(inputs, grads_in)])
        node.grads_in = grads_in
    for tensor in leaves:
        grad = pending[tensor]
        if tensor.grad is not None:
            tensor.grad = tensor.grad + grad
        else:  # its own array: a node's gradient is also the node's record (`grads_in`)
            tensor.grad = grad if sums.get(tensor) is grad else grad.copy()
    if mode.tape is not None:
        mode.tape.heard(roots)
