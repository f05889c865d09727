"""Same numbers as PyTorch (float64), when PyTorch is installed; skipped otherwise."""

import numpy as np
import pytest

from dltui.engine import Tensor, functional as F, manual_seed, nn, optim

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def pair_of(*shapes, seed=0, low=-1.0, high=1.0):
    """The same random values as engine tensors and as torch tensors, all requiring grad."""
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(low, high, s) for s in shapes]
    return [Tensor(a, requires_grad=True) for a in arrays], [torch.tensor(a, requires_grad=True) for a in arrays]


CASES = {
    "conv2d": (lambda f, x, w, b: f.conv2d(x, w, b, stride=(2, 1), padding=(1, 2)), [(2, 3, 7, 6), (4, 3, 3, 2), (4,)]),
    "conv_transpose2d": (lambda f, x, w, b: f.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
                         [(2, 3, 4, 3), (3, 2, 3, 3), (2,)]),
    "max_pool2d": (lambda f, x: f.max_pool2d(x, 3, stride=2, padding=1), [(2, 2, 7, 6)]),
    "avg_pool2d": (lambda f, x: f.avg_pool2d(x, (2, 3), stride=(1, 2), padding=1), [(2, 2, 5, 6)]),
    "linear": (lambda f, x, w, b: f.linear(x, w, b), [(3, 2, 5), (4, 5), (4,)]),
    "log_softmax": (lambda f, x: f.log_softmax(x, dim=1), [(3, 4, 2)]),
    "elu+leaky": (lambda f, x: f.elu(x, 0.7) + f.leaky_relu(x, 0.1), [(4, 5)]),
    "layer_norm": (lambda f, x, g, b: f.layer_norm(x, (3, 4), g, b), [(2, 3, 4), (3, 4), (3, 4)]),
    "attention": (lambda f, q, k, v: f.scaled_dot_product_attention(q, k, v, is_causal=True), [(2, 3, 5, 4)] * 3),
    "cross_entropy": (lambda f, z: f.cross_entropy(z, _target(f)), [(5, 4)]),
    "bce_logits": (lambda f, z, y: f.binary_cross_entropy_with_logits(z, y), [(6,), (6,)]),
}


def _target(f):
    t = np.array([3, 0, 1, 1, 2])
    return torch.tensor(t) if f is TF else t


@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_matches_torch(name):
    fn, shapes = CASES[name]
    ours, theirs = pair_of(*shapes)
    a, b = fn(F, *ours), fn(TF, *theirs)
    np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    weight = np.random.default_rng(5).standard_normal(a.shape)
    a.backward(weight)
    b.backward(torch.tensor(weight))
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x.grad, y.grad.numpy(), rtol=1e-9, atol=1e-12)


def _copy_into_torch(ours, theirs):
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname and p.shape == tuple(tp.shape)
            tp.copy_(torch.tensor(p.data))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers_match_torch(kind):
    manual_seed(0)
    ours = getattr(nn, kind)(3, 4, num_layers=2, batch_first=True)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, batch_first=True).double()
    _copy_into_torch(ours, theirs)
    x = np.random.default_rng(1).standard_normal((2, 5, 3))
    out, _ = ours(Tensor(x))
    tout, _ = theirs(torch.tensor(x))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("layers,batch_first", [(1, False), (2, True)])
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_bidirectional_recurrent_layers_match_torch(kind, layers, batch_first):
    """Output, final states and every gradient, starting from given states."""
    manual_seed(2)
    ours = getattr(nn, kind)(3, 4, num_layers=layers, batch_first=batch_first, bidirectional=True)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=layers, batch_first=batch_first, bidirectional=True).double()
    _copy_into_torch(ours, theirs)
    lstm = kind == "LSTM"
    states = [(2 * layers, 2, 4)] * (2 if lstm else 1)  # h0 (and c0): (layers·directions, N, H)
    (x, *s0), (tx, *ts0) = pair_of((2, 5, 3) if batch_first else (5, 2, 3), *states, seed=3)
    out, finals = ours(x, tuple(s0) if lstm else s0[0])
    tout, tfinals = theirs(tx, tuple(ts0) if lstm else ts0[0])
    assert out.shape == tuple(tout.shape) == ((2, 5, 8) if batch_first else (5, 2, 8))
    results, torch_results = ([out, *finals], [tout, *tfinals]) if lstm else ([out, finals], [tout, tfinals])
    for a, b in zip(results, torch_results):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = [np.random.default_rng(4 + k).standard_normal(a.shape) for k, a in enumerate(results)]
    sum((a * Tensor(w)).sum() for a, w in zip(results, weights)).backward()
    sum((b * torch.tensor(w)).sum() for b, w in zip(torch_results, weights)).backward()
    for p, tp in [*zip(ours.parameters(), theirs.parameters()), (x, tx), *zip(s0, ts0)]:
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (0.5, 1.0), (0.3, float("inf")), (5.0, 2.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    ours, theirs = pair_of((3, 4), (5,), (2,), seed=6)
    for p, tp in zip(ours[:2], theirs[:2]):
        g = np.random.default_rng(p.size).standard_normal(p.shape)
        p.grad, tp.grad = g.copy(), torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    torch_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, float) and total == pytest.approx(torch_total.item(), rel=1e-12)
    for p, tp in zip(ours[:2], theirs[:2]):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12)
    assert ours[2].grad is None and theirs[2].grad is None


def test_multihead_attention_and_batch_norm_match_torch():
    manual_seed(1)
    ours, theirs = nn.MultiheadAttention(6, 2), torch.nn.MultiheadAttention(6, 2).double()
    _copy_into_torch(ours, theirs)
    x = np.random.default_rng(2).standard_normal((4, 2, 6))  # (L, N, E)
    mask = np.triu(np.ones((4, 4), dtype=bool), 1)
    out, w = ours(Tensor(x), Tensor(x), Tensor(x), attn_mask=mask)
    tout, tw = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x), attn_mask=torch.tensor(mask))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-10, atol=1e-12)

    bn, tbn = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3).double()
    x = np.random.default_rng(3).standard_normal((4, 3, 2, 2))
    for _ in range(2):
        np.testing.assert_allclose(bn(Tensor(x)).data, tbn(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(bn.running_var, tbn.running_var.numpy(), rtol=1e-12)
    bn.eval(), tbn.eval()
    np.testing.assert_allclose(bn(Tensor(x)).data, tbn(torch.tensor(x)).detach().numpy(), rtol=1e-10)


OPTIMIZERS = {
    "SGD nesterov wd": (dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), "SGD"),
    "SGD dampening": (dict(lr=0.1, momentum=0.5, dampening=0.3), "SGD"),
    "Adagrad": (dict(lr=0.3, lr_decay=0.01, initial_accumulator_value=0.1), "Adagrad"),
    "RMSprop centered": (dict(lr=0.01, centered=True, momentum=0.3, weight_decay=0.1), "RMSprop"),
    "Adadelta": (dict(lr=0.5, rho=0.8, weight_decay=0.05), "Adadelta"),
    "Adam amsgrad": (dict(lr=0.02, betas=(0.8, 0.9), amsgrad=True, weight_decay=0.1), "Adam"),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_match_torch(name):
    kwargs, cls = OPTIMIZERS[name]
    (p,), (tp,) = pair_of((5,))
    opt, topt = getattr(optim, cls)([p], **kwargs), getattr(torch.optim, cls)([tp], **kwargs)
    rng = np.random.default_rng(4)
    for _ in range(5):
        g = rng.standard_normal(5)
        p.grad, tp.grad = g.copy(), torch.tensor(g)
        opt.step()
        topt.step()
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["numpy", "numba"])
def test_max_pool_and_relu_keep_torchs_rules_for_nan_and_minus_inf(name):
    """A diverged value (NaN) wins its pooling window and passes through relu, and a window of -inf points at its
    first pixel, as in torch: on both CPU backends, for the 2x2 stride-2 window (numba's own loop) and a padded 3x3;
    relu's gradient as torch's too, NaNs in it included."""
    from dltui.engine import backend

    if name == "numba":
        pytest.importorskip("numba")
    backend.set_backend(name)
    try:
        x = np.random.default_rng(3).standard_normal((2, 2, 7, 6))
        x[0, 0, :2, :2] = 0.5  # a tie
        x[0, 1, 2:4, 2:4] = -np.inf  # a window of -inf only
        x[1, 0, 0, 1], x[1, 0, 1, 0], x[1, 1, 5, 5] = np.nan, np.nan, np.nan  # two NaNs in one window: the last wins
        for args in ((2,), (3, 2, 1)):
            ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            y, index = F.max_pool2d(ours, *args, return_indices=True)
            ty, tindex = TF.max_pool2d(theirs, *args, return_indices=True)
            np.testing.assert_array_equal(index.data, tindex.numpy())
            _same_values_and_gradients(y, ty, ours, theirs, np.random.default_rng(4).standard_normal(y.shape))
        ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        weight = np.random.default_rng(5).standard_normal(x.shape)
        weight[0, 0, 0, :] = np.nan  # a NaN gradient stops where x <= 0; at a NaN input the gradient passes
        _same_values_and_gradients(F.relu(ours), torch.relu(theirs), ours, theirs, weight)
    finally:
        backend.set_backend()


def _same_values_and_gradients(y, ty, ours, theirs, weight):
    """Exactly torch's values (NaN where it has NaN), then exactly its input gradient for the upstream `weight`."""
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    y.backward(weight)
    ty.backward(torch.tensor(weight))
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())
