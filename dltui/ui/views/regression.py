"""The regression lab: the fits through the data beside the MSE surface with GD's path (a line) or both fits'
weights (a polynomial), the numbers, then the loss per step and the least-squares losses per degree.

At 80×24 the fits, the surface or weights and the numbers are the first page; the two loss charts the next (`v`).
From about 40 rows everything is one page.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from dltui.i18n import _
from dltui.labs.regression import RegressionSnapshot
from dltui.numbers import fixed
from dltui.text import left, right

from ..widgets.chart import Chart, Series
from ..widgets.contour_map import ContourMap, Mark, Path
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout

Y_RANGE = (-1.0, 2.5)  # the fit chart's y axis: the data lie inside; a wilder curve is cut off
ROWS = (10, 20)  # each row of pictures: its least and most rows


class RegressionView(Fitted, VerticalScroll):
    """Fits | surface or weights; the numbers; loss per step | losses per degree."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#fit", "#right", "#numbers")
    """The fits, where GD walks (or what weights each fit needs) and the losses in numbers: what every key changes."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Steps change the first page: nothing to turn to."""

    DEFAULT_CSS = """
    RegressionView {
        height: 1fr;
        & > Horizontal { height: 12; }
        & Chart { height: 1fr; width: 1fr; padding: 0 1 0 0; }
        & #right { width: 1fr; }
        & ContourMap { height: 1fr; }
        & > #numbers { height: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Chart(id="fit")
            with Horizontal(id="right"):
                yield ContourMap(id="surface")
                yield Chart(id="weights")
        yield Readout(id="numbers", markup=False)
        with Horizontal(id="bottom"):
            yield Chart(id="history")
            yield Chart(id="degrees")

    def show(self, snapshot: RegressionSnapshot) -> None:
        s = snapshot
        self.fit(s)
        numbers = self._numbers(s)
        self.query_one("#numbers", Static).update(numbers)
        lines = len(numbers.plain.split("\n"))
        room = self.region.height - lines
        rows = room // 2 if room >= 2 * ROWS[0] + 4 else room  # both rows on one page, or each a page of its own
        for row in ("#top", "#bottom"):
            self.query_one(row).styles.height = min(max(rows, ROWS[0]), ROWS[1])
        train, val = _("train"), _("val")
        self.query_one("#fit", Chart).show(
            _("fit"), [Series("GD", s.gd_curve, s.curve_x), Series("LS", s.ls_curve, s.curve_x),
                       Series(train, s.y, s.x, points=True), Series(val, s.y_val, s.x_val, points=True)],
            x_label="x", y_label="y", y_range=Y_RANGE, x_range=(-1.0, 1.0), diverged=s.diverged)
        surface, weights = self.query_one(ContourMap), self.query_one("#weights", Chart)
        surface.display, weights.display = s.surface is not None, s.surface is None
        if s.surface is not None:
            surface.show(s.surface.values, s.surface.box, paths=[Path("•", s.path_w, s.path_b, "GD")],
                         marks=[Mark("★", float(s.ls_weights[0]), s.ls_bias)], labels=("w", "b"), value="MSE")
            surface.border_title = "MSE(w, b) · • GD · ★ LS"
        else:
            powers = np.arange(s.degree + 1)
            weights.show(_("weights"), [Series("GD", np.append(s.bias, s.weights), powers, points=True),
                                        Series("LS", np.append(s.ls_bias, s.ls_weights), powers, points=True)],
                         x_label=_("power k (0: b)"), y_label="wₖ", diverged=s.diverged)
        steps = np.arange(len(s.train_loss))
        self.query_one("#history", Chart).show(
            "GD MSE", [Series(train, s.train_loss, steps), Series(val, s.val_loss, steps),
                       Series("LS", np.full(len(steps), s.ls_train), steps)],
            x_label=_("step"), y_label="MSE", diverged=s.diverged)
        degrees = np.array([fit.degree for fit in s.fits])
        self.query_one("#degrees", Chart).show(
            _("LS per degree"), [Series(train, [f.train for f in s.fits], degrees),
                                 Series(val, [f.val for f in s.fits], degrees)],
            x_label=_("degree"), y_label="MSE", mark=s.degree)

    def _numbers(self, s: RegressionSnapshot) -> Text:
        batch = (_("full batch") if s.batch >= len(s.x) else
                 _("batch {size} · epoch {epoch}").format(size=s.batch, epoch=s.epoch))
        line = s.degree == 1
        head = "w" if line else "‖w‖"
        gd_w, ls_w = (s.weights[0], s.ls_weights[0]) if line else s.norms
        best = s.best_degree
        lines = [_("degree {degree} · η {lr} (stable below {limit}) · {batch} · step {step}").format(
                     degree=s.degree, lr=f"{s.lr:g}", limit=fixed(s.lr_limit, 3), batch=batch, step=s.step),
                 " " * 10 + right(_("train MSE"), 10) + right(_("val MSE"), 10) + f"{head:>11}{'b':>10}",
                 f"{'GD':<10}{fixed(s.train_loss[-1], 4):>10}{fixed(s.val_loss[-1], 4):>10}"
                 f"{fixed(gd_w, 4):>11}{fixed(s.bias, 4):>10}",
                 left(_("least sq."), 10) + f"{fixed(s.ls_train, 4):>10}{fixed(s.ls_val, 4):>10}"
                 f"{fixed(ls_w, 4):>11}{fixed(s.ls_bias, 4):>10}",
                 _("‖θ_GD − θ_LS‖ {distance} · lowest val MSE: degree {degree} ({mse})").format(
                     distance=fixed(s.distance, 4), degree=best.degree, mse=fixed(best.val, 4))]
        return Text("\n".join(lines))
