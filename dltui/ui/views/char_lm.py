"""The character-level LM: bits per character, the latest sample, and the next-character
probabilities at the current temperature."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.char_lm import CharLMSnapshot

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout

CHART_ROWS = (7, 10)  # in a short pane and otherwise


def visible(char: str) -> str:
    return {"\n": "⏎", " ": "␣"}.get(char, char)


class CharLMView(Fitted, VerticalScroll):
    """Figures (bits per character, the next-character probabilities), the sample, then the
    bits-per-character chart of every batch so far (the next page after a long sample at 80×24)."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#figures", "Chart", "#sample")
    """How well it predicts, how that went, and what it writes: every key changes one of them."""

    SHOWS: ClassVar[dict[str, str]] = {"sample": "#sample", "epoch": "#sample"}
    """Both write a sample; a long one (Sample length) starts the next page in a short pane."""

    DEFAULT_CSS = """
    CharLMView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; }
        & > #sample { border: round $panel; padding: 0 1; }
        & > Chart { margin: 1 0 0 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="figures", markup=False)
        yield Readout(id="sample", markup=False)
        yield Chart()

    def show(self, snapshot: CharLMSnapshot) -> None:
        s = snapshot
        self.fit(s)
        bits = f"{s.bits_per_char:.2f} bits/char" if s.losses else "not trained yet"
        lines = [
            f"{s.cell.upper()} · {s.parameters:,} params · {len(s.vocab)} characters "
            f"(uniform {s.uniform_bits:.2f} bits) · epoch {s.epochs:.1f} · {bits}",
            f"After ⏎ at τ = {s.temperature:g}: " + "  ".join(f"{visible(c)} {p:.0%}" for c, p in s.next_chars),
        ]
        self.query_one("#figures", Static).update("\n".join(line for line in lines if line))
        chart = self.query_one(Chart)
        chart.styles.height = CHART_ROWS[0] if self.short else CHART_ROWS[1]
        chart.show("bits per character, per batch", [Series("loss", np.array(s.losses) / math.log(2))],
                   x_label="batch", y_label="bits/char", diverged=s.diverged)
        sample = self.query_one("#sample", Static)
        sample.border_title = f"Sample after {s.sampled_after} batches, τ = {s.temperature:g}" if s.sample else "Sample"
        sample.update(s.sample or "Press e to train an epoch and write a sample, g to sample now.")
