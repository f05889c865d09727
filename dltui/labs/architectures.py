"""Classic architectures: the explorer's shape tables, and a plain vs residual net of equal depth.

Both nets classify the 8×8 digits with the same width, depth, initial weights, batches and
optimizer; the only difference is the shortcut h ← h + relu(W·h) instead of h ← relu(W·h).
At 20 hidden layers the plain net (no normalisation) stays at chance *on its own training data* —
not overfitting but failing to optimize — while the residual net learns. The first hidden layer's
gradient norm shows why: through a plain stack it all but vanishes. (He et al.'s degradation is a
different failure, seen even with batch norm; lesson 10 says so.)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, manual_seed, nn, no_grad, optim
from ..engine import functional as F
from ..engine.arch import NETWORKS, Layer, architecture
from ..engine.data import load_digits
from .base import Action, Control, GeneratedQuestion, Lab, Status

EVERY = 25
"""Steps between measurements of training accuracy and gradient norms; the first step is measured too, so
a single `s` already draws a point."""


NET_NAMES = {"plain": N_("The plain net"), "residual": N_("The residual net")}
"""Each net as a divergence status names it."""


class DeepMLP(nn.Module):
    """64 → width, then `depth` hidden width→width layers (plain or residual), then → 10."""

    def __init__(self, depth: int, width: int, residual: bool) -> None:
        self.first = nn.Linear(64, width)
        self.hidden = nn.ModuleList([nn.Linear(width, width) for _layer in range(depth)])
        self.last = nn.Linear(width, 10)
        self.residual = residual

    def forward(self, x: Tensor) -> Tensor:
        h = F.relu(self.first(x))
        for layer in self.hidden:
            h = h + F.relu(layer(h)) if self.residual else F.relu(layer(h))
        return self.last(h)


@dataclass(frozen=True)
class Measurement:
    step: int
    plain_accuracy: float  # on the training set: the plain net fails to fit it at all
    residual_accuracy: float
    plain_grad: float  # ‖∂loss/∂W‖ of the first hidden layer
    residual_grad: float


@dataclass(frozen=True)
class ArchitecturesSnapshot:
    step: int
    plain_losses: tuple[float, ...]
    residual_losses: tuple[float, ...]
    measurements: tuple[Measurement, ...]
    network: str
    title: str
    layers: tuple[Layer, ...]  # the explorer's table (blocks collapsed unless expanded)
    total: int
    note: str
    diverged: bool  # a net's loss broke the divergence rule (labs/base.py): training stopped
    status: Status


class ArchitecturesLab(Lab):
    controls = (
        Control("depth", N_("Hidden layers"), "int", 20, 1, 40, 1),
        Control("width", N_("Width"), "int", 32, 8, 128, 8),
        Control("lr", N_("Learning rate"), "float", 0.001, 0.0001, 0.1, 0.0005, help=N_("Adam, for both nets")),
        Control("steps", N_("Steps"), "int", 400, 25, 5000, 25),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
        Control("network", N_("Explorer"), "choice", "resnet18", choices=tuple(NETWORKS), restarts=False),
        Control("expand", N_("Every layer"), "bool", False, help=N_("Show the layers inside residual and inception blocks"),
                restarts=False),
    )
    actions = (Action("step", "s", N_("Batch")), Action("run_all", "e", N_("All steps")))
    run_action = "step"

    def build(self) -> None:
        p = self.params
        digits = load_digits()
        self.x, self.y = digits.train_images.reshape(-1, 64) / 16.0, digits.train_labels
        self.nets, self.optimizers = {}, {}
        for kind in ("plain", "residual"):
            manual_seed(p["seed"])  # the same initial weights for both
            self.nets[kind] = DeepMLP(p["depth"], p["width"], kind == "residual")
            self.optimizers[kind] = optim.Adam(self.nets[kind].parameters(), lr=p["lr"])
        self.batches = np.random.default_rng(p["seed"])
        self.count = 0
        self.losses: dict[str, list[float]] = {"plain": [], "residual": []}
        self.measurements: list[Measurement] = []

    @property
    def finished(self) -> bool:
        return self.count >= self.params["steps"] or self.diverged

    def step(self) -> None:
        if self.finished:
            return
        batch = self.batches.integers(0, len(self.y), 64)
        grads = {}
        for kind, net in self.nets.items():
            loss = F.cross_entropy(net(Tensor(self.x[batch])), self.y[batch])
            self.optimizers[kind].zero_grad()
            loss.backward()
            first = net.hidden[0].weight.grad if len(net.hidden) else net.first.weight.grad
            grads[kind] = float(np.linalg.norm(first))
            self.optimizers[kind].step()
            self.losses[kind].append(loss.item())
            self.watch(loss.item(), self.count + 1, N_("step"), NET_NAMES[kind])
        self.count += 1
        if self.count == 1 or self.count % EVERY == 0 or self.finished:
            self.measurements.append(Measurement(self.count, self.accuracy("plain"), self.accuracy("residual"),
                                                 grads["plain"], grads["residual"]))

    def run_all(self) -> None:
        while not self.finished and not self.interrupted():
            self.step()

    def accuracy(self, kind: str) -> float:
        with no_grad():
            return float((self.nets[kind](Tensor(self.x)).data.argmax(1) == self.y).mean())

    def status(self) -> Status:
        if self.diverged:
            return self.divergence.status(_("Lower the learning rate and reset ({reset})."))
        if not self.measurements:
            return Status("info", _("Press {step} to train both nets on the same batch, {run_all} to run to the end."))
        m = self.measurements[-1]
        fields = dict(step=m.step, plain=f"{m.plain_accuracy:.0%}", residual=f"{m.residual_accuracy:.0%}",
                      plain_grad=f"{m.plain_grad:.1e}", residual_grad=f"{m.residual_grad:.1e}")
        if self.finished and m.residual_accuracy - m.plain_accuracy > 0.2:
            return Status("success", _("Step {step}: training accuracy plain {plain}, residual {residual}; first-layer "
                                       "gradient norm plain {plain_grad}, residual {residual_grad}. The plain net fails "
                                       "on its own training data: its gradient vanishes before the first layer; the "
                                       "shortcut carries it.").format(**fields))
        return Status("info", _("Step {step}: training accuracy plain {plain}, residual {residual}; first-layer gradient "
                                "norm plain {plain_grad}, residual {residual_grad}.").format(**fields))

    def snapshot(self) -> ArchitecturesSnapshot:
        a = architecture(self.params["network"])
        return ArchitecturesSnapshot(
            step=self.count, plain_losses=tuple(self.losses["plain"]), residual_losses=tuple(self.losses["residual"]),
            measurements=tuple(self.measurements), network=a.name, title=a.title,
            layers=tuple(a.layers if self.params["expand"] else a.blocks()), total=a.total, note=a.note,
            diverged=self.diverged, status=self.status(),
        )


LAYER_PROMPT = {True: N_("In {net}, layer {layer} is a {kind} taking {c} channels to {out} (bias: yes). "
                        "How many parameters does it have?"),
                False: N_("In {net}, layer {layer} is a {kind} taking {c} channels to {out} (bias: no). "
                         "How many parameters does it have?")}
"""By whether the layer has a bias."""


@functools.cache
def _conv_layers(name: str) -> tuple[str, tuple[Layer, ...]]:
    """A network's title and conv layers, laid out once (the ResNets and GoogLeNet have many)."""
    a = architecture(name)
    return a.title, tuple(layer for layer in a.layers if layer.kind.startswith("conv"))


def layer_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A conv layer of a real network drawn at random: its parameter count from the explorer."""
    title, convs = _conv_layers(tuple(NETWORKS)[rng.integers(len(NETWORKS))])
    layer = convs[int(rng.integers(len(convs)))]
    c, out, k = layer.input_shape[0], layer.shape[0], int(layer.kind.split()[1].split("×")[0])
    bias = layer.params != c * out * k * k
    worked = f"{out}·{c}·{k}·{k}" + (f" + {out}" if bias else "") + f" = {layer.params:,}"
    prompt = in_language(lang, LAYER_PROMPT[bool(bias)]).format(net=title.split(" (")[0], layer=layer.name,
                                                                kind=layer.kind, c=c, out=out)
    return GeneratedQuestion(prompt, layer.params, worked)
