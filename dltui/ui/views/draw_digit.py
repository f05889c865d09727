"""Draw a digit: the canvas with its cursor, what the network sees, its ten probabilities and the
feature maps that fire hardest."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from dltui.i18n import _
from dltui.labs.draw_digit import DrawSnapshot
from dltui.numbers import fixed

from ..messages import LabRequest
from ..widgets.fitting import Fitted
from ..widgets.shade_image import gallery, shade
from ..widgets.readout import Readout

BAR = (8, 20)  # the probability bars' least and most cells
CANVAS, INPUT = 36, 18  # the columns of the canvas and of the 8×8 input, padding included


class DrawDigitView(Fitted, VerticalScroll):
    """The canvas (the cursor in reverse video), what the network sees and its ten probabilities side
    by side; under them the C1 maps that fire hardest, then the two strongest C3 maps."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#canvas", "#input", "#probabilities")
    """What is drawn, what the net is given and what it reads: every key changes all three."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Drawing keys change the first page; the maps after it follow along."""

    DEFAULT_CSS = """
    DrawDigitView {
        height: 1fr;
        & > #top { height: auto; }
        & #canvas { width: 36; height: auto; padding: 0 1; }
        & #input { width: 18; height: auto; padding: 0 1; }
        & #probabilities { width: 1fr; height: auto; padding: 0 1; }
        & > #c1, & > #c3 { height: auto; padding: 0 1; margin: 1 0 0 0; }
    }
    """

    canvas = None  # the canvas last shown, so a click knows what is under it

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Readout(id="canvas", markup=False)
            yield Readout(id="input", markup=False)
            yield Readout(id="probabilities", markup=False)
        yield Readout(id="c1", markup=False)
        yield Readout(id="c3", markup=False)

    def on_click(self, event: events.Click) -> None:
        """A click on a canvas cell paints it, or erases it if it was painted (the lab does it, asked by message)."""
        offset = event.get_content_offset(self.query_one("#canvas"))
        if offset is None or self.canvas is None:
            return
        row, col = offset.y - 1, offset.x // 2  # below the title line; cells are two glyphs wide
        if 0 <= row < len(self.canvas) and 0 <= col < len(self.canvas):
            self.post_message(LabRequest("set_cell", row, col, not self.canvas[row, col]))

    def show(self, snapshot: DrawSnapshot) -> None:
        self.fit(snapshot)
        self.canvas = snapshot.canvas
        canvas = shade(snapshot.canvas, 0, 1, marks={snapshot.cursor}, blank="·")
        frame = Text((_("canvas 16×16 · pen down") if snapshot.pen_down else _("canvas 16×16 · pen up")) + "\n", style="bold")
        frame.append_text(canvas)
        self.query_one("#canvas", Static).update(frame)
        seen = Text(_("net's input\n8×8") + "\n", style="bold")
        seen.append_text(shade(snapshot.digit, 0, 16, blank="·"))
        self.query_one("#input", Static).update(seen)
        bar = min(max(self.room - CANVAS - INPUT - 10, BAR[0]), BAR[1])
        lines = Text(f"{_(snapshot.weights)}\n", style="bold")
        if snapshot.empty:  # a blank page's probabilities are the biases talking, not a reading
            lines.append(_("Nothing drawn yet: nothing to read.\nDraw a digit (or load an example) and the ten "
                           "probabilities appear here."))
        else:
            for digit, p in enumerate(snapshot.probabilities):
                style = "bold" if digit == snapshot.prediction else ""
                lines.append(f"{digit} {'█' * round(p * bar):<{bar}} {p:5.1%}\n", style)
        lines.rstrip()
        self.query_one("#probabilities", Static).update(lines)
        c1 = ", ".join(f"{i + 1} ({fixed(snapshot.peaks['C1'][i], 2)})" for i in snapshot.firing["C1"][:3])
        self.query_one("#c1", Static).update(Text(_("C1 maps firing hardest: {maps}").format(maps=c1)))
        picks = snapshot.firing["C3"][:2]
        self.query_one("#c3", Static).update(gallery(
            [shade(snapshot.maps["C3"][i], -1, 1) for i in picks],
            [_("C3 map {number}, peak {peak}").format(number=i + 1, peak=fixed(snapshot.peaks["C3"][i], 2)) for i in picks],
            self.room))
