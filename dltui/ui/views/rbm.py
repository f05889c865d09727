"""The Boltzmann machine lab: pictures on top (a test digit's Gibbs chain, the chains from noise, the DBN's stack or
the tiny full BM's table), the numbers, two charts, then the rbm part's reconstructions and the filters.

At 80×24 the pictures, the numbers and the charts are the first page; the reconstructions and filters the next ones
(`v`). Digits are shaded from blank (·, 0) to █ (1); a filter from · (its most negative weights) to █ (its most
positive).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll

from dltui.i18n import _, ngettext
from dltui.labs.rbm import NETS, SAMPLE_STEPS, BMTable, RbmSnapshot
from dltui.numbers import fixed
from dltui.text import left, right

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout
from ..widgets.shade_image import beside, gallery, shade, side_by_side

CHART_ROWS = (6, 14)  # the charts' least and most rows
DIGIT = 18  # cells a digit drawn two cells a pixel takes, with its gap
FILTER = 9  # cells a filter drawn one cell a pixel takes, with its gap
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def digit(values: np.ndarray) -> Text:
    """64 pixel values in 0–1 as an 8×8 picture, two cells a pixel."""
    return shade(np.reshape(values, (8, 8)), 0, 1, blank="·")


def units(values: np.ndarray) -> Text:
    """Hidden units' values in 0–1, eight to a row, one cell each."""
    return shade(np.reshape(values, (-1, 8)), 0, 1, width=1, blank="·")


def weights(row: np.ndarray) -> Text:
    """One hidden unit's 64 weights as an 8×8 picture on its own symmetric scale, the largest tenth of |w| full."""
    top = float(np.quantile(np.abs(row), 0.9)) or 1.0
    return shade(row.reshape(8, 8), -top, top, width=1, blank="·")


def power(k: int) -> str:
    return str(k).translate(SUPERSCRIPT)


class RbmView(Fitted, VerticalScroll):
    """Pictures; numbers; two charts side by side; reconstructions; filters."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#pictures", "#numbers", "#charts")
    """The chain (or chains, the stack, the table), the update written out, and the curves: what every key changes."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every action changes the first page: nothing to turn to."""

    DEFAULT_CSS = """
    RbmView {
        height: 1fr;
        & > Readout { height: auto; padding: 0 1; }
        & > #charts { height: 8; }
        & Chart { height: 1fr; width: 1fr; padding: 0 1 0 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="pictures", markup=False)
        yield Readout(id="numbers", markup=False)
        with Horizontal(id="charts"):
            yield Chart(id="left")
            yield Chart(id="right")
        yield Readout(id="gallery", markup=False)
        yield Readout(id="filters", markup=False)

    def show(self, snapshot: RbmSnapshot) -> None:
        s = snapshot
        self.fit(s)
        draw = {"rbm": self._chain, "sample": self._chains, "dbn": self._stack, "bm": self._table}[s.part]
        pictures, numbers = draw(s)
        self.query_one("#pictures", Readout).update(pictures)
        self.query_one("#numbers", Readout).update(numbers)
        charts = self.query_one("#charts")
        charts.display = s.part != "bm"
        used = self._rows(pictures) + self._rows(numbers)
        charts.styles.height = min(max(self.region.height - used, CHART_ROWS[0]), CHART_ROWS[1])
        left, right = self.query_one("#left", Chart), self.query_one("#right", Chart)
        if s.part == "rbm":
            c = s.curves
            left.show(_("recon error"), [Series(_("train"), c.recon_train, c.epochs),
                                         Series(_("test"), c.recon_test, c.epochs)],
                      x_label=_("epoch"), y_label="MSE", diverged=s.diverged)
            right.show("F(v)", [Series(_("train"), c.free_train, c.epochs), Series(_("test"), c.free_test, c.epochs),
                                Series(_("noise"), c.free_noise, c.epochs)], x_label=_("epoch"), y_label="F")
        elif s.part == "sample":
            steps = np.arange(len(s.chain_free))
            left.show("F(v)", [Series(_("chains"), s.chain_free, steps),
                               Series(_("digits"), np.full(len(steps), s.digit_free), steps)],
                      x_label=_("Gibbs step"), y_label=_("mean F"))
            right.show(_("off a digit"), [Series(_("chains"), s.chain_distance, steps),
                                          Series(_("digits"), np.full(len(steps), s.digit_distance), steps)],
                       x_label=_("Gibbs step"), y_label=_("pixels"), y_range=(0, 32))
        elif s.part == "dbn":
            left.show(_("recon error"),
                      [Series(f"RBM {n + 1}", r, np.arange(len(r))) for n, r in enumerate(s.pre_recon)],
                      x_label=_("epoch"), y_label="MSE")
            accuracy = s.accuracy or {name: np.empty(0) for name in NETS}
            right.show(_("test %"), [Series(_(name), 100 * accuracy[name], np.arange(len(accuracy[name])))
                                     for name in NETS],
                       x_label=_("fine-tuning epoch"), y_label=_("accuracy %"), y_range=(0, 100), diverged=s.diverged)
        reconstructions, filters = self.query_one("#gallery", Readout), self.query_one("#filters", Readout)
        reconstructions.display = s.part == "rbm"
        filters.display = s.part in ("rbm", "dbn")
        if s.part == "rbm" and self.in_view("#gallery"):
            reconstructions.update(self._gallery(s))
        if filters.display and self.in_view("#filters"):
            filters.update(self._filters(s))

    def _rows(self, text: Text) -> int:
        """The rows `text` takes in a Readout of this view, wrapped lines counted."""
        width = max(self.room - 2, 1)
        return sum(max(1, math.ceil(line.cell_len / width)) for line in text.split("\n"))

    # ---------------------------------------------------------------- rbm
    def _chain(self, s: RbmSnapshot) -> tuple[Text, Text]:
        c = s.chain
        pictures = side_by_side(
            [digit(c.v0), beside([units(c.ph0), units(c.h0)], gap=1), digit(c.pv1), digit(c.vk)],
            [_("v⁰: a test {digit}").format(digit=c.digit), "p(h|v⁰)  h⁰", "p(v|h⁰)",
             ngettext("v{power}: {count} step", "v{power}: {count} steps", s.k).format(power=power(s.k), count=s.k)])
        head = _("update {updates} · epoch {epoch}/{epochs} · CD-{k}").format(
            updates=s.updates, epoch=f"{s.epoch:.1f}", epochs=s.epochs, k=s.k)
        if u := s.update:
            row, col = divmod(u.pixel, 8)
            difference = fixed(u.positive - u.negative, 4)
            if u.positive < u.negative:
                difference = f"({difference})"
            lines = [_("{head} · W[{unit},{pixel}]: unit {unit} ↔ pixel ({row},{col})").format(
                         head=head, unit=u.unit, pixel=u.pixel, row=row, col=col),
                     _("data ⟨v·p(h|v)⟩ {positive} − CD-{k} {negative} → ΔW = {lr}·{difference} = {delta}").format(
                         positive=fixed(u.positive, 4), k=u.k, negative=fixed(u.negative, 4), lr=f"{u.lr:g}",
                         difference=difference, delta=fixed(u.delta, 4))]
        else:
            lines = [_("{head} · no update yet").format(head=head),
                     _("each update's largest weight change is written out here")]
        return pictures, Text("\n".join(lines))

    def _gallery(self, s: RbmSnapshot) -> Text:
        shown = max(1, min(len(s.gallery[0]), self.room // DIGIT))
        images, recons = (part[:shown] for part in s.gallery)
        text = Text(_("Test digits (top) and their reconstructions p(v | p(h|v)) (below)") + "\n")
        text.append_text(beside([digit(v) for v in images]))
        text.append("\n\n")
        text.append_text(beside([digit(v) for v in recons]))
        return text

    def _filters(self, s: RbmSnapshot) -> Text:
        per_row = max(1, (self.room + 1) // FILTER)
        rows = max(1, (self.region.height - 1) // FILTER)
        shown = min(len(s.filters), per_row * rows)
        title = (_("RBM 1's filters Wⱼ, {shown} of {total}: · negative … █ positive") if s.part == "dbn" else
                 _("The filters Wⱼ, {shown} of {total}, largest ‖Wⱼ‖ first: · negative … █ positive"))
        text = Text(title.format(shown=shown, total=len(s.filters)) + "\n")
        blocks = [weights(row) for row in s.filters[:shown]]
        for start in range(0, shown, per_row):
            if start:
                text.append("\n\n")
            text.append_text(beside(blocks[start:start + per_row], gap=1))
        return text

    # ---------------------------------------------------------------- sample
    def _chains(self, s: RbmSnapshot) -> tuple[Text, Text]:
        shown = len(s.chains) if not self.short else max(1, min(len(s.chains), self.room // DIGIT))  # a row when short
        titles = [_("noise") if s.steps == 0 else _("chain {number} ≈ {label}").format(number=n + 1, label=label)
                  for n, label in enumerate(s.looks_like[:shown])]
        pictures = gallery([digit(v) for v in s.chains[:shown]], titles, self.room)
        lines = [_("Gibbs step {steps} of {total} · RBM: {hidden} hidden units, {epochs} epochs of CD-{k}, η {lr}")
                 .format(steps=s.steps, total=SAMPLE_STEPS, hidden=s.hidden, epochs=s.epochs, k=s.k, lr=f"{s.lr:g}"),
                 _("chains: F(v) {free}, {distance} pixels off a digit · test digits: {digit_free}, {digit_distance}")
                 .format(free=fixed(s.chain_free[-1], 1), distance=fixed(s.chain_distance[-1], 1),
                         digit_free=fixed(s.digit_free, 1), digit_distance=fixed(s.digit_distance, 1))]
        return pictures, Text("\n".join(lines))

    # ---------------------------------------------------------------- dbn
    def _stack(self, s: RbmSnapshot) -> tuple[Text, Text]:
        pre = [len(r) - 1 for r in s.pre_recon]
        done = [f"{max(n, 0)}/{s.pretrain}" for n in pre]
        fine = len(s.accuracy[NETS[0]]) - 1 if s.accuracy else 0
        second = s.hidden // 2
        pictures = Text("\n".join([  # columns in cells: stage 2 and fine-tuning at 40, RBM 2's epochs at 22
            left(_("stage 1, no labels"), 40) + _("stage 2, {labels} labels").format(labels=s.labels),
            f"{right(_('pixels'), 6)} 64 ─RBM 1─ {s.hidden} ─RBM 2─ {second} ───── softmax 10",
            " " * 7 + left(_("epoch {done}").format(done=done[0]), 15) + left(_("epoch {done}").format(done=done[1]), 18)
            + _("fine-tuning epoch {done}/{total}").format(done=fine, total=s.finetune)]))
        recon = [fixed(r[-1], 4) if len(r) else "–" for r in s.pre_recon]
        lines = [_("RBM 1 on the pixels, RBM 2 on RBM 1's p(h|v): recon error {first}, {second}").format(
            first=recon[0], second=recon[1])]
        if s.accuracy:
            acc = {name: f"{100 * s.accuracy[name][-1]:.0f}%" for name in NETS}
            loss = {name: fixed(s.loss[name][-1], 3) for name in NETS}
            lines.append(_("test accuracy: pre-trained {pretrained}, random init {random} · loss {pretrained_loss}, "
                           "{random_loss}").format(pretrained=acc["pre-trained"], random=acc["random"],
                                                   pretrained_loss=loss["pre-trained"], random_loss=loss["random"]))
        else:
            lines.append(_("fine-tuning starts when pre-training ends: both nets, the same batches"))
        return pictures, Text("\n".join(lines))

    # ---------------------------------------------------------------- bm
    def _table(self, s: RbmSnapshot) -> tuple[Text, Text]:
        t: BMTable = s.table
        v = ", ".join(str(int(x)) for x in t.v)
        lines = [_("Full BM, weights W (v–h), V (v–v) and L = {lateral} (h₁–h₂) · v = ({v})").format(
                     lateral=f"{t.lateral:g}", v=v),
                 "",
                 f" h₁ h₂    E(v,h)   {right(_('p(h|v) exact'), 12)}   p(h₁|v)·p(h₂|v)"]
        for h, energy, exact, product in zip(t.states, t.energies, t.exact, t.product):
            lines.append(f"  {int(h[0])}  {int(h[1])}  {fixed(energy, 3):>8}   {fixed(exact, 3):>12}   "
                         f"{fixed(product, 3):>15}")
        lines += ["",
                  f"p(h₁=1|v) = {fixed(t.marginals[0], 3)}, p(h₂=1|v) = {fixed(t.marginals[1], 3)}",
                  f"p(h₁=1|v, h₂=0) = {fixed(t.conditional[0, 0], 3)}, "
                  f"p(h₁=1|v, h₂=1) = {fixed(t.conditional[0, 1], 3)}"]
        numbers = [_("p(h|v) sums 4 states; p(v) = {p_v} needs Z, all 2⁵ = 32 (log Z = {log_z}).").format(
                       p_v=fixed(t.p_v, 3), log_z=fixed(t.log_z, 3)),
                   _("L ≠ 0: h₁ depends on h₂, the p columns differ. L = 0 (an RBM): they agree.")]
        return Text("\n".join(lines)), Text("\n".join(numbers))
