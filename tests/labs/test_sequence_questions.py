"""Engine questions of the sequence lessons: the engine's answer agrees with the formula the
worked computation writes out, for many draws, in both languages."""

import math
import re

import numpy as np
import pytest

from dltui.labs import question_generator

GENERATORS = ["rnn.next_hidden", "rnn.bptt", "lstm.cell", "gru.cell", "char_lm.temperature"]


def numbers(text):
    return [float(v.replace("−", "-")) for v in re.findall(r"[−-]?\d+(?:\.\d+)?", text)]


def value(prompt, name):
    """The number after `name = ` in a prompt."""
    return numbers(re.search(re.escape(name) + r" = ([−-]?[\d.]+)", prompt).group(1))[0]


@pytest.mark.parametrize("name", GENERATORS)
def test_questions_are_answerable_and_the_worked_line_ends_on_the_answer(name):
    rng = np.random.default_rng(0)
    for _ in range(30):
        q = question_generator(name)(rng)
        assert q.kind == "numeric" and math.isfinite(q.answer) and q.tolerance > 0
        last = numbers(q.worked.splitlines()[-1])[-1]
        assert abs(last - q.answer) <= q.tolerance, (q.prompt, q.worked)
        zh = question_generator(name)(np.random.default_rng(1), "zh")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.prompt)


def test_next_hidden_state_is_tanh_of_the_sum():
    rng = np.random.default_rng(5)
    for _ in range(20):
        q = question_generator("rnn.next_hidden")(rng)
        w, u, b, h, x = (value(q.prompt, name) for name in ("w", "u", "b", "h_(t−1)", "x_t"))
        assert q.answer == pytest.approx(math.tanh(w * x + u * h + b), abs=6e-4)


def test_bptt_step_is_gradient_times_tanh_derivative_times_u():
    rng = np.random.default_rng(6)
    for _ in range(20):
        q = question_generator("rnn.bptt")(rng)
        u, ht, g = (value(q.prompt, name) for name in ("u", "h_t", "dL/dh_t"))
        assert q.answer == pytest.approx(g * (1 - ht * ht) * u, abs=6e-4)


def test_temperature_probability_is_a_softmax_of_scaled_logits():
    rng = np.random.default_rng(7)
    for _ in range(20):
        q = question_generator("char_lm.temperature")(rng)
        logits = np.array([numbers(q.prompt.split(f"'{c}': ")[1])[0] for c in "eta"])
        tau = value(q.prompt, "τ")
        char = q.prompt.split("probability of '")[1][0]
        p = np.exp(logits / tau) / np.exp(logits / tau).sum()
        assert q.answer == pytest.approx(p["eta".index(char)], abs=6e-4)
