"""Every lab fits the lesson screen (issue 14, §3), and every lesson opens cleanly.

Each view marks the widgets a learner must see without pressing anything (`ESSENTIAL`) and the
section where an action's result lands when that may be a later page (`SHOWS`). For every bundled
lesson, at 80×24 (the lab pane after `t`) and at 160×50 (text and lab side by side): after the lab's
first key every essential widget is whole on screen, inside the view, on its first page; and each
SHOWS action, once done, leaves its section whole on screen. The same tour checks what every lesson
must do at 80 columns: open without an error, and keep Quiz, Back and Help in the footer on both panes.
"""

from __future__ import annotations

import re

import pytest
from textual.widget import Widget

from dltui.labs import LABS, lab_class
from dltui.ui.app import DltuiApp
from dltui.ui.screens.lesson import LessonScreen
from dltui.ui.views import VIEWS, view_class

SIZES = [(80, 24), (160, 50)]
HYPHEN_MINUS = re.compile(r"(?<![\w.])-\d[\d.]*")
"""A hyphen used as a minus sign: before a digit, not inside a word or a name (2-4-1, seq2seq-1)."""
QUICK = {"mlp": {"restart_count": 2, "epochs": 300}}
"""Settings that make a lab's SHOWS actions quick (the MLP's seed comparison trains every seed)."""


def unseen(view: Widget, widget: Widget) -> str | None:
    """Why `widget` is not whole on screen inside `view` (None when it is)."""
    if not all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget)):
        return "not displayed"
    geometry = view.screen.find_widget(widget)
    region = geometry.region
    if region.size != widget.outer_size:
        return f"clipped: region {region.size} but the widget is {widget.outer_size}"
    if not view.screen.region.contains_region(region):
        return f"off the screen: {region}"
    if not view.region.contains_region(region):
        return f"outside the view {view.region}: {region}"
    if geometry.visible_region != region:
        return f"partly scrolled away: {geometry.visible_region} of {region}"
    return None


async def open_lab(app: DltuiApp, pilot, lesson, settle) -> LessonScreen:
    """The lesson as a learner opens it: the lab on screen (`t` in the narrow layout), its first key pressed."""
    app.open_lesson(lesson)
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LessonScreen) and screen.lesson.id == lesson.id
    if screen.narrow:
        await pilot.press("t")
    await pilot.press(screen.lab.actions[0].key)
    await settle(pilot)
    await pilot.pause()  # a view that draws to its size draws again once laid out
    return screen


def test_every_view_declares_its_essentials_and_where_actions_show():
    assert set(VIEWS) == set(LABS), "every lab has a view"
    for name in VIEWS:
        view, lab = view_class(name), lab_class(name)
        assert isinstance(view.ESSENTIAL, tuple) and view.ESSENTIAL, name
        assert isinstance(view.SHOWS, dict), name
        assert set(view.SHOWS) <= {action.name for action in lab.actions}, (name, view.SHOWS)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: "{}x{}".format(*size))
async def test_every_lab_shows_its_essentials_whole_on_its_first_page(lessons, settle, screen_text, size):
    app = DltuiApp(lessons)
    async with app.run_test(size=size) as pilot:
        problems = []
        for lesson in lessons:
            screen = await open_lab(app, pilot, lesson, settle)
            view = screen.view
            assert round(view.scroll_y) == 0, (lesson.id, "the first key turned the page")
            for selector in view.ESSENTIAL:
                widgets = list(view.query(selector))
                assert widgets, (lesson.id, selector, "matches nothing")
                problems += [(lesson.id, selector, why) for w in widgets if (why := unseen(view, w))]
            errors = [n.message for n in app._notifications if n.severity == "error"]
            assert not errors, (lesson.id, errors)
            if screen.narrow:  # the lab pane, then the text pane: the footer keeps the keys that leave
                for pane in ("lab", "text"):
                    text = await screen_text(pilot)
                    footer = text.rstrip("\n").splitlines()[-1]
                    assert all(key in footer for key in ("z Quiz", "q Back", "? Help")), (lesson.id, pane, footer)
                    assert pane == "text" or screen.lab.actions[0].description in text, (lesson.id, "first key")
                    if pane == "lab":  # numbers carry a true minus, as the charts write them (−0.5, not -0.5)
                        assert not HYPHEN_MINUS.findall(text), (lesson.id, HYPHEN_MINUS.findall(text))
                    await pilot.press("t")
            await pilot.press("q")
        assert not problems, problems


@pytest.mark.parametrize("size", SIZES, ids=lambda size: "{}x{}".format(*size))
async def test_an_action_turns_to_the_section_where_its_result_shows(lessons, settle, idle, size):
    app = DltuiApp(lessons)
    async with app.run_test(size=size) as pilot:
        for lesson in (lesson for lesson in lessons if view_class(lesson.lab).SHOWS):
            screen = await open_lab(app, pilot, lesson, settle)
            if quick := QUICK.get(lesson.lab):
                screen.runner.call("reset", **quick)
                await settle(pilot)
            keys = {action.name: action.key for action in screen.lab.actions}
            for action, selector in screen.view.SHOWS.items():
                await pilot.press(keys[action])
                await idle(pilot)
                await settle(pilot)
                await pilot.pause()
                section = screen.view.query_one(selector)
                assert section.parent is screen.view, (lesson.id, selector, "is not a section of the view")
                assert (why := unseen(screen.view, section)) is None, (lesson.id, action, selector, why)
            await pilot.press("q")
