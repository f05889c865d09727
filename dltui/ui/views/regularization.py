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
            s.activation, [Series("net", s.curve, s.curve_x), Series("sin πx", s.truth, s.curve_x),
                                                 Series("data", s.y, s.x, points=True)],
            x_label="x", y_label="y", y_range=Y_RANGE, x_range=(-1.0, 1.0), diverged=s.diverged)
        epochs = np.arange(len(s.train_loss))
        self.query_one("#losses", Chart).show(
            "MSE", [Series("train", s.train_loss, epochs), Series("val", s.val_loss, epochs)],
            x_label="epoch · │ best", y_label="loss", mark=s.best_epoch if s.epoch else None, diverged=s.diverged)

    def _numbers(self, s: RegularizationSnapshot) -> Text:
        lines = [f"Epoch {s.epoch} of {s.epochs}",
                 f"train loss {fixed(s.train_now, 4)}",
                 f"val loss   {fixed(s.val_now, 4)} · gap {fixed(s.gap, 4)}",
                 f"best val   {fixed(s.best_val, 4)} at epoch {s.best_epoch}",
                 f"‖∇W‖ {fixed(s.grad_norm, 3)} + L2 ‖λW‖ {fixed(s.decay_norm, 3)}",
                 f"‖W‖ {fixed(s.weight_norm, 2)}",
                 f"outcome: {s.outcome or 'training'}"]
        return Text("\n".join(lines))

    def _sizes(self, s: RegularizationSnapshot) -> Text:
        """|w| per band as bars, the count now and at the start."""
        total = int(s.sizes.sum())
        lines = [f"|w| of {total:,} weights   now  start"]
        for low, high, now, start in zip(s.bins, s.bins[1:], s.sizes, s.sizes_init):
            lines.append(f"{band(low, high):<10}{hbar(now / total, BAR)} {now:>5} {start:>5}")
        return Text("\n".join(lines))

    def _dropout(self, s: RegularizationSnapshot) -> Text:
        """The last update's masks for training point 1, and the probe's outputs in both modes."""
        draws = " ".join(fixed(v, 2) for v in s.probe_train)
        modes = f"ŷ({s.probe:g}) train mode: {draws} · eval: {fixed(s.probe_eval, 2)}"
        if not s.p:
            return Text(f"Dropout off (p = 0): every unit kept.\n{modes}")
        if not s.masks:
            return Text(f"Dropout p = {s.p:g}: kept units ×1/(1−p) = {fixed(1 / (1 - s.p), 3)}. "
                        f"No update yet.\n{modes}")
        lines = [f"Dropout p = {s.p:g} · last update, training point 1 · {KEPT} kept ×{fixed(1 / (1 - s.p), 3)} "
                 f"{DROPPED} zeroed"]
        for layer, mask in enumerate(s.masks, start=1):
            row = mask[0]
            lines.append(f"h{layer} " + "".join(KEPT if v > 0 else DROPPED for v in row) + f" {int((row > 0).sum())}")
        return Text("\n".join(lines + [modes]))
