"""The recorded tape as a list: one row per step of the pass, forward rows then backward rows.

The current row is marked ▶ and breakpoint rows ●, so both read without color; the highlight
only adds to them. Each row ends with its formula where the pane is wide enough for every one;
in a narrower pane (80 columns) the rows stop at the shape rather than show formulas cut short,
and the node pane beside the list gives the current node's formulas in full.

A learner's model can record thousands of steps, so the list draws a window of rows around the
current one (`WINDOW`), can show only the rows whose op or module contains a text (`query`), and
can fold a module (`folded`, e.g. `layer1.conv2`): its consecutive steps of one phase become a
single row, which the debugger steps over in one key, as a debugger steps over a call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from dltui.engine.stepper import Step
from dltui.engine.tape import module_of
from dltui.i18n import _, ngettext
from dltui.text import left, right

PHASE_MARKS = {"forward": "→", "backward": "←", "accumulate": "+"}
WINDOW = 200  # rows drawn around the current one
MODULE_WIDTH = 16  # the most cells the module column takes; less in a narrow pane (8 at least), cut at the front


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) or _("scalar")


def in_module(module: str, outer: str) -> bool:
    return module == outer or module.startswith(outer + ".")


@dataclass(frozen=True)
class Row:
    """One line of the list: a step, or a folded module's consecutive steps of one phase."""

    steps: tuple[Step, ...]
    fold: str | None = None

    @property
    def start(self) -> int:
        return self.steps[0].position

    @property
    def end(self) -> int:
        """The step the debugger stops at for this row: a fold's last."""
        return self.steps[-1].position


def build_rows(steps: list[Step], query: str = "", folded: frozenset[str] = frozenset()) -> list[Row]:
    """The rows shown: steps whose op name or module contains `query` (any case), folded modules merged."""
    rows: list[Row] = []
    query = query.lower()
    for step in steps:
        module = module_of(step.node)
        if query and query not in step.node.name.lower() and query not in module.lower():
            continue
        fold = max((name for name in folded if in_module(module, name)), key=len, default=None)
        last = rows[-1] if rows else None
        if (fold is not None and last is not None and last.fold == fold and last.steps[-1].phase == step.phase
                and last.end == step.position - 1):
            rows[-1] = Row((*last.steps, step), fold)
        else:
            rows.append(Row((step,), fold))
    return rows


class TapeList(Widget):
    """Rows `▶● 7 ← linear  1×2  fc  dX = dY·W, …`: position, phase, op, output shape, module, formula.

    Forward rows show the op's formula, backward rows its gradient formula, accumulation rows
    the sum they perform; all of them, or (in a pane too narrow for the longest) none. The module
    column is there when some op ran inside an `nn.Module`.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"tape-list--current", "tape-list--break", "tape-list--done",
                                             "tape-list--pending", "tape-list--header"}
    """
    | Class | Description |
    | :- | :- |
    | `tape-list--current` | The step the stepper is at. |
    | `tape-list--break` | The breakpoint mark. |
    | `tape-list--done` | Steps already computed. |
    | `tape-list--pending` | Steps not computed yet. |
    | `tape-list--header` | The column titles, and the counts of rows outside the window. |
    """

    DEFAULT_CSS = """
    TapeList {
        width: auto;
        height: auto;
        text-wrap: nowrap;
        & > .tape-list--current { background: $accent 40%; text-style: bold; }
        & > .tape-list--break { color: $error; text-style: bold; }
        & > .tape-list--done { color: $text; }
        & > .tape-list--pending { color: $text-muted; }
        & > .tape-list--header { color: $text-muted; text-style: underline; }
    }
    """

    position: reactive[int] = reactive(-1)
    """The current step (−1: before the first)."""

    breakpoints: reactive[frozenset[int]] = reactive(frozenset())
    """Positions with a breakpoint."""

    def __init__(self, steps: list[Step], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.formulas = True  # the pane holds every row with its formula
        self.module_width = MODULE_WIDTH
        self.query_text = ""
        self.folded: frozenset[str] = frozenset()
        self.set_steps(steps)

    def set_steps(self, steps: list[Step]) -> None:
        self.steps = steps
        self.modules = max((len(module_of(step.node)) for step in steps), default=0)
        self.shapes = max([6] + [cell_len(shape_text(step.node.outputs[0].shape)) for step in steps
                                 if step.node.outputs])
        self.longest_name = max([2] + [len(step.node.name) for step in steps])
        self.names = 14
        self._rebuild()

    def show_only(self, query: str = "", folded: frozenset[str] | None = None) -> None:
        """Rows whose op or module contains `query`; `folded` modules as one row per run of steps."""
        self.query_text = query
        self.folded = self.folded if folded is None else folded
        self._rebuild()

    def _rebuild(self) -> None:
        self.rows = build_rows(self.steps, self.query_text, self.folded)
        self.refresh(layout=True)

    # ------------------------------------------------------------------ where the cursor goes
    def row_index(self, position: int) -> int:
        """The row holding `position`, or the last row before it (−1: none)."""
        found = -1
        for k, row in enumerate(self.rows):
            if row.start > position:
                break
            found = k
        return found

    def next_stop(self, position: int) -> int | None:
        """Where `n` goes: the first shown row ending after `position` (None: none is left)."""
        return next((row.end for row in self.rows if row.end > position), None)

    def previous_stop(self, position: int) -> int:
        """Where `p` goes: the last shown row ending before `position`, else before the first step."""
        return next((row.end for row in reversed(self.rows) if row.end < position), -1)

    def line_of(self, position: int) -> int:
        """The line (from the top of the widget) of the row holding `position`."""
        first, _last = self._window()
        return max(self.row_index(position) - first, 0) + 1 + (first > 0)

    def _window(self) -> tuple[int, int]:
        here = max(self.row_index(self.position), 0)
        first = max(0, min(here - WINDOW // 2, len(self.rows) - WINDOW))
        return first, min(first + WINDOW, len(self.rows))

    # ------------------------------------------------------------------ drawing
    def get_content_width(self, container, viewport) -> int:
        """As wide as the longest row; formulas only where every row fits the pane with its own."""
        self.formulas, self.names, self.module_width = True, 14, min(self.modules, MODULE_WIDTH)
        self.formulas = self._width() <= container.width
        width = self._width()
        if self.modules and width > container.width:  # a narrow pane: the op column as wide as its longest name,
            self.names = min(self.longest_name, 14)  # the module column cut at the front
            self.module_width = max(8, self.module_width - (self._width() - container.width))
            width = self._width()
        return width

    def _width(self) -> int:
        return max((line.cell_len for line in self.render().split()), default=0)

    def render(self) -> RenderResult:
        style = self.get_component_rich_style
        current, mark, done, pending = (style(f"tape-list--{name}") for name in ("current", "break", "done", "pending"))
        header = style("tape-list--header")
        op, shape, module, formula = _("op"), _("shape"), _("module"), _("formula")
        modules = f"  {left(module, self.module_width)}" if self.modules else ""
        text = Text(no_wrap=True)
        text.append(f"    #  {op}" + " " * max(self.names + self.shapes + 3 - cell_len(op) - cell_len(shape), 1) + shape
                    + modules + (f"  {formula}" if self.formulas else ""), header)
        first, last = self._window()
        if first:
            text.append("\n  " + ngettext("… {count} row above", "… {count} rows above", first).format(count=first),
                        header)
        for row in self.rows[first:last]:
            here = row.start <= self.position <= row.end
            line = Text(no_wrap=True)
            line.append("▶" if here else " ")
            line.append("●" if any(s.position in self.breakpoints for s in row.steps) else " ", mark)
            line.append(self._cells(row, modules))
            line.stylize(current if here else done if row.end <= self.position else pending, 2)
            text.append("\n")
            text.append_text(line)
        if last < len(self.rows):
            below = len(self.rows) - last
            text.append("\n  " + ngettext("… {count} row below", "… {count} rows below", below).format(count=below),
                        header)
        if not self.rows:
            text.append("\n  " + _("no op or module contains {text}").format(text=repr(self.query_text)), header)
        return text

    def _cells(self, row: Row, modules: str) -> str:
        step, node = row.steps[0], row.steps[-1].node
        if row.fold is not None and len(row.steps) > 1:
            name, formula = f"▸{row.fold.rsplit('.', 1)[-1]}", _("{count} steps folded (m unfolds)").format(
                count=len(row.steps))
        else:
            name = node.name
            formula = (step.label_in(_, source=False) if step.accumulation is not None
                       else _(node.formula) if step.phase == "forward" else _(node.grad_formula))
        shape = shape_text(node.outputs[0].shape) if node.outputs else ""
        module = module_of(node) if row.fold is None else row.fold
        width = self.module_width
        module = f"  {module if len(module) <= width else '…' + module[1 - width:]:<{width}}"
        return (f"{step.position:>3} {PHASE_MARKS[step.phase]} {name:<{self.names}} {right(shape, self.shapes)}"
                + (module if modules else "")
                + (f"  {formula}" if self.formulas else ""))
