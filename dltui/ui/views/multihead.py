"""The multi-head lab: each head's map, the inputs with or without positions, the output, and the
sinusoidal encoding drawn as shade strips (one row per dimension, one column per position)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dltui.i18n import _, ngettext
from dltui.labs.multihead import MultiheadSnapshot

from ..widgets.glyphs import SHADES
from ..widgets.matrix_grid import Grid, MatrixGrids
from ..widgets.readout import Readout

HEAD_CELL = 5  # no space before a weight, so two heads' maps sit side by side at 80 columns
PE_ROWS = 8  # dimensions drawn in the encoding strip


def encoding_strips(snapshot: MultiheadSnapshot) -> Text:
    """PE[pos, dim] for the first dimensions, −1 blank … +1 █, positions left to right."""
    table = snapshot.pe_table
    text = Text(_("Sinusoidal PE, positions 0–{last} →  ( blank −1 … █ +1)").format(last=len(table) - 1),
                no_wrap=True, overflow="crop")
    for dim in range(min(PE_ROWS, table.shape[1])):
        glyphs = "".join(SHADES[min(max(round((v + 1) * 2), 0), 4)] for v in table[:, dim])
        text.append(f"\n{'sin' if dim % 2 == 0 else 'cos'} d{dim:<2} {glyphs}")
    return text


class MultiheadView(VerticalScroll):
    """The stage, its newest result (the inputs, every head's map side by side, or the output), the
    order check; then the matrices before it and the encoding strips."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#stage", "#now", "#order")
    """What the step computed and what reversing the sentence does to it."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Both keys' results are on the first page."""

    DEFAULT_CSS = """
    MultiheadView {
        height: 1fr;
        padding: 0 1;
        & > #stage { text-style: bold; margin: 0 0 1 0; }
        & > #order { margin: 0 0 1 0; height: auto; }
        & > #strips { color: $text-muted; height: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="stage", markup=False)
        yield MatrixGrids(id="now")
        yield Readout(id="order", markup=False)
        yield MatrixGrids(id="earlier")
        yield Readout(id="strips", markup=False)

    def show(self, snapshot: MultiheadSnapshot) -> None:
        maps = {m.title: m for m in snapshot.heatmaps()}
        heads = [Grid.of(_("head {number} weights").format(number=h + 1), *maps[title][1:], low=0.0, high=1.0, cell=HEAD_CELL)
                 for h in range(snapshot.heads) if (title := f"head {h + 1} weights") in maps]
        title, *inputs = maps.get("X + PE") or maps.get("X (no PE)") or maps["X (embeddings)"]
        inputs = [Grid.of(_(title), *inputs)]
        output = [Grid.of(_("output"), *maps["output"][1:])] if "output" in maps else []
        newest_first = [group for group in (output, heads, inputs) if group]
        self.query_one("#now", MatrixGrids).show(newest_first[0])
        self.query_one("#earlier", MatrixGrids).show([grid for group in newest_first[1:] for grid in group])
        done, stages = snapshot.progress
        self.query_one("#stage", Static).update(ngettext(
            "Stage {done} of {total}: {stage} · {count} head × {d_head} = d_model {d_model} · causal {causal} · "
            "positions {positions}",
            "Stage {done} of {total}: {stage} · {count} heads × {d_head} = d_model {d_model} · causal {causal} · "
            "positions {positions}", snapshot.heads).format(
            done=done, total=stages, stage=_(snapshot.stage), count=snapshot.heads, d_head=snapshot.d_head,
            d_model=snapshot.d_model, causal=_("on") if snapshot.causal else _("off"),
            positions=_("on") if snapshot.positional else _("off")))
        self.query_one("#order", Static).update(self._order(snapshot))
        self.query_one("#strips", Static).update(encoding_strips(snapshot))

    def _order(self, snapshot: MultiheadSnapshot) -> str:
        order = snapshot.order
        fields = dict(difference=f"{order.max_diff:.2f}")
        if order.twins:
            i, j = order.twins
            fields.update(word=repr(snapshot.tokens[i]), first=i + 1, second=j + 1, gap=f"{order.twin_gap:.2g}")
            return (_("Order check: reversing the sentence only reverses the output rows; the two {word} rows (positions "
                      "{first} and {second}) differ by {gap}.") if order.reorders else
                    _("Order check: reversing the sentence changes the outputs (by up to {difference}); the two {word} rows "
                      "(positions {first} and {second}) differ by {gap}.")).format(**fields)
        return (_("Order check: reversing the sentence only reverses the output rows.") if order.reorders else
                _("Order check: reversing the sentence changes the outputs (by up to {difference}).")).format(**fields)
