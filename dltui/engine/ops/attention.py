"""Scaled dot-product attention, fused; `composite` is the textbook chain of primitives."""

from __future__ import annotations

import numpy as np

from dltui.i18n import N_

from ..kernels import active
from ..kernels.threads import threads
from .base import Op, unbroadcast


def attention_bias(mask, is_causal, q_len, k_len):
    """The additive score bias (0 or −inf) for a boolean mask (True = may attend, PyTorch's
    convention), a float mask (added as is) and/or a causal mask; None when there is none."""
    bias = None
    if mask is not None:
        mask = np.asarray(getattr(mask, "data", mask))  # an engine Tensor gives its array (bool from comparisons)
        bias = np.where(mask, 0.0, -np.inf) if mask.dtype == bool else mask.astype(np.float64)
    if is_causal:
        causal = np.triu(np.full((q_len, k_len), -np.inf), k=1)
        bias = causal if bias is None else bias + causal
    return bias


class ScaledDotProductAttention(Op):
    name = "attention"
    formula = "A = softmax(Q·Kᵀ/√d + mask), Y = A·V"
    inputs_are, outputs_are = (N_("queries Q"), N_("keys K"), N_("values V")), (N_("output Y"),)
    grad_formula = "dV = Aᵀ·dY, dA = dY·Vᵀ, dS = A⊙(dA − Σ dA⊙A), dQ = dS·K/√d, dK = dSᵀ·Q/√d"

    def forward(self, q, k, v, *, bias, scale):
        scores = threads.matmul(q, np.swapaxes(k, -1, -2))  # new arrays from here on: changed in place
        scores *= scale
        if bias is not None:
            scores = scores + bias  # a new array: bias may broadcast it to a larger shape
        attn = active().softmax_forward(scores)
        self.save(attn=attn)
        return threads.matmul(attn, v)

    def backward(self, dy):
        q, k, v = self.arrays
        attn, scale = self.saved["attn"], self.params["scale"]
        dv = threads.matmul(np.swapaxes(attn, -1, -2), dy)
        dscores = active().softmax_backward(attn, threads.matmul(dy, np.swapaxes(v, -1, -2)))  # dS from dA
        dq, dk = threads.matmul(dscores, k), threads.matmul(np.swapaxes(dscores, -1, -2), q)
        dq *= scale  # new arrays: scaled in place
        dk *= scale
        return unbroadcast(dq, q.shape), unbroadcast(dk, k.shape), unbroadcast(dv, v.shape)

    def composite(self, q, k, v):
        return attention_chain(q, k, v, self.params["bias"], self.params["scale"])[0]


def attention_chain(q, k, v, bias, scale):
    """The fused op's equations as primitive ops; returns (output, attention weights)."""
    scores = (q @ k.transpose(-2, -1)) * scale
    if bias is not None:
        scores = scores + bias
    attn = scores.softmax(axis=-1)
    return attn @ v, attn
