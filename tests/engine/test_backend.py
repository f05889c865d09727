"""Backend choice, fallbacks, cache location and background warm-up."""

import os
import subprocess
import sys

import numpy as np
import pytest

from dltui.engine import backend
from dltui.engine.kernels import BackendNotice, active, reference


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch):
    """Each test chooses from scratch; the engine's own choice is untouched afterwards."""
    monkeypatch.setattr(backend, "_s", backend._State())
    monkeypatch.delenv("DLTUI_BACKEND", raising=False)


def test_importing_kernels_does_not_import_numba():
    code = "import sys, dltui.engine.kernels, dltui.engine.backend; print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_choice_from_argument_env_and_default(monkeypatch):
    assert backend.set_backend("numpy") is None and active() is reference
    monkeypatch.setenv("DLTUI_BACKEND", "NumPy")
    backend.set_backend()
    assert backend.backend_name() == "numpy"
    monkeypatch.delenv("DLTUI_BACKEND")
    backend.set_backend()
    assert backend.backend_name() == "numba"
    with pytest.raises(ValueError, match="unknown backend 'tpu'"):
        backend.set_backend("tpu")


def test_missing_numba_falls_back_to_numpy_and_says_so(monkeypatch):
    monkeypatch.setattr(backend, "_numba_installed", lambda: False)
    with pytest.warns(BackendNotice, match="numba is not installed"):
        message = backend.set_backend("numba")
    assert message == backend.notice() and active() is reference
    assert backend.warmup() == 0.0


def test_unavailable_cuda_falls_back_to_numba_with_a_reason(monkeypatch):
    pytest.importorskip("numba")
    monkeypatch.setattr(backend, "_cuda_problem", lambda: "no CUDA GPU or driver found")
    with pytest.warns(BackendNotice, match=r"CUDA backend unavailable \(no CUDA GPU"):
        backend.set_backend("cuda")
    assert backend.backend_name() == "numba"
    from dltui.engine.kernels import cpu

    assert active() is cpu


def test_read_only_package_dir_moves_the_numba_cache(monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    backend.use_user_cache_if_needed()
    from platformdirs import user_cache_dir

    assert os.environ["NUMBA_CACHE_DIR"].startswith(user_cache_dir("dltui"))


def test_warmup_reports_progress_and_seconds():
    pytest.importorskip("numba")
    seen = []
    seconds = backend.warmup(lambda name, done, total: seen.append((name, done, total)))
    assert seconds > 0 and seen[-1] == ("done", len(seen) - 1, len(seen) - 1)
    assert [done for _, done, _ in seen] == list(range(len(seen)))


def test_background_warmup_serves_reference_until_ready():
    pytest.importorskip("numba")
    backend.set_backend("numba")
    thread = backend.start_warmup()
    assert active() is reference and not backend.is_ready()  # the child process is still starting
    thread.join(timeout=120)
    from dltui.engine.kernels import cpu

    assert backend.is_ready() and active() is cpu
    x = np.linspace(-1, 1, 7)
    np.testing.assert_array_equal(active().relu_forward(x), reference.relu_forward(x))
