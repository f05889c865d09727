"""A classifier's output over a square of the plane as shade glyphs, with the data as markers.

Two cells a grid column, so the square looks square. The shade ( ░▒▓█, output 0 → 1) and the
markers (o target 0, x target 1) carry everything without color; tints only add to them.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from .glyphs import SHADES


class RegionMap(Widget):
    """`show(grid, box, points, targets)`: `grid` is (rows, cols) of outputs in 0…1, top row first."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "region-map--class-0", "region-map--class-1",
        "region-map--level-1", "region-map--level-2", "region-map--level-3", "region-map--level-4",
    }
    """
    | Class | Description |
    | :- | :- |
    | `region-map--class-0` | Markers of target-0 points. |
    | `region-map--class-1` | Markers of target-1 points. |
    | `region-map--level-1` … `-4` | Output tints from 0 to 1. |
    """

    DEFAULT_CSS = """
    RegionMap {
        width: 50;
        height: 14;
        border: round $border-blurred;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        & > .region-map--class-0 { color: $primary; text-style: bold; }
        & > .region-map--class-1 { color: $error; text-style: bold; }
        & > .region-map--level-1 { color: $secondary 40%; }
        & > .region-map--level-2 { color: $secondary 60%; }
        & > .region-map--level-3 { color: $secondary 80%; }
        & > .region-map--level-4 { color: $secondary; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.grid = np.zeros((0, 0))
        self.box = (0.0, 1.0)
        self.markers: dict[tuple[int, int], int] = {}

    def show(self, grid: np.ndarray, box: tuple[float, float], points: np.ndarray, targets: np.ndarray) -> None:
        self.grid, self.box = grid, box
        rows, cols = grid.shape
        low, high = box
        self.markers = {}
        for (x, y), target in zip(points, targets):
            column, row = int((x - low) / (high - low) * cols), int((high - y) / (high - low) * rows)
            if 0 <= row < rows and 0 <= column < cols:
                self.markers[row, column] = int(target)
        self.border_subtitle = f"x1 → {low:g}…{high:g} · x2 ↑".replace("-", "−")
        self.refresh()

    def render(self) -> RenderResult:
        style = self.get_component_rich_style
        levels = [None] + [style(f"region-map--level-{k}") for k in range(1, 5)]
        text = Text(no_wrap=True, overflow="crop")
        for row, values in enumerate(self.grid):
            if row:
                text.append("\n")
            for column, value in enumerate(values):
                level = int(np.clip(np.nan_to_num(value, nan=0.5) * 5, 0, 4))
                if (row, column) in self.markers:
                    target = self.markers[row, column]
                    text.append(SHADES[level] + "ox"[target], style(f"region-map--class-{target}"))
                else:
                    text.append(SHADES[level] * 2, levels[level] or "")
        return text
