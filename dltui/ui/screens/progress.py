"""Where the learner stands overall: lessons started and done, answers, accuracy, what to revise."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from dltui.lessons import Lesson
from dltui.progress import Progress

from ..widgets.key_footer import KeyFooter
from ..widgets.too_small import TooSmall


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


class ProgressScreen(Screen):
    """Totals and the weakest lessons, read from progress each time the screen opens."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.pop_screen", "Back", id="progress.back"),
        Binding("escape", "app.pop_screen", "Back", show=False, id="progress.back_escape"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up / down, pageup / pagedown | Scroll. |
    | q, escape | Back to the lessons. |
    """

    DEFAULT_CSS = """
    ProgressScreen > VerticalScroll {
        height: 1fr;
        padding: 1 2;
        & > Static { max-width: 100; }
    }
    """

    def __init__(self, lessons: list[Lesson], progress: Progress) -> None:
        super().__init__()
        self.lessons = lessons
        self.progress = progress
        self.sub_title = f"Progress · {progress.user}" if progress.enabled else "Progress"

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(self.report(), id="report")
        yield KeyFooter()
        yield TooSmall()

    def report(self) -> Group | Text:
        if not self.progress.enabled:
            return Text(self.progress.notice or "Progress is off: nothing is recorded in this session.")
        totals = self.progress.totals()
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_row("Lessons started", f"{totals.lessons_started} of {len(self.lessons)}")
        table.add_row("Lessons done", f"{totals.lessons_done} of {len(self.lessons)}")
        table.add_row("Answers", f"{totals.answers} to {plural(totals.questions, 'question')}")
        if totals.questions:
            table.add_row("First attempt", f"{totals.first_correct} of {totals.questions} right "
                                           f"({totals.first_correct / totals.questions:.0%})")
            table.add_row("Best", f"{totals.best_correct} of {totals.questions} right")
        parts = [table, Text()]
        if weakest := self.progress.weakest():
            titles = {lesson.id: f"{lesson.order}. {lesson.title}" for lesson in self.lessons}
            parts.append(Text("Revise first (lowest first-attempt accuracy)", style="bold underline"))
            for lesson in weakest:
                parts.append(Text(f"  {titles.get(lesson.lesson, lesson.lesson)}: "
                                  f"{lesson.first_correct} of {lesson.questions} right at the first attempt "
                                  f"({lesson.first_accuracy:.0%})"))
        elif totals.questions:
            parts.append(Text("Every question answered so far was right at the first attempt."))
        else:
            parts.append(Text("No answers yet: press z on a lesson for its quiz."))
        parts.append(Text(f"\nKept in {self.progress.path}", style="dim"))
        return Group(*parts)
