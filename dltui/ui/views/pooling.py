"""The pooling lab: the padded input with the window (and max's winner) marked, the pooled map
filling in, then flatten → linear → softmax, and the live parameter counts."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.i18n import N_, _
from dltui.labs.pooling import PoolingSnapshot

from ..widgets.matrix_grid import Grid, MatrixGrids
from ..widgets.readout import Readout

MAX_COLS = 10
POOLED = {"max": N_("max pool"), "avg": N_("avg pool")}  # the pooled map's title


class PoolingView(VerticalScroll):
    """The output-size formula, the input beside the pooled map, flatten → linear → softmax, and the
    parameter counts."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#formula", "#grids", "#tail")
    """The window and its winner, the map filling in, and what the end of the CNN makes of it."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every action's result is on the first page."""

    DEFAULT_CSS = """
    PoolingView {
        height: 1fr;
        padding: 0 1;
        & > #formula { text-style: bold; margin: 0 0 1 0; height: auto; }
        & > Static { height: auto; margin: 0 0 1 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="formula", markup=False)
        yield MatrixGrids(id="grids")
        yield Readout(id="tail", markup=False)
        yield Readout(id="counts", markup=False)

    def show(self, s: PoolingSnapshot) -> None:
        pad = (len(s.padded) - len(s.image)) // 2
        last, k = s.last, s.kernel_size
        window = {(last.top + i, last.left + j) for i in range(k) for j in range(k)} if last else set()
        winner = {last.winner} if last and last.winner else set()
        marked = _("window, winner") if s.mode == "max" else _("window, mean")
        title = (_("input (padding {padding}): {marked}").format(padding=pad, marked=marked) if pad
                 else _("input: {marked}").format(marked=marked))
        self.query_one("#grids", MatrixGrids).show([
            Grid.of(title, s.padded, first=-pad, marks=winner or window, max_cols=MAX_COLS),
            Grid.of(_(POOLED[s.mode]), s.output, marks={(last.row, last.col)} if last else set(), max_cols=MAX_COLS)])
        size = _("output size: {formula}").format(formula=s.size_formula)
        if s.keeps_size:
            size += " · " + _("padding keeps the size")
        self.query_one("#formula", Static).update(size)
        if len(s.flat):
            probs = "  ".join(_("class {index}: {percent}").format(index=i, percent=f"{p:.0%}")
                              for i, p in enumerate(s.probabilities))
            tail = _("flatten → {count} values → linear ({shape}, untrained) → logits {logits} → softmax: {probs}").format(
                count=len(s.flat), shape=f"{len(s.logits)}×{len(s.flat)}", logits=", ".join(f"{v:.2f}" for v in s.logits),
                probs=probs)
        else:
            tail = _("flatten → linear → softmax runs once every window is pooled (e).")
        self.query_one("#tail", Static).update(Text(tail))
        self.query_one("#counts", Static).update(Text(_("fully connected: {fc}\nconv layer:      {conv}").format(
            fc=s.fc_worked, conv=s.conv_worked)))
