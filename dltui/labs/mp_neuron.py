"""The McCulloch–Pitts neuron: a threshold on a weighted sum of binary inputs, set by hand.

Nothing learns here. The learner moves the weights and the threshold and watches the truth
table; stepping walks the table one row at a time with the weighted sum written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from dltui.i18n import N_, _, in_language

from .base import Action, Control, GeneratedQuestion, Lab, Status, factor, num

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
        terms = " + ".join(f"{factor(w)}·{x}" for w, x in zip(self.weights, row.inputs))
        compare = "≥" if row.output else "<"
        return f"{terms} = {num(row.weighted_sum)} {compare} {num(self.threshold)} → {row.output}"


class MPNeuronLab(Lab):
    controls = (
        Control("gate", N_("Gate"), "choice", "AND", choices=tuple(GATES), help=N_("The truth table to reproduce")),
        Control("w1", N_("Weight w1"), "float", 1.0, -3, 3, 0.5, help=N_("Weight on input x1")),
        Control("w2", N_("Weight w2"), "float", 1.0, -3, 3, 0.5, help=N_("Weight on input x2 (unused by NOT)")),
        Control("threshold", N_("Threshold θ"), "float", 0.5, -3, 3, 0.5, help=N_("Fires when the weighted sum ≥ θ")),
    )
    actions = (Action("step", "s", N_("Next row")),)
    run_action = "step"
    run_pace = 0.15  # a run here is a demonstration, watched step by step

    def build(self) -> None:
        arity, _truth = GATES[self.params["gate"]]
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
            status = Status("success", _("These settings compute {gate}. Can you find settings for the other gates?")
                            .format(gate=gate))
        else:
            first = wrong[0]
            status = Status(
                "info",
                _("{wrong} of {total} rows wrong: for x = {inputs} the neuron gives {output}, {gate} wants {target}.")
                .format(wrong=len(wrong), total=len(rows), inputs=first.inputs, output=first.output, gate=gate,
                        target=first.target),
            )
        return MPNeuronSnapshot(gate, self.weights, self.params["threshold"], rows, self.current, status)


OUTPUT_PROMPT = N_("An MP neuron has w1 = {w1}, w2 = {w2} and threshold θ = {threshold}. "
                   "What does it output (0 or 1) for x = ({x1}, {x2})?")
GATE_PROMPT = N_("An MP neuron has w1 = {w1}, w2 = {w2} and threshold θ = {threshold}. Which gate does it compute?")
GATE_CHOICES = ("AND", "OR", N_("neither AND nor OR"))  # the gates' names are names: only the third is words


def _drawn_lab(rng: np.random.Generator, weights: tuple[float, ...], thresholds: tuple[float, ...]) -> MPNeuronLab:
    w1, w2 = (float(w) for w in rng.choice(weights, 2))
    return MPNeuronLab(gate="AND", w1=w1, w2=w2, threshold=float(rng.choice(thresholds)))


def output_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh weights, threshold and input: what does the neuron output? Negative weights included."""
    lab = _drawn_lab(rng, (-1, -0.5, 0.5, 1, 1.5, 2), (-0.5, 0, 0.5, 1, 1.5, 2, 2.5))
    snapshot = lab.snapshot()
    row = snapshot.rows[int(rng.integers(len(snapshot.rows)))]
    w1, w2 = snapshot.weights
    prompt = in_language(lang, OUTPUT_PROMPT).format(
        w1=num(w1), w2=num(w2), threshold=num(snapshot.threshold), x1=row.inputs[0], x2=row.inputs[1])
    return GeneratedQuestion(prompt, row.output, snapshot.working(row))


def gate_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh positive weights and a threshold: AND, OR or neither? The answer is what the truth table says."""
    lab = _drawn_lab(rng, (0.5, 1, 1.5, 2), (0.5, 1, 1.5, 2, 2.5, 3))
    snapshot = lab.snapshot()
    solves = [gate for gate in ("AND", "OR") if lab.reset(gate=gate).solved]
    answer = ("AND", "OR").index(solves[0]) + 1 if solves else 3
    w1, w2 = snapshot.weights

    def table(outputs) -> str:
        return "(" + ", ".join(map(str, outputs)) + ")"

    verdict = f"→ {table(row.output for row in snapshot.rows)}"
    for gate in ("AND", "OR"):
        truth = GATES[gate][1]
        verdict += f" {'=' if gate in solves else '≠'} {gate} {table(truth(*row.inputs) for row in snapshot.rows)}"
    worked = "\n".join([*(snapshot.working(row) for row in snapshot.rows), verdict])
    choices = tuple(in_language(lang, choice) for choice in GATE_CHOICES)
    prompt = in_language(lang, GATE_PROMPT).format(w1=num(w1), w2=num(w2), threshold=num(snapshot.threshold))
    return GeneratedQuestion(prompt, answer, worked, kind="choice", choices=choices)
