"""The activations lab: the chosen function and its derivative, and each layer's gradient norm
in a deep net for sigmoid, tanh and ReLU on one log scale."""

from __future__ import annotations

import math
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.i18n import _
from dltui.labs.activations import ActivationsSnapshot

from ..widgets.bars import hbar
from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout

BAR = 10
PLOT = (6, 12)  # the curve chart's least and most rows: it takes what the formula and the norms leave


class ActivationsView(Fitted, VerticalScroll):
    """The formula, the curve chart, the per-layer gradient norms: one page at 80×24 (8 layers)."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#formula", "Chart", "#norms")
    """The function, its derivative and what they do to the gradient layer by layer."""

    SHOWS: ClassVar[dict[str, str]] = {"resample": "#norms"}
    """New weights change the norms (on a later page only in a deep net)."""

    DEFAULT_CSS = """
    ActivationsView {
        height: 1fr;
        & > Chart { height: 10; padding: 0 1; }
        & > Static { height: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="formula", markup=False)
        yield Chart()
        yield Readout(id="norms", markup=False)

    def show(self, snapshot: ActivationsSnapshot) -> None:
        s = snapshot
        self.fit(s)
        curve = next(c for c in s.curves if c.name == s.selected)
        self.query_one("#formula", Static).update(
            f"{curve.name}: {curve.formula}\n"
            + _("backward vs closed form: max |difference| {error}").format(error=f"{curve.max_error:.1e}"))
        chart = self.query_one(Chart)
        chart.show(curve.name, [Series(f"{curve.name}(x)", curve.f, s.x),
                                Series(_("{name}′(x) by backward").format(name=curve.name), curve.derivative, s.x)],
                   x_label="x", y_label="y", log=False, x_range=(float(s.x[0]), float(s.x[-1])), mark=0.0)
        norms = self._norms(s)
        self.query_one("#norms", Static).update(norms)
        rest = 2 + len(norms.split("\n"))  # the formula's lines and the norms'
        chart.styles.height = min(max(self.region.height - rest, PLOT[0]), PLOT[1])

    def _norms(self, s: ActivationsSnapshot) -> Text:
        """‖∂L/∂Wₗ‖ per layer as bars on one log scale: equal steps are equal factors."""
        names = list(s.grad_norms)
        logs = [math.log10(v) for norms in s.grad_norms.values() for v in norms if v > 0]
        low, high = (min(logs), max(logs)) if logs else (0.0, 1.0)
        span = high - low or 1.0
        head = _("layer")
        lines = [_("‖∂L/∂W‖ per layer, {depth} layers × {width} units, seed {seed}; log scale {low}…{high}").format(
                     depth=s.depth, width=s.width, seed=s.seed, low=f"{10 ** low:.1e}", high=f"{10 ** high:.1e}"),
                 head + " " * max(6 - cell_len(head), 1) + "".join(f"{name:<{BAR + 9}}" for name in names)]
        for layer in range(s.depth):
            cells = []
            for name in names:
                value = s.grad_norms[name][layer]
                fraction = (math.log10(value) - low) / span if value > 0 else 0.0
                cells.append(f"{hbar(fraction, BAR)} {value:.1e}  ")
            lines.append(f"{layer + 1:>5} " + "".join(cells))
        lines.append(_("layer 1 / last: {ratios}").format(
            ratios="   ".join(f"{name} {s.ratio(name):.1e}" for name in names)))
        return Text("\n".join(lines))
