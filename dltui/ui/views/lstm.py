"""The LSTM and GRU labs: two models racing on the same batches, and the gated cell's gates per
time step as shade pictures (one row per unit, one column per time step)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from dltui.i18n import N_, _
from dltui.labs.gru import GRUSnapshot
from dltui.labs.lstm import LSTMSnapshot
from dltui.labs.sequence import EPOCH
from dltui.numbers import fixed
from dltui.text import left

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.matrix_grid import MatrixGrid
from ..widgets.shade_image import gallery, shade
from ..widgets.readout import Readout

RANGES = {"i": (0, 1), "f": (0, 1), "o": (0, 1), "r": (0, 1), "z": (0, 1), "g": (-1, 1), "n": (-1, 1), "h": (-1, 1)}
TITLES = {"i": N_("i input"), "f": N_("f forget"), "g": N_("g candidate"), "o": N_("o output"), "c": N_("c cell"),
          "h": N_("h hidden"), "r": N_("r reset"), "z": N_("z update"), "n": N_("n candidate")}


FIRST_GATES = 4  # gate pictures in the first gate section; the rest go in the second


class RaceView(Fitted, VerticalScroll):
    """Figures per model, then the loss and held-out accuracy charts (both models in each) side by side
    (the first page at 80×24), then the gate pictures in two sections; in a short pane they show every
    other unit, so each fits a page."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#figures", "#charts")
    """The race: each model's loss and held-out accuracy, which `s` and `e` move on."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Both actions extend the race on the first page; the gates after it follow along."""

    gate_names: tuple[str, ...] = ("i", "f", "g", "o", "c", "h")
    gates_of = "LSTM"

    DEFAULT_CSS = """
    RaceView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; }
        & > #charts { height: 8; margin: 1 0; }
        & > #gates-2 { margin: 1 0 0 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="figures", markup=False)
        with Horizontal(id="charts"):
            yield Chart(id="loss")
            yield Chart(id="accuracy")
        yield Readout(id="gates")
        yield Readout(id="gates-2")
        yield MatrixGrid(max_cols=len(self.gate_names), id="step")

    def extra(self, snapshot) -> str:
        return ""

    def show(self, snapshot: LSTMSnapshot) -> None:
        s = snapshot
        self.fit(s)
        lines = [_("Batch {number} · sequence length {length}").format(number=s.batches, length=s.seq_len)]
        name = max(cell_len(run.name) for run in s.runs)
        for run in s.runs:
            parts = [_("{count} params").format(count=f"{run.parameters:>6,}")]
            if run.losses:
                parts.append(_("{ms} ms/step").format(ms=f"{run.step_ms:.1f}"))
            parts.append(_("held-out {accuracy}").format(accuracy=f"{run.last_accuracy:.0%}") if run.accuracy
                         else _("held-out: after {count} batches").format(count=EPOCH))
            if run.losses:
                parts.append(_("loss {loss}").format(loss=fixed(run.losses[-1])))
            lines.append(left(run.name, name) + " " + " · ".join(parts))
        if extra := self.extra(s):
            lines.append(extra)
        self.query_one("#figures", Static).update("\n".join(lines))
        diverged = any(run.diverged for run in s.runs)
        self.query_one("#loss", Chart).show(_("loss per batch"), [Series(run.name, run.losses) for run in s.runs],
                                            x_label=_("batch"), y_label=_("cross-entropy"), diverged=diverged)
        self.query_one("#accuracy", Chart).show(
            _("held-out accuracy"),
            [Series(run.name, [100 * a for a in run.accuracy], EPOCH * np.arange(1, len(run.accuracy) + 1))
             for run in s.runs], x_label=_("batch"), y_label="%", y_range=(0, 100), diverged=diverged)
        every = 2 if self.short else 1
        pictures = [shade(s.gates[name].T[::every], *RANGES.get(name, (None, None)), width=1) for name in self.gate_names]
        titles = [_(TITLES[name]) + (" {}…{}".format(*RANGES[name]).replace("-", "−") if name in RANGES else "")
                  for name in self.gate_names]
        header = Text((_("{model}, held-out sequence: units ↓ (every other), time →, blank low … █ high") if every > 1 else
                       _("{model}, held-out sequence: units ↓, time →, blank low … █ high")).format(model=self.gates_of)
                      + "\n", style="dim")
        row_gap = 0 if self.short else 1
        header.append_text(gallery(pictures[:FIRST_GATES], titles[:FIRST_GATES], self.room, row_gap=row_gap))
        self.query_one("#gates", Static).update(header)
        second = self.query_one("#gates-2", Static)
        second.display = len(pictures) > FIRST_GATES
        second.update(gallery(pictures[FIRST_GATES:], titles[FIRST_GATES:], self.room, row_gap=row_gap))
        self._step_numbers(s)

    def _step_numbers(self, s) -> None:
        """The gates at the step the answer is read, as numbers: one column of each picture, every unit."""
        values = np.stack([s.gates[name][s.position] for name in self.gate_names], axis=1)
        units = tuple(_("unit {number}").format(number=k) for k in range(1, len(values) + 1))
        self.query_one("#step", MatrixGrid).show(
            _("{model} at step {step} of {steps} (the answer is read here)").format(
                model=self.gates_of, step=s.position + 1, steps=s.seq_len), values, units,
            self.gate_names, low=-1.0, high=1.0)


class LSTMView(RaceView):
    def extra(self, snapshot: LSTMSnapshot) -> str:
        (first, second), (said_first, said_second) = snapshot.runs, snapshot.predictions
        return _("Probe: {symbols} → first symbol {answer}; {first} says {first_says}, {second} says {second_says}").format(
            symbols=" ".join(map(str, snapshot.probe)), answer=snapshot.answer, first=first.name, first_says=said_first,
            second=second.name, second_says=said_second)


class GRUView(RaceView):
    gate_names = ("r", "z", "n", "h")
    gates_of = "GRU"

    def extra(self, snapshot: GRUSnapshot) -> str:
        fields = dict(comparison=_(snapshot.comparison), task=_(snapshot.task))
        if snapshot.task == "first symbol":
            return _("{comparison} · task: {task}, answer read at the last step").format(**fields)
        return _("{comparison} · task: {task}, answer read at the masked step {step}").format(
            **fields, step=snapshot.position + 1)
