"""The app driven by real key presses at 80×24 (and wider where the layout changes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from textual.widgets import Input, OptionList

from dltui.labs.perceptron import PerceptronLab
from dltui.ui.app import DltuiApp
from dltui.lessons import Problem
from dltui.ui.screens.help import HelpScreen
from dltui.ui.screens.home import HomeScreen
from dltui.ui.screens.lesson import LessonScreen
from dltui.ui.widgets.param_control import ParamControl

SIZE = (80, 24)


async def open_lesson(pilot, row: int) -> LessonScreen:
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, LessonScreen)
    return pilot.app.screen



async def test_home_lists_lessons_in_order_and_q_quits(make_app, screen_text):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        text = await screen_text(pilot)
        assert "The MP neuron" in text and "The perceptron" in text
        assert text.index("The MP neuron") < text.index("The perceptron")
        assert "Filter" in text and "Quit" in text  # the Footer
        await pilot.press("q")
    assert app.return_code == 0


async def test_every_lesson_step_run_back_and_quit(make_app, screen_text, idle):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for row, title in enumerate(["The MP neuron", "The perceptron"]):
            screen = await open_lesson(pilot, row)
            assert title in await screen_text(pilot)
            await pilot.press("s")
            assert screen.show_lab, "a lab key in the narrow layout brings the lab into view"
            await pilot.press("r")
            await idle(pilot)
            assert not screen.running
            assert screen.lab.finished
            assert screen.lab.snapshot().status.text.split(".")[0] in await screen_text(pilot)
            await pilot.press("q")
            assert isinstance(app.screen, HomeScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_mp_neuron_step_highlights_the_row_and_shows_its_working(make_app, screen_text):
    app = make_app("mp-neuron")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s")
        text = await screen_text(pilot)
        assert "▶   0    1" in text
        assert "1·0 + 1·1 = 1 ≥ 0.5 → 1" in text


async def test_filter_narrows_the_list_and_enter_opens_the_match(make_app, screen_text, lessons):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        options = app.screen.query_one(OptionList)
        assert options.option_count == len(lessons)
        await pilot.press("slash", *"1958")
        assert app.screen.query_one(Input).has_focus
        assert options.option_count == 1
        text = await screen_text(pilot)
        assert "The perceptron" in text and "The MP neuron" not in text
        await pilot.press("escape")
        assert options.option_count == len(lessons) and options.has_focus
        await pilot.press("slash", *"neuron 1943", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "mp-neuron"


async def test_typed_out_of_range_value_is_refused_and_the_old_value_kept(make_app, screen_text):
    app = make_app("perceptron")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o", "down", "enter")  # the controls, the second (learning rate), type a value
        control = app.screen.query_one("#param-lr", ParamControl)
        assert control.editing
        await pilot.press(*"50", "enter")
        await pilot.pause()
        assert control.value == 1.0 and app.screen.lab.params["lr"] == 1.0
        text = await screen_text(pilot)
        assert "Learning rate η: 50 is out of range 0.01–10" in text  # on the row itself, not in a pop-up
        assert not app._notifications
        await pilot.press("enter", *"0.5", "enter")
        assert control.value == 0.5 and app.screen.lab.params["lr"] == 0.5
        assert "out of range" not in await screen_text(pilot)


async def test_arrow_keys_change_a_value_and_restart_the_lab(make_app, screen_text, settle):
    app = make_app("mp-neuron")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.lab.snapshot().current == 0
        await pilot.press("o", "down", "down", "down", "right", "right")  # o opens the controls on the first
        await settle(pilot)
        lab = app.screen.lab
        assert lab.params["threshold"] == 1.5 and lab.snapshot().current is None
        text = await screen_text(pilot)
        assert "Threshold θ = 1.5: the lab started over" in text
        assert "These settings compute AND" in text
        await pilot.press("up", "up", "up", "right")  # gate AND → OR, which θ = 1.5 does not compute
        await settle(pilot)
        assert lab.params["gate"] == "OR" and "‹ OR ›" in await screen_text(pilot)


async def test_perceptron_shows_the_weights_the_lab_computed(make_app, screen_text):
    expected = PerceptronLab(dataset="AND")
    for _ in range(5):
        expected.perform("step")
    snapshot = expected.snapshot()
    app = make_app("perceptron")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"sssss")
        text = await screen_text(pilot)
        w1, w2 = snapshot.weights
        shown = f"w = ({w1:.2f}, {w2:.2f})   b = {snapshot.bias:.2f}".replace("-", "−")  # with a true minus sign
        assert shown in text
        last = snapshot.last
        assert f"y = {last.y}   ŷ = {last.y_hat}" in text
        assert f"Δb = {last.db + 0.0:+.2f}".replace("-", "−") in text


async def test_xor_run_ends_in_a_detected_cycle(make_app, screen_text, idle):
    app = make_app("perceptron")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("o", "right", "right", "right")
        await idle(pilot)
        assert app.screen.lab.params["dataset"] == "XOR"
        await pilot.press("r")
        await idle(pilot)
        text = await screen_text(pilot)
        assert "Stuck in a cycle" in text and "Minsky & Papert" in text
        assert "x Reset" in text and "r Run" in text
        await pilot.press("x")
        text = await screen_text(pilot)
        assert "Started over." in text and "Epoch 1 · sample 1 of 4 next" in text and "x Reset" not in text


async def test_help_lists_the_bindings_of_the_current_screen(make_app, screen_text):
    app = make_app("perceptron")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = await screen_text(pilot)
        for line in ("On this screen", "Step one sample", "Run one epoch", "Run", "Back", "Help"):
            assert line in text
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen)


async def test_too_small_terminal_shows_a_message(make_app, screen_text):
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        assert "dltui needs at least 80×24; this terminal is 60×20" in await screen_text(pilot)
        assert "The MP neuron" not in await screen_text(pilot)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "The MP neuron" in await screen_text(pilot)


async def test_start_lesson_opens_directly_and_problems_are_announced(make_app, screen_text):
    problem = Problem(Path("lessons/09-broken.md"), 3, "unknown lab 'nope'")
    app = make_app("perceptron", problems=[problem])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "perceptron"
        assert any("09-broken.md:3: unknown lab 'nope'" in n.message for n in app._notifications)
        await pilot.press("q")
        assert isinstance(app.screen, HomeScreen)


async def test_params_a_lab_refuses_are_announced_after_start_and_the_lesson_does_not_open(lessons, screen_text):
    from dataclasses import replace

    broken = [replace(lesson, params={**lesson.params, "lr": 50}) if lesson.id == "perceptron" else lesson
              for lesson in lessons]
    app = DltuiApp(broken)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        [warning] = [n for n in app._notifications if "will not open" in n.title]
        assert "02-perceptron.md: [params]: Learning rate η: 50 is out of range 0.01–10" in warning.message
        app.open_lesson(next(lesson for lesson in broken if lesson.id == "perceptron"))
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any("Could not open The perceptron" in n.title for n in app._notifications)


async def test_r_pauses_a_run_and_escape_stops_it_before_leaving(make_app, screen_text, settle, idle, monkeypatch):
    monkeypatch.setattr(PerceptronLab, "run_pace", 0.05)
    app = make_app("perceptron")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("o", *["right"] * 5, "escape")  # AND → … → overlapping: never converges
        await settle(pilot)
        assert screen.lab.params["dataset"] == "overlapping"
        await pilot.press("r")
        assert screen.running and "r Pause" in await screen_text(pilot)
        await pilot.press("r")
        await idle(pilot)
        assert not screen.running and not screen.lab.finished
        epochs = screen.lab.snapshot().epoch
        assert f"Epoch {epochs + 1} ·" in await screen_text(pilot)
        await pilot.press("r")
        await pilot.press("escape")  # first escape stops the run, the second leaves
        await idle(pilot)
        assert isinstance(app.screen, LessonScreen) and not screen.running
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_space_freezes_the_picture_while_the_run_goes_on(make_app, screen_text, settle, idle):
    app = make_app("gan")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.runner.call("reset", max_rounds=100_000)  # the run outlasts the test: r is what stops it
        await settle(pilot)
        await pilot.press("r", "space")
        frozen_at = screen._drawn.rounds
        assert "space Follow" in await screen_text(pilot) and "Frozen" in await screen_text(pilot)
        await pilot.pause(0.5)
        assert screen.running and screen.runner.latest.rounds > frozen_at  # training went on
        assert screen._drawn.rounds == frozen_at and f"Round {frozen_at} ·" in await screen_text(pilot)
        await pilot.press("space")
        assert screen._drawn.rounds > frozen_at and "space Freeze" in await screen_text(pilot)
        await pilot.press("space")
        assert screen.frozen and screen.running
        await pilot.press("r")
        await idle(pilot)
        assert screen.frozen and "space Follow" in await screen_text(pilot)  # paused, still frozen, still thawable
        await pilot.press("s")  # a key the learner presses shows its result
        assert not screen.frozen and screen._drawn is screen.runner.latest


async def test_a_lab_error_in_the_worker_is_a_notification_not_a_crash(make_app, screen_text, idle):
    app = make_app("perceptron")
    async with app.run_test(size=SIZE) as pilot:
        def broken(*_):
            raise RuntimeError("weights went missing")

        app.screen.lab.act = broken
        await pilot.press("r")
        await idle(pilot)
        assert any("weights went missing" in n.message for n in app._notifications)
        assert not app.screen.running and "r Run" in await screen_text(pilot)


async def test_palette_opens_lessons_and_runs_the_screens_actions(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"open lesson 2")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "perceptron"
        await pilot.press("ctrl+p", *"step one sample")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.lab.snapshot().last is not None


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
async def test_lesson_fits_each_size_with_every_key_in_the_footer(make_app, screen_text, size):
    app = make_app("perceptron")
    async with app.run_test(size=size) as pilot:
        await pilot.press("s")
        text = await screen_text(pilot)
        assert "Learning rate η" in text and "Mistakes per epoch" in text
        footer = text.rstrip().splitlines()[-1]
        for key in ("s Step one sample", "e Run one epoch", "r Run", "x Reset", "q Back", "? Help"):
            assert key in footer
        if size[0] >= 120:
            assert "Rosenblatt" in text and "t Text" not in footer  # side by side, no toggle
        else:
            assert "Rosenblatt" not in text
            await pilot.press("t")
            assert "Rosenblatt" in await screen_text(pilot)


async def test_the_palette_shows_a_teachers_markup_as_written(lessons, screen_text):
    from dataclasses import replace

    first = replace(lessons[0], title="[b]Gates[/b] [/] by hand", summary="[red]x[/red] < y")
    app = DltuiApp([first, *lessons[1:]])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"open lesson 1")
        await pilot.pause(0.3)
        text = await screen_text(pilot)
        assert "[b]Gates[/b] [/] by hand" in text and "[red]x[/red] < y" in text, text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson is first
