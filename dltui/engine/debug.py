"""Debug your own model: the backprop debugger on the tape of any loss, not only a lab's.

    from dltui.engine import debug
    debug(loss)                 # opens the debugger in this terminal; returns when you quit

`dltui debug script.py` runs a script with a `Recorder` as the active tape and opens the debugger on
the loss of its last `backward()` (`--step N`: the Nth; `breakpoint(loss)` in the script: that one).
The recorder keeps no node: it names each op's module and remembers the one loss it may open, whose
graph is the record (the nodes hold their inputs, outputs and saved values). `trace_of(loss)` lays
that graph out as a tape in call order and runs its backward pass again on it (so every gradient
event is on the tape, with the learner's `.grad` left as it was), then checks each parameter
against central differences of the same graph replayed forward.
"""

from __future__ import annotations

import os
import runpy
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dltui.i18n import _, ngettext

from .gradcheck import EPS, relative_error
from .stepper import Stepper
from .tape import Tape, backward, mode, no_grad
from .arrays import on_gpu
from .tensor import Tensor

MAX_CHECKED = 8  # elements of each parameter checked by finite differences: every one of a small parameter


@dataclass(frozen=True)
class ParamGrad:
    """One leaf that needs a gradient: the tape's gradient beside central differences at `checked` elements
    (all of them up to MAX_CHECKED, else the largest gradients and a spread of others); `numeric` is NaN
    elsewhere."""

    name: str
    value: np.ndarray
    analytic: np.ndarray
    numeric: np.ndarray
    rel_error: float
    checked: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class TapeTrace:
    """What the debugger opens on: a stepper over the loss's tape, the loss, the parameter check, and where the
    loss came from (`source`, e.g. "cnn.py · backward 5 of 5")."""

    stepper: Stepper
    loss: float
    params: tuple[ParamGrad, ...]
    source: str


# ---------------------------------------------------------------------------- a loss's graph as a tape
def graph_nodes(loss: Tensor) -> list[Any]:
    """Every node `loss` depends on, in the order they ran."""
    found, todo = {}, [loss.node]
    while todo:
        node = todo.pop()
        if node is None or id(node) in found:
            continue
        found[id(node)] = node
        todo.extend(t.node for t in node.inputs)
    return sorted(found.values(), key=lambda node: node.seq)


def leaves(nodes: list[Any]) -> list[Tensor]:
    """The tensors that need a gradient and were made by no op (parameters), in order of first use."""
    seen: dict[int, Tensor] = {}
    for node in nodes:
        for t in node.inputs:
            if t.node is None and t.requires_grad:
                seen.setdefault(id(t), t)
    return list(seen.values())


def replay(nodes: list[Any], loss: Tensor, changed: dict[int, np.ndarray]) -> float:
    """The loss recomputed by running each node's forward again in order, with the leaves in `changed` (by id)
    given other values: the whole graph as a function of one parameter, for finite differences."""
    outputs: dict[int, tuple] = {}
    for node in nodes:
        arrays = [changed.get(id(t), a) if t.node is None else outputs[id(t.node)][t.slot]
                  for t, a in zip(node.inputs, node.arrays)]
        out = node.rerun(*arrays)
        outputs[id(node)] = out if isinstance(out, tuple) else (out,)
    return float(np.sum(outputs[id(loss.node)][loss.slot]))


def checked_elements(grad: np.ndarray, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """Every element of a small parameter; of a larger one the 3 largest gradients and others drawn at random."""
    if grad.size <= MAX_CHECKED:
        return list(np.ndindex(grad.shape))
    flat = np.argsort(-np.abs(grad).reshape(-1), kind="stable")
    chosen = list(flat[:3]) + sorted(rng.choice(flat[3:], MAX_CHECKED - 3, replace=False))
    return [tuple(int(i) for i in np.unravel_index(k, grad.shape)) for k in chosen]


def check_params(nodes: list[Any], loss: Tensor, params: list[Tensor], grads: list[np.ndarray],
                 names: list[str]) -> tuple[ParamGrad, ...]:
    rng = np.random.default_rng(0)
    arrays = {id(t): next(a for node in nodes for u, a in zip(node.inputs, node.arrays) if u is t) for t in params}
    found = []
    for t, grad, name in zip(params, grads, names):
        value = np.array(arrays[id(t)], dtype=np.float64)
        numeric = np.full(value.shape, np.nan)
        where = checked_elements(grad, rng)
        for index in where:
            nudged = value.copy()
            nudged[index] += EPS
            plus = replay(nodes, loss, {id(t): nudged})
            nudged[index] -= 2 * EPS
            minus = replay(nodes, loss, {id(t): nudged})
            numeric[index] = (plus - minus) / (2 * EPS)
        picked = tuple(zip(*where)) if value.ndim else ()
        error = relative_error(grad[picked] if value.ndim else grad, numeric[picked] if value.ndim else numeric)
        found.append(ParamGrad(name, value, grad, numeric, error, tuple(where)))
    return tuple(found)


def trace_of(loss: Tensor, source: str = "") -> TapeTrace:
    """The debugger's view of `loss`: its graph as a tape, a backward pass recorded on it, every parameter checked.
    The learner's `.grad` values are as they were before."""
    if not isinstance(loss, Tensor):
        raise TypeError(_("debug() takes the loss tensor, got {type}").format(type=type(loss).__name__))
    if loss.node is None:
        raise ValueError(_("this tensor was made by no op that needs a gradient: pass the loss computed from your "
                           "model (with parameters that require grad, outside no_grad)"))
    if loss.data.size != 1:
        raise ValueError(_("debug() needs a scalar loss, got shape {shape}").format(shape=loss.shape))
    nodes = graph_nodes(loss)
    if any(on_gpu(a) for node in nodes for a in node.arrays):
        raise ValueError(_("the debugger shows tensors on the CPU: run the model without .to('cuda') to debug it"))
    params = leaves(nodes)
    kept = [t.grad for t in params]
    tape = Tape()
    for node in nodes:
        tape.adopt(node)
    try:
        for t in params:
            t.grad = None
        with tape:  # the active tape: a recorder running the script does not count this pass as the script's
            backward([loss], [np.ones(loss.shape)])
        grads = [np.zeros(t.shape) if t.grad is None else t.grad for t in params]
    finally:
        for t, grad in zip(params, kept):
            t.grad = grad
    names = [t.name or _role_of(t, nodes) for t in params]
    names = [_("{name} of {node}").format(name=name, node=_first_use(t, nodes)) if names.count(name) > 1 else name
             for t, name in zip(params, names)]
    with no_grad():
        checks = check_params(nodes, loss, params, grads, names)
    return TapeTrace(Stepper(tape), loss.item(), checks, source)


def _role_of(t: Tensor, nodes: list[Any]) -> str:
    """How the first op using an unnamed leaf calls it ("weight W of #0 linear"), in the interface's language."""
    node = next(node for node in nodes if any(u is t for u in node.inputs))
    role = node.input_names(_)[next(k for k, u in enumerate(node.inputs) if u is t)]
    return _("{name} of {node}").format(name=role, node=_first_use(t, nodes))


def _first_use(t: Tensor, nodes: list[Any]) -> str:
    """The first node using `t`, shortly ("#0 linear"): what tells two leaves of one name apart."""
    node = next(node for node in nodes if any(u is t for u in node.inputs))
    return f"#{node.index} {node.name}"


def debug(loss: Tensor, source: str = "") -> None:
    """Open the backprop debugger on `loss`'s tape in this terminal; returns when you quit it (q)."""
    trace = trace_of(loss, source or "debug(loss)")
    from dltui.ui.screens.debugger import DebugApp  # the UI only when asked for: the engine stays headless

    DebugApp(trace).run()


# ---------------------------------------------------------------------------- `dltui debug script.py`
class Recorder(Tape):
    """The active tape while `dltui debug` runs a script: names every op's module, keeps no node, and holds the one
    loss it may open (the last backward's, the `step`th, or the first one marked with `breakpoint`)."""

    def __init__(self, step: int | None = None) -> None:
        super().__init__()
        self.step = step
        self.backwards = 0
        self.loss: Tensor | None = None
        self.chosen = ""  # which backward `loss` is, in words
        self.marked = False
        self.models: list[Any] = []  # the outermost modules called: they name their parameters

    def enter(self, module: Any) -> None:
        if not self.modules and not any(module is m for m in self.models):
            self.models.append(module)
        super().enter(module)

    def adopt(self, node: Any) -> None:
        """Keep nothing: the kept loss's graph holds its nodes, and every other step's graph is freed."""

    def heard(self, roots: list[Tensor]) -> None:
        self.backwards += 1
        if self.marked or self.step not in (None, self.backwards) or len(roots) != 1 or roots[0].data.size != 1:
            return
        self.loss, self.chosen = roots[0], _("backward {number}").format(number=self.backwards)

    def mark(self, loss: Tensor) -> None:
        if not self.marked:
            self.loss, self.marked, self.chosen = loss, True, _("the loss marked with breakpoint()")


def breakpoint(loss: Tensor) -> Tensor:
    """Under `dltui debug`: open the debugger on this loss when the script ends (the first one marked wins); the
    script goes on. Elsewhere it does nothing. Returns `loss`."""
    if isinstance(mode.tape, Recorder):
        mode.tape.mark(loss)
    return loss


class ScriptFailed(Exception):
    """The script raised: `lines` is its traceback, from its own first frame (none of dltui's)."""

    def __init__(self, lines: str, code: int = 1) -> None:
        super().__init__(lines)
        self.lines, self.code = lines, code


class NoBackward(Exception):
    """The script ended without a loss the debugger can open (none, or a marked value that is no scalar loss); the
    message says why and what to do."""


def run_script(path: str, args: list[str], step: int | None = None) -> TapeTrace:
    """Run `path` as `python path args` would (as __main__, its folder first on sys.path) with a recorder on, and
    trace the loss chosen. Raises ScriptFailed (with the script's traceback) or NoBackward."""
    script = Path(path)
    if not script.is_file():
        raise NoBackward(_("no such script: {path}").format(path=path))
    recorder = Recorder(step)
    argv, sys_path = sys.argv, list(sys.path)
    sys.argv, sys.path[:0] = [str(script), *args], [str(script.resolve().parent)]
    try:
        with recorder:
            runpy.run_path(str(script), run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (None, 0):  # sys.exit(2) exits 2; sys.exit("why") says why and exits 1, as Python does
            raise ScriptFailed("" if isinstance(stop.code, int) else f"{stop.code}\n",
                               stop.code if isinstance(stop.code, int) else 1) from None
    except BaseException as error:  # the learner's error, told as Python would tell it
        raise ScriptFailed(script_traceback(error, script), 130 if isinstance(error, KeyboardInterrupt) else 1) from None
    finally:
        sys.argv, sys.path[:] = argv, sys_path
    if recorder.loss is None:
        raise NoBackward(nothing_to_open(recorder, script))
    name = script.name
    for model in recorder.models:  # parameters named by their path, as the optimizer's `model.parameters()` does
        list(model.named_parameters())
    count = recorder.backwards
    total = (_("{chosen} of {count}") if not recorder.marked
             else ngettext("{chosen} ({count} backward pass ran)", "{chosen} ({count} backward passes ran)", count))
    try:
        return trace_of(recorder.loss, f"{name} · {total.format(chosen=recorder.chosen, count=count)}")
    except (TypeError, ValueError) as refused:  # a marked value that is no scalar loss
        raise NoBackward(f"{name}: {recorder.chosen}: {refused}") from None


def nothing_to_open(recorder: Recorder, script: Path) -> str:
    if recorder.step is not None and recorder.backwards:
        return ngettext("{script} called backward() {count} time: there is no step {step} (use --step 1 to {count})",
                        "{script} called backward() {count} times: there is no step {step} (use --step 1 to {count})",
                        recorder.backwards).format(script=script.name, count=recorder.backwards, step=recorder.step)
    return _("{script} never called backward() on a loss, so there is no backward pass to step through.\n"
             "Compute a scalar loss from your model and call loss.backward() (or mark it with "
             "dltui.engine.breakpoint(loss)).").format(script=script.name)


def script_traceback(error: BaseException, script: Path) -> str:
    """The traceback from the script's own first frame on (runpy's and dltui's frames left out)."""
    tb, target = error.__traceback__, os.path.realpath(script)
    while tb is not None and os.path.realpath(tb.tb_frame.f_code.co_filename) != target:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))  # None for a SyntaxError: its line alone
