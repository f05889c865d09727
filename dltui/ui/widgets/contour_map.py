"""A function of two variables seen from above, with paths walked on it: a loss surface and descent.

The lab computes the surface on a grid (top row = the largest y); the map samples it to the cells it
has, shades it in five bands ( ·░▒▓ from low to high, a fifth of the surface each) and writes where each
shade starts in its subtitle (`MSE ·≥0.81 ░≥1.5 ▒≥2.3 ▓≥3.1`), so the shading is a legend, not
decoration. Ticks name the corners and the middle of both axes. Each path is drawn with its own glyph,
consecutive points joined, its newest point reversed; marks (a minimum ★) go on top. Glyphs carry
everything, so NO_COLOR loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from dltui.numbers import fixed

BANDS = " ·░▒▓"
TICKS = 7  # columns of the y tick labels, the axis line included


@dataclass(frozen=True)
class Path:
    """Points (xs[k], ys[k]) walked in order, drawn with `glyph`; `name` goes in the legend."""

    glyph: str
    xs: Sequence[float]
    ys: Sequence[float]
    name: str = ""


@dataclass(frozen=True)
class Mark:
    glyph: str
    x: float
    y: float


def band_edges(surface: np.ndarray) -> np.ndarray:
    """The four values between the five bands: the surface's quintiles to two significant digits.

    Equal areas per shade keep the map legible on a ravine as on a bowl (evenly spaced edges would paint
    a steep surface almost all one shade); the subtitle writes the edges, so the shading stays a legend.
    """
    finite = surface[np.isfinite(surface)]
    if not finite.size:
        return np.linspace(0.2, 0.8, 4)
    edges = np.array([float(f"{q:.2g}") for q in np.quantile(finite, (0.2, 0.4, 0.6, 0.8))])
    return edges if np.all(np.diff(edges) > 0) else np.linspace(finite.min(), finite.max(), 6)[1:-1]


def _cell(x: float, y: float, box: tuple[float, float, float, float], size: tuple[int, int]) -> tuple[int, int] | None:
    x0, x1, y0, y1 = box
    rows, cols = size
    if not (np.isfinite(x) and np.isfinite(y)) or not (x0 <= x <= x1 and y0 <= y <= y1):
        return None
    return round((y1 - y) / (y1 - y0) * (rows - 1)), round((x - x0) / (x1 - x0) * (cols - 1))


def _segment(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """The cells on the straight line from a to b, both ends included."""
    steps = max(abs(b[0] - a[0]), abs(b[1] - a[1]))
    return [(round(a[0] + (b[0] - a[0]) * k / steps), round(a[1] + (b[1] - a[1]) * k / steps))
            for k in range(steps + 1)] if steps else [a]


def contour_text(surface: np.ndarray, box: tuple[float, float, float, float], size: tuple[int, int],
                 paths: Sequence[Path] = (), marks: Sequence[Mark] = (), labels: tuple[str, str] = ("x", "y"),
                 path_style: str = "bold", head_style: str = "bold reverse") -> Text:
    """The map as text: `size` = (rows, columns) of the whole picture, ticks and the x tick row included."""
    rows, cols = max(size[0] - 1, 2), max(size[1] - TICKS, 2)
    surface = np.asarray(surface, dtype=float)
    pick_r = np.round(np.linspace(0, surface.shape[0] - 1, rows)).astype(int)
    pick_c = np.round(np.linspace(0, surface.shape[1] - 1, cols)).astype(int)
    sampled = surface[np.ix_(pick_r, pick_c)]
    edges = band_edges(surface)
    bands = np.searchsorted(edges, np.where(np.isnan(sampled), np.inf, sampled))  # NaN: off the top
    glyphs = [[BANDS[k] for k in row] for row in bands]
    styles: dict[tuple[int, int], str] = {}
    for path in paths:
        cells = [_cell(x, y, box, (rows, cols)) for x, y in zip(path.xs, path.ys)]
        for a, b in zip(cells, cells[1:]):
            for r, c in _segment(a, b) if a and b else [cell for cell in (a, b) if cell]:
                glyphs[r][c], styles[r, c] = path.glyph, path_style
        if cells and cells[-1]:
            r, c = cells[-1]
            glyphs[r][c], styles[r, c] = path.glyph, head_style
    for mark in marks:
        if cell := _cell(mark.x, mark.y, box, (rows, cols)):
            glyphs[cell[0]][cell[1]], styles[cell] = mark.glyph, "bold"
    x0, x1, y0, y1 = box
    y_ticks = {0: y1, rows // 2: (y0 + y1) / 2, rows - 1: y0}
    text = Text(no_wrap=True, overflow="crop")
    for r in range(rows):
        label = f"{_tick(y_ticks[r]):>{TICKS - 1}}┤" if r in y_ticks else " " * (TICKS - 1) + "│"
        text.append(label, "dim")
        for c in range(cols):
            text.append(glyphs[r][c], styles.get((r, c), ""))
        text.append("\n")
    x_row = [" "] * cols
    for at, value in ((0, x0), (cols // 2, (x0 + x1) / 2), (cols - 1, x1)):
        tick = _tick(value)
        start = min(max(at - len(tick) // 2, 0), cols - len(tick))
        x_row[start:start + len(tick)] = tick
    corner = f"{labels[1]}↑ {labels[0]}→"[: TICKS - 1]
    text.append(f"{corner:<{TICKS - 1}} " + "".join(x_row)[:cols], "dim")
    return text


def _tick(value: float) -> str:
    return fixed(value, 2).rstrip("0").rstrip(".") if abs(value) < 1e5 else fixed(value, 2)


class ContourMap(Widget):
    """`show(surface, box, paths, marks, labels)`; `box` = (x_min, x_max, y_min, y_max) of the grid."""

    DEFAULT_CSS = """
    ContourMap {
        height: 12;
        border: round $border-blurred;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.surface = np.zeros((2, 2))
        self.box = (0.0, 1.0, 0.0, 1.0)
        self.paths: Sequence[Path] = ()
        self.marks: Sequence[Mark] = ()
        self.labels = ("x", "y")

    def show(self, surface: np.ndarray, box: tuple[float, float, float, float], paths: Sequence[Path] = (),
             marks: Sequence[Mark] = (), labels: tuple[str, str] = ("x", "y"), value: str = "value") -> None:
        """Draw `surface` over `box`; the subtitle says what each shade means for `value`."""
        self.surface, self.box, self.paths, self.marks, self.labels = np.asarray(surface, float), box, paths, marks, labels
        shades = " ".join(f"{glyph}≥{_tick(edge)}" for glyph, edge in zip(BANDS[1:], band_edges(self.surface)))
        self.border_subtitle = f"{value} {shades}"  # each shade from its value up; blank below the first
        self.refresh()

    def render(self) -> RenderResult:
        size = self.content_region.size
        return contour_text(self.surface, self.box, (size.height, size.width), self.paths, self.marks, self.labels)
