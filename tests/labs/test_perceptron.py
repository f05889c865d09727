"""The perceptron lab learns what it should: separable sets converge, XOR and overlapping clouds never do."""

import numpy as np
import pytest

from dltui.labs import ControlError, lab_class

Perceptron = lab_class("perceptron")


def run_to_end(lab):
    while not lab.finished:
        snapshot = lab.perform("epoch")
    return snapshot


@pytest.mark.parametrize("dataset", ["AND", "OR", "NAND", "separable"])
@pytest.mark.parametrize("init", ["zeros", "random"])
def test_separable_data_converges_and_classifies_every_sample(dataset, init):
    snapshot = run_to_end(Perceptron(dataset=dataset, init=init))
    assert snapshot.converged and not snapshot.gave_up
    assert snapshot.mistakes[-1] == 0 and snapshot.accuracy == 1.0
    assert snapshot.status.kind == "success" and "Converged" in snapshot.status.text


def test_and_follows_the_rule_worked_by_hand():
    """Zero init, η = 1, samples in order (0,0) (0,1) (1,0) (1,1): the classic trace."""
    snapshot = run_to_end(Perceptron(dataset="AND"))
    assert snapshot.mistakes == (2, 3, 3, 2, 1, 0)
    assert snapshot.weights.tolist() == [2.0, 1.0] and snapshot.bias == -3.0


@pytest.mark.parametrize("init", ["zeros", "random"])
def test_xor_never_converges_and_the_cycle_is_detected(init):
    lab = Perceptron(dataset="XOR", init=init, max_epochs=1000)
    snapshot = run_to_end(lab)
    assert not snapshot.converged and snapshot.gave_up
    assert snapshot.epoch < 1000, "a repeated end-of-epoch state should stop it long before the limit"
    assert min(snapshot.mistakes) > 0
    assert "cycle" in snapshot.status.text and "Minsky" in snapshot.status.text


def test_the_detected_cycle_is_real():
    """Ignore the verdict and keep going: mistakes stay above zero for 200 epochs."""
    lab = Perceptron(dataset="XOR", max_epochs=1000)
    for _ in range(200):
        lab.repeats = None
        lab.epoch()
    assert min(lab.mistakes) > 0 and not lab.converged


@pytest.mark.parametrize("seed", range(5))
def test_overlapping_clouds_never_converge_separable_ones_always_do(seed):
    assert not run_to_end(Perceptron(dataset="overlapping", seed=seed, max_epochs=300)).converged
    assert run_to_end(Perceptron(dataset="separable", seed=seed, max_epochs=300)).converged


def test_one_step_shows_x_y_yhat_and_the_change():
    lab = Perceptron(dataset="AND")
    snapshot = lab.perform("step")
    u = snapshot.last
    assert (u.index, u.x, u.y, u.activation, u.y_hat) == (0, (0.0, 0.0), 0, 0.0, 1)
    assert (u.dw, u.db) == ((0.0, 0.0), -1.0) and snapshot.bias == -1.0
    assert snapshot.position == 1 and snapshot.epoch == 0


def test_learning_rate_only_scales_weights_from_zero_init():
    """Ties must not depend on the rounding of η (0.1·3 ≠ 0.3 in floating point)."""
    reference = run_to_end(Perceptron(dataset="AND"))
    for lr in (0.1, 0.3, 0.7, 1.3, 9.9):
        snapshot = run_to_end(Perceptron(dataset="AND", lr=lr))
        assert snapshot.mistakes == reference.mistakes, lr
        np.testing.assert_allclose(snapshot.weights, lr * reference.weights)


def test_the_decision_line_separates_the_classes_once_converged():
    snapshot = run_to_end(Perceptron(dataset="separable", seed=3))
    xs, ys = snapshot.boundary(-1, 5, -1, 5)
    (w1, w2), b = snapshot.weights, snapshot.bias
    assert all(abs(w1 * x + w2 * y + b) < 1e-6 for x, y in zip(xs, ys))
    assert (snapshot.predictions == snapshot.labels).all()


def test_bad_parameters_are_refused_with_a_reason():
    with pytest.raises(ControlError, match="out of range"):
        Perceptron(lr=50)
    with pytest.raises(ControlError, match="not one of"):
        Perceptron(dataset="XNOR")
    lab = Perceptron(dataset="OR")
    with pytest.raises(ControlError):
        lab.reset(max_epochs=0)
    assert lab.params["max_epochs"] == 100 and lab.params["dataset"] == "OR"
