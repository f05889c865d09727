"""The autoencoder lab: its KL term is the closed form and the integral, its gradients pass gradcheck, z = μ + σ·ε
sends the analytic gradients to μ and log σ², a VAE loss and its gradients equal PyTorch's; and, with fixed seeds,
the AE learns, the sparse AE's activations move to ρ, the denoising AE learns from noisy inputs and clean targets,
and the VAE's codes fill the prior N(0, I), so that z drawn from it lands among them (the AE's do not)."""

import copy

import numpy as np
import pytest

from dltui.engine import Tensor, gradcheck, no_grad
from dltui.labs import autoencoder
from dltui.labs.autoencoder import (
    AutoencoderLab, corrupt, digits, forward, gap, grid_codes, kl_divergence, reparameterize, sparsity_penalty,
)


def trained(epochs, **params):
    lab = AutoencoderLab(**params)
    start = lab.snapshot()
    for _ in range(epochs):
        lab.epoch()
    return lab, start, lab.snapshot()


@pytest.fixture(scope="module")
def ae():
    return trained(10, kind="ae")


@pytest.fixture(scope="module")
def vae():
    return trained(10, kind="vae")


def gaussians(seed=0):
    """A batch of 3 codes of 2: μ and log σ²."""
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1.5, (3, 2)), rng.uniform(-2.5, 1.5, (3, 2))


def test_kl_term_is_the_closed_form_and_the_integral():
    """The lab's engine computation against −½Σ(1 + log σ² − μ² − σ²) in NumPy, and against ∫ q·log(q/p) dz
    integrated numerically per dimension (a diagonal Gaussian's KL is the sum of its dimensions')."""
    mu, logvar = gaussians()
    with no_grad():
        lab = kl_divergence(Tensor(mu), Tensor(logvar)).item()
    closed = float(np.mean(-0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar), axis=1)))
    assert lab == pytest.approx(closed, rel=1e-12)

    def integral(m, v):
        z = np.linspace(m - 14 * np.sqrt(v), m + 14 * np.sqrt(v), 40001)
        log_q = -0.5 * ((z - m) ** 2 / v + np.log(2 * np.pi * v))
        log_p = -0.5 * (z**2 + np.log(2 * np.pi))
        return np.trapezoid(np.exp(log_q) * (log_q - log_p), z)

    numeric = np.mean([sum(integral(m, v) for m, v in zip(row_mu, np.exp(row_lv))) for row_mu, row_lv in zip(mu, logvar)])
    assert lab == pytest.approx(numeric, rel=1e-7)


def test_kl_reparameterization_and_sparsity_pass_gradcheck():
    mu, logvar = gaussians(1)
    eps = np.random.default_rng(2).standard_normal(mu.shape)
    hidden = np.random.default_rng(3).uniform(0.05, 0.95, (5, 4))
    checks = [gradcheck(kl_divergence, [Tensor(mu, requires_grad=True), Tensor(logvar, requires_grad=True)]),
              gradcheck(lambda m, v: reparameterize(m, v, eps), [Tensor(mu, requires_grad=True),
                                                                 Tensor(logvar, requires_grad=True)]),
              gradcheck(lambda h: sparsity_penalty(h, 0.1), [Tensor(hidden, requires_grad=True)])]
    assert max(max(errors) for errors in checks) < 1e-6, checks


def test_reparameterization_sends_the_analytic_gradients_to_mu_and_log_variance():
    """For a fixed ε: ∂z/∂μ = 1 and ∂z/∂(log σ²) = ½·σ·ε, so an upstream gradient g arrives as g and g·½·σ·ε."""
    mu, logvar = gaussians(4)
    eps = np.random.default_rng(5).standard_normal(mu.shape)
    upstream = np.random.default_rng(6).standard_normal(mu.shape)
    m, v = Tensor(mu, requires_grad=True), Tensor(logvar, requires_grad=True)
    z = reparameterize(m, v, eps)
    z.backward(upstream)
    sigma = np.exp(0.5 * logvar)
    np.testing.assert_allclose(z.data, mu + sigma * eps, rtol=1e-14)
    np.testing.assert_allclose(m.grad, upstream, rtol=1e-14)
    np.testing.assert_allclose(v.grad, upstream * 0.5 * sigma * eps, rtol=1e-14)


@pytest.mark.parametrize("kind", ["vae", "sparse"])
def test_one_loss_and_its_gradients_equal_pytorch(kind):
    torch = pytest.importorskip("torch")
    lab = AutoencoderLab(kind=kind, seed=3, rho=0.1, beta=2.0)
    x = digits()[0][:16]
    eps = np.random.default_rng(7).standard_normal((16, 2))
    result = forward(lab.model, kind, x, x, eps, rho=0.1, beta=2.0)
    result.loss.backward()

    weights = {name: torch.tensor(p.data, requires_grad=True) for name, p in lab.model.named_parameters()}
    linear = lambda name, h: h @ weights[f"{name}.weight"].T + weights[f"{name}.bias"]  # noqa: E731
    xt = torch.tensor(x)
    hidden = torch.sigmoid(linear("encoder", xt))
    mu = linear("mu", hidden)
    if kind == "vae":
        logvar = linear("logvar", hidden)
        z = mu + torch.exp(0.5 * logvar) * torch.tensor(eps)
        penalty = -0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp()) / 16
    else:
        z, rho, mean = mu, 0.1, hidden.mean(dim=0)
        penalty = torch.sum(rho * torch.log(rho / mean) + (1 - rho) * torch.log((1 - rho) / (1 - mean)))
    output = torch.sigmoid(linear("output", torch.relu(linear("decoder", z))))
    reconstruction = torch.nn.functional.binary_cross_entropy(output, xt, reduction="sum") / 16
    loss = reconstruction + 2.0 * penalty
    loss.backward()

    assert result.reconstruction.item() == pytest.approx(reconstruction.item(), rel=1e-12)
    assert result.penalty.item() == pytest.approx(penalty.item(), rel=1e-12)
    assert result.loss.item() == pytest.approx(loss.item(), rel=1e-12)
    for name, p in lab.model.named_parameters():
        np.testing.assert_allclose(p.grad, weights[name].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def mean_digit_error():
    """The test error of a net that outputs the mean training digit whatever it gets: where every kind starts out."""
    train, test, _ = digits()
    return float(np.mean((test - train.mean(axis=0)) ** 2))


def test_the_autoencoder_learns_codes_that_sort_the_digits(ae):
    """Ten epochs: the batch loss falls, the test error per pixel ends a fifth below the mean digit's, and a test
    digit's nearest other code (in 2-D) is of the same digit for over 30 % of them (chance: about 10 %; after 60
    epochs about 65 %)."""
    lab, start, end = ae
    assert np.mean(end.reconstruction[-20:]) < 0.8 * np.mean(end.reconstruction[:20])
    assert end.test_error < 0.8 * mean_digit_error() < start.test_error
    d2 = ((end.codes[:, None] - end.codes[None]) ** 2).sum(axis=2)
    np.fill_diagonal(d2, np.inf)
    assert np.mean(end.labels[d2.argmin(axis=1)] == end.labels) > 0.3


def test_the_sparse_autoencoder_pulls_each_hidden_unit_to_rho(ae):
    """Three epochs with ρ = 0.05: every unit's mean activation on the test digits is within 0.05 of ρ (they start
    about 0.45 away), while the plain AE's, with no penalty, average over 0.2."""
    lab, start, end = trained(3, kind="sparse", rho=0.05)
    assert abs(start.hidden_mean.mean() - 0.5) < 0.1
    assert np.abs(end.hidden_mean - 0.05).max() < 0.05
    np.testing.assert_allclose(end.loss, end.reconstruction + end.penalty)  # β = 1
    assert ae[2].hidden_mean.mean() > 0.2


def test_the_denoising_autoencoder_trains_on_noisy_inputs_with_clean_targets(monkeypatch):
    lab = AutoencoderLab(kind="denoising", noise=0.4)
    rows, rng = lab.order[:autoencoder.BATCH], copy.deepcopy(lab.rng)
    clean = digits()[0][rows]
    seen = []
    monkeypatch.setattr(autoencoder, "forward", lambda model, kind, x, target, *rest: seen.append((x, target))
                        or forward(model, kind, x, target, *rest))
    lab.step()
    (x, target), = seen
    np.testing.assert_array_equal(target, clean)
    np.testing.assert_array_equal(x, corrupt(clean, 0.4, rng))
    assert 0.1 < np.abs(x - clean).mean() and x.min() >= 0 and x.max() <= 1


def test_the_denoising_autoencoder_cleans_noisy_test_digits():
    """Twelve epochs at noise σ 0.5: from noisy test digits its outputs come nearer the clean ones than the noisy
    inputs are (by 40 %) and than the mean digit is."""
    _, _, end = trained(12, kind="denoising")
    assert end.test_error < 0.6 * end.noisy_error and end.test_error < 0.95 * mean_digit_error()


def test_the_vae_packs_its_codes_into_the_prior_and_the_ae_does_not(ae, vae):
    """Ten epochs, seed 0. The VAE's test codes have mean ≈ 0 and std ≈ 1 (a little under: each code keeps some
    σ of its own), so z drawn from N(0, I) lands among them: its median distance to the nearest code is under twice
    the codes' own spacing. The AE's codes lie wherever training put them, and prior samples land 5× further out,
    off the codes (over five seeds and 10–60 epochs: AE 2.1–12, VAE 1.2–1.9)."""
    _, _, v = vae
    mean, std = v.codes.mean(axis=0), v.codes.std(axis=0)
    assert np.abs(mean).max() < 0.2 and np.all((0.6 < std) & (std < 1.1)), (mean, std)
    assert v.prior_gap < 2
    assert ae[2].prior_gap > 5 * v.prior_gap, (ae[2].prior_gap, v.prior_gap)
    np.testing.assert_allclose(gap(v.codes, v.codes[::-1]), 0.0)  # a code's nearest code is itself: no gap


def test_the_pictures_are_the_decoder_at_the_codes_shown(vae):
    """The interpolation runs from A's code to B's, the map's corners are the corners of the drawn box, and A's sample
    is z = μ + σ·ε decoded; a new ε moves z but no weight."""
    lab, _, s = vae
    a, b = s.pair
    np.testing.assert_allclose(s.interpolation[[0, -1]], lab.decode(s.codes[[a, b]]))
    x_lo, x_hi, y_lo, y_hi = s.bounds
    np.testing.assert_allclose(s.maps[4][[0, 0, -1, -1], [0, -1, 0, -1]],
                               lab.decode([[x_lo, y_hi], [x_hi, y_hi], [x_lo, y_lo], [x_hi, y_lo]]))
    np.testing.assert_allclose(grid_codes(s.bounds, 4)[[0, -1]], [[x_lo, y_hi], [x_hi, y_lo]])
    t = s.trace
    np.testing.assert_allclose(t.z, t.mu + np.exp(0.5 * t.logvar) * t.eps)
    np.testing.assert_allclose(s.sampled, lab.decode(t.z)[0])
    again = lab.perform("sample")
    assert not np.allclose(again.trace.eps, t.eps)
    np.testing.assert_array_equal(again.codes, s.codes)
    assert s.labels[a] != s.labels[b]
