"""The GAN lesson driven by key presses: each step's numbers on screen, samples readable as glyphs."""

from __future__ import annotations

import math

from dltui.ui.screens.lesson import LessonScreen
from dltui.ui.views.gan import ARROWS, SamplesPlot
from dltui.ui.widgets.glyphs import downsample, signed, sparkline

TALL = (100, 50)  # sixteen controls leave the plot only a few rows at 80×24


async def test_d_g_and_rounds_show_the_labs_own_value_and_counters(make_app, screen_text):
    app = make_app("gan")
    async with app.run_test(size=TALL) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await pilot.press("d")
        assert screen.show_lab, "a lab key brings the lab into view"
        value = screen.lab.snapshot().value
        text = await screen_text(pilot)
        assert "updates D 1, G 0" in text and f"V(D,G) = {value.total:.3f}".replace("-", "−") in text
        assert f"E log D(x)        {value.real:.3f}".replace("-", "−") in text
        await pilot.press("g")
        assert "updates D 1, G 1" in await screen_text(pilot)
        await pilot.press("s", "e")
        text = await screen_text(pilot)
        assert "Round 26 · updates D 27, G 27" in text and "modes covered" in text
        assert all(glyph in text for glyph in "░▓*"), "real and generated bars and the D(x) curve, without color"
        assert "D(G(z)) " in text and "two-modes · real vs generated" in text


async def test_choosing_2d_data_draws_markers_and_arrows_that_show_without_color(make_app, screen_text, settle,
                                                                                 monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app("gan")
    async with app.run_test(size=TALL) as pilot:
        await pilot.press("s", "o", "down", "right", "right", "escape")  # the controls; Real data: two-modes → ring
        await settle(pilot)
        lab = app.screen.lab
        assert lab.params["data"] == "ring" and lab.rounds == 0
        await pilot.press("e")
        text = await screen_text(pilot)
        assert "ring · real vs generated" in text and "y −3…3" in text
        assert "·" in text and "o" in text and any(arrow in text for arrow in "→↗↑↖←↙↓↘")
        assert f"Round {lab.rounds}" in text
        plot = app.screen.query_one(SamplesPlot)
        marks = [segment for strip in plot.render_lines(plot.region.reset_offset) for segment in strip
                 if set(segment.text) & set("·o" + ARROWS)]
        assert app.no_color and {"·", "o"} <= {ch for segment in marks for ch in segment.text}
        for segment in marks:  # grey on grey, but far apart (the generated o was grey 237 on 233)
            fg, bg = segment.style.color.get_truecolor(), segment.style.bgcolor.get_truecolor()
            assert abs(sum(fg) - sum(bg)) / 3 > 100, (segment.text, fg, bg)


async def test_80x24_keeps_every_lab_key_in_the_footer(make_app, screen_text):
    app = make_app("gan")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        text = await screen_text(pilot)
        for label in ("D step", "G step", "One round", "25 rounds", "Run", "Reset"):
            assert label in text
        assert "Round 1" in text


def test_the_restarts_table_sparkline_and_signed_numbers():
    assert sparkline(range(8), 8) == "▁▂▃▄▅▆▇█" and sparkline([5, 0, 10], 2) == "▁█"  # the newest, own range
    assert sparkline([2.0, 2.0, math.nan, 2.0], 8) == "▁▁▁"  # flat: a line at the bottom; NaN left out
    assert list(downsample(range(10), 5)) == [0.5, 2.5, 4.5, 6.5, 8.5]
    assert signed(-0.0) == "0.000" and signed(-1.5, "+g") == "−1.5"
