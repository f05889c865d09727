"""The RNN lab: the unrolled strip of cells — h_t, then dL/dh_t filling in from the end — the
gradient norm per time step on a log scale, the loss per update, and the one set of weights every
step shares."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.rnn import RNNSnapshot

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.glyphs import signed
from ..widgets.matrix_grid import MatrixGrid
from ..widgets.readout import Readout

CELL = 6  # a time step's column in the strips
PHASES = {"ready": "ready", "forward": "forward", "loss": "loss", "backward": "BPTT", "summed": "gradients summed"}


class RNNView(Fitted, VerticalScroll):
    """Figures, then three strips over time (h, dL/dh, log norm) under one row of time labels, then
    the loss per update and the shared weights (the next page at 80×24). A sequence longer than the width holds shows a
    window of steps that follows the current one."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#figures", "#h", "#dh", "#norm")
    """The step and the loss, and the strips the forward and backward passes fill in."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every key fills the strips on the first page; the weights after them follow along."""

    DEFAULT_CSS = """
    RNNView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; }
        & > #figures { margin: 0 0 1 0; }
        & > MatrixGrid { margin: 0; }
        & > Chart { height: 8; margin: 1 0 0 0; }
        & > #weights { color: $text-muted; margin: 1 0 0 0; }
    }
    """

    def compose(self) -> ComposeResult:
        for name in ("figures", "h", "dh", "norm"):
            yield Readout(id=name, markup=False) if name == "figures" else MatrixGrid(
                max_cols=10_000, header=name == "h", id=name)  # the view picks the steps that fit
        yield Chart(id="losses")
        yield Readout(id="weights", markup=False)

    def show(self, snapshot: RNNSnapshot) -> None:
        s = snapshot
        self.fit(s)
        steps = s.seq_len
        units = tuple(f"h{k}" for k in range(1, s.h.shape[1] + 1))
        # as many time steps as the width holds, the current one among them (a window that follows it)
        shown = max(min((self.room - len(units[-1]) - 2) // CELL, steps), 1)
        first = min(max(s.t - shown, 0), steps - shown)
        window = slice(first, first + shown)
        cols = tuple(f"t{t}" for t in range(first + 1, first + shown + 1))
        part = f", t{first + 1}–t{first + shown} of {steps}" if shown < steps else ""
        column = {s.t - 1 - first} if s.t else set()
        for name, title, values, rows, scale in (
                ("h", "h_t (sequence 1", s.h_so_far.T, units, (-1.0, 1.0)),
                ("dh", "dL/dh_t (sequence 1", s.dh_so_far.T, units, None),
                ("norm", "log₁₀ ‖dL/dh_t‖ (whole batch", s.log_norm_so_far[None, :], (" " * len(units[-1]),), None)):
            low, high = scale or self._range(values)  # the whole sequence's range, so a window shades alike
            self.query_one(f"#{name}", MatrixGrid).show(f"{title}{part})", values[:, window], rows, cols, low=low, high=high,
                                                         marks={(i, j) for i in range(len(rows)) for j in column})
        loss = f"loss {s.loss:.4g}" if s.phase in ("loss", "backward", "summed") else "loss: after the forward pass"
        lines = [
            (f"Update {s.updates} · diverged" if s.diverged else
             f"Update {s.updates + 1} · {PHASES[s.phase]}" + (f" · step {s.t}" if s.t else "")),
            s.formula,
            "x: " + " ".join(signed(v, "+g") for v in s.inputs) + f"   target x_1 = {signed(s.target, '+g')}",
            loss + (f" · updates {s.updates}, last {s.losses[-1]:.3g}" if s.losses else ""),
        ]
        self.query_one("#figures", Static).update("\n".join(lines))
        self.query_one("#losses", Chart).show("loss per update", [Series("loss", s.losses)], x_label="update",
                                              y_label="loss", diverged=s.diverged)
        with np.printoptions(precision=2, suppress=True):
            self.query_one("#weights", Static).update(
                f"The same weights at every step\nW = {s.W.ravel()}\nU =\n{s.U}\nb = {s.b}\n{s.grad_formula}")

    @staticmethod
    def _range(values: np.ndarray) -> tuple[float | None, float | None]:
        finite = values[np.isfinite(values)]
        return (float(finite.min()), float(finite.max())) if finite.size else (None, None)
