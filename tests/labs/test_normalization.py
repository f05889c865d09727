"""The normalization lab: batch norm's stages against NumPy and PyTorch, the stability pass against a NumPy forward
pass, symmetry under equal weights, and the batch-norm net out-training the plain one."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dltui.engine import Tensor, init
from dltui.labs.normalization import (AFFINE, BN_RUN, STAGES, NormalizationLab, batch_norm_module, batch_norm_step,
                                      bn_question, stability_pass, xavier_question)

EPS, MOMENTUM = 1e-5, 0.1


def numpy_batch_norm(x: np.ndarray, gamma, beta, running_mean, running_var):
    """Training-mode batch norm per channel over every axis but 1, and the running statistics it leaves."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = [1, -1] + [1] * (x.ndim - 2)
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    m = x.size / x.shape[1]
    y = np.reshape(gamma, shape) * (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + EPS) + np.reshape(beta, shape)
    return (y, mean, var, (1 - MOMENTUM) * running_mean + MOMENTUM * mean,
            (1 - MOMENTUM) * running_var + MOMENTUM * var * m / (m - 1))


@pytest.fixture(scope="module", params=["fc", "conv"])
def two_batches(request):
    """The batch-norm part's first two batches for one layer kind: the second starts from the first's running stats."""
    lab = NormalizationLab(part="batch-norm", layer=request.param)
    first = lab.bn
    for _ in STAGES:
        lab.step()
    return first, lab.bn


def test_batch_norm_stages_equal_numpy(two_batches):
    for bn in two_batches:
        gamma, beta = AFFINE[bn.layer]
        y, mean, var, running_mean, running_var = numpy_batch_norm(bn.x, gamma, beta, *bn.running_before)
        np.testing.assert_allclose(bn.mean, mean, atol=1e-12)
        np.testing.assert_allclose(bn.var, var, atol=1e-12)
        np.testing.assert_allclose(bn.y, y, atol=1e-12)
        np.testing.assert_allclose(bn.running_after[0], running_mean, atol=1e-12)
        np.testing.assert_allclose(bn.running_after[1], running_var, atol=1e-12)
        axes = (0,) + tuple(range(2, bn.x.ndim))
        np.testing.assert_allclose(bn.x_hat.mean(axis=axes), 0, atol=1e-12)  # per channel, over N (H, W)
        np.testing.assert_allclose(bn.x_hat.var(axis=axes), var / (var + EPS), atol=1e-12)
    first, second = two_batches
    np.testing.assert_array_equal(second.running_before[0], first.running_after[0])
    assert second.batch == 2 and not np.array_equal(second.x, first.x)


def test_eval_mode_uses_the_running_statistics(two_batches):
    bn = two_batches[1]
    gamma, beta = AFFINE[bn.layer]
    shape = [1, -1] + [1] * (bn.x.ndim - 2)
    mean, var = (np.reshape(v, shape) for v in bn.running_after)
    expected = np.reshape(gamma, shape) * (bn.x - mean) / np.sqrt(var + EPS) + np.reshape(beta, shape)
    np.testing.assert_allclose(bn.y_eval, expected, atol=1e-12)
    assert np.abs(bn.y_eval - bn.y).max() > 1.0  # after two batches the running statistics are far from the batch's


def test_layer_norm_is_per_sample(two_batches):
    for bn in two_batches:
        flat = bn.x.reshape(bn.x.shape[0], -1)
        np.testing.assert_allclose(bn.ln_mean, flat.mean(axis=1), atol=1e-12)
        np.testing.assert_allclose(bn.ln_std, np.sqrt(flat.var(axis=1) + EPS), atol=1e-12)
        expected = (flat - flat.mean(axis=1, keepdims=True)) / np.sqrt(flat.var(axis=1, keepdims=True) + EPS)
        np.testing.assert_allclose(bn.ln_y.reshape(flat.shape), expected, atol=1e-12)


@pytest.mark.parametrize("layer", ["fc", "conv"])
def test_batch_norm_matches_pytorch(layer):
    torch = pytest.importorskip("torch")
    module = batch_norm_module(layer)
    x = np.random.default_rng(3).normal(2.0, 3.0, (4, 3) if layer == "fc" else (2, 2, 2, 2))
    running = [torch.zeros(x.shape[1], dtype=torch.float64), torch.ones(x.shape[1], dtype=torch.float64)]
    gamma, beta = (torch.tensor(v, dtype=torch.float64) for v in AFFINE[layer])
    for _ in range(2):  # twice: the second batch starts from the running statistics the first left
        step = batch_norm_step(module, x, layer, 1)
        expected = torch.nn.functional.batch_norm(torch.tensor(x), *running, gamma, beta, training=True,
                                                  momentum=MOMENTUM, eps=EPS)
        np.testing.assert_allclose(step.y, expected.numpy(), atol=1e-12)
        np.testing.assert_allclose(step.running_after[0], running[0].numpy(), atol=1e-12)
        np.testing.assert_allclose(step.running_after[1], running[1].numpy(), atol=1e-12)
        evaluated = torch.nn.functional.batch_norm(torch.tensor(x), *running, gamma, beta, training=False, eps=EPS)
        np.testing.assert_allclose(step.y_eval, evaluated.numpy(), atol=1e-12)
        x = x * 0.5 + 1.0


def test_free_run_feeds_batches_until_the_running_statistics_settle():
    lab = NormalizationLab(part="batch-norm")
    lab.train()
    assert lab.bn.batch == 1 + BN_RUN and STAGES[lab.stage] == "layer norm"
    while not lab.finished:
        lab.train()
    population = np.array([5.0, -2.0, 0.5])
    assert np.abs(lab.bn.running_after[0] - population).max() < 0.2


def numpy_forward(s, activation):
    """The stability pass's activations, layer by layer, from its weights and inputs (biases 0)."""
    f = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
    h, layers = s.x, []
    for w in s.weights[:-1]:
        h = f(h @ w.T)
        layers.append(h)
    return layers


@pytest.mark.parametrize("activation, how", [("sigmoid", "xavier"), ("relu", "large"), ("tanh", "small")])
def test_stability_numbers_equal_a_numpy_pass(activation, how):
    s = stability_pass(activation, how, 10, 16, 0)
    layers = numpy_forward(s, activation)
    np.testing.assert_allclose(s.std, [h.std() for h in layers], rtol=1e-9)
    np.testing.assert_allclose(s.mean, [h.mean() for h in layers], rtol=1e-9, atol=1e-15)
    # ∂L/∂h by hand: MSE's gradient through the head, then back through each layer's activation and weights
    out = layers[-1] @ s.weights[-1].T
    grad = 2 * (out - s.target) / out.size @ s.weights[-1]
    grads = [grad]
    for l in range(len(layers) - 1, 0, -1):
        slope = {"sigmoid": layers[l] * (1 - layers[l]), "tanh": 1 - layers[l] ** 2, "relu": (layers[l] > 0) * 1.0}
        grad = (grad * slope[activation]) @ s.weights[l]
        grads.insert(0, grad)
    np.testing.assert_allclose(s.grad_std, [g.std() for g in grads], rtol=1e-7)


def test_the_default_pass_vanishes_backward_and_explodes_with_large_relu_weights():
    sigmoid = stability_pass("sigmoid", "xavier", 10, 16, 0)
    assert sigmoid.grad_std[0] < 1e-4 * sigmoid.grad_std[-1] and sigmoid.std.min() > 0.05
    relu = stability_pass("relu", "large", 10, 16, 0)
    assert relu.std[-1] > 1e3 * relu.std[0]


@pytest.mark.parametrize("how", ["zeros", "constant"])
def test_equal_weights_give_one_distinct_unit_per_layer(how):
    s = stability_pass("tanh", how, 10, 16, 0)
    assert list(s.distinct) == [1] * 10
    assert list(stability_pass("tanh", "xavier", 10, 16, 0).distinct) == [16] * 10
    lab = NormalizationLab(init=how)
    assert lab.snapshot().status.kind == "warning" and "Symmetry" in lab.snapshot().status.text


def test_the_batch_norm_net_trains_faster_than_the_plain_one():
    lab = NormalizationLab(part="training", epochs=20)
    while not lab.finished:
        lab.train()
    s = lab.snapshot()
    assert s.epoch == 20 and not s.diverged
    assert s.losses["batch norm"][-1] < 0.6 * s.losses["plain"][-1]
    assert s.accuracy["batch norm"] > s.accuracy["plain"] + 0.1


def test_both_nets_start_from_the_same_linear_weights():
    lab = NormalizationLab(part="training")
    plain, normed = lab.nets["plain"], lab.nets["batch norm"]
    for a, b in zip(plain.layers, normed.layers):
        np.testing.assert_array_equal(a.weight.data, b.weight.data)


def test_xavier_question_answer_is_the_variance_the_engine_draws():
    for seed in range(20):
        q = xavier_question(np.random.default_rng(seed))
        numbers = [int(v) for v in re.search(r"nn\.\w+\(([^)]*)\)", q.prompt)[1].replace("kernel_size=", "").split(", ")]
        shape = (numbers[1], numbers[0]) + ((numbers[2],) * 2 if len(numbers) == 3 else ())
        init.manual_seed(seed)
        drawn = np.concatenate([init.xavier_normal_(Tensor(np.empty(shape))).data.ravel() for _ in range(100)])
        assert drawn.var() == pytest.approx(q.answer, rel=0.05)  # 100 draws of the layer: a steady variance


def test_bn_question_answers_equal_numpy():
    for seed in range(20):
        q = bn_question(np.random.default_rng(seed))
        x = np.array([float(v.replace("−", "-")) for v in re.search(r"x = \(([^)]*)\)", q.prompt)[1].split(", ")])
        if "running variance" in q.prompt:
            assert q.answer == pytest.approx(0.9 + 0.1 * x.var(ddof=1))
        else:
            gamma, beta, k = (float(re.search(p, q.prompt)[1].replace("−", "-"))
                              for p in (r"γ = (−?\d+(?:\.\d+)?)", r"β = (−?\d+(?:\.\d+)?)", r"sample (\d+)\?"))
            assert q.answer == pytest.approx(gamma * (x[int(k) - 1] - x.mean()) / np.sqrt(x.var() + EPS) + beta)
