"""Markdown as lesson files write it: the lesson pane, quiz prompts and explanations.

Rich's Markdown reads raw HTML and then drops it, so a lesson's `<pad>` token vanished from the
screen. Here HTML is never read: `<pad>` shows as typed, and so does anything else in angle brackets.
Rich markup (`[b]`, `[/]`) is not read in Markdown either: lesson text is data, never markup.
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from rich.markdown import Markdown

PARSER = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").enable("table")
"""Rich's own parser (CommonMark, strikethrough, tables) with raw HTML switched off."""


class LessonMarkdown(Markdown):
    """A Rich Markdown renderable whose text shows angle brackets as written."""

    def __init__(self, markup: str, **options: Any) -> None:
        super().__init__("", **options)
        self.markup, self.parsed = markup, PARSER.parse(markup)
