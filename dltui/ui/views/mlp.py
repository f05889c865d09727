"""The MLP lab: decision regions with the data beside the numbers, the loss curves, then the weights
and the restarts side by side.

At 80×24 the regions, the numbers and the loss curves are the first page; the weights and the
restarts table the next (`v`), which `m` turns to when its seeds are trained.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from dltui.labs.mlp import MLPSnapshot
from dltui.numbers import fixed

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.glyphs import downsample, sparkline
from ..widgets.matrix_grid import short
from ..widgets.region_map import RegionMap
from ..widgets.readout import Readout

LEGEND = "o target 0   x target 1\nshade: output ·0 ░ ▒ ▓ █1"
SPARK = 16
PLOT = (5, 12)  # the loss chart's least and most rows: it fills the first page under the regions


class MLPView(Fitted, VerticalScroll):
    """Regions and numbers side by side, then the loss chart (as tall as the pane leaves it, 5 to 12
    rows), then the weights and the restarts table."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("RegionMap", "#numbers", "Chart")
    """What the net draws, how far it is, and its loss curves: the first page."""

    SHOWS: ClassVar[dict[str, str]] = {"compare": "#restarts"}
    """`m` trains the seeds for the restarts table, which may be on the next page."""

    DEFAULT_CSS = """
    MLPView {
        height: 1fr;
        & > #top { height: auto; }
        & #numbers { width: 1fr; min-width: 26; height: auto; padding: 0 1; }
        & > Chart { height: 5; padding: 0 1; }
        & > #weights, & > #restarts { height: auto; padding: 0 1; margin: 0 0 1 0; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield RegionMap()
            yield Readout(id="numbers", markup=False)
        yield Chart()
        yield Readout(id="weights", markup=False)
        yield Readout(id="restarts", markup=False)

    def show(self, snapshot: MLPSnapshot) -> None:
        s = snapshot
        self.fit(s)
        regions = self.query_one(RegionMap)
        regions.show(s.grid, s.grid_box, s.inputs, s.targets)
        regions.border_title = f"{s.dataset} · 2-{s.hidden}-1 {s.activation}"
        self.query_one("#numbers", Static).update(self._numbers(s))
        self.query_one("#weights", Static).update(self._weights(s))
        chart = self.query_one(Chart)
        chart.styles.height = min(max(self.region.height - regions.outer_size.height, PLOT[0]), PLOT[1])
        epochs = np.arange(len(s.train_loss))
        series = [Series("train", s.train_loss, epochs)]
        if s.val_loss is not None:
            series.append(Series("validation", s.val_loss, epochs))
        best = s.best_epoch is not None and len(s.train_loss) > 1
        chart.show("loss" + (" · │ best" if best else ""), series, x_label="epoch", y_label="loss",
                   mark=s.best_epoch if best else None, diverged=s.diverged)
        self.query_one("#restarts", Static).update(self._restarts(s))

    def _numbers(self, s: MLPSnapshot) -> Text:
        lines = [f"Epoch {s.epoch} · {s.updates} updates", f"mode {s.mode}",
                 f"train loss {fixed(s.loss_now, 4)}", f"accuracy {s.accuracy:.0%}"]
        if s.val_loss is not None:
            lines += [f"val loss {fixed(s.val_loss[-1], 4)} · acc {s.val_accuracy:.0%}", f"best val epoch {s.best_epoch}"]
        if s.stopped_epoch is not None:
            lines += [f"early-stopped at {s.stopped_epoch}"]
        lines += [f"outcome: {s.outcome or 'training'}"]
        return Text("\n".join(lines + ["", LEGEND]))

    def _weights(self, s: MLPSnapshot) -> Text:
        lines = ["Weights and biases"]
        for name, value in s.weights.items():
            rows = value.reshape(-1, value.shape[-1]) if value.ndim > 1 else value.reshape(1, -1)
            for k, row in enumerate(rows):
                lines.append(f"{name if k == 0 else '':<11}" + " ".join(f"{short(v):>4}" for v in row))
        return Text("\n".join(lines))

    def _restarts(self, s: MLPSnapshot) -> Text:
        if not s.restarts:
            return Text("Restarts: press m to train from several seeds with these settings and compare them here.")
        solved = sum(r.solved for r in s.restarts)
        lines = [f"Restarts: {solved} of {len(s.restarts)} solved",
                 f"{'seed':>5} {'outcome':<13} {'epochs':>6} {'final loss':>10}  loss curve"]
        for r in s.restarts:
            mark = "✓" if r.solved else "✗"
            lines.append(f"{r.seed:>5} {mark} {r.outcome:<11} {r.epochs:>6} {fixed(r.final_loss, 4):>10}  "
                         f"{sparkline(downsample(r.loss_curve, SPARK), SPARK)}")
        return Text("\n".join(lines))
