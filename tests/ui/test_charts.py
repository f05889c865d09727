"""Charts say what they show (issue 15): a title, ticks and labelled axes, fixed ranges for bounded
figures, a log axis for a loss spanning decades, the whole history, and glyphs that survive NO_COLOR."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from textual.app import App, ComposeResult

from dltui.text import cells
from dltui.ui.widgets.chart import Chart, Series, downsample

SIZE = (40, 14)  # what a chart gets beside another at 80×24, and a little taller
BRAILLE = re.compile("[\u2801-\u28ff]")
QUARTERS = set("▖▗▘▙▚▛▜▝▞▟▀▄▌▐")


class ChartApp(App):
    """One chart filling the screen."""

    CSS = "Chart { width: 1fr; height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Chart()


async def drawn(chart_app: ChartApp, pilot, screen_text, title, series, **options) -> list[str]:
    chart_app.query_one(Chart).show(title, series, **options)
    return (await screen_text(pilot)).rstrip("\n").split("\n")


def plot_rows(lines: list[str]) -> list[str]:
    """The rows between the title and the x ticks (the last two rows are the ticks and the axis labels)."""
    return lines[1:-2]


def tick_rows(lines: list[str]) -> dict[str, int]:
    """Each y tick label and the row it stands on."""
    ticks = ((row, re.match(r"^\s*(−?[\d.e−]+)(?=\D|$)", line)) for row, line in enumerate(lines))
    return {match[1]: row for row, match in ticks if match}


async def test_a_bounded_figure_keeps_its_fixed_axis_title_and_labels(screen_text):
    app = ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        lines = await drawn(app, pilot, screen_text, "plain net: training accuracy",
                            [Series("plain", [10.2, 10.4], [1, 25])], x_label="step", y_label="%", y_range=(0, 100),
                            bars=True)
        assert "plain net: training accuracy" in lines[0]
        assert re.match(r"^%\s+step\s*$", lines[-1]), lines[-1]  # the y unit at the left, the x label centred
        ticks = tick_rows(plot_rows(lines))
        assert {"0", "100"} <= set(ticks) and ticks["100"] == 0 and ticks["0"] == len(plot_rows(lines)) - 1
        steps = [int(tick) for tick in lines[-2].split()]  # x ticks under the bars, up to the last one's step
        assert steps == sorted(steps) and steps[-1] == 25 and len(steps) >= 3
        lines = await drawn(app, pilot, screen_text, "held-out", [Series("sequences", [0.4, 3.0, 34.0])],
                            x_label="epoch", y_label="%", y_range=(0, 100))
        assert lines[-1].split()[0] == "%"  # the values are 85× apart, yet a fixed range stays linear
        assert {"0", "100"} <= set(tick_rows(plot_rows(lines)))


@pytest.mark.parametrize("percent", [10, 50, 90])
async def test_a_bar_is_as_long_as_its_value_on_the_0_to_100_axis(screen_text, percent):
    app = ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        rows = plot_rows(await drawn(app, pilot, screen_text, "accuracy", [Series("net", [percent])],
                                     x_label="step", y_label="%", y_range=(0, 100), bars=True))
        ticks = tick_rows(rows)
        span = ticks["0"] - ticks["100"]  # rows from 0 % up to 100 %
        filled = [row for row, line in enumerate(rows) if "█" in line]
        assert filled and filled[-1] == ticks["0"], "the bar stands on the 0 row"
        top = (ticks["0"] - filled[0]) * 100 / span  # the value at the bar's top row
        assert abs(top - percent) <= 100 / span, (percent, top, rows)


async def test_a_loss_falling_from_4_3_to_2_3_spans_the_height_and_is_not_flat(screen_text):
    batches = np.arange(400)
    loss = 2.3 + 2.0 * np.exp(-batches / 80)
    app = ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        rows = plot_rows(await drawn(app, pilot, screen_text, "bits per character", [Series("loss", loss)],
                                     x_label="batch", y_label="bits/char"))
        marked = [row for row, line in enumerate(rows) if BRAILLE.search(line)]
        assert marked[-1] - marked[0] >= 0.8 * (len(rows) - 1), rows  # top to bottom, not a flat band
        labels = [float(t.replace("−", "-")) for t in tick_rows(rows)]
        assert min(labels) >= 2.0 and max(labels) <= 4.5, labels  # the range is the data's, not 0…5


async def test_a_10000_point_history_is_drawn_whole_first_and_last_value_included(screen_text):
    loss = np.linspace(4.3, 2.3, 10_000)
    x, y = downsample(np.arange(1.0, 10_001), loss, 70)
    assert len(y) <= 72 and (x[0], y[0], x[-1], y[-1]) == (1, 4.3, 10_000, 2.3)
    app = ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        lines = await drawn(app, pilot, screen_text, "loss", [Series("loss", loss)], x_label="batch", y_label="loss")
        assert "10000" in lines[-2], "the x axis runs to the last batch"
        rows = plot_rows(lines)
        columns = [[c for c, ch in enumerate(line) if BRAILLE.match(ch)] for line in rows]
        first, last = min(c for cs in columns for c in cs), max(c for cs in columns for c in cs)
        top = next(r for r, cs in enumerate(columns) if cs)
        bottom = max(r for r, cs in enumerate(columns) if cs)
        assert first in columns[top] and last in columns[bottom]  # 4.3 at the top left, 2.3 at the bottom right
        assert last >= SIZE[0] - 3


async def test_a_loss_spanning_decades_gets_a_log_axis_that_says_so(screen_text):
    app = ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        lines = await drawn(app, pilot, screen_text, "loss", [Series("loss", 10 ** -np.linspace(0, 4, 300))],
                            x_label="update", y_label="loss")
        assert lines[-1].startswith("loss (log)")
        assert {"1", "0.01", "1e−4"} <= set(tick_rows(plot_rows(lines))), lines
        marked = [row for row, line in enumerate(plot_rows(lines)) if BRAILLE.search(line)]
        assert marked[-1] - marked[0] >= 0.8 * (len(plot_rows(lines)) - 1)  # straight down, not a cliff then flat


@pytest.mark.parametrize("width", [37, 38, 39, 40])
async def test_a_title_too_long_for_the_chart_is_cut_not_dropped(screen_text, width):
    app = ChartApp()
    async with app.run_test(size=(width, 14)) as pilot:
        lines = await drawn(app, pilot, screen_text, "reconstruction error of the test digits by epoch",
                            [Series("loss", [3.0, 2.0, 1.5])], x_label="epoch", y_label="loss")
        assert "reconstruction error" in lines[0] and lines[0].rstrip().endswith("…"), lines[0]


@pytest.mark.parametrize("width", [39, 40])
async def test_chinese_titles_and_labels_fit_in_cells_where_plotext_counts_characters(width):
    """A CJK character takes two cells: the title and the axis-label lines give the extra cells back from their
    spaces, so nothing is cropped and the chart keeps its width."""
    app = ChartApp()
    async with app.run_test(size=(width, 14)) as pilot:
        chart = app.query_one(Chart)
        chart.show("训练损失 · 每轮", [Series("损失", [3.0, 2.0, 1.5])], x_label="轮次", y_label="交叉熵损失")
        await pilot.pause()
        lines = chart.render().plain.rstrip("\n").split("\n")
        assert all(cells(line) <= width for line in lines), [(cells(line), line) for line in lines]
        assert lines[0].strip() == "训练损失 · 每轮"
        assert lines[-1].split() == ["交叉熵损失", "轮次"]
        chart.show("训练损失" * 6, [Series("损失", [3.0, 2.0])], x_label="轮次", y_label="损失")
        await pilot.pause()
        title = chart.render().plain.split("\n")[0]
        assert title.strip().endswith("…") and width - 3 <= cells(title) <= width  # cut to the cells there are


async def test_a_log_axis_asked_for_before_any_data_waits_for_positive_values(screen_text):
    app = ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        lines = await drawn(app, pilot, screen_text, "loss", [Series("loss", [])], x_label="step", y_label="loss", log=True)
        assert lines[0].strip().startswith("loss") and not lines[-1].startswith("loss (log)")
        lines = await drawn(app, pilot, screen_text, "loss", [Series("loss", [1.0, 0.01])], x_label="step", y_label="loss", log=True)
        assert lines[-1].startswith("loss (log)")


async def test_non_finite_values_are_left_out_and_a_diverged_run_says_so(screen_text):
    app = ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        lines = await drawn(app, pilot, screen_text, "loss", [Series("loss", [2.3, 2.1, 5.0, math.inf, math.nan])],
                            x_label="update", y_label="loss", diverged=True)
        assert lines[0].strip().startswith("DIVERGED · loss")
        assert sum(line.count("•") for line in plot_rows(lines)) >= 3  # the finite points, drawn as • (few of them)
        labels = [float(t.replace("−", "-")) for t in tick_rows(plot_rows(lines))]
        assert 2 <= min(labels) and max(labels) <= 5, labels  # on the finite values' scale


async def test_with_no_color_each_series_keeps_its_own_visible_glyphs(screen_text, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    epochs = np.arange(200)
    app = ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        assert app.no_color
        lines = await drawn(app, pilot, screen_text, "loss", [Series("train", 1 / (1 + epochs)),
                                                              Series("validation", 0.5 + 0 * epochs),
                                                              Series("test", 0.8 + 0 * epochs)],
                            x_label="epoch", y_label="loss", log=False)
        assert "⠤ train · ▄ validation · x test" in lines[0]
        plot = "\n".join(plot_rows(lines))
        assert BRAILLE.search(plot) and QUARTERS & set(plot) and "x" in plot
        chart = app.query_one(Chart)
        strips = chart.render_lines(chart.region.reset_offset)
        for segment in (s for strip in strips for s in strip if s.text.strip()):
            fg, bg = segment.style.color.get_truecolor(), segment.style.bgcolor.get_truecolor()
            assert abs(sum(fg) - sum(bg)) / 3 > 100, (segment.text, fg, bg)  # grey on grey, but far apart


async def test_a_chart_is_drawn_again_only_when_its_data_or_size_changes(screen_text, monkeypatch):
    app = ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        chart = app.query_one(Chart)
        builds = []
        build = chart.plt.build
        monkeypatch.setattr(chart.plt, "build", lambda: builds.append(1) or build())
        for values in ([1.0, 2.0], [1.0, 2.0], np.array([1.0, 2.0]), [1.0, 2.0, 3.0]):
            chart.show("loss", [Series("loss", values)], x_label="batch", y_label="loss")
            await pilot.pause()
        assert len(builds) == 2, "the same numbers again draw nothing new"
        history = np.linspace(4.3, 2.3, 10_000)
        for nudge in (0.0, 1e-9, 50.0):  # a change that moves no dot draws nothing; one that does, draws
            chart.show("loss", [Series("loss", history + nudge * (np.arange(10_000) == 5000))], x_label="batch",
                       y_label="loss")
            await pilot.pause()
        assert len(builds) == 4
        await pilot.resize_terminal(50, 14)
        await pilot.pause()
        assert len(builds) == 5


async def test_lesson_10_draws_its_first_measurement_after_one_step(make_app, screen_text, settle):
    app = make_app("architectures")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await settle(pilot)
        await pilot.pause()
        text = await screen_text(pilot)
        plain, residual = (app.screen.view.query_one(f"#{kind}", Chart) for kind in ("plain", "residual"))
        assert plain.figure.series[0].y.size == residual.figure.series[0].y.size == 1
        assert "plain net: training accuracy" in text and "residual net: training accuracy" in text
        assert text.count("█") >= 2 and re.search(r"^ *% +step +% +step *$", text, re.M)


async def test_data_points_are_drawn_one_by_one_beside_a_curve(screen_text):
    """A scatter's points keep their own glyph where they are (never joined, never averaged); the curve
    through them is a line, and the legend names both."""
    x = np.array([-0.8, -0.2, 0.4, 0.9])
    y = np.array([-1.5, 1.5, -1.5, 1.5])
    curve_x = np.linspace(-1, 1, 200)
    app = ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        lines = await drawn(app, pilot, screen_text, "fit", [Series("net", np.sin(3 * curve_x), curve_x),
                                                              Series("data", y, x, points=True)],
                            x_label="x", y_label="y", y_range=(-2, 2), x_range=(-1, 1))
        rows = plot_rows(lines)
        assert sum(row.count("o") for row in rows) == 4, rows  # four points, no line between them
        assert "⠤ net" in lines[0] and "o data" in lines[0]
        tops = [row for row, line in enumerate(rows) if "o" in line]
        assert tops[0] < len(rows) / 3 and tops[-1] > 2 * len(rows) / 3  # y = ±1.5 near the top and the bottom
