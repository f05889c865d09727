"""The dltui Textual app: the lesson browser first, a lesson screen per opened lesson."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from dltui.lessons import Lesson, Problem, find_lesson

from .commands import DltuiCommands
from .messages import OpenLesson
from .screens.home import HomeScreen

MAX_PROBLEMS_SHOWN = 5


class DltuiApp(App):
    """Opens on the lesson list (or straight into `start_lesson`); lesson-file problems are a warning, not a stop."""

    TITLE = "dltui"
    SUB_TITLE = "a terminal deep-learning lab"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses (tests, benchmarks) find it too
    COMMANDS = App.COMMANDS | {DltuiCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-too-narrow"), (80, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-too-short"), (24, "-tall-enough")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | ? | Keys that work right now. |
    | ctrl+p | Command palette. |
    """

    def __init__(self, lessons: list[Lesson], problems: list[Problem] | None = None, start_lesson: str | None = None) -> None:
        super().__init__()
        self.lessons = sorted(lessons, key=lambda lesson: lesson.order)
        self.problems = list(problems or ())
        self.start_lesson = start_lesson

    def get_default_screen(self) -> HomeScreen:
        return HomeScreen(self.lessons)

    def on_mount(self) -> None:
        if self.problems:
            shown = "\n".join(map(str, self.problems[:MAX_PROBLEMS_SHOWN]))
            more = len(self.problems) - MAX_PROBLEMS_SHOWN
            self.notify(shown + (f"\n… and {more} more (run `dltui check`)" if more > 0 else ""),
                        title=f"{len(self.problems)} problem(s) in lesson files; those lessons are left out",
                        severity="warning", timeout=20)
        if self.start_lesson:
            if lesson := find_lesson(self.lessons, self.start_lesson):
                self.open_lesson(lesson)
            else:
                self.notify(f"No lesson {self.start_lesson!r}", severity="error")

    def on_open_lesson(self, message: OpenLesson) -> None:
        self.open_lesson(message.lesson)

    def open_lesson(self, lesson: Lesson) -> None:
        """Show a lesson; one replaces another rather than stacking up."""
        from .screens.lesson import LessonScreen  # numpy, the lab and its view load only now

        try:
            screen = LessonScreen(lesson)
        except Exception as error:
            self.notify(f"{type(error).__name__}: {error}", title=f"Could not open {lesson.title}", severity="error")
            return
        if isinstance(self.screen, LessonScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen.active_bindings, self.screen.sub_title or self.sub_title))
