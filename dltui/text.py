"""Untrusted text made safe to show: lesson files, learners' answers, user names and paths.

A control character that reaches a terminal is a command, not text (ESC ] 52 sets the clipboard,
ESC ] 2 renames the window, CSI moves the cursor), so everything printed or drawn passes through
`printable`, which writes each control character out as Python does (`\\x1b`), visibly and
unambiguously. Newline and tab are text and stay. Width is measured in terminal cells, with the
standard library only, so lessons.py need not import Rich.
"""

from __future__ import annotations

import re
import unicodedata

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 but tab and newline, DEL, C1
ECHO_CELLS = 60  # a refused value is echoed at most this wide


def printable(text: str) -> str:
    """`text` with each control character written out as `\\x1b`."""
    return CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def cells(text: str) -> int:
    """Terminal cells `text` takes: wide (CJK) characters two, combining marks none."""
    return sum(0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
               for char in text)


def left(text: str, width: int) -> str:
    """`text`, then spaces to `width` cells: a column of a table that Chinese labels keep aligned."""
    return text + " " * max(width - cells(text), 0)


def right(text: str, width: int) -> str:
    """Spaces, then `text`, to `width` cells."""
    return " " * max(width - cells(text), 0) + text


def shorten(text: str, width: int = ECHO_CELLS) -> str:
    """`text` cut to `width` cells, with … where it was cut."""
    if cells(text) <= width:
        return text
    kept, used = [], 1
    for char in text:
        used += cells(char)
        if used > width:
            break
        kept.append(char)
    return "".join(kept) + "…"


def echo(value: object) -> str:
    """A value quoted for a message: its repr (control characters escaped), cut short."""
    return shorten(repr(value))
