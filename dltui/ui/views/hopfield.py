"""The Hopfield lab's two parts.

Recall: the state beside the weights of the neuron being updated (its row of W, drawn on the grid, so h = Σ w·s is
the two pictures multiplied cell by cell and added), the energy per update, the update in numbers, then the stored
letters with their overlaps; the whole W is the next page. Capacity: the share of random patterns recalled per load
P/N with the theory's 0.138 marked, beside the spurious fixed points the letters' network falls into from random
starts. Every picture is shade glyphs (██ +1, ·· −1), so it reads the same without colour.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll

from dltui.i18n import N_, _, ngettext
from dltui.labs.hopfield import CAPACITY_CELLS, LOADS, STARTS, THEORY, HopfieldSnapshot
from dltui.numbers import fixed

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout
from ..widgets.shade_image import beside, flow, gallery, shade, titled

TOP = (8, 16)  # the pictures' row: its least and most lines
CURVE = 12  # the capacity curve's least lines
SPURIOUS_WIDTH = 36  # three pictures of spurious states side by side
COUNTED = {"letter": N_("letter"), "inverse": N_("inverse"), "mixture": N_("mixture of 3:"), "other": N_("other")}
"""What a random start can end at, as the counts name it."""


def spin(value: float) -> str:
    return "+1" if value > 0 else "−1"


def image(state: np.ndarray, shape: tuple[int, int], marks: set[tuple[int, int]] = frozenset()) -> Text:
    """A ±1 state on its grid: ██ for +1, ·· for −1."""
    return shade(np.reshape(state, shape), -1, 1, marks=marks, blank="·")


class HopfieldView(Fitted, VerticalScroll):
    """Recall: pictures | energy; the update; the letters; W. Capacity: the curve | spurious states; the numbers."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#top", "#numbers", "#letters")
    """The state, the neuron's weights and the energy; the update in numbers; the letters it is compared with."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every action changes the first page: nothing to turn to."""

    DEFAULT_CSS = """
    HopfieldView {
        height: 1fr;
        & > Horizontal { height: 8; }
        & #pictures { width: auto; padding: 0 1; }
        & #spurious { width: auto; padding: 0 1; }
        & Chart { width: 1fr; height: 1fr; }
        & > Readout { height: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Readout(id="pictures", markup=False)
            yield Chart(id="energy")
        with Horizontal(id="curve"):
            yield Chart(id="capacity")
            yield Readout(id="spurious", markup=False)
        yield Readout(id="numbers", markup=False)
        yield Readout(id="letters", markup=False)
        yield Readout(id="weights", markup=False)

    def show(self, snapshot: HopfieldSnapshot) -> None:
        s = snapshot
        self.fit(s)
        recall = s.part == "recall"
        for selector in ("#top", "#letters", "#weights"):
            self.query_one(selector).display = recall
        self.query_one("#curve").display = not recall
        numbers = self._recall_numbers(s) if recall else self._capacity_numbers(s)
        self.query_one("#numbers", Readout).update(numbers)
        if recall:
            self._recall(s, len(numbers.plain.split("\n")))
        else:
            self._capacity(s, len(numbers.plain.split("\n")))

    # ------------------------------------------------------------------ recall
    def _recall(self, s: HopfieldSnapshot, numbers: int) -> None:
        focus, cols = s.focus, s.shape[1]
        cell = {(focus // cols, focus % cols)}
        span = len(s.names) / s.weights.shape[0]  # W's entries run from −P/N to P/N
        self.query_one("#pictures", Readout).update(beside([
            titled(image(s.state, s.shape, cell), _("state s")),
            titled(shade(s.weights[focus].reshape(s.shape), -span, span, marks=cell, blank="·"),
                   _("W row {row}").format(row=focus))]))
        letters = gallery([image(p, s.shape) for p in s.patterns],
                          [f"{name} m {fixed(m, 2)}" for name, m in zip(s.names, s.overlaps)], self.room)
        self.query_one("#letters", Readout).update(letters)
        room = self.region.height - numbers - len(letters.plain.split("\n"))
        self.query_one("#top").styles.height = min(max(room, TOP[0]), TOP[1])
        updates = np.arange(len(s.energies))
        self.query_one("#energy", Chart).show(_("energy E = −½·sᵀWs"), [Series("E", s.energies, updates)],
                                              x_label=_("update"), y_label="E")
        n = s.weights.shape[0]
        legend = _("{scale}, row {row} marked").format(scale=f"· −{len(s.names)}/{n} … █ +{len(s.names)}/{n}", row=focus)
        self.query_one("#weights", Readout).update(titled(
            shade(s.weights, -span, span, marks={(focus, j) for j in range(n)}, blank="·"),
            f"W = (1/N)·Σ pᵘpᵘᵀ, {n}×{n}: {legend}"))

    def _recall_numbers(self, s: HopfieldSnapshot) -> Text:
        n, cols = s.weights.shape[0], s.shape[1]
        name = s.names[s.target]
        lines = [_("N = {n}, letters {letters} · start: {name}, {flipped} cells flipped · update {update}, sweep {sweep}").format(
            n=n, letters=" ".join(s.names), name=name, flipped=s.flipped, update=s.updates, sweep=s.sweep)]
        if u := s.last:
            change = (_("s {old} → {new}").format(old=spin(u.old), new=spin(u.new)) if u.new != u.old
                      else _("s stays {old}").format(old=spin(u.old)))
            lines.append(_("neuron {neuron} (row {row}, col {col}): {field}, {change}, {delta}").format(
                neuron=u.neuron, row=u.neuron // cols, col=u.neuron % cols, field=f"h = Σⱼ wᵢⱼ·sⱼ = {fixed(u.field, 3)}",
                change=change, delta=f"ΔE = {fixed(u.delta, 3)}"))
        else:
            lines.append(_("no update yet: the picture's marked cell is the first neuron of this sweep"))
        kind, label = s.kind_label
        what = {"letter": _("s is the letter {label}"), "inverse": _("s is the inverse {label}"),
                "mixture": _("s is the mixture {label}"), "other": _("s is no letter")}[kind].format(label=label)
        verdict = (_("a fixed point: no neuron would flip") if s.fixed_at is not None
                   else ngettext("{count} neuron would flip", "{count} neurons would flip", s.unstable).format(count=s.unstable))
        lines.append(f"E = {fixed(s.energy, 3)} · {verdict} · {what}")
        return Text("\n".join(lines))

    # ------------------------------------------------------------------ capacity
    def _capacity(self, s: HopfieldSnapshot, numbers: int) -> None:
        self.query_one("#curve").styles.height = max(self.region.height - numbers, CURVE)
        loads = np.array([p.patterns for p in s.points]) / CAPACITY_CELLS
        self.query_one("#capacity", Chart).show(
            f"│ {THEORY}", [Series(_("recalled"), [100 * p.recalled for p in s.points], loads),
                           Series(_("fixed point"), [100 * p.stable for p in s.points], loads)],
            x_label="P/N", y_label=_("patterns, %"), y_range=(0, 100), x_range=(0, LOADS[-1] / CAPACITY_CELLS),
            mark=THEORY)
        self.query_one("#spurious", Readout).update(self._spurious(s))

    def _spurious(self, s: HopfieldSnapshot) -> Text:
        head = Text(_("fixed points of {letters}\nfrom {count} random starts").format(letters="".join(s.names), count=STARTS)
                    + "\n\n", "bold")
        if not s.shown:
            head.append(_("only the letters themselves"))
            return head
        head.append_text(flow([titled(image(e.state, s.shape), f"{e.label or _('other')} ×{e.starts}") for e in s.shown],
                              SPURIOUS_WIDTH))
        return head

    def _capacity_numbers(self, s: HopfieldSnapshot) -> Text:
        lines = [_("N = {n} random ±1 patterns; recalled: back exactly from {flips} flipped cells").format(
            n=CAPACITY_CELLS, flips=round(s.noise * CAPACITY_CELLS))]
        if s.points:
            p = s.points[-1]
            lines.append(_("P/N = {load}: {stable} are fixed points, {recalled} recalled").format(
                load=f"{p.patterns / CAPACITY_CELLS:.2f}", stable=f"{p.stable:.0%}", recalled=f"{p.recalled:.0%}"))
        if s.half:
            lines.append(_("fewer than half recalled from P/N = {load} (large-N theory: {theory})").format(
                load=f"{s.half.patterns / CAPACITY_CELLS:.2f}", theory=THEORY))
        counts = {kind: sum(e.starts for e in s.found if e.kind == kind) for kind in COUNTED}
        lines.append(_("{count} random starts: {counts}").format(
            count=STARTS, counts=" · ".join(f"{_(what)} {counts[kind]}" for kind, what in COUNTED.items() if counts[kind])))
        if m := s.first_mixture:
            sign = f"sign({' + '.join(m.label.split('+'))})"
            lines.append(_("{sign} is a fixed point, reached from {count} starts").format(sign=sign, count=m.starts)
                         if s.first_mixture_fixed else _("{sign} is not a fixed point").format(sign=sign))
        return Text("\n".join(lines))
