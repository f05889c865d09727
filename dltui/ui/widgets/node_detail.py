"""One tape node as the stepper sees it: values in, value out, saved values, and in the backward
pass the upstream gradient, the local derivative and their product written out with numbers.

Inputs and outputs are named by what they are (the op's `inputs_are`, `outputs_are`): a loss's
`prediction ŷ` and `target y`, its `loss L`. Matrices are numeric grids with a shade glyph per
cell; one too big to read (more than MAX_ROWS rows or MAX_COLS columns) is a summary line, and
`zoom` shows MAX_ROWS of its rows. Formulas and notes wrap to the pane, so nothing is cut off at
80 columns.
"""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from dltui.engine.stepper import Inspection, Step, stats
from dltui.engine.tape import module_of
from dltui.i18n import N_, _

from .matrix_grid import number, number_grid
from .tape_list import shape_text

MAX_ROWS, MAX_COLS = 8, 6
MAX_PRODUCTS = 8  # elementwise products written out one per line
PHASES = {"forward": N_("forward"), "backward": N_("backward"), "accumulate": N_("accumulate")}


WIDE_RUN = re.compile(r"[^\x00-\u10ff]|[\x00-\u10ff]+")  # a wide (CJK) character alone, or a run of the others


def wrapped(line: str, width: int, indent: str = "  ") -> str:
    """`line` in lines of at most `width` cells, the later ones indented: broken after a clause (", ", "; ") where
    one fits, else at a space (a word longer than the width stays whole), or beside a CJK character (Chinese has no
    spaces between its words)."""
    lines, current = [], ""
    for clause in re.split(r"(?<=[,;]) ", line):
        pieces = [clause] if cell_len(indent + clause) <= width else clause.split(" ")
        for piece in pieces:
            parts = WIDE_RUN.findall(piece) if cell_len(piece) != len(piece) else [piece]
            for k, part in enumerate(parts):
                longer = f"{current}{' ' if k == 0 else ''}{part}" if current else part
                if current.strip() and cell_len(longer) > width:
                    lines.append(current)
                    current = indent + part
                else:
                    current = longer
    return "\n".join([*lines, current])


class NodeDetail(Widget):
    """Call `show` with the current step, its node's inspection and local derivative."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "node-detail--title", "node-detail--section", "node-detail--label", "node-detail--muted",
        "node-detail--level-1", "node-detail--level-2", "node-detail--level-3", "node-detail--level-4",
    }
    """
    | Class | Description |
    | :- | :- |
    | `node-detail--title` | The node and phase. |
    | `node-detail--section` | Forward / Backward headings. |
    | `node-detail--label` | A value's name and shape. |
    | `node-detail--muted` | Formulas and hints. |
    | `node-detail--level-1` … `-4` | Cell tints from low to high. |
    """

    DEFAULT_CSS = """
    NodeDetail {
        width: auto;
        height: auto;
        text-wrap: nowrap;
        & > .node-detail--title { text-style: bold; }
        & > .node-detail--section { color: $accent; text-style: bold underline; }
        & > .node-detail--label { text-style: bold; }
        & > .node-detail--muted { color: $text-muted; }
        & > .node-detail--level-1 { background: $accent 15%; }
        & > .node-detail--level-2 { background: $accent 30%; }
        & > .node-detail--level-3 { background: $accent 45%; }
        & > .node-detail--level-4 { background: $accent 65%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = Text()
        self.shown: tuple = (None, None, None, None)
        self.room = 10_000  # the pane's width, learnt at layout: prose wraps to it

    def _style(self, name: str):
        return self.get_component_rich_style(f"node-detail--{name}")

    def show(self, step: Step | None, seen: Inspection | None, local: list | None, zoom: int | None) -> None:
        """Draw `step` (None: before the first step) as of the stepper's position; `zoom` is the first row shown of
        big matrices."""
        self.shown = (step, seen, local, zoom)
        self.content = self._build()
        self.refresh(layout=True)

    def _build(self) -> Text:
        step, seen, local, self.zoom = self.shown
        self.levels = [None] + [self._style(f"level-{k}") for k in range(1, 5)]
        text = Text(no_wrap=True)
        if step is None or seen is None:
            self._prose(text, _("Before the first op. n steps forward; G runs the whole pass."), "muted", first=True)
        elif step.accumulation is not None:
            self._accumulation(text, step)
        else:
            self._node(text, step, seen, local)
        return text

    def get_content_width(self, container, viewport) -> int:
        if container.width != self.room:  # a new pane width: wrap the prose again
            self.room = container.width
            self.content = self._build()
        return max((line.cell_len for line in self.content.split()), default=0)

    def _prose(self, text: Text, line: str, style: str, first: bool = False, lead: str = "") -> None:
        """A line of words (a title, a formula, a note) wrapped to the pane (20 cells at least), each line after `lead`."""
        lines = wrapped(line, max(self.room - len(lead), 20)).split("\n")
        text.append(("" if first else "\n") + "\n".join(lead + part for part in lines), self._style(style))

    def render(self) -> RenderResult:
        return self.content

    # ------------------------------------------------------------------ parts
    def _matrix(self, text: Text, label: str, value: np.ndarray | None) -> None:
        if value is None:
            self._prose(text, _("{value}: not computed yet").format(value=label), "label")
            return
        text.append("\n")
        value = np.asarray(value, dtype=float)
        if value.size == 1:
            text.append(wrapped(label, max(self.room - 10, 20)), self._style("label"))
            text.append(f" = {number(float(value.reshape(-1)[0]))}")
            return
        grid = value.reshape(1, -1) if value.ndim < 2 else value.reshape(-1, value.shape[-1])
        text.append(wrapped(f"{label}  {shape_text(value.shape)}", max(self.room, 20)), self._style("label"))
        if grid.shape[0] <= MAX_ROWS and grid.shape[1] <= MAX_COLS:
            text.append("\n")
            text.append_text(number_grid(grid, self.levels))
            return
        s = stats(value)
        text.append("\n  " + _("min {min}  max {max}").format(min=number(s.min), max=number(s.max)) + "\n  "
                    + _("mean {mean}  ‖·‖ {norm}").format(mean=number(s.mean), norm=number(s.norm)),
                    self._style("muted"))
        if self.zoom is None:
            text.append("\n  " + _("z: zoom into its rows"), self._style("muted"))
            return
        first = self.zoom % grid.shape[0]
        text.append("\n  " + _("rows {first}–{last} of {count} (z: next rows)").format(
            first=first, last=min(first + MAX_ROWS, grid.shape[0]) - 1, count=grid.shape[0]), self._style("muted"))
        text.append("\n")
        text.append_text(number_grid(grid[:, :MAX_COLS * 2], self.levels, first, MAX_ROWS))

    def _section(self, text: Text, title: str) -> None:
        text.append(f"\n\n{title}", self._style("section"))

    def _node(self, text: Text, step: Step, seen: Inspection, local: list | None) -> None:
        node = seen.node
        module = module_of(node)
        phase, label = _(PHASES[step.phase]), node.label_in(_)
        formula, grad_formula = _(node.formula), _(node.grad_formula)  # the engine's English, translated here
        input_names, output_names = node.input_names(_), node.output_names(_)
        self._prose(text, _("{node} · {phase} · in {module}").format(node=label, phase=phase, module=module)
                    if module else f"{label} · {phase}", "title", first=True)
        self._prose(text, formula, "muted")
        self._prose(text, grad_formula, "muted")
        if node.fused:
            self._prose(text, _("fused: e steps inside it, through its primitive ops"), "muted")
        self._section(text, _("Forward"))
        for name, value in zip(input_names, seen.inputs):
            self._matrix(text, _("in  {name}").format(name=name), value)
        for name, value in zip(output_names, seen.outputs or [None] * len(output_names)):
            self._matrix(text, _("out {name}").format(name=name), value)
        for name, value in seen.saved.items():
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                self._matrix(text, _("saved {name}").format(name=name), value)
        self._section(text, _("Backward"))
        if seen.grad_out is None:
            self._prose(text, _("not reached yet (the backward pass runs from the loss down)"), "muted")
            return
        upstream = seen.grad_out[0]
        self._matrix(text, _("upstream {gradient}").format(gradient=f"d{seen.output_names[0].split()[-1]}"), upstream)
        parts = grad_formula.split(", ")  # one rule per input, where the English has them (a translation keeps ", ")
        per_input = len(parts) == len(node.grad_formula.split(", ")) == len(node.inputs)
        for k, (name, grad) in enumerate(zip(input_names, seen.grads_in)):
            if grad is None:
                continue
            rule = parts[k] if per_input else grad_formula
            text.append("\n")
            if cell_len(f"→ {name}: {rule}") <= self.room:
                self._prose(text, f"→ {name}: {rule}", "label")
            else:  # the rule on lines of its own
                self._prose(text, f"→ {name}:", "label")
                self._prose(text, rule, "label", lead="  ")
            if local is not None and local[k] is not None:
                self._matrix(text, "  " + _("local {derivative}").format(derivative="∂y/∂x"), local[k])
                self._products(text, local[k], upstream, grad)
            self._matrix(text, "  " + _("sent to {name}").format(name=name), grad)

    def _products(self, text: Text, local: np.ndarray, upstream: np.ndarray, grad: np.ndarray) -> None:
        """local × upstream = value, element by element, with the numbers."""
        flat_local, flat_up, flat_grad = (np.broadcast_to(a, grad.shape).reshape(-1) for a in (local, upstream, grad))
        text.append("\n  " + _("local × upstream = value"), self._style("muted"))
        for l, u, g in list(zip(flat_local, flat_up, flat_grad))[:MAX_PRODUCTS]:
            text.append(f"\n  {number(l)} × {number(u)} = {number(g)}")
        if grad.size > MAX_PRODUCTS:
            self._prose(text, "  " + _("… {count} more (the grids above hold all of them)").format(
                count=grad.size - MAX_PRODUCTS), "muted")

    def _accumulation(self, text: Text, step: Step) -> None:
        event = step.accumulation
        self._prose(text, step.label_in(_), "title", first=True)
        self._prose(text, _("A reused tensor's gradients add up: before + incoming = after"), "muted")
        self._matrix(text, _("before"), event.before)
        self._matrix(text, _("incoming"), event.incoming)
        self._matrix(text, _("after"), event.after)
