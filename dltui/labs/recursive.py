"""Recursive neural networks: one composition layer applied up a parse tree, and data augmentation for images.

The task is arithmetic whose answer depends on the bracketing: a chain of subtractions mod k, such as 3−1−4−2, where
((3−1)−4)−2 and 3−(1−(4−2)) differ. Each number is a learned vector (an embedding); each inner node of the tree
composes its two children with the one shared layer p = tanh(W·[c₁; c₂] + b); a readout U·p + c scores the k
possible values at every node. Training draws random trees of 2 to 4 numbers, supervises every node's value, and
measures the root's accuracy on every tree of those sizes and on the trees of 5 numbers it never saw.

Backpropagation through structure is stepped node by node on the tree on screen: the gradient enters at the root and
splits at each node into its two children, and every inner node adds its own share to ∂L/∂W. The lab records those
shares by giving each node its own copy of W and b (and a zero added to each node's vector, whose gradient is the
gradient arriving there); their sum equals the gradient of one backward pass through the shared W.

The augmentation page shifts, rotates, adds noise to and mirrors an 8×8 digit (NumPy image operations, not model
maths), the transformations a CNN is trained on so it does not learn where a digit sits; mirroring is the one that
changes what some digits mean.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Union

import numpy as np

from ..engine import Tensor, manual_seed, nn, no_grad, optim
from ..engine import functional as F
from ..engine.data import load_digits
from ..i18n import N_, _, in_language
from .base import Action, Control, GeneratedQuestion, Lab, Status, factor, num

Tree = Union[int, tuple["Tree", "Tree"]]
"""A leaf is the index of its number in the expression; an inner node is (left, right)."""

EXPRESSIONS = ("4-2-1", "3-1-4-2", "2-4-1-3-2")
TRAIN_SIZES = (2, 3, 4)  # numbers per training tree
UNSEEN = 5  # the size of the trees measured but never trained on
UNSEEN_ROWS = 625  # choices of 5 numbers measured (the same for every run), each in all 14 bracketings
BATCH = 32
EVERY = 100  # steps between accuracy measurements (and the first step)
MINUS = "−"


@functools.cache
def bracketings(n: int, first: int = 0) -> tuple[Tree, ...]:
    """Every binary tree over the leaves first … first+n−1 in order, the usual left-to-right reading ((a−b)−c)−d first:
    the Catalan number C(n−1) of them."""
    if n == 1:
        return (first,)
    return tuple((left, right) for split in range(n - 1, 0, -1)
                 for left in bracketings(split, first) for right in bracketings(n - split, first + split))


def leaves(tree: Tree) -> int:
    return 1 if isinstance(tree, int) else leaves(tree[0]) + leaves(tree[1])


def written(tree: Tree, numbers: tuple[int, ...]) -> str:
    """The tree as a bracketed expression, ((3 − 1) − 4) − 2 with the outer brackets left off."""
    def inner(t: Tree) -> str:
        return str(numbers[t]) if isinstance(t, int) else f"({inner(t[0])} {MINUS} {inner(t[1])})"
    text = inner(tree)
    return text[1:-1] if text.startswith("(") else text


def value(tree: Tree, numbers, modulus: int):
    """The tree's value mod k (numbers may be arrays: one value per row)."""
    if isinstance(tree, int):
        return numbers[..., tree] if isinstance(numbers, np.ndarray) else numbers[tree]
    return (value(tree[0], numbers, modulus) - value(tree[1], numbers, modulus)) % modulus


class RecursiveNet(nn.Module):
    """Number vectors, one composition layer p = tanh(W·[c₁; c₂] + b), one readout of the value's k scores."""

    def __init__(self, modulus: int, dim: int) -> None:
        self.embedding = nn.Embedding(modulus, dim)
        self.compose = nn.Linear(2 * dim, dim)
        self.readout = nn.Linear(dim, modulus)

    def encode(self, tree: Tree, numbers: np.ndarray, modulus: int, out: list) -> tuple[Tensor, np.ndarray]:
        """The vectors of `tree` for a batch of number rows (B, n), bottom-up; every node's (scores, value) is
        appended to `out` in post-order."""
        if isinstance(tree, int):
            vector, target = self.embedding(numbers[:, tree]), numbers[:, tree]
        else:
            (left, a), (right, b) = (self.encode(child, numbers, modulus, out) for child in tree)
            vector, target = F.tanh(self.compose(F.cat([left, right], dim=1))), (a - b) % modulus
        out.append((self.readout(vector), target))
        return vector, target


@dataclass(frozen=True)
class Node:
    """One node of the tree on screen, in post-order: what it is, its vector and value, and its backward step."""

    depth: int
    number: int | None  # a leaf's number; None for an inner node
    left: int | None  # indices into the node list
    right: int | None
    text: str  # the subexpression
    value: int  # its value mod k
    predicted: int  # the readout's choice
    confidence: float  # the readout's probability of its choice
    vector: np.ndarray  # p, (dim,)
    grad: np.ndarray  # ∂L/∂p, the gradient that arrives at the node
    share: np.ndarray | None  # the node's share of ∂L/∂W (inner nodes)


@dataclass(frozen=True)
class Trace:
    """Forward and backward of the tree on screen, loss at the root's value."""

    nodes: tuple[Node, ...]
    order: tuple[int, ...]  # the backward order: root first, each node before its children
    loss: float
    total: np.ndarray  # ∂L/∂W from one backward pass through the shared W
    weight: np.ndarray  # W now


@dataclass(frozen=True)
class Measurement:
    step: int
    seen: float  # root accuracy over every tree of 2–4 numbers
    unseen: float  # over every tree of 5 numbers


@dataclass(frozen=True)
class Augmented:
    label: int  # the digit
    images: tuple[tuple[str, np.ndarray], ...]  # (what was done, 8×8 in 0–16)


@dataclass(frozen=True)
class RecursiveSnapshot:
    numbers: tuple[int, ...]
    modulus: int
    bracket: int  # which of the bracketings, from 0
    brackets: int  # how many there are
    written: str
    trace: Trace
    revealed: int  # nodes the backward pass has reached
    shared_sum: np.ndarray  # the revealed shares of ∂L/∂W added up
    step: int
    steps: int
    losses: tuple[float, ...]
    measurements: tuple[Measurement, ...]
    augmented: Augmented
    diverged: bool
    status: Status


# ---------------------------------------------------------------------------------------------- augmentation
def shift(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """The image moved dy rows down and dx columns right; what moves in is blank."""
    out = np.zeros_like(image)
    h, w = image.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = image[max(-dy, 0):h - max(dy, 0),
                                                                       max(-dx, 0):w - max(dx, 0)]
    return out


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """The image turned counter-clockwise about its centre as drawn (row 0 on top: 90° is np.rot90), each pixel
    read back bilinearly (blank outside)."""
    h, w = image.shape
    angle = np.radians(degrees)
    rows, cols = np.mgrid[0:h, 0:w].astype(float)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    y = cy + (rows - cy) * np.cos(angle) + (cols - cx) * np.sin(angle)  # where each output pixel comes from
    x = cx - (rows - cy) * np.sin(angle) + (cols - cx) * np.cos(angle)
    padded = np.pad(image, 1)
    y0, x0 = np.floor(y).astype(int), np.floor(x).astype(int)
    fy, fx = y - y0, x - x0
    inside = (y0 >= -1) & (y0 < h) & (x0 >= -1) & (x0 < w)
    y0, x0 = np.clip(y0, -1, h - 1) + 1, np.clip(x0, -1, w - 1) + 1
    read = (padded[y0, x0] * (1 - fy) * (1 - fx) + padded[y0 + 1, x0] * fy * (1 - fx)
            + padded[y0, x0 + 1] * (1 - fy) * fx + padded[y0 + 1, x0 + 1] * fy * fx)
    return np.where(inside, read, 0.0)


def augment(image: np.ndarray, label: int, rng: np.random.Generator) -> Augmented:
    """The digit, and new random draws of a shift, a rotation, noise, all three, and the mirror image."""
    dy, dx = [(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1) if a or b][rng.integers(8)]
    degrees = float(rng.choice((-1, 1)) * rng.uniform(10, 25))
    noisy = np.clip(image + rng.normal(0, 3, image.shape), 0, 16)
    both = np.clip(rotate(shift(image, dy, dx), degrees) + rng.normal(0, 3, image.shape), 0, 16)
    signed = {"dy": f"{dy:+d}".replace("-", MINUS), "dx": f"{dx:+d}".replace("-", MINUS),
              "degrees": f"{degrees:+.0f}".replace("-", MINUS)}
    return Augmented(label, ((_("original"), image), (_("shift {dy},{dx}").format(**signed), shift(image, dy, dx)),
                             (_("rotate {degrees}°").format(**signed), rotate(image, degrees)),
                             (_("noise σ 3"), noisy), (_("all three"), both), (_("mirror"), image[:, ::-1].copy())))


# ---------------------------------------------------------------------------------------------- the lab
class RecursiveLab(Lab):
    controls = (
        Control("numbers", N_("Numbers"), "choice", "3-1-4-2", choices=EXPRESSIONS, restarts=False,
                help=N_("The chain of subtractions on screen; 5 numbers is a size the net never trains on")),
        Control("modulus", N_("Modulus k"), "int", 5, 3, 7, 1, help=N_("Values are taken mod k")),
        Control("dim", N_("Vector size"), "int", 16, 4, 16, 4, help=N_("Length of every node's vector p")),
        Control("lr", N_("Learning rate"), "float", 0.02, 0.001, 0.1, 0.001, help="Adam"),
        Control("steps", N_("Steps"), "int", 800, 100, 5000, 100),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
    )
    actions = (
        Action("step", "s", N_("Batch")),
        Action("train", "e", N_("All steps"), background=True),
        Action("bracket", "b", N_("Bracketing")),
        Action("node", "n", N_("Backward step")),
        Action("new_digit", "a", N_("Augment"), fresh=True),
    )
    run_action = "step"

    def build(self) -> None:
        p = self.params
        manual_seed(p["seed"])
        self.net = RecursiveNet(p["modulus"], p["dim"])
        self.optimizer = optim.Adam(self.net.parameters(), lr=p["lr"])
        self.rng = np.random.default_rng(p["seed"])
        self.count, self.losses, self.measurements = 0, [], []
        self.bracket_index, self.revealed, self.traced = 0, 0, None
        self.digits = np.random.default_rng([p["seed"], 1])
        self.new_digit()

    def refresh(self, changed: set[str]) -> None:
        self.bracket_index, self.revealed, self.traced = 0, 0, None

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(int(n) % self.params["modulus"] for n in self.params["numbers"].split("-"))

    @property
    def tree(self) -> Tree:
        return bracketings(len(self.numbers))[self.bracket_index]

    @property
    def finished(self) -> bool:
        return self.count >= self.params["steps"] or self.diverged

    # ------------------------------------------------------------------ training
    def step(self) -> None:
        """One Adam step on a batch of random trees of one random shape, every node's value supervised."""
        if self.finished:
            return
        k = self.params["modulus"]
        shapes = [t for n in TRAIN_SIZES for t in bracketings(n)]
        tree = shapes[self.rng.integers(len(shapes))]
        numbers = self.rng.integers(0, k, (BATCH, leaves(tree)))
        scored: list = []
        self.net.encode(tree, numbers, k, scored)
        loss = sum((F.cross_entropy(scores, target) for scores, target in scored), Tensor(0.0)) * (1 / len(scored))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.count += 1
        self.losses.append(loss.item())
        self.revealed, self.traced = 0, None
        if not self.watch(self.losses[-1], self.count, N_("step")) and (self.count == 1 or self.count % EVERY == 0
                                                                     or self.finished):
            self.measurements.append(Measurement(self.count, self.accuracy(TRAIN_SIZES), self.accuracy((UNSEEN,))))

    def train(self) -> None:
        while not self.finished and not self.interrupted():
            self.step()

    def accuracy(self, sizes: tuple[int, ...]) -> float:
        """The share of trees whose root value the readout gets right, in every bracketing: with every choice of
        numbers for the sizes trained on, with UNSEEN_ROWS random choices of 5 numbers."""
        k, right, total = self.params["modulus"], 0, 0
        with no_grad():
            for n in sizes:
                numbers = (np.random.default_rng(n).integers(0, k, (UNSEEN_ROWS, n)) if n == UNSEEN
                           else np.array(list(itertools.product(range(k), repeat=n))))
                for tree in bracketings(n):
                    scored: list = []
                    self.net.encode(tree, numbers, k, scored)
                    scores, target = scored[-1]
                    right += int((scores.data.argmax(1) == target).sum())
                    total += len(target)
        return right / total

    # ------------------------------------------------------------------ the tree on screen
    def bracket(self) -> None:
        self.bracket_index = (self.bracket_index + 1) % len(bracketings(len(self.numbers)))
        self.revealed, self.traced = 0, None

    def node(self) -> None:
        """The backward pass reaches one more node; after the last, it starts over."""
        self.revealed = self.revealed % len(self.tree_pass().nodes) + 1

    def tree_pass(self) -> Trace:
        if self.traced is None:
            self.traced = trace_tree(self.net, self.tree, self.numbers, self.params["modulus"])
        return self.traced

    # ------------------------------------------------------------------ augmentation
    def new_digit(self) -> None:
        digits = load_digits()
        i = int(self.digits.integers(len(digits.train_labels)))
        self.augmented = augment(digits.train_images[i], int(digits.train_labels[i]), self.digits)

    # ------------------------------------------------------------------ snapshot
    def status(self) -> Status:
        if self.diverged:
            return self.divergence.status(_("Lower the learning rate and reset ({reset})."))
        if not self.count:
            return Status("info", _("Press {step} for one batch of random trees, {run} to train; {bracket} changes "
                                    "the bracketing, {node} takes the backward pass one node further."))
        m = self.measurements[-1]
        text = _("Step {count}: root right on {seen} of all trees of 2–4 numbers, {unseen} of the 5-number trees it "
                 "never saw.").format(count=self.count, seen=f"{m.seen:.0%}", unseen=f"{m.unseen:.0%}")
        if self.finished:
            return Status("success" if m.seen > 0.95 else "info",  # {bracket} and {node} stay: the screen's keys
                          _("{status} Press {bracket} and {node} to follow the gradient down the tree.").format(
                              status=text, bracket="{bracket}", node="{node}"))
        return Status("info", text)

    def snapshot(self) -> RecursiveSnapshot:
        t = self.tree_pass()
        revealed = [t.nodes[i].share for i in t.order[:self.revealed] if t.nodes[i].share is not None]
        return RecursiveSnapshot(
            numbers=self.numbers, modulus=self.params["modulus"], bracket=self.bracket_index,
            brackets=len(bracketings(len(self.numbers))), written=written(self.tree, self.numbers), trace=t,
            revealed=self.revealed, shared_sum=sum(revealed, np.zeros_like(t.total)), step=self.count,
            steps=self.params["steps"], losses=tuple(self.losses), measurements=tuple(self.measurements),
            augmented=self.augmented, diverged=self.diverged, status=self.status())


def trace_tree(net: RecursiveNet, tree: Tree, numbers: tuple[int, ...], modulus: int) -> Trace:
    """The tree's forward pass with each node given its own copy of W, b and a zero added to its vector, so one
    backward pass from the root's loss leaves each node's incoming gradient and its share of ∂L/∂W apart; then one
    pass through the shared W for the total."""
    weight, bias = net.compose.weight, net.compose.bias
    rows: list[dict] = []

    def forward(t: Tree, depth: int) -> tuple[int, Tensor]:
        probe = Tensor(np.zeros((1, weight.shape[0])), requires_grad=True)
        if isinstance(t, int):
            vector, own = net.embedding(np.array([numbers[t]])), None
            row = dict(depth=depth, number=numbers[t], left=None, right=None)
        else:
            (left, a), (right, b) = forward(t[0], depth + 1), forward(t[1], depth + 1)
            own = (Tensor(weight.data.copy(), requires_grad=True), Tensor(bias.data.copy(), requires_grad=True))
            vector = F.tanh(F.linear(F.cat([a, b], dim=1), *own))
            row = dict(depth=depth, number=None, left=left, right=right)
        vector = vector + probe
        with no_grad():
            probabilities = F.softmax(net.readout(vector), dim=1).data[0]
        rows.append(dict(row, text=written(t, numbers), value=int(value(t, numbers, modulus)),
                         predicted=int(probabilities.argmax()), confidence=float(probabilities.max()),
                         vector=vector.data[0].copy(), probe=probe, own=own))
        return len(rows) - 1, vector

    root, vector = forward(tree, 0)
    target = np.array([rows[root]["value"]])
    loss = F.cross_entropy(net.readout(vector), target)
    loss.backward()
    nodes = tuple(Node(r["depth"], r["number"], r["left"], r["right"], r["text"], r["value"], r["predicted"],
                       r["confidence"], r["vector"], r["probe"].grad[0].copy(),
                       None if r["own"] is None else r["own"][0].grad.copy()) for r in rows)
    for parameter in net.parameters():
        parameter.zero_grad()
    scored: list = []
    net.encode(tree, np.array([numbers]), modulus, scored)
    F.cross_entropy(scored[-1][0], target).backward()
    total = weight.grad.copy()
    for parameter in net.parameters():
        parameter.zero_grad()
    return Trace(nodes, tuple(range(len(nodes) - 1, -1, -1)), loss.item(), total, weight.data.copy())


# ---------------------------------------------------------------------------------------------- quiz questions
DENSE_PROMPT = N_("A DenseNet block has {layers} layers with growth rate k = {growth}; {k0} channels come in. Each "
                  "layer adds k new feature maps and concatenates them to everything before it. How many channels "
                  "leave the block?")


def dense_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Channels after a dense block, k₀ + L·k, by adding one layer's k at a time as the explorer's table does.
    A draw where a slip gives the same number (k₀ or L·k alone, one layer's k₀ + k, k₀·L, 2·k₀) is redrawn."""
    while True:
        k0, layers, growth = int(rng.choice((16, 24, 32, 48, 64, 96, 128, 256))), int(rng.integers(3, 13)), \
            int(rng.choice((8, 12, 16, 24, 32)))
        channels = k0
        for _ in range(layers):
            channels += growth
        if channels not in (k0 * layers, 2 * k0):
            break
    worked = f"k₀ + L·k = {k0} + {layers}·{growth} = {channels}"
    return GeneratedQuestion(in_language(lang, DENSE_PROMPT).format(layers=layers, growth=growth, k0=k0),
                             channels, worked)


SEPARABLE_PROMPT = N_("A depthwise separable convolution (as in MobileNet) takes {c} channels to {out}: a depthwise "
                      "{k}×{k} conv (one filter per channel), then a 1×1 conv. Without biases, how many parameters "
                      "does it have? (A full {k}×{k} conv would have {full}.)")
SEPARABLE_WORKED = N_("depthwise {c}·{k}·{k} = {depthwise}; 1×1 {c}·{out} = {pointwise}; together {total}")


def separable_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """C·k² (depthwise) + C·C' (1×1), each counted as the explorer counts its layers. Draws with C = C' are redrawn."""
    while True:  # C ≠ C', so filtering the output channels (C'·k²) is a slip with another answer
        c, out, k = int(rng.choice((16, 24, 32, 64, 96, 128))), int(rng.choice((24, 32, 48, 64, 160, 320))), \
            int(rng.choice((3, 5)))
        if c != out:
            break
    depthwise, pointwise = c * k * k, c * out
    worked = in_language(lang, SEPARABLE_WORKED).format(c=c, k=k, out=out, depthwise=f"{depthwise:,}",
                                                        pointwise=f"{pointwise:,}", total=f"{depthwise + pointwise:,}")
    prompt = in_language(lang, SEPARABLE_PROMPT).format(c=c, out=out, k=k, full=f"{c * out * k * k:,}")
    return GeneratedQuestion(prompt, depthwise + pointwise, worked)


COMPOSE_PROMPT = N_("A recursive net composes two children c₁ = {c1} and c₂ = {c2} with p = tanh(W·[c₁; c₂] + b), "
                    "W = {w} (rows), b = {b}. What is p's first entry? (2 decimals)")


def vector_text(values) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


def compose_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """One composition through the engine (linear, then tanh). A draw whose answer is near 0 or ±1, near the
    pre-activation itself, near what the children in the other order give, or near p's second entry, is redrawn."""
    halves = tuple(v / 2 for v in range(-4, 5) if v)
    while True:
        c1, c2 = rng.choice(halves, 2), rng.choice(halves, 2)
        w, b = rng.choice(halves, (2, 4)), rng.choice(halves, 2)
        p = F.tanh(F.linear(Tensor(np.concatenate([c1, c2])[None]), Tensor(w), Tensor(b))).data[0]
        swapped = np.tanh(w[0] @ np.concatenate([c2, c1]) + b[0])
        pre = float(w[0] @ np.concatenate([c1, c2]) + b[0])
        if 0.1 < abs(p[0]) < 0.95 and min(abs(p[0] - pre), abs(p[0] - swapped), abs(p[0] - p[1])) > 0.05:
            break
    terms = " + ".join(f"{factor(a)}·{factor(x)}" for a, x in zip(w[0], np.concatenate([c1, c2])))
    worked = f"W₁·[c₁; c₂] + b₁ = {terms} + {factor(b[0])} = {num(pre)}; tanh({num(pre)}) = {p[0]:.4f}"
    prompt = in_language(lang, COMPOSE_PROMPT).format(
        c1=vector_text(c1), c2=vector_text(c2), w="[" + ", ".join(vector_text(r) for r in w) + "]", b=vector_text(b))
    return GeneratedQuestion(prompt, float(p[0]), worked, tolerance=0.005)
