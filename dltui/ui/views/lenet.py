"""LeNet-5: training progress, the shape table, kernels and feature maps of a test digit, the
confusion matrix and the worst mistakes. Everything scrolls; the newest numbers come first."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.attention import Heatmap
from dltui.labs.lenet import LeNetSnapshot

from ..widgets.bars import Bars
from ..widgets.matrix_grid import MatrixGrid
from ..widgets.shade_image import gallery, shade

DIGITS = tuple(str(d) for d in range(10))


class LeNetView(VerticalScroll):
    DEFAULT_CSS = """
    LeNetView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; margin: 0 0 1 0; }
        & > Bars { height: 4; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="progress", markup=False)
        yield Bars()
        yield Static(id="digit", markup=False)
        yield Static(id="kernels", markup=False)
        yield Static(id="c3", markup=False)
        yield MatrixGrid(max_cols=10, id="confusion")
        yield Static(id="worst", markup=False)
        yield Static(id="shapes", markup=False)

    def show(self, s: LeNetSnapshot) -> None:
        recent = s.losses[-s.steps_per_epoch:]
        lines = [f"epoch {s.epoch} · batch {s.step} · lr {s.lr:.2g}"
                 + (f" · loss (last {len(recent)} batches) {np.mean(recent):.3f}" if recent else "")]
        lines += [f"epoch {e.epoch:>2}: train {e.train_accuracy:6.1%}   test {e.test_accuracy:6.1%}" for e in s.evaluations[-6:]]
        self.query_one("#progress", Static).update(Text("\n".join(lines)))
        bars = self.query_one(Bars)
        bars.values = tuple(round(100 * e.test_accuracy) for e in s.evaluations)
        bars.border_title = "test accuracy % per epoch"
        width = max(self.size.width - 2, 40)
        guess = int(s.probabilities.argmax())
        # every other row and column: half resolution, so a 32×32 image fits a terminal pane
        pictures = [shade(s.image[::2, ::2], 0, 1)] + [shade(m[::2, ::2], -1, 1) for m in s.maps["C1"]]
        titles = [f"test #{s.test_index}: {s.test_label}, read {guess} ({s.probabilities[guess]:.0%})"]
        self.query_one("#digit", Static).update(gallery(pictures, titles + [f"C1 map {i + 1}" for i in range(6)], width))
        self.query_one("#kernels", Static).update(gallery(
            [shade(k[0]) for k in s.c1_kernels], [f"C1 kernel {i + 1}" for i in range(len(s.c1_kernels))], width))
        self.query_one("#c3", Static).update(gallery(
            [shade(m, -1, 1) for m in s.maps["C3"]], [f"C3 map {i + 1}" for i in range(16)], width))
        grid = self.query_one("#confusion", MatrixGrid)
        grid.display = s.confusion is not None
        if s.confusion is not None:
            grid.show(Heatmap("confusion: rows true, columns predicted", s.confusion, DIGITS, DIGITS),
                      marks={(d, d) for d in range(10)})
        worst = ["worst mistakes (test #, true → read, p(true))"]
        worst += [f"  #{m.index:<4} {m.label} → {m.predicted}   {m.p_label:.1%}" for m in s.worst]
        self.query_one("#worst", Static).update(Text("\n".join(worst) if s.worst else "no mistakes listed yet"))
        table = ["layer     output      params"] + [
            f"{l.name:<8}  {'×'.join(map(str, l.shape)):<10} {l.params:>7,}" for l in s.layers]
        self.query_one("#shapes", Static).update(Text("\n".join(table)))
