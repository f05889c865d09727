"""The Tensor speaks PyTorch (issue 20): each row runs the same lambda on PyTorch (float64) and on the engine, and
holds the engine to torch's values and gradients and to finite differences, under the NumPy and numba backends.

A row is `fn(lib, F, *inputs)` with lib = torch or dltui.engine and F their functional modules, and a spec per input:
a shape with the range its values are drawn from (kept 0.05 away from the points listed in `avoid`, where the function
has a kink or a jump), or a fixed array."""

import numpy as np
import pytest

import dltui.engine as E
from dltui.engine import Tensor, backend, gradcheck
from dltui.engine import functional as F

try:
    import torch
except ImportError:  # the cross-checks need PyTorch; gradcheck runs without it
    torch = None
TF = torch.nn.functional if torch else None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def U(*shape, low=-2.0, high=2.0, avoid=()):
    return shape, low, high, avoid


POS = dict(low=0.5, high=2.0)
KINK0 = dict(avoid=(0.0,))

ROWS = {
    # keyword spellings
    "sum dim": (lambda l, F, x: x.sum(dim=1), [U(2, 3, 4)]),
    "sum keepdim": (lambda l, F, x: x.sum(1, keepdim=True), [U(2, 3, 4)]),
    "sum dims": (lambda l, F, x: x.sum(dim=(0, 2)), [U(2, 3, 4)]),
    "sum 0-d dim 0": (lambda l, F, x: x.sum(0), [U()]),
    "mean keepdim": (lambda l, F, x: x.mean(1, keepdim=True), [U(2, 3)]),
    "mean 0-d dim -1": (lambda l, F, x: x.mean(-1), [U()]),
    "softmax dim": (lambda l, F, x: x.softmax(dim=-1), [U(2, 3)]),
    "log_softmax dim": (lambda l, F, x: x.log_softmax(dim=0), [U(2, 3)]),
    "max all": (lambda l, F, x: x.max(), [U(3, 4)]),
    "min all": (lambda l, F, x: x.min(), [U(3, 4)]),
    "abs()": (lambda l, F, x: abs(x), [U(3, 4, **KINK0)]),
    # elementwise
    "abs": (lambda l, F, x: x.abs(), [U(2, 3, **KINK0)]),
    "abs 0-d": (lambda l, F, x: x.abs(), [U(**KINK0)]),
    "sign": (lambda l, F, x: x.sign() * x, [U(2, 3, **KINK0)]),
    "floor": (lambda l, F, x: x.floor() + x, [U(2, 3, avoid=(-2, -1, 0, 1, 2))]),
    "ceil": (lambda l, F, x: x.ceil() * x, [U(2, 3, avoid=(-2, -1, 0, 1, 2))]),
    "round": (lambda l, F, x: x.round() * x, [U(2, 3, avoid=(-1.5, -0.5, 0.5, 1.5))]),
    "sqrt": (lambda l, F, x: x.sqrt(), [U(2, 3, **POS)]),
    "rsqrt": (lambda l, F, x: x.rsqrt(), [U(2, 3, **POS)]),
    "sin cos tanh": (lambda l, F, x: x.sin() + x.cos() * x.tanh(), [U(2, 3)]),
    "log2 log10": (lambda l, F, x: x.log2() - x.log10(), [U(2, 3, **POS)]),
    "exp2": (lambda l, F, x: x.exp2(), [U(2, 3)]),
    "erf": (lambda l, F, x: x.erf(), [U(2, 3)]),
    "pow 0-d": (lambda l, F, x: x**3, [U()]),
    "pow tensor exponent (broadcast)": (lambda l, F, a, b: a**b, [U(2, 3, **POS), U(3)]),
    "pow reflected": (lambda l, F, x: 2.0**x, [U(2, 3)]),
    "pow method": (lambda l, F, a, b: a.pow(b), [U(3, 1, **POS), U(1, 2)]),
    "remainder number": (lambda l, F, x: x % 0.7, [U(2, 3)]),
    "remainder tensors (broadcast)": (lambda l, F, a, b: a % b, [U(2, 3), U(3, **POS)]),
    "clamp numbers": (lambda l, F, x: x.clamp(-0.5, 0.8), [U(3, 4, avoid=(-0.5, 0.8))]),
    "clamp min": (lambda l, F, x: x.clamp(min=0.2), [U(3, 4, avoid=(0.2,))]),
    "clip max": (lambda l, F, x: x.clip(max=0.3), [U(3, 4, avoid=(0.3,))]),
    "clamp tensors": (lambda l, F, x, lo, hi: x.clamp(lo, hi), [U(3, 4), U(4, low=-1, high=-0.1), U(3, 1, low=0.1, high=1)]),
    "maximum (broadcast)": (lambda l, F, a, b: a.maximum(b), [U(3, 4), U(4)]),
    "minimum (broadcast)": (lambda l, F, a, b: a.minimum(b), [U(3, 1), U(4)]),
    "max with a tensor": (lambda l, F, a, b: a.max(b), [U(3, 4), U(3, 4)]),
    "where": (lambda l, F, a, b: l.where(a > 0, a, b), [U(3, 4, **KINK0), U(4)]),
    "where method": (lambda l, F, a, b: a.where(b < 0.5, b), [U(3, 4), U(3, 4, avoid=(0.5,))]),
    "masked_fill": (lambda l, F, x: x.masked_fill(x > 0.3, -1.0), [U(3, 4, avoid=(0.3,))]),
    # activations
    "gelu": (lambda l, F, x: F.gelu(x), [U(3, 4, low=-4, high=4)]),
    "gelu tanh": (lambda l, F, x: F.gelu(x, approximate="tanh"), [U(3, 4, low=-4, high=4)]),
    "gelu 0-d": (lambda l, F, x: F.gelu(x), [U()]),
    "silu": (lambda l, F, x: F.silu(x), [U(3, 4, low=-4, high=4)]),
    "softplus": (lambda l, F, x: F.softplus(x), [U(3, 4, low=-4, high=4)]),
    "softplus beta threshold": (lambda l, F, x: F.softplus(x, beta=2.0, threshold=1.0), [U(3, 4, avoid=(0.5,))]),
    "hardtanh": (lambda l, F, x: F.hardtanh(x, -0.5, 0.8), [U(3, 4, avoid=(-0.5, 0.8))]),
    "relu6": (lambda l, F, x: F.relu6(x), [U(3, 4, low=-2, high=8, avoid=(0, 6))]),
    "selu": (lambda l, F, x: F.selu(x), [U(3, 4, **KINK0)]),
    "celu": (lambda l, F, x: F.celu(x, alpha=0.5), [U(3, 4, **KINK0)]),  # 0.7 is a float32 0.7 inside torch
    "mish": (lambda l, F, x: F.mish(x), [U(3, 4, low=-4, high=4)]),
    "hardswish": (lambda l, F, x: F.hardswish(x), [U(3, 4, low=-4, high=4, avoid=(-3, 3))]),
    "hardsigmoid": (lambda l, F, x: F.hardsigmoid(x), [U(3, 4, low=-4, high=4, avoid=(-3, 3))], 1e-7),  # torch: 1/6 in float32
    "logsigmoid": (lambda l, F, x: F.logsigmoid(x), [U(3, 4, low=-4, high=4)]),
    "softsign": (lambda l, F, x: F.softsign(x), [U(3, 4)]),
    # reductions
    "var": (lambda l, F, x: x.var(), [U(3, 4)]),
    "var dim": (lambda l, F, x: x.var(dim=1), [U(3, 4)]),
    "var correction keepdim": (lambda l, F, x: x.var(1, keepdim=True, correction=0), [U(3, 4)]),
    "std unbiased": (lambda l, F, x: x.std(dim=0, unbiased=False), [U(3, 4)]),
    "std correction": (lambda l, F, x: x.std(dim=(0, 1), correction=2), [U(3, 4)]),
    "max dim": (lambda l, F, x: x.max(dim=1), [U(3, 4)]),
    "max dim keepdim": (lambda l, F, x: x.max(0, keepdim=True), [U(3, 4)]),
    "min dim": (lambda l, F, x: x.min(dim=-1), [U(2, 3, 4)]),
    "max 0-d dim": (lambda l, F, x: x.max(0), [U()]),
    "norm": (lambda l, F, x: x.norm(), [U(3, 4)]),
    "norm dim keepdim": (lambda l, F, x: x.norm(dim=1, keepdim=True), [U(3, 4)]),
    "norm p1": (lambda l, F, x: x.norm(1, dim=0), [U(3, 4, **KINK0)]),
    "norm p3 0-d": (lambda l, F, x: x.norm(3), [U(**KINK0)]),
    "norm inf": (lambda l, F, x: x.norm(float("inf"), dim=1), [U(3, 4)]),
    "amax amin": (lambda l, F, x: x.amax(dim=1) + x.amin(0, keepdim=True).sum(), [U(3, 4)]),
    "amax all": (lambda l, F, x: x.amax(), [U(3, 4)]),
    "logsumexp": (lambda l, F, x: x.logsumexp(dim=1), [U(3, 4)]),
    "logsumexp keepdim": (lambda l, F, x: x.logsumexp((0, 1), keepdim=True), [U(3, 4)]),
    "cumsum": (lambda l, F, x: x.cumsum(dim=1), [U(3, 4)]),
    "cumprod": (lambda l, F, x: x.cumprod(dim=0), [U(3, 4)]),
    "cumprod with a zero": (lambda l, F, x: x.cumprod(1), [np.array([[0.5, 0.0, 2.0, -1.0], [1.5, -0.5, 0.0, 0.0]])]),
    "prod": (lambda l, F, x: x.prod(), [U(2, 3)]),
    "prod dim keepdim": (lambda l, F, x: x.prod(1, keepdim=True), [U(2, 3)]),
    "prod with a zero": (lambda l, F, x: x.prod(dim=0), [np.array([[0.5, 0.0, 0.0], [1.5, -0.5, 0.0]])]),
    "topk": (lambda l, F, x: x.topk(2, dim=1), [U(3, 4)]),
    "topk smallest": (lambda l, F, x: x.topk(2, dim=0, largest=False), [U(3, 4)]),
    "sort": (lambda l, F, x: x.sort(dim=1, descending=True), [U(3, 4)]),
    "sort dim 0": (lambda l, F, x: x.sort(0), [U(3, 2)]),
    "sort 0-d": (lambda l, F, x: x.sort(0), [U()]),
    # shape and movement
    "permute": (lambda l, F, x: x.permute(2, 0, 1), [U(2, 3, 4)]),
    "transpose": (lambda l, F, x: x.transpose(0, 2), [U(2, 3, 4)]),
    "t": (lambda l, F, x: x.t(), [U(2, 3)]),
    "expand": (lambda l, F, x: x.expand(2, 3, 4), [U(3, 1)]),
    "expand -1": (lambda l, F, x: x.expand(-1, 4), [U(3, 1)]),
    "expand_as": (lambda l, F, x, y: x.expand_as(y), [U(1, 4), U(3, 4)]),
    "repeat": (lambda l, F, x: x.repeat(2, 1, 3), [U(3, 2)]),
    "view reshape": (lambda l, F, x: x.view(-1) + x.reshape(2, -1).flatten(), [U(2, 3)]),
    "flatten start": (lambda l, F, x: x.flatten(1), [U(2, 3, 2)]),
    "unflatten": (lambda l, F, x: x.unflatten(1, (2, 2)), [U(3, 4)]),
    "squeeze": (lambda l, F, x: x.squeeze(), [U(1, 3, 1)]),
    "squeeze dim": (lambda l, F, x: x.squeeze(2) * 2.0, [U(1, 3, 1)]),
    "unsqueeze": (lambda l, F, x: x.unsqueeze(0) + x.unsqueeze(-1), [U(3)]),
    "flip": (lambda l, F, x: x.flip(0), [U(3, 4)]),
    "flip dims": (lambda l, F, x: x.flip((0, 1)), [U(3, 4)]),
    "roll": (lambda l, F, x: x.roll(1, 0), [U(3, 4)]),
    "roll dims": (lambda l, F, x: x.roll((1, -1), (0, 1)), [U(3, 4)]),
    "roll flat": (lambda l, F, x: x.roll(2), [U(3, 4)]),
    "tril": (lambda l, F, x: x.tril(), [U(3, 4)]),
    "triu batched": (lambda l, F, x: x.triu(1), [U(2, 3, 3)]),
    "tril diagonal": (lambda l, F, x: x.tril(diagonal=-1), [U(4, 3)]),
    "chunk": (lambda l, F, x: x.chunk(2, dim=1), [U(3, 5)]),
    "split size": (lambda l, F, x: x.split(2), [U(5, 2)]),
    "split sections": (lambda l, F, x: x.split([1, 3], dim=1), [U(2, 4)]),
    "gather": (lambda l, F, x: x.gather(1, l.tensor([[0, 2], [1, 1], [3, 0]])), [U(3, 4)]),
    "gather smaller": (lambda l, F, x: x.gather(0, l.tensor([[2, 0, 1]])), [U(3, 4)]),
    "scatter": (lambda l, F, x, s: x.scatter(1, l.tensor([[0, 2], [1, 3]]), s), [U(2, 4), U(2, 2)]),
    "index tensor": (lambda l, F, x: x[l.tensor([2, 0, 2])], [U(3, 4)]),
    "index mask": (lambda l, F, x: x[x > 0.2], [U(3, 4, avoid=(0.2,))]),
    "index tuple with tensor": (lambda l, F, x: x[:, l.tensor([1, 0, 1])], [U(3, 4)]),
    "cat": (lambda l, F, a, b: l.cat([a, b], dim=1), [U(2, 3), U(2, 1)]),
    "stack": (lambda l, F, a, b: l.stack([a, b], dim=-1), [U(2, 3), U(2, 3)]),
    # linear algebra
    "matmul": (lambda l, F, a, b: a.matmul(b), [U(2, 3, 4), U(4, 2)]),
    "mm": (lambda l, F, a, b: a.mm(b), [U(2, 3), U(3, 2)]),
    "einsum matmul": (lambda l, F, a, b: l.einsum("ij,jk->ik", a, b), [U(2, 3), U(3, 4)]),
    "einsum batched": (lambda l, F, a, b: l.einsum("bij,bjk->bik", a, b), [U(2, 2, 3), U(2, 3, 2)]),
    "einsum outer": (lambda l, F, a, b: l.einsum("i,j->ij", a, b), [U(3), U(2)]),
    "einsum sum out": (lambda l, F, a: l.einsum("ij->j", a), [U(3, 2)]),
    "einsum full contraction": (lambda l, F, a, b: l.einsum("ij,ij->", a, b), [U(2, 3), U(2, 3)]),
    "einsum implicit": (lambda l, F, a, b: l.einsum("ij,jk", a, b), [U(2, 3), U(3, 2)]),
    "einsum list": (lambda l, F, a, b, c: l.einsum("ab,bc,c->a", [a, b, c]), [U(2, 3), U(3, 2), U(2)]),
    "normalize": (lambda l, F, x: F.normalize(x), [U(3, 4)]),
    "normalize p1 dim0": (lambda l, F, x: F.normalize(x, p=1.0, dim=0), [U(3, 4, **KINK0)]),
}


@pytest.fixture(params=["numpy", "numba"])
def on_backend(request, monkeypatch):
    monkeypatch.setattr(backend, "_s", backend._State())
    backend.set_backend(request.param)
    return request.param


def draw(spec, seed):
    if isinstance(spec, np.ndarray):
        return spec.copy()
    shape, low, high, avoid = spec
    a = np.random.default_rng(seed).uniform(low, high, shape)
    for point in avoid:  # push values off the kinks, so finite differences never straddle one
        near = np.abs(a - point) < 0.05
        a = np.where(near, point + np.where(a >= point, 0.05, -0.05), a)
    return a


def outputs(out):
    return list(out) if isinstance(out, tuple) else [out]


def as_array(t):
    return t.detach().numpy() if torch is not None and isinstance(t, torch.Tensor) else t.data


@pytest.mark.parametrize("name", sorted(ROWS))
def test_matches_torch_and_finite_differences(name, on_backend):
    fn, specs, grad_rtol = (*ROWS[name], 1e-9)[:3]
    arrays = [draw(spec, seed) for seed, spec in enumerate(specs)]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    got = outputs(fn(E, F, *ours))
    differentiable = [k for k, g in enumerate(got) if g.requires_grad]
    if torch is not None:  # PyTorch's values and gradients; without it, finite differences only (below)
        theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
        want = outputs(fn(torch, TF, *theirs))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == tuple(w.shape), (g.shape, w.shape)
            assert g.requires_grad == w.requires_grad and (g.dtype.kind == "f") == w.dtype.is_floating_point
            np.testing.assert_allclose(as_array(g), as_array(w), rtol=1e-10, atol=1e-12)
        weights = [np.random.default_rng(9 + k).standard_normal(want[k].shape) for k in differentiable]
        sum((got[k] * Tensor(wt)).sum() for k, wt in zip(differentiable, weights)).backward()
        sum((want[k] * torch.tensor(wt)).sum() for k, wt in zip(differentiable, weights)).backward()
        for x, tx in zip(ours, theirs):
            expected = np.zeros(x.shape) if tx.grad is None else tx.grad.numpy()
            actual = np.zeros(x.shape) if x.grad is None else x.grad
            assert actual.shape == expected.shape
            np.testing.assert_allclose(actual, expected, rtol=grad_rtol, atol=1e-12)

    errors = gradcheck(lambda *xs: tuple(outputs(fn(E, F, *xs))[k] for k in differentiable),
                       [Tensor(a, requires_grad=True) for a in arrays])
    assert max(errors) <= 1e-6, errors


VALUES = {  # no gradient: comparisons, logic, indices
    ">": lambda l, a, b: a > b, "<": lambda l, a, b: a < 0.1, ">=": lambda l, a, b: a >= b,
    "<=": lambda l, a, b: 0.2 <= a, "==": lambda l, a, b: a == a.round(), "!=": lambda l, a, b: a != b,
    "eq method": lambda l, a, b: a.eq(b) | a.gt(0.5), "logic": lambda l, a, b: ~(a > 0) & (b < 0) ^ (a > b),
    "any": lambda l, a, b: (a > 1.5).any(), "all dim": lambda l, a, b: (a > -1.5).all(dim=1),
    "any keepdim": lambda l, a, b: (a > 1).any(0, keepdim=True),
    "argmax": lambda l, a, b: a.argmax(), "argmax dim": lambda l, a, b: a.argmax(dim=1),
    "argmin keepdim": lambda l, a, b: a.argmin(0, keepdim=True), "argsort": lambda l, a, b: a.argsort(dim=1),
    "floor divide": lambda l, a, b: a // 0.7, "float of a mask": lambda l, a, b: (a > b).double().mean(),
    "long": lambda l, a, b: (a * 3).long(),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(VALUES))
def test_values_without_gradients_match_torch(name):
    a, b = draw(U(3, 4), 0), draw(U(4), 1)
    a[0, 0] = 1.0  # one element equal to its rounding
    got = VALUES[name](E, Tensor(a, requires_grad=True), Tensor(b))
    want = VALUES[name](torch, torch.tensor(a, requires_grad=True), torch.tensor(b))
    assert got.shape == tuple(want.shape) and not got.requires_grad
    assert got.dtype.kind == {torch.bool: "b", torch.int64: "i"}.get(want.dtype, "f")
    np.testing.assert_array_equal(got.data, want.detach().numpy())  # torch: a floor_divide without a derivative


def test_tensors_compare_by_value_and_hash_by_identity():
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 2.0])
    state = {a: "a", b: "b"}  # optimizer state is keyed by parameter
    assert state[a] == "a" and state[b] == "b" and len({a, b}) == 2
    assert (a == b).all() and not (a != b).any()
    assert (a == None) is False and (a != None) is True  # noqa: E711  (as torch answers)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(a == b)
    assert bool(Tensor(3.0) > 2) and float(Tensor(2.5)) == 2.5 and int(Tensor(2.0)) == 2
    assert "abc"[Tensor([0.1, 0.9, 0.5]).argmax()] == "b"
    with pytest.raises(TypeError, match="integer tensor"):
        "abc"[Tensor(1.0)]


@needs_torch
def test_sizes_and_python_values_are_pytorchs():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    t = torch.tensor(np.arange(6.0).reshape(2, 3))
    assert x.size() == tuple(t.size()) and x.size(1) == t.size(1) and x.size(-1) == 3
    assert x.size == 6 and x.numel() == t.numel() and x.dim() == t.dim() == 2
    assert x.tolist() == t.tolist() and x.sum().item() == t.sum().item() == 15.0
    assert x.max(1).indices.tolist() == t.max(1).indices.tolist() == [2, 2]
    assert x.clone().requires_grad and x.detach().requires_grad_().requires_grad
    np.testing.assert_allclose((1.3 % (x + 1)).data, (1.3 % (t + 1)).numpy())


@needs_torch
def test_a_hand_written_update_changes_the_parameter_in_place_as_torchs_does():
    (w,), (tw,) = [Tensor(np.linspace(-1, 1, 4), requires_grad=True)], [torch.linspace(-1, 1, 4, dtype=torch.float64,
                                                                                        requires_grad=True)]
    for _ in range(3):
        ((w * w).exp().sum()).backward()
        ((tw * tw).exp().sum()).backward()
        with E.no_grad():
            w -= 0.1 * w.grad
            w *= 0.9
        with torch.no_grad():
            tw -= 0.1 * tw.grad
            tw *= 0.9
        w.grad, tw.grad = None, None
    assert w.requires_grad and w.node is None
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="in place"):
        w += 1.0
    y = w * 2.0
    y += 1.0  # not a leaf: out of place, recorded
    y.sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0] * 4)


@needs_torch
def test_creation_matches_torch():
    pairs = [
        (E.zeros(2, 3), torch.zeros(2, 3)), (E.ones((3,)), torch.ones((3,))), (E.full((2, 2), 1.5), torch.full((2, 2), 1.5)),
        (E.eye(3), torch.eye(3)), (E.eye(2, 3), torch.eye(2, 3)), (E.arange(5), torch.arange(5)),
        (E.arange(1, 2, 0.25), torch.arange(1, 2, 0.25)), (E.linspace(-1, 1, 5), torch.linspace(-1, 1, 5)),
        (E.tensor([[1, 2], [3, 4]]), torch.tensor([[1, 2], [3, 4]])), (E.tensor(2.5), torch.tensor(2.5)),
    ]
    like = torch.ones(2, 3)
    pairs += [(getattr(E, f"{n}_like")(E.ones(2, 3)), getattr(torch, f"{n}_like")(like)) for n in ("zeros", "ones")]
    pairs += [(E.full_like(E.ones(2, 3), 7.0), torch.full_like(like, 7.0))]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float64 and not ours.requires_grad
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert E.tensor([1.0], requires_grad=True).requires_grad and E.zeros(2, requires_grad=True).requires_grad


def test_random_creation_follows_manual_seed():
    E.manual_seed(4)
    first = [E.randn(2, 3), E.rand(4), E.randn_like(E.ones(3)), E.rand_like(E.ones(2, 2))]
    E.manual_seed(4)
    again = [E.randn(2, 3), E.rand(4), E.randn_like(E.ones(3)), E.rand_like(E.ones(2, 2))]
    assert [t.shape for t in first] == [(2, 3), (4,), (3,), (2, 2)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.data, b.data)
    assert 0 <= first[1].data.min() and first[1].data.max() < 1 and not np.array_equal(first[0].data, E.randn(2, 3).data)


def test_the_issues_bugs_are_fixed(on_backend):
    x = Tensor(0.7, requires_grad=True)
    for activation in (F.relu, F.sigmoid, F.tanh, F.elu, F.leaky_relu):  # numba kernels made 0-d inputs 1-d
        y = activation(x)
        assert y.shape == ()
        y.backward()
        assert x.grad.shape == ()
        x.grad = None
    zero = Tensor([0.0, 1.5], requires_grad=True)
    (zero**0.0).sum().backward()
    np.testing.assert_array_equal(zero.grad, [0.0, 0.0])  # torch: 0, not 0·0⁻¹ = NaN
    s = Tensor(2.0, requires_grad=True)
    s.sum(0).backward()  # raised ZeroDivisionError
    assert s.grad.shape == () and s.grad == 1.0


@needs_torch
def test_normalize_and_norm_keep_a_zero_rows_gradient_finite():
    """Inside ‖x‖ < eps normalize is x/eps, so torch's gradient there is 1/eps (finite differences straddle the edge)."""
    x = np.array([[0.0, 0.0, 0.0], [0.3, -1.2, 0.5]])
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    weight = np.random.default_rng(0).standard_normal(x.shape)
    (F.normalize(ours, dim=-1) * Tensor(weight)).sum().backward()
    (TF.normalize(theirs, dim=-1) * torch.tensor(weight)).sum().backward()
    assert np.isfinite(ours.grad).all()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10)
    ours.grad, theirs.grad = None, None
    (Tensor(weight) * ours.norm(dim=1, keepdim=True)).sum().backward()  # ‖0‖'s gradient: 0, as torch's
    (torch.tensor(weight) * theirs.norm(dim=1, keepdim=True)).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10)


def test_a_missing_name_says_so_and_names_the_closest():
    x = Tensor([1.0, 2.0])
    with pytest.raises(AttributeError, match=r"no 'logsumexpp'.*closest it has is Tensor.logsumexp"):
        x.logsumexpp(0)
    with pytest.raises(AttributeError, match="no 'frobnicate'"):
        x.frobnicate()
    with pytest.raises(NotImplementedError, match="repeated subscript"):
        E.einsum("ii->i", Tensor(np.eye(2)))


def test_torch_functions_of_a_tensor_are_its_methods_and_a_missing_one_names_the_closest():
    """`torch.exp(x)`, `torch.sum(x, dim=1)`, `torch.maximum(a, b)` as a PyTorch user writes them from memory."""
    import dltui.engine as torch_like

    x = torch_like.tensor([[1.0, -2.0], [3.0, 0.5]])
    assert np.array_equal(torch_like.exp(x).data, np.exp(x.data))
    assert np.array_equal(torch_like.sum(x, dim=1).data, x.data.sum(axis=1))
    assert np.array_equal(torch_like.maximum(x, torch_like.zeros(2, 2)).data, np.maximum(x.data, 0))
    assert torch_like.exp(1.0).item() == np.exp(1.0)  # a number becomes a constant first
    assert np.array_equal(torch_like.from_numpy(np.eye(2)).data, np.eye(2))
    with pytest.raises(AttributeError, match="closest it has is exp"):
        torch_like.expp
    with pytest.raises(AttributeError, match="'cuda'"):  # torch.cuda is a module, not the method
        torch_like.cuda
