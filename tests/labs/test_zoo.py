"""The zoo lab's six toys against references written out directly: Gaussian features and least squares for the RBF
net, the Kohonen rule sample by sample, the reservoir's recurrence and the ridge system, the hinge loss's gradient by
central differences, the AR model's lagged least squares, and the transposed convolution in PyTorch and as a
convolution of the zero-stuffed input. What a learner sees: each toy learns what the lesson says it does."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dltui.engine import Tensor
from dltui.labs.zoo import (AR_AHEAD, AR_TRAIN, ESN_RIDGE, ESN_UNITS, ESN_WASHOUT, SOM_CHUNK, SOM_SIDE, SVM_LR, TOYS,
                            ZooLab, ar_fit, ar_next, hinge_objective, map_path, rbf_question,
                            reservoir, size_question, som_errors, som_question, upsampled_size)


def finished(**params) -> ZooLab:
    lab = ZooLab(**params)
    lab.act("finish")
    return lab


@pytest.fixture(scope="module")
def runs():
    """Each toy run to its end at the lab's defaults."""
    return {toy: finished(toy=toy) for toy in TOYS}


def gaussians(x, centres, widths):
    return np.exp(-((x[:, None] - centres[None, :]) ** 2) / (2 * widths[None, :] ** 2))


# ------------------------------------------------------------------ rbf
def test_the_rbf_net_starts_at_the_least_squares_weights_and_its_fit_is_the_sum_of_gaussians():
    lab = ZooLab(toy="rbf")
    s = lab.snapshot()
    features = gaussians(lab.x, s.centres, s.widths)
    reference = np.linalg.lstsq(features, lab.y, rcond=None)[0]
    assert s.weights == pytest.approx(reference, abs=1e-10)
    assert s.curve == pytest.approx(gaussians(s.curve_x, s.centres, s.widths) @ s.weights, abs=1e-12)
    assert s.start_loss == pytest.approx(np.mean((features @ reference - lab.y) ** 2), rel=1e-12)
    assert np.diff(s.centres) == pytest.approx(np.full(5, 1.2)) and s.widths == pytest.approx(np.full(6, 0.84))


def test_rbf_gradients_match_central_differences_and_training_beats_the_two_stage_fit(runs):
    lab = ZooLab(toy="rbf")

    def loss(centres, log_widths, weights):
        return np.mean((gaussians(lab.x, centres, np.exp(log_widths)) @ weights - lab.y) ** 2)

    values = [lab.centres.data.copy(), lab.log_widths.data.copy(), lab.out_weight.data.ravel().copy()]
    lab.optimizer.zero_grad()
    from dltui.engine import functional as F
    F.mse_loss(lab.rbf_forward(lab.x), lab.y.reshape(-1, 1)).backward()
    grads = [lab.centres.grad, lab.log_widths.grad, lab.out_weight.grad.ravel()]
    for k, (value, grad) in enumerate(zip(values, grads)):
        for j in range(len(value)):
            up, down = [v.copy() for v in values], [v.copy() for v in values]
            up[k][j] += 1e-6
            down[k][j] -= 1e-6
            assert grad[j] == pytest.approx((loss(*up) - loss(*down)) / 2e-6, rel=1e-5, abs=1e-9)
    s = runs["rbf"].snapshot()
    assert s.history[-1] < s.start_loss / 3 and s.step == s.steps and not s.diverged


# ------------------------------------------------------------------ som
def test_the_map_path_draws_every_grid_edge_and_nothing_else():
    for side in (2, 5, 6):
        path = map_path(side)
        rows, cols = np.divmod(path, side)
        steps = np.abs(np.diff(rows)) + np.abs(np.diff(cols))
        assert set(steps) <= {0, 1}  # neighbours (or the same unit where the two halves meet)
        edges = {frozenset(pair) for pair in zip(path[:-1], path[1:]) if pair[0] != pair[1]}
        assert len(edges) == 2 * side * (side - 1)


def test_som_steps_follow_the_kohonen_rule_sample_by_sample():
    lab = ZooLab(toy="som")
    units = lab.units.copy()
    positions = np.array([(k // SOM_SIDE, k % SOM_SIDE) for k in range(SOM_SIDE**2)], float)
    for sample in range(SOM_CHUNK):
        x = lab.data[lab.order[sample]]
        best = np.argmin([np.sum((u - x) ** 2) for u in units])
        rate, radius = lab.som_schedule(sample)
        for k in range(len(units)):
            d2 = np.sum((positions[k] - positions[best]) ** 2)
            units[k] = units[k] + rate * np.exp(-d2 / (2 * radius**2)) * (x - units[k])
    lab.act("step")
    assert lab.units == pytest.approx(units, abs=1e-12)
    assert lab.som_schedule(0) == pytest.approx((0.5, 3.0)) and lab.som_schedule(2999) == pytest.approx((0.02, 0.5))


def test_som_errors_and_the_map_unfolds(runs):
    lab = runs["som"]
    rng = np.random.default_rng(0)
    weights, data = rng.random((9, 2)), rng.random((30, 2))
    positions = np.array([(k // 3, k % 3) for k in range(9)], float)
    nearest = [np.argsort([np.hypot(*(w - x)) for w in weights])[:2] for x in data]
    quantization = np.mean([np.hypot(*(weights[a] - x)) for (a, _), x in zip(nearest, data)])
    topographic = np.mean([abs(positions[a] - positions[b]).sum() != 1 for a, b in nearest])
    assert som_errors(weights, data, positions) == pytest.approx((quantization, topographic))
    s = lab.snapshot()
    assert s.history[0] > 0.5 and s.topographic < 0.05  # tangled at the start, ordered at the end
    assert s.quantization < ZooLab(toy="som").snapshot().quantization


# ------------------------------------------------------------------ esn
def test_the_reservoir_has_its_spectral_radius_and_the_readout_solves_the_ridge_system(runs):
    w, w_in, bias = reservoir(1.3, 4)
    assert np.max(np.abs(np.linalg.eigvals(w))) == pytest.approx(1.3)
    lab = runs["esn"]
    w, w_in, bias = reservoir(lab.params["radius"], lab.params["seed"])
    x, states = np.zeros(ESN_UNITS), []
    for u in lab.inputs[:50]:
        x = np.tanh(w @ x + w_in * u + bias)
        states.append(x)
    assert lab.states[:50] == pytest.approx(np.array(states), abs=1e-12)
    train = slice(ESN_WASHOUT, ESN_WASHOUT + 1000)
    design = np.hstack([lab.states[train], np.ones((1000, 1))])
    stacked = np.vstack([design, np.sqrt(ESN_RIDGE) * np.eye(ESN_UNITS + 1)])  # ridge as plain least squares
    reference = np.linalg.lstsq(stacked, np.append(lab.targets[train], np.zeros(ESN_UNITS + 1)), rcond=None)[0]
    prediction = np.hstack([lab.states[lab.test], np.ones((300, 1))])
    assert lab.esn_prediction() == pytest.approx(prediction @ reference, abs=1e-6)


def test_the_echo_state_network_beats_repeating_the_last_value_until_its_radius_is_too_large(runs):
    s = runs["esn"].snapshot()
    target, last = s.target, runs["esn"].inputs[runs["esn"].test]
    assert s.baseline == pytest.approx(np.sqrt(np.mean((last - target) ** 2)) / np.std(target))
    assert s.history[-1] < s.baseline / 10 and s.history[-1] < s.history[0]
    assert finished(toy="esn", radius=2.0).history[-1] > s.baseline


# ------------------------------------------------------------------ svm
def test_the_hinge_gradient_matches_central_differences_and_sgd_takes_that_step():
    lab = ZooLab(toy="svm", penalty=0.1)
    x, y = lab.points, lab.labels

    def objective(w, b):
        return np.mean(np.maximum(0, 1 - y * (x @ w + b))) + 0.05 * w @ w

    w, b = lab.svm_weight.data.ravel().copy(), float(lab.svm_bias.data[0])
    assert lab.svm_objective() == pytest.approx(objective(w, b), rel=1e-12)
    hinge_objective(Tensor(x), y, lab.svm_weight, lab.svm_bias, 0.1).backward()
    eps = 1e-6
    numeric = [(objective(w + eps * e, b) - objective(w - eps * e, b)) / (2 * eps) for e in np.eye(2)]
    numeric.append((objective(w, b + eps) - objective(w, b - eps)) / (2 * eps))
    analytic = [*lab.svm_weight.grad.ravel(), lab.svm_bias.grad[0]]
    assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-9)  # no point sits on the kink at a random w
    active = y * (x @ w + b) < 1
    subgradient = -(y[active, None] * x[active]).sum(axis=0) / len(y) + 0.1 * w
    lab.svm_weight.grad = lab.svm_bias.grad = None
    lab.act("step")
    assert lab.svm_weight.data.ravel() == pytest.approx(w - SVM_LR * subgradient, abs=1e-12)


def test_the_trained_svm_is_near_the_optimum_and_its_support_vectors_are_the_points_inside_the_margin(runs):
    lab = runs["svm"]
    s = lab.snapshot()
    w, b = s.weights[:2], s.weights[2]
    f = lab.points @ w + b
    assert np.array_equal(s.support, lab.labels * f <= 1) and s.errors == np.sum(lab.labels * f <= 0)
    assert s.margin == pytest.approx(2 / np.linalg.norm(w))
    best = s.history[-1]
    for step in np.vstack([np.eye(3), -np.eye(3)]) * 0.02:  # convex: no nearby point is noticeably lower
        lab.svm_weight.data[:] = (w + step[:2]).reshape(1, 2)
        lab.svm_bias.data[:] = b + step[2]
        assert lab.svm_objective() > best - 1e-3
    assert s.history[-1] < s.history[0] / 3


# ------------------------------------------------------------------ ar
def test_the_ar_fit_is_lagged_least_squares_and_a_clean_pair_of_sines_is_exactly_ar4(runs):
    lab = runs["ar"]
    k = lab.params["order"]
    rows = np.array([[lab.series[t - i] for i in range(1, k + 1)] for t in range(k, AR_TRAIN)])
    assert lab.coefficients == pytest.approx(np.linalg.lstsq(rows, lab.series[k:AR_TRAIN], rcond=None)[0], abs=1e-10)
    history = np.concatenate([lab.series[:AR_TRAIN], lab.rollout[:-1]])
    assert lab.rollout[-1] == pytest.approx(lab.coefficients @ history[::-1][:k], abs=1e-12)
    assert len(lab.rollout) == AR_AHEAD
    t = np.arange(100)
    clean = np.sin(2 * np.pi * t / 16) + 0.6 * np.sin(2 * np.pi * t / 6.5)
    a = ar_fit(clean[:60], 4)
    rolled = list(clean[:60])
    for _ in range(40):
        rolled.append(ar_next(a, np.array(rolled)))
    assert np.array(rolled[60:]) == pytest.approx(clean[60:], abs=1e-6)


def test_a_longer_window_rolls_the_noisy_series_out_better(runs):
    assert runs["ar"].history[-1] < 0.2 < finished(toy="ar", order=4).history[-1]


# ------------------------------------------------------------------ deconv
@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 0), (3, 0), (2, 1)])
def test_conv_transpose_equals_pytorch_and_the_zero_stuffed_convolution(stride, padding):
    lab = finished(toy="deconv", stride=stride, padding=padding)
    s = lab.snapshot()
    side = upsampled_size(3, 3, stride, padding)
    assert s.full.shape == (side, side) and np.array_equal(s.output, s.full)
    stuffed = np.zeros((2 * stride + 5, 2 * stride + 5))  # s − 1 zeros between cells, k − 1 around
    stuffed[2:2 + 3 * stride:stride, 2:2 + 3 * stride:stride] = s.image
    flipped = s.kernel[::-1, ::-1]
    conv = np.array([[np.sum(stuffed[i:i + 3, j:j + 3] * flipped) for j in range(len(stuffed) - 2)]
                     for i in range(len(stuffed) - 2)])
    assert s.full == pytest.approx(conv[padding:len(conv) - padding, padding:len(conv) - padding])
    torch = pytest.importorskip("torch")
    reference = torch.nn.functional.conv_transpose2d(torch.tensor(s.image[None, None]),
                                                     torch.tensor(s.kernel[None, None]), stride=stride,
                                                     padding=padding)[0, 0].numpy()
    assert s.full == pytest.approx(reference, abs=1e-12)


def test_each_deconv_step_adds_one_cells_stamp():
    lab = ZooLab(toy="deconv")
    before = np.nan_to_num(lab.snapshot().output)
    for cell in range(9):
        s = lab.perform("step")
        i, j = divmod(cell, 3)
        stamp = np.zeros((9, 9))
        stamp[2 * i:2 * i + 3, 2 * j:2 * j + 3] = s.image[i, j] * s.kernel
        assert s.stamped == (i, j) and np.nan_to_num(s.output) == pytest.approx(before + stamp[:7, :7])
        assert s.stamp == {(2 * i + a, 2 * j + b) for a in range(3) for b in range(3)}
        before = np.nan_to_num(s.output)
    assert lab.finished and "F.conv_transpose2d" in s.status.text


# ------------------------------------------------------------------ every toy; the questions
def test_every_toy_runs_to_its_end_and_names_its_actions(runs):
    for toy in TOYS:
        first, last = ZooLab(toy=toy).snapshot(), runs[toy].snapshot()
        assert "{step}" in first.status.text and "{run}" in first.status.text, toy
        assert last.step == last.steps and runs[toy].finished and last.status.kind == "success", toy


def numbers(text: str) -> np.ndarray:
    return np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text.replace("−", "-"))])


def vector(prompt: str, name: str) -> np.ndarray:
    return numbers(re.search(re.escape(name) + r" = \(([^)]*)\)", prompt)[1])


def test_the_questions_answers_are_the_formulas():
    for seed in range(30):
        q = rbf_question(np.random.default_rng(seed))
        c, sig, w = (vector(q.prompt, name) for name in ("c", "σ", "w"))
        x = numbers(re.search(r"at x = (\S+)\?", q.prompt)[1])[0]
        assert q.answer == pytest.approx(np.sum(w * np.exp(-((x - c) ** 2) / (2 * sig**2))), abs=1e-12)
        q = size_question(np.random.default_rng(seed))
        k, s, p, op, h = numbers(q.prompt.split("2d")[1])[:5]
        assert q.answer == (h - 1) * s - 2 * p + k + op
        q = som_question(np.random.default_rng(seed))
        sample, best, unit, weight = (vector(q.prompt, name) for name in ("x", "b", "u", "w"))
        radius, rate = (numbers(re.search(name + r" = ([\d.]+)", q.prompt)[1])[0] for name in ("σ", "η"))
        d2 = np.sum((unit - best) ** 2)
        assert q.answer == pytest.approx(weight[0] + rate * np.exp(-d2 / (2 * radius**2)) * (sample[0] - weight[0]))
