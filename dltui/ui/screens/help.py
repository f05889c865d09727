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


TEXTUAL_KEYS = (
    N_("Focus Next"),
    N_("Focus Previous"),
    N_("Copy selected text"),
    N_("Quit"),
    N_("Scroll Up"),
    N_("Scroll Down"),
    N_("Scroll Left"),
    N_("Scroll Right"),
    N_("Scroll Home"),
    N_("Scroll End"),
    N_("Page Up"),
    N_("Page Down"),
    N_("Page Left"),
    N_("Page Right"),
    N_("Move cursor left"),
    N_("Move cursor left and select"),
    N_("Move cursor left a word"),
    N_("Move cursor left a word and select"),
    N_("Move cursor right or accept the completion suggestion"),
    N_("Move cursor right and select"),
    N_("Move cursor right a word"),
    N_("Move cursor right a word and select"),
    N_("Delete character left"),
    N_("Select all"),
    N_("Go to start"),
    N_("Go to end"),
    N_("Select line start"),
    N_("Select line end"),
    N_("Delete character right"),
    N_("Submit"),
    N_("Delete left to start of word"),
    N_("Delete all to the left"),
    N_("Delete right to start of word"),
    N_("Delete all to the right"),
    N_("Cut selected text"),
    N_("Paste text from the clipboard"),
    N_("Down"),
    N_("Last"),
    N_("Select"),
    N_("First"),
    N_("Up"),
    N_("Cursor up"),
    N_("Cursor down"),
    N_("Cursor right"),
    N_("Cursor left"),
    N_("Page up"),
    N_("Page down"),
    N_("Top"),
    N_("Bottom"),
    N_("Home"),
    N_("End"),
)
"""The descriptions of Textual's own bindings (scrolling, the text box, lists, tables), for the catalog: the help
shows every description through `_`, so these read in the interface's language too."""


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
