"""Labelled matrices drawn as text: a shade glyph and the number in every cell.

The glyph ( ░▒▓█) and the number carry the value by themselves, so the grid reads the same
without color (NO_COLOR, monochrome terminals); the background tint only adds to them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Callable, ClassVar, Sequence

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from dltui.i18n import ngettext
from dltui.text import cells, left

from .glyphs import SHADES, signed
from .shade_image import flow


def short(value: float) -> str:
    """A number in four characters (one more when negative and 100 or more, one more from 10¹⁰⁰): .25, −.43,
    1.0, −2.1, 12, 1e2, 4e65, −∞, · for not yet computed. A run that blows up still fits its column."""
    if math.isnan(value):
        return "·"
    if math.isinf(value):
        return "−∞" if value < 0 else "∞"
    if value == 0:
        return "0"
    size = abs(value)
    if size < 0.995:
        text = f"{value:.2f}".replace("0.", ".", 1)
    elif size < 9.95:
        text = f"{value:.1f}"
    elif size < 99.5:
        text = f"{value:.0f}"
    else:
        mantissa, exponent = f"{value:.0e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−")


def count(value: float) -> str:
    """A whole number as digits (· for none yet)."""
    return "·" if not math.isfinite(value) else f"{value:.0f}"


def number(value: float) -> str:
    """Four decimals with a real minus sign: the precision the lessons' questions ask for."""
    return signed(value, ".4f")


def number_grid(values: np.ndarray, levels: list, first_row: int = 0, rows: int | None = None) -> Text:
    """A 2-D array as rows of `number`s, each followed by a shade glyph ( ░▒▓█) for its place
    between the array's min and max; `levels` are the five tint styles (None for none)."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = high - low or 1.0
    text = Text(no_wrap=True)
    shown = values[first_row: None if rows is None else first_row + rows]
    for i, row in enumerate(shown):
        if i:
            text.append("\n")
        text.append(f"{first_row + i:>3} " if rows is not None else "  ")
        for value in row:
            level = min(max(round(4 * (value - low) / span), 0), 4) if math.isfinite(value) else 0
            text.append_text(Text(f"{number(value):>8}{SHADES[level]}", levels[level] or ""))
    return text


@dataclass(frozen=True)
class Grid:
    """One matrix to draw: `values` with its title and labels.

    Rows or columns without labels are numbered from `first` (negative in padding). Shades run from
    `low` (blank) to `high` (█), by default the matrix's finite range. `marks` are (row, col) cells
    drawn emphasised; `focus` is a row marked with ▸. Columns past `max_cols` are left out and
    counted in the title. `cell` is the width of a cell, its glyph included: 6 leaves a space
    before each number, 5 none (for matrices that must sit side by side at 80 columns), 4 fits
    numbers of up to three characters (counts). `number` writes a value (`short`; `count` for counts).
    Without `header` the column labels are left out (a grid stacked under one with the same columns).
    """

    title: str
    values: np.ndarray
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    low: float | None = None
    high: float | None = None
    marks: frozenset[tuple[int, int]] = frozenset()
    focus: int | None = None
    max_cols: int = 8
    cell: int = 6
    number: Callable[[float], str] = short
    header: bool = True

    @classmethod
    def of(cls, title: str, values: np.ndarray, rows: Sequence[str] | None = None, cols: Sequence[str] | None = None,
           *, first: int = 0, low: float | None = None, high: float | None = None,
           marks: frozenset[tuple[int, int]] | set[tuple[int, int]] = frozenset(), focus: int | None = None,
           max_cols: int = 8, cell: int = 6, number: Callable[[float], str] = short, header: bool = True) -> Grid:
        values = np.asarray(values, dtype=float)
        return cls(title, values,
                   tuple(rows) if rows is not None else tuple(str(first + k) for k in range(values.shape[0])),
                   tuple(cols) if cols is not None else tuple(str(first + k) for k in range(values.shape[1])),
                   low, high, frozenset(marks), focus, max_cols, cell, number, header)

    def same(self, other: Grid | None) -> bool:
        """Whether `other` draws the same picture (NaNs equal): a view that sends the same matrix every frame, as
        LeNet's confusion matrix between two epochs, then costs no repaint (2–5 ms a frame at 80×24)."""
        return (other is not None and self.values.shape == other.values.shape
                and all(getattr(self, f.name) == getattr(other, f.name) for f in fields(self) if f.name != "values")
                and np.array_equal(self.values, other.values, equal_nan=True))

    @cached_property
    def size(self) -> tuple[int, int]:
        """Cells wide and lines high: a view redrawn every frame lays the screen out only when this changes."""
        lines = self.text(lambda part: "").split("\n")
        return max(line.cell_len for line in lines), len(lines)

    def text(self, style: Callable[[str], object]) -> Text:
        """The grid as lines of text; `style(name)` gives the Rich style of a `matrix-grid--name` part."""
        values = self.values
        shown = min(values.shape[1], self.max_cols)
        finite = values[np.isfinite(values)]
        low = self.low if self.low is not None else (float(finite.min()) if finite.size else 0.0)
        high = self.high if self.high is not None else (float(finite.max()) if finite.size else 1.0)
        span = high - low or 1.0
        label, mark, blocked = style("label"), style("mark"), style("blocked")
        levels = [None] + [style(f"level-{k}") for k in range(1, 5)]
        digits, space = min(self.cell - 1, 4), " " * max(self.cell - 5, 0)
        pad = max(map(cells, self.rows), default=0) + 2
        hidden = values.shape[1] - shown
        text = Text(no_wrap=True, overflow="crop")
        text.append(self.title + ("  " + ngettext("(+{count} column)", "(+{count} columns)", hidden).format(count=hidden)
                                  if hidden else ""), style("title"))
        if self.header:
            text.append("\n" + " " * pad + "".join(f"{space}{c[:digits]:>{digits}} " for c in self.cols[:shown]), label)
        for i, row_label in enumerate(self.rows):
            text.append("\n")
            text.append(('▸' if i == self.focus else ' ') + left(row_label, pad - 1), mark if i == self.focus else label)
            for j in range(shown):
                value = float(values[i, j])
                text.append(space)
                if math.isnan(value) or math.isinf(value):
                    text.append(f"{self.number(value):>{digits}} ", blocked)
                    continue
                level = min(max(round(4 * (value - low) / span), 0), 4)
                cell = Text(f"{self.number(value):>{digits}}{SHADES[level]}", levels[level] or "")
                if (i, j) in self.marks:
                    cell.stylize(mark)
                text.append_text(cell)
        return text


COMPONENT_CLASSES = {
    "matrix-grid--title", "matrix-grid--label", "matrix-grid--mark", "matrix-grid--blocked",
    "matrix-grid--level-1", "matrix-grid--level-2", "matrix-grid--level-3", "matrix-grid--level-4",
}
PARTS_CSS = """
        & > .matrix-grid--title { text-style: bold; }
        & > .matrix-grid--label { color: $text-muted; }
        & > .matrix-grid--mark { text-style: bold underline; }
        & > .matrix-grid--blocked { color: $text-disabled; }
        & > .matrix-grid--level-1 { background: $accent 15%; }
        & > .matrix-grid--level-2 { background: $accent 35%; }
        & > .matrix-grid--level-3 { background: $accent 55%; }
        & > .matrix-grid--level-4 { background: $accent 80%; }
"""


class MatrixGrid(Widget):
    """A matrix with its title and labels: the title, column labels, then a row label and cells per row.

    `show` takes what `Grid.of` does; the widget is as wide as its text.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = COMPONENT_CLASSES
    """
    | Class | Description |
    | :- | :- |
    | `matrix-grid--title` | The title line. |
    | `matrix-grid--label` | Row and column labels. |
    | `matrix-grid--mark` | Emphasised cells and the focused row's label. |
    | `matrix-grid--blocked` | Masked cells (−∞). |
    | `matrix-grid--level-1` … `-4` | Cell tints from low to high. |
    """

    DEFAULT_CSS = """
    MatrixGrid {
        width: auto;
        height: auto;
        margin: 0 2 1 0;
        text-wrap: nowrap;
        text-overflow: clip;""" + PARTS_CSS + """    }
    """

    def __init__(self, *, max_cols: int = 8, cell: int = 6, number: Callable[[float], str] = short, header: bool = True,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.max_cols, self.cell, self.number, self.header = max_cols, cell, number, header
        self.grid: Grid | None = None

    def show(self, title: str, values: np.ndarray, rows: Sequence[str] | None = None, cols: Sequence[str] | None = None,
             **options) -> None:
        """Draw the 2-D `values` (options as `Grid.of`: first, low, high, marks, focus)."""
        before, grid = self.grid, Grid.of(title, values, rows, cols, max_cols=self.max_cols, cell=self.cell,
                                          number=self.number, header=self.header, **options)
        if grid.same(before):
            return
        self.grid = grid
        self.refresh(layout=before is None or before.size != self.grid.size)  # a layout repaints the whole screen

    def render(self) -> RenderResult:
        if self.grid is None:
            return ""
        return self.grid.text(lambda part: self.get_component_rich_style(f"matrix-grid--{part}"))


class MatrixGrids(Widget):
    """Several matrices side by side, wrapped into as many rows as the widget's width needs.

    A section of a lab view: it is as wide as the view and as tall as its rows, so at 80 columns two
    small matrices share a row and a third goes under them, never off the edge.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = COMPONENT_CLASSES
    """The same parts as `MatrixGrid`'s."""

    DEFAULT_CSS = """
    MatrixGrids {
        width: 1fr;
        height: auto;
        margin: 0 0 1 0;
        text-wrap: nowrap;
        text-overflow: clip;""" + PARTS_CSS + """    }
    """

    GAP = 2
    """Columns between two matrices in a row (and one blank line between rows)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.grids: tuple[Grid, ...] = ()

    def show(self, grids: Sequence[Grid]) -> None:
        before, grids = self.grids, tuple(grids)
        if before and len(grids) == len(before) and all(grid.same(old) for grid, old in zip(grids, before)):
            return
        self.grids = grids
        self.display = bool(self.grids)
        self.refresh(layout=[grid.size for grid in before] != [grid.size for grid in self.grids])

    def _text(self, width: int) -> Text:
        style = lambda part: self.get_component_rich_style(f"matrix-grid--{part}")  # noqa: E731
        return flow([grid.text(style) for grid in self.grids], width, self.GAP)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._text(width).split("\n")) if self.grids else 0

    def render(self) -> RenderResult:
        return self._text(self.content_size.width) if self.grids else ""
