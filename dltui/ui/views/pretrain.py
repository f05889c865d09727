"""The pre-training lab's two parts.

Pretrain: BERT's and GPT's attention on the prompt side by side (the last layer, heads averaged; · is a cell GPT's
causal mask hides), their losses, how well each gets every word of the held-out sentences back, then the prompt with
its blank: what each puts in it, and how each continues the words before it. Finetune: test accuracy of the three
runs on one chart beside the trainable numbers of each way to fine-tune, then the runs in numbers.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll

from dltui.i18n import N_, _
from dltui.labs.pretrain import D_MODEL, FINE_EPOCHS, LAYERS, MASK, PRE_EPOCHS, VOCAB, PretrainSnapshot
from dltui.numbers import fixed
from dltui.text import left, right

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.glyphs import SHADES
from ..widgets.readout import Readout
from ..widgets.shade_image import beside

TOP = {"pretrain": (8, 20), "finetune": (8, 24)}  # the top row's least and most lines
LABEL = 6  # a token's label beside a map: "[MASK]"
ROLES = (N_("name"), N_("verb"), N_("food"), "so", N_("name"), N_("verb"), N_("food"), ".")  # the words at positions 1–8
CELL = 6  # a column of the table of positions


def attention_map(weights: np.ndarray, tokens: tuple[int, ...], causal: bool, title: str) -> Text:
    """One row per query token, labelled, one cell per key: its weight shaded, · where the mask hides it."""
    text = Text(title, "bold", no_wrap=True, overflow="crop")
    for i, row in enumerate(weights):
        text.append(f"\n{VOCAB[tokens[i]]:>{LABEL}} ")
        for j, weight in enumerate(row):
            text.append("·" if causal and j > i else SHADES[int(np.clip(round(4 * weight), 0, 4))])
    return text


def sentence_text(tokens: tuple[int, ...], blank: int | None = None) -> str:
    """The words after <s>; the blank as ____."""
    return " ".join("____" if i == blank else VOCAB[t] for i, t in enumerate(tokens) if i)


class PretrainView(Fitted, VerticalScroll):
    """Pretrain: maps | losses; the table of positions; the prompt. Finetune: accuracy | counts; the runs."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#top", "#numbers", "#demo")
    """Both models' attention and losses, each position's score, and both models on the prompt."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every action changes the first page: nothing to turn to."""

    DEFAULT_CSS = """
    PretrainView {
        height: 1fr;
        & > #top { height: 10; }
        & #maps { width: auto; padding: 0 1; }
        & #counts { width: auto; padding: 0 1; }
        & Chart { width: 1fr; height: 1fr; }
        & > Readout { height: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Readout(id="maps", markup=False)
            yield Chart(id="chart")
            yield Readout(id="counts", markup=False)
        yield Readout(id="numbers", markup=False)
        yield Readout(id="demo", markup=False)

    def show(self, snapshot: PretrainSnapshot) -> None:
        s = snapshot
        self.fit(s)
        pretrain = s.part == "pretrain"
        self.query_one("#maps").display = self.query_one("#demo").display = pretrain
        self.query_one("#counts").display = not pretrain
        numbers = self._table(s) if pretrain else self._runs(s)
        self.query_one("#numbers", Readout).update(numbers)
        used = len(numbers.plain.split("\n"))
        if pretrain:
            demo = self._demo(s)
            self.query_one("#demo", Readout).update(demo)
            used += len(demo.plain.split("\n"))
            self._pretraining(s)
        else:
            self._fine_tuning(s)
        least, most = TOP[s.part]
        self.query_one("#top").styles.height = min(max(self.region.height - used, least), most)

    # ------------------------------------------------------------------ pretrain
    def _pretraining(self, s: PretrainSnapshot) -> None:
        d = s.demo
        bert_input = tuple(MASK if i == d.blank else t for i, t in enumerate(d.sentence))
        self.query_one("#maps", Readout).update(beside([
            attention_map(d.bert_map, bert_input, False, _("BERT: all")),
            attention_map(d.gpt_map, d.sentence, True, _("GPT: causal"))]))
        batches = np.arange(1, len(s.bert_losses) + 1)
        series = [Series("BERT", s.bert_losses, batches), Series("GPT", s.gpt_losses, batches)]
        if len(batches):
            series.append(Series(_("GPT's least"), np.full(len(batches), s.gpt_floor), batches))
        self.query_one("#chart", Chart).show(_("loss"), series, x_label=_("batch"), y_label=_("cross-entropy"),
                                             diverged=s.diverged)

    def _table(self, s: PretrainSnapshot) -> Text:
        lines = [left(_("p(right word)"), 16) + "".join(right(_(role), CELL) for role in ROLES),
                 left(_("BERT, blanked"), 16) + "".join(f"{p:>{CELL}.0%}" for p in s.bert_fill),
                 left(_("GPT, next word"), 16) + "".join(f"{p:>{CELL}.0%}" for p in s.gpt_next)]
        return Text("\n".join(lines))

    def _demo(self, s: PretrainSnapshot) -> Text:
        d = s.demo
        lines = [_("blank  {sentence}   BERT {bert} {bert_sure}, GPT {gpt} {gpt_sure}").format(
            sentence=sentence_text(d.sentence, d.blank), bert=VOCAB[d.bert_fill], bert_sure=f"{d.bert_sure:.0%}",
            gpt=VOCAB[d.gpt_fill], gpt_sure=f"{d.gpt_sure:.0%}")]
        for name, how, words, ok, count in (("GPT", _("word by word"), d.gpt_continues, d.gpt_sentence, d.coherent[0]),
                                            ("BERT", _("all at once"), d.bert_continues, d.bert_sentence, d.coherent[1])):
            mark = "✓" if ok else "✗"
            lines.append(f"{name:<4} {left(how, 12)} {sentence_text(words)}  {mark} "
                         + _("{count}/{total} sentences").format(count=count, total=d.draws))
        return Text("\n".join(lines))

    # ------------------------------------------------------------------ finetune
    def _fine_tuning(self, s: PretrainSnapshot) -> None:
        chart = self.query_one("#chart", Chart)
        if s.runs:
            chart.show(_("test accuracy"), [Series(self._run_name(r.kind, s.rank), 100 * np.array(r.accuracy),
                                                   np.arange(len(r.accuracy))) for r in s.runs],
                       x_label=_("epoch"), y_label=_("right, %"), y_range=(0, 100), x_range=(0, FINE_EPOCHS),
                       diverged=s.diverged)
        else:
            chart.show(_("pre-training BERT"), [Series(_("masked words"), s.bert_losses)], x_label=_("batch"),
                       y_label=_("cross-entropy"), diverged=s.diverged)
        rows = [(_("full"), s.counts["full"])] + [(f"LoRA {key}", count) for key, count in s.counts.items()
                                                   if key.startswith("r=")] + [(_("head only"), s.counts["head"])]
        text = Text(_("trainable numbers"), "bold")
        for name, count in rows:
            text.append(f"\n{left(name, 10)}{count:>7,}" + (" ◀" if name == f"LoRA r={s.rank}" else "  "))
        self.query_one("#counts", Readout).update(text)

    @staticmethod
    def _run_name(kind: str, rank: int) -> str:
        return {"scratch": _("scratch"), "full": _("full"), "lora": f"LoRA r={rank}"}[kind]

    def _runs(self, s: PretrainSnapshot) -> Text:
        if not s.runs:
            if s.bert_losses:
                return Text(_("pre-training BERT first: epoch {epoch} of {total}, masked-word loss {loss}").format(
                    epoch=s.pre_epoch, total=PRE_EPOCHS, loss=fixed(s.bert_losses[-1])))
            return Text(_("pre-training BERT first: epoch {epoch} of {total}").format(epoch=s.pre_epoch, total=PRE_EPOCHS))
        lines = [_("epoch {epoch} of {total} · test accuracy: {runs}").format(
            epoch=s.epoch, total=FINE_EPOCHS,
            runs=" · ".join(f"{self._run_name(r.kind, s.rank)} {r.accuracy[-1]:.0%}" for r in s.runs))]
        lora = next(r for r in s.runs if r.kind == "lora")
        lines.append(_("LoRA r={rank}: {formula} = {count} trainable (A, B on W_Q, W_V; head)").format(
            rank=s.rank, formula=f"{LAYERS}·2·{s.rank}·({D_MODEL} + {D_MODEL}) + {s.counts['head']}",
            count=f"{lora.trainable:,}"))
        lines.append(_("frozen: {frozen} pre-trained numbers, {moved} changed since fine-tuning began").format(
            frozen=f"{s.frozen:,}", moved=f"{s.frozen_moved:,}"))
        return Text("\n".join(lines))

