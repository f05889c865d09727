"""The regularization lab: the net's curve through the data beside the training and validation losses, the
numbers and the weights' sizes, then this update's dropout masks and one input's output in train and eval mode.

At 80×24 it is one page: two charts of 8 rows, 7 rows of numbers and histogram, 4 rows of dropout.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from dltui.i18n import N_, _
from dltui.labs.regularization import RegularizationSnapshot
from dltui.numbers import fixed

from ..widgets.bars import hbar
from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout

KEPT, DROPPED = "●", "○"
Y_RANGE = (-2.0, 2.0)  # the fit chart's y axis: the data lie within ±2; a wilder curve is cut off
BAR = 10
CHARTS = (8, 24)  # the charts' least and most rows: they take what the rest leaves
OUTCOMES = {None: N_("training"), "early-stopped": N_("early-stopped"), "rewound": N_("rewound"),
            "out of epochs": N_("out of epochs"), "diverged": N_("diverged")}
"""The run's outcome (as the lab names it) as the view shows it."""


def band(low: float, high: float) -> str:
    """A histogram bin's label: <0.001, 0.01–0.1, ≥1."""
    if low == 0:
        return f"<{high:g}"
    return f"≥{low:g}" if high == np.inf else f"{low:g}–{high:g}"


class RegularizationView(Fitted, VerticalScroll):
    """Fit and loss charts side by side; numbers beside the |w| histogram; the dropout rows."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#fit", "#losses", "#numbers", "#sizes", "#dropout")
    """The curve, the two losses, where the minimum was, the weights' sizes and the masks: what every setting changes."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """One page: nothing to turn to."""

    DEFAULT_CSS = """
    RegularizationView {
        height: 1fr;
        & > Horizontal { height: auto; }
        & Chart { height: 8; width: 1fr; }
        & #numbers, & #sizes { width: 1fr; height: auto; padding: 0 1; }
        & > #dropout { height: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="charts"):
            yield Chart(id="fit")
            yield Chart(id="losses")
        with Horizontal(id="middle"):
            yield Readout(id="numbers", markup=False)
            yield Readout(id="sizes", markup=False)
        yield Readout(id="dropout", markup=False)

    def show(self, snapshot: RegularizationSnapshot) -> None:
        s = snapshot
        self.fit(s)
        numbers, sizes, dropout = self._numbers(s), self._sizes(s), self._dropout(s)
        self.query_one("#numbers", Static).update(numbers)
        self.query_one("#sizes", Static).update(sizes)
        self.query_one("#dropout", Static).update(dropout)
        rest = max(len(numbers.plain.split("\n")), len(sizes.plain.split("\n"))) + len(dropout.plain.split("\n"))
        height = min(max(self.region.height - rest, CHARTS[0]), CHARTS[1])
        for chart in self.query(Chart):
            chart.styles.height = height
        self.query_one("#fit", Chart).show(
            s.activation, [Series(_("net"), s.curve, s.curve_x), Series("sin πx", s.truth, s.curve_x),
                           Series(_("data"), s.y, s.x, points=True)],
            x_label="x", y_label="y", y_range=Y_RANGE, x_range=(-1.0, 1.0), diverged=s.diverged)
        epochs = np.arange(len(s.train_loss))
        self.query_one("#losses", Chart).show(
            "MSE", [Series(_("train"), s.train_loss, epochs), Series(_("val"), s.val_loss, epochs)],
            x_label=_("epoch · │ best"), y_label=_("loss"), mark=s.best_epoch if s.epoch else None, diverged=s.diverged)

    def _numbers(self, s: RegularizationSnapshot) -> Text:
        lines = [_("Epoch {epoch} of {epochs}").format(epoch=s.epoch, epochs=s.epochs),
                 _("train loss {loss}").format(loss=fixed(s.train_now, 4)),
                 _("val loss   {loss} · gap {gap}").format(loss=fixed(s.val_now, 4), gap=fixed(s.gap, 4)),
                 _("best val   {loss} at epoch {epoch}").format(loss=fixed(s.best_val, 4), epoch=s.best_epoch),
                 f"‖∇W‖ {fixed(s.grad_norm, 3)} + L2 ‖λW‖ {fixed(s.decay_norm, 3)}",
                 f"‖W‖ {fixed(s.weight_norm, 2)}",
                 _("outcome: {outcome}").format(outcome=_(OUTCOMES.get(s.outcome, s.outcome)))]
        return Text("\n".join(lines))

    def _sizes(self, s: RegularizationSnapshot) -> Text:
        """|w| per band as bars, the count now and at the start."""
        total = int(s.sizes.sum())
        lines = [_("|w| of {count} weights   now  start").format(count=f"{total:,}")]  # the words over the columns
        for low, high, now, start in zip(s.bins, s.bins[1:], s.sizes, s.sizes_init):
            lines.append(f"{band(low, high):<10}{hbar(now / total, BAR)} {now:>5} {start:>5}")
        return Text("\n".join(lines))

    def _dropout(self, s: RegularizationSnapshot) -> Text:
        """The last update's masks for training point 1, and the probe's outputs in both modes."""
        draws = " ".join(fixed(v, 2) for v in s.probe_train)
        modes = _("ŷ({probe}) train mode: {draws} · eval: {value}").format(
            probe=f"{s.probe:g}", draws=draws, value=fixed(s.probe_eval, 2))
        if not s.p:
            return Text(_("Dropout off (p = 0): every unit kept.") + f"\n{modes}")
        scale = fixed(1 / (1 - s.p), 3)
        if not s.masks:
            return Text(_("Dropout p = {p}: kept units ×1/(1−p) = {scale}. No update yet.").format(p=f"{s.p:g}", scale=scale)
                        + f"\n{modes}")
        lines = [_("Dropout p = {p} · last update, training point 1 · {kept} kept ×{scale} {dropped} zeroed").format(
            p=f"{s.p:g}", kept=KEPT, scale=scale, dropped=DROPPED)]
        for layer, mask in enumerate(s.masks, start=1):
            row = mask[0]
            lines.append(f"h{layer} " + "".join(KEPT if v > 0 else DROPPED for v in row) + f" {int((row > 0).sum())}")
        return Text("\n".join(lines + [modes]))
