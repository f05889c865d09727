"""The backprop debugger: step through one recorded pass, op by op, forward then backward.

It opens on a lab with a `trace()` (a recorded pass whose `stepper` walks the tape, and whose
`params` hold each parameter's analytic and finite-difference gradient) and an
`apply_update(trace)` (the `u` key), or on any loss's `TapeTrace` (`dltui debug script.py`,
`dltui.engine.debug(loss)`: `DebugApp` runs this screen alone). Stepping only moves the stepper's
cursor over values already computed, so a key costs a redraw, not a recomputation. `e` opens a
fused node's composite (its primitive ops on the same upstream gradient) as a debugger of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, ClassVar

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from dltui.engine.debug import TapeTrace
from dltui.engine.stepper import Breakpoint
from dltui.engine.tape import module_of
from dltui.i18n import N_, _
from dltui.labs.base import num
from dltui.text import right

from ..keys import InOrderKeys
from ..widgets.matrix_grid import number
from ..widgets.node_detail import MAX_ROWS, NodeDetail
from ..widgets.tape_list import TapeList, in_module, shape_text
from ..widgets.key_footer import KeyFooter
from ..widgets.too_small import TooSmall


PANE = 40  # cells of the parameter pane at 80 columns: a longer line puts its error on a line of its own
STEPPING = {"next", "previous", "run_to_end", "toggle_breakpoint", "continue", "reset", "expand", "fold"}


def params_table(trace: Any, done: bool) -> Text:
    """Each parameter's gradient by backprop beside the finite-difference estimate, element by element."""
    text = Text(no_wrap=True)
    text.append(_("Gradients: backprop vs finite diff."), "bold")
    if not done:
        text.append("\n" + _("shown once the backward pass is done (G)"), "dim")
        return text
    if not trace.params:
        text.append("\n" + _("no parameter in this pass"), "dim")
        return text
    analytic, numeric = right(_("analytic"), 10), right(_("numeric"), 10)
    text.append(f"\n{'':8}{analytic}{numeric}", "dim")
    for p in trace.params:
        error = _("rel err {error}").format(error=f"{p.rel_error:.1e}")
        line = f"{p.name} {shape_text(p.value.shape)}  {error}"
        text.append("\n" + (line if cell_len(line) <= PANE else f"{p.name} {shape_text(p.value.shape)}\n  {error}"),
                    "bold")
        checked = getattr(p, "checked", None) or list(np.ndindex(p.value.shape))
        if len(checked) < p.value.size:
            text.append("\n  " + _("{count} of {total} elements checked").format(count=len(checked),
                                                                                 total=p.value.size), "dim")
        for index in checked:
            where = "[" + ",".join(map(str, index)) + "]"
            text.append(f"\n  {where:<6}{number(p.analytic[index]):>10}{number(p.numeric[index]):>10}")
    return text


class FilterBox(Input):
    """The `/` box: Enter applies the filter before the next key is read (a Submitted message would arrive after it,
    and that key would be typed into the box)."""

    async def action_submit(self) -> None:
        self.screen.apply_filter(self.value)


class DebuggerScreen(Screen):
    """The tape on the left, the current node on the right, the parameter check under the tape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "next", N_("Next op"), id="debugger.next"),
        Binding("p", "previous", N_("Prev op"), id="debugger.previous"),
        Binding("G", "run_to_end", N_("To end"), key_display="G", id="debugger.run_to_end"),
        Binding("b", "toggle_breakpoint", N_("Break"), id="debugger.toggle_breakpoint"),
        Binding("c", "continue", N_("Continue"), id="debugger.continue"),
        Binding("u", "update", N_("Update"), id="debugger.update"),
        Binding("x", "reset", N_("Reset"), id="debugger.reset"),
        Binding("z", "zoom", N_("Zoom"), id="debugger.zoom"),
        Binding("e", "expand", N_("Inside"), id="debugger.expand"),
        Binding("slash", "filter", N_("Filter"), key_display="/", id="debugger.filter"),
        Binding("m", "fold", N_("Fold module"), id="debugger.fold"),
        Binding("q", "back", N_("Back"), id="debugger.back"),
        Binding("escape", "back", N_("Back"), show=False, id="debugger.back_escape"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | n | Next op (forward, then backward); over a folded module in one key. |
    | p | Previous op: every value is kept, so stepping back is free. |
    | G | Run to the end of the pass. |
    | b | Toggle a breakpoint on the current row. |
    | c | Continue to the next breakpoint (or the end). |
    | u | Apply the optimizer update and record the next pass (a lab's debugger). |
    | x | Back to the start of the pass. |
    | z | Zoom into the rows of a large matrix (again: the next rows; off after the last). |
    | e | Step inside a fused op (conv2d, lstm_cell, attention…): its primitive ops. |
    | / | Show only the rows whose op or module contains a text (empty: all rows). |
    | m | Fold the current row's module into one row per run of steps (again: unfold). |
    | q, escape | Back (from the filter box: close it). |
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
        & > #filter { display: none; }
        &.-wide #left { width: 2fr; }
        &.-wide #detail-pane { width: 3fr; }
    }
    """

    can: reactive[frozenset[str]] = reactive(frozenset(), bindings=True)
    """The actions the stepper's position allows; it changes only at the ends of the pass or with
    the breakpoints, so the Footer is rebuilt then and not on every step."""

    zoom: reactive[int | None] = reactive(None)
    """First row of large matrices shown; None shows only their summary."""

    def __init__(self, lab: Any = None, update: Callable[[Any], None] | None = None, *,
                 trace: TapeTrace | None = None, closes_app: bool = False) -> None:
        """A lab's debugger (`update(trace)` applies the trace's optimizer step through the lesson: its lock, its
        redraw), or one on a `trace` of any tape; `closes_app`: q quits the app (the screen runs alone)."""
        super().__init__()
        self.lab = lab
        self.update_lab = update
        self.closes_app = closes_app
        self.marks: set[tuple[int | None, str]] = set()  # (node index, phase): survive a new trace
        self.trace = lab.trace() if trace is None else trace

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
        yield FilterBox(placeholder=_("show rows whose op or module contains… (Enter; empty: all)"), id="filter")
        yield Static(id="where", markup=False)
        yield KeyFooter()
        yield TooSmall()

    def on_mount(self) -> None:
        self._show()
        self.set_focus(self.query_one("#detail-pane"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "update":
            return self.lab is not None
        return action in self.can if action in STEPPING else True

    # ------------------------------------------------------------------ keys
    def action_next(self) -> None:
        stop = self.query_one(TapeList).next_stop(self.stepper.position)
        if stop is not None:
            self.stepper.seek(stop)
        self._show()

    def action_previous(self) -> None:
        self.stepper.seek(self.query_one(TapeList).previous_stop(self.stepper.position))
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

    def action_expand(self) -> None:
        node = self.stepper.current.node
        inside = TapeTrace(self.stepper.inside(node), self.trace.loss, (),
                           _("inside {node} (q: back)").format(node=node.label_in(_)))
        self.app.push_screen(DebuggerScreen(trace=inside))

    def action_fold(self) -> None:
        tape = self.query_one(TapeList)
        module = module_of(self.stepper.current.node)
        folded = next((name for name in tape.folded if in_module(module, name)), None)
        tape.show_only(tape.query_text, tape.folded - {folded} if folded else tape.folded | {module})
        self._show()

    def action_filter(self) -> None:
        box = self.query_one(FilterBox)
        box.value = self.query_one(TapeList).query_text
        box.display = True  # shown and focused at once (a CSS class, `focus()`: later), so the next key is typed there
        self.set_focus(box)

    def apply_filter(self, text: str) -> None:
        self.query_one(TapeList).show_only(text.strip())
        self._close_filter()
        self._show()

    def action_back(self) -> None:
        if self.query_one("#filter").display:
            self._close_filter()
        elif self.closes_app:
            self.app.exit()
        else:
            self.app.pop_screen()

    def _close_filter(self) -> None:
        self.query_one("#filter").display = False
        self.set_focus(self.query_one("#detail-pane"))

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
        tape = self.query_one(TapeList)
        allowed = {"next": tape.next_stop(s.position) is not None, "run_to_end": not s.at_end,
                   "continue": bool(self.marks) and not s.at_end, "previous": s.position >= 0,
                   "reset": s.position >= 0, "toggle_breakpoint": s.position >= 0,
                   "expand": step is not None and step.accumulation is None and step.node.fused,
                   "fold": step is not None and bool(module_of(step.node))}
        self.can = frozenset(name for name, ok in allowed.items() if ok)
        tape.position = s.position
        tape.breakpoints = frozenset(st.position for st in s.steps if (st.node.index, st.phase) in self.marks)
        seen = s.inspect(step.node) if step is not None else None
        local = s.local_derivative(step.node) if step is not None and step.phase == "backward" else None
        self.query_one(NodeDetail).show(step, seen, local, self.zoom)
        self.query_one("#params", Static).update(params_table(trace, s.at_end))
        step_text = _("Step {number}/{count}").format(number=s.position + 1, count=len(s.steps))
        if tape.query_text:
            step_text += " · " + _("rows with {text}").format(text=repr(tape.query_text))
        if isinstance(trace, TapeTrace):
            self.query_one("#where", Static).update(" · ".join([
                step_text, trace.source, _("loss {value}").format(value=number(trace.loss))]))
            self.sub_title = _("Backprop debugger")
        else:
            where = (_("sample {number}: {values}").format(
                number=trace.samples[0], values=f"x = ({', '.join(num(v) for v in trace.x[0])}), y = {num(trace.y[0])}")
                if len(trace.samples) == 1 else _("batch of {count}").format(count=len(trace.samples)))
            self.query_one("#where", Static).update(" · ".join([
                step_text, _("update {number}").format(number=trace.update + 1), where,
                _("this pass's loss {value}").format(value=number(trace.loss))]))
            self.sub_title = _("Backprop debugger · training loss now {value}").format(  # after `u`: new
                value=number(trace.training_loss))
        if step is not None:
            self.query_one("#tape-pane").scroll_to(y=max(tape.line_of(step.position) - 5, 0), animate=False)


class DebugApp(InOrderKeys):
    """The debugger alone, on one loss's tape (`dltui debug`, `dltui.engine.debug`); q quits. Keys are handled in
    order, as in the app (a burst such as `/layer2⏎` reaches the filter box whole)."""

    TITLE = "dltui"
    CSS_PATH = Path(__file__).parents[1] / "app.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-too-narrow"), (80, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-too-short"), (24, "-tall-enough")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", N_("Help"), key_display="?", id="app.help"),
    ]

    def __init__(self, trace: TapeTrace) -> None:
        super().__init__()
        self.trace = trace
        trace.stepper.rewind()

    def on_mount(self) -> None:
        self.push_screen(DebuggerScreen(trace=self.trace, closes_app=True))

    def action_help(self) -> None:
        from .help import HelpScreen

        self.push_screen(HelpScreen(self.screen.active_bindings, self.screen.sub_title or self.sub_title))
