"""Autoencoders on the 8×8 digits: a plain one, a denoising one, a sparse one and a variational one, one net.

Every kind is 64 → 32 (sigmoid) → code of 2 → 32 (ReLU) → 64 (sigmoid), trained with Adam on the engine's binary
cross-entropy summed over the 64 pixels (pixels 0–16 read as probabilities 0–1). A code of two numbers can be drawn:
each test digit lands at its code, and a grid of codes decoded is a map of what the decoder learned. The kinds differ
in what they feed the net and what they add to the loss:

- ae: the image in, the same image out;
- denoising: Gaussian noise added to the input (clipped to 0–1), the clean image as the target;
- sparse: β·Σⱼ KL(ρ ‖ ρ̂ⱼ) added, ρ̂ⱼ being hidden unit j's mean activation on the batch;
- vae: the encoder gives μ and log σ², the decoder gets z = μ + σ·ε with ε ~ N(0, I) (the reparameterization, so
  the gradient reaches μ and σ through z), and β·KL(N(μ, σ²) ‖ N(0, I)) is added, by its closed form
  −½·Σ(1 + log σ² − μ² − σ²). That term is what packs the codes into the prior, so that a z drawn from N(0, I)
  decodes to a digit; the plain AE's codes lie wherever they fell, with holes between them.

Every formula is composed of engine ops (`Tensor.exp`, `Tensor.log`, sums and products), so backward runs through it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..engine import Tensor, init, nn, no_grad, optim
from ..engine import functional as F
from ..engine.data import load_digits
from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, factor, num

PIXELS, HIDDEN, CODE = 64, 32, 2
BATCH = 64
KINDS = ("ae", N_("denoising"), N_("sparse"), "vae")
STEPS = 8  # images along the interpolation, both ends included
PRIOR_SHOWN = 8  # prior samples drawn as images
PRIOR_MEASURED = 256  # prior samples measured against the test digits' codes
MAP_SIZES = (4, 5, 6, 8, 10, 12)  # the latent map, that many images a side: the view takes the largest that fits
PRIOR_BOX = 3.0  # the VAE's codes are drawn and mapped over ±3 (the prior's ±3σ)
PENALTY = {"vae": "KL", "sparse": N_("sparsity")}  # what each kind adds to the reconstruction, times β


@functools.cache
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training images and test images as rows of 64 values in 0–1, and the test labels."""
    d = load_digits()
    return d.train_images.reshape(-1, PIXELS) / 16, d.test_images.reshape(-1, PIXELS) / 16, d.test_labels


def corrupt(clean: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """The denoising AE's input: Gaussian noise of std `noise` on every pixel, clipped back to 0–1."""
    return np.clip(clean + rng.normal(0.0, noise, clean.shape), 0.0, 1.0)


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) in nats, −½·Σ(1 + log σ² − μ² − σ²) over the code, averaged over the batch."""
    return ((1.0 + logvar - mu * mu - logvar.exp()).sum() * -0.5) / float(mu.shape[0])


def reparameterize(mu: Tensor, logvar: Tensor, eps: np.ndarray) -> Tensor:
    """z = μ + σ·ε with σ = exp(½·log σ²): the noise is an input, so z is a differentiable function of μ and log σ²."""
    return mu + (logvar * 0.5).exp() * eps


def sparsity_penalty(hidden: Tensor, rho: float) -> Tensor:
    """Σⱼ KL(ρ ‖ ρ̂ⱼ) = Σⱼ ρ·log(ρ/ρ̂ⱼ) + (1 − ρ)·log((1 − ρ)/(1 − ρ̂ⱼ)), ρ̂ⱼ = unit j's mean activation on the batch."""
    mean = hidden.mean(axis=0)
    return (rho * (math.log(rho) - mean.log()) + (1.0 - rho) * (math.log(1.0 - rho) - (1.0 - mean).log())).sum()


def reconstruction(output: Tensor, target: np.ndarray) -> Tensor:
    """Binary cross-entropy summed over an image's 64 pixels (nats), averaged over the batch: the engine's BCE × 64."""
    return F.binary_cross_entropy(output, target) * float(PIXELS)


class Autoencoder(nn.Module):
    """64 → 32 (sigmoid) → code → 32 (ReLU) → 64 (sigmoid). A variational one has a second head for log σ²."""

    def __init__(self, variational: bool) -> None:
        self.encoder = nn.Linear(PIXELS, HIDDEN)
        self.mu = nn.Linear(HIDDEN, CODE)
        self.logvar = nn.Linear(HIDDEN, CODE) if variational else None
        self.decoder = nn.Linear(CODE, HIDDEN)
        self.output = nn.Linear(HIDDEN, PIXELS)

    def hidden(self, x: Tensor) -> Tensor:
        return F.sigmoid(self.encoder(x))

    def decode(self, z: Tensor) -> Tensor:
        return F.sigmoid(self.output(F.relu(self.decoder(z))))


@dataclass
class Pass:
    """One batch through the net: the loss the optimizer takes and its parts (Tensors, for backward)."""

    loss: Tensor
    reconstruction: Tensor
    penalty: Tensor | None  # the KL term (vae) or the sparsity penalty (sparse), before β
    hidden: Tensor
    mu: Tensor
    logvar: Tensor | None
    output: Tensor


def forward(model: Autoencoder, kind: str, x: np.ndarray, target: np.ndarray, eps: np.ndarray | None = None,
            rho: float = 0.05, beta: float = 1.0) -> Pass:
    """The kind's loss on one batch: reconstruction of `target` from `x`, plus β times the kind's penalty."""
    hidden = model.hidden(Tensor(x))
    mu = model.mu(hidden)
    logvar = model.logvar(hidden) if kind == "vae" else None
    z = reparameterize(mu, logvar, eps) if kind == "vae" else mu
    output = model.decode(z)
    rec = reconstruction(output, target)
    penalty = kl_divergence(mu, logvar) if kind == "vae" else sparsity_penalty(hidden, rho) if kind == "sparse" else None
    loss = rec if penalty is None else rec + penalty * beta
    return Pass(loss, rec, penalty, hidden, mu, logvar, output)


@dataclass(frozen=True)
class Trace:
    """The reparameterization of one test digit, every value of z = μ + σ·ε (the VAE only)."""

    mu: np.ndarray
    logvar: np.ndarray
    sigma: np.ndarray
    eps: np.ndarray
    z: np.ndarray


@dataclass(frozen=True)
class AutoencoderSnapshot:
    kind: str
    noise: float
    rho: float
    beta: float
    step: int
    epoch: int
    max_epochs: int
    codes: np.ndarray  # (360, 2): each test digit's code (μ for the VAE)
    code_mean: np.ndarray  # (2,): the codes' mean and standard deviation, to set beside the prior's 0 and 1
    code_std: np.ndarray
    labels: np.ndarray  # (360,)
    bounds: tuple[float, float, float, float]  # z₁ and z₂ ranges of the scatter and the map
    pair: tuple[int, int]  # the two followed test digits, a and b
    inputs: np.ndarray  # (2, 8, 8): what the net gets for a and b (noisy for the denoising AE)
    outputs: np.ndarray  # (2, 8, 8): its reconstructions (decoded from μ for the VAE)
    targets: np.ndarray  # (2, 8, 8): the clean digits
    trace: Trace | None  # a's z = μ + σ·ε (vae)
    sampled: np.ndarray | None  # (8, 8): a's z decoded
    interpolation: np.ndarray  # (STEPS, 8, 8): codes from a's to b's, decoded
    maps: dict[int, np.ndarray]  # size M → (M, M, 8, 8): the decoded grid over `bounds`, top row at the largest z₂
    prior_z: np.ndarray  # (PRIOR_SHOWN, 2) drawn from N(0, I)
    prior_images: np.ndarray  # (PRIOR_SHOWN, 8, 8) decoded
    prior_gap: float  # how far z ~ N(0, I) lands from the nearest test code, in the codes' own spacings (see `gap`)
    hidden_mean: np.ndarray  # (32,): each hidden unit's mean activation on the test digits
    reconstruction: np.ndarray  # per step: the batch's reconstruction term (nats per image)
    penalty_name: str | None  # "KL" (vae), "sparsity" (sparse) or None
    penalty: np.ndarray  # per step: that term before β; empty for ae/denoising
    loss: np.ndarray  # per step: reconstruction + β·penalty, what Adam descends
    test_reconstruction: float  # on the test digits (from μ, clean or noisy inputs as in training)
    test_penalty: float | None
    test_error: float  # MSE per pixel of the test reconstructions against the clean digits
    noisy_error: float | None  # the denoising AE's noisy test inputs against the clean digits
    diverged: bool
    status: Status


def grid_codes(bounds: tuple[float, float, float, float], size: int) -> np.ndarray:
    """size × size codes over `bounds`, row by row from the largest z₂ down, each row from the smallest z₁: (size², 2)."""
    x_lo, x_hi, y_lo, y_hi = bounds
    z1, z2 = np.meshgrid(np.linspace(x_lo, x_hi, size), np.linspace(y_hi, y_lo, size))
    return np.stack([z1.ravel(), z2.ravel()], axis=1)


def gap(points: np.ndarray, codes: np.ndarray) -> float:
    """The median distance from each point to its nearest code, over the median distance from a code to its nearest
    other code: about 1 for points spread as the codes are, large for points off them (in a hole, or outside)."""
    def nearest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))

    among = nearest(codes, codes)
    np.fill_diagonal(among, np.inf)
    return float(np.median(nearest(points, codes).min(axis=1)) / np.median(among.min(axis=1)))


class AutoencoderLab(Lab):
    controls = (
        Control("kind", N_("Kind"), "choice", "ae", choices=KINDS,
                help=N_("ae: plain · denoising: noisy input, clean target · sparse: KL sparsity penalty · vae: variational"), words=True),
        Control("noise", N_("Noise σ"), "float", 0.5, 0.05, 1.0, 0.05,
                help=N_("Denoising: std of the noise on each pixel (0–1)")),
        Control("rho", N_("Sparsity target ρ"), "float", 0.05, 0.01, 0.5, 0.01,
                help=N_("Sparse: the mean activation each hidden unit is pulled toward")),
        Control("beta", N_("Weight β"), "float", 1.0, 0.0, 10.0, 0.25,
                help=N_("Of the KL term (vae) or the sparsity penalty (sparse)")),
        Control("lr", N_("Learning rate"), "float", 0.01, 0.0001, 0.1, 0.001, help=N_("Adam's step size")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
        Control("max_epochs", N_("Max epochs"), "int", 60, 1, 1000, 10, help=N_("A free run stops here")),
    )
    actions = (
        Action("step", "s", N_("Step")),
        Action("epoch", "e", N_("Epoch")),
        Action("sample", "n", N_("New ε")),
        Action("pair", "c", N_("Digits")),
        Action("prior", "p", N_("Prior")),
    )
    run_action = "epoch"

    def build(self) -> None:
        p = self.params
        self.train_x, self.test_x, self.test_labels = digits()
        init.manual_seed(p["seed"])
        self.model = Autoencoder(p["kind"] == "vae")
        self.optimizer = optim.Adam(self.model.parameters(), lr=p["lr"])
        self.rng = np.random.default_rng(p["seed"])  # training: shuffles, noise, ε
        self.shown_rng = np.random.default_rng([p["seed"], 1])  # what is shown: never changes a training run
        self.test_input = corrupt(self.test_x, p["noise"], self.shown_rng) if p["kind"] == "denoising" else self.test_x
        self.order = self.rng.permutation(len(self.train_x))
        self.steps = self.epochs = self.position = 0
        self.history: dict[str, list[float]] = {"reconstruction": [], "penalty": [], "loss": []}
        self.pair()
        self.prior()

    @property
    def kind(self) -> str:
        return self.params["kind"]

    # ------------------------------------------------------------------ training
    def step(self) -> None:
        """One Adam update on the next batch of this epoch's shuffle."""
        if self.finished:
            return
        p = self.params
        rows = self.order[self.position:self.position + BATCH]
        clean = self.train_x[rows]
        x = corrupt(clean, p["noise"], self.rng) if self.kind == "denoising" else clean
        eps = self.rng.standard_normal((len(rows), CODE)) if self.kind == "vae" else None
        result = forward(self.model, self.kind, x, clean, eps, p["rho"], p["beta"])
        self.optimizer.zero_grad()
        result.loss.backward()
        with np.errstate(all="ignore"):
            self.optimizer.step()
        self.history["reconstruction"].append(result.reconstruction.item())
        self.history["loss"].append(result.loss.item())
        if result.penalty is not None:
            self.history["penalty"].append(result.penalty.item())
        self.steps += 1
        self.position += BATCH
        if self.position >= len(self.train_x):
            self.epochs += 1
            self.position = 0
            self.order = self.rng.permutation(len(self.train_x))
        self.watch(result.loss.item(), self.steps, N_("step"))

    def epoch(self) -> None:
        """The updates left in this epoch (every one at its start)."""
        start = self.epochs
        while self.epochs == start and not self.finished and not self.interrupted():
            self.step()

    @property
    def finished(self) -> bool:
        return self.diverged or self.epochs >= self.params["max_epochs"]

    # ------------------------------------------------------------------ what is shown
    def sample(self) -> None:
        """A new ε for digit A: a new z = μ + σ·ε."""
        self.eps = self.shown_rng.standard_normal(CODE)

    def pair(self) -> None:
        """Two test digits of different classes to follow, A and B (and a new ε)."""
        labels = self.test_labels
        a = int(self.shown_rng.integers(len(labels)))
        others = np.flatnonzero(labels != labels[a])
        self.followed = (a, int(others[self.shown_rng.integers(len(others))]))
        self.sample()

    def prior(self) -> None:
        """New codes z ~ N(0, I), as a VAE generates: the first PRIOR_SHOWN are drawn, all are measured."""
        self.prior_z = self.shown_rng.standard_normal((PRIOR_MEASURED, CODE))

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Codes (n, 2) → images (n, 8, 8)."""
        with no_grad():
            return self.model.decode(Tensor(np.asarray(z, dtype=float).reshape(-1, CODE))).data.reshape(-1, 8, 8)

    def bounds(self, codes: np.ndarray) -> tuple[float, float, float, float]:
        """The VAE: the prior's ±3σ square. Otherwise the codes' own range, a tenth wider on every side."""
        if self.kind == "vae":
            return (-PRIOR_BOX, PRIOR_BOX, -PRIOR_BOX, PRIOR_BOX)
        finite = codes[np.isfinite(codes).all(axis=1)]
        if not len(finite):
            return (-1.0, 1.0, -1.0, 1.0)
        low, high = finite.min(axis=0), finite.max(axis=0)
        margin = np.maximum(0.1 * (high - low), 1e-3)
        (x_lo, y_lo), (x_hi, y_hi) = low - margin, high + margin
        return float(x_lo), float(x_hi), float(y_lo), float(y_hi)

    def status(self) -> Status:
        if self.diverged:
            return self.divergence.status(_("Lower the learning rate and reset ({reset})."))
        if self.steps == 0:
            return Status("info", _("Press {step} for one update, {epoch} for an epoch, {run} to train."))
        rec, pen = self.history["reconstruction"][-1], self.history["penalty"]
        beta, name = self.params["beta"], PENALTY.get(self.kind)
        if name:
            loss = _("reconstruction {reconstruction} + β·{penalty} {value} nats").format(
                reconstruction=fixed(rec, 2), penalty=_(name), value=fixed(beta * pen[-1], 2))
        else:
            loss = _("reconstruction {reconstruction} nats").format(reconstruction=fixed(rec, 2))
        if self.finished:
            return Status("success", _("Done at max_epochs = {epochs}: {loss}.").format(epochs=self.epochs, loss=loss))
        return Status("info", _("Epoch {epoch}, step {step}: {loss}.").format(epoch=self.epochs, step=self.steps, loss=loss))

    def snapshot(self) -> AutoencoderSnapshot:
        p = self.params
        test_x = self.test_x
        with no_grad():
            test = forward(self.model, self.kind, self.test_input, test_x, np.zeros((len(test_x), CODE)), p["rho"],
                           p["beta"])
        codes, outputs = test.mu.data, test.output.data
        bounds = self.bounds(codes)
        a, b = self.followed
        trace = sampled = None
        if self.kind == "vae":
            mu, logvar = test.mu.data[a], test.logvar.data[a]
            with no_grad():
                sigma = (Tensor(logvar) * 0.5).exp().data
                z = reparameterize(Tensor(mu), Tensor(logvar), self.eps).data
            trace, sampled = Trace(mu, logvar, sigma, self.eps, z), self.decode(z)[0]
        t = np.linspace(0.0, 1.0, STEPS)[:, None]
        shown = [a, b]
        with np.errstate(all="ignore"):
            test_error = F.mse_loss(Tensor(outputs), test_x).item()
            noisy_error = F.mse_loss(Tensor(self.test_input), test_x).item() if self.kind == "denoising" else None
            prior_gap = gap(self.prior_z, codes)
        return AutoencoderSnapshot(
            kind=self.kind, noise=p["noise"], rho=p["rho"], beta=p["beta"],
            step=self.steps, epoch=self.epochs, max_epochs=p["max_epochs"],
            codes=codes, code_mean=codes.mean(axis=0), code_std=codes.std(axis=0), labels=self.test_labels,
            bounds=bounds, pair=(a, b),
            inputs=self.test_input[shown].reshape(2, 8, 8), outputs=outputs[shown].reshape(2, 8, 8),
            targets=test_x[shown].reshape(2, 8, 8),
            trace=trace, sampled=sampled,
            interpolation=self.decode((1 - t) * codes[a] + t * codes[b]),
            maps={size: self.decode(grid_codes(bounds, size)).reshape(size, size, 8, 8) for size in MAP_SIZES},
            prior_z=self.prior_z[:PRIOR_SHOWN], prior_images=self.decode(self.prior_z[:PRIOR_SHOWN]),
            prior_gap=prior_gap,
            hidden_mean=test.hidden.data.mean(axis=0),
            reconstruction=np.array(self.history["reconstruction"]), penalty_name=PENALTY.get(self.kind),
            penalty=np.array(self.history["penalty"]), loss=np.array(self.history["loss"]),
            test_reconstruction=test.reconstruction.item(),
            test_penalty=None if test.penalty is None else test.penalty.item(),
            test_error=test_error, noisy_error=noisy_error, diverged=self.diverged, status=self.status())


# ------------------------------------------------------------------------------ quiz questions
def kl_terms(mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Each code dimension's share of the KL term, ½·(σ² + μ² − 1 − ln σ²): for the worked answer only."""
    return 0.5 * (var + mu**2 - 1 - np.log(var))


KL_PROMPT = N_("For one digit, a VAE's encoder gives μ = ({m}) and σ² = ({v}). What is its KL term "
               "KL(N(μ, σ²) ‖ N(0, I)) = −½·Σ(1 + log σ² − μ² − σ²), in nats (natural log, 3 decimals)?")
KL_WORKED = N_("dimension {k}: ½·({var} + {mu}² − 1 − ln {var}) = {term}")


def kl_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """μ and σ² of a 2-D code; the engine's `kl_divergence` answers. A draw whose answer is within 0.01 of 0 or of the
    formula without its log term, ½·Σ(σ² + μ² − 1), is redrawn."""
    while True:
        mu = rng.choice([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0], size=CODE)
        var = rng.choice([0.25, 0.5, 1.0, 2.0, 4.0], size=CODE)
        with no_grad():
            answer = kl_divergence(Tensor(mu[None]), Tensor(np.log(var)[None])).item()
        if min(abs(answer), abs(answer - 0.5 * float(np.sum(var + mu**2 - 1)))) >= 0.01:
            break
    terms = kl_terms(mu, var)
    line = in_language(lang, KL_WORKED)
    worked = "; ".join(line.format(k=k + 1, var=num(v), mu=factor(m), term=num(round(t, 4)))
                       for k, (m, v, t) in enumerate(zip(mu, var, terms)))
    worked += f"; KL = {' + '.join(num(round(t, 4)) for t in terms)} = {num(round(answer, 4))}"
    listed = [", ".join(num(value) for value in values) for values in (mu, var)]
    prompt = in_language(lang, KL_PROMPT).format(m=listed[0], v=listed[1])
    return GeneratedQuestion(prompt, round(answer, 4), worked, tolerance=0.005)


REPARAMETERIZE_PROMPT = {
    "z": N_("For one code dimension a VAE's encoder gives μ = {mu} and log σ² = {logvar}, and ε = {eps} is drawn "
            "from N(0, 1). What is z = μ + σ·ε? (3 decimals)"),
    "grad": N_("For one code dimension a VAE's encoder gives μ = {mu} and log σ² = {logvar}, and ε = {eps} is drawn "
               "from N(0, 1); z = μ + σ·ε. If ∂L/∂z = 1, what gradient ∂L/∂(log σ²) reaches the encoder's log σ² "
               "output? (3 decimals)"),
}
GRADIENT_WORKED = N_("z = μ + exp(½·log σ²)·ε, so ∂z/∂(log σ²) = ½·exp(½·log σ²)·ε = ½·σ·ε = ½·{sigma}·{eps} = {answer} "
                     "(and ∂z/∂μ = 1)")


def reparameterize_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """μ, log σ² and ε; the engine's `reparameterize` gives z and, by backward, ∂z/∂(log σ²) = ½·σ·ε. A draw whose
    answer is within 0.005 of 0 or of a slip (μ alone, the variance for σ, log σ² for σ; σ·ε or ε for the gradient)
    is redrawn."""
    while True:
        asked = ("z", "grad")[rng.integers(2)]
        m, lv, e = (float(rng.choice(values)) for values in ([-1.0, -0.5, 0.5, 1.0, 1.5], [-2.0, -1.0, -0.5, 0.5, 1.0],
                                                             [-1.5, -1.0, -0.5, 0.5, 1.0, 2.0]))
        mu, logvar = Tensor(np.array([m]), requires_grad=True), Tensor(np.array([lv]), requires_grad=True)
        z = reparameterize(mu, logvar, np.array([e]))
        z.backward(np.ones(1))
        sigma = math.exp(lv / 2)
        if asked == "z":
            answer, slips = z.item(), (m, m + math.exp(lv) * e, m + lv * e)
        else:
            answer, slips = float(logvar.grad[0]), (sigma * e, e, 0.5 * e)
        if min(abs(answer - slip) for slip in (0.0, *slips)) >= 0.005:
            break
    if asked == "z":
        worked = (f"σ = exp(½·log σ²) = exp({num(lv / 2)}) = {num(round(sigma, 4))}; "
                  f"z = {num(m)} + {num(round(sigma, 4))}·{factor(e)} = {num(round(answer, 4))}")
    else:
        worked = in_language(lang, GRADIENT_WORKED).format(sigma=num(round(sigma, 4)), eps=factor(e),
                                                           answer=num(round(answer, 4)))
    prompt = in_language(lang, REPARAMETERIZE_PROMPT[asked]).format(mu=num(m), logvar=num(lv), eps=num(e))
    return GeneratedQuestion(prompt, round(answer, 4), worked, tolerance=0.002)


SPARSITY_PROMPT = N_("A sparse autoencoder's target is ρ = {rho}. One hidden unit's activations on a batch of four "
                     "images are ({h}). What is its sparsity penalty KL(ρ ‖ ρ̂) = ρ·log(ρ/ρ̂) + (1 − ρ)·log((1 − ρ)/(1 − ρ̂)), "
                     "ρ̂ being its mean activation? (natural log, 3 decimals)")


def sparsity_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """ρ and four activations of one unit; the engine's `sparsity_penalty` answers. A draw whose answer is within 0.005
    of 0, of the reversed KL(ρ̂ ‖ ρ) or of its first term alone is redrawn."""
    while True:
        rho = float(rng.choice([0.05, 0.1, 0.2]))
        h = rng.choice([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8], size=4)
        mean = float(h.mean())
        if not 0 < mean < 1:
            continue
        with no_grad():
            answer = sparsity_penalty(Tensor(h[:, None]), rho).item()
        reverse = mean * math.log(mean / rho) + (1 - mean) * math.log((1 - mean) / (1 - rho))
        if min(abs(answer), abs(answer - reverse), abs(answer - rho * math.log(rho / mean))) >= 0.005:
            break
    worked = (f"ρ̂ = ({' + '.join(num(v) for v in h)})/4 = {num(mean)}; "
              f"KL = {num(rho)}·ln({num(rho)}/{num(mean)}) + {num(1 - rho)}·ln({num(1 - rho)}/{num(round(1 - mean, 4))}) "
              f"= {num(round(answer, 4))}")
    prompt = in_language(lang, SPARSITY_PROMPT).format(rho=num(rho), h=", ".join(num(v) for v in h))
    return GeneratedQuestion(prompt, round(answer, 4), worked, tolerance=0.002)
