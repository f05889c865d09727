"""The perceptron lab: points and the moving decision line, the last update, mistakes per epoch."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from dltui.i18n import N_, _, ngettext
from dltui.labs.perceptron import PerceptronSnapshot

from ..widgets.chart import Chart, Series
from ..widgets.glyphs import signed
from ..widgets.scatter import Point, Scatter
from ..widgets.readout import Readout

MARKERS = {(0, True): ("o", "scatter--class-0"), (1, True): ("x", "scatter--class-1"),
           (0, False): ("O", "scatter--wrong"), (1, False): ("X", "scatter--wrong")}
LEGEND = N_("o y=0   x y=1   O X wrong side\n⠒⠒ the line w·x + b = 0")


def pair(values, spec: str = ".2f") -> str:
    return f"({signed(values[0], spec)}, {signed(values[1], spec)})"


class PerceptronView(Horizontal):
    """Scatter with the decision line on the left; numbers and the mistakes chart on the right."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("Scatter", "#numbers", "Chart")
    """The points and the line, the last update, the mistakes per epoch: what every key changes."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """One page: nothing to turn to."""

    DEFAULT_CSS = """
    PerceptronView {
        height: 1fr;
        & > Scatter { width: 1fr; min-width: 30; }
        & > #side { width: 38; padding: 0 1; }
        & #numbers { height: auto; }
        & #legend { color: $text-muted; margin: 1 0 0 0; height: auto; }
        & Chart { height: 1fr; min-height: 6; max-height: 10; margin: 1 0 0 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Scatter()
        with Vertical(id="side"):
            yield Readout(id="numbers")
            yield Chart()
            yield Readout(_(LEGEND), id="legend", markup=False)

    def show(self, snapshot: PerceptronSnapshot) -> None:
        bounds = snapshot.box
        scatter = self.query_one(Scatter)
        scatter.plot([Point(x, y, *MARKERS[int(label), bool(ok)])
                      for (x, y), label, ok in zip(snapshot.inputs, snapshot.labels, snapshot.correct)],
                     snapshot.boundary(*bounds), bounds)
        low_x, high_x, low_y, high_y = (signed(bound, ".1f") for bound in bounds)
        scatter.border_title = f"{_(snapshot.dataset)} · x2 ↑ {low_y}…{high_y}"
        scatter.border_subtitle = f"x1 → {low_x}…{high_x}"
        self.query_one("#numbers", Static).update(self._numbers(snapshot))
        self.query_one(Chart).show(
            _("Mistakes per epoch (last: {count})").format(count=snapshot.mistakes[-1]) if snapshot.mistakes
            else _("Mistakes per epoch"),
            [Series(_("mistakes"), snapshot.mistakes)], x_label=_("epoch"), y_label=_("mistakes"),
            y_range=(0, len(snapshot.labels)), bars=True)

    def _numbers(self, snapshot: PerceptronSnapshot) -> Text:
        if snapshot.converged or snapshot.gave_up:
            where = ngettext("Stopped after {count} epoch", "Stopped after {count} epochs", snapshot.epoch).format(
                count=snapshot.epoch)
        else:
            where = _("Epoch {epoch} · sample {sample} of {total} next").format(
                epoch=snapshot.epoch + 1, sample=snapshot.position + 1, total=len(snapshot.labels))
        accuracy = _("accuracy {percent}").format(percent=f"{snapshot.accuracy:.0%}")
        if snapshot.position:
            accuracy += " · " + _("mistakes this epoch {count}").format(count=snapshot.mistakes_this_epoch)
        lines = [where, f"w = {pair(snapshot.weights)}   b = {signed(snapshot.bias, '.2f')}", accuracy]
        if last := snapshot.last:
            lines += [
                _("Last: sample {sample}, x = {x}").format(sample=last.index + 1, x=pair(last.x, '.3g')),
                f"  y = {last.y}   ŷ = {last.y_hat}   w·x+b = {signed(last.activation, '.2f')}",
                f"  Δw = {pair(last.dw, '+.2f')}   Δb = {signed(last.db, '+.2f')}",
            ]
        else:
            lines += [_("Last: no sample shown yet")]
        return Text("\n".join(lines))
