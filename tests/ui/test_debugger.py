"""The backprop debugger driven by its keys on the XOR net: the highlighted row and the numbers
shown follow the stepper, breakpoints stop `c`, `u` moves the weights."""

from __future__ import annotations

import time

from dltui.ui.commands import DltuiCommands
from dltui.ui.screens.debugger import DebuggerScreen
from dltui.ui.screens.lesson import LessonScreen
from dltui.ui.widgets.matrix_grid import number

SIZE = (80, 24)
WIDE = (160, 50)


async def open_debugger(pilot) -> DebuggerScreen:
    await pilot.press("d")
    await pilot.pause()
    assert isinstance(pilot.app.screen, DebuggerScreen)
    return pilot.app.screen


async def test_n_and_p_move_the_highlight_and_the_values_are_the_steppers(make_app, screen_text):
    app = make_app("mlp-backprop")
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_debugger(pilot)
        s = screen.stepper
        assert "Before the first op" in await screen_text(pilot)
        await pilot.press(*"nnnnn")  # through the forward pass: the loss node has run
        assert s.position == 4
        text = await screen_text(pilot)
        assert "▶   4 → mse_loss" in text
        seen = s.inspect(4)  # mse_loss names its inputs and its output by role
        assert f"in  prediction ŷ (p) = {number(seen.inputs[0].item())}" in text
        assert f"in  target y = {number(seen.inputs[1].item())}" in text
        assert f"out loss L = {number(seen.outputs[0].item())}" in text  # 0.3475, the lesson's first question
        await pilot.press(*"nn")  # the output sigmoid's backward
        text = await screen_text(pilot)
        assert "▶   6 ← sigmoid" in text
        seen, local = s.inspect(3), s.local_derivative(3)
        up, grad = seen.grad_out[0].item(), seen.grads_in[0].item()
        assert f"upstream dy = {number(up)}" in text
        assert f"{number(local[0].item())} × {number(up)} = {number(grad)}" in text
        assert number(grad) == "0.2853"  # the lesson's ∂L/∂z2
        await pilot.press("p")
        assert s.position == 5 and "▶   5 ← mse_loss" in await screen_text(pilot)


async def test_run_to_end_shows_backprop_beside_finite_differences(make_app, screen_text):
    app = make_app("mlp-backprop")
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_debugger(pilot)
        assert "shown once the backward pass is done" in await screen_text(pilot)
        await pilot.press("G")
        assert screen.stepper.at_end
        text = await screen_text(pilot)
        bias = next(p for p in screen.trace.params if p.name == "fc2.bias")
        assert f"fc2.bias 1  rel err {bias.rel_error:.1e}" in text
        assert f"{number(bias.analytic[0]):>10}{number(bias.numeric[0]):>10}" in text


async def test_breakpoint_and_continue_stop_at_the_marked_row(make_app, screen_text):
    app = make_app("mlp-backprop")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_debugger(pilot)
        await pilot.press(*"nnnnnnnn", "b")  # row 7: the second linear's backward
        assert "▶●  7 ← linear" in await screen_text(pilot)
        await pilot.press("x")
        assert screen.stepper.position == -1
        await pilot.press("c")
        assert screen.stepper.position == 7
        await pilot.press("b", "x", "c")  # the breakpoint is gone: c is disabled, nothing moves
        assert screen.stepper.position == -1


async def test_u_applies_the_update_and_records_the_next_pass(make_app, screen_text):
    app = make_app("mlp-backprop")
    async with app.run_test(size=WIDE) as pilot:
        lesson = app.screen
        assert isinstance(lesson, LessonScreen)
        screen = await open_debugger(pilot)
        first = screen.trace
        await pilot.press("G", "u")
        assert lesson.lab.run.updates == 1 and screen.trace.update == 1 and screen.stepper.position == -1
        w = lesson.lab.snapshot().weights["fc1.bias"]
        expected = first.params[1].value - lesson.lab.params["lr"] * first.params[1].analytic
        assert abs(w - expected).max() < 1e-12
        await pilot.press("n")
        text = await screen_text(pilot)
        assert "in  bias b (fc1.bias)  2" in text and number(w[0]) in text and number(w[1]) in text
        assert number(first.params[1].value[0]) not in text
        assert "update 2 · sample 1: x = (0, 1), y = 1" in text
        assert f"training loss now {number(lesson.lab.loss_now())}" in app.screen.sub_title  # after the update
        assert number(lesson.lab.loss_now()) != number(first.training_loss)
        await pilot.press("q")
        assert app.screen is lesson
        text = await screen_text(pilot)
        assert "Epoch 0 · 1 updates" in text and f"train loss {number(lesson.lab.loss_now())}" in text


async def test_nothing_is_cut_at_80_columns(make_app, screen_text):
    """Every clause of every node's formulas is on screen whole when its node is shown: they wrap in the node pane,
    and the tape list leaves them out rather than cut them (before, the list showed `Y = X·Wᵀ +`)."""
    app = make_app("mlp-backprop")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_debugger(pilot)
        for _ in screen.stepper.steps:
            await pilot.press("n")
            node = screen.stepper.current.node
            text = " ".join(line.strip() for line in (await screen_text(pilot)).splitlines())
            for formula in (node.formula, node.grad_formula):
                for clause in formula.split(", "):
                    assert " ".join(clause.split()) in text, (node.name, clause)


async def test_keys_are_in_the_footer_and_the_palette_and_stepping_is_fast(make_app, screen_text):
    app = make_app("mlp-backprop")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_debugger(pilot)
        text = await screen_text(pilot)
        for label in ("Next op", "To end", "Update", "Back"):
            assert label in text
        await pilot.press("n")
        names = {name for name, _, _ in DltuiCommands(screen)._commands()}
        assert {"Next op", "Prev op", "To end", "Break", "Update", "Reset", "Zoom", "Back"} <= names
        assert "Continue" not in names  # no breakpoint yet
        await pilot.press("x")
        times = []
        for _ in range(9):  # the key's handler, the layout and a full frame: what a learner waits for
            start = time.perf_counter()
            screen.action_next()
            screen._refresh_layout(app.size)
            screen._compositor.render_update(full=True)
            times.append(time.perf_counter() - start)
            await pilot.pause()
        assert screen.stepper.position == 8
        median = sorted(times)[len(times) // 2]
        assert median < 0.05, f"{median * 1e3:.1f} ms per key"
