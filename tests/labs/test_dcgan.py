"""The DCGAN lab: G and D have the shapes DCGAN's layers give, a D step and a G step are PyTorch's to the last bit,
a short seeded run moves the samples toward the digits, batch norm is what keeps G from collapsing, and every
toggle changes the architecture."""

import numpy as np
import pytest

from dltui.engine import Tensor, nn, no_grad
from dltui.labs import lab_class
from dltui.labs.dcgan import Unflatten, nearest, real_digits, spread

Dcgan = lab_class("dcgan")
QUICK = dict(lr=0.002, batch=32, width=8)  # a quarter of the defaults' work per round, and ten times the step
TOGGLES = [{}, {"batch_norm": "none", "downsample": "max-pool", "fc_hidden": True}, {"batch_norm": "D only"},
           {"batch_norm": "G only", "fc_hidden": True}]


def kinds(net) -> list[str]:
    return [type(layer).__name__ for layer in net]


@pytest.mark.parametrize("settings", TOGGLES)
def test_g_draws_8x8_images_in_minus_1_to_1_and_d_gives_one_logit_each(settings):
    lab = Dcgan(z_dim=4, width=4, **settings)
    with no_grad():
        images = lab.G(Tensor(np.random.default_rng(0).normal(size=(5, 4, 1, 1)))).data
        logits = lab.D(Tensor(images)).data
    assert images.shape == (5, 1, 8, 8) and np.abs(images).max() < 1
    assert logits.size == 5 and logits.shape[0] == 5
    g, d = lab.snapshot().g_layers, lab.snapshot().d_layers
    assert [layer.shape for layer in g if layer.name.startswith("ConvT")][-2:] == [(4, 4, 4), (1, 8, 8)]
    assert d[-1].shape in ((1, 1, 1), (1,))
    assert sum(layer.params for layer in g) == sum(p.size for p in lab.G.parameters())


def test_each_toggle_changes_the_architecture():
    base, no_bn, g_only, pooled, fc = (Dcgan(**s) for s in (
        {}, {"batch_norm": "none"}, {"batch_norm": "G only"}, {"downsample": "max-pool"}, {"fc_hidden": True}))
    assert kinds(base.G).count("BatchNorm2d") == 2 and kinds(base.D).count("BatchNorm2d") == 1
    assert "BatchNorm2d" not in kinds(no_bn.G) + kinds(no_bn.D)
    assert kinds(g_only.G).count("BatchNorm2d") == 2 and "BatchNorm2d" not in kinds(g_only.D)
    # a bias only where no batch norm follows: with batch norm, the layers before it have none
    assert [c.bias is None for c in base.G if isinstance(c, nn.ConvTranspose2d)] == [True, True, False]
    assert all(c.bias is not None for c in no_bn.G if isinstance(c, nn.ConvTranspose2d))
    strided = [c.stride for c in base.D if isinstance(c, nn.Conv2d)]
    assert strided[:2] == [(2, 2), (2, 2)] and "MaxPool2d" not in kinds(base.D)
    assert [c.stride for c in pooled.D if isinstance(c, nn.Conv2d)][:2] == [(1, 1), (1, 1)]
    assert kinds(pooled.D).count("MaxPool2d") == 2
    assert "Linear" not in kinds(base.G) + kinds(base.D)
    assert kinds(fc.G)[:4] == ["Flatten", "Linear", "ReLU", "Linear"] and kinds(fc.D)[-4:-2] == ["Flatten", "Linear"]
    names = [layer.name for layer in pooled.snapshot().d_layers]
    assert names[:3] == ["Conv 1→16 k3 p1", "MaxPool 2", "LeakyReLU 0.2"]


def torch_twin(net, torch):
    """The same layers in PyTorch, float64, with the engine net's weights."""
    t = torch.nn
    layers = []
    for m in net:
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            a, b, k = m.weight.shape[:3]
            transposed = isinstance(m, nn.ConvTranspose2d)
            layer = (t.ConvTranspose2d(a, b, k, m.stride, m.padding, bias=m.bias is not None) if transposed
                     else t.Conv2d(b, a, k, m.stride, m.padding, bias=m.bias is not None))
        elif isinstance(m, nn.BatchNorm2d):
            layer = t.BatchNorm2d(len(m.running_mean))
        elif isinstance(m, nn.Linear):
            layer = t.Linear(m.in_features, m.out_features, bias=m.bias is not None)
        elif isinstance(m, nn.LeakyReLU):
            layer = t.LeakyReLU(m.negative_slope)
        elif isinstance(m, nn.MaxPool2d):
            layer = t.MaxPool2d(m.kernel_size)
        elif isinstance(m, Unflatten):
            layer = t.Unflatten(1, m.shape)
        else:
            layer = {nn.ReLU: t.ReLU, nn.Tanh: t.Tanh, nn.Flatten: t.Flatten}[type(m)]()
        layers.append(layer)
    twin = t.Sequential(*layers).double()
    with torch.no_grad():
        for (name, p), (twin_name, q) in zip(net.named_parameters(), twin.named_parameters(), strict=True):
            assert name == twin_name
            q.copy_(torch.tensor(p.data))
    return twin


def same(ours: nn.Module, theirs) -> None:
    """Every parameter, its gradient, and every batch norm's running statistics."""
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-9, atol=1e-12)
    norms = [m for m in ours if isinstance(m, nn.BatchNorm2d)]
    twins = [m for m in theirs if type(m).__name__ == "BatchNorm2d"]
    for m, twin in zip(norms, twins, strict=True):
        np.testing.assert_allclose(m.running_mean, twin.running_mean.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(m.running_var, twin.running_var.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("settings", TOGGLES[:3])
def test_a_d_step_and_a_g_step_are_pytorchs(settings):
    """One round as the PyTorch DCGAN tutorial writes it, from the same weights, real batch and z: G(z) once; D on
    the real batch and on G(z).detach(), BCE with labels 1 and 0, Adam(β₁ = 0.5); then G through the updated D,
    BCE with label 1. Losses, gradients, updated weights and running statistics agree after each step."""
    torch = pytest.importorskip("torch")
    lab = Dcgan(batch=8, z_dim=4, width=4, lr=0.01, **settings)
    g, d = torch_twin(lab.G, torch), torch_twin(lab.D, torch)
    opt_g, opt_d = (torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.5, 0.999)) for net in (g, d))
    real, z = real_digits()[10:18], np.random.default_rng(3).normal(size=(8, 4, 1, 1))
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    ones, zeros = torch.ones(8, 1, dtype=torch.float64), torch.zeros(8, 1, dtype=torch.float64)

    fake = lab.G(Tensor(z))
    d_loss = lab.d_step(real, fake.data)
    twin_fake = g(torch.tensor(z))
    twin_d_loss = bce(d(torch.tensor(real)).view(8, 1), ones) + bce(d(twin_fake.detach()).view(8, 1), zeros)
    opt_d.zero_grad()
    twin_d_loss.backward()
    opt_d.step()
    assert d_loss == pytest.approx(twin_d_loss.item(), rel=1e-12)
    same(lab.D, d)

    g_loss = lab.g_step(fake)
    twin_g_loss = bce(d(twin_fake).view(8, 1), ones)
    opt_g.zero_grad()
    twin_g_loss.backward()
    opt_g.step()
    assert g_loss == pytest.approx(twin_g_loss.item(), rel=1e-12)
    same(lab.G, g)


@pytest.fixture(scope="module")
def quick_runs():
    """Seed 0, 50 rounds with and without batch norm, at the QUICK settings: the samples at rounds 0 and 50."""
    runs = {}
    for bn in ("both", "none"):
        lab = Dcgan(batch_norm=bn, **QUICK)
        start = lab.snapshot()
        while lab.rounds < 50:
            lab.train()
        runs[bn] = start, lab.snapshot()
    return runs


def test_a_short_run_moves_the_samples_toward_the_digits(quick_runs):
    """At round 0 G draws one grey smudge 64 times: the mean sample is far from the mean digit, every sample is
    0.7–0.8 (RMS, pixels in [−1, 1]) from its nearest training digit, and they hardly differ. After 50 rounds all
    three have moved toward the data (seeds 0–2, measured: mean-image distance 0.54–0.65 → 0.32–0.37, nearest
    0.65–0.76 → 0.52–0.58, spread 0.02 → 0.24–0.29; real digits: 0, 0.27, 0.46), and LeNet finds more digits."""
    start, end = quick_runs["both"]
    digits = real_digits()[:, 0]

    def mean_gap(samples):
        return np.sqrt(((samples.mean(axis=0) - digits.mean(axis=0)) ** 2).mean())

    assert mean_gap(end.samples) < 0.7 * mean_gap(start.samples)
    assert nearest(end.samples).mean() < 0.8 * nearest(start.samples).mean()
    assert start.last.spread < 0.05 < 0.2 < end.last.spread == pytest.approx(spread(end.samples))
    assert end.last.digits >= start.last.digits + 3


def test_without_batch_norm_g_collapses_onto_look_alike_samples(quick_runs):
    """The same 50 rounds without batch norm: the samples still barely differ (spread 0.09–0.10 on seeds 0–2, against
    0.24–0.29 with it) and LeNet reads one or two digits in all 64. At the lab's defaults the contrast lasts (measured
    over 1,500 rounds, seed 0: spread at most 0.25 and at most 6 digits without batch norm; from round 25 on at least
    0.29 and, from round 100, at least 7 digits with it)."""
    with_bn, without = quick_runs["both"][1], quick_runs["none"][1]
    assert without.last.spread < 0.5 * with_bn.last.spread and without.last.spread < 0.15
    assert without.last.digits <= 2 < 5 <= with_bn.last.digits
    assert "Mode collapse" in without.status.text


def test_a_free_run_call_is_quick_and_stops_at_max_rounds():
    lab = Dcgan(batch=8, width=4, max_rounds=15)
    lab.perform("train")
    assert lab.rounds == 10 and not lab.finished
    lab.perform("train")
    assert lab.rounds == 15 and lab.finished
    assert "max_rounds" in lab.status().text and len(lab.snapshot().d_loss) == 15



def test_a_loss_thrown_past_the_divergence_rule_stops_the_run_and_says_where():
    """No learning rate the control offers blows Adam up within a test's time, so D's logit weights are multiplied by
    10⁴ by hand, as one runaway update would leave them: the next D loss is thousands of nats."""
    lab = Dcgan(batch=8, width=4)
    lab.perform("round")
    lab.D[-1].weight.data = lab.D[-1].weight.data * 1e4
    s = lab.perform("train")
    assert lab.diverged and s.diverged and s.status.kind == "error"
    assert s.status.text.startswith("D diverged at round 2: loss") and lab.rounds == 2
    assert lab.perform("train").rounds == 2 and lab.finished
