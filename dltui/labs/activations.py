"""Activation functions and their derivatives, and what the derivatives do to a deep net's gradients.

Every curve's derivative is computed by the engine's backward pass (sum the outputs, backprop:
each x's gradient is f′(x)) and checked against the closed form, so the plot shows what training
really uses. The step function is the exception that makes the point: its derivative is 0
wherever it exists, so no gradient can pass through it; that is why the perceptron's rule could
not be turned into backpropagation until smooth units replaced the step.

The deep net shows the product rule at scale: the gradient reaching layer 1 has been multiplied
by one activation derivative per layer above it. σ′ ≤ 0.25, so with sigmoid it shrinks layer by
layer; ReLU's derivative is 1 wherever a unit is active.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F
from ..engine.nn import Parameter
from .base import Action, Control, GeneratedQuestion, Lab, Status, num

ELU_ALPHA = 1.0
LEAKY_SLOPE = 0.01
X_RANGE = (-4.0, 4.0)
POINTS = 161  # x grid: steps of 0.05, so 0 and the integers are on it


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


FUNCTIONS: dict[str, tuple[Callable[[Tensor], Tensor] | None, Callable, Callable, str]] = {
    # name: (engine op, f, closed-form f′, the formula shown: marked N_, {slope} is LEAKY_SLOPE)
    "step": (None, lambda x: (x >= 0).astype(float), lambda x: np.zeros_like(x), N_("1 if x ≥ 0 else 0;  f′ = 0 (none at 0)")),
    "sigmoid": (F.sigmoid, _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x)), "σ(x) = 1/(1 + e⁻ˣ);  σ′ = σ(1 − σ) ≤ 1/4"),
    "tanh": (F.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2, "tanh x;  tanh′ = 1 − tanh² ≤ 1"),
    "relu": (F.relu, lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float), N_("max(x, 0);  f′ = 1 if x > 0 else 0")),
    "leaky_relu": (lambda t: F.leaky_relu(t, LEAKY_SLOPE), lambda x: np.where(x > 0, x, LEAKY_SLOPE * x),
                   lambda x: np.where(x > 0, 1.0, LEAKY_SLOPE), N_("x if x > 0 else {slope}x;  f′ = 1 or {slope}")),
    "elu": (lambda t: F.elu(t, ELU_ALPHA), lambda x: np.where(x > 0, x, ELU_ALPHA * np.expm1(np.minimum(x, 0))),
            lambda x: np.where(x > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(x, 0))), N_("x if x > 0 else eˣ − 1;  f′ = 1 or eˣ")),
}
DEEP = ("sigmoid", "tanh", "relu")  # the activations the deep net compares


@dataclass(frozen=True)
class Curve:
    name: str
    formula: str
    f: np.ndarray  # on the lab's x grid
    derivative: np.ndarray  # by the engine's backward (step: the closed form, it has no op)
    closed_form: np.ndarray
    max_error: float  # largest |backward − closed form| on the grid


def curve(name: str, x: np.ndarray) -> Curve:
    op, f, df, formula = FUNCTIONS[name]
    formula = _(formula).format(slope=LEAKY_SLOPE)  # in the interface's language
    if op is None:
        return Curve(name, formula, f(x), df(x), df(x), 0.0)
    t = Tensor(x, requires_grad=True)
    y = op(t)
    y.sum().backward()  # ∂(Σᵢ f(xᵢ))/∂xᵢ = f′(xᵢ): one backward gives the whole derivative curve
    return Curve(name, formula, y.data, t.grad, df(x), float(np.abs(t.grad - df(x)).max()))


INITS = {  # uniform bound for a layer with n inputs (and n outputs)
    "kaiming": lambda n: math.sqrt(6 / n),  # He: keeps ReLU activations' variance steady
    "xavier": lambda n: math.sqrt(6 / (n + n)),  # Glorot: variance steady for tanh near 0
    "pytorch": lambda n: 1 / math.sqrt(n),  # nn.Linear's default, smaller than both
}


def layer_grad_norms(activation: str, depth: int, width: int, seed: int, init: str = "kaiming") -> np.ndarray:
    """‖∂L/∂Wₗ‖ for each hidden layer l = 1 (next to the input) … depth, after one backward pass.

    A batch of 64 standard-normal inputs, `depth` linear layers with the activation, a linear
    output unit and MSE against random targets. The same seed draws the same uniform numbers for
    every activation, so only the activation differs.
    """
    rng = np.random.default_rng(seed)
    bound = INITS[init](width)
    weights = [Parameter(rng.uniform(-bound, bound, (width, width)), name=f"layer{l + 1}.weight") for l in range(depth)]
    biases = [Parameter(rng.uniform(-bound, bound, width), name=f"layer{l + 1}.bias") for l in range(depth)]
    head = Parameter(rng.uniform(-bound, bound, (1, width)), name="out.weight")
    x, target = rng.standard_normal((64, width)), rng.standard_normal((64, 1))
    h = Tensor(x)
    for w, b in zip(weights, biases):
        h = FUNCTIONS[activation][0](F.linear(h, w, b))
    F.mse_loss(F.linear(h, head), target).backward()
    return np.array([np.linalg.norm(w.grad) for w in weights])


@dataclass(frozen=True)
class ActivationsSnapshot:
    x: np.ndarray
    curves: tuple[Curve, ...]  # every function, in FUNCTIONS order
    selected: str
    depth: int
    width: int
    seed: int
    grad_norms: dict[str, np.ndarray]  # per DEEP activation: ‖∂L/∂Wₗ‖, layer 1 first
    status: Status

    def ratio(self, activation: str) -> float:
        """Layer 1's gradient norm over the last layer's: how much of the gradient survives the trip down."""
        norms = self.grad_norms[activation]
        return float(norms[0] / norms[-1])


class ActivationsLab(Lab):
    controls = (
        Control("function", N_("Function"), "choice", "sigmoid", choices=tuple(FUNCTIONS),
                help=N_("The curve to highlight")),
        Control("depth", N_("Layers"), "int", 8, 2, 16, 1, help=N_("Hidden layers in the deep net")),
        Control("width", N_("Width"), "int", 16, 2, 64, 2, help=N_("Units per hidden layer")),
        Control("init", N_("Init"), "choice", "kaiming", choices=tuple(INITS), help=N_("The deep net's weight scale")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1, help=N_("The deep net's weights and batch")),
    )
    actions = (Action("resample", "s", N_("New weights and batch (next seed)")),)

    def build(self) -> None:
        self.x = np.linspace(*X_RANGE, POINTS)
        self.curves = tuple(curve(name, self.x) for name in FUNCTIONS)
        self.seed = self.params["seed"]
        self.measure()

    def measure(self) -> None:
        p = self.params
        self.norms = {a: layer_grad_norms(a, p["depth"], p["width"], self.seed, p["init"]) for a in DEEP}

    def resample(self) -> None:
        self.seed += 1
        self.measure()

    def status(self) -> Status:
        sig, relu = (self.norms[a][0] / self.norms[a][-1] for a in ("sigmoid", "relu"))
        return Status("info", _("Layer 1 gets {sigmoid} of the last layer's gradient with sigmoid, {relu} with ReLU "
                                "({depth} layers). Each sigmoid layer multiplies it by σ′ ≤ 0.25.").format(
            sigmoid=f"{sig:.1e}", relu=f"{relu:.2g}", depth=self.params["depth"]))

    def snapshot(self) -> ActivationsSnapshot:
        p = self.params
        return ActivationsSnapshot(self.x, self.curves, p["function"], p["depth"], p["width"], self.seed,
                                   {a: n.copy() for a, n in self.norms.items()}, self.status())


DERIVATIVE_PROMPT = N_("What is the derivative {name}′(x) at x = {x}?{defined} (3 decimals)")
DEFINITIONS = {  # {slope} is LEAKY_SLOPE, {alpha} ELU_ALPHA
    "leaky_relu": N_(" Here leaky_relu(x) = x for x > 0 and {slope}·x otherwise."),
    "elu": N_(" Here elu(x) = x for x > 0 and α(eˣ − 1) otherwise, with α = {alpha}."),
}
DRILL_POINTS = (*((name, x) for name in ("sigmoid", "tanh") for x in (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)),
                *((name, x) for name in ("leaky_relu", "elu") for x in (-2.0, -1.0, -0.5)))
"""Where a derivative takes some working: ReLU's is 0 or 1 and the others' is 1 for x > 0, guesses that pass."""


@functools.cache
def _slope(name: str, x: float) -> float:
    """f′(x) by the engine's backward, computed once per drill point."""
    return float(curve(name, np.array([x])).derivative[0])


def derivative_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A function and a point; the answer is what the engine's backward gives there."""
    name, x = DRILL_POINTS[rng.integers(len(DRILL_POINTS))]
    answer = _slope(name, x)
    value = float(FUNCTIONS[name][1](np.array([x]))[0])
    worked = {
        "sigmoid": f"σ({num(x)}) = {value:.4f}; σ′ = σ(1 − σ) = {value:.4f}·{1 - value:.4f} = {answer:.4f}",
        "tanh": f"tanh({num(x)}) = {value:.4f}; tanh′ = 1 − tanh² = 1 − {value:.4f}² = {answer:.4f}",
        "leaky_relu": in_language(lang, N_("x = {x} is negative: the slope there is {slope}")).format(
            x=num(x), slope=LEAKY_SLOPE),
        "elu": in_language(lang, N_("x = {x} is negative: slope αeˣ = {alpha}·e^{x} = {answer}")).format(
            x=num(x), alpha=num(ELU_ALPHA), answer=f"{answer:.4f}"),
    }[name]
    defined = in_language(lang, DEFINITIONS.get(name, "")).format(slope=LEAKY_SLOPE, alpha=num(ELU_ALPHA))
    prompt = in_language(lang, DERIVATIVE_PROMPT).format(name=name, x=num(x), defined=defined)
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.001)
