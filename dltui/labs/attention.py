"""Scaled dot-product attention, one equation at a time: A = softmax(Q·Kᵀ/√d_k + mask), Y = A·V.

The lab holds small Q, K and V matrices for a labelled sentence and reveals the computation in
stages (scores, scaling, mask, softmax one query row at a time, the weighted sum of V), so every
intermediate matrix can be drawn as a heatmap with tokens on its axes. The learner can edit a
query vector and watch its row of weights move. The stepped result is computed here with plain
NumPy, and the tests hold it equal to the engine's fused `F.scaled_dot_product_attention`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import numpy as np

from dltui.i18n import N_, _, in_language, ngettext

from .base import Action, Control, ControlError, GeneratedQuestion, Lab, Status, factor, num

SENTENCES = ("the cat sat on the mat", "time flies like an arrow", "I saw her duck")
PAD = "<pad>"
D_V = 4
SHARPNESS_DK = (1, 4, 16, 64, 256)
STAGES = (N_("inputs"), N_("scores"), N_("scale"), N_("mask"), "softmax", N_("output"))
FORMULAS = {
    "inputs": N_("Q (queries), K (keys), V (values): one row per token"),
    "scores": N_("S = Q·Kᵀ   (row i: how well query i matches every key)"),
    "scale": N_("S / √d_k   (keeps the scores' spread near 1 whatever d_k is)"),
    "mask": N_("S + M,  M = 0 where a query may look, −∞ where it may not"),
    "softmax": N_("A[i] = softmax(row i): exp, then divide by the row's sum"),
    "output": N_("Y = A·V   (row i: the values mixed by query i's weights)"),
}


class Heatmap(NamedTuple):
    """One matrix to draw, with what its rows and columns are (tokens, dimensions, heads); a plain
    tuple, so it unpacks into whatever draws it."""

    title: str
    values: np.ndarray
    rows: tuple[str, ...]
    cols: tuple[str, ...]


def allowed_positions(mask: str, tokens: tuple[str, ...]) -> np.ndarray:
    """True where query i may attend to key j (PyTorch's boolean convention for F.sdpa)."""
    n = len(tokens)
    if mask == "causal":
        return np.tril(np.ones((n, n), dtype=bool))
    keys = np.array([t != PAD for t in tokens])
    return np.broadcast_to(keys, (n, n)).copy() if mask == "padding" else np.ones((n, n), dtype=bool)


def token_vectors(rng: np.random.Generator, n: int, d_k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Q, K and V rows for `n` tokens, N(0, 1) to one decimal so they read in a heatmap."""
    return (rng.normal(size=(n, d_k)).round(1), rng.normal(size=(n, d_k)).round(1), rng.normal(size=(n, D_V)).round(1))


def softmax_rows(x: np.ndarray) -> np.ndarray:
    """Softmax of each row, max subtracted first (exp(−∞) is exactly 0, so blocked keys get 0)."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Sharpness:
    """How peaked softmax gets at one d_k, averaged over random N(0, 1) queries and keys."""

    d_k: int
    spread_scaled: float  # std of the scores with 1/√d_k
    spread_raw: float  # and without
    peak_scaled: float  # mean of each row's largest weight
    peak_raw: float


@cache
def sharpness_table(seed: int = 0, length: int = 6, samples: int = 200) -> tuple[Sharpness, ...]:
    """Why the 1/√d_k: a dot of d_k unit-variance terms has std √d_k, and softmax of such
    spread-out scores is nearly one-hot (its gradients nearly zero). Scaling keeps std ≈ 1."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in SHARPNESS_DK:
        q, k = rng.normal(size=(samples, length, d)), rng.normal(size=(samples, length, d))
        raw = q @ np.swapaxes(k, -1, -2)
        scaled = raw / math.sqrt(d)
        rows.append(Sharpness(d, float(scaled.std()), float(raw.std()),
                              float(softmax_rows(scaled).max(-1).mean()), float(softmax_rows(raw).max(-1).mean())))
    return tuple(rows)


@dataclass(frozen=True)
class AttentionSnapshot:
    tokens: tuple[str, ...]
    d_k: int
    scale: float  # 1/√d_k, or 1 with scaling off
    mask: str
    q: np.ndarray  # (L, d_k)
    k: np.ndarray  # (L, d_k)
    v: np.ndarray  # (L, d_v)
    scores: np.ndarray  # Q·Kᵀ
    scaled: np.ndarray  # scores · scale
    masked: np.ndarray  # scaled + (0 or −∞)
    allowed: np.ndarray  # bool (L, L)
    weights: np.ndarray  # softmax rows done so far; NaN in rows not yet computed
    output: np.ndarray | None  # A·V once the last stage is reached
    stage: str
    rows_done: int  # softmax rows computed
    formula: str
    focus: int  # the query row being edited and highlighted
    column: int  # and the entry of it that + and − change
    sharpness: tuple[Sharpness, ...]
    status: Status

    @property
    def dims(self) -> tuple[str, ...]:
        return tuple(f"d{j}" for j in range(self.d_k))

    @property
    def peak(self) -> np.ndarray:
        """Each computed row's largest weight (1/L is uniform, 1 is one-hot)."""
        peak = np.full(len(self.tokens), np.nan)
        peak[: self.rows_done] = self.weights[: self.rows_done].max(axis=1)
        return peak

    def heatmaps(self) -> tuple[Heatmap, ...]:
        """The matrices revealed so far, in the order they were computed."""
        t, reached = self.tokens, STAGES.index(self.stage)
        maps = [Heatmap("Q", self.q, t, self.dims), Heatmap("K", self.k, t, self.dims),
                Heatmap("V", self.v, t, tuple(f"v{j}" for j in range(self.v.shape[1])))]
        for stage, title, values in (("scores", "Q·Kᵀ", self.scores), ("scale", f"Q·Kᵀ·{self.scale:.3g}", self.scaled),
                                     ("mask", N_("+ mask"), self.masked), ("softmax", "A = softmax", self.weights)):
            if reached >= STAGES.index(stage):
                maps.append(Heatmap(title, values, t, t))
        if self.output is not None:
            maps.append(Heatmap("Y = A·V", self.output, t, maps[2].cols))
        return tuple(maps)


class AttentionLab(Lab):
    controls = (
        Control("sentence", N_("Sentence"), "choice", SENTENCES[0], choices=SENTENCES),
        Control("d_k", N_("Key size d_k"), "int", 4, 1, 256, 1, help=N_("Length of each query and key vector")),
        Control("scaled", N_("Scale by 1/√d_k"), "bool", True, help=N_("Turn off and raise d_k: softmax turns one-hot")),
        Control("mask", N_("Mask"), "choice", "none", choices=(N_("none"), N_("causal"), N_("padding")),
                help=N_("causal: no looking ahead; padding: two <pad> tokens nobody attends to"), words=True),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1, help=N_("Draws Q, K and V")),
    )
    actions = (Action("step", "s", N_("Step")), Action("focus_next", "f", N_("Row")),
               Action("column_next", "c", N_("Col")), Action("raise_entry", "plus", "+0.5"), Action("lower_entry", "minus", "−0.5"))
    run_action = "step"
    run_pace = 0.15  # a run here is a demonstration, watched step by step

    def build(self) -> None:
        """Q, K and V for the words, then for the two `<pad>`s from a generator of their own: the words' vectors are
        the same under every mask, so comparing masks compares only the masks."""
        p = self.params
        words = tuple(p["sentence"].split())
        pads = (PAD, PAD) if p["mask"] == "padding" else ()
        self.tokens = words + pads
        self.q, self.k, self.v = (np.concatenate(pair) for pair in zip(
            token_vectors(np.random.default_rng(p["seed"]), len(words), p["d_k"]),
            token_vectors(np.random.default_rng([p["seed"], 1]), len(pads), p["d_k"])))
        self.allowed = allowed_positions(p["mask"], self.tokens)
        self.position = 0  # stages passed: 0 inputs … 3 mask, then one per softmax row, then output
        self.focus, self.column = 0, 0
        self.sharpness = sharpness_table()

    @property
    def scale(self) -> float:
        return 1.0 / math.sqrt(self.params["d_k"]) if self.params["scaled"] else 1.0

    @property
    def last_position(self) -> int:
        return 4 + len(self.tokens)

    @property
    def finished(self) -> bool:
        return self.position >= self.last_position

    def step(self) -> None:
        self.position = min(self.position + 1, self.last_position)

    def focus_next(self) -> None:
        self.focus = (self.focus + 1) % len(self.tokens)

    def column_next(self) -> None:
        self.column = (self.column + 1) % self.params["d_k"]

    def raise_entry(self) -> None:
        self.nudge_query(self.focus, self.column, 0.5)

    def lower_entry(self) -> None:
        self.nudge_query(self.focus, self.column, -0.5)

    def set_query(self, row: int, col: int, value: float) -> AttentionSnapshot:
        """Set Q[row, col] (the learner's edit); everything downstream follows at once."""
        if not (0 <= row < len(self.tokens) and 0 <= col < self.params["d_k"]):
            raise ControlError(_("Q has {rows} rows and {cols} columns; no entry [{row}, {col}]").format(
                rows=len(self.tokens), cols=self.params["d_k"], row=row, col=col))
        if not math.isfinite(value):
            raise ControlError(_("Q[{row}, {col}]: {value} is not a finite number").format(row=row, col=col, value=repr(value)))
        self.q = self.q.copy()
        self.q[row, col] = value
        self.focus, self.column = row, col
        return self.snapshot()

    def nudge_query(self, row: int, col: int, delta: float) -> AttentionSnapshot:
        return self.set_query(row, col, round(float(self.q[row, col]) + delta, 10))

    def compute(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every stage in full: scores, scaled, masked, weights, output."""
        scores = self.q @ self.k.T
        scaled = scores * self.scale
        masked = scaled + np.where(self.allowed, 0.0, -np.inf)
        weights = softmax_rows(masked)
        return scores, scaled, masked, weights, weights @ self.v

    def stage(self) -> tuple[str, int]:
        """The stage reached and how many softmax rows are done."""
        n = len(self.tokens)
        if self.position < 4:
            return STAGES[self.position], 0
        if self.position < 4 + n:
            return "softmax", self.position - 3
        return "output", n

    def status(self, stage: str, rows: int, scores: np.ndarray, scaled: np.ndarray, weights: np.ndarray) -> Status:
        t, d = self.tokens, self.params["d_k"]
        if stage == "inputs":
            return Status("info", _("Press {step} to compute the scores Q·Kᵀ. {focus_next} and {column_next} pick an entry "
                                    "of Q, {raise_entry} and {lower_entry} change it."))
        if stage in ("scores", "scale"):
            spread = f"{float((scaled if stage == 'scale' else scores).std()):.2f}"
            if stage == "scale" and not self.params["scaled"]:
                return Status("info", _("Scores spread (std) {spread}. Scaling is off: with d_k = {d_k} the spread stays "
                                        "near √d_k ≈ {root}.").format(spread=spread, d_k=d, root=f"{math.sqrt(d):.1f}"))
            return Status("info", _("Scores spread (std) {spread}.").format(spread=spread))
        if stage == "mask":
            blocked = int((~self.allowed).sum())
            return Status("info", ngettext("{count} score set to −∞: softmax will give them weight exactly 0.",
                                           "{count} scores set to −∞: softmax will give them weight exactly 0.",
                                           blocked).format(count=blocked)
                          if blocked else _("No mask: every query may look at every key."))
        if stage == "softmax":
            i = rows - 1
            j = int(np.argmax(weights[i]))
            return Status("info", _("Row {row} ({token}): the largest weight {weight} goes to {key}; the row sums to 1.").format(
                row=i + 1, token=repr(t[i]), weight=f"{weights[i, j]:.2f}", key=repr(t[j])))
        peak = f"{float(weights.max(axis=1).mean()):.2f}"
        if not self.params["scaled"] and d >= 16:
            return Status("warning", _("Softmax has saturated: rows put {peak} on one key on average, because unscaled "
                                       "scores spread like √d_k = {root}. Its gradients are nearly zero. Turn scaling on.").format(
                peak=peak, root=f"{math.sqrt(d):.1f}"))
        return Status("success", _("Y = A·V: each output row is a weighted average of V's rows (mean peak weight {peak}).").format(
            peak=peak))

    def snapshot(self) -> AttentionSnapshot:
        scores, scaled, masked, weights, output = self.compute()
        stage, rows = self.stage()
        shown = weights.copy()
        shown[rows:] = np.nan
        return AttentionSnapshot(
            tokens=self.tokens, d_k=self.params["d_k"], scale=self.scale, mask=self.params["mask"],
            q=self.q.copy(), k=self.k, v=self.v, scores=scores, scaled=scaled, masked=masked, allowed=self.allowed,
            weights=shown, output=output if stage == "output" else None, stage=stage, rows_done=rows,
            formula=FORMULAS[stage], focus=self.focus, column=self.column, sharpness=self.sharpness,
            status=self.status(stage, rows, scores, scaled, weights),
        )


WEIGHT_PROMPT = N_("One query q = ({q}) and three keys k1 = ({k1}), k2 = ({k2}), k3 = ({k3}), so d_k = 4. "
                   "With scaled dot-product attention, what weight does q give to k{j}? (two decimals)")


def weight_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh q and K (d_k = 4, so √d_k = 2): one attention weight, computed by the lab's softmax.

    A draw whose weight would show as about 0, ⅓ (equal scores) or 1 is redrawn whole, q and K together: redrawing
    K alone never ended when q was all zeros."""
    values = np.array((-1.0, 0.0, 1.0, 2.0))
    while True:
        q, k, j = values[rng.integers(4, size=4)], values[rng.integers(4, size=(3, 4))], int(rng.integers(3))
        scores = k @ q
        weights = softmax_rows((scores / 2.0)[None])[0]
        if min(abs(weights[j] - guess) for guess in (0, 1 / 3, 1)) >= 0.02:
            break
    vec = lambda v: ", ".join(num(x) for x in v)  # noqa: E731
    exps = np.exp(scores / 2.0)
    worked = "\n".join([
        *(f"q·k{i + 1} = " + " + ".join(f"{factor(a)}·{factor(b)}" for a, b in zip(q, k[i])) + f" = {num(scores[i])}"
          for i in range(3)),
        in_language(lang, N_("divide by √d_k = 2: {scores}")).format(scores=", ".join(num(s / 2) for s in scores)),
        in_language(lang, N_("exp: {values}   (sum {sum})")).format(
            values=", ".join(f"{e:.3f}" for e in exps), sum=f"{exps.sum():.3f}"),
        in_language(lang, N_("weight of k{j} = {exp} / {sum} = {weight}")).format(
            j=j + 1, exp=f"{exps[j]:.3f}", sum=f"{exps.sum():.3f}", weight=f"{weights[j]:.3f}"),
    ])
    prompt = in_language(lang, WEIGHT_PROMPT).format(q=vec(q), k1=vec(k[0]), k2=vec(k[1]), k3=vec(k[2]), j=j + 1)
    return GeneratedQuestion(prompt, round(float(weights[j]), 2), worked, tolerance=0.006)


OUTPUT_PROMPT = N_("A query's attention weights over three tokens are ({a}). Their value vectors are v1 = ({v1}), "
                   "v2 = ({v2}), v3 = ({v3}). What is entry {c} of the attention output for this query?")


def output_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh weights and values: one entry of A·V, the weighted average of the value rows.

    A draw whose entry is 0, or what the values' plain mean gives without the weights, is redrawn whole."""
    rows = np.array(((0.5, 0.25, 0.25), (0.2, 0.3, 0.5), (0.1, 0.6, 0.3), (0.7, 0.2, 0.1), (0.0, 0.5, 0.5)))
    while True:
        a = rows[rng.integers(len(rows))][rng.permutation(3)]
        v = rng.integers(-2, 5, (3, 2)).astype(float)
        c = int(rng.integers(2))
        y = a @ v
        if abs(y[c]) > 0.01 and abs(y[c] - v[:, c].mean()) > 0.01:
            break
    worked = " + ".join(f"{num(a[i])}·{factor(v[i, c])}" for i in range(3)) + f" = {num(round(y[c], 10))}"
    vec = lambda x: ", ".join(num(e) for e in x)  # noqa: E731
    prompt = in_language(lang, OUTPUT_PROMPT).format(a=vec(a), v1=vec(v[0]), v2=vec(v[1]), v3=vec(v[2]), c=c + 1)
    return GeneratedQuestion(prompt, round(float(y[c]), 10), worked, tolerance=0.001)
