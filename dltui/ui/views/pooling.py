"""The pooling lab: the padded input with the window (and max's winner) marked, the pooled map
filling in, then flatten → linear → softmax, and the live parameter counts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from dltui.labs.pooling import PoolingSnapshot

from ..widgets.matrix_grid import MatrixGrid
from .convolution import heatmap


class PoolingView(VerticalScroll):
    DEFAULT_CSS = """
    PoolingView {
        height: 1fr;
        padding: 0 1;
        & > #formula { text-style: bold; margin: 0 0 1 0; height: auto; }
        & > Horizontal { height: auto; }
        & > Static { height: auto; margin: 0 0 1 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="formula", markup=False)
        with Horizontal():
            yield MatrixGrid(max_cols=10, id="input")
            yield MatrixGrid(max_cols=10, id="output")
        yield Static(id="tail", markup=False)
        yield Static(id="counts", markup=False)

    def show(self, s: PoolingSnapshot) -> None:
        pad = (len(s.padded) - len(s.image)) // 2
        last, k = s.last, s.kernel_size
        window = {(last.top + i, last.left + j) for i in range(k) for j in range(k)} if last else set()
        winner = {last.winner} if last and last.winner else set()
        self.query_one("#input", MatrixGrid).show(
            heatmap(f"input{f' (padding {pad})' if pad else ''}: window, {'winner' if s.mode == 'max' else 'mean'}",
                    s.padded, -pad, -pad), marks=winner or window)
        self.query_one("#output", MatrixGrid).show(heatmap(f"{s.mode} pool", s.output),
                                                    marks={(last.row, last.col)} if last else set())
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
