"""A multilayer perceptron learns XOR with backpropagation: 2 inputs, one hidden layer, 1 output.

Two paths compute the same numbers. Free-running training is the engine's fused `mlp_sgd` kernel
over a stack of nets (one per seed), because on a net this small the engine's per-op bookkeeping
costs far more than the arithmetic, and because `restarts` then trains many seeds for the price
of one. The debugger path (`trace`) runs the same pass through the engine on a tape, so every op
can be stepped through; a test checks that both give the same gradients.

Standard BP updates after every sample; accumulated BP averages the gradient over the whole
training set and updates once per epoch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Stepper, Tensor, functional as F, no_grad, optim, recording
from ..engine.gradcheck import numeric_grad, relative_error
from ..engine.kernels import active as kernels, reference as K
from ..engine.nn import Parameter
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, exploded, num

XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_TARGETS = np.array([0, 1, 1, 0], dtype=float)

ACTIVATIONS = {"sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu, "leaky_relu": F.leaky_relu}  # as in K.MLP_ACTIVATIONS
LOSSES = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}
PARAM_NAMES = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")

GRID = (24, 12)  # decision-region columns × rows
GRID_BOX = (-0.5, 1.5)  # both axes: the unit square with a margin
MARGIN = 0.3  # XOR counts as solved when every corner's output is within this of its target
STALL_WINDOW = 2000  # epochs: a run whose training loss moved less than STALL_TOL over them is stuck
STALL_TOL = 1e-3
PATIENCE = 200  # early stopping: epochs without a new best validation loss
PINNED = 1e-6  # σ′ = p(1 − p) below this at every training input: the output is pinned at 0 or 1


# ---------------------------------------------------------------------------------------- data
def make_dataset(name: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Training inputs and targets, and a validation split (None for plain XOR: 4 points cannot be split).

    Noisy XOR is 4 Gaussian blobs around the corners with 10% of the labels flipped, so a net
    that keeps fitting the training set learns noise, and the validation loss shows it.
    """
    if name == "xor":
        return XOR_INPUTS.copy(), XOR_TARGETS.copy(), None, None
    rng = np.random.default_rng(10_000 + seed)
    corner = rng.integers(4, size=160)
    points = XOR_INPUTS[corner] + rng.normal(0.0, 0.22, (160, 2))
    labels = XOR_TARGETS[corner].copy()
    flip = rng.random(160) < 0.1
    labels[flip] = 1.0 - labels[flip]
    return points[:120], labels[:120], points[120:], labels[120:]


def grid_points() -> np.ndarray:
    """Cell centres of the decision-region grid, row by row from the top (x2 high) down."""
    cols, rows = GRID
    low, high = GRID_BOX
    xs = low + (np.arange(cols) + 0.5) * (high - low) / cols
    ys = high - (np.arange(rows) + 0.5) * (high - low) / rows
    return np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)


# ------------------------------------------------------------------------- the fused NumPy nets
@dataclass
class Nets:
    """S nets of the same shape, stacked on a leading axis; shapes as in torch.nn.Linear."""

    w1: np.ndarray  # (S, H, 2)
    b1: np.ndarray  # (S, H)
    w2: np.ndarray  # (S, 1, H)
    b2: np.ndarray  # (S, 1)

    @classmethod
    def init(cls, seeds: list[int], hidden: int) -> Nets:
        """PyTorch's default Linear init, U(±1/√fan_in), one generator per seed."""
        parts = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            a, b = 1 / np.sqrt(2), 1 / np.sqrt(hidden)
            parts.append((rng.uniform(-a, a, (hidden, 2)), rng.uniform(-a, a, hidden),
                          rng.uniform(-b, b, (1, hidden)), rng.uniform(-b, b, 1)))
        return cls(*(np.stack(p) for p in zip(*parts)))

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.w1, self.b1, self.w2, self.b2

    def forward(self, x: np.ndarray, activation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """z1, h, z2 and the output p of every net; each (S, B, ·)."""
        return K.mlp_forward(*self.arrays, x, activation)

    def grads(self, x: np.ndarray, y: np.ndarray, activation: str, loss: str) -> list[np.ndarray]:
        """Gradients of the batch-mean loss, op by op as the engine's backward computes them."""
        return K.mlp_grads(*self.arrays, x, y, activation, loss)

    def loss(self, x: np.ndarray, y: np.ndarray, activation: str, loss: str) -> np.ndarray:
        """The batch-mean loss of each net, as the engine's loss ops compute it."""
        p, t = self.forward(x, activation)[3], y.reshape(1, -1, 1)
        if loss == "mse":
            return ((p - t) ** 2).mean(axis=(1, 2))
        return F.binary_cross_entropy_array(p, t, axis=(1, 2))

    def train(self, x: np.ndarray, y: np.ndarray, params: dict, start: int, count: int, active: np.ndarray) -> None:
        """`count` SGD updates of the nets still training (`active`), in place (see K.mlp_sgd)."""
        kernels().mlp_sgd(*self.arrays, x, y, params["lr"], params["activation"], params["loss"],
                          params["mode"] == "batch", start, count, active)

    def finite(self) -> np.ndarray:
        return np.all([np.isfinite(a).reshape(len(a), -1).all(axis=1) for a in self.arrays], axis=0)

    def take(self, other: Nets, where: np.ndarray) -> None:
        """Copy `other`'s weights into the nets marked in `where` (restoring early-stopping bests)."""
        for name in ("w1", "b1", "w2", "b2"):
            getattr(self, name)[where] = getattr(other, name)[where]

    def copy(self) -> Nets:
        return Nets(*(a.copy() for a in self.arrays))


# ------------------------------------------------------------------------------ training runs
class Run:
    """S nets trained side by side on one dataset with one setting; each stops on its own.

    An epoch is one pass over the training set: one update per sample in standard BP
    ("per-sample"), one update with the averaged gradient in accumulated BP ("batch"). After
    each epoch every net gets a verdict, or keeps training: diverged, solved, stuck (the training
    loss fell by less than STALL_TOL over STALL_WINDOW epochs), early-stopped (validation loss
    without a new best for PATIENCE epochs; the best weights come back), or out of epochs.

    Diverged is the labs' shared rule (labs/base.py: a loss not finite, or a hundred times the
    first), and one of the MLP's own, because its sigmoid output bounds the loss (MSE ≤ 1): steps
    too large throw the weights so far that every output is pinned at 0 or 1 (σ′ < PINNED), and the
    loss is above where it started. No gradient can bring such a net back.
    """

    def __init__(self, params: dict, seeds: list[int]) -> None:
        self.p = params
        self.x, self.y, self.xv, self.yv = make_dataset(params["dataset"], params["seed"])
        self.nets = Nets.init(seeds, params["hidden"])
        self.seeds = seeds
        self.epoch = 0
        self.position = 0  # next sample within the epoch (per-sample mode)
        self.updates = 0
        s = len(seeds)
        self.outcome: list[str | None] = [None] * s
        self.ended_at = np.full(s, -1)
        self.train_loss: list[np.ndarray] = []
        self.val_loss: list[np.ndarray] = []
        self.best_val = np.full(s, np.inf)
        self.best_epoch = np.zeros(s, dtype=int)
        self.best_nets = self.nets.copy()
        self.record()

    @property
    def active(self) -> np.ndarray:
        return np.array([o is None for o in self.outcome])

    @property
    def done(self) -> bool:
        return not self.active.any()

    def loss(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.nets.loss(x, y, self.p["activation"], self.p["loss"])

    def record(self) -> None:
        """Losses after `epoch` epochs, the validation best so far, and each running net's verdict."""
        self.train_loss.append(self.loss(self.x, self.y))
        active = self.active
        if self.xv is not None:
            val = self.loss(self.xv, self.yv)
            self.val_loss.append(val)
            better = active & (val < self.best_val)
            self.best_val[better], self.best_epoch[better] = val[better], self.epoch
            self.best_nets.take(self.nets, better)
        solved, finite, pinned = self.corners_solved(), self.nets.finite(), self.pinned()
        for k in np.flatnonzero(active):
            verdict = self.verdict(k, solved[k], finite[k] and not pinned[k])
            if verdict is not None:
                self.outcome[k], self.ended_at[k] = verdict, self.epoch
                if verdict == "early-stopped":
                    self.nets.take(self.best_nets, np.arange(len(self.seeds)) == k)

    def verdict(self, k: int, solved: bool, sound: bool) -> str | None:
        """Net k's outcome after this epoch, or None while it trains on; `sound`: its weights are finite and its
        output is not pinned above its first loss."""
        loss, first = self.train_loss[-1][k], self.train_loss[0][k]
        if exploded(loss, first) or not sound:
            return "diverged"
        if self.p["dataset"] == "xor" and solved:
            return "solved"
        if self.p["early_stopping"] and self.xv is not None and self.epoch - self.best_epoch[k] >= PATIENCE:
            return "early-stopped"
        if self.epoch >= STALL_WINDOW and self.train_loss[-1 - STALL_WINDOW][k] - loss < STALL_TOL:
            return "solved" if solved else "stuck"  # noisy XOR levels off above zero
        if self.epoch >= self.p["epochs"]:
            return "out of epochs"
        return None

    def pinned(self) -> np.ndarray:
        """Each net's output is pinned at 0 or 1 on every training input (σ′ < PINNED) with its loss above the first:
        how a net whose loss cannot blow up diverges."""
        with np.errstate(all="ignore"):
            p = self.nets.forward(self.x, self.p["activation"])[3][:, :, 0]
        return (p * (1 - p) < PINNED).all(axis=1) & (self.train_loss[-1] > self.train_loss[0])

    def corners_solved(self) -> np.ndarray:
        """Each net's output at the four XOR corners is within MARGIN of the XOR target."""
        with np.errstate(all="ignore"):
            p = self.nets.forward(XOR_INPUTS, self.p["activation"])[3][:, :, 0]
        return np.abs(p - XOR_TARGETS).max(axis=1) < MARGIN

    def batch(self) -> np.ndarray:
        """The sample indices of the next update."""
        return np.arange(len(self.x)) if self.p["mode"] == "batch" else np.array([self.position])

    def update(self, count: int = 1) -> None:
        """`count` updates of every running net (not past the epoch's end); closes the epoch after its last sample."""
        with np.errstate(all="ignore"):
            self.nets.train(self.x, self.y, self.p, self.position, count, self.active)
        self.advance(count)

    def advance(self, count: int = 1) -> None:
        self.updates += count
        self.position = 0 if self.p["mode"] == "batch" else self.position + count
        if self.position % len(self.x) == 0:
            self.position = 0
            self.epoch += 1
            self.record()

    def finish_epoch(self) -> None:
        if not self.done:
            self.update(1 if self.p["mode"] == "batch" else len(self.x) - self.position)


@dataclass(frozen=True)
class Restart:
    """One seed's run to the end, for the side-by-side comparison."""

    seed: int
    outcome: str  # "solved", "stuck", "diverged", "early-stopped" or "out of epochs"
    epochs: int
    final_loss: float
    loss_curve: np.ndarray  # training loss per epoch

    @property
    def solved(self) -> bool:
        return self.outcome == "solved"


def restarts(params: dict, count: int, interrupted: Callable[[], bool] = lambda: False) -> tuple[Restart, ...] | None:
    """Train `count` nets from seeds seed, seed+1, … with the same settings, all at once; None if interrupted."""
    seeds = [params["seed"] + k for k in range(count)]
    run = Run(params, seeds)
    while not run.done:
        if interrupted():
            return None
        run.finish_epoch()
    curves = np.array(run.train_loss)
    return tuple(Restart(seed, run.outcome[k], int(run.ended_at[k]), float(curves[run.ended_at[k], k]),
                         curves[: run.ended_at[k] + 1, k].copy())
                 for k, seed in enumerate(seeds))


# ------------------------------------------------------------------------ the debugger's pass
def engine_loss(x: Tensor, params: list[Tensor], y: np.ndarray, activation: str, loss: str) -> Tensor:
    """The same net on the engine: linear → activation → linear → sigmoid → loss, five ops on the tape."""
    w1, b1, w2, b2 = params
    z1 = F.linear(x, w1, b1)
    h = ACTIVATIONS[activation](z1)
    z2 = F.linear(h, w2, b2)
    p = F.sigmoid(z2)
    for tensor, name in ((z1, "z1"), (h, "h"), (z2, "z2"), (p, "p")):
        tensor.name = name
    return LOSSES[loss](p, y.reshape(-1, 1))


@dataclass(frozen=True)
class ParamGrad:
    """One parameter after the recorded backward pass: backprop's gradient beside the finite
    difference estimate (central, eps 1e-6) and their largest element-wise relative error."""

    name: str
    value: np.ndarray
    analytic: np.ndarray
    numeric: np.ndarray
    rel_error: float


@dataclass(frozen=True)
class Trace:
    """One recorded update: the tape of the forward and backward pass, ready to step through.

    `samples` are the training-set indices in the pass (one in per-sample mode, all in batch
    mode); `update` is the lab's update count when it was recorded, so a stale trace is refused.
    `loss` is this pass's, on its samples; `training_loss` the whole training set's with the same
    weights (so, after the previous update).
    """

    stepper: Stepper
    samples: tuple[int, ...]
    x: np.ndarray
    y: np.ndarray
    loss: float
    training_loss: float
    params: tuple[ParamGrad, ...]
    update: int
    epoch: int
    tensors: tuple[Parameter, ...]  # the engine parameters holding the gradients


# ------------------------------------------------------------------------------------ the lab
@dataclass(frozen=True)
class MLPSnapshot:
    dataset: str
    hidden: int
    activation: str
    mode: str
    inputs: np.ndarray  # training set (n, 2) and its targets (n,)
    targets: np.ndarray
    val_inputs: np.ndarray | None
    val_targets: np.ndarray | None
    epoch: int  # completed epochs
    position: int  # next sample within the epoch (per-sample mode)
    updates: int
    train_loss: np.ndarray  # after 0, 1, … epochs
    loss_now: float  # the training loss after the latest update (mid-epoch too: one debugger update moves it)
    val_loss: np.ndarray | None
    best_epoch: int | None  # lowest validation loss so far
    stopped_epoch: int | None  # where early stopping stopped (the weights are the best epoch's)
    grid: np.ndarray  # (rows, cols) net output over GRID_BOX, top row first
    grid_box: tuple[float, float]
    weights: dict[str, np.ndarray]
    outputs: np.ndarray  # net output for each training input
    accuracy: float
    val_accuracy: float | None
    outcome: str | None  # None while training; else as Restart.outcome
    status: Status
    restarts: tuple[Restart, ...]

    @property
    def solved(self) -> bool:
        return self.outcome == "solved"

    @property
    def diverged(self) -> bool:
        return self.outcome == "diverged"

    @property
    def stuck(self) -> bool:
        return self.outcome == "stuck"


def accuracy(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p >= 0.5) == (y == 1)))


class MLPLab(Lab):
    controls = (
        Control("dataset", N_("Dataset"), "choice", "xor", choices=("xor", "noisy-xor"),
                help=N_("4 XOR points, or noisy blobs around them with a validation split")),
        Control("hidden", N_("Hidden units"), "int", 2, 2, 4, 2, help="2-2-1 or 2-4-1"),
        Control("activation", N_("Hidden activation"), "choice", "sigmoid", choices=tuple(ACTIVATIONS)),
        Control("loss", N_("Loss"), "choice", "mse", choices=tuple(LOSSES),
                help=N_("Mean squared error or binary cross-entropy")),
        Control("lr", N_("Learning rate η"), "float", 2.0, 0.01, 100, 0.1),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1, help=N_("Initial weights (and noisy points)")),
        Control("mode", N_("BP mode"), "choice", "per-sample", choices=(N_("per-sample"), N_("batch")),
                help=N_("Standard BP (update per sample) or accumulated BP (one averaged update per epoch)"), words=True),
        Control("epochs", N_("Max epochs"), "int", 5000, 1, 20000, 100),
        Control("early_stopping", N_("Early stopping"), "bool", False,
                help=N_("Stop when validation loss has not improved for 200 epochs (noisy-xor)")),
        Control("restart_count", N_("Restarts"), "int", 8, 2, 16, 1, help=N_("Seeds compared by the restarts action")),
    )
    actions = (
        Action("step", "s", N_("Update")),
        Action("epoch", "e", N_("Epoch")),
        Action("train", "g", N_("Train"), background=True),
        Action("compare", "m", N_("Seeds"), background=True, fresh=True),
    )
    run_action = "train"

    def build(self) -> None:
        self.run = Run(self.params, [self.params["seed"]])
        self.compared: tuple[Restart, ...] = ()

    @property
    def finished(self) -> bool:
        return self.run.done

    @property
    def diverged(self) -> bool:
        return self.run.outcome[0] == "diverged"

    def step(self) -> None:
        if not self.finished:
            self.run.update()

    def epoch(self) -> None:
        self.run.finish_epoch()

    def train(self) -> None:
        """A burst of epochs that grows with the run, a fifth of the epochs so far (at least 5): the
        first epochs, where the regions swing most, are drawn a few at a time, later ones fly by."""
        for _burst in range(max(5, self.run.epoch // 5)):
            if self.finished:
                return
            self.run.finish_epoch()

    def compare(self) -> None:
        self.compared = restarts(self.params, self.params["restart_count"], self.interrupted) or self.compared

    # ------------------------------------------------------------------ the debugger
    def trace(self) -> Trace:
        """Record the next update's forward and backward pass on the engine's tape."""
        run, p = self.run, self.params
        samples = run.batch()
        x, y = run.x[samples], run.y[samples]
        tensors = tuple(Parameter(a[0].copy(), name=name) for a, name in zip(run.nets.arrays, PARAM_NAMES))
        inputs = Tensor(x, name="x")
        with recording() as tape:
            loss = engine_loss(inputs, list(tensors), y, p["activation"], p["loss"])
        loss.backward()

        def value() -> list[np.ndarray]:
            with no_grad():
                return [engine_loss(inputs, list(tensors), y, p["activation"], p["loss"]).data]

        grads = []
        for t in tensors:
            numeric = numeric_grad(value, t.data, [np.ones(())])
            grads.append(ParamGrad(t.name, t.data.copy(), t.grad.copy(), numeric, relative_error(t.grad, numeric)))
        return Trace(Stepper(tape), tuple(int(i) for i in samples), x, y, loss.item(), self.loss_now(), tuple(grads),
                     run.updates, run.epoch, tensors)

    def apply_update(self, trace: Trace) -> MLPSnapshot:
        """The optimizer step from the trace's gradients (SGD, η); the lab moves on as `step` would."""
        if self.finished:
            raise ValueError(_("training has finished: reset the lab to train again"))
        if trace.update != self.run.updates:
            raise ValueError(_("this trace is out of date: the lab has moved since it was recorded"))
        optim.SGD(trace.tensors, lr=self.params["lr"]).step()
        for array, t in zip(self.run.nets.arrays, trace.tensors):
            array[0] = t.data
        self.run.advance()
        return self.snapshot()

    # ------------------------------------------------------------------ the picture
    def saturated(self) -> bool:
        """Every training output is within PINNED of 0 or 1: the output sigmoid's slope is gone."""
        with np.errstate(all="ignore"):
            p = self.run.nets.forward(self.run.x, self.params["activation"])[3]
        return bool((p * (1 - p) < PINNED).all())

    def loss_now(self) -> float:
        """The training-set loss with the weights as they are now: after the latest update, even mid-epoch."""
        return float(self.run.loss(self.run.x, self.run.y)[0])

    def status(self) -> Status:
        run = self.run
        outcome, epoch = run.outcome[0], run.epoch
        loss = float(run.train_loss[-1][0])
        lr = f"{self.params['lr']:g}"
        if outcome == "diverged" and run.nets.finite()[0] and np.isfinite(loss):
            return Status("error", _("Diverged at epoch {epoch} (update {update}): every output is pinned at 0 or 1 "
                                     "and the loss, {loss}, is above where it started ({first}). η = {lr} threw the "
                                     "weights so far that σ′ ≈ 0: a sigmoid output cannot blow up, it saturates, and no "
                                     "gradient brings it back. Lower η and reset ({reset}).").format(
                epoch=epoch, update=run.updates, loss=fixed(loss, 4), first=fixed(run.train_loss[0][0], 4), lr=lr,
                reset="{reset}"))
        if outcome == "diverged":
            return Status("error", _("Diverged at epoch {epoch}: the loss or a weight became NaN/Inf. Each step overshot "
                                     "further than the last; η = {lr} is too large for this net.").format(epoch=epoch, lr=lr))
        if outcome == "solved" and run.xv is not None:
            return Status("success", _("Converged at epoch {epoch}: the training loss levelled off at {loss} with XOR's "
                                       "regions learned; the flipped labels keep it above zero.").format(
                epoch=epoch, loss=f"{loss:.4f}"))
        if outcome == "solved":
            return Status("success", _("Solved in {epochs} epochs ({updates} updates): every XOR corner is within {margin} "
                                       "of its target, loss {loss}.").format(
                epochs=epoch, updates=run.updates, margin=MARGIN, loss=f"{loss:.4f}"))
        if outcome == "stuck" and self.saturated():
            return Status("warning", _("Saturated at loss {loss}: the output unit is pinned at 0 or 1, so σ′ ≈ 0 and no "
                                       "gradient flows back. η = {lr} threw the weights that far; a sigmoid output cannot "
                                       "overflow to NaN, it just stops learning. Try a smaller η.").format(
                loss=f"{loss:.4f}", lr=lr))
        if outcome == "stuck":
            return Status("warning", _("Stuck at loss {loss}: it fell by less than {tol} over the last {window} epochs "
                                       "without solving XOR: a local minimum, or a plateau this η would take very long "
                                       "to leave. Try another seed, more hidden units, or compare restarts.").format(
                loss=f"{loss:.4f}", tol=f"{STALL_TOL:g}", window=STALL_WINDOW))
        if outcome == "early-stopped":
            return Status("success" if run.corners_solved()[0] else "warning",
                          _("Early stopping at epoch {epoch}: no better validation loss for {patience} epochs; the "
                            "weights are back at epoch {best}'s (validation loss {val}).").format(
                              epoch=epoch, patience=PATIENCE, best=run.best_epoch[0], val=f"{run.best_val[0]:.4f}"))
        if outcome == "out of epochs":
            solved = run.corners_solved()[0]
            text = (_("Stopped after {epochs} epochs (the limit) at loss {loss}; it has learned XOR's regions.") if solved
                    else _("Stopped after {epochs} epochs (the limit) at loss {loss}; XOR is not solved."))
            return Status("warning" if not solved else "info", text.format(epochs=epoch, loss=f"{loss:.4f}"))
        if run.updates == 0:
            return Status("info", _("Press {step} for one update, {epoch} for an epoch, {run} to run, {debugger} to step "
                                    "through the backprop."))
        return Status("info", _("Epoch {epoch}, {updates} updates, training loss {loss} (after the latest update).").format(
            epoch=epoch, updates=run.updates, loss=fixed(self.loss_now(), 4)))

    def snapshot(self) -> MLPSnapshot:
        run, p = self.run, self.params
        with np.errstate(all="ignore"):
            grid = run.nets.forward(grid_points(), p["activation"])[3][0, :, 0].reshape(GRID[1], GRID[0])
            outputs = run.nets.forward(run.x, p["activation"])[3][0, :, 0]
            val_outputs = None if run.xv is None else run.nets.forward(run.xv, p["activation"])[3][0, :, 0]
        early = run.outcome[0] == "early-stopped"
        return MLPSnapshot(
            dataset=p["dataset"], hidden=p["hidden"], activation=p["activation"], mode=p["mode"],
            inputs=run.x, targets=run.y, val_inputs=run.xv, val_targets=run.yv,
            epoch=run.epoch, position=run.position, updates=run.updates,
            train_loss=np.array([v[0] for v in run.train_loss]), loss_now=self.loss_now(),
            val_loss=None if run.xv is None else np.array([v[0] for v in run.val_loss]),
            best_epoch=None if run.xv is None else int(run.best_epoch[0]),
            stopped_epoch=run.epoch if early else None,
            grid=grid, grid_box=GRID_BOX,
            weights={name: a[0].copy() for name, a in zip(PARAM_NAMES, run.nets.arrays)},
            outputs=outputs, accuracy=accuracy(outputs, run.y),
            val_accuracy=None if val_outputs is None else accuracy(val_outputs, run.yv),
            outcome=run.outcome[0], status=self.status(), restarts=self.compared,
        )


DELTA_PROMPT = N_("A 2-2-1 net with sigmoid units and MSE loss L = (p − y)²: W1 = {w1} (one row per hidden unit: "
                  "row i holds the weights into hidden unit i), b1 = ({b1}), W2 = ({w2}), b2 = {b2}. "
                  "For the sample x = ({x}) with target y = {y}, what is ∂L/∂z2, the gradient at the output's "
                  "pre-activation? (3 decimals)")


def output_delta_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh weights and an XOR sample; the engine's backward gives ∂L/∂z2 = 2(p − y)·p(1 − p).

    A draw whose ∂L/∂z2 is under 0.01 (a saturated or nearly right output: 0 would pass) is redrawn whole."""
    values = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
    while True:
        arrays = [values[rng.integers(6, size=shape)] for shape in ((2, 2), 2, (1, 2), 1)]
        i = int(rng.integers(4))
        x, y = XOR_INPUTS[i:i + 1], XOR_TARGETS[i:i + 1]
        params = [Parameter(a) for a in arrays]
        with recording() as tape:
            engine_loss(Tensor(x), params, y, "sigmoid", "mse").backward()
        z2, p = tape.nodes[2].outputs[0].item(), tape.nodes[3].outputs[0].item()
        delta = float(tape.nodes[3].grads_in[0].item())
        if abs(delta) >= 0.01:
            break
    h = tape.nodes[1].outputs[0][0]
    worked = "\n".join([
        f"h = σ(W1·x + b1) = ({h[0]:.4f}, {h[1]:.4f})",
        f"z2 = W2·h + b2 = {num(round(z2, 4))}, p = σ(z2) = {p:.4f}",
        f"∂L/∂p = 2(p − y) = {num(round(2 * (p - y[0]), 4))}; σ′(z2) = p(1 − p) = {p * (1 - p):.4f}",
        f"∂L/∂z2 = {num(round(2 * (p - y[0]), 4))}·{p * (1 - p):.4f} = {num(round(delta, 4))}",
    ])
    w1 = "[" + "; ".join(", ".join(num(v) for v in row) for row in arrays[0]) + "]"
    prompt = in_language(lang, DELTA_PROMPT).format(
        w1=w1, b1=", ".join(num(v) for v in arrays[1]), w2=", ".join(num(v) for v in arrays[2][0]),
        b2=num(arrays[3][0]), x=", ".join(num(v) for v in x[0]), y=num(y[0]))
    return GeneratedQuestion(prompt, delta, worked, tolerance=0.001)
