"""A vanilla RNN unrolled in time: h_t = tanh(W·x_t + U·h_{t−1} + b), stepped forward one time step
and back (BPTT) one time step at a time, with the gradient norm per step.

The task is to output, after the last step, the first input (±1) of a random sequence, so the
useful gradient is the one that reaches step 1. Going back one step multiplies the gradient by
Uᵀ·diag(1 − h_t²); U is a random rotation times the *recurrent scale* ρ, so every step scales it
by at most ρ: below 1 it vanishes geometrically, well above 1 it can explode (most plainly with
ReLU, which does not saturate). Clipping the gradient's norm before the update is the standard
fix for explosions; nothing so simple fixes vanishing (that is what the LSTM is for).

Every number shown comes from the engine: a pass stepped through is recorded on a tape, and the
lab is a `Stepper` cursor over it that stops at each time step's cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language, ngettext

from ..engine import Stepper, Tensor, functional as F, manual_seed, nn, recording
from .base import Action, Control, Divergence, GeneratedQuestion, Lab, Status, factor, num

BATCH = 16
RUN_UPDATES = 10  # per `n` (and per call of the free run, which polls `interrupted` between them)


@dataclass(frozen=True)
class RNNSnapshot:
    seq_len: int
    phase: str  # "ready", "forward", "loss", "backward" or "summed" (all gradients in W, U, b)
    t: int  # the time step the cursor is on (1-based; 0 when none)
    forward_done: int  # h_1 … h_forward_done are computed (all of them when not stepping)
    backward_done: int  # dL/dh_t is known for the last backward_done steps
    inputs: np.ndarray  # (T,) x_t of the sequence shown (sample 1 of the batch)
    target: float
    h: np.ndarray  # (T, H) hidden states of that sequence
    dh: np.ndarray  # (T, H) dL/dh_t of that sequence
    grad_norm: np.ndarray  # (T,) ‖dL/dh_t‖ over the whole batch
    h_so_far: np.ndarray  # h as far as the stepped pass has got: NaN where it has not computed h_t yet
    dh_so_far: np.ndarray  # dh likewise, NaN where BPTT has not reached dL/dh_t yet
    log_norm_so_far: np.ndarray  # (T,) log₁₀ ‖dL/dh_t‖, NaN where BPTT has not reached it
    dW_steps: np.ndarray  # (T, H, 1) each step's share of dL/dW
    dU_steps: np.ndarray  # (T, H, H) each step's share of dL/dU
    W: np.ndarray  # (H, 1): the same at every step
    U: np.ndarray  # (H, H)
    b: np.ndarray  # (H,)
    loss: float
    formula: str
    grad_formula: str
    updates: int
    losses: tuple[float, ...]  # per update
    norms: tuple[float, ...]  # total gradient norm per update, before clipping
    diverged: bool  # the loss broke the divergence rule (labs/base.py) or the gradient overflowed: training stopped
    status: Status


class RNNLab(Lab):
    controls = (
        Control("seq_len", N_("Sequence length T"), "int", 10, 2, 30, 1),
        Control("hidden", N_("Hidden size"), "int", 4, 1, 8, 1),
        Control("scale", N_("Recurrent scale ρ"), "float", 1.0, 0.1, 3.0, 0.1,
                help=N_("U = ρ·(random rotation): each step back scales the gradient by at most ρ")),
        Control("activation", N_("Activation"), "choice", "tanh", choices=("tanh", "relu")),
        Control("clip", N_("Clip grad norm"), "float", 0.0, 0.0, 10.0, 0.5, help=N_("0 = off")),
        Control("lr", N_("Learning rate"), "float", 0.05, 0.001, 1.0, 0.01, help=N_("Plain SGD")),
        Control("max_updates", N_("Updates"), "int", 300, 1, 5000, 10, help=N_("Free-running stops here")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1),
    )
    actions = (Action("step", "s", N_("Time step")),
               Action("epoch", "e", N_("Update")),
               Action("train", "n", N_("10 updates")))  # RUN_UPDATES: change the number here too
    run_action = "train"

    def build(self) -> None:
        p = self.params
        manual_seed(p["seed"])
        h = p["hidden"]
        rng = np.random.default_rng(p["seed"])
        rotation, _unused = np.linalg.qr(rng.standard_normal((h, h)))
        self.W = nn.Parameter(rng.uniform(-1, 1, (h, 1)), name="W")
        self.U = nn.Parameter(p["scale"] * rotation, name="U")
        self.b = nn.Parameter(np.zeros(h), name="b")
        self.head = nn.Linear(h, 1)
        self.parameters = [self.W, self.U, self.b, *self.head.parameters()]
        self.rng = rng
        self.losses: list[float] = []
        self.norms: list[float] = []
        self.begin_pass()

    def begin_pass(self) -> None:
        """Draw a fresh batch and run forward and backward on it, without a tape: free-running
        never records. Stepping records the same pass when the learner first asks for it."""
        self.x = self.rng.choice((-1.0, 1.0), (self.params["seq_len"], BATCH, 1))
        self.stepper: Stepper | None = None
        self.forward_backward()

    def forward_backward(self) -> None:
        zero = Tensor(np.zeros(self.b.shape))  # b_hh: this lab's single bias is b
        for p in self.parameters:
            p.grad = None
        with np.errstate(all="ignore"):  # a diverging run overflows: a state, not a warning
            h = Tensor(np.zeros((BATCH, self.params["hidden"])))
            for x_t in self.x:
                h = F.rnn_cell(Tensor(x_t), h, self.W, self.U, self.b, zero, nonlinearity=self.params["activation"])
            self.loss = F.mse_loss(self.head(h), self.x[0])
            self.loss.backward()
        cells, node = [], h.node
        while node is not None:  # the graph links each cell to the one before through its input h
            cells.append(node)
            node = node.inputs[1].node
        self.cells = cells[::-1]

    def record(self) -> None:
        """Run this pass again on a tape (same batch, same weights, so the same numbers) and put
        a stepper on it that stops at every time step's cell and at the loss."""
        with recording() as tape:
            self.forward_backward()
        self.stepper = Stepper(tape)
        self.stepper.break_on(op="rnn_cell", phase="forward")
        self.stepper.break_on(op="mse_loss", phase="forward")
        self.stepper.break_on(op="rnn_cell", phase="backward")

    @property
    def finished(self) -> bool:
        return self.diverged or len(self.losses) >= self.params["max_updates"]

    def step(self) -> None:
        """Move to the next time step's cell (forward, then the loss, then backward), then to the
        gradients summed, then apply the update and record the next pass."""
        if self.finished:
            return
        if self.stepper is None:
            self.record()
        if self.stepper.at_end:
            self.update()
        else:
            self.stepper.run()

    def epoch(self) -> None:
        if not self.finished:
            self.update()

    def train(self) -> None:
        for _unused in range(RUN_UPDATES):
            if self.interrupted():
                return
            self.epoch()

    def update(self) -> None:
        self.losses.append(self.loss.item())
        with np.errstate(all="ignore"):
            self.norms.append(nn.utils.clip_grad_norm_(self.parameters, self.params["clip"] or math.inf))
        if not math.isfinite(self.norms[-1]) and math.isfinite(self.losses[-1]):
            self.divergence = Divergence(len(self.losses), self.norms[-1], what=N_("gradient norm"))
        if self.watch(self.losses[-1], len(self.losses)):
            return
        for p in self.parameters:
            p.data = p.data - self.params["lr"] * p.grad
        self.begin_pass()

    def position(self) -> tuple[str, int, int, int]:
        """(phase, t, forward_done, backward_done) at the stepper's cursor."""
        if self.stepper is None:  # not stepped into: the whole pass is there to show
            return "ready", 0, len(self.cells), len(self.cells)
        view = self.stepper.view()
        step, count = view.step, len(self.cells)
        forward_done = min(view.forward_done, count)
        backward_done = sum(node.index in view.backward_done for node in self.cells)
        if step is None:
            return "ready", 0, 0, 0
        if self.stepper.at_end:
            return "summed", 0, count, count
        if step.node.name == "mse_loss":
            return "loss", count, count, 0
        return step.phase, self.cells.index(step.node) + 1, forward_done, backward_done

    def status(self, phase: str, t: int) -> Status:
        if self.diverged:
            return self.divergence.status(_("Lower ρ or the learning rate.") if self.params["clip"] else
                                          _("Lower ρ or the learning rate, or turn on clipping."))
        norms = [float(np.linalg.norm(node.grad_out)) for node in self.cells]
        ratio = norms[0] / norms[-1] if norms[-1] > 0 else math.nan
        trend = f"‖dL/dh_1‖ / ‖dL/dh_T‖ = {ratio:.2g}"
        if len(self.losses) >= self.params["max_updates"]:
            count = len(self.losses)
            return Status("info", ngettext("{count} update, last loss {loss}; {trend}.",
                                           "{count} updates, last loss {loss}; {trend}.", count).format(
                count=count, loss=f"{self.losses[-1]:.3g}", trend=trend))
        keys = dict(step="{step}", epoch="{epoch}", run="{run}")  # the lesson screen names the keys
        if phase == "ready":
            text = _("This pass: {trend}. Press {step} to step through it, {epoch} to update, {run} to train.").format(
                trend=trend, **keys)
        elif phase == "forward":
            text = _("Forward: {formula}, the same W, U, b as every step.").format(
                formula=f"h_{t} = {self.params['activation']}(W·x_{t} + U·h_{t - 1} + b)")
        elif phase == "loss":
            text = _("Loss {loss}: the mean of (ŷ − x_1)² over the batch. Next: back in time.").format(
                loss=f"{self.loss.item():.4g}")
        elif phase == "backward":
            text = _("BPTT: {gradient} has norm {norm}; {trend} over the whole sequence.").format(
                gradient=f"dL/dh_{t}", norm=f"{norms[t - 1]:.3g}", trend=trend)
        else:
            text = _("Every step's share is summed into dW, dU, db (one set of weights). Press {step} to update.")
        return Status("info", text)

    def snapshot(self) -> RNNSnapshot:
        phase, t, forward_done, backward_done = self.position()
        cells = self.cells
        h, dh = np.stack([node.outputs[0][0] for node in cells]), np.stack([node.grad_out[0] for node in cells])
        grad_norm = np.array([np.linalg.norm(node.grad_out) for node in cells])
        steps = np.arange(len(cells))
        waiting, unreached = steps >= forward_done, steps < len(cells) - backward_done
        return RNNSnapshot(
            seq_len=len(cells), phase=phase, t=t, forward_done=forward_done, backward_done=backward_done,
            inputs=self.x[:, 0, 0].copy(), target=float(self.x[0, 0, 0]), h=h, dh=dh, grad_norm=grad_norm,
            h_so_far=np.where(waiting[:, None], np.nan, h), dh_so_far=np.where(unreached[:, None], np.nan, dh),
            log_norm_so_far=np.where(unreached, np.nan, np.log10(np.maximum(grad_norm, 1e-300))),
            dW_steps=np.stack([node.grads_in[2] for node in cells]),
            dU_steps=np.stack([node.grads_in[3] for node in cells]),
            W=cells[0].arrays[2].copy(), U=cells[0].arrays[3].copy(), b=cells[0].arrays[4].copy(),
            loss=self.loss.item(), formula=cells[0].formula, grad_formula=cells[0].grad_formula,
            updates=len(self.losses), losses=tuple(self.losses), norms=tuple(self.norms), diverged=self.diverged,
            status=self.status(phase, t),
        )


NEXT_PROMPT = N_("An RNN with one hidden unit: h_t = tanh(w·x_t + u·h_(t−1) + b) with w = {w}, u = {u}, b = {b}. "
                 "The previous state is h_(t−1) = {h} and the input is x_t = {x}. What is h_t? (3 decimals)")
BPTT_PROMPT = N_("An RNN with one hidden unit and recurrent weight u = {u}: h_t = tanh(w·x_t + u·h_(t−1) + b). "
                 "At step t, h_t = {ht} and the gradient arriving there is dL/dh_t = {g}. "
                 "What gradient does BPTT pass back to h_(t−1)? (3 decimals)")


def _scalar_cell(w: float, u: float, b: float, x: float, h: float) -> tuple[Tensor, Tensor]:
    h_prev = Tensor([[h]], requires_grad=True)
    h_new = F.rnn_cell(Tensor([[x]]), h_prev, Tensor([[w]]), Tensor([[u]]), Tensor([b]))
    return h_prev, h_new


def next_hidden_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """w, u, b, h_(t−1), x_t: the next hidden state, by the engine's rnn_cell.

    The draw is redrawn whole until the pre-activation a has 0.1 ≤ |a| ≤ 2.5: h_t is then neither 0 nor saturated
    at ±1 (|h_t| ≤ 0.987), so no guess passes and the tanh has to be worked out."""
    weights, states, inputs = (-1.0, -0.5, 0.5, 1.0, 2.0), (-0.5, 0.0, 0.5, 0.8), (-1.0, 1.0, 2.0)
    while True:
        w, u, b = (weights[i] for i in rng.integers(len(weights), size=3))
        h, x = states[rng.integers(len(states))], inputs[rng.integers(len(inputs))]
        a = w * x + u * h + b
        if 0.1 <= abs(a) <= 2.5:
            break
    h_new = _scalar_cell(w, u, b, x, h)[1].item()
    worked = (f"a = w·x + u·h + b = {factor(w)}·{factor(x)} + {factor(u)}·{factor(h)} + {factor(b)} = {num(a)}\n"
              f"h_t = tanh({num(a)}) = {h_new:.4f}")
    prompt = in_language(lang, NEXT_PROMPT).format(w=num(w), u=num(u), b=num(b), h=num(h), x=num(x))
    return GeneratedQuestion(prompt, round(h_new, 3), worked, tolerance=0.0015)


def bptt_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """h_t, dL/dh_t and u: the gradient one step back, dL/dh_(t−1) = dL/dh_t·(1 − h_t²)·u, by the
    engine's backward through rnn_cell (h_t is chosen so that it shows exactly)."""
    ht = float(rng.choice((-0.8, -0.5, 0.0, 0.3, 0.6, 0.9)))
    u = float(rng.choice((-1.5, -0.5, 0.5, 1.2, 2.0)))
    g = float(rng.choice((-2.0, -1.0, 0.5, 1.0, 3.0)))
    h_prev, h_new = _scalar_cell(0.0, u, float(np.arctanh(ht)), 0.0, 0.0)  # h_(t−1) = 0: h_t = tanh(b)
    h_new.backward(np.array([[g]]))
    answer = float(h_prev.grad[0, 0])
    worked = (f"dL/dh_(t−1) = dL/dh_t · (1 − h_t²) · u = {factor(g)}·(1 − {factor(ht)}²)·{factor(u)}\n"
              f"= {factor(g)}·{num(round(1 - ht * ht, 10))}·{factor(u)} = {answer:.4f}")
    prompt = in_language(lang, BPTT_PROMPT).format(u=num(u), ht=num(ht), g=num(g))
    return GeneratedQuestion(prompt, round(answer, 3), worked, tolerance=0.0015)
