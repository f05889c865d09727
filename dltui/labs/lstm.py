"""LSTM against a plain RNN on the first-symbol task, with the LSTM's gates per time step.

Both models see the same batches. The plain RNN must carry the first symbol through every
tanh(U·h) step, and the gradient that would teach it to shrinks at each step on the way back;
the LSTM keeps it in c, where the forget gate f is the only factor per step, and f ≈ 1 passes
both the memory and its gradient. The gate values shown are the ones the engine saved on the
tape for backward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, in_language

from ..engine import no_grad
from .base import Control, GeneratedQuestion, Status, num
from .sequence import RaceLab, Run, SequenceModel, trace


@dataclass(frozen=True)
class LSTMSnapshot:
    seq_len: int
    batches: int
    runs: tuple[Run, ...]  # (RNN, LSTM)
    probe: np.ndarray  # (T,) the held-out sequence whose gates are shown
    answer: int  # its first symbol
    predictions: tuple[int, ...]  # what each model says now
    position: int  # the time step the answer is read at (the last): its gates are shown as numbers
    gates: dict[str, np.ndarray]  # i, f, g, o, c, h: (T, hidden) on the probe
    diverged: bool  # a model broke the divergence rule (labs/base.py): the race stopped
    status: Status


class LSTMLab(RaceLab):
    controls = (
        *RaceLab.common,
        Control("forget_bias", N_("Forget-gate bias"), "float", 3.0, 0.0, 5.0, 0.5,
                help=N_("Initial bias of f: σ(3) ≈ 0.95 keeps the cell state; 0 starts f near ½, where "
                        "PyTorch's random biases, U(±1/√H), put it on average")),
    )

    def task(self) -> str:
        return N_("first symbol")

    def models(self, inputs: int, classes: int) -> tuple[SequenceModel, SequenceModel]:
        p = self.params
        return (SequenceModel("rnn", inputs, p["hidden"], classes),
                SequenceModel("lstm", inputs, p["hidden"], classes, memory_bias=p["forget_bias"]))

    def snapshot(self) -> LSTMSnapshot:
        runs = self.runs()
        x, y = self.held_out
        probe = x[:, :1]
        with no_grad():
            predictions = tuple(int(r.model.logits(probe, -1).data.argmax()) for r in self.runners)
        return LSTMSnapshot(self.params["seq_len"], self.batches, runs, x[:, 0].argmax(axis=1), int(y[0]), predictions,
                            self.at % self.params["seq_len"], trace(self.runners[1].model.core, probe), self.diverged,
                            self.race_status(runs))


def _sigmoid(v: float) -> float:
    return float(1.0 / (1.0 + np.exp(-v)))


CELL_PROMPT = N_("An LSTM with one hidden unit. This step's gate pre-activations are i: {zi}, f: {zf}, g: {zg}, o: {zo} "
                 "(σ for i, f, o; tanh for g), and the previous cell state is c = {c}. What is {target}? (3 decimals)")


def cell_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Gate pre-activations and c_{t−1}: the new c_t, h_t or forget gate, computed by the engine's lstm_cell.

    A draw is redrawn whole while its answer is within 0.01 of 0, ±1 or ½ (σ(0)): those a guess would pass."""
    from ..engine import Tensor, functional as F

    zero = Tensor(np.zeros((4, 1)))
    while True:
        z = rng.integers(-2, 3, 4).astype(float)
        c_prev = (-1.0, -0.5, 0.5, 1.0, 2.0)[rng.integers(5)]
        target = ("c_t", "h_t", "f")[int(rng.integers(3))]
        h, c = F.lstm_cell(Tensor([[0.0]]), (Tensor([[0.0]]), Tensor([[c_prev]])), zero, zero, Tensor(z))
        i, f, g, o = _sigmoid(z[0]), _sigmoid(z[1]), float(np.tanh(z[2])), _sigmoid(z[3])
        answer = {"c_t": c.item(), "h_t": h.item(), "f": f}[target]
        if min(abs(abs(answer) - guess) for guess in (0, 0.5, 1)) >= 0.01:
            break
    lines = [f"f = σ({num(z[1])}) = {f:.4f}"]
    if target != "f":
        lines += [f"i = σ({num(z[0])}) = {i:.4f}, g = tanh({num(z[2])}) = {g:.4f}",
                  f"c_t = f·c + i·g = {f:.4f}·{num(c_prev)} + {i:.4f}·{g:.4f} = {c.item():.4f}"]
    if target == "h_t":
        lines.append(f"h_t = o·tanh(c_t) = σ({num(z[3])})·tanh({c.item():.4f}) = {o:.4f}·{np.tanh(c.item()):.4f} = {h.item():.4f}")
    prompt = in_language(lang, CELL_PROMPT).format(
        zi=num(z[0]), zf=num(z[1]), zg=num(z[2]), zo=num(z[3]), c=num(c_prev), target=target)
    return GeneratedQuestion(prompt, round(answer, 3), "\n".join(lines), tolerance=0.0015)
