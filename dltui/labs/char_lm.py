"""A character-level language model: an RNN, LSTM or GRU reads Shakespeare one character at a
time and learns to give the next one a probability; sampling from it writes new text.

Training uses random windows of the text (truncated BPTT: the gradient crosses at most one
window). After every epoch (one text's worth of characters) the model writes a sample: each
character is drawn from softmax(logits / τ), so the temperature τ trades safe, repetitive text
(τ → 0 always takes the likeliest character) for varied, misspelt text (τ > 1 flattens it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F, manual_seed, nn, no_grad, no_record, optim
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, num
from .sequence import CORES, one_hot

TEXT = "coriolanus.txt"
PRIME = "\n"


def asset_path(name: str) -> Path:
    """A file in assets/: package data in an installed wheel, the repo's assets/ otherwise."""
    shipped = Path(str(resources.files("dltui"))) / "_data" / "assets" / name
    return shipped if shipped.exists() else Path(__file__).resolve().parents[2] / "assets" / name


def softmax_with_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    return F.softmax(Tensor(np.asarray(logits) / temperature), dim=-1).data


@dataclass(frozen=True)
class CharLMSnapshot:
    cell: str
    vocab: str  # every character of the text, sorted
    text_length: int
    parameters: int
    batches: int
    batches_per_epoch: int
    losses: tuple[float, ...]  # cross-entropy per batch, in nats per character
    sample: str  # the latest sample (empty before the first)
    sampled_after: int  # batches trained when it was written
    temperature: float
    next_chars: tuple[tuple[str, float], ...]  # the likeliest first characters after PRIME at τ, with probabilities
    diverged: bool  # the loss broke the divergence rule (labs/base.py): training stopped
    status: Status

    @property
    def epochs(self) -> float:
        return self.batches / self.batches_per_epoch

    @property
    def uniform_bits(self) -> float:
        """What guessing every character equally likely costs, the figure to beat."""
        return math.log2(len(self.vocab))

    @property
    def bits_per_char(self) -> float:
        recent = self.losses[-20:]
        return sum(recent) / len(recent) / math.log(2) if recent else math.nan


class CharLMLab(Lab):
    controls = (
        Control("cell", N_("Cell"), "choice", "lstm", choices=("rnn", "lstm", "gru")),
        Control("hidden", N_("Hidden size"), "int", 64, 8, 256, 8),
        Control("seq_len", N_("BPTT window"), "int", 32, 4, 128, 4, help=N_("Characters per training sequence")),
        Control("batch", N_("Batch size"), "int", 16, 1, 64, 1),
        Control("lr", N_("Learning rate"), "float", 0.005, 0.0005, 0.05, 0.0005, help="Adam"),
        Control("clip", N_("Clip grad norm"), "float", 1.0, 0.0, 10.0, 0.5, help=N_("0 = off")),
        Control("temperature", N_("Temperature τ"), "float", 0.8, 0.1, 2.0, 0.1, help=N_("Sampling only; keeps the model"),
                restarts=False),
        Control("sample_len", N_("Sample length"), "int", 200, 20, 1000, 20, restarts=False),
        Control("max_epochs", N_("Epochs"), "int", 30, 1, 500, 1, help=N_("Free-running stops here")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
    )
    actions = (Action("step", "s", N_("Batch")), Action("epoch", "e", N_("Epoch")), Action("sample", "g", N_("Sample")))
    run_action = "epoch"

    def refresh(self, changed: set[str]) -> None:
        """Temperature and sample length re-sample from the same trained model (not from a diverged one)."""
        if not self.diverged:
            self.sample()

    def build(self) -> None:
        p = self.params
        self.text = asset_path(TEXT).read_text(encoding="utf-8")
        self.vocab = "".join(sorted(set(self.text)))
        self.codes = np.array([self.vocab.index(ch) for ch in self.text])
        manual_seed(p["seed"])
        v = len(self.vocab)
        self.core = CORES[p["cell"]](v, p["hidden"])
        self.head = nn.Linear(p["hidden"], v)
        self.parameters = self.core.parameters() + self.head.parameters()
        self.opt = optim.Adam(self.parameters, lr=p["lr"])
        self.rng = np.random.default_rng(p["seed"])
        self.batches_per_epoch = max(1, len(self.text) // (p["seq_len"] * p["batch"]))
        self.batches = 0
        self.losses: list[float] = []
        self.text_sample, self.sampled_after, self.samples_drawn = "", 0, 0

    @property
    def finished(self) -> bool:
        return self.diverged or self.batches >= self.params["max_epochs"] * self.batches_per_epoch

    def step(self) -> None:
        """One batch of random windows; the targets are the same windows shifted by one character."""
        if self.finished:
            return
        p = self.params
        starts = self.rng.integers(0, len(self.codes) - p["seq_len"] - 1, p["batch"])
        windows = self.codes[starts[None, :] + np.arange(p["seq_len"] + 1)[:, None]]  # (T+1, N)
        with no_record():
            out, _state = self.core(Tensor(one_hot(windows[:-1], len(self.vocab))))
            logits = self.head(out.reshape(-1, p["hidden"]))
            loss = F.cross_entropy(logits, windows[1:].reshape(-1))
            self.opt.zero_grad()
            loss.backward()
        nn.utils.clip_grad_norm_(self.parameters, p["clip"] or math.inf)
        self.opt.step()
        self.losses.append(loss.item())
        self.batches += 1
        self.watch(self.losses[-1], self.batches, N_("batch"))

    def epoch(self) -> None:
        start = self.batches // self.batches_per_epoch
        while self.batches // self.batches_per_epoch == start and not self.finished and not self.interrupted():
            self.step()
        if not self.diverged:  # a diverged model's probabilities are not numbers to sample from
            self.sample()

    def next_logits(self, code: int, state):
        out, state = self.core(Tensor(one_hot(np.array([[code]]), len(self.vocab))), state)
        return self.head(out[0]).data[0], state

    def sample(self) -> None:
        """Write `sample_len` characters, each drawn from softmax(logits/τ) and fed back in."""
        rng = np.random.default_rng((self.params["seed"], self.samples_drawn))
        self.samples_drawn += 1
        chars, state, code = [], None, self.vocab.index(PRIME)
        with no_grad():
            for _unused in range(self.params["sample_len"]):
                logits, state = self.next_logits(code, state)
                code = int(rng.choice(len(self.vocab), p=softmax_with_temperature(logits, self.params["temperature"])))
                chars.append(self.vocab[code])
        self.text_sample, self.sampled_after = "".join(chars), self.batches

    def next_chars(self) -> tuple[tuple[str, float], ...]:
        with no_grad():
            logits, _state = self.next_logits(self.vocab.index(PRIME), None)
        probs = softmax_with_temperature(logits, self.params["temperature"])
        top = np.argsort(-probs)[:5]
        return tuple((self.vocab[k], float(probs[k])) for k in top)

    def status(self) -> Status:
        if self.diverged:
            return self.divergence.status(_("Lower the learning rate.") if self.params["clip"] else
                                          _("Lower the learning rate, or clip the gradient norm."))
        if not self.losses:
            uniform = math.log2(len(self.vocab))
            return Status("info", _("{count} characters: guessing uniformly costs {bits} bits per character. Press {step} "
                                    "to train a batch, {epoch} for an epoch and a sample, {run} to run.").format(
                count=len(self.vocab), bits=f"{uniform:.2f}", step="{step}", epoch="{epoch}", run="{run}"))
        epoch = self.batches / self.batches_per_epoch
        bits = sum(self.losses[-20:]) / len(self.losses[-20:]) / math.log(2)
        kind = "success" if self.finished else "info"
        return Status(kind, _("Epoch {epoch}: {bits} bits per character (uniform guessing: {uniform}). "
                              "Sampling at τ = {tau}.").format(
            epoch=f"{epoch:.1f}", bits=fixed(bits, 2), uniform=f"{math.log2(len(self.vocab)):.2f}",
            tau=num(self.params["temperature"])))

    def snapshot(self) -> CharLMSnapshot:
        return CharLMSnapshot(
            cell=self.params["cell"], vocab=self.vocab, text_length=len(self.text),
            parameters=sum(p.size for p in self.parameters), batches=self.batches,
            batches_per_epoch=self.batches_per_epoch, losses=tuple(self.losses), sample=self.text_sample,
            sampled_after=self.sampled_after, temperature=self.params["temperature"],
            next_chars=() if self.diverged else self.next_chars(), diverged=self.diverged, status=self.status(),
        )


TEMPERATURE_PROMPT = N_("A language model gives the next character the logits {shown}. Sampling at temperature "
                        "τ = {tau} draws from softmax(logits / τ). What is the probability of '{char}'? (3 decimals)")


def temperature_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Three logits and τ: one character's sampling probability, by the engine's softmax.

    A draw is redrawn whole while the probability asked is within 0.01 of 0, ⅓ or 1 (a guess would pass)."""
    chars = ("e", "t", "a")
    while True:
        logits = rng.permutation(np.arange(-1.0, 4.0))[:3]  # three different logits from −1, 0, 1, 2, 3
        tau = (0.5, 1.0, 2.0)[rng.integers(3)]
        k = int(rng.integers(3))
        probs = softmax_with_temperature(logits, tau)
        if min(abs(probs[k] - guess) for guess in (0, 1 / 3, 1)) >= 0.01:
            break
    scaled = logits / tau
    exps = np.exp(scaled)
    shown = ", ".join(f"'{c}': {num(v)}" for c, v in zip(chars, logits))
    exp_line = in_language(lang, N_("exp: {values} (sum {sum})")).format(
        values=", ".join(f"{e:.4f}" for e in exps), sum=f"{exps.sum():.4f}")
    worked = (f"logits / τ = {', '.join(num(v) for v in scaled)}\n{exp_line}\n"
              f"p('{chars[k]}') = {exps[k]:.4f} / {exps.sum():.4f} = {probs[k]:.4f}")
    prompt = in_language(lang, TEMPERATURE_PROMPT).format(shown=shown, tau=num(tau), char=chars[k])
    return GeneratedQuestion(prompt, round(float(probs[k]), 3), worked, tolerance=0.0015)
