"""A block of text a view rewrites every frame (numbers, a status line), laid out again only when it must.

`Static.update` asks for a layout of the whole screen each time, in case the text's size changed. While a
lab trains, most frames change digits, not line counts, and a layout of the lesson screen took 10–40 ms of
the UI thread at 80×24 and up to 120 ms at 160×50: the GAN's three readouts made one every frame, and a key
pressed then waited for it. A `Readout` measures the new text at its width and lays out only when its
height changes (or its width depends on its text).
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


class Readout(Static):
    """A `Static` whose `update` lays the screen out only when the new text changes the widget's height."""

    def update(self, content: VisualType = "", *, layout: bool | None = None) -> None:
        """Show `content`; `layout` None: lay out only if the size changes."""
        height = self.content_region.height
        super().update(content, layout=bool(layout))
        if layout is None and self._resizes(height):
            self.refresh(layout=True)

    def _resizes(self, height: int) -> bool:
        width = self.content_region.width
        if not width or (self.styles.width is not None and self.styles.width.is_auto):
            return True  # not laid out yet, or as wide as its text (no width set: as wide as its container)
        if self.styles.height is not None and not self.styles.height.is_auto:
            return False  # a fixed height holds any text
        return self.get_content_height(self.container_size, self.screen.size, width) != height
