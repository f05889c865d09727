"""The backprop debugger: step through one recorded update of a lab, op by op, forward then backward.

Any lab with a `trace()` (a recorded pass whose `stepper` walks the tape, and whose `params`
hold each parameter's analytic and finite-difference gradient) and an `apply_update(trace)` can
be opened here. Stepping only moves the stepper's cursor over values already computed, so a key
costs a redraw, not a recomputation.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Static

from dltui.engine.stepper import Breakpoint
from dltui.labs.base import num

from ..widgets.matrix_grid import number
from ..widgets.node_detail import MAX_ROWS, NodeDetail
from ..widgets.tape_list import TapeList, shape_text
from ..widgets.key_footer import KeyFooter
from ..widgets.too_small import TooSmall


STEPPING = {"next", "previous", "run_to_end", "toggle_breakpoint", "continue", "reset"}


def params_table(trace: Any, done: bool) -> Text:
    """Each parameter's gradient by backprop beside the finite-difference estimate, element by element."""
    text = Text(no_wrap=True)
    text.append("Gradients: backprop vs finite diff.", "bold")
    if not done:
        text.append("\nshown once the backward pass is done (G)", "dim")
        return text
    text.append(f"\n{'':8}{'analytic':>10}{'numeric':>10}", "dim")
    for p in trace.params:
        text.append(f"\n{p.name} {shape_text(p.value.shape)}  rel err {p.rel_error:.1e}", "bold")
        for index in np.ndindex(p.value.shape):
            where = "[" + ",".join(map(str, index)) + "]"
            text.append(f"\n  {where:<6}{number(p.analytic[index]):>10}{number(p.numeric[index]):>10}")
    return text


class DebuggerScreen(Screen):
    """The tape on the left, the current node on the right, the parameter check under the tape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "next", "Next op", id="debugger.next"),
        Binding("p", "previous", "Prev op", id="debugger.previous"),
        Binding("G", "run_to_end", "To end", key_display="G", id="debugger.run_to_end"),
        Binding("b", "toggle_breakpoint", "Break", id="debugger.toggle_breakpoint"),
        Binding("c", "continue", "Continue", id="debugger.continue"),
        Binding("u", "update", "Update", id="debugger.update"),
        Binding("x", "reset", "Reset", id="debugger.reset"),
        Binding("z", "zoom", "Zoom", id="debugger.zoom"),
        Binding("q", "app.pop_screen", "Back", id="debugger.back"),
        Binding("escape", "app.pop_screen", "Back", show=False, id="debugger.back_escape"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | n | Next op (forward, then backward). |
    | p | Previous op: every value is kept, so stepping back is free. |
    | G | Run to the end of the pass. |
    | b | Toggle a breakpoint on the current row. |
    | c | Continue to the next breakpoint (or the end). |
    | u | Apply the optimizer update and record the next pass. |
    | x | Back to the start of the pass. |
    | z | Zoom into the rows of a large matrix (again: the next rows; off after the last). |
    | q, escape | Back to the lesson. |
    """

    DEFAULT_CSS = """
    DebuggerScreen {
        & > #panes { height: 1fr; }
        & #left { width: 42; border-right: vkey $border-blurred; }
        & #tape-pane { height: auto; max-height: 60%; overflow-x: auto; }
        & #params-pane { height: 1fr; border-top: hkey $border-blurred; overflow-x: auto; }
        & #params { width: auto; text-wrap: nowrap; }
        & #detail-pane { width: 1fr; padding: 0 1; }
        & ScrollableContainer:focus, & VerticalScroll:focus { background-tint: $foreground 3%; }
        & > #where { height: auto; padding: 0 1; background: $boost; }
        &.-wide #left { width: 2fr; }
        &.-wide #detail-pane { width: 3fr; }
    }
    """

    can: reactive[frozenset[str]] = reactive(frozenset(), bindings=True)
    """The actions the stepper's position allows; it changes only at the ends of the pass or with
    the breakpoints, so the Footer is rebuilt then and not on every step."""

    zoom: reactive[int | None] = reactive(None)
    """First row of large matrices shown; None shows only their summary."""

    def __init__(self, lab: Any, update: Callable[[Any], None]) -> None:
        """`update(trace)` applies the trace's optimizer step through the lesson (its lock, its redraw)."""
        super().__init__()
        self.lab = lab
        self.update_lab = update
        self.marks: set[tuple[int | None, str]] = set()  # (node index, phase): survive a new trace
        self.trace = lab.trace()

    @property
    def stepper(self):
        return self.trace.stepper

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                with VerticalScroll(id="tape-pane"):
                    yield TapeList(self.stepper.steps)
                with VerticalScroll(id="params-pane"):
                    yield Static(id="params")
            with ScrollableContainer(id="detail-pane"):
                yield NodeDetail()
        yield Static(id="where", markup=False)
        yield KeyFooter()
        yield TooSmall()

    def on_mount(self) -> None:
        self._show()
        self.set_focus(self.query_one("#detail-pane"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action in self.can if action in STEPPING else True

    # ------------------------------------------------------------------ keys
    def action_next(self) -> None:
        self.stepper.step()
        self._show()

    def action_previous(self) -> None:
        self.stepper.step_back()
        self._show()

    def action_run_to_end(self) -> None:
        self.stepper.seek(len(self.stepper.steps) - 1)
        self._show()

    def action_continue(self) -> None:
        self.stepper.run()
        self._show()

    def action_reset(self) -> None:
        self.stepper.rewind()
        self._show()

    def action_toggle_breakpoint(self) -> None:
        step = self.stepper.current
        self.marks ^= {(step.node.index, step.phase)}
        self._sync_breakpoints()
        self._show()

    def action_zoom(self) -> None:
        self.zoom = 0 if self.zoom is None else self.zoom + MAX_ROWS if self.zoom + MAX_ROWS < self._rows() else None
        self._show()

    def action_update(self) -> None:
        self.update_lab(self.trace)
        self.trace = self.lab.trace()
        self._sync_breakpoints()
        self.query_one(TapeList).set_steps(self.stepper.steps)
        self._show()

    # ------------------------------------------------------------------ drawing
    def _sync_breakpoints(self) -> None:
        self.stepper.breakpoints = [Breakpoint(node=index, phase=phase) for index, phase in self.marks]

    def _rows(self) -> int:
        """The most rows any value of the current node has (what zoom pages through)."""
        step = self.stepper.current
        if step is None:
            return 0
        arrays = [*step.node.arrays, *step.node.outputs]
        return max((a.reshape(-1, a.shape[-1]).shape[0] if a.ndim else 1 for a in arrays), default=0)

    def _show(self) -> None:
        s, trace = self.stepper, self.trace
        step = s.current
        allowed = {"next": not s.at_end, "run_to_end": not s.at_end, "continue": bool(self.marks) and not s.at_end,
                   "previous": s.position >= 0, "reset": s.position >= 0, "toggle_breakpoint": s.position >= 0}
        self.can = frozenset(name for name, ok in allowed.items() if ok)
        tape = self.query_one(TapeList)
        tape.position = s.position
        tape.breakpoints = frozenset(st.position for st in s.steps if (st.node.index, st.phase) in self.marks)
        seen = s.inspect(step.node) if step is not None else None
        local = s.local_derivative(step.node) if step is not None and step.phase == "backward" else None
        self.query_one(NodeDetail).show(step, seen, local, self.zoom)
        self.query_one("#params", Static).update(params_table(trace, s.at_end))
        where = f"sample {trace.samples[0]}: x = ({', '.join(num(v) for v in trace.x[0])}), y = {num(trace.y[0])}" \
            if len(trace.samples) == 1 else f"batch of {len(trace.samples)}"
        self.query_one("#where", Static).update(
            f"Step {s.position + 1}/{len(s.steps)} · update {trace.update + 1} · {where} · this pass's loss "
            f"{number(trace.loss)}")
        self.sub_title = f"Backprop debugger · training loss now {number(trace.training_loss)}"  # after `u`: the new
        if step is not None:
            self.query_one("#tape-pane").scroll_to(y=max(step.position - 4, 0), animate=False)
