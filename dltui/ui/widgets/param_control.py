"""One lab parameter as a keyboard-driven row: label, value, range.

Left/Right nudge the value by the control's step; Enter opens inline entry for an exact value.
Nothing else changes it (a page key meant to scroll must not restart a lab). Whatever the
learner types is checked by the lab's own `Control.parse`, so the widget refuses exactly what
the lab would refuse, and says why on its own row.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input

from dltui.i18n import N_, _
from dltui.labs import Control, ControlError
from dltui.text import cells, shorten

NUMBER_WIDTH = 10
LABEL_WIDTH = 20
MAX_ERROR = 160
"""A refusal longer than this (it may quote a whole paste) is cut, so it cannot cover the screen."""


def value_text(spec: Control, value: Any) -> str:
    """The value as the row shows it; choices get arrows because Left/Right cycle them."""
    return f"‹ {spec.format(value)} ›" if spec.kind in ("choice", "bool") else spec.format(value)


def widest_value(spec: Control) -> int:
    options = spec.choices or ((True, False) if spec.kind == "bool" else ())
    return max((cells(value_text(spec, option)) for option in options), default=NUMBER_WIDTH) + 2


class ParamControl(Widget):
    """A row that edits one `Control` value; posts `ParamControl.Changed` when it changes.

    The row is not focused itself: its `ControlsPanel` keeps the focus and marks one row `selected` (a focus change
    repaints the whole screen in Textual: ↑↓ cost twice as much), handing it the keys below; only typing a value
    focuses the row's entry."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel typing"), show=False, id="param.cancel"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel typing, keeping the old value. |

    The panel's keys (`ControlsPanel`) change the selected row's value: ←/→, shift+←/→, Enter to type one.
    """

    DEFAULT_CSS = """
    ParamControl {
        height: auto;
        width: 1fr;
        & > #entry {
            position: absolute; height: 1; border: none; padding: 0; background: $boost; display: none;
        }
        &.-editing > #entry { display: block; }
    }
    """

    value: reactive[Any] = reactive(None, init=False)
    """The current (always valid) value."""

    editing: reactive[bool] = reactive(False, init=False, bindings=True)
    """True while the inline entry is open."""

    selected: reactive[bool] = reactive(False, init=False, repaint=False)  # its line repaints itself
    """The row the panel's keys go to (highlighted while the keys go to the panel)."""

    error: reactive[str] = reactive("", init=False)
    """Why the last typed value was refused; cleared by the next change."""

    class Changed(Message):
        """Posted when the learner changes the value (never for a refused one).

        Attributes:
            param_control: The row that changed.
            name: The control's parameter name.
            value: The new, validated value.
        """

        def __init__(self, param_control: ParamControl, name: str, value: Any) -> None:
            super().__init__()
            self.param_control = param_control
            self.name = name
            self.value = value

        @property
        def control(self) -> ParamControl:
            """Alias for self.param_control."""
            return self.param_control

    def __init__(self, spec: Control, value: Any, *, value_width: int | None = None, id: str | None = None) -> None:
        """`value_width` lines up the values of several rows; by default it fits this control's widest value."""
        super().__init__(id=id)
        self.pointed = False  # the pointer is drawn: see `point`
        self.spec = spec
        self.value_width = value_width or widest_value(spec)
        self.set_reactive(ParamControl.value, value)
        self.tooltip = _(spec.help) or None

    def compose(self) -> ComposeResult:
        # One widget draws the row's texts, not one each: a row is laid out, restyled and painted as a unit, and
        # opening the controls at 80×24 lays out every row (the GAN's 15: 60 widgets, now 15 and their entries).
        self._line = RowLine(self)
        self._entry = Input(id="entry", select_on_focus=True)
        self._entry.styles.width = self.value_width
        self._entry.styles.offset = (LABEL_WIDTH, 0)  # over the value's column
        yield from (self._line, self._entry)

    def watch_value(self) -> None:
        self._line.refresh()

    def watch_error(self, error: str) -> None:
        self._line.refresh(layout=True)  # a refusal may take more lines than the range it replaces

    def watch_editing(self, editing: bool) -> None:
        self.set_class(editing, "-editing")
        self._line.refresh()
        entry = self._entry
        if editing:  # focus moves now, not later, so keys typed right after land in the entry
            entry.value = self.spec.format(self.value)
            self.screen.set_focus(entry)
        elif entry.has_focus:
            self.screen.set_focus(self.parent)  # back to the panel the row is in

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.editing
        return True

    def nudges_by(self, steps: int) -> bool:
        """Whether a nudge of `steps` means anything here: ten steps at once only for numbers."""
        return abs(steps) <= 1 or self.spec.kind in ("int", "float")

    def _set(self, value: Any) -> None:
        self.error = ""
        if value != self.value:
            self.value = value
            self.post_message(self.Changed(self, self.spec.name, value))

    def action_nudge(self, steps: int) -> None:
        self._set(self.spec.nudge(self.value, steps))

    def action_edit(self) -> None:
        self.editing = True

    def action_cancel(self) -> None:
        self.editing = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            value = self.spec.parse(event.value)
        except ControlError as refused:
            self.error = str(refused)
        else:
            self._set(value)
        self.editing = False

    def on_descendant_blur(self) -> None:
        self.editing = False

    def watch_selected(self, selected: bool) -> None:
        """The highlight goes on the row's line, not the row: restyling a row (its entry too) took 4 ms."""
        self._line.set_class(selected, "-selected")

    def point(self, shown: bool) -> None:
        """A pointer at the row the keys go to, so it shows without color too. Drawn only when it changes: the
        panel points at every row when it gains or loses the focus."""
        if shown != self.pointed:
            self.pointed = shown
            self._line.refresh()


class RowLine(Widget):
    """A `ParamControl`'s texts in three columns, each wrapped in its own: the label (with the pointer), the value
    (blank while the entry covers it) and the range, or why a typed value was refused."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"row-line--label", "row-line--value", "row-line--range", "row-line--error"}

    DEFAULT_CSS = """
    RowLine {
        height: auto;
        width: 1fr;
        & > .row-line--label, & > .row-line--range { color: $text-muted; }
        & > .row-line--value { text-style: bold; }
        & > .row-line--error { color: $error; text-style: bold; }
    }
    """

    def __init__(self, row: ParamControl) -> None:
        super().__init__(id="line")
        self.row = row

    def lines(self, width: int) -> list[Content]:
        """The row's lines at `width` cells."""
        row, spec = self.row, self.row.spec
        last, last_part = (shorten(row.error, MAX_ERROR), "error") if row.error else (spec.range_text, "range")
        columns = (  # (the column's lines, the width it is padded to, its component class)
            (_indented(Content(_(spec.label)).wrap(LABEL_WIDTH - 2), "▸ " if row.pointed else "  "), LABEL_WIDTH, "label"),
            ([Content("" if row.editing else value_text(spec, row.value))], row.value_width, "value"),
            (Content(last).wrap(max(1, width - LABEL_WIDTH - row.value_width)), 0, last_part),
        )
        styled = [(lines, pad, self.get_visual_style(f"row-line--{part}", partial=True)) for lines, pad, part in columns]
        return [Content.assemble(*(_cell(lines, k, pad).stylize(style) for lines, pad, style in styled))
                for k in range(max(len(lines) for lines, _, _ in columns))]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.size.width))


def _cell(column: list[Content], k: int, width: int) -> Content:
    """Line `k` of a column (blank below its last line), padded to the column's width."""
    line = column[k] if k < len(column) else Content("")
    return line.pad_right(max(0, width - line.cell_length))


def _indented(lines: list[Content], first: str) -> list[Content]:
    """A wrapped label under its pointer: `first` before the first line, as many spaces before the others."""
    return [Content(first if k == 0 else " " * len(first)) + line for k, line in enumerate(lines)]
