"""The DCGAN lab: G's samples at fixed z's as shaded 8×8 digits, each with what LeNet reads in it, beside the numbers
and D's mean verdicts; then the losses and how far the samples are from real digits; then G's and D's layers.

At 80×24 the grid (two rows of three samples), the numbers and D's verdicts are the first page; the other charts and
the layer tables follow (`v`). A wider or taller pane shows more samples.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from dltui.i18n import _, ngettext
from dltui.labs.dcgan import DcganSnapshot, Layer
from dltui.numbers import fixed
from dltui.text import left, right

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout
from ..widgets.shade_image import beside, shade

SIDE = 27  # the least columns of the numbers and D's chart beside the grid
SAMPLE = 16  # an 8×8 sample two glyphs a pixel
GAP = 1
ROW = 9  # a row of samples: 8 lines and the line of what LeNet reads
MAX_ROWS = 4


def grid_size(width: int, height: int, samples: int) -> tuple[int, int]:
    """Rows and columns of samples that fit `width` × `height` cells under a title line."""
    columns = max(1, (width + GAP) // (SAMPLE + GAP))
    rows = max(1, min((height - 1) // ROW, MAX_ROWS, samples // columns))
    return rows, columns


def sample_grid(s: DcganSnapshot, rows: int, columns: int) -> Text:
    """The first rows × columns samples, each over the digit LeNet reads in it and how sure it is."""
    text = Text(_("G(z) at {count} fixed z's · round {rounds}").format(count=rows * columns, rounds=s.rounds), "bold",
                no_wrap=True, overflow="crop")
    for r in range(rows):
        picks = range(r * columns, (r + 1) * columns)
        pictures = []
        for k in picks:
            picture = shade(np.nan_to_num(s.samples[k]), -1, 1)
            picture.append(f"\n{f'{s.reads[k]} · {s.sure[k]:.0%}':^{SAMPLE}}")
            pictures.append(picture)
        text.append("\n")
        text.append_text(beside(pictures, GAP))
    return text


def layer_table(title: str, net: tuple[Layer, ...], width: int) -> Text:
    """One net's layers: what each is, the shape it outputs, its parameters; the total in the title."""
    total = sum(layer.params for layer in net)
    name = width - 15
    lines = [_("{net} · {count} parameters").format(net=title, count=f"{total:,}"),
             left(_("layer"), name) + right(_("output"), 8) + right(_("params"), 7)]
    for layer in net:
        shape = "×".join(map(str, layer.shape))
        lines.append(f"{layer.name[:name]:<{name}}{shape:>8}{f'{layer.params:,}' if layer.params else '':>7}")
    text = Text("\n".join(lines), no_wrap=True, overflow="crop")
    text.stylize("bold", 0, len(lines[0]))
    return text


class DcganView(Fitted, VerticalScroll):
    """Samples | numbers and D's verdicts; losses | distance to the data; G's and D's layers."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#grid", "#numbers", "#verdicts")
    """G's samples, the numbers and D's verdicts: what every round changes."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Rounds change the first page: nothing to turn to."""

    DEFAULT_CSS = """
    DcganView {
        height: 1fr;
        & > #top { height: auto; }
        & #grid { width: auto; height: auto; padding: 0 0 0 1; }
        & #side { width: 1fr; min-width: 27; height: 19; padding: 0 0 0 1; }
        & #numbers { height: auto; }
        & #verdicts { height: 1fr; min-height: 8; }
        & > #history { height: 12; }
        & #history > Chart { width: 1fr; padding: 0 1 0 0; }
        & > #layers { height: auto; padding: 0 1; margin: 1 0 0 0; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Readout(id="grid", markup=False)
            with Vertical(id="side"):
                yield Readout(id="numbers", markup=False)
                yield Chart(id="verdicts")
        with Horizontal(id="history"):
            yield Chart(id="losses")
            yield Chart(id="quality")
        yield Readout(id="layers", markup=False)

    def show(self, snapshot: DcganSnapshot) -> None:
        s = snapshot
        self.fit(s)
        rows, columns = grid_size(self.room - SIDE - 1, max(self.region.height, 2 * ROW + 1), len(s.samples))
        self.query_one("#side").styles.height = rows * ROW + 1
        self.query_one("#grid", Static).update(sample_grid(s, rows, columns))
        self.query_one("#numbers", Static).update(self._numbers(s))
        rounds = np.arange(1, len(s.d_real) + 1)
        self.query_one("#verdicts", Chart).show(
            "D", [Series("D(x)", s.d_real, rounds), Series("D(G(z))", s.d_fake, rounds)], x_label=_("round"),
            y_label="D", y_range=(0, 1), diverged=s.diverged)
        self.query_one("#losses", Chart).show(
            _("losses"), [Series("D", s.d_loss, rounds), Series("G", s.g_loss, rounds)], x_label=_("round"),
            y_label="BCE", diverged=s.diverged)
        checks = np.array([c.round for c in s.checks])
        self.query_one("#quality", Chart).show(
            _("samples"), [Series(_("nearest"), [c.nearest for c in s.checks], checks),
                           Series(_("spread"), [c.spread for c in s.checks], checks)],
            x_label=_("round"), y_label="RMS", y_range=(0, 1), diverged=s.diverged)
        half = (self.room - 2 - 2 * GAP) // 2
        self.query_one("#layers", Static).update(beside(
            [layer_table("G", s.g_layers, half), layer_table("D", s.d_layers, half)], 2 * GAP))

    def _numbers(self, s: DcganSnapshot) -> Text:
        last = s.last
        lines = [_("round {rounds} · lr {lr}").format(rounds=s.rounds, lr=f"{s.lr:g}")]
        if len(s.d_real):
            lines += [f"D(x) {fixed(s.d_real[-1], 2)} · D(G(z)) {fixed(s.d_fake[-1], 2)}",
                      _("loss D {d} · G {g}").format(d=fixed(s.d_loss[-1], 3), g=fixed(s.g_loss[-1], 3))]
        else:
            lines += [_("no round yet"), ""]
        lines += [ngettext("LeNet {sure} · {count} digit", "LeNet {sure} · {count} digits", last.digits).format(
                      sure=f"{last.sure:.0%}", count=last.digits),
                  _("nearest {value} (real {real})").format(value=fixed(last.nearest, 2), real=fixed(s.real_nearest, 2)),
                  _("spread {value} (real {real})").format(value=fixed(last.spread, 2), real=fixed(s.real_spread, 2))]
        return Text("\n".join(lines), no_wrap=True, overflow="crop")
