"""DCGAN on the 8×8 digits: a convolutional generator and discriminator, and the guidelines that made them train.

G turns noise z (z_dim × 1 × 1) into an 8×8 image with transposed convolutions (1 → 2 → 4 → 8), batch norm and ReLU,
tanh at its output; D reads an image with strided convolutions (8 → 4 → 2 → 1) and LeakyReLU(0.2). Both train with
Adam at Radford et al.'s lr 0.0002 and β₁ = 0.5, on digits scaled to [−1, 1]. A round is the PyTorch DCGAN tutorial's:
one D step on a real batch and on G(z) (held fixed), then one G step through the same G(z) and the updated D, with the
non-saturating loss −log D(G(z)).

Three of the paper's guidelines are controls: batch norm in both nets, one or neither; D's downsampling by stride or
by max pooling; fully connected hidden layers. At this size only batch norm shows its effect: without it in G, G
collapses onto a few look-alike samples. The grid is G at fixed z's, in eval mode, so a change in it is G's, never
the noise's or the batch's.

The samples are judged three ways: the shipped LeNet of lesson 8 reads each one (how sure it is, and how many of the
ten digits it finds among them: a collapsed G makes few); the RMS distance from each sample to its nearest training
digit (unseen real digits are 0.27 away; a G that copied training digits would be at 0); and their spread, how much
they differ from one another (a collapsed G's is near 0).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..engine import Tensor, functional as F, init, nn, no_grad, optim
from ..engine.data import assets_dir, load_digits, to_lenet
from ..engine.kernels.reference import conv_transpose2d_out_size
from ..i18n import N_, _, in_language
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, num
from .lenet import SHIPPED_WEIGHTS, LeNet5

FIXED = 64  # fixed z's: the grid shows the first ones, the quality measures use all
EVAL_EVERY = 25  # rounds between quality checks
RUN_ROUNDS = 10  # rounds per free-running call: about a quarter of a second
WINDOW = 50  # rounds the status averages D's outputs over
FC_UNITS = 64  # units of the fully connected hidden layer the `fc_hidden` control adds
SLOPE = 0.2  # LeakyReLU's slope in D, as in the paper
D_WINS = 0.05  # mean D(G(z)) under this (over WINDOW rounds): D rejects every sample
COLLAPSED = 0.5  # samples spread less than this share of the real digits' spread: G makes one look-alike
BATCH_NORM = (N_("both"), N_("G only"), N_("D only"), N_("none"))
DOWNSAMPLE = ("stride", "max-pool")


@functools.cache
def real_digits() -> np.ndarray:
    """The training digits, (n, 1, 8, 8), scaled from 0–16 to [−1, 1] to match G's tanh."""
    return load_digits().train_images[:, None] / 8.0 - 1.0


@functools.cache
def reader() -> LeNet5:
    """The shipped LeNet (never the learner's own, so every machine reads a sample the same way)."""
    return LeNet5.load(assets_dir() / SHIPPED_WEIGHTS).eval()


def read(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The digit LeNet reads in each (n, 8, 8) image in [−1, 1], and its probability for that digit."""
    with no_grad():
        p = F.softmax(reader()(Tensor(to_lenet((np.clip(images, -1, 1) + 1) * 8))), -1).data
    return p.argmax(axis=1), p.max(axis=1)


def nearest(images: np.ndarray) -> np.ndarray:
    """Each image's RMS pixel distance (in [−1, 1] units) to its nearest training digit."""
    a, b = images.reshape(len(images), -1), real_digits().reshape(len(real_digits()), -1)
    squared = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(squared.min(axis=1), 0) / a.shape[1])


def spread(images: np.ndarray) -> float:
    """How much the images differ from one another: each pixel's std across them, averaged over the pixels."""
    return float(images.reshape(len(images), -1).std(axis=0).mean())


@functools.cache
def real_reference() -> tuple[float, float]:
    """What real digits score: FIXED unseen (test) digits' mean nearest distance to the training digits, and the
    spread of FIXED training digits."""
    test = load_digits().test_images[:FIXED] / 8.0 - 1.0
    return float(nearest(test).mean()), spread(real_digits()[:FIXED, 0])


class Unflatten(nn.Module):
    """(n, c·h·w) → (n, c, h, w): the FC hidden layer's output becomes the first feature map."""

    def __init__(self, shape: tuple[int, int, int]) -> None:
        self.shape = shape

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], *self.shape)


def generator(z_dim: int, width: int, batch_norm: bool, fc_hidden: bool) -> nn.Sequential:
    """z (z_dim×1×1) → 2×2 → 4×4 → 8×8. The first layer is a projection: a transposed convolution on a 1×1 input is a
    fully connected layer whose output is a feature map. A bias only where no batch norm follows (its β is one)."""
    wide = 2 * width

    def norm_relu(channels: int) -> list[nn.Module]:
        return [nn.BatchNorm2d(channels), nn.ReLU()] if batch_norm else [nn.ReLU()]

    if fc_hidden:
        head = [nn.Flatten(), nn.Linear(z_dim, FC_UNITS), nn.ReLU(), nn.Linear(FC_UNITS, wide * 4, bias=not batch_norm),
                Unflatten((wide, 2, 2))]
    else:
        head = [nn.ConvTranspose2d(z_dim, wide, 2, bias=not batch_norm)]
    return nn.Sequential(*head, *norm_relu(wide),
                         nn.ConvTranspose2d(wide, width, 4, 2, 1, bias=not batch_norm), *norm_relu(width),
                         nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh())


def discriminator(width: int, batch_norm: bool, downsample: str, fc_hidden: bool) -> nn.Sequential:
    """8×8 → 4×4 → 2×2 → one logit, halving by a stride-2 convolution or by a stride-1 convolution and 2×2 max
    pooling. No batch norm on the input layer, as in the paper."""
    wide = 2 * width

    def halve(cin: int, cout: int, bias: bool) -> list[nn.Module]:
        if downsample == "stride":
            return [nn.Conv2d(cin, cout, 4, 2, 1, bias=bias)]
        return [nn.Conv2d(cin, cout, 3, 1, 1, bias=bias), nn.MaxPool2d(2)]

    layers = [*halve(1, width, True), nn.LeakyReLU(SLOPE), *halve(width, wide, not batch_norm)]
    layers += [nn.BatchNorm2d(wide), nn.LeakyReLU(SLOPE)] if batch_norm else [nn.LeakyReLU(SLOPE)]
    if fc_hidden:
        return nn.Sequential(*layers, nn.Flatten(), nn.Linear(wide * 4, FC_UNITS), nn.LeakyReLU(SLOPE),
                             nn.Linear(FC_UNITS, 1))
    return nn.Sequential(*layers, nn.Conv2d(wide, 1, 2))


@dataclass(frozen=True)
class Layer:
    """One layer of G or D as the architecture table lists it: what it is, its output's shape, its parameters."""

    name: str
    shape: tuple[int, ...]  # per sample: (c, h, w) or (features,)
    params: int


def describe(module: nn.Module) -> str:
    """A layer in a few words: `ConvT 32→16 k4 s2 p1`, `BatchNorm 32`, `LeakyReLU 0.2`."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        transposed = isinstance(module, nn.ConvTranspose2d)
        a, b, k = module.weight.shape[:3]  # (out, in, k, k) for a convolution, (in, out, k, k) transposed
        cin, cout = (a, b) if transposed else (b, a)
        (s, _), (p, _) = module.stride, module.padding
        settings = (f" s{s}" if s != 1 else "") + (f" p{p}" if p else "")
        return f"{'ConvT' if transposed else 'Conv'} {cin}→{cout} k{k}{settings}"
    if isinstance(module, nn.Linear):
        return f"Linear {module.in_features}→{module.out_features}"
    if isinstance(module, nn.BatchNorm1d):
        return f"BatchNorm {len(module.running_mean)}"
    if isinstance(module, nn.MaxPool2d):
        return f"MaxPool {module.kernel_size}"
    if isinstance(module, nn.LeakyReLU):
        return f"LeakyReLU {num(module.negative_slope)}"
    return type(module).__name__


def layers(net: nn.Sequential, x: np.ndarray) -> tuple[Layer, ...]:
    """Each layer of `net` with the shape it outputs for input `x` (one sample is enough, in eval mode)."""
    out, h = [], Tensor(x)
    net.eval()
    with no_grad():
        for module in net:
            h = module(h)
            out.append(Layer(describe(module), h.shape[1:], sum(p.size for p in module.parameters())))
    net.train()
    return tuple(out)


@dataclass(frozen=True)
class Check:
    """The samples at the fixed z's, judged every EVAL_EVERY rounds."""

    round: int
    sure: float  # LeNet's mean probability for the digit it reads
    digits: int  # how many of the ten digits LeNet finds among them
    nearest: float  # mean RMS distance to the nearest training digit
    spread: float  # pixel std across the samples


@dataclass(frozen=True)
class DcganSnapshot:
    samples: np.ndarray  # (FIXED, 8, 8) in [−1, 1]: G in eval mode at the fixed z's
    reads: np.ndarray  # (FIXED,) the digit LeNet reads in each sample
    sure: np.ndarray  # (FIXED,) its probability for that digit
    d_loss: np.ndarray  # per round: −V on the D step's batch
    g_loss: np.ndarray  # per round: −mean log D(G(z)) on the G step
    d_real: np.ndarray  # per round: mean D(x) and D(G(z)) on the D step's batches, before its update
    d_fake: np.ndarray
    checks: tuple[Check, ...]
    real_nearest: float  # unseen real digits' distance to their nearest training digit
    real_spread: float
    g_layers: tuple[Layer, ...]
    d_layers: tuple[Layer, ...]
    z_dim: int
    batch_norm: str
    downsample: str
    fc_hidden: bool
    lr: float
    rounds: int
    max_rounds: int
    diverged: bool
    status: Status

    @property
    def last(self) -> Check:
        return self.checks[-1]


class DcganLab(Lab):
    controls = (
        Control("batch_norm", N_("Batch norm"), "choice", "both", choices=BATCH_NORM,
                help=N_("In G (after each hidden layer) and in D (after its second convolution)"), words=True),
        Control("downsample", N_("D downsamples by"), "choice", "stride", choices=DOWNSAMPLE,
                help=N_("stride: 4×4 convolutions with stride 2 (DCGAN); max-pool: 3×3 convolutions, then 2×2 max "
                        "pooling")),
        Control("fc_hidden", N_("FC hidden layers"), "bool", False,  # FC_UNITS = 64
                help=N_("on: a 64-unit fully connected hidden layer after z in G and before D's output")),
        Control("lr", N_("Learning rate"), "float", 0.0002, 0.00001, 0.05, 0.0001,
                help=N_("Adam's, for G and D; β₁ = 0.5")),
        Control("batch", N_("Batch size"), "int", 64, 8, 256, 8),
        Control("z_dim", N_("Noise dimension"), "int", 16, 2, 64, 2),
        Control("width", N_("Channels"), "int", 16, 4, 64, 4,
                help=N_("G's last hidden layer and D's first; the layer between has twice as many")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
        Control("max_rounds", N_("Max rounds"), "int", 3000, 10, 100000, 500, help=N_("Free-running stops here")),
    )
    actions = (
        Action("round", "s", N_("One round")),
        Action("train", "e", N_("10 rounds")),  # RUN_ROUNDS
    )
    run_action = "train"

    def build(self) -> None:
        p = self.params
        init.manual_seed(p["seed"])
        self.rng = np.random.default_rng(p["seed"])
        bn = p["batch_norm"]
        self.G = generator(p["z_dim"], p["width"], bn in ("both", "G only"), p["fc_hidden"])
        self.D = discriminator(p["width"], bn in ("both", "D only"), p["downsample"], p["fc_hidden"])
        self.opt_g = optim.Adam(self.G.parameters(), lr=p["lr"], betas=(0.5, 0.999))
        self.opt_d = optim.Adam(self.D.parameters(), lr=p["lr"], betas=(0.5, 0.999))
        self.g_layers, self.d_layers = layers(self.G, np.zeros((1, p["z_dim"], 1, 1))), layers(self.D, real_digits()[:1])
        self.fixed_z = self.noise(FIXED)
        self.history: dict[str, list[float]] = {k: [] for k in ("d_loss", "g_loss", "d_real", "d_fake")}
        self.checks: list[Check] = []
        self.rounds = 0
        self._reading: tuple[int, tuple[np.ndarray, ...]] | None = None
        self.check()

    def noise(self, n: int) -> np.ndarray:
        return self.rng.normal(size=(n, self.params["z_dim"], 1, 1))

    # ------------------------------------------------------------------ training
    def d_step(self, real: np.ndarray, fake: np.ndarray) -> float:
        """D ascends V on a real batch (label 1) and on G's samples (label 0), each batch through D on its own as in the
        PyTorch tutorial, so D's batch norm never mixes real and fake. Returns D's loss, −V."""
        n = len(real)
        real_logits, fake_logits = (self.D(Tensor(x)).reshape(n, 1) for x in (real, fake))
        loss = (F.binary_cross_entropy_with_logits(real_logits, np.ones((n, 1)))
                + F.binary_cross_entropy_with_logits(fake_logits, np.zeros((n, 1))))
        self.opt_d.zero_grad()
        loss.backward()
        self.opt_d.step()
        self.history["d_real"].append(float(F.sigmoid(real_logits).data.mean()))
        self.history["d_fake"].append(float(F.sigmoid(fake_logits).data.mean()))
        return loss.item()

    def g_step(self, fake: Tensor) -> float:
        """G descends the non-saturating loss −mean log D(G(z)) through the updated D, whose weights this step leaves
        alone; `fake` is G(z) with its graph."""
        n = len(fake.data)
        loss = F.binary_cross_entropy_with_logits(self.D(fake).reshape(n, 1), np.ones((n, 1)))
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()
        return loss.item()

    def update(self, real: np.ndarray, z: np.ndarray) -> tuple[float, float]:
        """One round on this real batch and noise: G(z) once, a D step on it (held fixed), then a G step through it.
        Returns D's and G's losses."""
        fake = self.G(Tensor(z))
        with np.errstate(all="ignore"):
            return self.d_step(real, fake.data), self.g_step(fake)

    def round(self) -> None:
        """A round on a fresh real batch and fresh noise."""
        if self.finished:
            return
        batch = self.params["batch"]
        d_loss, g_loss = self.update(real_digits()[self.rng.integers(len(real_digits()), size=batch)], self.noise(batch))
        self.rounds += 1
        self.history["d_loss"].append(d_loss)
        self.history["g_loss"].append(g_loss)
        unit = N_("round")
        if not self.watch(d_loss, self.rounds, unit, "D") and not self.watch(g_loss, self.rounds, unit, "G"):
            if self.rounds % EVAL_EVERY == 0:
                self.check()

    def train(self) -> None:
        for _unused in range(RUN_ROUNDS):
            if self.finished or self.interrupted():
                return
            self.round()

    @property
    def finished(self) -> bool:
        return self.diverged or self.rounds >= self.params["max_rounds"]

    # ------------------------------------------------------------------ judging the samples
    def samples(self) -> np.ndarray:
        """G at the fixed z's, in eval mode (batch norm with its running statistics): (FIXED, 8, 8)."""
        self.G.eval()
        with no_grad(), np.errstate(all="ignore"):
            images = self.G(Tensor(self.fixed_z)).data[:, 0]
        self.G.train()
        return images

    def reading(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The samples, and what LeNet reads in each, computed once per round."""
        if self._reading is None or self._reading[0] != self.rounds:
            images = self.samples()
            finite = np.nan_to_num(images)
            self._reading = self.rounds, (images, *read(finite))
        return self._reading[1]

    def check(self) -> None:
        images, reads, sure = self.reading()
        finite = np.nan_to_num(images)
        self.checks.append(Check(self.rounds, float(sure.mean()), len(np.unique(reads)), float(nearest(finite).mean()),
                                 spread(finite)))

    # ------------------------------------------------------------------ status and snapshot
    def status(self) -> Status:
        if self.diverged:
            return self.divergence.status(_("Lower the learning rate and reset ({reset})."))
        if self.rounds == 0:  # {round}, {train} and {run} stay: the lesson screen writes their keys there
            return Status("info", _("Press {round} for one round (a D step, then a G step), {train} for {rounds} "
                                    "rounds, {run} to run.").format(rounds=RUN_ROUNDS, round="{round}",
                                                                    train="{train}", run="{run}"))
        verdict = self.verdict()
        if self.rounds >= self.params["max_rounds"]:
            return Status(verdict.kind, _("{verdict} Stopped at max_rounds = {rounds}; a larger max_rounds runs "
                                          "longer.").format(verdict=verdict.text, rounds=self.rounds))
        return verdict

    def verdict(self) -> Status:
        h, last = self.history, self.checks[-1]
        d_real, d_fake = np.mean(h["d_real"][-WINDOW:]), np.mean(h["d_fake"][-WINDOW:])
        where = _("Round {rounds}: D(x) {real}, D(G(z)) {fake}").format(rounds=self.rounds, real=f"{d_real:.2f}",
                                                                         fake=f"{d_fake:.2f}")
        if self.rounds < 2 * EVAL_EVERY:
            return Status("info", _("{where}. Warming up: the samples are judged every {every} rounds.").format(
                where=where, every=EVAL_EVERY))
        if d_fake < D_WINS:
            return Status("warning", _("{where}. D wins: it rejects every sample and G's loss is {loss}.").format(
                where=where, loss=fixed(h['g_loss'][-1], 2)))
        real_spread = real_reference()[1]
        if last.spread < COLLAPSED * real_spread:
            return Status("warning", _("{where}. Mode collapse: the samples spread {share} as much as real digits; "
                                       "LeNet finds {digits} of 10 digits.").format(
                where=where, share=f"{last.spread / real_spread:.0%}", digits=last.digits))
        return Status("info", _("{where}. LeNet reads the samples {sure} sure and finds {digits} of 10 digits; "
                                "{distance} from the nearest training digit.").format(
            where=where, sure=f"{last.sure:.0%}", digits=last.digits, distance=fixed(last.nearest, 2)))

    def snapshot(self) -> DcganSnapshot:
        p = self.params
        images, reads, sure = self.reading()
        h = {k: np.array(v) for k, v in self.history.items()}
        real_nearest, real_spread = real_reference()
        return DcganSnapshot(
            samples=images, reads=reads, sure=sure, d_loss=h["d_loss"], g_loss=h["g_loss"], d_real=h["d_real"],
            d_fake=h["d_fake"], checks=tuple(self.checks), real_nearest=real_nearest, real_spread=real_spread,
            g_layers=self.g_layers, d_layers=self.d_layers, z_dim=p["z_dim"],
            batch_norm=p["batch_norm"], downsample=p["downsample"], fc_hidden=p["fc_hidden"], lr=p["lr"],
            rounds=self.rounds, max_rounds=p["max_rounds"], diverged=self.diverged, status=self.status())


# ------------------------------------------------------------------------------ quiz questions
SIZE_PROMPT = N_("A {h}×{h} feature map goes through ConvTranspose2d with kernel {k}×{k}, stride {s} and padding {p} "
                 "(output_padding 0). How many rows does the output have?")


def size_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A transposed convolution's output size, read off the engine's op. A draw is redrawn whole while its answer is
    1, the input's size, the input times the stride (the guess "it upsamples by the stride") or a convolution's
    output size with the same numbers (the formula the other way round)."""
    while True:
        h, k, s = (int(v) for v in (rng.integers(2, 8), rng.integers(2, 6), rng.integers(1, 4)))
        p = int(rng.integers(0, k))
        if conv_transpose2d_out_size(h, k, s, p) < 1:
            continue
        with no_grad():
            out = F.conv_transpose2d(Tensor(np.zeros((1, 1, h, h))), Tensor(np.zeros((1, 1, k, k))), stride=s,
                                     padding=p).shape[2]
        if out not in (1, h, h * s, (h + 2 * p - k) // s + 1):
            break
    worked = f"(h − 1)·s − 2p + k = ({h} − 1)·{s} − 2·{p} + {k} = {out}"
    return GeneratedQuestion(in_language(lang, SIZE_PROMPT).format(h=h, k=k, s=s, p=p), out, worked)


PARAMS_PROMPT = N_("A generator layer: ConvTranspose2d({cin}, {cout}, kernel_size={k}, bias={bias}){bn}. How many "
                   "learned parameters does it have? (Batch norm's running mean and variance are not learned.)")
THEN_BN = N_(", then BatchNorm2d({cout})")
WORKED_BN = N_("weight {cin}·{cout}·{k}·{k} = {weights} + 2·{cout} (BN's γ and β) = {answer}")
WORKED_BIAS = N_("weight {cin}·{cout}·{k}·{k} = {weights} + {cout} (one bias per output channel) = {answer}")


@functools.cache
def layer_params(cin: int, cout: int, k: int, with_bn: bool) -> int:
    """The engine's count of a ConvTranspose2d's parameters (no bias when a BatchNorm2d follows) and the BatchNorm2d's,
    built once per size (building one draws its initial weights)."""
    net = [nn.ConvTranspose2d(cin, cout, k, bias=not with_bn)] + ([nn.BatchNorm2d(cout)] if with_bn else [])
    return sum(p.size for layer in net for p in layer.parameters())


def params_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A ConvTranspose2d, with no bias and a BatchNorm2d after it (as in DCGAN) or with a bias and none; the engine's
    layers count the parameters. A draw is redrawn while its answer equals a slip: BN left out or its running
    statistics counted, a bias per input channel, or k instead of k²."""
    while True:
        cin, cout = int(rng.choice([16, 32, 64, 100])), int(rng.choice([1, 3, 8, 16, 32]))
        k, with_bn = int(rng.integers(2, 6)), bool(rng.integers(2))
        answer = layer_params(cin, cout, k, with_bn)
        weights = cin * cout * k * k
        slips = {weights + cout, weights + 4 * cout, weights + cin, cin * cout * k + (2 if with_bn else 1) * cout}
        if with_bn:
            slips.add(weights)
        if answer not in slips:
            break
    worked = in_language(lang, WORKED_BN if with_bn else WORKED_BIAS).format(cin=cin, cout=cout, k=k, weights=weights,
                                                                           answer=answer)
    bn = in_language(lang, THEN_BN).format(cout=cout) if with_bn else ""
    prompt = in_language(lang, PARAMS_PROMPT).format(cin=cin, cout=cout, k=k, bias=not with_bn, bn=bn)
    return GeneratedQuestion(prompt, answer, worked)
