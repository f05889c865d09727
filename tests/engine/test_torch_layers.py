"""Layers, losses and modules as PyTorch names them (issue 20): values and gradients equal to PyTorch's in float64
on both kernel backends, gradcheck, and module structure (state_dict keys, containers) equal to torch's."""

from collections import OrderedDict

import numpy as np
import pytest

from dltui.engine import Tensor, backend, functional as F, gradcheck, manual_seed, nn
from dltui.engine.kernels import reference

try:
    import torch
except ImportError:  # the cross-checks need PyTorch; gradcheck runs without it
    torch = None
TF = torch.nn.functional if torch else None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
TOL = 1e-6
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on even kernels


@pytest.fixture(params=["numpy", "numba"])
def kernels(request, monkeypatch):
    """Run the test on the NumPy reference kernels, then on the numba ones."""
    table = reference if request.param == "numpy" else backend._import_kernels("cpu")
    monkeypatch.setattr(backend._s, "table", table)


def _arrays(shapes, seed, ranges):
    rng = np.random.default_rng(seed)
    return [rng.uniform(*ranges.get(k, (-1.0, 1.0)), s) for k, s in enumerate(shapes)]


def _probabilities(shape, seed=3):
    """Rows that sum to 1 along axis 1 (the class axis)."""
    e = np.exp(np.random.default_rng(seed).standard_normal(shape))
    return e / e.sum(axis=1, keepdims=True)


def _t(a):
    return torch.tensor(a) if isinstance(a, np.ndarray) else a


def both(fn, *consts):
    """`fn(f, *inputs)` for the engine (f = F) and torch (f = torch's F), constant arrays passed on as each wants."""
    return lambda f, *xs: fn(f, *xs, *(c if f is F else _t(c) for c in consts))


WEIGHT4, POS4 = np.array([0.5, 2.0, 1.0, 1.5]), np.array([1.0, 3.0, 0.5, 2.0])
INDICES = np.array([[0, 3], [1, -100], [2, 2], [3, 0], [1, 1]])  # (N=5, d=2), one sample ignored
CLASSES = [0, 3, 1, 1, 2]

# name: (fn(f, *inputs), input shapes, value range per input position)
LOSSES = {
    "mse": (both(lambda f, x, y, r: f.mse_loss(x, y, reduction=r)), [(3, 4), (3, 4)], {}),
    "mse weight": (both(lambda f, x, y, r, w: f.mse_loss(x, y, reduction=r, weight=w), np.full((3, 4), 0.7)),
                   [(3, 4), (3, 4)], {}),
    "mse 0-d": (both(lambda f, x, y, r: f.mse_loss(x, y, reduction=r)), [(), ()], {}),
    "l1": (both(lambda f, x, y, r: f.l1_loss(x, y, reduction=r)), [(3, 4), (3, 4)], {}),
    "smooth_l1": (both(lambda f, x, y, r: f.smooth_l1_loss(x, y, reduction=r, beta=0.6)), [(3, 4), (3, 4)], {}),
    "smooth_l1 beta 0": (both(lambda f, x, y, r: f.smooth_l1_loss(x, y, reduction=r, beta=0.0)), [(5,), (5,)], {}),
    "huber": (both(lambda f, x, y, r: f.huber_loss(x, y, reduction=r, delta=0.6)), [(3, 4), (3, 4)], {}),
    "bce weight": (both(lambda f, p, y, r, w: f.binary_cross_entropy(p, y, weight=w, reduction=r), WEIGHT4),
                   [(3, 4), (3, 4)], {0: (0.05, 0.95), 1: (0.0, 1.0)}),
    "bce_logits pos_weight": (
        both(lambda f, z, y, r, w, pw: f.binary_cross_entropy_with_logits(z, y, weight=w, reduction=r, pos_weight=pw),
             WEIGHT4, POS4), [(3, 4), (3, 4)], {0: (-3.0, 3.0), 1: (0.0, 1.0)}),
    "cross_entropy": (both(lambda f, z, r, t: f.cross_entropy(z, t, reduction=r), np.array(CLASSES)), [(5, 4)], {}),
    "cross_entropy 1-d": (both(lambda f, z, r, t: f.cross_entropy(z, t, reduction=r), np.array(2)), [(4,)], {}),
    "cross_entropy weight ignore smoothing (N,C,d)": (
        both(lambda f, z, r, t, w: f.cross_entropy(z, t, weight=w, reduction=r, label_smoothing=0.2), INDICES, WEIGHT4),
        [(5, 4, 2)], {}),
    "cross_entropy probabilities": (
        both(lambda f, z, r, q, w: f.cross_entropy(z, q, weight=w, reduction=r, label_smoothing=0.1),
             _probabilities((5, 4, 2)), WEIGHT4), [(5, 4, 2)], {}),
    "cross_entropy probabilities with their gradient": (
        lambda f, z, q, r: f.cross_entropy(z, q.softmax(1) if f is F else q.softmax(1), reduction=r),
        [(3, 4), (3, 4)], {}),
    "nll_loss weight ignore (N,C,d)": (
        both(lambda f, x, r, t, w: f.nll_loss(x, t, weight=w, reduction=r), INDICES, WEIGHT4), [(5, 4, 2)], {}),
}


def _compare(fn, shapes, ranges, extra=(), seed=0):
    arrays = _arrays(shapes, seed, ranges)
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    a, b = fn(F, *ours, *extra), fn(TF, *theirs, *extra)
    np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    weight = np.random.default_rng(5).standard_normal(a.shape)
    a.backward(weight)
    b.backward(torch.tensor(weight))
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x.grad, y.grad.numpy(), rtol=1e-9, atol=1e-12)


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_match_torch(name, reduction, kernels):
    fn, shapes, ranges = LOSSES[name]
    _compare(fn, shapes, ranges, (reduction,))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_pass_gradcheck(name, kernels):
    fn, shapes, ranges = LOSSES[name]
    inputs = [Tensor(a, requires_grad=True) for a in _arrays(shapes, 1, ranges)]
    assert max(e for e in gradcheck(lambda *xs: fn(F, *xs, "none"), inputs) if e is not None) <= TOL


@needs_torch
@pytest.mark.filterwarnings("ignore:size_average")
def test_loss_modules_match_torch_and_keep_their_weights_as_buffers():
    z, t = np.random.default_rng(0).standard_normal((5, 4)), np.array(CLASSES)
    pairs = [
        (nn.CrossEntropyLoss(weight=WEIGHT4, label_smoothing=0.1, reduction="sum"),
         torch.nn.CrossEntropyLoss(weight=torch.tensor(WEIGHT4), label_smoothing=0.1, reduction="sum"), t),
        (nn.NLLLoss(ignore_index=3), torch.nn.NLLLoss(ignore_index=3), t),
        (nn.MSELoss(reduction="none"), torch.nn.MSELoss(reduction="none"), z[::-1].copy()),
        (nn.L1Loss(), torch.nn.L1Loss(), z[::-1].copy()),
        (nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5), z[::-1].copy()),
        (nn.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5), z[::-1].copy()),
        (nn.BCEWithLogitsLoss(pos_weight=POS4), torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(POS4)), z > 0),
        (nn.BCELoss(size_average=False), torch.nn.BCELoss(size_average=False), z > 0),
    ]
    for ours, theirs, target in pairs:
        x = 1 / (1 + np.exp(-z)) if isinstance(ours, nn.BCELoss) else z
        a = ours(Tensor(x), target.astype(float) if target.dtype == bool else target)
        b = theirs(torch.tensor(x), torch.tensor(target.astype(float) if target.dtype == bool else target))
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-12, err_msg=type(ours).__name__)
        assert list(ours.state_dict()) == list(theirs.state_dict())


def test_loss_arguments_fail_as_torch_does():
    z = Tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match="target 3 is out of bounds for 3 classes"):
        F.cross_entropy(z, [0, 3])
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(z, z, reduction="average")
    assert np.isnan(F.cross_entropy(z, [-100, -100]).item())  # every sample ignored: 0/0, as torch


@needs_torch
def test_attention_takes_engine_tensor_masks():
    """A boolean mask made by a comparison, and a float mask, as engine tensors (raised or misread before)."""
    (q, k, v), (tq, tk, tv) = [[c(a) for a in _arrays([(2, 3, 4)] * 3, 0, {})] for c in (Tensor, torch.tensor)]
    keep = np.tril(np.ones((3, 3))) > 0
    bias = np.random.default_rng(1).standard_normal((3, 3))
    for ours, theirs in [(Tensor(keep.astype(float)) > 0.5, torch.tensor(keep)), (Tensor(bias), torch.tensor(bias))]:
        np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, attn_mask=ours).data,
                                   TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=theirs).numpy(), rtol=1e-12)


# ---------------------------------------------------------------- modules
def Net(lib):
    """The same structure built from the engine's nn or from torch.nn (`lib`)."""

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.features = lib.Sequential(OrderedDict(conv=lib.Conv2d(1, 2, 3), norm=lib.BatchNorm2d(2),
                                                       act=lib.ReLU()))
            self.blocks = lib.ModuleList([lib.Linear(8, 8), lib.Identity(), lib.Linear(8, 8, bias=False)])
            self.heads = lib.ModuleDict({"class": lib.Linear(8, 3), "box": lib.Linear(8, 4)})
            self.shared = self.blocks[0]  # the same module twice: state_dict lists it under both names

    return Net()


def _forward(net, x, lib_f):
    h = net.features(x).reshape(x.shape[0], -1)
    for block in net.blocks:
        h = lib_f.relu(block(h))
    return net.heads["class"](h)


@needs_torch
def test_state_dict_keys_shapes_and_module_names_equal_torch():
    manual_seed(0)
    ours, theirs = Net(nn), Net(torch.nn)
    keys = {k: tuple(v.shape) for k, v in ours.state_dict().items()}
    assert keys == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert list(keys) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert len(ours.parameters()) == len(list(theirs.parameters()))
    assert ours.features.conv is ours.features[0] and ours.get_submodule("heads.box") is ours.heads["box"]


@needs_torch
def test_load_state_dict_from_torch_gives_torch_outputs_and_survives_a_round_trip():
    manual_seed(1)
    ours, theirs = Net(nn), Net(torch.nn).double()
    theirs.train().features(torch.randn(3, 1, 4, 4, dtype=torch.float64))  # running statistics moved
    result = ours.load_state_dict(theirs.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    ours.eval(), theirs.eval()
    assert not ours.features.norm.training and not ours.training
    x = np.random.default_rng(2).standard_normal((2, 1, 4, 4))
    expected = _forward(theirs, torch.tensor(x), TF).detach().numpy()
    np.testing.assert_allclose(_forward(ours, Tensor(x), F).data, expected, rtol=1e-10)
    assert int(ours.features.norm.num_batches_tracked) == 1

    saved = {k: v.numpy().copy() for k, v in ours.state_dict().items()}  # values share memory: copy to keep
    fresh = Net(nn)
    fresh.load_state_dict(saved)
    np.testing.assert_allclose(_forward(fresh.eval(), Tensor(x), F).data, expected, rtol=1e-10)


def test_load_state_dict_reports_missing_unexpected_and_mismatched_keys():
    net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    state = net.state_dict()
    del state["1.bias"]
    state["2.weight"] = np.zeros(1)
    with pytest.raises(RuntimeError, match=r"Missing key\(s\) in state_dict: '1.bias'.*\n.*Unexpected key\(s\).*'2.weight'"):
        net.load_state_dict(state)
    assert net.load_state_dict(state, strict=False) == (["1.bias"], ["2.weight"])
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight"):
        net.load_state_dict({**net.state_dict(), "0.weight": np.zeros((3, 3))})


def test_modes_gradients_and_containers_behave_as_torch():
    net = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5))
    assert net.eval() is net and not net[1].training
    net.train()
    assert net[1].training
    net(Tensor(np.ones((4, 2)))).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all((p.grad == 0).all() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert not any(p.requires_grad for p in net.requires_grad_(False).parameters())

    seq = nn.Sequential(nn.ReLU(), nn.Tanh())
    seq.append(nn.Sigmoid())
    assert len(seq) == 3 and isinstance(seq[-1], nn.Sigmoid) and [type(m) for m in seq[1:]] == [nn.Tanh, nn.Sigmoid]
    layers = nn.ModuleList([nn.Linear(1, 1)])
    layers.extend([nn.Linear(1, 2)])
    layers.insert(0, nn.Identity())
    del layers[1]
    assert [n for n, _ in layers.named_parameters()] == ["1.weight", "1.bias"]
    heads = nn.ModuleDict({"a": nn.Linear(1, 1)})
    heads["b"] = nn.Linear(1, 2)
    assert list(heads) == ["a", "b"] and "b" in heads and len(heads) == 2
    x = Tensor(np.ones(3))
    assert nn.Identity(54, unused=1)(x) is x

    initialised = []
    seq.apply(lambda m: initialised.append(type(m).__name__))
    assert initialised == ["ReLU", "Tanh", "Sigmoid", "Sequential"]


def test_a_missing_module_attribute_names_the_closest():
    with pytest.raises(AttributeError, match="has no attribute 'named_parameter'.*closest it has is .named_parameters"):
        nn.Linear(1, 1).named_parameter


ACTIVATIONS = {
    "GELU": {"approximate": "tanh"}, "SiLU": {}, "Softplus": {"beta": 2.0, "threshold": 1.0},
    "Hardtanh": {"min_val": -0.5, "max_val": 0.7}, "ReLU6": {}, "SELU": {}, "CELU": {"alpha": 0.8}, "Mish": {},
    "Hardswish": {}, "Hardsigmoid": {}, "LogSigmoid": {}, "Softsign": {}, "LogSoftmax": {"dim": 1},
    "ReLU": {"inplace": True},
}


@needs_torch
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_modules_match_torch(name):
    kwargs = ACTIVATIONS[name]
    x = np.random.default_rng(0).uniform(-4, 4, (3, 5))
    tx = torch.tensor(x, requires_grad=True)
    ours, theirs = getattr(nn, name)(**kwargs)(Tensor(x, requires_grad=True)), getattr(torch.nn, name)(**kwargs)(tx * 1)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- convolution, pooling, resizing, padding
def _distinct(shape, seed=0):
    """Well-separated values: no ties inside a max-pooling window (gradcheck stays off the kinks)."""
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.1


# name: (fn(f, *inputs), input shapes, inputs' values (None: uniform in ±1))
LAYERS = {
    "conv2d groups dilation stride pad": (
        lambda f, x, w, b: f.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2),
        [(1, 4, 6, 4), (4, 2, 3, 2), (4,)]),
    "conv2d depthwise": (lambda f, x, w: f.conv2d(x, w, padding=1, groups=3), [(1, 3, 3, 4), (3, 1, 2, 3)]),
    "conv2d same, even kernel": (lambda f, x, w: f.conv2d(x, w, padding="same"), [(1, 2, 4, 5), (2, 2, 2, 3)]),
    "conv2d same, dilated": (lambda f, x, w: f.conv2d(x, w, padding="same", dilation=2), [(1, 2, 5, 4), (1, 2, 3, 3)]),
    "conv2d unbatched valid": (lambda f, x, w: f.conv2d(x, w, padding="valid"), [(2, 4, 5), (3, 2, 2, 2)]),
    "conv1d groups dilation": (lambda f, x, w, b: f.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2),
                               [(2, 4, 7), (4, 2, 3), (4,)]),
    "conv1d unbatched same": (lambda f, x, w: f.conv1d(x, w, padding="same"), [(3, 7), (2, 3, 4)]),
    "max_pool2d ceil_mode": (lambda f, x: f.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), [(1, 2, 6, 7)]),
    "max_pool2d ceil_mode, no pad": (lambda f, x: f.max_pool2d(x, 2, ceil_mode=True), [(2, 1, 5, 3)]),
    "avg_pool2d ceil_mode": (lambda f, x: f.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), [(1, 2, 6, 7)]),
    "avg_pool2d count_include_pad=False": (
        lambda f, x: f.avg_pool2d(x, (3, 2), stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        [(1, 2, 6, 7)]),
    "avg_pool2d divisor_override": (lambda f, x: f.avg_pool2d(x, 2, divisor_override=3), [(1, 2, 4, 5)]),
    "adaptive_avg_pool2d": (lambda f, x: f.adaptive_avg_pool2d(x, (3, 4)), [(2, 1, 7, 6)]),
    "adaptive_avg_pool2d (None, 1), unbatched": (lambda f, x: f.adaptive_avg_pool2d(x, (None, 1)), [(2, 5, 3)]),
    "interpolate nearest": (lambda f, x: f.interpolate(x, size=(5, 7)), [(1, 2, 3, 4)]),
    "interpolate nearest-exact down": (lambda f, x: f.interpolate(x, size=(2, 3), mode="nearest-exact"),
                                       [(1, 1, 5, 7)]),
    "interpolate bilinear scale_factor": (lambda f, x: f.interpolate(x, scale_factor=2.5, mode="bilinear"),
                                          [(1, 2, 3, 4)]),
    "interpolate bilinear align_corners": (
        lambda f, x: f.interpolate(x, size=(5, 6), mode="bilinear", align_corners=True), [(1, 1, 3, 4)]),
    "interpolate linear 1-d": (lambda f, x: f.interpolate(x, scale_factor=1.7, mode="linear"), [(2, 1, 5)]),
    "interpolate area": (lambda f, x: f.interpolate(x, size=(2, 3), mode="area"), [(1, 1, 5, 7)]),
    "pad constant value, crop": (lambda f, x: f.pad(x, (1, -2, 0, 3), value=0.5), [(2, 4, 5)]),
    "pad reflect": (lambda f, x: f.pad(x, (1, 2, 2, 1), mode="reflect"), [(1, 2, 4, 5)]),
    "pad replicate": (lambda f, x: f.pad(x, (2, 0, 1, 3), mode="replicate"), [(1, 1, 3, 4)]),
    "pad circular": (lambda f, x: f.pad(x, (1, 2), mode="circular"), [(2, 2, 4)]),
    "pad constant 0-d pairs none": (lambda f, x: f.pad(x, ()) * 2.0, [()]),
}


def _layer_inputs(name, seed):
    fn, shapes = LAYERS[name]
    pooled = "max_pool" in name
    return fn, [(_distinct(s, seed + k) if pooled else np.random.default_rng(seed + k).uniform(-1, 1, s))
                for k, s in enumerate(shapes)]


@needs_torch
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_match_torch(name, kernels):
    fn, arrays = _layer_inputs(name, 0)
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    a, b = fn(F, *ours), fn(TF, *theirs)
    assert a.shape == tuple(b.shape)
    np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    weight = np.random.default_rng(5).standard_normal(a.shape)
    a.backward(weight)
    b.backward(torch.tensor(weight))
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x.grad, y.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_pass_gradcheck(name, kernels):
    fn, arrays = _layer_inputs(name, 1)
    assert max(gradcheck(lambda *xs: fn(F, *xs), [Tensor(a, requires_grad=True) for a in arrays])) <= TOL


def test_grouped_dilated_conv_expands_to_primitives_with_the_same_gradients():
    x, w, b = (np.random.default_rng(k).uniform(-1, 1, s) for k, s in enumerate([(2, 4, 6, 5), (6, 2, 2, 3), (6,)]))
    runs = []
    for expand in (False, True):
        inputs = [Tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.conv2d(*inputs, stride=(1, 2), padding=1, dilation=(2, 1), groups=2, expand=expand)
        (y * y).sum().backward()
        runs.append((y.node.name, y.data, [t.grad for t in inputs]))
    (fused, y1, g1), (expanded, y2, g2) = runs
    assert fused == "conv2d" and expanded != "conv2d"
    np.testing.assert_allclose(y1, y2, rtol=1e-12, atol=1e-12)
    for a, e in zip(g1, g2):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)


@needs_torch
def test_max_pool2d_return_indices_match_torch():
    x = _distinct((1, 2, 5, 5))
    y, indices = F.max_pool2d(Tensor(x), 2, ceil_mode=True, return_indices=True)
    ty, tindices = TF.max_pool2d(torch.tensor(x), 2, ceil_mode=True, return_indices=True)
    np.testing.assert_array_equal(indices.data, tindices.numpy())


@needs_torch
def test_conv_pool_and_resize_modules_match_torch():
    manual_seed(0)

    def model(lib):
        return lib.Sequential(
            lib.Conv2d(2, 4, 3, padding=1, padding_mode="reflect", groups=2), lib.ReLU(),
            lib.Conv2d(4, 4, (2, 3), padding="same", dilation=(1, 2), padding_mode="replicate"),
            lib.MaxPool2d(2, ceil_mode=True), lib.Upsample(scale_factor=2, mode="bilinear"),
            lib.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), lib.AdaptiveAvgPool2d((2, 1)),
            lib.Flatten(), lib.Linear(8, 3))

    ours, theirs = model(nn), model(torch.nn).double()
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(1).standard_normal((2, 2, 7, 9))
    a, b = ours(Tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10)
    (a * a).sum().backward()
    (b * b).sum().backward()
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-9, atol=1e-12)

    conv1, tconv1 = nn.Conv1d(4, 6, 3, stride=2, padding=2, padding_mode="circular", groups=2), \
        torch.nn.Conv1d(4, 6, 3, stride=2, padding=2, padding_mode="circular", groups=2).double()
    conv1.load_state_dict(tconv1.state_dict())
    x = np.random.default_rng(2).standard_normal((2, 4, 9))
    np.testing.assert_allclose(conv1(Tensor(x)).data, tconv1(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_missing_layers_and_functions_name_the_closest_supported_one():
    with pytest.raises(AttributeError, match=r"nn has no 'Conv3d' \(torch.nn.Conv3d is not supported yet\); "
                                             r"the closest it has is nn.Conv2d"):
        nn.Conv3d
    with pytest.raises(AttributeError, match=r"functional has no 'max_pool1d'.*closest it has is F.max_pool2d"):
        F.max_pool1d
    assert nn.functional is F and not hasattr(nn, "Transformer")
