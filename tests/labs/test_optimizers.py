"""The optimizers lab: every racer's path is its update rule (NumPy, and torch.optim where installed), the arithmetic
it shows adds up, and the batch, schedule and annealing parts do what the lesson says."""

import math

import numpy as np
import pytest

from dltui.labs.optimizers import (ANNEAL_START, BATCH_SIZES, GD_STARTS, RACERS, SURFACES, OptimizersLab, Walker,
                                   descend, scheduled_lr, wells_at)

STEPS = 20
R2 = 1 / math.sqrt(2)


def gradient(surface: str, p: np.ndarray) -> np.ndarray:
    """Each surface's gradient, differentiated by hand."""
    x, y = p
    if surface == "ravine":
        return np.array([0.1 * x, 4 * y])
    if surface == "tilted":
        u, v = (x + y) * R2, (x - y) * R2
        return np.array([0.1 * u * R2 + 4 * v * R2, 0.1 * u * R2 - 4 * v * R2])
    if surface == "rosenbrock":
        return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    if surface == "saddle":
        return np.array([x, y**3 - y])
    terms = [(1.5, 1), (2.25, 2), (2.625, 3)]  # beale: Σ (c − x + x·yᵏ)²
    gx = sum(2 * (c - x + x * y**k) * (y**k - 1) for c, k in terms)
    gy = sum(2 * (c - x + x * y**k) * x * k * y ** (k - 1) for c, k in terms)
    return np.array([gx, gy])


def numpy_path(kind: str, surface: str, lr: float, mu: float = 0.9, steps: int = STEPS) -> np.ndarray:
    """The update rules as written in the papers (with PyTorch's defaults and conventions)."""
    p = np.array(SURFACES[surface].start, dtype=float)
    path, state = [p.copy()], {}
    for t in range(1, steps + 1):
        g = gradient(surface, p)
        if kind == "sgd":
            step = lr * g
        elif kind in ("momentum", "nesterov"):
            state["v"] = g.copy() if t == 1 else mu * state["v"] + g
            step = lr * (g + mu * state["v"] if kind == "nesterov" else state["v"])
        elif kind == "adagrad":
            state["s"] = state.get("s", 0) + g * g
            step = lr * g / (np.sqrt(state["s"]) + 1e-10)
        elif kind == "rmsprop":
            state["s"] = 0.99 * state.get("s", 0) + 0.01 * g * g
            step = lr * g / (np.sqrt(state["s"]) + 1e-8)
        elif kind == "adadelta":
            state["s"] = 0.9 * state.get("s", 0) + 0.1 * g * g
            delta = np.sqrt(state.get("u", 0) + 1e-6) / np.sqrt(state["s"] + 1e-6) * g
            state["u"] = 0.9 * state.get("u", 0) + 0.1 * delta * delta
            step = lr * delta
        else:
            state["m"] = 0.9 * state.get("m", 0) + 0.1 * g
            state["v"] = 0.999 * state.get("v", 0) + 0.001 * g * g
            m_hat, v_hat = state["m"] / (1 - 0.9**t), state["v"] / (1 - 0.999**t)
            step = lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        p = p - step
        path.append(p.copy())
    return np.array(path)


@pytest.fixture(scope="module")
def races():
    """Every surface's race, STEPS steps."""
    runs = {}
    for name in SURFACES:
        lab = OptimizersLab(surface=name)
        for _ in range(STEPS):
            lab.step()
        runs[name] = lab.snapshot()
    return runs


@pytest.mark.parametrize("surface", list(SURFACES))
def test_every_racer_walks_its_update_rule(races, surface):
    for kind, racer in zip(RACERS, races[surface].racers):
        expected = numpy_path(kind, surface, SURFACES[surface].lrs[kind])
        path = np.stack([racer.xs, racer.ys], axis=1)
        np.testing.assert_allclose(path, expected, rtol=1e-9, atol=1e-12, err_msg=f"{surface} {kind}")


def test_every_racer_walks_as_torch_optim_does():
    torch = pytest.importorskip("torch")
    makers = {"sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
              "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
              "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
              "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr), "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
              "adadelta": lambda p, lr: torch.optim.Adadelta(p, lr=lr), "adam": lambda p, lr: torch.optim.Adam(p, lr=lr)}
    for name, surface in SURFACES.items():
        for kind in RACERS:
            walker = Walker(kind, "", kind, surface, lambda t, lr=surface.lrs[kind]: lr, 0.9)
            point = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
            optimizer = makers[kind]([point], surface.lrs[kind])
            for _ in range(STEPS):
                walker.step()
                optimizer.zero_grad()
                surface.f(point[0], point[1]).backward()  # the same expression, on torch tensors
                optimizer.step()
            np.testing.assert_allclose(walker.point.data, point.detach().numpy(), rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name} {kind}")


def test_the_arithmetic_shown_adds_up_to_the_step_taken():
    lab = OptimizersLab(surface="rosenbrock")
    for _ in range(3):
        lab.step()
    for focus in range(len(RACERS)):
        lab.focused = focus
        snap = lab.snapshot()
        values = [row.value for row in snap.arithmetic]
        walker = lab.walkers[focus]
        lr = walker.optimizer.lr
        g, p = values[0], values[-1]
        delta = next(row.value for row in snap.arithmetic if row.formula.startswith("Δ"))
        np.testing.assert_allclose(g, gradient("rosenbrock", walker.path[-2]), rtol=1e-12)
        np.testing.assert_allclose(p, walker.path[-2] - delta, rtol=1e-12)
        kind = walker.kind
        if kind == "sgd":
            expected = lr * g
        elif kind == "momentum":
            expected = lr * values[1]
        elif kind == "nesterov":
            expected = lr * (g + 0.9 * values[1])
        elif kind in ("adagrad", "rmsprop"):
            expected = lr * g / (np.sqrt(values[1]) + walker.optimizer.param_groups[0]["eps"])
        elif kind == "adadelta":
            expected = lr * g * np.sqrt(values[2] + 1e-6) / np.sqrt(values[1] + 1e-6)
        else:
            expected = lr * values[3] / (np.sqrt(values[4]) + 1e-8)
        np.testing.assert_allclose(delta, expected, rtol=1e-9, err_msg=kind)


def test_adams_first_step_is_lr_in_every_coordinate():
    lab = OptimizersLab(surface="rosenbrock")
    lab.step()
    adam = lab.snapshot().arithmetic
    np.testing.assert_allclose(adam[3].value, adam[0].value)  # m̂₁ = g₁
    np.testing.assert_allclose(np.abs(adam[5].value), 0.1, rtol=1e-6)  # Δ₁ = ±lr


def test_a_racer_thrown_off_the_map_is_marked_diverged_and_the_others_race_on():
    lab = OptimizersLab(lr_scale=3.0)  # SGD at lr 1.2 on a y-curvature of 4: |1 − 4.8| > 1
    while not lab.finished:
        lab.step()
    racers = {r.name: r for r in lab.snapshot().racers}
    assert racers["SGD"].diverged_at is not None and racers["SGD"].reached_at is None
    assert racers["Momentum"].reached_at is not None and racers["Momentum"].diverged_at is None
    assert "diverged: SGD" in lab.status().text


def test_schedules_are_their_formulas():
    assert [scheduled_lr("step", 1.0, t, 100) for t in (1, 25, 26, 51, 100)] == [1.0, 1.0, 0.5, 0.25, 0.125]
    assert scheduled_lr("cosine", 1.0, 1, 100) == 1.0 and scheduled_lr("cosine", 1.0, 51, 100) == pytest.approx(0.5)
    assert [scheduled_lr("warmup", 1.0, t, 100) for t in (1, 5, 10)] == [0.1, 0.5, 1.0]
    assert scheduled_lr("warmup", 1.0, 100, 100) < 0.01
    lab = OptimizersLab(part="schedules", steps=40)
    for _ in range(40):
        lab.step()
    for racer, name in zip(lab.snapshot().racers, ("constant", "step", "cosine", "warmup")):
        expected = [scheduled_lr(name, SURFACES["ravine"].lrs["momentum"], t, 40) for t in range(1, 41)]
        np.testing.assert_allclose(racer.lrs, expected)  # the lr each step used, as the optimizer read it


def test_small_batches_learn_faster_per_epoch_and_stay_noisy():
    lab = OptimizersLab(part="batch")
    for _ in range(3):
        lab.step()
    curves = {c.size: c for c in lab.snapshot().batches}
    assert set(curves) == set(BATCH_SIZES)
    assert [curves[size].updates for size in BATCH_SIZES] == [768, 96, 12, 3]
    after_one = {size: c.losses[np.flatnonzero(c.epochs == 1)[0]] for size, c in curves.items()}
    assert after_one[1] < after_one[64] < after_one[256]
    assert curves[1].spread > 10 * curves[8].spread  # one sample's gradient: the loss jitters
    assert curves[256].losses[-1] < curves[256].losses[0]


def test_annealing_finds_the_global_well_that_gradient_descent_misses():
    xs = np.linspace(-3.2, 3.2, 6401)
    lowest = xs[np.argmin(wells_at(xs))]
    stuck = descend(ANNEAL_START)
    assert abs(stuck - lowest) > 4 and wells_at(stuck) > wells_at(lowest) + 1
    assert abs(descend(GD_STARTS[0]) - lowest) < 0.01  # a start in the global well finds it
    lab = OptimizersLab(part="annealing", seed=0)
    while not lab.finished:
        lab.step()
    best, _ = lab.annealer.best
    assert abs(best - lowest) < 0.05 and lab.annealer.uphill > 0
