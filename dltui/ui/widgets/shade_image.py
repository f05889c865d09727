"""Small images (kernels, feature maps, digits) as text: one shade glyph per cell, no colour needed.

Each cell is drawn `width` glyphs wide (2 makes cells roughly square in a terminal). Values are
placed between `low` (blank) and `high` (█); the glyph alone carries the value, so the picture
reads the same under NO_COLOR.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from .glyphs import SHADES


def shade(values: np.ndarray, low: float | None = None, high: float | None = None, width: int = 2,
          marks: set[tuple[int, int]] = frozenset(), mark_style: str = "reverse", blank: str = " ") -> Text:
    """The 2-D array as lines of shade glyphs; `marks` are cells drawn in `mark_style`; `blank` is
    the lowest level's glyph (a dot shows where an empty canvas is)."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if low is None:
        low = float(finite.min()) if finite.size else 0.0
    if high is None:
        high = float(finite.max()) if finite.size else 1.0
    span = high - low or 1.0
    levels = np.clip(np.round(4 * (np.nan_to_num(values, nan=low, neginf=low, posinf=high) - low) / span), 0, 4).astype(int)
    text = Text(no_wrap=True, overflow="crop")
    for i, row in enumerate(levels):
        if i:
            text.append("\n")
        for j, level in enumerate(row):
            glyph = blank if level == 0 else SHADES[level]
            text.append(glyph * width, mark_style if (i, j) in marks else "")
    return text


def titled(block: Text, title: str) -> Text:
    """`block` under a bold title line."""
    out = Text(title, "bold", no_wrap=True, overflow="crop")
    out.append("\n")
    out.append_text(block)
    return out


def beside(blocks: list[Text], gap: int = 2) -> Text:
    """Blocks of lines next to each other, top-aligned, each padded to its own widest line."""
    lines = [b.split("\n") for b in blocks]
    widths = [max((line.cell_len for line in ls), default=0) for ls in lines]
    out = Text(no_wrap=True, overflow="crop")
    for r in range(max((len(ls) for ls in lines), default=0)):
        if r:
            out.append("\n")
        for k, (ls, w) in enumerate(zip(lines, widths)):
            if k:
                out.append(" " * gap)
            piece = ls[r] if r < len(ls) else Text("")
            out.append_text(piece)
            out.append(" " * (w - piece.cell_len))
    out.rstrip()
    return out


def flow(blocks: list[Text], width: int, gap: int = 2, row_gap: int = 1) -> Text:
    """Blocks side by side, wrapped into as many rows as `width` cells need, `row_gap` blank lines apart.

    A block wider than `width` gets a row of its own (and is cut at the edge).
    """
    rows: list[list[Text]] = [[]]
    used = 0
    for block in blocks:
        w = max((line.cell_len for line in block.split("\n")), default=0)
        if rows[-1] and used + gap + w > width:
            rows.append([])
        used = (used + gap + w) if rows[-1] else w
        rows[-1].append(block)
    out = Text(no_wrap=True, overflow="crop")
    for r, row in enumerate(rows):
        if r:
            out.append("\n" * (1 + row_gap))
        out.append_text(beside(row, gap))
    return out


def side_by_side(blocks: list[Text], titles: list[str], gap: int = 2) -> Text:
    """Several shade pictures next to each other, each under its title."""
    return beside([titled(b, t) for b, t in zip(blocks, titles)], gap)


def gallery(blocks: list[Text], titles: list[str], width: int, gap: int = 2, row_gap: int = 1) -> Text:
    """Pictures side by side, each under its title, wrapped into as many rows as `width` cells need."""
    return flow([titled(b, t) for b, t in zip(blocks, titles)], width, gap, row_gap)
