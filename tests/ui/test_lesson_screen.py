"""The lesson screen at 80×24 as a learner drives it: the lab off the UI thread, controls that only
change on ←/→ or Enter, refusals on their own row, Escape that leaves a box before the lesson, undo."""

from __future__ import annotations

import threading

import pytest
from textual._compositor import ChopsUpdate
from textual.color import Color
from textual.widgets import Input

from dltui.labs import runner as lab_runner
from dltui.ui.screens.home import HomeScreen
from dltui.ui.screens.lesson import LessonScreen
from dltui.ui.widgets.controls_panel import ControlsPanel
from dltui.ui.widgets.param_control import ParamControl
from dltui.ui.widgets.readout import Readout

SIZE = (80, 24)


async def test_the_screen_answers_keys_while_an_epoch_trains(make_app, idle):
    """LeNet's `e` used to run a whole epoch on the UI thread; now `t` is answered while it trains."""
    app = make_app("lenet")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        release = threading.Event()
        epoch = screen.lab.epoch

        def held_epoch() -> None:  # an epoch that lasts until the test has pressed its key
            release.wait(10)
            epoch()

        screen.lab.epoch = held_epoch
        await pilot.press("e")
        assert screen.runner.busy
        shown = screen.show_lab
        await pilot.press("t")
        assert screen.show_lab != shown and screen.runner.busy  # answered while the epoch still runs
        release.set()
        await idle(pilot)
        assert screen.lab.snapshot().epoch == 1


async def test_status_names_the_keys_bound_to_the_actions(make_app, screen_text):
    app = make_app("mlp-backprop")
    async with app.run_test(size=SIZE) as pilot:
        text = await screen_text(pilot)
        assert "{" not in text.splitlines()[-3] + text.splitlines()[-2]
        assert "Press s for one update, e for an epoch, r to run" in text


async def test_the_controls_open_over_the_foot_of_the_lab_and_move_nothing(make_app, screen_text, settle):
    """At 80×24 `o` opens the controls as a drawer over the lab's lower rows, above its bar: the picture keeps its
    size and place (no jump, nothing drawn again), the chosen row and the bar's keys are on screen, `o` closes it."""
    app = make_app("gan")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("t", "s")
        await settle(pilot)
        view, bar = screen.view, screen.query_one("#lab-bar")
        picture, top_line = view.region, (await screen_text(pilot)).splitlines()[1]
        await pilot.press("o", "down")
        await settle(pilot)
        panel = screen.query_one(ControlsPanel)
        assert view.region == picture and bar.region.bottom == picture.bottom + 1
        assert panel.region.bottom == bar.region.y and panel.region.y > picture.y  # over the view's foot
        lines = (await screen_text(pilot)).splitlines()
        assert lines[1] == top_line  # the top of the picture as it was
        assert lines[panel.rows[1].region.y].startswith("▸ Real data") and "o or esc closes" in lines[bar.region.y]
        await pilot.press("o")
        await settle(pilot)
        assert not panel.display and view.region == picture and (await screen_text(pilot)).splitlines()[1] == top_line


async def test_the_drawer_becomes_the_panel_under_the_lab_when_the_terminal_grows(make_app, settle):
    """Open at 80×24, the controls lie over the view; resized to 160×50 they sit under it (nothing hidden), and back."""
    app = make_app("gan")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("t", "o")
        await settle(pilot)
        panel, bar = screen.query_one(ControlsPanel), screen.query_one("#lab-bar")
        assert panel.has_class("-drawer") and panel.region.overlaps(screen.view.region)
        await pilot.resize_terminal(160, 50)
        await settle(pilot)
        await pilot.pause()
        assert not panel.has_class("-drawer") and panel.display
        assert screen.view.region.bottom <= panel.region.y and panel.region.bottom == bar.region.y
        await pilot.resize_terminal(*SIZE)
        await settle(pilot)
        await pilot.pause()
        assert panel.has_class("-drawer") and panel.region.bottom == bar.region.y
        assert screen.view.region.bottom == bar.region.y  # the view under the drawer, to the bar


async def test_page_keys_never_change_a_control(make_app, settle):
    """PageDown on a focused control restarted lesson 12 after 400 batches: only ←/→ and Enter change one."""
    app = make_app("lstm")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("s", "o")
        await settle(pilot)
        before = dict(screen.lab.params)
        await pilot.press("pagedown", "pageup", "pagedown")
        await settle(pilot)
        assert isinstance(screen.focused, ControlsPanel) and screen.lab.params == before
        assert screen.runner.trained_seconds > 0 and screen.dirty  # the trained run is still there


async def test_a_refused_combination_is_explained_on_its_row(make_app, screen_text, settle):
    app = make_app("convolution")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("o", "down", "down", "enter", *"7", "enter")  # kernel size 7 on a 4×4 image
        await settle(pilot)
        row = screen.query_one("#param-kernel_size", ParamControl)
        assert screen.lab.params["kernel_size"] == 2 and row.value == 2
        assert row.error and "7" in row.error
        text = await screen_text(pilot)
        assert row.error[:30] in text.replace("\n", " ") or row.error[:20] in text
        assert not [n for n in app._notifications if n.severity == "error"]
        await pilot.press("right")  # a valid value clears the reason
        await settle(pilot)
        assert not row.error and screen.lab.params["kernel_size"] == 3


async def test_a_control_row_keeps_its_columns_when_its_texts_wrap(make_app, screen_text, settle):
    """A long label wraps under itself and a refusal under the range it replaces: the value column stays clear."""
    app = make_app("convolution")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o", "down", "down", "enter", *"7", "enter")
        await settle(pilot)
        lines = (await screen_text(pilot)).splitlines()
        first = next(k for k, line in enumerate(lines) if "Kernel size" in line)
        reason = app.screen.query_one("#param-kernel_size", ParamControl).error
        column = lines[first].index(reason[:10])
        assert lines[first].startswith("▸ Kernel size")
        assert lines[first + 1][:column].strip() == "" and lines[first + 1][column:].strip() in reason
    app = make_app("transformer")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "o")
        lines = (await screen_text(pilot)).splitlines()
        first = next(k for k, line in enumerate(lines) if line.startswith("  Positional "))
        assert lines[first + 1].startswith("  encoding ")


async def test_escape_leaves_a_lesson_whose_run_has_ended_before_its_news_arrives(make_app, idle):
    """The screen learns that a run ended from the runner's JobDone message; until that arrives, Escape and `r` go by
    what the runner says: nothing runs, so Escape leaves (it used to pause a run that was over, again and again)."""
    app = make_app("hopfield")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "r")
        await pilot.press("r")  # pause
        await idle(pilot)
        screen = app.screen
        screen.running = True  # as between the run's end and its JobDone
        assert screen.check_action("run", ()) and not screen.check_action("pause", ())
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_escape_leaves_the_digit_box_not_the_lesson(make_app, settle):
    app = make_app("transformer")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("i")
        box = screen.query_one(Input)
        assert screen.focused is box
        await pilot.press(*"12", "escape")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen) and screen.focused is not box
        await pilot.press("i", "backspace", "backspace", *"31415", "enter")
        await settle(pilot)
        assert screen.lab.probe == (3, 1, 4, 1, 5) and box.value == ""  # the box is ready for the next try
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, HomeScreen)


async def test_a_restart_after_real_training_can_be_undone(make_app, screen_text, settle, monkeypatch):
    monkeypatch.setattr(lab_runner, "UNDO_AFTER", 0.0)  # any training counts here; in use, 3 s of it
    app = make_app("perceptron")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("e", "e", "e")
        await settle(pilot)
        trained = screen.lab.snapshot()
        await pilot.press("o", "right", "escape")  # another dataset: the lab starts over
        await settle(pilot)
        assert screen.lab.snapshot().epoch == 0
        assert "u brings the last run back" in await screen_text(pilot)
        await pilot.press("u")
        await settle(pilot)
        back = screen.lab.snapshot()
        assert back.epoch == trained.epoch and screen.lab.params["dataset"] == "AND"
        assert screen.query_one("#param-dataset", ParamControl).value == "AND"
        assert not screen.can_undo


async def test_markup_typed_into_every_box_is_shown_as_typed(make_app, screen_text, settle):
    """`[/` in the learning-rate box crashed the app (MarkupError); `[b]x[/b]` showed as a bold x."""
    app = make_app("mlp-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o", *["down"] * 4, "enter", "[", "/", "enter")  # the learning rate's box
        await settle(pilot)
        row = app.screen.query_one("#param-lr", ParamControl)
        assert row.error and "[/" in await screen_text(pilot)
        await pilot.press("enter", *"[b]x[/b]", "enter")
        await settle(pilot)
        assert "[b]x[/b]" in (await screen_text(pilot)).replace("\n", "")
        await pilot.press("escape", "z", "tab", *"[/b]", "enter")  # the quiz's answer box
        assert "[/b]" in await screen_text(pilot)
        await pilot.press("escape", "q", "q", "slash", *"[/")  # the lesson list's filter
        assert isinstance(app.screen, HomeScreen) and "[/" in await screen_text(pilot)
        app.open_lesson(next(lesson for lesson in app.lessons if lesson.id == "transformer"))
        await settle(pilot)
        await pilot.press("i", *"[/]", "enter")  # the transformer's digit box keeps only digits
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)

@pytest.mark.parametrize("lesson, below", [("lenet", "#digit"), ("rbm", "#gallery"), ("autoencoders", "#path")])
async def test_sections_below_the_first_page_are_drawn_when_they_come_into_view(make_app, settle, lesson, below):
    """While page 1 is on screen at 80×24, training leaves the sections under it as they were (LeNet's pictures took
    8 of a frame's 10 ms of drawing); every page turned to shows the newest snapshot's numbers and pictures."""
    app = make_app(lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "s")
        await settle(pilot)
        view = app.screen.view
        texts = lambda: {w.id: w.text for w in view.query(Readout)}  # noqa: E731
        hidden = view.query_one(below)
        before = hidden.text
        await pilot.press("s", "s")
        await settle(pilot)
        assert hidden.text is before
        for _ in range(app.screen.pages.count):
            await pilot.press("v")
            shown = texts()
            view.show(app.screen.runner.latest)  # what the newest snapshot draws now, in view
            assert texts() == shown
        assert hidden.text != before


async def test_a_focus_change_repaints_what_shows_the_focus_not_the_panes(make_app):
    """`t` and `o` send the terminal the divider, the scrollbars and the chosen control row, every cell of the divider
    among them, in the same frame: Textual's focus events repainted both panes whole (the compositor visited every
    widget in them), and they arrive a frame or more after the key while a lab trains."""
    app = make_app("lenet")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        frames: list[set[tuple[int, int]]] = []
        display = app._display

        def record(screen, update):
            if update is not None:
                spans = update.spans if isinstance(update, ChopsUpdate) else [  # a layout: the whole region
                    (y, update.region.x, update.region.right - 1) for y in range(update.region.y, update.region.bottom)]
                frames.append({(x, y) for y, x1, x2 in spans for x in range(x1, x2 + 1)})
            display(screen, update)

        app._display = record
        for _ in range(100):  # until the opening frames are painted (the lesson text laid out, the lab's first picture):
            frames.clear()    # on a loaded machine a late one repainted the whole text pane after the first `t`
            await pilot.pause(0.05)
            if not frames:
                break
        screen = app.screen
        text, lab, controls = (screen.query_one(selector).region for selector in ("#text", "#lab", "#controls"))
        for key in "tto":
            frames.clear()
            await pilot.press(key)
            await pilot.pause()
            assert frames, key
            first = frames[0]
            assert all((lab.x, y) in first for y in range(lab.y, lab.bottom)), key
            for pane in (text, lab):
                assert sum(pane.contains(x, y) for x, y in set().union(*frames)) < pane.area / 10, key
        pointed = screen.query_one(ControlsPanel).selected.query_one("#line").region
        assert all((x, pointed.y) in first for x in range(pointed.x, pointed.right))


async def test_the_divider_between_the_panes_is_lit_while_the_lab_has_the_focus(make_app):
    """Where the focus is shows on the lab's left edge (a tint of the focused pane repainted both panes at every `t`):
    lit while the lab or its controls have the focus, dim while the text has it; the narrow layout has no divider."""
    app = make_app("lenet")
    async with app.run_test(size=(160, 50)) as pilot:
        lab, theme = app.screen.query_one("#lab"), app.get_css_variables()
        edge = lambda: (lab.styles.border_left[0], lab.styles.border_left[1].hex)  # noqa: E731
        dim, lit = ("vkey", Color.parse(theme["border-blurred"]).hex), ("vkey", Color.parse(theme["border"]).hex)
        assert edge() == dim
        await pilot.press("t")
        assert edge() == lit
        await pilot.press("o")
        assert app.screen._in_controls and edge() == lit
        await pilot.press("t")
        assert edge() == dim
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert lab.styles.border_left[0] == ""
        await pilot.press("t")
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        assert edge() == lit
