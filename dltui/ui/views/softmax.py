"""The softmax lab: logits → probabilities as bars, the loss for the target, p − y beside the
engine's gradient, and independent sigmoids on the same logits beside softmax."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.softmax import SoftmaxSnapshot

from ..widgets.bars import hbar
from ..widgets.glyphs import signed
from ..widgets.readout import Readout

BAR = 10


class SoftmaxView(VerticalScroll):
    """The probabilities (a row per class, the target marked ▶), the gradients, then the naive formula
    and the moral. Text only, so it reads without color."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#probabilities", "#gradients")
    """Both tables: what `s` (the next target) changes."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Everything an action changes is on the first page."""

    DEFAULT_CSS = """
    SoftmaxView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; margin: 0 0 1 0; }
    }
    """

    def compose(self) -> ComposeResult:
        for name in ("probabilities", "gradients", "naive"):
            yield Readout(id=name, markup=False)

    def show(self, snapshot: SoftmaxSnapshot) -> None:
        s = snapshot
        lines = [f"T = {s.temperature:g} · target {s.classes[s.target]} · loss −log p = {s.loss:.4f}",
                 f"  {'class':<5} {'z':>7}  {'softmax p':<{BAR + 6}} {'sigmoid σ':<{BAR + 6}}",]
        for k, name in enumerate(s.classes):
            mark = "▶" if k == s.target else " "
            lines.append(f"{mark} {name:<5} {s.logits[k]:>7.2f}  {hbar(s.probs[k], BAR)}{s.probs[k]:>6.3f} "
                         f"{hbar(s.sigmoid_probs[k], BAR)}{s.sigmoid_probs[k]:>6.3f}".replace("-", "−"))
        p_sum, sigmoid_sum = s.sums
        lines += [f"  {'sum':<5} {'':>7}  {'':<{BAR}}{p_sum:>6.3f} {'':<{BAR}}{sigmoid_sum:>6.3f}"]
        self.query_one("#probabilities", Static).update(Text("\n".join(lines)))
        lines = ["Gradient ∂loss/∂z",
                 f"  {'class':<5} {'(p − y)/T':>10} {'engine':>10} {'sigmoid (σ − y)/T':>18}"]
        for k, name in enumerate(s.classes):
            lines.append(f"  {name:<5} {signed(s.grad_formula[k], '+.3f'):>10} {signed(s.grad_engine[k], '+.3f'):>10} "
                         f"{signed(s.sigmoid_grad[k], '+.3f'):>18}")
        lines += [f"  max |formula − engine| = {s.grad_error:.1e}"]
        self.query_one("#gradients", Static).update(Text("\n".join(lines)))
        self.query_one("#naive", Static).update(Text(
            "naive eᶻᐟᵀ/Σeᶻᐟᵀ: " + "  ".join(f"{p:.3f}" for p in s.naive_probs)
            + "\nsoftmax: one of the classes (sums to 1); sigmoids: each yes/no on its own"))
