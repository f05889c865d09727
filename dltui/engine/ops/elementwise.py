"""Elementwise maths with PyTorch's names and gradients: unary functions, clamp, maximum/minimum, where,
masked_fill, remainder and a power with a tensor exponent.

Piecewise-constant functions (sign, floor, ceil, round) pass a zero gradient, as PyTorch's do.
"""

from __future__ import annotations

import math

import numpy as np

from dltui.i18n import N_

from .base import Op, unbroadcast

_erf = np.vectorize(math.erf, otypes=[np.float64])


def erf(x: np.ndarray) -> np.ndarray:
    """The error function on an array (NumPy has none; SciPy is not a dependency)."""
    return _erf(x)


class Unary(Op):
    """y = f(x), dx = dy ⊙ f′(x): a subclass writes `f(x)` and `df(x, y)` (the derivative, from x or y)."""

    formula, grad_formula = "y = f(x)", "dx = dy ⊙ f′(x)"

    def forward(self, x, **params):
        return self.f(x, **params)

    def backward(self, dy):
        return (dy * self.df(self.arrays[0], self.outputs[0], **self.params),)

    def f(self, x, **params):
        raise NotImplementedError

    def df(self, x, y, **params):
        raise NotImplementedError


class Flat(Unary):
    """A piecewise-constant function: its gradient is zero wherever it exists (PyTorch passes zero)."""

    grad_formula = "dx = 0"

    def df(self, x, y):
        return np.zeros_like(x)


class Abs(Unary):
    name, formula, grad_formula = "abs", "y = |x|", "dx = dy ⊙ sign(x)"

    def f(self, x):
        return np.abs(x)

    def df(self, x, y):
        return np.sign(x)


class Sign(Flat):
    name, formula = "sign", "y = sign(x)"

    def f(self, x):
        return np.sign(x)


class Floor(Flat):
    name, formula = "floor", "y = ⌊x⌋"

    def f(self, x):
        return np.floor(x)


class Ceil(Flat):
    name, formula = "ceil", "y = ⌈x⌉"

    def f(self, x):
        return np.ceil(x)


class Round(Flat):
    name, formula = "round", N_("y = x rounded (halves to even)")

    def f(self, x, decimals):
        return np.round(x, decimals)

    def df(self, x, y, decimals):
        return np.zeros_like(x)


class Sqrt(Unary):
    name, formula, grad_formula = "sqrt", "y = √x", "dx = dy / (2y)"

    def f(self, x):
        return np.sqrt(x)

    def df(self, x, y):
        return 0.5 / y


class Rsqrt(Unary):
    name, formula, grad_formula = "rsqrt", "y = 1/√x", "dx = −dy ⊙ y³ / 2"

    def f(self, x):
        return 1.0 / np.sqrt(x)

    def df(self, x, y):
        return -0.5 * y**3


class Sin(Unary):
    name, formula, grad_formula = "sin", "y = sin x", "dx = dy ⊙ cos x"

    def f(self, x):
        return np.sin(x)

    def df(self, x, y):
        return np.cos(x)


class Cos(Unary):
    name, formula, grad_formula = "cos", "y = cos x", "dx = −dy ⊙ sin x"

    def f(self, x):
        return np.cos(x)

    def df(self, x, y):
        return -np.sin(x)


class Log2(Unary):
    name, formula, grad_formula = "log2", "y = log₂ x", "dx = dy / (x ln 2)"

    def f(self, x):
        return np.log2(x)

    def df(self, x, y):
        return 1.0 / (x * math.log(2.0))


class Log10(Unary):
    name, formula, grad_formula = "log10", "y = log₁₀ x", "dx = dy / (x ln 10)"

    def f(self, x):
        return np.log10(x)

    def df(self, x, y):
        return 1.0 / (x * math.log(10.0))


class Exp2(Unary):
    name, formula, grad_formula = "exp2", "y = 2ˣ", "dx = dy ⊙ y ln 2"

    def f(self, x):
        return np.exp2(x)

    def df(self, x, y):
        return y * math.log(2.0)


class Erf(Unary):
    name, formula, grad_formula = "erf", "y = erf x = (2/√π) ∫₀ˣ e^(−t²) dt", "dx = dy ⊙ (2/√π) e^(−x²)"

    def f(self, x):
        return erf(x)

    def df(self, x, y):
        return 2.0 / math.sqrt(math.pi) * np.exp(-x * x)


class Clamp(Unary):
    """Bounds that are numbers (either may be None); tensor bounds go through maximum/minimum."""

    name, formula, grad_formula = "clamp", "y = min(max(x, lo), hi)", N_("dx = dy where lo ≤ x ≤ hi, else 0")

    def f(self, x, min, max):
        return np.clip(x, min, max)

    def df(self, x, y, min, max):
        inside = np.ones(np.shape(x), dtype=bool)
        if min is not None:
            inside &= x >= min
        if max is not None:
            inside &= x <= max
        return inside.astype(np.float64)


class Maximum(Op):
    name, formula, grad_formula = "maximum", "y = max(a, b)", N_("da = dy where a > b (half where a = b), db the rest")
    inputs_are, outputs_are = (N_("input a"), N_("other b")), (N_("maximum y"),)

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, dy):
        a, b = self.arrays
        share = np.where(a == b, 0.5, (a > b).astype(np.float64))
        return unbroadcast(dy * share, np.shape(a)), unbroadcast(dy * (1.0 - share), np.shape(b))


class Minimum(Op):
    name, formula, grad_formula = "minimum", "y = min(a, b)", N_("da = dy where a < b (half where a = b), db the rest")
    inputs_are, outputs_are = (N_("input a"), N_("other b")), (N_("minimum y"),)

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, dy):
        a, b = self.arrays
        share = np.where(a == b, 0.5, (a < b).astype(np.float64))
        return unbroadcast(dy * share, np.shape(a)), unbroadcast(dy * (1.0 - share), np.shape(b))


class Where(Op):
    name, formula, grad_formula = "where", N_("y = a where c else b"), N_("da = dy where c, db = dy where not c")
    inputs_are, outputs_are = (N_("chosen where true a"), N_("chosen where false b")), (N_("merged y"),)

    def forward(self, a, b, condition):
        return np.where(condition, a, b)

    def backward(self, dy):
        a, b = self.arrays
        c = self.params["condition"]
        return unbroadcast(np.where(c, dy, 0.0), np.shape(a)), unbroadcast(np.where(c, 0.0, dy), np.shape(b))


class MaskedFill(Op):
    name, formula, grad_formula = "masked_fill", N_("y = v where mask else x"), N_("dx = dy where not mask")

    def forward(self, x, mask, value):
        return np.where(mask, value, x)

    def backward(self, dy):
        return (unbroadcast(np.where(self.params["mask"], 0.0, dy), self.arrays[0].shape),)


class Remainder(Op):
    """PyTorch's `%` (`remainder`): the result takes the divisor's sign, like Python's."""

    name, formula, grad_formula = "remainder", "y = a − b·⌊a/b⌋", "da = dy, db = −dy ⊙ ⌊a/b⌋"
    inputs_are, outputs_are = (N_("dividend a"), N_("divisor b")), (N_("remainder y"),)

    def forward(self, a, b):
        return np.mod(a, b)

    def backward(self, dy):
        a, b = self.arrays
        return unbroadcast(dy, np.shape(a)), unbroadcast(-dy * np.floor(a / b), np.shape(b))


class PowTensor(Op):
    """A power whose exponent is a tensor (or whose base is): both get gradients. Where the base is 0 and the
    exponent is not negative the exponent's gradient is 0, as PyTorch has it (aᵇ·ln a would be 0·−∞)."""

    name, formula, grad_formula = "pow", "y = aᵇ", N_("da = dy ⊙ b·aᵇ⁻¹ (0 where b = 0), db = dy ⊙ aᵇ ln a")
    inputs_are, outputs_are = (N_("base a"), N_("exponent b")), (N_("power y"),)

    def forward(self, a, b):
        return np.power(a, b)

    def backward(self, dy):
        a, b = self.arrays
        y = self.outputs[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            da = np.where(b == 0, 0.0, b * np.power(a, b - 1.0))
            db = np.where((a == 0) & (b >= 0), 0.0, y * np.log(a))
        return unbroadcast(dy * da, np.shape(a)), unbroadcast(dy * db, np.shape(b))
