"""LeNet-5: training progress, the confusion matrix and the worst mistakes first, then a test digit
with its C1 feature maps, the kernels and the shape table, and the C3 maps."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from dltui.i18n import _
from dltui.labs.lenet import LeNetSnapshot
from dltui.numbers import fixed

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.matrix_grid import MatrixGrid, count
from ..widgets.shade_image import gallery, shade
from ..widgets.readout import Readout

DIGITS = tuple(str(d) for d in range(10))
CHARTS = (6, 10)  # the charts' least and most rows: they take what the confusion matrix leaves on page 1
KERNELS_WIDTH = 36  # three kernels a row, the shape table beside them


class LeNetView(Fitted, VerticalScroll):
    """Page 1 (at 80×24): the loss and test-accuracy charts, the confusion matrix beside the worst
    mistakes. Then the test digit and its C1 maps, the C1 kernels beside the shape table, the C3 maps. In a short pane the
    pictures are drawn at a quarter of their resolution (the digits are 8×8 scans, so the digit loses
    nothing) and the C3 maps at half."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#progress", "#loss", "#accuracy", "#confusion", "#worst")
    """How training goes and what the net gets wrong: the first page."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Batch and epoch change the first page; the pictures after it follow along."""

    DEFAULT_CSS = """
    LeNetView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; margin: 0 0 1 0; }
        & > #progress { margin: 0; }
        & > Horizontal { height: auto; }
        & > #curves { height: 6; }
        & > #results { margin: 0 0 1 0; }
        & #confusion { margin: 0 2 0 0; }
        & #worst { width: auto; height: auto; }
        & #tables { margin: 0 0 1 0; }
        & #kernels { width: auto; height: auto; margin: 0 2 0 0; }
        & #shapes { width: auto; height: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="progress", markup=False)
        with Horizontal(id="curves"):
            yield Chart(id="loss")
            yield Chart(id="accuracy")
        with Horizontal(id="results"):
            yield MatrixGrid(max_cols=10, cell=4, number=count, id="confusion")
            yield Readout(id="worst", markup=False)
        yield Readout(id="digit", markup=False)
        with Horizontal(id="tables"):
            yield Readout(id="kernels", markup=False)
            yield Readout(id="shapes", markup=False)
        yield Readout(id="c3", markup=False)

    def show(self, s: LeNetSnapshot) -> None:
        self.fit(s)
        fields = dict(epoch=s.current_epoch, batch=s.current_batch, batches=s.steps_per_epoch, lr=f"{s.lr:.2g}")
        progress = (_("epoch {epoch} · batch {batch}/{batches} · lr {lr} · loss (last {count} batches) {loss}").format(
                        **fields, count=s.recent_batches, loss=fixed(s.recent_loss)) if s.recent_batches else
                    _("epoch {epoch} · batch {batch}/{batches} · lr {lr}").format(**fields))
        self.query_one("#progress", Static).update(Text(progress))
        self._charts(s)
        grid = self.query_one("#confusion", MatrixGrid)
        if s.confusion is not None:
            grid.show(_("confusion: rows true, columns read"), s.confusion, DIGITS, DIGITS, marks={(d, d) for d in range(10)})
        else:  # the same place, empty, so nothing moves when the first epoch ends
            grid.show(_("confusion: after an epoch"), np.full((10, 10), np.nan), DIGITS, DIGITS)
        worst = [_("worst mistakes"), _("test #  true → read  p(true)")]
        worst += [f"  #{m.index:<4} {m.label} → {m.predicted}    {m.p_label:6.1%}" for m in s.worst]
        self.query_one("#worst", Static).update(Text("\n".join(worst) if s.worst else _("worst mistakes:\nnone listed yet")))
        if self.in_view("#digit", "#tables", "#c3"):
            self._pictures(s)
        table = [_("layer     output      params")] + [
            f"{l.name:<8}  {'×'.join(map(str, l.shape)):<10} {l.params:>7,}" for l in s.layers]
        self.query_one("#shapes", Static).update(Text("\n".join(table)))

    def _charts(self, s: LeNetSnapshot) -> None:
        """Loss per batch and test accuracy per epoch, as tall as the confusion matrix leaves them on page 1."""
        rest = self.query_one("#progress").outer_size.height + self.query_one("#results").outer_size.height
        self.query_one("#curves").styles.height = min(max(self.region.height - rest, CHARTS[0]), CHARTS[1])
        self.query_one("#loss", Chart).show(_("loss per batch"), [Series(_("loss"), s.losses)], x_label=_("batch"),
                                            y_label=_("cross-entropy"), diverged=s.diverged)
        last = s.evaluations[-1] if s.evaluations else None
        title = (_("test accuracy {test} (train {train})").format(test=f"{last.test_accuracy:.1%}",
                                                                   train=f"{last.train_accuracy:.1%}") if last
                 else _("test accuracy: after an epoch"))
        self.query_one("#accuracy", Chart).show(
            title, [Series(_("test"), [100 * e.test_accuracy for e in s.evaluations], [e.epoch for e in s.evaluations])],
            x_label=_("epoch"), y_label="%", y_range=(0, 100), bars=True)

    def _pictures(self, s: LeNetSnapshot) -> None:
        """The digit and the maps, smaller in a short pane so each gallery fits one page."""
        width, step = self.room, 4 if self.short else 2
        pictures = [shade(s.image[::step, ::step], 0, 1)] + [shade(m[::step, ::step], -1, 1) for m in s.maps["C1"]]
        titles = [_("test #{index}: {label}, read {prediction} ({p})").format(
            index=s.test_index, label=s.test_label, prediction=s.prediction, p=f"{s.probabilities[s.prediction]:.0%}")]
        titles += [_("C1 map {number}").format(number=i + 1) for i in range(6)]
        self.query_one("#digit", Static).update(gallery(pictures, titles, width))
        kernels = Text(_("C1 kernels (5×5)") + "\n", "bold")
        kernels.append_text(gallery([shade(k[0]) for k in s.c1_kernels], [str(i + 1) for i in range(len(s.c1_kernels))],
                                    KERNELS_WIDTH))
        self.query_one("#kernels", Static).update(kernels)
        c3 = s.maps["C3"][:, ::2, ::2] if self.short else s.maps["C3"]
        text = Text((_("C3 maps 1–16 (every other row and column)") if self.short else _("C3 maps 1–16")) + "\n", "bold")
        text.append_text(gallery([shade(m, -1, 1) for m in c3], [str(i + 1) for i in range(len(c3))], width,
                                 row_gap=0 if self.short else 1))
        self.query_one("#c3", Static).update(text)
