"""The regularization lab: the plain net overfits and weight decay and dropout narrow the gap; the L2 step is
w − η(∇ + λw) (NumPy, and PyTorch's SGD); the masks shown are the ones applied, scaled by 1/(1 − p); eval mode
is deterministic and equals the net without dropout; early stopping returns the validation minimum's weights."""

from __future__ import annotations

import numpy as np
import pytest

from dltui.engine import Tensor, functional as F
from dltui.labs.regularization import RegularizationLab, l1_penalty

EPOCHS = 600  # the plain net's validation minimum is at epoch 134; by 600 it has risen by a fifth


def trained(epochs: int = EPOCHS, **params) -> RegularizationLab:
    lab = RegularizationLab(**params)
    for _ in range(epochs):
        lab.step()
    return lab


@pytest.fixture(scope="module")
def runs():
    return {name: trained(**params).snapshot()
            for name, params in {"plain": {}, "l2": {"weight_decay": 0.01}, "dropout": {"dropout": 0.3}}.items()}


def test_the_plain_net_overfits_and_regularization_narrows_the_gap(runs):
    plain = runs["plain"]
    best = plain.best_epoch
    assert best == int(np.argmin(plain.val_loss)) and 50 < best < EPOCHS - 200
    assert plain.val_loss[-1] > 1.1 * plain.best_val  # validation rose after its minimum …
    assert plain.train_loss[-1] < plain.train_loss[best] - 0.005  # … while the training loss kept falling
    for name in ("l2", "dropout"):
        assert runs[name].gap < 0.6 * plain.gap, name
        assert runs[name].val_loss[-1] < plain.val_loss[-1], name


def engine_grads(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, masks=()) -> list[np.ndarray]:
    """The data loss's gradient for these weights, on a fresh engine graph (masks: scaled, per hidden layer)."""
    w1, b1, w2, b2, w3, b3 = tensors = [Tensor(p, requires_grad=True) for p in params]
    h = F.tanh(F.linear(Tensor(x), w1, b1))
    h = h * masks[0] if masks else h
    h = F.tanh(F.linear(h, w2, b2))
    h = h * masks[1] if masks else h
    F.mse_loss(F.linear(h, w3, b3), y).backward()
    return [t.grad for t in tensors]


def test_weight_decay_adds_lambda_w_to_each_weights_gradient():
    lam, lr = 0.05, 0.1
    lab = RegularizationLab(weight_decay=lam, optimizer="sgd", lr=lr)
    before = lab.net.state()
    grads = engine_grads(before, lab.x, lab.y)
    lab.step()  # SGD's first step with momentum is a plain step: the buffer starts at the gradient
    after = lab.net.state()
    for k, (w, g, new) in enumerate(zip(before, grads, after)):
        decay = lam * w if k % 2 == 0 else 0.0  # weights (even places) decay, biases do not
        np.testing.assert_allclose(new, w - lr * (g + decay), rtol=1e-12, atol=1e-14)
    snapshot = lab.snapshot()
    assert snapshot.decay_norm == pytest.approx(lam * snapshot.weight_norm)


def test_the_l2_step_is_pytorchs_sgd_weight_decay():
    torch = pytest.importorskip("torch")
    lam, lr = 0.02, 0.2
    lab = RegularizationLab(weight_decay=lam, optimizer="sgd", lr=lr, hidden=16)
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in lab.net.state()]
    w1, b1, w2, b2, w3, b3 = params
    optimizer = torch.optim.SGD([{"params": [w1, w2, w3], "weight_decay": lam}, {"params": [b1, b2, b3]}],
                                lr=lr, momentum=0.9)
    x, y = (torch.tensor(a) for a in (lab.x, lab.y))
    for _ in range(3):
        optimizer.zero_grad()
        out = torch.tanh(torch.tanh(x @ w1.T + b1) @ w2.T + b2) @ w3.T + b3
        torch.nn.functional.mse_loss(out, y).backward()
        optimizer.step()
        lab.step()
    for ours, theirs in zip(lab.net.state(), params):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_the_l1_penalty_adds_lambda_sign_w():
    w = Tensor(np.array([-1.5, -0.2, 0.0, 0.3, 2.0]), requires_grad=True)
    penalty = l1_penalty([w], 0.01)
    assert penalty.item() == pytest.approx(0.01 * 4.0)
    penalty.backward()
    np.testing.assert_array_equal(w.grad, 0.01 * np.sign(w.data))


def test_the_masks_shown_are_the_ones_applied_and_kept_units_are_scaled():
    p, lr = 0.4, 0.1
    lab = RegularizationLab(dropout=p, optimizer="sgd", lr=lr)
    before = lab.net.state()
    snapshot = lab.perform("step")
    assert len(snapshot.masks) == 2
    for mask in snapshot.masks:
        assert mask.shape == (20, 64)
        assert set(np.unique(mask)) == {0.0, 1 / (1 - p)}
        assert abs((mask > 0).mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / mask.size)
    grads = engine_grads(before, lab.x, lab.y, snapshot.masks)  # the update, redone with the masks shown
    for w, g, new in zip(before, grads, lab.net.state()):
        np.testing.assert_allclose(new, w - lr * g, rtol=1e-12, atol=1e-14)
    again = lab.perform("step").masks
    assert not np.array_equal(again[0], snapshot.masks[0])  # a fresh mask every update


def test_eval_mode_is_deterministic_and_equals_the_net_without_dropout():
    lab = trained(20, dropout=0.5)
    first, second = lab.snapshot(), lab.snapshot()
    np.testing.assert_array_equal(first.curve, second.curve)
    assert first.probe_eval == second.probe_eval
    assert len(set(first.probe_train)) == len(first.probe_train)  # train mode: each draw its own mask
    plain = RegularizationLab(dropout=0.0)
    plain.net.load(lab.net.state())
    np.testing.assert_array_equal(plain.snapshot().curve, first.curve)
    assert plain.snapshot().probe_eval == first.probe_eval
    redrawn = lab.perform("redraw")
    assert not np.array_equal(redrawn.probe_train, first.probe_train) and redrawn.probe_eval == first.probe_eval


def test_early_stopping_returns_the_validation_minimum():
    lab = RegularizationLab(patience=100)
    while not lab.finished:
        lab.step()
    s = lab.snapshot()
    assert s.outcome == "early-stopped" and s.epoch == s.best_epoch + 100
    assert s.best_epoch == int(np.argmin(s.val_loss))
    assert s.val_now == s.best_val  # the weights are the best epoch's again


def test_best_stops_at_the_lowest_validation_loss_so_far():
    lab = trained(30)
    s = lab.perform("best")
    assert s.outcome == "rewound" and lab.finished
    assert s.best_epoch == int(np.argmin(s.val_loss)) and lab.loss(lab.xv, lab.yv) == s.best_val
    assert lab.perform("step").epoch == 30  # stopped: nothing more until a reset


def test_a_learning_rate_far_too_large_diverges():
    lab = RegularizationLab(optimizer="sgd", lr=1.0)
    while not lab.finished:
        lab.step()
    s = lab.snapshot()
    assert s.diverged and s.epoch < 100 and s.status.kind == "error"
