"""The character-level LM: bits per character, the latest sample, and the next-character
probabilities at the current temperature."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.i18n import _
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
        bits = _("{bits} bits/char").format(bits=f"{s.bits_per_char:.2f}") if s.losses else _("not trained yet")
        lines = [
            _("{cell} · {params} params · {count} characters (uniform {uniform} bits) · epoch {epoch} · {bits}").format(
                cell=s.cell.upper(), params=f"{s.parameters:,}", count=len(s.vocab), uniform=f"{s.uniform_bits:.2f}",
                epoch=f"{s.epochs:.1f}", bits=bits),
            _("After ⏎ at τ = {tau}: {chars}").format(
                tau=f"{s.temperature:g}", chars="  ".join(f"{visible(c)} {p:.0%}" for c, p in s.next_chars)),
        ]
        self.query_one("#figures", Static).update("\n".join(line for line in lines if line))
        chart = self.query_one(Chart)
        chart.styles.height = CHART_ROWS[0] if self.short else CHART_ROWS[1]
        chart.show(_("bits per character, per batch"), [Series(_("loss"), np.array(s.losses) / math.log(2))],
                   x_label=_("batch"), y_label=_("bits/char"), diverged=s.diverged)
        sample = self.query_one("#sample", Static)
        sample.border_title = (_("Sample after {count} batches, τ = {tau}").format(count=s.sampled_after, tau=f"{s.temperature:g}")
                               if s.sample else _("Sample"))
        sample.update(s.sample or _("Press e to train an epoch and write a sample, g to sample now."))
