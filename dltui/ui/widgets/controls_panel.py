"""The controls of one lab, one `ParamControl` row per declared `Control`."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Click

from dltui.i18n import N_, _
from dltui.labs import Control

from .param_control import ParamControl, widest_value
from .steady_focus import SteadyFocus


class ControlsPanel(SteadyFocus, Vertical, can_focus=True):
    """Builds its rows from a lab's `controls`; Up/Down choose one, Left/Right change it, Enter types a value.

    The panel keeps the focus and marks the chosen row `selected` (the row keeps it when the panel is left, so
    `o` comes back to it): moving the focus from row to row made Textual repaint the whole screen at every ↑↓.
    On a short screen the lesson shows `summary` in one line instead, and the rows only while the learner is in
    them, laid over the foot of the lab; the rows' keys are written on that line rather than in the Footer.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", N_("Previous control"), show=False, id="controls.up"),
        Binding("down", "move(1)", N_("Next control"), show=False, id="controls.down"),
        Binding("left", "nudge(-1)", N_("Less"), show=False, id="param.less"),
        Binding("right", "nudge(1)", N_("More"), show=False, id="param.more"),
        Binding("shift+left", "nudge(-10)", N_("Less ×10"), show=False, id="param.less10"),
        Binding("shift+right", "nudge(10)", N_("More ×10"), show=False, id="param.more10"),
        Binding("enter", "edit", N_("Type a value"), show=False, id="param.edit"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up / down | Choose the previous / next control. |
    | left / right | Its previous / next value (by the control's step; choices wrap around). |
    | shift+left / shift+right | Ten steps at once (numbers). |
    | enter | Type an exact value; Enter accepts it (or shows why it is refused). |
    """

    DEFAULT_CSS = """
    ControlsPanel {
        height: auto;
        max-height: 60%;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        border-top: hkey $border;  /* no :focus-within on the rows: it restyled every row on each ↑↓ */
        &:focus-within > ParamControl > .-selected {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
    }
    """

    def __init__(self, controls: tuple[Control, ...], values: dict[str, Any], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.controls = controls
        self.values = values
        self._within = False  # the focus is in the panel

    @staticmethod
    def summary(controls: tuple[Control, ...], values: dict[str, Any]) -> str:
        """Every control's value on one line, in order: `Dataset xor · Hidden units 2 · …`."""
        return " · ".join(f"{_(spec.label)} {spec.format(values[spec.name])}" for spec in controls)

    def compose(self) -> ComposeResult:
        width = max(map(widest_value, self.controls))
        self.rows = [ParamControl(spec, self.values[spec.name], value_width=width, id=f"param-{spec.name}")
                     for spec in self.controls]  # kept, not queried: ↑↓ walked the DOM three times a key
        yield from self.rows

    def on_mount(self) -> None:
        self.rows[0].selected = True
        self.watch(self.screen, "focused", self._follow_focus, init=False)

    def watch_has_focus(self, _has_focus: bool) -> None:
        """Textual's restyles every widget in the panel: `_follow_focus` restyles the parts that change."""

    def _follow_focus(self) -> None:
        """As the screen's focus moves, not when the focus events arrive (a frame or more later while a lab trains):
        the chosen row's highlight (`:focus-within`: the panel and the row's line are restyled, not every widget in
        it as Textual does: 31 of them, 25 ms of `o` at 80×24) and its pointer, while the keys come here (the panel,
        or the row's entry)."""
        within = self.has_focus_within
        if within != self._within:
            self._within = within
            self.app.stylesheet.update_nodes([self, *self.query(".-selected")], animate=True)
        for row in self.rows:
            row.point(row.selected and within)

    @property
    def selected(self) -> ParamControl:
        """The chosen row (the first before the panel is mounted)."""
        return next((row for row in self.rows if row.selected), self.rows[0])

    def select(self, row: ParamControl) -> None:
        """Choose `row`, and keep it in view."""
        if not row.selected:
            previous = self.selected
            previous.selected, row.selected = False, True
            previous.point(False)
            row.point(self._within)
        self.scroll_to_widget(row, animate=False)

    def action_move(self, offset: int) -> None:
        self.select(self.rows[(self.rows.index(self.selected) + offset) % len(self.rows)])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.selected.nudges_by(parameters[0]) if action == "nudge" else True

    def action_nudge(self, steps: int) -> None:
        self.selected.action_nudge(steps)

    def action_edit(self) -> None:
        self.selected.action_edit()

    def on_click(self, event: Click) -> None:
        """A click chooses the row under it (the panel takes the focus as the clicked focusable ancestor)."""
        row = next((w for w in event.widget.ancestors_with_self if isinstance(w, ParamControl)), None)
        if row is not None:
            self.select(row)
