"""What a lab view uses to fit the pane it gets: at 80×24 the lab has about 76×19 cells.

A view lists its `ESSENTIAL` widgets (on screen whole on its first page) and its `SHOWS` sections
(where an action's result lands); a view whose pictures depend on its size mixes in `Fitted`.
"""

from __future__ import annotations

from typing import Any

SHORT = 30
"""A pane with fewer rows than this is short (an 80×24 terminal gives the lab about 19): tall
pictures are drawn smaller there."""

SCROLLBAR = 2
"""Columns a view keeps for its scrollbar when it lays text out, so the text fits with or without one."""


class Fitted:
    """Mixin for a lab view that draws to the size it gets.

    `show` calls `self.fit(snapshot)` first; when the view's size changes, the last snapshot is drawn
    again, so a picture chosen for a short pane grows when the terminal does (and shrinks back).
    """

    _fitted_snapshot: Any = None
    _fitted_size: Any = None
    _resized = True  # the size changed since the last `show`: every section is drawn for the new one
    _stale = False  # a section out of view was left as it was by the last `show`

    def fit(self, snapshot: Any) -> None:
        """Remember what is drawn, and for which size."""
        self._resized = self.region.size != self._fitted_size
        self._fitted_snapshot, self._fitted_size, self._stale = snapshot, self.region.size, False

    def in_view(self, *selectors: str) -> bool:
        """Whether a section (a child of the view) matching one of `selectors` is at least partly on screen; a view
        may leave the others as they are while it trains, and they are drawn when scrolled into view. LeNet's
        pictures under its first page took 8 ms of a frame's 10 ms of drawing. Everything counts as in view before
        the first layout, after a resize and for a section not laid out yet, so every section has the height of what it
        shows at this size."""
        height = self.scrollable_content_region.height
        if self._resized or not height:
            return True
        top = round(self.scroll_y)
        for selector in selectors:
            for section in self.query_children(selector):
                where = section.virtual_region  # empty where not laid out yet (just shown): drawn, to get its height
                if not where.height or (top < where.bottom and where.y < top + height):
                    return True
        self._stale = True
        return False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._stale:
            self.show(self._fitted_snapshot)

    @property
    def short(self) -> bool:
        """The pane is short (or not laid out yet): draw the compact pictures."""
        return self.region.height < SHORT

    @property
    def room(self) -> int:
        """Columns for text: the view's width less its padding and a scrollbar (at least 40)."""
        return max(self.region.width - self.styles.gutter.width - SCROLLBAR, 40)

    def on_resize(self) -> None:
        if self._fitted_snapshot is not None and self.region.size != self._fitted_size:
            self.show(self._fitted_snapshot)
