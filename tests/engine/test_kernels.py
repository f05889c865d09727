"""Kernels: golden numbers, and every backend agreeing with the NumPy reference to 1e-10.

The CUDA kernels run in a subprocess, because numba's simulator must be switched on
(NUMBA_ENABLE_CUDASIM=1) before numba is imported, and this process has imported it already.
On a machine with a working GPU that subprocess uses the real device instead.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from dltui.engine.kernels import KERNELS
from dltui.engine.kernels import reference as ref

from on_cuda import exit_unless_cuda, run_on_cuda  # tests/engine/on_cuda.py

TOL = 1e-10

# (N, C_in, H, W, C_out, KH, KW, stride, padding): odd sizes, rectangular kernels, batch 1,
# asymmetric stride/padding, 1x1 kernels, and a stride that skips input pixels.
CONV_CASES = [
    (1, 1, 3, 3, 1, 2, 2, 1, 0),
    (2, 3, 7, 6, 4, 3, 2, (2, 1), (1, 2)),
    (3, 2, 9, 9, 5, 5, 5, 2, 2),
    (1, 4, 5, 8, 3, 1, 3, 3, 0),
    (2, 1, 6, 5, 2, 1, 1, 1, 0),
]
# (N, C, H, W, kernel, stride, padding)
POOL_CASES = [
    (1, 1, 4, 4, 2, None, 0),
    (2, 3, 7, 6, 3, 2, 1),
    (1, 2, 5, 5, (2, 3), (1, 2), (1, 1)),
    (2, 2, 6, 6, 2, 1, 0),
    (1, 1, 5, 7, 3, 3, 0),
    (2, 3, 7, 9, 2, None, 0),  # the 2x2 window at stride 2 (its own loop), a row and a column left over
]
ACTIVATIONS = [("relu", ()), ("leaky_relu", (0.1,)), ("elu", (0.7,)), ("sigmoid", ()), ("tanh", ())]


def close(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    assert a.dtype == b.dtype or (a.dtype.kind == b.dtype.kind == "f")
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL)


def run_agreement(k, rng, conv_cases=CONV_CASES, pool_cases=POOL_CASES):
    """Call every kernel ``k`` provides on random inputs and compare it with the reference."""
    for n, ci, h, w, co, kh, kw, s, p in conv_cases:
        x, wt, b = rng.standard_normal((n, ci, h, w)), rng.standard_normal((co, ci, kh, kw)), rng.standard_normal(co)
        y = ref.conv2d_forward(x, wt, b, s, p)
        close(k.conv2d_forward(x, wt, b, s, p), y)
        close(k.conv2d_forward(x, wt, None, s, p), ref.conv2d_forward(x, wt, None, s, p))
        dy = rng.standard_normal(y.shape)
        grads = ref.conv2d_backward(x, wt, dy, s, p)
        for got, want in zip(k.conv2d_backward(x, wt, dy, s, p), grads):
            close(got, want)
        dx, dw, db = k.conv2d_backward(x, wt, dy, s, p, need_dx=False)
        assert dx is None
        close(dw, grads[1]), close(db, grads[2])
        if hasattr(k, "conv_transpose2d_forward"):
            wt2 = rng.standard_normal((ci, co, kh, kw))
            op = 1 if min(ref.pair(s)) > 1 else 0
            y = ref.conv_transpose2d_forward(x, wt2, b, s, p, op)
            close(k.conv_transpose2d_forward(x, wt2, b, s, p, op), y)
            dy = rng.standard_normal(y.shape)
            got = k.conv_transpose2d_backward(x, wt2, dy, s, p, op)
            for g, want in zip(got, ref.conv_transpose2d_backward(x, wt2, dy, s, p, op)):
                close(g, want)
    for n, c, h, w, ks, s, p in pool_cases:
        x = rng.standard_normal((n, c, h, w))
        x[0, 0, :2, :2] = 0.5  # a tie: the first in window order must win everywhere
        x[-1, -1, -2:, :2] = -np.inf  # a window of -inf only: its max stays -inf, at the window's first pixel
        x[-1, 0, 1, 1] = np.nan  # a NaN wins its window, as in torch
        y, arg = ref.max_pool2d_forward(x, ks, s, p)
        got_y, got_arg = k.max_pool2d_forward(x, ks, s, p)
        close(got_y, y)
        assert np.array_equal(got_arg, arg)
        dy = rng.standard_normal(y.shape)
        close(k.max_pool2d_backward(dy, arg, x.shape), ref.max_pool2d_backward(dy, arg, x.shape))
        y = ref.avg_pool2d_forward(x, ks, s, p)
        close(k.avg_pool2d_forward(x, ks, s, p), y)
        dy = rng.standard_normal(y.shape)
        close(k.avg_pool2d_backward(dy, x.shape, ks, s, p), ref.avg_pool2d_backward(dy, x.shape, ks, s, p))
    x = rng.standard_normal((3, 7, 5)) * 4
    x[0, 0, :3] = [0.0, -800.0, 800.0]  # the kink and the overflow edges of exp
    x[0, 1, 0] = np.nan  # a diverged value stays NaN through every activation (numba's relu once made it 0)
    for name, args in ACTIVATIONS:
        y = getattr(ref, f"{name}_forward")(x, *args)
        close(getattr(k, f"{name}_forward")(x, *args), y)
        dy = rng.standard_normal(x.shape)
        close(getattr(k, f"{name}_backward")(x, y, dy, *args), getattr(ref, f"{name}_backward")(x, y, dy, *args))
    z, t = rng.standard_normal((5, 4)) * 3, rng.integers(0, 4, 5)
    loss, probs = ref.cross_entropy_forward(z, t)
    got_loss, got_probs = k.cross_entropy_forward(z, t)
    close(got_loss, loss), close(got_probs, probs)
    close(k.cross_entropy_backward(probs, t, np.array(0.7)), ref.cross_entropy_backward(probs, t, np.array(0.7)))
    scores = rng.standard_normal((2, 3, 5)) * 30
    scores[0, 0, 1:3], scores[0, 1], scores[1, 2, 4] = -np.inf, -np.inf, np.nan  # masked, fully masked, and a NaN
    for x in (scores, scores[0, 0], scores.transpose(2, 0, 1)):
        with np.errstate(invalid="ignore"):  # the fully masked row is NaN on purpose: −∞ − (−∞)
            y = ref.softmax_forward(x)
        close(k.softmax_forward(x), y)
        dy = rng.standard_normal(x.shape)
        close(k.softmax_backward(y, dy), ref.softmax_backward(y, dy))
    for shape, ndim in [((4, 6), 1), ((2, 3, 4), 2), ((1, 5), 1)]:
        x, gamma, beta = rng.standard_normal(shape) * 3 + 1, rng.standard_normal(shape[-ndim:]), rng.standard_normal(shape[-ndim:])
        saved = ref.layer_norm_forward(x, gamma, beta, ndim, 1e-5)
        for got, want in zip(k.layer_norm_forward(x, gamma, beta, ndim, 1e-5), saved):
            close(got, want)
        dy, (_, x_hat, _, inv_std) = rng.standard_normal(shape), saved
        for got, want in zip(k.layer_norm_backward(dy, x_hat, inv_std, gamma, ndim),
                             ref.layer_norm_backward(dy, x_hat, inv_std, gamma, ndim)):
            close(got, want)
    for n, hs in [(1, 1), (3, 5)]:
        gates, c_prev = rng.standard_normal((n, 4 * hs)) * 2, rng.standard_normal((n, hs))
        saved = ref.lstm_gates_forward(gates, c_prev)
        for got, want in zip(k.lstm_gates_forward(gates, c_prev), saved):
            close(got, want)
        for got, want in zip(k.lstm_gates_forward(np.asfortranarray(gates), np.asfortranarray(c_prev)), saved):
            close(got, want)  # column-major inputs (a transposed view) give the same
        dh, dc = rng.standard_normal((n, hs)), rng.standard_normal((n, hs))
        i, f, g, o, c, _ = saved
        for dh_, dc_ in [(dh, dc), (dh, None), (None, dc)]:
            want = ref.lstm_gates_backward(i, f, g, o, c, c_prev, dh_, dc_)
            for a, b in zip(k.lstm_gates_backward(i, f, g, o, c, c_prev, dh_, dc_), want):
                close(a, b)
            for a, b in zip(k.lstm_gates_backward(i, f, g, o, np.asfortranarray(c), c_prev, dh_, dc_), want):
                close(a, b)
        gi, gh, h_prev = (rng.standard_normal((n, 3 * hs)), rng.standard_normal((n, 3 * hs)),
                          rng.standard_normal((n, hs)))
        saved = ref.gru_gates_forward(gi, gh, h_prev)
        for got, want in zip(k.gru_gates_forward(gi, gh, h_prev), saved):
            close(got, want)
        for got, want in zip(k.gru_gates_forward(np.asfortranarray(gi), np.asfortranarray(gh), h_prev), saved):
            close(got, want)
        r, z, nn, _ = saved
        dh = rng.standard_normal((n, hs))
        want = ref.gru_gates_backward(gh, h_prev, r, z, nn, dh)
        for got, w in zip(k.gru_gates_backward(gh, h_prev, r, z, nn, dh), want):
            close(got, w)
    for batch in (True, False):  # fused MLP training: 3 nets, one frozen; 3 inputs, 5 hidden, 7 samples
        nets = [rng.standard_normal(shape) for shape in [(3, 5, 3), (3, 5), (3, 1, 5), (3, 1)]]
        x, y, training = rng.standard_normal((7, 3)), (rng.random(7) < 0.5) * 1.0, np.array([True, False, True])
        for act in ref.MLP_ACTIVATIONS:
            for loss in ref.MLP_LOSSES:
                got, want = [a.copy() for a in nets], [a.copy() for a in nets]
                k.mlp_sgd(*got, x, y, 0.3, act, loss, batch, 5, 11, training)
                ref.mlp_sgd(*want, x, y, 0.3, act, loss, batch, 5, 11, training)
                for g, w, before in zip(got, want, nets):
                    close(g, w)
                    np.testing.assert_array_equal(g[1], before[1])  # the frozen net (NaN equal to NaN)
    for shape in [(3, 4), ()]:  # Adam: a first step (no state yet) and a later one, with and without amsgrad
        p, g, m = (rng.standard_normal(shape) for _ in range(3))
        v, most = rng.random(shape), rng.random(shape)
        if shape:  # a diverged gradient, a NaN already in the running max, and with ε = 0 a 0/0 (NaN, not an error)
            g[0, 0], most[0, 1], g[1, 1] = np.nan, np.nan, 0.0
        for state, step, eps in [((None, None, None), 1, 1e-8), ((m, v, most), 7, 1e-8), ((None, None, None), 1, 0.0)]:
            for amsgrad in (False, True):
                args = (p, g, *state, 0.9, 0.999, 0.01, eps, step, amsgrad)
                with np.errstate(invalid="ignore"):
                    want_all = ref.adam_step(*args)
                for got, want in zip(k.adam_step(*args), want_all, strict=True):
                    assert (got is None) == (want is None)
                    if want is not None:
                        close(got, want)
        for buf, nesterov, dampening in [(None, False, 0.0), (m, False, 0.1), (m, True, 0.0)]:  # SGD with momentum
            for got, want in zip(k.sgd_momentum_step(p, g, buf, 0.01, 0.9, dampening, nesterov),
                                 ref.sgd_momentum_step(p, g, buf, 0.01, 0.9, dampening, nesterov), strict=True):
                close(got, want)


# --------------------------------------------------------------------------- golden numbers


def test_corr2d_d2l():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    k = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(1, 1, 2, 2)
    y = ref.conv2d_forward(x, k, None)
    np.testing.assert_array_equal(y[0, 0], [[19.0, 25.0], [37.0, 43.0]])
    dx, dk, db = ref.conv2d_backward(x, k, np.ones_like(y))
    np.testing.assert_array_equal(dk[0, 0], [[8.0, 12.0], [20.0, 24.0]])  # sums of each 2x2 shift of X
    np.testing.assert_array_equal(dx[0, 0], [[0, 1, 1], [2, 6, 4], [2, 5, 3]])
    assert db.tolist() == [4.0]
    assert ref.conv2d_backward(x, k, np.ones_like(y), need_dx=False)[0] is None


def test_pool_2x2_examples():
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # d2l: 2x2 window, stride 1
    y, arg = ref.max_pool2d_forward(x, 2, 1)
    np.testing.assert_array_equal(y[0, 0], [[4.0, 5.0], [7.0, 8.0]])
    np.testing.assert_array_equal(arg[0, 0], [[4, 5], [7, 8]])
    np.testing.assert_array_equal(ref.avg_pool2d_forward(x, 2, 1)[0, 0], [[2.0, 3.0], [5.0, 6.0]])
    dx = ref.max_pool2d_backward(np.ones((1, 1, 2, 2)), arg, x.shape)
    np.testing.assert_array_equal(dx[0, 0], [[0, 0, 0], [0, 1, 1], [0, 1, 1]])
    x4 = np.arange(16.0).reshape(1, 1, 4, 4)  # non-overlapping 2x2, stride defaults to kernel
    np.testing.assert_array_equal(ref.max_pool2d_forward(x4, 2)[0][0, 0], [[5.0, 7.0], [13.0, 15.0]])
    np.testing.assert_array_equal(ref.avg_pool2d_forward(x4, 2)[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    # padding counts in the divisor (count_include_pad=True): a corner window sees one pixel of 4
    assert ref.avg_pool2d_forward(np.ones((1, 1, 2, 2)), 2, 2, 1)[0, 0, 0, 0] == 0.25


def test_lstm_gru_written_equations():
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    gates, c_prev = np.array([[0.1, -0.2, 0.3, 0.4]]), np.array([[0.5]])
    i, f, g, o, c, h = ref.lstm_gates_forward(gates, c_prev)
    want_c = sig(-0.2) * 0.5 + sig(0.1) * np.tanh(0.3)
    np.testing.assert_allclose([c[0, 0], h[0, 0]], [want_c, sig(0.4) * np.tanh(want_c)], rtol=1e-14)
    gi, gh, h_prev = np.array([[0.1, 0.2, 0.3]]), np.array([[-0.1, 0.4, 0.5]]), np.array([[0.6]])
    r, z, n, h = ref.gru_gates_forward(gi, gh, h_prev)
    want_n = np.tanh(0.3 + sig(0.0) * 0.5)  # b_hn (inside gh_n) is scaled by r
    np.testing.assert_allclose(h[0, 0], (1 - sig(0.6)) * want_n + sig(0.6) * 0.6, rtol=1e-14)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_fused_mlp_sgd_takes_the_engines_sgd_steps(activation, loss):
    """mlp_sgd, per-sample then full-batch, against the same net built from engine ops and optim.SGD."""
    from dltui.engine import Tensor, functional as F, nn, optim

    rng = np.random.default_rng(4)
    nets = [rng.standard_normal(shape) for shape in [(1, 4, 2), (1, 4), (1, 1, 4), (1, 1)]]
    x, y = rng.standard_normal((6, 2)), np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    params = [nn.Parameter(a[0].copy()) for a in nets]
    opt = optim.SGD(params, lr=0.7)
    hidden = {"sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu, "leaky_relu": F.leaky_relu}[activation]
    criterion = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}[loss]
    for rows in [[2], [3], *[list(range(6))] * 2]:  # samples 2, 3, then two full batches
        opt.zero_grad()
        p = F.sigmoid(F.linear(hidden(F.linear(Tensor(x[rows]), params[0], params[1])), params[2], params[3]))
        criterion(p, y[rows].reshape(-1, 1)).backward()
        opt.step()
    training = np.ones(1, bool)
    ref.mlp_sgd(*nets, x, y, 0.7, activation, loss, False, 2, 2, training)
    ref.mlp_sgd(*nets, x, y, 0.7, activation, loss, True, 0, 2, training)
    for a, p in zip(nets, params):
        np.testing.assert_allclose(a[0], p.data, rtol=1e-12, atol=1e-14)


def cpu_backends():
    """The reference, and numba's kernels where numba is installed."""
    try:
        from dltui.engine.kernels import cpu
    except ImportError:
        return [ref]
    return [ref, cpu]


def test_sigmoid_does_not_overflow():
    for k in cpu_backends():
        with np.errstate(over="raise"):
            np.testing.assert_array_equal(k.sigmoid_forward(np.array([-1000.0, 1000.0])), [0.0, 1.0])


def test_activations_of_a_0d_array_are_arrays():
    for k in cpu_backends():
        for name in ("sigmoid", "tanh", "relu"):
            y = getattr(k, f"{name}_forward")(np.array(0.7))
            assert np.ndim(y) == 0 and np.isclose(y, getattr(ref, f"{name}_forward")(np.array([0.7]))[0])


# --------------------------------------------------------------------------- backends


def test_reference_defines_every_kernel():
    assert all(callable(getattr(ref, name)) for name in KERNELS)


def test_numba_agrees_with_reference():
    pytest.importorskip("numba")
    from dltui.engine.kernels import cpu

    assert all(callable(getattr(cpu, name)) for name in KERNELS)
    run_agreement(cpu, np.random.default_rng(1))


class _Diverged:
    """A generator whose every normal array holds one NaN or ±inf somewhere, as a diverged run's would."""

    def __init__(self, seed, value):
        self.rng, self.value = np.random.default_rng(seed), value

    def standard_normal(self, shape=None):
        a = self.rng.standard_normal(shape)
        if np.ndim(a) and a.size > 1:
            a.flat[self.rng.integers(a.size)] = self.value
        return a

    def __getattr__(self, name):
        return getattr(self.rng, name)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_numba_agrees_with_reference_on_diverged_values(value):
    """NaN and ±inf anywhere in any kernel's inputs: the same NaNs and infinities as the reference (numba's relu
    made a NaN 0 and stopped a NaN gradient where the reference passed it on)."""
    pytest.importorskip("numba")
    from dltui.engine.kernels import cpu

    with np.errstate(all="ignore"):
        for seed in range(3):
            run_agreement(cpu, _Diverged(seed, value))


def test_numba_on_several_threads_agrees_with_reference(monkeypatch):
    """Convolution and pooling share the batch out among `set_num_threads` threads, each part in
    chunks of its own (made small here so a part holds several): the same numbers as one thread."""
    pytest.importorskip("numba")
    from dltui import engine
    from dltui.engine.kernels import cpu, threads

    monkeypatch.setattr(cpu, "_CHUNK_BYTES", 2048)
    monkeypatch.setattr(threads, "SPLIT_FROM", 0)  # these small pools are shared out too
    before = engine.get_num_threads()
    engine.set_num_threads(3)
    try:
        big_batch = [(7, 2, 12, 11, 3, 5, 4, 1, 2), (5, 3, 9, 9, 4, 3, 3, 2, 1)]
        run_agreement(cpu, np.random.default_rng(4), CONV_CASES + big_batch, POOL_CASES + [(7, 3, 9, 8, 2, None, 0)])
        assert engine.get_num_threads() == 3 and cpu.threads.pool is not None
    finally:
        engine.set_num_threads(before)
    with pytest.raises(ValueError, match="at least 1"):
        engine.set_num_threads(0)


class _CountsSet:
    """A BLAS controller that does what the real one does and keeps each count it was set to."""

    def __init__(self, lib):
        self.lib, self.counts = lib, []

    def set_num_threads(self, count):
        self.counts.append(count)
        self.lib.set_num_threads(count)


def test_a_big_matmul_runs_on_as_many_blas_threads_and_leaves_blas_at_one(monkeypatch):
    """At 3 engine threads a matmul of `BLAS_MACS` multiply-adds or more raises BLAS to 3 threads for the call
    and puts it back at one; a smaller one, or any at one engine thread, leaves BLAS alone. Numbers are NumPy's at one
    thread but for the last bits (BLAS's threads split the rows where its blocks fall)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from dltui.engine.kernels import threads as module

    def blas_counts():
        return [lib.num_threads for lib in threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers]

    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        spies = [_CountsSet(lib) for lib in module._blas_at_one_thread()]
        assert spies, "NumPy's BLAS is not one threadpoolctl can set"
        monkeypatch.setattr(module.threads, "blas", spies)
        rng = np.random.default_rng(5)
        big_a, big_b = rng.standard_normal((256, 128)), rng.standard_normal((128, 128))  # exactly 4M
        small_a = big_a[:255]
        for count, a, raised in [(3, big_a, True), (3, small_a, False), (1, big_a, False)]:
            monkeypatch.setattr(module.threads, "count", count)
            np.testing.assert_allclose(module.threads.matmul(a, big_b), a @ big_b, rtol=1e-12, atol=1e-12)
            assert all(spy.counts == ([3, 1] if raised else []) for spy in spies), (count, a.shape)
            assert set(blas_counts()) == {1}
            for spy in spies:
                spy.counts.clear()
        with threadpoolctl.threadpool_limits(2, user_api="blas"):  # a count the user set is theirs
            assert module._blas_at_one_thread() == []


def test_numba_compiles_each_kernel_once_whatever_the_input():
    """The warm-up's signatures are the ones calls use; views, read-only and float32 inputs are
    converted rather than compiled for, and after the warm-up a kernel refuses other types outright
    (mlp_sgd converts its arguments only then)."""
    pytest.importorskip("numba")
    from dltui.engine.kernels import cpu

    for _, compile_one in cpu.compile_jobs():
        compile_one()
    run_agreement(cpu, np.random.default_rng(3))
    x = np.broadcast_to(np.linspace(-1, 1, 5, dtype=np.float32), (2, 3, 5, 5)).transpose(0, 1, 3, 2)
    w = np.ones((2, 3, 2, 2))[:, :, ::-1]
    close(cpu.conv2d_forward(x, w, None), ref.conv2d_forward(x.astype(np.float64), w, None))
    close(cpu.relu_forward(x), ref.relu_forward(x.astype(np.float64)))
    rng = np.random.default_rng(5)
    nets = [rng.standard_normal(shape) for shape in [(2, 3, 2), (2, 3), (2, 1, 3), (2, 1)]]
    got, inputs = [a.copy() for a in nets], np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    cpu.mlp_sgd(*got, inputs.astype(np.float32), [0, 1, 1, 0], 1, "tanh", "bce", 1, np.int64(1), 2.0, [True, False])
    ref.mlp_sgd(*nets, inputs, np.array([0.0, 1.0, 1.0, 0.0]), 1.0, "tanh", "bce", True, 1, 2, np.array([True, False]))
    for g, want in zip(got, nets):
        close(g, want)
    with pytest.raises(TypeError):
        cpu._mlp_sgd(*got, inputs.astype(np.float32), inputs[:, 0], 1.0, 1, 1, True, 0, 1, np.ones(2, bool))
    assert {name: len(d.signatures) for name, (d, _) in cpu._SIGS.items()} == dict.fromkeys(cpu._SIGS, 1)


def check_cuda() -> None:
    """Entry point of the CUDA subprocess (see the module docstring)."""
    from numba import cuda as numba_cuda

    exit_unless_cuda()
    from dltui.engine.kernels import cuda
    from dltui.engine.kernels.cuda_array import CudaArray

    def to_gpu(a):
        if isinstance(a, np.ndarray):
            return numba_cuda.to_device(a) if a.dtype.kind == "i" else CudaArray.from_host(a)
        return a

    def to_host(a):
        if isinstance(a, tuple):
            return tuple(map(to_host, a))
        return a.get() if isinstance(a, CudaArray) else a.copy_to_host() if hasattr(a, "copy_to_host") else a

    class OnTheGpu:  # cuda's kernels fed GPU arrays and read back; the reference for the ones cuda leaves to the CPU
        def __getattr__(self, name):
            if name not in cuda.PROVIDES:
                return getattr(ref, name)
            return lambda *args, **kw: to_host(getattr(cuda, name)(*map(to_gpu, args), **kw))

    for _, compile_one in cuda.compile_jobs():
        compile_one()
    # the simulator runs a Python thread per GPU thread: the cases with asymmetric strides and padding suffice
    run_agreement(OnTheGpu(), np.random.default_rng(2), CONV_CASES[1::2], POOL_CASES[1:3])
    assert cuda.PROVIDES and all(callable(getattr(cuda, name)) for name in cuda.PROVIDES)


def test_cuda_agrees_with_reference():
    done = run_on_cuda(Path(__file__), "check_cuda")
    assert done.returncode == 0, done.stderr[-3000:]


def test_kernel_inputs_are_passed_as_they_are_only_when_the_kernels_can_take_them():
    """The numba kernels take float64, C-contiguous, writeable arrays: those go in as they are (no copy, and the fast
    check that says so), anything else as a converted copy with the same values, the caller's array untouched."""
    from dltui.engine.kernels.cpu import _c

    a = np.arange(12.0).reshape(3, 4)
    assert _c(a) is a
    readonly = a.copy()
    readonly.flags.writeable = False
    for other in (np.asfortranarray(a), a.T.copy().T, a[:, ::2], readonly, a.astype(np.float32), a.astype(int),
                  a.tolist(), a.astype(">f8")):
        got = _c(other)
        assert got is not other and got.dtype == np.float64 and got.flags.carray
        assert np.array_equal(got, np.asarray(other, dtype=np.float64))
    assert _c(3.0).shape == () and _c(np.float64(2.0)).shape == ()
