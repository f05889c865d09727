"""The recursive net's lab: the tree on screen, its vectors and the backward pass node by node; accuracy on the trees
it trains on and on the bigger ones it never saw; the augmentation page.

The tree is an outline, root first, each inner node (−) above its two children: the node's true value, the readout's
choice with its probability, the vector p (one shade per entry, blank −1 … █ +1), and once the backward pass has
reached it, the size of the gradient that arrived and, for an inner node, of its share of ∂L/∂W.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from dltui.i18n import _, ngettext
from dltui.labs.recursive import MINUS, UNSEEN, Node, RecursiveSnapshot
from dltui.numbers import fixed
from dltui.text import left, right

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout
from ..widgets.shade_image import gallery, shade

CHART = (7, 16)  # the accuracy chart's least and most lines
LABEL = 14  # the outline column: branches and the node's label


def norm(values: np.ndarray) -> str:
    return fixed(float(np.linalg.norm(values)), 4)


class RecursiveView(Fitted, VerticalScroll):
    """The numbers; the tree; the accuracy chart; the augmented digits (the next page)."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#numbers", "#tree")
    """The expression, its loss and the backward step; the tree with every node's vector and gradient."""

    SHOWS: ClassVar[dict[str, str]] = {"bracket": "#tree", "node": "#tree", "new_digit": "#augment"}
    """A new bracketing and a backward step land in the tree; new augmentations on their page."""

    DEFAULT_CSS = """
    RecursiveView {
        height: 1fr;
        & > Readout { height: auto; padding: 0 1; }
        & #augment { margin-top: 1; }
        & Chart { height: 8; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="numbers", markup=False)
        yield Readout(id="tree", markup=False)
        yield Chart(id="accuracy")
        yield Readout(id="augment", markup=False)

    def show(self, snapshot: RecursiveSnapshot) -> None:
        s = snapshot
        self.fit(s)
        numbers, tree = self._numbers(s), self._tree(s)
        self.query_one("#numbers", Readout).update(numbers)
        self.query_one("#tree", Readout).update(tree)
        used = len(numbers.plain.split("\n")) + len(tree.plain.split("\n"))
        chart = self.query_one("#accuracy", Chart)
        chart.styles.height = min(max(self.region.height - used, CHART[0]), CHART[1])
        steps = [m.step for m in s.measurements]
        chart.show(_("root right"),
                   [Series(_("2–4 numbers"), [100 * m.seen for m in s.measurements], steps),
                    Series(_("{count} (never trained)").format(count=UNSEEN),
                           [100 * m.unseen for m in s.measurements], steps)],
                   x_label=_("step"), y_label=_("right, %"), y_range=(0, 100), diverged=s.diverged)
        self.query_one("#augment", Readout).update(self._augment(s))

    def _numbers(self, s: RecursiveSnapshot) -> Text:
        t = s.trace
        loss = _("loss {value}").format(value=fixed(s.losses[-1], 4)) if s.losses else _("untrained")
        lines = [_("{expression}  (mod {modulus}) · bracketing {bracket} of {brackets} · step {step}/{steps}, "
                   "{loss}").format(expression=s.written, modulus=s.modulus, bracket=s.bracket + 1,
                                    brackets=s.brackets, step=s.step, steps=s.steps, loss=loss),
                 _("root: L = −log p(true value) = {loss}").format(loss=fixed(t.loss, 4))]
        if not s.revealed:
            lines[-1] += " · " + _("backward: not started")
        elif s.revealed < len(t.nodes):
            i = t.order[s.revealed - 1]
            node = t.nodes[i]
            lines[-1] += " · " + _("backward: node {node} of {nodes}").format(node=s.revealed, nodes=len(t.nodes))
            fields = dict(node=node.text, grad=norm(node.grad), total=norm(s.shared_sum))
            lines.append(_("at {node}: ∂L/∂p ‖{grad}‖, share of ∂L/∂W ‖{share}‖, Σ so far ‖{total}‖").format(
                share=norm(node.share), **fields) if node.share is not None else
                _("at {node}: ∂L/∂p ‖{grad}‖ (a leaf), Σ so far ‖{total}‖").format(**fields))
        else:
            inner = sum(node.share is not None for node in t.nodes)
            gap = float(np.abs(s.shared_sum - t.total).max())
            lines[-1] += " · " + _("backward: done")
            lines.append(ngettext(
                "the {count} share adds up to ∂L/∂W of one pass through the shared W (‖{norm}‖, Δ {gap})",
                "the {count} shares add up to ∂L/∂W of one pass through the shared W (‖{norm}‖, Δ {gap})",
                inner).format(count=inner, norm=norm(t.total), gap="0" if gap == 0 else fixed(gap, 1)))
        return Text("\n".join(lines))

    def _tree(self, s: RecursiveSnapshot) -> Text:
        t = s.trace
        reached = set(t.order[:s.revealed])
        width = t.nodes[0].vector.size
        head = (left(_("node"), LABEL) + " " + right(_("value"), 5) + "  " + left(_("net says"), 9) + " "
                + f"{'p':<{width}}  ∂L/∂p   " + _("share of ∂L/∂W"))
        out = Text(head, "bold", no_wrap=True, overflow="crop")
        root = len(t.nodes) - 1

        def draw(i: int, prefix: str, branch: str) -> None:
            node: Node = t.nodes[i]
            label = (prefix + branch + (MINUS if node.number is None else str(node.number)))
            out.append("\n")
            out.append(f"{label:<{LABEL}} {node.value:>5}  ")
            guess = f"{node.predicted} {node.confidence:.0%}"
            out.append(f"{guess:<9}", "" if node.predicted == node.value else "reverse")
            out.append(" ")
            out.append_text(shade(node.vector[None], -1, 1, width=1))
            if i in reached:
                out.append(f"  {norm(node.grad):<7}", "bold" if i == t.order[s.revealed - 1] else "")
                if node.share is not None:
                    out.append(f"  {norm(node.share)}")
            if node.number is None:
                inner = prefix + ("   " if branch == "└─ " else "│  " if branch else "")
                draw(node.left, inner, "├─ ")
                draw(node.right, inner, "└─ ")

        draw(root, "", "")
        return out

    def _augment(self, s: RecursiveSnapshot) -> Text:
        a = s.augmented
        head = Text(_("Data augmentation: a {digit} from the training set. Every copy keeps the label {digit}; "
                      "mirroring is left out for digits (a mirrored 2, 3 or 7 is no digit at all).").format(
            digit=a.label) + "\n", "bold")
        mirror = _("mirror")  # the lab names its pictures in the interface's language
        titles = [what + (" ✗" if what == mirror else "") for what, _image in a.images]
        width = 2 if self.room >= len(a.images) * 18 else 1  # square pixels where one row of them fits
        head.append_text(gallery([shade(image, 0, 16, width=width) for _what, image in a.images], titles, self.room))
        return head
