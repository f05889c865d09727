"""The attention lab: the current formula, the newest result beside Q, then every other matrix
computed so far as a labelled grid."""

from __future__ import annotations

from itertools import zip_longest
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.i18n import _
from dltui.labs.attention import AttentionSnapshot
from dltui.text import right

from ..widgets.matrix_grid import Grid, MatrixGrids
from ..widgets.readout import Readout

RESULTS = ("Y = A·V", "A = softmax", "scores")  # newest first
SQUARE = ("A = softmax", "scores")  # a column per token: two do not fit side by side at 80 columns


class AttentionView(VerticalScroll):
    """The newest result (Y, A or the latest scores) beside Q, which the keys edit; then the other
    matrices, a wide one beside a narrow one; the softmax saturation table at the bottom."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#formula", "#now")
    """The step's formula, its result and the Q the keys edit."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every key's result is on the first page: the step's newest matrix or Q."""

    DEFAULT_CSS = """
    AttentionView {
        height: 1fr;
        padding: 0 1;
        & > #formula { text-style: bold; margin: 0 0 1 0; }
        & > #sharpness { color: $text-muted; height: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="formula", markup=False)
        yield MatrixGrids(id="now")
        yield MatrixGrids(id="earlier")
        yield Readout(id="sharpness", markup=False)

    def show(self, snapshot: AttentionSnapshot) -> None:
        maps = {m.title: m for m in snapshot.heatmaps()}
        scores = [m for m in snapshot.heatmaps()[3:] if m.title not in ("A = softmax", "Y = A·V")]
        chosen = {"A = softmax": maps.get("A = softmax"), "scores": scores[-1] if scores else None,
                  "Y = A·V": maps.get("Y = A·V"), "Q": maps["Q"], "K": maps["K"], "V": maps["V"]}
        focus = {"A = softmax": snapshot.focus, "scores": snapshot.focus, "Q": snapshot.focus}

        def grid(name: str) -> Grid:
            bounds = (0.0, 1.0) if name == "A = softmax" else (None, None)
            marks = {(snapshot.focus, snapshot.column)} if name == "Q" else set()
            title, values, rows, cols = chosen[name]
            return Grid.of(_(title), values, rows, cols, low=bounds[0], high=bounds[1], marks=marks, focus=focus.get(name))

        results = [name for name in RESULTS if chosen[name] is not None]
        older = results[1:]
        square = [name for name in older if name in SQUARE]
        narrow = [name for name in older if name not in SQUARE] + ["K", "V"]
        self.query_one("#now", MatrixGrids).show([grid(name) for name in [*results[:1], "Q"]])
        self.query_one("#earlier", MatrixGrids).show(
            [grid(name) for pair in zip_longest(square, narrow) for name in pair if name is not None])
        stage = _(snapshot.stage)
        if snapshot.stage == "softmax":
            stage = _("{stage} (row {row} of {total})").format(stage=stage, row=snapshot.rows_done, total=len(snapshot.tokens))
        settings = _("d_k = {d_k}, scale {scale}, mask {mask}; editing {entry}").format(
            d_k=snapshot.d_k, scale=f"{snapshot.scale:.3g}", mask=_(snapshot.mask),
            entry=f"Q[{snapshot.tokens[snapshot.focus]}, d{snapshot.column}]")
        formula = _("{stage}: {formula}").format(stage=stage, formula=_(snapshot.formula))
        self.query_one("#formula", Static).update(f"{formula}\n{settings}")
        self.query_one("#sharpness", Static).update(self._sharpness(snapshot))

    def _sharpness(self, snapshot: AttentionSnapshot) -> Text:
        scaled, unscaled = right(_("scaled"), 16), right(_("unscaled"), 16)
        lines = [_("Softmax vs d_k (random unit-variance Q, K): score spread / mean largest weight"),
                 f"{'d_k':>5} {scaled} {unscaled}"]
        lines += [f"{row.d_k:>5} {row.spread_scaled:>8.1f} / {row.peak_scaled:.2f} {row.spread_raw:>8.1f} / {row.peak_raw:.2f}"
                  for row in snapshot.sharpness]
        return Text("\n".join(lines))


