"""GPU table: one LeNet-5 training step (float64, SGD with momentum) on the engine's GPU tensors beside
the engine on the CPU and PyTorch on the CPU and on the GPU.

    python bench/gpu.py [--batch 1024] [--budget 2]

Every figure is measured in this run, on this machine; each step ends with a device synchronize, so a
figure is a whole step's latency. Ratios are each column's time over the engine's CPU (numba) time: the
issue's target is engine cuda ≤ 0.1× of it. PyTorch (never a dependency) runs where it is installed, on
the CPU with all cores and on the GPU in float64 and float32; under the engine's cuda row, how many kernels
one of its steps launches. Without a working GPU the script says why and stops. About a minute on an H100.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from engine import lenet5, libraries, time_step  # noqa: E402  (bench/engine.py)

from dltui.engine import backend  # noqa: E402


def dltui_step(lib, device: str, batch: int):
    from numba import cuda

    step = lenet5(lib, np.random.default_rng(0), batch, device)
    return (lambda: (step(), cuda.synchronize())) if device == "cuda" else step


def torch_step(lib, device: str, dtype: str, batch: int):
    import torch

    torch.set_default_dtype(getattr(torch, dtype))
    step = lenet5(lib, np.random.default_rng(0), batch, device)
    torch.set_default_dtype(torch.float64)
    return (lambda: (step(), torch.cuda.synchronize())) if device == "cuda" else step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds of timing per figure")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", backend.BackendNotice)
        why_not = backend.set_backend("cuda")
    if why_not:
        sys.exit(f"no GPU table: {why_not}")
    from numba import cuda

    from dltui.engine.kernels import cuda_array

    libs = libraries()
    device = cuda.get_current_device().name if hasattr(cuda, "get_current_device") else "numba's simulator"
    print(f"GPU: {device.decode() if isinstance(device, bytes) else device}; {os.cpu_count()} CPU cores")
    print(f"LeNet-5 training step, batch {args.batch}, 1x32x32 inputs, SGD momentum 0.9\n")
    print(f"{'':36}{'ms/step':>10}{'/ numba CPU':>14}")
    figures = {}

    def row(name: str, step) -> None:
        figures[name] = time_step(step, args.budget)
        print(f"{name:36}{figures[name] * 1e3:10.2f}{figures[name] / figures['dltui numba (CPU), float64']:13.3f}x")

    row("dltui numba (CPU), float64", dltui_step(libs["dltui"], "cpu", args.batch))
    on_gpu = dltui_step(libs["dltui"], "cuda", args.batch)
    row("dltui cuda, float64", on_gpu)
    before = cuda_array.launches
    on_gpu()
    print(f"{'':36}{cuda_array.launches - before:10d} kernel launches a step")
    if "torch" in libs:
        import torch

        torch.set_num_threads(os.cpu_count())
        row(f"PyTorch CPU ({os.cpu_count()} threads), float64", torch_step(libs["torch"], "cpu", "float64", args.batch))
        if torch.cuda.is_available():
            for dtype in ("float64", "float32"):
                row(f"PyTorch CUDA, {dtype}", torch_step(libs["torch"], "cuda", dtype, args.batch))
    reference = figures["dltui numba (CPU), float64"]
    cuda_ms = figures["dltui cuda, float64"]
    print(f"\ndltui cuda is {reference / cuda_ms:.1f}x faster than dltui numba (target: 10x)")
    if "PyTorch CUDA, float64" in figures:
        print(f"dltui cuda / PyTorch CUDA float64: {cuda_ms / figures['PyTorch CUDA, float64']:.2f}x (stretch: 2x)")


if __name__ == "__main__":
    main()
