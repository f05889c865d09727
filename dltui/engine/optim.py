"""Optimizers with PyTorch's update rules (same defaults, same order of operations).

Hyperparameters live in `param_groups` and are read at every step, so a lab can change the
learning rate while training. `state[p]` is a dict of NumPy arrays per parameter (momentum
buffer, accumulators, moments) for the UI to show.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .kernels import active
from .tensor import Tensor


class Optimizer:
    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        params = list(params)
        groups = params if params and isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups = [{**defaults, **g, "params": list(g["params"])} for g in groups]
        self.state: dict[Tensor, dict[str, Any]] = {}

    @property
    def lr(self) -> float:
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        states, stepped = self.state, self.stepped
        for group in self.param_groups:
            decay = group["weight_decay"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if decay:
                    grad = grad + decay * p.data
                state = states.get(p)
                if state is None:
                    state = states[p] = {"step": 0}
                state["step"] += 1
                p.data = stepped(p.data, grad, state, group)

    def stepped(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> np.ndarray:
        """The parameter after this step, a new array (the tape keeps the old one); updates `state` in place."""
        return param - self.update(grad, state, group)

    def update(self, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> np.ndarray:
        """The amount to subtract from the parameter; updates `state` in place."""
        raise NotImplementedError


class SGD(Optimizer):
    """v ← μv + (1 − dampening)g (v = g on the first step); p ← p − lr·(g + μv if nesterov else v)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False) -> None:
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def stepped(self, param, grad, state, group):
        """Plain SGD is two array operations; with momentum, one kernel call (`sgd_momentum_step`)."""
        mu = group["momentum"]
        if not mu:
            return param - group["lr"] * grad
        param, state["momentum_buffer"] = active().sgd_momentum_step(
            param, grad, state.get("momentum_buffer"), group["lr"], mu, group["dampening"], group["nesterov"])
        return param


class Adagrad(Optimizer):
    """sum ← sum + g²; p ← p − lr/(1 + (t−1)·lr_decay) · g/(√sum + ε)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def update(self, grad, state, group):
        if "sum" not in state:
            state["sum"] = np.full_like(grad, group["initial_accumulator_value"])
        state["sum"] = state["sum"] + grad * grad
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        return lr * grad / (np.sqrt(state["sum"]) + group["eps"])


class RMSprop(Optimizer):
    """s ← αs + (1 − α)g²; p ← p − lr·g/(√s + ε) (centered: s − ḡ²; momentum: on g/(√s + ε))."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def update(self, grad, state, group):
        alpha = group["alpha"]
        state["square_avg"] = alpha * state.get("square_avg", 0.0) + (1 - alpha) * grad * grad
        avg = state["square_avg"]
        if group["centered"]:
            state["grad_avg"] = alpha * state.get("grad_avg", 0.0) + (1 - alpha) * grad
            avg = avg - state["grad_avg"] ** 2
        step = grad / (np.sqrt(avg) + group["eps"])
        if group["momentum"]:
            state["momentum_buffer"] = group["momentum"] * state.get("momentum_buffer", 0.0) + step
            step = state["momentum_buffer"]
        return group["lr"] * step


class Adadelta(Optimizer):
    """s ← ρs + (1 − ρ)g²; Δ = √(u + ε)/√(s + ε)·g; u ← ρu + (1 − ρ)Δ²; p ← p − lr·Δ."""

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def update(self, grad, state, group):
        rho, eps = group["rho"], group["eps"]
        state["square_avg"] = rho * state.get("square_avg", 0.0) + (1 - rho) * grad * grad
        delta = np.sqrt(state.get("acc_delta", 0.0) + eps) / np.sqrt(state["square_avg"] + eps) * grad
        state["acc_delta"] = rho * state.get("acc_delta", 0.0) + (1 - rho) * delta * delta
        return group["lr"] * delta


class Adam(Optimizer):
    """m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − lr/(1 − β₁ᵗ) · m/(√v/√(1 − β₂ᵗ) + ε)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    def stepped(self, param, grad, state, group):
        """One kernel call (`adam_step`: the formulas above in one pass, where NumPy made eleven)."""
        (beta1, beta2), amsgrad = group["betas"], group["amsgrad"]
        param, state["exp_avg"], state["exp_avg_sq"], most = active().adam_step(
            param, grad, state.get("exp_avg"), state.get("exp_avg_sq"), state.get("max_exp_avg_sq"), beta1, beta2,
            group["lr"], group["eps"], state["step"], amsgrad)
        if amsgrad:
            state["max_exp_avg_sq"] = most
        return param
