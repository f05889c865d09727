"""The RNN lab: BPTT stepped through the unrolled view is the engine's backward, step by step;
gradients vanish with a small recurrent scale, explode with a large one, and clipping tames them."""

import numpy as np
import pytest

from dltui.labs import lab_class

RNN = lab_class("rnn")


def walk(lab):
    """Press s until the gradients are summed; return the snapshots, one per stop."""
    stops = [lab.perform("step")]
    while stops[-1].phase != "summed":
        stops.append(lab.perform("step"))
    return stops


def numpy_bptt(lab, activation):
    """An independent BPTT over the lab's batch: per-step dL/dh_t, dW and dU shares."""
    W, U, b = lab.W.data, lab.U.data, lab.b.data
    V, c = lab.head.weight.data, lab.head.bias.data
    x = lab.x
    act = np.tanh if activation == "tanh" else (lambda a: np.maximum(a, 0))
    hs = [np.zeros((x.shape[1], U.shape[0]))]
    for x_t in x:
        hs.append(act(x_t @ W.T + hs[-1] @ U.T + b))
    y_hat = hs[-1] @ V.T + c
    dh = 2 * (y_hat - x[0]) / y_hat.size @ V
    dhs, dWs, dUs = [], [], []
    for t in range(len(x), 0, -1):
        h = hs[t]
        da = dh * (1 - h * h) if activation == "tanh" else dh * (h > 0)
        dhs.append(dh)
        dWs.append(da.T @ x[t - 1])
        dUs.append(da.T @ hs[t - 1])
        dh = da @ U
    return dhs[::-1], dWs[::-1], dUs[::-1]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_bptt_stepped_through_the_unrolled_view_matches_the_engine(activation):
    lab = RNN(seq_len=6, hidden=3, scale=1.2, activation=activation, seed=3)
    dhs, dWs, dUs = numpy_bptt(lab, activation)
    stops = walk(lab)
    backward = [s for s in stops if s.phase == "backward"]
    assert [s.t for s in backward] == [6, 5, 4, 3, 2, 1]
    for k, s in enumerate(backward, start=1):
        assert s.backward_done == k
        reached = np.arange(6) >= 6 - k  # what the view shows: dL/dh_t from the end back to the cursor
        assert np.isnan(s.dh_so_far[~reached]).all() and np.isnan(s.log_norm_so_far[~reached]).all()
        np.testing.assert_array_equal(s.dh_so_far[reached], s.dh[reached])
        np.testing.assert_allclose(10 ** s.log_norm_so_far[reached], s.grad_norm[reached], rtol=1e-12)
        np.testing.assert_allclose(s.dh[s.t - 1], dhs[s.t - 1][0], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(s.dU_steps[s.t - 1], dUs[s.t - 1], rtol=1e-10, atol=1e-14)
        assert s.grad_norm[s.t - 1] == pytest.approx(np.linalg.norm(dhs[s.t - 1]), rel=1e-10)
    summed = stops[-1]
    # one set of weights: every step's share adds up to the engine's gradient of W and U
    np.testing.assert_allclose(summed.dU_steps.sum(axis=0), lab.U.grad, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(summed.dW_steps.sum(axis=0), lab.W.grad, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(sum(dUs), lab.U.grad, rtol=1e-10, atol=1e-14)


def test_the_cursor_goes_forward_then_the_loss_then_back_then_updates():
    lab = RNN(seq_len=3, hidden=2)
    assert lab.snapshot().phase == "ready" and lab.stepper is None
    stops = walk(lab)
    assert [(s.phase, s.t, s.forward_done) for s in stops] == [
        ("forward", 1, 1), ("forward", 2, 2), ("forward", 3, 3), ("loss", 3, 3),
        ("backward", 3, 3), ("backward", 2, 3), ("backward", 1, 3), ("summed", 0, 3)]
    assert [int(np.isfinite(s.h_so_far[:, 0]).sum()) for s in stops[:3]] == [1, 2, 3]  # h_t as the cursor reaches it
    U_before = lab.U.data.copy()
    after = lab.perform("step")
    assert after.phase == "ready" and after.updates == 1
    assert not np.allclose(after.U, U_before), "the update moved U, and the new pass uses the moved U"


def test_every_time_step_uses_the_same_weights():
    lab = RNN(seq_len=5)
    assert all(node.inputs[3] is lab.U and node.inputs[2] is lab.W for node in lab.cells)


def test_small_recurrent_scale_vanishes_large_one_explodes():
    small = RNN(seq_len=20, scale=0.5).snapshot().grad_norm
    large = RNN(seq_len=20, scale=2.0, activation="relu").snapshot().grad_norm
    assert small[0] / small[-1] < 1e-4
    assert large[0] / large[-1] > 1e4
    assert np.all(np.diff(np.log(small)) > 0), "each step back shrinks the gradient"


def test_clipping_keeps_an_exploding_run_finite():
    params = dict(seq_len=20, scale=1.5, activation="relu", max_updates=60)
    wild = RNN(**params)
    while not wild.finished:
        snapshot = wild.perform("epoch")
    assert snapshot.status.kind == "error" and snapshot.updates < 60
    tame = RNN(**params, clip=1.0)
    while not tame.finished:
        snapshot = tame.perform("epoch")
    assert snapshot.updates == 60 and np.isfinite(snapshot.losses).all()
    assert max(snapshot.norms) > 1.0, "clipping had something to clip"


def test_it_learns_the_first_input_over_a_short_sequence():
    lab = RNN(seq_len=5, max_updates=300)
    while not lab.finished:
        snapshot = lab.perform("train")
    assert np.mean(snapshot.losses[-20:]) < 0.01 < snapshot.losses[0]
    assert lab.stepper is None, "free-running never records a tape"
    assert snapshot.phase == "ready" and snapshot.backward_done == 5, "the whole last pass is shown"


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_the_formulas_shown_follow_the_activation(activation):
    """Lesson 11's header said tanh with relu chosen: the cell's formulas come from the cell's own nonlinearity."""
    lab = RNN(activation=activation)
    snapshot = lab.snapshot()
    assert snapshot.formula.startswith(f"h' = {activation}(") and f"{activation}'(a)" in snapshot.grad_formula
    stepped = lab.perform("step")  # the first cell, forward
    assert stepped.phase == "forward" and f"h_1 = {activation}(W·x_1" in stepped.status.text
