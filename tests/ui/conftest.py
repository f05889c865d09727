"""Helpers for driving the real app with Pilot and reading what a learner would see."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from dltui.lessons import load_lessons
from dltui.ui.app import DltuiApp
from dltui.ui.screens.lesson import LessonScreen


async def read_screen(pilot) -> str:
    """The screen as plain text once pending updates are painted (the same path as export_screenshot)."""
    await pilot.pause()
    app = pilot.app
    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), record=True,
                      force_terminal=True, color_system="truecolor", legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


@pytest.fixture(scope="session")
def lessons():
    lessons, problems = load_lessons(lang="en")
    assert not problems
    return lessons


@pytest.fixture(autouse=True)
def fast_runs(monkeypatch):
    """Free-running keeps its real code path, just without the pause a learner needs."""
    monkeypatch.setattr(LessonScreen, "RUN_DELAY", 0.001)


@pytest.fixture
def make_app(lessons):
    def make(start_lesson: str | None = None, problems=()) -> DltuiApp:
        return DltuiApp(lessons, list(problems), start_lesson)
    return make


@pytest.fixture
def screen_text():
    return read_screen
