"""The encoder–decoder lab: one held-out sentence through the model, teacher-forced and greedy, with the decoder's two
attention maps, the training charts, then the model's size beside the paper's.

The maps follow the decoding on show: teacher forcing until the first greedy step, then the greedy steps so far (rows
not decoded yet are ·, the newest row marked ▸: the row that chose the newest token). In the masked self-attention
the cells the causal mask removes read −∞, the mask's value before the softmax.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll

from dltui.i18n import N_, _
from dltui.labs.seq2seq import BOS_LABEL, PAPER, TINY, Decoding, Seq2SeqSnapshot, token_label
from dltui.numbers import fixed
from dltui.text import left, right

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.matrix_grid import Grid, MatrixGrids
from ..widgets.readout import Readout

CHARTS = (5, 12)  # the charts' least and most rows: they take what is left of the first page
LABEL = 13  # the sentence lines' label column
PARTS = (N_("embeddings"), N_("encoder"), N_("decoder"), N_("output"))


def digits(tokens, forced=()) -> str:
    """Digits spaced out; a forced (runner-up) token in brackets."""
    return " ".join(f"[{t}]" if f else str(t) for t, f in zip(tokens, forced or [False] * len(tokens)))


class Seq2SeqView(Fitted, VerticalScroll):
    """The sentence (encoder input, decoder input, target, both decodings); the two maps side by side; the loss and
    held-out charts; the sizes table."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#sentence", "#maps", "#charts")
    """The sentence both ways, the maps that chose its tokens, and how training goes."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every action changes the first page."""

    DEFAULT_CSS = """
    Seq2SeqView {
        height: 1fr;
        padding: 0 1;
        & > Readout { height: auto; }
        & > MatrixGrids { margin: 0; }
        & > #charts { height: 6; }
        & Chart { width: 1fr; height: 1fr; }
        & > #sizes { margin: 1 0 0 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="sentence", markup=False)
        yield MatrixGrids(id="maps")
        with Horizontal(id="charts"):
            yield Chart(id="loss")
            yield Chart(id="accuracy")
        yield Readout(id="sizes", markup=False)

    def show(self, snapshot: Seq2SeqSnapshot) -> None:
        s = snapshot
        self.fit(s)
        self.query_one("#sentence", Readout).update(self._sentence(s))
        self.query_one("#maps", MatrixGrids).show(self._maps(s))
        charts = self.query_one("#charts")
        charts.styles.height = min(max(self.scrollable_content_region.height - charts.virtual_region.y, CHARTS[0]),
                                   CHARTS[1])
        self.query_one("#loss", Chart).show(_("loss · epoch {epoch}, batch {batch}").format(epoch=s.epoch, batch=s.steps),
                                            [Series(_("loss"), s.losses)], x_label=_("batch"), y_label=_("cross-entropy"),
                                            diverged=s.diverged)
        epochs = np.arange(len(s.teacher_accuracy))  # epoch 0: before training
        self.query_one("#accuracy", Chart).show(
            _("held-out"), [Series(_("teacher"), 100 * np.array(s.teacher_accuracy), epochs),
                            Series(_("greedy"), 100 * np.array(s.greedy_accuracy), epochs)],
            x_label=_("epoch"), y_label=_("digits right, %"), y_range=(0, 100), diverged=s.diverged)
        self.query_one("#sizes", Readout).update(self._sizes(s))

    def _sentence(self, s: Seq2SeqSnapshot) -> Text:
        teacher, greedy = s.teacher, s.greedy
        lines = [left(_("encoder in"), LABEL) + " ".join(s.words) + "   "
                 + _("(held-out sentence {number} of {total})").format(number=s.probe + 1, total=s.held_out),
                 left(_("decoder in"), LABEL) + " ".join(token_label(t) for t in teacher.inputs) + "   "
                 + _("(the target shifted right)"),
                 left(_("target"), LABEL) + digits(s.target),
                 left(_("teacher"), LABEL) + digits(teacher.outputs) + "   "
                 + _("{right} of {length} right, each from the true digits before it").format(
                     right=s.right(teacher), length=s.length)]
        if greedy.outputs:
            k = len(greedy.outputs)
            step = (_("step {step}: {token} p {p} (forced; best {other}, {other_p})") if greedy.forced[-1] else
                    _("step {step}: {token} p {p} (next {other}, {other_p})")).format(
                step=k, token=greedy.outputs[-1], p=fixed(greedy.probs[-1], 2), other=greedy.runner_up[-1],
                other_p=fixed(greedy.runner_up_probs[-1], 2))
            lines.append(left(_("greedy"), LABEL) + digits(greedy.outputs, greedy.forced) + "   "
                         + _("{right} of {count} right · {step}").format(right=s.right(greedy), count=k, step=step))
        else:
            lines.append(left(_("greedy"), LABEL)
                         + _("{bos} only: each step feeds back the token it chose").format(bos=BOS_LABEL))
        return Text("\n".join(lines))

    def _maps(self, s: Seq2SeqSnapshot) -> list[Grid]:
        """The decoding on show (greedy once it has a step), padded to the sentence's length with · rows."""
        d: Decoding = s.greedy if s.greedy.outputs else s.teacher
        k, length = len(d.outputs), s.length
        weights = np.full((length, length), np.nan)
        weights[:k, :k] = d.self_map
        weights[np.isinf(s.mask) & ~np.isnan(weights)] = -np.inf
        cross = np.full((length, length), np.nan)
        cross[:k] = d.cross_map
        rows = [token_label(t) for t in d.inputs] + ["·"] * (length - k)
        where = _("greedy {step}").format(step=k) if s.greedy.outputs else _("teacher")
        focus = k - 1 if s.greedy.outputs else None
        columns = [w[:4] for w in s.words]
        return [Grid.of(_("masked self-attn, {where}").format(where=where), weights, rows, rows, low=0.0, high=1.0,
                        focus=focus, cell=5),
                Grid.of(_("cross-attn, {where}").format(where=where), cross, rows, columns, low=0.0, high=1.0, focus=focus,
                        cell=5)]

    def _sizes(self, s: Seq2SeqSnapshot) -> Text:
        def row(label: str, tiny: str, paper: str) -> str:
            return left(label, 14) + right(tiny, 12) + right(paper, 20)

        lines = [_("{count} parameters counted in the model").format(count=f"{s.n_params:,}"),
                 "",
                 row("", _("this lab"), _("the paper (base)")),
                 row("d_model", f"{TINY.d_model}", f"{PAPER.d_model}"),
                 row(_("heads"), f"{TINY.heads}", f"{PAPER.heads}"),
                 row("d_ff", f"{TINY.d_ff}", f"{PAPER.d_ff:,}"),
                 row(_("layers"), f"{TINY.encoder_layers} + {TINY.decoder_layers}",
                     f"{PAPER.encoder_layers} + {PAPER.decoder_layers}"),
                 row(_("vocabulary"), f"{TINY.source_vocab} / {TINY.target_vocab}",
                     _("{count} shared").format(count=f"{PAPER.source_vocab:,}"))]
        lines += [row(_(part), f"{s.tiny[part]:,}", f"{s.paper[part]:,}") for part in PARTS]
        lines += [row(_("total"), f"{s.tiny_total:,}", f"{s.paper_total:,}"),
                  "",
                  _("attention 4·d² + 4·d (any number of heads) · feed-forward 2·d·d_ff + d_ff + d · LayerNorm 2·d"),
                  _("encoder layer: attention, feed-forward, 2 norms · decoder layer: 2 attentions, feed-forward, 3 norms"),
                  _("the paper: one table for both languages, reused as the output layer's weight; a final norm per "
                    "stack as torch.nn.Transformer adds; no positions learned (sinusoids)"),
                  _("this lab: {source} source words, {target} decoder input tokens ({bos} and the digits), an output "
                    "layer over the {output} digits").format(source=TINY.source_vocab, target=TINY.target_vocab,
                                                             bos=BOS_LABEL, output=TINY.output_vocab)]
        return Text("\n".join(lines))
