"""Every op's backward against central differences (float64, eps 1e-6, rel err ≤ 1e-6).

Inputs stay away from kinks: relu-family inputs avoid |x| < 0.1, max-pool windows have a
clear winner, BCE probabilities stay inside (0.05, 0.95)."""

import numpy as np
import pytest

from dltui.engine import Tensor, functional as F, gradcheck

TOL = 1e-6


def rand(*shape, seed=0, low=-1.0, high=1.0, grad=True):
    return Tensor(np.random.default_rng(seed).uniform(low, high, shape), requires_grad=grad)


def away_from_zero(*shape, seed=0):
    a = np.random.default_rng(seed).uniform(0.1, 1.0, shape) * np.random.default_rng(seed + 1).choice([-1, 1], shape)
    return Tensor(a, requires_grad=True)


def distinct(*shape, seed=0):
    """A permutation of well-separated values: no ties inside any pooling window."""
    a = np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) * 0.1
    return Tensor(a, requires_grad=True)


CASES = {
    "add (broadcast)": (lambda a, b: a + b, lambda: [rand(3, 4), rand(4, seed=1)]),
    "sub (broadcast)": (lambda a, b: a - b, lambda: [rand(3, 1), rand(1, 4, seed=1)]),
    "mul (broadcast)": (lambda a, b: a * b, lambda: [rand(2, 3, 4), rand(3, 1, seed=1)]),
    "div": (lambda a, b: a / b, lambda: [rand(3, 4), rand(3, 4, seed=1, low=0.5, high=2.0)]),
    "neg": (lambda a: -a, lambda: [rand(3)]),
    "pow": (lambda a: a**3, lambda: [rand(3, 2)]),
    "sqrt": (lambda a: a.sqrt(), lambda: [rand(4, low=0.5, high=2.0)]),
    "exp": (lambda a: a.exp(), lambda: [rand(2, 3)]),
    "log": (lambda a: a.log(), lambda: [rand(2, 3, low=0.5, high=2.0)]),
    "matmul 2d": (lambda a, b: a @ b, lambda: [rand(3, 4), rand(4, 2, seed=1)]),
    "matmul batched (broadcast)": (lambda a, b: a @ b, lambda: [rand(2, 3, 4), rand(4, 5, seed=1)]),
    "matmul vector": (lambda a, b: a @ b, lambda: [rand(3, 4), rand(4, seed=1)]),
    "vector matmul": (lambda a, b: a @ b, lambda: [rand(4), rand(4, 2, seed=1)]),
    "sum all": (lambda a: a.sum(), lambda: [rand(3, 4)]),
    "sum axis": (lambda a: a.sum(axis=1), lambda: [rand(2, 3, 4)]),
    "sum axes keepdims": (lambda a: a.sum(axis=(0, 2), keepdims=True), lambda: [rand(2, 3, 4)]),
    "mean axis": (lambda a: a.mean(axis=-1), lambda: [rand(2, 3, 4)]),
    "mean all": (lambda a: a.mean(), lambda: [rand(2, 3)]),
    "reshape": (lambda a: a.reshape(4, 3) * 2.0, lambda: [rand(2, 6)]),
    "transpose": (lambda a: a.T @ a, lambda: [rand(3, 2)]),
    "transpose swap": (lambda a: a.transpose(0, 2), lambda: [rand(2, 3, 4)]),
    "index slice": (lambda a: a[1:, ::2], lambda: [rand(3, 4)]),
    "index repeated": (lambda a: a[np.array([0, 2, 0])], lambda: [rand(3, 2)]),
    "index int, ellipsis, new axis": (lambda a: a[-1, ..., None, np.int64(1)], lambda: [rand(3, 2, 4)]),
    "index mixed with a list": (lambda a: a[1:, [0, 0, 1]], lambda: [rand(3, 2)]),
    "stack": (lambda a, b: F.stack([a, b, a], dim=1), lambda: [rand(2, 3), rand(2, 3, seed=1)]),
    "cat": (lambda a, b: F.cat([a, b], dim=1), lambda: [rand(2, 3), rand(2, 1, seed=1)]),
    "relu": (F.relu, lambda: [away_from_zero(3, 4)]),
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.2), lambda: [away_from_zero(3, 4)]),
    "elu": (lambda a: F.elu(a, 1.5), lambda: [away_from_zero(3, 4)]),
    "sigmoid": (F.sigmoid, lambda: [rand(3, 4, low=-4, high=4)]),
    "tanh": (F.tanh, lambda: [rand(3, 4, low=-2, high=2)]),
    "softmax": (lambda a: F.softmax(a, dim=1), lambda: [rand(3, 4, low=-2, high=2)]),
    "softmax dim 0": (lambda a: F.softmax(a, dim=0), lambda: [rand(3, 4, low=-2, high=2)]),
    "log_softmax": (lambda a: F.log_softmax(a, dim=-1), lambda: [rand(3, 4, low=-2, high=2)]),
    "linear": (F.linear, lambda: [rand(4, 3), rand(2, 3, seed=1), rand(2, seed=2)]),
    "linear 3d input": (F.linear, lambda: [rand(2, 4, 3), rand(2, 3, seed=1), rand(2, seed=2)]),
    "linear no bias": (F.linear, lambda: [rand(4, 3), rand(2, 3, seed=1)]),
    "conv2d": (F.conv2d, lambda: [rand(2, 2, 5, 5), rand(3, 2, 3, 3, seed=1), rand(3, seed=2)]),
    "conv2d stride 2 pad 1": (
        lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
        lambda: [rand(1, 2, 5, 4), rand(2, 2, 3, 2, seed=1), rand(2, seed=2)],
    ),
    "conv2d no bias": (F.conv2d, lambda: [rand(1, 1, 4, 4), rand(2, 1, 2, 2, seed=1)]),
    "conv_transpose2d": (
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        lambda: [rand(2, 2, 3, 3), rand(2, 3, 3, 3, seed=1), rand(3, seed=2)],
    ),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), lambda: [distinct(2, 2, 4, 4)]),
    "max_pool2d overlap pad": (lambda x: F.max_pool2d(x, 3, stride=2, padding=1), lambda: [distinct(1, 2, 5, 5)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 2), lambda: [rand(2, 2, 4, 4)]),
    "avg_pool2d overlap pad": (lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), lambda: [rand(1, 2, 5, 5)]),
    "flatten": (lambda x: F.flatten(x) * 3.0, lambda: [rand(2, 3, 2, 2)]),
    "dropout (fixed mask)": (lambda x: _dropout_with_seed(x), lambda: [rand(4, 5)]),
    "batch_norm train 2d": (
        lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True),
        lambda: [rand(4, 3), rand(3, seed=1), rand(3, seed=2)],
    ),
    "batch_norm train 4d": (
        lambda x, g, b: F.batch_norm(x, np.zeros(2), np.ones(2), g, b, training=True),
        lambda: [rand(3, 2, 2, 2), rand(2, seed=1), rand(2, seed=2)],
    ),
    "batch_norm eval": (
        lambda x, g, b: F.batch_norm(x, np.array([0.1, -0.2]), np.array([0.5, 2.0]), g, b, training=False),
        lambda: [rand(3, 2, 2, 2), rand(2, seed=1), rand(2, seed=2)],
    ),
    "layer_norm": (
        lambda x, g, b: F.layer_norm(x, (3, 4), g, b),
        lambda: [rand(2, 3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2)],
    ),
    "embedding": (lambda w: F.embedding(np.array([[0, 2], [2, 3]]), w), lambda: [rand(4, 3)]),
    "rnn_cell tanh": (
        lambda x, h, wi, wh, bi, bh: F.rnn_cell(x, h, wi, wh, bi, bh),
        lambda: [rand(2, 3), rand(2, 4, seed=1), rand(4, 3, seed=2), rand(4, 4, seed=3), rand(4, seed=4), rand(4, seed=5)],
    ),
    "rnn_cell relu": (
        lambda x, h, wi, wh: F.rnn_cell(x, h, wi, wh, nonlinearity="relu"),
        lambda: [rand(2, 3, seed=7), rand(2, 4, seed=1), rand(4, 3, seed=2), rand(4, 4, seed=3)],
    ),
    "lstm_cell": (
        lambda x, h, c, wi, wh, bi, bh: F.lstm_cell(x, (h, c), wi, wh, bi, bh),
        lambda: [rand(2, 3), rand(2, 4, seed=1), rand(2, 4, seed=6), rand(16, 3, seed=2), rand(16, 4, seed=3),
                 rand(16, seed=4), rand(16, seed=5)],
    ),
    "gru_cell": (
        lambda x, h, wi, wh, bi, bh: F.gru_cell(x, h, wi, wh, bi, bh),
        lambda: [rand(2, 3), rand(2, 4, seed=1), rand(12, 3, seed=2), rand(12, 4, seed=3), rand(12, seed=4),
                 rand(12, seed=5)],
    ),
    "attention": (F.scaled_dot_product_attention, lambda: [rand(2, 3, 4), rand(2, 5, 4, seed=1), rand(2, 5, 2, seed=2)]),
    "attention causal": (
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        lambda: [rand(1, 2, 4, 3), rand(1, 2, 4, 3, seed=1), rand(1, 2, 4, 3, seed=2)],
    ),
    "attention bool mask": (
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=np.array([[True, False, True]] * 2)),
        lambda: [rand(2, 4), rand(3, 4, seed=1), rand(3, 2, seed=2)],
    ),
    "mse_loss": (F.mse_loss, lambda: [rand(3, 2), rand(3, 2, seed=1)]),
    "binary_cross_entropy": (F.binary_cross_entropy, lambda: [rand(5, low=0.05, high=0.95), rand(5, seed=1, low=0, high=1)]),
    "bce_with_logits": (F.binary_cross_entropy_with_logits, lambda: [rand(5, low=-3, high=3), rand(5, seed=1, low=0, high=1)]),
    "cross_entropy": (lambda z: F.cross_entropy(z, np.array([2, 0, 1, 2])), lambda: [rand(4, 3, low=-2, high=2)]),
}


def _dropout_with_seed(x):
    from dltui.engine import manual_seed

    manual_seed(3)
    return F.dropout(x, 0.4, training=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    fn, make_inputs = CASES[name]
    errors = gradcheck(fn, make_inputs())
    assert all(e is not None for e in errors)
    assert max(errors) <= TOL, errors


EXPANDED = {
    "linear": lambda x, w, b: F.linear(x, w, b, expand=True),
    "conv2d": lambda x, w, b: F.conv2d(x, w, b, expand=True),
    "conv2d stride 2 pad 1": lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, expand=True),
    "rnn_cell tanh": lambda x, h, wi, wh, bi, bh: F.rnn_cell(x, h, wi, wh, bi, bh, expand=True),
    "lstm_cell": lambda x, h, c, wi, wh, bi, bh: F.lstm_cell(x, (h, c), wi, wh, bi, bh, expand=True),
    "gru_cell": lambda x, h, wi, wh, bi, bh: F.gru_cell(x, h, wi, wh, bi, bh, expand=True),
    "attention": lambda q, k, v: F.scaled_dot_product_attention(q, k, v, expand=True),
    "attention causal": lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, expand=True),
}


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("name", sorted(EXPANDED))
def test_fused_ops_expand_to_the_same_values_and_gradients(name):
    fused_fn, make_inputs = CASES[name]
    fused_inputs, expanded_inputs = make_inputs(), make_inputs()
    fused, expanded = _outputs(fused_fn(*fused_inputs)), _outputs(EXPANDED[name](*expanded_inputs))
    for a, b in zip(fused, expanded):
        assert b.node.name != a.node.name  # really ran as primitives
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-12)
    weights = [np.random.default_rng(9).standard_normal(t.shape) for t in fused]
    sum((t * w).sum() for t, w in zip(fused, weights)).backward()
    sum((t * w).sum() for t, w in zip(expanded, weights)).backward()
    for a, b in zip(fused_inputs, expanded_inputs):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(EXPANDED))
def test_expanded_ops_pass_gradcheck(name):
    assert max(gradcheck(EXPANDED[name], CASES[name][1]())) <= TOL
