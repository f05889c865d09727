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

from dltui.labs.seq2seq import BOS_LABEL, PAPER, TINY, Decoding, Seq2SeqSnapshot, token_label
from dltui.numbers import fixed

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.matrix_grid import Grid, MatrixGrids
from ..widgets.readout import Readout

CHARTS = (5, 12)  # the charts' least and most rows: they take what is left of the first page
LABEL = 13  # the sentence lines' label column
PARTS = ("embeddings", "encoder", "decoder", "output")


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
        self.query_one("#loss", Chart).show(f"loss · epoch {s.epoch}, batch {s.steps}", [Series("loss", s.losses)],
                                            x_label="batch", y_label="cross-entropy", diverged=s.diverged)
        epochs = np.arange(len(s.teacher_accuracy))  # epoch 0: before training
        self.query_one("#accuracy", Chart).show(
            "held-out", [Series("teacher", 100 * np.array(s.teacher_accuracy), epochs),
                         Series("greedy", 100 * np.array(s.greedy_accuracy), epochs)],
            x_label="epoch", y_label="% digits right", y_range=(0, 100), diverged=s.diverged)
        self.query_one("#sizes", Readout).update(self._sizes(s))

    def _sentence(self, s: Seq2SeqSnapshot) -> Text:
        teacher, greedy = s.teacher, s.greedy
        lines = [f"{'encoder in':<{LABEL}}{' '.join(s.words)}   (held-out sentence {s.probe + 1} of {s.held_out})",
                 f"{'decoder in':<{LABEL}}{' '.join(token_label(t) for t in teacher.inputs)}   "
                 "(the target shifted right)",
                 f"{'target':<{LABEL}}{digits(s.target)}",
                 f"{'teacher':<{LABEL}}{digits(teacher.outputs)}   {s.right(teacher)} of {s.length} right, each "
                 "from the true digits before it"]
        if greedy.outputs:
            k = len(greedy.outputs)
            step = (f"step {k}: {greedy.outputs[-1]} p {fixed(greedy.probs[-1], 2)} "
                    f"({'forced; best' if greedy.forced[-1] else 'next'} {greedy.runner_up[-1]}, "
                    f"{fixed(greedy.runner_up_probs[-1], 2)})")
            lines.append(f"{'greedy':<{LABEL}}{digits(greedy.outputs, greedy.forced)}   "
                         f"{s.right(greedy)} of {k} right · {step}")
        else:
            lines.append(f"{'greedy':<{LABEL}}{BOS_LABEL} only: each step feeds back the token it chose")
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
        where = f"greedy {k}" if s.greedy.outputs else "teacher"
        focus = k - 1 if s.greedy.outputs else None
        columns = [w[:4] for w in s.words]
        return [Grid.of(f"masked self-attn, {where}", weights, rows, rows, low=0.0, high=1.0, focus=focus, cell=5),
                Grid.of(f"cross-attn, {where}", cross, rows, columns, low=0.0, high=1.0, focus=focus, cell=5)]

    def _sizes(self, s: Seq2SeqSnapshot) -> Text:
        lines = [f"{s.n_params:,} parameters counted in the model",
                 "",
                 f"{'':<14}{'this lab':>12}{'the paper (base)':>20}",
                 f"{'d_model':<14}{TINY.d_model:>12}{PAPER.d_model:>20}",
                 f"{'heads':<14}{TINY.heads:>12}{PAPER.heads:>20}",
                 f"{'d_ff':<14}{TINY.d_ff:>12}{PAPER.d_ff:>20,}",
                 f"{'layers':<14}{f'{TINY.encoder_layers} + {TINY.decoder_layers}':>12}"
                 f"{f'{PAPER.encoder_layers} + {PAPER.decoder_layers}':>20}",
                 f"{'vocabulary':<14}{f'{TINY.source_vocab} / {TINY.target_vocab}':>12}"
                 f"{f'{PAPER.source_vocab:,} shared':>20}"]
        lines += [f"{part:<14}{s.tiny[part]:>12,}{s.paper[part]:>20,}" for part in PARTS]
        lines += [f"{'total':<14}{s.tiny_total:>12,}{s.paper_total:>20,}",
                  "",
                  "attention 4·d² + 4·d (any number of heads) · feed-forward 2·d·d_ff + d_ff + d · LayerNorm 2·d",
                  "encoder layer: attention, feed-forward, 2 norms · decoder layer: 2 attentions, feed-forward, 3 norms",
                  "the paper: one table for both languages, reused as the output layer's weight; a final norm per "
                  "stack as torch.nn.Transformer adds; no positions learned (sinusoids)",
                  f"this lab: {TINY.source_vocab} source words, {TINY.target_vocab} decoder input tokens ({BOS_LABEL} "
                  f"and the digits), an output layer over the {TINY.output_vocab} digits"]
        return Text("\n".join(lines))
