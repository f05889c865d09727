"""Optimizers against their update formulas written out by hand, three steps each."""

import numpy as np
import pytest

from dltui.engine import Tensor, optim

P0 = np.array([1.0, -2.0, 0.5])
GRADS = [np.array([0.1, -0.3, 0.2]), np.array([-0.2, 0.1, 0.4]), np.array([0.3, 0.0, -0.1])]


def run(make_opt):
    p = Tensor(P0, requires_grad=True)
    opt = make_opt([p])
    for g in GRADS:
        opt.zero_grad()
        p.grad = g.copy()
        opt.step()
    return p.data, opt.state[p]


def test_sgd_plain_with_weight_decay():
    p = P0.copy()
    for g in GRADS:
        p = p - 0.1 * (g + 0.01 * p)
    np.testing.assert_allclose(run(lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.01))[0], p, rtol=1e-14)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum(nesterov):
    p, v = P0.copy(), None
    for g in GRADS:
        v = g.copy() if v is None else 0.9 * v + g
        p = p - 0.1 * (g + 0.9 * v if nesterov else v)
    got, state = run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=nesterov))
    np.testing.assert_allclose(got, p, rtol=1e-14)
    np.testing.assert_allclose(state["momentum_buffer"], v, rtol=1e-14)


def test_adagrad():
    p, s = P0.copy(), np.zeros(3)
    for t, g in enumerate(GRADS, 1):
        s = s + g * g
        p = p - 0.5 / (1 + (t - 1) * 0.1) * g / (np.sqrt(s) + 1e-10)
    got, state = run(lambda ps: optim.Adagrad(ps, lr=0.5, lr_decay=0.1))
    np.testing.assert_allclose(got, p, rtol=1e-14)
    np.testing.assert_allclose(state["sum"], s, rtol=1e-14)


@pytest.mark.parametrize("centered,momentum", [(False, 0.0), (True, 0.5)])
def test_rmsprop(centered, momentum):
    p, sq, avg, buf = P0.copy(), np.zeros(3), np.zeros(3), np.zeros(3)
    for g in GRADS:
        sq = 0.9 * sq + 0.1 * g * g
        avg = 0.9 * avg + 0.1 * g
        denom = np.sqrt(sq - avg**2 if centered else sq) + 1e-8
        buf = momentum * buf + g / denom
        p = p - 0.01 * (buf if momentum else g / denom)
    got, state = run(lambda ps: optim.RMSprop(ps, lr=0.01, alpha=0.9, centered=centered, momentum=momentum))
    np.testing.assert_allclose(got, p, rtol=1e-13)
    np.testing.assert_allclose(state["square_avg"], sq, rtol=1e-14)


def test_adadelta():
    p, sq, acc = P0.copy(), np.zeros(3), np.zeros(3)
    for g in GRADS:
        sq = 0.9 * sq + 0.1 * g * g
        delta = np.sqrt(acc + 1e-6) / np.sqrt(sq + 1e-6) * g
        acc = 0.9 * acc + 0.1 * delta * delta
        p = p - 1.0 * delta
    got, state = run(lambda ps: optim.Adadelta(ps))
    np.testing.assert_allclose(got, p, rtol=1e-14)
    np.testing.assert_allclose(state["acc_delta"], acc, rtol=1e-14)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(amsgrad):
    p, m, v, vmax = P0.copy(), np.zeros(3), np.zeros(3), np.zeros(3)
    for t, g in enumerate(GRADS, 1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        vmax = np.maximum(vmax, v)
        m_hat, v_hat = m / (1 - 0.9**t), (vmax if amsgrad else v) / (1 - 0.999**t)
        p = p - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
    got, state = run(lambda ps: optim.Adam(ps, lr=0.01, amsgrad=amsgrad))
    np.testing.assert_allclose(got, p, rtol=1e-10)  # bias correction is applied in a different order
    np.testing.assert_allclose(state["exp_avg"], m, rtol=1e-14)
    assert state["step"] == 3


def test_first_adam_step_moves_each_weight_by_lr():
    """With bias correction the first step is lr·sign(g) (up to ε): the classic Adam property."""
    p = Tensor(P0, requires_grad=True)
    opt = optim.Adam([p], lr=0.05)
    p.grad = np.array([1e-3, -5.0, 2.0])
    opt.step()
    np.testing.assert_allclose(p.data, P0 - 0.05 * np.sign(p.grad), rtol=1e-6)


def test_learning_rate_can_change_between_steps_and_grad_free_params_are_skipped():
    a, b = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = np.array([1.0])
    opt.step()
    opt.lr = 1.0
    opt.step()
    assert a.data[0] == pytest.approx(1.0 - 0.1 - 1.0) and b.data[0] == 1.0 and b not in opt.state
