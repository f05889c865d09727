"""A small column chart of non-negative counts, newest on the right, in eighth-block cells."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from .glyphs import EIGHTHS


class Bars(Widget):
    """One column per value, scaled to the largest; shows as many of the newest as fit.

    The left gutter labels the top of the scale, so the height of a bar reads as a number.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"bars--bar", "bars--zero", "bars--axis"}
    """
    | Class | Description |
    | :- | :- |
    | `bars--bar` | The bars. |
    | `bars--zero` | The mark drawn for a zero value (so zero differs from "no data"). |
    | `bars--axis` | The scale labels. |
    """

    DEFAULT_CSS = """
    Bars {
        height: 4;
        & > .bars--bar { color: $accent; }
        & > .bars--zero { color: $success; text-style: bold; }
        & > .bars--axis { color: $text-muted; }
    }
    """

    values: reactive[tuple[int, ...]] = reactive((), always_update=True)
    """The counts, oldest first."""

    def render(self) -> RenderResult:
        width, height = self.content_size
        top = max(self.values, default=0) or 1
        gutter = len(str(top)) + 1
        shown = self.values[-max(width - gutter, 1):]
        bar, zero, axis = (self.get_component_rich_style(f"bars--{name}") for name in ("bar", "zero", "axis"))
        text = Text(no_wrap=True, overflow="crop")
        for row in range(height):
            label = str(top) if row == 0 else "0" if row == height - 1 else ""
            text.append(f"{label:>{gutter - 1}}│", axis)
            floor = (height - 1 - row) * 8
            for value in shown:
                eighths = round(value / top * height * 8) - floor
                if value == 0 and row == height - 1:
                    text.append("_", zero)
                else:
                    text.append(EIGHTHS[min(max(eighths, 0), 8)], bar)
            if row < height - 1:
                text.append("\n")
        return text


LEFT_EIGHTHS = " ▏▎▍▌▋▊▉█"


def hbar(fraction: float, width: int) -> str:
    """A horizontal bar `fraction` (0…1) of `width` cells long, in eighth-cells, padded to `width`."""
    eighths = round(min(max(fraction, 0.0), 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (LEFT_EIGHTHS[part] if part else "")).ljust(width)
