import dltui  # noqa: F401  (first, so its BLAS thread setting applies before any test imports NumPy)
import pytest


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
