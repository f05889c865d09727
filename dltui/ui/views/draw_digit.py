"""Draw a digit: the canvas with its cursor, what the network sees, its ten probabilities and the
feature maps that fire hardest."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from dltui.labs.draw_digit import DrawSnapshot

from ..widgets.shade_image import shade, side_by_side

BAR = 20


class DrawDigitView(Horizontal):
    """Canvas on the left (the cursor in reverse video, ▣ while the pen is down); probabilities and
    the strongest C1/C3 maps on the right."""

    DEFAULT_CSS = """
    DrawDigitView {
        height: 1fr;
        & > #canvas { width: 36; padding: 0 1; }
        & > #side { width: 1fr; padding: 0 1; }
        & #probabilities, & #maps { height: auto; margin: 0 0 1 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="canvas", markup=False)
        with Vertical(id="side"):
            yield Static(id="probabilities", markup=False)
            yield Static(id="maps", markup=False)

    def show(self, snapshot: DrawSnapshot) -> None:
        canvas = shade(snapshot.canvas, 0, 1, marks={snapshot.cursor})
        frame = Text(f"canvas 16×16 · pen {'down' if snapshot.pen_down else 'up'}\n", style="bold")
        frame.append_text(canvas)
        frame.append("\n\nthe network's 8×8 input\n", style="bold")
        frame.append_text(shade(snapshot.digit, 0, 16))
        self.query_one("#canvas", Static).update(frame)
        lines = Text(f"{snapshot.weights}\n", style="bold")
        for digit, p in enumerate(snapshot.probabilities):
            style = "bold" if digit == snapshot.prediction else ""
            lines.append(f"{digit} {'█' * round(p * BAR):<{BAR}} {p:5.1%}\n", style)
        self.query_one("#probabilities", Static).update(lines)
        picks = [(name, i) for name in ("C1", "C3") for i in snapshot.firing[name][:3]]
        self.query_one("#maps", Static).update(side_by_side(
            [shade(snapshot.maps[name][i], -1, 1, width=1 if name == "C1" else 2) for name, i in picks],
            [f"{name} map {i + 1}" for name, i in picks]))
