"""Recurrent training steps: dltui's LSTM and GRU against PyTorch, at the sizes the labs use.

    python bench/rnn.py [--quick]

Every figure is measured in this run. One step is forward over the whole sequence, cross-entropy,
backward (BPTT) and an Adam update, written once for both libraries. The reference is PyTorch on
the CPU in float64 when it is installed (never a dependency), else dltui's NumPy backend. Ratios
are dltui's time over the reference's: below 1.0 dltui is faster. A script, not a test.
"""

from __future__ import annotations

import os

# Small recurrent matmuls gain nothing from BLAS threads, and on a busy machine OpenBLAS's
# spinning threads made dltui's steps 10x slower; set OPENBLAS_NUM_THREADS to measure otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

from dltui.engine import backend  # noqa: E402
from engine import libraries, print_header, print_row, time_step  # noqa: E402  (bench/engine.py)

SIZES = {  # title: (sequence length, batch, inputs, hidden, classes, a loss at every step)
    "lstm/gru lab: T 25, batch 32, in 4, hidden 16": (25, 32, 4, 16, 4, False),
    "char_lm lab: T 32, batch 16, in 58, hidden 64": (32, 16, 58, 64, 58, True),
    "larger: T 64, batch 64, in 32, hidden 128": (64, 64, 32, 128, 32, False),
}


def recurrent(lib, cell, length, batch, inputs, hidden, classes, every_step):
    """A training-step closure: `cell` ("LSTM"/"GRU") over one-hot inputs, a linear readout."""
    rng = np.random.default_rng(0)
    core, head = getattr(lib.nn, cell)(inputs, hidden), lib.nn.Linear(hidden, classes)
    opt = lib.optim.Adam(list(core.parameters()) + list(head.parameters()), lr=1e-2)
    x = lib.tensor(np.eye(inputs)[rng.integers(0, inputs, (length, batch))])
    y = lib.index(rng.integers(0, classes, length * batch if every_step else batch))

    def step():
        opt.zero_grad()
        out, _ = core(x)
        logits = head(out.reshape(-1, hidden)) if every_step else head(out[-1])
        lib.F.cross_entropy(logits, y).backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing budget per figure")
    args = parser.parse_args()
    budget = 0.5 if args.quick else 2.0
    libs = libraries()
    ref = "torch" if "torch" in libs else "numpy"
    if ref == "torch":
        import torch

        threads = sorted({torch.get_num_threads(), 1})
        print(f"reference: PyTorch {torch.__version__} CPU float64, the faster of {threads} threads; "
              f"{os.cpu_count()} CPU cores; dltui's OpenBLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}\n")
    else:
        print(f"reference: dltui's numpy backend (PyTorch is not installed); {os.cpu_count()} CPU cores\n")
    configs = ["numba", "numpy"] + (["torch"] if ref == "torch" else [])
    print_header(f"{'cell':5} size", configs, ref, width=54)
    for cell in ("LSTM", "GRU"):
        for title, size in SIZES.items():
            figures = {}
            for name in configs:
                if name == "torch":
                    def timed(n):
                        torch.set_num_threads(n)
                        return time_step(recurrent(libs["torch"], cell, *size), budget)

                    figures[name] = min(timed(n) for n in threads)
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", backend.BackendNotice)
                    backend.set_backend(name)
                figures[name] = time_step(recurrent(libs["dltui"], cell, *size), budget)
            print_row(f"{cell:5} {title}", figures, configs, ref, width=54)


if __name__ == "__main__":
    main()
