"""Why deep nets need careful initialization, and what batch normalization does about it, in three parts.

`stability`: one forward and backward pass through a deep MLP with the chosen activation and initialization. Each
layer's activations (mean, std) and the gradient arriving at them (std of ∂L/∂h, read from the engine's backward
pass) show the signal dying or blowing up on its way through, and how many of a layer's units differ: 1 when every
weight is equal, because then every unit computes the same thing on every sample (symmetry).

`batch-norm`: a small batch through the engine's `nn.BatchNorm1d` (fully connected, 4 samples × 3 features) or
`nn.BatchNorm2d` (convolutional, 2 × 2 channels × 2 × 2, per channel over N, H, W), stepped stage by stage: the
batch mean and variance the op saved, x̂, γx̂ + β, the running statistics it moved (momentum 0.1, the unbiased
variance), the eval-mode output that uses them on the same input, and layer norm's per-sample statistics as the
contrast.

`training`: the same deep net with and without a BatchNorm1d after every linear layer, trained side by side with
SGD on a circle-in-a-square task; both losses are measured in eval mode (running statistics), as a prediction is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F, init, manual_seed, nn, no_grad, optim
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, factor, num

PARTS = (N_("stability"), N_("batch-norm"), N_("training"))
INITS = (N_("zeros"), N_("constant"), N_("small"), N_("large"), "xavier", "kaiming")
ACTIVATIONS = {"sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu}
CONSTANT = 0.1  # every weight of the "constant" init
SMALL, LARGE = 0.01, 1.0  # the std of the "small" and "large" inits
PROBE_BATCH = 64  # the stability pass's batch of standard-normal inputs

FC_SHAPE, CONV_SHAPE = (4, 3), (2, 2, 2, 2)  # the batch-norm part's batches: N × C, and N × C × H × W
POPULATION = {"fc": ((5.0, -2.0, 0.5), (2.0, 0.5, 1.0)), "conv": ((3.0, -1.0), (1.0, 2.0))}
"""Each feature's (channel's) mean and std in the distribution the batches are drawn from."""
AFFINE = {"fc": ((2.0, 0.5, 1.0), (1.0, 0.0, -1.0)), "conv": ((2.0, 0.5), (1.0, -1.0))}
"""γ and β of the batch-norm part: not 1 and 0, so the last stage visibly rescales."""
STAGES = ("x", N_("mean"), N_("variance"), N_("normalize"), N_("scale"), N_("running"), N_("eval"), N_("layer norm"))
BN_RUN = 10  # batches per free-running call in the batch-norm part
BN_BATCHES = 100  # the free run stops there: the running statistics have long settled

POINTS, BATCH, MOMENTUM = 256, 64, 0.9  # the training part: circle data, mini-batches, SGD's momentum
RADIUS = 0.65  # points inside this circle are class 1
DATA_SEED = 22
RUN_EPOCHS = 5


# ------------------------------------------------------------------------------ stability
def initialize(weight: nn.Parameter, how: str) -> None:
    """Set `weight` by the named scheme, with the engine's init functions (its generator)."""
    if how == "zeros":
        init.zeros_(weight)
    elif how == "constant":
        init.constant_(weight, CONSTANT)
    elif how == "small":
        init.normal_(weight, 0.0, SMALL)
    elif how == "large":
        init.normal_(weight, 0.0, LARGE)
    elif how == "xavier":
        init.xavier_normal_(weight)
    else:
        init.kaiming_normal_(weight, nonlinearity="relu")


def init_text(how: str, fan: int) -> str:
    """What the scheme draws for a square layer of `fan` inputs and outputs."""
    return {"zeros": _("every weight {value}").format(value=0),
            "constant": _("every weight {value}").format(value=num(CONSTANT)),
            "small": f"N(0, {num(SMALL)}²)", "large": f"N(0, {num(LARGE)}²)",
            "xavier": f"N(0, 2/(n_in+n_out)) = N(0, {fixed(math.sqrt(1 / fan), 3)}²)",
            "kaiming": f"N(0, 2/n_in) = N(0, {fixed(math.sqrt(2 / fan), 3)}²)"}[how]


def distinct(h: np.ndarray) -> int:
    """How many different units a layer has: units whose outputs agree on every sample of the batch (up to rounding
    error in the last bits) count once."""
    scale = float(np.abs(h).max()) or 1.0
    return len(np.unique(np.round(h.T / scale, 9), axis=0))


@dataclass(frozen=True)
class Stability:
    """One pass through the deep net: per hidden layer (layer 1 first) its activations' mean and std over the batch
    and units, the std of the gradient ∂L/∂h arriving at them, and how many of its units differ (`distinct`)."""

    mean: np.ndarray
    std: np.ndarray
    grad_std: np.ndarray
    distinct: np.ndarray
    loss: float
    weights: tuple[np.ndarray, ...]  # the hidden layers' weights, then the head's (for tests)
    x: np.ndarray
    target: np.ndarray


def stability_pass(activation: str, how: str, depth: int, width: int, seed: int) -> Stability:
    """A batch of standard-normal inputs through `depth` linear layers (biases 0) with the activation, a linear
    output unit and MSE against random targets: one forward and one backward pass with the engine."""
    manual_seed(seed)
    layers = [nn.Linear(width, width) for _layer in range(depth)] + [nn.Linear(width, 1)]
    for layer in layers:
        initialize(layer.weight, how)
        init.zeros_(layer.bias)
    rng = np.random.default_rng(seed)
    x, target = rng.standard_normal((PROBE_BATCH, width)), rng.standard_normal((PROBE_BATCH, 1))
    h, hidden = Tensor(x), []
    for layer in layers[:-1]:
        h = ACTIVATIONS[activation](layer(h))
        hidden.append(h)
    loss = F.mse_loss(layers[-1](h), target)
    loss.backward()
    grads = [h.node.grad_out if h.node.grad_out is not None else np.zeros(h.shape) for h in hidden]
    return Stability(np.array([h.data.mean() for h in hidden]), np.array([h.data.std() for h in hidden]),
                     np.array([g.std() for g in grads]), np.array([distinct(h.data) for h in hidden]),
                     loss.item(), tuple(layer.weight.data.copy() for layer in layers), x, target)


# ------------------------------------------------------------------------------ batch norm, stepped
@dataclass(frozen=True)
class BatchNormStep:
    """One batch through a BatchNorm layer in training mode, then the same input in eval mode and through layer
    norm. Arrays keep the layer's layout (N × C or N × C × H × W); statistics are per channel."""

    layer: str  # "fc" or "conv"
    batch: int  # batches seen, this one included
    x: np.ndarray
    mean: np.ndarray  # the batch's, as the op saved them (the variance biased, as normalization uses it)
    var: np.ndarray
    x_hat: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray
    y: np.ndarray  # training-mode output
    running_before: tuple[np.ndarray, np.ndarray]  # running (mean, var) before and after this batch
    running_after: tuple[np.ndarray, np.ndarray]
    y_eval: np.ndarray  # eval mode on the same input: the running statistics instead of the batch's
    ln_mean: np.ndarray  # layer norm on the same input: each sample's mean and √(σ² + ε) over all its values
    ln_std: np.ndarray
    ln_y: np.ndarray


def batch_norm_module(layer: str) -> nn.BatchNorm1d:
    channels = FC_SHAPE[1] if layer == "fc" else CONV_SHAPE[1]
    module = nn.BatchNorm1d(channels) if layer == "fc" else nn.BatchNorm2d(channels)
    gamma, beta = AFFINE[layer]
    module.weight.data[...], module.bias.data[...] = gamma, beta
    return module


def draw_batch(layer: str, rng: np.random.Generator) -> np.ndarray:
    """A batch from the population, rounded to one decimal so it can be read and checked by hand."""
    shape = FC_SHAPE if layer == "fc" else CONV_SHAPE
    mean, std = (np.array(v).reshape([1, -1] + [1] * (len(shape) - 2)) for v in POPULATION[layer])
    return np.round(mean + std * rng.standard_normal(shape), 1)


def batch_norm_step(module: nn.BatchNorm1d, x: np.ndarray, layer: str, batch: int) -> BatchNormStep:
    """`x` through `module` in training mode (moving its running statistics), eval mode, and layer norm."""
    before = (module.running_mean.copy(), module.running_var.copy())
    module.train()
    y = module(Tensor(x))
    saved = y.node.saved
    module.eval()
    with no_grad():
        y_eval = module(Tensor(x)).data
    ln = F.layer_norm(Tensor(x, requires_grad=True), x.shape[1:])
    n = x.shape[0]
    return BatchNormStep(layer, batch, x, saved["mean"], saved["var"], saved["x_hat"], module.weight.data.copy(),
                         module.bias.data.copy(), y.data, before, (module.running_mean.copy(), module.running_var.copy()),
                         y_eval, ln.node.saved["mean"].reshape(n), 1 / ln.node.saved["inv_std"].reshape(n), ln.data)


# ------------------------------------------------------------------------------ training
def circle_data() -> tuple[np.ndarray, np.ndarray]:
    """POINTS points in [−1, 1]², labelled 1 inside the circle of radius RADIUS: the same for every setting."""
    x = np.random.default_rng(DATA_SEED).uniform(-1, 1, (POINTS, 2))
    return x, (np.hypot(x[:, 0], x[:, 1]) < RADIUS).astype(float)[:, None]


class DeepNet(nn.Module):
    """2 → width × depth → 1 logit; with `norm`, a BatchNorm1d between each linear layer and its activation."""

    def __init__(self, depth: int, width: int, activation: str, how: str, norm: bool) -> None:
        self.layers = nn.ModuleList([nn.Linear(2 if i == 0 else width, width) for i in range(depth)])
        self.norms = nn.ModuleList([nn.BatchNorm1d(width) for _layer in range(depth)] if norm else [])
        self.head = nn.Linear(width, 1)
        self.act = ACTIVATIONS[activation]
        for layer in (*self.layers, self.head):
            initialize(layer.weight, how)
            init.zeros_(layer.bias)

    def forward(self, x: Tensor) -> Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if len(self.norms):
                x = self.norms[i](x)
            x = self.act(x)
        return self.head(x)


MODELS = (N_("plain"), N_("batch norm"))
STAGE_TEXT = {"x": N_("a new batch"), "mean": N_("each feature's batch mean"), "variance": N_("the batch variance"),
              "normalize": "x̂ = (x − μ)/√(σ² + ε)", "scale": "y = γx̂ + β",
              "running": N_("the running statistics moved 10% toward the batch's"),
              "eval": N_("eval mode: the running statistics instead of the batch's"),
              "layer norm": N_("layer norm: each sample's own statistics")}
"""What each stage of the batch-norm part shows, as its status says it."""


@dataclass(frozen=True)
class NormalizationSnapshot:
    part: str
    activation: str
    init: str
    depth: int
    width: int
    seed: int
    stability: Stability | None
    bn: BatchNormStep | None
    stage: int  # the batch-norm part's stage, an index into STAGES
    epoch: int
    epochs: int
    losses: dict[str, np.ndarray] | None  # per model: eval-mode BCE on the whole set after 0, 1, … epochs
    accuracy: dict[str, float] | None
    status: Status

    @property
    def diverged(self) -> bool:
        return self.status.kind == "error"


class NormalizationLab(Lab):
    controls = (
        Control("part", N_("Part"), "choice", "stability", choices=PARTS,
                help=N_("stability: signals through a deep net · batch-norm: one layer stepped · training: with vs without"), words=True),
        Control("activation", N_("Activation"), "choice", "sigmoid", choices=tuple(ACTIVATIONS)),
        Control("init", N_("Init"), "choice", "xavier", choices=INITS, help=N_("How every weight is drawn (biases are 0)"), words=True),
        Control("depth", N_("Layers"), "int", 10, 2, 12, 1, help=N_("Hidden layers of the deep net")),
        Control("width", N_("Width"), "int", 16, 4, 32, 4, help=N_("Units per hidden layer")),
        Control("layer", N_("BN layer"), "choice", "fc", choices=("fc", "conv"),
                help=N_("Batch norm after a fully connected layer (per feature) or a convolution (per channel)")),
        Control("lr", N_("Learning rate η"), "float", 0.1, 0.01, 1.0, 0.01),
        Control("epochs", N_("Epochs"), "int", 100, 10, 500, 10),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1, help=N_("Weights, batches and the order of the data")),
    )
    actions = (
        Action("step", "s", N_("Step")),
        Action("train", "g", N_("Run 5"), background=True),
    )
    run_action = "train"

    def build(self) -> None:
        p = self.params
        self.part, self.stage, self.epoch = p["part"], 0, 0
        self.seed = p["seed"]
        self.stability: Stability | None = None
        self.bn: BatchNormStep | None = None
        self.losses: dict[str, list[float]] = {}
        self.accuracy: dict[str, float] = {}
        if self.part == "stability":
            self.measure()
        elif self.part == "batch-norm":
            self.module = batch_norm_module(p["layer"])
            self.next_batch(0)
        else:
            self.x, self.y = circle_data()
            self.nets, self.optimizers = {}, {}
            for name in MODELS:
                manual_seed(p["seed"])  # both nets start from the same linear weights
                self.nets[name] = DeepNet(p["depth"], p["width"], p["activation"], p["init"], name == "batch norm")
                self.optimizers[name] = optim.SGD(self.nets[name].parameters(), lr=p["lr"], momentum=MOMENTUM)
            self.evaluate()

    # ---------------------------------------------------------------- the parts' work
    def measure(self) -> None:
        p = self.params
        self.stability = stability_pass(p["activation"], p["init"], p["depth"], p["width"], self.seed)

    def next_batch(self, batch: int) -> None:
        layer = self.params["layer"]
        x = draw_batch(layer, np.random.default_rng([self.params["seed"], batch]))
        self.bn = batch_norm_step(self.module, x, layer, batch + 1)

    def epoch_of_training(self) -> None:
        """One pass over the data in mini-batches, the same order for both nets, then both losses in eval mode."""
        order = np.random.default_rng([self.params["seed"], self.epoch]).permutation(POINTS)
        for name in MODELS:
            net, optimizer = self.nets[name], self.optimizers[name]
            net.train()
            for start in range(0, POINTS, BATCH):
                rows = order[start:start + BATCH]
                optimizer.zero_grad()
                F.binary_cross_entropy_with_logits(net(Tensor(self.x[rows])), self.y[rows]).backward()
                optimizer.step()
        self.epoch += 1
        self.evaluate()

    def evaluate(self) -> None:
        for name in MODELS:
            net = self.nets[name]
            net.eval()
            with no_grad():
                logits = net(Tensor(self.x))
                loss = F.binary_cross_entropy_with_logits(logits, self.y).item()
            self.losses.setdefault(name, []).append(loss)
            self.accuracy[name] = float(((logits.data > 0) == (self.y > 0.5)).mean())
            if self.epoch and self.watch(loss, self.epoch, N_("epoch"), name):
                return

    # ---------------------------------------------------------------- actions
    def step(self) -> None:
        """Stability: the next seed's weights and batch. Batch norm: the next stage (after the last, a new batch).
        Training: one epoch."""
        if self.part == "stability":
            self.seed += 1
            self.measure()
        elif self.part == "batch-norm":
            if self.stage < len(STAGES) - 1:
                self.stage += 1
            else:
                self.next_batch(self.bn.batch)
                self.stage = 0
        elif not self.finished:
            self.epoch_of_training()

    def train(self) -> None:
        """Batch norm: BN_RUN more batches in training mode, every stage shown. Training: RUN_EPOCHS epochs."""
        if self.part == "batch-norm":
            for _batch in range(min(BN_RUN, BN_BATCHES - self.bn.batch)):
                self.next_batch(self.bn.batch)
            self.stage = len(STAGES) - 1
        elif self.part == "training":
            for _epoch in range(RUN_EPOCHS):
                if self.finished or self.interrupted():
                    return
                self.epoch_of_training()

    @property
    def finished(self) -> bool:
        if self.part == "batch-norm":
            return self.bn.batch >= BN_BATCHES
        if self.part == "training":
            return self.diverged or self.epoch >= self.params["epochs"]
        return True

    # ---------------------------------------------------------------- the picture
    def status(self) -> Status:
        if self.part == "stability":
            s, p = self.stability, self.params
            if s.distinct.max() == 1:
                return Status("warning", _("Symmetry: all {width} units of every layer hold one value, and get one "
                                           "gradient, so they stay equal however long they train. {step}: next seed.").format(
                    width=p["width"], step="{step}"))
            return Status("info", _("Activation std: layer 1 {first}, layer {depth} {last}; gradient std: layer {depth} "
                                    "{grad_last}, layer 1 {grad_first}. {step}: next seed.").format(
                first=fixed(s.std[0], 3), depth=p["depth"], last=fixed(s.std[-1], 3), grad_last=fixed(s.grad_std[-1], 3),
                grad_first=fixed(s.grad_std[0], 3), step="{step}"))
        if self.part == "batch-norm":
            return Status("info", _("Batch {batch}, stage {stage} of {stages}: {what}. {step}: next stage; {train}/{run}: "
                                    "more batches.").format(batch=self.bn.batch, stage=self.stage + 1, stages=len(STAGES),
                                                            what=_(STAGE_TEXT[STAGES[self.stage]]), step="{step}",
                                                            train="{train}", run="{run}"))
        if self.divergence is not None:
            return self.divergence.status(_("Lower η."))
        plain, normed = (self.losses[name][-1] for name in MODELS)
        if self.epoch == 0:
            return Status("info", _("Press {step} for an epoch of both nets, {run} to run."))
        kind = "success" if self.epoch >= self.params["epochs"] else "info"
        return Status(kind, _("Epoch {epoch}: loss {plain} plain, {normed} with batch norm (accuracy {plain_accuracy}, "
                              "{normed_accuracy}).").format(
            epoch=self.epoch, plain=fixed(plain, 3), normed=fixed(normed, 3),
            plain_accuracy=f"{self.accuracy['plain']:.0%}", normed_accuracy=f"{self.accuracy['batch norm']:.0%}"))

    def snapshot(self) -> NormalizationSnapshot:
        p = self.params
        return NormalizationSnapshot(
            part=self.part, activation=p["activation"], init=p["init"], depth=p["depth"], width=p["width"],
            seed=self.seed, stability=self.stability, bn=self.bn, stage=self.stage, epoch=self.epoch, epochs=p["epochs"],
            losses={name: np.array(v) for name, v in self.losses.items()} or None,
            accuracy=dict(self.accuracy) or None, status=self.status())


# ------------------------------------------------------------------------------ quiz questions
BN_PROMPT = {
    "output": N_("A batch norm layer in training mode gets one feature's values x = ({x}) for a batch of {m} samples, "
                 "with γ = {gamma} and β = {beta}. What is its output for sample {k}? (ε = 10⁻⁵ is too small to "
                 "matter; 2 decimals)"),
    "running": N_("A batch norm layer (momentum {momentum}) starts with running variance {start} and, in training "
                  "mode, sees one feature's values x = ({x}) for a batch of {m} samples. What is the running "
                  "variance afterwards, as PyTorch computes it? (3 decimals)"),
}
BN_WORKED = {
    "output": N_("μ = {mean}, σ² = mean((x − μ)²) = {var} (divided by m = {m}); x̂ = ({x} − {shift})/√{var}; "
                 "y = {gamma}·x̂ + {beta} = {y}"),
    "running": N_("σ² of the batch, unbiased (÷(m − 1) = ÷{m_1}): {unbiased}; running variance ← 0.9·1 + 0.1·{unbiased} "
                  "= {answer}"),
}


def bn_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A feature's batch through the engine's `F.batch_norm` in training mode: one sample's output, or the running
    variance it leaves (unbiased). A draw a shortcut answers (β, the input itself, the other variance) is redrawn."""
    while True:
        m = int(rng.integers(3, 6))
        x = rng.integers(-20, 21, m) / 5.0
        gamma, beta = float(rng.choice([0.5, 1.5, 2.0, 3.0])), float(rng.choice([-1.0, 0.5, 1.0, 2.0]))
        k = int(rng.integers(m))
        kind = ("output", "running")[rng.integers(2)]
        running_mean, running_var = np.zeros(1), np.ones(1)
        y = F.batch_norm(Tensor(x[:, None]), running_mean, running_var, Tensor([gamma]), Tensor([beta]), training=True)
        biased = float(x.var())
        if biased < 0.3:
            continue
        if kind == "output":
            answer, tolerance = float(y.data[k, 0]), 0.01
            wrong = (0.0, 1.0, -1.0, beta, x[k], gamma * (x[k] - x.mean()) / math.sqrt(x.var(ddof=1)) + beta)
        else:
            answer, tolerance = float(running_var[0]), 0.001
            wrong = (1.0, 0.9 + 0.1 * biased, biased)
        if min(abs(answer - w) for w in wrong) > 3 * tolerance:
            break
    mean = float(x.mean())
    if kind == "output":
        worked = in_language(lang, BN_WORKED["output"]).format(
            mean=num(round(mean, 4)), var=num(round(biased, 4)), m=m, x=num(x[k]), shift=factor(round(mean, 4)),
            gamma=num(gamma), beta=num(beta), y=num(round(answer, 4)))
    else:
        unbiased = biased * m / (m - 1)
        worked = in_language(lang, BN_WORKED["running"]).format(m_1=m - 1, unbiased=num(round(unbiased, 4)),
                                                                answer=num(round(answer, 4)))
    prompt = in_language(lang, BN_PROMPT[kind]).format(
        x=", ".join(num(v) for v in x), m=m, gamma=num(gamma), beta=num(beta), k=k + 1, momentum=num(0.1), start=1)
    return GeneratedQuestion(prompt, answer, worked, tolerance=tolerance)


XAVIER_LAYER = {"linear": "nn.Linear({fan_in}, {fan_out})", "conv": "nn.Conv2d({c_in}, {c_out}, kernel_size={k})"}
XAVIER_PROMPT = N_("The weight of {layer} is drawn with Xavier (Glorot) normal initialization, gain 1. What is the "
                   "variance of each weight? (5 decimals)")
XAVIER_CONV_WORKED = N_("fan_in = {fan_in}, fan_out = {fan_out} (× the kernel's {kh}·{kw} positions); "
                        "Var = 2/(fan_in + fan_out) = 2/{fans} = {answer}")


def xavier_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A linear or convolutional layer; the engine's `fan_in_and_fan_out` gives its fans and Var = 2/(fan_in + fan_out).
    A draw where a wrong rule (1/fan_in, 2/fan_in, 1/(fan_in + fan_out), the std, a conv's fans without the kernel)
    comes within the tolerance is redrawn."""
    while True:
        if rng.integers(2):
            c_in, c_out, k = (int(rng.choice(v)) for v in ((1, 3, 6, 16), (4, 6, 8, 16, 32), (3, 5)))
            shape, names = (c_out, c_in, k, k), {"c_in": c_in, "c_out": c_out, "k": k}
        else:
            fan_in, fan_out = (int(rng.choice((10, 16, 30, 64, 84, 100, 120, 128, 256))) for _side in range(2))
            shape, names = (fan_out, fan_in), {"fan_in": fan_in, "fan_out": fan_out}
        fan_in, fan_out = init.fan_in_and_fan_out(Tensor(np.empty(shape)))
        answer = 2.0 / (fan_in + fan_out)
        wrong = [1 / fan_in, 2 / fan_in, 1 / (fan_in + fan_out), math.sqrt(answer)]
        if len(shape) == 4:
            wrong.append(2 / (shape[0] + shape[1]))
        if min(abs(answer - w) for w in wrong) > 0.00002:
            break
    layer = XAVIER_LAYER["conv" if len(shape) == 4 else "linear"].format(**names)
    if len(shape) == 4:
        worked = in_language(lang, XAVIER_CONV_WORKED).format(fan_in=fan_in, fan_out=fan_out, kh=shape[2], kw=shape[3],
                                                              fans=fan_in + fan_out, answer=f"{answer:.5f}")
    else:
        worked = f"fan_in = {fan_in}, fan_out = {fan_out}; Var = 2/(fan_in + fan_out) = 2/{fan_in + fan_out} = {answer:.5f}"
    return GeneratedQuestion(in_language(lang, XAVIER_PROMPT).format(layer=layer), answer, worked, tolerance=0.000005)
