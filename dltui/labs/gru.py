"""GRU: the gated cell with two gates, raced against an LSTM, a bidirectional GRU and a 2-layer stack.

h' = (1 − z)⊙n + z⊙h: the update gate z keeps the old state where it is near 1, the reset gate r
decides how much of it feeds the candidate n. Three comparisons, each on the same batches:

- *GRU vs LSTM* on the first-symbol task: three weight blocks against four, so about ¾ of the
  parameters and less time per step, and it learns the task as well.
- *one-way vs two-way* on the twins task: the answer lies after the masked position, so only the
  model with a backward direction can know it (an engine GRU with `bidirectional=True`).
- *1 vs 2 layers* on the first-symbol task: the second layer reads the first layer's states.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, in_language

from .base import Control, GeneratedQuestion, Status, factor, num
from .sequence import RaceLab, Run, SequenceModel, trace

COMPARISONS = {
    N_("GRU vs LSTM"): N_("first symbol"),
    N_("one-way vs two-way"): N_("twins"),
    N_("1 vs 2 layers"): N_("first symbol"),
}


@dataclass(frozen=True)
class GRUSnapshot:
    comparison: str
    task: str
    seq_len: int
    batches: int
    runs: tuple[Run, ...]
    position: int  # the time step the answer is read at
    gates: dict[str, np.ndarray]  # r, z, n, h: (T, hidden) of the first model's GRU on a held-out sequence
    diverged: bool  # a model broke the divergence rule (labs/base.py): the race stopped
    status: Status


class GRULab(RaceLab):
    controls = (
        Control("compare", N_("Compare"), "choice", "GRU vs LSTM", choices=tuple(COMPARISONS), words=True),
        *RaceLab.common,
        Control("memory_bias", N_("Memory-gate bias"), "float", 3.0, 0.0, 5.0, 0.5,
                help=N_("Initial bias of the GRU's z and the LSTM's f: 3 starts them near 1, keeping the state; "
                        "0 near ½, where PyTorch's random biases, U(±1/√H), put them on average")),
    )

    def task(self) -> str:
        return COMPARISONS[self.params["compare"]]

    def models(self, inputs: int, classes: int) -> tuple[SequenceModel, SequenceModel]:
        p = self.params
        shared = dict(inputs=inputs, hidden=p["hidden"], classes=classes, memory_bias=p["memory_bias"])
        other = {
            "GRU vs LSTM": dict(kind="lstm"),
            "one-way vs two-way": dict(kind="gru", bidirectional=True),
            "1 vs 2 layers": dict(kind="gru", layers=2),
        }[p["compare"]]
        return SequenceModel("gru", **shared), SequenceModel(**other, **shared)

    def snapshot(self) -> GRUSnapshot:
        runs = self.runs()
        return GRUSnapshot(self.params["compare"], self.task(), self.params["seq_len"], self.batches, runs,
                           self.at % self.params["seq_len"], trace(self.runners[0].model.core, self.held_out[0]),
                           self.diverged, self.race_status(runs))


CELL_PROMPT = N_("A GRU with one hidden unit. The previous state is h = {h}; this step's update gate is z = σ({zz}) and "
                 "the candidate is n = {n}. What is the new state h' = (1 − z)·n + z·h? (3 decimals)")


def cell_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """h, the update gate's pre-activation and the candidate n: the new state, by the engine's gru_cell.

    The cell gets weights that make its candidate exactly the shown n: zero weights, the reset
    path switched off, and b_in = atanh(n). A draw is redrawn whole while h' is within 0.01 of 0, ±1, h or n:
    with n = h, for one, the gate would not matter."""
    from ..engine import Tensor, functional as F

    zero = Tensor(np.zeros((3, 1)))
    while True:
        h = (-1.0, -0.5, 0.0, 0.5, 1.0)[rng.integers(5)]
        zz = float(rng.integers(-2, 3))
        n = (-0.8, -0.5, 0.2, 0.5, 0.9)[rng.integers(5)]
        b_ih = Tensor([0.0, zz, np.arctanh(n)])
        h_new = F.gru_cell(Tensor([[0.0]]), Tensor([[h]]), zero, zero, b_ih).item()
        if min(abs(h_new - guess) for guess in (0, 1, -1, h, n)) >= 0.01:
            break
    z = 1.0 / (1.0 + np.exp(-zz))
    worked = (f"z = σ({num(zz)}) = {z:.4f}\n"
              f"h' = (1 − {z:.4f})·{factor(n)} + {z:.4f}·{factor(h)} = {h_new:.4f}")
    prompt = in_language(lang, CELL_PROMPT).format(h=num(h), zz=num(zz), n=num(n))
    return GeneratedQuestion(prompt, round(h_new, 3), worked, tolerance=0.0015)
