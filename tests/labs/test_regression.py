"""The regression lab: its gradient descent is w ← w − η·∇MSE step for step (NumPy, and PyTorch's SGD), it ends at the
least-squares solution, a step size above 2/λmax diverges and the lab says so, and the validation loss of the
least-squares fits turns up with the degree."""

import re

import numpy as np
import pytest

from dltui.labs.regression import (
    RegressionLab, degree_fits, largest_stable_lr, least_squares, line_surface, make_data, mse_question, powers,
    slope_question, step_question,
)


def design(x, degree):
    return np.hstack([x.reshape(-1, 1) ** np.arange(1, degree + 1), np.ones((len(x), 1))])


def numpy_gd(degree, lr, steps, batch=None, rows=None):
    """θ = (w₁ … w_d, b) after each step of θ ← θ − η·(2/m)·Aᵀ(Aθ − y) on the given rows (all by default)."""
    x, y, _, _ = make_data()
    a, theta, path = design(x, degree), np.zeros(degree + 1), []
    for k in range(steps):
        r = rows[k] if rows is not None else np.arange(len(x))
        theta = theta - lr * 2 / len(r) * a[r].T @ (a[r] @ theta - y[r])
        path.append(theta.copy())
    return np.array(path)


def lab_path(lab, steps):
    """The lab's θ after each step, and the rows each step used."""
    path, rows = [], []
    for _ in range(steps):
        rows.append(lab.batch_rows())
        lab.step()
        path.append(np.append(lab.weight.data[0], lab.bias.data[0]))
    return np.array(path), rows


@pytest.mark.parametrize("degree, lr, batch", [(1, 0.3, 20), (3, 0.5, 20), (2, 0.1, 6)])
def test_each_step_is_w_minus_lr_times_the_mse_gradient(degree, lr, batch):
    path, rows = lab_path(RegressionLab(degree=degree, lr=lr, batch=batch), 40)
    np.testing.assert_allclose(path, numpy_gd(degree, lr, 40, rows=rows), rtol=1e-12, atol=1e-12)
    if batch < 20:  # an epoch's minibatches cover every point once
        assert sorted(np.concatenate(rows[:4])) == list(range(20)) and len(rows[3]) == 2


def test_the_steps_equal_pytorch_sgd():
    torch = pytest.importorskip("torch")
    x, y, _, _ = make_data()
    lab = RegressionLab(degree=3, lr=0.4, batch=7)
    path, rows = lab_path(lab, 25)
    linear = torch.nn.Linear(3, 1).double()
    with torch.no_grad():
        linear.weight.zero_(), linear.bias.zero_()
    sgd = torch.optim.SGD(linear.parameters(), lr=0.4)
    features, targets = torch.tensor(powers(x, 3)), torch.tensor(y).reshape(-1, 1)
    for r, theta in zip(rows, path):
        sgd.zero_grad()
        torch.nn.functional.mse_loss(linear(features[r]), targets[r]).backward()
        sgd.step()
        np.testing.assert_allclose(np.append(linear.weight.detach().numpy()[0], linear.bias.item()), theta, rtol=1e-10)


def test_gd_ends_at_the_least_squares_solution_which_solves_the_normal_equations():
    x, y, _, _ = make_data()
    a = design(x, 1)
    normal = np.linalg.solve(a.T @ a, a.T @ y)
    w, b = least_squares(x, y, 1)
    np.testing.assert_allclose(np.append(w, b), normal, rtol=1e-12)
    lab = RegressionLab(lr=0.5)
    while not lab.finished:
        lab.step()
    assert lab.reached_at == lab.steps and lab.train_loss[-1] <= 1.001 * lab.ls_train
    for _ in range(200):
        lab.step()
    snap = lab.snapshot()
    assert snap.distance < 1e-9 and snap.path_w[-1] == pytest.approx(w[0]) and snap.path_b[-1] == pytest.approx(b)
    assert snap.status.kind == "success" and f"after {lab.reached_at} steps" in snap.status.text


def test_a_step_size_above_two_over_the_largest_curvature_diverges_and_the_lab_says_so():
    limit = largest_stable_lr(1)
    x = make_data()[0]
    assert limit == pytest.approx(2 / np.linalg.eigvalsh(2 / 20 * design(x, 1).T @ design(x, 1)).max())
    below = RegressionLab(lr=round(limit - 0.01, 2), max_steps=3000)
    while not below.finished:
        below.step()
    assert not below.diverged and below.reached_at is not None
    above = RegressionLab(lr=round(limit + 0.02, 2))
    while not above.finished:
        above.step()
    snap = above.snapshot()
    assert snap.diverged and snap.status.kind == "error" and f"Diverged at step {snap.step}" in snap.status.text
    assert snap.train_loss[-1] > 100 * max(snap.train_loss[1], 1) and "Lower η" in snap.status.text
    above.act("step")
    assert above.steps == snap.step  # a diverged lab does nothing until it restarts
    assert snap.reached_at is None


def test_validation_mse_turns_up_with_the_degree_while_training_mse_only_falls():
    fits = degree_fits()
    train, val = np.array([f.train for f in fits]), np.array([f.val for f in fits])
    assert np.all(np.diff(train) <= 1e-12)  # nested sets of functions
    best = int(np.argmin(val))
    assert 0 < best < 6 and val[-1] > 5 * val[best] and val[-1] > val[best + 3] > val[best]
    x, y, xv, yv = make_data()
    w, b = least_squares(x, y, 12)
    assert fits[-1].val == pytest.approx(np.mean((design(xv, 12) @ np.append(w, b) - yv) ** 2), rel=1e-12)


def test_gd_at_degree_12_is_slow_along_the_flat_directions():
    x = make_data()[0]
    curvatures = np.linalg.eigvalsh(2 / 20 * design(x, 12).T @ design(x, 12))
    assert 1 / (0.5 * curvatures[0]) > 1e9  # steps for η = 0.5 to cover 1 − 1/e of the flattest direction
    lab = RegressionLab(degree=12, lr=0.5)
    for _ in range(8):
        lab.double()
    snap = lab.snapshot()
    assert snap.step == 128 and snap.val_loss[-1] < snap.ls_val and snap.train_loss[-1] > snap.ls_train


def test_the_surface_is_the_engines_mse_and_its_lowest_cell_is_by_the_least_squares_minimum():
    x, y, _, _ = make_data()
    surface = line_surface()
    w0, w1, b0, b1 = surface.box
    rows, cols = surface.values.shape
    for r, c in ((0, 0), (rows - 1, cols // 3), (rows // 2, cols - 1)):
        w, b = w0 + c * (w1 - w0) / (cols - 1), b1 - r * (b1 - b0) / (rows - 1)
        assert surface.values[r, c] == pytest.approx(np.mean((w * x + b - y) ** 2), rel=1e-12)
    r, c = np.unravel_index(np.argmin(surface.values), surface.values.shape)
    (w,), b = least_squares(x, y, 1)
    assert abs(w0 + c * (w1 - w0) / (cols - 1) - w) <= (w1 - w0) / (cols - 1)
    assert abs(b1 - r * (b1 - b0) / (rows - 1) - b) <= (b1 - b0) / (rows - 1)
    assert w0 < 0 < w1 and b0 < 0 < b1  # the start (0, 0) is on the map


def test_the_curves_are_the_polynomials():
    snap = RegressionLab(degree=3).snapshot()
    np.testing.assert_allclose(snap.ls_curve, np.polyval([*snap.ls_weights[::-1], snap.ls_bias], snap.curve_x))
    np.testing.assert_allclose(snap.gd_curve, 0.0)


NUMBER = r"−?\d+(?:\.\d+)?"


def value(pattern, prompt):
    return float(re.search(pattern, prompt)[1].replace("−", "-"))


def points(prompt):
    """The (x, y) points written in a prompt."""
    pairs = re.findall(r"\((−?\d+(?:\.\d+)?), (−?\d+(?:\.\d+)?)\)", prompt)
    return tuple(np.array([float(p[k].replace("−", "-")) for p in pairs]) for k in (0, 1))


def test_the_drills_answer_what_numpy_computes():
    for seed in range(30):
        q = step_question(np.random.default_rng(seed))
        x, y = points(q.prompt)
        w, b, lr = (value(rf"{name} = ({NUMBER})", q.prompt) for name in ("w", "b", "η"))
        assert q.answer == pytest.approx(w - lr * 2 * np.mean((w * x + b - y) * x))
        q = slope_question(np.random.default_rng(seed))
        assert q.answer == pytest.approx(np.polyfit(*points(q.prompt), 1)[0])
        q = mse_question(np.random.default_rng(seed))
        x, y = points(q.prompt)
        w, b = value(r"ŷ = (−?\d+(?:\.\d+)?)·x", q.prompt), 0.0
        if found := re.search(r"·x ([+−]) (\d+(?:\.\d+)?) and", q.prompt):
            b = float(found[2]) * (1 if found[1] == "+" else -1)
        assert q.answer == pytest.approx(np.mean((w * x + b - y) ** 2))
