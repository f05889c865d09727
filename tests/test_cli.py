"""The plain-text commands, run as a user would run them."""

import re
import subprocess
import sys

from dltui.cli import main


def dltui(*args, **env):
    return subprocess.run([sys.executable, "-m", "dltui", *args], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", **env}, timeout=60)


def test_list_prints_every_lesson_in_order():
    result = dltui("list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["No", "ID", "Title", "Summary"]
    assert lines[1].split()[:2] == ["1", "mp-neuron"] and lines[2].split()[:2] == ["2", "perceptron"]


def test_list_in_chinese_lines_up_by_cell_width():
    lines = dltui("list", "--lang", "zh").stdout.splitlines()
    assert "感知机" in lines[2]
    from rich.cells import cell_len
    summary_column = {cell_len(line[: line.index(part)]) for line, part in
                      zip(lines[1:], ("加权", "从错误"))}
    assert len(summary_column) == 1


def test_unknown_lesson_suggests_close_matches_and_exits_2():
    result = dltui("perceptorn")
    assert result.returncode == 2
    assert "no lesson 'perceptorn'" in result.stderr and "did you mean: perceptron" in result.stderr


def test_check_passes_on_the_bundled_lessons_and_fails_on_a_broken_file(tmp_path):
    assert dltui("check").returncode == 0
    broken = tmp_path / "03-broken.md"
    broken.write_text('+++\nid = "broken"\ntitle = "B"\norder = 3\nsummary = "s"\nlab = "nope"\n+++\nbody\n')
    result = dltui("check", str(broken), str(tmp_path / "missing.md"))
    assert result.returncode == 1
    assert f"{broken}:6: unknown lab 'nope'" in result.stdout
    assert f"{tmp_path / 'missing.md'}:0: no such file or folder" in result.stdout


def test_version_and_help(capsys):
    assert dltui("--version").stdout.startswith("dltui ")
    text = dltui("--help").stdout
    assert "dltui list" in text and "dltui check" in text


def test_importing_the_cli_does_not_start_the_tui_or_load_textual():
    code = "import sys, dltui.cli, dltui.lessons, dltui.labs.perceptron; print('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_stray_arguments_are_an_error(capsys):
    try:
        main(["perceptron", "extra"])
    except SystemExit as exit:
        assert exit.code == 2
    assert "unexpected arguments: extra" in capsys.readouterr().err


def test_warmup_compiles_the_kernels_and_says_how_long_it_took():
    result = dltui("warmup")
    assert result.returncode == 0
    assert re.search(r"^numba kernels ready in \d+\.\d s", result.stdout, re.M), result.stdout
    assert dltui("--backend", "numpy", "warmup").stdout.strip() == "the numpy backend has nothing to compile"


def test_an_unusable_backend_is_named_with_the_fallback():
    result = dltui("warmup", DLTUI_BACKEND="gpu")
    assert result.returncode == 2 and "unknown backend 'gpu'" in result.stderr
    assert dltui("--backend", "tpu").returncode == 2
