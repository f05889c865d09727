"""A block of text a view rewrites every frame (numbers, a status line), laid out again only when it must.

`Static.update` asks for a layout of the whole screen each time, in case the text's size changed. While a
lab trains, most frames change digits, not line counts, and a layout of the lesson screen took 10–40 ms of
the UI thread at 80×24 and up to 120 ms at 160×50: the GAN's three readouts made one every frame, and a key
pressed then waited for it. A `Readout` measures the new text at its width and lays out only when its
height changes (or, where it is as wide as its text, its width).

Text with Chinese in it is wrapped as Chinese (`WideText`): Rich and Textual break lines only at spaces, so a
status line broke after "第" and left the rest of the sentence on the next line. `text` keeps what was shown.
"""

from __future__ import annotations

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static

from .wide_text import WideText, wide


def chinese_wrapped(content: VisualType) -> VisualType:
    """`content` as `WideText` where it holds wide characters; as it is otherwise (English renders as before)."""
    if isinstance(content, (str, Text)) and any(map(wide, str(content))):
        return WideText(Text(content) if isinstance(content, str) else content)
    return content


def same_text(a: object, b: object) -> bool:
    """Whether two strings or Rich Texts show the same: Rich's `==` compares the characters and spans, not the
    Text's own style (a status turning red with the same words would have stayed as it was)."""
    if type(a) is not type(b) or a != b:
        return False
    if isinstance(a, Text):
        return (a.style, a.justify, a.overflow, a.no_wrap, a.end) == (b.style, b.justify, b.overflow, b.no_wrap, b.end)
    return isinstance(a, str)


class Readout(Static):
    """A `Static` whose `update` lays the screen out only when the new text changes the widget's height."""

    def __init__(self, content: VisualType = "", **options) -> None:
        super().__init__(chinese_wrapped(content), **options)
        self.text = content

    def update(self, content: VisualType = "", *, layout: bool | None = None) -> None:
        """Show `content`; `layout` None: lay out only if the size changes. Text equal to what is shown (a new
        object: one changed in place is shown again) changes nothing: most of a picture stays as it was when
        one part of it moves (draw-a-digit's cursor: 4 of its 6 readouts), and each one redrawn costs render time."""
        if layout is None and content is not self.text and same_text(content, self.text):
            return
        height = self.content_region.height
        self.text = content
        super().update(chinese_wrapped(content), layout=bool(layout))
        if layout is None and self._resizes(height):
            self.refresh(layout=True)

    def _resizes(self, height: int) -> bool:
        width = self.content_region.width
        if not width:
            return True  # not laid out yet
        if self.styles.width is not None and self.styles.width.is_auto:  # as wide as its text (unset: as its container)
            if self.get_content_width(self.container_size, self.screen.size) != width:
                return True
        if self.styles.height is not None and not self.styles.height.is_auto:
            return False  # a fixed height holds any text
        return self.get_content_height(self.container_size, self.screen.size, width) != height
