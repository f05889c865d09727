"""Classic architectures: plain vs residual training side by side, then the explorer's table."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from dltui.i18n import N_, _
from dltui.labs.architectures import ArchitecturesSnapshot
from dltui.text import cells, left, right

from ..widgets.chart import Chart, Series
from ..widgets.readout import Readout

TITLES = {"plain": N_("plain net: training accuracy"), "residual": N_("residual net: training accuracy")}
NAMES = {"plain": N_("plain"), "residual": N_("residual")}


class ArchitecturesView(VerticalScroll):
    """The race's last measurements and both accuracy charts side by side; then the explorer's table
    and its note (the next page at 80×24)."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#race", "#plain", "#residual")
    """The race that `s` and `e` drive: numbers and both charts."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Both actions extend the race, on the first page; the explorer follows a control."""

    DEFAULT_CSS = """
    ArchitecturesView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; margin: 0 0 1 0; }
        & > #charts { height: 8; margin: 0 0 1 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="race", markup=False)
        with Horizontal(id="charts"):
            for kind in ("plain", "residual"):
                yield Chart(id=kind)
        yield Readout(id="table", markup=False)
        yield Readout(id="note", markup=False)

    def show(self, s: ArchitecturesSnapshot) -> None:
        lines = [_("step {step}: training accuracy (and first-layer gradient norm)").format(step=s.step)]
        lines += [f"{m.step:>5}  " + _("plain {plain} ({plain_grad})   residual {residual} ({residual_grad})").format(
                      plain=f"{m.plain_accuracy:5.1%}", plain_grad=f"{m.plain_grad:.0e}",
                      residual=f"{m.residual_accuracy:5.1%}", residual_grad=f"{m.residual_grad:.0e}")
                  for m in s.measurements[-5:]]
        self.query_one("#race", Static).update(Text("\n".join(lines)))
        steps = [m.step for m in s.measurements]
        for kind in ("plain", "residual"):
            accuracy = [100 * getattr(m, f"{kind}_accuracy") for m in s.measurements]
            self.query_one(f"#{kind}", Chart).show(_(TITLES[kind]), [Series(_(NAMES[kind]), accuracy, steps)],
                                                   x_label=_("step"), y_label="%", y_range=(0, 100), bars=True)
        rows = [(l.name, l.kind, "×".join(map(str, l.shape)), f"{l.params:,}") for l in s.layers]
        widths = [max(cells(r[i]) for r in rows) for i in range(4)]  # in terminal cells: a CJK character takes two
        table = [s.title, *("  ".join(pad(text, w) for pad, text, w in zip((left, left, right, right), row, widths))
                            for row in rows),
                 _("total parameters: {total}").format(total=f"{s.total:,}")]
        self.query_one("#table", Static).update(Text("\n".join(table)))
        self.query_one("#note", Static).update(Text(s.note))
