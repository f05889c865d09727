"""The convolution lab: the padded input with the current window marked, the kernels, the
feature maps filling in, the products of the last step, the output-size formula and the dice."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from dltui.labs.attention import Heatmap
from dltui.labs.convolution import ConvolutionSnapshot

from ..widgets.matrix_grid import MatrixGrid, short


def heatmap(title: str, values, row0: int = 0, col0: int = 0) -> Heatmap:
    return Heatmap(title, values, tuple(str(r + row0) for r in range(values.shape[0])),
                   tuple(str(c + col0) for c in range(values.shape[1])))


class ConvolutionView(VerticalScroll):
    """Inputs and kernels on top (one grid per channel), feature maps below, then the arithmetic."""

    DEFAULT_CSS = """
    ConvolutionView {
        height: 1fr;
        padding: 0 1;
        & > #formula { text-style: bold; margin: 0 0 1 0; height: auto; }
        & > Horizontal { height: auto; }
        & > #worked, & > #dice { height: auto; margin: 0 0 1 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="formula", markup=False)
        yield Horizontal(id="inputs")
        yield Horizontal(id="maps")
        yield Static(id="worked", markup=False)
        yield Static(id="dice", markup=False)

    def show(self, snapshot: ConvolutionSnapshot) -> None:
        last, pad = snapshot.last, snapshot.padding
        k = snapshot.kernels.shape[-1]
        window = {(last.top + i, last.left + j) for i in range(k) for j in range(k)} if last else set()
        where, index = snapshot.editing
        edit = {(index[-2] + pad, index[-1] + pad)} if where == "image" else {index[-2:]}
        inputs = [(heatmap(f"input ch {c}" + (f" (padding {pad})" if pad else ""), snapshot.padded[c], -pad, -pad),
                   window | (edit if where == "image" and index[0] == c else set())) for c in range(len(snapshot.padded))]
        inputs += [(heatmap(f"kernel {o} ch {c}", snapshot.kernels[o, c]),
                    edit if where == "kernel" and index[:2] == (o, c) else set())
                   for o in range(len(snapshot.kernels)) for c in range(snapshot.kernels.shape[1])]
        maps = [(heatmap(f"feature map {o}", snapshot.output[o]), {(last.row, last.col)} if last and last.kernel == o else set())
                for o in range(len(snapshot.output))]
        for container, grids in (("#inputs", inputs), ("#maps", maps)):
            self._fill(self.query_one(container, Horizontal), grids)
        cell = ",".join(map(str, index))
        rule, _, worked = snapshot.size_formula.partition(" = ")
        self.query_one("#formula", Static).update(f"output size {rule}\n  = {worked}\n"
                                                  f"c picks the cell + and − change: now {where}[{cell}]")
        self.query_one("#worked", Static).update(self._worked(snapshot))
        self.query_one("#dice", Static).update(f"1-D convolution, two dice: {snapshot.dice.worked()}")

    def _fill(self, container: Horizontal, grids: list) -> None:
        existing = list(container.query(MatrixGrid))
        if len(existing) != len(grids):
            container.remove_children()
            existing = [MatrixGrid(max_cols=12) for _ in grids]
            container.mount_all(existing)
        for grid, (values, marks) in zip(existing, grids):
            grid.show(values, marks=marks)

    def _worked(self, snapshot: ConvolutionSnapshot) -> Text:
        last = snapshot.last
        if last is None:
            return Text("Press s: the kernel goes on the first window.")
        products = "  ".join(" ".join(short(v) for v in row) for ch in last.products for row in ch)
        return Text(f"products (row by row): {products}\n{last.worked()}")
