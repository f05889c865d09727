"""The engine's own threads, PyTorch's `set_num_threads`: convolution and pooling share a batch out among
them, and a big matmul its rows.

Numba-free, so `dltui.engine` can name it without loading numba. BLAS is left at the one thread
dltui/__init__ gives it: between a step's many small matmuls a second OpenBLAS thread spins, and it
took the very core this pool's second thread would run on (LeNet at two threads was no faster).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: multiply-adds from which a matmul is shared out: waking a thread costs some 20 µs, 1M of them ~100 µs
SPLIT_MACS = 1 << 20


def _default_count() -> int:
    """PyTorch's rule: `OMP_NUM_THREADS`, which dltui/__init__ sets to 1 unless the user set it."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ValueError:
        return 1


class _Threads:
    """The engine's intra-op threads: convolution and pooling share a batch out among them, a big matmul
    its rows (their kernels and NumPy's matmul release the GIL). One by default: the labs' small steps
    beside the UI gain nothing from a second thread, and the UI would lose its core."""

    def __init__(self):
        self.count, self.pool, self.workers = _default_count(), None, 0

    def over_batch(self, n: int, job) -> list:
        """[job(a, z), ...]: the batch's range(n) cut in one even range [a, z) per thread, this one included."""
        parts = max(1, min(self.count, n))
        if parts == 1:
            return [job(0, n)]
        if self.workers < parts - 1:
            if self.pool is not None:
                self.pool.shutdown(wait=False)
            self.pool, self.workers = ThreadPoolExecutor(parts - 1, thread_name_prefix="dltui-engine"), parts - 1
        ranges = [(k * n // parts, (k + 1) * n // parts) for k in range(parts)]
        futures = [self.pool.submit(job, a, z) for a, z in ranges[1:]]
        return [job(*ranges[0])] + [future.result() for future in futures]

    def matmul(self, a, b):
        """`a @ b`, cut along a's first axis (its rows, or its first batch axis) among the threads when it has
        `SPLIT_MACS` multiply-adds or more; anything else (GPU arrays, broadcasting on that axis) is `a @ b`."""
        if (self.count == 1 or type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim < max(2, b.ndim)
                or b.ndim < 2 or len(a) < 2 or a.size * b.shape[-1] < SPLIT_MACS):
            return a @ b
        try:
            shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
        except ValueError:
            shape = None  # batches that do not match: NumPy's own error, below
        if shape is None or shape[0] != len(a) or a.shape[-1] != b.shape[-2]:
            return a @ b
        split_b = a.ndim > 2 and b.ndim == a.ndim and len(b) == len(a)
        out = np.empty(shape, np.result_type(a, b))
        self.over_batch(len(a), lambda r, s: np.matmul(a[r:s], b[r:s] if split_b else b, out=out[r:s]))
        return out


threads = _Threads()


def set_num_threads(count: int) -> None:
    """`torch.set_num_threads`: how many threads convolution, pooling and big matmuls may use (BLAS keeps its one)."""
    if count < 1:
        raise ValueError(f"set_num_threads needs a count of at least 1, not {count}")
    threads.count = int(count)


def get_num_threads() -> int:
    """`torch.get_num_threads`."""
    return threads.count
