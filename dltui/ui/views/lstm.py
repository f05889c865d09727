"""The LSTM and GRU labs: two models racing on the same batches, and the gated cell's gates per
time step as shade pictures (one row per unit, one column per time step)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from dltui.labs.gru import GRUSnapshot
from dltui.labs.lstm import LSTMSnapshot
from dltui.labs.sequence import EPOCH
from dltui.numbers import fixed

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.matrix_grid import MatrixGrid
from ..widgets.shade_image import gallery, shade
from ..widgets.readout import Readout

RANGES = {"i": (0, 1), "f": (0, 1), "o": (0, 1), "r": (0, 1), "z": (0, 1), "g": (-1, 1), "n": (-1, 1), "h": (-1, 1)}
TITLES = {"i": "i input", "f": "f forget", "g": "g candidate", "o": "o output", "c": "c cell", "h": "h hidden",
          "r": "r reset", "z": "z update", "n": "n candidate"}


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
        lines = [f"Batch {s.batches} · sequence length {s.seq_len}"]
        name = max(len(run.name) for run in s.runs)
        for run in s.runs:
            acc = f"held-out {run.last_accuracy:.0%}" if run.accuracy else "held-out: after 25 batches"
            ms = f" · {run.step_ms:.1f} ms/step" if run.losses else ""
            loss = f" · loss {fixed(run.losses[-1])}" if run.losses else ""
            lines.append(f"{run.name:<{name}} {run.parameters:>6,} params{ms} · {acc}{loss}")
        if extra := self.extra(s):
            lines.append(extra)
        self.query_one("#figures", Static).update("\n".join(lines))
        diverged = any(run.diverged for run in s.runs)
        self.query_one("#loss", Chart).show("loss per batch", [Series(run.name, run.losses) for run in s.runs],
                                            x_label="batch", y_label="cross-entropy", diverged=diverged)
        self.query_one("#accuracy", Chart).show(
            "held-out accuracy",
            [Series(run.name, [100 * a for a in run.accuracy], EPOCH * np.arange(1, len(run.accuracy) + 1))
             for run in s.runs], x_label="batch", y_label="%", y_range=(0, 100), diverged=diverged)
        every = 2 if self.short else 1
        pictures = [shade(s.gates[name].T[::every], *RANGES.get(name, (None, None)), width=1) for name in self.gate_names]
        titles = [TITLES[name] + (" {}…{}".format(*RANGES[name]).replace("-", "−") if name in RANGES else "")
                  for name in self.gate_names]
        header = Text(f"{self.gates_of}, held-out sequence: units ↓{' (every other)' if every > 1 else ''}, time →, "
                      "blank low … █ high\n", style="dim")
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
        units = tuple(f"unit {k}" for k in range(1, len(values) + 1))
        self.query_one("#step", MatrixGrid).show(
            f"{self.gates_of} at step {s.position + 1} of {s.seq_len} (the answer is read here)", values, units,
            self.gate_names, low=-1.0, high=1.0)


class LSTMView(RaceView):
    def extra(self, snapshot: LSTMSnapshot) -> str:
        said = ", ".join(f"{run.name} says {p}" for run, p in zip(snapshot.runs, snapshot.predictions))
        return f"Probe: {' '.join(map(str, snapshot.probe))} → first symbol {snapshot.answer}; {said}"


class GRUView(RaceView):
    gate_names = ("r", "z", "n", "h")
    gates_of = "GRU"

    def extra(self, snapshot: GRUSnapshot) -> str:
        where = "the last step" if snapshot.task == "first symbol" else f"the masked step {snapshot.position + 1}"
        return f"{snapshot.comparison} · task: {snapshot.task}, answer read at {where}"
