"""Shape and movement ops with PyTorch's names: expand, repeat, flip, roll, tril/triu, scatter, and einsum.
(permute, view/reshape, squeeze/unsqueeze, chunk/split and indexing use transpose, reshape and index.)"""

from __future__ import annotations

import numpy as np

from dltui.i18n import N_

from .base import Op, unbroadcast


class Expand(Op):
    name, formula, grad_formula = "expand", N_("y = x broadcast to a larger shape"), N_("dx = dy summed over the new axes")

    def forward(self, x, shape):
        return np.broadcast_to(x, shape).copy()

    def backward(self, dy):
        return (unbroadcast(dy, self.arrays[0].shape),)


class Repeat(Op):
    name, formula, grad_formula = "repeat", N_("y = x tiled rᵢ times along each axis"), N_("dx = Σ of dy over the tiles")

    def forward(self, x, repeats):
        return np.tile(x, repeats)

    def backward(self, dy):
        repeats, shape = self.params["repeats"], self.arrays[0].shape
        shape = (1,) * (len(repeats) - len(shape)) + shape
        split = dy.reshape([n for r, s in zip(repeats, shape) for n in (r, s)])
        return (split.sum(axis=tuple(range(0, split.ndim, 2))).reshape(self.arrays[0].shape),)


class Flip(Op):
    name, formula, grad_formula = "flip", N_("y = x reversed along dims"), N_("dx = dy reversed along the same dims")

    def forward(self, x, dims):
        return np.flip(x, dims).copy()

    def backward(self, dy):
        return (np.flip(dy, self.params["dims"]).copy(),)


class Roll(Op):
    name, formula, grad_formula = "roll", N_("y = x shifted cyclically"), N_("dx = dy shifted back")

    def forward(self, x, shifts, dims):
        return np.roll(x, shifts, dims)

    def backward(self, dy):
        shifts = self.params["shifts"]
        back = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        return (np.roll(dy, back, self.params["dims"]),)


class Triangle(Op):
    """tril/triu: the last two axes keep one triangle (above or below `diagonal`), the rest become 0."""

    formula, grad_formula = N_("y = one triangle of x, 0 elsewhere"), N_("dx = dy on the kept triangle, 0 elsewhere")

    def forward(self, x, diagonal):
        return self.keep(x, diagonal)

    def backward(self, dy):
        return (self.keep(dy, self.params["diagonal"]),)


class Tril(Triangle):
    name, formula = "tril", N_("y = x on and below diagonal k, else 0")
    keep = staticmethod(np.tril)


class Triu(Triangle):
    name, formula = "triu", N_("y = x on and above diagonal k, else 0")
    keep = staticmethod(np.triu)


class Scatter(Op):
    """`x.scatter(dim, index, src)`: a copy of x with src's values written at `index` along `dim`."""

    name, formula, grad_formula = "scatter", N_("y = x with y[…index…] = src"), N_("dx = dy where not written, dsrc = dy[index]")
    inputs_are, outputs_are = (N_("target x"), N_("source src")), (N_("scattered y"),)

    def forward(self, x, src, dim, index):
        y = x.copy()
        y[self.where(index, dim, x.ndim)] = src[tuple(slice(0, n) for n in index.shape)]
        return y

    def backward(self, dy):
        x, src = self.arrays
        index, dim = self.params["index"], self.params["dim"]
        at = self.where(index, dim, x.ndim)
        dx = dy.copy()
        dx[at] = 0.0
        dsrc = np.zeros(src.shape)
        dsrc[tuple(slice(0, n) for n in index.shape)] = dy[at]
        return dx, dsrc

    @staticmethod
    def where(index: np.ndarray, dim: int, ndim: int) -> tuple:
        grids = list(np.ix_(*[np.arange(n) for n in index.shape]))
        grids[dim % ndim] = index
        return tuple(grids)


class Einsum(Op):
    """Each input's gradient is another einsum: the upstream gradient with the other inputs, onto that input's
    subscripts (broadcast over a subscript that appears in that input alone)."""

    name, formula, grad_formula = "einsum", N_("y = Σ over the summed subscripts of Π xₖ"), N_("dxₖ = einsum(dy, the others → xₖ)")
    inputs_are, outputs_are = (N_("operand x"),), (N_("result y"),)

    def forward(self, *xs, equation):
        parse_einsum(equation)  # refuses what backward cannot do before anything runs
        return np.asarray(np.einsum(equation, *xs), dtype=np.float64)

    def backward(self, dy):
        ins, out = parse_einsum(self.params["equation"])
        grads = []
        for k, (sub, x) in enumerate(zip(ins, self.arrays)):
            others = [(s, a) for j, (s, a) in enumerate(zip(ins, self.arrays)) if j != k]
            known = set(out).union(*[s for s, _ in others])
            reachable = "".join(c for c in sub if c in known)
            terms = ",".join([out, *[s for s, _ in others]])
            g = np.einsum(f"{terms}->{reachable}", dy, *[a for _, a in others])
            grads.append(np.broadcast_to(g.reshape([x.shape[i] if c in known else 1 for i, c in enumerate(sub)]),
                                         x.shape).copy())
        return tuple(grads)


def parse_einsum(equation: str) -> tuple[list[str], str]:
    """The input subscripts and the output's (implicit output: the letters used once, in order), for equations
    without "..." and without a letter repeated inside one input."""
    equation = equation.replace(" ", "")
    if "." in equation:
        raise NotImplementedError("einsum with '...' is not supported yet: write out every subscript")
    left, _, out = equation.partition("->")
    ins = left.split(",")
    if not _:
        letters = "".join(ins)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for sub in ins:
        if len(set(sub)) != len(sub):
            raise NotImplementedError(f"einsum with a repeated subscript in one operand ({sub!r}, a diagonal or "
                                      "trace) is not supported yet: index the diagonal out first")
    return ins, out
