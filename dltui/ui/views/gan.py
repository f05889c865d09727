"""The GAN lab: real and generated samples with D(x) behind them, then the numbers and two charts of
their history: D's mean verdicts on real and generated samples, and the modes G covers.

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

from dltui.i18n import N_, _
from dltui.labs.gan import GanSnapshot
from dltui.numbers import fixed

from ..widgets.chart import Chart, Series
from ..widgets.readout import Readout

ARROWS = "→↗↑↖←↙↓↘"  # by direction, counter-clockwise from east
LEGEND = {1: N_("░ real  ▓ generated  █ both\n* D(x), from 0 (bottom) to 1 (top)\n< > G's push on a sample"),
          2: N_("· real  o generated  ↗ G's push\nshade: D(x), darker = more real")}


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
        &:nocolor > .samples-plot--real, &:nocolor > .samples-plot--fake, &:nocolor > .samples-plot--arrow {
            color: $foreground;  /* in grey the tints are dark: the marks stay bright on every shade */
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: GanSnapshot | None = None

    def show(self, snapshot: GanSnapshot) -> None:
        self.snapshot = snapshot
        b = snapshot.bounds
        self.border_title = _("{data} · real vs generated").format(data=_(snapshot.data))
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
        level = (rows - np.arange(rows) - 0.5)[:, None]  # a bar covers a cell when its height passes the cell's middle
        real_in, fake_in = real * rows > level, fake * rows > level
        d_in = np.round((1 - d) * (rows - 1)).astype(int) == np.arange(rows)[:, None]
        glyphs = np.select([d_in, real_in & fake_in, fake_in, real_in], ["*", "█", "▓", "░"], " ")
        kinds = np.select([d_in, fake_in, real_in], [1, 2, 3], 0)
        pushes = np.full(width, " ")
        lo, hi = s.bounds
        x = s.arrows_at[:, 0]
        inside = np.isfinite(x) & (x >= lo) & (x <= hi)
        columns = np.minimum(((x[inside] - lo) / (hi - lo) * width).astype(int), width - 1)
        pushes[columns] = np.select([s.pushes[inside] < 0, s.pushes[inside] == 0], ["·", ">"], "<")
        styles = [None, self._style("d"), self._style("fake"), self._style("real")]
        return painted(np.vstack([glyphs, pushes]), np.vstack([kinds, np.full(width, 4)]),
                       styles + [self._style("arrow")])

    def _two_d(self, width: int, height: int) -> Text:
        s = self.snapshot
        x_lo, x_hi, y_lo, y_hi = s.bounds

        def cells(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """The rows and columns of the points inside the bounds, and which points those are."""
            ok = np.isfinite(points).all(axis=1) & (points[:, 0] >= x_lo) & (points[:, 0] <= x_hi) \
                & (points[:, 1] >= y_lo) & (points[:, 1] <= y_hi)
            p = points[ok]
            columns = np.minimum(((p[:, 0] - x_lo) / (x_hi - x_lo) * width).astype(int), width - 1)
            rows = np.minimum(((y_hi - p[:, 1]) / (y_hi - y_lo) * height).astype(int), height - 1)
            return rows, columns, ok

        glyphs = np.full((height, width), " ")
        kinds = np.zeros((height, width), dtype=int)  # 0 none, 1 real, 2 generated, 3 G's push
        for points, glyph, kind in ((s.real, "·", 1), (s.fake, "o", 2)):
            rows, columns, _inside = cells(points)
            glyphs[rows, columns], kinds[rows, columns] = glyph, kind
        rows, columns, ok = cells(s.arrows_at)
        push = s.pushes[ok] >= 0
        glyphs[rows[push], columns[push]] = np.array(list(ARROWS))[s.pushes[ok][push]]
        kinds[rows[push], columns[push]] = 3
        levels = np.minimum((s.d_cells(width, height) * 5).astype(int), 4)
        marks = [None] + [self._style(kind) for kind in ("real", "fake", "arrow")]
        backgrounds = [None] + [self._style(f"level-{level}") for level in range(1, 5)]
        styles = [mark if background is None else background if mark is None else background + mark
                  for mark in marks for background in backgrounds]
        return painted(glyphs, kinds * 5 + levels, styles)


def painted(glyphs: np.ndarray, codes: np.ndarray, styles: list) -> Text:
    """Rows of glyphs as one Text, each run of equal `codes` in a row styled `styles[code]`: a span per
    run rather than a Python step per cell."""
    rows, width = glyphs.shape
    text = Text("\n".join("".join(row) for row in glyphs.tolist()), no_wrap=True, overflow="crop")
    breaks = np.ones((rows, width + 1), dtype=bool)
    breaks[:, 1:-1] = codes[:, 1:] != codes[:, :-1]
    for row in range(rows):
        offset = row * (width + 1)
        edges = np.flatnonzero(breaks[row])
        for start, end in zip(edges[:-1].tolist(), edges[1:].tolist()):
            if (style := styles[codes[row, start]]) is not None:
                text.stylize(style, offset + start, offset + end)
    return text


class GanView(Horizontal):
    """The samples plot and its legend on the left; V(D, G), the counters and the two history charts
    on the right."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("SamplesPlot", "#numbers", "#verdicts", "#coverage")
    """Real vs generated with D(x), V(D, G), and how D's verdicts and G's coverage went: what every key
    changes."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """One page: nothing to turn to."""

    DEFAULT_CSS = """
    GanView {
        height: 1fr;
        & > #samples { width: 1fr; min-width: 30; }
        & SamplesPlot { height: 1fr; }
        & > #side { width: 36; padding: 0 1; }
        & #numbers { height: auto; }
        & #side > Chart { height: 1fr; min-height: 6; }
        & #legend { color: $text-muted; height: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="samples"):
            yield SamplesPlot()
            yield Readout(id="legend", markup=False)
        with Vertical(id="side"):
            yield Readout(id="numbers", markup=False)
            yield Chart(id="verdicts")
            yield Chart(id="coverage")

    def show(self, snapshot: GanSnapshot) -> None:
        s = snapshot
        self.query_one(SamplesPlot).show(s)
        self.query_one("#numbers", Static).update(self._numbers(s))
        self.query_one("#legend", Static).update(_(LEGEND[s.dim]))
        steps = np.arange(1, len(s.d_fake) + 1)
        self.query_one("#verdicts", Chart).show(
            _("mean D"), [Series("D(x)", s.d_real, steps), Series("D(G(z))", s.d_fake, steps)], x_label=_("G step"),
            y_label="D", y_range=(0, 1), diverged=s.diverged)
        self.query_one("#coverage", Chart).show(
            _("modes covered, of {count}").format(count=s.modes), [Series(_("modes"), s.coverage, s.checks)],
            x_label=_("round"), y_label=_("modes"), y_range=(0, s.modes), bars=True, diverged=s.diverged)

    def _numbers(self, s: GanSnapshot) -> Text:
        lines = [_("Round {rounds} · updates D {d}, G {g}").format(rounds=s.rounds, d=s.d_updates, g=s.g_updates)]
        if v := s.value:
            lines += [_("V(D,G) = {value} ({net}-step batch)").format(value=fixed(v.total), net=v.step),
                      f"  E log D(x)        {fixed(v.real)}",
                      f"  E log(1−D(G(z)))  {fixed(v.fake)}"]
        else:
            lines += [_("V(D,G): no step yet")]
        if len(s.d_fake):
            lines += [_("mean D(x) {real} · D(G(z)) {fake}").format(real=f"{s.d_real[-1]:.2f}", fake=f"{s.d_fake[-1]:.2f}")]
        lines += [_("modes covered {covered}/{modes} · W1 {distance}").format(
            covered=s.coverage[-1], modes=s.modes, distance=fixed(s.distance[-1], 2))]
        if len(s.g_grad):
            lines += [_("|∇G| {grad} · G's centre x {centre}").format(grad=fixed(s.g_grad[-1], 2),
                                                                     centre=fixed(s.fake_mean[-1, 0], 2))]
        return Text("\n".join(lines))
