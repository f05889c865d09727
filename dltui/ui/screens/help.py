"""Help: the keys that work right now, read from the bindings of the screen underneath."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from dltui.i18n import N_, _


class HelpScreen(ModalScreen[None]):
    """A modal listing each active binding with its description: the screen's keys, then the focused panel's."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", N_("Close help"), id="help.close"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | escape, q, ? | Close the help. |
    """

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 64;
            max-width: 95%;
            height: auto;
            max-height: 90%;
            border: round $border;
            border-title-color: $text;
            border-subtitle-color: $text-muted;
            background: $surface;
            padding: 0 1;
        }
    }
    """

    def __init__(self, bindings: dict[str, ActiveBinding], title: str) -> None:
        super().__init__()
        self.keys = bindings
        self.title = title

    def compose(self) -> ComposeResult:
        screen_keys: dict[str, list[str]] = {}
        focused_keys: dict[str, list[str]] = {}
        for active in self.keys.values():
            binding = active.binding
            if binding.description and binding.action not in ("app.command_palette", "command_palette"):
                group = screen_keys if isinstance(active.node, (Screen, App)) else focused_keys
                group.setdefault(_(binding.description), []).append(self.app.get_key_display(binding))
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for heading, group in ((_("On this screen"), screen_keys), (_("In the focused panel"), focused_keys)):
            if group:
                table.add_row(Text(heading, style="bold underline"), "")
                for description, keys in group.items():
                    table.add_row(" ".join(dict.fromkeys(keys)), description)
        table.add_row(self.app.get_key_display(Binding("ctrl+p", "")), _("Command palette: every action by name"))
        with VerticalScroll() as scroll:
            scroll.border_title = _("Keys · {screen}").format(screen=self.title)
            scroll.border_subtitle = _("esc / q / ? close")
            yield Static(table)
