"""The encoder–decoder Transformer of "Attention is all you need", tiny, on a translation-like toy.

The source is a sentence of number words ("three one four one five"); the target is written in another vocabulary,
digits: the same numbers (`digits`: 3 1 4 1 5) or their running total's last digit (`totals`: 3 4 8 9 4, each digit
the previous one plus the next word). One encoder layer (lesson 18's block) reads the words; one decoder layer writes
the digits: masked (causal) self-attention over the digits written so far → add & norm → cross-attention, whose
queries come from the decoder and whose keys and values are the encoder's output → add & norm → feed-forward → add &
norm, then a linear layer scores the ten digits.

Training is teacher forcing: the decoder reads the true target shifted right behind a start token <s>, and the causal
mask keeps position t from seeing the digit it must predict. Decoding is greedy: one token at a time, each step reading
the model's own earlier choices. The lab steps that decoder token by token, can force it to take its runner-up (a
wrong token), and measures both ways on held-out sentences: a model trained only on true prefixes never saw its own
mistakes (exposure bias), and in `totals`, where each digit builds on the one before, one wrong digit spoils the rest.

`parameter_count` is the formula for the whole model's size; tests hold it equal to this lab's model and to
torch.nn.Transformer at the paper's sizes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language, ngettext

from ..engine import Tensor, functional as F, manual_seed, nn, no_grad, no_record, optim
from ..engine.arch import PAPER, Sizes, parameter_breakdown, parameter_count
from ..engine.ops.attention import attention_bias
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, num
from .multihead import sinusoidal_encoding
from .transformer import Block, fresh_sequences

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
DIGITS = 10
BOS = DIGITS  # the start token, the decoder's 11th input and never an output
BOS_LABEL = "<s>"
D_MODEL, HEADS, D_FF = 32, 2, 64
EPOCH_STEPS = 20  # batches per epoch: the data is endless, so an epoch is a fixed count of fresh batches
TEST_SIZE = 500
TARGET = 0.99  # held-out sentences decoded greedily, entirely right
TASKS = (N_("totals"), N_("digits"))  # the running total's last digit (the previous digit plus the next word), or each word's


def task_target(task: str, words: np.ndarray) -> np.ndarray:
    """The digits a sentence of words (N, L) translates to."""
    return np.cumsum(words, axis=1) % DIGITS if task == "totals" else words.copy()


def shifted_right(target: np.ndarray) -> np.ndarray:
    """Teacher forcing's decoder input: <s>, then the target without its last digit."""
    return np.concatenate([np.full((len(target), 1), BOS), target[:, :-1]], axis=1)


def token_label(token: int) -> str:
    return BOS_LABEL if token == BOS else str(token)


# ------------------------------------------------------------------------------ the model
class DecoderLayer(nn.Module):
    """Post-norm decoder layer: y ← LN(y + causal self-attention(y)); y ← LN(y + cross-attention(y, memory));
    y ← LN(y + W₂·relu(W₁·y)). Also returns both attention maps, averaged over heads (as nn.MultiheadAttention)."""

    def __init__(self, d_model: int, heads: int, d_ff: int) -> None:
        self.self_attn = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.norm1 = nn.LayerNorm(d_model)
        self.cross_attn = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff1 = nn.Linear(d_model, d_ff)
        self.ff2 = nn.Linear(d_ff, d_model)
        self.norm3 = nn.LayerNorm(d_model)

    def forward(self, y: Tensor, memory: Tensor) -> tuple[Tensor, np.ndarray, np.ndarray]:
        attended, self_map = self.self_attn(y, y, y, is_causal=True)
        y = self.norm1(y + attended)
        crossed, cross_map = self.cross_attn(y, memory, memory)
        y = self.norm2(y + crossed)
        return self.norm3(y + self.ff2(F.relu(self.ff1(y)))), self_map.data, cross_map.data


class Seq2Seq(nn.Module):
    """Words (N, S) and decoder input (N, T) → digit logits (N, T, 10), the decoder's self-attention (N, T, T) and its
    cross-attention (N, T, S). Sinusoidal positions on both sides (a fixed table, no parameters)."""

    def __init__(self, length: int, d_model: int = D_MODEL, heads: int = HEADS, d_ff: int = D_FF) -> None:
        self.source_embed = nn.Embedding(len(WORDS), d_model)
        self.target_embed = nn.Embedding(DIGITS + 1, d_model)
        self.encoder = Block(d_model, heads, d_ff)
        self.decoder = DecoderLayer(d_model, heads, d_ff)
        self.out = nn.Linear(d_model, DIGITS)
        self.pe = sinusoidal_encoding(length, d_model)

    def encode(self, words: np.ndarray) -> Tensor:
        return self.encoder(self.source_embed(words) + self.pe[:words.shape[1]])[0]

    def decode(self, memory: Tensor, inputs: np.ndarray) -> tuple[Tensor, np.ndarray, np.ndarray]:
        y, self_map, cross_map = self.decoder(self.target_embed(inputs) + self.pe[:inputs.shape[1]], memory)
        return self.out(y), self_map, cross_map

    def forward(self, words: np.ndarray, inputs: np.ndarray) -> tuple[Tensor, np.ndarray, np.ndarray]:
        return self.decode(self.encode(words), inputs)


def greedy_decode(model: Seq2Seq, words: np.ndarray, steps: int, forced: frozenset[int] = frozenset()
                  ) -> tuple[np.ndarray, np.ndarray]:
    """`steps` greedy tokens for every sentence (N, S): each step feeds <s> and the tokens chosen so far and takes the
    most probable digit, or the runner-up at a `forced` position. Returns the tokens (N, steps) and each step's
    probabilities (N, steps, 10). The encoder runs once."""
    with no_grad():
        memory = model.encode(words)
        inputs = np.full((len(words), 1), BOS)
        probs = []
        for t in range(steps):
            logits, _self_map, _cross_map = model.decode(memory, inputs)
            p = F.softmax(logits[:, -1], dim=-1).data
            ranked = np.argsort(-p, axis=-1, kind="stable")
            choice = ranked[:, 1] if t in forced else ranked[:, 0]
            inputs = np.concatenate([inputs, choice[:, None]], axis=1)
            probs.append(p)
    return inputs[:, 1:], np.stack(probs, axis=1) if probs else np.zeros((len(words), 0, DIGITS))


# ------------------------------------------------------------------------------ sizes
TINY = Sizes(D_MODEL, HEADS, D_FF, 1, 1, len(WORDS), DIGITS + 1, DIGITS)
"""This lab's model."""


# ------------------------------------------------------------------------------ snapshots
@dataclass(frozen=True)
class Decoding:
    """The decoder on one sentence, either way: teacher forcing (input: the true digits shifted right) or greedy (input:
    its own earlier choices). Row t of each map is the query at input position t, the step that chose outputs[t]."""

    inputs: tuple[int, ...]  # decoder input tokens, <s> first
    outputs: tuple[int, ...]  # the digit chosen at each position
    probs: tuple[float, ...]  # its probability
    runner_up: tuple[int, ...]  # the second most probable digit
    runner_up_probs: tuple[float, ...]
    forced: tuple[bool, ...]  # greedy: the runner-up was taken on purpose
    self_map: np.ndarray  # (T, T), 0 above the diagonal: the causal mask
    cross_map: np.ndarray  # (T, S): decoder rows over encoder columns


@dataclass(frozen=True)
class Seq2SeqSnapshot:
    task: str
    length: int
    words: tuple[str, ...]  # the probe sentence, a held-out one
    target: tuple[int, ...]
    teacher: Decoding
    greedy: Decoding  # the first `steps` greedy steps (none yet: empty)
    mask: np.ndarray  # (L, L): the additive causal mask, 0 or −∞
    probe: int  # which held-out sentence
    epoch: int
    steps: int
    losses: tuple[float, ...]  # per training batch
    teacher_accuracy: tuple[float, ...]  # held-out digits right, per epoch ([0]: untrained)
    greedy_accuracy: tuple[float, ...]
    greedy_sentences: tuple[float, ...]  # held-out sentences greedy decoding gets entirely right
    held_out: int
    tiny: dict[str, int]  # parameter_breakdown(TINY)
    paper: dict[str, int]
    n_params: int  # counted from the model itself
    solved: bool
    diverged: bool
    status: Status

    def right(self, decoding: Decoding) -> int:
        """How many of a decoding's digits match the target."""
        return sum(o == t for o, t in zip(decoding.outputs, self.target))

    @property
    def tiny_total(self) -> int:
        return sum(self.tiny.values())

    @property
    def paper_total(self) -> int:
        return sum(self.paper.values())


class Seq2SeqLab(Lab):
    controls = (
        Control("task", N_("Task"), "choice", "totals", choices=TASKS,
                help=N_("totals: each digit the previous plus the next word; digits: each word its digit"), words=True),
        Control("length", N_("Sentence length"), "int", 5, 3, 8, 1),
        Control("lr", N_("Learning rate (Adam)"), "float", 0.01, 0.0005, 0.1, 0.001),
        Control("batch", N_("Batch size"), "int", 64, 8, 256, 8, help=N_("Fresh random sentences per step")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
        Control("max_epochs", N_("Max epochs"), "int", 40, 1, 500, 10, help=N_("An epoch is 20 batches")),  # EPOCH_STEPS
    )
    actions = (Action("step", "s", N_("Batch")), Action("epoch", "e", N_("Epoch")), Action("greedy", "g", N_("Greedy token")),
               Action("wrong", "w", N_("Wrong token")), Action("next", "n", N_("Next sentence")))
    run_action = "epoch"

    def build(self) -> None:
        p = self.params
        manual_seed(p["seed"])
        self.model = Seq2Seq(p["length"])
        self.optimizer = optim.Adam(self.model.parameters(), lr=p["lr"])
        self.rng = np.random.default_rng([p["seed"], 0])
        self.place = DIGITS ** np.arange(p["length"])
        self.test_codes = np.random.default_rng([p["seed"], 1]).choice(
            DIGITS ** p["length"], min(TEST_SIZE, DIGITS ** p["length"] // 4), replace=False)
        self.test = self.test_codes[:, None] // self.place % DIGITS  # distinct sentences, each read as a number
        self.steps, self.train_time = 0, 0.0
        self.losses: list[float] = []
        self.teacher_accuracy: list[float] = []
        self.greedy_accuracy: list[float] = []
        self.greedy_sentences: list[float] = []
        self.probe, self.decoded, self.forced = 0, 0, frozenset()
        self.evaluate()

    def target(self, words: np.ndarray) -> np.ndarray:
        return task_target(self.params["task"], words)

    # ------------------------------------------------------------------ training
    def batch(self) -> np.ndarray:
        """Fresh random sentences, none from the held-out set."""
        return fresh_sequences(self.rng, self.params["batch"], self.params["length"], self.place, self.test_codes)

    @property
    def epoch_count(self) -> int:
        return len(self.teacher_accuracy) - 1

    @property
    def solved(self) -> bool:
        return self.greedy_sentences[-1] >= TARGET

    @property
    def finished(self) -> bool:
        return self.solved or self.diverged or self.epoch_count >= self.params["max_epochs"]

    def step(self) -> None:
        """One batch with teacher forcing: the decoder reads the true digits shifted right, cross-entropy at every
        position, backward, Adam. No tape."""
        if self.finished:
            return
        start = time.perf_counter()
        words = self.batch()
        target = self.target(words)
        self.optimizer.zero_grad()
        with no_record():
            logits, _self_map, _cross_map = self.model(words, shifted_right(target))
            loss = F.cross_entropy(logits.reshape(-1, DIGITS), target.reshape(-1))
        if self.watch(loss.item(), self.steps + 1, N_("batch")):
            return
        loss.backward()
        self.optimizer.step()
        self.train_time += time.perf_counter() - start
        self.steps += 1
        self.losses.append(loss.item())
        if self.steps % EPOCH_STEPS == 0:
            self.evaluate()

    def epoch(self) -> None:
        """Train up to the end of the current epoch (a whole one from a boundary)."""
        start = self.epoch_count
        while self.epoch_count == start and not self.finished and not self.interrupted():
            self.step()

    def evaluate(self) -> None:
        """Held-out digits right with teacher forcing and with greedy decoding, and whole sentences right greedily."""
        target = self.target(self.test)
        with no_grad():
            logits, _self_map, _cross_map = self.model(self.test, shifted_right(target))
        self.teacher_accuracy.append(float((logits.data.argmax(-1) == target).mean()))
        right = self.greedy_right()
        self.greedy_accuracy.append(float(right.mean()))
        self.greedy_sentences.append(float(right.all(axis=1).mean()))

    def greedy_right(self) -> np.ndarray:
        """(held-out sentences, L): whether greedy decoding got each digit right."""
        return greedy_decode(self.model, self.test, self.params["length"])[0] == self.target(self.test)

    # ------------------------------------------------------------------ decoding the probe
    def greedy(self) -> None:
        """One more greedy token of the probe sentence (after the last one, start again from <s>)."""
        if self.decoded == self.params["length"]:
            self.decoded, self.forced = 0, frozenset()
        self.decoded += 1

    def wrong(self) -> None:
        """One more greedy token, but the runner-up instead of the most probable: a mistake the next steps must read."""
        self.greedy()
        self.forced |= {self.decoded - 1}

    def next(self) -> None:
        """The next held-out sentence that greedy decoding gets wrong (the next one at all, once every one is right)."""
        wrong = np.flatnonzero(~self.greedy_right().all(axis=1))
        later = wrong[wrong > self.probe]
        pick = later[0] if len(later) else wrong[0] if len(wrong) else self.probe + 1
        self.probe, self.decoded, self.forced = int(pick) % len(self.test), 0, frozenset()

    def decoding(self, words: np.ndarray, inputs: np.ndarray, outputs: np.ndarray | None = None,
                 forced: frozenset[int] = frozenset()) -> Decoding:
        """The model on one sentence with the decoder input given: at each position the digit chosen (`outputs`, or
        the most probable), the best other one, and both maps."""
        if not len(inputs):
            return Decoding((), (), (), (), (), (), np.zeros((0, 0)), np.zeros((0, len(words))))
        with no_grad():
            logits, self_map, cross_map = self.model(words[None], inputs[None])
        p = F.softmax(logits, dim=-1).data[0]
        ranked = np.argsort(-p, axis=-1, kind="stable")
        chosen = ranked[:, 0] if outputs is None else outputs
        other = np.where(ranked[:, 0] == chosen, ranked[:, 1], ranked[:, 0])
        rows = np.arange(len(p))
        return Decoding(tuple(int(t) for t in inputs), tuple(int(t) for t in chosen),
                        tuple(float(v) for v in p[rows, chosen]), tuple(int(t) for t in other),
                        tuple(float(v) for v in p[rows, other]), tuple(t in forced for t in rows), self_map[0],
                        cross_map[0])

    def probe_decodings(self) -> tuple[Decoding, Decoding]:
        """The probe under teacher forcing, and its first `decoded` greedy steps with the current weights."""
        words = self.test[self.probe]
        teacher = self.decoding(words, shifted_right(self.target(words[None]))[0])
        chosen = greedy_decode(self.model, words[None], self.decoded, self.forced)[0][0]
        return teacher, self.decoding(words, np.concatenate([[BOS], chosen])[:self.decoded].astype(int), chosen,
                                      self.forced)

    # ------------------------------------------------------------------ what it shows
    def status(self) -> Status:
        p = self.params
        teacher, greedy, sentences = self.teacher_accuracy[-1], self.greedy_accuracy[-1], self.greedy_sentences[-1]
        if self.diverged:
            return self.divergence.status(_("Lower the learning rate and reset ({reset})."))
        if self.solved:
            return Status("success", _("Solved after {batches} batches ({seconds} s): greedy decoding gets {right} of "
                                       "{sentences} held-out sentences right. {wrong} forces a wrong token: watch the ones "
                                       "after it.").format(batches=self.steps, seconds=f"{self.train_time:.1f}",
                                                           right=f"{sentences:.1%}", sentences=len(self.test), wrong="{wrong}"))
        if self.epoch_count >= p["max_epochs"]:
            lr, usual = p["lr"], self.control("lr").default
            if lr > usual:
                advice = _("A learning rate of {lr} overshoots: try a smaller one ({usual} solves the default task).").format(
                    lr=num(lr), usual=num(usual))
            else:
                advice = _("Try a larger learning rate or more epochs.") if lr < usual else _("Try more epochs.")
            return Status("warning", ngettext(
                "Stopped after {count} epoch: greedy decoding gets {right} of the sentences right. {advice}",
                "Stopped after {count} epochs: greedy decoding gets {right} of the sentences right. {advice}",
                self.epoch_count).format(count=self.epoch_count, right=f"{sentences:.1%}", advice=advice))
        if not self.steps:
            return Status("info", _("Untrained: {right} of digits right (chance is 10%). {step} trains one batch, {epoch} an "
                                    "epoch of {batches}, {run} runs; {greedy} decodes one token.").format(
                right=f"{teacher:.0%}", batches=EPOCH_STEPS, step="{step}", epoch="{epoch}", run="{run}", greedy="{greedy}"))
        return Status("info", _("Epoch {epoch}, batch {batch}: loss {loss}; held-out digits right: {teacher} teacher-forced, "
                                "{greedy} greedy.").format(epoch=self.epoch_count, batch=self.steps, loss=fixed(self.losses[-1]),
                                                           teacher=f"{teacher:.1%}", greedy=f"{greedy:.1%}"))

    def snapshot(self) -> Seq2SeqSnapshot:
        p = self.params
        words = self.test[self.probe]
        teacher, greedy = self.probe_decodings()
        return Seq2SeqSnapshot(
            task=p["task"], length=p["length"], words=tuple(WORDS[w] for w in words),
            target=tuple(int(d) for d in self.target(words[None])[0]), teacher=teacher, greedy=greedy,
            mask=attention_bias(None, True, p["length"], p["length"]), probe=self.probe, epoch=self.epoch_count,
            steps=self.steps, losses=tuple(self.losses), teacher_accuracy=tuple(self.teacher_accuracy),
            greedy_accuracy=tuple(self.greedy_accuracy), greedy_sentences=tuple(self.greedy_sentences),
            held_out=len(self.test), tiny=parameter_breakdown(TINY), paper=parameter_breakdown(PAPER),
            n_params=sum(q.size for q in self.model.parameters()),
            solved=self.solved, diverged=self.diverged, status=self.status())


# ------------------------------------------------------------------------------ quiz questions
def vector_text(values) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


MASK_PROMPT = N_("A decoder's masked self-attention runs over 4 tokens. Query {i}'s scores against keys 1 to 4 (keys "
                 "counted from 1), before the mask, are s = {s}. The causal mask adds −∞ to the score of every key after "
                 "the query, then softmax turns the scores into weights. What is query {i}'s weight on key {j}? (2 decimals)")
MASK_WORKED = N_("keys 1 to {i} stay, keys after {i} get −∞ and weight 0: softmax({scores}) = ({exps}) / {total}; "
                 "key {j}: {exp_j} / {total} = {weight} (without the mask it would be {unmasked})")


def mask_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """One query's weight on one key under the causal mask: the engine's mask bias, then its softmax. A draw whose
    weight is near 0, 1, the equal share 1/i or the weight without the mask (all four keys) is redrawn."""
    while True:
        scores, i = rng.integers(-20, 21, size=4) / 10, int(rng.integers(2, 5))
        j = int(rng.integers(1, i + 1))
        masked = scores + attention_bias(None, True, 4, 4)[i - 1]
        with no_grad():
            weight = float(F.softmax(Tensor(masked), dim=-1).data[j - 1])
            unmasked = float(F.softmax(Tensor(scores), dim=-1).data[j - 1])
        if all(abs(weight - guess) > 0.025 for guess in (0.0, 1.0, 1 / i, unmasked)):
            break
    seen = scores[:i]
    exps = ", ".join(f"e^{num(v)}" for v in seen)
    worked = in_language(lang, MASK_WORKED).format(
        i=i, j=j, scores=", ".join(num(v) for v in seen), exps=exps, total=fixed(float(np.exp(seen).sum()), 3),
        exp_j=fixed(float(np.exp(scores[j - 1])), 3), weight=fixed(weight, 3), unmasked=fixed(unmasked, 3))
    prompt = in_language(lang, MASK_PROMPT).format(i=i, j=j, s=vector_text(scores))
    return GeneratedQuestion(prompt, weight, worked, tolerance=0.01)


CROSS_PROMPT = N_("A decoder's cross-attention: a batch of {n} sentence pairs, {h} heads, source sentences of {s} tokens "
                  "(the encoder's output) and a decoder input of {t} tokens. What shape does "
                  "F.scaled_dot_product_attention's weight tensor have, (batch, heads, rows, columns)?")
CROSS_WORKED = N_("Q comes from the decoder, {t} rows; K and V from the encoder, {s} rows. Q·Kᵀ is {t}×{s} per head and "
                  "sentence: weights {shape}, each row summing to 1 over the {s} source tokens.")


def cross_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """The shape of the cross-attention weights, from the engine's attention on tensors of those shapes: rows are the
    decoder's queries, columns the encoder's keys. The other choices swap or repeat the two lengths."""
    while True:
        n, h, s, t = int(rng.integers(2, 17)), int(rng.choice((2, 4, 8))), *rng.integers(3, 13, size=2)
        if len({n, h, s, t}) == 4:
            break
    s, t = int(s), int(t)
    queries, keys = Tensor(np.zeros((n, h, t, 2))), Tensor(np.zeros((n, h, s, 2)))
    with no_grad():
        weights = F.attention(queries, keys, keys)[1]
    shapes = [weights.shape, (n, h, s, t), (n, h, t, t), (n, h, s, s)]
    order = rng.permutation(len(shapes))
    choices = tuple("(" + ", ".join(str(v) for v in shapes[k]) + ")" for k in order)
    worked = in_language(lang, CROSS_WORKED).format(t=t, s=s, shape=choices[int(np.flatnonzero(order == 0)[0])])
    prompt = in_language(lang, CROSS_PROMPT).format(n=n, h=h, s=s, t=t)
    return GeneratedQuestion(prompt, int(np.flatnonzero(order == 0)[0]) + 1, worked, kind="choice", choices=choices)


PARAMS_PROMPT = N_("An encoder–decoder Transformer built as torch.nn.Transformer builds it (post-norm layers, biases "
                   "everywhere, one LayerNorm after each stack, no embeddings): d_model = {d}, d_ff = {f}, h = {h} heads, "
                   "{n} encoder layers and {m} decoder layers. How many learnable parameters does it have?")
PARAMS_WORKED = (
    N_("attention 4·{d}² + 4·{d} = {attention}; feed-forward 2·{d}·{f} + {f} + {d} = {feed_forward}; "
       "LayerNorm 2·{d} = {norm}"),
    N_("encoder layer: attention + feed-forward + 2 norms = {encoder}"),
    N_("decoder layer: 2 attentions (masked self, cross) + feed-forward + 3 norms = {decoder}"),
    N_("{n}·{encoder} + {m}·{decoder} + 2 final norms {norms} = {count} (the heads split d_model and add nothing)"),
)
"""The worked answer's lines."""


def params_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh sizes; the answer is the lab's formula (tests hold it equal to torch.nn.Transformer). The two stacks have
    different depths, so mixing up which layer has the cross-attention changes the answer."""
    d = int(rng.choice((16, 32, 64, 128, 256)))
    f, h = d * int(rng.choice((2, 4))), int(rng.choice((2, 4, 8)))
    n, m = (int(v) for v in rng.choice(np.arange(1, 7), size=2, replace=False))
    sizes = Sizes(d, h, f, n, m, 0, 0, 0, shared=True, final_norms=True)
    count = parameter_count(sizes)
    attention, feed_forward = 4 * d * d + 4 * d, 2 * d * f + f + d
    fields = dict(d=d, f=f, n=n, m=m, attention=f"{attention:,}", feed_forward=f"{feed_forward:,}", norm=2 * d,
                  encoder=f"{attention + feed_forward + 4 * d:,}", decoder=f"{2 * attention + feed_forward + 6 * d:,}",
                  norms=4 * d, count=f"{count:,}")
    worked = "\n".join(in_language(lang, line).format(**fields) for line in PARAMS_WORKED)
    prompt = in_language(lang, PARAMS_PROMPT).format(d=d, f=f, h=h, n=n, m=m)
    return GeneratedQuestion(prompt, count, worked)
