"""The dltui Textual app: the lesson browser first, a lesson screen per opened lesson (the teacher's class screen
on top, for `dltui class --tui`)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ScreenStackError
from textual.binding import Binding, BindingType

from dltui.i18n import N_, _, ngettext
from dltui.labs import lab_class
from dltui.lessons import Lesson, Problem, find_lesson, param_problems
from dltui.progress import Progress
from dltui.text import printable

from .commands import DltuiCommands
from .keys import InOrderKeys
from .messages import OpenLesson, OpenQuiz
from .screens.home import HomeScreen

if TYPE_CHECKING:
    from dltui.labs.runner import LabRunner

MAX_PROBLEMS_SHOWN = 5


class DltuiApp(InOrderKeys):
    """Opens on the lesson list (or straight into `start_lesson`); lesson-file problems are a warning, not a stop.

    Without `progress` (or with one that could not open) nothing is recorded and the app runs as usual.
    `start_class` opens the class screen over the lesson list: the command line has checked it is the teacher's.
    """

    TITLE = "dltui"
    SUB_TITLE = N_("a terminal deep-learning lab")
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses (tests, benchmarks) find it too
    COMMANDS = InOrderKeys.COMMANDS | {DltuiCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-too-narrow"), (80, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-too-short"), (24, "-tall-enough")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", N_("Help"), key_display="?", id="app.help"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | ? | Keys that work right now. |
    | ctrl+p | Command palette. |
    """

    def __init__(self, lessons: list[Lesson], problems: list[Problem] | None = None, start_lesson: str | None = None,
                 progress: Progress | None = None, backend: str | None = None, start_class: bool = False) -> None:
        super().__init__()
        self.sub_title = _(self.SUB_TITLE)
        self.lessons = sorted(lessons, key=lambda lesson: lesson.order)
        self.problems = list(problems or ())
        self.start_lesson = start_lesson
        self.progress = progress or Progress(None, "")
        self.backend = backend
        self.start_class = start_class
        self.kernels_chosen = False
        self._resting: LabRunner | None = None

    def _runner(self) -> LabRunner | None:
        """The lab runner of the screen on top, if it is a lesson's."""
        try:
            return getattr(self.screen, "runner", None)
        except ScreenStackError:  # no screen yet
            return None

    def input_arriving(self) -> None:
        """A free run rests from the moment the terminal has a key: on its way to the UI the key needs the GIL
        several times, and beside a training thread each turn waited up to a step (RNN: keys took 2× their work)."""
        if (runner := self._runner()) is not None:
            runner.give_way()

    def input_busy(self) -> None:
        """A lesson's free run rests while keys are dealt with (see `LabRunner.give_way`)."""
        self._resting = self._runner()
        if self._resting is not None:
            self._resting.give_way()

    def input_settled(self) -> None:
        if self._resting is not None:
            self._resting.go_on()
            self._resting = None

    def get_default_screen(self) -> HomeScreen:
        return HomeScreen(self.lessons, self.progress)

    def on_mount(self) -> None:
        if self.progress.notice:
            self.notify(self.progress.notice, title=_("Progress"), severity="warning", timeout=20)
        if self.problems:
            shown = "\n".join(map(str, self.problems[:MAX_PROBLEMS_SHOWN]))
            more = len(self.problems) - MAX_PROBLEMS_SHOWN
            self.notify(shown + ("\n" + _("… and {count} more (run `dltui check`)").format(count=more) if more > 0 else ""),
                        title=ngettext("{count} problem in lesson files; those lessons are left out",
                                       "{count} problems in lesson files; those lessons are left out",
                                       len(self.problems)).format(count=len(self.problems)),
                        severity="warning", timeout=20, markup=False)  # lesson text is never markup
        self.call_after_refresh(self.check_lab_params)  # the labs import NumPy: not before the first frame
        self.set_timer(1.0, self.choose_kernels)  # after the first frames; labs use NumPy kernels until then
        if self.start_class:
            from .screens.class_view import ClassScreen

            self.push_screen(ClassScreen(self.lessons, self.progress))
        elif self.start_lesson:
            if lesson := find_lesson(self.lessons, self.start_lesson):
                self.open_lesson(lesson)
            else:
                self.notify(_("No lesson {name}").format(name=repr(self.start_lesson)), severity="error", markup=False)

    @work(thread=True, exit_on_error=False, group="check")
    def check_lab_params(self) -> None:
        """Check each lesson's [params] against its lab after the first frame: it imports the labs and NumPy,
        which would otherwise delay start-up (and makes the first lesson open faster)."""
        refused = [printable(f"{lesson.path.name}: {message}")
                   for lesson in self.lessons for _name, message in param_problems(lesson.lab, lesson.params)]
        if refused:
            self.call_from_thread(self.notify, "\n".join(refused) + "\n" + _("(run `dltui check` for the lines)"),
                                  title=_("These lessons will not open"), severity="warning", timeout=20, markup=False)

    def choose_kernels(self) -> None:
        """Choose the kernel backend, once, and compile it in a subprocess, off the UI's way (it imports the engine)."""
        if self.kernels_chosen:
            return
        self.kernels_chosen = True
        from dltui.engine import backend

        warnings.simplefilter("ignore", backend.BackendNotice)  # shown as a notification instead
        try:
            notice = backend.set_backend(self.backend)
        except ValueError as error:  # a bad $DLTUI_BACKEND
            notice = _("{error}: using the NumPy backend.").format(error=error)
            backend.set_backend("numpy")
        if notice:
            self.notify(notice, title=_("Compute kernels"), severity="warning", timeout=20)
        backend.start_warmup(load=False)  # the list needs no kernels: numba joins this process with the first lab

    def on_open_lesson(self, message: OpenLesson) -> None:
        self.open_lesson(message.lesson)

    def open_lesson(self, lesson: Lesson) -> None:
        """Show a lesson; one replaces another rather than stacking up."""
        from dltui.engine import backend

        from .screens.lesson import LessonScreen  # numpy, the lab and its view load only now

        self.choose_kernels()
        backend.start_warmup()  # the lab runs on NumPy's kernels until numba's are loaded

        try:
            screen = LessonScreen.for_lab(lab_class(lesson.lab))(lesson, self.progress)
        except Exception as error:
            self.notify(f"{type(error).__name__}: {error}", title=_("Could not open {title}").format(title=lesson.title), severity="error", markup=False)
            return
        if isinstance(self.screen, LessonScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def on_open_quiz(self, message: OpenQuiz) -> None:
        from .screens.quiz import QuizScreen

        self.push_screen(QuizScreen(message.lesson, self.progress))

    def action_progress(self) -> None:
        from .screens.progress import ProgressScreen

        self.push_screen(ProgressScreen(self.lessons, self.progress))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen.active_bindings, self.screen.sub_title or self.sub_title))
