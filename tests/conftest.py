import os
import platform
import sys

# The same float paths on every x86 machine CI may run on: NumPy's AVX-512 loops (its tanh and exp) and OpenBLAS's
# per-CPU kernels round differently from the AVX2 ones, and a trained picture or a lesson's third decimal follows
# the rounding (the autoencoder's latent scatter moved a point one cell on an AVX-512 Xeon; the echo state
# network's error at radius 2 read 0.345 instead of the lesson's 0.344). Read when NumPy loads, so set first;
# names a machine lacks are ignored.
if platform.machine() in ("x86_64", "AMD64"):
    os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL AVX512_SPR")
    os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
assert "numpy" not in sys.modules, "NumPy was imported before tests/conftest.py could pin its CPU paths"

import dltui  # noqa: E402, F401  (first, so its BLAS thread setting applies before any test imports NumPy)
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path_factory, monkeypatch):
    """No test reads or writes the learner's real data folder (a LeNet saved by `w`, progress)."""
    monkeypatch.setenv("DLTUI_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(autouse=True)
def english_interface(monkeypatch):
    """The interface in English unless a test asks for another language (`i18n.use`), whatever the machine's
    locale; a test that switched leaves English behind."""
    from dltui import i18n

    monkeypatch.setenv("DLTUI_LANG", "en")
    i18n.use("en")
    yield
    i18n.use("en")
