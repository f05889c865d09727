"""Recurrent cells, fused: the matmuls in NumPy (BLAS), the gate math through the kernel table.

Inputs follow PyTorch's cells: (x, h[, c], w_ih, w_hh, b_ih, b_hh), weights stacked by gate.
Each cell's `composite` spells the same equations in primitive ops for the step-inside view.
"""

from __future__ import annotations

from dltui.i18n import N_

from ..kernels import active
from .base import Op


class RNNCell(Op):
    name = "rnn_cell"
    inputs_are = (N_("input x"), N_("state h"), N_("weight W_ih"), N_("weight W_hh"), N_("bias b_ih"), N_("bias b_hh"))
    outputs_are = (N_("new state h'"),)

    @property
    def formula(self) -> str:  # the cell's own nonlinearity, tanh or relu
        return f"h' = {self.params.get('nonlinearity', 'tanh')}(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)"

    @property
    def grad_formula(self) -> str:
        return (f"da = dh' ⊙ {self.params.get('nonlinearity', 'tanh')}'(a), dx = da·W_ih, dh = da·W_hh, "
                "dW_ih = daᵀ·x, dW_hh = daᵀ·h")

    def forward(self, x, h, w_ih, w_hh, b_ih, b_hh, *, nonlinearity):
        pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        return active().tanh_forward(pre) if nonlinearity == "tanh" else active().relu_forward(pre)

    def backward(self, dh_new):
        x, h, w_ih, w_hh = self.arrays[:4]
        h_new = self.outputs[0]
        da = dh_new * (1.0 - h_new * h_new) if self.params["nonlinearity"] == "tanh" else dh_new * (h_new > 0)
        db = da.sum(axis=0)
        return da @ w_ih, da @ w_hh, da.T @ x, da.T @ h, db, db

    def composite(self, x, h, w_ih, w_hh, b_ih, b_hh):
        pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        return pre.tanh() if self.params["nonlinearity"] == "tanh" else pre.relu()


class LSTMCell(Op):
    name = "lstm_cell"
    inputs_are = (N_("input x"), N_("state h"), N_("cell c"), N_("weights W_ih"), N_("weights W_hh"),
                  N_("biases b_ih"), N_("biases b_hh"))
    outputs_are = (N_("new state h'"), N_("new cell c'"))
    formula = N_("i,f,o = σ(·), g = tanh(·) of x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh; c' = f⊙c + i⊙g; h' = o⊙tanh c'")
    grad_formula = "dc' += dh'⊙o⊙(1 − tanh²c'); di = dc'⊙g, df = dc'⊙c, dg = dc'⊙i, do = dh'⊙tanh c'; dc = dc'⊙f"

    def forward(self, x, h, c, w_ih, w_hh, b_ih, b_hh):
        gates = x @ w_ih.T
        gates += h @ w_hh.T
        gates += b_ih + b_hh
        i, f, g, o, c_new, h_new = active().lstm_gates_forward(gates, c)
        self.save(i=i, f=f, g=g, o=o)
        return h_new, c_new

    def backward(self, dh_new, dc_new):
        x, h, c, w_ih, w_hh = self.arrays[:5]
        s = self.saved
        dgates, dc = active().lstm_gates_backward(s["i"], s["f"], s["g"], s["o"], self.outputs[1], c, dh_new, dc_new)
        db = dgates.sum(axis=0)
        return dgates @ w_ih, dgates @ w_hh, dc, dgates.T @ x, dgates.T @ h, db, db

    def composite(self, x, h, c, w_ih, w_hh, b_ih, b_hh):
        hs = h.shape[1]
        gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i = gates[:, :hs].sigmoid()
        f = gates[:, hs : 2 * hs].sigmoid()
        g = gates[:, 2 * hs : 3 * hs].tanh()
        o = gates[:, 3 * hs :].sigmoid()
        c_new = f * c + i * g
        return o * c_new.tanh(), c_new


class GRUCell(Op):
    name = "gru_cell"
    inputs_are = (N_("input x"), N_("state h"), N_("weights W_ih"), N_("weights W_hh"), N_("biases b_ih"),
                  N_("biases b_hh"))
    outputs_are = (N_("new state h'"),)
    formula = N_("r,z = σ(·) of x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh (their blocks); "
                 "n = tanh(x·W_inᵀ + b_in + r⊙(h·W_hnᵀ + b_hn)); h' = (1 − z)⊙n + z⊙h")
    grad_formula = "dn = dh'⊙(1 − z), dz = dh'⊙(h − n), dr = dn⊙(1 − n²)⊙(h·W_hnᵀ + b_hn); dh = dh'⊙z + dgh·W_hh"

    def forward(self, x, h, w_ih, w_hh, b_ih, b_hh):
        gi = x @ w_ih.T + b_ih
        gh = h @ w_hh.T + b_hh
        r, z, n, h_new = active().gru_gates_forward(gi, gh, h)
        self.save(r=r, z=z, n=n, gh=gh)
        return h_new

    def backward(self, dh_new):
        x, h, w_ih, w_hh = self.arrays[:4]
        s = self.saved
        dgi, dgh, dh_direct = active().gru_gates_backward(s["gh"], h, s["r"], s["z"], s["n"], dh_new)
        return dgi @ w_ih, dh_direct + dgh @ w_hh, dgi.T @ x, dgh.T @ h, dgi.sum(axis=0), dgh.sum(axis=0)

    def composite(self, x, h, w_ih, w_hh, b_ih, b_hh):
        hs = h.shape[1]
        gi = x @ w_ih.T + b_ih
        gh = h @ w_hh.T + b_hh
        r = (gi[:, :hs] + gh[:, :hs]).sigmoid()
        z = (gi[:, hs : 2 * hs] + gh[:, hs : 2 * hs]).sigmoid()
        n = (gi[:, 2 * hs :] + r * gh[:, 2 * hs :]).tanh()
        return (1.0 - z) * n + z * h
