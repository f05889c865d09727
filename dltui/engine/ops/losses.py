"""Losses with PyTorch's `reduction` ('mean' by default, 'sum', 'none') and its weights.

Pointwise losses share one shape: a loss per element (times an optional weight), then the reduction; their backward
is the reduction's spread times each element's local slope. Cross-entropy and NLL work per sample on a class axis
(axis 1, or the only axis of an unbatched input) through a coefficient matrix A: L_n = −Σ_c A[n,c]·log p[n,c], where
A holds the one-hot target, label smoothing and class weights, or the target probabilities; with class-index
targets the sum runs over the classes A picks only, as torch's gather does (a masked class's −∞ stays out).
"""

from __future__ import annotations

import numpy as np

from dltui.i18n import N_

from ..kernels import active
from .base import Op, unbroadcast

REDUCED = {"mean": "mean", "sum": "Σ", "none": ""}


def check_reduction(reduction: str) -> str:
    if reduction not in REDUCED:
        raise ValueError(f"{reduction!r} is not a valid value for reduction: use 'mean', 'sum' or 'none'")
    return reduction


def _mean(values: np.ndarray) -> np.ndarray:
    """`np.mean` over all elements, the same bits (it sums, then divides), without its Python wrapper, which
    costs more than a small loss's arithmetic."""
    return values.sum() / values.size


class _Pointwise(Op):
    """A loss per element, `weight`ed if given, then reduced. Subclasses give `values(ŷ, y)` and `slopes(ŷ, y)`
    (∂loss/∂ŷ and ∂loss/∂y per element) and `term`, the per-element formula; a weighted mean divides by the
    weights' sum when `weight_sum_divides` (MSE, L1, Huber) and by the element count otherwise (BCE), as torch."""

    name, term, formula, grad_formula = "pointwise_loss", "ℓ(ŷ, y)", "L = mean(ℓ(ŷ, y))", "dŷ = ∂ℓ/∂ŷ / n, dy = ∂ℓ/∂y / n"
    weight_sum_divides = True
    inputs_are, outputs_are = (N_("prediction ŷ"), N_("target y")), (N_("loss L"),)

    def forward(self, pred, target, *, reduction="mean", weight=None, **options):
        self.options = options  # what `values` and `slopes` take besides ŷ and y (pos_weight, beta, delta)
        losses = self.values(pred, target, **options)
        if weight is not None:
            losses = losses * weight
        if reduction != "mean":
            self.formula = f"L = {'Σ ' if reduction == 'sum' else ''}{self.term}" + (" · w" if weight is not None else "")
        if reduction == "none":
            return losses
        if reduction == "sum":
            return losses.sum()
        if weight is not None and self.weight_sum_divides:
            self.save(divisor=np.broadcast_to(weight, losses.shape).sum())
            return losses.sum() / self.saved["divisor"]
        return _mean(losses)

    def backward(self, dl):
        pred, target = self.arrays
        options, params = self.options, self.params
        reduction, weight = params.get("reduction", "mean"), params.get("weight")
        need_target = self.inputs[1].requires_grad
        if weight is None and pred.shape == target.shape:  # the usual call, in a step of a few µs: nothing to broadcast
            dp, dy = self.slopes(pred, target, **options)
            if reduction == "mean":
                dl = dl / pred.size
            return dl * dp, dl * dy if need_target else None
        shape = np.broadcast_shapes(pred.shape, target.shape, np.shape(1.0 if weight is None else weight))
        if reduction == "mean":
            dl = dl / self.saved.get("divisor", np.prod(shape))
        if weight is not None:
            dl = dl * weight
        dp, dy = self.slopes(pred, target, **options)
        return unbroadcast(np.broadcast_to(dl * dp, shape), pred.shape), \
            unbroadcast(np.broadcast_to(dl * dy, shape), target.shape) if need_target else None

    def values(self, pred, target, **options):
        raise NotImplementedError

    def slopes(self, pred, target, **options):
        raise NotImplementedError


class MSELoss(_Pointwise):
    name, term = "mse_loss", "(ŷ − y)²"
    formula, grad_formula = "L = mean((ŷ − y)²)", "dŷ = 2(ŷ − y)/n, dy = −dŷ"

    def values(self, pred, target):
        return (pred - target) ** 2

    def slopes(self, pred, target):
        d = 2.0 * (pred - target)
        return d, -d


class L1Loss(_Pointwise):
    name, term = "l1_loss", "|ŷ − y|"
    formula, grad_formula = "L = mean(|ŷ − y|)", "dŷ = sign(ŷ − y)/n, dy = −dŷ"

    def values(self, pred, target):
        return np.abs(pred - target)

    def slopes(self, pred, target):
        d = np.sign(pred - target)
        return d, -d


class SmoothL1Loss(_Pointwise):
    """Quadratic for |ŷ − y| < β, linear beyond; β = 0 is the L1 loss."""

    name, term = "smooth_l1_loss", "½d²/β if |d| < β else |d| − ½β"
    formula = "L = mean(½d²/β if |d| < β else |d| − ½β), d = ŷ − y"
    grad_formula = "dŷ = clamp(d/β, −1, 1)/n, dy = −dŷ"

    def values(self, pred, target, *, beta):
        d = np.abs(pred - target)
        return d if beta == 0 else np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)

    def slopes(self, pred, target, *, beta):
        d = pred - target
        slope = np.sign(d) if beta == 0 else np.clip(d / beta, -1.0, 1.0)
        return slope, -slope


class HuberLoss(SmoothL1Loss):
    """The smooth L1 loss with β = δ, times δ."""

    name, term = "huber_loss", "½d² if |d| < δ else δ(|d| − ½δ)"
    formula = "L = mean(½d² if |d| < δ else δ(|d| − ½δ)), d = ŷ − y"
    grad_formula = "dŷ = clamp(d, −δ, δ)/n, dy = −dŷ"

    def values(self, pred, target, *, delta):
        return super().values(pred, target, beta=delta) * delta

    def slopes(self, pred, target, *, delta):
        dp, dy = super().slopes(pred, target, beta=delta)
        return dp * delta, dy * delta


def bce_elementwise(p: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """−(y·log p + (1 − y)·log(1 − p)) per element, and the two logs; they are clamped at −100 like
    PyTorch so p = 0 or 1 stays finite."""
    with np.errstate(divide="ignore"):
        log_p, log_q = np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)
    return -(y * log_p + (1.0 - y) * log_q), log_p, log_q


class BCELoss(_Pointwise):
    """On probabilities, clamped as in `bce_elementwise`."""

    name, term, weight_sum_divides = "binary_cross_entropy", "−(y·log p + (1 − y)·log(1 − p))", False
    formula = "L = −mean(y·log p + (1 − y)·log(1 − p))"
    inputs_are = (N_("probability p"), N_("target y"))
    grad_formula = "dp = (p − y) / (p(1 − p)·n), dy = (log(1 − p) − log p)/n"

    def values(self, p, y):
        losses, log_p, log_q = bce_elementwise(p, y)
        self.save(log_p=log_p, log_q=log_q)
        return losses

    def slopes(self, p, y):
        return (p - y) / np.maximum(p * (1.0 - p), 1e-12), self.saved["log_q"] - self.saved["log_p"]


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + eᶻ) without overflow."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


class BCEWithLogitsLoss(_Pointwise):
    """BCE of σ(z) computed from z, optionally with `pos_weight` (w⁺) on the positive term."""

    name, weight_sum_divides = "binary_cross_entropy_with_logits", False
    term = "w⁺·y·softplus(−z) + (1 − y)·softplus(z)"
    formula = N_("L = mean(max(z, 0) − z·y + log(1 + e^−|z|))  (= BCE of σ(z), without overflow)")
    inputs_are = (N_("logit z"), N_("target y"))
    grad_formula = "dz = (σ(z)(1 − y + w⁺y) − w⁺y)/n, dy = (w⁺·softplus(−z) − softplus(z))/n"

    def values(self, z, y, pos_weight=None):
        spz = np.logaddexp(0.0, z)  # softplus(z) in one call: a small net's step pays per call
        pos = pos_weight
        if pos is None:
            self.save(softplus=spz)
            return spz - z * y
        spn = np.logaddexp(0.0, -z)
        self.save(softplus=spz, softplus_neg=spn)
        return pos * y * spn + (1.0 - y) * spz

    def slopes(self, z, y, pos_weight=None):
        spz, pos = self.saved["softplus"], pos_weight
        sigma = np.exp(z - spz)  # σ(z) = eᶻ/(1 + eᶻ); the exponent is never above 0
        if pos is None:
            return sigma - y, -z
        return sigma * (1.0 - y + pos * y) - pos * y, pos * self.saved["softplus_neg"] - spz


# ---------------------------------------------------------------- per-sample losses over a class axis
def by_class(x: np.ndarray) -> np.ndarray:
    """(N, C, d₁, …) → (N·d₁·…, C) with classes last; an unbatched (C,) becomes (1, C)."""
    if x.ndim == 1:
        return x[None]
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def from_class(rows: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`by_class`'s inverse, back to `shape`."""
    if len(shape) == 1:
        return rows[0]
    moved = shape[:1] + shape[2:] + shape[1:2]
    return np.moveaxis(rows.reshape(moved), -1, 1)


def class_coefficients(target, classes, weight, ignore_index, smoothing):
    """A (rows, C) for class-index targets and the mean's divisor Σ w[t] over the samples not ignored:
    A[n] = (1 − ε)·w[t_n]·onehot(t_n) + ε·w/C, and 0 for a sample whose target is `ignore_index`."""
    t = target.reshape(-1)
    keep = t != ignore_index
    t = np.where(keep, t, 0)
    w = np.ones(classes) if weight is None else weight
    rows = np.arange(len(t))
    coeff = np.zeros((len(t), classes)) if smoothing == 0 else np.tile(smoothing / classes * w, (len(t), 1))
    coeff[rows, t] += (1.0 - smoothing) * w[t]
    coeff[~keep] = 0.0
    return coeff, (w[t] * keep).sum()


def _picked_sum(coeff, values):
    """−Σ_c A[n,c]·values[n,c] per row over the classes A picks (A ≠ 0), as torch's gather of the target's value:
    a class left out stays out, so a masked logit's −∞ (or a NaN there) does not make the sample's loss NaN."""
    with np.errstate(invalid="ignore"):
        return -np.where(coeff != 0, coeff * values, 0.0).sum(axis=1)


def _reduce_rows(losses, reduction, divisor, shape):
    if reduction == "none":
        return losses.reshape(shape)
    total = losses.sum()
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore"):  # every sample ignored: 0/0 = NaN, as torch gives
        return total / divisor


def _row_grads(dl, reduction, divisor, rows):
    """The upstream gradient per sample row."""
    if reduction == "none":
        return np.asarray(dl).reshape(rows, 1)
    return np.full((rows, 1), dl / divisor if reduction == "mean" else dl)


class NLLLoss(Op):
    """On log-probabilities x (N, C, …) and class indices t: L_n = −w[t_n]·x[n, t_n], skipping `ignore_index`;
    the mean divides by Σ w[t_n]."""

    name, formula, grad_formula = "nll_loss", "L = −Σ_n w[t_n]·x[n, t_n] / Σ_n w[t_n]", "dx[n, t_n] = −w[t_n]·dL / Σ w"
    inputs_are, outputs_are = (N_("log-probabilities x"),), (N_("loss L"),)

    def forward(self, x, *, target, weight=None, ignore_index=-100, reduction="mean"):
        coeff, divisor = class_coefficients(target, x.shape[0 if x.ndim == 1 else 1], weight, ignore_index, 0.0)
        self.save(coeff=coeff, divisor=divisor)
        return _reduce_rows(_picked_sum(coeff, by_class(x)), reduction, divisor, target.shape)

    def backward(self, dl):
        s, x = self.saved, self.arrays[0]
        g = _row_grads(dl, self.params["reduction"], s["divisor"], len(s["coeff"]))
        return (from_class(-g * s["coeff"], x.shape),)


class CrossEntropyLoss(Op):
    """log_softmax over the class axis and the negative log-likelihood, fused: logits (N, C, …) or (C,) against
    class indices (a param, `target`) or class probabilities (a second input, which gets a gradient too), with
    class `weight`, `ignore_index`, `label_smoothing` ε and `reduction`. The plain case (N, C) logits, indices,
    mean, nothing else, runs the backend's kernel."""

    name = "cross_entropy"
    formula = "L = mean_n(−log softmax(z_n)[t_n])"
    inputs_are, outputs_are = (N_("logits z"), N_("target probabilities q")), (N_("loss L"),)
    grad_formula = N_("dz = (softmax(z) − onehot(t)) / N; with target probabilities q, dq = −log softmax(z) / N")

    def forward(self, logits, probabilities=None, *, target=None, weight=None, ignore_index=-100,
                label_smoothing=0.0, reduction="mean"):
        if (probabilities is None and logits.ndim == 2 and weight is None and label_smoothing == 0.0
                and reduction == "mean" and not (target == ignore_index).any()):
            loss, probs = active().cross_entropy_forward(logits, target)
            self.save(probs=probs)
            return loss
        classes = logits.shape[0 if logits.ndim == 1 else 1]
        z = by_class(logits)
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        if probabilities is None:
            coeff, divisor = class_coefficients(target, classes, weight, ignore_index, label_smoothing)
            shape = target.shape
            self.formula = "L = −Σ_n Σ_c A[n,c]·log softmax(z_n)[c], A = (1 − ε)·w[t]·onehot(t) + ε·w/C"
        else:
            w = 1.0 if weight is None else weight
            coeff, divisor = (by_class(probabilities) * (1.0 - label_smoothing) + label_smoothing / classes) * w, len(z)
            shape = logits.shape[:1] + logits.shape[2:] if logits.ndim > 1 else ()
            self.formula = "L = mean_n(−Σ_c w_c·q[n,c]·log softmax(z_n)[c])"
        self.grad_formula = "dz_n = dL_n·(softmax(z_n)·Σ_c A[n,c] − A[n])"
        self.save(probs=np.exp(log_p), log_p=log_p, coeff=coeff, divisor=divisor)
        losses = _picked_sum(coeff, log_p) if probabilities is None else -(coeff * log_p).sum(axis=1)  # torch's NaN
        return _reduce_rows(losses, reduction, divisor, shape)

    def backward(self, dl):
        s, p = self.saved, self.params
        if "coeff" not in s:
            return (active().cross_entropy_backward(s["probs"], p["target"], dl),)
        logits = self.arrays[0]
        g = _row_grads(dl, p.get("reduction", "mean"), s["divisor"], len(s["coeff"]))
        dz = from_class(g * (s["probs"] * s["coeff"].sum(axis=1, keepdims=True) - s["coeff"]), logits.shape)
        if len(self.inputs) == 1:
            return (dz,)
        if not self.inputs[1].requires_grad:
            return dz, None
        w = 1.0 if p.get("weight") is None else p["weight"]
        dq = -g * (1.0 - p.get("label_smoothing", 0.0)) * w * s["log_p"]
        return dz, from_class(dq, self.arrays[1].shape)
