"""Pages for a lab view taller than its pane: `v` turns them, and an action can turn to its result.

A page starts at the top of the first section (a direct child of the view) that did not fit whole
on the page before, so a heatmap or a table is never cut in two when it fits on a page at all.
"""

from __future__ import annotations

from textual.containers import ScrollableContainer
from textual.widget import Widget


class Pages:
    """The page starts of one scrollable view, measured after each layout."""

    def __init__(self, view: Widget) -> None:
        self.view = view
        self.starts = [0]

    def measure(self) -> None:
        view = self.view
        if not isinstance(view, ScrollableContainer):
            return
        height, total = view.scrollable_content_region.height, view.virtual_size.height
        sections = [child.virtual_region for child in view.children if child.display]
        starts = [0]
        while height > 0 and starts[-1] + height < total:
            end = starts[-1] + height
            cut = [r.y for r in sections if r.y > starts[-1] and r.bottom > end]
            starts.append(min(min(cut, default=end), end))
        self.starts = starts

    @property
    def count(self) -> int:
        return len(self.starts)

    @property
    def current(self) -> int:
        """The page on screen; scrolled to the bottom is the last page (a short one cannot reach the top)."""
        view = self.view
        if not isinstance(view, ScrollableContainer):
            return 0
        if view.scroll_y >= view.max_scroll_y > 0:
            return self.count - 1
        return max(i for i, start in enumerate(self.starts) if start <= round(view.scroll_y) or i == 0)

    def turn_to(self, page: int) -> None:
        self.view.scroll_to(y=self.starts[page % self.count], animate=False, immediate=True)

    def next(self) -> None:
        self.measure()
        self.turn_to(self.current + 1)

    def reveal(self, selector: str) -> None:
        """Turn to the page where the section matching `selector` starts."""
        self.measure()
        top = next((w.virtual_region.y for w in self.view.query(selector) if w.parent is self.view), None)
        if top is not None:
            self.turn_to(max(i for i, start in enumerate(self.starts) if start <= top or i == 0))
