"""Backend choice, fallbacks, cache location and background warm-up."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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


def test_a_gpu_whose_first_kernel_fails_is_not_used(monkeypatch):
    """Seen on an H200: numba-cuda 0.30.4 with NumPy 2.5.2 finds the GPU, then fails compiling any kernel."""
    numba_cuda = pytest.importorskip("numba.cuda")
    monkeypatch.setattr(numba_cuda, "is_available", lambda: True)

    def broken(name):
        raise AttributeError("module 'numpy' has no attribute 'row_stack'")

    monkeypatch.setattr(backend, "_import_kernels", broken)
    reason = backend._cuda_problem.__wrapped__()
    assert reason == "AttributeError: module 'numpy' has no attribute 'row_stack'"
    monkeypatch.setattr(backend, "_cuda_problem", lambda: reason)
    with pytest.warns(BackendNotice, match="CUDA backend unavailable .*row_stack.*: using numba"):
        backend.set_backend("cuda")
    assert backend.backend_name() == "numba"


def test_moving_a_tensor_to_a_missing_gpu_says_why(monkeypatch):
    from dltui.engine import Tensor, nn

    monkeypatch.setattr(backend, "_cuda_problem", lambda: "no CUDA GPU or driver found")
    with pytest.raises(RuntimeError, match="CUDA is not available: no CUDA GPU or driver found"):
        Tensor([1.0, 2.0]).to("cuda")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        nn.Linear(2, 1).to("cuda:0")
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu") is x and x.device == "cpu"
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        x.to("tpu")


@pytest.fixture
def cache_choice(monkeypatch, tmp_path):
    """A fresh cache choice, with only the folders a test names writable, and the temp dir in tmp_path."""
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    backend.numba_cache_notice.cache_clear()
    yield
    backend.numba_cache_notice.cache_clear()


def test_a_read_only_install_caches_in_the_user_cache_then_a_private_temp_folder(cache_choice, monkeypatch, tmp_path):
    from platformdirs import user_cache_dir

    in_tree = Path(backend.__file__).parent / "kernels" / "__pycache__"
    user_cache = Path(user_cache_dir("dltui")) / "numba"
    writable = {in_tree, user_cache}
    real = backend._writable
    monkeypatch.setattr(backend, "_writable",
                        lambda folder: folder in writable or (folder.parent == tmp_path and real(folder)))
    assert backend.numba_cache_notice() is None and "NUMBA_CACHE_DIR" not in os.environ  # beside the kernels
    for unwritable, expected in ((in_tree, user_cache), (user_cache, tmp_path / f"dltui-numba-{os.getuid()}")):
        writable.discard(unwritable)
        backend.numba_cache_notice.cache_clear()
        assert backend.numba_cache_notice() is None and os.environ.pop("NUMBA_CACHE_DIR") == str(expected)
    assert backend.numba_cache_dir() == in_tree  # NUMBA_CACHE_DIR popped: numba's default


def test_a_temp_folder_someone_else_could_write_is_refused_and_no_cache_is_said(cache_choice, monkeypatch, tmp_path):
    monkeypatch.setattr(backend, "_writable", lambda folder: folder.parent == tmp_path)
    (tmp_path / f"dltui-numba-{os.getuid()}").mkdir(mode=0o777)
    os.chmod(tmp_path / f"dltui-numba-{os.getuid()}", 0o777)  # the umask does not apply
    assert "start-up is slower" in backend.numba_cache_notice() and "NUMBA_CACHE_DIR" not in os.environ
    assert backend.numba_cache_dir() is None
    with pytest.warns(BackendNotice, match="start-up is slower"):
        assert "start-up is slower" in backend.set_backend("numba")


READ_ONLY_RUN = """
import sys, tempfile
if sys.argv[1:]:
    tempfile.tempdir = sys.argv[1]  # read-only too: nowhere to cache
from dltui.engine import backend
from dltui.labs.mlp import MLPLab
print("notice:", backend.set_backend("numba"))
MLPLab().perform("epoch")  # the lab that stopped at its first epoch
print(backend.backend_name(), backend.numba_cache_dir())
"""


def drop_root_powers() -> None:
    """Root writes anywhere; without these capabilities it is held to the file modes as anyone else is."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, capability, 0, 0, 0):  # PR_CAPBSET_DROP: gone after exec
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_warmup_and_the_mlp_lab_work_from_a_read_only_install_and_home(tmp_path):
    """The package copied and made read-only, HOME read-only: the cache goes to a private temp folder; with the
    temp dir read-only too, kernels compile uncached and the notice says so."""
    pytest.importorskip("numba")
    if sys.platform != "linux":
        pytest.skip("drops root's file powers with Linux's prctl")
    for name in ("dltui", "assets", "lessons"):  # as in a checkout: the package and the data it finds beside it
        shutil.copytree(Path(backend.__file__).parents[2] / name, tmp_path / "site" / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("home", "temp", "read-only-temp"):
        (tmp_path / folder).mkdir()
    for path in [tmp_path / "site", tmp_path / "home", tmp_path / "read-only-temp", *(tmp_path / "site").rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path / "temp"),
           "PYTHONPATH": str(tmp_path / "site"), "PYTHONDONTWRITEBYTECODE": "1"}
    as_user = drop_root_powers if os.geteuid() == 0 else None
    try:
        subprocess.run([sys.executable, "-c", ""], preexec_fn=as_user, check=True)
    except subprocess.SubprocessError as error:
        pytest.skip(f"cannot drop root's powers, so nothing is read-only to this test: {error}")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=300,
                              cwd=tmp_path / "home", preexec_fn=as_user)

    warm = run("-m", "dltui", "warmup")
    cache = tmp_path / "temp" / f"dltui-numba-{os.getuid()}"
    assert warm.returncode == 0 and f"cached in {cache}" in warm.stdout, warm.stderr[-3000:]
    assert not (tmp_path / "site" / "dltui" / "engine" / "kernels" / "__pycache__").exists()
    cached = run("-c", READ_ONLY_RUN)
    assert cached.returncode == 0 and cached.stdout.splitlines() == ["notice: None", f"numba {cache}"], cached.stderr
    uncached = run("-c", READ_ONLY_RUN, str(tmp_path / "read-only-temp"))
    assert uncached.returncode == 0, uncached.stderr[-3000:]
    assert "start-up is slower" in uncached.stdout and uncached.stdout.splitlines()[-1] == "numba None"


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


def test_compiling_first_loads_nothing_until_asked():
    """The app compiles at start-up but loads numba's kernels only when a lesson opens (idle memory)."""
    pytest.importorskip("numba")
    backend.set_backend("numba")
    backend.start_warmup(load=False).join(timeout=120)
    assert backend._s.compiled.is_set() and active() is reference and not backend.is_ready()
    backend.start_warmup().join(timeout=120)
    from dltui.engine.kernels import cpu

    assert backend.is_ready() and active() is cpu and backend.start_warmup() is None
