"""The tiny transformer: training figures, every head's map on a probe sequence (the cells the task
needs underlined), accuracy and pattern charts, and an input for the learner's own sequence."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Static

from dltui.i18n import _
from dltui.labs.transformer import TransformerSnapshot
from dltui.numbers import fixed

from ..messages import LabRequest
from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.matrix_grid import Grid, MatrixGrids
from ..widgets.readout import Readout

CHARTS = (6, 12)  # the charts' least and most rows: they take what is left of the first page


class TransformerView(Fitted, VerticalScroll):
    """Figures, the probe sequence and every head's map on it (side by side as the width allows), the
    loss and per-epoch percentage charts side by side (as tall as the first page leaves them), then the
    input. Enter in the input runs the model on the typed digits and follows them as training goes on
    (`i` reaches it from anywhere in the lesson)."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#figures", "#probe", "#maps", "#charts")
    """How training goes, what the model does with the probe, its heads' maps and both charts."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Batch and epoch change the first page."""

    DEFAULT_CSS = """
    TransformerView {
        height: 1fr;
        padding: 0 1;
        & > #figures { height: auto; }
        & > #probe { text-style: bold; margin: 0 0 1 0; height: auto; }
        & > #charts { height: 6; }
        & > #typed { width: 40; margin: 1 0 0 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="figures", markup=False)
        yield Readout(id="probe", markup=False)
        yield MatrixGrids(id="maps")
        with Horizontal(id="charts"):
            yield Chart(id="loss")
            yield Chart(id="percentages")
        yield Input(placeholder=_("your digits, then Enter"), restrict=r"[0-9 ,]*", id="typed", compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """The typed digits go to the lab (the probe line shows them); the box empties for the next try."""
        event.stop()
        self.post_message(LabRequest("set_probe", event.value))
        event.input.value = ""

    def show(self, snapshot: TransformerSnapshot) -> None:
        s = snapshot
        self.fit(s)
        loss = fixed(s.losses[-1]) if s.losses else "–"
        figures = dict(task=_(s.task), length=s.length, params=f"{s.n_params:,}", epoch=s.epoch, batches=s.steps)
        self.query_one("#figures", Static).update(
            (_("{task} {length} digits · {params} parameters · epoch {epoch} · {batches} batches, {ms} ms each").format(
                ms=f"{s.step_ms:.1f}", **figures) if s.steps else
             _("{task} {length} digits · {params} parameters · epoch {epoch} · {batches} batches").format(**figures))
            + "\n" + _("held-out: digits {digits}, sequences {sequences} · loss {loss}").format(
                digits=f"{s.token_accuracy[-1]:.1%}", sequences=f"{s.sequence_accuracy[-1]:.1%}", loss=loss))
        charts = self.query_one("#charts")
        charts.styles.height = min(max(self.scrollable_content_region.height - charts.virtual_region.y, CHARTS[0]),
                                   CHARTS[1])
        self.query_one("#loss", Chart).show(_("loss per batch"), [Series(_("loss"), s.losses)], x_label=_("batch"),
                                            y_label=_("cross-entropy"), diverged=s.diverged)
        epochs = np.arange(len(s.sequence_accuracy))  # epoch 0: before training
        self.query_one("#percentages", Chart).show(
            _("held-out"), [Series(_("sequences"), 100 * np.array(s.sequence_accuracy), epochs),
                            Series(_("head on pattern"), 100 * np.array(s.best_pattern), epochs)],
            x_label=_("epoch"), y_label="%", y_range=(0, 100), diverged=s.diverged)
        p = s.probe
        mark = "✓" if p.correct else _("✗ (should be {digits})").format(digits=" ".join(map(str, p.expected)))
        self.query_one("#probe", Static).update(
            f"{' '.join(map(str, p.digits))}  →  {' '.join(map(str, p.output))}  {mark}")
        needed = {(int(i), int(j)) for i, j in zip(*s.target.nonzero())}
        titles = [_("layer {layer} head {head}").format(layer=layer + 1, head=h + 1)
                  for layer in range(s.layers) for h in range(s.heads)]  # the order of s.heatmaps()
        self.query_one("#maps", MatrixGrids).show([Grid.of(title, *m[1:], low=0.0, high=1.0, marks=needed)
                                                   for title, m in zip(titles, s.heatmaps())])
