"""A tiny Transformer encoder trained live on a toy sequence task (reverse, or shift by one).

Digits are embedded, given sinusoidal positions, passed through one or two blocks of
self-attention → add & norm → feed-forward → add & norm (the post-norm block of "Attention is all
you need"), and each position is classified as a digit. Reversal can only be solved by looking
across the sequence: output i must copy input L−1−i, so a head learns to put its weight on the
anti-diagonal. The lab records that weight per head as training goes, so the view can show the
maps turning from uniform to the pattern. Sequences in the held-out set are never trained on.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F, manual_seed, nn, no_grad, no_record, optim
from .attention import Heatmap
from ..numbers import fixed
from .base import Action, Control, ControlError, GeneratedQuestion, Lab, Status, num
from .multihead import self_attention, sinusoidal_encoding

DIGITS = 10
EPOCH_STEPS = 20  # batches per epoch: the data is endless, so an epoch is a fixed count of fresh batches
TEST_SIZE = 500
TARGET = 0.99  # held-out sequences entirely right
TASKS = {  # the task's names are shown; what they mean is said in the lesson
    N_("reverse"): "output i = input L−1−i (needs the anti-diagonal)",
    N_("shift"): "output i = input i−1, the first gets the last (needs the diagonal below the main one)",
}


def task_target(task: str, x: np.ndarray) -> np.ndarray:
    return x[:, ::-1] if task == "reverse" else np.roll(x, 1, axis=1)


def task_pattern(task: str, length: int) -> np.ndarray:
    """Where query i has to look: True at the key position whose digit output i must produce."""
    rows = np.arange(length)
    source = rows[::-1] if task == "reverse" else (rows - 1) % length
    pattern = np.zeros((length, length), dtype=bool)
    pattern[rows, source] = True
    return pattern


class Block(nn.Module):
    """Post-norm Transformer encoder block: x ← LN(x + MHA(x)); x ← LN(x + W₂·relu(W₁·x))."""

    def __init__(self, d_model: int, heads: int, hidden: int) -> None:
        self.attn = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.norm1 = nn.LayerNorm(d_model)
        self.ff1 = nn.Linear(d_model, hidden)
        self.ff2 = nn.Linear(hidden, d_model)
        self.norm2 = nn.LayerNorm(d_model)

    def forward(self, x: Tensor) -> tuple[Tensor, np.ndarray]:
        attended, maps = self_attention(x, self.attn)
        x = self.norm1(x + attended)
        return self.norm2(x + self.ff2(F.relu(self.ff1(x)))), maps


class TinyTransformer(nn.Module):
    """Digits (N, L) → logits (N, L, 10) and each block's per-head maps (N, H, L, L)."""

    def __init__(self, length: int, d_model: int, heads: int, layers: int, positional: bool = True) -> None:
        self.embed = nn.Embedding(DIGITS, d_model)
        self.blocks = nn.ModuleList([Block(d_model, heads, 2 * d_model) for _unused in range(layers)])
        self.head = nn.Linear(d_model, DIGITS)
        self.pe = sinusoidal_encoding(length, d_model) if positional else np.zeros((length, d_model))

    def forward(self, digits: np.ndarray) -> tuple[Tensor, list[np.ndarray]]:
        x = self.embed(digits) + self.pe
        maps = []
        for block in self.blocks:
            x, block_maps = block(x)
            maps.append(block_maps)
        return self.head(x), maps


@dataclass(frozen=True)
class Prediction:
    """The model on one input: its output digits, how sure it was, and every head's map."""

    digits: tuple[int, ...]
    output: tuple[int, ...]
    expected: tuple[int, ...]
    confidence: tuple[float, ...]  # softmax probability of each output digit
    maps: np.ndarray  # (layers, heads, L, L)

    @property
    def correct(self) -> bool:
        return self.output == self.expected


@dataclass(frozen=True)
class TransformerSnapshot:
    task: str
    length: int
    layers: int
    heads: int
    epoch: int
    steps: int
    losses: tuple[float, ...]  # per training batch
    token_accuracy: tuple[float, ...]  # held-out, per epoch; [0] is before training
    sequence_accuracy: tuple[float, ...]
    pattern: np.ndarray  # (epochs + 1, layers, heads): mean weight on the task's pattern, held-out
    best_pattern: tuple[float, ...]  # per epoch, the weight of the head that puts most on the pattern
    target: np.ndarray  # bool (L, L): the pattern the task needs
    probe: Prediction  # a held-out sequence or the learner's own (set_probe), run now
    n_params: int
    step_ms: float  # mean wall time of one training batch (forward, backward, Adam)
    solved: bool
    diverged: bool
    status: Status

    def heatmaps(self) -> tuple[Heatmap, ...]:
        """Every head's map on the probe sequence, input digits on both axes."""
        labels = tuple(str(d) for d in self.probe.digits)
        return tuple(Heatmap(f"layer {layer + 1} head {h + 1}", self.probe.maps[layer, h], labels, labels)
                     for layer in range(self.layers) for h in range(self.heads))


def fresh_sequences(rng: np.random.Generator, batch: int, length: int, place: np.ndarray,
                    test_codes: np.ndarray) -> np.ndarray:
    """`batch` random digit sequences, each redrawn while it is one of the held-out set's (`x @ place` is a
    sequence's code)."""
    x = rng.integers(0, DIGITS, (batch, length))
    while (held := np.isin(x @ place, test_codes)).any():
        x[held] = rng.integers(0, DIGITS, (int(held.sum()), length))
    return x


class TransformerLab(Lab):
    controls = (
        Control("task", N_("Task"), "choice", "reverse", choices=tuple(TASKS), words=True),
        Control("length", N_("Sequence length"), "int", 5, 3, 8, 1),
        Control("heads", N_("Heads"), "int", 2, 1, 4, 1),
        Control("d_head", N_("Size per head"), "int", 8, 2, 16, 2, help="d_model = heads × d_head"),
        Control("layers", N_("Blocks"), "int", 1, 1, 2, 1),
        Control("positional", N_("Positional encoding"), "bool", True, help=N_("Off: the model cannot tell positions apart")),
        Control("lr", N_("Learning rate (Adam)"), "float", 0.01, 0.0005, 0.1, 0.001),
        Control("batch", N_("Batch size"), "int", 64, 8, 256, 8, help=N_("Fresh random sequences per step")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
        Control("max_epochs", N_("Max epochs"), "int", 50, 1, 500, 10, help=N_("An epoch is 20 batches")),  # EPOCH_STEPS
    )
    actions = (Action("step", "s", N_("Batch")), Action("epoch", "e", N_("Epoch")))
    run_action = "epoch"

    def build(self) -> None:
        p = self.params
        manual_seed(p["seed"])
        self.model = TinyTransformer(p["length"], p["heads"] * p["d_head"], p["heads"], p["layers"], p["positional"])
        self.optimizer = optim.Adam(self.model.parameters(), lr=p["lr"])
        self.rng = np.random.default_rng([p["seed"], 0])
        self.place = DIGITS ** np.arange(p["length"])
        self.test_codes = np.random.default_rng([p["seed"], 1]).choice(
            DIGITS ** p["length"], min(TEST_SIZE, DIGITS ** p["length"] // 4), replace=False)
        self.test = self.test_codes[:, None] // self.place % DIGITS  # distinct sequences, each read as a number
        self.steps, self.train_time = 0, 0.0
        self.losses: list[float] = []
        self.token_accuracy: list[float] = []
        self.sequence_accuracy: list[float] = []
        self.pattern: list[np.ndarray] = []
        self.probe = self.test[0]
        self.evaluate()

    def batch(self) -> np.ndarray:
        return fresh_sequences(self.rng, self.params["batch"], self.params["length"], self.place, self.test_codes)

    @property
    def epoch_count(self) -> int:
        return len(self.token_accuracy) - 1

    @property
    def solved(self) -> bool:
        return self.sequence_accuracy[-1] >= TARGET

    @property
    def finished(self) -> bool:
        return self.solved or self.diverged or self.epoch_count >= self.params["max_epochs"]

    def step(self) -> None:
        """One batch: forward, cross-entropy over every position, backward, Adam. No tape."""
        if self.finished:
            return
        start = time.perf_counter()
        x = self.batch()
        self.optimizer.zero_grad()
        with no_record():
            logits, _maps = self.model(x)
            loss = F.cross_entropy(logits.reshape(-1, DIGITS), task_target(self.params["task"], x).reshape(-1))
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
        """Held-out accuracy (per digit and per whole sequence) and the weight on the task's pattern."""
        with no_grad():
            logits, maps = self.model(self.test)
        right = logits.data.argmax(-1) == task_target(self.params["task"], self.test)
        self.token_accuracy.append(float(right.mean()))
        self.sequence_accuracy.append(float(right.all(axis=1).mean()))
        target = task_pattern(self.params["task"], self.params["length"])
        self.pattern.append(np.array([(m * target).sum(-1).mean(axis=(0, 2)) for m in maps]))

    def set_probe(self, digits: str | np.ndarray) -> TransformerSnapshot:
        """Follow the learner's own sequence in every later snapshot (its output and maps)."""
        self.probe = self.predict(digits).digits
        return self.snapshot()

    def predict(self, digits: str | np.ndarray) -> Prediction:
        """Run the model on a sequence, e.g. the learner's "3 1 4 1 5"; ControlError says what is wrong."""
        length = self.params["length"]
        if isinstance(digits, str):
            chars = [c for c in digits if not c.isspace() and c != ","]
            if any(c not in "0123456789" for c in chars):
                raise ControlError(_("type digits 0–9 only, not {text}").format(text=repr(digits)))
            digits = np.array([int(c) for c in chars])
        digits = np.asarray(digits, dtype=np.int64)
        if digits.shape != (length,):
            raise ControlError(_("type exactly {length} digits: the model was trained on length {length}").format(length=length))
        with no_grad():
            logits, maps = self.model(digits[None])
        probs = F.softmax(logits, dim=-1).data[0]
        return Prediction(tuple(int(d) for d in digits), tuple(int(d) for d in probs.argmax(-1)),
                          tuple(int(d) for d in task_target(self.params["task"], digits[None])[0]),
                          tuple(float(c) for c in probs.max(-1)), np.stack([m[0] for m in maps]))

    def status(self) -> Status:
        p = self.params
        seq, tok = self.sequence_accuracy[-1], self.token_accuracy[-1]
        if self.diverged:
            return self.divergence.status(_("Lower the learning rate and reset ({reset})."))
        if self.solved:
            best = np.unravel_index(int(self.pattern[-1].argmax()), self.pattern[-1].shape)
            return Status("success", _("Solved: {sequences} of {count} held-out sequences right after {batches} batches "
                                       "({seconds} s). Layer {layer} head {head} puts {weight} of its weight where the task "
                                       "needs it.").format(
                sequences=f"{seq:.1%}", count=len(self.test), batches=self.steps, seconds=f"{self.train_time:.1f}",
                layer=best[0] + 1, head=best[1] + 1, weight=f"{self.pattern[-1][best]:.2f}"))
        if self.epoch_count >= p["max_epochs"]:
            why = (_("Without positional encoding every position sees the same bag of digits, so no position knows which "
                     "digit is its own to output: the task is impossible, not just hard.") if not p["positional"]
                   else self.advice())
            return Status("warning", _("Stopped after {epochs} epochs: {sequences} of sequences, {digits} of digits right. "
                                       "{why}").format(epochs=self.epoch_count, sequences=f"{seq:.1%}", digits=f"{tok:.1%}",
                                                       why=why))
        if not self.steps:
            return Status("info", _("Untrained: {digits} of digits right (chance is 10%). {step} trains one batch, {epoch} one "
                                    "epoch of {batches} batches, {run} runs.").format(
                digits=f"{tok:.0%}", batches=EPOCH_STEPS, step="{step}", epoch="{epoch}", run="{run}"))
        return Status("info", _("Epoch {epoch}, batch {batch}: loss {loss}; held-out {digits} of digits, {sequences} of whole "
                                "sequences right.").format(epoch=self.epoch_count, batch=self.steps, loss=fixed(self.losses[-1]),
                                                           digits=f"{tok:.1%}", sequences=f"{seq:.1%}"))

    def advice(self) -> str:
        """What to try after a run that stopped unsolved, led by the learning rate against the one that solves the
        default task: above it, Adam's steps (up to about the learning rate per weight) overshoot."""
        lr, usual = self.params["lr"], self.control("lr").default
        if lr > usual:
            return _("A learning rate of {lr} overshoots: Adam moves each weight by up to about that much a step. "
                     "Try a smaller one ({usual} solves the default task).").format(lr=num(lr), usual=num(usual))
        if lr < usual:
            return _("Try a larger learning rate, more heads or more epochs.")
        return _("Try more heads or more epochs.")

    def snapshot(self) -> TransformerSnapshot:
        p = self.params
        return TransformerSnapshot(
            task=p["task"], length=p["length"], layers=p["layers"], heads=p["heads"], epoch=self.epoch_count,
            steps=self.steps, losses=tuple(self.losses), token_accuracy=tuple(self.token_accuracy),
            sequence_accuracy=tuple(self.sequence_accuracy), pattern=np.array(self.pattern),
            best_pattern=tuple(float(p.max()) for p in self.pattern),
            target=task_pattern(p["task"], p["length"]), probe=self.predict(self.probe),
            n_params=sum(q.size for q in self.model.parameters()),
            step_ms=1000 * self.train_time / self.steps if self.steps else 0.0,
            solved=self.solved, diverged=self.diverged, status=self.status(),
        )


PARAMS_PROMPT = N_("A post-norm Transformer encoder block has d_model = {d}, {h} attention heads (with biases), two "
                   "LayerNorms and a feed-forward layer d_model → {f} → d_model (with biases). How many learnable "
                   "parameters does it have?")
PARAMS_WORKED = N_("attention: 4·{d}² + 4·{d} = {attention} (W_Q, W_K, W_V, W_O and their biases; heads add none)\n"
                   "two LayerNorms: 2 · 2·{d} = {norms} (γ and β each)\n"
                   "feed-forward: {d}·{f} + {f} + {f}·{d} + {d} = {feed_forward}\n"
                   "total {total}")


@functools.cache
def _parameter_count(d_model: int, heads: int, feed_forward: int) -> int:
    """The lab's own Block's parameter count, built once per size (building one draws its initial weights)."""
    return sum(q.size for q in Block(d_model, heads, feed_forward).parameters())


def params_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh sizes; the answer counts the parameters of the lab's own Block."""
    h = (1, 2, 3, 4)[rng.integers(4)]
    d = h * (2, 3, 4, 8)[rng.integers(4)]
    f = d * (2, 4)[rng.integers(2)]
    count = _parameter_count(d, h, f)
    worked = in_language(lang, PARAMS_WORKED).format(d=d, f=f, attention=4 * d * d + 4 * d, norms=4 * d,
                                                     feed_forward=2 * d * f + f + d, total=num(count))
    prompt = in_language(lang, PARAMS_PROMPT).format(d=d, h=h, f=f)
    return GeneratedQuestion(prompt, count, worked)
