"""The optimizers lab: the race on a contour map beside each racer's row and the focused racer's arithmetic; the
schedules add lr(t); the batch part is one chart of loss curves; annealing is the surface with where each run ends
beside annealing's own history.

At 80×24 the race is one page: the map takes the left of the pane and its full height, the table and the arithmetic
the right.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from dltui.i18n import _
from dltui.labs.base import num
from dltui.labs.optimizers import OptimizersSnapshot, Racer
from dltui.numbers import fixed
from dltui.text import left, right

from ..widgets.chart import Chart, Series
from ..widgets.contour_map import ContourMap, Mark, Path
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout

SIDE = (40, 48)  # the table's and arithmetic's columns: at least, and at most
MAP_ROWS = (10, 40)
BATCH_ZOOM = (0.2, 0.6)  # the batch chart's y axis: the noise floor (0.25) and the jitter around it
WELLS_ZOOM = (-1.5, 4.0)  # the wells' f axis: the three minima and the ridges between them
LR_ROWS = (5, 10)  # the schedules' lr(t) chart: least and most rows


def cell(value: float) -> str:
    """A coordinate for the arithmetic: 4 significant digits or so, never wider than 9 cells."""
    size = abs(float(value))
    places = 3 if not math.isfinite(size) or size < 10 else max(3 - int(math.log10(size)), 0)
    return fixed(value, places)


def verdict(r: Racer) -> str:
    if r.diverged_at is not None:
        return f"✗ {r.diverged_at}"
    return f"✓ {r.reached_at}" if r.reached_at is not None else "·"


class OptimizersView(Fitted, VerticalScroll):
    """Map and side column (table, arithmetic) on top; the lr chart, the batch chart or the annealing charts below."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#map", "#table", "#state")
    """The race, where every racer stands, and the focused racer's update: the first page."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every action's result is on the first page."""

    DEFAULT_CSS = """
    OptimizersView {
        height: 1fr;
        & > #top { height: auto; }
        & #map { width: 1fr; }
        & #side { width: 40; height: auto; }
        & #table, & #state { height: auto; padding: 0 0 0 1; }
        & Chart { height: 8; }
        & > #anneal { height: auto; }
        & #anneal Chart { width: 1fr; }
        & > #notes { height: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield ContourMap(id="map")
            with Vertical(id="side"):
                yield Readout(id="table", markup=False)
                yield Readout(id="state", markup=False)
        yield Chart(id="lrs")
        yield Chart(id="curves")
        with Horizontal(id="anneal"):
            yield Chart(id="landscape")
            yield Chart(id="history")
        yield Readout(id="notes", markup=False)

    @staticmethod
    def _racer_name(s: OptimizersSnapshot, r: Racer) -> str:
        """A racer's name in the interface's language; a schedule's (PyTorch's name for it) as it is."""
        return _(r.name) if s.part == "race" else r.name

    def show(self, snapshot: OptimizersSnapshot) -> None:
        s = snapshot
        self.fit(s)
        walking = s.part in ("race", "schedules")
        for selector, shown in (("#top", walking), ("#lrs", s.part == "schedules"), ("#curves", s.part == "batch"),
                                ("#anneal", s.part == "annealing"), ("#notes", not walking)):
            self.query_one(selector).display = shown
        if walking:
            self._walkers(s)
        elif s.part == "batch":
            self._batch(s)
        else:
            self._anneal(s)

    # ------------------------------------------------------------------ race and schedules
    def _walkers(self, s: OptimizersSnapshot) -> None:
        side_width = min(max(self.region.width // 2, SIDE[0]), SIDE[1])
        self.query_one("#side").styles.width = side_width
        state = self._state(s, side_width - 1)
        table = self._table(s, footer=len(state.plain.split("\n")) + len(s.racers) + 2 <= self.region.height)
        self.query_one("#table", Static).update(table)
        self.query_one("#state", Static).update(state)
        side_rows = len(table.plain.split("\n")) + len(state.plain.split("\n"))
        lr_rows = min(max(self.region.height - side_rows, LR_ROWS[0]), LR_ROWS[1]) if s.part == "schedules" else 0
        rows = min(max(self.region.height - lr_rows, side_rows, MAP_ROWS[0]), MAP_ROWS[1])
        chart_map = self.query_one("#map", ContourMap)
        chart_map.styles.height = rows
        paths = [Path(r.glyph, r.xs, r.ys, self._racer_name(s, r)) for r in s.racers]
        marks = [Mark("★", x, y) for x, y in s.minima] + [Mark("◆", *s.start)]
        chart_map.show(s.grid, s.box, paths, marks, labels=("x", "y"), value="f")
        chart_map.border_title = _("{surface} · f = {formula} · ★ min ◆ start").format(
            surface=_(s.surface), formula=_(s.formula))
        if s.part == "schedules":
            self.query_one("#lrs", Chart).styles.height = lr_rows
            steps = np.arange(1, s.total + 1)
            lr0 = s.racers[0].lrs[0] if len(s.racers[0].lrs) else s.racers[0].lr
            series = [Series(r.name, r.lrs, steps[:len(r.lrs)]) for r in s.racers]
            self.query_one("#lrs", Chart).show("lr(t)", series, x_label=_("step"), y_label="lr",
                                               x_range=(1.0, float(s.total)), y_range=(0.0, 1.05 * lr0))

    def _table(self, s: OptimizersSnapshot, footer: bool) -> Text:
        """A row per racer; `footer`: the step count and the marks' meaning, where the pane has the row."""
        head = _("optimizer") if s.part == "race" else _("schedule")
        lines = [f"  {left(head, 9)}{'lr':>6} {'f':>8} " + _("✓/✗ at")]
        for k, r in enumerate(s.racers):
            mark = "›" if k == s.focus else " "
            lines.append(f"{mark}{r.glyph} {left(self._racer_name(s, r), 9)}{r.lr:>6.3g} {cell(r.value):>8} {verdict(r)}")
        if footer:
            lines.append(_("step {step}/{total} · ✓ ≤0.01 · ✗ diverged").format(step=s.step, total=s.total))
        return Text("\n".join(lines))

    def _state(self, s: OptimizersSnapshot, width: int) -> Text:
        label = max(width - 19, 12)
        title = _("{racer} · step {step}").format(racer=s.focus_title, step=s.racers[s.focus].steps)
        title = title if cell_len(title) <= label else s.focus_title
        text = Text(f"{title}{' ' * (label - cell_len(title))}{'x':>9} {'y':>9}\n", style="bold")
        text.append(f"{s.focus_settings}\n")
        if not s.arithmetic:
            text.append(_("No step yet: the last update's\narithmetic shows here."))
            return text
        text.append("\n".join(left(_(row.formula), label) + f"{cell(row.value[0]):>9} {cell(row.value[1]):>9}"
                               for row in s.arithmetic))
        return text

    # ------------------------------------------------------------------ batch sizes
    def _batch(self, s: OptimizersSnapshot) -> None:
        heads = (right(_("batch"), 5), right(_("updates"), 7), right(_("loss now"), 8), _("spread (last epoch)"))
        notes = ["  ".join(heads)]
        notes += [f"{c.size:>5}  {c.updates:>7}  {cell(c.losses[-1]):>8}  {cell(c.spread):>8}" for c in s.batches]
        notes.append(_("epoch {epoch} of {total} · lr the same for every batch size").format(epoch=s.step, total=s.total))
        note = Text("\n".join(notes))
        self.query_one("#notes", Static).update(note)
        chart = self.query_one("#curves", Chart)
        chart.styles.height = max(self.region.height - len(notes), 8)
        series = [Series(_("batch {size}").format(size=c.size), c.losses, c.epochs) for c in s.batches]
        chart.show(_("training MSE near the floor"), series, x_label=_("epoch (samples seen / 256)"), y_label="MSE",
                   x_range=(0.0, float(s.total)), y_range=BATCH_ZOOM)

    # ------------------------------------------------------------------ annealing
    def _anneal(self, s: OptimizersSnapshot) -> None:
        a = s.anneal
        lines = [_("move {move}/{total} · T {t} · x {x}, f {f} · best x {best_x}, f {best_f}").format(
            move=len(a.xs) - 1, total=s.total, t=cell(a.temperatures[-1]), x=cell(a.xs[-1]), f=cell(a.fs[-1]),
            best_x=cell(a.best[0]), best_f=cell(a.best[1]))]
        if a.last is None:
            lines.append(_("last move: none yet"))
        else:
            proposal, change, chance, u, accepted = a.last
            lines.append(_("last: x′ {x} Δf {change} exp(−Δf/T) {chance} u {u} {verdict} · {uphill} uphill").format(
                x=cell(proposal), change=cell(change), chance=cell(min(chance, 1.0)), u=cell(u),
                verdict=_("taken") if accepted else _("refused"), uphill=a.uphill))
        lines.append(_("gradient descent, start→end: {ends}").format(
            ends="  ".join(f"{num(start)}→{cell(end)}" for start, end in zip(a.starts, a.ends))))
        notes = Text("\n".join(lines))
        self.query_one("#notes", Static).update(notes)
        rows = max(self.region.height - len(notes.plain.split("\n")) - 1, 8)
        for chart in self.query("#anneal Chart"):
            chart.styles.height = rows
        self.query_one("#landscape", Chart).show(
            "f(x)", [Series("f", a.curve, a.curve_x), Series(_("GD ends"), a.end_values, a.ends, points=True),
                     Series(_("anneal"), [a.fs[-1]], [a.xs[-1]], points=True)],
            x_label="x", y_label="f", y_range=WELLS_ZOOM)
        moves = np.arange(len(a.xs))
        self.query_one("#history", Chart).show(
            _("annealing"), [Series("x", a.xs, moves), Series("T", a.temperatures, moves)],
            x_label=_("move"), y_label=_("x and T"), x_range=(0.0, float(s.total)), y_range=(-3.2, 3.2))
