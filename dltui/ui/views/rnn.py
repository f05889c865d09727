"""The RNN lab: the unrolled strip of cells — h_t, then dL/dh_t filling in from the end — the
gradient norm per time step on a log scale, and the one set of weights every step shares."""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.attention import Heatmap
from dltui.labs.rnn import RNNSnapshot

from ..widgets.matrix_grid import MatrixGrid

MAX_STEPS = 30
EIGHTHS = "▁▂▃▄▅▆▇█"
PHASES = {"ready": "ready", "forward": "forward", "loss": "loss", "backward": "BPTT", "summed": "gradients summed"}


def sparkline(values: tuple[float, ...], width: int) -> str:
    """The newest `width` finite values, scaled between their own min and max."""
    shown = [v for v in values[-width:] if np.isfinite(v)]
    if not shown:
        return ""
    low, span = min(shown), (max(shown) - min(shown)) or 1.0
    return "".join(EIGHTHS[round((v - low) / span * 7)] for v in shown)


def signed(value: float) -> str:
    return f"{value:+g}".replace("-", "−")


class RNNView(VerticalScroll):
    """Figures, then three strips over time (h, dL/dh, log norm), then the shared weights."""

    DEFAULT_CSS = """
    RNNView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; }
        & > #weights { color: $text-muted; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="figures", markup=False)
        for name in ("h", "dh", "norm"):
            yield MatrixGrid(max_cols=MAX_STEPS, id=name)
        yield Static(id="weights", markup=False)

    def show(self, snapshot: RNNSnapshot) -> None:
        s = snapshot
        steps = s.seq_len
        cols = tuple(f"t{t}" for t in range(1, steps + 1))
        units = tuple(f"h{k}" for k in range(1, s.h.shape[1] + 1))
        waiting = np.arange(steps) >= s.forward_done  # not computed yet at the cursor
        unreached = np.arange(steps) < steps - s.backward_done
        h, dh = s.h.T.copy(), s.dh.T.copy()
        h[:, waiting] = np.nan
        dh[:, unreached] = np.nan
        norm = np.log10(np.maximum(s.grad_norm, 1e-300))[None, :].copy()
        norm[:, unreached] = np.nan
        marks = {(i, s.t - 1) for i in range(len(units))} if s.t else set()
        self.query_one("#h", MatrixGrid).show(Heatmap("h_t (sequence 1)", h, units, cols), low=-1.0, high=1.0, marks=marks)
        self.query_one("#dh", MatrixGrid).show(Heatmap("dL/dh_t (sequence 1)", dh, units, cols), marks=marks)
        self.query_one("#norm", MatrixGrid).show(Heatmap("log₁₀ ‖dL/dh_t‖ (whole batch)", norm, ("",), cols),
                                                 marks={(0, s.t - 1)} if s.t else set())
        loss = f"loss {s.loss:.4g}" if s.phase in ("loss", "backward", "summed") else "loss: after the forward pass"
        lines = [
            f"Update {s.updates + 1} · {PHASES[s.phase]}" + (f" · step {s.t}" if s.t else ""),
            s.formula,
            "x: " + " ".join(signed(v) for v in s.inputs) + f"   target x_1 = {signed(s.target)}",
            loss + (f" · updates {s.updates}, last {s.losses[-1]:.3g}  {sparkline(s.losses, 40)}" if s.losses else ""),
        ]
        self.query_one("#figures", Static).update("\n".join(lines))
        with np.printoptions(precision=2, suppress=True):
            self.query_one("#weights", Static).update(
                f"The same weights at every step\nW = {s.W.ravel()}\nU =\n{s.U}\nb = {s.b}\n{s.grad_formula}")
