"""dltui: a terminal deep-learning lab. Importing the package is cheap; nothing heavy loads here."""

import os

# The labs multiply small matrices. Multithreaded BLAS on them costs more than it saves and,
# on a busy 2-core machine, up to 100× more (41 ms vs 0.4 ms for 32×400 · 400×120, measured).
# This must run before NumPy loads; a setting the user made wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

__version__ = "0.1.0"
