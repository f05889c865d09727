"""Curves over a shared x axis: the first as a braille line (2×4 dots a cell), the others as one
glyph per column, so each stays apart without color. A dotted column can mark one x.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from .glyphs import signed
from .scatter import BRAILLE_BITS

GUTTER = 7  # the y labels


class Series(NamedTuple):
    values: np.ndarray
    glyph: str | None  # None: a braille line; else this glyph in each column
    component: str  # one of LinePlot.COMPONENT_CLASSES


class LinePlot(Widget):
    """`plot(series, mark)`: each series' values spread over the width; `mark` is a fraction of the x range."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-plot--a", "line-plot--b", "line-plot--mark", "line-plot--axis"}
    """
    | Class | Description |
    | :- | :- |
    | `line-plot--a` | The first curve (braille). |
    | `line-plot--b` | The other curves (glyphs). |
    | `line-plot--mark` | The marked x. |
    | `line-plot--axis` | The y labels and the axis. |
    """

    DEFAULT_CSS = """
    LinePlot {
        border: round $border-blurred;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        & > .line-plot--a { color: $primary; }
        & > .line-plot--b { color: $warning; text-style: bold; }
        & > .line-plot--mark { color: $error; }
        & > .line-plot--axis { color: $text-muted; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.series: list[Series] = []
        self.mark: float | None = None

    def plot(self, series: list[Series], mark: float | None = None) -> None:
        self.series, self.mark = series, mark
        self.refresh()

    def render(self) -> RenderResult:
        width, height = self.content_size
        columns = width - GUTTER
        finite = [v[np.isfinite(v)] for s in self.series if len(v := np.asarray(s.values, dtype=float))]
        finite = np.concatenate(finite) if finite else np.array([])
        if columns < 4 or height < 2 or not finite.size:
            return ""
        low, high = float(finite.min()), float(finite.max())
        if high - low < 1e-12:  # one value so far: a band around it, on its side of zero
            pad = 0.1 * abs(low) or 0.5
            low, high = low - pad, high + pad
        cells: dict[tuple[int, int], tuple[str, str]] = {}
        dots = np.zeros((height, columns), dtype=int)
        for series in self.series:
            values = np.asarray(series.values, dtype=float)
            if not len(values):
                continue
            points = 2 * columns if series.glyph is None else columns
            at = np.interp(np.linspace(0, len(values) - 1, points), np.arange(len(values)), values)
            if series.glyph is None:
                ys = np.round((high - at) / (high - low) * (4 * height - 1))
                previous = None
                for x, y in enumerate(ys):
                    if not np.isfinite(y):
                        previous = None
                        continue
                    y = int(y)
                    span = range(min(previous, y), max(previous, y) + 1) if previous is not None else (y,)
                    for dy in span:
                        dots[dy // 4, x // 2] |= BRAILLE_BITS[dy % 4][x % 2]
                    previous = y
            else:
                for x, value in enumerate(at):
                    if np.isfinite(value):
                        cells[int(round((high - value) / (high - low) * (height - 1))), x] = (series.glyph, series.component)
        mark = None if self.mark is None else min(int(self.mark * columns), columns - 1)
        style = self.get_component_rich_style
        axis, line = style("line-plot--axis"), style("line-plot--a")
        text = Text(no_wrap=True, overflow="crop")
        for row in range(height):
            tag = signed(high, ".3g") if row == 0 else signed(low, ".3g") if row == height - 1 else ""
            text.append(f"{tag:>{GUTTER - 1}}│", axis)
            for column in range(columns):
                if (row, column) in cells:
                    glyph, component = cells[row, column]
                    text.append(glyph, style(component))
                elif dots[row, column]:
                    text.append(chr(0x2800 + dots[row, column]), line)
                elif column == mark:
                    text.append("┊", style("line-plot--mark"))
                else:
                    text.append(" ")
            if row < height - 1:
                text.append("\n")
        return text
