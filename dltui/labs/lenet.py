"""LeNet-5 on real handwritten digits, trained with the engine, one mini-batch per step.

32×32 → C1 6@28×28 → S2 6@14×14 → C3 16@10×10 → S4 16@5×5 → 120 → 84 → 10, with a fully
connected C3 and max pooling (the paper used a sparse C3 and trainable averaging). The digits
are the UCI 8×8 images, upsampled ×3 and padded to 32×32 (see engine.data.to_lenet).

The test set is evaluated once per epoch, not per step, so a snapshot stays cheap enough for the
UI to take after every batch; feature maps are computed for one chosen test image only.
Adam with a cosine-decaying learning rate reaches ≥ 97 % held-out accuracy in a few epochs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, manual_seed, nn, no_grad, optim
from ..engine import functional as F
from ..engine.arch import Layer, lenet5, out_size
from ..engine.data import assets_dir, load_digits, to_lenet
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status

SHIPPED_WEIGHTS = "lenet-digits.npz"  # trained with this lab's defaults; see bench/lenet.py --save
TARGET = 0.97
WORST = 8


class LeNet5(nn.Module):
    def __init__(self, activation: str = "tanh") -> None:
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.act = F.tanh if activation == "tanh" else F.relu

    def features(self, x: Tensor) -> dict[str, Tensor]:
        """Every stage's output by its LeNet name, the logits last."""
        out = {"C1": self.act(self.conv1(x))}
        out["S2"] = F.max_pool2d(out["C1"], 2)
        out["C3"] = self.act(self.conv2(out["S2"]))
        out["S4"] = F.max_pool2d(out["C3"], 2)
        out["C5"] = self.act(self.fc1(F.flatten(out["S4"])))
        out["F6"] = self.act(self.fc2(out["C5"]))
        out["logits"] = self.fc3(out["F6"])
        return out

    def forward(self, x: Tensor) -> Tensor:
        return self.features(x)["logits"]

    def state(self) -> dict[str, np.ndarray]:
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def save(self, path: Path, activation: str) -> None:
        """float32 is plenty for inference and halves the file."""
        np.savez_compressed(path, activation=np.array(activation),
                            **{name: value.astype(np.float32) for name, value in self.state().items()})

    @classmethod
    def load(cls, path: Path) -> LeNet5:
        with np.load(path) as saved:
            net = cls(str(saved["activation"]))
            for name, p in net.named_parameters():
                p.data = saved[name].astype(np.float64)
        return net


def user_weights_path() -> Path:
    """The learner's own LeNet, kept with their progress: the data folder and user the command line chose."""
    from ..progress import user_dir

    return user_dir() / SHIPPED_WEIGHTS


def trained_lenet() -> tuple[LeNet5, str]:
    """A trained net without training: the learner's own (saved from the LeNet lab), else the shipped one."""
    for path, source in ((user_weights_path(), N_("your saved LeNet")), (assets_dir() / SHIPPED_WEIGHTS, N_("the shipped LeNet"))):
        try:
            return LeNet5.load(path).eval(), source
        except (OSError, KeyError, ValueError):
            continue
    raise FileNotFoundError(_("no LeNet weights in {mine} or {shipped}").format(
        mine=user_weights_path(), shipped=assets_dir() / SHIPPED_WEIGHTS))


@dataclass(frozen=True)
class Evaluation:
    epoch: int
    step: int
    train_accuracy: float  # over the epoch's batches, as they were seen
    test_accuracy: float


@dataclass(frozen=True)
class Miss:
    """A misclassified test image: what it is, what the net said, how sure it was of the truth."""

    index: int
    label: int
    predicted: int
    p_label: float


@dataclass(frozen=True)
class LeNetSnapshot:
    epoch: int  # completed epochs
    step: int  # batches so far
    steps_per_epoch: int
    current_epoch: int  # what the learner reads, counted from 1: epoch 1, batch 12 of 45 is the twelfth batch trained
    current_batch: int  # batches of the current epoch trained (0 just after an epoch ended)
    lr: float
    losses: tuple[float, ...]  # per batch
    recent_loss: float  # mean over the last epoch's worth of batches (NaN before the first)
    recent_batches: int  # how many batches that mean is over
    evaluations: tuple[Evaluation, ...]  # per completed epoch
    layers: tuple[Layer, ...]  # the shape table
    c1_kernels: np.ndarray  # (6, 1, 5, 5)
    c3_kernels: np.ndarray  # (16, 6, 5, 5)
    test_index: int
    test_label: int
    image: np.ndarray  # (32, 32), the chosen test image as the net sees it
    maps: dict[str, np.ndarray]  # C1 (6, 28, 28), S2, C3 (16, 10, 10), S4
    probabilities: np.ndarray  # (10,) for the chosen image
    prediction: int  # the digit the net reads there
    confusion: np.ndarray | None  # (10, 10) rows = true digit, columns = prediction; after an epoch
    worst: tuple[Miss, ...]
    diverged: bool  # the loss broke the divergence rule (labs/base.py): training stopped
    status: Status

    @property
    def test_accuracy(self) -> float | None:
        return self.evaluations[-1].test_accuracy if self.evaluations else None


class LeNetLab(Lab):
    controls = (
        Control("activation", N_("Activation"), "choice", "tanh", choices=("tanh", "relu")),
        Control("lr", N_("Learning rate"), "float", 0.002, 0.0001, 0.1, 0.0005, help=N_("Adam; decays to 0 along a cosine")),
        Control("batch_size", N_("Batch size"), "int", 32, 4, 256, 4),
        Control("epochs", N_("Epochs"), "int", 12, 1, 50, 1),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1, help=N_("Initial weights and batch order")),
        Control("test_image", N_("Test image"), "int", 0, 0, 359, 1, help=N_("Whose feature maps are shown"), restarts=False),
    )
    actions = (Action("step", "s", N_("Batch")), Action("epoch", "e", N_("Epoch")), Action("save", "w", N_("Save")))
    run_action = "step"

    def build(self) -> None:
        p = self.params
        digits = load_digits()
        self.train_x, self.train_y = to_lenet(digits.train_images), digits.train_labels
        self.test_x, self.test_y = to_lenet(digits.test_images), digits.test_labels
        manual_seed(p["seed"])
        self.net = LeNet5(p["activation"])
        self.optimizer = optim.Adam(self.net.parameters(), lr=p["lr"])
        self.order_rng = np.random.default_rng(p["seed"])
        self.steps_per_epoch = math.ceil(len(self.train_y) / p["batch_size"])
        self.completed = self.step_count = 0
        self.losses: list[float] = []
        self.evaluations: list[Evaluation] = []
        self.correct_this_epoch = 0
        self.confusion: np.ndarray | None = None
        self.worst: tuple[Miss, ...] = ()
        self.saved_to: Path | None = None
        self.new_epoch()

    def new_epoch(self) -> None:
        p = self.params
        self.order = self.order_rng.permutation(len(self.train_y))
        self.position = 0
        self.optimizer.lr = p["lr"] * 0.5 * (1 + math.cos(math.pi * self.completed / p["epochs"]))

    @property
    def finished(self) -> bool:
        return self.diverged or self.completed >= self.params["epochs"]

    def step(self) -> None:
        """One mini-batch: forward, cross-entropy, backward, Adam; the epoch ends with a test."""
        if self.finished:
            return
        self.saved_to = None
        batch = self.order[self.position : self.position + self.params["batch_size"]]
        logits = self.net(Tensor(self.train_x[batch]))
        loss = F.cross_entropy(logits, self.train_y[batch])
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.losses.append(loss.item())
        self.correct_this_epoch += int((logits.data.argmax(1) == self.train_y[batch]).sum())
        self.step_count += 1
        self.position += len(batch)
        if not self.watch(self.losses[-1], self.step_count, N_("batch")) and self.position >= len(self.train_y):
            self.end_epoch()

    def end_epoch(self) -> None:
        self.completed += 1
        probabilities = self.predict(self.test_x)
        predicted = probabilities.argmax(1)
        self.confusion = np.zeros((10, 10), dtype=np.int64)
        np.add.at(self.confusion, (self.test_y, predicted), 1)
        misses = np.flatnonzero(predicted != self.test_y)
        p_true = probabilities[misses, self.test_y[misses]]
        self.worst = tuple(Miss(int(i), int(self.test_y[i]), int(predicted[i]), float(p))
                           for i, p in sorted(zip(misses, p_true), key=lambda m: m[1])[:WORST])
        self.evaluations.append(Evaluation(self.completed, self.step_count, self.correct_this_epoch / len(self.train_y),
                                           float((predicted == self.test_y).mean())))
        self.correct_this_epoch = 0
        if not self.finished:
            self.new_epoch()

    def epoch(self) -> None:
        start = self.completed
        while self.completed == start and not self.finished and not self.interrupted():
            self.step()

    def save(self) -> None:
        """Write the weights where Draw a digit looks first (the learner's folder in the data folder)."""
        path = user_weights_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.net.save(path, self.params["activation"])
        self.saved_to = path

    def predict(self, x: np.ndarray) -> np.ndarray:
        with no_grad():
            return F.softmax(self.net(Tensor(x)), dim=1).data

    def status(self) -> Status:
        accuracy = self.evaluations[-1].test_accuracy if self.evaluations else None
        if self.diverged:
            return self.divergence.status(_("Lower the learning rate and reset ({reset})."))
        if self.saved_to is not None:
            return Status("success", _("Saved to {path}; Draw a digit will use it.").format(path=self.saved_to))
        if self.finished:
            kind = "success" if accuracy >= TARGET else "warning"
            return Status(kind, _("Done: {epochs} epochs, held-out accuracy {accuracy} on {count} test digits never used "
                                  "for training.").format(epochs=self.completed, accuracy=f"{accuracy:.1%}",
                                                          count=len(self.test_y)))
        if not self.losses:
            return Status("info", _("Press {step} to train on one batch, {epoch} for an epoch, {run} to run."))
        epoch, batch = self.current()
        text = (_("Epoch {epoch}, batch {batch}/{batches}: loss {loss}") if accuracy is None else
                _("Epoch {epoch}, batch {batch}/{batches}: loss {loss}, test accuracy {accuracy} after epoch {tested}"))
        return Status("info", text.format(epoch=epoch, batch=batch, batches=self.steps_per_epoch, loss=fixed(self.losses[-1]),
                                          accuracy=f"{accuracy:.1%}" if accuracy is not None else "", tested=self.completed))

    def current(self) -> tuple[int, int]:
        """(epoch, batch within it) as the learner reads them, counted from 1; the last epoch once training is done."""
        return min(self.completed + 1, self.params["epochs"]), math.ceil(self.position / self.params["batch_size"])

    def snapshot(self) -> LeNetSnapshot:
        index = self.params["test_image"]
        with no_grad():
            out = self.net.features(Tensor(self.test_x[index : index + 1]))
            probabilities = F.softmax(out["logits"], dim=1).data[0]
        maps = {name: out[name].data[0].copy() for name in ("C1", "S2", "C3", "S4")}
        recent = self.losses[-self.steps_per_epoch:]
        epoch, batch = self.current()
        return LeNetSnapshot(
            epoch=self.completed, step=self.step_count, steps_per_epoch=self.steps_per_epoch,
            current_epoch=epoch, current_batch=batch, lr=self.optimizer.lr,
            losses=tuple(self.losses), recent_loss=float(np.mean(recent)) if recent else math.nan,
            recent_batches=len(recent), evaluations=tuple(self.evaluations), layers=tuple(lenet5().layers),
            c1_kernels=self.net.conv1.weight.data.copy(), c3_kernels=self.net.conv2.weight.data.copy(),
            test_index=index, test_label=int(self.test_y[index]), image=self.test_x[index, 0], maps=maps,
            probabilities=probabilities, prediction=int(probabilities.argmax()),
            confusion=None if self.confusion is None else self.confusion.copy(), worst=self.worst, diverged=self.diverged,
            status=self.status(),
        )


SHAPE_PROMPT = N_("A LeNet-style net takes a {w}×{w} image: C1 {k}×{k} conv (6 kernels, no padding), S2 2×2 max pool "
                  "(stride 2), C3 {k}×{k} conv (16 kernels), S4 2×2 max pool. {ask}")
SHAPE_ASK = (N_("How wide is each {layer} map?"), N_("How many numbers does flattening S4 give?"))


def shape_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A LeNet variant (input size, kernel size): a map's width or the flattened length, by the formula."""
    w, k = int(rng.choice((28, 32, 36, 40, 44))), int(rng.choice((3, 5)))
    sides, lines, side = {}, [], w
    for layer, (kernel, stride) in zip(("C1", "S2", "C3", "S4"), ((k, 1), (2, 2), (k, 1), (2, 2))):
        new = out_size(side, kernel, stride)
        lines.append(f"{layer}: ⌊({side} − {kernel})/{stride}⌋ + 1 = {new}")
        sides[layer] = side = new
    target = str(rng.choice(("C1", "S2", "C3", "S4", "flatten")))
    asks = [in_language(lang, ask) for ask in SHAPE_ASK]
    if target == "flatten":
        answer, ask = 16 * side * side, asks[1]
        lines.append(f"flatten: 16·{side}·{side} = {answer}")
    else:
        answer, ask = sides[target], asks[0].format(layer=target)
        lines = lines[: ("C1", "S2", "C3", "S4").index(target) + 1]
    prompt = in_language(lang, SHAPE_PROMPT).format(w=w, k=k, ask=ask)
    return GeneratedQuestion(prompt, answer, "\n".join(lines))
