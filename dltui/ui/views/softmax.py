"""The softmax lab: logits → probabilities as bars, the loss for the target, p − y beside the
engine's gradient, and independent sigmoids on the same logits beside softmax."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.i18n import _
from dltui.labs.softmax import SoftmaxSnapshot
from dltui.text import left, right

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
        names = [_(name) for name in s.classes]
        head, total, engine = left(_("class"), 5), left(_("sum"), 5), right(_("engine"), 10)
        lines = [_("T = {t} · target {target} · loss −log p = {loss}").format(
                     t=f"{s.temperature:g}", target=names[s.target], loss=f"{s.loss:.4f}"),
                 f"  {head} {'z':>7}  {'softmax p':<{BAR + 6}} {'sigmoid σ':<{BAR + 6}}",]
        for k, name in enumerate(names):
            mark = "▶" if k == s.target else " "
            lines.append(f"{mark} {left(name, 5)} {s.logits[k]:>7.2f}  {hbar(s.probs[k], BAR)}{s.probs[k]:>6.3f} "
                         f"{hbar(s.sigmoid_probs[k], BAR)}{s.sigmoid_probs[k]:>6.3f}".replace("-", "−"))
        p_sum, sigmoid_sum = s.sums
        lines += [f"  {total} {'':>7}  {'':<{BAR}}{p_sum:>6.3f} {'':<{BAR}}{sigmoid_sum:>6.3f}"]
        self.query_one("#probabilities", Static).update(Text("\n".join(lines)))
        lines = [_("Gradient ∂loss/∂z"),
                 f"  {head} {'(p − y)/T':>10} {engine} {'sigmoid (σ − y)/T':>18}"]
        for k, name in enumerate(names):
            lines.append(f"  {left(name, 5)} {signed(s.grad_formula[k], '+.3f'):>10} {signed(s.grad_engine[k], '+.3f'):>10} "
                         f"{signed(s.sigmoid_grad[k], '+.3f'):>18}")
        lines += ["  " + _("max |formula − engine| = {error}").format(error=f"{s.grad_error:.1e}")]
        self.query_one("#gradients", Static).update(Text("\n".join(lines)))
        self.query_one("#naive", Static).update(Text(
            _("naive eᶻᐟᵀ/Σeᶻᐟᵀ: {values}").format(values="  ".join(f"{p:.3f}" for p in s.naive_probs)) + "\n"
            + _("softmax: one of the classes (sums to 1); sigmoids: each yes/no on its own")))
