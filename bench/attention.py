"""The tiny transformer: training-step time against PyTorch, and how fast and how well it learns.

    python bench/attention.py [--quick]

Every figure is measured in this run. Step times compare the same post-norm encoder (embedding,
sinusoidal positions, self-attention, add & norm, feed-forward, add & norm, a digit classifier,
cross-entropy, Adam) built from dltui and from PyTorch on the CPU in float64; without PyTorch
the reference is dltui's NumPy backend. Then the lab itself trains to its target with several
seeds. A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from dltui.engine import backend
from dltui.labs.multihead import sinusoidal_encoding
from dltui.labs.transformer import EPOCH_STEPS, TransformerLab
from engine import libraries, time_step  # bench/engine.py

SIZES = {  # title: (length, d_model, heads, layers, batch)
    "lab default: L 5, d 16, 2 heads, 1 block, batch 64": (5, 16, 2, 1, 64),
    "larger: L 8, d 32, 4 heads, 2 blocks, batch 128": (8, 32, 4, 2, 128),
}


def tiny_transformer(lib, rng, length, d, heads, layers, batch):
    """A training-step closure for the lab's model, written once for both libraries."""
    nn, F = lib.nn, lib.F

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
            self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.ff1, self.ff2 = nn.Linear(d, 2 * d), nn.Linear(2 * d, d)

        def forward(self, x):
            x = self.norm1(x + self.attn(x, x, x)[0])
            return self.norm2(x + self.ff2(F.relu(self.ff1(x))))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed, self.head = nn.Embedding(10, d), nn.Linear(d, 10)
            self.blocks = nn.Sequential(*[Block() for _ in range(layers)])

        def forward(self, digits):
            return self.head(self.blocks(self.embed(digits) + pe))

    pe = lib.tensor(sinusoidal_encoding(length, d))
    model = Model()
    opt = lib.optim.Adam(model.parameters(), lr=0.01)
    x = rng.integers(0, 10, (batch, length))
    digits, target = lib.index(x), lib.index(x[:, ::-1].reshape(-1).copy())

    def step():
        opt.zero_grad()
        F.cross_entropy(model(digits).reshape(-1, 10), target).backward()
        opt.step()

    return step


def lab_step_time(budget: float) -> float:
    """The lab's own step (sampling, forward with per-head maps, backward, Adam), never finishing."""
    lab = TransformerLab(max_epochs=500)
    lab.test_codes = lab.test_codes[:0]  # nothing held out, so the lab never stops on "solved"
    lab.sequence_accuracy[-1] = 0.0

    def step():
        lab.step()
        lab.sequence_accuracy[-1] = 0.0

    return time_step(step, budget)


def learning(seeds) -> None:
    print(f"\nlearning to reverse 5 digits (defaults; epoch = {EPOCH_STEPS} batches of 64, held-out set of 500)")
    print(f"{'run':26}{'epochs':>8}{'batches':>9}{'seconds':>9}{'sequences':>11}{'digits':>8}  best head on anti-diagonal")
    for label, params in [(f"seed {s}", dict(seed=s)) for s in seeds] + [("seed 0, no positions", dict(positional=False, max_epochs=10))]:
        lab = TransformerLab(**params)
        start = time.perf_counter()
        while not lab.finished:
            lab.epoch()
        s = lab.snapshot()
        print(f"{label:26}{s.epoch:8}{s.steps:9}{time.perf_counter() - start:9.2f}{s.sequence_accuracy[-1]:11.1%}"
              f"{s.token_accuracy[-1]:8.1%}  {s.pattern[0].max():.2f} → {s.pattern[-1].max():.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing budget, fewer seeds")
    args = parser.parse_args()
    budget = 0.5 if args.quick else 2.0
    libs = libraries()
    ref = "torch" if "torch" in libs else "numpy"
    if ref == "torch":
        import torch

        torch.set_num_threads(1)  # these models are small: one thread is PyTorch's fastest here
        print(f"reference: PyTorch {torch.__version__} CPU float64, 1 thread; {os.cpu_count()} CPU cores")
    else:
        print(f"reference: dltui's numpy backend (PyTorch is not installed); {os.cpu_count()} CPU cores")
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default (one per core)")
    print(f"NumPy's BLAS threads: {blas}. On a busy machine two BLAS threads on these small matrices can be many\n"
          "times slower than one: compare with OPENBLAS_NUM_THREADS=1.")
    print(f"\n{'training step':52}{'dltui ms':>10}{ref + ' ms':>10}{'ratio':>8}")
    for title, size in SIZES.items():
        backend.set_backend("numba")
        ours = time_step(tiny_transformer(libs["dltui"], np.random.default_rng(0), *size), budget)
        if ref == "numpy":
            backend.set_backend("numpy")
        theirs = time_step(tiny_transformer(libs.get("torch", libs["dltui"]), np.random.default_rng(0), *size), budget)
        print(f"{title:52}{ours * 1e3:10.2f}{theirs * 1e3:10.2f}{ours / theirs:7.2f}x")
    backend.set_backend("numba")
    print(f"{'the lab step itself (default size, per-head maps)':52}{lab_step_time(budget) * 1e3:10.2f}")
    learning(range(2) if args.quick else range(5))


if __name__ == "__main__":
    main()
