"""The MLP lab: XOR is learned in both BP modes, the debugger's tape reproduces the gradients,
restarts expose real local minima, and a non-finite weight is a verdict, not a crash."""

import re

import numpy as np
import pytest

from dltui.labs import lab_class, question_generator
from dltui.labs.mlp import Nets, restarts

MLP = lab_class("mlp")
LESSON = dict(hidden=2, activation="sigmoid", loss="mse", lr=2.0, seed=0)  # lessons/03-mlp-backprop.md


def run_to_end(lab):
    snapshot = lab.snapshot()
    while not lab.finished:
        snapshot = lab.perform("train")
    return snapshot


@pytest.mark.parametrize("mode, epochs", [("per-sample", 179), ("batch", 1100)])
def test_both_bp_modes_solve_xor_from_the_lesson_seed(mode, epochs):
    snapshot = run_to_end(MLP(**LESSON, mode=mode))
    assert snapshot.solved and snapshot.status.kind == "success"
    assert snapshot.epoch == epochs  # per-sample: 4 updates an epoch; batch: 1
    assert snapshot.updates == epochs * (4 if mode == "per-sample" else 1)
    assert snapshot.accuracy == 1.0 and np.abs(snapshot.outputs - snapshot.targets).max() < 0.3
    assert snapshot.train_loss[-1] < 0.06 < 0.25 < snapshot.train_loss[0]
    corners = snapshot.grid[[11, 11, 0, 0], [0, 23, 0, 23]]  # (−.5,−.5) (1.5,−.5) (−.5,1.5) (1.5,1.5) cells
    assert snapshot.grid.shape == (12, 24) and ((corners > 0) & (corners < 1)).all()


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("mode", ["per-sample", "batch"])
def test_stepping_the_tape_reproduces_the_engine_and_the_fused_gradients(activation, loss, mode):
    lab = MLP(**{**LESSON, "activation": activation, "loss": loss, "mode": mode, "hidden": 4})
    for _ in range(3):
        lab.perform("step")
    trace = lab.trace()
    s = trace.stepper
    assert [st.node.name for st in s.steps[:5]] == ["linear", activation, "linear", "sigmoid",
                                                     {"mse": "mse_loss", "bce": "binary_cross_entropy"}[loss]]
    while not s.at_end:  # step to the end: the last backward step is the first linear's
        s.step()
    first = s.inspect(0)
    names = [p.name for p in trace.params]
    analytic = dict(zip(names, (p.analytic for p in trace.params)))
    assert np.array_equal(first.grads_in[1], analytic["fc1.weight"])  # exactly the engine's leaf grads
    assert np.array_equal(first.grads_in[2], analytic["fc1.bias"])
    assert np.array_equal(s.inspect(2).grads_in[1], analytic["fc2.weight"])
    run = lab.run
    fused = run.nets.grads(run.x[list(trace.samples)], run.y[list(trace.samples)], activation, loss)
    for name, g in zip(names, fused):
        np.testing.assert_allclose(analytic[name], g[0], rtol=1e-12, atol=1e-15)
    for p in trace.params:  # backprop agrees with central differences (ReLU's kink excepted: no input sits on it)
        assert p.rel_error < 1e-5, (p.name, p.rel_error)


def test_apply_update_equals_step_and_refuses_a_stale_trace():
    a, b = MLP(**LESSON), MLP(**LESSON)
    trace = a.trace()
    assert trace.samples == (0,) and trace.update == 0
    after = a.apply_update(trace)
    b.perform("step")
    for name, w in after.weights.items():
        np.testing.assert_allclose(w, b.snapshot().weights[name], rtol=1e-12)
    assert after.updates == 1 and after.position == 1
    with pytest.raises(ValueError, match="out of date"):
        a.apply_update(trace)
    batch = MLP(**LESSON, mode="batch").trace()
    assert batch.samples == (0, 1, 2, 3) and batch.x.shape == (4, 2)


def test_restarts_find_seeds_stuck_in_local_minima_with_the_2_2_1_net():
    """Seeds 0–7, accumulated BP: seeds 2, 4 and 7 park at loss ≈ 0.125, two corners averaged at 0.5."""
    lab = MLP(**LESSON, mode="batch", restart_count=8)
    compared = lab.perform("compare").restarts
    assert [r.seed for r in compared] == list(range(8))
    unsolved = [r.seed for r in compared if not r.solved]
    assert unsolved == [2, 4, 7]
    assert [compared[k].outcome for k in unsolved] == ["stuck", "stuck", "out of epochs"]  # 7 left its first plateau late
    for r in compared:
        assert len(r.loss_curve) == r.epochs + 1 and r.final_loss == r.loss_curve[-1]
        if r.seed in unsolved:
            assert 0.12 < r.final_loss < 0.13
    assert compared[0].epochs == run_to_end(MLP(**LESSON, mode="batch")).epoch  # same seed, same run


def test_compare_stops_when_interrupted_and_keeps_the_last_results():
    lab = MLP(**LESSON, mode="batch", restart_count=3)
    polls = []
    snapshot = lab.perform("compare", interrupted=lambda: polls.append(1) or len(polls) > 50)
    assert snapshot.restarts == () and len(polls) == 51  # polled once an epoch, stopped at the 51st
    done = lab.perform("compare").restarts
    assert len(done) == 3 and lab.perform("compare", interrupted=lambda: True).restarts == done


def test_early_stopping_restores_the_best_validation_weights():
    lab = MLP(**LESSON, dataset="noisy-xor", mode="batch", early_stopping=True)
    snapshot = run_to_end(lab)
    assert snapshot.outcome == "early-stopped"
    assert snapshot.stopped_epoch - snapshot.best_epoch == 200
    assert snapshot.val_loss.argmin() == snapshot.best_epoch
    assert len(snapshot.val_loss) == len(snapshot.train_loss) == snapshot.epoch + 1
    restored = lab.run.loss(lab.run.xv, lab.run.yv)[0]
    assert restored == pytest.approx(snapshot.val_loss[snapshot.best_epoch])
    assert snapshot.val_accuracy > 0.8


def test_a_huge_learning_rate_diverges_by_saturating_not_overflowing():
    """The sigmoid output bounds the loss (MSE ≤ 1), so η = 100 cannot blow it up: it pins every output at 0 or 1 on
    the wrong side within an epoch, the loss above its start and σ′ < 10⁻⁶. The lab calls that diverged at once
    instead of waiting 2000 epochs to call it stuck."""
    lab = MLP(**{**LESSON, "lr": 100, "activation": "tanh", "hidden": 4})
    snapshot = run_to_end(lab)
    assert snapshot.outcome == "diverged" and snapshot.epoch <= 2 and snapshot.status.kind == "error"
    assert np.isfinite(snapshot.train_loss).all() and snapshot.train_loss[-1] > snapshot.train_loss[0]
    assert (snapshot.outputs * (1 - snapshot.outputs) < 1e-6).all() and "pinned at 0 or 1" in snapshot.status.text
    assert not run_to_end(MLP(**LESSON)).diverged  # the lesson's η = 2 solves XOR


def test_a_non_finite_weight_is_a_diverged_status_not_an_exception():
    """No learning rate in range overflows this net (the sigmoid output bounds every gradient), so an
    overflow is simulated: one weight set to infinity, as a runaway update would leave it."""
    lab = MLP(**{**LESSON, "activation": "relu"})
    lab.run.nets.w2[0, 0, 0] = np.inf
    snapshot = lab.perform("epoch")
    assert snapshot.diverged and snapshot.status.kind == "error" and "NaN" in snapshot.status.text
    assert lab.finished and not np.isfinite(snapshot.train_loss[-1])
    assert lab.perform("train").epoch == snapshot.epoch  # nothing more happens, nothing raises
    lab.trace()


def test_nets_stack_seeds_without_mixing_them():
    stacked = Nets.init([3, 5], 4)
    for k, seed in enumerate((3, 5)):
        alone = Nets.init([seed], 4)
        for a, b in zip(stacked.arrays, alone.arrays):
            np.testing.assert_array_equal(a[k], b[0])
    assert restarts({**MLP(**LESSON).params, "epochs": 10}, 2)[1].outcome == "out of epochs"


def test_output_delta_question_matches_the_hand_formula():
    """2(p − y)·p(1 − p), computed here in NumPy from the numbers in the prompt."""
    def numbers(text):
        return [float(v.replace("−", "-")) for v in re.findall(r"−?\d+(?:\.\d+)?", text)]

    for seed in range(10):
        q = question_generator("mlp.output_delta")(np.random.default_rng(seed))
        w1 = np.array(numbers(re.search(r"W1 = \[([^\]]*)\]", q.prompt)[1])).reshape(2, 2)
        b1, w2 = (np.array(numbers(re.search(rf"{name} = \(([^)]*)\)", q.prompt)[1])) for name in ("b1", "W2"))
        b2 = numbers(re.search(r"b2 = (−?[\d.]+)", q.prompt)[1])[0]
        x, y = np.array(numbers(re.search(r"x = \(([^)]*)\)", q.prompt)[1])), numbers(re.search(r"y = (\d)", q.prompt)[1])[0]
        p = 1 / (1 + np.exp(-(w2 @ (1 / (1 + np.exp(-(w1 @ x + b1)))) + b2)))
        assert q.answer == pytest.approx(2 * (p - y) * p * (1 - p), abs=1e-12)
