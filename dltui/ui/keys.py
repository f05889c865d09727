"""Keys handled one at a time, in the order they came, however fast they arrive.

Textual hands each key read from the terminal to the widget focused *when it is read*. A burst (a
paste, a slow SSH link, tmux's send-keys) is read in one go, so when its first key moves the focus
(a quiz digit opening the answer box, `t` showing the lab) the keys behind it go to the old widget
and are lost. `InOrderKeys` hands out the next key only once the previous one has been dealt with:
a `KeyHandled` marker posted right behind the key goes up the same path, so it reaches the app
after the key's bindings have run there (or after a widget on the way consumed the key).

From the first key of a burst to the frame that shows the last, the app is `input_busy`: a lesson
lets its lab's free run rest meanwhile, so the UI thread has the interpreter to itself.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Coroutine
from time import monotonic
from typing import Any

from textual import events
from textual.app import App
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget

WATCHDOG = 0.5
"""Seconds between checks that the widget holding a key still exists (its marker dies with it)."""


class KeyHandled(Message):
    """Follows a key up the DOM; when it reaches the app, the key is done with."""


class InOrderKeys(App):
    """An App whose keys and pastes are dispatched strictly one after the other."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pending_keys: deque[events.Key | events.Paste] = deque()
        self._key_holder: Widget | None = None
        self._watchdog: Timer | None = None
        self.last_input = 0.0
        """When (`time.monotonic`) the last key or paste arrived."""

    @property
    def keys_waiting(self) -> bool:
        """A key is being dealt with or waits its turn: a frame drawn now would only delay it."""
        return self._key_holder is not None or bool(self._pending_keys)

    def _post_message(self, message: Message) -> Coroutine[Any, Any, bool]:
        """The terminal driver's input thread hands every key over here (`Driver.send_message`), before the event
        loop has its turn to dispatch it: `input_arriving` is told there and then."""
        if isinstance(message, (events.Key, events.Paste)):
            self.input_arriving()
        return super()._post_message(message)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self.last_input = monotonic()
            self.input_busy()
            self._pending_keys.append(event)
            await self._dispatch_keys()
        else:
            await super().on_event(event)

    async def _dispatch_keys(self) -> None:
        while self._pending_keys and self._key_holder is None:
            if not self.screen.is_mounted:  # a screen just pushed: its focus is set when it mounts
                self.set_timer(0.01, self._dispatch_keys)
                return
            await super().on_event(self._pending_keys.popleft())
            self._key_holder = self.focused or self.screen
            marker = KeyHandled()
            marker.set_sender(self)  # bubbling stops at the app
            self._key_holder.post_message(marker)
            if self._watchdog is None:  # one timer for the app's life, not one per key
                self._watchdog = self.set_interval(WATCHDOG, self._watch)

    async def on_key_handled(self, message: KeyHandled) -> None:
        message.stop()
        self._key_holder = None
        await self._dispatch_keys()
        self._settle()

    def _settle(self) -> None:
        if not self.keys_waiting:
            self.call_after_refresh(lambda: self.keys_waiting or self.input_settled())

    def input_arriving(self) -> None:
        """A key is on its way (called on the driver's input thread: touch nothing only the UI thread may)."""

    def input_busy(self) -> None:
        """A key arrived: from now until `input_settled`, the UI has work to do."""

    def input_settled(self) -> None:
        """The last key of a burst has been dealt with and the frame after it painted."""

    async def _watch(self) -> None:
        """A widget removed with the marker still in its queue would hold the keys back for good."""
        if self._key_holder is not None and not self._key_holder.is_attached:
            self._key_holder = None
            await self._dispatch_keys()
            self._settle()
