"""Optimizers race on loss surfaces; then mini-batch noise, learning-rate schedules and simulated annealing.

Every racer is the engine's own optimizer (`optim.SGD` plain, with momentum or Nesterov, `Adagrad`, `RMSprop`,
`Adadelta`, `Adam`) on a 2-element `Parameter`, and every surface is an engine expression of that parameter, so
`backward` gives the gradient the optimizer follows. One step moves every racer once. For the racer in focus the lab
reads the optimizer's own `state` (velocity, accumulators, moments) before and after the step and lays out the
update's arithmetic; the Δ it shows is what the parameter actually moved.

The other parts use the same engine pieces: linear regression trained with batch sizes 1, 8, 64 and the whole set
(`nn.Linear`, `F.mse_loss`, `optim.SGD`); one optimizer under four learning-rate schedules (a schedule is a formula for
lr(t), set in `param_groups` before each step); and a 1-D surface with three minima, where gradient descent from
several starts is compared with simulated annealing, which sometimes accepts an uphill move, less often as its
temperature falls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F, manual_seed, nn, no_grad, optim
from ..engine.nn import Parameter
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, exploded, factor, num

REACH = 0.01  # a racer has reached a minimum once it is this close to it (in both coordinates together)
GRID = (48, 96)  # the surface's rows × columns for the contour map
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
FAR = 1.0  # a racer more than this many box sizes outside the map has left it: diverged


# ------------------------------------------------------------------------------------ surfaces
@dataclass(frozen=True)
class Surface:
    """f(x, y) written with engine ops; `lrs`: each racer's learning rate here (before the lab's lr ×). A name or
    formula in words is marked N_ (the view shows it with _)."""

    name: str
    formula: str
    f: Callable[[Tensor, Tensor], Tensor]
    box: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    lrs: dict[str, float]

    def value(self, point: Tensor) -> Tensor:
        return self.f(point[0], point[1])

    def at(self, point: np.ndarray) -> float:
        with no_grad():
            return self.value(Tensor(point)).item()

    def grid(self) -> np.ndarray:
        """f on GRID, top row = the largest y."""
        x0, x1, y0, y1 = self.box
        xs, ys = np.meshgrid(np.linspace(x0, x1, GRID[1]), np.linspace(y1, y0, GRID[0]))
        with no_grad(), np.errstate(all="ignore"):
            return self.f(Tensor(xs), Tensor(ys)).data

    def distance(self, point: np.ndarray) -> float:
        """How far `point` is from the nearest minimum."""
        return min(math.dist(point, m) for m in self.minima)


def _tilted(x: Tensor, y: Tensor) -> Tensor:
    u, v = (x + y) * (1 / math.sqrt(2)), (x - y) * (1 / math.sqrt(2))
    return 0.05 * u**2 + 2 * v**2


def _beale(x: Tensor, y: Tensor) -> Tensor:
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


SURFACES = {s.name: s for s in (
    Surface(N_("ravine"), "0.05x² + 2y²", lambda x, y: 0.05 * x**2 + 2 * y**2, (-5, 5, -2.5, 2.5), (-4.5, 1.5),
            ((0.0, 0.0),), dict(sgd=0.4, momentum=0.1, nesterov=0.1, adagrad=1.0, rmsprop=0.05, adadelta=1.0, adam=0.3)),
    Surface(N_("tilted"), "0.05u² + 2v², u,v = (x±y)/√2", _tilted, (-5, 5, -2.5, 2.5), (-4.0, -1.0),
            ((0.0, 0.0),), dict(sgd=0.4, momentum=0.1, nesterov=0.1, adagrad=1.0, rmsprop=0.05, adadelta=1.0, adam=0.3)),
    Surface("rosenbrock", "(1 − x)² + 100(y − x²)²", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
            (-2, 2, -1, 3), (-1.5, 2.0), ((1.0, 1.0),),
            dict(sgd=0.001, momentum=0.001, nesterov=0.001, adagrad=0.5, rmsprop=0.01, adadelta=1.0, adam=0.1)),
    Surface(N_("saddle"), "x²/2 + y⁴/4 − y²/2", lambda x, y: 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2,
            (-2.5, 2.5, -1.5, 1.5), (-2.0, 0.001), ((0.0, 1.0), (0.0, -1.0)),
            dict(sgd=0.1, momentum=0.1, nesterov=0.1, adagrad=0.5, rmsprop=0.05, adadelta=1.0, adam=0.1)),
    Surface("beale", N_("Beale's function"), _beale, (-4.5, 4.5, -4.5, 4.5), (1.0, 1.5), ((3.0, 0.5),),
            dict(sgd=0.001, momentum=0.001, nesterov=0.001, adagrad=0.5, rmsprop=0.01, adadelta=1.0, adam=0.1)),
)}

RACERS = {"sgd": ("s", "SGD"), "momentum": ("m", N_("Momentum")), "nesterov": ("n", "Nesterov"),
          "adagrad": ("a", "AdaGrad"), "rmsprop": ("r", "RMSProp"), "adadelta": ("d", "AdaDelta"), "adam": ("A", "Adam")}
"""Each optimizer's glyph on the map and its name (a word marked N_: shown with _)."""


def make_optimizer(kind: str, params: list, lr: float, momentum: float = 0.9) -> optim.Optimizer:
    """The engine's optimizer `kind` (a RACERS key) with PyTorch's defaults besides lr and the momentum μ."""
    if kind in ("sgd", "momentum", "nesterov"):
        return optim.SGD(params, lr=lr, momentum=0.0 if kind == "sgd" else momentum, nesterov=kind == "nesterov")
    return {"adagrad": optim.Adagrad, "rmsprop": optim.RMSprop, "adadelta": optim.Adadelta, "adam": optim.Adam}[kind](
        params, lr=lr)


# ------------------------------------------------------------------------------- schedules
SCHEDULES = {"constant": "c", "step": "s", "cosine": "o", "warmup": "w"}
"""Each schedule's glyph on the map."""
WARMUP = 0.1  # the share of the steps the warmup schedule spends rising


def scheduled_lr(schedule: str, lr: float, t: int, total: int) -> float:
    """The learning rate of step t (1…total): constant; halved every quarter of the run (PyTorch's StepLR); a cosine
    from lr to 0 (CosineAnnealingLR); or a linear rise over the first tenth, then the cosine over the rest."""
    if schedule == "step":
        return lr * 0.5 ** ((t - 1) // max(total // 4, 1))
    if schedule == "cosine":
        return lr * (1 + math.cos(math.pi * (t - 1) / total)) / 2
    if schedule == "warmup":
        rise = max(round(WARMUP * total), 1)
        if t <= rise:
            return lr * t / rise
        return lr * (1 + math.cos(math.pi * (t - rise) / (total - rise + 1))) / 2
    return lr


# ---------------------------------------------------------------------------------- walkers
@dataclass(frozen=True)
class StateRow:
    """One line of an update's arithmetic: what it computes, and the value (one number per coordinate)."""

    formula: str  # words in it marked N_: the view shows it with _
    value: np.ndarray


class Walker:
    """One engine optimizer walking a surface from its start: its own Parameter, optimizer and path."""

    def __init__(self, kind: str, glyph: str, name: str, surface: Surface, lr: Callable[[int], float],
                 momentum: float) -> None:
        self.kind, self.glyph, self.name, self.surface, self.lr_of = kind, glyph, name, surface, lr
        self.point = Parameter(np.array(surface.start, dtype=float))
        self.optimizer = make_optimizer(kind, [self.point], lr(1), momentum)
        self.path = [self.point.data.copy()]
        self.values = [surface.at(self.point.data)]
        self.lrs: list[float] = []
        self.grad = self.delta = np.zeros(2)
        self.before: dict[str, np.ndarray] = {}
        self.reached_at: int | None = None
        self.diverged_at: int | None = None

    @property
    def steps(self) -> int:
        return len(self.path) - 1

    @property
    def state(self) -> dict:
        return self.optimizer.state.get(self.point, {})

    def step(self) -> None:
        """One update: the gradient by the engine's backward, the step by the engine's optimizer."""
        if self.diverged_at is not None:
            return
        lr = self.lr_of(self.steps + 1)
        self.optimizer.lr = lr
        self.optimizer.zero_grad()
        with np.errstate(all="ignore"):
            self.surface.value(self.point).backward()
            self.grad = self.point.grad.copy()
            self.before = {k: np.copy(v) for k, v in self.state.items()}
            old = self.point.data
            self.optimizer.step()
            self.delta = old - self.point.data
            value = self.surface.at(self.point.data)
        self.lrs.append(lr)
        self.path.append(self.point.data.copy())
        self.values.append(value)
        x0, x1, y0, y1 = self.surface.box
        far = FAR * max(x1 - x0, y1 - y0)
        x, y = self.point.data
        if exploded(value, self.values[0]) or not (x0 - far <= x <= x1 + far and y0 - far <= y <= y1 + far):
            self.diverged_at = self.steps
        elif self.reached_at is None and self.surface.distance(self.point.data) < REACH:
            self.reached_at = self.steps

    def arithmetic(self) -> tuple[StateRow, ...]:
        """The last update written out: the gradient, the optimizer's state as the engine holds it, the step Δ the
        parameter moved and where it is now. Adam's m̂ and v̂ are its state with the bias correction applied."""
        if not self.steps:
            return ()
        s, b, group = self.state, self.before, self.optimizer.param_groups[0]
        rows = [StateRow("g = ∇f(p)", self.grad)]
        kind = self.kind
        if kind == "sgd":
            rows += [StateRow("Δ = lr·g", self.delta)]
        elif kind in ("momentum", "nesterov"):
            rows += [StateRow("v ← μv + g", s["momentum_buffer"]),
                     StateRow("Δ = lr·(g + μv)" if kind == "nesterov" else "Δ = lr·v", self.delta)]
        elif kind == "adagrad":
            rows += [StateRow("s ← s + g²", s["sum"]), StateRow("Δ = lr·g/(√s + ε)", self.delta)]
        elif kind == "rmsprop":
            rows += [StateRow("s ← αs + (1−α)g²", s["square_avg"]), StateRow("Δ = lr·g/(√s + ε)", self.delta)]
        elif kind == "adadelta":
            rows += [StateRow("s ← ρs + (1−ρ)g²", s["square_avg"]),
                     StateRow(N_("u (before)"), np.broadcast_to(b.get("acc_delta", 0.0), (2,))),
                     StateRow("Δ = lr·g·√(u+ε)/√(s+ε)", self.delta),
                     StateRow("u ← ρu + (1−ρ)(Δ/lr)²", s["acc_delta"])]
        else:
            (beta1, beta2), t = group["betas"], s["step"]
            power = str(t).translate(SUPERSCRIPT)
            rows += [StateRow("m ← β₁m + (1−β₁)g", s["exp_avg"]), StateRow("v ← β₂v + (1−β₂)g²", s["exp_avg_sq"]),
                     StateRow(f"m̂ = m/(1 − β₁{power})", s["exp_avg"] / (1 - beta1**t)),
                     StateRow(f"v̂ = v/(1 − β₂{power})", s["exp_avg_sq"] / (1 - beta2**t)),
                     StateRow("Δ = lr·m̂/(√v̂ + ε)", self.delta)]
        return (*rows, StateRow("p ← p − Δ", self.point.data.copy()))

    def hyper(self) -> str:
        """The optimizer's settings as its update uses them."""
        g = self.optimizer.param_groups[0]
        lr = f"lr {g['lr']:.4g}"
        if self.kind in ("momentum", "nesterov"):
            return f"{lr} μ {g['momentum']:g}"
        if self.kind == "rmsprop":
            return f"{lr} α {g['alpha']:g} ε {g['eps']:g}"
        if self.kind == "adadelta":
            return f"{lr} ρ {g['rho']:g} ε {g['eps']:g}"
        if self.kind == "adam":
            return f"{lr} β₁ {g['betas'][0]:g} β₂ {g['betas'][1]:g} ε {g['eps']:g}"
        return lr + (f" ε {g['eps']:g}" if self.kind == "adagrad" else "")


@dataclass(frozen=True)
class Racer:
    """One walker as the view draws it: its path, where it is, and how its race went."""

    glyph: str
    name: str
    lr: float  # the learning rate of its last step (its first before it moves)
    xs: np.ndarray
    ys: np.ndarray
    value: float
    distance: float
    steps: int
    reached_at: int | None
    diverged_at: int | None
    lrs: np.ndarray  # lr of each step so far


# ---------------------------------------------------------------------- mini-batch noise
BATCH_SIZES = (1, 8, 64, 256)  # 256: the whole training set
BATCH_POINTS, BATCH_NOISE, BATCH_LR, BATCH_EPOCHS = 256, 0.5, 0.05, 20
RECORD_EVERY = 8  # samples seen between two loss readings (the whole set's loss)


def regression_data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """y = 2x₁ − 3x₂ + 1 + noise (σ = 0.5): no line does better than a mean squared error of about 0.25."""
    rng = np.random.default_rng(20_000 + seed)
    x = rng.normal(size=(BATCH_POINTS, 2))
    return x, x @ np.array([[2.0], [-3.0]]) + 1 + rng.normal(0, BATCH_NOISE, (BATCH_POINTS, 1))


class BatchRun:
    """Linear regression with the engine's SGD on mini-batches of one size, reshuffled every epoch."""

    def __init__(self, size: int, x: np.ndarray, y: np.ndarray, lr: float, seed: int) -> None:
        self.size, self.x, self.y = size, x, y
        manual_seed(seed)  # the same initial line for every batch size
        self.model = nn.Linear(2, 1)
        self.optimizer = optim.SGD(self.model.parameters(), lr=lr)
        self.rng = np.random.default_rng([seed, size])
        self.seen, self.updates = 0, 0
        self.samples, self.losses = [0], [self.loss()]

    def loss(self) -> float:
        with no_grad():
            return F.mse_loss(self.model(Tensor(self.x)), self.y).item()

    def epoch(self) -> None:
        order = self.rng.permutation(len(self.x))
        for start in range(0, len(order), self.size):
            batch = order[start:start + self.size]
            self.optimizer.zero_grad()
            with np.errstate(all="ignore"):
                F.mse_loss(self.model(Tensor(self.x[batch])), self.y[batch]).backward()
                self.optimizer.step()
            self.updates += 1
            self.seen += len(batch)
            if self.seen % max(RECORD_EVERY, self.size) == 0:
                self.samples.append(self.seen)
                self.losses.append(self.loss())


@dataclass(frozen=True)
class BatchCurve:
    size: int
    epochs: np.ndarray  # samples seen / training-set size at each reading
    losses: np.ndarray  # the whole training set's MSE there
    updates: int
    spread: float  # the loss's standard deviation over the last epoch's readings: the noise


# --------------------------------------------------------------------------------- annealing
ANNEAL_BOX = (-3.2, 3.2)
ANNEAL_FORMULA = "0.05x⁶ − 0.6x⁴ + 1.8x² + 0.4x"
GD_STARTS = (-3.0, -1.0, 1.0, 2.0, 3.0)
ANNEAL_START = 2.0  # in the basin of the highest minimum: where gradient descent stays
GD_LR, ANNEAL_STEPS, T0, COOLING, PROPOSAL = 0.05, 300, 2.0, 0.985, 0.5


def wells(x: Tensor) -> Tensor:
    """Three minima (near −2.48, −0.11 and 2.42), the left one the lowest."""
    return 0.05 * x**6 - 0.6 * x**4 + 1.8 * x**2 + 0.4 * x


def wells_at(x: float | np.ndarray) -> np.ndarray:
    with no_grad():
        return wells(Tensor(np.asarray(x, dtype=float))).data


class Annealer:
    """Simulated annealing on `wells`: propose x' = x + N(0, PROPOSAL²); always accept a downhill move, an uphill one
    of Δf with probability exp(−Δf/T); T = T0·COOLING^k falls every step. Seeded, so a run replays exactly."""

    def __init__(self, seed: int, start: float = ANNEAL_START) -> None:
        self.rng = np.random.default_rng([seed, 3])
        self.x, self.f = start, float(wells_at(start))
        self.best = (self.x, self.f)
        self.xs, self.fs, self.temperatures = [self.x], [self.f], [T0]
        self.last: tuple[float, float, float, float, bool] | None = None  # x', Δf, p(accept), u, accepted
        self.uphill = 0  # uphill moves accepted

    @property
    def steps(self) -> int:
        return len(self.xs) - 1

    def step(self) -> None:
        t = T0 * COOLING**self.steps
        proposal = self.x + PROPOSAL * float(self.rng.normal())
        u = float(self.rng.random())
        if ANNEAL_BOX[0] <= proposal <= ANNEAL_BOX[1]:
            change = float(wells_at(proposal)) - self.f
            chance = 1.0 if change <= 0 else math.exp(-change / t)
        else:
            change, chance = math.inf, 0.0  # off the surface: never taken
        accepted = u < chance
        self.last = (proposal, change, chance, u, accepted)
        if accepted:
            self.uphill += change > 0
            self.x, self.f = proposal, self.f + change
            if self.f < self.best[1]:
                self.best = (self.x, self.f)
        self.xs.append(self.x)
        self.fs.append(self.f)
        self.temperatures.append(T0 * COOLING ** self.steps)


def descend(start: float, steps: int = ANNEAL_STEPS) -> float:
    """Gradient descent on `wells` from `start` with the engine's SGD (lr GD_LR): where it ends."""
    x = Parameter(np.array([start]))
    sgd = optim.SGD([x], lr=GD_LR)
    for _step in range(steps):
        sgd.zero_grad()
        wells(x).sum().backward()
        sgd.step()
    return float(x.data[0])


@dataclass(frozen=True)
class AnnealView:
    curve_x: np.ndarray
    curve: np.ndarray
    starts: tuple[float, ...]
    ends: np.ndarray  # gradient descent's end from each start
    end_values: np.ndarray
    xs: np.ndarray  # annealing's position after each step, and f there
    fs: np.ndarray
    temperatures: np.ndarray
    best: tuple[float, float]
    last: tuple[float, float, float, float, bool] | None
    uphill: int
    global_min: tuple[float, float]  # the lowest point of the surface on the plotted grid


# ------------------------------------------------------------------------------------ the lab
PARTS = (N_("race"), N_("batch"), N_("schedules"), N_("annealing"))


@dataclass(frozen=True)
class OptimizersSnapshot:
    part: str
    step: int  # steps (epochs in the batch part) taken so far
    total: int  # the steps a run takes
    surface: str
    formula: str
    grid: np.ndarray
    box: tuple[float, float, float, float]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    racers: tuple[Racer, ...]  # the race's optimizers, or the schedules' runs
    focus: int
    focus_title: str  # the racer in focus
    focus_settings: str  # its optimizer's settings
    arithmetic: tuple[StateRow, ...]
    batches: tuple[BatchCurve, ...]
    anneal: AnnealView | None
    status: Status


class OptimizersLab(Lab):
    controls = (
        Control("part", N_("Part"), "choice", "race", choices=PARTS,
                help=N_("The optimizer race, batch sizes, learning-rate schedules, or annealing"), words=True),
        Control("surface", N_("Surface"), "choice", "ravine", choices=tuple(SURFACES),
                help=N_("The race's and the schedules'"), words=True),
        Control("lr_scale", "lr ×", "float", 1.0, 0.1, 10.0, 0.1,
                help=N_("Multiplies every learning rate (each racer's own, the schedules', the batch runs' 0.05)")),
        Control("momentum", N_("Momentum μ"), "float", 0.9, 0.0, 0.99, 0.05, help=N_("Momentum's and Nesterov's μ")),
        Control("optimizer", N_("Scheduled optimizer"), "choice", "momentum", choices=tuple(RACERS),
                help=N_("The optimizer the schedules part runs four times")),
        Control("steps", N_("Steps"), "int", 300, 10, 2000, 50, help=N_("Steps in a race (and the schedules' length)")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1, help=N_("Batch shuffles and data, annealing's draws")),
    )
    actions = (
        Action("step", "s", N_("Step")),
        Action("leap", "g", N_("10 steps")),
        Action("focus", "n", N_("Next racer")),
    )
    run_action = "step"
    run_pace = 0.02  # a race is watched: about 50 steps a second

    def build(self) -> None:
        p = self.params
        self.surface = SURFACES[p["surface"]]
        self.focused = len(RACERS) - 1 if p["part"] == "race" else 0
        self.walkers: list[Walker] = []
        self.batch_runs: list[BatchRun] = []
        self.annealer: Annealer | None = None
        self.epochs = 0
        if p["part"] == "race":
            self.walkers = [Walker(kind, glyph, name, self.surface,
                                   lambda t, lr=self.surface.lrs[kind] * p["lr_scale"]: lr, p["momentum"])
                            for kind, (glyph, name) in RACERS.items()]
        elif p["part"] == "schedules":
            kind, lr = p["optimizer"], self.surface.lrs[p["optimizer"]] * p["lr_scale"]
            self.walkers = [Walker(kind, glyph, name, self.surface,
                                   lambda t, name=name: scheduled_lr(name, lr, t, p["steps"]), p["momentum"])
                            for name, glyph in SCHEDULES.items()]
        elif p["part"] == "batch":
            x, y = regression_data(p["seed"])
            self.batch_runs = [BatchRun(size, x, y, BATCH_LR * p["lr_scale"], p["seed"]) for size in BATCH_SIZES]
        else:
            self.annealer = Annealer(p["seed"])
            self.gd_ends = np.array([descend(start) for start in GD_STARTS])
        self.grid = self.surface.grid() if self.walkers else np.zeros((2, 2))

    # ------------------------------------------------------------------ actions
    @property
    def total(self) -> int:
        return {"batch": BATCH_EPOCHS, "annealing": ANNEAL_STEPS}.get(self.params["part"], self.params["steps"])

    @property
    def done(self) -> int:
        if self.walkers:
            return max(w.steps for w in self.walkers)
        return self.epochs if self.batch_runs else self.annealer.steps

    @property
    def finished(self) -> bool:
        settled = self.walkers and all(w.diverged_at is not None or w.reached_at is not None for w in self.walkers)
        return self.done >= self.total or bool(settled and self.params["part"] == "race")

    def step(self) -> None:
        """Every racer one step (the race, the schedules), every batch size one epoch, annealing one move."""
        if self.finished:
            return
        for walker in self.walkers:
            walker.step()
        for run in self.batch_runs:
            run.epoch()
        self.epochs += bool(self.batch_runs)
        if self.annealer:
            self.annealer.step()

    def leap(self) -> None:
        for _step in range(10):
            self.step()

    def focus(self) -> None:
        """The next racer's state and arithmetic (the next batch size, in the batch part)."""
        count = len(self.walkers) or len(self.batch_runs) or 1
        self.focused = (self.focused + 1) % count

    # ------------------------------------------------------------------ the picture
    def racers(self) -> tuple[Racer, ...]:
        return tuple(Racer(w.glyph, w.name, w.lrs[-1] if w.lrs else w.lr_of(1), np.array([q[0] for q in w.path]),
                           np.array([q[1] for q in w.path]), w.values[-1], self.surface.distance(w.path[-1]), w.steps,
                           w.reached_at, w.diverged_at, np.array(w.lrs))
                     for w in self.walkers)

    def batches(self) -> tuple[BatchCurve, ...]:
        curves = []
        for run in self.batch_runs:
            samples, losses = np.array(run.samples), np.array(run.losses)
            last = losses[samples > run.seen - BATCH_POINTS] if run.seen else losses
            curves.append(BatchCurve(run.size, samples / BATCH_POINTS, losses, run.updates,
                                     float(np.std(last)) if len(last) > 1 else 0.0))
        return tuple(curves)

    def anneal_view(self) -> AnnealView | None:
        a = self.annealer
        if a is None:
            return None
        xs = np.linspace(*ANNEAL_BOX, 161)
        curve = wells_at(xs)
        return AnnealView(xs, curve, GD_STARTS, self.gd_ends, wells_at(self.gd_ends), np.array(a.xs), np.array(a.fs),
                          np.array(a.temperatures), a.best, a.last, a.uphill,
                          (float(xs[np.argmin(curve)]), float(curve.min())))

    def shown(self, name: str) -> str:
        """A walker's name as the screen shows it: a racer's in the interface's language; a schedule's (constant,
        step, cosine, warmup: PyTorch's names for them) as it is."""
        return _(name) if self.params["part"] == "race" else name

    def status(self) -> Status:
        part, p = self.params["part"], self.params
        if part == "batch":
            return self.batch_status()
        if part == "annealing":
            return self.anneal_status()
        keys = dict(step="{step}", run="{run}", focus="{focus}")  # the lesson screen fills them in
        if self.done == 0:
            if part == "race":
                return Status("info", _("Press {step} to move every racer one step, {run} to run; {focus} picks whose "
                                        "arithmetic is shown."))
            return Status("info", _("Press {step} to move {optimizer} under every schedule one step, {run} to run; "
                                    "{focus} picks whose arithmetic is shown.").format(
                optimizer=_(RACERS[p["optimizer"]][1]), **keys))
        reached = sorted((w.reached_at, w.name) for w in self.walkers if w.reached_at is not None)
        lost = [f"{self.shown(w.name)} ({w.diverged_at})" for w in self.walkers if w.diverged_at is not None]
        waiting = [self.shown(w.name) for w in self.walkers if w.reached_at is None and w.diverged_at is None]
        clauses = []
        if reached:
            clauses.append(_("reached by {racers}").format(
                racers=", ".join(f"{self.shown(name)} ({at})" for at, name in reached)))
        if lost:
            clauses.append(_("diverged: {racers}").format(racers=", ".join(lost)))
        if self.finished and waiting:
            clauses.append(_("not there: {racers}.").format(racers=", ".join(waiting)))
        elif not reached and not lost:
            clauses.append(_("nobody within {reach} of the minimum yet.").format(reach=f"{REACH:g}"))
        text = _("Step {step}: {clauses}").format(step=self.done, clauses=_("; ").join(clauses))
        if not self.finished:
            return Status("info", text)
        return Status("warning" if lost or not reached else "success", text)

    def batch_status(self) -> Status:
        if not self.epochs:
            return Status("info", _("Press {step} for one epoch of every batch size, {run} to train {epochs} epochs. "
                                    "The same lr for all; the x axis is epochs.").format(
                epochs=BATCH_EPOCHS, step="{step}", run="{run}"))
        curves = self.batches()
        text = ", ".join(f"{c.size}: {fixed(c.losses[-1], 3)}" for c in curves)
        return Status("success" if self.finished else "info",
                      _("Epoch {epoch}: loss by batch size {losses} (noise floor ≈ {floor}).").format(
                          epoch=self.epochs, losses=text, floor=f"{BATCH_NOISE**2:g}"))

    def anneal_status(self) -> Status:
        a = self.annealer
        if not a.steps:
            return Status("info", _("Gradient descent from {start} stops at x = {end}. Press {step} for one annealing "
                                    "move, {run} to anneal.").format(
                start=num(ANNEAL_START), end=fixed(self.gd_ends[3], 2), step="{step}", run="{run}"))
        temperature = T0 * COOLING**a.steps
        return Status("success" if self.finished else "info",
                      _("Move {move}, T = {t}: at x = {x}, {uphill} uphill moves taken; best x = {best_x}, "
                        "f = {best_f}.").format(move=a.steps, t=fixed(temperature, 3), x=fixed(a.x, 2), uphill=a.uphill,
                                                best_x=fixed(a.best[0], 2), best_f=fixed(a.best[1], 3)))

    def snapshot(self) -> OptimizersSnapshot:
        s = self.surface
        focus = self.walkers[self.focused] if self.walkers else None
        title = f"{focus.glyph} {self.shown(focus.name)}" if focus else ""
        return OptimizersSnapshot(
            part=self.params["part"], step=self.done, total=self.total, surface=s.name, formula=s.formula,
            grid=self.grid, box=s.box, start=s.start, minima=s.minima, racers=self.racers(), focus=self.focused,
            focus_title=title, focus_settings=focus.hyper() if focus else "", arithmetic=focus.arithmetic() if focus else (), batches=self.batches(),
            anneal=self.anneal_view(), status=self.status())


# ------------------------------------------------------------------------------ quiz questions
MOMENTUM_PROMPT = N_("SGD with momentum μ = {mu} (PyTorch's form: v₁ = g₁, then v ← μ·v + g) sees the gradients "
                     "g₁ = {g1}, g₂ = {g2}, g₃ = {g3} on one weight. What is the velocity v after step 3? (2 decimals)")


def engine_steps(kind: str, grads: list[float], **settings: float) -> tuple[optim.Optimizer, Parameter, list[float]]:
    """The engine's optimizer `kind` fed `grads` one step each on a 1-element parameter starting at 0: the optimizer,
    the parameter and the step Δ of each update."""
    point = Parameter(np.zeros(1))
    opt = {"sgd": optim.SGD, "adam": optim.Adam}[kind]([point], **settings)
    deltas = []
    for g in grads:
        point.grad = np.array([g])
        before = point.data
        opt.step()
        deltas.append(float((before - point.data)[0]))
    return opt, point, deltas


def momentum_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Three gradients and μ; the engine's SGD keeps the velocity. A draw whose answer is within 0.05 of g₃, of the
    plain sum, of the damped form (1 − μ)·(…) or of 0 is redrawn whole."""
    values = np.array([-3.0, -2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 3.0])
    while True:
        g = [float(v) for v in values[rng.integers(len(values), size=3)]]
        mu = float(rng.choice([0.5, 0.8, 0.9]))
        opt, point, _deltas = engine_steps("sgd", g, lr=0.1, momentum=mu)
        answer = float(opt.state[point]["momentum_buffer"][0])
        guesses = (g[2], sum(g), (1 - mu) * answer, 0.0)
        if min(abs(answer - guess) for guess in guesses) >= 0.05:
            break
    v2 = mu * g[0] + g[1]
    worked = (f"v₁ = g₁ = {num(g[0])}; v₂ = {num(mu)}·{factor(g[0])} + {factor(g[1])} = {num(round(v2, 4))}; "
              f"v₃ = {num(mu)}·{factor(round(v2, 4))} + {factor(g[2])} = {num(round(answer, 4))}")
    prompt = in_language(lang, MOMENTUM_PROMPT).format(mu=num(mu), g1=num(g[0]), g2=num(g[1]), g3=num(g[2]))
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.01)


ADAM_PROMPT = N_("Adam with lr = {lr}, β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸ sees the gradients g₁ = {g1} and then "
                 "g₂ = {g2} on one weight. {ask} (4 decimals)")
ADAM_ASK = {"m_hat": N_("What is the bias-corrected first moment m̂ at step 2?"),
            "delta": N_("How far does step 2 move the weight, Δ₂ = lr·m̂₂/(√v̂₂ + ε)?")}


def adam_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Two gradients; the engine's Adam takes both steps. Step 1 moves ±lr whatever the gradient, so the question is
    about step 2: m̂₂ or Δ₂. A draw whose answer is within 0.005 of g₂, the mean of the two gradients, the uncorrected
    m, ±lr or 0 is redrawn whole."""
    values = np.array([-4.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0, 5.0])
    ask = ("m_hat", "delta")[rng.integers(2)]
    while True:
        g = [float(v) for v in values[rng.integers(len(values), size=2)]]
        lr = float(rng.choice([0.1, 0.01]))
        opt, point, deltas = engine_steps("adam", g, lr=lr)
        m = float(opt.state[point]["exp_avg"][0])
        m_hat = m / (1 - 0.9**2)
        answer = m_hat if ask == "m_hat" else deltas[1]
        guesses = (g[1], (g[0] + g[1]) / 2, m, lr, -lr, 0.0)
        if min(abs(answer - guess) for guess in guesses) >= 0.005:
            break
    v = float(opt.state[point]["exp_avg_sq"][0])
    v_hat = v / (1 - 0.999**2)
    worked = (f"m₂ = 0.9·(0.1·{factor(g[0])}) + 0.1·{factor(g[1])} = {num(round(m, 5))}; "
              f"m̂₂ = m₂/(1 − 0.9²) = m₂/0.19 = {num(round(m_hat, 4))}. "
              f"v₂ = 0.999·(0.001·{factor(g[0])}²) + 0.001·{factor(g[1])}² = {num(round(v, 6))}; "
              f"v̂₂ = v₂/(1 − 0.999²) = {num(round(v_hat, 4))}. "
              f"Δ₂ = {num(lr)}·{factor(round(m_hat, 4))}/√{num(round(v_hat, 4))} = {num(round(deltas[1], 4))}")
    prompt = in_language(lang, ADAM_PROMPT).format(lr=num(lr), g1=num(g[0]), g2=num(g[1]),
                                                   ask=in_language(lang, ADAM_ASK[ask]))
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.0005)
