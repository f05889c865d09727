"""A wide net overfits twenty noisy points, and three ways to stop it: weight decay, dropout, early stopping.

The data are 20 training points of sin(πx) plus noise and 100 validation points drawn the same way. A
1-64-64-1 net has 4,224 weights (and 129 biases) for them, so with nothing to hold it back it learns the noise: its training
loss keeps falling while the validation loss turns and climbs, and its curve wiggles through every point.

Every regularizer is the engine's own: L2 is the optimizer's `weight_decay` (it adds λw to each weight's
gradient, as PyTorch does; on the weights, not the biases), L1 is a penalty λ₁·Σ|w| built from engine ops
(|w| = relu(w) + relu(−w), so its gradient is λ₁·sign w), and dropout is `F.dropout` after each hidden layer,
whose masks the lab reads back from the op that applied them. Each update reseeds the engine's generator from
(seed, update), so a run is the same whenever it is replayed. Early stopping keeps the weights of the lowest
validation loss and puts them back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F, init, manual_seed, nn, no_grad, optim
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, factor, num

TRAIN_POINTS, VAL_POINTS = 20, 100
NOISE = 0.3  # the targets' noise: no model can get the validation loss below NOISE² = 0.09 on average
DATA_SEED = 21  # the data are the same for every seed: only the weights and the masks change with it
CURVE_POINTS = 121
PROBE = 0.5  # the input whose train-mode and eval-mode outputs are compared
DRAWS = 5  # train-mode outputs drawn at the probe
RUN_EPOCHS = 5  # epochs per call of the free-running action
SIZE_BINS = (0.0, 1e-3, 1e-2, 0.1, 0.3, 1.0, math.inf)  # |w| histogram edges
ACTIVATIONS = {"tanh": F.tanh, "relu": F.relu}


def truth(x: np.ndarray) -> np.ndarray:
    return np.sin(np.pi * x)


def make_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training and validation inputs (n, 1) and noisy targets (n, 1): the same for every setting."""
    rng = np.random.default_rng(DATA_SEED)
    x, xv = rng.uniform(-1, 1, (TRAIN_POINTS, 1)), rng.uniform(-1, 1, (VAL_POINTS, 1))
    return x, truth(x) + rng.normal(0, NOISE, x.shape), xv, truth(xv) + rng.normal(0, NOISE, xv.shape)


def l1_penalty(weights: list[Tensor], strength: float) -> Tensor:
    """λ₁·Σ|w| with engine ops: |w| = relu(w) + relu(−w), whose gradient is sign w (0 at 0)."""
    return strength * sum((F.relu(w) + F.relu(-w)).sum() for w in weights)


class Net(nn.Module):
    """1 → hidden → hidden → 1 with dropout after each hidden layer; `masks`: the last training pass's."""

    def __init__(self, hidden: int, activation: str, p: float) -> None:
        self.fc1, self.fc2, self.fc3 = nn.Linear(1, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, 1)
        self.act, self.p = ACTIVATIONS[activation], p
        self.masks: tuple[np.ndarray, ...] = ()

    @property
    def weights(self) -> list[nn.Parameter]:
        return [self.fc1.weight, self.fc2.weight, self.fc3.weight]

    @property
    def biases(self) -> list[nn.Parameter]:
        return [self.fc1.bias, self.fc2.bias, self.fc3.bias]

    def forward(self, x: Tensor) -> Tensor:
        masks = []
        h = x
        for layer in (self.fc1, self.fc2):
            h = F.dropout(self.act(layer(h)), self.p, self.training)
            if self.training:  # the mask the op applied (all ones where nothing was dropped)
                masks.append(h.node.params["scaled_mask"] if h.node is not None and h.node.name == "dropout"
                             else np.ones(h.shape))
        self.masks = tuple(masks)
        return self.fc3(h)

    def state(self) -> list[np.ndarray]:
        return [p.data.copy() for p in self.parameters()]

    def load(self, state: list[np.ndarray]) -> None:
        for p, value in zip(self.parameters(), state):
            p.data = value.copy()


def histogram(weights: list[np.ndarray]) -> np.ndarray:
    """How many weights fall in each SIZE_BINS band of |w|."""
    return np.histogram(np.abs(np.concatenate([w.ravel() for w in weights])), bins=SIZE_BINS)[0]


@dataclass(frozen=True)
class RegularizationSnapshot:
    x: np.ndarray  # training inputs and targets, (n,)
    y: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    curve_x: np.ndarray  # the net's eval-mode output over [−1, 1], and sin πx
    curve: np.ndarray
    truth: np.ndarray
    epoch: int
    epochs: int
    train_loss: np.ndarray  # after 0, 1, … epochs, eval mode (no dropout) on the training set
    val_loss: np.ndarray
    train_now: float  # both losses with the weights as they are now (the best epoch's once stopped there)
    val_now: float
    best_epoch: int
    best_val: float
    grad_norm: float  # ‖∂(MSE + L1)/∂W‖ of the last update, over every weight matrix
    decay_norm: float  # ‖λW‖: what weight decay adds to that gradient
    weight_norm: float  # ‖W‖ now
    p: float
    masks: tuple[np.ndarray, ...]  # the last update's scaled masks of hidden layers 1 and 2, (n, hidden) each
    probe: float
    probe_train: np.ndarray  # DRAWS outputs at the probe in train mode: a fresh mask each
    probe_eval: float
    bins: tuple[float, ...]
    sizes: np.ndarray  # weights per |w| bin now, and at the start
    sizes_init: np.ndarray
    hidden: int
    activation: str
    outcome: str | None  # None while training; "early-stopped", "rewound", "out of epochs", "diverged"
    status: Status

    @property
    def diverged(self) -> bool:
        return self.outcome == "diverged"

    @property
    def gap(self) -> float:
        return self.val_now - self.train_now


class RegularizationLab(Lab):
    controls = (
        Control("weight_decay", N_("Weight decay λ"), "float", 0.0, 0.0, 0.1, 0.001,
                help=N_("L2: the optimizer adds λw to each weight's gradient")),
        Control("l1", "L1 λ₁", "float", 0.0, 0.0, 0.01, 0.0001, help=N_("Adds λ₁·Σ|w| to the loss")),
        Control("dropout", N_("Dropout p"), "float", 0.0, 0.0, 0.8, 0.1, help=N_("Chance each hidden unit is zeroed in training")),
        Control("patience", N_("Patience"), "int", 0, 0, 1000, 50,
                help=N_("Early stopping: stop after this many epochs without a better validation loss (0: off)")),
        Control("lr", N_("Learning rate η"), "float", 0.01, 0.001, 1.0, 0.005),
        Control("optimizer", N_("Optimizer"), "choice", "adam", choices=("adam", "sgd"), help=N_("Adam, or SGD with momentum 0.9")),
        Control("hidden", N_("Hidden units"), "int", 64, 16, 64, 16, help=N_("Units in each of the two hidden layers")),
        Control("activation", N_("Activation"), "choice", "tanh", choices=tuple(ACTIVATIONS)),
        Control("epochs", N_("Max epochs"), "int", 2000, 100, 10000, 100),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1, help=N_("Initial weights and dropout masks (the data stay)")),
    )
    actions = (
        Action("step", "s", N_("Epoch")),
        Action("train", "g", N_("5 epochs"), background=True),  # RUN_EPOCHS
        Action("best", "b", N_("Best")),
        Action("redraw", "n", N_("Redraw")),
    )
    run_action = "train"

    def build(self) -> None:
        p = self.params
        self.x, self.y, self.xv, self.yv = make_data()
        manual_seed(p["seed"])
        self.net = Net(p["hidden"], p["activation"], p["dropout"])
        groups = [{"params": self.net.weights, "weight_decay": p["weight_decay"]},
                  {"params": self.net.biases, "weight_decay": 0.0}]
        self.optimizer = (optim.Adam(groups, lr=p["lr"]) if p["optimizer"] == "adam"
                          else optim.SGD(groups, lr=p["lr"], momentum=0.9))
        self.sizes_init = histogram([w.data for w in self.net.weights])
        self.epoch, self.draw, self.outcome = 0, 0, None
        self.grad_norm, self.masks = 0.0, ()
        self.train_loss, self.val_loss = [self.loss(self.x, self.y)], [self.loss(self.xv, self.yv)]
        self.best_epoch, self.best_val, self.best_state = 0, self.val_loss[0], self.net.state()

    # ------------------------------------------------------------------ training
    def predict(self, x: np.ndarray) -> np.ndarray:
        """The net's eval-mode output (dropout off): the same every time."""
        self.net.eval()
        with no_grad():
            return self.net(Tensor(x)).data

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        self.net.eval()
        with no_grad():
            return F.mse_loss(self.net(Tensor(x)), y).item()

    @property
    def finished(self) -> bool:
        return self.outcome is not None or self.diverged

    def step(self) -> None:
        """One epoch: one full-batch update, then the training and validation losses in eval mode."""
        if self.finished:
            return
        p = self.params
        manual_seed([p["seed"], self.epoch])  # this update's masks, the same on every replay
        self.net.train()
        self.optimizer.zero_grad()
        loss = F.mse_loss(self.net(Tensor(self.x)), self.y)
        if p["l1"]:
            loss = loss + l1_penalty(self.net.weights, p["l1"])
        loss.backward()
        self.masks = self.net.masks
        self.grad_norm = math.sqrt(sum(float((w.grad ** 2).sum()) for w in self.net.weights))
        self.optimizer.step()
        self.epoch += 1
        self.train_loss.append(self.loss(self.x, self.y))
        self.val_loss.append(self.loss(self.xv, self.yv))
        if self.watch(self.train_loss[-1], self.epoch, N_("epoch")):
            return
        if self.val_loss[-1] < self.best_val:
            self.best_epoch, self.best_val, self.best_state = self.epoch, self.val_loss[-1], self.net.state()
        if p["patience"] and self.epoch - self.best_epoch >= p["patience"]:
            self.restore("early-stopped")
        elif self.epoch >= p["epochs"]:
            self.outcome = "out of epochs"

    def train(self) -> None:
        for _unused in range(RUN_EPOCHS):
            self.step()

    def best(self) -> None:
        """Stop here and put back the weights of the lowest validation loss so far."""
        if self.epoch and not self.finished:
            self.restore("rewound")

    def restore(self, outcome: str) -> None:
        self.net.load(self.best_state)
        self.outcome = outcome

    def redraw(self) -> None:
        """New train-mode draws at the probe; the weights stay."""
        self.draw += 1

    # ------------------------------------------------------------------ the picture
    def probe_draws(self) -> np.ndarray:
        """DRAWS train-mode outputs at the probe, each with fresh dropout masks (seeded by the update and the draw)."""
        manual_seed([self.params["seed"], self.epoch, 1 + self.draw])
        self.net.train()
        with no_grad():
            return np.array([self.net(Tensor([[PROBE]])).item() for _unused in range(DRAWS)])

    def status(self) -> Status:
        p, epoch = self.params, self.epoch
        train, val = self.train_loss[-1], self.val_loss[-1]
        best = _("the lowest validation loss was {loss} at epoch {epoch}").format(
            loss=fixed(self.best_val, 4), epoch=self.best_epoch)
        if self.divergence is not None:
            return self.divergence.status(_("η = {lr} is too large; lower it.").format(lr=f"{p['lr']:g}"))
        if self.outcome in ("early-stopped", "rewound"):
            why = (_("no better validation loss for {count} epochs").format(count=p["patience"])
                   if self.outcome == "early-stopped" else _("stopped by hand"))
            return Status("success", _("Stopped at epoch {epoch} ({why}): the weights are back at epoch {best}'s, "
                                       "validation loss {loss}. {reset} trains again.").format(
                epoch=epoch, why=why, best=self.best_epoch, loss=fixed(self.best_val, 4), reset="{reset}"))
        if epoch == 0:
            return Status("info", _("Press {step} for an epoch, {run} to run; {best} stops at the lowest validation loss."))
        rising = epoch - self.best_epoch
        losses = dict(train=fixed(train, 4), val=fixed(val, 4), best=best)
        if self.outcome == "out of epochs":
            return Status("warning" if val > 1.5 * self.best_val else "info",
                          _("Stopped after {epoch} epochs: training loss {train}, validation {val}; {best}.").format(
                              epoch=epoch, **losses))
        if rising >= 50 and val > 1.1 * self.best_val:
            return Status("warning", _("Overfitting: {best}, and it has risen for {count} epochs to {val} "
                                       "while the training loss fell to {train}.").format(count=rising, **losses))
        return Status("info", _("Epoch {epoch}: training loss {train}, validation {val}; {best}.").format(epoch=epoch, **losses))

    def snapshot(self) -> RegularizationSnapshot:
        p = self.params
        curve_x = np.linspace(-1, 1, CURVE_POINTS)
        draws = self.probe_draws()  # before `predict`: it leaves the net in eval mode
        weights = [w.data for w in self.net.weights]
        return RegularizationSnapshot(
            x=self.x[:, 0], y=self.y[:, 0], x_val=self.xv[:, 0], y_val=self.yv[:, 0],
            curve_x=curve_x, curve=self.predict(curve_x[:, None])[:, 0], truth=truth(curve_x),
            epoch=self.epoch, epochs=p["epochs"], train_loss=np.array(self.train_loss), val_loss=np.array(self.val_loss),
            train_now=self.loss(self.x, self.y), val_now=self.loss(self.xv, self.yv),
            best_epoch=self.best_epoch, best_val=self.best_val, grad_norm=self.grad_norm,
            decay_norm=p["weight_decay"] * math.sqrt(sum(float((w ** 2).sum()) for w in weights)),
            weight_norm=math.sqrt(sum(float((w ** 2).sum()) for w in weights)),
            p=p["dropout"], masks=self.masks,
            probe=PROBE, probe_train=draws, probe_eval=float(self.predict(np.array([[PROBE]]))[0, 0]),
            bins=SIZE_BINS, sizes=histogram(weights), sizes_init=self.sizes_init,
            hidden=p["hidden"], activation=p["activation"],
            outcome="diverged" if self.diverged else self.outcome, status=self.status(),
        )


# ------------------------------------------------------------------------------ quiz questions
DROPOUT_PROMPT = N_("A hidden layer's outputs are h = ({h}). In training mode, dropout with p = {p} drew the mask "
                    "m = ({m}) (1 = kept, 0 = zeroed) and scales what it keeps by 1/(1 − p). What is the sum of the "
                    "layer's outputs after dropout, y₁ + … + y{n}? (2 decimals)")
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def engine_dropout(h: np.ndarray, p: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`F.dropout(h, p)` in training mode with the engine's generator seeded by `seed`: the output and the scaled
    mask it drew. The generator's state is put back afterwards, so a lab's draws are not disturbed."""
    state = init.generator().bit_generator.state
    manual_seed(seed)
    y = F.dropout(Tensor(h, requires_grad=True), p)
    init.generator().bit_generator.state = state
    return y.data, y.node.params["scaled_mask"]


def dropout_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Six activations and a mask the engine's dropout drew; the answer sums its output. A draw keeping all or none,
    or whose answer is within 0.05 of Σh, of Σ(kept h) unscaled or of 0, is redrawn whole."""
    values = np.array([-0.9, -0.6, -0.3, 0.2, 0.4, 0.5, 0.7, 0.8, 1.2])
    while True:
        h, p = values[rng.integers(len(values), size=6)], float(rng.choice([0.2, 0.25, 0.4, 0.5, 0.6]))
        y, mask = engine_dropout(h, p, int(rng.integers(2**31)))
        kept = mask > 0
        answer = float(y.sum())
        if 0 < kept.sum() < 6 and min(abs(answer), abs(answer - h.sum()), abs(answer - h[kept].sum())) >= 0.05:
            break
    worked = in_language(lang, N_("kept units: {units}; Σ kept h = {kept}; ×1/(1 − {p}) = ×{scale} → {answer}. "
                                  "Zeroed units add 0.")).format(
        units=", ".join(str(i + 1) for i in np.flatnonzero(kept)), kept=num(round(h[kept].sum(), 4)), p=num(p),
        scale=num(round(1 / (1 - p), 4)), answer=num(round(answer, 4)))
    prompt = in_language(lang, DROPOUT_PROMPT).format(
        h=", ".join(num(v) for v in h), p=num(p), m=", ".join(str(int(k)) for k in kept), n="6".translate(SUBSCRIPTS))
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.01)


DECAY_PENALTY = {"l2": N_("with weight decay λ = {lam} (L2: the optimizer adds λw to the gradient)"),
                 "l1": N_("with an L1 penalty λ₁·|w|, λ₁ = {lam}, added to the loss")}
DECAY_PROMPT = N_("A weight w = {w} has data-loss gradient ∂L/∂w = {g}. One plain SGD step (no momentum), "
                  "η = {lr}, {penalty}: what is w after the step? (4 decimals)")


def decay_step(w: float, g: float, lr: float, penalty: str, lam: float) -> float:
    """One engine SGD step on a weight whose data loss is g·w (gradient g), with the L2 or L1 penalty."""
    weight = nn.Parameter(np.array([w]))
    loss = g * weight.sum()
    if penalty == "l1":
        loss = loss + l1_penalty([weight], lam)
    loss.backward()
    optim.SGD([weight], lr=lr, weight_decay=lam if penalty == "l2" else 0.0).step()
    return float(weight.data[0])


def decay_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """One weight, its gradient, η and an L2 or L1 strength; the engine's SGD takes the step. A draw whose penalty
    moves w by less than 0.005 (the step without it would pass), or whose step leaves w within 0.005 of where it was,
    is redrawn whole."""
    while True:
        w = float(rng.choice([-2.5, -1.5, -0.8, 0.6, 1.2, 2.0, 3.0]))
        g = float(rng.choice([-0.4, -0.2, 0.1, 0.3, 0.5]))
        lr, lam = float(rng.choice([0.05, 0.1, 0.5])), float(rng.choice([0.01, 0.05, 0.1, 0.2]))
        penalty = ("l2", "l1")[rng.integers(2)]
        answer = decay_step(w, g, lr, penalty, lam)
        if min(abs(answer - (w - lr * g)), abs(answer - w)) >= 0.005:
            break
    name, times = ("λw", w) if penalty == "l2" else ("λ₁·sign w", float(np.sign(w)))
    total = round(g + lam * times, 4)
    gradient = in_language(lang, N_("gradient"))
    worked = (f"{gradient} = ∂L/∂w + {name} = {num(g)} + {factor(lam)}·{factor(times)} = {num(total)}; "
              f"w ← {num(w)} − {num(lr)}·{factor(total)} = {num(round(answer, 4))}")
    prompt = in_language(lang, DECAY_PROMPT).format(
        w=num(w), g=num(g), lr=num(lr), penalty=in_language(lang, DECAY_PENALTY[penalty]).format(lam=num(lam)))
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.0005)
