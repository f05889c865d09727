"""Quizzes and progress driven by real key presses: answers land in a temporary progress database."""

from __future__ import annotations

from pathlib import Path

import pytest

from dltui.lessons import Lesson, Question
from dltui.progress import Progress
from dltui.ui.app import DltuiApp
from dltui.ui.screens.help import HelpScreen
from dltui.ui.screens.home import HomeScreen
from dltui.ui.screens.lesson import LessonScreen
from dltui.ui.screens.progress import ProgressScreen
from dltui.ui.screens.quiz import QuizScreen

SIZE = (80, 24)

UNIT_LESSON = Lesson(
    id="units", title="Counting epochs", order=1, summary="One numeric question with a unit", lab="mp_neuron",
    body="", path=Path("01-units.md"),
    quiz=(Question(id="epochs", kind="numeric", prompt="How many epochs until it converges?",
                   explanation="It converges after the third pass.", answer=3, unit="epochs"),),
)


@pytest.fixture
def progress(tmp_path):
    with Progress.open(tmp_path / "data", "learner") as progress:
        yield progress


async def answered(pilot) -> None:
    """Wait for the answer's write to commit and the screen to say so."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_quiz_from_home_records_right_and_wrong_answers(lessons, progress, screen_text):
    app = DltuiApp(lessons, progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z")
        assert isinstance(app.screen, QuizScreen) and app.screen.lesson.id == "mp-neuron"
        await pilot.press("1", "enter")  # numeric: w1 + w2 = 1.0
        await answered(pilot)
        text = await screen_text(pilot)
        assert "✓ Right" in text and "Expected: 1 ± 0.001" in text and "Recorded" in text
        await pilot.press("n", "1", "enter")  # choice: 1 is wrong, 3 is right
        await answered(pilot)
        text = await screen_text(pilot)
        assert "✗ Wrong" in text and "Expected: 3." in text and "includes equality" in text
        await pilot.press("end")  # the rest of a long explanation, scrolled into view
        assert "Recorded" in await screen_text(pilot)
        await pilot.press("r", "3", "enter")
        await answered(pilot)
        assert "✓ Right · attempt 2" in await screen_text(pilot)
        rows = progress.export_rows()
        assert [(r["question"], r["given"], r["correct"], r["attempt"]) for r in rows] == [
            ("weighted-sum", "1", True, 1), ("tie", "1", False, 1), ("tie", "3", True, 2)]
        await pilot.press("q")
        assert isinstance(app.screen, HomeScreen)
        text = await screen_text(pilot)
        assert "◐ in progress" in text and "quiz 1/10 · best 2/10" in text
        await pilot.press("p")
        assert isinstance(app.screen, ProgressScreen)
        text = await screen_text(pilot)
        assert "Lessons started  1 of" in text and "Answers          3 to 2 questions" in text
        assert "First attempt    1 of 2 right (50%)" in text and "1. The MP neuron: 1 of 2 right" in text


async def test_quiz_from_the_lesson_screen_and_the_lab_settings_come_back(lessons, progress):
    app = DltuiApp(lessons, progress=progress, start_lesson="perceptron")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z")
        assert isinstance(app.screen, QuizScreen) and app.screen.lesson.id == "perceptron"
        await pilot.press("q")
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("t", "down", "right")  # the lab, learning rate one step up
        changed = app.screen.lab.params["lr"]
        assert changed != 1.0
        await pilot.press("q", "down", "enter")
        assert isinstance(app.screen, LessonScreen) and app.screen.lab.params["lr"] == changed
    assert progress.lessons()["perceptron"].state == "in progress"


async def test_bad_input_is_a_message_and_digits_toggle_choices(lessons, progress, screen_text):
    app = DltuiApp(lessons, progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", "tab", *"abc", "enter")  # tab: into the answer box, where letters type
        text = await screen_text(pilot)
        assert "Not an answer: type a number" in text and "✓" not in text and "✗" not in text
        await answered(pilot)
        assert progress.export_rows() == []
        await pilot.press("escape", *"nnnn")  # out of the answer box, on to the multiple-select question
        assert app.screen.posed.kind == "multi"
        await pilot.press("1", "3", "3", "2", "7", "enter")  # toggles to 1, 2, 7: no choice 7
        assert "Not an answer: there is no choice 7" in await screen_text(pilot)
        await pilot.press("7", "enter")
        await answered(pilot)
        text = await screen_text(pilot)
        assert "[x] 1." in text and "[x] 2." in text and "✓ Right · attempt 1 · you answered 1, 2" in text
        assert [row["given"] for row in progress.export_rows()] == ["1, 2"]


async def test_numeric_answer_with_a_unit_finishes_the_lesson(progress, screen_text):
    app = DltuiApp([UNIT_LESSON], progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z")
        assert "epochs" in await screen_text(pilot)
        await pilot.press(*"3 epochs", "enter")
        await answered(pilot)
        assert "Expected: 3 epochs" in await screen_text(pilot)
        await pilot.press("n")
        text = await screen_text(pilot)
        assert "First attempt  1 of 1 right" in text and "Best           1 of 1 right" in text and "✓  1." in text
        await pilot.press("q")
        text = await screen_text(pilot)
        assert "● done" in text and "quiz 1/1 · best 1/1" in text
    assert progress.export_rows()[0]["given"] == "3"


async def test_engine_question_shows_its_working_and_a_retry_draws_new_numbers(lessons, progress, screen_text):
    app = DltuiApp(lessons, progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", *"n" * 8)
        screen = app.screen
        assert screen.lesson.quiz[screen.index].kind == "engine"
        assert "Question 9 of 10 · a number · fresh numbers each attempt" in await screen_text(pilot)
        await pilot.press("0", "enter")
        await answered(pilot)
        text = await screen_text(pilot)
        assert "Worked computation:" in text and screen.posed.worked.splitlines()[0] in text
        asked = {screen.posed.asked}
        for _ in range(5):  # fresh numbers; five identical draws in a row would be a broken generator
            await pilot.press("r")
            asked.add(screen.posed.asked)
        assert len(asked) > 1
        assert progress.export_rows()[0]["asked"] in asked


async def test_progress_off_is_said_once_and_the_quiz_still_works(lessons, tmp_path, screen_text):
    (tmp_path / "file").write_text("not a folder")
    progress = Progress.open(tmp_path / "file" / "data", "learner")
    assert not progress.enabled
    app = DltuiApp(lessons, progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", "1", "enter")
        await answered(pilot)
        text = await screen_text(pilot)
        assert "✓ Right" in text and "Not saved" in text and "ecorded" not in text
        await pilot.press("q", "z")
        await pilot.pause()
        assert sum("Progress is off" in n.message for n in app._notifications) == 1
        await pilot.press("q", "p")
        assert "Progress is off" in await screen_text(pilot)


async def test_help_and_palette_know_the_new_keys(lessons, progress):
    app = DltuiApp(lessons, progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = {active.binding.description for active in app.screen.keys.values()}
        assert {"Quiz", "Progress"} <= keys
        await pilot.press("escape", "ctrl+p", *"progress")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
