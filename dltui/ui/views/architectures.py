"""Classic architectures: plain vs residual training side by side, then the explorer's table."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.architectures import ArchitecturesSnapshot

from ..widgets.bars import Bars


class ArchitecturesView(VerticalScroll):
    DEFAULT_CSS = """
    ArchitecturesView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; margin: 0 0 1 0; }
        & > Bars { height: 4; margin: 0 0 1 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="race", markup=False)
        yield Bars(id="plain")
        yield Bars(id="residual")
        yield Static(id="table", markup=False)

    def show(self, s: ArchitecturesSnapshot) -> None:
        lines = [f"step {s.step}: training accuracy (and first-layer gradient norm)"]
        lines += [f"{m.step:>5}  plain {m.plain_accuracy:5.1%} ({m.plain_grad:.0e})   "
                  f"residual {m.residual_accuracy:5.1%} ({m.residual_grad:.0e})" for m in s.measurements[-5:]]
        self.query_one("#race", Static).update(Text("\n".join(lines)))
        for kind in ("plain", "residual"):
            bars = self.query_one(f"#{kind}", Bars)
            bars.values = tuple(round(100 * getattr(m, f"{kind}_accuracy")) for m in s.measurements)
            bars.border_title = f"{kind}: training accuracy %"
        rows = [(l.name, l.kind, "×".join(map(str, l.shape)), f"{l.params:,}") for l in s.layers]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        table = [s.title, *(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d:>{widths[3]}}" for a, b, c, d in rows),
                 f"total parameters: {s.total:,}", "", s.note]
        self.query_one("#table", Static).update(Text("\n".join(table)))
