"""The LSTM and GRU labs: two models racing on the same batches, and the gated cell's gates per
time step as shade pictures (one row per unit, one column per time step)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from dltui.labs.gru import GRUSnapshot
from dltui.labs.lstm import LSTMSnapshot

from ..widgets.bars import Bars
from ..widgets.fitting import Fitted
from ..widgets.glyphs import sparkline
from ..widgets.shade_image import gallery, shade

RANGES = {"i": (0, 1), "f": (0, 1), "o": (0, 1), "r": (0, 1), "z": (0, 1), "g": (-1, 1), "n": (-1, 1), "h": (-1, 1)}
TITLES = {"i": "i input", "f": "f forget", "g": "g candidate", "o": "o output", "c": "c cell", "h": "h hidden",
          "r": "r reset", "z": "z update", "n": "n candidate"}


FIRST_GATES = 4  # gate pictures in the first gate section; the rest go in the second


class RaceView(Fitted, VerticalScroll):
    """Figures per model and both accuracy charts side by side (the first page at 80×24), then the
    gate pictures in two sections; in a short pane they show every other unit, so each fits a page."""

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
        & > #charts { height: auto; margin: 1 0; }
        & #charts > Vertical { width: 1fr; height: auto; }
        & .chart-title { color: $text-muted; }
        & Bars { height: 3; }
        & > #gates-2 { margin: 1 0 0 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="figures", markup=False)
        with Horizontal(id="charts"):
            for k in range(2):
                with Vertical():
                    yield Static(classes="chart-title", id=f"title-{k}")
                    yield Bars(id=f"accuracy-{k}")
        yield Static(id="gates")
        yield Static(id="gates-2")

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
            lines.append(f"{run.name:<{name}} {run.parameters:>6,} params{ms} · {acc}")
            if run.losses:
                lines.append(f"  loss {run.losses[-1]:.3f}  {sparkline(run.losses, 40)}")
        if extra := self.extra(s):
            lines.append(extra)
        self.query_one("#figures", Static).update("\n".join(lines))
        for k, run in enumerate(s.runs):
            self.query_one(f"#title-{k}", Static).update(f"{run.name}: held-out %, per 25 batches")
            self.query_one(f"#accuracy-{k}", Bars).values = tuple(round(100 * a) for a in run.accuracy)
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
