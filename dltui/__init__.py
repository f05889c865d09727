"""dltui: a terminal deep-learning lab. Importing the package is cheap; nothing heavy loads here."""

import ctypes
import os
import sys

# The labs multiply small matrices. Multithreaded BLAS on them costs more than it saves and,
# on a busy 2-core machine, up to 100× more (41 ms vs 0.4 ms for 32×400 · 400×120, measured).
# This must run before NumPy loads; a setting the user made wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def _keep_freed_memory() -> None:
    """glibc gives every freed block over 128 KiB back to the kernel, so each training step's
    arrays fault their pages in afresh: about 6 of LeNet's 28 ms a step (bench/engine.py).
    Higher mmap and trim thresholds keep freed memory for the next step, as PyTorch's caching
    allocator does. Skipped off glibc, and when the user set glibc's own MALLOC_ variables."""
    if sys.platform != "linux" or any(name.startswith("MALLOC_") for name in os.environ):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(-3, 32 * 2**20)  # M_MMAP_THRESHOLD, at glibc's 64-bit maximum
    mallopt(-1, 128 * 2**20)  # M_TRIM_THRESHOLD


_keep_freed_memory()

__version__ = "0.1.0"
