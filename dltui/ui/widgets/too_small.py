"""The message shown instead of a layout that cannot fit the terminal."""

from __future__ import annotations

from textual.app import RenderResult
from textual.widget import Widget

from dltui.i18n import _

MIN_WIDTH, MIN_HEIGHT = 80, 24


class TooSmall(Widget):
    """Hidden until the screen's breakpoint classes say the terminal is below the minimum.

    The app's breakpoints add `-too-narrow` / `-too-short` to every screen; app.tcss then
    hides the screen's other children and shows this one.
    """

    DEFAULT_CSS = """
    TooSmall {
        display: none;
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        text-align: center;
        color: $warning;
        text-style: bold;
    }
    """

    def render(self) -> RenderResult:
        width, height = self.app.size
        return _("dltui needs at least {min_width}×{min_height}; this terminal is {width}×{height}").format(
            min_width=MIN_WIDTH, min_height=MIN_HEIGHT, width=width, height=height)

    def on_resize(self) -> None:
        self.refresh()
