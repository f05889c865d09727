"""Draw a digit: the canvas with its cursor, what the network sees, its ten probabilities and the
feature maps that fire hardest."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from dltui.labs.draw_digit import DrawSnapshot

from ..widgets.shade_image import gallery, shade

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

    canvas = None  # the canvas last shown, so a click knows what is under it

    def compose(self) -> ComposeResult:
        yield Static(id="canvas", markup=False)
        with Vertical(id="side"):
            yield Static(id="probabilities", markup=False)
            yield Static(id="maps", markup=False)

    def on_click(self, event: events.Click) -> None:
        """A click on a canvas cell paints it, or erases it if it was painted (through the screen's lock)."""
        offset = event.get_content_offset(self.query_one("#canvas"))
        if offset is None or self.canvas is None:
            return
        row, col = offset.y - 1, offset.x // 2  # below the title line; cells are two glyphs wide
        if 0 <= row < len(self.canvas) and 0 <= col < len(self.canvas):
            self.screen.call_lab(self.screen.lab.set_cell, row, col, not self.canvas[row, col])

    def show(self, snapshot: DrawSnapshot) -> None:
        self.canvas = snapshot.canvas
        canvas = shade(snapshot.canvas, 0, 1, marks={snapshot.cursor}, blank="·")
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
        c1 = ", ".join(f"{i + 1} ({snapshot.maps['C1'][i].max():.2f})" for i in snapshot.firing["C1"][:3])
        maps = Text(f"C1 maps firing hardest: {c1}\n")
        picks = snapshot.firing["C3"][:2]
        maps.append_text(gallery([shade(snapshot.maps["C3"][i], -1, 1) for i in picks],
                                 [f"C3 map {i + 1}, peak {snapshot.maps['C3'][i].max():.2f}" for i in picks],
                                 max(self.query_one("#side").size.width - 2, 22)))
        self.query_one("#maps", Static).update(maps)
