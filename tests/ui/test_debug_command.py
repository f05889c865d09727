"""`dltui debug script.py`: the debugger alone on the tape of a learner's script (the CNN and LSTM examples), driven by
its keys; every gradient it shows held to the engine's and to finite differences; the command's error paths; and
serving, which never offers it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dltui.engine import Tensor
from dltui.engine.debug import run_script, trace_of
from dltui.engine.stepper import stats
from dltui.ui.screens.debugger import DebugApp, DebuggerScreen, params_table
from dltui.ui.widgets.matrix_grid import number
from dltui.ui.widgets.node_detail import MAX_COLS, MAX_ROWS, NodeDetail
from dltui.ui.widgets.tape_list import WINDOW, TapeList

ROOT = Path(__file__).parents[2]
SIZE = (80, 24)


@pytest.fixture(scope="module")
def cnn():
    return run_script(str(ROOT / "examples" / "cnn.py"), [])


@pytest.fixture(scope="module")
def lstm():
    return run_script(str(ROOT / "examples" / "lstm.py"), [])


def shown(value: np.ndarray) -> list[str]:
    """What the node pane writes for a value: every number of a small one, else its min and max."""
    value = np.asarray(value, dtype=float)
    grid = value.reshape(-1, value.shape[-1]) if value.ndim else value.reshape(1, 1)
    if grid.shape[0] <= MAX_ROWS and grid.shape[1] <= MAX_COLS:
        return [number(v) for v in value.reshape(-1)]
    s = stats(value)
    return [f"min {number(s.min)}  max {number(s.max)}"]


async def step_through_backward(pilot, screen: DebuggerScreen) -> int:
    """Step the backward pass with n; at each step, every gradient the node pane shows (scrolled or not) is in
    it, equal to the engine's (the tape's gradients) and, node by node, to central differences."""
    s, checked = screen.stepper, 0
    s.seek(len(s.tape.nodes) - 1)  # the forward pass done: n from here walks the backward pass
    while not s.at_end:
        await pilot.press("n")
        step = s.current
        if step.phase != "backward":
            continue
        text = screen.query_one(NodeDetail).content.plain
        node = step.node
        assert all(e is None or e < 1e-6 for e in s.check(node)), node.label  # finite differences, this node
        seen = s.inspect(node)
        for grad, engine in zip(seen.grads_in, node.grads_in):
            if engine is None:
                continue
            np.testing.assert_array_equal(grad, engine)
            for part in shown(grad):
                assert part in text, (node.label, part)
            checked += 1
    return checked


async def test_the_cnn_tape_steps_and_every_gradient_is_the_engines_and_the_finite_differences(cnn, screen_text):
    params = {t.name: t for node in cnn.stepper.tape.nodes for t in node.inputs if t.node is None and t.requires_grad}
    app = DebugApp(cnn)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DebuggerScreen)
        text = await screen_text(pilot)
        assert "cnn.py · backward 20 of 20" in text and "layer1 " in text
        assert await step_through_backward(pilot, screen) == 14  # every gradient sent down the CNN (none to the images)
        text = await screen_text(pilot)
        table = params_table(cnn, done=True).plain  # the parameter pane, scrolled or not
        assert f"{cnn.params[0].name} 4×1×3×3" in text and f"rel err {cnn.params[0].rel_error:.1e}" in text
        for p in cnn.params:  # the script's own last .grad, and central differences
            np.testing.assert_allclose(p.analytic, params[p.name].grad, rtol=1e-12, atol=1e-15)
            assert p.rel_error < 1e-6 and f"rel err {p.rel_error:.1e}" in table
            for index in p.checked:
                assert f"{number(p.analytic[index]):>10}{number(p.numeric[index]):>10}" in table
        await pilot.press("q")
    assert app.return_code == 0


async def test_the_lstm_tape_steps_and_a_fused_cell_opens_into_its_gates(lstm, screen_text):
    app = DebugApp(lstm)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert await step_through_backward(pilot, screen) > 5 * 4
        assert all(p.rel_error < 1e-6 for p in lstm.params)
        await pilot.press("x")
        await pilot.press(*"n" * 5)  # forward rows: the five time steps' cells come after the input slices
        node = screen.stepper.current.node
        assert node.name == "lstm_cell" and node.module == "lstm"
        assert "e steps inside it" in await screen_text(pilot)
        await pilot.press("e")
        inside = app.screen
        assert inside is not screen and {step.node.name for step in inside.stepper.steps} >= {"sigmoid", "tanh", "mul"}
        expansion = node.expanded()
        await pilot.press("G")
        for fused, expanded in zip(node.grads_in, expansion.grads):
            if fused is not None:
                np.testing.assert_allclose(expanded, fused, rtol=1e-10, atol=1e-14)
        assert f"inside {node.label}" in await screen_text(pilot)
        await pilot.press("q")
        assert app.screen is screen


async def test_filter_and_fold_choose_the_rows_and_n_follows_them(cnn, screen_text):
    app = DebugApp(cnn)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, tape = app.screen, app.screen.query_one(TapeList)
        await pilot.press("slash", "r", "2", "enter")  # layer2 and its children
        assert {r.steps[0].node.module for r in tape.rows} <= {"layer2", "layer2.conv", "layer2.pool"}
        await pilot.press("n")
        assert screen.stepper.current.node.module == "layer2.conv"  # n went to the first row shown
        assert "rows with 'r2'" in await screen_text(pilot)
        await pilot.press("slash", "ctrl+u", "z", "enter")
        assert "no op or module contains 'z'" in await screen_text(pilot)
        await pilot.press("slash", "ctrl+u", "enter", "x", "n", "n", "n", "m")  # all rows; at layer1's relu: fold layer1
        assert len(tape.rows) == 18 - 2 * 2 and tape.rows[0].fold == "layer1" and len(tape.rows[0].steps) == 3
        assert "▸layer1" in await screen_text(pilot)
        await pilot.press("x", "n")
        assert screen.stepper.position == 2  # n stepped over layer1's conv, pool and relu at once
        await pilot.press("G", "p")
        assert screen.stepper.position == 14  # back over layer1's backward rows, to layer2's conv
        await pilot.press("n", "m", "G", "p")  # unfold: one step back again
        assert len(tape.rows) == 18 and screen.stepper.position == 16
        await pilot.press("escape")  # not filtering: back, which ends the app
    assert app.return_code == 0


async def test_a_tape_of_thousands_of_ops_draws_a_window_of_rows(screen_text):
    w = Tensor(np.array([0.5]), requires_grad=True, name="w")
    x = w
    for _ in range(1500):
        x = x * 1.0005 + 0.001
    trace = trace_of(x.sum(), "long")
    assert len(trace.stepper.steps) == 2 * 3001
    app = DebugApp(trace)
    async with app.run_test(size=(80, 24)) as pilot:
        tape = app.screen.query_one(TapeList)
        await pilot.press("G")
        assert len(tape.render().split()) <= WINDOW + 3
        text = await screen_text(pilot)
        assert "rows above" in tape.render().plain and "6002/6002" in text
        await pilot.press("p")
        assert app.screen.stepper.position == 6000


def dltui(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dltui", "debug", "--backend", "numpy", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_a_failing_script_shows_its_own_traceback_and_exits_1_before_any_screen(tmp_path):
    (tmp_path / "helper.py").write_text("def load(name):\n    return open(name).read()\n")
    (tmp_path / "bad.py").write_text("import sys\nfrom helper import load\nprint('args', sys.argv[1:])\n"
                                     "load(sys.argv[1])\n")
    done = dltui("bad.py", "missing.txt", "--step", cwd=tmp_path)  # --step after the script is the script's
    assert done.returncode == 1 and done.stdout == "args ['missing.txt', '--step']\n"
    err = done.stderr
    assert err.startswith("Traceback (most recent call last):\n  File ") and 'bad.py", line 4, in <module>' in err
    assert 'helper.py", line 2, in load' in err and err.rstrip().endswith(
        "FileNotFoundError: [Errno 2] No such file or directory: 'missing.txt'")
    assert "runpy" not in err and "dltui" not in err and "\x1b[" not in done.stdout + err  # no screen opened


def test_a_script_without_backward_is_told_so_and_exits_2(tmp_path):
    (tmp_path / "forward.py").write_text("from dltui.engine import Tensor\nprint((Tensor([1.0]) * 2.0).item())\n")
    done = dltui("forward.py", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == "2.0\n"
    assert done.stderr.startswith("dltui debug: forward.py never called backward()") and "loss.backward()" in done.stderr


def test_serving_never_runs_dltui_debug():
    """A served learner's session is `python -m dltui --data-dir D --user NAME [the teacher's options]`: the command is
    fixed by the server, and even a learner named `debug` is a --user value, never the command."""
    from dltui.cli import parser
    from dltui.serve.command import app_options
    from dltui.serve.rules import dltui_command

    served = parser()  # the server's own options, as `dltui serve ssh --lessons … --lang zh` would give them
    options = app_options(type("Args", (), {"lessons": None, "lang": "zh", "backend": "numpy",
                                            "lessons_only": False})())
    for learner in ("debug", "alice"):
        command = dltui_command(Path("/class"), options)(learner)
        assert command[1:3] == ["-m", "dltui"] and command[3] != "debug"
        args = served.parse_intermixed_args(command[3:])
        assert args.target is None and args.user == learner and not args.paths


def test_debug_takes_lang_before_the_script_and_leaves_the_scripts_own_to_it(tmp_path, capsys):
    """`dltui debug --lang zh FILE.py`: the messages in Chinese; a `--lang` after the script is the script's."""
    from dltui import i18n
    from dltui.cli import main

    script = tmp_path / "forward.py"
    script.write_text("import sys\nprint(sys.argv[1:])\n")
    assert main(["debug", "--lang", "zh", str(tmp_path / "missing.py")]) == 2
    assert i18n.language == "zh"
    assert capsys.readouterr().err == i18n._("dltui debug: {reason}").format(  # the Chinese catalog's, as it is now
        reason=i18n._("no such script: {path}").format(path=tmp_path / "missing.py")) + "\n"
    assert main(["debug", str(script), "--lang", "zh"]) == 2
    assert i18n.language == "en"
    out, err = capsys.readouterr()
    assert out == "['--lang', 'zh']\n" and err.startswith("dltui debug: forward.py never called backward()")
