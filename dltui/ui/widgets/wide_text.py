"""Text that wraps Chinese as Chinese: between any two wide characters, never splitting a Latin word, never
starting a line with closing punctuation (，。）…) nor ending one with opening punctuation (（“…).

Rich wraps only at spaces, and Chinese has none: a sentence jumped whole to the next line and left "按九次"
alone on its own, and a summary in the lesson list was cut with "…" where the next character would have
fit. Text without wide characters is left to Rich, so English reads exactly as it did.
"""

from __future__ import annotations

import unicodedata

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Lines, Text

NO_LINE_START = set("，。、；：？！）」』》〉】〕”’…％,.;:?!)]}%")
NO_LINE_END = set("（「『《〈【〔“‘([{")


def pieces(text: str) -> list[tuple[int, int]]:
    """The [start, end) of each piece no line break may split, its trailing spaces included: a wide character
    with the closing punctuation after it, a Latin word, an opening bracket with what follows it."""
    found: list[list[int]] = []
    for k, char in enumerate(text):
        previous = text[k - 1] if k else ""
        glued = (char.isspace() or char in NO_LINE_START or previous in NO_LINE_END
                 or (not wide(char) and previous and not wide(previous) and not previous.isspace()))
        if glued and found:
            found[-1][1] = k + 1
        else:
            found.append([k, k + 1])
    return [(start, end) for start, end in found]


def break_offsets(text: str, width: int) -> list[int]:
    """Where to break `text` into lines of at most `width` cells, between pieces (a piece wider than a line
    is cut where it must)."""
    offsets, used = [], 0
    for start, end in pieces(text):
        size = cell_len(text[start:end].rstrip())
        if used and used + size > width:
            offsets.append(start)
            used = 0
        while size > width:  # a piece no line holds: cut it at the width
            cut = start + len(chop_cells(text[start:end], width)[0])
            offsets.append(cut)
            start, size = cut, cell_len(text[cut:end].rstrip())
        used += cell_len(text[start:end])
    return offsets


def wide(char: str) -> bool:
    """A character two cells wide: CJK ideographs, kana, full-width punctuation."""
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F")


class WideText:
    """A Rich renderable: `text` wrapped by `break_offsets` when it holds wide characters, by Rich otherwise."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not any(map(wide, self.text.plain)):
            yield self.text
            return
        yield from wrap(console, self.text, options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        plain = self.text.plain
        if not any(map(wide, plain)):
            return Measurement.get(console, options, self.text)
        narrowest = max((cell_len(plain[a:b].rstrip()) for a, b in pieces(plain)), default=0)
        widest = max(map(cell_len, plain.split("\n")))
        return Measurement(narrowest, widest).clamp(max_width=options.max_width)


def wrap(console: Console, text: Text, width: int) -> Lines:
    """`text` as lines of at most `width` cells: Chinese between characters, the rest as Rich wraps it."""
    if not any(map(wide, text.plain)):
        return text.wrap(console, width, justify=text.justify or "left", overflow="fold")
    lines = Lines()
    for line in text.split(allow_blank=True):
        pieces = line.divide(break_offsets(line.plain, width))
        for piece in pieces:
            piece.rstrip_end(width)
        lines.extend(pieces)
    lines.justify(console, width, justify=text.justify or "left", overflow="fold")
    return lines
