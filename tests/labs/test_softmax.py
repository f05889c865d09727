"""Softmax lab: p − y equals the engine's backward, temperature and shift behave, overflow is shown."""

import re

import numpy as np
import pytest

from dltui.labs import lab_class, question_generator
from dltui.labs.softmax import PRESETS, naive_softmax

Softmax = lab_class("softmax")


@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("target", [0, 3])
def test_gradient_p_minus_y_equals_backward(preset, temperature, target):
    s = Softmax(preset=preset, temperature=temperature, target=target).snapshot()
    assert s.grad_error < 1e-15
    y = np.eye(4)[target]
    np.testing.assert_allclose(s.grad_engine, (s.probs - y) / temperature, atol=1e-15)
    assert s.probs.sum() == pytest.approx(1.0) and s.loss == pytest.approx(-np.log(s.probs[target]))
    assert s.grad_engine.sum() == pytest.approx(0.0, abs=1e-12)  # p sums to 1, y sums to 1


def test_confident_numbers():
    s = Softmax().snapshot()
    np.testing.assert_allclose(s.probs, [0.9202, 0.0458, 0.0278, 0.0062], atol=1e-4)
    assert s.loss == pytest.approx(0.0832, abs=1e-4)
    assert s.sigmoid_probs.sum() == pytest.approx(2.60, abs=0.01)  # independent: no reason to sum to 1


def test_shift_changes_nothing_temperature_flattens():
    base = Softmax().snapshot().probs
    np.testing.assert_allclose(Softmax(shift=-37).snapshot().probs, base, atol=1e-15)
    hot, cold = Softmax(temperature=10).snapshot().probs, Softmax(temperature=0.1).snapshot().probs
    assert hot.max() < base.max() < cold.max() and cold.max() > 0.999999
    assert np.ptp(hot) < 0.2


def test_huge_logits_overflow_the_naive_formula_but_not_the_engine():
    s = Softmax(preset="huge").snapshot()
    assert np.isnan(s.naive_probs).all() and np.isfinite(s.probs).all()
    np.testing.assert_allclose(s.probs, naive_softmax(s.logits - s.logits.max()), atol=1e-15)
    assert s.status.kind == "warning" and "overflows" in s.status.text


def test_step_cycles_the_target():
    lab = Softmax()
    assert [lab.perform("step").target for _ in range(4)] == [1, 2, 3, 0]


@pytest.mark.parametrize("name", ["softmax.probability", "softmax.gradient"])
def test_generated_questions_answer_with_the_engine(name):
    for seed in range(10):
        q = question_generator(name)(np.random.default_rng(seed))
        z = np.array([float(v.replace("−", "-")) for v in re.search(r"z = \(([^)]*)\)", q.prompt)[1].split(", ")])
        p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        if name == "softmax.probability":
            assert q.answer == pytest.approx(p[int(re.search(r"for class (\d)", q.prompt)[1]) - 1], abs=1e-12)
        else:
            k, t = int(re.search(r"∂z(\d)", q.prompt)[1]) - 1, int(re.search(r"class is (\d)", q.prompt)[1]) - 1
            assert q.answer == pytest.approx(p[k] - (k == t), abs=1e-12)
