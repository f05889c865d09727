"""The Hopfield lab against the definitions written out directly: Hebb's rule as a loop over patterns and cells, the
energy as a double sum, the update rule neuron by neuron. What a learner sees: the energy never rises, stored letters
are fixed points and come back from noise, recall fails near 0.14·N, and the spurious states shown are real."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dltui.labs.hopfield import (CAPACITY_CELLS, STARTS, HopfieldLab, energy_question, field_question, hebbian,
                                 letters, load_point, update_question)


def reference_weights(patterns: np.ndarray) -> np.ndarray:
    """wᵢⱼ = (1/N)·Σᵤ pᵢᵘ·pⱼᵘ for i ≠ j, wᵢᵢ = 0, one term at a time."""
    n = patterns.shape[1]
    w = np.zeros((n, n))
    for p in patterns:
        for i in range(n):
            for j in range(n):
                if i != j:
                    w[i, j] += p[i] * p[j] / n
    return w


def reference_energy(w: np.ndarray, s: np.ndarray) -> float:
    return -0.5 * sum(w[i, j] * s[i] * s[j] for i in range(len(s)) for j in range(len(s)))


def fixed_point(w: np.ndarray, s: np.ndarray) -> bool:
    """No neuron would change under the update rule: sign(hᵢ) = sᵢ wherever hᵢ ≠ 0."""
    h = w @ s
    return all(abs(hi) < 1e-12 or np.sign(hi) == si for hi, si in zip(h, s))


def recalled(**params) -> HopfieldLab:
    lab = HopfieldLab(**params)
    while not lab.finished:
        lab.act("step")
    return lab


@pytest.fixture(scope="module")
def capacity():
    """The capacity part at its defaults, stepped until recall falls below half (and one point more)."""
    lab = HopfieldLab(part="capacity")
    while lab.half is None:
        lab.act("step")
    lab.act("step")
    return lab


def test_hebbian_weights_are_the_sum_of_outer_products_with_a_zero_diagonal():
    names, patterns = letters(4)
    lab = HopfieldLab(patterns=4)
    reference = reference_weights(patterns)
    assert names == "BTVX" and lab.snapshot().weights == pytest.approx(reference, abs=1e-15)
    assert np.all(np.diag(lab.weights) == 0) and np.array_equal(lab.weights, lab.weights.T)
    stack = np.random.default_rng(0).choice((-1.0, 1.0), size=(3, 5, 12))  # a stack of sets: one matrix each
    assert np.allclose(hebbian(stack), [reference_weights(p) for p in stack], atol=1e-15)


@pytest.mark.parametrize("params", [{}, {"patterns": 6, "noise": 0.5, "seed": 3},
                                    {"patterns": 5, "noise": 0.3, "seed": 7}])
def test_energy_never_increases_and_every_flip_lowers_it_by_twice_the_field(params):
    lab = HopfieldLab(**params)
    w = reference_weights(lab.patterns)
    s = lab.snapshot()
    energies, flips = [reference_energy(w, s.state)], 0
    while not lab.finished:
        before = lab.state.copy()
        s = lab.perform("step")
        u = s.last
        assert u.field == pytest.approx(w[u.neuron] @ before, abs=1e-12)
        assert u.new == (np.sign(u.field) if abs(u.field) > 1e-12 else u.old) and u.old == before[u.neuron]
        energies.append(reference_energy(w, s.state))
        assert u.delta == pytest.approx(energies[-1] - energies[-2], abs=1e-9)
        assert u.delta == pytest.approx(-(u.new - u.old) * u.field, abs=1e-12)
        if u.new != u.old:
            flips += 1
            assert u.delta == pytest.approx(-2 * abs(u.field), abs=1e-12) and u.delta < 0
    assert np.all(np.diff(s.energies) <= 0) and np.all(np.diff(energies) <= 1e-12)
    assert s.energies == pytest.approx(energies, abs=1e-9)
    assert flips == np.sum(np.diff(s.energies) < 0) > 0
    assert fixed_point(w, s.state) and s.fixed_at == s.updates and s.unstable == 0


def test_stored_patterns_are_fixed_points_below_capacity():
    for count in range(1, 6):  # up to 5 letters, 0.14·35: each is a fixed point
        _, patterns = letters(count)
        w = reference_weights(patterns)
        assert all(fixed_point(w, p) for p in patterns), count
    patterns = np.random.default_rng(1).choice((-1.0, 1.0), size=(5, CAPACITY_CELLS))  # P/N = 0.05
    w = reference_weights(patterns)
    assert all(fixed_point(w, p) for p in patterns)
    low = load_point(5, 20, 0)
    assert (low.stable, low.recalled) == (1.0, 1.0)


def test_a_corrupted_letter_comes_back_and_the_actions_draw_new_starts():
    lab = recalled()
    s = lab.snapshot()
    b = lab.patterns[0]
    assert s.kind_label == ("letter", "B") and np.array_equal(s.state, b) and s.overlaps[0] == 1
    assert s.energy == pytest.approx(reference_energy(reference_weights(lab.patterns), b), abs=1e-9)
    assert s.status.kind == "success" and "{corrupt}" in s.status.text
    start = lab.perform("corrupt")
    assert start.updates == 0 and np.sum(start.state != b) == round(0.2 * 35) == start.flipped
    assert not np.array_equal(start.state, s.state)
    swept = lab.perform("sweep")  # a sweep gives each of the 35 neurons one turn
    assert swept.updates == 35 and swept.sweep == 1
    after = lab.perform("next")
    assert after.target == 1 and np.sum(after.state != lab.patterns[1]) == 7
    for _ in range(3):
        lab.perform("next")
    assert lab.snapshot().target == 0  # four letters, round and round


def test_recall_fails_near_0_14_n(capacity):
    points = capacity.snapshot().points
    loads = np.array([p.patterns for p in points]) / CAPACITY_CELLS
    recall = np.array([p.recalled for p in points])
    stable = np.array([p.stable for p in points])
    assert np.all(recall[loads <= 0.08] >= 0.95)
    assert 0.12 <= capacity.half.patterns / CAPACITY_CELLS <= 0.2
    assert np.all(recall[loads < capacity.half.patterns / CAPACITY_CELLS] >= 0.5)
    assert np.all(recall <= stable)  # a pattern that comes back exactly is a fixed point
    assert stable[-1] > recall[-1] + 0.2  # past the edge most losses are shrunken basins, not lost minima


def test_the_spurious_states_shown_are_fixed_points(capacity):
    s = capacity.snapshot()
    w = reference_weights(s.patterns)
    assert sum(e.starts for e in s.found) == STARTS
    assert all(fixed_point(w, e.state) for e in s.found)
    kinds = {e.kind for e in s.shown}
    assert {"inverse", "mixture"} <= kinds
    named = dict(zip(s.names, s.patterns))
    for e in s.shown:
        assert fixed_point(w, e.state), e.label
        if e.kind == "inverse":
            assert np.array_equal(e.state, -named[e.label[1:]])
        if e.kind == "mixture":
            terms = re.findall(r"([+−]?)([A-Z])", e.label)
            assert np.array_equal(e.state, np.sign(sum((-1 if sign == "−" else 1) * named[n] for sign, n in terms)))
        if e.kind == "other":
            assert not any(np.array_equal(e.state, sign * p) for p in s.patterns for sign in (1, -1))
    first = np.sign(s.patterns[0] + s.patterns[1] + s.patterns[2])
    assert np.array_equal(s.first_mixture.state, first) and s.first_mixture_fixed == fixed_point(w, first)
    assert s.first_mixture_fixed and s.first_mixture.starts > 0 and s.first_mixture.label in {e.label for e in s.shown}
    assert all(fixed_point(w, -p) for p in s.patterns)  # E(−s) = E(s): every inverse is a fixed point too


def numbers(text: str) -> list[float]:
    return [float(v.replace("−", "-")) for v in re.findall(r"[−-]?\d+(?:\.\d+)?", text)]


def matrix(prompt: str) -> np.ndarray:
    return np.array([numbers(row) for row in re.search(r"W = \[(.*?)\]\]", prompt)[1].split("], [")])


def vector(prompt: str, name: str) -> np.ndarray:
    return np.array(numbers(re.search(re.escape(name) + r" = \(([^)]*)\)", prompt)[1]))


def test_questions_match_the_rules_computed_from_their_prompts():
    for seed in range(60):
        q = update_question(np.random.default_rng(seed))
        w, s = matrix(q.prompt), vector(q.prompt, "s")
        for i in range(4):  # in order, each from the newest states
            h = w[i] @ s
            s[i] = np.sign(h) if h else s[i]
        assert np.array_equal(vector("s = " + q.choices[q.answer - 1], "s"), s), seed
        q = energy_question(np.random.default_rng(seed))
        w, s, k = matrix(q.prompt), vector(q.prompt, "s"), int(re.search(r"Neuron (\d)", q.prompt)[1]) - 1
        flipped = s.copy()
        flipped[k] = -s[k]
        assert q.answer == pytest.approx(reference_energy(w, flipped) - reference_energy(w, s), abs=1e-9), seed
        q = field_question(np.random.default_rng(seed))
        patterns = np.array([vector(q.prompt, f"p{m}") for m in "¹²³"])
        i = int(re.search(r"field h(\d)", q.prompt)[1]) - 1
        assert q.answer == pytest.approx(reference_weights(patterns)[i] @ vector(q.prompt, "s"), abs=1e-12), seed
