"""One tiny Transformer encoder stack pre-trained two ways, then fine-tuned in full or with LoRA.

The corpus is a toy language of 9-token sentences, `<s> ann likes rice so ann eats rice .`: the name
and the food come back after "so", and "likes" goes with "eats", "hates" with "skips". Every word has a
partner, so a model that sees both sides can fill any blank, while a model that reads left to right
cannot know the first name, verb or food, only the words that repeat them.

BERT is the stack with full attention trained on masked-token prediction (15 % of the words chosen,
80 % of those shown as [MASK], 10 % as a random word, 10 % unchanged); GPT is the same stack with a
causal mask trained to predict the next token. Both are built from the engine's Embedding, Linear,
LayerNorm and `F.attention` (which returns the weights the view draws).

Fine-tuning reads a sentence and says whether it is consistent (every partner agrees) from a few
dozen labelled sentences: from the pre-trained BERT or from scratch, every weight trained, or with
LoRA: the pre-trained weights frozen (requires_grad False) and W_Q, W_V of every layer given a rank-r
update B·A, B starting at zero, so fine-tuning starts from exactly the pre-trained model.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F, init, manual_seed, nn, no_grad, no_record, optim
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, num

NAMES = ("ann", "bob", "cy", "dan", "eve", "fay", "gus", "hal")
FOODS = ("rice", "fish", "soup", "cake", "tea", "figs", "pie", "nuts")
VERBS = {"likes": "eats", "hates": "skips"}  # the first verb fixes the second
SPECIAL = ("<s>", "[MASK]")
VOCAB = (*SPECIAL, *NAMES, *FOODS, *VERBS, *VERBS.values(), "so", ".")
INDEX = {token: i for i, token in enumerate(VOCAB)}
START, MASK = INDEX["<s>"], INDEX["[MASK]"]
LENGTH = 9  # <s> name verb food so name verb food .
HELD_OUT = 16  # sentences never pre-trained on: the prompts, and what the table and the continuations are scored on
MASK_RATE, SPLIT = 0.15, (0.8, 0.1, 0.1)  # words chosen; of those: [MASK], a random word, left as they are


D_MODEL, HEADS, LAYERS = 32, 2, 2
PRE_BATCH = 28  # an epoch of pre-training is the 112 sentences in 4 batches
PRE_EPOCHS = 60
PRE_LR = 3e-3
SAMPLES = 8  # continuations drawn from each held-out prompt
LABELLED = 64  # sentences with a label for fine-tuning: each as it is and with one word broken
FINE_BATCH = 32
FINE_EPOCHS = 40
RUNS = (N_("scratch"), N_("full"), "lora")  # the words name a run where it diverges
FINE_LR = {"scratch": 3e-3, "full": 3e-3, "lora": 1e-2}  # LoRA's few weights take larger steps, as in its paper
ALPHA = 8.0  # LoRA's update is scaled by α/r
RANKS = (1, 2, 4, 8)  # the table of trainable counts
PARTS = (N_("pretrain"), N_("finetune"))
PRETRAINED: dict[int, dict[str, np.ndarray]] = {}
"""BERT's encoder after pre-training, per seed: the finetune part starts from it without training again."""


def sentence(name: str, verb: str, food: str) -> tuple[int, ...]:
    return tuple(INDEX[t] for t in ("<s>", name, verb, food, "so", name, VERBS[verb], food, "."))


SENTENCES = frozenset(sentence(n, v, f) for n, v, f in itertools.product(NAMES, VERBS, FOODS))


def consistent(tokens) -> bool:
    """A sentence of the language: every partner agrees and every word is where it belongs."""
    return tuple(int(t) for t in tokens) in SENTENCES


@functools.cache
def corpus(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Every sentence of the language (8 names × 2 verbs × 8 foods = 128), shuffled: (pre-training, held out)."""
    every = np.array(sorted(SENTENCES))
    every = every[np.random.default_rng([seed, 7]).permutation(len(every))]
    return every[HELD_OUT:], every[:HELD_OUT]


def masked(tokens: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """BERT's corruption: each word (never <s>) is chosen with probability MASK_RATE; a chosen one becomes [MASK] 80 %
    of the time, a random word 10 %, and stays as it is 10 % (SPLIT). Returns the corrupted tokens and the choices."""
    chosen = (rng.random(tokens.shape) < MASK_RATE) & (tokens != START)
    roll = rng.random(tokens.shape)
    out = tokens.copy()
    out[chosen & (roll < SPLIT[0])] = MASK
    swap = chosen & (roll >= SPLIT[0]) & (roll < SPLIT[0] + SPLIT[1])
    out[swap] = rng.integers(len(SPECIAL), len(VOCAB), int(swap.sum()))
    return out, chosen


class LoRALinear(nn.Module):
    """y = x·Wᵀ + b + (α/r)·x·Aᵀ·Bᵀ: a frozen Linear plus a trainable rank-r update. A starts random, B at zero, so
    the layer starts as the base layer exactly; only A (r × d_in) and B (d_out × r) learn: r·(d_in + d_out) numbers."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        self.base, self.rank, self.scale = base, rank, alpha / rank
        for p in base.parameters():
            p.requires_grad = False
        d_out, d_in = base.weight.shape
        self.A = init.kaiming_uniform_(nn.Parameter(np.empty((rank, d_in)), name="A"), a=math.sqrt(5))  # as PEFT
        self.B = nn.Parameter(np.zeros((d_out, rank)), name="B")

    def forward(self, x: Tensor) -> Tensor:
        return self.base(x) + F.linear(F.linear(x, self.A), self.B) * self.scale


class Block(nn.Module):
    """Pre-norm Transformer block: x ← x + W_O·attention(LN(x)); x ← x + W₂·relu(W₁·LN(x))."""

    def __init__(self, d_model: int, heads: int) -> None:
        self.heads = heads
        self.norm1 = nn.LayerNorm(d_model)
        self.q, self.k, self.v, self.o = (nn.Linear(d_model, d_model) for _unused in range(4))
        self.norm2 = nn.LayerNorm(d_model)
        self.ff1 = nn.Linear(d_model, 2 * d_model)
        self.ff2 = nn.Linear(2 * d_model, d_model)

    def forward(self, x: Tensor, causal: bool) -> tuple[Tensor, np.ndarray]:
        n, length, d = x.shape
        h = self.norm1(x)
        q, k, v = (f(h).reshape(n, length, self.heads, d // self.heads).transpose(1, 2)
                   for f in (self.q, self.k, self.v))
        y, weights = F.attention(q, k, v, is_causal=causal)
        x = x + self.o(y.transpose(1, 2).reshape(n, length, d))
        return x + self.ff2(F.relu(self.ff1(self.norm2(x)))), weights


class Encoder(nn.Module):
    """Tokens (N, L) → hidden states (N, L, d) and each layer's attention weights (N, H, L, L). The same stack is
    BERT (`causal` False: every position sees every other) or GPT (True: position i sees 0 … i)."""

    def __init__(self, d_model: int, heads: int, layers: int, causal: bool) -> None:
        self.causal = causal
        self.embed = nn.Embedding(len(VOCAB), d_model)
        self.position = nn.Embedding(LENGTH, d_model)
        self.blocks = nn.ModuleList([Block(d_model, heads) for _unused in range(layers)])
        self.norm = nn.LayerNorm(d_model)

    def forward(self, tokens: np.ndarray) -> tuple[Tensor, list[np.ndarray]]:
        x = self.embed(tokens) + self.position(np.arange(tokens.shape[1]))
        maps = []
        for block in self.blocks:
            x, weights = block(x, self.causal)
            maps.append(weights)
        return self.norm(x), maps


class LanguageModel(nn.Module):
    """An encoder and a head giving a score for every token of the vocabulary at every position."""

    def __init__(self, d_model: int, heads: int, layers: int, causal: bool) -> None:
        self.encoder = Encoder(d_model, heads, layers, causal)
        self.head = nn.Linear(d_model, len(VOCAB))

    def forward(self, tokens: np.ndarray) -> tuple[Tensor, list[np.ndarray]]:
        hidden, maps = self.encoder(tokens)
        return self.head(hidden), maps


class Classifier(nn.Module):
    """An encoder, its states averaged over the positions, and a Linear(d, 2): broken (0) or consistent (1)."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.head = nn.Linear(encoder.norm.weight.shape[0], 2)

    def forward(self, tokens: np.ndarray) -> Tensor:
        return self.head(self.encoder(tokens)[0].mean(axis=1))


def broken(tokens: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The sentence with its second name, verb or food replaced by another of its kind: no longer consistent."""
    out = tokens.copy()
    position = int(rng.integers(5, 8))
    kind = {5: NAMES, 6: tuple(VERBS.values()), 7: FOODS}[position]
    out[position] = rng.choice([INDEX[w] for w in kind if INDEX[w] != tokens[position]])
    return out


@functools.cache
def labelled(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fine-tuning task: LABELLED sentences as they are (label 1) and each broken once (label 0) to train on, the
    other 64 sentences the same way to test on. (x_train, y_train, x_test, y_test)"""
    rng = np.random.default_rng([seed, 11])
    every = np.concatenate(corpus(seed))[rng.permutation(len(SENTENCES))]

    def pairs(part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.concatenate([part, [broken(s, rng) for s in part]])
        return x, np.repeat([1, 0], len(part))

    return *pairs(every[:LABELLED]), *pairs(every[LABELLED:])


@functools.cache
def next_word_floor(seed: int) -> float:
    """The lowest mean next-word loss any model can reach on the pre-training sentences: −log of the share of the
    sentences with the same prefix that go on with the right word, averaged over every word. Only the first name, verb
    and food are uncertain, so it is about (ln 8 + ln 2 + ln 8)/8."""
    sentences = [tuple(s) for s in corpus(seed)[0]]
    loss = 0.0
    for i in range(1, LENGTH):
        starts, goes_on = Counter(s[:i] for s in sentences), Counter(s[:i + 1] for s in sentences)
        loss -= sum(math.log(goes_on[s[:i + 1]] / starts[s[:i]]) for s in sentences)
    return loss / (len(sentences) * (LENGTH - 1))


def trainable(model: nn.Module) -> list[nn.Parameter]:
    return [p for p in model.parameters() if p.requires_grad]


def lora_count(d_model: int, layers: int, rank: int, classes: int = 2) -> int:
    """LoRA's trainable numbers: A and B on W_Q and W_V of every layer, r·(d + d) each, and the new head d·2 + 2."""
    return layers * 2 * rank * (d_model + d_model) + d_model * classes + classes


def adapted(encoder: Encoder, rank: int) -> Encoder:
    """Freeze every weight of the encoder and give W_Q and W_V of each block a rank-r LoRA update."""
    for p in encoder.parameters():
        p.requires_grad = False
    for block in encoder.blocks:
        block.q, block.v = LoRALinear(block.q, rank, ALPHA), LoRALinear(block.v, rank, ALPHA)
    return encoder


def fine_tuned(kind: str, seed: int, rank: int) -> Classifier:
    """A classifier for the run `kind`: a fresh encoder (scratch), or the pre-trained BERT's (full, lora)."""
    manual_seed(seed + 1)  # every run starts from the same head
    encoder = Encoder(D_MODEL, HEADS, LAYERS, causal=False)
    if kind != "scratch":
        for name, p in encoder.named_parameters():
            p.data = PRETRAINED[seed][name].copy()
    head = Classifier(encoder)
    if kind == "lora":
        adapted(encoder, rank)
    return head


@dataclass(frozen=True)
class Demo:
    """Both models on one held-out sentence with a blank: who fills it, and how each continues the words before it."""

    sentence: tuple[int, ...]
    blank: int
    bert_fill: int  # BERT's word for the blank (it sees both sides)
    bert_sure: float
    gpt_fill: int  # GPT's word for the blank (it sees only the words before)
    gpt_sure: float
    gpt_continues: tuple[int, ...]  # the prefix, then GPT's words one at a time
    bert_continues: tuple[int, ...]  # the prefix, then BERT's words for every later position, filled at once
    gpt_sentence: bool  # GPT's continuation is a sentence of the language
    bert_sentence: bool
    draws: int  # continuations drawn for each model: SAMPLES from each held-out prompt cut at the blank
    coherent: tuple[int, int]  # how many of them are sentences of the language: GPT's, BERT's
    bert_map: np.ndarray  # (L, L) attention on the prompt, the last layer, heads averaged
    gpt_map: np.ndarray


@dataclass(frozen=True)
class Run:
    """One fine-tuning run: test accuracy after each epoch ([0] before training) and its trainable numbers."""

    kind: str
    trainable: int
    accuracy: tuple[float, ...]


@dataclass(frozen=True)
class PretrainSnapshot:
    part: str
    rank: int
    epoch: int  # of the part's training: pre-training, or fine-tuning
    pre_epoch: int  # pre-training epochs done (BERT's alone, in the finetune part)
    bert_losses: tuple[float, ...]  # per batch
    gpt_losses: tuple[float, ...]
    gpt_floor: float  # the least next-word loss the sentences allow (see `next_word_floor`)
    bert_fill: np.ndarray | None  # pretrain part, word positions 1–8: mean probability of the right word, held-out
    gpt_next: np.ndarray | None
    demo: Demo | None  # pretrain part: both models on the prompt
    runs: tuple[Run, ...]  # finetune part, once BERT is pre-trained: scratch, full, lora
    counts: dict[str, int]  # trainable numbers: "full", "head", and "r=1" … for RANKS and the rank chosen
    frozen: int  # pre-trained numbers the LoRA run keeps frozen
    frozen_moved: int  # how many of them changed since fine-tuning began
    status: Status
    diverged: bool = False


@functools.cache
def lora_trainable(rank: int) -> int:
    """The engine's count of a LoRA classifier's trainable numbers (built once per rank)."""
    return sum(p.size for p in trainable(Classifier(adapted(Encoder(D_MODEL, HEADS, LAYERS, False), rank))))


@functools.cache
def full_trainable() -> int:
    """The engine's count of every number of the classifier: what full fine-tuning trains."""
    return sum(p.size for p in trainable(Classifier(Encoder(D_MODEL, HEADS, LAYERS, False))))


def draw(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One word drawn from each row of probabilities (…, V)."""
    return (probs.cumsum(-1) > rng.random(probs.shape[:-1])[..., None]).argmax(-1)


def probabilities(model: LanguageModel, tokens: np.ndarray) -> np.ndarray:
    with no_grad():
        return F.softmax(model(tokens)[0], dim=-1).data


class PretrainLab(Lab):
    controls = (
        Control("part", N_("Part"), "choice", "pretrain", choices=PARTS,
                help=N_("pretrain: BERT and GPT on the same sentences; finetune: BERT's weights on a labelled task"), words=True),
        Control("rank", N_("LoRA rank r"), "int", 4, 1, 8, 1, restarts=False,
                help=N_("The rank of the update B·A on W_Q and W_V; a new value starts fine-tuning again")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
    )
    actions = (
        Action("step", "s", N_("Batch")),
        Action("epoch", "e", N_("Epoch")),
        Action("sentence", "n", N_("Next sentence")),
        Action("blank", "b", N_("Move blank")),
    )
    run_action = "epoch"

    def build(self) -> None:
        p = self.params
        self.part, self.seed = p["part"], p["seed"]
        self.sentences, self.held_out = corpus(self.seed)
        manual_seed(self.seed)
        self.bert = LanguageModel(D_MODEL, HEADS, LAYERS, causal=False)
        self.gpt = LanguageModel(D_MODEL, HEADS, LAYERS, causal=True) if self.part == "pretrain" else None
        self.models = {"BERT": self.bert, "GPT": self.gpt} if self.gpt else {"BERT": self.bert}
        self.optimizers = {name: optim.Adam(m.parameters(), lr=PRE_LR) for name, m in self.models.items()}
        self.order_rng, self.mask_rng = np.random.default_rng([self.seed, 1]), np.random.default_rng([self.seed, 2])
        self.batches: list[np.ndarray] = []
        self.losses: dict[str, list[float]] = {name: [] for name in self.models}
        self.pre_epoch = 0
        self.prompt, self.blank_at = 0, 3  # the first held-out sentence, its first food blanked
        self.runs: dict[str, Classifier] = {}
        if self.part == "finetune" and self.seed in PRETRAINED:
            self.pre_epoch = PRE_EPOCHS
            self.start_fine_tuning()
        self.evaluate()

    def refresh(self, changed: set[str]) -> None:
        """A new rank: the finetune part starts its three runs again from the same pre-trained BERT."""
        if self.runs:
            self.divergence, self.first_loss = None, {}
            self.start_fine_tuning()

    # ------------------------------------------------------------------ pre-training
    @property
    def pretrained(self) -> bool:
        return self.pre_epoch >= PRE_EPOCHS

    def pre_step(self) -> None:
        """One batch for each model: BERT predicts its chosen words, GPT every next word."""
        if not self.batches:
            order = self.order_rng.permutation(len(self.sentences))
            self.batches = [self.sentences[order[k:k + PRE_BATCH]] for k in range(0, len(order), PRE_BATCH)]
        batch = self.batches.pop(0)
        x, chosen = masked(batch, self.mask_rng)
        for name, model in self.models.items():
            optimizer = self.optimizers[name]
            optimizer.zero_grad()
            with no_record():
                if name == "BERT":
                    loss = F.cross_entropy(model(x)[0][chosen], batch[chosen])
                else:
                    loss = F.cross_entropy(model(batch[:, :-1])[0].reshape(-1, len(VOCAB)), batch[:, 1:].reshape(-1))
            if self.watch(loss.item(), len(self.losses[name]) + 1, N_("batch"), name):
                return
            loss.backward()
            optimizer.step()
            self.losses[name].append(loss.item())
        if not self.batches:
            self.pre_epoch += 1
            if self.pretrained:
                PRETRAINED[self.seed] = {n: p.data.copy() for n, p in self.bert.encoder.named_parameters()}
                if self.part == "finetune":
                    self.start_fine_tuning()
            self.evaluate()

    def evaluate(self) -> None:
        """The pretrain part's table (each word position of the held-out sentences: the mean probability of the right
        word, BERT's with that word blanked alone, GPT's from the words before it) and its prompt."""
        if self.part != "pretrain":
            return
        words_at, rows = np.arange(1, LENGTH), np.arange(len(self.held_out))
        blanked = np.repeat(self.held_out[None], len(words_at), axis=0)
        blanked[np.arange(len(words_at)), :, words_at] = MASK
        filled = probabilities(self.bert, blanked.reshape(-1, LENGTH)).reshape(len(words_at), len(rows), LENGTH, -1)
        following = probabilities(self.gpt, self.held_out[:, :-1])
        self.bert_fill = np.array([filled[k, rows, i, self.held_out[:, i]].mean() for k, i in enumerate(words_at)])
        self.gpt_next = np.array([following[rows, i - 1, self.held_out[:, i]].mean() for i in words_at])
        self.demo = self.both_on_prompt()

    # ------------------------------------------------------------------ the prompt
    def continuations(self, prefixes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Each model completes the sentences from `prefixes` (N, k), drawing every word from its probabilities: GPT
        one word at a time, each drawn given the words before it; BERT every missing word at once, each given the
        prefix and the blanks alone."""
        gpt = prefixes
        while gpt.shape[1] < LENGTH:
            gpt = np.concatenate([gpt, draw(probabilities(self.gpt, gpt)[:, -1], rng)[:, None]], axis=1)
        blanks = np.full((len(prefixes), LENGTH - prefixes.shape[1]), MASK)
        filled = draw(probabilities(self.bert, np.concatenate([prefixes, blanks], axis=1)), rng)
        return gpt, np.concatenate([prefixes, filled[:, prefixes.shape[1]:]], axis=1)

    def both_on_prompt(self) -> Demo:
        """Both models on the prompt with its blank, their attention on it, and how many of SAMPLES continuations of
        every held-out prompt cut at the blank are sentences of the language."""
        sentence, at = self.held_out[self.prompt], self.blank_at
        blanked = sentence.copy()
        blanked[at] = MASK
        with no_grad():
            bert_logits, bert_maps = self.bert(blanked[None])
            gpt_logits, gpt_maps = self.gpt(sentence[None])
        bert_probs = F.softmax(bert_logits, dim=-1).data[0, at]
        gpt_probs = F.softmax(gpt_logits, dim=-1).data[0, at - 1]
        prompts = np.repeat(self.held_out[:, :at], SAMPLES, axis=0)
        gpt, bert = self.continuations(prompts, np.random.default_rng([self.seed, at, self.pre_epoch]))
        shown = self.prompt * SAMPLES  # the prompt's first draw
        return Demo(tuple(int(t) for t in sentence), at, int(bert_probs.argmax()), float(bert_probs.max()),
                    int(gpt_probs.argmax()), float(gpt_probs.max()), tuple(int(t) for t in gpt[shown]),
                    tuple(int(t) for t in bert[shown]), consistent(gpt[shown]), consistent(bert[shown]),
                    len(prompts), (sum(map(consistent, gpt)), sum(map(consistent, bert))),
                    bert_maps[-1][0].mean(0), gpt_maps[-1][0].mean(0))

    # ------------------------------------------------------------------ fine-tuning
    def start_fine_tuning(self) -> None:
        """The three runs from their first weights, the accuracy before any update measured."""
        self.x_train, self.y_train, self.x_test, self.y_test = labelled(self.seed)
        self.runs = {kind: fine_tuned(kind, self.seed, self.params["rank"]) for kind in RUNS}
        self.fine_optimizers = {kind: optim.Adam(trainable(m), lr=FINE_LR[kind]) for kind, m in self.runs.items()}
        self.fine_rng = np.random.default_rng([self.seed, 3])
        self.fine_batches: list[np.ndarray] = []
        self.accuracy: dict[str, list[float]] = {kind: [] for kind in RUNS}
        self.fine_steps = 0
        self.frozen = {p: p.data for p in self.runs["lora"].parameters() if not p.requires_grad}
        self.evaluate_runs()

    def fine_step(self) -> None:
        """One batch of labelled sentences for each of the three runs."""
        if not self.fine_batches:
            order = self.fine_rng.permutation(len(self.y_train))
            self.fine_batches = [order[k:k + FINE_BATCH] for k in range(0, len(order), FINE_BATCH)]
        batch = self.fine_batches.pop(0)
        self.fine_steps += 1
        for kind, model in self.runs.items():
            optimizer = self.fine_optimizers[kind]
            optimizer.zero_grad()
            with no_record():
                loss = F.cross_entropy(model(self.x_train[batch]), self.y_train[batch])
            if self.watch(loss.item(), self.fine_steps, N_("batch"), kind):
                return
            loss.backward()
            optimizer.step()
        if not self.fine_batches:
            self.evaluate_runs()

    def evaluate_runs(self) -> None:
        with no_grad():
            for kind, model in self.runs.items():
                self.accuracy[kind].append(float((model(self.x_test).data.argmax(-1) == self.y_test).mean()))

    @property
    def fine_epoch(self) -> int:
        return len(self.accuracy["full"]) - 1 if self.runs else 0

    # ------------------------------------------------------------------ actions
    def step(self) -> None:
        """One batch: of pre-training until it is done, then (finetune part) of fine-tuning."""
        if self.finished:
            return
        if not self.pretrained:
            self.pre_step()
        else:
            self.fine_step()

    def epoch(self) -> None:
        """Batches up to the end of the current epoch."""
        start = (self.pre_epoch, self.fine_epoch)
        while (self.pre_epoch, self.fine_epoch) == start and not self.finished and not self.interrupted():
            self.step()

    def sentence(self) -> None:
        """Pretrain part: the next held-out sentence as the prompt."""
        if self.part == "pretrain":
            self.prompt = (self.prompt + 1) % len(self.held_out)
            self.demo = self.both_on_prompt()

    def blank(self) -> None:
        """Pretrain part: the blank moves to the next word."""
        if self.part == "pretrain":
            self.blank_at = self.blank_at % (LENGTH - 1) + 1
            self.demo = self.both_on_prompt()

    @property
    def finished(self) -> bool:
        if self.diverged:
            return True
        if self.part == "pretrain":
            return self.pretrained
        return self.fine_epoch >= FINE_EPOCHS

    # ------------------------------------------------------------------ snapshot
    def snapshot(self) -> PretrainSnapshot:
        rank, pretrain = self.params["rank"], self.part == "pretrain"
        runs = tuple(Run(kind, sum(p.size for p in trainable(m)), tuple(self.accuracy[kind]))
                     for kind, m in self.runs.items())
        ranks = sorted({*RANKS, rank})
        return PretrainSnapshot(
            part=self.part, rank=rank, epoch=self.pre_epoch if pretrain else self.fine_epoch, pre_epoch=self.pre_epoch,
            bert_losses=tuple(self.losses["BERT"]), gpt_losses=tuple(self.losses.get("GPT", ())),
            gpt_floor=next_word_floor(self.seed), bert_fill=self.bert_fill if pretrain else None,
            gpt_next=self.gpt_next if pretrain else None, demo=self.demo if pretrain else None, runs=runs,
            counts={"full": full_trainable(), "head": D_MODEL * 2 + 2, **{f"r={r}": lora_trainable(r) for r in ranks}},
            frozen=sum(p.size for p in self.frozen) if self.runs else 0,
            frozen_moved=sum(int(np.sum(p.data != data)) for p, data in self.frozen.items()) if self.runs else 0,
            status=self.status(), diverged=self.diverged)

    def status(self) -> Status:
        if self.diverged:
            return self.divergence.status(_("Reset ({reset}) with another seed."))
        if self.part == "pretrain":
            return self.pretrain_status()
        if not self.pretrained:
            if self.losses["BERT"]:
                return Status("info", _("Pre-training BERT first: epoch {epoch} of {total}, masked-word loss {loss}.").format(
                    epoch=self.pre_epoch, total=PRE_EPOCHS, loss=fixed(self.losses["BERT"][-1])))
            return Status("info", _("Pre-training BERT first: epoch {epoch} of {total}. {run} runs it, then the three "
                                    "fine-tuning runs.").format(epoch=self.pre_epoch, total=PRE_EPOCHS, run="{run}"))
        last = {kind: f"{acc[-1]:.0%}" for kind, acc in self.accuracy.items()}
        accuracy = dict(scratch=last["scratch"], full=last["full"], rank=self.params["rank"], lora=last["lora"])
        if self.finished:
            return Status("success", _("Fine-tuned for {epochs} epochs: test accuracy from scratch {scratch}, full "
                                       "fine-tuning {full}, LoRA r={rank} {lora}.").format(epochs=self.fine_epoch,
                                                                                          **accuracy))
        return Status("info", _("Fine-tuning epoch {epoch} of {total}: test accuracy from scratch {scratch}, full "
                                "fine-tuning {full}, LoRA r={rank} {lora}.").format(epoch=self.fine_epoch,
                                                                                   total=FINE_EPOCHS, **accuracy))

    def pretrain_status(self) -> Status:
        keys = dict(step="{step}", epoch="{epoch}", run="{run}", sentence="{sentence}", blank="{blank}")
        if not self.losses["BERT"]:
            return Status("info", _("Untrained: both models guess. {step} trains one batch of each, {epoch} one epoch, "
                                    "{run} runs {epochs} epochs. {sentence} and {blank} change the prompt.").format(
                epochs=PRE_EPOCHS, **keys))
        losses = dict(bert=fixed(self.losses["BERT"][-1]), gpt=fixed(self.losses["GPT"][-1]))
        if self.pretrained:
            return Status("success", _("Pre-trained ({epochs} epochs): BERT's masked-word loss {bert}, GPT's next-word "
                                       "loss {gpt}. {blank} moves the blank, {sentence} takes another held-out "
                                       "sentence.").format(epochs=PRE_EPOCHS, **losses, **keys))
        return Status("info", _("Epoch {epoch} of {total}: BERT's masked-word loss {bert}, GPT's next-word loss "
                                "{gpt}.").format(epoch=self.pre_epoch, total=PRE_EPOCHS, **losses))


# ---------------------------------------------------------------------------- quiz questions
@functools.cache
def lora_layer_trainable(d_in: int, d_out: int, rank: int) -> int:
    """The engine's count of the trainable numbers of the lab's LoRALinear on a Linear(d_in, d_out)."""
    return sum(p.size for p in trainable(LoRALinear(nn.Linear(d_in, d_out), rank, ALPHA)))


LORA_PROMPT = N_("A Linear layer maps d_in = {d_in} inputs to d_out = {d_out} outputs (its weight W is {d_out} × "
                 "{d_in}, with a bias). LoRA freezes W and the bias and adds (α/r)·B·A with rank r = {r}, A of shape "
                 "r × d_in and B of shape d_out × r. How many numbers does fine-tuning train in this layer?")


def lora_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A Linear layer's LoRA update, counted by the engine on the lab's LoRALinear. A draw whose count equals a slip
    (the whole weight, with or without its bias, A or B alone, r·d_in·d_out) is redrawn."""
    sizes = (32, 48, 64, 96, 128, 192, 256)
    while True:
        d_in, d_out, r = int(rng.choice(sizes)), int(rng.choice(sizes)), int(rng.choice((1, 2, 4, 8, 16)))
        answer = lora_layer_trainable(d_in, d_out, r)
        if answer not in {d_in * d_out, d_in * d_out + d_out, r * d_in, r * d_out, r * d_in * d_out}:
            break
    worked = in_language(lang, N_("A: {r}·{d_in} = {a}, B: {d_out}·{r} = {b}; together r·(d_in + d_out) = {answer}, "
                                  "against {whole} for the whole layer ({share})")).format(
        r=r, d_in=d_in, a=r * d_in, d_out=d_out, b=d_out * r, answer=answer, whole=f"{d_in * d_out + d_out:,}",
        share=f"{answer / (d_in * d_out + d_out):.1%}")
    prompt = in_language(lang, LORA_PROMPT).format(d_in=d_in, d_out=d_out, r=r)
    return GeneratedQuestion(prompt, answer, worked)


MASKING_PROMPT = N_("A BERT pre-training batch holds {b} sequences of {length} tokens. Each token is chosen for "
                    "prediction with probability {rate}%; a chosen token becomes [MASK] with probability {mask}%, a "
                    "random token {swap}%, and stays as it is {keep}%. How many tokens of the batch are expected to "
                    "{what}?")
MASKING_WHAT = (N_("become [MASK]"), N_("be replaced by a random token"), N_("be chosen for prediction and left unchanged"))


def masking_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """The expected count of one kind of chosen token in a batch, from the lab's MASK_RATE and SPLIT (what `masked`
    draws from)."""
    b, length, kind = int(rng.choice((8, 16, 32, 64, 128))), int(rng.choice((64, 128, 256, 512))), int(rng.integers(3))
    tokens = b * length
    answer = tokens * MASK_RATE * SPLIT[kind]
    worked = in_language(lang, N_("{b}·{length} = {tokens} tokens; chosen ({rate}%): {chosen}; of those, {share}%: "
                                  "{answer}")).format(b=b, length=length, tokens=tokens, rate=num(100 * MASK_RATE),
                                                      chosen=num(tokens * MASK_RATE), share=num(100 * SPLIT[kind]),
                                                      answer=num(answer))
    what = in_language(lang, MASKING_WHAT[kind])
    prompt = in_language(lang, MASKING_PROMPT).format(
        b=b, length=length, rate=num(100 * MASK_RATE), mask=num(100 * SPLIT[0]), swap=num(100 * SPLIT[1]),
        keep=num(100 * SPLIT[2]), what=what)
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.5)


CAUSAL_PROMPT = N_("GPT's causal self-attention runs over a sequence of n = {n} tokens with h = {h} heads: each token "
                   "attends to itself and the tokens before it, never to later ones. How many attention weights, over "
                   "all heads, can be non-zero?")


def causal_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """The engine's causal attention on random queries and keys: its non-zero weights counted."""
    n, h = int(rng.integers(4, 13)), int(rng.integers(2, 9))
    q, k = (Tensor(rng.normal(size=(1, h, n, 4))) for _unused in range(2))
    with no_grad():
        _output, weights = F.attention(q, k, k, is_causal=True)
    answer = int(np.count_nonzero(weights))
    worked = in_language(lang, N_("row i of each head's map has i non-zero weights (keys 1 … i): 1 + 2 + … + {n} = "
                                  "{n}·{next}/2 = {per_head} per head, × {h} heads = {answer} (of {total}; the rest are "
                                  "masked to 0)")).format(n=n, next=n + 1, per_head=n * (n + 1) // 2, h=h, answer=answer,
                                                          total=h * n * n)
    return GeneratedQuestion(in_language(lang, CAUSAL_PROMPT).format(n=n, h=h), answer, worked)
