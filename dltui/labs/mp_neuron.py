"""The McCulloch–Pitts neuron: a threshold on a weighted sum of binary inputs, set by hand.

Nothing learns here. The learner moves the weights and the threshold and watches the truth
table; stepping walks the table one row at a time with the weighted sum written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from .base import Action, Control, Lab, Status

GATES = {
    "AND": (2, lambda x1, x2: x1 & x2),
    "OR": (2, lambda x1, x2: x1 | x2),
    "NOT": (1, lambda x1: 1 - x1),
}


@dataclass(frozen=True)
class Row:
    inputs: tuple[int, ...]
    weighted_sum: float
    output: int
    target: int

    @property
    def correct(self) -> bool:
        return self.output == self.target


@dataclass(frozen=True)
class MPNeuronSnapshot:
    gate: str
    weights: tuple[float, ...]
    threshold: float
    rows: tuple[Row, ...]
    current: int | None  # the row the last step evaluated, None before the first step
    status: Status

    @property
    def solved(self) -> bool:
        return all(row.correct for row in self.rows)

    def working(self, row: Row) -> str:
        """The row's arithmetic as the learner would write it: `1·1 + 1·0 = 1 < 1.5 → 0`."""
        terms = " + ".join(f"{w:g}·{x}" for w, x in zip(self.weights, row.inputs))
        compare = "≥" if row.output else "<"
        return f"{terms} = {row.weighted_sum:g} {compare} {self.threshold:g} → {row.output}"


class MPNeuronLab(Lab):
    controls = (
        Control("gate", "Gate", "choice", "AND", choices=tuple(GATES), help="The truth table to reproduce"),
        Control("w1", "Weight w1", "float", 1.0, -3, 3, 0.5, help="Weight on input x1"),
        Control("w2", "Weight w2", "float", 1.0, -3, 3, 0.5, help="Weight on input x2 (unused by NOT)"),
        Control("threshold", "Threshold θ", "float", 0.5, -3, 3, 0.5, help="Fires when the weighted sum ≥ θ"),
    )
    actions = (Action("step", "s", "Next row"),)
    run_action = "step"

    def build(self) -> None:
        arity, _ = GATES[self.params["gate"]]
        self.weights = (self.params["w1"], self.params["w2"])[:arity]
        self.current: int | None = None

    def rows(self) -> tuple[Row, ...]:
        arity, truth = GATES[self.params["gate"]]
        rows = []
        for inputs in product((0, 1), repeat=arity):
            total = sum(w * x for w, x in zip(self.weights, inputs))
            rows.append(Row(inputs, total, int(total >= self.params["threshold"]), truth(*inputs)))
        return tuple(rows)

    def step(self) -> None:
        """Evaluate the next row of the truth table (wrapping around after the last)."""
        self.current = 0 if self.current is None else (self.current + 1) % len(self.rows())

    @property
    def finished(self) -> bool:
        return self.current == len(self.rows()) - 1

    def snapshot(self) -> MPNeuronSnapshot:
        rows = self.rows()
        gate = self.params["gate"]
        wrong = [row for row in rows if not row.correct]
        if not wrong:
            status = Status("success", f"These settings compute {gate}. Can you find settings for the other gates?")
        else:
            first = wrong[0]
            status = Status(
                "info",
                f"{len(wrong)} of {len(rows)} rows wrong: for x = {first.inputs} the neuron gives "
                f"{first.output}, {gate} wants {first.target}.",
            )
        return MPNeuronSnapshot(gate, self.weights, self.params["threshold"], rows, self.current, status)
