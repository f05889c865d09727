"""The contour map: shades that follow the surface, paths where their points are, nothing drawn off the map."""

import numpy as np

from dltui.ui.widgets.contour_map import BANDS, TICKS, Mark, Path, band_edges, contour_text

BOX = (-2.0, 2.0, -2.0, 2.0)
X, Y = np.meshgrid(np.linspace(-2, 2, 41), np.linspace(2, -2, 41))
BOWL = X**2 + Y**2


def plot_rows(text):
    """The picture's cells without the tick column and the x tick row."""
    return [line[TICKS:] for line in text.plain.split("\n")[:-1]]


def test_the_lowest_band_is_around_the_minimum_and_the_highest_in_the_corners():
    rows = plot_rows(contour_text(BOWL, BOX, (11, 7 + 21)))
    assert rows[5][10] == BANDS[0] and rows[0][0] == rows[-1][-1] == BANDS[-1]
    assert len(rows) == 10 and {len(row) for row in rows} == {21}


def test_band_edges_split_the_surface_in_fifths_to_two_digits():
    edges = band_edges(BOWL)
    shares = np.diff(np.searchsorted(np.sort(BOWL.ravel()), [0, *edges, np.inf])) / BOWL.size
    assert np.all(np.abs(shares - 0.2) < 0.03), shares
    assert all(float(f"{edge:.2g}") == edge for edge in edges)


def test_a_path_joins_its_points_and_its_head_is_marked():
    text = contour_text(BOWL, BOX, (11, 7 + 21), [Path("o", [-2, 2], [2, -2])], [Mark("★", 0, 0)])
    rows = plot_rows(text)
    diagonal = [rows[r][round(r * 20 / 9)] for r in range(10)]
    assert diagonal.count("o") >= 9 and rows[round(4.5)][10] in "★o"
    assert any("reverse" in str(span.style) for span in text.spans)  # the newest point


def test_points_off_the_map_or_not_finite_are_left_out():
    path = Path("x", [0.0, 1e30, np.nan, 5.0], [0.0, 1e30, 0.0, 5.0])
    rows = plot_rows(contour_text(BOWL, BOX, (11, 28), [path]))
    assert sum(row.count("x") for row in rows) == 1
    nan_surface = BOWL.copy()
    nan_surface[0, 0] = np.nan
    assert plot_rows(contour_text(nan_surface, BOX, (11, 28)))[0][0] == BANDS[-1]
