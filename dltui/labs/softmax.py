"""Softmax and cross-entropy: logits → probabilities → loss → the gradient p − y.

The gradient is computed twice, by the formula and by the engine's backward pass through
z / T → cross_entropy, and the snapshot carries both so the view can show them equal. Beside
softmax, independent sigmoids on the same logits: each class gets its own yes/no probability
(multi-label), so they need not sum to 1.

The "huge" preset is the numerical-stability lesson: e^1000 overflows, so the textbook formula
gives NaN, while subtracting the largest logit first (what the engine does) changes nothing
mathematically and keeps every exponent ≤ 0.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F
from .base import Action, Control, GeneratedQuestion, Lab, Status, num

CLASSES = (N_("cat"), N_("dog"), N_("bird"), N_("fish"))  # shown with _
PRESETS = {
    N_("confident"): (4.0, 1.0, 0.5, -1.0),
    N_("close"): (2.0, 1.8, 0.5, 0.1),
    N_("uniform"): (1.0, 1.0, 1.0, 1.0),
    N_("huge"): (1000.0, 999.0, 998.0, 990.0),
}


def naive_softmax(z: np.ndarray) -> np.ndarray:
    """eᶻ / Σ eᶻ exactly as written: overflows for large logits (kept to show why nobody uses it)."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / e.sum()


@dataclass(frozen=True)
class SoftmaxSnapshot:
    classes: tuple[str, ...]
    logits: np.ndarray  # z, after the shift
    temperature: float
    target: int
    probs: np.ndarray  # softmax(z / T), by the engine
    naive_probs: np.ndarray  # eᶻᐟᵀ / Σ eᶻᐟᵀ without subtracting the max (NaN when it overflows)
    loss: float  # −log p[target]
    grad_formula: np.ndarray  # ∂loss/∂z = (p − y) / T
    grad_engine: np.ndarray  # the same, from the engine's backward
    sigmoid_probs: np.ndarray  # σ(z / T) per class, independent
    sigmoid_grad: np.ndarray  # ∂(Σ BCE)/∂z = (σ − y) / T for a one-hot y
    status: Status

    @property
    def sums(self) -> tuple[float, float]:
        """Σ softmax (1) and Σ sigmoid (anything from 0 to the number of classes)."""
        return float(self.probs.sum()), float(self.sigmoid_probs.sum())

    @property
    def grad_error(self) -> float:
        return float(np.abs(self.grad_formula - self.grad_engine).max())


def softmax_pass(logits: np.ndarray, temperature: float, target: int) -> tuple[np.ndarray, float, np.ndarray]:
    """Probabilities, loss and ∂loss/∂logits from the engine: z → z/T → cross_entropy, backward."""
    z = Tensor(logits, requires_grad=True)
    scaled = z / temperature
    loss = F.cross_entropy(scaled.reshape(1, -1), [target])
    loss.backward()
    return F.softmax(scaled.detach()).data, loss.item(), z.grad


class SoftmaxLab(Lab):
    controls = (
        Control("preset", N_("Logits"), "choice", "confident", choices=tuple(PRESETS),
                help=N_("Scores for cat, dog, bird, fish"), words=True),  # CLASSES
        Control("shift", N_("Shift all by"), "float", 0.0, -50, 50, 1,
                help=N_("Adding a constant to every logit changes nothing")),
        Control("temperature", N_("Temperature T"), "float", 1.0, 0.1, 10, 0.1,
                help=N_("softmax(z / T): low T sharpens, high T flattens")),
        Control("target", N_("Target class"), "int", 0, 0, len(CLASSES) - 1, 1,
                help=N_("0=cat 1=dog 2=bird 3=fish")),  # CLASSES, numbered
    )
    actions = (Action("step", "s", N_("Move the target class to the next one")),)

    def build(self) -> None:
        p = self.params
        self.logits = np.array(PRESETS[p["preset"]]) + p["shift"]
        self.target = p["target"]

    def step(self) -> None:
        self.target = (self.target + 1) % len(CLASSES)

    def snapshot(self) -> SoftmaxSnapshot:
        t = self.params["temperature"]
        probs, loss, grad = softmax_pass(self.logits, t, self.target)
        onehot = np.eye(len(CLASSES))[self.target]
        sig = F.sigmoid(Tensor(self.logits / t)).data
        naive = naive_softmax(self.logits / t)
        if not np.isfinite(naive).all():
            status = Status("warning", _("e^{exponent} overflows: the formula as written gives NaN. Subtracting the "
                                         "largest logit first (as the engine does) gives the same probabilities with "
                                         "every exponent ≤ 0.").format(exponent=f"{self.logits.max() / t:g}"))
        else:
            status = Status("info", _("p({target}) = {p}, loss −log p = {loss}. Softmax sums to 1; the sigmoids sum to "
                                      "{total}.").format(target=_(CLASSES[self.target]), p=f"{probs[self.target]:.3f}",
                                                          loss=f"{loss:.3f}", total=f"{sig.sum():.2f}"))
        return SoftmaxSnapshot(CLASSES, self.logits.copy(), t, self.target, probs, naive, loss, (probs - onehot) / t,
                               grad, sig, (sig - onehot) / t, status)


PROMPTS = {
    "probability": N_("Logits z = ({z}) for classes 1–{n}. What is softmax(z) for class {k}? (3 decimals)"),
    "gradient": N_("Logits z = ({z}), the true class is {t}, loss = −log softmax(z)[{t}]. What is ∂loss/∂z{k}? "
                   "(3 decimals)"),
}


def _drawn(rng: np.random.Generator) -> tuple[tuple[float, ...], int, int]:
    """Three logits, redrawn while all are equal (every answer would be ⅓ or −⅔, a guess), and two classes."""
    values = (-1.0, 0.0, 0.5, 1.0, 2.0, 3.0)
    while True:
        z = tuple(values[i] for i in rng.integers(len(values), size=3))
        if min(z) < max(z):
            return z, int(rng.integers(3)), int(rng.integers(3))


@functools.cache
def _engine_pass(z: tuple[float, ...], target: int) -> tuple[np.ndarray, np.ndarray]:
    """The engine's probabilities and gradient, computed once per logits and target (there are 630 in all)."""
    probs, _loss, grad = softmax_pass(np.array(z), 1.0, target)
    return probs, grad


def probability_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    z, _target, k = _drawn(rng)
    probs, _grad = _engine_pass(z, 0)
    e = np.exp(z)
    worked = in_language(lang, N_("e^z = ({values}), sum {total}; p{k} = {part} / {total} = {p}")).format(
        values=", ".join(f"{v:.3f}" for v in e), total=f"{e.sum():.3f}", k=k + 1, part=f"{e[k]:.3f}", p=f"{probs[k]:.4f}")
    prompt = in_language(lang, PROMPTS["probability"]).format(
        z=", ".join(num(v) for v in z), n=3, k=k + 1)
    return GeneratedQuestion(prompt, float(probs[k]), worked, tolerance=0.001)


def gradient_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    z, t, k = _drawn(rng)
    probs, grad = _engine_pass(z, t)
    y = int(k == t)
    worked = (f"p = softmax(z) = ({', '.join(f'{v:.4f}' for v in probs)}); ∂loss/∂z{k + 1} = p{k + 1} − y{k + 1} "
              f"= {probs[k]:.4f} − {y} = {num(round(grad[k], 4))}")
    prompt = in_language(lang, PROMPTS["gradient"]).format(
        z=", ".join(num(v) for v in z), t=t + 1, k=k + 1)
    return GeneratedQuestion(prompt, float(grad[k]), worked, tolerance=0.001)
