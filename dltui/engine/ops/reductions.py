"""Reductions and orderings with PyTorch's `dim`/`keepdim`: max/min, var/std, logsumexp, prod, cumsum/cumprod,
and the ops that pick elements by index (max/min along a dim, topk, sort, gather), whose gradient goes back to
the elements picked."""

from __future__ import annotations

import numpy as np

from dltui.i18n import N_

from .base import Op


def expand_reduced(dy: np.ndarray, shape: tuple[int, ...], dim, keepdim: bool) -> np.ndarray:
    """`dy` of a reduction over `dim` (None: all) with the reduced axes put back (as size 1), to broadcast."""
    if keepdim or not shape:
        return dy
    if dim is None:
        return np.reshape(dy, (1,) * len(shape))
    dims = (dim,) if isinstance(dim, int) else dim
    return np.expand_dims(dy, tuple(d % len(shape) for d in dims))


def _axis(dim, ndim: int):
    """A dim NumPy accepts for an array of `ndim` axes (a 0-d tensor has dims 0 and −1, as in PyTorch)."""
    return None if ndim == 0 else dim


class Extreme(Op):
    """max or min over all elements: the gradient is shared evenly among tied extremes (as PyTorch does)."""

    formula, grad_formula = N_("y = the extreme of x"), N_("dx = dy / k at the k elements equal to y, 0 elsewhere")

    def forward(self, x):
        return np.asarray(self.pick(x))

    def backward(self, dy):
        x = self.arrays[0]
        hit = (x == self.outputs[0]).astype(np.float64)
        return (dy * hit / hit.sum(),)


class Max(Extreme):
    name, formula, outputs_are = "max", "y = max x", (N_("maximum y"),)
    pick = staticmethod(np.max)


class Min(Extreme):
    name, formula, outputs_are = "min", "y = min x", (N_("minimum y"),)
    pick = staticmethod(np.min)


class TakeAlong(Op):
    """Values picked by index along `dim`: a subclass's `indices(x, **params)` chooses them; the gradient goes back
    to the elements picked (added up where one is picked twice)."""

    formula, grad_formula = N_("y = x[idx] along dim"), "dx[idx] += dy"

    def forward(self, x, dim, **params):
        dim = dim % max(x.ndim, 1)
        x1 = x.reshape(1) if x.ndim == 0 else x
        index = self.indices(x1, dim, **params)
        self.save(indices=index.reshape(x.shape) if x.ndim == 0 else index)
        values = x1[_along(index, dim)]
        return values.reshape(()) if x.ndim == 0 else values

    def backward(self, dy):
        x, index, dim = self.arrays[0], self.saved["indices"], self.params["dim"]
        if x.ndim == 0:
            return (np.asarray(dy).reshape(()).copy(),)
        dx = np.zeros(x.shape)
        np.add.at(dx, _along(index, dim % x.ndim), np.broadcast_to(dy, index.shape))
        return (dx,)

    def indices(self, x, dim, **params):
        raise NotImplementedError


def _along(index: np.ndarray, dim: int) -> tuple:
    """The fancy index that puts values at `index` along `dim` (what np.put_along_axis builds, for np.add.at)."""
    grids = list(np.ix_(*[np.arange(n) for n in index.shape]))
    grids[dim] = index
    return tuple(grids)


class MaxAlong(TakeAlong):
    name, formula, outputs_are = "max", N_("y = max over dim of x"), (N_("maximum y"),)

    def indices(self, x, dim, keepdim):
        return np.expand_dims(np.argmax(x, axis=dim), dim)

    def forward(self, x, dim, keepdim):
        values = super().forward(x, dim, keepdim=keepdim)
        return values if keepdim or x.ndim == 0 else values.squeeze(dim % x.ndim)

    def backward(self, dy):
        x, dim = self.arrays[0], self.params["dim"]
        return super().backward(expand_reduced(dy, x.shape, dim, self.params["keepdim"]))


class MinAlong(MaxAlong):
    name, formula, outputs_are = "min", N_("y = min over dim of x"), (N_("minimum y"),)

    def indices(self, x, dim, keepdim):
        return np.expand_dims(np.argmin(x, axis=dim), dim)


class TopK(TakeAlong):
    name, formula, outputs_are = "topk", N_("y = the k largest (or smallest) of x along dim"), (N_("top values y"),)

    def indices(self, x, dim, k, largest, sorted):
        order = np.argsort(-x if largest else x, axis=dim, kind="stable")
        return np.take(order, np.arange(k), axis=dim)


class Sort(TakeAlong):
    name, formula, outputs_are = "sort", N_("y = x sorted along dim"), (N_("sorted y"),)

    def indices(self, x, dim, descending, stable):
        return np.argsort(-x if descending else x, axis=dim, kind="stable")


class Gather(TakeAlong):
    name, formula, outputs_are = "gather", N_("y[…i…] = x[…index[…i…]…] along dim"), (N_("gathered y"),)
    inputs_are = (N_("source x"),)

    def indices(self, x, dim, index):
        return index


class Var(Op):
    """Variance with PyTorch's `correction` (1: the unbiased estimate, dividing by n − 1; 0: by n)."""

    name, formula, grad_formula = "var", "y = Σ(x − x̄)² / (n − c)", "dx = dy ⊙ 2(x − x̄) / (n − c)"
    outputs_are = (N_("variance y"),)

    def forward(self, x, dim, correction, keepdim):
        axis = _axis(dim, x.ndim)
        n = x.size // max(np.mean(x, axis=axis, keepdims=True).size, 1)
        self.save(n=n, centred=x - np.mean(x, axis=axis, keepdims=True))
        return np.sum(self.saved["centred"] ** 2, axis=axis, keepdims=keepdim) / max(n - correction, 0)

    def backward(self, dy):
        p = self.params
        dy = expand_reduced(dy, self.arrays[0].shape, p["dim"], p["keepdim"])
        return (dy * 2.0 * self.saved["centred"] / max(self.saved["n"] - p["correction"], 0),)


class Std(Var):
    name, formula, grad_formula = "std", "y = √(Σ(x − x̄)² / (n − c))", "dx = dy ⊙ (x − x̄) / ((n − c)·y)"
    outputs_are = (N_("standard deviation y"),)

    def forward(self, x, dim, correction, keepdim):
        return np.sqrt(super().forward(x, dim, correction, keepdim))

    def backward(self, dy):
        p = self.params
        shape = self.arrays[0].shape
        y = expand_reduced(self.outputs[0], shape, p["dim"], p["keepdim"])
        (dx,) = super().backward(dy)
        return (dx / (2.0 * y),)


class LogSumExp(Op):
    name, formula, grad_formula = "logsumexp", "y = ln Σ eˣ", "dx = dy ⊙ softmax(x)"

    def forward(self, x, dim, keepdim):
        axis = _axis(dim, x.ndim)
        top = np.max(x, axis=axis, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        y = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
        return y if keepdim or axis is None and x.ndim == 0 else np.squeeze(y, axis=axis)

    def backward(self, dy):
        x, p = self.arrays[0], self.params
        y = expand_reduced(self.outputs[0], x.shape, p["dim"], p["keepdim"])
        return (expand_reduced(dy, x.shape, p["dim"], p["keepdim"]) * np.exp(x - y),)


class Prod(Op):
    """The gradient multiplies the other factors (products to the left and right of each), so zeros are exact."""

    name, formula, grad_formula = "prod", "y = Π x", "dxᵢ = dy ⊙ Π_{j≠i} xⱼ"
    outputs_are = (N_("product y"),)

    def forward(self, x, dim, keepdim):
        return np.prod(x, axis=_axis(dim, x.ndim), keepdims=keepdim)

    def backward(self, dy):
        x, p = self.arrays[0], self.params
        dy = expand_reduced(dy, x.shape, p["dim"], p["keepdim"])
        if x.ndim == 0:
            return (np.zeros_like(x) + dy,)
        dim = p["dim"] if p["dim"] is not None else 0
        flat = x.reshape(-1) if p["dim"] is None else x
        moved = np.moveaxis(flat, dim, -1)
        left = np.cumprod(np.concatenate([np.ones(moved.shape[:-1] + (1,)), moved[..., :-1]], axis=-1), axis=-1)
        right = np.flip(np.cumprod(np.flip(np.concatenate([moved[..., 1:], np.ones(moved.shape[:-1] + (1,))],
                                                          axis=-1), -1), axis=-1), -1)
        others = np.moveaxis(left * right, -1, dim).reshape(x.shape)
        return (dy * others,)


class CumSum(Op):
    name, formula, grad_formula = "cumsum", N_("yᵢ = Σ_{j≤i} xⱼ along dim"), "dxᵢ = Σ_{j≥i} dyⱼ"
    outputs_are = (N_("running sum y"),)

    def forward(self, x, dim):
        return np.cumsum(x, axis=dim) if x.ndim else x.copy()

    def backward(self, dy):
        dim = self.params["dim"]
        return (np.flip(np.cumsum(np.flip(dy, dim), axis=dim), dim) if dy.ndim else dy,)


class CumProd(Op):
    """The gradient is computed without dividing by x, so it is exact where x has zeros (n² work along dim)."""

    name, formula, grad_formula = "cumprod", N_("yᵢ = Π_{j≤i} xⱼ along dim"), "dxᵢ = Σ_{j≥i} dyⱼ ⊙ Π_{k≤j, k≠i} xₖ"
    outputs_are = (N_("running product y"),)

    def forward(self, x, dim):
        return np.cumprod(x, axis=dim) if x.ndim else x.copy()

    def backward(self, dy):
        x, dim = self.arrays[0], self.params["dim"]
        if x.ndim == 0:
            return (dy,)
        xm, dym = np.moveaxis(x, dim, -1), np.moveaxis(dy, dim, -1)
        dx = np.empty_like(xm)
        for i in range(xm.shape[-1]):
            without = xm.copy()
            without[..., i] = 1.0
            dx[..., i] = (dym[..., i:] * np.cumprod(without, axis=-1)[..., i:]).sum(axis=-1)
        return (np.moveaxis(dx, -1, dim),)


class Norm(Op):
    """The p-norm (p ≥ 1, finite); where the norm is 0 its gradient is 0, as PyTorch's."""

    name, formula, grad_formula = "norm", "y = (Σ|x|ᵖ)^(1/p)", "dx = dy ⊙ sign(x)·|x|ᵖ⁻¹ / yᵖ⁻¹"
    outputs_are = (N_("norm y"),)

    def forward(self, x, p, dim, keepdim):
        return np.sum(np.abs(x) ** p, axis=_axis(dim, x.ndim), keepdims=keepdim) ** (1.0 / p)

    def backward(self, dy):
        x, pr = self.arrays[0], self.params
        y = expand_reduced(self.outputs[0], x.shape, pr["dim"], pr["keepdim"])
        dy = expand_reduced(dy, x.shape, pr["dim"], pr["keepdim"])
        with np.errstate(divide="ignore", invalid="ignore"):
            local = np.where(y == 0, 0.0, np.sign(x) * np.abs(x) ** (pr["p"] - 1) / y ** (pr["p"] - 1))
        return (dy * local,)
