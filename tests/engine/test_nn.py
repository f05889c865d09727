"""Modules: parameter names and shapes as in torch.nn, default inits, sequence wrappers, training."""

import math

import numpy as np
import pytest

from dltui.engine import Tensor, functional as F, gradcheck, init, manual_seed, nn, no_grad, optim


def test_parameters_are_found_in_order_with_torch_names():
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(6 * 14 * 14, 10))
    names = [n for n, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "4.weight", "4.bias"]
    assert [p.shape for p in model.parameters()] == [(6, 1, 5, 5), (6,), (10, 1176), (10,)]
    assert model[4].weight.name == "4.weight"  # parameters carry their path onto the tape
    assert model(Tensor(np.zeros((2, 1, 28, 28)))).shape == (2, 10)


def test_default_inits_use_torch_bounds():
    manual_seed(0)
    lin = nn.Linear(400, 30)
    bound = 1 / math.sqrt(400)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.weight.data).max() > 0.95 * bound
    conv = nn.Conv2d(3, 8, 3)
    assert np.abs(conv.weight.data).max() <= 1 / math.sqrt(27)
    lstm = nn.LSTM(5, 20)
    assert lstm.weight_ih_l0.shape == (80, 5) and lstm.weight_hh_l0.shape == (80, 20)
    assert np.abs(lstm.weight_hh_l0.data).max() <= 1 / math.sqrt(20)
    assert nn.GRU(5, 7, num_layers=2).weight_ih_l1.shape == (21, 7)
    emb = nn.Embedding(1000, 20).weight.data
    assert abs(emb.std() - 1.0) < 0.03


def test_init_functions_follow_their_formulas():
    manual_seed(1)
    w = Tensor(np.empty((200, 300)))
    a = math.sqrt(6 / 500)
    init.xavier_uniform_(w)
    assert np.abs(w.data).max() <= a and abs(w.data.std() - a / math.sqrt(3)) < 0.01 * a
    init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.data.std() - math.sqrt(2 / 300)) < 0.01 * math.sqrt(2 / 300)
    init.kaiming_uniform_(w, a=math.sqrt(5))
    assert np.abs(w.data).max() <= 1 / math.sqrt(300)
    init.xavier_normal_(w, gain=2.0)
    assert abs(w.data.std() - 2 * math.sqrt(2 / 500)) < 0.02 * 2 * math.sqrt(2 / 500)
    init.zeros_(w)
    assert not w.data.any()


def test_train_and_eval_switch_every_submodule():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5), nn.BatchNorm1d(3))
    model.eval()
    assert not any(m.training for m in model.modules())
    x = Tensor(np.ones((4, 3)))
    np.testing.assert_allclose(model(x).data, model(x).data)  # deterministic in eval
    model.train()
    assert all(m.training for m in model.modules())


def _loop_reference(cell, x, *weights):
    """Run a cell over time by hand (x is (L, N, D))."""
    h = Tensor(np.zeros((x.shape[1], weights[1].shape[1])))
    state = (h, Tensor(np.zeros_like(h.data))) if cell is F.lstm_cell else h
    outs = []
    for t in range(x.shape[0]):
        state = cell(x[t], state, *weights)
        outs.append((state[0] if isinstance(state, tuple) else state).data)
    return np.stack(outs)


@pytest.mark.parametrize("layer,cell", [(nn.RNN, F.rnn_cell), (nn.LSTM, F.lstm_cell), (nn.GRU, F.gru_cell)])
def test_recurrent_layers_run_their_cell_over_time(layer, cell):
    manual_seed(2)
    net = layer(3, 4)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 2, 3)))
    out, final = net(x)
    expected = _loop_reference(cell, x, *net.weights(0))
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    h_n = final[0] if isinstance(final, tuple) else final
    np.testing.assert_allclose(h_n.data[0], expected[-1], rtol=1e-12)
    net.batch_first = True
    out_bf, _ = net(Tensor(x.data.transpose(1, 0, 2)))
    np.testing.assert_allclose(out_bf.data, expected.transpose(1, 0, 2), rtol=1e-12)


def test_two_layer_lstm_feeds_layer_outputs_upward_and_backprops_through_time():
    manual_seed(3)
    net = nn.LSTM(2, 3, num_layers=2, batch_first=True)
    x = Tensor(np.random.default_rng(1).standard_normal((2, 4, 2)))
    out, (h_n, c_n) = net(x)
    assert out.shape == (2, 4, 3) and h_n.shape == (2, 2, 3) and c_n.shape == (2, 2, 3)
    np.testing.assert_allclose(out.data[:, -1], h_n.data[1])
    out.sum().backward()
    assert all(p.grad is not None and np.abs(p.grad).sum() > 0 for p in net.parameters())


def test_bidirectional_layers_name_shape_and_order_their_directions_like_torch():
    manual_seed(5)
    net = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    names = [n for n, _ in net.named_parameters()]
    per_layer = ["weight_ih_l{}", "weight_hh_l{}", "bias_ih_l{}", "bias_hh_l{}"]
    assert names == [n.format(k) + s for k in (0, 1) for s in ("", "_reverse") for n in per_layer]
    assert net.weight_ih_l0_reverse.shape == (12, 3) and net.weight_ih_l1.shape == (12, 8)
    x = Tensor(np.random.default_rng(3).standard_normal((5, 2, 3)))
    out, h_n = net(x)
    assert out.shape == (5, 2, 8) and h_n.shape == (4, 2, 4)
    np.testing.assert_array_equal(h_n.data[2], out.data[-1, :, :4])  # layer 1 forward ends at the last step,
    np.testing.assert_array_equal(h_n.data[3], out.data[0, :, 4:])  # layer 1 backward at the first
    one_layer = nn.GRU(3, 4, bidirectional=True)
    out, _ = one_layer(x)
    forward = _loop_reference(F.gru_cell, x, *one_layer.weights(0))
    backward = _loop_reference(F.gru_cell, Tensor(x.data[::-1].copy()), *one_layer.weights(0, reverse=True))[::-1]
    np.testing.assert_allclose(out.data, np.concatenate([forward, backward], axis=2), rtol=1e-12)


def test_a_bidirectional_gru_passes_gradcheck():
    manual_seed(6)
    net = nn.GRU(2, 2, num_layers=2, bidirectional=True)
    x = Tensor(np.random.default_rng(4).standard_normal((3, 2, 2)), requires_grad=True)
    h0 = Tensor(np.random.default_rng(5).standard_normal((4, 2, 2)), requires_grad=True)
    errors = gradcheck(lambda x, h0, *weights: net(x, h0), [x, h0, *net.parameters()])
    assert max(errors) <= 1e-6


def test_clip_grad_norm_scales_all_gradients_together():
    a, b, frozen = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros((1, 1))), nn.Parameter(np.zeros(3))
    a.grad, b.grad = np.array([3.0, -4.0]), np.array([[12.0]])
    grad_a = a.grad
    assert nn.utils.clip_grad_norm_([a, b, frozen], 6.5) == 13.0  # √(9 + 16 + 144), before clipping
    scale = 6.5 / (13.0 + 1e-6)
    np.testing.assert_allclose(a.grad, [3 * scale, -4 * scale], rtol=1e-15)
    np.testing.assert_allclose(b.grad, [[12 * scale]], rtol=1e-15)
    assert a.grad is grad_a and frozen.grad is None, "in place; parameters without a gradient are skipped"
    assert nn.utils.clip_grad_norm_(iter([a, b]), 10.0) == pytest.approx(6.5) and a.grad[0] == 3 * scale
    assert nn.utils.clip_grad_norm_(b, 100.0, norm_type=math.inf) == pytest.approx(12 * scale)
    assert nn.utils.clip_grad_norm_([a], math.inf, norm_type=1) == pytest.approx(7 * scale)


def test_multihead_attention_matches_per_head_equations():
    manual_seed(4)
    e, heads = 8, 2
    mha = nn.MultiheadAttention(e, heads, batch_first=True)
    x = np.random.default_rng(2).standard_normal((1, 3, e))
    out, weights = mha(Tensor(x), Tensor(x), Tensor(x))
    w, b = mha.in_proj_weight.data, mha.in_proj_bias.data
    q, k, v = (x @ w[i * e:(i + 1) * e].T + b[i * e:(i + 1) * e] for i in range(3))
    d = e // heads
    per_head = []
    attn_sum = 0
    for hd in range(heads):
        s = q[..., hd * d:(hd + 1) * d] @ k[..., hd * d:(hd + 1) * d].transpose(0, 2, 1) / math.sqrt(d)
        a = np.exp(s) / np.exp(s).sum(-1, keepdims=True)
        attn_sum = attn_sum + a
        per_head.append(a @ v[..., hd * d:(hd + 1) * d])
    expected = np.concatenate(per_head, -1) @ mha.out_proj.weight.data.T + mha.out_proj.bias.data
    np.testing.assert_allclose(out.data, expected, rtol=1e-10)
    np.testing.assert_allclose(weights.data, attn_sum / heads, rtol=1e-12)
    # torch's module mask: True means "may not attend"
    blocked = np.array([[False, True, True], [False, False, True], [False, False, False]])
    _, masked = mha(Tensor(x), Tensor(x), Tensor(x), attn_mask=blocked)
    assert np.all(masked.data[0][blocked] == 0)


def test_an_mlp_learns_xor():
    manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    x = Tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    for _ in range(300):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    with no_grad():
        assert ((model(x).data > 0) == (y > 0)).all()


def test_a_small_cnn_step_reduces_the_loss():
    manual_seed(1)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AvgPool2d(2),
                          nn.Flatten(), nn.Dropout(0.1), nn.Linear(4 * 4 * 4, 3))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = Tensor(np.random.default_rng(0).standard_normal((6, 1, 8, 8)))
    target = np.array([0, 1, 2, 0, 1, 2])
    losses = []
    for _ in range(10):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("kind", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_a_masked_class_leaves_the_loss_as_if_it_were_not_there(kind, reduction):
    """A −∞ logit masks its class out: loss and gradients equal those of the logits without that class, with class
    weights and an ignored sample (torch gathers the target's log-probability; a product with the one-hot target
    made 0·(−∞) = NaN)."""
    z, target = np.random.default_rng(0).standard_normal((5, 4)), np.array([0, 3, -100, 2, 3])
    z[:, 1] = -np.inf
    weight = np.array([0.5, 2.0, 1.0, 1.5])
    full, kept = Tensor(z, requires_grad=True), Tensor(np.delete(z, 1, axis=1), requires_grad=True)
    losses = [getattr(F, kind)(x if kind == "cross_entropy" else F.log_softmax(x, dim=1), t, weight=w, reduction=reduction)
              for x, t, w in [(full, target, weight), (kept, np.array([0, 2, -100, 1, 2]), np.delete(weight, 1))]]
    np.testing.assert_allclose(losses[0].data, losses[1].data, rtol=1e-12)
    for loss in losses:
        loss.sum().backward()
    np.testing.assert_allclose(np.delete(full.grad, 1, axis=1), kept.grad, rtol=1e-12)
    assert np.all(full.grad[:, 1] == 0.0)
