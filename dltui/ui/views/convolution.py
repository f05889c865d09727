"""The convolution lab: the padded input with the current window marked, the kernels, the
feature maps filling in, the products of the last step, the output-size formula and the dice."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.i18n import _
from dltui.labs.convolution import ConvolutionSnapshot

from ..widgets.matrix_grid import Grid, MatrixGrids, short
from ..widgets.readout import Readout

MAX_COLS = 12


class ConvolutionView(VerticalScroll):
    """The output-size formula, then the inputs, the kernels and the feature maps side by side (one
    grid per channel, wrapped to the width), then the arithmetic of the last step and the dice."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#formula", "#grids", "#worked")
    """The window on the input, the kernel, the map filling in and the step's products."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every action's result is on the first page (the dice follow a control, not a key)."""

    DEFAULT_CSS = """
    ConvolutionView {
        height: 1fr;
        padding: 0 1;
        & > #formula { text-style: bold; margin: 0 0 1 0; height: auto; }
        & > #worked, & > #dice { height: auto; margin: 0 0 1 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="formula", markup=False)
        yield MatrixGrids(id="grids")
        yield Readout(id="worked", markup=False)
        yield Readout(id="dice", markup=False)

    def show(self, snapshot: ConvolutionSnapshot) -> None:
        last, pad = snapshot.last, snapshot.padding
        k = snapshot.kernels.shape[-1]
        window = {(last.top + i, last.left + j) for i in range(k) for j in range(k)} if last else set()
        where, index = snapshot.editing
        edit = {(index[-2] + pad, index[-1] + pad)} if where == "image" else {index[-2:]}
        inputs = [(_("input ch {channel} (padding {padding})").format(channel=c, padding=pad) if pad
                   else _("input ch {channel}").format(channel=c), snapshot.padded[c], -pad,
                   window | (edit if where == "image" and index[0] == c else set())) for c in range(len(snapshot.padded))]
        inputs += [(_("kernel {kernel} ch {channel}").format(kernel=o, channel=c), snapshot.kernels[o, c], 0, edit if where == "kernel" and index[:2] == (o, c) else set())
                   for o in range(len(snapshot.kernels)) for c in range(snapshot.kernels.shape[1])]
        maps = [(_("feature map {number}").format(number=o), snapshot.output[o], 0, {(last.row, last.col)} if last and last.kernel == o else set())
                for o in range(len(snapshot.output))]
        self.query_one("#grids", MatrixGrids).show([Grid.of(title, values, first=first, marks=marks, max_cols=MAX_COLS)
                                                    for title, values, first, marks in inputs + maps])
        cell = ",".join(map(str, index))
        rule, _equals, worked = snapshot.size_formula.partition(" = ")
        self.query_one("#formula", Static).update(_("output size {rule}").format(rule=rule) + f"\n  = {worked}\n"
                                                  + _("c picks the cell + and − change: now {cell}").format(cell=f"{where}[{cell}]"))
        self.query_one("#worked", Static).update(self._worked(snapshot))
        self.query_one("#dice", Static).update(_("1-D convolution, two dice: {sum}").format(sum=snapshot.dice.worked()))

    def _worked(self, snapshot: ConvolutionSnapshot) -> Text:
        last = snapshot.last
        if last is None:
            return Text(_("Press s: the kernel goes on the first window."))
        products = "  ".join(" ".join(short(v) for v in row) for ch in last.products for row in ch)
        return Text(_("products (row by row): {products}").format(products=products) + f"\n{last.worked()}")
