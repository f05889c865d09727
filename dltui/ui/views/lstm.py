"""The LSTM lab: two models racing on the same batches, and the LSTM's gates per time step as
shade pictures (one row per unit, one column per time step)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.lstm import LSTMSnapshot

from ..widgets.bars import Bars
from ..widgets.shade_image import gallery, shade
from .rnn import sparkline

RANGES = {"i": (0, 1), "f": (0, 1), "o": (0, 1), "r": (0, 1), "z": (0, 1), "g": (-1, 1), "n": (-1, 1), "h": (-1, 1)}
TITLES = {"i": "i input", "f": "f forget", "g": "g candidate", "o": "o output", "c": "c cell", "h": "h hidden",
          "r": "r reset", "z": "z update", "n": "n candidate"}


class RaceView(VerticalScroll):
    """Figures per model, held-out accuracy per epoch, then the gate pictures."""

    gate_names: tuple[str, ...] = ("i", "f", "g", "o", "c", "h")
    gates_of = "LSTM"

    DEFAULT_CSS = """
    RaceView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; }
        & > .chart-title { color: $text-muted; margin: 1 0 0 0; }
        & > Bars { height: 3; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="figures", markup=False)
        for k in range(2):
            yield Static(classes="chart-title", id=f"title-{k}")
            yield Bars(id=f"accuracy-{k}")
        yield Static(id="gates")

    def extra(self, snapshot) -> str:
        return ""

    def show(self, snapshot: LSTMSnapshot) -> None:
        s = snapshot
        lines = [f"Batch {s.batches} · sequence length {s.seq_len}"]
        for run in s.runs:
            acc = f"held-out {run.last_accuracy:.0%}" if run.accuracy else "held-out: after 25 batches"
            ms = f"{run.step_ms:.1f} ms/step" if run.losses else ""
            lines.append(f"{run.name:<20} {run.parameters:>6,} params  {ms:>13}  {acc}")
            if run.losses:
                lines.append(f"  loss {run.losses[-1]:.3f}  {sparkline(run.losses, 40)}")
        if extra := self.extra(s):
            lines.append(extra)
        self.query_one("#figures", Static).update("\n".join(lines))
        for k, run in enumerate(s.runs):
            self.query_one(f"#title-{k}", Static).update(f"{run.name}: held-out accuracy, % per 25 batches")
            self.query_one(f"#accuracy-{k}", Bars).values = tuple(round(100 * a) for a in run.accuracy)
        pictures = [shade(s.gates[name].T, *RANGES.get(name, (None, None)), width=1) for name in self.gate_names]
        header = Text(f"{self.gates_of} on one held-out sequence: rows are units, columns time steps "
                      "(blank low, █ high; gates 0…1, g/n/h −1…1)\n", style="dim")
        header.append_text(gallery(pictures, [TITLES[name] for name in self.gate_names], max(self.size.width - 2, 40)))
        self.query_one("#gates", Static).update(header)


class LSTMView(RaceView):
    def extra(self, snapshot: LSTMSnapshot) -> str:
        said = ", ".join(f"{run.name} says {p}" for run, p in zip(snapshot.runs, snapshot.predictions))
        return f"Probe: {' '.join(map(str, snapshot.probe))} → first symbol {snapshot.answer}; {said}"
