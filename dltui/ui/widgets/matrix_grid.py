"""A labelled matrix drawn as text: a shade glyph and the number in every cell.

The glyph ( ░▒▓█) and the number carry the value by themselves, so the grid reads the same
without color (NO_COLOR, monochrome terminals); the background tint only adds to them.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from dltui.labs.attention import Heatmap

SHADES = " ░▒▓█"


def short(value: float) -> str:
    """A number in at most four characters: .25, −.43, 1.0, −2.1, 12, 1e2, −∞, · for not yet computed."""
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
        text = f"{value:.0e}".replace("e+0", "e")
    return text.replace("-", "−")


def number(value: float) -> str:
    """Four decimals with a real minus sign: the precision the lessons' questions ask for."""
    return f"{value + 0.0:.4f}".replace("-", "−")


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


class MatrixGrid(Widget):
    """One `Heatmap` from a lab snapshot: title, column labels, then a row label and cells per row.

    Shades run from `low` (blank) to `high` (█), after the number, by default the matrix's finite range. Columns
    past `max_cols` are left out and counted in the title. `marks` are (row, col) cells drawn
    emphasised; `focus` is a row marked with ▸.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "matrix-grid--title", "matrix-grid--label", "matrix-grid--mark", "matrix-grid--blocked",
        "matrix-grid--level-1", "matrix-grid--level-2", "matrix-grid--level-3", "matrix-grid--level-4",
    }
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
        & > .matrix-grid--title { text-style: bold; }
        & > .matrix-grid--label { color: $text-muted; }
        & > .matrix-grid--mark { text-style: bold underline; }
        & > .matrix-grid--blocked { color: $text-disabled; }
        & > .matrix-grid--level-1 { background: $accent 15%; }
        & > .matrix-grid--level-2 { background: $accent 35%; }
        & > .matrix-grid--level-3 { background: $accent 55%; }
        & > .matrix-grid--level-4 { background: $accent 80%; }
    }
    """

    def __init__(self, *, max_cols: int = 8, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.max_cols = max_cols
        self.heatmap: Heatmap | None = None
        self.low: float | None = None
        self.high: float | None = None
        self.marks: frozenset[tuple[int, int]] = frozenset()
        self.focus: int | None = None

    def show(self, heatmap: Heatmap, *, low: float | None = None, high: float | None = None,
             marks: frozenset[tuple[int, int]] | set[tuple[int, int]] = frozenset(), focus: int | None = None) -> None:
        self.heatmap, self.low, self.high, self.marks, self.focus = heatmap, low, high, frozenset(marks), focus
        self.refresh(layout=True)

    def render(self) -> RenderResult:
        if self.heatmap is None:
            return ""
        h = self.heatmap
        values = np.asarray(h.values, dtype=float)
        shown = min(values.shape[1], self.max_cols)
        finite = values[np.isfinite(values)]
        low = self.low if self.low is not None else (float(finite.min()) if finite.size else 0.0)
        high = self.high if self.high is not None else (float(finite.max()) if finite.size else 1.0)
        span = high - low or 1.0
        style = self.get_component_rich_style
        label, mark, blocked = style("matrix-grid--label"), style("matrix-grid--mark"), style("matrix-grid--blocked")
        levels = [None] + [style(f"matrix-grid--level-{k}") for k in range(1, 5)]
        pad = max((len(r) for r in h.rows), default=0) + 2
        hidden = values.shape[1] - shown
        text = Text(no_wrap=True, overflow="crop")
        text.append(h.title + (f"  (+{hidden} columns)" if hidden else ""), style("matrix-grid--title"))
        text.append("\n" + " " * pad + "".join(f" {c[:4]:>4} " for c in h.cols[:shown]), label)
        for i, row_label in enumerate(h.rows):
            text.append("\n")
            text.append(f"{'▸' if i == self.focus else ' '}{row_label:<{pad - 1}}", mark if i == self.focus else label)
            for j in range(shown):
                value = float(values[i, j])
                text.append(" ")
                if math.isnan(value) or math.isinf(value):
                    text.append(f"{short(value):>4} ", blocked)
                    continue
                level = min(max(round(4 * (value - low) / span), 0), 4)
                cell = Text(f"{short(value):>4}{SHADES[level]}", levels[level] or "")
                if (i, j) in self.marks:
                    cell.stylize(mark)
                text.append_text(cell)
        return text
