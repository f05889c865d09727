"""Pooling stepped one window at a time, then the end of a CNN: flatten, a linear layer, softmax.

Max pooling keeps the largest value of each window (the lab shows which input won: in
backward, only that input receives a gradient); average pooling keeps the mean. Padding follows
PyTorch: −∞ for max (padding never wins), zeros counted in the divisor for average. The
parameter counter sets a fully connected layer against a conv layer on the same input, because
that ratio is the reason CNNs exist — and 784·15 + 15 + 15·10 + 10 is a count people get wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor
from ..engine import functional as F
from ..engine.arch import out_size
from .base import Action, Control, ControlError, GeneratedQuestion, Lab, Status, num
from .convolution import IMAGES, grid, output_size_text

GRID = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]], dtype=float)
EDGE_MAP = np.array([[1, -1, 2], [0, -1, 2], [0, -2, 2]], dtype=float)  # the convolution lab's vertical-edge map
CLASSES = 3  # outputs of the illustrative (untrained) linear layer after flattening


INPUTS = {N_("grid"): GRID, N_("edge map"): EDGE_MAP, N_("ramp"): IMAGES["ramp"], N_("cross"): IMAGES["cross"]}


def pool_problem(size: int, k: int, s: int, p: int) -> str | None:
    if 2 * p > k:
        return _("padding {p} is more than half the {k}×{k} window, so some windows would hold only padding "
                 "(PyTorch refuses it too)").format(p=p, k=k)
    if k > size + 2 * p:
        return _("a {k}×{k} window does not fit in the {size}×{size} input padded by {p}").format(k=k, size=size, p=p)
    return None


def fc_params(side: int, hidden: int, outputs: int) -> tuple[int, str]:
    """Parameters of side²→hidden→outputs (weights and biases), with the sum written out."""
    n = side * side
    total = n * hidden + hidden + hidden * outputs + outputs
    return total, (f"{side}·{side}·{hidden} + {hidden} + {hidden}·{outputs} + {outputs} = "
                   f"{n * hidden:,} + {hidden:,} + {hidden * outputs:,} + {outputs:,} = {total:,}")


def conv_params(channels: int, kernels: int, k: int) -> tuple[int, str]:
    """Parameters of a conv layer: each kernel has C·K² weights and one bias, whatever the image size."""
    total = kernels * (channels * k * k + 1)
    return total, f"{kernels}·({channels}·{k}·{k} + 1) = {total:,}"


@dataclass(frozen=True)
class PoolStep:
    row: int
    col: int
    top: int  # window position in the padded input
    left: int
    window: np.ndarray
    value: float
    winner: tuple[int, int] | None  # max pooling: the winning cell in padded coordinates


@dataclass(frozen=True)
class PoolingSnapshot:
    mode: str
    image: np.ndarray
    padded: np.ndarray  # −∞ (max) or 0 (avg) around the input
    kernel_size: int
    stride: int
    output: np.ndarray  # NaN where not yet computed
    last: PoolStep | None
    size_formula: str
    keeps_size: bool
    flat: np.ndarray  # the finished output, flattened (empty until done)
    logits: np.ndarray
    probabilities: np.ndarray
    fc_params: int
    fc_worked: str
    conv_params: int
    conv_worked: str
    status: Status


class PoolingLab(Lab):
    controls = (
        Control("input", N_("Input"), "choice", "grid", choices=tuple(INPUTS), words=True),
        Control("mode", N_("Pooling"), "choice", "max", choices=("max", "avg")),
        Control("kernel_size", N_("Window K"), "int", 2, 1, 4, 1),
        Control("stride", N_("Stride S"), "int", 2, 1, 4, 1),
        Control("padding", N_("Padding P"), "int", 0, 0, 2, 1),
        Control("fc_side", N_("FC input side"), "int", 28, 1, 256, 1, help=N_("Parameter counter: a side×side image")),
        Control("hidden", N_("Hidden units"), "int", 15, 1, 4096, 1),
        Control("outputs", N_("Outputs"), "int", 10, 1, 1000, 1),
        Control("conv_kernels", N_("Conv kernels"), "int", 6, 1, 512, 1, help=N_("A conv layer on the same image")),
        Control("conv_size", N_("Conv kernel size"), "int", 5, 1, 11, 1),
    )
    actions = (Action("step", "s", N_("Step")), Action("finish", "e", N_("Fill")))
    run_action = "step"
    run_pace = 0.15  # a run here is a demonstration, watched step by step

    @classmethod
    def validate_params(cls, params: dict) -> dict:
        values = super().validate_params(params)
        problem = pool_problem(len(INPUTS[values["input"]]), values["kernel_size"], values["stride"], values["padding"])
        if problem:
            raise ControlError(problem)
        return values

    def build(self) -> None:
        p = self.params
        self.image = INPUTS[p["input"]].copy()
        fill = -np.inf if p["mode"] == "max" else 0.0
        self.padded = np.pad(self.image, p["padding"], constant_values=fill)
        size = out_size(len(self.image), p["kernel_size"], p["stride"], p["padding"])
        self.output = np.full((size, size), np.nan)
        self.cursor = 0
        self.last: PoolStep | None = None
        rng = np.random.default_rng(0)  # fixed, untrained weights: this part shows the mechanics only
        self.fc_weight = rng.normal(0, 1 / np.sqrt(self.output.size), (CLASSES, self.output.size))

    @property
    def finished(self) -> bool:
        return self.cursor >= self.output.size

    def window(self, row: int, col: int) -> PoolStep:
        k, s = self.params["kernel_size"], self.params["stride"]
        top, left = row * s, col * s
        window = self.padded[top : top + k, left : left + k]
        if self.params["mode"] == "avg":
            return PoolStep(row, col, top, left, window, float(window.mean()), None)
        r, c = np.unravel_index(int(np.argmax(window)), window.shape)  # first of equal values, as PyTorch
        return PoolStep(row, col, top, left, window, float(window[r, c]), (top + int(r), left + int(c)))

    def step(self) -> None:
        if self.finished:
            return
        row, col = divmod(self.cursor, self.output.shape[1])
        self.last = self.window(row, col)
        self.output[row, col] = self.last.value
        self.cursor += 1

    def finish(self) -> None:
        while not self.finished:
            self.step()

    def engine_output(self) -> np.ndarray:
        pool = F.max_pool2d if self.params["mode"] == "max" else F.avg_pool2d
        p = self.params
        return pool(Tensor(self.image[None, None]), p["kernel_size"], p["stride"], p["padding"]).data[0, 0]

    def status(self) -> Status:
        if self.finished:
            return Status("success", _("Pooled {before} → {after}, flattened to {count} values, then a linear layer and "
                                       "softmax (untrained weights: the mechanics only).").format(
                before=f"{self.image.shape[0]}×{self.image.shape[1]}", after=f"{self.output.shape[0]}×{self.output.shape[1]}",
                count=self.output.size))
        if self.last is None:
            return Status("info", _("Press {step} to pool the first window, {finish} to pool them all."))
        step = self.last
        how = (_("max = {value} at {cell}").format(value=num(step.value), cell=step.winner) if step.winner
               else _("mean = {value}").format(value=num(step.value)))
        return Status("info", _("Window at {corner} of the padded input: {how} → {cell}").format(
            corner=f"({step.top}, {step.left})", how=how, cell=f"output[{step.row},{step.col}]"))

    def snapshot(self) -> PoolingSnapshot:
        p = self.params
        flat = self.output.ravel().copy() if self.finished else np.empty(0)
        logits = self.fc_weight @ flat if self.finished else np.empty(0)
        probabilities = F.softmax(Tensor(logits)).data if self.finished else logits
        fc, fc_text = fc_params(p["fc_side"], p["hidden"], p["outputs"])
        conv, conv_text = conv_params(1, p["conv_kernels"], p["conv_size"])
        return PoolingSnapshot(
            mode=p["mode"], image=self.image, padded=self.padded, kernel_size=p["kernel_size"], stride=p["stride"],
            output=self.output.copy(), last=self.last,
            size_formula=output_size_text(len(self.image), p["kernel_size"], p["stride"], p["padding"]),
            keeps_size=self.output.shape == self.image.shape, flat=flat, logits=logits, probabilities=probabilities,
            fc_params=fc, fc_worked=fc_text, conv_params=conv, conv_worked=conv_text, status=self.status(),
        )


POOL_PROMPT = N_("{mode} pooling, window {k}×{k}, stride {s}, no padding, on:\n\n```\n{x}\n```\n\n"
                  "What is output[{i},{j}], rows and columns counted from 0?")
MODE_NAMES = {"max": N_("Max"), "avg": N_("Avg")}  # the prompt's {mode}
FC_PROMPT = N_("A fully connected net takes a {side}×{side} image, has {h} hidden units and {o} outputs (weights and "
               "biases in both layers). How many parameters?")
CONV_PROMPT = N_("A conv layer takes {c} input channel(s) and has {n} kernels of {k}×{k}, each with a bias. How many "
                 "parameters?")


def cell_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Max or average pooling of a random 4×4 or 6×6 grid: one output cell.

    The window asked is drawn apart from the rest of the grid: its largest value is 1–8, and a cell outside it is
    larger. So the answer is never 0, never the grid's largest value, and for max pooling any one guess is right
    1 time in 8."""
    mode = ("max", "avg")[rng.integers(2)]
    k = 2 + int(rng.integers(2))
    lab = PoolingLab(mode=mode, kernel_size=k, stride=k if rng.random() < 0.7 else 1)
    side, stride = (6 if k == 3 else 4), lab.params["stride"]
    size = out_size(side, k, stride)
    i, j = int(rng.integers(size)), int(rng.integers(size))
    image = rng.integers(0, 10, (side, side))
    largest = int(rng.integers(1, 9))
    window = rng.integers(0, largest + 1, k * k)
    window[rng.integers(k * k)] = largest
    image[i * stride : i * stride + k, j * stride : j * stride + k] = window.reshape(k, k)
    outside = np.ones((side, side), dtype=bool)
    outside[i * stride : i * stride + k, j * stride : j * stride + k] = False
    image.flat[rng.choice(np.flatnonzero(outside))] = rng.integers(largest + 1, 10)
    lab.image = lab.padded = image.astype(float)  # no padding in these questions
    step = lab.window(i, j)
    how = (in_language(lang, N_("largest of the window is {value}")).format(value=num(step.value)) if mode == "max"
           else f"({' + '.join(num(v) for v in step.window.ravel())})/{k * k} = {num(round(step.value, 4))}")
    where = in_language(lang, N_("Window rows {first_row}–{last_row}, columns {first_col}–{last_col}:")).format(
        first_row=step.top, last_row=step.top + k - 1, first_col=step.left, last_col=step.left + k - 1)
    worked = f"{where}\n{grid(step.window)}\n{how}"
    prompt = in_language(lang, POOL_PROMPT).format(mode=in_language(lang, MODE_NAMES[mode]), k=k,
                                                   s=lab.params["stride"], x=grid(lab.image), i=i, j=j)
    return GeneratedQuestion(prompt, step.value, worked, tolerance=0.01)


def params_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A fully connected net's or a conv layer's parameter count."""
    if rng.random() < 0.5:
        side, h, o = int(rng.choice((8, 16, 28, 32))), int(rng.choice((10, 15, 20, 50, 100))), int(rng.choice((2, 10)))
        total, worked = fc_params(side, h, o)
        prompt = in_language(lang, FC_PROMPT).format(side=side, h=h, o=o)
    else:
        c, n, k = int(rng.choice((1, 3, 6, 16))), int(rng.choice((6, 16, 32, 64))), int(rng.choice((1, 3, 5)))
        total, worked = conv_params(c, n, k)
        prompt = in_language(lang, CONV_PROMPT).format(c=c, n=n, k=k)
    return GeneratedQuestion(prompt, total, worked)
