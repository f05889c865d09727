"""The CNN lessons driven by key presses: each view shows the lab's own numbers, at 80×24 and wider."""

from __future__ import annotations

from dltui.ui.screens.lesson import LessonScreen

TALL = (120, 50)


async def test_convolution_steps_show_the_window_arithmetic(make_app, screen_text):
    app = make_app("convolution")
    async with app.run_test(size=TALL) as pilot:
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("s")
        text = await screen_text(pilot)
        assert "out[0][0,0] = 1·1 + 0·(−1) + 1·1 + 1·(−1) = 1" in text
        assert "= ⌊(4 + 2·0 − 2)/1⌋ + 1 = ⌊2⌋ + 1 = 3" in text and "= 3/36 = 1/12" in text
        await pilot.press("c", "plus")  # image[0,0,1]: 0 → 1
        assert app.screen.lab.image[0, 0, 1] == 1 and "now image[0,0,1]" in await screen_text(pilot)
        await pilot.press("e")
        assert "Feature map complete" in await screen_text(pilot)


async def test_pooling_shows_the_winner_and_the_counts(make_app, screen_text):
    app = make_app("pooling")
    async with app.run_test(size=TALL) as pilot:
        await pilot.press("s", "s")  # the lesson starts on lesson 6's edge map, 2×2 windows at stride 1
        text = await screen_text(pilot)
        assert "max = 2 at (0, 2)" in text and "= 11,935" in text
        await pilot.press("e")
        assert "softmax: class 0" in await screen_text(pilot)


async def test_lenet_trains_a_batch_and_shows_its_maps(make_app, screen_text):
    app = make_app("lenet")
    async with app.run_test(size=TALL) as pilot:
        await pilot.press("s")
        text = await screen_text(pilot)
        assert "Epoch 1, batch 1/45" in text and "epoch 1 · batch 1/45" in text and "C1 map 1" in text


async def test_draw_digit_draws_a_stroke_by_key(make_app, screen_text, settle):
    app = make_app("draw-a-digit")
    async with app.run_test(size=TALL) as pilot:
        await pilot.press("space", *["s"] * 6, "space")
        await settle(pilot)
        lab = app.screen.lab
        assert lab.canvas.sum() == 7 and not lab.pen_down
        text = await screen_text(pilot)
        assert "reads a 1" in text and "pen up" in text and "C3 map" in text
        await pilot.click("#canvas", offset=(1 + 2 * 3, 1 + 2))  # padding 1, title line: cell (2, 3)
        await settle(pilot)
        assert lab.canvas[2, 3] and lab.canvas.sum() == 8
        await pilot.click("#canvas", offset=(1 + 2 * 3, 1 + 2))
        await settle(pilot)
        assert not lab.canvas[2, 3]


async def test_architectures_race_and_table(make_app, screen_text):
    app = make_app("architectures")
    async with app.run_test(size=TALL) as pilot:
        await pilot.press(*["s"] * 25)  # the first measurement; the full race is tested headless
        text = await screen_text(pilot)
        assert "step 25: training accuracy" in text and "   25  plain" in text and "ResNet-18" in text
