"""The GAN lab: real and generated samples with D(x) behind them, then the numbers and their histories.

Every picture carries its meaning in glyphs (░ real, ▓ generated, * D(x), arrows for G's push),
so it reads the same without color; tints only add to them.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from dltui.labs.gan import GanSnapshot

from ..widgets.glyphs import downsample, signed, sparkline

ARROWS = "→↗↑↖←↙↓↘"  # by direction, counter-clockwise from east
LEGEND = {1: "░ real  ▓ generated  █ both\n* D(x), from 0 (bottom) to 1 (top)\n< > G's push on a sample",
          2: "· real  o generated  ↗ G's push\nshade: D(x), darker = more real"}


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
        real, fake, d = s.profile(width)
        real_h, fake_h = real * rows, fake * rows
        d_rows = np.round((1 - d) * (rows - 1)).astype(int)
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
        for (x,), direction in zip(s.arrows_at, s.pushes):
            if np.isfinite(x) and lo <= x <= hi:
                column = min(int((x - lo) / (hi - lo) * width), width - 1)
                pushes[column] = "·" if direction < 0 else ">" if direction == 0 else "<"
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
        for cell, direction in zip(cells(s.arrows_at), s.pushes):
            if direction >= 0:
                marks[cell] = (ARROWS[direction], "arrow")
        levels = np.minimum((s.d_cells(width, height) * 5).astype(int), 4)
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

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("SamplesPlot", "#numbers")
    """Real vs generated with D(x), and V(D, G) with its histories: what every key changes."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """One page: nothing to turn to."""

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
