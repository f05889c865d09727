"""A footer that keeps the keys that matter when the terminal is narrow.

Textual's Footer lays every key out in a row and cuts off whatever passes the right edge, so at 80
columns a lesson lost `z Quiz` and the debugger `q Back` and `? Help`. This one measures the keys
first: Back, Quiz, Help, Quit, Pause and Follow are always kept, the others in the order of the
screen's BINDINGS (a lesson's lab keys first) while they fit, and the rest are left to the `?` help
screen, which lists every key. The palette hint comes last, if room is left. It is built on public
API only: the screen's `active_bindings` and its `bindings_updated_signal`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

from dltui.i18n import N_, _

KEPT = ("back", "quiz", "help", "quit", "pause", "follow")
"""Binding ids ending in one of these (`lesson.back`, `app.help`) are shown first, whatever else fits:
the way out of a screen, of a run and of a frozen picture, the quiz, and the help that lists the rest."""


PALETTE = N_("palette")
"""Textual's own description of ctrl+p, in the catalog so it is translated too."""


def kept(binding: Binding) -> bool:
    return (binding.id or "").rpartition(".")[2] in KEPT


class KeyFooter(Widget):
    """One line of `key Description` pairs fitted to the width by priority; a click presses the key."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-footer--key", "key-footer--description", "key-footer--disabled"}

    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        & > .key-footer--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .key-footer--description { color: $footer-description-foreground; }
        & > .key-footer--disabled { text-style: dim; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []  # (first cell, end cell, key) of each shown binding

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh())

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def fitted(self, width: int) -> list[tuple[Binding, bool]]:
        """The bindings shown in `width` cells, in the screen's order, each with whether it is enabled."""
        order = {binding: i for i, binding in enumerate(type(self.screen).BINDINGS)}
        active = sorted(self.screen.active_bindings.values(), key=lambda item: order.get(item[1], len(order)))
        shown: dict[str, tuple[Binding, bool]] = {}
        for _node, binding, enabled, _tooltip in active:
            if binding.show:
                shown.setdefault(binding.action, (binding, enabled))
        fitting: set[str] = set()
        for action, (binding, _) in sorted(shown.items(), key=lambda item: not kept(item[1][0])):
            cells = self._cells(binding)
            if cells <= width:
                fitting.add(action)
                width -= cells
        return [shown[action] for action in shown if action in fitting]

    def _cells(self, binding: Binding) -> int:
        return cell_len(self.app.get_key_display(binding)) + cell_len(_(binding.description)) + 2

    def render(self) -> Text:
        key_style, description_style, disabled = (self.get_component_rich_style(name, partial=True) for name in (
            "key-footer--key", "key-footer--description", "key-footer--disabled"))
        line, self._spans = Text(no_wrap=True, overflow="crop"), []
        for binding, enabled in self.fitted(self.size.width):
            start, dim = line.cell_len, disabled if not enabled else None
            line.append(self.app.get_key_display(binding), key_style + dim if dim else key_style)
            line.append(f" {_(binding.description)} ", description_style + dim if dim else description_style)
            self._spans.append((start, line.cell_len, binding.key.split(",")[0]))
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if palette and self.app.ENABLE_COMMAND_PALETTE:
            hint = f"▏{self.app.get_key_display(palette[1])} {_(palette[1].description)}"
            if line.cell_len + cell_len(hint) + 1 <= self.size.width:
                line.append(" " * (self.size.width - line.cell_len - cell_len(hint)))
                line.append(hint, description_style)
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
