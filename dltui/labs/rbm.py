"""Boltzmann machines on binarized 8×8 digits, in four parts.

`rbm`: a restricted Boltzmann machine, 64 visible pixels and `hidden` units, E(v, h) = −b·v − c·h − h·W·v, trained by
contrastive divergence (CD-k) on mini-batches of 16. Each update's positive statistics ⟨v·p(h|v)⟩ come from the data,
its negative ones from the same batch after k Gibbs steps v → h → v′; the view writes both out for one weight, and
draws a test digit's Gibbs chain, the reconstruction error, the free energy of digits and of noise, and the filters.

`sample`: an RBM trained for `epochs` epochs, then Gibbs chains started from noise: digits appear.

`dbn`: a deep belief network, 64 → hidden → hidden/2, pre-trained greedily (an RBM on the pixels, then one on the
first RBM's p(h|v)), then fine-tuned as a classifier on a few labelled digits beside the same net from random weights.

`bm`: a tiny full Boltzmann machine (3 visible, 2 hidden, connections inside each layer): its 2⁵ states enumerated,
to show why p(h|v) factorizes over the hidden units only when the hidden–hidden weight is 0.

Why the RBM is NumPy and not the engine's autograd: CD's update is not the gradient of a loss a tape could
differentiate. Its negative half comes from Bernoulli samples of a Markov chain, and the log-likelihood it stands in
for needs the partition function Z, a sum over 2^(64 + hidden) states. So the update is written as what it is, the
difference of two averages, with the engine's reference sigmoid. The DBN's fine-tuning is ordinary supervised learning
and goes through the engine: nn.Linear layers with the RBMs' weights copied in, sigmoids, F.cross_entropy, optim.SGD.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F, manual_seed, nn, no_grad, optim
from ..engine.data import load_digits
from ..engine.kernels import reference as K
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, factor, num

PARTS = ("rbm", "sample", "dbn", "bm")
THRESHOLD = 8  # a pixel (0–16) above this is on
BATCH = 16
INIT_STD = 0.1  # the RBMs' starting weights: N(0, 0.1²)
EVAL_EVERY = 9  # updates between two points of the curves: 10 an epoch (every update of the first 9)
CURVE_DIGITS = 360  # the training digits the curves measure (as many as the test digits)
CHAINS = 8
SAMPLE_STEPS = 100  # a free run of the sample part stops here
SAMPLE_PACE = 0.25  # seconds between Gibbs steps of a free run: digits to watch appear
LABEL_SEED, NOISE_SEED = 240, 241


def binarize(images: np.ndarray) -> np.ndarray:
    """(n, 8, 8) counts 0–16 → (n, 64) pixels 0 or 1."""
    images = np.asarray(images)
    return (images.reshape(len(images), -1) > THRESHOLD).astype(float)


@functools.cache
def binary_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training images and labels, then test images and labels: the engine's fixed split, binarized."""
    d = load_digits()
    return binarize(d.train_images), d.train_labels, binarize(d.test_images), d.test_labels


@functools.cache
def shown_digits() -> np.ndarray:
    """Test digits in the order the rbm part shows them: the first 0, 1, …, 9, then the second of each, and so on."""
    labels = binary_digits()[3]
    rank = np.zeros(len(labels), dtype=int)
    for label in range(10):
        rank[labels == label] = np.arange((labels == label).sum())
    return np.lexsort((labels, rank))


@functools.cache
def noise_images() -> np.ndarray:
    """As many random images as test digits, each pixel on with the training digits' mean density: the free energy's
    baseline (what the RBM thinks of images that are not digits)."""
    x, _labels, xt, _test_labels = binary_digits()
    return (np.random.default_rng(NOISE_SEED).random(xt.shape) < x.mean()).astype(float)


def bernoulli(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return (rng.random(p.shape) < p).astype(float)


@dataclass
class RBM:
    """W is hidden × visible (row j is hidden unit j's filter, as nn.Linear stores a weight), b the visible biases,
    c the hidden ones. E(v, h) = −b·v − c·h − h·W·v."""

    W: np.ndarray
    b: np.ndarray
    c: np.ndarray

    @classmethod
    def start(cls, data: np.ndarray, hidden: int, rng: np.random.Generator) -> RBM:
        """Small random weights, hidden biases 0, each visible bias at its pixel's log-odds in the data (so p(v|h = 0)
        is the mean image), as Hinton's practical guide advises."""
        mean = np.clip(data.mean(axis=0), 0.01, 0.99)
        return cls(rng.normal(0.0, INIT_STD, (hidden, data.shape[1])), np.log(mean / (1 - mean)), np.zeros(hidden))

    def copy(self) -> RBM:
        return RBM(self.W.copy(), self.b.copy(), self.c.copy())

    def hidden_probs(self, v: np.ndarray) -> np.ndarray:
        """p(hⱼ = 1 | v) = σ(cⱼ + Wⱼ·v), every j at once: given v the hidden units are independent."""
        return K.sigmoid_forward(v @ self.W.T + self.c)

    def visible_probs(self, h: np.ndarray) -> np.ndarray:
        """p(vᵢ = 1 | h) = σ(bᵢ + Σⱼ hⱼWⱼᵢ)."""
        return K.sigmoid_forward(h @ self.W + self.b)

    def energy(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        return -(v @ self.b) - (h @ self.c) - ((h @ self.W) * v).sum(axis=-1)

    def free_energy(self, v: np.ndarray) -> np.ndarray:
        """F(v) = −log Σ_h e^(−E(v, h)) = −b·v − Σⱼ log(1 + e^(cⱼ + Wⱼ·v)): the sum over h in closed form."""
        return -(v @ self.b) - np.logaddexp(0.0, v @ self.W.T + self.c).sum(axis=-1)

    def reconstruct(self, v: np.ndarray) -> np.ndarray:
        """One mean-field pass down and back: p(v | h = p(h|v))."""
        return self.visible_probs(self.hidden_probs(v))

    def reconstruction_error(self, v: np.ndarray) -> float:
        """The engine's mean squared error between the images and their reconstructions."""
        with no_grad():
            return F.mse_loss(Tensor(self.reconstruct(v)), v).item()


@dataclass(frozen=True)
class Statistics:
    """A CD estimate on a batch: the averages of v·p(h|v)ᵀ, v and p(h|v) over the data (positive) and over the chains'
    ends (negative). The hidden side takes p(h|v) rather than a sampled h: the same expectation, less noise."""

    positive: np.ndarray  # (hidden, visible)
    negative: np.ndarray
    visible: tuple[np.ndarray, np.ndarray]  # ⟨v⟩ data, chains
    hidden: tuple[np.ndarray, np.ndarray]  # ⟨p(h|v)⟩ data, chains

    @property
    def gradients(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The CD estimate of ∂ mean log p(v) / ∂(W, b, c)."""
        return self.positive - self.negative, self.visible[0] - self.visible[1], self.hidden[0] - self.hidden[1]


def statistics(v0: np.ndarray, ph0: np.ndarray, vk: np.ndarray, phk: np.ndarray) -> Statistics:
    n = len(v0)
    return Statistics(ph0.T @ v0 / n, phk.T @ vk / n, (v0.mean(axis=0), vk.mean(axis=0)),
                      (ph0.mean(axis=0), phk.mean(axis=0)))


def gibbs(rbm: RBM, v: np.ndarray, steps: int, rng: np.random.Generator) -> np.ndarray:
    """`steps` full Gibbs steps from v: h ~ p(h|v), then v ~ p(v|h), every unit of a layer at once."""
    for _step in range(steps):
        v = bernoulli(rbm.visible_probs(bernoulli(rbm.hidden_probs(v), rng)), rng)
    return v


def contrastive_divergence(rbm: RBM, v0: np.ndarray, k: int, rng: np.random.Generator) -> Statistics:
    """CD-k on the batch v0: the negative statistics at the end of a k-step chain started at each data vector."""
    vk = gibbs(rbm, v0, k, rng)
    return statistics(v0, rbm.hidden_probs(v0), vk, rbm.hidden_probs(vk))


def apply(rbm: RBM, stats: Statistics, lr: float) -> None:
    """Gradient ascent on the log-likelihood, CD's estimate of it: W += η·(positive − negative), likewise b and c."""
    dW, db, dc = stats.gradients
    rbm.W += lr * dW
    rbm.b += lr * db
    rbm.c += lr * dc


def epoch_batches(n: int, epoch: int, seed: int) -> list[np.ndarray]:
    """The rows of each mini-batch of one epoch: a shuffle drawn from the seed and the epoch's number."""
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return [order[start:start + BATCH] for start in range(0, n, BATCH)]


def train_epoch(rbm: RBM, data: np.ndarray, epoch: int, k: int, lr: float, seed: int, rng: np.random.Generator) -> None:
    for rows in epoch_batches(len(data), epoch, seed):
        apply(rbm, contrastive_divergence(rbm, data[rows], k, rng), lr)


@functools.lru_cache(maxsize=4)
def trained_rbm(hidden: int, k: int, lr: float, epochs: int, seed: int) -> RBM:
    """The rbm part's model at the end of its run with these settings (the sample part starts from it)."""
    x = binary_digits()[0]
    rng = np.random.default_rng(seed)
    rbm = RBM.start(x, hidden, rng)
    for epoch in range(epochs):
        train_epoch(rbm, x, epoch, k, lr, seed, rng)
    return rbm


def hamming_to_nearest(images: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each image: how many pixels differ from its nearest reference image, and that image's index."""
    differ = images @ (1 - reference).T + (1 - images) @ reference.T
    nearest = differ.argmin(axis=1)
    return differ[np.arange(len(images)), nearest], nearest


@functools.cache
def test_digit_distance() -> float:
    """How many pixels a test digit differs from its nearest training digit, on average: what "looks like a digit"
    means in pixels."""
    x, _labels, xt, _test_labels = binary_digits()
    return float(hamming_to_nearest(xt, x)[0].mean())


# ------------------------------------------------------------------------------ the DBN
def classifier(hidden: int, seed: int, rbms: tuple[RBM, RBM] | None = None) -> nn.Sequential:
    """64 → hidden → hidden/2 → 10, sigmoid hidden layers and a linear readout for F.cross_entropy. The engine's random
    weights from `seed` (the same for every net); with `rbms`, each hidden layer then takes its RBM's W and hidden
    biases c, so it computes that RBM's p(h|v)."""
    manual_seed(seed)
    net = nn.Sequential(nn.Linear(64, hidden), nn.Sigmoid(), nn.Linear(hidden, hidden // 2), nn.Sigmoid(),
                        nn.Linear(hidden // 2, 10))
    if rbms is not None:
        for layer, rbm in zip((net[0], net[2]), rbms):
            layer.weight.data[...] = rbm.W
            layer.bias.data[...] = rbm.c
    return net


NETS = (N_("pre-trained"), N_("random"))
NET_NAMES = {"pre-trained": N_("The pre-trained net"), "random": N_("The random net")}  # who diverged


@dataclass(frozen=True)
class WeightUpdate:
    """One weight's share of the last CD update: W[unit, pixel] += lr·(positive − negative)."""

    unit: int
    pixel: int
    positive: float
    negative: float
    lr: float
    k: int

    @property
    def delta(self) -> float:
        return self.lr * (self.positive - self.negative)


@dataclass(frozen=True)
class Chain:
    """A test digit's Gibbs chain under the current RBM: v⁰ → h⁰ ~ p(h|v⁰) → p(v|h⁰) → … → vᵏ."""

    digit: int  # the test digit's label
    v0: np.ndarray
    ph0: np.ndarray
    h0: np.ndarray
    pv1: np.ndarray
    vk: np.ndarray


@dataclass(frozen=True)
class Curves:
    """The rbm part's history, a point every EVAL_EVERY updates (and each of the first ones): x in epochs."""

    epochs: np.ndarray
    recon_train: np.ndarray  # reconstruction error of the training and the test digits
    recon_test: np.ndarray
    free_train: np.ndarray  # mean free energy of training digits, test digits and noise images
    free_test: np.ndarray
    free_noise: np.ndarray


@dataclass(frozen=True)
class BMTable:
    """The tiny full Boltzmann machine at one visible vector: each hidden state's energy and p(h|v) by enumeration,
    beside the product of the marginals p(h₁|v)·p(h₂|v) that an RBM's p(h|v) would equal."""

    v: np.ndarray
    lateral: float
    states: np.ndarray  # (4, 2) hidden states
    energies: np.ndarray
    exact: np.ndarray  # p(h|v)
    product: np.ndarray  # p(h₁|v)·p(h₂|v)
    marginals: np.ndarray  # p(hⱼ = 1|v)
    conditional: np.ndarray  # [j, other]: p(hⱼ = 1 | v, the other hidden unit = other)
    log_z: float  # over all 32 states
    p_v: float


BM_W = np.array([[1.5, -1.0, 1.0], [1.0, 1.0, -1.5]])  # hidden × visible
BM_B, BM_C = np.array([-0.5, 0.5, 0.0]), np.array([-1.0, 0.5])
BM_V = np.array([[0.0, 0.5, -1.0], [0.5, 0.0, 0.5], [-1.0, 0.5, 0.0]])  # visible–visible, symmetric, 0 on the diagonal
BM_VISIBLE = [np.array(v, dtype=float) for v in itertools.product((0, 1), repeat=3)]
BM_HIDDEN = np.array(list(itertools.product((0, 1), repeat=2)), dtype=float)


def bm_energy(v: np.ndarray, h: np.ndarray, lateral: float) -> np.ndarray:
    """E(v, h) = −b·v − c·h − h·W·v − Σᵢ<ₖ Vᵢₖvᵢvₖ − L·h₁h₂ for each row h."""
    h = np.atleast_2d(h)
    return -(v @ BM_B) - h @ BM_C - h @ BM_W @ v - 0.5 * v @ BM_V @ v - lateral * h[:, 0] * h[:, 1]


def bm_table(v: np.ndarray, lateral: float) -> BMTable:
    energies = bm_energy(v, BM_HIDDEN, lateral)
    with no_grad():
        exact = F.softmax(Tensor(-energies)).data  # e^(−E)/Σ_h e^(−E)
    marginals = exact @ BM_HIDDEN
    product = np.prod(np.where(BM_HIDDEN == 1, marginals, 1 - marginals), axis=1)
    drive = BM_C + BM_W @ v
    conditional = K.sigmoid_forward(drive[:, None] + lateral * np.array([0.0, 1.0]))
    every = np.concatenate([-bm_energy(u, BM_HIDDEN, lateral) for u in BM_VISIBLE])
    log_z = float(np.logaddexp.reduce(every))
    p_v = float(np.exp(np.logaddexp.reduce(-energies) - log_z))
    return BMTable(v, lateral, BM_HIDDEN, energies, exact, product, marginals, conditional, log_z, p_v)


@dataclass(frozen=True)
class RbmSnapshot:
    part: str
    hidden: int
    k: int
    lr: float
    status: Status
    # rbm and sample parts
    updates: int = 0
    epoch: float = 0.0  # rbm: epochs done, fractional
    epochs: int = 0  # rbm: where the run stops; sample: the epochs the RBM has trained
    chain: Chain | None = None
    update: WeightUpdate | None = None
    curves: Curves | None = None
    gallery: tuple[np.ndarray, np.ndarray] | None = None  # a test digit of each class and its reconstruction
    filters: np.ndarray | None = None  # (hidden, 64), the largest ‖Wⱼ‖ first
    chains: np.ndarray | None = None  # sample: each chain's picture now (noise at step 0, then p(v|h))
    looks_like: np.ndarray | None = None  # sample: the label of each chain's nearest training digit
    steps: int = 0
    chain_free: np.ndarray | None = None  # sample: mean F(v) of the chains after 0, 1, … steps
    chain_distance: np.ndarray | None = None  # sample: mean pixels off the nearest training digit
    digit_free: float = 0.0  # the test digits' mean F(v) and distance: where the chains are heading
    digit_distance: float = 0.0
    # dbn part
    pretrain: int = 0
    pre_recon: tuple[np.ndarray, np.ndarray] | None = None  # per RBM: reconstruction error after 0, 1, … epochs
    finetune: int = 0
    labels: int = 0
    accuracy: dict[str, np.ndarray] | None = None  # per net: test accuracy after 0, 1, … fine-tuning epochs
    loss: dict[str, np.ndarray] | None = None  # per net: cross-entropy on the labelled digits
    # bm part
    table: BMTable | None = None

    @property
    def diverged(self) -> bool:
        return self.status.kind == "error"


class RbmLab(Lab):
    controls = (
        Control("part", N_("Part"), "choice", "rbm", choices=PARTS,
                help=N_("rbm: CD training · sample: chains from noise · dbn: pre-train, then fine-tune · bm: full BM")),
        Control("hidden", N_("Hidden units"), "int", 32, 16, 64, 16,
                help=N_("The RBM's; the DBN's first layer (its second has half)")),
        Control("k", N_("CD-k steps"), "int", 1, 1, 25, 1,
                help=N_("Gibbs steps between the positive and negative statistics")),
        Control("lr", N_("RBM η"), "float", 0.5, 0.01, 2.0, 0.1, help=N_("Learning rate of every RBM")),
        Control("epochs", N_("RBM epochs"), "int", 10, 1, 200, 5,
                help=N_("rbm: a free run stops here; sample: the RBM's training")),
        Control("pretrain", N_("Pre-train epochs"), "int", 5, 0, 50, 5,
                help=N_("DBN: epochs for each RBM of the stack")),
        Control("labels", N_("Labelled digits"), "int", 200, 50, 1437, 50,
                help=N_("DBN: the digits fine-tuning may see labels of")),
        Control("finetune", N_("Fine-tune epochs"), "int", 20, 1, 200, 5),
        Control("ft_lr", N_("Fine-tune η"), "float", 0.5, 0.01, 5.0, 0.1,
                help=N_("DBN: SGD's learning rate on both nets")),
        Control("lateral", N_("Hidden–hidden L"), "float", 2.0, -4.0, 4.0, 0.5, restarts=False,
                help=N_("bm: the weight between the two hidden units (0: an RBM)")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
    )
    actions = (
        Action("step", "s", N_("Step")),
        Action("epoch", "e", N_("Epoch")),
        Action("another", "n", N_("Another")),
    )
    run_action = "step"

    @property
    def run_pace(self) -> float:
        return SAMPLE_PACE if self.params["part"] == "sample" else 0.0

    def build(self) -> None:
        p = self.params
        self.part = p["part"]
        self.x, self.y, self.xt, self.yt = binary_digits()
        self.rng = np.random.default_rng(p["seed"])
        self.digit, self.updates, self.epochs_done = 0, 0, 0
        if self.part == "rbm":
            self.rbm = RBM.start(self.x, p["hidden"], self.rng)
            self.batches: list[np.ndarray] = []
            self.last: WeightUpdate | None = None
            self.curves: dict[str, list[float]] = {}
            self.measure()
        elif self.part == "sample":
            self.rbm = trained_rbm(p["hidden"], p["k"], p["lr"], p["epochs"], p["seed"]).copy()
            self.epochs_done = p["epochs"]
            self.restart_chains()
        elif self.part == "dbn":
            self.rbms = [RBM.start(self.x, p["hidden"], self.rng)]
            self.layer_data = [self.x]
            self.pre_recon = [[self.rbms[0].reconstruction_error(self.x)], []]
            self.pre_epochs = [0, 0]
            self.nets: dict[str, nn.Sequential] = {}
            self.finetuned = 0
            self.labelled = np.random.default_rng([p["seed"], LABEL_SEED]).permutation(len(self.x))[:p["labels"]]
            self.accuracy: dict[str, list[float]] = {}
            self.losses: dict[str, list[float]] = {}
            if p["pretrain"] == 0:
                self.start_finetuning()
        else:
            self.visible = 5  # v = (1, 0, 1)

    # ---------------------------------------------------------------- rbm part
    def measure(self) -> None:
        """A point of every curve: reconstruction error and mean free energy now."""
        rbm, train = self.rbm, self.x[:CURVE_DIGITS]
        points = {"epochs": self.updates / math.ceil(len(self.x) / BATCH),
                  "recon_train": rbm.reconstruction_error(train), "recon_test": rbm.reconstruction_error(self.xt),
                  "free_train": float(rbm.free_energy(train).mean()),
                  "free_test": float(rbm.free_energy(self.xt).mean()),
                  "free_noise": float(rbm.free_energy(noise_images()).mean())}
        for name, value in points.items():
            self.curves.setdefault(name, []).append(value)
        self.watch(points["recon_train"], self.updates)

    def cd_update(self) -> None:
        """One mini-batch: CD-k's statistics, the update, and the weight it moved most, to write out."""
        p = self.params
        if not self.batches:
            self.batches = epoch_batches(len(self.x), self.epochs_done, p["seed"])
        rows = self.batches.pop(0)
        stats = contrastive_divergence(self.rbm, self.x[rows], p["k"], self.rng)
        apply(self.rbm, stats, p["lr"])
        self.updates += 1
        unit, pixel = np.unravel_index(np.abs(stats.positive - stats.negative).argmax(), stats.positive.shape)
        self.last = WeightUpdate(int(unit), int(pixel), float(stats.positive[unit, pixel]),
                                 float(stats.negative[unit, pixel]), p["lr"], p["k"])
        if not self.batches:
            self.epochs_done += 1
        if not self.batches or self.updates % EVAL_EVERY == 0 or self.updates < EVAL_EVERY:  # every one at first
            self.measure()

    # ---------------------------------------------------------------- sample part
    def restart_chains(self) -> None:
        self.chain_rng = np.random.default_rng([self.params["seed"], NOISE_SEED, self.digit])
        self.v = bernoulli(np.full((CHAINS, 64), 0.5), self.chain_rng)
        self.picture = self.v
        self.steps = 0
        self.chain_free: list[float] = []
        self.chain_distance: list[float] = []
        self.measure_chains()

    def measure_chains(self) -> None:
        self.chain_free.append(float(self.rbm.free_energy(self.v).mean()))
        self.chain_distance.append(float(hamming_to_nearest(self.v, self.x)[0].mean()))

    def gibbs_step(self) -> None:
        """Every chain one step: h ~ p(h|v), then v ~ p(v|h); the picture is p(v|h)."""
        h = bernoulli(self.rbm.hidden_probs(self.v), self.chain_rng)
        self.picture = self.rbm.visible_probs(h)
        self.v = bernoulli(self.picture, self.chain_rng)
        self.steps += 1
        self.measure_chains()

    # ---------------------------------------------------------------- dbn part
    @property
    def stage(self) -> str:
        if self.nets:
            return "done" if self.finetuned >= self.params["finetune"] else "fine-tuning"
        return "pre-training RBM 2" if self.pre_epochs[0] >= self.params["pretrain"] else "pre-training RBM 1"

    def pretrain_epoch(self) -> None:
        """One epoch of the RBM being trained: the first on the pixels, the second on the first's p(h|v)."""
        p, layer = self.params, int(self.pre_epochs[0] >= self.params["pretrain"])
        if layer == 1 and len(self.rbms) == 1:
            self.layer_data.append(self.rbms[0].hidden_probs(self.x))
            self.rbms.append(RBM.start(self.layer_data[1], p["hidden"] // 2, self.rng))
            self.pre_recon[1].append(self.rbms[1].reconstruction_error(self.layer_data[1]))
        rbm, data = self.rbms[layer], self.layer_data[layer]
        train_epoch(rbm, data, self.pre_epochs[layer], p["k"], p["lr"], p["seed"] + layer, self.rng)
        self.pre_epochs[layer] += 1
        self.pre_recon[layer].append(rbm.reconstruction_error(data))
        if self.pre_epochs[1] >= p["pretrain"]:
            self.start_finetuning()

    def start_finetuning(self) -> None:
        p = self.params
        pretrained = tuple(self.rbms) if p["pretrain"] else None
        self.nets = {"pre-trained": classifier(p["hidden"], p["seed"], pretrained),
                     "random": classifier(p["hidden"], p["seed"])}
        self.optimizers = {name: optim.SGD(net.parameters(), lr=p["ft_lr"]) for name, net in self.nets.items()}
        self.evaluate()

    def finetune_epoch(self) -> None:
        """Both nets, the same mini-batches of the labelled digits, cross-entropy and SGD through the engine."""
        order = np.random.default_rng([self.params["seed"], LABEL_SEED, self.finetuned]).permutation(self.labelled)
        for name, net in self.nets.items():
            for start in range(0, len(order), BATCH):
                rows = order[start:start + BATCH]
                self.optimizers[name].zero_grad()
                with np.errstate(all="ignore"):
                    F.cross_entropy(net(Tensor(self.x[rows])), self.y[rows]).backward()
                    self.optimizers[name].step()
        self.finetuned += 1
        self.evaluate()

    def evaluate(self) -> None:
        """Each net's test accuracy and its loss on the labelled digits."""
        for name, net in self.nets.items():
            with no_grad(), np.errstate(all="ignore"):
                right = (net(Tensor(self.xt)).data.argmax(axis=1) == self.yt).mean()
                loss = F.cross_entropy(net(Tensor(self.x[self.labelled])), self.y[self.labelled]).item()
            self.accuracy.setdefault(name, []).append(float(right))
            self.losses.setdefault(name, []).append(loss)
            if self.finetuned and self.watch(loss, self.finetuned, N_("epoch"), NET_NAMES[name]):
                return

    # ---------------------------------------------------------------- actions
    def step(self) -> None:
        """rbm: one mini-batch. sample: one Gibbs step. dbn: one epoch of the stage it is in. bm: the next v.
        The rbm and dbn parts stop at their last epoch; chains can always take another step."""
        if self.finished and self.part in ("rbm", "dbn"):
            return
        if self.part == "rbm":
            self.cd_update()
        elif self.part == "sample":
            self.gibbs_step()
        elif self.part == "dbn":
            if self.nets:
                self.finetune_epoch()
            else:
                self.pretrain_epoch()
        else:
            self.visible = (self.visible + 1) % len(BM_VISIBLE)

    def epoch(self) -> None:
        """rbm: to the end of this epoch. sample: the RBM trains one more epoch; the chains go on. dbn: to the end of
        the stage it is in."""
        if self.part == "rbm":
            self.step()
            while self.batches and not self.diverged and not self.interrupted():
                self.step()
        elif self.part == "sample":
            p = self.params
            train_epoch(self.rbm, self.x, self.epochs_done, p["k"], p["lr"], p["seed"], self.rng)
            self.epochs_done += 1
        elif self.part == "dbn":
            stage = self.stage
            while self.stage == stage and not self.finished and not self.interrupted():
                self.step()

    def another(self) -> None:
        """rbm: another test digit's chain. sample: new chains from noise. bm: the next v."""
        self.digit += 1
        if self.part == "sample":
            self.restart_chains()
        elif self.part == "bm":
            self.step()

    @property
    def finished(self) -> bool:
        p = self.params
        if self.diverged:
            return True
        if self.part == "rbm":
            return self.epochs_done >= p["epochs"]
        if self.part == "sample":
            return self.steps >= SAMPLE_STEPS
        if self.part == "dbn":
            return self.stage == "done"
        return True

    # ---------------------------------------------------------------- the picture
    def chain(self) -> Chain:
        """The shown test digit's chain under the current weights (its randomness fixed by the update count)."""
        index = shown_digits()[self.digit % len(self.xt)]
        rng = np.random.default_rng([self.params["seed"], self.updates, index])
        v0 = self.xt[index]
        ph0 = self.rbm.hidden_probs(v0)
        h0 = bernoulli(ph0, rng)
        pv1 = self.rbm.visible_probs(h0)
        vk = gibbs(self.rbm, bernoulli(pv1, rng), self.params["k"] - 1, rng)
        return Chain(int(self.yt[index]), v0, ph0, h0, pv1, vk)

    def status(self) -> Status:
        p = self.params
        if self.part == "rbm":
            if self.updates == 0:
                return Status("info", _("Press {step} for one CD update on a mini-batch of 16, {epoch} for an epoch, "
                                        "{run} to run, {another} for another test digit."))
            recon = fixed(self.curves["recon_test"][-1], 4)
            kind = "success" if self.finished else "info"
            return Status(kind, _("Update {updates}, epoch {done} of {total}: test digits' reconstruction error "
                                  "{recon} (from {start}).").format(updates=self.updates, done=self.epochs_done,
                                                            total=p["epochs"], recon=recon,
                                                            start=fixed(self.curves["recon_test"][0], 4)))
        if self.part == "sample":
            distance = fixed(self.chain_distance[-1], 1)
            return Status("success" if self.finished else "info",
                          _("Gibbs step {steps}: {distance} pixels off the nearest training digit (test digits "
                            "{digits}). {step}: a step, {another}: new chains from noise, {epoch}: train the RBM more.")
                          .format(steps=self.steps, distance=distance, digits=fixed(test_digit_distance(), 1),
                                  step="{step}", another="{another}", epoch="{epoch}"))
        if self.part == "dbn":
            if self.divergence is not None:
                return self.divergence.status(_("Lower the fine-tuning η."))
            if not self.nets:
                layer = int(self.pre_epochs[0] >= p["pretrain"])
                return Status("info", _("Stage 1, unsupervised: RBM {layer} epoch {done} of {total}, no labels used. "
                                        "{step}: an epoch, {epoch}: the whole stage, {run}: everything.").format(
                    layer=layer + 1, done=self.pre_epochs[layer], total=p["pretrain"],
                    step="{step}", epoch="{epoch}", run="{run}"))
            pre, rand = (self.accuracy[name][-1] for name in NETS)
            return Status("success" if self.finished else "info",
                          _("Stage 2, fine-tuning on {labels} labels: epoch {done} of {total}, test accuracy "
                            "pre-trained {pretrained}, random init {random}.").format(
                              labels=p["labels"], done=self.finetuned, total=p["finetune"], pretrained=f"{pre:.0%}",
                              random=f"{rand:.0%}"))
        return Status("info", _("A full Boltzmann machine: p(h|v) by enumerating h. {step}: the next v; change "
                                "Hidden–hidden L in the controls (0 makes it an RBM)."))

    def snapshot(self) -> RbmSnapshot:
        p = self.params
        common = dict(part=self.part, hidden=p["hidden"], k=p["k"], lr=p["lr"], status=self.status())
        if self.part == "rbm":
            c = {name: np.array(values) for name, values in self.curves.items()}
            gallery = self.xt[shown_digits()[:10]]
            order = np.argsort(-np.linalg.norm(self.rbm.W, axis=1), kind="stable")
            return RbmSnapshot(**common, updates=self.updates, epoch=float(c["epochs"][-1]), epochs=p["epochs"],
                               chain=self.chain(), update=self.last, curves=Curves(**c),
                               gallery=(gallery, self.rbm.reconstruct(gallery)), filters=self.rbm.W[order].copy())
        if self.part == "sample":
            return RbmSnapshot(**common, epochs=self.epochs_done, chains=self.picture.copy(),
                               looks_like=self.y[hamming_to_nearest(self.v, self.x)[1]], steps=self.steps,
                               chain_free=np.array(self.chain_free), chain_distance=np.array(self.chain_distance),
                               digit_free=float(self.rbm.free_energy(self.xt).mean()),
                               digit_distance=test_digit_distance())
        if self.part == "dbn":
            return RbmSnapshot(**common, pretrain=p["pretrain"], finetune=p["finetune"], labels=p["labels"],
                               pre_recon=tuple(np.array(r) for r in self.pre_recon),
                               accuracy={name: np.array(v) for name, v in self.accuracy.items()} or None,
                               loss={name: np.array(v) for name, v in self.losses.items()} or None,
                               filters=self.rbms[0].W.copy())
        return RbmSnapshot(**common, table=bm_table(BM_VISIBLE[self.visible], p["lateral"]))


# ------------------------------------------------------------------------------ quiz questions
WEIGHTS = np.array([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0])


def vector(values) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


HIDDEN_PROMPT = N_("An RBM's hidden unit j has weights Wⱼ = {w} to the four visible units and bias cⱼ = {c}. The "
                   "visible units are v = {v}. What is p(hⱼ = 1 | v)? (3 decimals)")


def hidden_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A hidden unit's weights, bias and a visible vector; the lab's RBM answers σ(cⱼ + Wⱼ·v). A draw whose answer is
    within 0.02 of ½, of 0 or 1, of σ(cⱼ) (v ignored) or of σ(cⱼ + ΣWⱼ) (every unit taken as on) is redrawn."""
    while True:
        w, v = rng.choice(WEIGHTS, 4), rng.integers(0, 2, 4).astype(float)
        c = float(rng.choice([-1.0, -0.5, 0.5, 1.0]))
        answer = float(RBM(w[None, :], np.zeros(4), np.array([c])).hidden_probs(v)[0])
        slips = (0.5, 0.0, 1.0, K.sigmoid_forward(np.array(c)), K.sigmoid_forward(np.array(c + w.sum())))
        if 1 < v.sum() < 4 and min(abs(answer - float(s)) for s in slips) >= 0.02:
            break
    drive = c + float(w @ v)
    worked = (f"cⱼ + Wⱼ·v = {num(c)} + {' + '.join(f'{factor(a)}·{num(b)}' for a, b in zip(w, v))} = {num(drive)}; "
              f"σ({num(drive)}) = 1/(1 + e^{factor(-drive)}) = {num(round(answer, 4))}")
    prompt = in_language(lang, HIDDEN_PROMPT).format(w=vector(w), c=num(c), v=vector(v))
    return GeneratedQuestion(prompt, round(answer, 3), worked, tolerance=0.002)


ENERGY_PROMPT = N_("An RBM with 3 visible and 2 hidden units has weights W = {W} (row j: hidden unit j), visible "
                   "biases b = {b} and hidden biases c = {c}. What is the energy E(v, h) = −b·v − c·h − h·W·v of "
                   "v = {v}, h = {h}?")


def energy_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A small RBM and one configuration; the lab's RBM answers. A draw whose energy is within 0.25 of 0, of its
    negative, of the bias terms alone or of the weight term alone is redrawn."""
    while True:
        W = rng.choice(WEIGHTS, (2, 3))
        b, c = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], 3), rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], 2)
        v, h = rng.integers(0, 2, 3).astype(float), rng.integers(0, 2, 2).astype(float)
        rbm = RBM(W, b, c)
        answer = float(rbm.energy(v, h))
        biases, pairs = -(b @ v) - (c @ h), -float(h @ W @ v)
        if v.sum() >= 2 and h.sum() >= 1 and min(abs(answer - s) for s in (0.0, -answer, biases, pairs)) >= 0.25:
            break
    worked = (f"−b·v = {num(-(b @ v))}, −c·h = {num(-(c @ h))}, −h·W·v = −Σ hⱼWⱼᵢvᵢ = {num(pairs)}; "
              f"E = {num(-(b @ v))} + {factor(-(c @ h))} + {factor(pairs)} = {num(answer)}")
    matrix = "[" + ", ".join(vector(row) for row in W) + "]"
    prompt = in_language(lang, ENERGY_PROMPT).format(W=matrix, b=vector(b), c=vector(c), v=vector(v), h=vector(h))
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.01)


CD_PROMPT = N_("CD-1 on a batch of two digits. For pixel i and hidden unit j: the data have vᵢ = {v0} and "
               "p(hⱼ = 1 | v) = {p0}; the reconstructions have vᵢ′ = {v1} and p(hⱼ = 1 | v′) = {p1}. The weight is "
               "w = {w}, the learning rate η = {lr}. What is w after the update? (3 decimals)")
POSITIVE, NEGATIVE = N_("positive"), N_("negative")  # the two statistics, named in the worked line


def cd_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """One weight's CD-1 update from a batch of two, by the lab's `statistics`. A draw whose answer is within 0.004
    of 0, of the old weight, of the update without its negative half, with the sign turned, or summed instead of
    averaged, is redrawn."""
    probabilities = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])
    while True:
        v0, v1 = (rng.integers(0, 2, (2, 1)).astype(float) for _draw in range(2))
        p0, p1 = (rng.choice(probabilities, (2, 1)) for _draw in range(2))
        w, lr = float(rng.choice([-0.5, -0.2, 0.1, 0.3, 0.5])), float(rng.choice([0.1, 0.5, 1.0]))
        stats = statistics(v0, p0, v1, p1)
        positive, negative = float(stats.positive[0, 0]), float(stats.negative[0, 0])
        answer = w + lr * (positive - negative)
        slips = (0.0, w, w + lr * positive, w - lr * (positive - negative), w + 2 * lr * (positive - negative))
        if min(abs(answer - s) for s in slips) >= 0.004:
            break
    positive_name, negative_name = in_language(lang, POSITIVE), in_language(lang, NEGATIVE)
    worked = (f"{positive_name} ⟨vᵢ·p(hⱼ|v)⟩ = ({num(v0[0, 0])}·{num(p0[0, 0])} + {num(v0[1, 0])}·{num(p0[1, 0])})/2 = "
              f"{num(round(positive, 4))}; {negative_name} ⟨vᵢ′·p(hⱼ|v′)⟩ = ({num(v1[0, 0])}·{num(p1[0, 0])} + "
              f"{num(v1[1, 0])}·{num(p1[1, 0])})/2 = {num(round(negative, 4))}; w ← {num(w)} + {num(lr)}·"
              f"({num(round(positive, 4))} − {num(round(negative, 4))}) = {num(round(answer, 4))}")
    prompt = in_language(lang, CD_PROMPT).format(
        v0=vector(v0[:, 0]), p0=vector(p0[:, 0]), v1=vector(v1[:, 0]), p1=vector(p1[:, 0]), w=num(w), lr=num(lr))
    return GeneratedQuestion(prompt, round(answer, 4), worked, tolerance=0.001)
