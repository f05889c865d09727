"""Self-attention with several heads, causal masking, and sinusoidal positional encoding.

Q, K and V are three learned projections of the *same* sequence; each head attends in its own
d_head-sized subspace and has its own map; the heads' outputs are concatenated and projected
back. Attention alone ignores order: permuting the input only permutes the output, and a word
that appears twice gets the same output twice. The lab shows both, then adds the sinusoidal
encoding of "Attention is all you need" and shows them break.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language, ngettext

from ..engine import Tensor, functional as F, manual_seed, nn, no_grad
from .attention import SENTENCES, Heatmap
from .base import Action, Control, GeneratedQuestion, Lab, Status, num

VOCABULARY = tuple(sorted({w for s in SENTENCES for w in s.split()}))
STAGES = (N_("tokens"), N_("positions"), N_("projections"), N_("heads"), N_("output"))
PE_POSITIONS = 64  # rows of the encoding table a view can plot


def sinusoidal_encoding(length: int, d_model: int) -> np.ndarray:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(same angle): each pair of
    dimensions is a clock at its own speed, so every position gets a distinct pattern, and
    PE[pos + k] is a fixed rotation of PE[pos] (relative offsets are linear to read off)."""
    angle = np.arange(length)[:, None] / 10000.0 ** (np.arange(0, d_model, 2) / d_model)
    pe = np.zeros((length, d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])
    return pe


def split_heads(x: Tensor, mha: nn.MultiheadAttention) -> tuple[Tensor, Tensor, Tensor]:
    """Q, K, V = x·W_Qᵀ + b_Q, … from the module's packed weights, cut into heads: (N, H, L, d_head)."""
    n, length, e = x.shape
    w, b = mha.in_proj_weight, mha.in_proj_bias
    return tuple(F.linear(x, w[j * e:(j + 1) * e], None if b is None else b[j * e:(j + 1) * e])
                 .reshape(n, length, mha.num_heads, e // mha.num_heads).transpose(1, 2) for j in range(3))


def self_attention(x: Tensor, mha: nn.MultiheadAttention, causal: bool = False) -> tuple[Tensor, np.ndarray]:
    """`mha(x, x, x)` for batch-first x (N, L, E), also returning each head's weights (N, H, L, L)
    where the module only returns their mean. Same parameters, same numbers."""
    n, length, e = x.shape
    y, attn = F.attention(*split_heads(x, mha), is_causal=causal)
    return mha.out_proj(y.transpose(1, 2).reshape(n, length, e)), attn


def word_vectors(seed: int, d_model: int) -> dict[str, np.ndarray]:
    """A fixed random embedding per word: the same word always gets the same vector."""
    rng = np.random.default_rng(seed)
    return {w: rng.normal(size=d_model) for w in VOCABULARY}


@dataclass(frozen=True)
class OrderCheck:
    """What attention without order information does: reversing the input only reverses the
    output (`reorders` true), and repeated words get identical outputs (`twin_gap` ≈ 0)."""

    reversed_output: np.ndarray  # the output for the reversed sentence, in its own order
    reorders: bool  # reversed_output equals the original output reversed
    max_diff: float  # the largest |difference| between the two
    twins: tuple[int, int] | None  # positions of a repeated word, if any
    twin_gap: float  # largest |difference| of the twins' output rows (nan without twins)


@dataclass(frozen=True)
class MultiheadSnapshot:
    tokens: tuple[str, ...]
    heads: int
    d_head: int
    causal: bool
    positional: bool
    embeddings: np.ndarray  # (L, E) word vectors
    pe: np.ndarray  # (L, E) the positional encoding added (zeros when off)
    inputs: np.ndarray  # embeddings + pe
    q: np.ndarray  # (H, L, d_head) per head
    k: np.ndarray
    v: np.ndarray
    weights: np.ndarray  # (H, L, L)
    output: np.ndarray  # (L, E)
    pe_table: np.ndarray  # (PE_POSITIONS, E), for plotting the curves
    order: OrderCheck
    stage: str
    status: Status

    @property
    def d_model(self) -> int:
        return self.heads * self.d_head

    @property
    def progress(self) -> tuple[int, int]:
        """Which stage this is, counting from 1, and how many there are."""
        return STAGES.index(self.stage) + 1, len(STAGES)

    def heatmaps(self) -> tuple[Heatmap, ...]:
        """Matrices revealed so far; per-head ones titled "head h"."""
        t, reached = self.tokens, STAGES.index(self.stage)
        dims = tuple(f"d{j}" for j in range(self.d_model))
        maps = [Heatmap(N_("X (embeddings)"), self.embeddings, t, dims)]
        if reached >= 1:
            maps.append(Heatmap("X + PE" if self.positional else N_("X (no PE)"), self.inputs, t, dims))
        sub = tuple(f"d{j}" for j in range(self.d_head))
        for h in range(self.heads if reached >= 2 else 0):
            maps += [Heatmap(f"head {h + 1} {name}", m[h], t, sub) for name, m in (("Q", self.q), ("K", self.k), ("V", self.v))]
        for h in range(self.heads if reached >= 3 else 0):
            maps.append(Heatmap(f"head {h + 1} weights", self.weights[h], t, t))
        if reached >= 4:
            maps.append(Heatmap(N_("output"), self.output, t, dims))
        return tuple(maps)


class MultiheadLab(Lab):
    controls = (
        Control("sentence", N_("Sentence"), "choice", SENTENCES[0], choices=SENTENCES),
        Control("heads", N_("Heads"), "int", 2, 1, 4, 1),
        Control("d_head", N_("Size per head"), "int", 4, 1, 8, 1, help="d_model = heads × d_head"),
        Control("causal", N_("Causal mask"), "bool", False, help=N_("A decoder's rule: no looking at later tokens")),
        Control("positional", N_("Positional encoding"), "bool", False, help=N_("Add sinusoidal PE to the embeddings")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1, help=N_("Word vectors and projection weights")),
    )
    actions = (Action("step", "s", N_("Step")), Action("reverse", "p", N_("Reverse")))
    run_action = "step"
    run_pace = 0.15  # a run here is a demonstration, watched step by step

    def build(self) -> None:
        p = self.params
        d_model = p["heads"] * p["d_head"]
        self.vectors = word_vectors(p["seed"], d_model)
        manual_seed(p["seed"])
        self.mha = nn.MultiheadAttention(d_model, p["heads"], batch_first=True)
        self.words = tuple(p["sentence"].split())
        self.position = 0
        self.pe_table = sinusoidal_encoding(PE_POSITIONS, d_model)

    @property
    def finished(self) -> bool:
        return self.position >= len(STAGES) - 1

    def step(self) -> None:
        self.position = min(self.position + 1, len(STAGES) - 1)

    def reverse(self) -> None:
        """Show the sentence in reverse order (again: back to normal)."""
        self.words = self.words[::-1]

    def forward(self, words: tuple[str, ...]) -> tuple[np.ndarray, ...]:
        """Embeddings, PE, inputs, per-head q/k/v, weights and output for one word order."""
        p = self.params
        length, e = len(words), p["heads"] * p["d_head"]
        embeddings = np.array([self.vectors[w] for w in words])
        pe = self.pe_table[:length] if p["positional"] else np.zeros((length, e))
        inputs = embeddings + pe
        with no_grad():
            x = Tensor(inputs[None])
            q, k, v = (t.data[0] for t in split_heads(x, self.mha))
            y, attn = self_attention(x, self.mha, p["causal"])
        return embeddings, pe, inputs, q, k, v, attn[0], y.data[0]

    def order_check(self, output: np.ndarray) -> OrderCheck:
        reversed_output = self.forward(self.words[::-1])[-1]
        diff = float(np.abs(reversed_output - output[::-1]).max())
        repeated = [(i, j) for i in range(len(self.words)) for j in range(i + 1, len(self.words)) if self.words[i] == self.words[j]]
        twins = repeated[0] if repeated else None
        gap = float(np.abs(output[twins[0]] - output[twins[1]]).max()) if twins else math.nan
        return OrderCheck(reversed_output, diff < 1e-9, diff, twins, gap)

    def status(self, stage: str, order: OrderCheck) -> Status:
        p = self.params
        if stage == "tokens":
            return Status("info", _("Each word becomes a vector; the same word always the same vector. Press {step}."))
        if stage == "positions":
            if p["positional"]:
                return Status("info", _("Sinusoidal PE added: position 0 gets sin 0 = 0 and cos 0 = 1 in alternate dimensions, "
                                        "later positions turn each pair like a clock hand."))
            return Status("info", _("No positional encoding: nothing in X says where a word stands."))
        if stage == "projections":
            return Status("info", ngettext("Q, K, V = X·W_Q, X·W_K, X·W_V, cut into {count} head of {d_head} dimensions.",
                                           "Q, K, V = X·W_Q, X·W_K, X·W_V, cut into {count} heads of {d_head} dimensions.",
                                           p["heads"]).format(count=p["heads"], d_head=p["d_head"]))
        if stage == "heads":
            return Status("info", _("Each head has its own map; each token sees itself and earlier tokens only (the upper "
                                    "triangle is 0).") if p["causal"] else
                          _("Each head has its own map; every token sees every token."))
        if order.reorders and not p["causal"]:
            if order.twins:
                i, j = order.twins
                return Status("warning", _("Without positions, reversing the sentence just reverses the output rows: attention "
                                           "sees a bag of words. Both {word} rows are identical (gap {gap}). Press {reverse} "
                                           "to try, turn on positional encoding to fix it.").format(
                    word=repr(self.words[i]), gap=f"{order.twin_gap:.2g}", reverse="{reverse}"))
            return Status("warning", _("Without positions, reversing the sentence just reverses the output rows: attention "
                                       "sees a bag of words. Press {reverse} to try, turn on positional encoding to fix it."))
        difference = f"{order.max_diff:.2f}"
        if p["causal"] and not p["positional"]:
            return Status("success", _("Reversed input gives different outputs (up to {difference} apart): the causal mask "
                                       "makes order matter.").format(difference=difference))
        return Status("success", _("Reversed input gives different outputs (up to {difference} apart): positional encoding "
                                   "makes order matter.").format(difference=difference))

    def snapshot(self) -> MultiheadSnapshot:
        p = self.params
        embeddings, pe, inputs, q, k, v, weights, output = self.forward(self.words)
        order = self.order_check(output)
        stage = STAGES[self.position]
        return MultiheadSnapshot(
            tokens=self.words, heads=p["heads"], d_head=p["d_head"], causal=p["causal"], positional=p["positional"],
            embeddings=embeddings, pe=pe, inputs=inputs, q=q, k=k, v=v, weights=weights, output=output,
            pe_table=self.pe_table, order=order, stage=stage, status=self.status(stage, order),
        )


ENCODING_PROMPT = N_("Sinusoidal positional encoding with d_model = {d}. What is PE[{pos}, {dim}] (position {pos}, "
                     "dimension {dim}, both counted from 0)? Angles are in radians; three decimals.")
ENCODING_WORKED = {"sin": N_("dimension {dim} is even, so it is sin, with 2i = {pair}:"),
                   "cos": N_("dimension {dim} is odd, so it is cos, with 2i = {pair}:")}


def encoding_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh position, dimension and width: one entry of the lab's `sinusoidal_encoding`.

    A draw is redrawn whole while the entry is within 0.01 of 0 or ±1: a slow dimension's cosine at an early
    position is 1.000, which a guess would pass."""
    while True:
        d = (4, 8, 16)[rng.integers(3)]
        pos, dim = int(rng.integers(1, 10)), int(rng.integers(min(d, 6)))
        value = float(sinusoidal_encoding(pos + 1, d)[pos, dim])
        if min(abs(abs(value) - guess) for guess in (0, 1)) >= 0.01:
            break
    pair = dim - dim % 2
    angle = pos / 10000.0 ** (pair / d)
    fn = "sin" if dim % 2 == 0 else "cos"
    worked = (in_language(lang, ENCODING_WORKED[fn]).format(dim=dim, pair=pair) + "\n"
              + in_language(lang, N_("angle = {calculation}")).format(
                  calculation=f"{pos} / 10000^({pair}/{d}) = {pos} / {10000.0 ** (pair / d):.4g} = {angle:.4f}")
              + f"\n{fn}({angle:.4f}) = {value:.4f}")
    prompt = in_language(lang, ENCODING_PROMPT).format(d=d, pos=pos, dim=dim)
    return GeneratedQuestion(prompt, round(value, 3), worked, tolerance=0.0015)


PARAMS_PROMPT = N_("How many learnable parameters (weights and biases) has a multi-head attention layer with "
                   "embed_dim = {e} and {h} heads, as in torch.nn.MultiheadAttention with bias?")
PARAMS_WORKED = N_("W_Q, W_K, W_V: 3 · {e}·{e} = {weights}, their biases 3 · {e} = {biases}\n"
                   "output projection: {e}·{e} + {e} = {output}\n"
                   "total 4·{e}² + 4·{e} = {total}. The {h} heads only split the {e} dimensions; they add no weights.")


@functools.cache
def _parameter_count(embed_dim: int, heads: int) -> int:
    """A real module's parameter count, built once per size (building one draws its initial weights)."""
    return sum(p.size for p in nn.MultiheadAttention(embed_dim, heads).parameters())


def params_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Fresh width and head count; the answer counts a real module's parameters (heads don't matter)."""
    h = (1, 2, 3, 4, 6, 8)[rng.integers(6)]
    e = h * (2, 3, 4, 5, 8, 16)[rng.integers(6)]
    count = _parameter_count(e, h)
    worked = in_language(lang, PARAMS_WORKED).format(e=e, h=h, weights=3 * e * e, biases=3 * e, output=e * e + e,
                                                     total=num(count))
    prompt = in_language(lang, PARAMS_PROMPT).format(e=e, h=h)
    return GeneratedQuestion(prompt, count, worked)
