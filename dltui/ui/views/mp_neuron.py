"""The McCulloch–Pitts neuron drawn as text, with its truth table and the stepped row's working."""

from __future__ import annotations

from typing import ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.i18n import _
from dltui.labs.mp_neuron import MPNeuronSnapshot

from ..widgets.readout import Readout


class MPNeuronView(VerticalScroll):
    """Diagram (x → w → Σ ≥ θ → y), truth table with the current row marked, and its arithmetic."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#diagram", "#table", "#working")
    """The neuron, its truth table and the stepped row's arithmetic: all of it, always."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """One page: nothing to turn to."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"mp-neuron-view--current", "mp-neuron-view--right", "mp-neuron-view--wrong"}
    """
    | Class | Description |
    | :- | :- |
    | `mp-neuron-view--current` | The row the last step evaluated. |
    | `mp-neuron-view--right` | The ✓ of a row the neuron gets right. |
    | `mp-neuron-view--wrong` | The ✗ of a row it gets wrong. |
    """

    DEFAULT_CSS = """
    MPNeuronView {
        height: 1fr;
        padding: 0 1;
        & > .mp-neuron-view--current { background: $accent 35%; text-style: bold; }
        & > .mp-neuron-view--right { color: $success; }
        & > .mp-neuron-view--wrong { color: $error; text-style: bold; }
        & > #diagram { margin: 1 0 0 0; }
        & > #working { margin: 0 0 0 2; text-style: bold; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="diagram")
        yield Readout(id="table")
        yield Readout(id="working")

    def show(self, snapshot: MPNeuronSnapshot) -> None:
        row = snapshot.rows[snapshot.current] if snapshot.current is not None else None
        self.query_one("#diagram", Static).update(self._diagram(snapshot, row))
        self.query_one("#table", Static).update(self._table(snapshot))
        working = snapshot.working(row) if row else _("Press s to evaluate the first row.")
        self.query_one("#working", Static).update(Text(working))

    def _diagram(self, snapshot: MPNeuronSnapshot, row) -> Text:
        names = [f"x{i + 1}" + (f" = {row.inputs[i]}" if row else "") for i in range(len(snapshot.weights))]
        pad = max(map(len, names))
        arms = [f"{name:<{pad}} ──( w{i + 1} = {w:g} )──" for i, (name, w) in enumerate(zip(names, snapshot.weights))]
        unit = f"▶ Σ ≥ θ = {snapshot.threshold:g} ──▶ " + (f"y = {row.output}" if row else "y")
        if len(arms) == 1:
            return Text(f"{arms[0]}{unit}")
        reach = max(map(len, arms))
        return Text(f"{arms[0].ljust(reach, '─')}╮\n{' ' * reach}├──{unit}\n{arms[1].ljust(reach, '─')}╯")

    def _table(self, snapshot: MPNeuronSnapshot) -> Table:
        table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, show_edge=False)
        table.add_column("", width=1)
        for i in range(len(snapshot.weights)):
            table.add_column(f"x{i + 1}", justify="center")
        for title in ("Σ w·x", _("output"), snapshot.gate, ""):
            table.add_column(title, justify="center")
        current = self.get_component_rich_style("mp-neuron-view--current")
        right = self.get_component_rich_style("mp-neuron-view--right")
        wrong = self.get_component_rich_style("mp-neuron-view--wrong")
        for index, row in enumerate(snapshot.rows):
            mark = Text("✓", right) if row.correct else Text("✗", wrong)
            is_current = index == snapshot.current
            table.add_row("▶" if is_current else "", *map(str, row.inputs), f"{row.weighted_sum:g}",
                          str(row.output), str(row.target), mark, style=current if is_current else None)
        return table
