"""The recorded tape as a list: one row per step of the pass, forward rows then backward rows.

The current row is marked ▶ and breakpoint rows ●, so both read without color; the highlight
only adds to them. Each row ends with its formula where the pane is wide enough for every one;
in a narrower pane (80 columns) the rows stop at the shape rather than show formulas cut short,
and the node pane beside the list gives the current node's formulas in full.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from dltui.engine.stepper import Step

PHASE_MARKS = {"forward": "→", "backward": "←", "accumulate": "+"}


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) or "scalar"


class TapeList(Widget):
    """Rows `▶● 7 ← linear  1×2  dX = dY·W, …`: position, phase, op, output shape, formula.

    Forward rows show the op's formula, backward rows its gradient formula, accumulation rows
    the sum they perform; all of them, or (in a pane too narrow for the longest) none.
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
    | `tape-list--header` | The column titles. |
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
        self.steps = steps
        self.formulas = True  # the pane holds every row with its formula

    def set_steps(self, steps: list[Step]) -> None:
        self.steps = steps
        self.refresh(layout=True)

    def get_content_width(self, container, viewport) -> int:
        """As wide as the longest row; formulas only where every row fits the pane with its own."""
        self.formulas = True
        self.formulas = self._width() <= container.width
        return self._width()

    def _width(self) -> int:
        return max((line.cell_len for line in self.render().split()), default=0)

    def render(self) -> RenderResult:
        style = self.get_component_rich_style
        current, mark, done, pending = (style(f"tape-list--{name}") for name in ("current", "break", "done", "pending"))
        text = Text(no_wrap=True)
        text.append("    #  op                shape" + ("  formula" if self.formulas else ""), style("tape-list--header"))
        for step in self.steps:
            here = step.position == self.position
            row = Text(no_wrap=True)
            row.append("▶" if here else " ")
            row.append("●" if step.position in self.breakpoints else " ", mark)
            node = step.node
            formula = (f"{step.label.split(' (from')[0]}" if step.accumulation is not None
                       else node.formula if step.phase == "forward" else node.grad_formula)
            shape = shape_text(node.outputs[0].shape) if node.outputs else ""
            row.append(f"{step.position:>3} {PHASE_MARKS[step.phase]} {node.name:<14} {shape:>6}"
                       + (f"  {formula}" if self.formulas else ""))
            row.stylize(current if here else done if step.position <= self.position else pending, 2)
            text.append("\n")
            text.append_text(row)
        return text
