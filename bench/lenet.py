"""LeNet-5 on the bundled digits: epoch time, training throughput and time to 97 % held-out accuracy.

    python bench/lenet.py [--epochs N] [--save assets/lenet-digits.npz]

dltui trains exactly what the LeNet lab trains (its defaults: tanh, Adam 2e-3 with a cosine
decay, batch 32, 12 epochs, seed 0). The reference, in the same run, is the same network and
schedule in PyTorch on the CPU in float64 when torch is installed (never a dependency), else
dltui's own NumPy backend. Times include the end-of-epoch test pass. On a small shared machine,
set OPENBLAS_NUM_THREADS=1: multithreaded BLAS on tiny matrices can cost more than it saves (torch
then gets the same thread count).
`--save` writes the trained dltui weights (float32) — that is how assets/lenet-digits.npz is made.
A script, not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time

import numpy as np

from dltui.engine.data import load_digits, to_lenet
from dltui.labs.lenet import TARGET, LeNetLab


def report(name: str, epochs: list[tuple[float, float]], images: int) -> dict:
    """epochs: (seconds, test accuracy) per epoch."""
    elapsed = np.cumsum([t for t, _ in epochs])
    reached = next((float(e) for e, (_, acc) in zip(elapsed, epochs) if acc >= TARGET), None)
    steady = [t for t, _ in epochs[1:]] or [epochs[0][0]]  # the first epoch pays for compiling
    row = dict(name=name, first=epochs[0][0], epoch=float(np.median(steady)), final=epochs[-1][1], reached=reached,
               total=float(elapsed[-1]))
    row["throughput"] = images / row["epoch"]
    accs = " ".join(f"{acc:.3f}" for _, acc in epochs)
    print(f"{name:>14}: first epoch {row['first']:.2f} s, then {row['epoch']:.2f} s/epoch "
          f"({row['throughput']:,.0f} images/s); 97 % after "
          f"{'never' if reached is None else f'{reached:.1f} s'}; final {row['final']:.1%}\n{'':>16}test accuracy per epoch: {accs}")
    return row


def dltui_run(epochs: int, save: str | None) -> dict:
    start = time.perf_counter()
    lab = LeNetLab(epochs=epochs)
    print(f"dltui setup (data, model): {time.perf_counter() - start:.2f} s")
    times = []
    while not lab.finished:
        start = time.perf_counter()
        lab.epoch()
        times.append((time.perf_counter() - start, lab.evaluations[-1].test_accuracy))
    if save:
        lab.net.save(save, lab.params["activation"])
        print(f"saved weights to {save} ({os.path.getsize(save):,} bytes)")
    return report("dltui", times, len(lab.train_y))


def torch_run(epochs: int) -> dict:
    import torch
    from torch import nn

    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    if os.environ.get("OPENBLAS_NUM_THREADS"):  # the same thread budget as NumPy's BLAS
        torch.set_num_threads(int(os.environ["OPENBLAS_NUM_THREADS"]))
    d = load_digits()
    xtr, ytr = torch.as_tensor(to_lenet(d.train_images)), torch.tensor(d.train_labels)
    xte, yte = torch.as_tensor(to_lenet(d.test_images)), torch.tensor(d.test_labels)
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))
    opt = torch.optim.Adam(net.parameters(), lr=0.002)
    rng = np.random.default_rng(0)
    times = []
    for epoch in range(epochs):
        start = time.perf_counter()
        for group in opt.param_groups:
            group["lr"] = 0.002 * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        order = torch.as_tensor(rng.permutation(len(ytr)))
        for i in range(0, len(ytr), 32):
            batch = order[i : i + 32]
            loss = nn.functional.cross_entropy(net(xtr[batch]), ytr[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            accuracy = (net(xte).argmax(1) == yte).double().mean().item()
        times.append((time.perf_counter() - start, accuracy))
    return report(f"torch {torch.__version__.split('+')[0]}", times, len(ytr))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--save", metavar="PATH", help="write the trained dltui weights here")
    parser.add_argument("--backend", default=os.environ.get("DLTUI_BACKEND", "numba"))
    args = parser.parse_args()
    print(f"LeNet-5 on {len(load_digits().train_labels)} training digits, {os.cpu_count()} CPUs, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, backend {args.backend}")
    from dltui.engine.backend import set_backend

    set_backend(args.backend)
    ours = dltui_run(args.epochs, args.save)
    try:
        reference = torch_run(args.epochs)
    except ImportError:
        print("torch is not installed: the reference is dltui's NumPy backend, in a subprocess")
        env = dict(os.environ, DLTUI_BACKEND="numpy")
        subprocess.run([sys.executable, __file__, "--epochs", str(args.epochs), "--backend", "numpy"], env=env, check=True)
        return
    print(f"ratio dltui/torch: epoch time {ours['epoch'] / reference['epoch']:.2f}×, "
          f"throughput {ours['throughput'] / reference['throughput']:.2f}×"
          + (f", time to 97 % {ours['reached'] / reference['reached']:.2f}×" if ours["reached"] and reference["reached"] else ""))


if __name__ == "__main__":
    main()
