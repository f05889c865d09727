"""Activation curves: backward equals the closed-form derivatives; a deep sigmoid net's first layer
gets orders of magnitude less gradient than a ReLU net's."""

import numpy as np
import pytest

from dltui.labs import lab_class, question_generator
from dltui.labs.activations import FUNCTIONS, curve, layer_grad_norms

Activations = lab_class("activations")


def test_every_derivative_from_backward_matches_its_closed_form():
    snapshot = Activations().snapshot()
    assert [c.name for c in snapshot.curves] == list(FUNCTIONS)
    x = snapshot.x
    assert x[0] == -4 and x[-1] == 4 and 0.0 in x
    for c in snapshot.curves:
        assert c.max_error < 1e-12, c.name
        np.testing.assert_allclose(c.derivative, c.closed_form, atol=1e-12)
    by = {c.name: c for c in snapshot.curves}
    at0 = np.flatnonzero(x == 0)[0]
    assert by["sigmoid"].derivative[at0] == pytest.approx(0.25) and by["sigmoid"].derivative.max() <= 0.25
    assert by["tanh"].derivative[at0] == pytest.approx(1.0)
    assert by["relu"].derivative[at0] == 0.0  # the engine's convention at the kink, as PyTorch's
    assert set(by["leaky_relu"].derivative) == {0.01, 1.0}
    assert by["elu"].derivative[0] == pytest.approx(np.exp(-4))
    assert not by["step"].derivative.any()  # no gradient anywhere: nothing to backpropagate


def test_derivatives_agree_with_finite_differences():
    x = np.array([-2.3, -0.7, 0.4, 1.9])
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu"):
        f = FUNCTIONS[name][1]
        numeric = (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
        np.testing.assert_allclose(curve(name, x).derivative, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_sigmoid_gradients_vanish_relu_gradients_do_not(seed):
    """8 layers of 16, He init: layer 1's gradient norm with sigmoid is ~1e-4 of ReLU's (1.5e-5–1.2e-4 on
    seeds 0–3) and ~1e-4 of sigmoid's own last layer; ReLU keeps more than 5% of its last layer's."""
    snapshot = Activations(seed=seed).snapshot()
    sig, relu = snapshot.grad_norms["sigmoid"], snapshot.grad_norms["relu"]
    assert len(sig) == len(relu) == 8
    assert sig[0] / relu[0] < 1e-3
    assert snapshot.ratio("sigmoid") < 1e-3 and snapshot.ratio("relu") > 0.05
    assert (np.diff(sig) > 0).all()  # shrinks at every layer on the way down


def test_the_same_seed_gives_the_same_numbers_and_resample_moves_on():
    lab = Activations(depth=4, width=8)
    first = lab.snapshot().grad_norms["tanh"]
    np.testing.assert_array_equal(first, layer_grad_norms("tanh", 4, 8, 0))
    after = lab.perform("resample")
    assert after.seed == 1
    np.testing.assert_array_equal(after.grad_norms["tanh"], layer_grad_norms("tanh", 4, 8, 1))


def test_derivative_question_is_answered_by_backward():
    for seed in range(10):
        q = question_generator("activations.derivative")(np.random.default_rng(seed))
        name, x = q.prompt.split(" ")[4].rstrip("′(x)"), float(q.prompt.split("x = ")[1].split("?")[0].replace("−", "-"))
        assert q.answer == pytest.approx(FUNCTIONS[name][2](np.array([x]))[0])
