"""The plain-text commands, run as a user would run them."""

import os
import re
import subprocess
import sys

from dltui.cli import main
from dltui.lessons import lessons_dir


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


def test_check_prints_warnings_but_passes(tmp_path):
    lesson = tmp_path / "03-hint.md"
    lesson.write_text('+++\nid = "hint"\ntitle = "H"\norder = 3\nsummary = "s"\nlab = "perceptron"\n\n[[quiz]]\n'
                      'id = "q1"\nkind = "choice"\nprompt = "P"\nchoices = ["a", "b"]\nanswer = 1\n'
                      'explanation = "Not choice 2."\n+++\nbody\n')
    result = dltui("check", str(lesson))
    assert result.returncode == 0 and result.stderr.strip() == "checked 1 lesson file: no problems, 1 warning"
    assert result.stdout.startswith(f"{lesson}:8: warning: quiz question 1 says 'choice 2'")


def test_version_and_help(capsys):
    assert dltui("--version").stdout.startswith("dltui ")
    text = dltui("--help").stdout
    assert "dltui list" in text and "dltui check" in text


def test_importing_the_cli_does_not_start_the_tui_or_load_textual():
    code = ("import sys, dltui.cli, dltui.lessons, dltui.labs.perceptron; "
            "print('textual' in sys.modules, 'asyncssh' in sys.modules)")  # serving is imported by `serve` alone
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False False"


def test_options_go_anywhere_on_the_line(capsys):
    """`dltui arch --lang zh resnet18` was refused ("unrecognized arguments"): every command takes its options
    before or after its names."""
    assert main(["arch", "--lang", "zh", "resnet18"]) == 0
    assert "11,689,512" in capsys.readouterr().out
    assert main(["check", "--lang", "zh", str(lessons_dir() / "01-mp-neuron.md")]) == 0


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


def test_every_command_exits_quietly_when_the_reader_goes_away(tmp_path):
    """`dltui progress | head -1`: the pipe closes before dltui writes; no traceback, exit 0."""
    for args in (["list"], ["progress"], ["check"], ["arch", "lenet5"], ["--help"], ["--backend", "numpy", "warmup"]):
        read_end, write_end = os.pipe()
        os.close(read_end)
        done = subprocess.run([sys.executable, "-m", "dltui", *args], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, env={"PATH": "/usr/bin:/bin", "DLTUI_DATA_DIR": str(tmp_path)}, timeout=60)
        os.close(write_end)
        assert done.returncode == 0 and "Error" not in done.stderr, (args, done.stderr)


TEACHER = '''+++
id = "ID"
title = "TITLE"
order = ORDER
summary = "A teacher's own lesson"
lab = "perceptron"
+++
Text.
'''


def teachers_folder(tmp_path, *lessons):
    folder = tmp_path / "class"
    folder.mkdir()
    for lesson_id, title, order in lessons:
        (folder / f"{order}-{lesson_id}.md").write_text(TEACHER.replace("ID", lesson_id).replace("TITLE", title)
                                                        .replace("ORDER", str(order)))
    return folder


def test_a_teachers_lessons_load_beside_the_bundled_ones_and_replace_by_id(tmp_path):
    folder = teachers_folder(tmp_path, ("kernels", "My kernels", 101), ("perceptron", "Our perceptron", 2))
    lines = dltui("--lessons", str(folder), "list").stdout.splitlines()
    assert lines[2].split()[:4] == ["2", "perceptron", "Our", "perceptron"] and lines[-1].split()[:2] == ["101", "kernels"]
    assert [line.split()[1] for line in dltui("list", DLTUI_LESSONS=str(folder)).stdout.splitlines()[1:3]] == \
           ["mp-neuron", "perceptron"]
    only = dltui("--lessons", str(folder), "--lessons-only", "list").stdout.splitlines()
    assert [line.split()[1] for line in only[1:]] == ["perceptron", "kernels"]


def test_check_validates_a_folder_and_the_lessons_the_app_would_load(tmp_path):
    folder = teachers_folder(tmp_path, ("kernels", "My kernels", 101))
    assert dltui("check", str(folder)).returncode == 0
    (folder / "03-clash.md").write_text(TEACHER.replace("ID", "clash").replace("TITLE", "T").replace("ORDER", "3"))
    assert dltui("check", str(folder)).returncode == 0  # alone, order 3 is free
    result = dltui("--lessons", str(folder), "check")  # beside the bundled lessons it is not
    assert result.returncode == 1 and f"{folder / '03-clash.md'}:4: order 3 is already used by " in result.stdout
    missing = dltui("--lessons", str(tmp_path / "nowhere"), "list")
    assert missing.returncode == 2 and "error: no lesson folder" in missing.stderr


def test_lang_sets_the_language_of_the_help_and_the_messages(capsys):
    """`--lang` anywhere on the line; the help and the parser's own errors are in that language as well."""
    from dltui import i18n

    assert main(["check", "--lang", "zh", "no-such-file.md"]) == 1
    assert i18n.language == "zh"  # what follows is the Chinese catalog's, whatever it holds now
    out, err = capsys.readouterr()
    assert out.strip().endswith(i18n._("no such file or folder"))
    assert err.strip() == i18n._("{files}: {problems}").format(
        files=i18n.ngettext("checked {count} lesson file", "checked {count} lesson files", 0).format(count=0),
        problems=i18n.ngettext("{count} problem", "{count} problems", 1).format(count=1))
    try:
        main(["--lang=zh", "--help"])
    except SystemExit:
        pass
    assert i18n._("open a lesson by number") in capsys.readouterr().out
