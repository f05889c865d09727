"""The pooling lab: the padded input with the window (and max's winner) marked, the pooled map
filling in, then flatten → linear → softmax, and the live parameter counts."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.pooling import PoolingSnapshot

from ..widgets.matrix_grid import Grid, MatrixGrids
from ..widgets.readout import Readout

MAX_COLS = 10


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
        self.query_one("#grids", MatrixGrids).show([
            Grid.of(f"input{f' (padding {pad})' if pad else ''}: window, {'winner' if s.mode == 'max' else 'mean'}",
                    s.padded, first=-pad, marks=winner or window, max_cols=MAX_COLS),
            Grid.of(f"{s.mode} pool", s.output, marks={(last.row, last.col)} if last else set(), max_cols=MAX_COLS)])
        same = " · padding keeps the size" if s.keeps_size else ""
        self.query_one("#formula", Static).update(f"output size: {s.size_formula}{same}")
        if len(s.flat):
            probs = "  ".join(f"class {i}: {p:.0%}" for i, p in enumerate(s.probabilities))
            tail = (f"flatten → {len(s.flat)} values → linear ({len(s.logits)}×{len(s.flat)}, untrained) → "
                    f"logits {', '.join(f'{v:.2f}' for v in s.logits)} → softmax: {probs}")
        else:
            tail = "flatten → linear → softmax runs once every window is pooled (e)."
        self.query_one("#tail", Static).update(Text(tail))
        self.query_one("#counts", Static).update(Text(f"fully connected: {s.fc_worked}\nconv layer:      {s.conv_worked}"))
