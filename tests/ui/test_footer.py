"""At 80 columns every footer keeps the keys that matter: Quiz, Back and Help (Quit on the lesson list)."""

from __future__ import annotations

from dltui.ui.screens.debugger import DebuggerScreen
from dltui.ui.screens.progress import ProgressScreen
from dltui.ui.screens.quiz import QuizScreen

SIZE = (80, 24)


def footer(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


async def test_every_screen_keeps_back_quiz_and_help_at_80_columns(lessons, make_app, screen_text, settle):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        home = footer(await screen_text(pilot))
        assert all(key in home for key in ("z Quiz", "q Quit", "? Help")), home
        # every lesson's two panes: tests/ui/test_fit.py, on its tour of the labs at 80×24
        app.open_lesson(next(lesson for lesson in lessons if lesson.id == "gan"))
        await settle(pilot)
        app.screen.runner.call("reset", max_rounds=100_000)  # a run that outlasts the look at its footer
        await pilot.press("r", "space")
        line = footer(await screen_text(pilot))
        assert all(key in line for key in ("r Pause", "space Follow", "z Quiz", "q Back", "? Help")), line
        await pilot.press("r")
        app.open_lesson(next(lesson for lesson in lessons if lesson.id == "mlp-backprop"))
        await settle(pilot)
        await pilot.press("d")
        assert isinstance(app.screen, DebuggerScreen)
        line = footer(await screen_text(pilot))
        assert "q Back" in line and "? Help" in line, line
        await pilot.press("q", "z")
        assert isinstance(app.screen, QuizScreen)
        line = footer(await screen_text(pilot))
        assert "q Back" in line and "? Help" in line, line
        await pilot.press("q", "q", "p")
        assert isinstance(app.screen, ProgressScreen)
        assert "q Back" in footer(await screen_text(pilot))


async def test_a_click_on_a_footer_key_presses_it(make_app, settle):
    app = make_app("perceptron")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        span = next(span for span in screen.query_one("KeyFooter")._spans if span[2] == "s")
        await pilot.click("KeyFooter", offset=(span[0], 0))
        await settle(pilot)
        assert screen.lab.snapshot().last is not None
