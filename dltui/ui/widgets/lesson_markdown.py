"""Markdown as lesson files write it: the lesson pane, quiz prompts and explanations.

Rich's Markdown reads raw HTML and then drops it, so a lesson's `<pad>` token vanished from the
screen. Here HTML is never read: `<pad>` shows as typed, and so does anything else in angle brackets.
Rich markup (`[b]`, `[/]`) is not read in Markdown either: lesson text is data, never markup.

A line break inside a paragraph is a space in English and nothing in Chinese: a hard-wrapped Chinese
paragraph read "能画出 几条直线". A break between two wide (CJK) characters joins them, and paragraphs wrap
as `wide_text.WideText` does (Chinese between characters, Rich's own wrapping for the rest).
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Markdown, Paragraph

from .wide_text import WideText, wide

PARSER = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").enable("table")
"""Rich's own parser (CommonMark, strikethrough, tables) with raw HTML switched off."""


class WideParagraph(Paragraph):
    """A paragraph that wraps Chinese as Chinese (`wide_text`); other text as Rich wraps it."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        self.text.justify = self.justify
        yield WideText(self.text)


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
            if child.type == "softbreak" and wide(_edge(reversed(inline[:k]), -1)) and wide(_edge(inline[k + 1:], 0)):
                inline[k] = Token("text", "", 0, content="")
    return tokens


def _edge(tokens: Any, end: int) -> str:
    """The last (end −1) or first (end 0) character of the nearest token with text, or ""."""
    return next((t.content[end] for t in tokens if t.content), "")

