"""What the sequence labs share: toy tasks, a recurrent model with a readout, and a race of two
models trained on the same batches.

The tasks are small on purpose, so that a plain RNN's failure is about time, not capacity:

- *first symbol*: a string of random symbols; say at the end which one came first. The only
  relevant input is the oldest one, so the gradient that teaches it must cross every step.
- *twins*: a string of doubled symbols ("aabbcc…") with the middle one masked; it is the first of
  its pair, so the answer is its twin, which comes *after* it. Reading left to right cannot know it.

Training never records a tape (`no_record`); only the stepping views record one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _

from ..engine import Tensor, functional as F, manual_seed, nn, no_grad, no_record, optim, recording
from .base import Action, Control, Lab, Status

CORES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
SYMBOLS = 4  # alphabet of both tasks; chance is 1/4
EPOCH = 25  # batches per `e` press: the data is drawn fresh, so an "epoch" is a fixed number of batches
HELD_OUT = 256


def one_hot(symbols: np.ndarray, size: int) -> np.ndarray:
    return np.eye(size)[symbols]


def first_symbol_batch(rng: np.random.Generator, n: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (length, n, SYMBOLS) one-hot, and the first symbol of each sequence as the label."""
    symbols = rng.integers(0, SYMBOLS, (length, n))
    return one_hot(symbols, SYMBOLS), symbols[0]


def twins_batch(rng: np.random.Generator, n: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Doubled symbols with the middle one (the first of a pair) masked: one extra input channel
    marks the mask. Label: the masked symbol, which equals the symbol right after it."""
    pairs = rng.integers(0, SYMBOLS, ((length + 1) // 2, n))
    symbols = np.repeat(pairs, 2, axis=0)[:length]
    middle = twin_position(length)
    x = one_hot(symbols, SYMBOLS + 1)
    x[middle] = one_hot(np.full(n, SYMBOLS), SYMBOLS + 1)
    return x, symbols[middle]


def twin_position(length: int) -> int:
    """The masked position: the middle, rounded down to the first symbol of a pair."""
    return (length // 2) // 2 * 2


TASKS = {N_("first symbol"): (first_symbol_batch, SYMBOLS, -1), N_("twins"): (twins_batch, SYMBOLS + 1, None)}


def set_memory_bias(core: nn.Module, kind: str, value: float) -> None:
    """Set the bias of the LSTM's forget gate (or the GRU's update gate) to `value`: 3 starts it
    open, σ(3) ≈ 0.95, so the cell begins by keeping its state (Gers et al., 2000; Jozefowicz et
    al., 2015); 0 starts it near σ(0) = ½, where PyTorch's random init is on average. A plain
    RNN has no such gate."""
    if kind == "rnn":
        return
    h = core.hidden_size
    block = slice(h, 2 * h)  # f in i,f,g,o; z in r,z,n
    for layer in range(core.num_layers):
        for reverse in core.directions:
            b_ih, b_hh = core.weights(layer, reverse)[2:]
            b_ih.data[block] = value
            b_hh.data[block] = 0.0


class SequenceModel:
    """An engine recurrent layer and a linear readout at one time step.

    A bidirectional core also reads the sequence backwards, and the readout sees both states at
    the same position: the forward one has seen the past, the backward one the future."""

    def __init__(self, kind: str, inputs: int, hidden: int, classes: int, layers: int = 1,
                 bidirectional: bool = False, memory_bias: float = 0.0) -> None:
        self.kind, self.layers, self.bidirectional = kind, layers, bidirectional
        self.core = CORES[kind](inputs, hidden, num_layers=layers, bidirectional=bidirectional)
        set_memory_bias(self.core, kind, memory_bias)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), classes)

    @property
    def name(self) -> str:
        name = NAMES[self.kind]
        if self.layers > 1:
            name = _("{layers}-layer {name}").format(layers=self.layers, name=name)
        return _("bidirectional {name}").format(name=name) if self.bidirectional else name

    def parameters(self) -> list[nn.Parameter]:
        return self.core.parameters() + self.head.parameters()

    @property
    def parameter_count(self) -> int:
        return sum(p.size for p in self.parameters())

    def logits(self, x: np.ndarray, at: int) -> Tensor:
        """Class scores read at time step `at` of inputs (T, N, features)."""
        out, _state = self.core(Tensor(x))
        return self.head(out[at])


CELL_OUTPUTS = {"rnn_cell": ("h",), "lstm_cell": ("h", "c"), "gru_cell": ("h",)}


def trace(core: nn.Module, x: np.ndarray) -> dict[str, np.ndarray]:
    """Run the first sequence of `x` through `core` on a tape and read each time step's values
    off its first-layer cell nodes: the gates the cell saved for backward, then h (and c).
    Returns name → (T, hidden). These are the engine's own numbers, not a recomputation."""
    with recording() as tape:
        core(Tensor(x[:, :1]))
    cells = [node for node in tape.nodes if node.name in CELL_OUTPUTS][: len(x)]  # layer 0 runs first
    values = {key: np.stack([node.saved[key][0] for node in cells]) for key in cells[0].saved if key != "gh"}
    for slot, key in enumerate(CELL_OUTPUTS[cells[0].name]):
        values[key] = np.stack([node.outputs[slot][0] for node in cells])
    return values


@dataclass(frozen=True)
class Run:
    """One model's side of a race: the learner compares these numbers between the two."""

    name: str
    parameters: int
    losses: tuple[float, ...]  # per batch
    accuracy: tuple[float, ...]  # on the held-out set, after each epoch
    step_ms: float  # mean wall time of one training step (forward, backward, update)
    diverged: bool

    @property
    def last_accuracy(self) -> float:
        return self.accuracy[-1] if self.accuracy else math.nan


class _Runner:
    def __init__(self, model: SequenceModel, lr: float) -> None:
        self.model = model
        self.opt = optim.Adam(model.parameters(), lr=lr)
        self.losses: list[float] = []
        self.accuracy: list[float] = []
        self.seconds = 0.0

    def train(self, x: np.ndarray, y: np.ndarray, at: int, clip: float) -> float:
        """One batch: forward, backward, clipping, Adam; returns the batch's loss."""
        start = time.perf_counter()
        with no_record():
            loss = F.cross_entropy(self.model.logits(x, at), y)
            self.opt.zero_grad()
            loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), clip or math.inf)
        self.opt.step()
        self.seconds += time.perf_counter() - start
        self.losses.append(loss.item())
        return self.losses[-1]

    def evaluate(self, x: np.ndarray, y: np.ndarray, at: int) -> None:
        with no_grad():
            self.accuracy.append(float(np.mean(self.model.logits(x, at).data.argmax(axis=1) == y)))

    def run(self, diverged: bool) -> Run:
        steps = len(self.losses)
        return Run(self.model.name, self.model.parameter_count, tuple(self.losses), tuple(self.accuracy),
                   1e3 * self.seconds / steps if steps else math.nan, diverged)


class RaceLab(Lab):
    """Two models, the same batches in the same order, side by side. Subclasses say which two
    (`models`) and on which task (`task`); a step is one batch for each."""

    common = (
        Control("seq_len", N_("Sequence length"), "int", 25, 4, 60, 1, help=N_("Time steps per sequence")),
        Control("hidden", N_("Hidden size"), "int", 16, 2, 64, 2),
        Control("lr", N_("Learning rate"), "float", 0.01, 0.001, 0.1, 0.001, help="Adam"),
        Control("batch", N_("Batch size"), "int", 32, 4, 128, 4),
        Control("clip", N_("Clip grad norm"), "float", 1.0, 0.0, 10.0, 0.5, help=N_("0 = off")),
        Control("batches", N_("Batches to train"), "int", 400, 25, 5000, 25, help=N_("Free-running stops here")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
    )
    actions = (Action("step", "s", N_("Batch")), Action("epoch", "e", N_("25 batches")))  # EPOCH: change it here too
    run_action = "epoch"
    solved = 0.99

    def task(self) -> str:
        raise NotImplementedError

    def models(self, inputs: int, classes: int) -> tuple[SequenceModel, SequenceModel]:
        raise NotImplementedError

    def build(self) -> None:
        p = self.params
        make, inputs, at = TASKS[self.task()]
        self.make_batch = make
        self.at = twin_position(p["seq_len"]) if at is None else at
        manual_seed(p["seed"])
        self.runners = [_Runner(m, p["lr"]) for m in self.models(inputs, SYMBOLS)]
        self.rng = np.random.default_rng(p["seed"])
        self.held_out = make(np.random.default_rng(10_000 + p["seed"]), HELD_OUT, p["seq_len"])
        self.batches = 0

    @property
    def finished(self) -> bool:
        return (self.batches >= self.params["batches"] or self.diverged
                or all(r.accuracy and r.accuracy[-1] >= self.solved for r in self.runners))

    def step(self) -> None:
        """One batch for each model; the race stops at the first model that diverges (the status names it)."""
        x, y = self.make_batch(self.rng, self.params["batch"], self.params["seq_len"])
        for runner in self.runners:
            loss = runner.train(x, y, self.at, self.params["clip"])
            if self.watch(loss, self.batches + 1, N_("batch"), runner.model.name):
                break
        self.batches += 1
        if self.batches % EPOCH == 0:
            for runner in self.runners:
                runner.evaluate(*self.held_out, self.at)

    def epoch(self) -> None:
        start = self.batches
        while self.batches < start + EPOCH and not self.finished and not self.interrupted():
            self.step()

    def runs(self) -> tuple[Run, ...]:
        """Each model's side of the race; a diverged one is marked."""
        model = self.divergence.model if self.divergence else None
        return tuple(r.run(r.model.name == model) for r in self.runners)

    def race_status(self, runs: tuple[Run, ...]) -> Status:
        chance = f"{1 / SYMBOLS:.0%}"
        if self.batches == 0:
            return Status("info", _("Press {step} to train one batch, {epoch} for {count}, {run} to run. Chance is {chance}.").format(
                count=EPOCH, chance=chance, step="{step}", epoch="{epoch}", run="{run}"))
        if self.diverged:
            return self.divergence.status(_("The race stops here: lower the learning rate.") if self.params["clip"] else
                                          _("The race stops here: lower the learning rate, or clip the gradient norm."))
        if not runs[0].accuracy:
            return Status("info", _("Batch {number}: held-out accuracy is measured every {count} batches.").format(
                number=self.batches, count=EPOCH))
        text = " vs ".join(f"{r.name} {r.last_accuracy:.0%}" for r in runs)
        kind = "success" if self.finished else "info"
        return Status(kind, _("After {count} batches, held-out accuracy: {results} (chance {chance}).").format(
            count=self.batches, results=text, chance=chance))
