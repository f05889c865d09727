"""The RNN lab: the unrolled strip of cells — h_t, then dL/dh_t filling in from the end — the
gradient norm per time step on a log scale, the loss per update, and the one set of weights every
step shares."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.i18n import N_, _
from dltui.labs.rnn import RNNSnapshot

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.glyphs import signed
from ..widgets.matrix_grid import MatrixGrid
from ..widgets.readout import Readout

CELL = 6  # a time step's column in the strips
PHASES = {"ready": N_("ready"), "forward": N_("forward"), "loss": N_("loss"), "backward": "BPTT",
          "summed": N_("gradients summed")}


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
        window_of = dict(first=f"t{first + 1}", last=f"t{first + shown}", steps=steps)
        sequence = (_("{name} (sequence 1, {first}–{last} of {steps})") if shown < steps else _("{name} (sequence 1)"))
        batch = (_("{name} (whole batch, {first}–{last} of {steps})") if shown < steps else _("{name} (whole batch)"))
        column = {s.t - 1 - first} if s.t else set()
        for name, title, values, rows, scale in (
                ("h", sequence.format(name="h_t", **window_of), s.h_so_far.T, units, (-1.0, 1.0)),
                ("dh", sequence.format(name="dL/dh_t", **window_of), s.dh_so_far.T, units, None),
                ("norm", batch.format(name="log₁₀ ‖dL/dh_t‖", **window_of), s.log_norm_so_far[None, :],
                 (" " * len(units[-1]),), None)):
            low, high = scale or self._range(values)  # the whole sequence's range, so a window shades alike
            self.query_one(f"#{name}", MatrixGrid).show(title, values[:, window], rows, cols, low=low, high=high,
                                                         marks={(i, j) for i in range(len(rows)) for j in column})
        loss = (_("loss {loss}").format(loss=f"{s.loss:.4g}") if s.phase in ("loss", "backward", "summed")
                else _("loss: after the forward pass"))
        if s.losses:
            loss += " · " + _("updates {count}, last {loss}").format(count=s.updates, loss=f"{s.losses[-1]:.3g}")
        if s.diverged:
            where = _("Update {number} · diverged").format(number=s.updates)
        elif s.t:
            where = _("Update {number} · {phase} · step {step}").format(number=s.updates + 1, phase=_(PHASES[s.phase]),
                                                                        step=s.t)
        else:
            where = _("Update {number} · {phase}").format(number=s.updates + 1, phase=_(PHASES[s.phase]))
        lines = [
            where,
            s.formula,
            _("x: {inputs}   target x_1 = {target}").format(inputs=" ".join(signed(v, "+g") for v in s.inputs),
                                                           target=signed(s.target, "+g")),
            loss,
        ]
        self.query_one("#figures", Static).update("\n".join(lines))
        self.query_one("#losses", Chart).show(_("loss per update"), [Series(_("loss"), s.losses)], x_label=_("update"),
                                              y_label=_("loss"), diverged=s.diverged)
        with np.printoptions(precision=2, suppress=True):
            self.query_one("#weights", Static).update(
                _("The same weights at every step") + f"\nW = {s.W.ravel()}\nU =\n{s.U}\nb = {s.b}\n{s.grad_formula}")

    @staticmethod
    def _range(values: np.ndarray) -> tuple[float | None, float | None]:
        finite = values[np.isfinite(values)]
        return (float(finite.min()), float(finite.max())) if finite.size else (None, None)
