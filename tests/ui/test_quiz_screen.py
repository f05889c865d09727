"""Quizzes and progress driven by real key presses: answers land in a temporary progress database."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dltui.lessons import Lesson, Question, load_lessons
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
        await pilot.press("n")  # choice: the lesson's choice 1 is wrong, its choice 3 right, wherever they are shown
        await pilot.press(str(app.screen.posed.shown(1)), "enter")
        await answered(pilot)
        text = await screen_text(pilot)
        assert "✗ Wrong" in text and f"Expected: {app.screen.posed.shown(3)}. 1, because" in text
        assert "includes equality" in text
        await pilot.press("end")  # the rest of a long explanation, scrolled into view
        assert "Recorded" in await screen_text(pilot)
        await pilot.press("r")
        await pilot.press(str(app.screen.posed.shown(3)), "enter")
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
        await pilot.press("o", "down", "right", "escape")  # the controls, learning rate one step up
        await app.workers.wait_for_complete()
        while app.screen.runner.busy:
            await pilot.pause(0.01)
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
        assert "Not an answer: 'abc' is not a number" in text and "✓" not in text and "✗" not in text
        assert app.screen.query_one("#answer").value == "abc"  # what was typed stays, to be corrected
        await answered(pilot)
        assert progress.export_rows() == []
        await pilot.press("escape", *"nnnn")  # out of the answer box, on to the multiple-select question
        posed = app.screen.posed
        assert posed.kind == "multi" and posed.own(posed.right) == (1, 2)
        one, two, three = (str(posed.shown(own)) for own in (1, 2, 3))
        await pilot.press(one, three, three, two, "7", "enter")  # toggles to the right two and 7: no choice 7
        assert "Not an answer: there is no choice 7" in await screen_text(pilot)
        await pilot.press("7", "enter")
        await answered(pilot)
        text = await screen_text(pilot)
        assert f"[x] {one}." in text and f"[x] {two}." in text and f"[ ] {three}." in text
        assert f"✓ Right · attempt 1 · you answered {', '.join(sorted((one, two)))}" in text
        assert [row["given"] for row in progress.export_rows()] == ["1, 2"]  # as the lesson numbers its choices


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


def numeric(id: str, answer: float) -> Question:
    return Question(id=id, kind="numeric", prompt=f"Type {id}.", explanation="", answer=answer)


TYPED_LESSON = Lesson(
    id="typed", title="Numbers as people type them", order=1, summary="", lab="mp_neuron", body="",
    path=Path("01-typed.md"), quiz=(numeric("grouped", 589824), numeric("full-width", 123), numeric("fraction", 0.25),
                                     numeric("never-right", 7)))


@pytest.mark.parametrize("keys, given", [("589,824", "589824"), ("１２３", "123"), ("1/4", "0.25")])
async def test_numbers_are_typed_as_people_write_them(progress, screen_text, keys, given):
    index = {"589824": 0, "123": 1, "0.25": 2}[given]
    app = DltuiApp([TYPED_LESSON], progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", *"n" * index, *keys)  # a full-width digit opens the answer box as 0-9 do
        assert app.screen.query_one("#answer").value == keys
        await pilot.press("enter")
        await answered(pilot)
        assert f"✓ Right · attempt 1 · you answered {given}" in await screen_text(pilot)


async def test_a_refused_number_says_why_and_stays_in_the_box(progress, screen_text):
    app = DltuiApp([TYPED_LESSON], progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", *"1,2,3", "enter")
        text = await screen_text(pilot)
        assert "Not an answer: '1,2,3' is not a number: a comma groups thousands" in text and "✗" not in text
        assert app.screen.query_one("#answer").value == "1,2,3" and progress.export_rows() == []


def grid_rows(markdown: str) -> list[str]:
    """The lines of the first fenced block in a prompt."""
    return markdown.split("```\n")[1].split("\n```")[0].splitlines()


@pytest.mark.parametrize("order, number, lang", [(6, 7, "en"), (7, 7, "en"), (9, 6, "en"), (9, 7, "en"), (6, 7, "zh")])
async def test_matrices_in_questions_are_aligned_grids(order, number, lang, progress, screen_text):
    lesson = next(lesson for lesson in load_lessons(lang=lang)[0] if lesson.order == order)
    app = DltuiApp([lesson], progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", *"n" * (number - 1))
        prompt = app.screen.posed.prompt
        text = await screen_text(pilot)
        lines, rows = text.splitlines(), grid_rows(prompt)
        first = next(i for i, line in enumerate(lines) if rows[0] in line)
        shown = lines[first:first + len(rows)]
        assert all(row in line for row, line in zip(rows, shown))  # one screen line per row, in order…
        assert len({line.index(row) for row, line in zip(rows, shown)}) == 1  # …and the columns line up
        assert prompt.rsplit("\n\n", 1)[1][:16] in text  # the question below the grid is on screen too


async def test_the_summary_names_questions_by_their_prompts_and_states_the_done_rule(lessons, progress, screen_text):
    gan = next(lesson for lesson in lessons if lesson.id == "gan")
    app = DltuiApp([gan], progress=progress)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("z", *"n" * len(gan.quiz))
        text = await screen_text(pilot)
        assert "4. Set d_steps to 5, reset with x" in text and "`" not in text  # Markdown code, not backticks
        assert " 9. The value V(D, G) on two small batches." in text and "Fresh numbers" not in text
        assert not any(f"{n}. {q.id}" in text for n, q in enumerate(gan.quiz, 1))
        assert "Done when every question has been answered right once: 0 of 10 so far." in text


async def test_an_engine_question_without_a_prompt_is_named_by_what_it_asks(progress, screen_text):
    drill = Question(id="gate-drill", kind="engine", prompt="", explanation="", answer=None, generator="mp_neuron.gate")
    app = DltuiApp([replace(TYPED_LESSON, quiz=(drill,))], progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", "n")
        text = await screen_text(pilot)
        assert "1. An MP neuron has w1 = " in text and "gate-drill" not in text


async def test_a_lesson_is_done_only_when_every_question_has_been_right_once(progress, screen_text):
    app = DltuiApp([TYPED_LESSON], progress=progress)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("z", *"589824", "enter", "n", *"123", "enter", "n", *"0.25", "enter", "n", "8", "enter")
        await answered(pilot)
        await pilot.press("n")  # every question answered, one of them wrong: not done
        assert "Done when every question has been answered right once: 3 of 4 so far." in await screen_text(pilot)
        await pilot.press("q")
        assert "◐ in progress" in await screen_text(pilot)
        await pilot.press("z", *"nnn", "7", "enter")
        await answered(pilot)
        await pilot.press("n")
        assert "✓ Done: every question has been answered right once." in await screen_text(pilot)
        await pilot.press("q")
        assert "● done" in await screen_text(pilot)
    assert progress.lesson("typed").state == "done"


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


MARKUP = "<pad> [b]bold[/b] [/]"
MARKUP_LESSON = Lesson(
    id="markup", title=f"Brackets {MARKUP}", order=1, summary=f"Kept {MARKUP}", lab="mp_neuron",
    body=f"The body names {MARKUP} and `{MARKUP}`.", path=Path("01-markup.md"),
    quiz=(Question(id="tokens", kind="choice", prompt=f"Which token is {MARKUP}?",
                   explanation=f"Because {MARKUP} pads.", answer=2, choices=(f"Not {MARKUP}", f"Right {MARKUP}")),),
)


async def test_lesson_text_that_looks_like_html_or_markup_shows_as_written(progress, screen_text):
    """Lesson 16's `<pad>` was dropped (read as HTML); `[b]` or `[/]` would be read as Rich markup."""
    app = DltuiApp([MARKUP_LESSON], progress=progress)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("z")
        text = await screen_text(pilot)
        assert f"Which token is {MARKUP}?" in text and f"Not {MARKUP}" in text and f"Right {MARKUP}" in text
        await pilot.press(str(app.screen.posed.shown(2)), "enter")
        await answered(pilot)
        text = await screen_text(pilot)
        assert f"Because {MARKUP} pads." in text and f"Expected: {app.screen.posed.shown(2)}. Right {MARKUP}" in text
        await pilot.press("n")
        assert f"1. Which token is {MARKUP}?" in await screen_text(pilot)
        await pilot.press("q", "enter")
        assert isinstance(app.screen, LessonScreen)
        text = await screen_text(pilot)  # below 120 columns the lesson opens on its text
        assert f"The body names {MARKUP} and {MARKUP}." in text and f"Brackets {MARKUP}" in text


async def test_the_choice_order_is_drawn_per_attempt_from_a_seed_and_holds_while_shown(lessons, progress):
    lesson = next(lesson for lesson in lessons if lesson.id == "mp-neuron")
    orders = []
    for _ in range(2):
        app = DltuiApp([lesson], progress=progress)
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(QuizScreen(lesson, progress, seed=4))
            await pilot.press("n")
            shown = app.screen.posed.order
            await pilot.press("1", "2")  # picks redraw the marks, not the order
            assert app.screen.posed.order == shown
            attempts = [shown]
            for _ in range(5):
                await pilot.press("enter", "r", "1")
                attempts.append(app.screen.posed.order)
            orders.append(attempts)
    assert orders[0] == orders[1] and len(set(orders[0])) > 1  # the same seed draws the same; attempts differ
