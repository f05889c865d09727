"""Rosenblatt's perceptron: w ← w + η(y − ŷ)x, one sample at a time, bias as a weight.

The lab also decides when to stop. Separable data converges (an epoch with no mistakes).
Samples are visited in a fixed order, so if the weights at the end of an epoch equal the
weights at the end of an earlier one, the run is provably a cycle and mistakes never reach
zero — that is how XOR is caught without guessing from a timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language, ngettext

from .base import Action, Control, GeneratedQuestion, Lab, Status, factor, num

BOOLEAN_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
BOOLEAN_TARGETS = {
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "NAND": [1, 1, 1, 0],
    "XOR": [0, 1, 1, 0],
}
CLOUDS = {N_("separable"): 1.2, N_("overlapping"): 1.5}  # distance between the class centres
MARGIN = 0.1
CENTRE = np.array([2.0, 2.0])  # off the origin, so the bias has to be learned too  # distance of each class centre from the origin
WHY_NOT = {
    "XOR": N_("No straight line puts (0,1) and (1,0) on one side and (0,0) and (1,1) on the other, "
              "so no weights can get every sample right (Minsky & Papert, 1969). A hidden layer fixes this."),
    "overlapping": N_("The two clouds overlap, so no straight line separates them and some sample is "
                      "always misclassified. The perceptron rule has no notion of 'fewest mistakes': it keeps moving."),
}


def make_dataset(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, 2) and labels (n,) in {0, 1} for a named dataset.

    The separable clouds keep a margin around the line x1 = x2, so they are separable
    for every seed. The overlapping clouds are made non-separable for every seed: each class gets one
    point at the mean of the other class, which lies inside the other class's convex hull.
    """
    if name in BOOLEAN_TARGETS:
        return BOOLEAN_INPUTS.copy(), np.array(BOOLEAN_TARGETS[name], dtype=float)
    rng = np.random.default_rng(seed)
    half = CLOUDS[name] / 2
    centres = [CENTRE + half * np.array([-1, 1]) / np.sqrt(2), CENTRE + half * np.array([1, -1]) / np.sqrt(2)]
    clouds = [rng.normal(centre, 0.6, size=(200, 2)) for centre in centres]
    if name == "separable":  # keep only points clear of the line x1 = x2, on their own side
        clouds = [cloud[side * (cloud[:, 0] - cloud[:, 1]) > MARGIN][:20] for side, cloud in zip((-1, 1), clouds)]
    else:
        clouds = [cloud[:20] for cloud in clouds]
    if name == "overlapping":
        clouds[0][-1], clouds[1][-1] = clouds[1][:-1].mean(axis=0), clouds[0][:-1].mean(axis=0)
    points = np.concatenate(clouds)
    labels = np.repeat([0.0, 1.0], 20)
    order = rng.permutation(len(labels))
    return points[order], labels[order]


@dataclass(frozen=True)
class Update:
    """What one sample did: the learner sees x, y, ŷ and the change it caused."""

    epoch: int  # 1-based epoch the sample belonged to
    index: int
    x: tuple[float, float]
    y: int
    activation: float
    y_hat: int
    dw: tuple[float, float]
    db: float


@dataclass(frozen=True)
class PerceptronSnapshot:
    dataset: str
    inputs: np.ndarray
    labels: np.ndarray
    weights: np.ndarray
    bias: float
    epoch: int  # completed epochs
    position: int  # index of the next sample within the current epoch
    last: Update | None
    mistakes: tuple[int, ...]  # per completed epoch
    mistakes_this_epoch: int
    converged: bool
    gave_up: bool
    status: Status

    @property
    def predictions(self) -> np.ndarray:
        return (self.inputs @ self.weights + self.bias >= 0).astype(float)

    @property
    def correct(self) -> np.ndarray:
        """Per sample: is it on its own side of the line?"""
        return self.predictions == self.labels

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.correct))

    @property
    def box(self) -> tuple[float, float, float, float]:
        """x_min, x_max, y_min, y_max around the data, with a margin of 15 % (at least 0.5) on each side."""
        (x_lo, y_lo), (x_hi, y_hi) = self.inputs.min(axis=0), self.inputs.max(axis=0)
        pad_x, pad_y = max((x_hi - x_lo) * 0.15, 0.5), max((y_hi - y_lo) * 0.15, 0.5)
        return x_lo - pad_x, x_hi + pad_x, y_lo - pad_y, y_hi + pad_y

    def boundary(self, x_min: float, x_max: float, y_min: float, y_max: float) -> tuple[list, list] | None:
        """Two points of the line w·x + b = 0 clipped to the box, or None when there is no line."""
        w1, w2 = self.weights
        b = self.bias
        points = []
        if abs(w2) > 1e-12:
            points += [(x, -(w1 * x + b) / w2) for x in (x_min, x_max)]
        if abs(w1) > 1e-12:
            points += [(-(w2 * y + b) / w1, y) for y in (y_min, y_max)]
        inside = sorted({(round(x, 9), round(y, 9)) for x, y in points
                         if x_min - 1e-9 <= x <= x_max + 1e-9 and y_min - 1e-9 <= y <= y_max + 1e-9})
        if len(inside) < 2:
            return None
        (xa, ya), (xb, yb) = inside[0], inside[-1]
        return [xa, xb], [ya, yb]


class PerceptronLab(Lab):
    controls = (
        Control("dataset", N_("Dataset"), "choice", "AND", choices=(*BOOLEAN_TARGETS, *CLOUDS), words=True),
        Control("lr", N_("Learning rate η"), "float", 1.0, 0.01, 10, 0.1, help=N_("Step size of each update")),
        Control("init", N_("Initial weights"), "choice", "zeros", choices=(N_("zeros"), N_("random")), words=True),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1, help=N_("Random init and point clouds")),
        Control("max_epochs", N_("Max epochs"), "int", 100, 1, 1000, 10, help=N_("Give up after this many")),
    )
    actions = (Action("step", "s", N_("Step one sample")), Action("epoch", "e", N_("Run one epoch")))
    run_action = "epoch"
    run_pace = 0.15  # a run here is a demonstration, watched step by step

    def build(self) -> None:
        p = self.params
        self.inputs, self.labels = make_dataset(p["dataset"], p["seed"])
        rng = np.random.default_rng(p["seed"])
        self.weights = rng.normal(0, 0.5, 2) if p["init"] == "random" else np.zeros(2)
        self.bias = float(rng.normal(0, 0.5)) if p["init"] == "random" else 0.0
        self.completed = 0
        self.position = 0
        self.last: Update | None = None
        self.mistakes: list[int] = []
        self.mistakes_this_epoch = 0
        self.converged = False
        self.repeats: int | None = None  # the earlier epoch whose end state this one repeated
        self.seen = {self.state(): 0}

    def state(self) -> tuple:
        return (*self.weights.round(12), round(self.bias, 12))

    @property
    def gave_up(self) -> bool:
        return not self.converged and (self.repeats is not None or self.completed >= self.params["max_epochs"])

    @property
    def finished(self) -> bool:
        return self.converged or self.gave_up

    def step(self) -> None:
        """Show one sample to the perceptron and apply the rule (a no-op once finished)."""
        if self.finished:
            return
        i = self.position
        x, y = self.inputs[i], self.labels[i]
        activation = float(x @ self.weights + self.bias)
        if abs(activation) <= 1e-9 * (np.abs(x) @ np.abs(self.weights) + abs(self.bias)):
            activation = 0.0  # an exact tie, whatever the rounding of η: ties fire
        y_hat = float(activation >= 0)
        error = self.params["lr"] * (y - y_hat)
        dw = error * x
        self.weights = self.weights + dw
        self.bias += error
        self.mistakes_this_epoch += int(y != y_hat)
        self.last = Update(self.completed + 1, i, (float(x[0]), float(x[1])), int(y), activation, int(y_hat), (float(dw[0]), float(dw[1])), float(error))
        self.position += 1
        if self.position == len(self.labels):
            self.end_epoch()

    def end_epoch(self) -> None:
        self.mistakes.append(self.mistakes_this_epoch)
        self.completed += 1
        self.position = 0
        self.converged = self.mistakes_this_epoch == 0
        self.mistakes_this_epoch = 0
        if not self.converged:
            self.repeats = self.seen.get(self.state())
            self.seen.setdefault(self.state(), self.completed)

    def epoch(self) -> None:
        """Finish the current epoch (or run a whole one)."""
        start = self.completed
        while self.completed == start and not self.finished:
            self.step()

    def status(self) -> Status:
        why = _(WHY_NOT.get(self.params["dataset"], ""))
        if self.converged:
            updates = sum(self.mistakes)
            return Status("success", ngettext(
                "Converged: epoch {epoch} made no mistakes ({updates} update in all). Every sample is on the right side of the line.",
                "Converged: epoch {epoch} made no mistakes ({updates} updates in all). Every sample is on the right side of the line.",
                updates).format(epoch=self.completed, updates=updates))
        if self.repeats is not None:
            return Status("warning", _("Stuck in a cycle: after epoch {epoch} the weights are exactly what they were after epoch "
                                       "{earlier}, so mistakes will never reach zero. {why}").format(
                epoch=self.completed, earlier=self.repeats, why=why).strip())
        if self.gave_up:
            return Status("warning", _("No mistake-free epoch in {epochs} epochs. {why}").format(
                epochs=self.completed, why=why or _("Try more epochs or another learning rate.")))
        if self.last is None:
            return Status("info", _("Press {step} to show the perceptron one sample, {epoch} for a whole epoch, {run} to run."))
        u = self.last
        verdict = (_("correct, no change") if u.y == u.y_hat else
                   _("wrong, w += {update}").format(update=f"{self.params['lr']:g}·({u.y}−{u.y_hat})·x"))
        return Status("info", _("Epoch {epoch}, sample {sample}: {outcome} → {verdict}").format(
            epoch=u.epoch, sample=u.index + 1, outcome=f"ŷ = {u.y_hat}, y = {u.y}", verdict=verdict))

    def snapshot(self) -> PerceptronSnapshot:
        return PerceptronSnapshot(
            dataset=self.params["dataset"],
            inputs=self.inputs,
            labels=self.labels,
            weights=self.weights.copy(),
            bias=self.bias,
            epoch=self.completed,
            position=self.position,
            last=self.last,
            mistakes=tuple(self.mistakes),
            mistakes_this_epoch=self.mistakes_this_epoch,
            converged=self.converged,
            gave_up=self.gave_up,
            status=self.status(),
        )


UPDATE_PROMPT = N_("w = ({w1}, {w2}), b = {b}, η = {lr}. The sample x = ({x1}, {x2}) has label y = {y}. "
                   "What is {target} after the perceptron processes this sample?")


def update_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh weights, bias, η and sample: what is w1, w2 or b after one step of the lab's own rule?

    A draw whose asked parameter ends at 0 (a guess would pass) is redrawn whole."""
    values = np.array((-1.0, -0.5, 0.0, 0.5, 1.0, 1.5))
    while True:
        weights, bias = values[rng.integers(6, size=2)], float(values[rng.integers(6)])
        x, y = rng.integers(-1, 3, 2).astype(float), int(rng.integers(2))
        lab = PerceptronLab(lr=(0.5, 1.0, 2.0)[rng.integers(3)])
        lab.inputs, lab.labels = np.array([x]), np.array([float(y)])
        lab.weights, lab.bias = weights.copy(), bias
        lab.step()
        target = int(rng.integers(3))
        if (*lab.weights, lab.bias)[target] != 0:
            break
    u, lr = lab.last, lab.params["lr"]
    name = ("w1", "w2", "b")[target]
    before, after = (*weights, bias)[target], (*lab.weights, lab.bias)[target]
    through = f"·{factor(x[target])}" if target < 2 else ""
    worked = "\n".join([
        f"w·x + b = {factor(weights[0])}·{factor(x[0])} + {factor(weights[1])}·{factor(x[1])} + {factor(bias)} "
        f"= {num(u.activation)} {'≥' if u.y_hat else '<'} 0 → ŷ = {u.y_hat}",
        f"y − ŷ = {u.y} − {u.y_hat} = {num(u.y - u.y_hat)}",
        f"{name} ← {num(before)} + {num(lr)}·{factor(u.y - u.y_hat)}{through} = {num(after)}",
    ])
    prompt = in_language(lang, UPDATE_PROMPT).format(
        w1=num(weights[0]), w2=num(weights[1]), b=num(bias), lr=num(lr), x1=num(x[0]), x2=num(x[1]), y=y, target=name)
    return GeneratedQuestion(prompt, float(after), worked, tolerance=0.001)
