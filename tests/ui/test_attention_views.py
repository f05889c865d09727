"""The attention, multi-head and transformer views driven by real key presses at 80×24."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from dltui.labs.attention import AttentionLab
from dltui.ui.screens.home import HomeScreen

SIZE = (80, 24)



async def test_attention_steps_to_labelled_weights_and_edits_a_query_by_key(make_app, screen_text, idle):
    expected = AttentionLab()
    for _ in range(4):  # scores, scale, mask, softmax row 1
        expected.step()
    row = expected.snapshot().weights[0]
    app = make_app("attention")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"ssss")
        text = await screen_text(pilot)
        assert "softmax (row 1 of 6)" in text and "A = softmax" in text
        assert "the   cat   sat    on   the   mat" in text
        assert f"▸the   {row[0]:.2f}".replace("0.", ".") in text
        await pilot.press("f", "c", "plus", "plus")
        lab = app.screen.lab
        assert (lab.focus, lab.column) == (1, 1) and lab.q[1, 1] == expected.q[1, 1] + 1.0
        assert "editing Q[cat, d1]" in await screen_text(pilot)
        await pilot.press("r")
        await idle(pilot)
        assert lab.finished and "Y = A·V" in await screen_text(pilot)


async def test_attention_without_colour_still_shows_numbers_and_shades(make_app, screen_text, monkeypatch, idle):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app("attention")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "r")
        await idle(pilot)
        await pilot.press("tab")  # the view: scrolled by keys like any pane
        text = await screen_text(pilot)
        assert app.no_color and "A = softmax" in text
        assert any(glyph in text for glyph in "░▒▓█") and ".25░" in text


async def test_multihead_shows_each_head_and_the_reversal_check(make_app, screen_text, idle):
    app = make_app("multihead")
    async with app.run_test(size=(80, 60)) as pilot:
        await pilot.press("r")
        await idle(pilot)
        text = await screen_text(pilot)
        assert "head 1 weights" in text and "head 2 weights" in text
        assert "reversing the sentence only reverses the output rows" in text
        assert "Sinusoidal PE, positions 0–63" in text and "cos d1" in text
        await pilot.press("p")
        text = await screen_text(pilot)
        assert app.screen.lab.words[0] == "mat"
        header = text.split("head 1 weights")[1].splitlines()[1].split()  # head 1's columns (head 2's beside them)
        assert header[:6] == ["mat", "the", "on", "sat", "cat", "the"]


async def test_transformer_trains_by_key_and_runs_typed_digits(make_app, screen_text, idle):
    app = make_app("transformer")
    async with app.run_test(size=(80, 50)) as pilot:
        await pilot.press("e")
        text = await screen_text(pilot)
        assert "epoch 1 · 20 batches" in text and "layer 1 head 2" in text
        app.screen.query_one(Input).focus()
        await pilot.press(*"31415", "enter")
        await pilot.pause()
        assert app.screen.lab.probe == (3, 1, 4, 1, 5)
        assert "3 1 4 1 5  →" in await screen_text(pilot)
        await pilot.press(*"12", "enter")
        await pilot.pause()
        assert any("exactly 5 digits" in n.message for n in app._notifications)
        app.screen.set_focus(None)
        await pilot.press("r")
        await idle(pilot)
        lab = app.screen.lab
        assert lab.solved and "Solved" in await screen_text(pilot)
        assert lab.snapshot().probe.output == (5, 1, 4, 1, 3)
        await pilot.press("q")
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize("lesson, keys", [("attention", ("s Step", "f Row", "c Col", "+ +0.5", "- −0.5")),
                                          ("multihead", ("s Step", "p Reverse")),
                                          ("transformer", ("s Batch", "e Epoch"))])
async def test_every_key_fits_the_footer_at_80_columns(make_app, screen_text, lesson, keys):
    app = make_app(lesson)
    async with app.run_test(size=SIZE) as pilot:
        footer = (await screen_text(pilot)).rstrip().splitlines()[-1]
        for key in (*keys, "r Run", "q Back", "? Help"):
            assert key in footer
