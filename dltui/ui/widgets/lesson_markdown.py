"""Markdown as lesson files write it: the lesson pane, quiz prompts and explanations.

Rich's Markdown reads raw HTML and then drops it, so a lesson's `<pad>` token vanished from the
screen. Here HTML is never read: `<pad>` shows as typed, and so does anything else in angle brackets.
Rich markup (`[b]`, `[/]`) is not read in Markdown either: lesson text is data, never markup.

A line break inside a paragraph is a space in English and nothing in Chinese: a hard-wrapped Chinese
paragraph read "能画出 几条直线". A break between two wide (CJK) characters joins them. And Chinese has no
spaces to wrap at: Rich moved a whole sentence to the next line and left "按九次" alone on its own. A
paragraph with wide characters wraps between any two of them instead, keeps a Latin word whole, and
never starts a line with closing punctuation (，。）…) nor ends one with opening punctuation (（“…).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Markdown, Paragraph
from rich.text import Lines

PARSER = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").enable("table")
"""Rich's own parser (CommonMark, strikethrough, tables) with raw HTML switched off."""


NO_LINE_START = set("，。、；：？！）」』》〉】〕”’…％,.;:?!)]}%")
NO_LINE_END = set("（「『《〈【〔“‘([{")


def break_offsets(text: str, width: int) -> list[int]:
    """Where to break `text` into lines of at most `width` cells: between wide characters, between Latin
    words, never before closing or after opening punctuation; a piece wider than a line is cut where it must."""
    pieces: list[list[int]] = []  # [start, end) of each unbreakable piece, trailing spaces included
    for k, char in enumerate(text):
        previous = text[k - 1] if k else ""
        glued = (not pieces or char.isspace() or char in NO_LINE_START or previous in NO_LINE_END
                 or (not _wide(char) and previous and not _wide(previous) and not previous.isspace()))
        if glued and pieces:
            pieces[-1][1] = k + 1
        else:
            pieces.append([k, k + 1])
    offsets, used = [], 0
    for start, end in pieces:
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


class WideParagraph(Paragraph):
    """A paragraph that wraps Chinese between characters (`break_offsets`); other text as Rich wraps it."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not any(_wide(char) for char in self.text.plain):
            yield from super().__rich_console__(console, options)
            return
        width, lines = options.max_width, Lines()
        for line in self.text.split(allow_blank=True):
            pieces = line.divide(break_offsets(line.plain, width))
            for piece in pieces:
                piece.rstrip_end(width)
            lines.extend(pieces)
        lines.justify(console, width, justify=self.justify, overflow="fold")
        yield from lines


class LessonMarkdown(Markdown):
    """A Rich Markdown renderable whose text shows angle brackets as written and wraps Chinese as Chinese."""

    elements = {**Markdown.elements, "paragraph_open": WideParagraph}

    def __init__(self, markup: str, **options: Any) -> None:
        super().__init__("", **options)
        self.markup, self.parsed = markup, join_wide_breaks(PARSER.parse(markup))


def join_wide_breaks(tokens: list[Token]) -> list[Token]:
    """`tokens` with each soft line break between two wide characters made empty text."""
    for token in tokens:
        inline = token.children or []
        for k, child in enumerate(inline):
            if child.type == "softbreak" and _wide(_edge(reversed(inline[:k]), -1)) and _wide(_edge(inline[k + 1:], 0)):
                inline[k] = Token("text", "", 0, content="")
    return tokens


def _edge(tokens: Any, end: int) -> str:
    """The last (end −1) or first (end 0) character of the nearest token with text, or ""."""
    return next((t.content[end] for t in tokens if t.content), "")


def _wide(char: str) -> bool:
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F")
