"""The controls of one lab, one `ParamControl` row per declared `Control`."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical

from dltui.labs import Control

from .param_control import ParamControl, widest_value


class ControlsPanel(Vertical):
    """Builds its rows from a lab's `controls`; Up/Down move between them.

    On a short screen the lesson shows `summary` in one line instead, and the rows only while
    the learner is in them; the rows' keys are written on that line rather than in the Footer.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Previous control", show=False, id="controls.up"),
        Binding("down", "move(1)", "Next control", show=False, id="controls.down"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up / down | Focus the previous / next control. |
    """

    DEFAULT_CSS = """
    ControlsPanel {
        height: auto;
        max-height: 60%;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        border-top: hkey $border;  /* no :focus-within: it restyled every row on each ↑↓ (17–57 ms a key) */
    }
    """

    def __init__(self, controls: tuple[Control, ...], values: dict[str, Any], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.controls = controls
        self.values = values

    @staticmethod
    def summary(controls: tuple[Control, ...], values: dict[str, Any]) -> str:
        """Every control's value on one line, in order: `Dataset xor · Hidden units 2 · …`."""
        return " · ".join(f"{spec.label} {spec.format(values[spec.name])}" for spec in controls)

    def compose(self) -> ComposeResult:
        width = max(map(widest_value, self.controls))
        for spec in self.controls:
            yield ParamControl(spec, self.values[spec.name], value_width=width, id=f"param-{spec.name}")

    def action_move(self, offset: int) -> None:
        rows = list(self.query(ParamControl))
        current = next((i for i, row in enumerate(rows) if row.has_focus), 0)
        self.screen.set_focus(rows[(current + offset) % len(rows)])  # now, not later: keys may already be queued
