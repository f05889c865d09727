"""The engine's own threads, PyTorch's `set_num_threads`: convolution and pooling share a batch out among
them, and a big matmul runs on as many of BLAS's threads.

Numba-free, so `dltui.engine` can name it without loading numba. BLAS stays at the one thread
dltui/__init__ gives it except inside a big matmul: between a step's many small matmuls a second OpenBLAS
thread spins, and it took the very core this pool's second thread would run on (LeNet at two threads was
no faster).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: multiply-adds from which a matmul runs on BLAS's threads. Handing half a matmul to this pool's sleeping
#: thread cost 60-100 µs on a 2-core VM (a transformer's 2M-MAC projections: 77 -> 133 µs), while BLAS's own
#: threads spin between calls; below 4M a second thread gains little, and above a conv net's linear layers
#: (LeNet's 3M), whose BLAS thread would then spin on the core this pool's convolution needs.
BLAS_MACS = 1 << 22


#: elements from which a pooling pass is shared out among the threads: the pool's thread sleeps between calls and
#: takes ~0.1 ms to wake on a 2-core VM, which a pass over fewer costs anyway (LeNet's second pool, 102K elements:
#: 0.19 ms on one thread, 0.18 on two; its pools' backward passes, 75K and 6K, were slower on two).
SPLIT_FROM = 1 << 18


def _default_count() -> int:
    """PyTorch's rule: `OMP_NUM_THREADS`, which dltui/__init__ sets to 1 unless the user set it."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ValueError:
        return 1


def _blas_at_one_thread() -> list:
    """threadpoolctl's handles on the loaded BLAS libraries still at one thread (dltui's default; a count the
    user set is theirs and left alone); none without threadpoolctl or a BLAS it knows."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return []
    return [lib for lib in ThreadpoolController().select(user_api="blas").lib_controllers if lib.num_threads == 1]


class _Threads:
    """The engine's intra-op threads: convolution and pooling share a batch out among them (their kernels
    release the GIL), a big matmul runs on as many BLAS threads. One by default: the labs' small steps
    beside the UI gain nothing from a second thread, and the UI would lose its core."""

    def __init__(self):
        self.count, self.pool, self.workers, self.blas = _default_count(), None, 0, None

    def over_batch(self, n: int, job, elements: int | None = None) -> list:
        """[job(a, z), ...]: the batch's range(n) cut in one even range [a, z) per thread, this one included; kept
        whole when the job goes through fewer than `SPLIT_FROM` `elements` (None: any number is enough)."""
        parts = max(1, min(self.count, n)) if elements is None or elements >= SPLIT_FROM else 1
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
        """`a @ b`, on `count` BLAS threads when it has `BLAS_MACS` multiply-adds or more (BLAS back at one
        after); anything else (GPU arrays included) is `a @ b` as it comes, two matrices `np.dot` (the same
        GEMM without the ufunc machinery: a 2-4-1 net's (4, 2)·(2, 4) took 1.7 µs, not 2.4)."""
        if type(a) is not np.ndarray or type(b) is not np.ndarray:
            return a @ b
        if self.count == 1 or b.ndim < 2 or a.size * b.shape[-1] < BLAS_MACS:
            return np.dot(a, b) if a.ndim == 2 == b.ndim else a @ b
        if self.blas is None:
            self.blas = _blas_at_one_thread()
        for lib in self.blas:
            lib.set_num_threads(self.count)
        try:
            return a @ b
        finally:
            for lib in self.blas:
                lib.set_num_threads(1)


threads = _Threads()


def set_num_threads(count: int) -> None:
    """`torch.set_num_threads`: how many threads convolution, pooling and big matmuls may use."""
    if count < 1:
        raise ValueError(f"set_num_threads needs a count of at least 1, not {count}")
    threads.count = int(count)


def get_num_threads() -> int:
    """`torch.get_num_threads`."""
    return threads.count
