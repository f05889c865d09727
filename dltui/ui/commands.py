"""The command palette: open any lesson from anywhere, and run whatever the current screen's keys do.

Lesson titles and summaries are a teacher's text: the palette shows them as written, never as markup.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from dltui.i18n import _

PALETTE_ACTIONS = {"command_palette", "app.command_palette"}


class DltuiCommands(Provider):
    """Commands depend on the screen: its enabled bindings become commands, lessons are always there."""

    def _commands(self) -> Iterator[tuple[str, Callable, str]]:
        app = self.app
        for lesson in app.lessons:
            yield _("Open lesson {number}: {title}").format(number=lesson.order, title=lesson.title), partial(app.open_lesson, lesson), lesson.summary
        seen = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            description = _(binding.description)
            if (active.enabled and description and binding.action not in PALETTE_ACTIONS
                    and active.node in (self.screen, app) and description not in seen):
                seen.add(description)  # one command per thing done, however many keys do it (1-9)
                yield (description, partial(app.run_action, binding.action, active.node),
                       _("key: {key}").format(key=app.get_key_display(binding)))

    async def discover(self) -> Hits:
        for name, command, help in self._commands():
            yield DiscoveryHit(Content(name), command, text=name, help=Content(help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help in self._commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(escape(name)), command, text=name, help=Content(help))
