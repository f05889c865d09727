"""Convolution stepped one output cell at a time: the window, the products, their sum, where it lands.

Deep-learning "convolution" is cross-correlation (the kernel is not flipped), exactly what
`F.conv2d` computes; the lab's stepped cells are checked against it. The true, flipped
convolution appears in the 1-D dice example, where it is the rule for adding random numbers.
Impossible settings (a kernel wider than the padded input) are refused with the reason, so the
output-size formula never has to show a size of zero or less.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import zip_longest

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from dltui.i18n import N_, _, in_language, ngettext

from ..engine import Tensor
from ..engine import functional as F
from ..engine.arch import out_size
from .base import Action, Control, ControlError, GeneratedQuestion, Lab, Status, factor, num

# The classic 4×4 example: a vertical stroke in column 3 and a horizontal one in rows 1–2.
EDGES = np.array([[1, 0, 1, 0], [1, 1, 1, 0], [0, 0, 1, 0], [0, 0, 1, 0]], dtype=float)
CROSS = np.zeros((6, 6))
CROSS[2:4, :] = CROSS[:, 2:4] = 1.0
IMAGES = {N_("edges"): EDGES, N_("cross"): CROSS, N_("ramp"): np.add.outer(np.arange(5.0), np.arange(5.0))}
KERNELS = (N_("vertical"), N_("horizontal"), N_("both"), N_("box"))


def kernel(name: str, k: int) -> np.ndarray:
    """A k×k kernel: edges are +1 on one half and −1 on the other (0 on an odd middle line);
    for k = 2 the vertical one is [[1, −1], [1, −1]]."""
    half = np.sign(np.arange(k)[::-1] - (k - 1) / 2)  # [1, −1], [1, 0, −1], …
    if name == "vertical":
        return np.tile(half, (k, 1))
    if name == "horizontal":
        return np.tile(half[:, None], (1, k))
    return np.ones((k, k))


def output_size_text(size: int, k: int, s: int, p: int) -> str:
    """⌊(W + 2P − K)/S⌋ + 1 with the current numbers, down to the result."""
    inside = size + 2 * p - k
    return (f"⌊(W + 2P − K)/S⌋ + 1 = ⌊({size} + 2·{p} − {k})/{s}⌋ + 1 = ⌊{num(inside / s)}⌋ + 1 "
            f"= {inside // s + 1}")


def size_problem(size: int, k: int, s: int, p: int) -> str | None:
    """Why this combination has no output, or None when it is fine."""
    if k > size + 2 * p:
        return _("a {k}×{k} kernel does not fit in the {size}×{size} input padded by {p} ({padded}×{padded}): "
                 "W + 2P − K = {room} < 0, so there is no output cell; use a smaller kernel or more padding").format(
            k=k, size=size, p=p, padded=size + 2 * p, room=num(size + 2 * p - k))
    return None


@dataclass(frozen=True)
class CellStep:
    """One output cell computed: kernel `o`'s window at (row, col) of the padded input."""

    kernel: int
    row: int
    col: int
    top: int  # the window's first row and column in the padded input
    left: int
    window: np.ndarray  # (C, K, K)
    weights: np.ndarray  # the kernel laid on it, (C, K, K)
    value: float

    @property
    def products(self) -> np.ndarray:
        return self.window * self.weights

    def worked(self) -> str:
        terms = " + ".join(f"{factor(x)}·{factor(w)}" for x, w in zip(self.window.ravel(), self.weights.ravel()))
        return f"out[{self.kernel}][{self.row},{self.col}] = {terms} = {num(self.value)}"


@dataclass(frozen=True)
class DiceSum:
    """P(sum = total) for two fair dice as a true convolution: Σₖ f(k)·g(total − k)."""

    total: int
    terms: tuple[tuple[int, int], ...]  # (k, total − k) pairs with both faces possible
    probability: Fraction

    def worked(self) -> str:
        if not self.terms:
            return _("P(sum = {total}) = 0: no pair of faces adds up to {total}").format(total=self.total)
        pairs = " + ".join(f"f({k})·g({j})" for k, j in self.terms)
        n = len(self.terms)
        return f"P(sum = {self.total}) = {pairs} = {n}·(1/6·1/6) = {n}/36" + (
            f" = {self.probability}" if self.probability.denominator != 36 else "")


def dice(total: int) -> DiceSum:
    """f = g = 1/6 on the faces 1–6: the sum's distribution is f convolved with g."""
    terms = tuple((k, total - k) for k in range(1, 7) if 1 <= total - k <= 6)
    return DiceSum(total, terms, Fraction(len(terms), 36))


@dataclass(frozen=True)
class ConvolutionSnapshot:
    image: np.ndarray  # (C, H, W)
    padded: np.ndarray  # (C, H + 2P, W + 2P)
    kernels: np.ndarray  # (O, C, K, K)
    padding: int
    stride: int
    output: np.ndarray  # (O, OH, OW); NaN where the kernel has not been yet
    last: CellStep | None
    editing: tuple[str, tuple[int, ...]]  # ("image", (c, row, col)) or ("kernel", (o, c, row, col))
    size_formula: str
    dice: DiceSum
    status: Status

    @property
    def done(self) -> bool:
        return not np.isnan(self.output).any()


class ConvolutionLab(Lab):
    controls = (
        Control("image", N_("Image"), "choice", "edges", choices=tuple(IMAGES), words=True),
        Control("kernels", N_("Kernels"), "choice", "vertical", choices=KERNELS,
                help=N_("both = two kernels, two feature maps"), words=True),
        Control("kernel_size", N_("Kernel size K"), "int", 2, 1, 7, 1),
        Control("padding", N_("Padding P"), "int", 0, 0, 3, 1, help=N_("Zeros added around the input")),
        Control("stride", N_("Stride S"), "int", 1, 1, 4, 1, help=N_("How far the window moves each step")),
        Control("channels", N_("Input channels"), "int", 1, 1, 3, 1,
                help=N_("Extra channels: the image transposed, then inverted; one kernel slice per channel")),
        Control("dice_total", N_("Dice sum"), "int", 4, 2, 12, 1, help=N_("The 1-D convolution example")),
    )
    actions = (Action("step", "s", N_("Step")), Action("finish", "e", N_("Fill")), Action("next_cell", "c", N_("Cell")),
               Action("raise_cell", "plus", "+1"), Action("lower_cell", "minus", "−1"))
    run_action = "step"
    run_pace = 0.15  # a run here is a demonstration, watched step by step

    @classmethod
    def validate_params(cls, params: dict) -> dict:
        values = super().validate_params(params)
        problem = size_problem(len(IMAGES[values["image"]]), values["kernel_size"], values["stride"], values["padding"])
        if problem:
            raise ControlError(problem)
        return values

    def reset(self, **params) -> ConvolutionSnapshot:
        if not params:
            self.source = None  # a plain reset brings the preset image and kernels back
        return super().reset(**params)

    def build(self) -> None:
        p = self.params
        source = (p["image"], p["kernels"], p["kernel_size"], p["channels"])
        if getattr(self, "source", None) != source:  # keep the learner's edited cells unless the shapes change
            self.source = source
            base = IMAGES[p["image"]]
            self.image = np.stack([base, base.T, base.max() - base][: p["channels"]])
            names = ("vertical", "horizontal") if p["kernels"] == "both" else (p["kernels"],)
            self.kernels = np.stack([np.stack([kernel(n, p["kernel_size"])] * p["channels"]) for n in names])
            self.edit = 0  # which cell + and − change: image cells first, then kernel cells
        self.restart()

    def restart(self) -> None:
        k, s, pad = self.params["kernel_size"], self.params["stride"], self.params["padding"]
        _channels, h, w = self.image.shape
        self.output = np.full((len(self.kernels), out_size(h, k, s, pad), out_size(w, k, s, pad)), np.nan)
        self.cursor = 0  # flat index of the next cell over (kernel, row, col)
        self.last: CellStep | None = None

    def set_image_cell(self, channel: int, row: int, col: int, value: float) -> ConvolutionSnapshot:
        """Edit one input pixel; the sweep starts over because every cell may change."""
        self.image[channel, row, col] = float(value)
        self.restart()
        return self.snapshot()

    def set_kernel_cell(self, kernel: int, channel: int, row: int, col: int, value: float) -> ConvolutionSnapshot:
        self.kernels[kernel, channel, row, col] = float(value)
        self.restart()
        return self.snapshot()

    @property
    def editing(self) -> tuple[str, tuple[int, ...]]:
        if self.edit < self.image.size:
            return "image", tuple(int(i) for i in np.unravel_index(self.edit, self.image.shape))
        return "kernel", tuple(int(i) for i in np.unravel_index(self.edit - self.image.size, self.kernels.shape))

    def next_cell(self) -> None:
        self.edit = (self.edit + 1) % (self.image.size + self.kernels.size)

    def change_cell(self, delta: float) -> None:
        where, index = self.editing
        if where == "image":
            self.set_image_cell(*index, self.image[index] + delta)
        else:
            self.set_kernel_cell(*index, self.kernels[index] + delta)

    def raise_cell(self) -> None:
        self.change_cell(1.0)

    def lower_cell(self) -> None:
        self.change_cell(-1.0)

    @property
    def padded(self) -> np.ndarray:
        pad = self.params["padding"]
        return np.pad(self.image, ((0, 0), (pad, pad), (pad, pad)))

    @property
    def finished(self) -> bool:
        return self.cursor >= self.output.size

    def cell(self, o: int, row: int, col: int) -> CellStep:
        """The window under kernel `o` for output (row, col), its products and their sum."""
        k, s = self.params["kernel_size"], self.params["stride"]
        top, left = row * s, col * s
        window = self.padded[:, top : top + k, left : left + k]
        return CellStep(o, row, col, top, left, window, self.kernels[o].copy(), float((window * self.kernels[o]).sum()))

    def step(self) -> None:
        if self.finished:
            return
        o, row, col = np.unravel_index(self.cursor, self.output.shape)
        self.last = self.cell(int(o), int(row), int(col))
        self.output[o, row, col] = self.last.value
        self.cursor += 1

    def finish(self) -> None:
        while not self.finished:
            self.step()

    def engine_output(self) -> np.ndarray:
        """The same feature maps from the engine's conv2d, for comparison."""
        y = F.conv2d(Tensor(self.image[None]), Tensor(self.kernels), None, self.params["stride"], self.params["padding"])
        return y.data[0]

    def status(self) -> Status:
        if self.last is None:
            return Status("info", _("Press {step} to place the kernel on the first window, {finish} to fill the whole map."))
        if self.finished:
            return Status("success", ngettext("Feature map complete: {size} per kernel, {count} kernel(s).",
                                              "Feature maps complete: {size} per kernel, {count} kernel(s).",
                                              len(self.kernels)).format(
                size=f"{self.output.shape[1]}×{self.output.shape[2]}", count=len(self.kernels)))
        c, k = self.last, self.params["kernel_size"]
        return Status("info", _("Window at rows {top}–{bottom}, columns {left}–{right} of the padded input: "
                                "sum of products = {value} → output[{row},{col}]").format(
            top=c.top, bottom=c.top + k - 1, left=c.left, right=c.left + k - 1, value=num(c.value), row=c.row, col=c.col))

    def snapshot(self) -> ConvolutionSnapshot:
        p = self.params
        return ConvolutionSnapshot(
            image=self.image.copy(), padded=self.padded, kernels=self.kernels.copy(), padding=p["padding"],
            stride=p["stride"], output=self.output.copy(), last=self.last, editing=self.editing,
            size_formula=output_size_text(self.image.shape[-1], p["kernel_size"], p["stride"], p["padding"]),
            dice=dice(p["dice_total"]), status=self.status(),
        )


CELL_PROMPT = N_("The input (padding {p}, stride {s}) on the left, the kernel on the right:\n\n```\n{grids}\n```\n\n"
                 "What is output[{i},{j}], rows and columns counted from 0? (No flip: the kernel is laid on the window "
                 "as written.)")
SIZE_PROMPT = N_("A {w}×{w} input, a {k}×{k} kernel, padding {p}, stride {s}. How wide is the output?")


def grid(a: np.ndarray) -> str:
    return "\n".join("  " + " ".join(f"{num(v):>2}" for v in row) for row in a)


def beside(left: str, right: str) -> str:
    """Two grids side by side, tops aligned: a prompt's input and kernel fit an 80×24 screen together."""
    rows, more = left.splitlines(), right.splitlines()
    width = max(map(len, rows)) + 4
    return "\n".join(f"{a:<{width}}{b}".rstrip() for a, b in zip_longest(rows, more, fillvalue=""))


def cell_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A small input and kernel; one output cell, computed by the lab's own stepping.

    The cell asked has at least two non-zero products and a sum that is not 0 (a guess would pass); a draw
    with no such cell is redrawn whole."""
    while True:
        lab = ConvolutionLab(image="ramp", kernel_size=2 + int(rng.integers(2)), stride=int(rng.integers(1, 3)),
                             padding=int(rng.integers(0, 2)))
        lab.image = rng.integers(0, 4, (1, 5, 5)).astype(float)
        lab.kernels = rng.integers(-1, 2, lab.kernels.shape).astype(float)
        lab.restart()
        k, s = lab.params["kernel_size"], lab.params["stride"]
        products = sliding_window_view(lab.padded[0], (k, k))[::s, ::s] * lab.kernels[0, 0]  # every cell's at once
        asked = np.argwhere((np.count_nonzero(products, axis=(2, 3)) >= 2) & (products.sum(axis=(2, 3)) != 0))
        if len(asked):
            break
    cell = lab.cell(0, *(int(i) for i in asked[rng.integers(len(asked))]))
    i, j = cell.row, cell.col
    worked = in_language(lang, N_("Padded input rows {top}–{bottom}, columns {left}–{right}:\n{window}\n"
                                  "Products with the kernel:\n{products}\nSum = {value}")).format(
        top=cell.top, bottom=cell.top + k - 1, left=cell.left, right=cell.left + k - 1, window=grid(cell.window[0]),
        products=grid(cell.products[0]), value=num(cell.value))
    prompt = in_language(lang, CELL_PROMPT).format(
        p=lab.params["padding"], s=lab.params["stride"], grids=beside(grid(lab.image[0]), grid(lab.kernels[0, 0])), i=i, j=j)
    return GeneratedQuestion(prompt, cell.value, worked)


def size_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """W, K, P, S drawn until they fit and the output is neither 1 wide nor as wide as the input (guesses that
    would pass); the output width by the formula."""
    while True:
        w, k, p, s = int(rng.integers(5, 33)), 1 + 2 * int(rng.integers(4)), int(rng.integers(0, 4)), int(rng.integers(1, 4))
        if size_problem(w, k, s, p) is None and out_size(w, k, s, p) not in (1, w):
            break
    prompt = in_language(lang, SIZE_PROMPT).format(w=w, k=k, p=p, s=s)
    return GeneratedQuestion(prompt, out_size(w, k, s, p), output_size_text(w, k, s, p))
