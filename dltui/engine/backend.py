"""Which kernel backend runs: ``numpy`` (reference), ``numba`` (default) or ``cuda``.

The choice is made once, from ``set_backend(name)`` (the CLI's ``--backend``) or else the
``DLTUI_BACKEND`` environment variable, and read through ``active()``, which returns an object
whose attributes are the kernel functions named in ``dltui.engine.kernels.KERNELS``.

Nothing here imports numba until a numba backend is first used, so importing the engine stays
cheap. A missing numba falls back to ``numpy``, an unusable CUDA to ``numba`` (or ``numpy``); the
reason is kept in ``notice()`` for the UI and emitted once as a ``BackendNotice`` warning.

Compiling without freezing the UI: numba compiles a kernel on its first call (0.5-2 s each, cold).
Scripts and tests simply pay that once. The app instead calls ``start_warmup()`` at start-up: a
daemon thread runs ``warmup()`` in a *subprocess* (the compile happens there, on another core and
outside our GIL, and lands in numba's on-disk cache), then loads the cached kernels in-process
(~10 ms each). Until that thread finishes, ``active()`` hands out the NumPy reference kernels, which
give the same results, only slower.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Callable

BACKENDS = ("numpy", "numba", "cuda")


class BackendNotice(UserWarning):
    """A requested backend was unavailable and another one is used instead."""


class _State:
    def __init__(self):
        self.requested: str | None = None  # the backend to use, after fallbacks
        self.table: object | None = None  # its kernel table, once loaded
        self.notice: str | None = None
        self.background = False  # start_warmup() ran: serve reference kernels until ready
        self.ready = threading.Event()
        self.lock = threading.RLock()


_s = _State()


def _say(message: str) -> str:
    _s.notice = message if _s.notice is None else f"{_s.notice} {message}"
    warnings.warn(message, BackendNotice, stacklevel=3)
    return message


def use_user_cache_if_needed() -> None:
    """Point ``NUMBA_CACHE_DIR`` at the user cache dir when the package dir is read-only.

    numba writes its cache next to the source (``kernels/__pycache__``); in a read-only install
    that fails, so redirect it. Must run before numba is imported (numba reads it once)."""
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    pycache = Path(__file__).parent / "kernels" / "__pycache__"
    try:
        pycache.mkdir(exist_ok=True)
        writable = os.access(pycache, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        from platformdirs import user_cache_dir

        os.environ["NUMBA_CACHE_DIR"] = str(Path(user_cache_dir("dltui")) / "numba")


def _numba_installed() -> bool:
    return importlib.util.find_spec("numba") is not None


def set_backend(name: str | None = None) -> str | None:
    """Choose the backend (None: ``$DLTUI_BACKEND``, else ``numba``). Returns a notice string when
    the choice had to fall back, else None. Raises ValueError for an unknown name."""
    name = (name or os.environ.get("DLTUI_BACKEND") or "numba").strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    with _s.lock:
        _s.table, _s.notice = None, None
        _s.ready.clear()
        if name != "numpy" and not _numba_installed():
            _s.requested = "numpy"
            return _say(f"numba is not installed: using the NumPy backend instead of {name}.")
        _s.requested = name
        if name == "cuda":  # asked for explicitly, so pay for the check now and say why not
            reason = _cuda_problem()
            if reason:
                _s.requested = "numba"
                return _say(f"CUDA backend unavailable ({reason}): using numba on the CPU.")
    return None


def _cuda_problem() -> str | None:
    use_user_cache_if_needed()
    try:
        from numba import cuda

        if not cuda.is_available():
            return "no CUDA GPU or driver found"
    except Exception as e:  # a broken CUDA toolkit raises all sorts of things
        return f"{type(e).__name__}: {e}"
    return None


def backend_name() -> str:
    """The backend in use (after fallbacks), e.g. for a status bar."""
    if _s.requested is None:
        set_backend()
    return _s.requested


def notice() -> str | None:
    """Why the backend in use differs from the one asked for, or None."""
    return _s.notice


def _load() -> object:
    from dltui.engine.kernels import reference

    with _s.lock:
        if _s.table is not None:
            return _s.table
        name = backend_name()
        table: object = reference
        if name in ("numba", "cuda"):
            use_user_cache_if_needed()
            try:
                from dltui.engine.kernels import cpu

                table = cpu
            except ImportError as e:
                _s.requested = "numpy"
                _say(f"numba failed to import ({e}): using the NumPy backend.")
        if name == "cuda" and _s.requested == "cuda":
            from dltui.engine.kernels import cuda

            table = _merge(table, cuda)
        _s.table = table
        _s.ready.set()
        return table


def _merge(base: ModuleType, over: ModuleType) -> SimpleNamespace:
    """``over``'s kernels where it has them, ``base``'s for the rest."""
    from dltui.engine.kernels import KERNELS

    return SimpleNamespace(**{k: getattr(over, k, None) or getattr(base, k) for k in KERNELS})


def active() -> object:
    """The kernel table of the active backend: ``active().conv2d_forward(x, w, b, 1, 0)``.

    Cheap after the first call. During a background warm-up, the NumPy reference."""
    table = _s.table
    if table is not None:
        return table
    if _s.background and not _s.ready.is_set():
        from dltui.engine.kernels import reference

        return reference
    return _load()


def is_ready() -> bool:
    """False only while a background warm-up has ``active()`` serve the reference stand-in."""
    return not _s.background or _s.ready.is_set()


def warmup(progress: Callable[[str, int, int], None] | None = None) -> float:
    """Compile (or load from numba's cache) every numba kernel; returns the seconds it took.

    ``progress(name, done, total)`` is called before each kernel, and once more at the end with
    ``done == total``. CUDA kernels are included when the cuda backend is active. Without numba
    there is nothing to compile and this returns 0.0."""
    start = time.perf_counter()
    if backend_name() == "numpy" and not _numba_installed():
        return 0.0
    use_user_cache_if_needed()
    from dltui.engine.kernels import cpu

    jobs = list(cpu.compile_jobs())
    if backend_name() == "cuda":
        from dltui.engine.kernels import cuda

        jobs += cuda.compile_jobs()
    for done, (label, compile_one) in enumerate(jobs):
        if progress:
            progress(label, done, len(jobs))
        compile_one()
    if progress:
        progress("done", len(jobs), len(jobs))
    return time.perf_counter() - start


def _warm_in_background() -> None:
    cmd = [sys.executable, "-c", "from dltui.engine.backend import warmup; warmup()"]
    env = dict(os.environ, DLTUI_BACKEND=backend_name())
    try:  # compile in a child: it fills the on-disk cache without holding our GIL
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    except OSError:
        pass  # then the in-process warmup below compiles instead of loading
    try:
        warmup()
    except Exception:
        pass  # _load() falls back (and says why) or compiles lazily; never crash a thread
    _load()


def start_warmup() -> threading.Thread | None:
    """Warm the chosen backend in the background; ``active()`` serves reference kernels meanwhile.

    Returns the daemon thread (join it to wait), or None when there is nothing to compile."""
    if backend_name() == "numpy" or _s.table is not None:
        return None
    _s.background = True
    thread = threading.Thread(target=_warm_in_background, name="dltui-kernel-warmup", daemon=True)
    thread.start()
    return thread
