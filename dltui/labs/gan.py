"""A generative adversarial network on 1-D and 2-D toy data, small enough to watch every step.

G maps noise z to a sample; D maps a sample to a logit, D(x) = σ(logit) being "the probability
that x is real". They play min_G max_D V(D, G) = E log D(x) + E log(1 − D(G(z))). The lab steps
D or G on its own so the learner can see each half of the game, and it judges the run from its
history: balanced (D(G(z)) ≈ ½), mode collapse (modes of the target left empty), D winning
(D(G(z)) ≈ 0, G's gradient gone), oscillation, or divergence.

Training never records a tape: the graph each step builds is needed for backward, but nothing is
appended to a tape, so free-running costs only the ops themselves.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, init, nn, no_grad, optim
from ..engine import functional as F
from .base import Action, Control, Divergence, GeneratedQuestion, Lab, Status, factor, num

EVAL_SIZE = 512  # fixed z's and real samples drawn once per reset: what the views show
EVAL_EVERY = 25  # rounds between coverage / distance checks
ARROWS = 12  # fake samples whose gradient is shown
GRID_1D, GRID_2D = 161, 41
RUN_ROUNDS = 25  # rounds per call of the free-running action: one coverage check each
WINDOW = 100  # rounds the status looks back over
SWING_CHECKS = 8  # checks (200 rounds) over which the centre of G's samples must stay put
FAINT_PUSH = 0.05  # 1-D: a push under this share of the largest is drawn as a dot, not a direction


LINE = np.array([2.0, 1.0])  # direction and half-length of the "line" target


@dataclass(frozen=True)
class Target:
    """Real data: a sampler, and the "skeleton" (points on the modes, with each point's mode) that
    decides which mode a sample belongs to: the mode of its nearest skeleton point, if within `reach`.
    A Gaussian mixture's skeleton is its centres."""

    name: str
    dim: int
    modes: int
    bounds: tuple[float, ...]  # (lo, hi) in 1-D, (x_lo, x_hi, y_lo, y_hi) in 2-D
    skeleton: np.ndarray
    owner: np.ndarray
    reach: float
    std: float = 0.0  # of each Gaussian component; 0 where the target is not a Gaussian mixture

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.std:  # equal-weight Gaussian mixture
            return self.skeleton[rng.integers(self.modes, size=n)] + rng.normal(0, self.std, (n, self.dim))
        if self.name == "moons":
            t, which = rng.uniform(0, math.pi, n), rng.integers(2, size=n)
            return _moon(t, which) + rng.normal(0, 0.08, (n, 2))
        t = rng.uniform(-1, 1, (n, 1))  # the line
        return t * LINE + rng.normal(0, 0.05, (n, 2))

    def assign(self, x: np.ndarray) -> np.ndarray:
        """The mode each sample belongs to, or −1 for a sample off every mode."""
        d2 = ((x[:, None, :] - self.skeleton[None, :, :]) ** 2).sum(axis=2)
        nearest = d2.argmin(axis=1)
        return np.where(d2[np.arange(len(x)), nearest] <= self.reach**2, self.owner[nearest], -1)


def _moon(t: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Two interleaved half circles (as in scikit-learn), centred and scaled to about ±2."""
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    return 1.5 * (np.where(which[:, None] == 0, upper, lower) - [0.5, 0.25])


def _mixture(name: str, centres: list, std: float, bounds: tuple[float, ...]) -> Target:
    centres = np.array(centres, dtype=float)
    return Target(name, centres.shape[1], len(centres), bounds, centres, np.arange(len(centres)), 3 * std, std)


def _targets() -> dict[str, Target]:
    angles = np.arange(8) * 2 * math.pi / 8
    t = np.linspace(0, math.pi, 60)
    moons = np.concatenate([_moon(t, np.zeros(60)), _moon(t, np.ones(60))])
    line = np.linspace(-1, 1, 81)[:, None] * LINE
    box = (-3.0, 3.0, -3.0, 3.0)
    return {  # the names marked N_: the data control shows them in the interface's language
        N_("gaussian"): _mixture("gaussian", [[1.0]], 0.5, (-4.0, 4.0)),
        N_("two-modes"): _mixture("two-modes", [[-2.0], [2.0]], 0.4, (-4.0, 4.0)),
        N_("three-modes"): _mixture("three-modes", [[-3.0], [0.0], [3.0]], 0.35, (-5.0, 5.0)),
        N_("ring"): _mixture("ring", 2 * np.stack([np.cos(angles), np.sin(angles)], 1), 0.1, box),
        N_("grid"): _mixture("grid", [[x, y] for y in (-2, 0, 2) for x in (-2, 0, 2)], 0.1, box),
        N_("moons"): Target("moons", 2, 2, box, moons, np.repeat([0, 1], 60), 0.3),
        N_("line"): Target("line", 2, 1, box, line, np.zeros(81, dtype=int), 0.2),
    }


TARGETS = _targets()

BASE = dict(data="two-modes", noise="gaussian", noise_dim=2, g_hidden=16, d_hidden=32, layers=2, g_optimizer="adam",
            g_lr=0.002, d_optimizer="adam", d_lr=0.002, d_steps=1, g_loss="non-saturating", batch=64, max_rounds=3000)
PRESETS: dict[str, dict] = {  # each shows what its name says to the end of its run, for most seeds (tests/labs/test_gan.py)
    N_("balanced"): BASE,  # the names marked N_: the preset control shows them in the interface's language
    N_("mode-collapse"): {**BASE, "data": "three-modes", "g_lr": 0.005, "d_lr": 0.00005},
    N_("d-wins"): {**BASE, "g_optimizer": "sgd", "g_lr": 0.005, "d_lr": 0.005, "d_steps": 5, "g_loss": "minimax",
               "max_rounds": 300},
    N_("d-wins-ns"): {**BASE, "g_optimizer": "sgd", "g_lr": 0.005, "d_lr": 0.005, "d_steps": 5, "max_rounds": 300},
    N_("oscillation"): {**BASE, "data": "gaussian", "g_lr": 0.05, "d_lr": 0.05, "d_hidden": 8, "max_rounds": 1500},
}
PRESET_WHY = {
    "balanced": N_("Neither side is much stronger, so D(G(z)) settles near ½."),
    "mode-collapse": N_("G learns 100× faster than D: it piles its samples where D is weakest, D catches up, "
                        "G jumps to another mode."),
    "d-wins": N_("D takes 5 steps per G step and G uses plain SGD on the minimax loss, whose gradient "
                 "vanishes when D(G(z)) ≈ 0."),
    "d-wins-ns": N_("The same strong D, but G uses the non-saturating loss −log D(G(z)), which keeps its gradient."),
    "oscillation": N_("Learning rates 25× the balanced ones: each side overshoots the other's last move, "
                      "so G's samples swing back and forth across the data (a small D, 8 units, keeps the swings "
                      "from blowing up)."),
}
OPTIMIZERS = ("adam", "sgd", "rmsprop")
G_LOSSES = (N_("non-saturating"), N_("minimax"))
"""G's two losses, as the g_loss control offers them (and the quiz names them)."""


LOSS_OF = {"D": N_("D loss"), "G": N_("G loss")}
WEIGHT_OF = {"D": N_("a weight of D became"), "G": N_("a weight of G became")}
"""What a divergence status names, for each net: `{what} {value}` reads "a weight of G became nan"."""


def quiet(method):
    """Overflow on the way to NaN is reported by the status, so NumPy need not warn about it too."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return method(*args, **kwargs)
    return wrapper


def make_optimizer(name: str, params: list, lr: float) -> optim.Optimizer:
    """Adam with β₁ = 0.5, as DCGAN recommends: less momentum, for a target that keeps moving."""
    if name == "adam":
        return optim.Adam(params, lr=lr, betas=(0.5, 0.999))
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr)
    return optim.SGD(params, lr=lr)


def mlp(sizes: list[int], activation) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(a, b), activation()]
    return nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1]))


def value_terms(real: np.ndarray, fake: np.ndarray, logits: bool = False) -> tuple[float, float]:
    """V(D, G)'s two terms, mean log D(x) over real x and mean log(1 − D(G(z))) over fakes, from D's
    outputs (or its logits): −BCE against label 1 and against label 0, by the engine."""
    bce = F.binary_cross_entropy_with_logits if logits else F.binary_cross_entropy
    return -bce(Tensor(real), np.ones_like(real)).item(), -bce(Tensor(fake), np.zeros_like(fake)).item()


def push_directions(arrows: np.ndarray) -> np.ndarray:
    """Each push as an octant of "→↗↑↖←↙↓↘" (0 east, counter-clockwise), −1 where there is none to draw:
    in 1-D a push under FAINT_PUSH of the largest, in 2-D a zero one."""
    if arrows.shape[1] == 1:
        dx = arrows[:, 0]
        scale = np.abs(dx).max() if len(dx) else 0.0
        return np.where((scale == 0) | (np.abs(dx) < FAINT_PUSH * scale), -1, np.where(dx > 0, 0, 4))
    dx, dy = arrows.T
    octants = np.round(np.arctan2(dy, dx) / (math.pi / 4)).astype(int) % 8
    return np.where(np.hypot(dx, dy) > 0, octants, -1)


def generator_loss(logits: Tensor, kind: str) -> Tensor:
    """minimax: G minimises mean log(1 − D(G(z))); non-saturating: G minimises −mean log D(G(z))."""
    if kind == "minimax":
        return -F.binary_cross_entropy_with_logits(logits, np.zeros(logits.shape))
    return F.binary_cross_entropy_with_logits(logits, np.ones(logits.shape))


@dataclass(frozen=True)
class Value:
    """V(D, G) on the batch of the last step: E log D(x) + E log(1 − D(G(z)))."""

    real: float
    fake: float
    step: str  # "D" or "G": which update used this batch

    @property
    def total(self) -> float:
        return self.real + self.fake


@dataclass(frozen=True)
class GanSnapshot:
    """Everything a view draws, computed by the lab: samples, D over the plane, histories, verdict."""

    data: str
    dim: int
    bounds: tuple[float, ...]
    real: np.ndarray  # (EVAL_SIZE, dim), fixed per reset
    fake: np.ndarray  # G at EVAL_SIZE fixed z's
    grid: tuple[np.ndarray, ...]  # (xs,) in 1-D, (xs, ys) in 2-D
    d_grid: np.ndarray  # D(x) over the grid: (len(xs),) or (len(ys), len(xs))
    arrows_at: np.ndarray  # (ARROWS, dim) fake samples
    arrows: np.ndarray  # −∂L_G/∂x at them: where G's update pushes each sample
    pushes: np.ndarray  # each arrow's direction to draw (see push_directions)
    d_loss: np.ndarray  # per D step
    g_loss: np.ndarray  # per G step
    d_fake: np.ndarray  # mean D(G(z)) per G step
    d_real: np.ndarray  # mean D(x) per G step (on the real batch D saw last)
    g_grad: np.ndarray  # norm of G's parameter gradient per G step
    checks: np.ndarray  # rounds at which coverage and distance were measured
    coverage: np.ndarray  # modes covered at each check
    distance: np.ndarray  # Wasserstein-1 (sliced in 2-D) between fake and real at each check
    fake_mean: np.ndarray  # (checks, dim): the centre of G's samples, which swings when training oscillates
    modes: int
    value: Value | None
    last: str
    rounds: int
    d_updates: int
    g_updates: int
    diverged: bool
    status: Status

    def histogram(self, bins: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bin edges and the real and generated densities (1-D data), clipped to the bounds."""
        lo, hi = self.bounds
        edges = np.linspace(lo, hi, bins + 1)
        real = np.histogram(np.clip(self.real[:, 0], lo, hi), edges, density=True)[0]
        fake = np.histogram(np.clip(np.nan_to_num(self.fake[:, 0]), lo, hi), edges, density=True)[0]
        return edges, real, fake

    def profile(self, columns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """1-D data `columns` cells wide: each column's real and generated density as a share of the
        tallest bar (two columns a bin, so 512 samples give smooth bars), and D(x) at its centre."""
        _edges, real, fake = self.histogram(max(columns // 2, 4))
        top = max(real.max(), fake.max(), 1e-12)
        bin_of = np.minimum(np.arange(columns) * len(real) // columns, len(real) - 1)
        lo, hi = self.bounds
        d = np.interp(lo + (np.arange(columns) + 0.5) / columns * (hi - lo), self.grid[0], np.nan_to_num(self.d_grid, nan=0.5))
        return real[bin_of] / top, fake[bin_of] / top, d

    def d_cells(self, columns: int, rows: int) -> np.ndarray:
        """2-D data `columns` × `rows` cells: D(x) at the grid point next to each cell's centre, top row
        first (½ where D is NaN)."""
        x_lo, x_hi, y_lo, y_hi = self.bounds
        xs, ys = self.grid
        ix = np.clip(np.searchsorted(xs, x_lo + (np.arange(columns) + 0.5) / columns * (x_hi - x_lo)), 0, len(xs) - 1)
        iy = np.clip(np.searchsorted(ys, y_hi - (np.arange(rows) + 0.5) / rows * (y_hi - y_lo)), 0, len(ys) - 1)
        return np.nan_to_num(self.d_grid[np.ix_(iy, ix)], nan=0.5)


def wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    """W1 between equal-size samples: 1-D exactly (sorted differences); 2-D averaged over 16 directions."""
    if a.shape[1] == 1:
        return float(np.abs(np.sort(a[:, 0]) - np.sort(b[:, 0])).mean())
    angles = np.arange(16) * math.pi / 16
    directions = np.stack([np.cos(angles), np.sin(angles)])
    return float(np.abs(np.sort(a @ directions, axis=0) - np.sort(b @ directions, axis=0)).mean())


PRESET = Control("preset", N_("Preset"), "choice", "balanced", choices=tuple(PRESETS),
                 help=N_("Choosing one sets every control below to its values"), words=True)


class GanLab(Lab):
    controls = (
        PRESET,
        Control("data", N_("Real data"), "choice", "two-modes", choices=tuple(TARGETS), words=True),
        Control("noise", N_("Noise z"), "choice", "gaussian", choices=(N_("gaussian"), N_("uniform")), words=True),
        Control("noise_dim", N_("Noise dimension"), "int", 2, 1, 8, 1),
        Control("g_hidden", N_("G hidden units"), "int", 16, 2, 128, 2, help=N_("Units in each hidden layer of G")),
        Control("d_hidden", N_("D hidden units"), "int", 32, 2, 128, 2, help=N_("Units in each hidden layer of D")),
        Control("layers", N_("Hidden layers"), "int", 2, 1, 4, 1, help=N_("In each of G and D")),
        Control("g_optimizer", N_("G optimizer"), "choice", "adam", choices=OPTIMIZERS),
        Control("g_lr", N_("G learning rate"), "float", 0.002, 0.00001, 1.0, 0.0005),
        Control("d_optimizer", N_("D optimizer"), "choice", "adam", choices=OPTIMIZERS),
        Control("d_lr", N_("D learning rate"), "float", 0.002, 0.00001, 1.0, 0.0005),
        Control("d_steps", N_("D steps per G"), "int", 1, 1, 10, 1),
        Control("g_loss", N_("G loss"), "choice", "non-saturating", choices=G_LOSSES,
                help=N_("minimax: min log(1 − D(G(z))); non-saturating: min −log D(G(z))"), words=True),
        Control("batch", N_("Batch size"), "int", 64, 8, 512, 8),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
        Control("max_rounds", N_("Max rounds"), "int", 3000, 10, 100000, 500, help=N_("Free-running stops here")),
    )
    actions = (
        Action("d_step", "d", N_("D step")),
        Action("g_step", "g", N_("G step")),
        Action("round", "s", N_("One round")),
        Action("train", "e", N_("25 rounds")),  # RUN_ROUNDS
    )
    run_action = "train"

    def reset(self, **params):
        """Choosing a preset sets the controls it names; other params given in the same call win."""
        if "preset" in params:
            params = {**PRESETS[PRESET.parse(params["preset"])], **params}
        return super().reset(**params)

    def build(self) -> None:
        p = self.params
        self.target = TARGETS[p["data"]]
        self.rng = np.random.default_rng(p["seed"])
        init.manual_seed(p["seed"])
        sizes = [p["g_hidden"]] * p["layers"]
        self.G = mlp([p["noise_dim"], *sizes, self.target.dim], nn.ReLU)
        self.D = mlp([self.target.dim, *[p["d_hidden"]] * p["layers"], 1], lambda: nn.LeakyReLU(0.2))
        self.opt_g = make_optimizer(p["g_optimizer"], self.G.parameters(), p["g_lr"])
        self.opt_d = make_optimizer(p["d_optimizer"], self.D.parameters(), p["d_lr"])
        self.eval_z = self.noise(EVAL_SIZE)
        self.eval_real = self.target.sample(self.rng, EVAL_SIZE)
        self.real_batch = self.target.sample(self.rng, p["batch"])
        self.history: dict[str, list[float]] = {k: [] for k in ("d_loss", "g_loss", "d_fake", "d_real", "g_grad")}
        self.checks: list[tuple[int, int, float]] = []
        self.fake_means: list[np.ndarray] = []
        self.value: Value | None = None
        self.last = ""
        self.rounds = self.d_updates = self.g_updates = 0
        self.check()

    def noise(self, n: int) -> np.ndarray:
        shape = (n, self.params["noise_dim"])
        return self.rng.normal(size=shape) if self.params["noise"] == "gaussian" else self.rng.uniform(-1, 1, shape)

    # ------------------------------------------------------------------ steps
    @quiet
    def d_step(self) -> None:
        """One ascent step of D on V: real samples labelled 1, G's samples (held fixed) labelled 0."""
        if self.finished:
            return
        n = self.params["batch"]
        self.real_batch = self.target.sample(self.rng, n)
        with no_grad():
            fake = self.G(Tensor(self.noise(n))).data
        logits = self.D(Tensor(np.concatenate([self.real_batch, fake])))
        labels = np.concatenate([np.ones((n, 1)), np.zeros((n, 1))])
        loss = F.binary_cross_entropy_with_logits(logits, labels) * 2.0  # = −V: BCE on real + BCE on fake
        self.opt_d.zero_grad()
        loss.backward()
        self.opt_d.step()
        self.value = Value(*value_terms(logits.data[:n], logits.data[n:], logits=True), "D")
        self.history["d_loss"].append(loss.item())
        self.d_updates += 1
        self.last = "D step"
        self.watch_step(loss.item(), self.D, "D")

    @quiet
    def g_step(self) -> None:
        """One descent step of G on its loss, through D (whose weights the step leaves alone)."""
        if self.finished:
            return
        fake = self.G(Tensor(self.noise(self.params["batch"])))
        logits = self.D(fake)
        loss = generator_loss(logits, self.params["g_loss"])
        self.opt_g.zero_grad()
        loss.backward()
        grad = math.sqrt(sum(float((q.grad**2).sum()) for q in self.G.parameters()))
        self.opt_g.step()
        with no_grad():
            real_logits = self.D(Tensor(self.real_batch))
            d_fake, d_real = (float(F.sigmoid(z).data.mean()) for z in (logits, real_logits))
        self.value = Value(*value_terms(real_logits.data, logits.data, logits=True), "G")
        h = self.history
        h["g_loss"].append(loss.item())
        h["d_fake"].append(d_fake)
        h["d_real"].append(d_real)
        h["g_grad"].append(grad)
        self.g_updates += 1
        self.last = "G step"
        if not math.isfinite(grad) and math.isfinite(loss.item()):
            self.divergence = Divergence(self.rounds + 1, grad, N_("round"), what=N_("G's gradient norm"))
        self.watch_step(loss.item(), self.G, "G")

    def round(self) -> None:
        """d_steps updates of D, then one of G: the schedule of Goodfellow et al.'s Algorithm 1."""
        for _d_step in range(self.params["d_steps"]):
            self.d_step()
        self.g_step()
        if not self.finished:
            self.rounds += 1
            self.last = "round"
            if self.rounds % EVAL_EVERY == 0:
                self.check()

    def train(self) -> None:
        for _round in range(RUN_ROUNDS):
            if self.finished or self.interrupted():
                return
            self.round()

    def watch_step(self, loss: float, net: nn.Module, name: str) -> None:
        """The shared divergence rule on the step's loss (labs/base.py), and NaN or Inf in the weights the step
        changed: either ends the run as a status, not an exception."""
        if not self.watch(loss, self.rounds + 1, N_("round"), what=LOSS_OF[name]) and not all(
                np.isfinite(q.data).all() for q in net.parameters()):
            self.divergence = Divergence(self.rounds + 1, math.nan, N_("round"), what=WEIGHT_OF[name])

    @quiet
    def check(self) -> None:
        """Coverage and distance on the fixed evaluation z's, every EVAL_EVERY rounds."""
        fake = self.sample_fake()
        self.checks.append((self.rounds, self.covered(fake), wasserstein(fake, self.eval_real)))
        self.fake_means.append(fake.mean(axis=0))

    def sample_fake(self, z: np.ndarray | None = None) -> np.ndarray:
        with no_grad():
            return self.G(Tensor(self.eval_z if z is None else z)).data

    def covered(self, fake: np.ndarray) -> int:
        """Modes holding at least a quarter of their fair share (1/modes) of the generated samples."""
        if not np.isfinite(fake).all():
            return 0
        counts = np.bincount(self.target.assign(fake) + 1, minlength=self.target.modes + 1)[1:]
        return int((counts >= 0.25 * len(fake) / self.target.modes).sum())

    @property
    def finished(self) -> bool:
        return self.diverged or self.rounds >= self.params["max_rounds"]

    # ------------------------------------------------------------------ what the views show
    def d_over_grid(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        b = self.target.bounds
        if self.target.dim == 1:
            xs = np.linspace(b[0], b[1], GRID_1D)
            with no_grad():
                return (xs,), F.sigmoid(self.D(Tensor(xs[:, None]))).data[:, 0]
        xs, ys = np.linspace(b[0], b[1], GRID_2D), np.linspace(b[2], b[3], GRID_2D)
        points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        with no_grad():
            d = F.sigmoid(self.D(Tensor(points))).data
        return (xs, ys), d.reshape(len(ys), len(xs))

    def generator_arrows(self, at: np.ndarray) -> np.ndarray:
        """−∂ℓ/∂x for each sample's own loss ℓ (log(1 − D(x)) or −log D(x)): G moves its samples that way."""
        x = Tensor(at, requires_grad=True)
        (generator_loss(self.D(x), self.params["g_loss"]) * float(len(at))).backward()
        self.D.zero_grad()
        return -x.grad

    def status(self) -> Status:
        verdict = self.verdict()
        if self.rounds >= self.params["max_rounds"]:
            return Status(verdict.kind, _("{verdict} Stopped at max_rounds = {rounds}; a larger max_rounds starts a "
                                          "longer run.").format(verdict=verdict.text, rounds=self.rounds))
        return verdict

    def verdict(self) -> Status:
        if self.diverged:
            return self.divergence.status(_("Lower the learning rates and reset ({reset})."))
        h = self.history
        if not h["d_fake"]:
            if self.params_match_preset():  # the keys stay placeholders: the lesson screen fills them
                why = PRESET_WHY[self.params["preset"]]
                return Status("info", _("{why} Press {d_step} for a D step, {g_step} for a G step, {round} for a round, "
                                        "{run} to run.").format(why=_(why), d_step="{d_step}", g_step="{g_step}",
                                                                round="{round}", run="{run}"))
            return Status("info", _("Press {d_step} for a D step, {g_step} for a G step, {round} for a round, {run} to run."))
        recent = np.array(h["d_fake"][-WINDOW:])
        d_fake, d_real = recent.mean(), np.mean(h["d_real"][-WINDOW:])
        covered, modes = self.checks[-1][1], self.target.modes
        where = dict(rounds=self.rounds, d_fake=f"{d_fake:.2f}", d_real=f"{d_real:.2f}")
        if self.rounds < WINDOW:
            return Status("info", _("Round {rounds}: mean D(G(z)) = {d_fake}, D(x) = {d_real}. Still warming up.").format(
                **where))
        if d_fake < 0.05 and d_real > 0.9:
            grad = np.mean(h["g_grad"][-WINDOW:])
            hint = (_("The minimax loss log(1 − D(G(z))) is flat where D(G(z)) ≈ 0; try g_loss = non-saturating.")
                    if self.params["g_loss"] == "minimax" else _("Weaken D: fewer D steps or a smaller D learning rate."))
            return Status("warning", _("Round {rounds}: mean D(G(z)) = {d_fake}, D(x) = {d_real}. D wins too fast: G's "
                                       "gradient is only {grad}. {hint}").format(**where, grad=f"{grad:.1e}", hint=hint))
        if modes > 1 and covered < modes:
            return Status("warning", _("Round {rounds}: mean D(G(z)) = {d_fake}, D(x) = {d_real}. Mode collapse: G covers "
                                       "{covered} of {modes} modes.").format(**where, covered=covered, modes=modes))
        swing = np.linalg.norm(np.std(self.fake_means[-SWING_CHECKS:], axis=0)) / np.linalg.norm(self.eval_real.std(axis=0))
        if recent.std() > 0.1 or swing > 0.5:
            return Status("warning", _("Round {rounds}: mean D(G(z)) = {d_fake}, D(x) = {d_real}. Oscillating: the centre "
                                       "of G's samples swings by ±{swing} of the data's spread; smaller learning rates "
                                       "damp it.").format(**where, swing=f"{swing:.0%}"))
        if abs(d_fake - 0.5) <= 0.1:
            return Status("success", _("Round {rounds}: mean D(G(z)) = {d_fake}, D(x) = {d_real}. Balanced: D can no "
                                       "longer tell real from fake, distance to the real data {distance}.").format(
                **where, distance=f"{self.checks[-1][2]:.2f}"))
        return Status("info", _("Round {rounds}: mean D(G(z)) = {d_fake}, D(x) = {d_real}. Training.").format(**where))

    def params_match_preset(self) -> bool:
        return all(self.params[k] == v for k, v in PRESETS[self.params["preset"]].items())

    @quiet
    def snapshot(self) -> GanSnapshot:
        fake = self.sample_fake()
        grid, d_grid = self.d_over_grid()
        arrows_at = fake[:ARROWS]
        arrows = self.generator_arrows(arrows_at)
        checks = np.array(self.checks)
        h = {k: np.array(v) for k, v in self.history.items()}
        return GanSnapshot(
            data=self.params["data"], dim=self.target.dim, bounds=self.target.bounds,
            real=self.eval_real, fake=fake, grid=grid, d_grid=d_grid,
            arrows_at=arrows_at, arrows=arrows, pushes=push_directions(arrows),
            d_loss=h["d_loss"], g_loss=h["g_loss"], d_fake=h["d_fake"], d_real=h["d_real"], g_grad=h["g_grad"],
            checks=checks[:, 0].astype(int), coverage=checks[:, 1].astype(int), distance=checks[:, 2],
            fake_mean=np.array(self.fake_means),
            modes=self.target.modes, value=self.value, last=self.last, rounds=self.rounds,
            d_updates=self.d_updates, g_updates=self.g_updates, diverged=self.diverged, status=self.status(),
        )


VALUE_PROMPT = N_("D outputs D(x) = {real} on a batch of real samples and D(G(z)) = {fake} on a batch of generated "
                  "ones. What is V(D, G) = mean log D(x) + mean log(1 − D(G(z))) on these batches (natural log)?")


def value_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh D outputs on small real and fake batches: V(D, G) with its two terms, by the engine's BCE.

    A draw is redrawn whole while V is within 0.05 of −log 4, the value at D = ½ everywhere (a guess would pass)."""
    outputs = np.array((0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.75, 0.8, 0.9))
    while True:
        d_real, d_fake = (outputs[rng.integers(len(outputs), size=rng.integers(2, 4))] for _batch in range(2))
        real, fake = value_terms(d_real, d_fake)
        if abs(real + fake + math.log(4)) >= 0.05:
            break

    def term(values):
        logs = " + ".join(f"ln {num(v)}" for v in values)
        return f"({logs})/{len(values)} = ({' + '.join(factor(round(math.log(v), 4)) for v in values)})/{len(values)}"

    worked = "\n".join([
        f"mean log D(x) = {term(d_real)} = {num(round(real, 4))}",
        f"mean log(1 − D(G(z))) = {term(np.round(1 - d_fake, 4))} = {num(round(fake, 4))}",
        f"V = {num(round(real, 4))} + {factor(round(fake, 4))} = {num(round(real + fake, 4))}",
    ])
    listed = [", ".join(num(v) for v in values) for values in (d_real, d_fake)]
    prompt = in_language(lang, VALUE_PROMPT).format(real=f"({listed[0]})", fake=f"({listed[1]})")
    return GeneratedQuestion(prompt, round(real + fake, 4), worked, tolerance=0.01)


GRAD_PROMPT = N_("D gives a generated sample D(G(z)) = {p}, that is σ(a) with logit a = {a}. G uses the {loss} loss "
                 "ℓ = {formula}. What is ∂ℓ/∂a, the gradient G's update starts from?")


def grad_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A fake sample's D output and a G loss: the gradient at D's logit, by the engine's autograd.

    Asked for both losses across draws, it shows why the minimax loss stalls when D wins. D(G(z)) = ½ is left
    out: there both losses give −½, and the question would not need the loss."""
    p = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.7, 0.9)[rng.integers(8)]
    kind = ("minimax", "non-saturating")[rng.integers(2)]
    logit = Tensor(np.array([[math.log(p / (1 - p))]]), requires_grad=True)
    generator_loss(logit, kind).backward()
    answer = round(float(logit.grad[0, 0]), 4)
    formula = "log(1 − σ(a))" if kind == "minimax" else "−log σ(a)"
    if kind == "minimax":
        worked = f"∂/∂a log(1 − σ(a)) = −σ(a) = −D(G(z)) = {num(answer)}"
    else:
        worked = f"∂/∂a (−log σ(a)) = −(1 − σ(a)) = −(1 − {num(p)}) = {num(answer)}"
    other, name = (-(1 - p), "non-saturating") if kind == "minimax" else (-p, "minimax")
    worked += "\n" + in_language(lang, N_("(the {loss} loss would give {value}; only the minimax gradient −D(G(z)) vanishes "
                                          "as D(G(z)) → 0)")).format(loss=in_language(lang, name), value=num(round(other, 4)))
    prompt = in_language(lang, GRAD_PROMPT).format(p=num(p), a=num(round(logit.data[0, 0], 3)),
                                                   loss=in_language(lang, kind), formula=formula)
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.005)
