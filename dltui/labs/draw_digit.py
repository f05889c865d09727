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

from ..engine import Tensor, no_grad
from ..engine.data import load_digits, to_lenet
from .base import Action, Control, Lab, Status
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
    firing: dict[str, tuple[int, ...]]  # map indices, strongest first (by peak activation)
    weights: str  # which trained net is used
    status: Status

    @property
    def prediction(self) -> int:
        return int(self.probabilities.argmax())


class DrawDigitLab(Lab):
    controls = (Control("normalize", "Fit to canvas", "bool", True, help="Scale the drawing to fill the canvas first"),)
    actions = (Action("clear", "c", "Clear the canvas"), Action("example", "n", "Load the next test digit"))

    def build(self) -> None:
        if not hasattr(self, "net"):
            self.net, self.weights = trained_lenet()
            self.canvas = np.zeros((SIZE, SIZE), dtype=bool)
            self.next_example = 0

    def set_cell(self, row: int, col: int, on: bool = True) -> DrawSnapshot:
        self.canvas[row, col] = on
        return self.snapshot()

    def toggle_cell(self, row: int, col: int) -> DrawSnapshot:
        return self.set_cell(row, col, not self.canvas[row, col])

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
        logits = out["logits"].data[0]
        probabilities = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        maps = {name: out[name].data[0].copy() for name in ("C1", "C3")}
        firing = {name: tuple(int(i) for i in np.argsort(-m.max(axis=(1, 2)), kind="stable")) for name, m in maps.items()}
        if not self.canvas.any():
            status = Status("info", "Paint a digit: move with the arrow keys, Space paints, c clears, n loads a test digit.")
        else:
            guess = int(probabilities.argmax())
            status = Status("success" if probabilities[guess] >= 0.8 else "warning",
                            f"{self.weights.capitalize()} reads a {guess} ({probabilities[guess]:.0%} sure); "
                            f"C1 map {firing['C1'][0] + 1} and C3 map {firing['C3'][0] + 1} fire hardest.")
        return DrawSnapshot(self.canvas.copy(), seen, digit, x[0, 0], probabilities, maps, firing, self.weights, status)
