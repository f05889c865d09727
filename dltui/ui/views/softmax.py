"""The softmax lab: logits → probabilities as bars, the loss for the target, p − y beside the
engine's gradient, and independent sigmoids on the same logits beside softmax."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.labs.softmax import SoftmaxSnapshot

from ..widgets.bars import hbar

BAR = 10


def signed(value: float) -> str:
    return f"{value + 0.0:+.3f}".replace("-", "−")


class SoftmaxView(VerticalScroll):
    """One table, a row per class; the target row is marked ▶. Text only, so it reads without color;
    scrolls (Tab to it, ↑↓) where the terminal is short."""

    DEFAULT_CSS = """
    SoftmaxView {
        height: 1fr;
        padding: 0 1;
        & > Static { height: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(markup=False)

    def show(self, snapshot: SoftmaxSnapshot) -> None:
        s = snapshot
        lines = [f"T = {s.temperature:g} · target {s.classes[s.target]} · loss −log p = {s.loss:.4f}",
                 "",
                 f"  {'class':<5} {'z':>7}  {'softmax p':<{BAR + 6}} {'sigmoid σ':<{BAR + 6}}",]
        for k, name in enumerate(s.classes):
            mark = "▶" if k == s.target else " "
            lines.append(f"{mark} {name:<5} {s.logits[k]:>7.2f}  {hbar(s.probs[k], BAR)}{s.probs[k]:>6.3f} "
                         f"{hbar(s.sigmoid_probs[k], BAR)}{s.sigmoid_probs[k]:>6.3f}".replace("-", "−"))
        lines += [f"  {'sum':<5} {'':>7}  {'':<{BAR}}{s.probs.sum():>6.3f} {'':<{BAR}}{s.sigmoid_probs.sum():>6.3f}",
                  "",
                  "Gradient ∂loss/∂z",
                  f"  {'class':<5} {'(p − y)/T':>10} {'engine':>10} {'sigmoid (σ − y)/T':>18}"]
        for k, name in enumerate(s.classes):
            lines.append(f"  {name:<5} {signed(s.grad_formula[k]):>10} {signed(s.grad_engine[k]):>10} "
                         f"{signed(s.sigmoid_grad[k]):>18}")
        lines += [f"  max |formula − engine| = {s.grad_error:.1e}",
                  "",
                  "naive eᶻᐟᵀ/Σeᶻᐟᵀ: " + "  ".join(f"{p:.3f}" for p in s.naive_probs),
                  "softmax: one of the classes (sums to 1); sigmoids: each yes/no on its own"]
        self.query_one(Static).update(Text("\n".join(lines)))
