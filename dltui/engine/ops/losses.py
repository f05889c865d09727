"""Losses, each averaged over all elements (PyTorch's default reduction='mean')."""

from __future__ import annotations

import numpy as np

from ..kernels import active
from .base import Op


class MSELoss(Op):
    name, formula, grad_formula = "mse_loss", "L = mean((ŷ − y)²)", "dŷ = 2(ŷ − y)/n, dy = −dŷ"
    inputs_are, outputs_are = ("prediction ŷ", "target y"), ("loss L",)

    def forward(self, pred, target):
        return _mean((pred - target) ** 2)

    def backward(self, dl):
        diff = self.arrays[0] - self.arrays[1]
        d = dl * 2.0 * diff / diff.size
        return d, -d if self.inputs[1].requires_grad else None


def _mean(values: np.ndarray) -> np.ndarray:
    """`np.mean` over all elements, the same bits (it sums, then divides), without its Python wrapper, which
    costs more than a small loss's arithmetic."""
    return values.sum() / values.size


def bce_elementwise(p: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """−(y·log p + (1 − y)·log(1 − p)) per element, and the two logs; they are clamped at −100 like
    PyTorch so p = 0 or 1 stays finite."""
    with np.errstate(divide="ignore"):
        log_p, log_q = np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)
    return -(y * log_p + (1.0 - y) * log_q), log_p, log_q


class BCELoss(Op):
    """On probabilities, clamped as in `bce_elementwise`."""

    name = "binary_cross_entropy"
    formula = "L = −mean(y·log p + (1 − y)·log(1 − p))"
    inputs_are, outputs_are = ("probability p", "target y"), ("loss L",)
    grad_formula = "dp = (p − y) / (p(1 − p)·n), dy = (log(1 − p) − log p)/n"

    def forward(self, p, y):
        losses, log_p, log_q = bce_elementwise(p, y)
        self.save(log_p=log_p, log_q=log_q)
        return _mean(losses)

    def backward(self, dl):
        p, y = self.arrays
        n = p.size
        dp = dl * (p - y) / np.maximum(p * (1.0 - p), 1e-12) / n
        return dp, dl * (self.saved["log_q"] - self.saved["log_p"]) / n if self.inputs[1].requires_grad else None


class BCEWithLogitsLoss(Op):
    name = "binary_cross_entropy_with_logits"
    formula = "L = mean(max(z, 0) − z·y + log(1 + e^−|z|))  (= BCE of σ(z), without overflow)"
    inputs_are, outputs_are = ("logit z", "target y"), ("loss L",)
    grad_formula = "dz = (σ(z) − y)/n, dy = −z/n"

    def forward(self, z, y):
        return _mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))

    def backward(self, dl):
        z, y = self.arrays
        n = z.size
        sigma = np.exp(-np.logaddexp(0.0, -z))
        return dl * (sigma - y) / n, -dl * z / n if self.inputs[1].requires_grad else None


class CrossEntropyLoss(Op):
    """Logits (N, C) and class indices (N,): log_softmax and the negative log-likelihood fused."""

    name = "cross_entropy"
    formula = "L = mean_n(−log softmax(z_n)[t_n])"
    inputs_are, outputs_are = ("logits z",), ("loss L",)
    grad_formula = "dz = (softmax(z) − onehot(t)) / N"

    def forward(self, logits, target):
        loss, probs = active().cross_entropy_forward(logits, target)
        self.save(probs=probs)
        return loss

    def backward(self, dl):
        return (active().cross_entropy_backward(self.saved["probs"], self.params["target"], dl),)
