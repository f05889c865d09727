"""Engine speed: time per training step (forward + backward + optimizer) and JIT compile times.

    python bench/engine.py [--quick] [--model LeNet]

Every figure is measured in this run, at equal cores: both libraries at one thread, then both at all
cores (each at its best thread count), each library in a child process per thread count (dltui: its
own threads, BLAS at one but inside matmuls of 4M multiply-adds or more; PyTorch: its threads and BLAS).
The reference is PyTorch on the CPU in float64 when it is installed (it is never a dependency), else
dltui's own NumPy backend. For each
model all of its children take turns, a 0.1 s round each, and each keeps its best round
(`turn_times`). Ratios are dltui's time over the reference's: below 1.0 dltui is faster. The GPU has
its own table: bench/gpu.py. A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

import numpy as np

from dltui import engine
from dltui.engine import backend


def libraries():
    """The frameworks to time, as namespaces with the torch-shaped names the models use."""
    libs = {"dltui": SimpleNamespace(nn=engine.nn, F=engine.functional, optim=engine.optim,
                                     tensor=engine.Tensor, index=lambda a, device="cpu": np.asarray(a))}
    try:
        import torch
    except ImportError:
        return libs
    torch.set_default_dtype(torch.float64)
    libs["torch"] = SimpleNamespace(nn=torch.nn, F=torch.nn.functional, optim=torch.optim,
                                    tensor=lambda a: torch.as_tensor(a, dtype=torch.get_default_dtype()),
                                    index=lambda a, device="cpu": torch.as_tensor(a, dtype=torch.long, device=device),
                                    set_threads=torch.set_num_threads)
    return libs


# ------------------------------------------------------------------ models: step() closures per library


def xor_mlp(lib, rng, batch=None):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = lib.optim.SGD(model.parameters(), lr=0.5)
    x = lib.tensor(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]))
    y = lib.tensor(np.array([[0.0], [1.0], [1.0], [0.0]]))

    def step():
        opt.zero_grad()
        loss = lib.F.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        opt.step()

    return step


def fused_xor_step():
    """One full-batch step of the fused kernel the MLP lab trains with (`mlp_sgd`): the same 2-4-1
    net and loss (σ then BCE), forward + backward + SGD in one call per step, no tape."""
    from dltui.labs.mlp import Nets

    nets, table = Nets.init([0], 4), backend.active()
    x, y, training = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0.0, 1.0, 1.0, 0.0]), np.ones(1, bool)
    return lambda: table.mlp_sgd(*nets.arrays, x, y, 0.5, "tanh", "bce", True, 0, 1, training)


def lenet5(lib, rng, batch=64, device="cpu"):
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    ).to(device)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = lib.tensor(rng.standard_normal((batch, 1, 32, 32))).to(device)
    y = lib.index(rng.integers(0, 10, batch), device)

    def step():
        opt.zero_grad()
        lib.F.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def lstm(lib, rng, batch=16):
    nn = lib.nn
    rnn, head = nn.LSTM(16, 64), nn.Linear(64, 1)
    opt = lib.optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=1e-3)
    x = lib.tensor(rng.standard_normal((32, batch, 16)))  # (seq, batch, features)
    y = lib.tensor(rng.standard_normal((batch, 1)))

    def step():
        opt.zero_grad()
        out, _ = rnn(x)
        lib.F.mse_loss(head(out[-1]), y).backward()
        opt.step()

    return step


def transformer_block(lib, rng, batch=8):
    nn = lib.nn

    class Block(nn.Module):  # pre-norm: x + attn(ln(x)), then x + ffn(ln(x))
        def __init__(self, d=64, heads=4):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
            self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.ReLU(), nn.Linear(4 * d, d))

        def forward(self, x):
            h = self.ln1(x)
            x = x + self.attn(h, h, h)[0]
            return x + self.ff(self.ln2(x))

    block = Block()
    opt = lib.optim.Adam(block.parameters(), lr=1e-3)
    x = lib.tensor(rng.standard_normal((batch, 64, 64)))  # (batch, seq, d_model)
    y = lib.tensor(rng.standard_normal((batch, 64, 64)))

    def step():
        opt.zero_grad()
        lib.F.mse_loss(block(x), y).backward()
        opt.step()

    return step


MODELS = {
    "XOR MLP 2-4-1, batch 4": (xor_mlp, None),
    "LeNet-5, batch 64, 32x32": (lenet5, 64),
    "LSTM seq 32, batch 16, hidden 64": (lstm, 16),
    "Transformer block seq 64, d 64, 4 heads": (transformer_block, 8),
}


def time_step(step, budget_s: float) -> float:
    """Seconds per step, timeit-style: the best mean over rounds of >= 0.1 s, after two untimed
    steps (first-call costs, JIT included). The best round is the least disturbed by other load."""
    step()
    step()
    best, start = one_round(step), time.perf_counter()
    while time.perf_counter() - start < budget_s:
        best = min(best, one_round(step))
    return best


def one_round(step) -> float:
    """Seconds per step over one round of at least 3 steps and 0.1 s."""
    count, t = 0, time.perf_counter()
    while count < 3 or time.perf_counter() - t < 0.1:
        step()
        count += 1
    return (time.perf_counter() - t) / count


def make(build, lib, batch):
    rng = np.random.default_rng(0)
    return build(lib, rng) if batch is None else build(lib, rng, batch)


def jit_seconds() -> tuple[float, float]:
    """(cold, warm) seconds of `warmup()` in fresh processes: an empty numba cache, then a full one.
    Each includes importing numba (~0.5 s)."""
    code = "from dltui.engine.backend import warmup; print(warmup())"
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, DLTUI_BACKEND="numba")
        runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
                for _ in range(2)]
    cold, warm = (float(r.stdout.split()[-1]) for r in runs)
    return cold, warm


def print_header(title: str, configs: list, ref_name: str, width: int = 42) -> None:
    """The column heads of `print_row`'s table."""
    print(f"{title:{width}}" + "".join(f"{name + ' ms':>12}" for name in configs)
          + "   " + "  ".join(f"{name}/{ref_name}" for name in configs if name != ref_name))


def print_row(title: str, figures: dict, configs: list, ref_name: str, reference: float | None = None,
              width: int = 42) -> None:
    """Milliseconds per step for each config measured, then each one's ratio to the reference."""
    reference = figures[ref_name] if reference is None else reference
    cells = "".join(f"{figures[n] * 1e3:12.3f}" if n in figures else f"{'-':>12}" for n in configs)
    ratios = "  ".join(f"{figures[n] / reference:{len(n) + len(ref_name)}.{2 if figures[n] >= 0.1 * reference else 3}f}x"
                       if n in figures else f"{'-':>{len(n) + len(ref_name) + 1}}" for n in configs if n != ref_name)
    print(f"{title:{width}}{cells}   {ratios}")


#: each model's target on the 2-core machine (issue 22): the most dltui's time may be of the reference's
TARGETS = {xor_mlp: 0.25, lenet5: 1.0, lstm: 0.9, transformer_block: 0.8}
FUSED_TARGET = 1 / 80


def thread_counts() -> list[int]:
    """1, then powers of two up to every core: at "all cores" each library runs at its best of these."""
    cores = os.cpu_count() or 1
    return sorted({1, cores, *(2**k for k in range(1, cores.bit_length()) if 2**k < cores)})


#: seconds between one library's round and the other's: BLAS and OpenMP threads spin for a while
#: after their last task and would take the cores the next round runs on
SETTLE_S = 0.1


def child_environment(library: str, threads: int) -> dict[str, str]:
    """The environment variables of a child that runs `library` at `threads` threads (and dltui's backend).
    PyTorch: its OpenMP pool and BLAS. dltui: its own threads (`OMP_NUM_THREADS`, as PyTorch reads it) and
    BLAS at one thread, dltui's default, which the engine raises to its own count inside big matmuls only: a
    second OpenBLAS thread spins between the many small matmuls of a step and takes the core dltui's second
    thread would run on (LeNet at two threads was no faster)."""
    blas = "1" if library != "torch" else str(threads)
    return {"OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": blas, "MKL_NUM_THREADS": blas,
            "DLTUI_BACKEND": "numpy" if library == "numpy" else "numba"}


def turn_times(title: str, counts: list[int], budget: float, fused: bool, reference: str) -> dict:
    """{(library, threads): seconds per step} of `title` for dltui and the reference at each thread count, each
    in its own child process whose BLAS runs that many threads (read once, when NumPy loads; dltui sets one
    unless told). All of them take turns, a round each, until `budget` seconds apiece have passed, and each
    keeps its best round: this shared machine's speed drifts by up to 40 % over seconds, so figures taken one
    after the other compared different machines (and in one process, one library's spinning threads slowed
    the other's)."""
    configs = [(library, n) for n in counts for library in ("dltui", reference)]
    children = [subprocess.Popen([sys.executable, __file__, "--child", title, "--library", library,
                                  "--threads", str(n)] + (["--fused"] if fused and library == "dltui" else []),
                                 env=dict(os.environ, **child_environment(library, n)), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, bufsize=1)
                for library, n in configs]
    for child in children:
        child.stdout.readline()  # ready: built, and two untimed steps taken
    best, start = dict.fromkeys(configs, float("inf")), time.perf_counter()
    while float("inf") in best.values() or time.perf_counter() - start < len(configs) * budget:
        for config, child in zip(configs, children):
            time.sleep(SETTLE_S)
            child.stdin.write("round\n")
            best[config] = min(best[config], float(child.stdout.readline()))
    for child in children:
        child.stdin.close()
        child.wait()
    return best


def child(title: str, library: str, threads: int, fused: bool) -> None:
    """Build `library`'s step, take two untimed steps, say so, then time one round per line read."""
    build, batch = MODELS[title]
    libs = libraries()
    if library == "torch":
        libs["torch"].set_threads(threads)
    step = fused_xor_step() if fused else make(build, libs["dltui" if library == "numpy" else library], batch)
    step()
    step()
    print("ready", flush=True)
    for _ in sys.stdin:
        print(one_round(step), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing budget per figure")
    parser.add_argument("--model", default="", help="only the models whose title contains this (e.g. LeNet)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--library", help=argparse.SUPPRESS)
    parser.add_argument("--fused", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.library, args.threads, args.fused)
    budget = 0.5 if args.quick else 2.0
    libs = libraries()

    cold, warm = jit_seconds()
    print(f"numba JIT, all kernels: cold compile {cold:.2f} s, cached load {warm:.2f} s (numba import included)")
    counts = thread_counts()
    ref = "torch" if "torch" in libs else "numpy"
    if ref == "torch":
        import torch

        print(f"reference: PyTorch {torch.__version__} CPU float64", end="")
    else:
        print("reference: dltui's numpy backend (PyTorch is not installed)", end="")
    print(f"; {os.cpu_count()} CPU cores. 'all cores': each library at its best of {counts} threads.")
    print("ratio = dltui / reference (below 1: dltui faster); target = the most the ratio may be.\n")
    print(f"{'':42}{'--- 1 thread ---':^30}{'--- all cores ---':^30}")
    print(f"{'model':42}" + f"{'dltui ms':>10}{ref + ' ms':>10}{'ratio':>10}" * 2 + f"{'target':>9}")
    for title, (build, _) in MODELS.items():
        if args.model.lower() not in title.lower():
            continue
        rows = [(title, False, TARGETS[build])]
        if build is xor_mlp:
            rows.append((title, True, FUSED_TARGET))
        for _, fused, target in rows:
            cells, met = "", True
            times = turn_times(title, counts, budget, fused, ref)
            for setting in ([1], counts):
                mine, theirs = (min(times[library, n] for n in setting) for library in ("dltui", ref))
                cells += f"{mine * 1e3:10.3f}{theirs * 1e3:10.3f}{mine / theirs:9.3f}x"
                met &= mine / theirs <= target
            name = "  the same step, fused mlp_sgd kernel" if fused else title
            print(f"{name:42}{cells}{target:8.3f}x {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
