"""Golden numbers worked out by hand (d2l's examples) and the cell equations written out."""

import numpy as np

from dltui.engine import Tensor, functional as F, gradcheck, nn
from dltui.engine.ops import Op


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_corr2d_d2l_example_and_its_gradients():
    x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3), requires_grad=True)
    k = Tensor([[[[0.0, 1.0], [2.0, 3.0]]]], requires_grad=True)
    y = F.conv2d(x, k)
    np.testing.assert_array_equal(y.data[0, 0], [[19, 25], [37, 43]])
    y.sum().backward()
    # dK[i,j] = sum of the input window each tap sees; dX counts how often each pixel meets each tap
    np.testing.assert_array_equal(k.grad[0, 0], [[0 + 1 + 3 + 4, 1 + 2 + 4 + 5], [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]])
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 1, 1], [2, 6, 4], [2, 5, 3]])


def test_conv2d_bias_stride_padding_shapes_and_a_value():
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    w = Tensor(np.ones((2, 1, 3, 3)))
    y = F.conv2d(x, w, Tensor([0.0, 10.0]), stride=2, padding=1)
    assert y.shape == (1, 2, 2, 2)
    # top-left window covers x[0:2, 0:2] (rest is padding): 0 + 1 + 4 + 5
    assert y.data[0, 0, 0, 0] == 10.0 and y.data[0, 1, 0, 0] == 20.0


def test_conv_transpose2d_is_the_input_gradient_of_conv2d():
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((3, 2, 3, 3)))
    x = Tensor(rng.standard_normal((1, 2, 5, 5)), requires_grad=True)
    dy = rng.standard_normal((1, 3, 3, 3))
    F.conv2d(x, w, stride=2, padding=1).backward(dy)
    up = F.conv_transpose2d(Tensor(dy), w, stride=2, padding=1)
    np.testing.assert_allclose(up.data, x.grad, rtol=1e-12)


def test_pooling_2x2_examples():
    x = Tensor(np.array([[1.0, 2.0, 5.0, 0.0], [3.0, 4.0, 1.0, 1.0], [0.0, 0.0, 7.0, 8.0], [9.0, 1.0, 6.0, 2.0]])
               .reshape(1, 1, 4, 4), requires_grad=True)
    mx = F.max_pool2d(x, 2)
    np.testing.assert_array_equal(mx.data[0, 0], [[4, 5], [9, 8]])
    np.testing.assert_array_equal(mx.node.saved["argmax"][0, 0], [[5, 2], [12, 11]])
    mx.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 0, 2, 0], [0, 1, 0, 0], [0, 0, 0, 4], [3, 0, 0, 0]])
    x.grad = None
    avg = F.avg_pool2d(x, 2)
    np.testing.assert_array_equal(avg.data[0, 0], [[2.5, 1.75], [2.5, 5.75]])
    avg.backward(np.array([[[[4.0, 8.0], [12.0, 16.0]]]]))
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])


def test_d2l_pooling_example_with_stride_and_padding():
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(F.max_pool2d(x, 3, padding=1, stride=2).data[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(F.max_pool2d(x, 3).data[0, 0], [[10]])


def _cell_inputs(gates, seed=0):
    rng = np.random.default_rng(seed)
    n, d, h = 3, 4, 5
    return (rng.standard_normal((n, d)), rng.standard_normal((n, h)), rng.standard_normal((n, h)),
            rng.standard_normal((gates * h, d)), rng.standard_normal((gates * h, h)),
            rng.standard_normal(gates * h), rng.standard_normal(gates * h))


def test_lstm_cell_matches_the_equations_in_gate_order_ifgo():
    x, h, c, w_ih, w_hh, b_ih, b_hh = _cell_inputs(4)
    H = h.shape[1]
    W = lambda m, k: m[k * H:(k + 1) * H]  # noqa: E731  gate k's block of a stacked weight
    i = sigmoid(x @ W(w_ih, 0).T + W(b_ih, 0) + h @ W(w_hh, 0).T + W(b_hh, 0))
    f = sigmoid(x @ W(w_ih, 1).T + W(b_ih, 1) + h @ W(w_hh, 1).T + W(b_hh, 1))
    g = np.tanh(x @ W(w_ih, 2).T + W(b_ih, 2) + h @ W(w_hh, 2).T + W(b_hh, 2))
    o = sigmoid(x @ W(w_ih, 3).T + W(b_ih, 3) + h @ W(w_hh, 3).T + W(b_hh, 3))
    c_next = f * c + i * g
    h_next = o * np.tanh(c_next)
    ts = [Tensor(a, requires_grad=True) for a in (x, h, c, w_ih, w_hh, b_ih, b_hh)]
    h_out, c_out = F.lstm_cell(ts[0], (ts[1], ts[2]), *ts[3:])
    np.testing.assert_allclose(h_out.data, h_next, rtol=1e-12)
    np.testing.assert_allclose(c_out.data, c_next, rtol=1e-12)
    for name, value in dict(i=i, f=f, g=g, o=o).items():
        np.testing.assert_allclose(h_out.node.saved[name], value, rtol=1e-12)


def test_gru_cell_matches_the_equations_with_b_hn_inside_the_reset_product():
    x, h, _, w_ih, w_hh, b_ih, b_hh = _cell_inputs(3, seed=1)
    H = h.shape[1]
    W = lambda m, k: m[k * H:(k + 1) * H]  # noqa: E731
    r = sigmoid(x @ W(w_ih, 0).T + W(b_ih, 0) + h @ W(w_hh, 0).T + W(b_hh, 0))
    z = sigmoid(x @ W(w_ih, 1).T + W(b_ih, 1) + h @ W(w_hh, 1).T + W(b_hh, 1))
    n = np.tanh(x @ W(w_ih, 2).T + W(b_ih, 2) + r * (h @ W(w_hh, 2).T + W(b_hh, 2)))
    h_next = (1 - z) * n + z * h
    out = F.gru_cell(*(Tensor(a) for a in (x, h, w_ih, w_hh, b_ih, b_hh)))
    np.testing.assert_allclose(out.data, h_next, rtol=1e-12)
    # b_hn outside the product would be a different number: the test can tell the two apart
    n_outside = np.tanh(x @ W(w_ih, 2).T + W(b_ih, 2) + r * (h @ W(w_hh, 2).T) + W(b_hh, 2))
    assert not np.allclose((1 - z) * n_outside + z * h, out.data)


def test_rnn_cell_matches_the_equation():
    x, h, _, w_ih, w_hh, b_ih, b_hh = _cell_inputs(1, seed=2)
    out = F.rnn_cell(*(Tensor(a) for a in (x, h, w_ih, w_hh, b_ih, b_hh)))
    np.testing.assert_allclose(out.data, np.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh), rtol=1e-12)


def test_attention_matches_softmax_qk_v_and_masks():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 5))
    scores = q @ k.transpose(0, 2, 1) / 2.0  # √d_k = 2
    causal = np.where(np.tril(np.ones((3, 3))) > 0, scores, -np.inf)
    weights = np.exp(causal - causal.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out, attn = F.attention(Tensor(q), Tensor(k), Tensor(v), is_causal=True)
    np.testing.assert_allclose(attn, weights, rtol=1e-12)
    np.testing.assert_allclose(out.data, weights @ v, rtol=1e-12)
    assert attn[0, 0, 1] == 0.0 and attn[0, 0, 0] == 1.0
    bool_mask = np.tril(np.ones((3, 3), dtype=bool))  # True = may attend
    same = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), attn_mask=bool_mask)
    np.testing.assert_allclose(same.data, out.data, rtol=1e-12)


def test_losses_against_their_formulas():
    p, y = np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 1.0])
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert np.isclose(F.binary_cross_entropy(Tensor(p), y).item(), bce, rtol=1e-14)
    z = np.log(p / (1 - p))
    assert np.isclose(F.binary_cross_entropy_with_logits(Tensor(z), y).item(), bce, rtol=1e-12)
    assert F.binary_cross_entropy(Tensor([0.0, 1.0]), [1.0, 0.0]).item() == 100.0  # log clamped at −100
    assert np.isclose(F.mse_loss(Tensor([1.0, 2.0]), [0.0, 4.0]).item(), 2.5)
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert np.isclose(F.cross_entropy(Tensor(logits), [0, 1]).item(), -(logp[0, 0] + logp[1, 1]) / 2, rtol=1e-14)


def test_batch_norm_training_normalizes_and_moves_running_stats_like_torch():
    x = np.array([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]])
    bn = nn.BatchNorm1d(2)
    y = bn(Tensor(x))
    np.testing.assert_allclose(y.data.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(y.data.var(0), x.var(0) / (x.var(0) + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(0, ddof=1), rtol=1e-12)  # unbiased
    bn.eval()
    expected = (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5)
    np.testing.assert_allclose(bn(Tensor(x)).data, expected, rtol=1e-12)


def test_layer_norm_normalizes_each_row():
    x = np.array([[1.0, 2.0, 3.0, 6.0], [0.0, 0.0, 4.0, 4.0]])
    y = F.layer_norm(Tensor(x), 4).data
    np.testing.assert_allclose(y, (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5))


def test_dropout_zeroes_and_rescales_and_is_identity_in_eval():
    from dltui.engine import manual_seed

    manual_seed(0)
    x = Tensor(np.ones((200, 50)))
    y = F.dropout(x, 0.3, training=True).data
    assert set(np.unique(y)) == {0.0, 1.0 / 0.7}
    assert abs((y == 0).mean() - 0.3) < 0.02
    assert F.dropout(x, 0.3, training=False) is x


def test_gradcheck_catches_a_wrong_backward():
    class WrongSquare(Op):
        name = "wrong_square"

        def forward(self, x):
            return x * x

        def backward(self, dy):
            return (dy * self.arrays[0],)  # missing the factor 2

    x = Tensor([0.5, -1.5, 2.0], requires_grad=True)
    (error,) = gradcheck(WrongSquare.apply, [x])
    assert abs(error - 1 / 3) < 1e-6  # |a − 2a| / (|a| + |2a|)
