"""The backprop debugger on the XOR net: what each key costs, and what free-running training costs.

    python bench/debugger.py

Per key: `n`/`p` (step, step back, then inspect the node the way the view does), `G` (run to the
end), `c` (continue to a breakpoint), `u` (apply the update and record the next pass, which
includes the finite-difference check of every parameter). The bar is 50 ms per key. Training: one
update of the fused NumPy loop the lab runs against the same update through the engine (tape,
backward, SGD), the reference. A script, not a test.
"""

from __future__ import annotations

import time

import numpy as np

from dltui.engine import Tensor, optim
from dltui.engine.nn import Parameter
from dltui.labs.mlp import PARAM_NAMES, MLPLab, engine_loss


def per_call(fn, repeat: int) -> float:
    """Median seconds of one call over `repeat` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def keys(hidden: int, mode: str) -> dict[str, float]:
    lab = MLPLab(hidden=hidden, mode=mode)
    trace = lab.trace()
    s = trace.stepper

    def next_op():
        if s.at_end:
            s.rewind()
        s.inspect(s.step().node)
        s.view()

    def previous_op():
        if s.position <= 0:
            s.seek(len(s.steps) - 1)
        s.inspect(s.step_back().node)
        s.view()

    def run_to_end():
        s.rewind()
        s.run()
        s.inspect(s.current.node)

    def continue_to_breakpoint():
        s.rewind()
        s.breakpoints[:] = []
        s.break_on(op="sigmoid", phase="backward")
        s.inspect(s.run().node)

    def update():
        lab.apply_update(lab.trace())

    return {"n next op": per_call(next_op, 500), "p previous op": per_call(previous_op, 500),
            "G run to end": per_call(run_to_end, 200), "c continue": per_call(continue_to_breakpoint, 200),
            "u update + next pass": per_call(update, 50), "d open (record + gradcheck)": per_call(lab.trace, 50)}


def training(hidden: int) -> tuple[float, float]:
    """Seconds per per-sample update: the lab's fused loop, then the engine (the reference)."""
    lab = MLPLab(hidden=hidden, epochs=20000)
    fused = per_call(lab.run.update, 2000)
    run = lab.run
    params = [Parameter(a[0].copy(), name=n) for a, n in zip(run.nets.arrays, PARAM_NAMES)]
    sgd = optim.SGD(params, lr=2.0)
    k = iter(range(10**9))

    def engine_update():
        i = next(k) % 4
        sgd.zero_grad()
        engine_loss(Tensor(run.x[i:i + 1]), params, run.y[i:i + 1], "sigmoid", "mse").backward()
        sgd.step()

    return fused, per_call(engine_update, 2000)


def main() -> None:
    for hidden in (2, 4):
        for mode in ("per-sample", "batch"):
            print(f"2-{hidden}-1 net, {mode}: ms per debugger key (bar: 50 ms)")
            for name, seconds in keys(hidden, mode).items():
                print(f"  {name:30s} {seconds * 1e3:8.3f} ms   {seconds / 0.05:7.4f} of the bar")
    for hidden in (2, 4):
        fused, reference = training(hidden)
        print(f"2-{hidden}-1 training, one per-sample update: fused NumPy {fused * 1e6:.0f} µs, "
              f"engine {reference * 1e6:.0f} µs (ratio {fused / reference:.2f})")


if __name__ == "__main__":
    main()
