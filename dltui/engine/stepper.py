"""Step through a recorded pass: forward node by node, then backward event by event.

The tape already holds every value (forward outputs, saved tensors, gradients), so the stepper
is a cursor over that timeline: stepping back is moving the cursor, and what `inspect` shows is
what had been computed at the cursor's position. Usage:

    with recording() as tape:
        loss = F.mse_loss(model(x), y)
    loss.backward()
    s = Stepper(tape)
    s.break_on(op="relu")
    s.run()                      # stops at the first relu
    s.inspect(s.current.node)    # values, saved, grads, stats
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from dltui.i18n import N_

from .gradcheck import check_node
from .ops.base import Op, as_is
from .tape import Accumulation, Tape


@dataclass(frozen=True)
class Step:
    """One stop on the timeline: a node's forward, its backward, or a gradient accumulation."""

    position: int
    phase: str  # "forward", "backward" or "accumulate"
    node: Op
    accumulation: Accumulation | None = None

    @property
    def label(self) -> str:
        return self.label_in()

    def label_in(self, translate: Callable[[str], str] = as_is, source: bool = True) -> str:
        """`label` in the interface's language (`translate`: the UI's `_`); `source=False` leaves out the op an
        accumulated gradient came from ("accumulate into W1", the tape list's short form)."""
        if self.accumulation is not None:
            tensor = self.accumulation.tensor
            name = tensor.name or (translate(N_("output of {node}")).format(node=tensor.node.label_in(translate))
                                   if tensor.node is not None else translate(N_("a reused input")))
            if not source:
                return translate(N_("accumulate into {name}")).format(name=name)
            return translate(N_("accumulate into {name} (from {node})")).format(
                name=name, node=self.node.label_in(translate))
        return f"{self.phase} {self.node.label}"

    def values(self) -> list[np.ndarray]:
        """The arrays this step produced (what a NaN/Inf breakpoint looks at)."""
        if self.phase == "forward":
            return list(self.node.outputs)
        if self.phase == "backward":
            return [g for g in self.node.grads_in or () if g is not None]
        return [self.accumulation.after]


@dataclass(frozen=True)
class Breakpoint:
    """Stops on a step whose node has this op name and/or index, and/or that produced NaN/Inf.
    `phase` ("forward"/"backward"/"accumulate") narrows it to one part of the pass."""

    op: str | None = None
    node: int | None = None
    nonfinite: bool = False
    phase: str | None = None

    def matches(self, step: Step) -> bool:
        if self.phase is not None and step.phase != self.phase:
            return False
        if self.op is not None and step.node.name != self.op and type(step.node).__name__ != self.op:
            return False
        if self.node is not None and step.node.index != self.node:
            return False
        if self.nonfinite and all(np.isfinite(v).all() for v in step.values()):
            return False
        return True


@dataclass(frozen=True)
class Stats:
    shape: tuple[int, ...]
    min: float
    max: float
    mean: float
    std: float
    norm: float
    nan: int
    inf: int

    @property
    def finite(self) -> bool:
        return self.nan == 0 and self.inf == 0


def stats(a: np.ndarray) -> Stats:
    """Summary numbers over the finite entries, with counts of NaN and Inf."""
    a = np.asarray(a, dtype=np.float64)
    finite = a[np.isfinite(a)]
    nan, inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
    if finite.size == 0:
        return Stats(a.shape, np.nan, np.nan, np.nan, np.nan, np.nan, nan, inf)
    return Stats(a.shape, float(finite.min()), float(finite.max()), float(finite.mean()), float(finite.std()),
                 float(np.linalg.norm(finite)), nan, inf)


@dataclass(frozen=True)
class View:
    """What has been computed at a position: the UI redraws from this alone."""

    position: int
    step: Step | None
    forward_done: int  # nodes 0 … forward_done−1 have their values
    backward_done: frozenset[int]  # indices of nodes whose gradients have been computed
    accumulations_done: int


@dataclass
class Inspection:
    """A node as seen at the stepper's position (gradients are None until backward reaches it)."""

    node: Op
    inputs: list[np.ndarray | None]  # None where the producing node has not run yet
    input_names: list[str]  # by role, with the tensor's own name: "prediction ŷ (p)", "target y"
    outputs: list[np.ndarray] | None
    output_names: list[str]  # by what they are: "loss L", "output Y"
    saved: dict[str, Any]
    grad_out: list[np.ndarray] | None
    grads_in: list[np.ndarray | None] | None
    stats: dict[str, Stats] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.node.label

    @property
    def formula(self) -> str:
        return self.node.formula

    @property
    def grad_formula(self) -> str:
        return self.node.grad_formula


class Stepper:
    def __init__(self, tape: Tape) -> None:
        self.tape = tape
        self.steps = [Step(k, "forward", node) for k, node in enumerate(tape.nodes)]
        for event in tape.events:
            if isinstance(event, Accumulation):
                self.steps.append(Step(len(self.steps), "accumulate", event.source, event))
            else:
                self.steps.append(Step(len(self.steps), "backward", event.node))
        self.breakpoints: list[Breakpoint] = []
        self.position = -1  # before the first step

    # ------------------------------------------------------------ moving
    @property
    def current(self) -> Step | None:
        return self.steps[self.position] if self.position >= 0 else None

    @property
    def at_end(self) -> bool:
        return self.position == len(self.steps) - 1

    def seek(self, position: int) -> Step | None:
        self.position = max(-1, min(position, len(self.steps) - 1))
        return self.current

    def step(self) -> Step | None:
        return self.seek(self.position + 1)

    def step_back(self) -> Step | None:
        return self.seek(self.position - 1)

    def rewind(self) -> None:
        self.position = -1

    def break_on(self, op: str | None = None, node: int | None = None, nonfinite: bool = False,
                 phase: str | None = None) -> Breakpoint:
        bp = Breakpoint(op, node, nonfinite, phase)
        self.breakpoints.append(bp)
        return bp

    def run(self) -> Step | None:
        """Advance to the next step a breakpoint matches, or to the end; returns where it stopped."""
        while not self.at_end:
            step = self.step()
            if any(bp.matches(step) for bp in self.breakpoints):
                return step
        return self.current

    # ------------------------------------------------------------ looking
    def view(self) -> View:
        done = self.steps[: self.position + 1]
        return View(
            position=self.position,
            step=self.current,
            forward_done=sum(s.phase == "forward" for s in done),
            backward_done=frozenset(s.node.index for s in done if s.phase == "backward"),
            accumulations_done=sum(s.phase == "accumulate" for s in done),
        )

    def node(self, index: int) -> Op:
        return self.tape.nodes[index]

    def inspect(self, node: Op | int) -> Inspection:
        node = self.node(node) if isinstance(node, int) else node
        view = self.view()
        ran = node.index is not None and node.index < view.forward_done
        has_grads = node.index in view.backward_done
        outputs = list(node.outputs) if ran else None
        grad_out = list(node.grad_out) if isinstance(node.grad_out, tuple) else [node.grad_out]
        grad_out = grad_out if has_grads else None
        grads_in = list(node.grads_in) if has_grads else None
        found = Inspection(
            node=node,
            inputs=[a if self._computed(t, view) else None for t, a in zip(node.inputs, node.arrays)],
            input_names=node.input_names(),
            outputs=outputs,
            output_names=node.output_names(),
            saved=dict(node.saved) if ran else {},
            grad_out=grad_out,
            grads_in=grads_in,
        )
        named = {f"input{k}": a for k, a in enumerate(found.inputs) if a is not None}
        named.update({f"output{k}": a for k, a in enumerate(outputs or [])})
        named.update({k: v for k, v in found.saved.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"})
        named.update({f"grad_out{k}": g for k, g in enumerate(grad_out or [])})
        named.update({f"grad_in{k}": g for k, g in enumerate(grads_in or []) if g is not None})
        found.stats = {name: stats(a) for name, a in named.items()}
        return found

    @staticmethod
    def _computed(tensor: Any, view: View) -> bool:
        producer = tensor.node
        return producer is None or producer.index is None or producer.index < view.forward_done

    def local_derivative(self, node: Op | int) -> list[np.ndarray | None] | None:
        """∂y/∂x per input of a node whose output is elementwise in its inputs or a scalar (a loss):
        its backward applied to ones, so that grad_in = local ⊙ grad_out. None for other ops (linear)."""
        node = self.node(node) if isinstance(node, int) else node
        if len(node.outputs) != 1 or not node.inputs:
            return None
        out = node.outputs[0]
        if out.ndim != 0 and any(a.shape != out.shape for a in node.arrays):
            return None
        return list(node.backward(np.ones_like(out)))

    def check(self, node: Op | int) -> list[float | None]:
        """Local finite-difference check of one node: max relative error per input."""
        return check_node(self.node(node) if isinstance(node, int) else node)

    def inside(self, node: Op | int) -> Stepper:
        """A stepper over a fused node re-run as primitive ops (same upstream gradient)."""
        node = self.node(node) if isinstance(node, int) else node
        return Stepper(node.expanded().tape)
