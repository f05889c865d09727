"""SVG snapshots (pytest-textual-snapshot) of every screen at 80×24 and at 160×50, plus the too-small message.

Each picture is what a learner sees after real key presses, compared with the accepted SVG under
`__snapshots__/test_snapshots/`. After an intended UI change: `pytest tests/ui/test_snapshots.py
--snapshot-update`, then review the changed SVGs before committing them. On a failure the plugin
writes `snapshot_report.html` (in the folder pytest ran from) with the old and new pictures side by side.

The pictures must not depend on the machine or the clock, so every app here:
- keeps its progress in a temporary folder, opened by a relative path (the progress screen prints it);
- runs the NumPy reference kernels (`--backend numpy`): no background numba warm-up, no notice about it;
- opens labs with the lessons' own seeds, and never shows a run that measures time;
- has animations off and every text box's cursor blink off, and is photographed once its workers are done.
"""

from __future__ import annotations

import asyncio

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from dltui import i18n
from dltui.engine import backend
from dltui.lessons import find_lesson, load_lessons
from dltui.progress import Progress
from dltui.ui.app import DltuiApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 50), id="160x50")]


@pytest.fixture(autouse=True)
def numpy_kernels(monkeypatch):
    """The NumPy reference kernels, in a backend state of this test's own (restored afterwards)."""
    monkeypatch.setattr(backend, "_s", backend._State())
    backend.set_backend("numpy")


@pytest.fixture
def progress(tmp_path, monkeypatch):
    """A fresh progress file with a little history: the MP neuron started, three answers, one wrong."""
    monkeypatch.chdir(tmp_path)  # "Kept in data/progress.sqlite3" reads the same on every machine
    with Progress.open("data", "learner") as progress:
        progress.lesson_opened("mp-neuron")
        progress.record_answer("mp-neuron", "weighted-sum", "2", False, "1")
        progress.record_answer("mp-neuron", "weighted-sum", "1", True, "1")
        progress.record_answer("mp-neuron", "tie", "3", True, "3")
        yield progress


@pytest.fixture
def seeded_app(lessons, progress):
    def make(start_lesson: str | None = None) -> DltuiApp:
        assert start_lesson is None or find_lesson(lessons, start_lesson), f"no lesson {start_lesson!r}"
        app = DltuiApp(lessons, [], start_lesson, progress=progress, backend="numpy")
        app.animation_level = "none"
        return app
    return make


def keys(*pressed: str) -> Callable[[Pilot], Awaitable[None]]:
    """Press the keys one by one, letting every worker (lab runs, progress writes) finish after each."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()
    return run_before


async def settle(pilot: Pilot) -> None:
    """Workers (progress writes) and the lab runner's jobs done, the result drawn."""
    await pilot.app.workers.wait_for_complete()
    runner = getattr(pilot.app.screen, "runner", None)
    while runner is not None and runner.busy:
        await asyncio.sleep(0.002)
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_home(snap_compare, seeded_app, size):
    """The lesson list: numbers, titles, states and quiz scores; the MP neuron in progress."""
    assert snap_compare(seeded_app(), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES)
def test_lesson_mlp(snap_compare, seeded_app, size):
    """The MLP lesson as opened: its text (and, from 120 columns, its lab beside it)."""
    assert snap_compare(seeded_app("mlp-backprop"), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES)
def test_lab_convolution(snap_compare, seeded_app, size):
    """The convolution lab after three steps: the window, its products and sum, the partial feature map."""
    assert snap_compare(seeded_app("convolution"), terminal_size=size, run_before=keys("s", "s", "s"))


@pytest.mark.parametrize("size", SIZES)
def test_controls(snap_compare, seeded_app, size):
    """The convolution lab's controls open on a refused kernel size: at 80×24 a drawer over the foot of the lab (the
    picture keeps its size), at 160×50 the panel under it; the reason on the row, the keys on the lab's bar."""
    keys_ = keys("t", "s", "o", "down", "down", "enter", "7", "enter")
    assert snap_compare(seeded_app("convolution"), terminal_size=size, run_before=keys_)


LABS_AFTER = {  # a lesson of issues 16–18, and the keys after which its lab shows what it is about
    "regression": ("s", "s", "s"),  # three steps of gradient descent on the MSE surface, ★ at least squares
    "optimizers": ("g",),  # ten steps of the seven racers on the ravine, Adam's state for the last
    "regularization": ("g", "g"),  # ten epochs: the wide net heading for the noise, train and val apart
    "normalization": ("s",),  # the deep sigmoid net's activations and gradients, layer by layer (next seed)
    "hopfield": ("s", "s", "s"),  # three neuron updates of the corrupted B, the energy falling
    "rbm": ("s", "s"),  # two CD-1 updates: the Gibbs chain v → h → v′ and one weight's statistics
    "autoencoders": ("s", "s"),  # two steps: the test digits' codes, A and B in and out
    "dcgan": ("s", "s"),  # two rounds: the fixed-z grid, D(x), D(G(z)) and both losses
    "word2vec": ("s", "s", "s"),  # three mini-batches: one pair's scores and gradients, neighbours, the analogy
    "encoder-decoder": ("e", "g", "w", "g"),  # an epoch, a greedy token, a forced wrong one, one more: both maps
    "bert-gpt": ("e", "e"),  # two epochs of both: their masks' attention, per-position accuracy, the blank filled
    "more-architectures": ("s", "s", "s", "b", "n", "n"),  # trained a little, rebracketed, backward two nodes down
    "zoo": ("s", "s", "s"),  # the RBF toy's first steps: data, fit and bumps
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lesson", LABS_AFTER)
def test_lab_after_a_few_steps(snap_compare, seeded_app, lesson, size):
    """Each lab of lessons 19–31 after its first steps, all of it on its first page."""
    assert snap_compare(seeded_app(lesson), terminal_size=size, run_before=keys(*LABS_AFTER[lesson]))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, seeded_app, size):
    """`?` over the MLP lesson: the screen's keys, the lab's keys and the focused panel's."""
    assert snap_compare(seeded_app("mlp-backprop"), terminal_size=size, run_before=keys("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_quiz_choice(snap_compare, seeded_app, size):
    """The MP neuron's quiz, question 2 (pick one), answered 3 and recorded: the verdict and why."""
    assert snap_compare(seeded_app(), terminal_size=size, run_before=keys("z", "n", "3", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_progress(snap_compare, seeded_app, size):
    """`p` on the lesson list: totals, the weakest lesson, and where progress is kept."""
    assert snap_compare(seeded_app(), terminal_size=size, run_before=keys("p"))


@pytest.mark.parametrize("size", SIZES)
def test_debugger(snap_compare, seeded_app, size):
    """`d` in the MLP lesson, then two ops forward: the tape with its highlighted row and the node's values."""
    assert snap_compare(seeded_app("mlp-backprop"), terminal_size=size, run_before=keys("d", "n", "n"))


CHINESE = {  # with --lang zh: the frame, each kind of lab (points and a line, a sliding grid, a sequence unrolled in time,
    # attention maps), the quiz, the progress screen and the debugger; the lesson opened (or None) and the keys
    "home": (None, ()),
    "perceptron": ("perceptron", ("s", "s")),
    "convolution": ("convolution", ("s", "s", "s")),
    "rnn": ("rnn", ("s", "s", "e")),
    "attention": ("attention", ("s",)),
    "quiz": (None, ("z", "n", "3", "enter")),
    "progress": (None, ("p",)),
    "debugger": ("mlp-backprop", ("d", "n", "n")),
}


@pytest.fixture(scope="module")
def chinese_lessons():
    lessons, problems = load_lessons(lang="zh")
    assert not problems
    return lessons


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", CHINESE)
def test_in_chinese(snap_compare, chinese_lessons, progress, screen, size):
    """The same screens with `--lang zh`: Chinese around the lesson text, wide characters laid out in cells."""
    i18n.use("zh")
    start, pressed = CHINESE[screen]
    app = DltuiApp(chinese_lessons, [], start, progress=progress, backend="numpy")
    app.animation_level = "none"
    assert snap_compare(app, terminal_size=size, run_before=keys(*pressed))


def test_too_small(snap_compare, seeded_app):
    """Below 80×24 the app says so instead of drawing a broken layout."""
    assert snap_compare(seeded_app(), terminal_size=(60, 20), run_before=keys())


@pytest.mark.parametrize("size", SIZES)
def test_class(snap_compare, lessons, tmp_path, monkeypatch, size):
    """`dltui class --tui`: three learners (one named like markup), their lessons done and scores, and the questions
    most of them missed at the first try; answers a minute apart from 09:00 UTC on 2 March 2026, seen at 10:00."""
    import time
    from datetime import datetime, timedelta, timezone

    start, minutes = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc), iter(range(1000))
    try:
        with monkeypatch.context() as patch:
            patch.setenv("TZ", "UTC")
            time.tzset()
            patch.chdir(tmp_path)
            patch.setattr("dltui.progress.now", lambda: (start + timedelta(minutes=next(minutes))).isoformat())
            patch.setattr("dltui.ui.screens.class_view.utc_now", lambda: start + timedelta(hours=1))
            for user, answers in {"bo": [("perceptron", "update-drill", True)],
                                  "[red]x[/]": [("mp-neuron", "tie", True), ("mp-neuron", "weighted-sum", False)],
                                  "ada": [("mp-neuron", "tie", False), ("mp-neuron", "tie", True)]}.items():
                with Progress.open("data", user) as progress:
                    for lesson, question, correct in answers:
                        progress.lesson_opened(lesson)
                        progress.record_answer(lesson, question, "1", correct)
                    if user == "ada":
                        progress.lesson_finished("mp-neuron", ["tie"])
            with Progress.open("data", "teacher") as teacher:
                app = DltuiApp(lessons, [], None, progress=teacher, backend="numpy", start_class=True)
                app.animation_level = "none"
                assert snap_compare(app, terminal_size=size, run_before=keys())
    finally:
        time.tzset()  # the machine's own time zone again
