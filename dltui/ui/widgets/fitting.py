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

    def fit(self, snapshot: Any) -> None:
        """Remember what is drawn, and for which size."""
        self._fitted_snapshot, self._fitted_size = snapshot, self.region.size

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
