"""Helpers for driving the real app with Pilot and reading what a learner would see."""

from __future__ import annotations

import asyncio
import io

import pytest
from rich.console import Console

from dltui.lessons import load_lessons
from dltui.ui.app import DltuiApp


async def settled(pilot) -> None:
    """Wait until the lab runner has done every job the keys so far gave it (a free run excepted) and
    the screen has drawn the result: the learner's view once the keys have taken effect."""
    runner = getattr(pilot.app.screen, "runner", None)
    while runner is not None and runner.busy and not runner.running:
        await asyncio.sleep(0.002)
    await pilot.pause()


async def finished(pilot, timeout: float = 60) -> None:
    """Wait until the lab runner has nothing left to do, a free run included (it was paused or finished)."""
    runner = pilot.app.screen.runner
    for _ in range(int(timeout / 0.002)):
        if not runner.busy:
            break
        await asyncio.sleep(0.002)
    await pilot.pause()


async def read_screen(pilot) -> str:
    """The screen as plain text once pending updates are painted (the same path as export_screenshot)."""
    await settled(pilot)
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
def quick_demonstrations(monkeypatch):
    """Labs whose free run is paced for watching keep their real code path, just without the pause."""
    from dltui.labs import LABS, lab_class

    for name in LABS:
        if lab_class(name).run_pace:
            monkeypatch.setattr(lab_class(name), "run_pace", 0.001)


@pytest.fixture
def make_app(lessons):
    def make(start_lesson: str | None = None, problems=()) -> DltuiApp:
        return DltuiApp(lessons, list(problems), start_lesson)
    return make


@pytest.fixture
def screen_text():
    return read_screen


@pytest.fixture
def settle():
    return settled


@pytest.fixture
def idle():
    return finished
