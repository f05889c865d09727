"""The sequence lessons open, step and draw at 80×24 and wider, keys only."""

from __future__ import annotations

import pytest

from dltui.ui.screens.lesson import LessonScreen


@pytest.mark.parametrize("lesson, keys, seen, size", [
    ("rnn", "ssssss", "h_t (sequence 1)", (80, 24)),
    ("lstm", "s", "held-out", (80, 24)),
    ("gru", "s", "held-out", (80, 24)),
    ("char-lm", "sg", "bits/char", (80, 24)),
    ("lstm", "s", "f forget", (160, 50)),
])
async def test_sequence_lessons_step_and_draw(make_app, screen_text, lesson, keys, seen, size):
    app = make_app(lesson)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        text = await screen_text(pilot)
        assert seen in text
        footer = text.rstrip().splitlines()[-1]
        assert all(f"{a.key} {a.description}" in footer for a in screen.lab.actions), footer
        assert screen.lab.snapshot().status.text.split(".")[0][:30] in (await screen_text(pilot)).replace("\n", "")


def test_a_grid_number_fits_its_column_however_far_a_run_blows_up():
    from dltui.ui.widgets.matrix_grid import short

    for exponent in range(-3, 120):
        for value in (3.7 * 10.0**exponent, -3.7 * 10.0**exponent):
            room = 4 + (value <= -99.5) + (abs(value) >= 1e100)
            assert len(short(value)) <= room, (value, short(value))


def test_a_grid_shown_again_unchanged_is_not_redrawn():
    """A view sends its matrices every frame; the same picture again (an all-NaN confusion matrix before the first
    epoch included) must cost no repaint, and any change, of a value, a title or a mark, must show."""
    import numpy as np

    from dltui.ui.widgets.matrix_grid import Grid, MatrixGrid

    values = np.full((3, 3), np.nan)
    grid = Grid.of("confusion", values)
    assert grid.same(Grid.of("confusion", values.copy())) and not grid.same(None)
    changed = values.copy()
    changed[1, 2] = 4
    assert not grid.same(Grid.of("confusion", changed)) and not grid.same(Grid.of("confusion: after an epoch", values))
    assert not grid.same(Grid.of("confusion", values, marks={(0, 0)})) and not grid.same(Grid.of("confusion", values[:2]))
    widget = MatrixGrid()
    widget.show("confusion", values)
    shown = widget.grid
    widget.show("confusion", values.copy())
    assert widget.grid is shown
    widget.show("confusion", changed)
    assert widget.grid is not shown and widget.grid.values[1, 2] == 4
