"""Small images (kernels, feature maps, digits) as text: one shade glyph per cell, no colour needed.

Each cell is drawn `width` glyphs wide (2 makes cells roughly square in a terminal). Values are
placed between `low` (blank) and `high` (█); the glyph alone carries the value, so the picture
reads the same under NO_COLOR.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

SHADES = " ░▒▓█"


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


def side_by_side(blocks: list[Text], titles: list[str], gap: int = 2) -> Text:
    """Several shade pictures next to each other, each under its title."""
    lines = [b.split("\n") for b in blocks]
    widths = [max(max((l.cell_len for l in ls), default=0), len(t)) for ls, t in zip(lines, titles)]
    out = Text(no_wrap=True, overflow="crop")
    out.append((" " * gap).join(f"{t:<{w}}" for t, w in zip(titles, widths)), "bold")
    for r in range(max(len(ls) for ls in lines)):
        out.append("\n")
        for k, (ls, w) in enumerate(zip(lines, widths)):
            if k:
                out.append(" " * gap)
            piece = ls[r] if r < len(ls) else Text("")
            out.append_text(piece)
            out.append(" " * (w - piece.cell_len))
    return out


def gallery(blocks: list[Text], titles: list[str], width: int, gap: int = 2) -> Text:
    """Pictures side by side, wrapped into as many rows as `width` cells need."""
    rows: list[list[int]] = [[]]
    used = 0
    for k, (block, title) in enumerate(zip(blocks, titles)):
        w = max(max(line.cell_len for line in block.split("\n")), len(title)) + gap
        if rows[-1] and used + w > width + gap:
            rows.append([])
            used = 0
        rows[-1].append(k)
        used += w
    out = Text(no_wrap=True, overflow="crop")
    for r, row in enumerate(rows):
        if r:
            out.append("\n\n")
        out.append_text(side_by_side([blocks[k] for k in row], [titles[k] for k in row], gap))
    return out
