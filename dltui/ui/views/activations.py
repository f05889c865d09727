"""The activations lab: the chosen function and its derivative, and each layer's gradient norm
in a deep net for sigmoid, tanh and ReLU on one log scale."""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.activations import ActivationsSnapshot

from ..widgets.bars import hbar
from ..widgets.line_plot import LinePlot, Series

BAR = 10


class ActivationsView(VerticalScroll):
    """The curve plot on top, the per-layer gradient norms below; scrolls at 80×24."""

    DEFAULT_CSS = """
    ActivationsView {
        height: 1fr;
        & > LinePlot { height: 10; }
        & > Static { height: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="formula", markup=False)
        yield LinePlot()
        yield Static(id="norms", markup=False)

    def show(self, snapshot: ActivationsSnapshot) -> None:
        s = snapshot
        curve = next(c for c in s.curves if c.name == s.selected)
        self.query_one("#formula", Static).update(
            f"{curve.name}: {curve.formula}\nbackward vs closed form: max |difference| {curve.max_error:.1e}")
        plot = self.query_one(LinePlot)
        plot.plot([Series(curve.f, None, "line-plot--a"), Series(curve.derivative, "·", "line-plot--b")],
                  mark=0.5)
        plot.border_title = f"⠉ {curve.name}(x)  · {curve.name}′(x) (by backward)"
        plot.border_subtitle = f"x {s.x[0]:g}…{s.x[-1]:g}, ┊ x = 0".replace("-", "−")
        self.query_one("#norms", Static).update(self._norms(s))

    def _norms(self, s: ActivationsSnapshot) -> Text:
        """‖∂L/∂Wₗ‖ per layer as bars on one log scale: equal steps are equal factors."""
        names = list(s.grad_norms)
        logs = [math.log10(v) for norms in s.grad_norms.values() for v in norms if v > 0]
        low, high = (min(logs), max(logs)) if logs else (0.0, 1.0)
        span = high - low or 1.0
        lines = [f"Gradient norm ‖∂L/∂W‖ per layer, {s.depth} layers × {s.width} units, seed {s.seed}",
                 f"log scale: bar empty at {10 ** low:.1e}, full at {10 ** high:.1e}",
                 "layer " + "".join(f"{name:<{BAR + 9}}" for name in names)]
        for layer in range(s.depth):
            cells = []
            for name in names:
                value = s.grad_norms[name][layer]
                fraction = (math.log10(value) - low) / span if value > 0 else 0.0
                cells.append(f"{hbar(fraction, BAR)} {value:.1e}  ")
            lines.append(f"{layer + 1:>5} " + "".join(cells))
        lines.append("layer 1 / last: " + "   ".join(f"{name} {s.ratio(name):.1e}" for name in names))
        return Text("\n".join(lines))
