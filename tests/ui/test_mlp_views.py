"""The MLP, activations and softmax lessons at 80×24: their key numbers on screen, and a slow
action (`m`, restarts from eight seeds) that leaves the screen answering keys."""

from __future__ import annotations

import asyncio
import re
import threading

from dltui.ui.screens.lesson import LessonScreen

SIZE = (80, 24)


async def scrolled_to_end(pilot, screen_text) -> str:
    """What the learner sees after scrolling the lab's view to its end."""
    pilot.app.screen.query_one("#view").scroll_end(animate=False)
    return await screen_text(pilot)


async def test_mlp_view_shows_epoch_loss_weights_and_the_xor_corners(make_app, screen_text):
    app = make_app("mlp-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "e")
        snap = app.screen.lab.snapshot()
        text = await screen_text(pilot)
        assert "Epoch 2 · 8 updates" in text and f"train loss {snap.train_loss[-1]:.4f}" in text
        assert "xor · 2-2-1 sigmoid" in text and text.count("o") >= 2 and "x" in text
        assert re.search(r"^ +loss +epoch +$", text, re.M)  # the first page: regions, numbers, the loss chart's axes
        text = await scrolled_to_end(pilot, screen_text)
        assert "fc2.bias" in text and "Restarts: press m" in text


async def test_compare_runs_in_the_background_and_fills_the_restarts_table(make_app, screen_text, idle):
    app = make_app("mlp-backprop")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        lab, release = screen.lab, threading.Event()
        compare = lab.compare

        def slow_compare() -> None:  # holds the lab until the test lets go, as a long compare would
            release.wait(10)
            compare()

        lab.compare = slow_compare
        await pilot.press("m")
        assert screen.running and not lab.compared, "compare went to the worker"
        shown = screen.show_lab
        await pilot.press("t")  # the screen still answers while the seeds train
        assert screen.show_lab != shown
        assert "Pause" in await screen_text(pilot)
        release.set()
        await idle(pilot)
        assert not screen.running
        restarts = lab.snapshot().restarts
        assert len(restarts) == 8
        await pilot.press("t")
        text = await scrolled_to_end(pilot, screen_text)
        assert f"Restarts: {sum(r.solved for r in restarts)} of 8 solved" in text
        stuck = next(r for r in restarts if not r.solved)
        assert f"{stuck.seed:>5} ✗ {stuck.outcome:<11} {stuck.epochs:>6} {stuck.final_loss:>10.4f}" in text


async def test_pause_stops_a_long_compare_and_the_lab_answers_again(make_app, screen_text, settle, idle):
    app = make_app("mlp-backprop")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.runner.call("reset", dataset="noisy-xor", restart_count=16, epochs=20000)  # seconds of work
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause(0.5)  # the compare is under way
        assert screen.running
        await pilot.press("r")
        await idle(pilot, timeout=5)  # the runner lets go of the lab within an epoch…
        assert not screen.runner.busy and screen.lab.compared == ()  # …because it stopped, not because it finished
        await pilot.pause()
        assert not screen.running
        await pilot.press("e")
        assert screen.lab.snapshot().epoch == 1 and len(app._notifications) == 0


async def test_activations_view_shows_the_curve_and_the_layer_norms(make_app, screen_text):
    app = make_app("activations")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        snap = app.screen.lab.snapshot()
        text = await screen_text(pilot)
        assert "sigmoid: σ(x) = 1/(1 + e⁻ˣ)" in text and "sigmoid′(x)" in text
        text = await scrolled_to_end(pilot, screen_text)
        assert f"{snap.grad_norms['sigmoid'][0]:.1e}" in text and f"{snap.grad_norms['relu'][-1]:.1e}" in text
        assert f"sigmoid {snap.ratio('sigmoid'):.1e}" in text


async def test_softmax_view_shows_probabilities_loss_and_both_gradients(make_app, screen_text):
    app = make_app("softmax")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        snap = app.screen.lab.snapshot()
        text = await screen_text(pilot)
        assert f"loss −log p = {snap.loss:.4f}" in text and "▶ dog" in text
        assert f"{snap.probs[1]:.3f}" in text and f"{snap.sigmoid_probs[0]:.3f}" in text
        text = await scrolled_to_end(pilot, screen_text)
        grad = f"{snap.grad_formula[1]:+.3f}".replace("-", "−")
        assert f"  dog       {grad}     {grad}" in text
        assert f"max |formula − engine| = {snap.grad_error:.1e}" in text
