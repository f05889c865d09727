"""The Boltzmann machine lab: CD-k against exact computations on a tiny RBM (every state enumerated), and the
lab's parts doing what the lesson says: reconstructions improve, chains from noise become digits, pre-training
helps the DBN, and only an RBM's p(h|v) factorizes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dltui.engine import Tensor, no_grad
from dltui.labs import lab_class
from dltui.labs.rbm import (BM_B, BM_C, BM_HIDDEN, BM_V, BM_VISIBLE, BM_W, RBM, bm_table, classifier,
                            contrastive_divergence, trained_rbm)
from dltui.lessons import load_lessons

N_VISIBLE, N_HIDDEN = 4, 3
VISIBLE = np.array(list(itertools.product((0, 1), repeat=N_VISIBLE)), dtype=float)
HIDDEN = np.array(list(itertools.product((0, 1), repeat=N_HIDDEN)), dtype=float)
DATA = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 1, 1], [0, 1, 1, 1], [1, 0, 0, 1], [1, 1, 0, 0]], dtype=float)
LESSON = {lesson.id: lesson for lesson in load_lessons(lang="en")[0]}["rbm"]


def sigma(x):
    return 1 / (1 + np.exp(-x))


@pytest.fixture(scope="module")
def tiny():
    """Weights large enough that CD-1's bias shows."""
    rng = np.random.default_rng(3)
    return rng.normal(0, 1.5, (N_HIDDEN, N_VISIBLE)), rng.normal(0, 0.5, N_VISIBLE), rng.normal(0, 0.5, N_HIDDEN)


def energies(W, b, c):
    """−E(v, h) for every visible state (rows) and hidden state (columns), term by term."""
    return np.array([[b @ v + c @ h + sum(h[j] * W[j, i] * v[i] for j in range(N_HIDDEN) for i in range(N_VISIBLE))
                      for h in HIDDEN] for v in VISIBLE])


def rows_of(data):
    return [int("".join(str(int(x)) for x in v), 2) for v in data]


def log_likelihood(W, b, c, data=DATA):
    """Mean log p(v) over the data, Z by summing all 2⁷ states."""
    table = energies(W, b, c)
    return float((np.logaddexp.reduce(table, axis=1)[rows_of(data)] - np.logaddexp.reduce(table.ravel())).mean())


def exact_gradient(W, b, c, data=DATA):
    """⟨·⟩_data − ⟨·⟩_model for W, b and c, every expectation a sum over enumerated states."""
    table = energies(W, b, c)
    joint = np.exp(table - np.logaddexp.reduce(table.ravel()))
    given = np.exp(table - np.logaddexp.reduce(table, axis=1, keepdims=True))[rows_of(data)]  # p(h|v) per datum
    data_W = np.einsum("nh,hj,ni->ji", given, HIDDEN, data) / len(data)
    model_W = np.einsum("vh,hj,vi->ji", joint, HIDDEN, VISIBLE)
    return (data_W - model_W, data.mean(axis=0) - joint.sum(axis=1) @ VISIBLE,
            (given @ HIDDEN).mean(axis=0) - joint.sum(axis=0) @ HIDDEN)


def exact_cd1(W, b, c, data=DATA):
    """What CD-1's W estimate averages to: h⁰ ~ p(h|v⁰), v¹ ~ p(v|h⁰), then v¹·p(h|v¹)ᵀ, summed over all h⁰ and v¹."""
    table = energies(W, b, c)
    given = np.exp(table - np.logaddexp.reduce(table, axis=1, keepdims=True))[rows_of(data)]
    pv = sigma(HIDDEN @ W + b)  # p(vᵢ = 1 | h) per hidden state
    down = np.prod(np.where(VISIBLE[None] == 1, pv[:, None], 1 - pv[:, None]), axis=2)  # p(v¹|h⁰): hidden × visible
    up = sigma(VISIBLE @ W.T + c)  # p(hⱼ = 1 | v¹)
    negative = np.einsum("nh,hv,vj,vi->ji", given, down, up, VISIBLE) / len(data)
    return np.einsum("nh,hj,ni->ji", given, HIDDEN, data) / len(data) - negative


def test_energy_and_free_energy_agree_with_enumeration(tiny):
    rbm, table = RBM(*tiny), energies(*tiny)
    for (a, v), (k, h) in itertools.product(enumerate(VISIBLE), enumerate(HIDDEN)):
        assert rbm.energy(v, h) == pytest.approx(-table[a, k], abs=1e-12)
    assert np.allclose(rbm.free_energy(VISIBLE), -np.logaddexp.reduce(table, axis=1), atol=1e-12)


def test_positive_statistics_are_the_exact_data_averages(tiny):
    stats = contrastive_divergence(RBM(*tiny), DATA, 1, np.random.default_rng(0))
    table = energies(*tiny)
    given = np.exp(table - np.logaddexp.reduce(table, axis=1, keepdims=True))[rows_of(DATA)]
    assert np.allclose(stats.positive, np.einsum("nh,hj,ni->ji", given, HIDDEN, DATA) / len(DATA), atol=1e-12)
    assert np.allclose(stats.hidden[0], (given @ HIDDEN).mean(axis=0), atol=1e-12)
    assert np.allclose(stats.visible[0], DATA.mean(axis=0))


def test_the_exact_gradient_is_the_log_likelihood_s_slope(tiny):
    """The reference the CD tests use, checked by central differences of the exact log-likelihood."""
    W, b, c = tiny
    analytic = exact_gradient(W, b, c)
    for index, param in enumerate((W, b, c)):
        for at in np.ndindex(param.shape):
            up, down = (tuple(p.copy() for p in tiny) for _ in range(2))
            up[index][at] += 1e-6
            down[index][at] -= 1e-6
            numeric = (log_likelihood(*up) - log_likelihood(*down)) / 2e-6
            assert numeric == pytest.approx(analytic[index][at], abs=1e-6)


def test_cd_k_over_many_long_chains_approaches_the_exact_gradient_and_cd_1_is_biased(tiny):
    exact, many = exact_gradient(*tiny), np.repeat(DATA, 3000, axis=0)  # each datum starts 3,000 chains
    long = contrastive_divergence(RBM(*tiny), many, 50, np.random.default_rng(1)).gradients
    for estimate, truth in zip(long, exact):
        assert np.abs(estimate - truth).max() < 0.02
    short = contrastive_divergence(RBM(*tiny), many, 1, np.random.default_rng(2)).gradients[0]
    assert np.abs(short - exact_cd1(*tiny)).max() < 0.02  # CD-1's samples average to CD-1's expectation ...
    assert np.abs(short - exact[0]).max() > 0.08  # ... which is not the log-likelihood's gradient


@pytest.fixture(scope="module")
def trained():
    """The rbm part at the lesson's settings, run to the end of two epochs."""
    lab = lab_class("rbm")(**{**LESSON.params, "epochs": 2})
    while not lab.finished:
        lab.act("epoch")
    return lab


def test_reconstruction_error_falls_with_training(trained):
    c = trained.snapshot().curves
    first_epoch = np.flatnonzero(c.epochs == 1)[0]
    assert c.recon_test[first_epoch] < 0.8 * c.recon_test[0] and c.recon_test[-1] < c.recon_test[first_epoch]
    assert c.recon_train[-1] < 0.7 * c.recon_train[0]
    assert c.free_noise[-1] - c.free_test[-1] > c.free_noise[0] - c.free_test[0] + 10  # digits pulled apart from noise
    u = trained.snapshot().update
    assert u.delta == pytest.approx(u.lr * (u.positive - u.negative))


def test_the_sample_part_starts_from_the_rbm_part_s_model(trained):
    p = trained.params
    model = trained_rbm(p["hidden"], p["k"], p["lr"], p["epochs"], p["seed"])
    rbm = trained.rbm
    assert np.array_equal(model.W, rbm.W) and np.array_equal(model.b, rbm.b) and np.array_equal(model.c, rbm.c)


def test_chains_from_noise_turn_into_digits():
    lab = lab_class("rbm")(**{**LESSON.params, "part": "sample", "epochs": 3})
    for _ in range(3):
        lab.act("step")
    s = lab.snapshot()
    assert s.chain_distance[0] > 18 and max(s.chain_distance[1:]) < 10  # noise, then near some training digit
    assert max(s.chain_free[1:]) < s.chain_free[0] - 50
    assert len(set(s.looks_like)) > 1  # the chains do not all fall into one digit


def test_the_pretrained_net_starts_as_the_rbm_stack():
    x = np.random.default_rng(0).integers(0, 2, (5, 64)).astype(float)
    rng = np.random.default_rng(1)
    first, second = RBM.start(x, 32, rng), RBM.start(x[:, :32], 16, rng)
    net = classifier(32, 0, (first, second))
    with no_grad():
        hidden = net[1](net[0](Tensor(x))).data
        top = net[3](net[2](Tensor(hidden))).data
    assert np.allclose(hidden, first.hidden_probs(x)) and np.allclose(top, second.hidden_probs(hidden))
    assert np.array_equal(net[4].weight.data, classifier(32, 0)[4].weight.data)  # the readout: the random net's


def test_the_pretrained_dbn_beats_random_init_at_the_lesson_defaults():
    lab = lab_class("rbm")(**{**LESSON.params, "part": "dbn"})
    while not lab.finished:
        lab.act("step")
    pre, rand = (lab.accuracy[name] for name in ("pre-trained", "random"))
    assert pre[-1] > rand[-1] + 0.3 and pre[-1] > 0.75
    assert np.argmax(np.array(pre) > 0.5) < 3 and max(rand[:10]) < 0.3  # faster too
    assert lab.snapshot().status.kind == "success"


@pytest.mark.parametrize("v", range(8))
def test_only_the_restricted_machine_s_p_h_given_v_factorizes(v):
    visible = BM_VISIBLE[v]
    for lateral in (0.0, 2.0, -1.5):
        t = bm_table(visible, lateral)
        minus_e = np.array([BM_B @ visible + BM_C @ h + h @ BM_W @ visible + BM_V[0, 1] * visible[0] * visible[1]
                            + BM_V[0, 2] * visible[0] * visible[2] + BM_V[1, 2] * visible[1] * visible[2]
                            + lateral * h[0] * h[1] for h in BM_HIDDEN])
        assert np.allclose(t.exact, np.exp(minus_e) / np.exp(minus_e).sum())
        every = [BM_B @ u + BM_C @ h + h @ BM_W @ u + 0.5 * u @ BM_V @ u + lateral * h[0] * h[1]
                 for u in BM_VISIBLE for h in BM_HIDDEN]
        assert t.log_z == pytest.approx(np.log(np.exp(every).sum()))
        if lateral == 0:
            on = sigma(BM_C + BM_W @ visible)
            rbm = np.prod(np.where(BM_HIDDEN == 1, on, 1 - on), axis=1)
            assert np.allclose(t.exact, t.product) and np.allclose(t.exact, rbm)
        else:
            assert np.abs(t.exact - t.product).max() > 0.005
            assert t.conditional[0, 1] != pytest.approx(t.conditional[0, 0])
