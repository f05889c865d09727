"""Keys that arrive in one burst (a paste, a slow SSH link, tmux's send-keys) behave as the same keys typed slowly.

`pilot.press` waits for the app to be idle between keys, so it never reproduces a burst. Here the
keys are posted straight into the app's queue, all before the app handles the first one, as the
terminal driver does with one read that holds several keys (issue 14, §1). Each test checks that
every key took effect, most of them against the end state of the same keys pressed slowly.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, OptionList

from dltui.engine import backend
from dltui.labs import lab_class
from dltui.ui.app import DltuiApp
from dltui.ui.screens.home import HomeScreen, matches
from dltui.ui.screens.lesson import LessonScreen
from dltui.ui.screens.quiz import QuizScreen
from dltui.ui.widgets.param_control import ParamControl

from burst_keys import key_event  # tests/ui/burst_keys.py

SIZE = (80, 24)


async def drained(pilot) -> None:
    """Wait until the app has handed out every queued key and the lab runner has done what they asked."""
    app = pilot.app
    for _ in range(2000):
        await pilot.pause()
        if app.return_code is not None:  # it quit (or crashed: Pilot raises that when the test leaves run_test)
            return
        if (app._message_queue.empty() and not getattr(app, "_pending_keys", ())
                and getattr(app, "_key_holder", None) is None):
            break
    else:
        pytest.fail("the burst's keys were never all handed out")
    runner = getattr(app.screen, "runner", None)
    for _ in range(5000):
        if runner is None or not runner.busy:
            break
        await pilot.pause(0.002)
    await pilot.pause()
    await pilot.pause()


async def burst(pilot, *keys: str) -> None:
    """All of `keys` in the app's queue at once, then wait until they are dealt with."""
    for key in keys:
        pilot.app.post_message(key_event(key))
    await drained(pilot)


async def slowly(pilot, *keys: str) -> None:
    """The same keys pressed one at a time, the app idle between them."""
    await pilot.press(*keys)
    await drained(pilot)


@pytest.fixture(autouse=True)
def numpy_kernels():
    """Labs on the NumPy reference kernels: no numba compile in the middle of a test."""
    backend.set_backend("numpy")


@pytest.fixture
def app_for(lessons):
    def make(start_lesson: str | None = None, only: str | None = None) -> DltuiApp:
        chosen = [lesson for lesson in lessons if only is None or lesson.id == only]
        return DltuiApp(chosen, start_lesson=start_lesson, backend="numpy")
    return make


def answer_box(app) -> str:
    return app.screen.query_one("#answer", Input).value


# The quiz's answer box ----------------------------------------------------------------------------


async def test_gru_quiz_a_burst_of_digits_lands_whole(app_for, screen_text):
    """`dltui 13`, `z`, `n`, then `1124` in one write showed only `1`."""
    app = app_for("13")
    async with app.run_test(size=SIZE) as pilot:
        await slowly(pilot, "z", "n")
        assert isinstance(app.screen, QuizScreen) and app.screen.posed.kind == "numeric"
        await burst(pilot, *"1124")
        assert answer_box(app) == "1124"
        assert "1124" in await screen_text(pilot)
        await burst(pilot, "enter")
        await app.workers.wait_for_complete()
        assert "✓ Right · attempt 1 · you answered 1124" in await screen_text(pilot)


async def test_the_whole_way_to_an_answer_in_one_burst(app_for):
    """The quiz opened, the question moved on and the answer typed, all in one write."""
    app = app_for("13")
    async with app.run_test(size=SIZE) as pilot:
        await drained(pilot)
        await burst(pilot, "z", "n", *"1124", "enter")
        assert isinstance(app.screen, QuizScreen) and app.screen.index == 1
        assert app.screen.result is not None and app.screen.result.given == "1124" and app.screen.result.correct


async def test_lesson_3_a_fast_decimal_is_graded_whole(app_for, screen_text):
    """`0.3475` typed quickly was recorded as "you answered 0"."""
    app = app_for(only="mlp-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await slowly(pilot, "z")
        assert app.screen.posed.kind == "numeric" and app.screen.lesson.quiz[0].answer == 0.3475
        await burst(pilot, *"0.3475", "enter")
        await app.workers.wait_for_complete()
        result = app.screen.result
        assert result is not None and result.given == "0.3475" and result.correct
        assert "you answered 0.3475" in await screen_text(pilot)


async def test_a_paste_into_the_answer_box_lands_whole(app_for):
    app = app_for(only="gru")
    async with app.run_test(size=SIZE) as pilot:
        await slowly(pilot, "z", "n", "tab")  # tab: into the answer box
        assert app.screen.typing
        pilot.app.post_message(events.Paste("32/2"))
        await drained(pilot)
        assert answer_box(app) == "32/2"


async def test_a_paste_on_the_question_lands_whole_in_the_answer_box(app_for):
    """A paste of `32/2` left `3`: a paste starts an answer as a typed digit does."""
    app = app_for(only="gru")
    async with app.run_test(size=SIZE) as pilot:
        await slowly(pilot, "z", "n")
        assert not app.screen.typing
        pilot.app.post_message(events.Paste("32/2"))
        await drained(pilot)
        assert answer_box(app) == "32/2"


async def test_a_space_inside_a_number_is_refused_and_the_typed_text_stays(app_for, screen_text):
    """Lesson 10: `5 4 Enter` was graded "you answered 5"; the parser refuses a space inside."""
    app = app_for(only="architectures")
    async with app.run_test(size=SIZE) as pilot:
        await slowly(pilot, "z")
        assert app.screen.posed.kind == "numeric"
        await burst(pilot, "5", "space", "4", "enter")
        assert app.screen.result is None
        assert answer_box(app) == "5 4"
        text = await screen_text(pilot)
        assert "Not an answer: '5 4' is not a number" in text and "space" in text
        assert "you answered" not in text


# The lesson list ----------------------------------------------------------------------------------


async def test_lesson_list_a_burst_of_arrows_and_enter_opens_the_fourth_lesson(app_for):
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await drained(pilot)
        await burst(pilot, "down", "down", "down", "enter")
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.order == 4


async def test_lesson_list_a_burst_after_slash_filters(app_for, lessons):
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await drained(pilot)
        await burst(pilot, "slash", *"lstm")
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#filter", Input).value == "lstm"
        options = app.screen.query_one(OptionList)
        shown = [options.get_option_at_index(i).id for i in range(options.option_count)]
        in_order = sorted(lessons, key=lambda lesson: lesson.order)
        assert shown == [lesson.id for lesson in in_order if matches(lesson, "lstm")]
        assert shown[0] == "lstm" and len(shown) < len(lessons)
        await burst(pilot, "enter")
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "lstm"


@pytest.mark.skip(reason="known, not fixed: in Textual 8.2.8 a page key reaching the palette's CommandList after "
                         "it has options but before it has a size raises KeyError: 0 in OptionList._move_page "
                         "(found by the random walk, seed 15); remove this mark once the app guards it")
async def test_a_burst_into_the_command_palette_does_not_crash(app_for):
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await drained(pilot)
        for delay in (0, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1) * 2:  # the page keys land at moments of the opening
            pilot.app.post_message(key_event("ctrl+p"))
            await asyncio.sleep(delay)
            await burst(pilot, "pagedown", "pageup", "escape")
            if app.return_code is not None:
                break  # crashed: leaving run_test raises the app's exception
            assert isinstance(app.screen, HomeScreen)


# The lesson screen at 80×24 -----------------------------------------------------------------------


def lesson_state(app) -> dict:
    """What a burst could change on the lesson screen: focus, pane, scrolls, controls, the lab's settings."""
    screen = app.screen
    focused = app.focused
    return {
        "focused": (type(focused).__name__, focused.id) if focused else None,
        "show_lab": screen.show_lab,
        "controls_open": screen.controls_open,
        "text_scroll": screen.query_one("#text").scroll_y,
        "view_scroll": screen.view.scroll_y,
        "rows": [row.value for row in screen.query(ParamControl)],
        "selected": [row.id for row in screen.query(ParamControl) if row.selected],
        "params": dict(screen.lab.params),
    }


async def end_state(app_for, lesson: str, keys: list[str], fast: bool) -> dict:
    app = app_for(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await drained(pilot)
        assert isinstance(app.screen, LessonScreen)
        await (burst if fast else slowly)(pilot, *keys)
        return lesson_state(app)


async def test_lesson_1_t_then_downs_reach_the_lab(app_for):
    """`t`, then `Down Down Down` in one write: the downs go where `t` put the focus, as typed slowly."""
    keys = ["t", "down", "down", "down"]
    fast = await end_state(app_for, "1", keys, fast=True)
    assert fast == await end_state(app_for, "1", keys, fast=False)
    assert fast["show_lab"] and fast["focused"] == ("MPNeuronView", "view")
    assert fast["text_scroll"] == 0  # not one of the downs went to the text


async def test_lesson_1_downs_scroll_the_text_three_lines(app_for):
    keys = ["down", "down", "down"]
    fast = await end_state(app_for, "1", keys, fast=True)
    assert fast == await end_state(app_for, "1", keys, fast=False)
    assert fast["text_scroll"] == 3


async def test_controls_a_burst_of_downs_moves_to_the_third_row(app_for):
    keys = ["o", "down", "down"]
    fast = await end_state(app_for, "2", keys, fast=True)
    assert fast == await end_state(app_for, "2", keys, fast=False)
    assert fast["controls_open"] and fast["focused"] == ("ControlsPanel", "controls")
    assert fast["selected"] == ["param-init"]


@pytest.mark.parametrize("lesson, keys, control, steps", [
    ("2", ["o", "right", "right", "right"], "dataset", 3),  # the perceptron's first control
    ("1", ["o", "right", "right", "right"], "gate", 3),
    ("2", ["o", "down", *["right"] * 8], "lr", 8),  # a longer burst loses a step more often
])
async def test_controls_a_burst_of_rights_moves_the_control_every_step(app_for, lessons, lesson, keys, control, steps):
    fast = await end_state(app_for, lesson, keys, fast=True)
    slow = await end_state(app_for, lesson, keys, fast=False)
    chosen = next(each for each in lessons if str(each.order) == lesson)
    spec = next(each for each in lab_class(chosen.lab).controls if each.name == control)
    expected = chosen.params.get(control, spec.default)
    for _ in range(steps):
        expected = spec.nudge(expected, 1)
    assert slow["params"][control] == expected
    assert fast == slow


# Lab keys -----------------------------------------------------------------------------------------


async def test_perceptron_five_steps_in_one_burst(app_for):
    app = app_for("2")
    async with app.run_test(size=SIZE) as pilot:
        await drained(pilot)
        await burst(pilot, *"sssss")
        snapshot = app.screen.runner.latest
        assert not snapshot.converged
        assert snapshot.epoch * len(snapshot.inputs) + snapshot.position == 5


async def test_mlp_three_epochs_in_one_burst(app_for):
    app = app_for("3")
    async with app.run_test(size=SIZE) as pilot:
        await drained(pilot)
        await burst(pilot, *"eee")
        snapshot = app.screen.runner.latest
        assert snapshot.outcome is None and snapshot.epoch == 3


# The real program in tmux -------------------------------------------------------------------------


def dltui_script() -> Path:
    return Path(sys.executable).with_name("dltui")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: the one-write burst needs a terminal")
@pytest.mark.skipif(not dltui_script().exists(), reason="the dltui console script is not installed next to Python")
def test_real_dltui_in_tmux_takes_a_one_write_burst(tmp_path):
    """tmux's `send-keys -l 1124` writes the four digits at once, as a paste or a slow SSH link does."""
    socket = f"dltui-bursts-{os.getpid()}"  # a server of our own: nothing else's sessions are touched
    tmux = ["tmux", "-L", socket, "-f", os.devnull]
    env = {**os.environ, "DLTUI_DATA_DIR": str(tmp_path / "data"), "TERM": "xterm-256color",
           "TEXTUAL_ANIMATIONS": "none"}
    env.pop("TMUX", None)

    def pane() -> str:
        return subprocess.run([*tmux, "capture-pane", "-pt", "S"], capture_output=True, text=True, env=env).stdout

    def wait_for(predicate, what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(text := pane()):
                return text
            time.sleep(0.1)
        pytest.fail(f"waited {timeout} s for {what}; the pane shows:\n{pane()}")

    def send(*args: str) -> None:
        subprocess.run([*tmux, "send-keys", "-t", "S", *args], check=True, env=env)

    command = f"{dltui_script()} 13 --backend numpy"
    subprocess.run([*tmux, "new-session", "-d", "-s", "S", "-x", "80", "-y", "24", command], check=True, env=env)
    try:
        wait_for(lambda text: "GRU" in text and "Quiz" in text, "the gru lesson")
        send("z")
        wait_for(lambda text: "Question 1 of" in text, "the quiz")
        send("n")
        text = wait_for(lambda text: "Question 2 of" in text, "the numeric question")
        assert "1124" not in text
        send("-l", "1124")  # one write
        text = wait_for(lambda text: re.search(r"▊\s+1124\s", text), "1124 in the answer box", timeout=10)
        send("Enter")
        wait_for(lambda text: "you answered 1124" in text, "the verdict", timeout=10)
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, env=env)
