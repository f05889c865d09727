"""Run a check on CUDA in a subprocess: the real GPU where there is one, numba's simulator otherwise.

A subprocess, because the simulator must be switched on (NUMBA_ENABLE_CUDASIM=1) before numba is
imported, and the test process has imported it already.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NO_GPU = 3  # a check's exit status when told to use a GPU that numba cannot reach


def exit_unless_cuda() -> None:
    """In the subprocess: leave with NO_GPU when numba sees no device (real or simulated)."""
    from numba import cuda

    if not cuda.is_available():
        sys.exit(NO_GPU)


def _has_gpu() -> bool:
    smi = shutil.which("nvidia-smi")
    return bool(smi) and subprocess.run([smi], capture_output=True).returncode == 0


def run_on_cuda(module: Path, function: str) -> subprocess.CompletedProcess:
    """Call `function` of the file `module` in a fresh interpreter, on the GPU if one works, else simulated."""
    pytest.importorskip("numba")
    code = f"import runpy; runpy.run_path({str(module)!r})[{function!r}]()"

    def run(simulate: str) -> subprocess.CompletedProcess:
        path = os.pathsep.join(filter(None, [str(module.parent), os.environ.get("PYTHONPATH")]))
        env = dict(os.environ, NUMBA_ENABLE_CUDASIM=simulate, PYTHONPATH=path)
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)

    done = run("0") if _has_gpu() else None
    if done is None or done.returncode == NO_GPU:
        done = run("1")
    return done
