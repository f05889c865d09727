"""Focus changes that repaint only what they change."""

from __future__ import annotations

from functools import cache

from textual import events
from textual.widget import Widget

_FOCUS_HANDLERS = {"on_focus", "_on_focus", "on_blur", "_on_blur"}


class SteadyFocus:
    """For a widget that looks the same with the focus and without it (something else shows where the focus is).

    Textual's `Widget._on_focus` and `_on_blur` repaint the widget's whole region, and a pane's region holds every
    widget in it: the compositor visits each again (the GAN at 160×50: 20 ms of the 40 a `t` paints). These do the
    rest of what Textual's do. They stop the event, so focus handlers of classes after this one in the MRO do not
    run: put it right after a class that has its own (`steady` checks).
    """

    def _on_focus(self, event: events.Focus) -> None:
        event.prevent_default()
        self.has_focus = True
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self))

    def _on_blur(self, event: events.Blur) -> None:
        event.prevent_default()
        self.has_focus = False
        if self.parent is not None:
            self.parent.post_message(events.DescendantBlur(self))


@cache
def steady(widget_class: type[Widget]) -> type[Widget]:
    """`widget_class` with `SteadyFocus`, under the same name (the CSS type selectors match it); one class per
    widget class."""
    below = widget_class.__mro__[: widget_class.__mro__.index(Widget)]
    if any(_FOCUS_HANDLERS & cls.__dict__.keys() for cls in below):
        raise TypeError(f"{widget_class.__name__} handles focus itself: put SteadyFocus among its bases")
    return type(widget_class.__name__, (SteadyFocus, widget_class), {})
