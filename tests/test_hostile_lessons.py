"""A corpus of hostile lesson files: each bad one is refused at its line, none crashes `dltui check`, the app
starts with all of them present and shows the good ones, and nothing in them reaches the terminal as a command."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from rich.console import Console

from dltui.lessons import check, lessons_dir, load_lessons
from dltui.text import CONTROL

TEMPLATE = """+++
id = "ID"
title = "A hostile lesson"
order = ORDER
summary = "One line"
lab = "perceptron"

[params]
lr = 0.5
seed = 3

[[quiz]]
id = "pick"
kind = "choice"
prompt = "Pick one"
choices = ["a", "b"]
answer = 2
explanation = "b is right"

[[quiz]]
id = "count"
kind = "numeric"
prompt = "How many?"
answer = 4
tolerance = 0.5
explanation = "four"
+++
# Body

Text.
"""
DEEP = 5000

# name: (text to replace, its replacement, the line the problem must name, words in the message)
BAD = {
    "osc52-title": ('"A hostile lesson"', r'"x\u001b]52;c;UFdORUQ=\u0007"', 3, r"control character \x1b, \x07"),
    "osc2-choice": ('["a", "b"]', r'["a\u001b]2;PWNED\u0007", "b"]', 16, r"control character \x1b, \x07"),
    "raw-osc-body": ("Text.", "Text.\x1b]2;PWNED\x07", 30, r"control character \x1b, \x07"),
    "csi-summary": ('"One line"', r'"\u001b[2J\u001b[H"', 5, r"control character \x1b"),
    "raw-c1-csi": ('"Pick one"', '"Pick\x9b2Jone"', 15, r"control character \x9b"),
    "del": ('"b is right"', r'"b\u007f"', 18, r"control character \x7f"),
    "raw-nul": ("Text.", "Te\x00xt.", 30, r"control character \x00"),
    "escaped-nul": ('"How many?"', r'"How\u0000many?"', 23, r"control character \x00"),
    "bare-cr": ('"A hostile lesson"', '"A\rB"', 3, r"control character \x0d"),
    "escape-in-key": ('summary = "One line"', 'summary = "One line"\n"\\u001b]2;PWNED\\u0007" = 1', 6,
                      r"control character \x1b, \x07"),
    "markup-key": ('summary = "One line"', 'summary = "One line"\n"[/]" = 1', 6, "unknown front-matter key '[/]'"),
    "markup-lab": ('"perceptron"', '"[link=file:///etc/passwd]gru"', 6, "unknown lab '[link=file:///etc/passwd]gru'"),
    "markup-param": ("lr = 0.5", 'lr = "[/b]"', 9, "[params]: Learning rate"),
    "deep-arrays": ("answer = 2", "answer = " + "[" * DEEP + "]" * DEEP, 17, "nested too deep"),
    "deep-tables": ('summary = "One line"', 'summary = "One line"\nx = ' + "{a = " * DEEP + "1" + "}" * DEEP, 6,
                    "nested too deep"),
    "nested-too-deep": ("answer = 2", "answer = " + "[" * 50 + "1" + "]" * 50, 17, "nested more than"),
    "huge-seed": ("seed = 3", "seed = " + "9" * 400, 10, "[params]: Seed"),
    "huge-tolerance": ("tolerance = 0.5", "tolerance = 1" + "0" * 400, 25, "'tolerance' must be a finite number"),
    "inf-answer": ("answer = 4", "answer = inf", 24, "'answer' must be a finite number"),
    "nan-answer": ("answer = 4", "answer = nan", 24, "'answer' must be a finite number"),
    "nan-tolerance": ("tolerance = 0.5", "tolerance = nan", 25, "'tolerance' must be a finite number"),
    "huge-int-answer": ("answer = 4", "answer = 4" + "0" * 400, 24, "'answer' must be a finite number"),
    "5000-digits": ("answer = 4", "answer = " + "1" * 5000, 24, "front matter is not valid TOML"),
    "huge-order": ("order = ORDER", "order = " + "1" * 400, 4, "'order' must be a whole number from 1 to"),
    "wide-cjk-summary": ('"One line"', '"' + "注" * 45 + '"', 5, "'summary' is 90 cells wide"),
    "huge-title": ('"A hostile lesson"', '"' + "x" * 10_000 + '"', 3, "'title' is 10000 cells wide"),
    "two-line-title": ('"A hostile lesson"', r'"A\nB"', 3, "'title' must be one line"),
    "huge-echo": ('"perceptron"', '"' + "x" * 10_000 + '"', 6, "unknown lab 'xxx"),
    "formula-quiz-id": ('id = "pick"', 'id = \'=HYPERLINK("http://evil","x")\'', 13, "must be lowercase letters"),
    "formula-id": ('id = "ID"', 'id = "=1+2"', 2, "must be lowercase letters"),
    "no-closing-fence": ('explanation = "four"\n+++', 'explanation = "four"', 27, "never closed"),
    "huge-file": ("Text.", "Text. " * 200_000, 1, "a lesson file has at most"),
}
GOOD = {  # these load, and the app shows them
    "markup-text": ('"A hostile lesson"', '"[b]Bold[/b] [link=file:///etc/passwd]x[/link]"'),
    "bom": ('"A hostile lesson"', '"Byte-order mark"'),
    "crlf": ('"A hostile lesson"', '"Windows line ends"'),
}


def lesson_bytes(name: str, index: int, old: str, new: str) -> bytes:
    assert old in TEMPLATE, name
    text = TEMPLATE.replace(old, new, 1).replace('"ID"', f'"{name}"').replace("ORDER", str(100 + index))
    if name == "crlf":
        text = text.replace("\n", "\r\n")
    return ("\ufeff" if name == "bom" else "").encode() + text.encode()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Every hostile file in one folder, named NN-name.md; plus one that is not UTF-8 at line 5."""
    folder = tmp_path_factory.mktemp("hostile")
    for index, (name, (old, new, *_)) in enumerate({**BAD, **GOOD}.items()):
        (folder / f"{100 + index}-{name}.md").write_bytes(lesson_bytes(name, index, old, new))
    (folder / "199-not-utf8.md").write_bytes(lesson_bytes("not-utf8", 99, '"One line"', '"One line"')
                                             .replace(b"One line", b"One \xff line"))
    return folder


def path_of(corpus: Path, name: str) -> Path:
    return next(corpus.glob(f"*-{name}.md"))


@pytest.mark.parametrize("name", BAD)
def test_each_bad_file_is_refused_at_its_line(corpus, name):
    _, _, line, words = BAD[name]
    path = path_of(corpus, name)
    checked, problems = check([path])
    text = [str(problem) for problem in problems]
    assert checked == 1 and any(p.startswith(f"{path}:{line}: ") and words in p for p in text), text
    assert all(not CONTROL.search(p) and len(p) < 500 for p in text), text  # escaped, and long values cut short


def test_a_file_that_is_not_utf8_is_refused_at_the_line_of_the_bad_byte(corpus):
    path = path_of(corpus, "not-utf8")
    assert [str(p) for p in check([path])[1]] == [f"{path}:5: not UTF-8: byte 0xff at column 16; save the file as UTF-8"]


def test_the_good_files_load_beside_the_bundled_ones(corpus):
    lessons, problems = load_lessons([lessons_dir(), corpus], lang="en")
    ids = [lesson.id for lesson in lessons]
    assert set(GOOD) <= set(ids) and "perceptron" in ids
    assert not set(BAD) & set(ids)
    assert {str(problem).split(":")[0] for problem in problems} == {str(path_of(corpus, name)) for name in
                                                                   [*BAD, "not-utf8"]}


def dltui(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dltui", *args], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "DLTUI_DATA_DIR": str(data_dir)})


def test_dltui_check_names_every_bad_file_and_exits_1(corpus, tmp_path):
    result = dltui("check", str(corpus), data_dir=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for name, (_, _, line, _) in BAD.items():
        assert f"{path_of(corpus, name)}:{line}: " in result.stdout, name
    assert not CONTROL.search(result.stdout + result.stderr)


def test_dltui_list_with_a_teachers_folder_shows_the_good_lessons(corpus, tmp_path):
    result = dltui("--lessons", str(corpus), "list", data_dir=tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "[b]Bold[/b]" in result.stdout and "Byte-order mark" in result.stdout and "The perceptron" in result.stdout
    assert "problem(s) in lesson files" in result.stderr and not CONTROL.search(result.stdout)


async def read_screen(pilot) -> str:
    """The screen as plain text, painted as the terminal would get it (as tests/ui/conftest.py reads it)."""
    await pilot.pause()
    app = pilot.app
    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), record=True,
                      force_terminal=True, color_system="truecolor", legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


async def test_the_app_starts_with_every_hostile_file_present_and_shows_the_others(corpus):
    from textual.widgets import Input

    from dltui.ui.app import DltuiApp

    lessons, problems = load_lessons([lessons_dir(), corpus], lang="en", check_params=False)  # as the CLI starts it
    app = DltuiApp(lessons, problems, backend="numpy")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()  # the lab parameters are checked after the first frame
        await pilot.app.workers.wait_for_complete()
        notes = {note.title: note.message for note in app._notifications}
        assert "[/b]" in notes["These lessons will not open"]  # from check_lab_params: lr = "[/b]", shown literally
        assert not CONTROL.search("".join(notes.values()))
        await pilot.press("slash", *"bold")
        assert app.screen.query_one(Input).value == "bold"
        assert "[b]Bold[/b] [link=file:///etc/passwd]x[/link]" in await read_screen(pilot)
        await pilot.press("escape", "q")
    assert app.return_code == 0


def test_the_terminal_gets_only_what_the_app_draws(corpus, tmp_path):
    """The real app in a pseudo-terminal, with every hostile file present: no lesson's escape sequence reaches it."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: an 80×24 terminal running dltui
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            os.execve(sys.executable, [sys.executable, "-m", "dltui", "--lessons", str(corpus), "--backend", "numpy"],
                      {"PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "DLTUI_DATA_DIR": str(tmp_path)})
        finally:
            os._exit(127)
    output = b""
    started, quit_sent = time.monotonic(), False
    while time.monotonic() < started + 120:
        if not quit_sent and (b"These lessons will not open" in output or time.monotonic() > started + 60):
            time.sleep(1)  # check_lab_params has reported (or the app is slow): let a few more frames out
            os.write(fd, b"q")
            quit_sent = True
        if select.select([fd], [], [], 0.5)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the app exited and closed the terminal
                break
            if not chunk:
                break
            output += chunk
    _, status = os.waitpid(pid, 0)
    assert b"These lessons will not open" in output and os.waitstatus_to_exitcode(status) == 0, output[-2000:]
    for command in (b"\x1b]52;", b"\x1b]2;PWNED", b"\x1b[2J\x1b[H\x1b", "\x9b".encode(), b"\x00"):
        assert command not in output
