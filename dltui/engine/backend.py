"""Which kernel backend runs: ``numpy`` (reference), ``numba`` (default) or ``cuda``.

The choice is made once, from ``set_backend(name)`` (the CLI's ``--backend``) or else the
``DLTUI_BACKEND`` environment variable, and read through ``active()``, which returns an object
whose attributes are the kernel functions named in ``dltui.engine.kernels.KERNELS``.

Nothing here imports numba until a numba backend is first used, so importing the engine stays
cheap. A missing numba falls back to ``numpy``, an unusable CUDA to ``numba`` (or ``numpy``); the
reason is kept in ``notice()`` for the UI and emitted once as a ``BackendNotice`` warning.

The cuda backend's table sends each kernel call by where its first array lives: arrays in GPU memory
(tensors moved with ``.to("cuda")``, see ``kernels/cuda_array.py``) to the CUDA kernels, NumPy arrays to
numba's. CUDA counts as usable only once a small kernel has compiled, run and given the right number.

Compiling without freezing the UI: numba compiles a kernel on its first call (0.5-2 s each, cold).
Scripts and tests simply pay that once. The app instead calls ``start_warmup()`` at start-up: a
daemon thread runs ``warmup()`` in a *subprocess* (the compile happens there, on another core and
outside our GIL, and lands in numba's on-disk cache), then loads the cached kernels in-process
(~10 ms each). Until that thread finishes, ``active()`` hands out the NumPy reference kernels, which
give the same results, only slower.

Where the cache goes: numba writes it beside the kernels' source, which a system-wide or read-only
install cannot; then the user's cache folder, else a folder of this user's own in the temp dir. With
none writable, kernels compile in memory at every start, and the notice says why start-up is slower.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import stat
import subprocess
import sys
import tempfile
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
        self.compiling = False  # a child process compiles (or compiled) the kernels into the disk cache
        self.compiled = threading.Event()
        self.loading = False  # a warm-up that loads the kernels into this process has started
        self.ready = threading.Event()
        self.lock = threading.RLock()


_s = _State()


def _say(message: str) -> str:
    _s.notice = message if _s.notice is None else f"{_s.notice} {message}"
    warnings.warn(message, BackendNotice, stacklevel=3)
    return message


def _writable(folder: Path) -> bool:
    """Whether numba can keep its cache in `folder` (made if need be), tested as numba tests it: by writing there."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
        return True
    except OSError:
        return False


def _private_temp_dir() -> Path | None:
    """This user's cache folder in the shared temp dir. numba loads and runs what its cache holds, so a folder
    another user made, or could write to, is refused."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    folder = Path(tempfile.gettempdir()) / f"dltui-numba-{uid if uid is not None else 'user'}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    mine = uid is None or (info.st_uid == uid and not info.st_mode & 0o077)
    return folder if stat.S_ISDIR(info.st_mode) and mine and _writable(folder) else None


@functools.cache
def numba_cache_notice() -> str | None:
    """Choose where numba caches compiled kernels, once, before numba is imported (it reads ``NUMBA_CACHE_DIR``
    once): a folder the user set, else beside the kernels, else the user's cache folder, else a private folder
    in the temp dir. Returns why start-up is slower when none is writable (kernels then compile in memory)."""
    if "NUMBA_CACHE_DIR" in os.environ or _writable(Path(__file__).parent / "kernels" / "__pycache__"):
        return None
    from platformdirs import user_cache_dir

    user_cache = Path(user_cache_dir("dltui")) / "numba"
    folder = user_cache if _writable(user_cache) else _private_temp_dir()
    if folder is None:
        return (f"No folder for numba's cache can be written (the install, {user_cache}, the temp dir): "
                "kernels are compiled afresh at every start, so start-up is slower.")
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    return None


def numba_cache_dir() -> Path | None:
    """Where compiled kernels are cached, or None when they are not."""
    if numba_cache_notice():
        return None
    return Path(os.environ.get("NUMBA_CACHE_DIR") or Path(__file__).parent / "kernels" / "__pycache__")


def _import_kernels(name: str) -> ModuleType:
    """``kernels.cpu`` or ``kernels.cuda``. Without a cache folder their ``cache=True`` kernels would fail to
    decorate ("no locator available"), so caching is switched off first: they compile in memory instead."""
    if numba_cache_notice():
        if name == "cuda":
            from numba.cuda.dispatcher import CUDADispatcher as Dispatcher
        else:
            from numba.core.dispatcher import Dispatcher
        Dispatcher.enable_caching = lambda self: None
    return importlib.import_module(f"dltui.engine.kernels.{name}")


def _numba_installed() -> bool:
    return importlib.util.find_spec("numba") is not None


def set_backend(name: str | None = None) -> str | None:
    """Choose the backend (None: ``$DLTUI_BACKEND``, else ``numba``). Returns a notice when the choice had
    to fall back or its kernels cannot be cached, else None. Raises ValueError for an unknown name."""
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
        if name != "numpy" and (why := numba_cache_notice()):
            _say(why)
        if name == "cuda" and (reason := _cuda_problem()):  # asked for explicitly, so pay for the check now
            _s.requested = "numba"
            _say(f"CUDA backend unavailable ({reason}): using numba on the CPU.")
    return _s.notice


@functools.cache
def _cuda_problem() -> str | None:
    """Why the GPU cannot be used, or None once a small kernel has compiled, run and given the right numbers:
    a GPU that is present but whose toolchain fails at the first kernel (a numba-cuda too old for this NumPy,
    say) is caught here, before any lab or script relies on it."""
    try:
        from numba import cuda

        if not cuda.is_available():
            return "no CUDA GPU or driver found"
        import numpy as np

        array = _import_kernels("cuda").CudaArray
        got = (array.from_host(np.arange(4.0)) * 2.0 + 1.0).sum().item()
        if got != 16.0:
            return f"a test kernel computed {got} instead of 16.0"
    except Exception as e:  # a broken CUDA toolkit raises all sorts of things
        return f"{type(e).__name__}: {e}"
    return None


def require_cuda() -> None:
    """Make the GPU usable for tensors moved there, or raise RuntimeError saying why it is not.

    Switches to the cuda backend when another is active: its kernel table sends GPU arrays to the CUDA
    kernels and host arrays to numba's, so nothing changes for tensors left on the CPU."""
    if backend_name() == "cuda":
        return
    if reason := _cuda_problem():
        raise RuntimeError(f"CUDA is not available: {reason}")
    set_backend("cuda")


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
            try:
                table = _import_kernels("cpu")
            except Exception as e:  # numba missing a piece, or refusing to compile: the reference still works
                _s.requested = "numpy"
                _say(f"numba's kernels failed to load ({type(e).__name__}: {e}): using the NumPy backend.")
        if name == "cuda" and _s.requested == "cuda":
            table = _merge(table, _import_kernels("cuda"))
        _s.table = table
        _s.ready.set()
        return table


def _merge(cpu: ModuleType, gpu: ModuleType) -> SimpleNamespace:
    """Each kernel as a choice by where its first array lives: ``gpu``'s for arrays in GPU memory (where it has
    one), ``cpu``'s for NumPy arrays."""
    from dltui.engine.kernels import KERNELS

    def either(on_cpu: Callable, on_gpu: Callable) -> Callable:
        return functools.wraps(on_cpu)(lambda first, *args, **kwargs: (on_gpu if getattr(first, "on_gpu", False)
                                                                        else on_cpu)(first, *args, **kwargs))

    return SimpleNamespace(**{k: either(getattr(cpu, k), getattr(gpu, k)) if hasattr(gpu, k) else getattr(cpu, k)
                              for k in KERNELS})


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
    jobs = list(_import_kernels("cpu").compile_jobs())
    if backend_name() == "cuda":
        jobs += _import_kernels("cuda").compile_jobs()
    for done, (label, compile_one) in enumerate(jobs):
        if progress:
            progress(label, done, len(jobs))
        compile_one()
    if progress:
        progress("done", len(jobs), len(jobs))
    return time.perf_counter() - start


def _compile_in_child() -> None:
    """Compile every kernel in a child process, once: it fills the on-disk cache without holding our GIL or
    growing our memory (no cache folder: nothing to fill). A second caller waits for the first."""
    with _s.lock:
        started, _s.compiling = _s.compiling, True
    if started:
        _s.compiled.wait()
        return
    cmd = [sys.executable, "-c", "from dltui.engine.backend import warmup; warmup()"]
    env = dict(os.environ, DLTUI_BACKEND=backend_name())
    try:
        if not numba_cache_notice():
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    except OSError:
        pass  # then the in-process warmup compiles instead of loading
    finally:
        _s.compiled.set()


def _warm_in_background(load: bool) -> None:
    _compile_in_child()
    if not load:
        return
    try:
        warmup()
    except Exception:
        pass  # _load() falls back (and says why) or compiles lazily; never crash a thread
    _load()


def start_warmup(load: bool = True) -> threading.Thread | None:
    """Warm the chosen backend in the background; ``active()`` serves reference kernels meanwhile.

    ``load=False`` only compiles, in the child: numba (about 110 MB once its kernels are in) stays out of this
    process until a second call with ``load=True``, when something needs the kernels (the app: a lesson opens).
    Returns the daemon thread (join it to wait), or None when there is nothing to do."""
    if backend_name() == "numpy" or _s.table is not None or (load and _s.loading):
        return None
    _s.background = True
    _s.loading = load
    thread = threading.Thread(target=_warm_in_background, args=(load,), name="dltui-kernel-warmup", daemon=True)
    thread.start()
    return thread
