"""Draw a digit on a 16×16 canvas and watch a trained LeNet-5 classify it as you paint.

The canvas mimics how the UCI digits were made: their 32×32 bitmaps were cut into 4×4 blocks
and the set pixels counted (0–16). A canvas cell stands for a 2×2 patch of such a bitmap, so a
2×2 group of cells becomes one 8×8 pixel worth 4 per painted cell. The writers' digits were
size-normalized, so by default the drawing is scaled to fill the canvas before classifying:
a small digit in a corner would otherwise look like nothing the net has seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F, no_grad
from ..engine.data import load_digits, to_lenet
from .base import Action, Control, GeneratedQuestion, Lab, Status, num
from .lenet import trained_lenet

SIZE = 16


def normalize(canvas: np.ndarray) -> np.ndarray:
    """Scale the drawing's bounding box to fill the canvas (aspect kept, centred), nearest-neighbour."""
    rows, cols = np.nonzero(canvas)
    if rows.size == 0:
        return canvas.copy()
    box = canvas[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    scale = SIZE / max(box.shape)
    h, w = max(1, round(box.shape[0] * scale)), max(1, round(box.shape[1] * scale))
    resized = box[(np.arange(h) / scale).astype(int)[:, None], (np.arange(w) / scale).astype(int)[None, :]]
    out = np.zeros_like(canvas)
    top, left = (SIZE - h) // 2, (SIZE - w) // 2
    out[top : top + h, left : left + w] = resized
    return out


def to_digit(canvas: np.ndarray) -> np.ndarray:
    """16×16 cells → 8×8 counts 0–16, like the UCI images (each cell is worth 4 bitmap pixels)."""
    return 4.0 * canvas.reshape(8, 2, 8, 2).sum(axis=(1, 3))


def to_canvas(digit: np.ndarray) -> np.ndarray:
    """An 8×8 count image back onto cells: a pixel worth v lights round(v/4) of its 2×2 cells."""
    canvas = np.zeros((SIZE, SIZE), dtype=bool)
    order = [(0, 0), (1, 1), (0, 1), (1, 0)]  # diagonal first, so half-lit pixels look even
    for (r, c), v in np.ndenumerate(digit):
        for dr, dc in order[: int(round(v / 4))]:
            canvas[2 * r + dr, 2 * c + dc] = True
    return canvas


@dataclass(frozen=True)
class DrawSnapshot:
    canvas: np.ndarray  # (16, 16) bool, what the learner painted
    seen: np.ndarray  # (16, 16) bool, after normalizing
    digit: np.ndarray  # (8, 8) counts 0–16
    image: np.ndarray  # (32, 32), the net's input
    probabilities: np.ndarray  # (10,)
    maps: dict[str, np.ndarray]  # C1 (6, 28, 28), C3 (16, 10, 10)
    peaks: dict[str, np.ndarray]  # each map's peak activation
    firing: dict[str, tuple[int, ...]]  # map indices, strongest first (by peak activation)
    weights: str  # which trained net is used
    cursor: tuple[int, int]
    pen_down: bool
    status: Status

    @property
    def empty(self) -> bool:
        """Nothing is painted: the net's output is then its biases' opinion of a blank page, not a reading."""
        return not self.canvas.any()

    @property
    def prediction(self) -> int:
        return int(self.probabilities.argmax())


class DrawDigitLab(Lab):
    controls = (Control("normalize", N_("Fit to canvas"), "bool", True, help=N_("Scale the drawing to fill the canvas first")),)
    actions = (Action("up", "w", "↑"), Action("left", "a", "←"), Action("down", "s", "↓"),
               Action("right", "d", "→"), Action("pen", "space", N_("Pen")), Action("clear", "c", N_("Clear")),
               Action("example", "n", N_("Example")))  # letters, not arrows: arrows scroll whatever has focus

    def reset(self, **params) -> DrawSnapshot:
        if not params and hasattr(self, "canvas"):  # a plain reset clears the drawing
            self.canvas[:] = False
            self.pen_down = False
        return super().reset(**params)

    def build(self) -> None:
        if not hasattr(self, "net"):  # the canvas survives a settings change; only the net is costly to make
            self.net, self.weights = trained_lenet()
            self.canvas = np.zeros((SIZE, SIZE), dtype=bool)
            self.next_example = 0
            self.cursor = (SIZE // 2, SIZE // 2)
            self.pen_down = False

    def move(self, dr: int, dc: int) -> None:
        """Move the cursor; with the pen down, the cell it reaches is painted (a stroke)."""
        self.cursor = (min(max(self.cursor[0] + dr, 0), SIZE - 1), min(max(self.cursor[1] + dc, 0), SIZE - 1))
        if self.pen_down:
            self.canvas[self.cursor] = True

    def up(self) -> None:
        self.move(-1, 0)

    def down(self) -> None:
        self.move(1, 0)

    def left(self) -> None:
        self.move(0, -1)

    def right(self) -> None:
        self.move(0, 1)

    def pen(self) -> None:
        """Lower the pen (painting the cell under it) or lift it."""
        self.pen_down = not self.pen_down
        if self.pen_down:
            self.canvas[self.cursor] = True

    def set_cell(self, row: int, col: int, on: bool = True) -> DrawSnapshot:
        self.canvas[row, col] = on
        return self.snapshot()

    def clear(self) -> None:
        self.canvas[:] = False

    def example(self) -> None:
        """Paint the next held-out test digit, to see what the net was trained on."""
        digits = load_digits()
        self.canvas = to_canvas(digits.test_images[self.next_example % len(digits.test_labels)])
        self.next_example += 1

    def snapshot(self) -> DrawSnapshot:
        seen = normalize(self.canvas) if self.params["normalize"] else self.canvas.copy()
        digit = to_digit(seen)
        x = to_lenet(digit[None])
        with no_grad():
            out = self.net.features(Tensor(x))
            probabilities = F.softmax(out["logits"], dim=1).data[0]
        maps = {name: out[name].data[0].copy() for name in ("C1", "C3")}
        peaks = {name: m.max(axis=(1, 2)) for name, m in maps.items()}
        firing = {name: tuple(int(i) for i in np.argsort(-peak, kind="stable")) for name, peak in peaks.items()}
        if not self.canvas.any():
            status = Status("info", _("Nothing drawn yet, so nothing to read. {pen} lowers the pen, {up} {left} {down} "
                                      "{right} draw, {pen} again lifts it; {clear} clears, {example} loads a test digit."))
        else:
            guess = int(probabilities.argmax())
            net = _(self.weights)  # "the shipped LeNet" or "your saved LeNet", marked in labs/lenet.py
            status = Status("success" if probabilities[guess] >= 0.8 else "warning",
                            _("{net} reads a {digit} ({percent} sure); C1 map {c1} and C3 map {c3} fire hardest.").format(
                                net=net[0].upper() + net[1:], digit=guess, percent=f"{probabilities[guess]:.0%}",
                                c1=firing["C1"][0] + 1, c3=firing["C3"][0] + 1))
        return DrawSnapshot(self.canvas.copy(), seen, digit, x[0, 0], probabilities, maps, peaks, firing, self.weights,
                            self.cursor, self.pen_down, status)


PIXEL_PROMPT = N_("A 2×2 group of canvas cells (■ painted, · blank):\n\n```\n{cells}\n```\n\nWhat value does the 8×8 "
                  "pixel it becomes get (0–16), and what is that as LeNet's input (÷ 16)? Answer the input value.")


def pixel_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """A random 2×2 group of cells: the LeNet input value the lab's own conversion gives it.

    One to three of the four cells are painted: none or all would give 0 or 1, which a guess would pass."""
    group = np.zeros(4, dtype=bool)
    group[rng.permutation(4)[: rng.integers(1, 4)]] = True
    group = group.reshape(2, 2)
    canvas = np.zeros((SIZE, SIZE), dtype=bool)
    canvas[:2, :2] = group
    value = to_digit(canvas)[0, 0]
    answer = float(to_lenet(to_digit(canvas)[None])[0, 0, 4, 4])  # the pixel's top-left copy after the margin
    cells = "\n".join("  " + " ".join("■" if c else "·" for c in row) for row in group)
    worked = in_language(lang, N_("{count} painted cells × 4 = {value} on the 0–16 scale; {value}/16 = {answer}")).format(
        count=int(group.sum()), value=num(value), answer=num(answer))
    return GeneratedQuestion(in_language(lang, PIXEL_PROMPT).format(cells=cells), answer, worked, tolerance=0.001)
