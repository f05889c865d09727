"""The tiny transformer: training figures, every head's map on a probe sequence (the cells the task
needs underlined), an input for the learner's own sequence, and accuracy and pattern charts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from dltui.labs.transformer import TransformerSnapshot

from ..widgets.bars import Bars
from ..widgets.matrix_grid import MatrixGrid

MAX_MAPS = 8  # 2 blocks × 4 heads
EIGHTHS = "▁▂▃▄▅▆▇█"


def sparkline(values: tuple[float, ...], width: int = 60) -> str:
    """The newest `width` values, each scaled between their own min and max."""
    shown = values[-width:]
    if not shown:
        return ""
    low, high = min(shown), max(shown)
    span = high - low or 1.0
    return "".join(EIGHTHS[round((v - low) / span * 7)] for v in shown)


class TransformerView(VerticalScroll):
    """Figures, the probe sequence and every head's map on it, the input, then the charts.
    Enter in the input runs the model on the typed digits and follows them as training goes on."""

    DEFAULT_CSS = """
    TransformerView {
        height: 1fr;
        padding: 0 1;
        & > #figures { height: auto; }
        & > .chart-title { color: $text-muted; margin: 1 0 0 0; }
        & > Bars { height: 3; }
        & > #typed { width: 40; }
        & > #probe { text-style: bold; margin: 1 0; height: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="figures", markup=False)
        yield Static(id="probe", markup=False)
        for k in range(MAX_MAPS):
            yield MatrixGrid(id=f"map-{k}")
        yield Input(placeholder="your digits, then Enter", restrict=r"[0-9 ,]*", id="typed", compact=True)
        yield Static("Held-out sequences right, % per epoch", classes="chart-title")
        yield Bars(id="sequences")
        yield Static("Best head's weight on the needed pattern, % per epoch", classes="chart-title")
        yield Bars(id="pattern")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        screen = self.screen
        screen.call_lab(screen.lab.set_probe, event.value)  # through the screen: its lock, its error notices

    def show(self, snapshot: TransformerSnapshot) -> None:
        s = snapshot
        loss = f"{s.losses[-1]:.3f}" if s.losses else "–"
        self.query_one("#figures", Static).update(
            f"{s.task} {s.length} digits · {s.n_params:,} parameters · epoch {s.epoch} · {s.steps} batches"
            + (f", {s.step_ms:.1f} ms each" if s.steps else "")
            + f"\nheld-out: digits {s.token_accuracy[-1]:.1%}, sequences {s.sequence_accuracy[-1]:.1%} · loss {loss}"
            + (f"\nloss {sparkline(s.losses)}" if s.losses else ""))
        self.query_one("#sequences", Bars).values = tuple(round(100 * a) for a in s.sequence_accuracy)
        self.query_one("#pattern", Bars).values = tuple(round(100 * p.max()) for p in s.pattern)
        p = s.probe
        mark = "✓" if p.correct else f"✗ (should be {' '.join(map(str, p.expected))})"
        self.query_one("#probe", Static).update(
            f"{' '.join(map(str, p.digits))}  →  {' '.join(map(str, p.output))}  {mark}")
        needed = {(int(i), int(j)) for i, j in zip(*s.target.nonzero())}
        maps = s.heatmaps()
        for k in range(MAX_MAPS):
            grid = self.query_one(f"#map-{k}", MatrixGrid)
            grid.display = k < len(maps)
            if k < len(maps):
                grid.show(maps[k], low=0.0, high=1.0, marks=needed)
