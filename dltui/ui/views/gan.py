"""The GAN lab: real and generated samples with D(x) behind them, then the numbers and their histories.

Every picture carries its meaning in glyphs (░ real, ▓ generated, * D(x), arrows for G's push),
so it reads the same without color; tints only add to them.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from dltui.labs.gan import GanSnapshot

EIGHTHS = " ▁▂▃▄▅▆▇█"
ARROWS = "→↗↑↖←↙↓↘"  # by direction, counter-clockwise from east
LEGEND = {1: "░ real  ▓ generated  █ both\n* D(x), from 0 (bottom) to 1 (top)\n< > G's push on a sample",
          2: "· real  o generated  ↗ G's push\nshade: D(x), darker = more real"}


def signed(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}".replace("-", "−")


def sparkline(values: np.ndarray, width: int) -> str:
    """The newest `width` values as eighth-blocks between their own min and max."""
    values = np.asarray(values, dtype=float)[-width:]
    values = values[np.isfinite(values)]
    if not len(values):
        return ""
    lo, hi = values.min(), values.max()
    levels = np.zeros(len(values), int) if hi - lo < 1e-12 else np.round((values - lo) / (hi - lo) * 7).astype(int) + 1
    return "".join(EIGHTHS[k] for k in levels)


def downsample(values: np.ndarray, width: int) -> np.ndarray:
    """Means of `width` equal slices, so a long history fits a short line."""
    values = np.asarray(values, dtype=float)
    if len(values) <= width:
        return values
    return np.array([chunk.mean() for chunk in np.array_split(values, width)])


class SamplesPlot(Widget):
    """1-D: histograms of real and generated samples, D(x) as a curve, G's push as < and >.
    2-D: the samples as markers on a D(x) shading, G's push as arrows."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "samples-plot--real", "samples-plot--fake", "samples-plot--d", "samples-plot--arrow",
        "samples-plot--level-1", "samples-plot--level-2", "samples-plot--level-3", "samples-plot--level-4",
    }
    """
    | Class | Description |
    | :- | :- |
    | `samples-plot--real` | Real samples (bars or markers). |
    | `samples-plot--fake` | Generated samples. |
    | `samples-plot--d` | The D(x) curve (1-D). |
    | `samples-plot--arrow` | G's push on a sample. |
    | `samples-plot--level-1` … `-4` | D(x) shading from fake to real (2-D). |
    """

    DEFAULT_CSS = """
    SamplesPlot {
        border: round $border-blurred;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        & > .samples-plot--real { color: $primary; }
        & > .samples-plot--fake { color: $secondary; text-style: bold; }
        & > .samples-plot--d { color: $warning; text-style: bold; }
        & > .samples-plot--arrow { color: $error; text-style: bold; }
        & > .samples-plot--level-1 { background: $accent 8%; }
        & > .samples-plot--level-2 { background: $accent 20%; }
        & > .samples-plot--level-3 { background: $accent 35%; }
        & > .samples-plot--level-4 { background: $accent 55%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: GanSnapshot | None = None

    def show(self, snapshot: GanSnapshot) -> None:
        self.snapshot = snapshot
        b = snapshot.bounds
        self.border_title = f"{snapshot.data} · real vs generated"
        subtitle = f"x {b[0]:g}…{b[1]:g}" + (f" · y {b[2]:g}…{b[3]:g}" if snapshot.dim == 2 else "")
        self.border_subtitle = subtitle.replace("-", "−")
        self.refresh()

    def render(self) -> RenderResult:
        width, height = self.content_size
        if self.snapshot is None or width < 4 or height < 3:
            return ""
        return self._one_d(width, height) if self.snapshot.dim == 1 else self._two_d(width, height)

    def _style(self, name: str):
        return self.get_component_rich_style(f"samples-plot--{name}")

    def _one_d(self, width: int, height: int) -> Text:
        s = self.snapshot
        rows = height - 1  # the last row holds the arrows
        _, real, fake = s.histogram(max(width // 2, 4))  # two columns a bin: 512 samples give smooth bars
        top = max(real.max(), fake.max(), 1e-12)
        bin_of = np.minimum(np.arange(width) * len(real) // width, len(real) - 1)
        real_h, fake_h = real[bin_of] / top * rows, fake[bin_of] / top * rows
        xs, = s.grid
        centres = s.bounds[0] + (np.arange(width) + 0.5) / width * (s.bounds[1] - s.bounds[0])
        d_rows = np.round((1 - np.interp(centres, xs, np.nan_to_num(s.d_grid, nan=0.5))) * (rows - 1)).astype(int)
        text = Text(no_wrap=True, overflow="crop")
        for row in range(rows):
            level = rows - row - 0.5  # a bar covers this cell when its height passes the cell's middle
            for column in range(width):
                if d_rows[column] == row:
                    text.append("*", self._style("d"))
                elif real_h[column] > level and fake_h[column] > level:
                    text.append("█", self._style("fake"))
                elif fake_h[column] > level:
                    text.append("▓", self._style("fake"))
                elif real_h[column] > level:
                    text.append("░", self._style("real"))
                else:
                    text.append(" ")
            text.append("\n")
        pushes = [" "] * width
        lo, hi = s.bounds
        scale = np.abs(s.arrows).max() if len(s.arrows) else 0.0
        for (x,), (dx,) in zip(s.arrows_at, s.arrows):
            if np.isfinite(x) and lo <= x <= hi:
                column = min(int((x - lo) / (hi - lo) * width), width - 1)
                pushes[column] = "·" if scale == 0 or abs(dx) < 0.05 * scale else ">" if dx > 0 else "<"
        text.append("".join(pushes), self._style("arrow"))
        return text

    def _two_d(self, width: int, height: int) -> Text:
        s = self.snapshot
        x_lo, x_hi, y_lo, y_hi = s.bounds

        def cells(points: np.ndarray) -> list[tuple[int, int]]:
            ok = np.isfinite(points).all(axis=1) & (points[:, 0] >= x_lo) & (points[:, 0] <= x_hi) \
                & (points[:, 1] >= y_lo) & (points[:, 1] <= y_hi)
            p = points[ok]
            columns = np.minimum(((p[:, 0] - x_lo) / (x_hi - x_lo) * width).astype(int), width - 1)
            rows = np.minimum(((y_hi - p[:, 1]) / (y_hi - y_lo) * height).astype(int), height - 1)
            return list(zip(rows.tolist(), columns.tolist()))

        marks: dict[tuple[int, int], tuple[str, str]] = {cell: ("·", "real") for cell in cells(s.real)}
        marks.update({cell: ("o", "fake") for cell in cells(s.fake)})
        for cell, (dx, dy) in zip(cells(s.arrows_at), s.arrows):
            if np.hypot(dx, dy) > 0:
                marks[cell] = (ARROWS[round(math.atan2(dy, dx) / (math.pi / 4)) % 8], "arrow")
        xs, ys = s.grid
        column_x = x_lo + (np.arange(width) + 0.5) / width * (x_hi - x_lo)
        row_y = y_hi - (np.arange(height) + 0.5) / height * (y_hi - y_lo)
        ix = np.clip(np.searchsorted(xs, column_x), 0, len(xs) - 1)
        iy = np.clip(np.searchsorted(ys, row_y), 0, len(ys) - 1)
        shade = np.nan_to_num(s.d_grid[np.ix_(iy, ix)], nan=0.5)
        levels = np.minimum((shade * 5).astype(int), 4)
        text = Text(no_wrap=True, overflow="crop")
        for row in range(height):
            for column in range(width):
                glyph, kind = marks.get((row, column), (" ", ""))
                style = self._style(kind) if kind else None
                level = levels[row, column]
                if level:
                    background = self._style(f"level-{level}")
                    style = background if style is None else background + style
                text.append(glyph, style)
            if row < height - 1:
                text.append("\n")
        return text


class GanView(Horizontal):
    """The samples plot on the left; V(D, G), the counters and the histories on the right."""

    DEFAULT_CSS = """
    GanView {
        height: 1fr;
        & > SamplesPlot { width: 1fr; min-width: 30; }
        & > #side { width: 36; padding: 0 1; }
        & #numbers { height: auto; }
        & #legend { color: $text-muted; margin: 1 0 0 0; height: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield SamplesPlot()
        with Vertical(id="side"):
            yield Static(id="numbers", markup=False)
            yield Static(id="legend", markup=False)

    def show(self, snapshot: GanSnapshot) -> None:
        self.query_one(SamplesPlot).show(snapshot)
        self.query_one("#numbers", Static).update(self._numbers(snapshot))
        self.query_one("#legend", Static).update(LEGEND[snapshot.dim])

    def _numbers(self, s: GanSnapshot) -> Text:
        lines = [f"Round {s.rounds} · updates D {s.d_updates}, G {s.g_updates}"]
        if v := s.value:
            lines += [f"V(D,G) = {signed(v.total)} ({v.step}-step batch)",
                      f"  E log D(x)        {signed(v.real)}",
                      f"  E log(1−D(G(z)))  {signed(v.fake)}"]
        else:
            lines += ["V(D,G): no step yet"]
        if len(s.d_fake):
            lines += [f"mean D(x) {s.d_real[-1]:.2f} · D(G(z)) {s.d_fake[-1]:.2f}"]
        lines += [f"modes covered {s.coverage[-1]}/{s.modes} · W1 {s.distance[-1]:.2f}"]
        span = 20
        for label, values in (("D(G(z))", s.d_fake), ("D loss", s.d_loss), ("G loss", s.g_loss),
                              ("|∇G|", s.g_grad), ("cover", s.coverage), ("G mean", s.fake_mean[:, 0])):
            if len(values):
                shown = downsample(values, span)
                lines += [f"{label:<8}{sparkline(shown, span)} {shown[-1]:.2g}".replace("-", "−")]
        return Text("\n".join(lines))
