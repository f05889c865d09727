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

from dltui.i18n import N_, _
from dltui.labs.mlp import MLPSnapshot
from dltui.numbers import fixed
from dltui.text import left, right

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.glyphs import downsample, sparkline
from ..widgets.matrix_grid import short
from ..widgets.region_map import RegionMap
from ..widgets.readout import Readout

LEGEND = N_("o target 0   x target 1\nshade: output ·0 ░ ▒ ▓ █1")
OUTCOMES = {"solved": N_("solved"), "stuck": N_("stuck"), "diverged": N_("diverged"),
            "early-stopped": N_("early-stopped"), "out of epochs": N_("out of epochs"), None: N_("training")}
"""Each run's outcome (as the lab names it) as the view shows it."""
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
        regions.border_title = f"{_(s.dataset)} · 2-{s.hidden}-1 {s.activation}"
        self.query_one("#numbers", Static).update(self._numbers(s))
        self.query_one("#weights", Static).update(self._weights(s))
        chart = self.query_one(Chart)
        chart.styles.height = min(max(self.region.height - regions.outer_size.height, PLOT[0]), PLOT[1])
        epochs = np.arange(len(s.train_loss))
        series = [Series(_("train"), s.train_loss, epochs)]
        if s.val_loss is not None:
            series.append(Series(_("validation"), s.val_loss, epochs))
        best = s.best_epoch is not None and len(s.train_loss) > 1
        chart.show(_("loss · │ best") if best else _("loss"), series, x_label=_("epoch"), y_label=_("loss"),
                   mark=s.best_epoch if best else None, diverged=s.diverged)
        self.query_one("#restarts", Static).update(self._restarts(s))

    def _numbers(self, s: MLPSnapshot) -> Text:
        lines = [_("Epoch {epoch} · {count} updates").format(epoch=s.epoch, count=s.updates),  # always "updates", as before (tests read it)
                 _("mode {mode}").format(mode=_(s.mode)),
                 _("train loss {loss}").format(loss=fixed(s.loss_now, 4)),
                 _("accuracy {percent}").format(percent=f"{s.accuracy:.0%}")]
        if s.val_loss is not None:
            lines += [_("val loss {loss} · acc {percent}").format(loss=fixed(s.val_loss[-1], 4),
                                                                  percent=f"{s.val_accuracy:.0%}"),
                      _("best val epoch {epoch}").format(epoch=s.best_epoch)]
        if s.stopped_epoch is not None:
            lines += [_("early-stopped at {epoch}").format(epoch=s.stopped_epoch)]
        lines += [_("outcome: {outcome}").format(outcome=_(OUTCOMES.get(s.outcome, s.outcome)))]
        return Text("\n".join(lines + ["", _(LEGEND)]))

    def _weights(self, s: MLPSnapshot) -> Text:
        lines = [_("Weights and biases")]
        for name, value in s.weights.items():
            rows = value.reshape(-1, value.shape[-1]) if value.ndim > 1 else value.reshape(1, -1)
            for k, row in enumerate(rows):
                lines.append(f"{name if k == 0 else '':<11}" + " ".join(f"{short(v):>4}" for v in row))
        return Text("\n".join(lines))

    def _restarts(self, s: MLPSnapshot) -> Text:
        if not s.restarts:
            return Text(_("Restarts: press m to train from several seeds with these settings and compare them here."))
        solved = sum(r.solved for r in s.restarts)
        lines = [_("Restarts: {solved} of {total} solved").format(solved=solved, total=len(s.restarts)),
                 " ".join([right(_("seed"), 5), left(_("outcome"), 13), right(_("epochs"), 6),
                           right(_("final loss"), 10)]) + "  " + _("loss curve")]
        for r in s.restarts:
            mark = "✓" if r.solved else "✗"
            lines.append(f"{r.seed:>5} {mark} {left(_(OUTCOMES.get(r.outcome, r.outcome)), 11)} {r.epochs:>6} "
                         f"{fixed(r.final_loss, 4):>10}  {sparkline(downsample(r.loss_curve, SPARK), SPARK)}")
        return Text("\n".join(lines))


