"""The attention lab: the current formula, then every matrix computed so far as a labelled grid."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.attention import AttentionSnapshot

from ..widgets.matrix_grid import MatrixGrid

GRIDS = ("A = softmax", "scores", "Y = A·V", "Q", "K", "V")


class AttentionView(VerticalScroll):
    """Newest results first (A, the latest scores, Y), then the inputs Q, K, V; the softmax
    saturation table at the bottom. Focusable, so the keyboard can scroll it."""

    DEFAULT_CSS = """
    AttentionView {
        height: 1fr;
        padding: 0 1;
        & > #formula { text-style: bold; margin: 0 0 1 0; }
        & > #sharpness { color: $text-muted; height: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="formula", markup=False)
        for name in GRIDS:
            yield MatrixGrid(id=f"grid-{GRIDS.index(name)}")
        yield Static(id="sharpness", markup=False)

    def show(self, snapshot: AttentionSnapshot) -> None:
        maps = {m.title: m for m in snapshot.heatmaps()}
        scores = [m for m in snapshot.heatmaps()[3:] if m.title not in ("A = softmax", "Y = A·V")]
        chosen = {"A = softmax": maps.get("A = softmax"), "scores": scores[-1] if scores else None,
                  "Y = A·V": maps.get("Y = A·V"), "Q": maps["Q"], "K": maps["K"], "V": maps["V"]}
        focus = {"A = softmax": snapshot.focus, "scores": snapshot.focus, "Q": snapshot.focus}
        for index, name in enumerate(GRIDS):
            grid = self.query_one(f"#grid-{index}", MatrixGrid)
            grid.display = chosen[name] is not None
            if chosen[name] is not None:
                bounds = (0.0, 1.0) if name == "A = softmax" else (None, None)
                marks = {(snapshot.focus, snapshot.column)} if name == "Q" else set()
                grid.show(chosen[name], low=bounds[0], high=bounds[1], marks=marks, focus=focus.get(name))
        stage = f"{snapshot.stage}" + (f" (row {snapshot.rows_done} of {len(snapshot.tokens)})" if snapshot.stage == "softmax" else "")
        self.query_one("#formula", Static).update(f"{stage}: {snapshot.formula}\n"
                                                  f"d_k = {snapshot.d_k}, scale {snapshot.scale:.3g}, mask {snapshot.mask}; "
                                                  f"editing Q[{snapshot.tokens[snapshot.focus]}, d{snapshot.column}]")
        self.query_one("#sharpness", Static).update(self._sharpness(snapshot))

    def _sharpness(self, snapshot: AttentionSnapshot) -> Text:
        lines = ["Softmax vs d_k (random unit-variance Q, K): score spread / mean largest weight",
                 f"{'d_k':>5} {'scaled':>16} {'unscaled':>16}"]
        lines += [f"{row.d_k:>5} {row.spread_scaled:>8.1f} / {row.peak_scaled:.2f} {row.spread_raw:>8.1f} / {row.peak_raw:.2f}"
                  for row in snapshot.sharpness]
        return Text("\n".join(lines))
