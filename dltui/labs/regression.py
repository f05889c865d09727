"""Regression in three steps: a set of functions (polynomials of degree 1–12), a goodness (the mean squared error)
and an optimization (gradient descent), beside the closed-form least-squares solution.

The data are 20 noisy training points of 0.5 + sin(2.5x) and 40 validation points drawn the same way, x in [−1, 1]
(so x, x², …, x¹² stay between −1 and 1 and high degrees can be trained at all). The model ŷ = w₁x + … + w_d·x^d + b is
the engine's `F.linear` on those powers; every step is `F.mse_loss`, `backward` and `optim.SGD`, on the whole training
set or on minibatches (reshuffled each epoch from the epoch's number, so a run is the same when replayed).

The least-squares solution is a reference solver, not the engine: `np.linalg.lstsq` on the same design matrix,
its losses measured with the engine's `F.mse_loss`. So is the step size where gradient descent starts to diverge,
2/λmax of the MSE's Hessian (2/n)·AᵀA: for a quadratic loss that is exact, and the lab's run shows it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..engine import Tensor, functional as F, no_grad, optim
from ..engine.nn import Parameter
from ..i18n import N_, _, in_language
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, factor, num

TRAIN_POINTS, VAL_POINTS = 20, 40
NOISE = 0.25
DATA_SEED = 13
DEGREES = tuple(range(1, 13))
CLOSE = 1e-3  # GD has reached the least-squares fit when its training MSE is within 0.1 % of the minimum
CURVE_POINTS = 101
GRID = 41  # the MSE surface over (w, b): GRID × GRID values
FULL_PATH = 200  # the descent path keeps every step up to here, then thins out to at most as many again


def truth(x: np.ndarray) -> np.ndarray:
    return 0.5 + np.sin(2.5 * x)


@functools.cache
def make_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training and validation inputs and noisy targets, (n,) each: the same for every setting."""
    rng = np.random.default_rng(DATA_SEED)
    x, xv = rng.uniform(-1, 1, TRAIN_POINTS), rng.uniform(-1, 1, VAL_POINTS)
    return x, truth(x) + rng.normal(0, NOISE, TRAIN_POINTS), xv, truth(xv) + rng.normal(0, NOISE, VAL_POINTS)


def powers(x: np.ndarray, degree: int) -> np.ndarray:
    """The features x, x², …, x^degree as columns, (n, degree): the model is linear in them."""
    return np.asarray(x, dtype=float).reshape(-1, 1) ** np.arange(1, degree + 1)


def predict(weights: np.ndarray, bias: float, x: np.ndarray) -> Tensor:
    """The polynomial with these weights (w₁ … w_d) and bias at x, by the engine's `F.linear`: (n, 1)."""
    with no_grad(), np.errstate(all="ignore"):
        return F.linear(Tensor(powers(x, len(weights))), Tensor(np.reshape(weights, (1, -1))), Tensor([bias]))


def mse(weights: np.ndarray, bias: float, x: np.ndarray, y: np.ndarray) -> float:
    """The engine's MSE of that polynomial on (x, y)."""
    with no_grad(), np.errstate(all="ignore"):
        return F.mse_loss(predict(weights, bias, x), np.asarray(y, dtype=float).reshape(-1, 1)).item()


def least_squares(x: np.ndarray, y: np.ndarray, degree: int) -> tuple[np.ndarray, float]:
    """The closed-form fit (reference solver: np.linalg.lstsq on the design matrix [x … x^d, 1]): weights, bias."""
    design = np.hstack([powers(x, degree), np.ones((len(x), 1))])
    theta = np.linalg.lstsq(design, np.asarray(y, dtype=float), rcond=None)[0]
    return theta[:-1], float(theta[-1])


@functools.cache
def largest_stable_lr(degree: int) -> float:
    """2/λmax of the full-batch MSE's Hessian (2/n)·AᵀA: above it gradient descent's steps overshoot more each time."""
    x = make_data()[0]
    design = np.hstack([powers(x, degree), np.ones((len(x), 1))])
    return float(2 / np.linalg.eigvalsh(2 / len(x) * design.T @ design)[-1])


@dataclass(frozen=True)
class DegreeFit:
    degree: int
    train: float  # the least-squares fit's MSE on the training and validation points
    val: float


@functools.cache
def degree_fits() -> tuple[DegreeFit, ...]:
    """The closed-form fit of every degree and its two losses: the overfitting curve."""
    x, y, xv, yv = make_data()
    fits = []
    for degree in DEGREES:
        w, b = least_squares(x, y, degree)
        fits.append(DegreeFit(degree, mse(w, b, x, y), mse(w, b, xv, yv)))
    return tuple(fits)


@dataclass(frozen=True)
class Surface:
    """The training MSE of the line w·x + b over a grid: rows from the largest b down, columns from the smallest w."""

    values: np.ndarray
    box: tuple[float, float, float, float]  # w_min, w_max, b_min, b_max


@functools.cache
def line_surface() -> Surface:
    """The MSE over (w, b) around the least-squares line, wide enough for the start (0, 0) and an overshoot."""
    x, y, _xv, _yv = make_data()
    (w,), b = least_squares(x, y, 1)
    reach = 1.5 * max(abs(w), abs(b))
    box = (math.floor(2 * (w - reach)) / 2, math.ceil(2 * (w + reach)) / 2,
           math.floor(2 * (b - reach)) / 2, math.ceil(2 * (b + reach)) / 2)  # edges on halves: round ticks
    ws, bs = np.linspace(box[0], box[1], GRID), np.linspace(box[3], box[2], GRID)
    return Surface(np.array([[mse(np.array([wi]), bi, x, y) for wi in ws] for bi in bs]), box)


def thinned(path: list[tuple[float, float]]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The path's w's and b's: every step up to FULL_PATH, then every k-th so at most as many again, and the last."""
    stride = max(1, math.ceil((len(path) - FULL_PATH) / FULL_PATH))
    kept = path[:FULL_PATH] + path[FULL_PATH:-1:stride] + path[-1:] if len(path) > FULL_PATH else path
    return tuple(p[0] for p in kept), tuple(p[1] for p in kept)


@dataclass(frozen=True)
class RegressionSnapshot:
    x: np.ndarray  # training and validation points, (n,)
    y: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    curve_x: np.ndarray  # x over [−1, 1]; GD's polynomial and the least-squares one there
    gd_curve: np.ndarray
    ls_curve: np.ndarray
    degree: int
    lr: float
    batch: int
    step: int
    epoch: int
    max_steps: int
    weights: np.ndarray  # GD's w₁ … w_d and b now
    bias: float
    ls_weights: np.ndarray  # the least-squares solution
    ls_bias: float
    train_loss: np.ndarray  # GD's training MSE after 0, 1, … steps
    val_loss: np.ndarray
    ls_train: float
    ls_val: float
    distance: float  # ‖θ_GD − θ_LS‖ over every weight and the bias
    norms: tuple[float, float]  # ‖w‖ of GD's weights and of the least-squares ones (the bias left out)
    lr_limit: float  # full-batch GD diverges above this step size
    reached_at: int | None  # the first step whose training MSE is within CLOSE of the least-squares minimum
    fits: tuple[DegreeFit, ...]  # the closed-form fit of every degree
    surface: Surface | None  # degree 1: the MSE over (w, b), and GD's path on it
    path_w: tuple[float, ...]
    path_b: tuple[float, ...]
    diverged: bool
    status: Status

    @property
    def best_degree(self) -> DegreeFit:
        return min(self.fits, key=lambda fit: fit.val)


class RegressionLab(Lab):
    controls = (
        Control("degree", N_("Degree"), "int", 1, 1, 12, 1, help=N_("The polynomial's degree: 1 is a line")),
        Control("lr", N_("Learning rate η"), "float", 0.1, 0.001, 3.0, 0.05, help=N_("GD's step size")),
        Control("batch", N_("Batch size"), "int", TRAIN_POINTS, 1, TRAIN_POINTS, 1,
                help=N_("Points per update: 20 is full-batch gradient descent, fewer is minibatch SGD")),
        Control("max_steps", N_("Max steps"), "int", 20000, 100, 100000, 1000, help=N_("A free run stops here")),
    )
    actions = (
        Action("step", "s", N_("Step")),
        Action("double", "g", N_("Steps ×2"), background=True),
    )
    run_action = "step"
    run_pace = 0.01  # 100 steps a second: a path to watch, not a blur

    def build(self) -> None:
        p = self.params
        self.x, self.y, self.xv, self.yv = make_data()
        degree = p["degree"]
        self.weight = Parameter(np.zeros((1, degree)), name="w")
        self.bias = Parameter(np.zeros(1), name="b")
        self.optimizer = optim.SGD([self.weight, self.bias], lr=p["lr"])
        self.ls_weights, self.ls_bias = least_squares(self.x, self.y, degree)
        self.ls_train = mse(self.ls_weights, self.ls_bias, self.x, self.y)
        self.ls_val = mse(self.ls_weights, self.ls_bias, self.xv, self.yv)
        self.steps = 0
        self.reached_at: int | None = None
        self.train_loss, self.val_loss = [self.loss(self.x, self.y)], [self.loss(self.xv, self.yv)]
        self.path = [self.theta_line()]

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        return mse(self.weight.data[0], float(self.bias.data[0]), x, y)

    def theta_line(self) -> tuple[float, float]:
        return float(self.weight.data[0, 0]), float(self.bias.data[0])

    def batch_rows(self) -> np.ndarray:
        """The training points of the next update: all of them, or the next minibatch of this epoch's shuffle."""
        size, n = self.params["batch"], TRAIN_POINTS
        if size >= n:
            return np.arange(n)
        per_epoch = math.ceil(n / size)
        epoch, k = divmod(self.steps, per_epoch)
        order = np.random.default_rng([DATA_SEED, epoch]).permutation(n)
        return order[k * size:(k + 1) * size]

    @property
    def epoch(self) -> int:
        return self.steps // math.ceil(TRAIN_POINTS / self.params["batch"])

    @property
    def finished(self) -> bool:
        return self.diverged or self.reached_at is not None or self.steps >= self.params["max_steps"]

    def step(self) -> None:
        """One update: forward, MSE, backward and SGD through the engine; then both losses with the new weights."""
        rows = self.batch_rows()
        self.optimizer.zero_grad()
        prediction = F.linear(Tensor(powers(self.x[rows], self.params["degree"])), self.weight, self.bias)
        F.mse_loss(prediction, self.y[rows].reshape(-1, 1)).backward()
        with np.errstate(all="ignore"):
            self.optimizer.step()
            self.steps += 1
            self.train_loss.append(self.loss(self.x, self.y))
            self.val_loss.append(self.loss(self.xv, self.yv))
        if self.params["degree"] == 1:
            self.path.append(self.theta_line())
        if self.reached_at is None and self.train_loss[-1] <= (1 + CLOSE) * self.ls_train:
            self.reached_at = self.steps
        self.watch(self.train_loss[-1], self.steps, N_("step"))

    def double(self) -> None:
        """As many steps again as so far (one at the start)."""
        for _unused in range(max(self.steps, 1)):
            if self.diverged or self.interrupted():
                return
            self.step()

    def status(self) -> Status:
        p, steps = self.params, self.steps
        limit = largest_stable_lr(p["degree"])
        if self.divergence is not None:
            return self.divergence.status(_("η = {lr} is above 2/λmax = {limit}: each step overshoots the minimum "
                                            "by more than the last. Lower η.").format(lr=f"{p['lr']:g}",
                                                                                      limit=fixed(limit, 3)))
        if steps == 0:
            return Status("info", _("Press {step} for one gradient-descent step, {run} to run, "
                                    "{double} to double the steps."))
        gd, ls, lr = fixed(self.train_loss[-1], 4), fixed(self.ls_train, 4), f"{p['lr']:g}"
        who = "GD" if p["batch"] >= TRAIN_POINTS else _("SGD (batch {size})").format(size=p["batch"])
        if self.reached_at is not None:
            return Status("success", _("{who} reached the least-squares training MSE {ls} (within 0.1 %) after "
                                       "{steps} steps at η = {lr}.").format(
                who=who, ls=ls, steps=self.reached_at, lr=lr))
        if steps >= p["max_steps"]:
            return Status("warning", _("{steps} steps and {who}'s training MSE is {gd}, the least-squares minimum "
                                       "{ls}: a larger η, or the closed form, gets there.").format(
                steps=steps, who=who, gd=gd, ls=ls))
        return Status("info", _("Step {steps}: {who}'s training MSE {gd}, least squares {ls}.").format(
            steps=steps, who=who, gd=gd, ls=ls))

    def snapshot(self) -> RegressionSnapshot:
        p = self.params
        curve_x = np.linspace(-1, 1, CURVE_POINTS)
        weights, bias = self.weight.data[0].copy(), float(self.bias.data[0])
        with np.errstate(all="ignore"):
            distance = float(np.linalg.norm(np.append(weights - self.ls_weights, bias - self.ls_bias)))
            norms = float(np.linalg.norm(weights)), float(np.linalg.norm(self.ls_weights))
        path_w, path_b = thinned(self.path) if p["degree"] == 1 else ((), ())
        return RegressionSnapshot(
            x=self.x, y=self.y, x_val=self.xv, y_val=self.yv, curve_x=curve_x,
            gd_curve=predict(weights, bias, curve_x).data[:, 0],
            ls_curve=predict(self.ls_weights, self.ls_bias, curve_x).data[:, 0],
            degree=p["degree"], lr=p["lr"], batch=p["batch"], step=self.steps, epoch=self.epoch,
            max_steps=p["max_steps"],
            weights=weights, bias=bias, ls_weights=self.ls_weights.copy(), ls_bias=self.ls_bias,
            train_loss=np.array(self.train_loss), val_loss=np.array(self.val_loss),
            ls_train=self.ls_train, ls_val=self.ls_val, distance=distance, norms=norms,
            lr_limit=largest_stable_lr(p["degree"]), reached_at=self.reached_at, fits=degree_fits(),
            surface=line_surface() if p["degree"] == 1 else None, path_w=path_w, path_b=path_b,
            diverged=self.diverged, status=self.status())


# ------------------------------------------------------------------------------ quiz questions
def points_text(x: np.ndarray, y: np.ndarray) -> str:
    return ", ".join(f"({num(a)}, {num(b)})" for a, b in zip(x, y))


def line_text(w: float, b: float) -> str:
    """ŷ = 2·x − 1 (no "+ −1", no "+ 0")."""
    return f"{num(w)}·x" + (f" + {num(b)}" if b > 0 else f" − {num(-b)}" if b < 0 else "")


def draw_points(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three points with different x's, small whole numbers."""
    x = np.sort(rng.choice(np.arange(-2, 4), size=3, replace=False)).astype(float)
    return x, rng.integers(-3, 5, size=3).astype(float)


def gd_step(x: np.ndarray, y: np.ndarray, w: float, b: float, lr: float) -> tuple[float, float]:
    """One full-batch gradient-descent step on the MSE of the line w·x + b, through the engine: the new (w, b)."""
    weight, bias = Parameter(np.array([[w]])), Parameter(np.array([b]))
    F.mse_loss(F.linear(Tensor(x.reshape(-1, 1)), weight, bias), y.reshape(-1, 1)).backward()
    optim.SGD([weight, bias], lr=lr).step()
    return float(weight.data[0, 0]), float(bias.data[0])


STEP_PROMPT = N_("The line ŷ = w·x + b has w = {w}, b = {b}. The training points are {points}. One step of gradient "
                 "descent on the mean squared error L = (1/3)·Σ(ŷᵢ − yᵢ)², learning rate η = {lr}: what is w after the "
                 "step? (3 decimals)")
STEP_WORKED = N_("residuals ŷ − y = ({residuals}); ∂L/∂w = (2/3)·Σ(ŷᵢ − yᵢ)·xᵢ = {grad}; w ← {w} − {lr}·{factor} = "
                 "{answer}")


def step_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A line, three points and η; the engine's SGD takes the step. A draw whose step moves w by less than 0.02, or
    whose answer is within 0.005 of 0 or of the slips (no factor 2, a sum instead of the mean, a step up the slope), is
    redrawn."""
    while True:
        x, y = draw_points(rng)
        w, b = (float(rng.choice([-1.0, -0.5, 0.5, 1.0, 2.0])) for _unused in range(2))
        lr = float(rng.choice([0.05, 0.1, 0.2]))
        answer = gd_step(x, y, w, b, lr)[0]
        residual = w * x + b - y
        grad = float(2 * np.mean(residual * x))
        slips = (w, w - lr * grad / 2, w - lr * grad * 3, w + lr * grad)
        if abs(answer - w) >= 0.02 and min(abs(answer - slip) for slip in (0.0, *slips[1:])) >= 0.005:
            break
    worked = in_language(lang, STEP_WORKED).format(
        residuals=", ".join(num(r) for r in residual), grad=num(round(grad, 4)), w=num(w), lr=num(lr),
        factor=factor(round(grad, 4)), answer=num(round(answer, 4)))
    prompt = in_language(lang, STEP_PROMPT).format(w=num(w), b=num(b), points=points_text(x, y), lr=num(lr))
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.001)


SLOPE_PROMPT = N_("Fit a line ŷ = w·x + b to the points {points} by least squares (the w and b with the smallest mean "
                  "squared error). What is the slope w? (2 decimals)")


def slope_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Three points off any one line; the lab's least-squares solver answers. A draw whose slope is within 0.02 of 0
    or of the slope through any two of the points is redrawn."""
    while True:
        x, y = draw_points(rng)
        (w,), b = least_squares(x, y, 1)
        pairs = [(y[j] - y[i]) / (x[j] - x[i]) for i in range(3) for j in range(i + 1, 3)]
        if min(abs(w - s) for s in (0.0, *pairs)) >= 0.02:
            break
    mx, my = x.mean(), y.mean()
    sxy, sxx = float(np.sum((x - mx) * (y - my))), float(np.sum((x - mx) ** 2))
    worked = (f"x̄ = {num(round(mx, 4))}, ȳ = {num(round(my, 4))}; w = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)² = "
              f"{num(round(sxy, 4))} / {num(round(sxx, 4))} = {num(round(w, 4))}; b = ȳ − w·x̄ = {num(round(b, 4))}")
    prompt = in_language(lang, SLOPE_PROMPT).format(points=points_text(x, y))
    return GeneratedQuestion(prompt, float(w), worked, tolerance=0.01)


MSE_PROMPT = N_("The line ŷ = {line} and the points {points}. What is its mean squared error (1/3)·Σ(ŷᵢ − yᵢ)²? "
                "(2 decimals)")
MSE_WORKED = N_("ŷ = ({predictions}); ŷ − y = ({residuals}); mean of the squares = {answer}")


def mse_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A line and three points; the engine's `F.mse_loss` answers. A draw whose MSE is within 0.02 of 0, of the sum of
    squares or of the mean absolute error is redrawn."""
    while True:
        x, y = draw_points(rng)
        w, b = float(rng.choice([-1.0, -0.5, 0.5, 1.0, 2.0])), float(rng.choice([-1.0, 0.0, 0.5, 1.0]))
        answer = mse(np.array([w]), b, x, y)
        residual = w * x + b - y
        slips = (0.0, float(np.sum(residual ** 2)), float(np.mean(np.abs(residual))))
        if min(abs(answer - slip) for slip in slips) >= 0.02:
            break
    worked = in_language(lang, MSE_WORKED).format(predictions=", ".join(num(v) for v in w * x + b),
                                                  residuals=", ".join(num(r) for r in residual),
                                                  answer=num(round(answer, 4)))
    prompt = in_language(lang, MSE_PROMPT).format(line=line_text(w, b), points=points_text(x, y))
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.01)
