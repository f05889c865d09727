"""Word embeddings: word2vec's skip-gram and CBOW with negative sampling, trained on Shakespeare.

Every word of the vocabulary has two vectors: vᵢ when it is the input (the centre word of skip-gram, a context word
of CBOW) and uᵢ when it is the word to predict. An example is an input vector h (skip-gram: v_c; CBOW: the mean of
the context words' v) and the word o that really came with it; negative sampling turns "which of V words comes
next" into k + 1 yes/no questions, o against k noise words drawn from the unigram distribution raised to the ¾
power:  L = −log σ(u_o·h) − Σₖ log σ(−u_k·h). The engine computes it as binary cross-entropy with logits (labels
1, 0, …, 0) and back-propagates it into both embedding tables; Adam updates them a mini-batch at a time.

Before each epoch the text is subsampled (each occurrence of a word of frequency f kept with probability
min(1, √(t/f)), so "the" and "you" stop crowding every window), and the windows are cut from what is left,
never across two speeches. The lab writes out one example of every update (its vectors, scores, loss and
gradients), the nearest neighbours of a word by cosine similarity, an analogy a − b + c and a 2-D PCA of 30
frequent words before and after training. The corpus is about 43,000 words: enough for neighbours to begin to
mean something, too little for most analogies (word2vec was trained on billions).
"""

from __future__ import annotations

import functools
import gzip
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, functional as F, init, manual_seed, nn, no_grad, optim
from ..numbers import fixed
from .base import Action, Control, ControlError, GeneratedQuestion, Lab, Status, factor, num
from .char_lm import asset_path

CORPUS = "shakespeare.txt.gz"
SPEAKER = re.compile(r"[A-Za-z ]+:")  # a line naming who speaks: not part of the speech
WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")  # lower-case words, inner apostrophes kept (know't, we'll)
MODELS = ("skip-gram", "cbow")
NOISE_POWER = 0.75
BATCH = 512
NEIGHBOURS = 6
MAPPED = 30  # the most frequent words drawn by the PCA map
PROBES = ("king", "marcius", "father", "come", "good", "rome", "my", "speak")  # `w` cycles through these
ANALOGY = ("king", "man", "woman")


@functools.cache
def speeches() -> tuple[tuple[str, ...], ...]:
    """The corpus as speeches of lower-case words: a speaker's line starts a new speech and is left out."""
    with gzip.open(asset_path(CORPUS), "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    found, words = [], []
    for line in lines:
        if SPEAKER.fullmatch(line.strip()):
            if words:
                found.append(tuple(words))
            words = []
        else:
            words += WORD.findall(line.lower())
    if words:
        found.append(tuple(words))
    return tuple(found)


@dataclass(frozen=True)
class Corpus:
    """The words seen at least `min_count` times (most frequent first) and the text as their ids."""

    words: tuple[str, ...]
    counts: np.ndarray  # each word's count in the whole text
    ids: np.ndarray  # the text, words below min_count dropped
    speech: np.ndarray  # the speech each of `ids` belongs to

    @functools.cached_property
    def index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.words)}

    @property
    def total(self) -> int:
        return int(self.counts.sum())


@functools.lru_cache(maxsize=4)
def corpus(min_count: int) -> Corpus:
    counts = Counter(word for speech in speeches() for word in speech)
    words = tuple(word for word, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n >= min_count)
    index = {word: i for i, word in enumerate(words)}
    ids = [(index[word], n) for n, speech in enumerate(speeches()) for word in speech if word in index]
    ids, speech = np.array(ids).T
    return Corpus(words, np.array([counts[word] for word in words], dtype=float), ids, speech)


def keep_probability(counts: np.ndarray, t: float) -> np.ndarray:
    """Subsampling: a word of frequency f = count/total is kept with probability min(1, √(t/f)); t = 0 keeps all."""
    if t == 0:
        return np.ones(len(counts))
    return np.minimum(1.0, np.sqrt(t / (counts / counts.sum())))


def noise_distribution(counts: np.ndarray) -> np.ndarray:
    """P(w) ∝ count(w)^¾: the distribution negatives are drawn from (frequent words a little less likely than their
    share, rare words a little more)."""
    weights = counts ** NOISE_POWER
    return weights / weights.sum()


def examples(ids: np.ndarray, speech: np.ndarray, window: int, model: str) -> tuple[np.ndarray, np.ndarray]:
    """Every (inputs, output) of the text: skip-gram pairs each word with each word within `window` of it, inputs
    (n, 1); CBOW predicts each word from all of its context words, inputs (n, 2·window) padded with −1. Windows
    stop at the end of a speech."""
    n, offsets = len(ids), [d for d in range(-window, window + 1) if d]
    context = np.full((n, len(offsets)), -1)
    for col, d in enumerate(offsets):
        rows = np.arange(max(0, -d), n - max(0, d))
        same = speech[rows] == speech[rows + d]
        context[rows[same], col] = ids[rows[same] + d]
    if model == "cbow":
        has = (context >= 0).any(axis=1)
        return context[has], ids[has]
    centre, col = np.nonzero(context >= 0)
    return ids[centre][:, None], context[centre, col]


def draw_negatives(rng: np.random.Generator, noise: np.ndarray, outputs: np.ndarray, k: int) -> np.ndarray:
    """k noise words per example, (n, k), none of them the example's own output word (redrawn until so)."""
    cumulative = np.cumsum(noise)
    negatives = np.minimum(np.searchsorted(cumulative, rng.random((len(outputs), k))), len(noise) - 1)
    while (clash := negatives == outputs[:, None]).any():
        negatives[clash] = np.minimum(np.searchsorted(cumulative, rng.random(int(clash.sum()))), len(noise) - 1)
    return negatives


class Word2Vec(nn.Module):
    """Two tables of V×d: `inputs` holds each word's v, `outputs` its u (word2vec's syn0 and syn1neg). v starts
    uniform in ±0.5/d and u at 0, as in the original code: every score starts at 0, every σ at ½."""

    def __init__(self, vocabulary: int, dim: int) -> None:
        self.inputs = nn.Embedding(vocabulary, dim)
        self.outputs = nn.Embedding(vocabulary, dim)
        init.uniform_(self.inputs.weight, -0.5 / dim, 0.5 / dim)
        init.zeros_(self.outputs.weight)

    def forward(self, inputs: np.ndarray, targets: np.ndarray) -> tuple[Tensor, Tensor]:
        """Inputs (n, m) word ids (−1: none), targets (n, 1 + k): the true output word, then the noise words.
        Returns the scores u·h (n, 1 + k) and the mean loss over the examples."""
        present = (inputs >= 0).astype(float)
        vectors = self.inputs(np.maximum(inputs, 0)) * present[..., None]
        h = vectors.sum(1) / present.sum(1, keepdims=True)  # v_c, or the mean of the context words' v
        return negative_sampling(h, self.outputs(targets))


def negative_sampling(h: Tensor, u: Tensor) -> tuple[Tensor, Tensor]:
    """h (n, d), u (n, 1 + k, d): the scores u·h and the mean over examples of −log σ(u_o·h) − Σₖ log σ(−u_k·h),
    the engine's binary cross-entropy with logits (labels 1, 0, …, 0, averaged over all terms) times 1 + k."""
    n, d = h.shape
    scores = (u * h.reshape(n, 1, d)).sum(-1)
    labels = np.zeros(scores.shape)
    labels[:, 0] = 1.0
    return scores, F.binary_cross_entropy_with_logits(scores, labels) * scores.shape[1]


@dataclass(frozen=True)
class Example:
    """One training example of an update, written out: its words, vectors, scores, loss and gradients (its own
    loss's, computed on its own before the update; the update follows the mean over the whole mini-batch)."""

    inputs: tuple[str, ...]  # skip-gram: the centre word; CBOW: the context words
    output: str  # skip-gram: a context word; CBOW: the centre word
    negatives: tuple[str, ...]
    h: np.ndarray  # v_c, or the mean of the context words' v
    u: np.ndarray  # (1 + k, d): u_o, then each noise word's u_k
    scores: np.ndarray  # u·h
    probabilities: np.ndarray  # σ(u_o·h), then σ(−u_k·h): how sure the model is of each right answer
    terms: np.ndarray  # −log of each: the loss's 1 + k terms
    loss: float
    grad_h: np.ndarray  # ∂L/∂h (CBOW: each context word's v gets a 1/m share)
    grad_u: np.ndarray  # (1 + k, d)
    after: np.ndarray  # the scores once the mini-batch's update is made


def example_gradients(inputs: np.ndarray, u: np.ndarray) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """One example through the engine: its input words' v (m, d) and the output and noise words' u (1 + k, d).
    Returns the scores and the loss, then the leaves v and u holding their gradients."""
    v, u = Tensor(inputs, requires_grad=True), Tensor(u, requires_grad=True)
    scores, loss = negative_sampling(v.mean(0, keepdim=True), u.reshape(1, *u.shape))
    loss.backward()
    return scores, loss, v, u


@dataclass(frozen=True)
class Word2VecSnapshot:
    model: str
    dim: int
    window: int
    negatives: int
    words: int  # vocabulary size V
    tokens: int  # the text's words in the vocabulary
    kept: int  # of them, kept by this epoch's subsampling
    examples: int  # this epoch's examples (pairs, or CBOW windows)
    parameters: int
    epoch: int  # epochs begun
    epochs: int  # where a free run stops
    position: int  # examples done in this epoch
    batches: int
    losses: np.ndarray  # mean loss of each mini-batch
    last: Example | None
    query: str
    neighbours: tuple[tuple[str, float], ...]  # the query's nearest words, cosine similarity
    analogy: tuple[str, str, str]
    answers: tuple[tuple[str, float], ...]  # the words nearest a − b + c, a, b and c left out
    mapped: tuple[str, ...]
    map_before: np.ndarray  # (MAPPED, 2): the words' v projected on their first two principal components
    map_now: np.ndarray
    status: Status

    @property
    def diverged(self) -> bool:
        return self.status.kind == "error"


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def nearest(vectors: np.ndarray, target: np.ndarray, count: int, leave_out: set[int]) -> list[tuple[int, float]]:
    """The `count` rows most cosine-similar to `target`, rows in `leave_out` skipped."""
    cosines = unit_rows(vectors) @ (target / max(float(np.linalg.norm(target)), 1e-12))
    ranked = [int(i) for i in np.argsort(-cosines, kind="stable") if int(i) not in leave_out]
    return [(i, float(cosines[i])) for i in ranked[:count]]


def principal_map(vectors: np.ndarray) -> np.ndarray:
    """Rows projected on their first two principal components, each axis pointing so that the row farthest along
    it is positive (so the map does not flip from one update to the next)."""
    centred = vectors - vectors.mean(axis=0)
    _u, _s, axes = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ axes[:2].T
    far = np.abs(projected).argmax(axis=0)
    return projected * np.sign(projected[far, [0, 1]])


class Word2VecLab(Lab):
    controls = (
        Control("model", N_("Model"), "choice", "skip-gram", choices=MODELS,
                help=N_("skip-gram: the centre word predicts each context word · cbow: the context predicts the centre")),
        Control("dim", N_("Embedding dim d"), "int", 32, 4, 128, 4),
        Control("window", N_("Window"), "int", 2, 1, 5, 1, help=N_("Context words on each side")),
        Control("negatives", N_("Negatives k"), "int", 5, 1, 20, 1, help=N_("Noise words per example, P ∝ count^¾")),
        Control("min_count", N_("Min count"), "int", 5, 1, 50, 1, help=N_("Rarer words are dropped from the text")),
        Control("subsample", N_("Subsampling t"), "float", 0.001, 0.0, 0.01, 0.0005,
                help=N_("Keep a word of frequency f with probability √(t/f); 0: off")),
        Control("lr", N_("Learning rate"), "float", 0.01, 0.001, 0.1, 0.001, help="Adam"),
        Control("epochs", N_("Epochs"), "int", 5, 1, 50, 1, help=N_("A free run stops here")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
    )
    actions = (
        Action("step", "s", N_("Step")),
        Action("epoch", "e", N_("Epoch"), background=True),
        Action("probe", "w", N_("Next word")),
    )
    run_action = "step"

    def build(self) -> None:
        p = self.params
        self.corpus = corpus(p["min_count"])
        self.rng = np.random.default_rng(p["seed"])
        manual_seed(p["seed"])
        self.net = Word2Vec(len(self.corpus.words), p["dim"])
        self.optimizer = optim.Adam(self.net.parameters(), lr=p["lr"])
        self.keep = keep_probability(self.corpus.counts, p["subsample"])
        self.noise = noise_distribution(self.corpus.counts)
        self.before = self.net.inputs.weight.data.copy()
        self.epochs_begun, self.position, self.kept = 0, 0, 0
        self.losses: list[float] = []
        self.last: Example | None = None
        self.new_epoch()
        known = self.corpus.index  # a typed word and analogy stay across restarts while they are in the vocabulary
        if getattr(self, "query", None) not in known:
            self.query = next((word for word in PROBES if word in known), self.corpus.words[0])
        if not all(word in known for word in getattr(self, "analogy", ("",))):
            self.analogy = ANALOGY if all(word in known for word in ANALOGY) else self.corpus.words[:3]

    # ------------------------------------------------------------------ training
    def new_epoch(self) -> None:
        """Subsample the text afresh, cut its examples and shuffle them."""
        c = self.corpus
        kept = self.rng.random(len(c.ids)) < self.keep[c.ids]
        self.kept = int(kept.sum())
        inputs, outputs = examples(c.ids[kept], c.speech[kept], self.params["window"], self.params["model"])
        order = self.rng.permutation(len(outputs))
        self.inputs, self.outputs = inputs[order], outputs[order]
        self.epochs_begun += 1
        self.position = 0

    def step(self) -> None:
        """One mini-batch: its first example written out, then Adam's update from the batch's mean loss."""
        if self.position >= len(self.outputs):
            self.new_epoch()
        rows = slice(self.position, self.position + BATCH)
        inputs, outputs = self.inputs[rows], self.outputs[rows]
        negatives = draw_negatives(self.rng, self.noise, outputs, self.params["negatives"])
        targets = np.concatenate([outputs[:, None], negatives], axis=1)
        shown = self.example(inputs[0], targets[0])
        _scores, loss = self.net(inputs, targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.position += len(outputs)
        self.losses.append(loss.item())
        with no_grad():
            after, _loss = self.net(inputs[:1], targets[:1])
        self.last = Example(**shown, after=after.data[0])
        self.watch(self.losses[-1], len(self.losses), unit=N_("mini-batch"))

    def example(self, inputs: np.ndarray, targets: np.ndarray) -> dict:
        """One example's numbers before the update (all but `after`)."""
        words = self.corpus.words
        present = inputs[inputs >= 0]
        scores, loss, v, u = example_gradients(self.net.inputs.weight.data[present],
                                               self.net.outputs.weight.data[targets])
        signs = np.where(np.arange(len(targets)) == 0, 1.0, -1.0)
        with no_grad():
            probabilities = F.sigmoid(Tensor(signs * scores.data[0])).data
            terms = np.array([F.binary_cross_entropy_with_logits(Tensor(s), float(i == 0)).item()
                              for i, s in enumerate(scores.data[0])])
        return dict(inputs=tuple(words[i] for i in present), output=words[targets[0]],
                    negatives=tuple(words[i] for i in targets[1:]), h=v.data.mean(0), u=u.data,
                    scores=scores.data[0], probabilities=probabilities, terms=terms, loss=loss.item(),
                    grad_h=v.grad.sum(0), grad_u=u.grad)

    def epoch(self) -> None:
        """Train to the end of this epoch (or through a whole new one)."""
        self.step()
        while self.position < len(self.outputs) and not self.diverged and not self.interrupted():
            self.step()

    @property
    def finished(self) -> bool:
        return self.diverged or (self.epochs_begun >= self.params["epochs"] and self.position >= len(self.outputs))

    # ------------------------------------------------------------------ probes
    def probe(self) -> None:
        """The next of the lab's probe words."""
        probes = [word for word in PROBES if word in self.corpus.index]
        if probes:
            self.query = probes[(probes.index(self.query) + 1) % len(probes)] if self.query in probes else probes[0]

    def set_query(self, text: str) -> None:
        """One word: its nearest neighbours. Three ("a − b + c", or "a b c"): the analogy a − b + c."""
        words = WORD.findall(text.lower())
        if len(words) not in (1, 3):
            raise ControlError(_("type one word, or three for an analogy a − b + c, not {typed}").format(
                typed=repr(text.strip())))
        unknown = [word for word in words if word not in self.corpus.index]
        if unknown:
            raise ControlError(_("{words}: not among the {count} words seen at least {min_count} times").format(
                words=", ".join(unknown), count=f"{len(self.corpus.words):,}", min_count=self.params["min_count"]))
        if len(words) == 1:
            self.query = words[0]
        else:
            self.analogy = tuple(words)

    def neighbours(self, word: str) -> list[tuple[str, float]]:
        i = self.corpus.index[word]
        vectors = self.net.inputs.weight.data
        return [(self.corpus.words[j], c) for j, c in nearest(vectors, vectors[i], NEIGHBOURS, {i})]

    def analogy_answers(self) -> list[tuple[str, float]]:
        """The words nearest to v_a − v_b + v_c (unit vectors, as word2vec's own test), a, b and c left out."""
        a, b, c = (self.corpus.index[word] for word in self.analogy)
        unit = unit_rows(self.net.inputs.weight.data)
        found = nearest(unit, unit[a] - unit[b] + unit[c], 3, {a, b, c})
        return [(self.corpus.words[j], cosine) for j, cosine in found]

    # ------------------------------------------------------------------ what it shows
    def status(self) -> Status:
        if self.divergence:
            return self.divergence.status(_("A smaller learning rate will hold."))
        if not self.losses:
            return Status("info", _("Press {step} for one mini-batch of {count} examples, {epoch} for an epoch, {run} to "
                                    "train; {probe} shows the next word's neighbours.").format(
                count=BATCH, step="{step}", epoch="{epoch}", run="{run}", probe="{probe}"))
        done = _("Epoch {epoch}/{epochs}, mini-batch {batch}: loss {loss}").format(
            epoch=self.epochs_begun, epochs=self.params["epochs"], batch=len(self.losses), loss=fixed(self.losses[-1], 3))
        if self.finished:
            return Status("success", _("{done}. Trained: type a word (or a − b + c) in the box for its neighbours, "
                                       "{probe} for the next word, {epoch} for one epoch more.").format(
                done=done, probe="{probe}", epoch="{epoch}"))
        return Status("info", _("{done}.").format(done=done))

    def snapshot(self) -> Word2VecSnapshot:
        p, c = self.params, self.corpus
        mapped = c.words[:MAPPED]
        return Word2VecSnapshot(
            model=p["model"], dim=p["dim"], window=p["window"], negatives=p["negatives"], words=len(c.words),
            tokens=len(c.ids), kept=self.kept, examples=len(self.outputs),
            parameters=sum(t.data.size for t in self.net.parameters()), epoch=self.epochs_begun, epochs=p["epochs"],
            position=self.position, batches=len(self.losses), losses=np.array(self.losses), last=self.last,
            query=self.query, neighbours=tuple(self.neighbours(self.query)), analogy=self.analogy,
            answers=tuple(self.analogy_answers()), mapped=mapped,
            map_before=principal_map(self.before[:len(mapped)]),
            map_now=principal_map(self.net.inputs.weight.data[:len(mapped)]), status=self.status())


# ------------------------------------------------------------------------------ quiz questions
def vector_text(values) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


GRADIENT_PROMPT = N_("Skip-gram with negative sampling, k = 2: the centre word's vector is v_c = {v}, the context word's "
                     "u_o = {uo}, the two noise words' u₁ = {u1} and u₂ = {u2}. The loss is L = −log σ(u_o·v_c) − "
                     "log σ(−u₁·v_c) − log σ(−u₂·v_c). What is entry {j} of ∂L/∂v_c (entries counted from 1)? "
                     "(2 decimals)")


def gradient_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """One entry of ∂L/∂v_c, from the engine's backward pass through the lab's `negative_sampling`. A draw is redrawn
    while the answer lies within 0.05 of a slip: 0, ±u_o or ±v_c's entry, the positive term alone, the noise words'
    terms alone, or the noise terms with the wrong sign."""
    tenths = np.array([v / 10 for v in range(-10, 11)])
    while True:
        v, u = rng.choice(tenths, size=3), rng.choice(tenths, size=(3, 3))
        j = int(rng.integers(3))
        scores, _loss, leaf_v, _leaf_u = example_gradients(v[None], u)
        answer = float(leaf_v.grad[0, j])
        with no_grad():
            sigma = F.sigmoid(scores).data[0]
        positive, noise = -(1 - sigma[0]) * u[0, j], float(sigma[1:] @ u[1:, j])
        slips = (0.0, u[0, j], -u[0, j], v[j], -v[j], positive, noise, positive - noise)
        if all(abs(answer - slip) > 0.05 for slip in slips):
            break
    entry = in_language(lang, N_("entry {j}:")).format(j=j + 1)
    worked = (f"∂L/∂v_c = −(1 − σ(u_o·v_c))·u_o + σ(u₁·v_c)·u₁ + σ(u₂·v_c)·u₂; u·v_c = {num(round(scores.data[0, 0], 4))}, "
              f"{num(round(scores.data[0, 1], 4))}, {num(round(scores.data[0, 2], 4))}, σ = "
              f"{', '.join(num(round(s, 4)) for s in sigma)}; {entry} −(1 − {num(round(sigma[0], 4))})·"
              f"{factor(u[0, j])} + {num(round(sigma[1], 4))}·{factor(u[1, j])} + {num(round(sigma[2], 4))}·"
              f"{factor(u[2, j])} = {num(round(answer, 4))}")
    prompt = in_language(lang, GRADIENT_PROMPT).format(
        v=vector_text(v), uo=vector_text(u[0]), u1=vector_text(u[1]), u2=vector_text(u[2]), j=j + 1)
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.01)


KEEP_PROMPT = N_("A text of {total} words is subsampled with t = {t}: each occurrence of a word of frequency f is kept "
                 "with probability min(1, √(t/f)). The word \"{word}\" occurs {count} times. With what probability is "
                 "one of its occurrences kept? (3 decimals)")
KEEP_WORDS = ("the", "and", "of", "to", "a", "in", "is", "that", "it", "was")


def keep_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """The lab's `keep_probability` for one frequent word. Redrawn while the answer lies within 0.02 of 0, ½ or 1,
    of the discard probability 1 − √(t/f), or of t/f (the square root forgotten)."""
    while True:
        total = int(rng.integers(2, 100)) * 10_000
        t = float(rng.choice((1e-5, 1e-4, 1e-3)))
        count = int(rng.integers(1, 400)) * int(rng.choice((1, 10, 100)))
        if count >= total // 10:
            continue
        f = count / total
        answer = float(keep_probability(np.array([count, total - count], dtype=float), t)[0])
        if all(abs(answer - slip) > 0.02 for slip in (0.0, 0.5, 1.0, 1 - answer, t / f)):
            break
    word = KEEP_WORDS[int(rng.integers(len(KEEP_WORDS)))]
    worked = in_language(lang, N_("{f}; {root}, below 1, so it is kept with that probability (and dropped with "
                                  "{dropped})")).format(
        f=f"f = {count:,}/{total:,} = {num(round(f, 6))}",
        root=f"√(t/f) = √({num(t)}/{num(round(f, 6))}) = {num(round(answer, 4))}", dropped=num(round(1 - answer, 4)))
    prompt = in_language(lang, KEEP_PROMPT).format(total=f"{total:,}", t=num(t), word=word, count=f"{count:,}")
    return GeneratedQuestion(prompt, answer, worked, tolerance=0.001)


PARAMS_PROMPT = N_("A word2vec skip-gram model has a vocabulary of V = {V} words and embeddings of d = {d} dimensions, "
                   "trained with negative sampling. How many parameters does it have?")


def params_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """The parameters of the lab's `Word2Vec` model, counted from its tables: two of V×d, a vector v and a vector u
    per word. One table (V·d) is the slip."""
    vocabulary, dim = int(rng.integers(5, 100)) * 10, int(rng.integers(1, 9)) * 8
    model = Word2Vec(vocabulary, dim)
    answer = sum(p.data.size for p in model.parameters())
    worked = in_language(lang, N_("two tables of V×d: the input vectors v and the output vectors u, {product} (no biases; "
                                  "negative sampling adds no parameters)")).format(
        product=f"2·{vocabulary}·{dim} = {answer:,}")
    return GeneratedQuestion(in_language(lang, PARAMS_PROMPT).format(V=vocabulary, d=dim), answer, worked)
