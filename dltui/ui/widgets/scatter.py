"""A character-cell scatter plot with one straight line drawn over it in braille dots.

Drawn with Rich text rather than plotext: at 40×15 cells a marker per point stays legible,
the line gets 2×4 dots per cell, and classes differ by marker shape, so the picture
survives NO_COLOR.
"""

from __future__ import annotations

import math
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][column] in a 2×4 cell


class Point(NamedTuple):
    x: float
    y: float
    marker: str
    component: str  # one of Scatter.COMPONENT_CLASSES


class Scatter(Widget):
    """Points as single-cell markers in data coordinates, plus an optional line segment."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"scatter--class-0", "scatter--class-1", "scatter--wrong", "scatter--line"}
    """
    | Class | Description |
    | :- | :- |
    | `scatter--class-0` | Markers of the first class. |
    | `scatter--class-1` | Markers of the second class. |
    | `scatter--wrong` | Markers of misclassified points. |
    | `scatter--line` | The line. |
    """

    DEFAULT_CSS = """
    Scatter {
        border: round $border-blurred;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        & > .scatter--class-0 { color: $primary; }
        & > .scatter--class-1 { color: $secondary; }
        & > .scatter--wrong { color: $error; text-style: bold; }
        & > .scatter--line { color: $warning; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[Point] = []
        self.line: tuple[list[float], list[float]] | None = None
        self.bounds = (0.0, 1.0, 0.0, 1.0)

    def plot(self, points: list[Point], line: tuple[list[float], list[float]] | None,
             bounds: tuple[float, float, float, float]) -> None:
        """Replace what is drawn; `bounds` is (x_min, x_max, y_min, y_max)."""
        self.points, self.line, self.bounds = points, line, bounds
        self.refresh()

    def render(self) -> RenderResult:
        width, height = self.content_size
        if width < 2 or height < 2:
            return ""
        x_min, x_max, y_min, y_max = self.bounds

        def cell(x: float, y: float, columns: int, rows: int) -> tuple[int, int]:
            """Data to (column, row) on a grid of columns × rows; the same mapping for markers and dots."""
            return (min(math.floor((x - x_min) / (x_max - x_min) * columns), columns - 1),
                    min(math.floor((y_max - y) / (y_max - y_min) * rows), rows - 1))

        dots = [[0] * width for _ in range(height)]
        if self.line:
            (xa, xb), (ya, yb) = self.line
            (ax, ay), (bx, by) = cell(xa, ya, 2 * width, 4 * height), cell(xb, yb, 2 * width, 4 * height)
            samples = max(abs(bx - ax), abs(by - ay), 1)
            for i in range(samples + 1):
                dx, dy = round(ax + (bx - ax) * i / samples), round(ay + (by - ay) * i / samples)
                if 0 <= dx < 2 * width and 0 <= dy < 4 * height:
                    dots[dy // 4][dx // 2] |= BRAILLE_BITS[dy % 4][dx % 2]
        markers: dict[tuple[int, int], Point] = {}
        for point in self.points:
            column, row = cell(point.x, point.y, width, height)
            if column >= 0 and row >= 0:
                markers[row, column] = point
        line_style = self.get_component_rich_style("scatter--line")
        text = Text(no_wrap=True, overflow="crop")
        for row in range(height):
            for column in range(width):
                if point := markers.get((row, column)):
                    text.append(point.marker, self.get_component_rich_style(point.component))
                elif bits := dots[row][column]:
                    text.append(chr(0x2800 + bits), line_style)
                else:
                    text.append(" ")
            if row < height - 1:
                text.append("\n")
        return text
