"""The word2vec lab: what training is at, one example of the last update written out (its words, scores, the
loss's terms and the gradients), the nearest neighbours of a word and an analogy, an input for the learner's own
word; then the loss per mini-batch and a PCA map of frequent words before and after training.

At 80×24 the figures, the example and the probes are the first page; the chart and the maps the next (`v`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input

from dltui.i18n import _
from dltui.labs.word2vec import Example, Word2VecSnapshot
from dltui.numbers import fixed
from dltui.text import left

from ..messages import LabRequest
from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout

DIMS = 3  # the vectors' first entries written out
NOISE_ROWS = 5  # noise words written out; the rest are counted
MAP_ROWS = (8, 16)  # the PCA maps' least and most rows
LOSS_ROWS = 7  # the loss chart's: with the maps, the page after the first at 80×24
WORD = 10  # cells of a word in the example's table


def vector(values: np.ndarray, dims: int = DIMS) -> str:
    """The first `dims` entries, each in 6 cells, and … when there are more."""
    shown = ", ".join(f"{fixed(v, 3):>6}" for v in values[:dims])
    return f"({shown}{', …' if len(values) > dims else ''})"


def word_map(words: tuple[str, ...], points: np.ndarray, width: int, height: int) -> Text:
    """Words placed at their 2-D points, scaled to `width`×`height` cells: a • at the point and the word after it.
    A word whose place is taken moves a row up or down; with no room left only its • is drawn."""
    grid = [[" "] * width for _row in range(height)]
    span = np.ptp(points, axis=0)
    span[span == 0] = 1.0
    cells = np.round((points - points.min(axis=0)) / span * [width - 1, height - 1]).astype(int)
    for word, (col, row) in zip(words, cells):
        row = height - 1 - row  # the second component grows upward
        label = "•" + word
        start = min(col, width - len(label))
        for r in (row, row - 1, row + 1, row - 2, row + 2):
            if 0 <= r < height and start >= 0 and all(c == " " for c in grid[r][max(start - 1, 0):start + len(label) + 1]):
                grid[r][start:start + len(label)] = label
                break
        else:
            if grid[row][col] == " ":
                grid[row][col] = "•"
    return Text("\n".join("".join(line).rstrip() for line in grid), no_wrap=True, overflow="crop")


class Word2VecView(Fitted, VerticalScroll):
    """Figures; the example; neighbours and the analogy; the input; the loss; the maps before and now."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#figures", "#example", "#probes")
    """What training is at, the last update's example written out, and what the vectors say about words now."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every action changes the first page: nothing to turn to."""

    DEFAULT_CSS = """
    Word2VecView {
        height: 1fr;
        & > Readout { height: auto; padding: 0 1; }
        & > #example { margin: 1 0 0 0; }
        & > #typed { width: 44; margin: 0 1; }
        & > #loss { margin: 1 0 0 0; }
        & > #maps { height: 10; }
        & #maps > Readout { width: 1fr; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="figures", markup=False)
        yield Readout(id="example", markup=False)
        yield Readout(id="probes", markup=False)
        yield Input(placeholder=_("a word, or a − b + c, then Enter"), id="typed", compact=True)
        yield Chart(id="loss")
        with Horizontal(id="maps"):
            yield Readout(id="before", markup=False)
            yield Readout(id="now", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """The typed word (or analogy) goes to the lab; the box empties for the next."""
        event.stop()
        self.post_message(LabRequest("set_query", event.value))
        event.input.value = ""

    def show(self, snapshot: Word2VecSnapshot) -> None:
        s = snapshot
        self.fit(s)
        progress = (_("epoch {epoch}/{epochs}: {kept} kept, pairs {done}/{total} · batch {batch}") if s.model == "skip-gram"
                    else _("epoch {epoch}/{epochs}: {kept} kept, windows {done}/{total} · batch {batch}")).format(
            epoch=s.epoch, epochs=s.epochs, kept=f"{s.kept:,}", done=f"{s.position:,}", total=f"{s.examples:,}",
            batch=s.batches)
        if s.batches:
            progress += " · " + _("loss {loss}").format(loss=fixed(s.losses[-1], 3))
        self.query_one("#figures", Readout).update(Text(
            _("{model} · text {tokens} words · V {words} · d {dim} · {parameters} parameters").format(
                model=s.model, tokens=f"{s.tokens:,}", words=f"{s.words:,}", dim=s.dim, parameters=f"{s.parameters:,}")
            + "\n" + progress))
        self.query_one("#example", Readout).update(self._example(s))
        self.query_one("#probes", Readout).update(self._probes(s))
        self.query_one("#loss", Chart).show(_("loss per mini-batch"), [Series(_("loss"), s.losses)],
                                            x_label=_("mini-batch"), y_label=_("loss"), diverged=s.diverged)
        self.query_one("#loss").styles.height = LOSS_ROWS
        maps = self.query_one("#maps")
        maps.styles.height = min(max(self.region.height - LOSS_ROWS - 1, MAP_ROWS[0]), MAP_ROWS[1])
        width = max((self.room - 4) // 2, 20)
        height = int(maps.styles.height.value) - 1
        for selector, points, title in (("#before", s.map_before, _("before training")),
                                        ("#now", s.map_now, _("now: PCA of v, {count} commonest words").format(
                                            count=len(s.mapped)))):
            text = Text(f"{title}\n", "bold", no_wrap=True, overflow="crop")
            text.append_text(word_map(s.mapped, points, width, height))
            self.query_one(selector, Readout).update(text)

    def _example(self, s: Word2VecSnapshot) -> Text:
        e: Example | None = s.last
        if e is None:
            return Text(_("no update yet: each mini-batch's first example will be written out here,\n"
                          "its vectors, scores, the loss's terms and the gradient on every vector"))
        h = "v_c" if s.model == "skip-gram" else "h"
        if s.model == "skip-gram":
            head = _("centre “{centre}” → context “{context}”, {count} noise words (P ∝ count^¾)").format(
                centre=e.inputs[0], context=e.output, count=len(e.negatives))
        else:
            head = _("context {context} → centre “{centre}”; h = the mean of their v").format(
                context=" ".join(e.inputs), centre=e.output)
        word = left(_("word"), WORD)  # a CJK heading is two cells a character
        lines = [Text(head, "bold"), Text(f"{h} = {vector(e.h)}   u_o = {vector(e.u[0])}"),
                 Text(f"   {word}{'u·' + h:>9} {'σ(±u·' + h + ')':>9} {'−log':>9}   "
                      f"∂L/∂u = (σ(u·{h}) − y)·{h}")]
        rows = range(min(len(e.u), 1 + NOISE_ROWS))
        for i in rows:
            word = e.negatives[i - 1] if i else e.output
            lines.append(Text(f"{'k' if i else 'o'}  {word:<{WORD}.{WORD}}{fixed(e.scores[i], 3):>9} "
                              f"{fixed(e.probabilities[i], 3):>9} {fixed(e.terms[i], 3):>9}   {vector(e.grad_u[i])}"))
        more = len(e.u) - len(rows)
        lines.append(Text(f"∂L/∂{h} = Σ (σ(u·{h}) − y)·u = {vector(e.grad_h)}"))
        total = f"L = Σ −log = {fixed(e.loss, 3)}"
        if more:
            total += " " + _("(with {count} more noise words)").format(count=more)
        lines.append(Text(total + " · " + _("after the update {score}").format(score=f"u_o·{h} = {fixed(e.after[0], 3)}")))
        return Text("\n").join(lines)

    def _probes(self, s: Word2VecSnapshot) -> Text:
        near = " · ".join(f"{word} {fixed(c, 2)}" for word, c in s.neighbours)
        a, b, c = s.analogy
        found = " · ".join(f"{word} {fixed(cos, 2)}" for word, cos in s.answers)
        return Text(_("nearest to “{word}” (cosine of v): {near}").format(word=s.query, near=near)
                    + f"\n{a} − {b} + {c} ≈ {found}")
