"""The neural network zoo: six members of the Asimov Institute's chart, each small enough to run here.

`toy` picks one; `s` takes one step of it and a run goes to its end, slowly enough to watch.

- rbf: a radial basis function network ŷ = Σⱼ wⱼ·exp(−(x − cⱼ)²/2σⱼ²) fitted to 40 noisy points of a curve. It
  starts as the classic two-stage RBF net (centres evenly spaced, widths 0.7 of the spacing, the output weights
  solved by least squares); each step is then one Adam update of centres, widths and weights together through the
  engine.
- som: a Kohonen self-organizing map of 6×6 units on points spread over a square. Each sample pulls its best-matching
  unit and the unit's grid neighbours toward it, by a learning rate and a neighbourhood radius that both shrink; the
  map, tangled at the start, unfolds. No gradient: NumPy, as the rule reads.
- esn: an echo state network. A fixed random reservoir of 100 tanh units (its spectral radius a control) is driven
  by the Mackey–Glass series; only the linear readout is trained, by ridge regression, to predict the next value.
  Each step gives the readout 50 more training samples and solves the ridge system again.
- svm: a linear support vector machine, the hinge loss plus λ/2·‖w‖² minimised by the engine's SGD on 40 points.
- ar: an autoregressive model xₜ = a₁xₜ₋₁ + … + aₖxₜ₋ₖ fitted by least squares, then rolled out: each step
  predicts one more value from its own previous predictions.
- deconv: a transposed convolution (the "deconvolution" of deconvolutional nets) upsampling a 3×3 map, one input
  cell's stamp of the kernel per step, each partial output computed by the engine's `F.conv_transpose2d`.

The two least-squares problems are reference solvers (`np.linalg.lstsq`, `np.linalg.solve`), not the engine; their
errors are measured with the engine's `F.mse_loss`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F, no_grad, optim
from ..engine.nn import Parameter
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, factor, num

TOYS = ("rbf", "som", "esn", "svm", "ar", "deconv")
PACE = {"rbf": 0.02, "som": 0.04, "esn": 0.15, "svm": 0.02, "ar": 0.05, "deconv": 0.4}
"""Seconds between a run's steps: every toy's run takes a few seconds to watch."""

# rbf
RBF_POINTS, RBF_NOISE, RBF_STEPS, RBF_LR = 40, 0.1, 300, 0.03
RBF_SPAN = (-3.0, 3.0)
RBF_WIDTH = 0.7  # the starting widths, as a share of the centres' spacing
CURVE = 121  # points of the fitted curve drawn
BUMP_POINTS = 72  # points of all the bumps together, drawn as one line

# som
SOM_SIDE, SOM_POINTS, SOM_SAMPLES, SOM_CHUNK = 6, 400, 3000, 30
SOM_RATE = (0.5, 0.02)  # the learning rate at the first and the last sample
SOM_RADIUS = (3.0, 0.5)  # the neighbourhood radius, in grid steps

# esn
ESN_UNITS, ESN_DENSITY, ESN_RIDGE = 100, 0.1, 1e-6
ESN_WASHOUT, ESN_TRAIN, ESN_TEST, ESN_CHUNK = 100, 1000, 300, 50
MG_TAU, MG_SKIP = 17, 500

# svm
SVM_POINTS, SVM_LR, SVM_STEPS, SVM_BOX, SVM_GRID = 40, 0.1, 300, 3.0, 13

# ar
AR_TRAIN, AR_AHEAD, AR_NOISE = 200, 60, 0.1
AR_PERIODS = (16.0, 6.5)

# deconv
DECONV_INPUT = 3


def gaussian_bumps(x: Tensor, centres: Tensor, log_widths: Tensor) -> Tensor:
    """φⱼ(x) = exp(−(x − cⱼ)²/2σⱼ²) with σⱼ = exp(log σⱼ), for x (n, 1): (n, k), by the engine's ops."""
    widths = log_widths.exp()
    gap = x - centres.reshape(1, -1)
    return (gap * gap / (widths * widths).reshape(1, -1) * -0.5).exp()


def design(x: np.ndarray, centres: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The RBF net's features φⱼ(x): (n, k)."""
    with no_grad():
        return gaussian_bumps(Tensor(x.reshape(-1, 1)), Tensor(centres), Tensor(np.log(widths))).data


def bump_line(centres: np.ndarray, widths: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each bump wⱼ·φⱼ(x) over cⱼ ± 2.5σⱼ (inside the data's span), left to right, as one line: between two bumps it
    runs along y ≈ 0, where the bumps' tails are."""
    each = max(4, BUMP_POINTS // len(centres))
    xs = [np.linspace(max(c - 2.5 * w, RBF_SPAN[0]), min(c + 2.5 * w, RBF_SPAN[1]), each)
          for c, w in sorted(zip(centres, widths))]
    order = np.argsort(centres)
    ys = [design(x, centres[order][j:j + 1], widths[order][j:j + 1])[:, 0] * weights[order][j]
          for j, x in enumerate(xs)]
    return np.concatenate(xs), np.concatenate(ys)


def rbf_truth(x: np.ndarray) -> np.ndarray:
    return np.sin(1.3 * x) + np.exp(-8 * (x - 1.2) ** 2)


def neighbourhood(distance: np.ndarray | float, radius: float) -> np.ndarray | float:
    """The SOM's neighbourhood weight h = exp(−d²/2r²) for a grid distance d and radius r."""
    return np.exp(-np.square(distance) / (2 * radius**2))


def grid_positions(side: int) -> np.ndarray:
    """Each unit's (row, column) on a side × side grid, unit k = row·side + column: (side², 2)."""
    rows, cols = np.divmod(np.arange(side * side), side)
    return np.stack([rows, cols], axis=1).astype(float)


def map_path(side: int) -> np.ndarray:
    """Unit indices along one polyline that runs over every edge of the grid: the rows back and forth, then the
    columns back and forth. Each jump joins two neighbours, so drawing it draws the grid and nothing else."""
    rows = [r * side + (c if r % 2 == 0 else side - 1 - c) for r in range(side) for c in range(side)]
    across = range(side) if rows[-1] % side == 0 else range(side - 1, -1, -1)  # from the corner the rows end in
    cols = [r * side + c for k, c in enumerate(across)
            for r in (range(side - 1, -1, -1) if k % 2 == 0 else range(side))]
    return np.array(rows + cols)


def som_errors(weights: np.ndarray, data: np.ndarray, positions: np.ndarray) -> tuple[float, float]:
    """Quantization error (mean distance of a point to its best unit) and topographic error (the share of points whose
    best and second-best units are not grid neighbours: 0 for a map whose order matches the data's)."""
    distance = np.linalg.norm(data[:, None, :] - weights[None, :, :], axis=2)
    order = np.argsort(distance, axis=1)[:, :2]
    steps = np.abs(positions[order[:, 0]] - positions[order[:, 1]]).sum(axis=1)
    return float(distance[np.arange(len(data)), order[:, 0]].mean()), float(np.mean(steps != 1))


@functools.cache
def mackey_glass(length: int) -> np.ndarray:
    """The Mackey–Glass series (τ = 17, one step a time unit), centred and scaled to about ±1."""
    x = np.full(length + MG_SKIP + MG_TAU, 1.2)
    for t in range(MG_TAU, len(x) - 1):
        x[t + 1] = x[t] + 0.2 * x[t - MG_TAU] / (1 + x[t - MG_TAU] ** 10) - 0.1 * x[t]
    series = x[MG_SKIP + MG_TAU:]
    return (series - series.mean()) / (3 * series.std())


def reservoir(radius: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A sparse random reservoir W scaled to the spectral radius `radius`, input and bias weights."""
    rng = np.random.default_rng([seed, 3])
    w = rng.normal(size=(ESN_UNITS, ESN_UNITS)) * (rng.random((ESN_UNITS, ESN_UNITS)) < ESN_DENSITY)
    w *= radius / np.max(np.abs(np.linalg.eigvals(w)))
    return w, rng.uniform(-0.5, 0.5, ESN_UNITS), rng.uniform(-0.2, 0.2, ESN_UNITS)


def drive(w: np.ndarray, w_in: np.ndarray, bias: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """The reservoir's states xₜ₊₁ = tanh(W·xₜ + w_in·uₜ + b) from x = 0, one row per input: (T, units)."""
    states, x = np.empty((len(inputs), len(bias))), np.zeros(len(bias))
    for t, u in enumerate(inputs):
        x = np.tanh(w @ x + w_in * u + bias)
        states[t] = x
    return states


def ridge(states: np.ndarray, targets: np.ndarray, penalty: float = ESN_RIDGE) -> np.ndarray:
    """The readout minimising ‖Xw − y‖² + λ‖w‖², X the states with a column of ones: solve (XᵀX + λI)w = Xᵀy."""
    x = np.hstack([states, np.ones((len(states), 1))])
    return np.linalg.solve(x.T @ x + penalty * np.eye(x.shape[1]), x.T @ targets)


def readout(states: np.ndarray, weights: np.ndarray) -> np.ndarray:
    with no_grad():
        return F.linear(Tensor(states), Tensor(weights[:-1].reshape(1, -1)), Tensor(weights[-1:])).data.ravel()


def mse(prediction: np.ndarray, target: np.ndarray) -> float:
    with no_grad():
        return float(F.mse_loss(Tensor(np.asarray(prediction, float)), np.asarray(target, float)).item())


def hinge_objective(x: Tensor, y: np.ndarray, weight: Tensor, bias: Tensor, penalty: float) -> Tensor:
    """mean(max(0, 1 − yᵢ·(w·xᵢ + b))) + λ/2·‖w‖², by the engine's ops."""
    margins = (F.linear(x, weight, bias) * Tensor(y.reshape(-1, 1)) * -1.0 + 1.0).relu()
    return margins.mean() + (weight * weight).sum() * (0.5 * penalty)


def ar_series(seed: int) -> np.ndarray:
    """Two sines of periods 16 and 6.5 plus noise: AR_TRAIN values to fit on and AR_AHEAD more to predict."""
    t = np.arange(AR_TRAIN + AR_AHEAD)
    rng = np.random.default_rng([seed, 5])
    return (np.sin(2 * np.pi * t / AR_PERIODS[0]) + 0.6 * np.sin(2 * np.pi * t / AR_PERIODS[1])
            + rng.normal(0, AR_NOISE, len(t)))


def lagged(series: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows (xₜ₋₁, …, xₜ₋ₖ) and targets xₜ for every t with k values before it."""
    return np.array([series[t - order:t][::-1] for t in range(order, len(series))]), series[order:]


def ar_fit(series: np.ndarray, order: int) -> np.ndarray:
    """(a₁ … aₖ) by least squares."""
    rows, targets = lagged(series, order)
    return np.linalg.lstsq(rows, targets, rcond=None)[0]


def ar_next(coefficients: np.ndarray, history: np.ndarray) -> float:
    """a₁xₜ₋₁ + … + aₖxₜ₋ₖ from the last k values of `history`."""
    with no_grad():
        window = Tensor(history[::-1][:len(coefficients)].reshape(1, -1))
        return F.linear(window, Tensor(coefficients.reshape(1, -1))).item()


def transposed(x: np.ndarray, kernel: np.ndarray, stride: int, padding: int, output_padding: int = 0) -> np.ndarray:
    """The engine's conv_transpose2d of one 2-D map with one 2-D kernel."""
    with no_grad():
        return F.conv_transpose2d(Tensor(x[None, None]), Tensor(kernel[None, None]), stride=stride, padding=padding,
                                  output_padding=output_padding).data[0, 0]


def upsampled_size(size: int, kernel: int, stride: int, padding: int, output_padding: int = 0) -> int:
    """A transposed convolution's output side: (H − 1)·s − 2p + k + output padding."""
    return (size - 1) * stride - 2 * padding + kernel + output_padding


@dataclass(frozen=True)
class ZooSnapshot:
    toy: str
    step: int
    steps: int  # the toy's whole run
    status: Status
    history: np.ndarray  # the toy's error after each step (its meaning in `history_label`)
    history_label: str
    # rbf: data, the fitted curve, each bump wⱼφⱼ(x), centres, widths, weights
    x: np.ndarray = field(default_factory=lambda: np.empty(0))
    y: np.ndarray = field(default_factory=lambda: np.empty(0))
    curve_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    curve: np.ndarray = field(default_factory=lambda: np.empty(0))
    bump_x: np.ndarray = field(default_factory=lambda: np.empty(0))  # every bump wⱼφⱼ(x) near its centre, one line
    bump_y: np.ndarray = field(default_factory=lambda: np.empty(0))
    centres: np.ndarray = field(default_factory=lambda: np.empty(0))
    widths: np.ndarray = field(default_factory=lambda: np.empty(0))
    weights: np.ndarray = field(default_factory=lambda: np.empty(0))  # rbf: w; svm: (w₁, w₂, b)
    start_loss: float = math.nan  # the two-stage fit's loss
    # som: the units' positions (in data space), the polyline over the grid, the rate and radius now
    units: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    path: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    rate: float = 0.0
    radius: float = 0.0
    quantization: float = 0.0
    topographic: float = 0.0
    # esn: the test stretch's target and prediction, the training samples so far
    target: np.ndarray = field(default_factory=lambda: np.empty(0))
    prediction: np.ndarray = field(default_factory=lambda: np.empty(0))
    samples: np.ndarray = field(default_factory=lambda: np.empty(0))
    spectral_radius: float = 0.0
    baseline: float = 0.0  # the test NRMSE of repeating the last value, ŷₜ₊₁ = uₜ
    # svm: the decision function's band over the box (0 f ≤ −1, 0.3 −1…0, 0.7 0…1, 1 f ≥ 1), the support vectors
    bands: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    labels: np.ndarray = field(default_factory=lambda: np.empty(0))
    support: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    margin: float = 0.0
    errors: int = 0
    # ar: the series, the fit's coefficients, the rollout and the one-step predictions of the same stretch
    series: np.ndarray = field(default_factory=lambda: np.empty(0))
    coefficients: np.ndarray = field(default_factory=lambda: np.empty(0))
    rollout: np.ndarray = field(default_factory=lambda: np.empty(0))
    one_step: np.ndarray = field(default_factory=lambda: np.empty(0))
    one_step_error: float = 0.0  # the one-step predictions' RMSE over the stretch rolled out so far
    # deconv: input, kernel, the output so far and the full output; the cell stamped last and where its stamp went
    image: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    kernel: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    output: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    full: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    stamped: tuple[int, int] | None = None
    stamp: frozenset = frozenset()
    stride: int = 1
    padding: int = 0
    diverged: bool = False


class ZooLab(Lab):
    """One toy of the zoo at a time; `s` steps it, a run goes to its end."""

    controls = (
        Control("toy", N_("toy"), "choice", "rbf", choices=TOYS,
                help=N_("rbf · som (Kohonen map) · esn (echo state) · svm · ar (autoregressive) · deconv")),
        Control("centres", N_("RBF centres"), "int", 6, 2, 16, 1, help=N_("the RBF network's Gaussian units")),
        Control("radius", N_("ESN radius ρ"), "float", 0.9, 0.1, 2.0, 0.1,
                help=N_("the reservoir's spectral radius, its largest |eigenvalue|: under 1 old inputs fade")),
        Control("penalty", N_("SVM λ"), "float", 0.01, 0.0, 1.0, 0.01, help=N_("the weight penalty λ/2·‖w‖²")),
        Control("order", N_("AR order k"), "int", 8, 1, 12, 1, help=N_("the autoregressive model's past values")),
        Control("stride", N_("deconv stride"), "int", 2, 1, 3, 1),
        Control("padding", N_("deconv padding"), "int", 0, 0, 1, 1),
        Control("seed", N_("seed"), "int", 0, 0, 99, 1, help=N_("a new draw of data and starting weights")),
    )
    actions = (
        Action("step", "s", N_("Step")),
        Action("finish", "e", N_("To the end"), background=True),
    )
    run_action = "step"

    @property
    def run_pace(self) -> float:
        return PACE[self.params["toy"]]

    @property
    def toy(self) -> str:
        return self.params["toy"]

    def build(self) -> None:
        self.count = 0
        self.history: list[float] = []
        getattr(self, f"build_{self.toy}")()

    @property
    def steps(self) -> int:
        return {"rbf": RBF_STEPS, "som": SOM_SAMPLES // SOM_CHUNK, "esn": ESN_TRAIN // ESN_CHUNK, "svm": SVM_STEPS,
                "ar": AR_AHEAD, "deconv": DECONV_INPUT**2}[self.toy]

    @property
    def finished(self) -> bool:
        return self.count >= self.steps or self.diverged

    def step(self) -> None:
        if not self.finished:
            self.count += 1
            getattr(self, f"step_{self.toy}")()

    def finish(self) -> None:
        while not self.finished and not self.interrupted():
            self.step()

    # ------------------------------------------------------------------ rbf
    def build_rbf(self) -> None:
        rng = np.random.default_rng([self.params["seed"], 1])
        self.x = np.sort(rng.uniform(*RBF_SPAN, RBF_POINTS))
        self.y = rbf_truth(self.x) + rng.normal(0, RBF_NOISE, RBF_POINTS)
        k = self.params["centres"]
        centres = np.linspace(*RBF_SPAN, k)
        widths = np.full(k, RBF_WIDTH * (RBF_SPAN[1] - RBF_SPAN[0]) / (k - 1))
        solution = np.linalg.lstsq(design(self.x, centres, widths), self.y, rcond=None)[0]
        self.centres, self.log_widths = Parameter(centres), Parameter(np.log(widths))
        self.out_weight = Parameter(solution.reshape(1, -1))
        self.optimizer = optim.Adam([self.centres, self.log_widths, self.out_weight], lr=RBF_LR)
        self.history.append(self.rbf_loss())

    def rbf_forward(self, x: np.ndarray) -> Tensor:
        return F.linear(gaussian_bumps(Tensor(x.reshape(-1, 1)), self.centres, self.log_widths), self.out_weight)

    def rbf_loss(self) -> float:
        with no_grad():
            return float(F.mse_loss(self.rbf_forward(self.x), self.y.reshape(-1, 1)).item())

    def step_rbf(self) -> None:
        self.optimizer.zero_grad()
        F.mse_loss(self.rbf_forward(self.x), self.y.reshape(-1, 1)).backward()
        self.optimizer.step()
        self.history.append(self.rbf_loss())
        self.watch(self.history[-1], self.count)

    # ------------------------------------------------------------------ som
    def build_som(self) -> None:
        rng = np.random.default_rng([self.params["seed"], 2])
        self.data = rng.random((SOM_POINTS, 2))
        self.units = rng.random((SOM_SIDE * SOM_SIDE, 2))
        self.positions = grid_positions(SOM_SIDE)
        self.order = rng.integers(SOM_POINTS, size=SOM_SAMPLES)
        self.history.append(self.som_errors()[1])

    def som_schedule(self, sample: int) -> tuple[float, float]:
        """The learning rate and radius at `sample`: each decays exponentially from its first to its last value."""
        share = sample / (SOM_SAMPLES - 1)
        return tuple(first * (last / first) ** share for first, last in (SOM_RATE, SOM_RADIUS))

    def som_errors(self) -> tuple[float, float]:
        return som_errors(self.units, self.data, self.positions)

    def step_som(self) -> None:
        for sample in range((self.count - 1) * SOM_CHUNK, self.count * SOM_CHUNK):
            point = self.data[self.order[sample]]
            best = int(np.argmin(np.sum((self.units - point) ** 2, axis=1)))
            rate, radius = self.som_schedule(sample)
            pull = rate * neighbourhood(np.linalg.norm(self.positions - self.positions[best], axis=1), radius)
            self.units += pull[:, None] * (point - self.units)
        self.history.append(self.som_errors()[1])

    # ------------------------------------------------------------------ esn
    def build_esn(self) -> None:
        signal = mackey_glass(ESN_WASHOUT + ESN_TRAIN + ESN_TEST + 1)
        self.inputs, self.targets = signal[:-1], signal[1:]
        self.states = drive(*reservoir(self.params["radius"], self.params["seed"]), self.inputs)
        self.test = slice(ESN_WASHOUT + ESN_TRAIN, None)
        self.esn_weights = np.zeros(ESN_UNITS + 1)
        self.samples: list[int] = []

    def step_esn(self) -> None:
        train = slice(ESN_WASHOUT, ESN_WASHOUT + self.count * ESN_CHUNK)
        self.esn_weights = ridge(self.states[train], self.targets[train])
        self.samples.append(self.count * ESN_CHUNK)
        self.history.append(self.esn_error())

    def esn_prediction(self) -> np.ndarray:
        return readout(self.states[self.test], self.esn_weights)

    def esn_error(self, prediction: np.ndarray | None = None) -> float:
        """The test stretch's normalized root mean squared error, RMSE / the target's standard deviation, of the
        readout's prediction (or of `prediction`)."""
        target = self.targets[self.test]
        prediction = self.esn_prediction() if prediction is None else prediction
        return math.sqrt(mse(prediction, target)) / float(np.std(target))

    # ------------------------------------------------------------------ svm
    def build_svm(self) -> None:
        rng = np.random.default_rng([self.params["seed"], 4])
        self.labels = np.where(np.arange(SVM_POINTS) % 2 == 0, 1.0, -1.0)
        self.points = np.clip(self.labels[:, None] * 0.9 + rng.normal(0, 0.8, (SVM_POINTS, 2)), -SVM_BOX, SVM_BOX)
        self.svm_weight, self.svm_bias = Parameter(rng.normal(0, 0.1, (1, 2))), Parameter(np.zeros(1))
        self.optimizer = optim.SGD([self.svm_weight, self.svm_bias], lr=SVM_LR)
        self.history.append(self.svm_objective())

    def svm_objective(self) -> float:
        with no_grad():
            return hinge_objective(Tensor(self.points), self.labels, self.svm_weight, self.svm_bias,
                                   self.params["penalty"]).item()

    def step_svm(self) -> None:
        self.optimizer.zero_grad()
        hinge_objective(Tensor(self.points), self.labels, self.svm_weight, self.svm_bias,
                        self.params["penalty"]).backward()
        self.optimizer.step()
        self.history.append(self.svm_objective())
        self.watch(self.history[-1], self.count)

    def decision(self, points: np.ndarray) -> np.ndarray:
        """f(x) = w·x + b."""
        with no_grad():
            return F.linear(Tensor(points), self.svm_weight, self.svm_bias).data.ravel()

    def svm_bands(self) -> np.ndarray:
        """f over a grid of the box (top row first) in four bands: beyond −1, −1…0, 0…1, beyond +1."""
        ticks = (np.arange(SVM_GRID) + 0.5) / SVM_GRID * 2 * SVM_BOX - SVM_BOX
        xs, ys = np.meshgrid(ticks, ticks[::-1])
        f = self.decision(np.stack([xs.ravel(), ys.ravel()], axis=1)).reshape(xs.shape)
        return np.select([f <= -1, f < 0, f < 1], [0.0, 0.3, 0.7], 1.0)

    # ------------------------------------------------------------------ ar
    def build_ar(self) -> None:
        self.series = ar_series(self.params["seed"])
        self.coefficients = ar_fit(self.series[:AR_TRAIN], self.params["order"])
        self.rollout: list[float] = []

    def step_ar(self) -> None:
        history = np.concatenate([self.series[:AR_TRAIN], self.rollout])
        self.rollout.append(ar_next(self.coefficients, history))
        self.history.append(self.ar_error())

    def ar_error(self) -> float:
        """The rollout's RMSE against the series so far."""
        return math.sqrt(mse(np.array(self.rollout), self.series[AR_TRAIN:AR_TRAIN + len(self.rollout)]))

    def one_step(self) -> np.ndarray:
        """Each value of the stretch ahead predicted from the true values before it (no rollout)."""
        return np.array([ar_next(self.coefficients, self.series[:t]) for t in range(AR_TRAIN, AR_TRAIN + AR_AHEAD)])

    # ------------------------------------------------------------------ deconv
    def build_deconv(self) -> None:
        rng = np.random.default_rng([self.params["seed"], 6])
        self.image = rng.integers(1, 4, (DECONV_INPUT, DECONV_INPUT)).astype(float)
        self.kernel = rng.integers(-1, 3, (3, 3)).astype(float)

    def deconv_output(self, cells: int) -> np.ndarray:
        """The output with only the first `cells` input cells (row by row) stamped; NaN where no stamp reached yet."""
        stamped = (np.arange(self.image.size) < cells).reshape(self.image.shape)
        s, p = self.params["stride"], self.params["padding"]
        output = transposed(self.image * stamped, self.kernel, s, p)
        reached = transposed(stamped.astype(float), np.ones_like(self.kernel), s, p) > 0
        return np.where(reached, output, np.nan)

    def step_deconv(self) -> None:
        pass  # the count of stamped cells is the state

    def stamp(self) -> tuple[tuple[int, int] | None, frozenset]:
        """The input cell stamped last and the output cells its stamp covers."""
        if not self.count:
            return None, frozenset()
        i, j = divmod(self.count - 1, DECONV_INPUT)
        s, p, k = self.params["stride"], self.params["padding"], self.kernel.shape[0]
        side = upsampled_size(DECONV_INPUT, k, s, p)
        return (i, j), frozenset((i * s - p + a, j * s - p + b) for a in range(k) for b in range(k)
                                 if 0 <= i * s - p + a < side and 0 <= j * s - p + b < side)

    # ------------------------------------------------------------------ what it shows
    def status(self) -> Status:
        if self.divergence:
            return self.divergence.status(_("Press {reset} to start over."))
        return getattr(self, f"status_{self.toy}")()

    def status_rbf(self) -> Status:
        start, now = self.history[0], self.history[-1]
        if not self.count:
            return Status("info", _("Two-stage fit: centres fixed, weights by least squares, MSE {mse}. Press {step} "
                                    "to move centres and widths too, {run} to run.").format(
                mse=fixed(start, 4), step="{step}", run="{run}"))
        kind = "success" if self.finished else "info"
        return Status(kind, _("Adam step {count}/{total}: MSE {mse}, {ratio}× below the two-stage fit.").format(
            count=self.count, total=RBF_STEPS, mse=fixed(now, 4), ratio=fixed(start / now, 1)))

    def status_som(self) -> Status:
        quantization, topographic = self.som_errors()
        if not self.count:
            return Status("info", _("A random, tangled map: topographic error {error}. Press {step} for {count} "
                                    "samples, {run} to let it unfold.").format(
                error=f"{topographic:.0%}", count=SOM_CHUNK, step="{step}", run="{run}"))
        return Status("success" if self.finished else "info",
                      _("{done}/{total} samples: topographic error {error} ({start} at the start), quantization "
                        "{quantization}.").format(done=self.count * SOM_CHUNK, total=SOM_SAMPLES,
                                                  error=f"{topographic:.0%}", start=f"{self.history[0]:.0%}",
                                                  quantization=fixed(quantization, 3)))

    def status_esn(self) -> Status:
        if not self.count:
            return Status("info", _("Reservoir of {units} units, spectral radius {radius}, untrained readout. Press "
                                    "{step} for {count} training samples, {run} for all.").format(
                units=ESN_UNITS, radius=f"{self.params['radius']:g}", count=ESN_CHUNK, step="{step}", run="{run}"))
        error = self.history[-1]
        return Status("success" if self.finished and error < 0.1 else "info",
                      _("Ridge readout on {count} samples: test NRMSE {error}.").format(
                          count=self.count * ESN_CHUNK, error=fixed(error, 4)))

    def status_svm(self) -> Status:
        f = self.decision(self.points)
        wrong = int(np.sum(self.labels * f <= 0))
        if not self.count:
            return Status("info", _("Random w: {wrong} of {total} points on the wrong side. Press {step} for one SGD "
                                    "step on the hinge loss, {run} to run.").format(
                wrong=wrong, total=SVM_POINTS, step="{step}", run="{run}"))
        return Status("success" if self.finished else "info",
                      _("Step {count}: objective {objective}, {wrong} wrong, {support} support vectors.").format(
                          count=self.count, objective=fixed(self.history[-1], 4), wrong=wrong,
                          support=int(np.sum(self.labels * f <= 1))))

    def status_ar(self) -> Status:
        k = self.params["order"]
        if not self.count:
            return Status("info", _("AR({k}) fitted by least squares on {count} values. Press {step} to predict one "
                                    "more from its own predictions, {run} to roll out.").format(
                k=k, count=AR_TRAIN, step="{step}", run="{run}"))
        return Status("success" if self.finished else "info",
                      _("{count} of {total} values rolled out: RMSE {error}.").format(
                          count=self.count, total=AR_AHEAD, error=fixed(self.history[-1], 3)))

    def status_deconv(self) -> Status:
        s, p = self.params["stride"], self.params["padding"]
        side = upsampled_size(DECONV_INPUT, 3, s, p)
        if not self.count:
            return Status("info", _("3×3 → {side}×{side} (stride {stride}, padding {padding}). Press {step} to stamp "
                                    "the kernel for one input cell, {run} for all.").format(
                side=side, stride=s, padding=p, step="{step}", run="{run}"))
        (i, j), _cells = self.stamp()
        text = (_("Cell ({i},{j}) = {value} adds {value}·K at ({row},{col}). Every cell stamped: the output equals "
                  "F.conv_transpose2d.") if self.finished else
                _("Cell ({i},{j}) = {value} adds {value}·K at ({row},{col})."))
        return Status("success" if self.finished else "info",
                      text.format(i=i, j=j, value=num(self.image[i, j]), row=i * s - p, col=j * s - p))

    def snapshot(self) -> ZooSnapshot:
        common = dict(toy=self.toy, step=self.count, steps=self.steps, status=self.status(),
                      diverged=self.diverged)
        return getattr(self, f"snapshot_{self.toy}")(common)

    def snapshot_rbf(self, common: dict) -> ZooSnapshot:
        curve_x = np.linspace(*RBF_SPAN, CURVE)
        with no_grad():
            curve = self.rbf_forward(curve_x).data.ravel()
        centres, widths, weights = self.centres.data.copy(), np.exp(self.log_widths.data), self.out_weight.data.ravel()
        bump_x, bump_y = bump_line(centres, widths, weights)
        return ZooSnapshot(**common, history=np.array(self.history), history_label="MSE", x=self.x, y=self.y,
                           curve_x=curve_x, curve=curve, bump_x=bump_x, bump_y=bump_y, centres=centres, widths=widths,
                           weights=weights.copy(), start_loss=self.history[0])

    def snapshot_som(self, common: dict) -> ZooSnapshot:
        quantization, topographic = self.som_errors()
        rate, radius = self.som_schedule(min(self.count * SOM_CHUNK, SOM_SAMPLES - 1))
        return ZooSnapshot(**common, history=np.array(self.history), history_label=N_("topographic error"),
                           x=self.data[:, 0], y=self.data[:, 1], units=self.units.copy(), path=map_path(SOM_SIDE),
                           rate=rate, radius=radius, quantization=quantization, topographic=topographic)

    def snapshot_esn(self, common: dict) -> ZooSnapshot:
        return ZooSnapshot(**common, history=np.array(self.history), history_label=N_("test NRMSE"),
                           target=self.targets[self.test], prediction=self.esn_prediction() if self.count else
                           np.empty(0), samples=np.array(self.samples), spectral_radius=self.params["radius"],
                           baseline=self.esn_error(self.inputs[self.test]))

    def snapshot_svm(self, common: dict) -> ZooSnapshot:
        f = self.decision(self.points)
        w = self.svm_weight.data.ravel()
        norm = float(np.linalg.norm(w))
        return ZooSnapshot(**common, history=np.array(self.history), history_label=N_("objective"),
                           x=self.points[:, 0], y=self.points[:, 1], labels=self.labels, bands=self.svm_bands(),
                           support=self.labels * f <= 1, margin=2 / norm if norm else math.inf,
                           errors=int(np.sum(self.labels * f <= 0)), weights=np.append(w, self.svm_bias.data))

    def snapshot_ar(self, common: dict) -> ZooSnapshot:
        one_step, ahead = self.one_step(), self.series[AR_TRAIN:AR_TRAIN + self.count]
        return ZooSnapshot(**common, history=np.array(self.history), history_label=N_("rollout RMSE"),
                           series=self.series, coefficients=self.coefficients, rollout=np.array(self.rollout),
                           one_step=one_step,
                           one_step_error=math.sqrt(mse(one_step[:self.count], ahead)) if self.count else math.nan)

    def snapshot_deconv(self, common: dict) -> ZooSnapshot:
        stamped, stamp = self.stamp()
        return ZooSnapshot(**common, history=np.empty(0), history_label="", image=self.image, kernel=self.kernel,
                           output=self.deconv_output(self.count), full=self.deconv_output(self.image.size),
                           stamped=stamped, stamp=stamp, stride=self.params["stride"], padding=self.params["padding"])


# ------------------------------------------------------------------------------ quiz questions
RBF_PROMPT = N_("An RBF network ŷ(x) = Σⱼ wⱼ·exp(−(x − cⱼ)²/(2σⱼ²)) has three units with centres c = {c}, "
                "widths σ = {s} and weights w = {w}. What is ŷ at x = {x}? (3 decimals)")


def vector_text(values) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


def rbf_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """ŷ of a three-unit RBF net by the lab's `design`. A draw whose answer is within 0.02 of 0, of Σw (every bump
    at 1), of one unit's weight alone (the nearest bump only), or of the sum with exp(−d²/σ²) (the 2 forgotten) is
    redrawn."""
    while True:
        centres = np.sort(rng.choice(np.arange(-2.0, 2.5, 0.5), 3, replace=False))
        widths = rng.choice((0.5, 1.0, 1.5), 3)
        weights = rng.choice((-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0), 3)
        x = float(rng.choice(np.arange(-2.0, 2.5, 0.5)))
        phi = design(np.array([x]), centres, widths)[0]
        answer = float(phi @ weights)
        slips = (0.0, weights.sum(), *weights, float(np.exp(-((x - centres) ** 2) / widths**2) @ weights))
        if all(abs(answer - slip) > 0.02 for slip in slips):
            break
    worked = " + ".join(f"{factor(w)}·exp(−({num(x)} − {factor(c)})²/(2·{num(s)}²))"
                        for w, c, s in zip(weights, centres, widths))
    worked += " = " + " + ".join(f"{factor(w)}·{fixed(p, 4)}" for w, p in zip(weights, phi)) + f" = {fixed(answer, 4)}"
    prompt = in_language(lang, RBF_PROMPT).format(c=vector_text(centres), s=vector_text(widths),
                                                  w=vector_text(weights), x=num(x))
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.002)


SIZE_PROMPT = N_("A transposed convolution (PyTorch's ConvTranspose2d) with kernel size {k}, stride {s}, padding {p} "
                 "and output_padding {op} takes a {h}×{h} map. How many rows does its output have?")


def size_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """The output side, read off the engine's `F.conv_transpose2d` run on a map of that size. A draw whose answer is
    the input's side times the stride (the lazy "it doubles"), the input's side, or the ordinary convolution's output
    with the same settings is redrawn."""
    while True:
        h, k, s = int(rng.integers(3, 17)), int(rng.choice((2, 3, 4, 5))), int(rng.choice((2, 3)))
        p, op = int(rng.integers(0, min(k, 3))), int(rng.integers(0, 2))
        answer = transposed(np.zeros((h, h)), np.zeros((k, k)), s, p, op).shape[0]
        conv = (h + 2 * p - k) // s + 1
        if answer not in (h * s, h, conv, h * s + op):
            break
    worked = f"(H − 1)·s − 2·p + k + output_padding = ({h} − 1)·{s} − 2·{p} + {k} + {op} = {answer}"
    prompt = in_language(lang, SIZE_PROMPT).format(h=h, k=k, s=s, p=p, op=op)
    return GeneratedQuestion(prompt, answer, worked)


SOM_PROMPT = N_("A Kohonen map's best-matching unit for the sample x = {x} sits at grid position b = {best}. Another "
                "unit, at u = {unit}, has the weight vector w = {w}. The radius is σ = {r} grid steps and the learning "
                "rate η = {eta}; the neighbourhood weight is h = exp(−d²/(2σ²)), d the straight-line distance on the "
                "grid. What is the first coordinate of that unit's new w = w + η·h·(x − w)? (3 decimals)")


def som_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """One unit's update by the lab's `neighbourhood`. A draw whose answer is within 0.01 of the old coordinate, of
    the sample's, of the best unit's own update (h = 1), or of h with exp(−d²/σ²) (the 2 forgotten) is redrawn."""
    while True:
        best, unit = rng.integers(0, 5, 2), rng.integers(0, 5, 2)
        radius, rate = float(rng.choice((0.5, 1.0, 1.5, 2.0))), float(rng.choice((0.1, 0.2, 0.5)))
        w, x = rng.integers(0, 11, 2) / 10, rng.integers(0, 11, 2) / 10
        d = float(np.linalg.norm(unit - best))
        h = float(neighbourhood(d, radius))
        answer = w[0] + rate * h * (x[0] - w[0])
        slips = (w[0], x[0], w[0] + rate * (x[0] - w[0]), w[0] + rate * np.exp(-(d**2) / radius**2) * (x[0] - w[0]))
        if d > 0 and all(abs(answer - slip) > 0.01 for slip in slips):
            break
    worked = (f"d = √({factor(unit[0] - best[0])}² + {factor(unit[1] - best[1])}²) = {fixed(d, 3)}; "
              f"h = exp(−{fixed(d * d, 2)}/(2·{num(radius)}²)) = {fixed(h, 4)}; "
              f"w₁ = {num(w[0])} + {num(rate)}·{fixed(h, 4)}·({num(x[0])} − {num(w[0])}) = {fixed(answer, 4)}")
    prompt = in_language(lang, SOM_PROMPT).format(
        x=vector_text(x), best=vector_text(best), unit=vector_text(unit), w=vector_text(w), r=num(radius),
        eta=num(rate))
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.002)
