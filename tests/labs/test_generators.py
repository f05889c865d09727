"""Every engine-question generator, drawn for seeds 0–1999: each draw ends at once, its answer is finite and is
not one a learner could type without the computation the question teaches (0, or a guess named below per
generator), and a choice question's choices are distinct. The Chinese prompts ask the same numbers."""

from __future__ import annotations

import math
import re
import signal
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np
import pytest

from dltui.labs import QUESTION_GENERATORS, GeneratedQuestion, question_generator
from dltui.quiz import close_enough

SEEDS = range(2000)
ZH_SEEDS = range(0, 2000, 20)
SLOWEST_DRAW_S = 5.0  # a draw is a handful of small computations (a millisecond); longer is a loop that does not end
FIRST_DRAW_S = 60.0  # the first may also load the engine's kernels


def numbers(text: str) -> list[float]:
    return [float(v.replace("−", "-")) for v in re.findall(r"[−-]?\d+(?:\.\d+)?", text)]


def after(name: str) -> Callable[[str], float]:
    """The number written after `name = ` in a prompt."""
    return lambda prompt: numbers(re.search(re.escape(name) + r" = ([−-]?[\d.]+)", prompt)[1])[0]


def vector(prompt: str, name: str) -> list[float]:
    """The numbers of `name = (a, b, …)` in a prompt."""
    return numbers(re.search(re.escape(name) + r" = \(([^)]*)\)", prompt)[1])


def grid_max(prompt: str) -> float:
    return max(numbers(prompt.split("```")[1]))


def unweighted_mean(prompt: str) -> float:
    """The value column's plain mean: the answer of someone who ignores the attention weights."""
    c = int(re.search(r"entry (\d)", prompt)[1]) - 1
    return float(np.mean([numbers(re.search(rf"v{i} = \(([^)]*)\)", prompt)[1])[c] for i in (1, 2, 3)]))


def guesses(*values: float, read: Iterable[Callable[[str], float]] = ()) -> Callable[[str], Iterable[float]]:
    """Fixed guesses, and guesses read from the prompt (a number it shows)."""
    return lambda prompt: (*values, *(number(prompt) for number in read))


def first_number(prompt: str) -> float:
    return numbers(prompt)[0]


def after_word(words: str) -> Callable[[str], float]:
    """The number written right after `words ` in a prompt."""
    return lambda prompt: float(re.search(re.escape(words) + r" (\d+)", prompt)[1])


def w2v_keep_guesses(prompt: str) -> tuple[float, ...]:
    """Keep all, none, half, the discard probability 1 − √(t/f), and t/f itself."""
    t = after("t")(prompt)
    total = numbers(re.search(r"of ([\d,]+) words", prompt)[1].replace(",", ""))[0]
    count = numbers(re.search(r"occurs ([\d,]+) times", prompt)[1].replace(",", ""))[0]
    f = count / total
    return 0, 1, 0.5, 1 - math.sqrt(t / f), t / f


def w2v_gradient_guesses(prompt: str) -> tuple[float, ...]:
    j = int(re.search(r"entry (\d)", prompt)[1]) - 1
    u, v = vector(prompt, "u_o")[j], vector(prompt, "v_c")[j]
    return 0, u, -u, v, -v


def mask_guesses(prompt: str) -> tuple[float, ...]:
    """0, 1, the equal share 1/i, the weight as if there were no mask."""
    i, j = (int(v) for v in re.search(r"query (\d)'s weight on key (\d)", prompt).groups())
    s = np.exp(vector(prompt, "s"))
    return 0, 1, 1 / i, s[j - 1] / s.sum()


def transformer_params_guesses(prompt: str) -> tuple[float, ...]:
    """Every layer an encoder layer, the stacks swapped, the final norms left out."""
    d, f = after("d_model")(prompt), after("d_ff")(prompt)
    n, m = (int(v) for v in re.search(r"(\d+) encoder layers and (\d+) decoder layers", prompt).groups())
    attention, ff = 4 * d * d + 4 * d, 2 * d * f + f + d
    enc, dec = attention + ff + 4 * d, 2 * attention + ff + 6 * d
    return 0, 1, (n + m) * enc + 4 * d, (n + m) * enc, n * enc + m * dec, n * dec + m * enc + 4 * d


def lora_guesses(prompt: str) -> tuple[float, ...]:
    d_in, d_out, r = after("d_in")(prompt), after("d_out")(prompt), after("r")(prompt)
    return 0, 1, d_in, d_out, r, d_in * d_out, d_in * d_out + d_out, r * d_in, r * d_out


def masking_guesses(prompt: str) -> tuple[float, ...]:
    a, b = numbers(prompt)[:2]
    return 0, 1, *(share * a * b for share in (1, 0.15, 0.8, 0.1))


def causal_guesses(prompt: str) -> tuple[float, ...]:
    n, h = after("n")(prompt), after("h")(prompt)
    return 0, 1, n * n, h * n * n, n * (n + 1) / 2, h * n * (n - 1) / 2


def dense_guesses(prompt: str) -> tuple[float, ...]:
    layers, k, k0 = (int(v) for v in re.search(r"has (\d+) layers with growth rate k = (\d+); (\d+)", prompt).groups())
    return 0, 1, k0, layers * k, k0 + k, k0 + layers, k0 * layers, 2 * k0


def separable_guesses(prompt: str) -> tuple[float, ...]:
    c, c2, k = (int(v) for v in re.search(r"takes (\d+) channels to (\d+): a depthwise (\d)", prompt).groups())
    return 0, 1, c * c2 * k * k, c * c2, c * k * k, c2 * k * k + c * c2, c * c2 + c2


def compose_guesses(prompt: str) -> tuple[float, ...]:
    """The value before tanh, the children swapped, b left out, b itself, p's other entry."""
    c1, c2, b = (np.array(vector(prompt, name)) for name in ("c₁", "c₂", "b"))
    rows = [np.array(numbers(row)) for row in re.findall(r"\(([^()]*)\)", prompt.split("W = ", 1)[1])[:2]]
    w = np.array(rows)
    pre, swapped = w @ np.concatenate([c1, c2]) + b, w @ np.concatenate([c2, c1]) + b
    plain = np.tanh(w @ np.concatenate([c1, c2]))
    return 0, 1, -1, pre[0], np.tanh(swapped[0]), plain[0], b[0], np.tanh(pre[1])


# Guesses that need none of the computation. Besides 0: 1 (and −1) where a value is bounded by it, 1/3 for three
# equal logits or keys, the value that does not move (an unchanged state, an unchanged size), the grid's largest
# entry for pooling, −log 4 for the GAN's value at D = ½ everywhere, a mean that ignores the weights.
GUESSES: dict[str, Callable[[str], Iterable[float]]] = {
    "mp_neuron.output": guesses(),  # its answer is an output, 0 or 1 by definition: balance is checked instead
    "mp_neuron.gate": guesses(),  # a choice: its answers' spread is checked instead
    "perceptron.update": guesses(0),
    "mlp.output_delta": guesses(0),
    "activations.derivative": guesses(0, 1),
    "softmax.probability": guesses(0, 1, 1 / 3),
    "softmax.gradient": guesses(0, 1, -1, 1 / 3, -2 / 3),
    "convolution.cell": guesses(0),
    "convolution.size": guesses(0, 1, read=[first_number]),  # the input's width: nothing changes
    "pooling.cell": guesses(0, read=[grid_max]),
    "pooling.params": guesses(0, 1),
    "architectures.layer": guesses(0, 1),
    "lenet.shape": guesses(0, 1, read=[first_number]),
    "draw_digit.pixel": guesses(0, 1),
    "rnn.next_hidden": guesses(0, 1, -1),
    "rnn.bptt": guesses(0),
    "lstm.cell": guesses(0, 1, -1, 0.5),
    "gru.cell": guesses(0, 1, -1, read=[after("h"), after("n")]),
    "char_lm.temperature": guesses(0, 1, 1 / 3),
    "gan.value": guesses(0, -math.log(4)),
    "gan.g_grad": guesses(0, -1),
    "attention.weight": guesses(0, 1, 1 / 3),
    "attention.output": guesses(0, read=[unweighted_mean]),
    "multihead.encoding": guesses(0, 1, -1),
    "multihead.params": guesses(0, 1),
    "transformer.params": guesses(0, 1),
    "normalization.batch_norm": guesses(0, 1, -1),
    "normalization.xavier": guesses(0, 1),
    "optimizers.momentum": lambda prompt: (0, after("g₃")(prompt),  # the last gradient; the plain sum (μ = 1):
                                           after("g₁")(prompt) + after("g₂")(prompt) + after("g₃")(prompt)),
    "optimizers.adam": lambda prompt: (0, after("g₂")(prompt), after("lr")(prompt), -after("lr")(prompt),  # g, ±lr, the mean
                                       (after("g₁")(prompt) + after("g₂")(prompt)) / 2),
    "regression.step": lambda prompt: (0, after("w")(prompt)),  # unchanged w
    "regression.slope": guesses(0),
    "regression.mse": guesses(0),
    "regularization.dropout": lambda prompt: (0, sum(vector(prompt, "h")),  # no dropout; kept, not scaled:
                                              sum(h * m for h, m in zip(vector(prompt, "h"), vector(prompt, "m")))),
    "regularization.decay": lambda prompt: (0, after("w")(prompt),  # unchanged; the step without its decay term:
                                            after("w")(prompt) - after("η")(prompt) * after("∂L/∂w")(prompt)),
    "hopfield.update": guesses(),  # a choice
    "hopfield.energy": guesses(0, 1, -1),
    "hopfield.field": guesses(0, 1, -1, 0.5, -0.5),
    "autoencoder.kl": guesses(0),
    "autoencoder.reparameterize": guesses(0, read=[after("μ"), after("ε")]),  # μ alone (ε ignored), ε alone
    "autoencoder.sparsity": guesses(0),
    "rbm.hidden": guesses(0, 1, 0.5),
    "rbm.energy": guesses(0),
    "rbm.cd_update": lambda prompt: (0, after("w")(prompt)),  # the weight unchanged
    "dcgan.size": guesses(0, 1, read=[first_number]),  # the input's size
    "dcgan.params": guesses(0, 1),
    "word2vec.gradient": w2v_gradient_guesses,
    "word2vec.keep": w2v_keep_guesses,
    "word2vec.params": lambda prompt: (0, 1, after("V")(prompt) * after("d")(prompt),
                                       after("V")(prompt) + after("d")(prompt),
                                       after("V")(prompt) * after("d")(prompt) + after("V")(prompt)),
    "seq2seq.mask": mask_guesses,
    "seq2seq.cross_shape": guesses(),  # a choice
    "seq2seq.params": transformer_params_guesses,
    "pretrain.lora": lora_guesses,
    "pretrain.masking": masking_guesses,
    "pretrain.causal": causal_guesses,
    "recursive.dense": dense_guesses,
    "recursive.separable": separable_guesses,
    "recursive.compose": compose_guesses,
    "zoo.rbf": lambda prompt: (0, sum(vector(prompt, "w")), *vector(prompt, "w")),
    "zoo.transposed_size": lambda prompt: (0, 1, after_word("takes a")(prompt),  # the input's side, and × stride
                                           after_word("takes a")(prompt) * after_word("stride")(prompt)),
    "zoo.som_update": lambda prompt: (0, 1, vector(prompt, "w")[0], vector(prompt, "x")[0]),
}


class TooSlow(Exception):
    pass


def draw_all(name: str, seeds: Iterable[int], lang: str = "en") -> dict[int, GeneratedQuestion]:
    """Each seed's question; a draw that runs past SLOWEST_DRAW_S fails the test, naming its seed."""
    generate = question_generator(name)

    def stop(signum, frame):
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    drawn = {}
    try:
        for seed in seeds:
            limit = SLOWEST_DRAW_S if drawn else FIRST_DRAW_S
            signal.setitimer(signal.ITIMER_REAL, limit, 0.1)  # again every 0.1 s: a raise inside a callback is lost
            try:
                drawn[seed] = generate(np.random.default_rng(seed), lang)
            except TooSlow:
                pytest.fail(f"{name}: the draw for seed {seed} did not end within {limit} s")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return drawn


def graded_right(guess: float, q: GeneratedQuestion) -> bool:
    """Whether the grader would accept `guess`; its exact arithmetic is asked only when the floats are close."""
    near = abs(guess - q.answer) <= q.tolerance + 1e-6 * max(1.0, abs(q.answer))
    return near and close_enough(guess, q.answer, q.tolerance)


def test_every_generator_is_listed_here():
    assert set(GUESSES) == set(QUESTION_GENERATORS)


@pytest.mark.parametrize("name", sorted(QUESTION_GENERATORS))
def test_no_draw_can_be_answered_by_a_guess(name):
    trivial, answers = [], Counter()
    for seed, q in draw_all(name, SEEDS).items():
        assert math.isfinite(q.answer) and q.prompt and q.worked, (seed, q)
        if q.kind == "choice":
            assert len(set(q.choices)) == len(q.choices) >= 2 and 1 <= q.answer <= len(q.choices), (seed, q.choices)
        trivial += [(seed, q.answer, guess) for guess in GUESSES[name](q.prompt) if graded_right(guess, q)]
        answers[q.answer] += 1
    assert not trivial, f"{len(trivial)} of {len(SEEDS)} draws a guess answers, e.g. (seed, answer, guess) {trivial[:3]}"
    if name in FEW_ANSWERS:  # always typing one of them wins at most about its fair share
        assert max(answers.values()) <= 1.3 * len(SEEDS) / len(answers), answers


FEW_ANSWERS = {"mp_neuron.output", "mp_neuron.gate"}
"""Answers that are one of a few by nature: an output 0 or 1; AND, OR or neither."""


@pytest.mark.parametrize("name", sorted(QUESTION_GENERATORS))
def test_the_chinese_prompt_asks_the_same_numbers(name):
    english = draw_all(name, ZH_SEEDS)
    for seed, q in draw_all(name, ZH_SEEDS, "zh").items():
        assert re.search("[\u4e00-\u9fff]", q.prompt), q.prompt
        assert (q.answer, q.tolerance, len(q.choices)) == (english[seed].answer, english[seed].tolerance,
                                                           len(english[seed].choices))
        assert sorted(numbers(q.prompt)) == sorted(numbers(english[seed].prompt)), (q.prompt, english[seed].prompt)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_prompts_state_the_conventions_their_answers_depend_on(lang):
    """Indices from 0, which of W1's dimensions is the hidden unit, leaky ReLU's negative side and ELU's α."""
    said = {"en": ("rows and columns counted from 0", "row i holds the weights into hidden unit i"),
            "zh": ("行号和列号都从 0 开始数", "第 i 行是输入到隐藏单元 i 的权重")}[lang]
    cell, pool, delta = (question_generator(name)(np.random.default_rng(0), lang).prompt
                         for name in ("convolution.cell", "pooling.cell", "mlp.output_delta"))
    assert said[0] in cell and said[0] in pool and said[1] in delta
    asked = set()
    for seed in range(40):
        prompt = question_generator("activations.derivative")(np.random.default_rng(seed), lang).prompt
        name = re.match(r"(?:What is the derivative )?(\w+)", prompt)[1]
        asked.add(name)
        assert {"leaky_relu": "0.01·x", "elu": "α = 1"}.get(name, "") in prompt, prompt
    assert {"leaky_relu", "elu"} <= asked
