"""The zoo lab's view: one picture per toy over a few lines of numbers.

rbf: the data (o), the fitted curve and each Gaussian bump wⱼφⱼ(x), beside the MSE per step. som: the data and the
map's units joined to their grid neighbours, beside the topographic error. esn: the test stretch's target and the
readout's prediction, beside the test error per training length. svm: the plane shaded by the decision function's
bands with the points on it, beside the objective. ar: the series, the rollout and the one-step predictions, beside
the coefficients. deconv: the input, the kernel and the output so far as numbered grids.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll

from dltui.i18n import _, ngettext
from dltui.labs.zoo import AR_TRAIN, ESN_RIDGE, ESN_UNITS, SOM_SAMPLES, SOM_SIDE, SVM_BOX, ZooSnapshot
from dltui.numbers import fixed

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.matrix_grid import Grid, MatrixGrids
from ..widgets.readout import Readout
from ..widgets.region_map import RegionMap

PICTURE = (10, 24)  # the picture row's least and most lines
AR_SHOWN = 60  # values of the fitted stretch drawn before the rollout
SOM_SHOWN = 120  # data points drawn under the map
ESN_SHOWN = 120  # steps of the test stretch drawn
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def whole(value: float) -> str:
    """A grid cell: a whole number, · where no stamp has reached yet."""
    return "·" if math.isnan(value) else fixed(value, 0)


def values(numbers: np.ndarray, places: int = 2) -> str:
    return " ".join(fixed(v, places) for v in numbers)


class ZooView(Fitted, VerticalScroll):
    """The toy's picture (a chart, the SVM's plane or the deconv grids) beside a second chart; the numbers."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#picture", "#numbers")
    """What every step changes: the toy's picture and its numbers."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every action changes the first page: nothing to turn to."""

    DEFAULT_CSS = """
    ZooView {
        height: 1fr;
        & > #picture { height: 14; }
        & #main { width: 2fr; height: 1fr; padding: 0 1 0 0; }
        & #side { width: 1fr; height: 1fr; }
        & RegionMap { margin: 0 1 0 0; }
        & MatrixGrids { margin: 0; }
        & > Readout { height: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="picture"):
            yield Chart(id="main")
            yield RegionMap(id="map")
            yield MatrixGrids(id="grids")
            yield Chart(id="side")
        yield Readout(id="numbers", markup=False)

    def show(self, snapshot: ZooSnapshot) -> None:
        s = snapshot
        self.fit(s)
        for selector, toys in (("#main", ("rbf", "som", "esn", "ar")), ("#map", ("svm",)),
                               ("#grids", ("deconv",)), ("#side", ("rbf", "som", "esn", "svm", "ar"))):
            self.query_one(selector).display = s.toy in toys
        numbers = getattr(self, f"_{s.toy}")(s)
        self.query_one("#numbers", Readout).update(numbers)
        width = max(self.room - 2, 1)
        rows = sum(max(1, math.ceil(line.cell_len / width)) for line in numbers.split("\n"))
        picture = self.query_one("#picture")
        picture.styles.height = "auto" if s.toy == "deconv" else min(max(self.region.height - rows, PICTURE[0]),
                                                                       PICTURE[1])

    def _history(self, s: ZooSnapshot, x: np.ndarray | None = None, x_label: str | None = None, **options) -> None:
        label = _(s.history_label)
        self.query_one("#side", Chart).show(label, [Series(label, s.history, x)],
                                            x_label=_("step") if x_label is None else x_label,
                                            y_label=options.pop("y_label", label), diverged=s.diverged, **options)

    # ------------------------------------------------------------------ rbf
    def _rbf(self, s: ZooSnapshot) -> Text:
        self.query_one("#main", Chart).show(
            _("RBF net"), [Series(_("fit"), s.curve, s.curve_x), Series("wⱼφⱼ", s.bump_y, s.bump_x),
                           Series(_("data"), s.y, s.x, points=True)], x_label="x", y_label="y", diverged=s.diverged)
        self._history(s, np.arange(len(s.history)))
        lines = [_("ŷ = Σⱼ wⱼ·exp(−(x − cⱼ)²/2σⱼ²), {units} units · Adam step {step}/{steps} · MSE {mse} (two-stage "
                   "fit {start})").format(units=len(s.centres), step=s.step, steps=s.steps,
                                          mse=fixed(s.history[-1], 4), start=fixed(s.start_loss, 4)),
                 _("centres c: {values}").format(values=values(s.centres)),
                 _("widths σ:  {values}").format(values=values(s.widths)),
                 _("weights w: {values}").format(values=values(s.weights))]
        return Text("\n".join(lines))

    # ------------------------------------------------------------------ som
    def _som(self, s: ZooSnapshot) -> Text:
        units = s.units[s.path]
        shown = slice(None, SOM_SHOWN)
        self.query_one("#main", Chart).show(
            _("{side}×{side} map").format(side=SOM_SIDE), [Series(_("data"), s.y[shown], s.x[shown], points=True),
                                                          Series(_("units"), units[:, 1], units[:, 0])],
            x_label="x₁", y_label="x₂", x_range=(0, 1), y_range=(0, 1))
        self.query_one("#side", Chart).show(
            _("topographic error"), [Series(_("error"), 100 * s.history,
                                            np.arange(len(s.history)) * SOM_SAMPLES // s.steps)],
            x_label=_("sample"), y_label=_("points, %"), y_range=(0, 100))
        lines = [_("sample {done}/{total} · rate η {rate} · radius σ {radius} grid steps").format(
                     done=s.step * SOM_SAMPLES // s.steps, total=SOM_SAMPLES, rate=fixed(s.rate, 3),
                     radius=fixed(s.radius, 2)),
                 _("Δwₖ = η·exp(−d²/2σ²)·(x − wₖ), d: unit k's grid distance to the best unit"),
                 _("quantization error {quantization} · topographic error {error}: best, 2nd-best apart").format(
                     quantization=fixed(s.quantization, 3), error=f"{s.topographic:.0%}")]
        return Text("\n".join(lines))

    # ------------------------------------------------------------------ esn
    def _esn(self, s: ZooSnapshot) -> Text:
        t = np.arange(ESN_SHOWN)
        series = [Series(_("target"), s.target[:ESN_SHOWN], t)] + (
            [Series(_("prediction"), s.prediction[:ESN_SHOWN], t)] if len(s.prediction) else [])
        self.query_one("#main", Chart).show(_("test stretch, start"), series, x_label=_("time step"), y_label="u")
        self._history(s, s.samples, x_label=_("training samples"), y_label="NRMSE")
        lines = [_("reservoir: {units} tanh units, fixed, spectral radius {radius} · xₜ₊₁ = tanh(W·xₜ + w_in·uₜ + b)")
                 .format(units=ESN_UNITS, radius=f"{s.spectral_radius:g}"),
                 _("readout ŷₜ₊₁ = w_out·[xₜ; 1], {weights} weights by ridge regression (λ = {ridge})").format(
                     weights=ESN_UNITS + 1, ridge=f"{ESN_RIDGE:g}")]
        if s.step:
            lines.append(_("trained on {count} samples · test NRMSE {error} (repeating the last value: {baseline})")
                         .format(count=s.samples[-1], error=fixed(s.history[-1], 4), baseline=fixed(s.baseline, 4)))
        else:
            lines.append(_("no readout yet · repeating the last value scores NRMSE {baseline}").format(
                baseline=fixed(s.baseline, 4)))
        return Text("\n".join(lines))

    # ------------------------------------------------------------------ svm
    def _svm(self, s: ZooSnapshot) -> Text:
        plane = self.query_one("#map", RegionMap)
        rows, cols = s.bands.shape
        plane.styles.width, plane.styles.height = 2 * cols + 2, rows + 2
        plane.border_title = "f = w·x + b"
        plane.show(s.bands, (-SVM_BOX, SVM_BOX), np.stack([s.x, s.y], axis=1), s.labels > 0)
        self._history(s, np.arange(len(s.history)))
        w1, w2, b = s.weights
        lines = [_("f(x) = {w1}·x₁ + {w2}·x₂ + {b} · step {step}/{steps} · margin 2/‖w‖ = {margin}").format(
                     w1=fixed(w1, 3), w2=fixed(w2, 3), b=fixed(b, 3), step=s.step, steps=s.steps,
                     margin=fixed(s.margin, 3)),
                 _("support vectors (y·f ≤ 1): {support} · on the wrong side: {wrong} · x: y = +1, o: y = −1").format(
                     support=int(np.sum(s.support)), wrong=s.errors),
                 _("█ f ≥ 1 · ▓ 0…1 · ░ −1…0 · blank ≤ −1 · support: an x off █, an o off blank")]
        return Text("\n".join(lines).replace("+ −", "− "))

    # ------------------------------------------------------------------ ar
    def _ar(self, s: ZooSnapshot) -> Text:
        t = np.arange(len(s.series))
        shown = slice(AR_TRAIN - AR_SHOWN, None)
        ahead = np.arange(AR_TRAIN, AR_TRAIN + len(s.rollout))
        self.query_one("#main", Chart).show(
            _("series"), [Series(_("data"), s.series[shown], t[shown]), Series(_("rollout"), s.rollout, ahead),
                          Series(_("one-step"), s.one_step[:len(s.rollout)], ahead)],
            x_label="t", y_label="x", x_range=(AR_TRAIN - AR_SHOWN, len(s.series) - 1))
        k = len(s.coefficients)
        self.query_one("#side", Chart).show(_("coefficients aᵢ"), [Series("a", s.coefficients, np.arange(1, k + 1))],
                                            x_label=_("lag i"), y_label="aᵢ")
        terms = " + ".join(f"{fixed(a, 2)}·xₜ₋{str(i).translate(SUBSCRIPT)}" for i, a in enumerate(s.coefficients, 1))
        lines = [_("AR({k}) by least squares on t < {train}: xₜ = {terms}").format(k=k, train=AR_TRAIN, terms=terms)
                 .replace("+ −", "− ")]
        if s.step:
            lines.append(_("rolled out {done}/{total}, each value from the predictions before it: RMSE {error} · "
                           "one-step RMSE {one_step}").format(done=s.step, total=s.steps, error=fixed(s.history[-1], 3),
                                                             one_step=fixed(s.one_step_error, 3)))
        else:
            lines.append(_("rolled out {done}/{total}, each value from the predictions before it").format(
                done=s.step, total=s.steps))
        return Text("\n".join(lines))

    # ------------------------------------------------------------------ deconv
    def _deconv(self, s: ZooSnapshot) -> Text:
        cell = {s.stamped} if s.stamped else set()
        self.query_one("#grids", MatrixGrids).show([
            Grid.of(_("input x"), s.image, marks=cell, cell=4, number=whole),
            Grid.of(_("kernel K"), s.kernel, cell=4, number=whole),
            Grid.of(_("output, {done}/{total} stamped").format(done=s.step, total=s.steps), s.output, marks=s.stamp,
                    cell=4, number=whole, max_cols=12)])
        side, p, st = s.full.shape[0], s.padding, s.stride
        lines = [_("side (3 − 1)·{stride} − 2·{padding} + 3 = {side} · each cell xᵢⱼ adds xᵢⱼ·K at "
                   "(i·{stride} − {padding}, j·{stride} − {padding})").format(stride=st, padding=p, side=side),
                 _("where stamps overlap they add; · no stamp yet"),
                 ngettext("the same as conv2d with K turned 180° over x with {zeros} zero between cells and {around} "
                          "around", "the same as conv2d with K turned 180° over x with {zeros} zeros between cells and "
                          "{around} around", st - 1).format(zeros=st - 1, around=2 - p)]
        return Text("\n".join(lines))
