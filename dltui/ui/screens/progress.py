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

from dltui.i18n import N_, _, ngettext
from dltui.lessons import Lesson
from dltui.progress import Progress

from ..widgets.key_footer import KeyFooter
from ..widgets.too_small import TooSmall


class ProgressScreen(Screen):
    """Totals and the weakest lessons, read from progress each time the screen opens."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.pop_screen", N_("Back"), id="progress.back"),
        Binding("escape", "app.pop_screen", N_("Back"), show=False, id="progress.back_escape"),
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
        self.sub_title = _("Progress · {user}").format(user=progress.user) if progress.enabled else _("Progress")

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(self.report(), id="report")
        yield KeyFooter()
        yield TooSmall()

    def report(self) -> Group | Text:
        if not self.progress.enabled:
            return Text(self.progress.notice or _("Progress is off: nothing is recorded in this session."))
        totals = self.progress.totals()
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        of = _("{count} of {total}")
        table.add_row(_("Lessons started"), of.format(count=totals.lessons_started, total=len(self.lessons)))
        table.add_row(_("Lessons done"), of.format(count=totals.lessons_done, total=len(self.lessons)))
        table.add_row(_("Answers"), ngettext("{answers} to {count} question", "{answers} to {count} questions",
                                             totals.questions).format(answers=totals.answers, count=totals.questions))
        if totals.questions:
            right = _("{count} of {total} right")
            table.add_row(_("First attempt"), right.format(count=totals.first_correct, total=totals.questions)
                          + f" ({totals.first_correct / totals.questions:.0%})")
            table.add_row(_("Best"), right.format(count=totals.best_correct, total=totals.questions))
        parts = [table, Text()]
        if weakest := self.progress.weakest():
            titles = {lesson.id: f"{lesson.order}. {lesson.title}" for lesson in self.lessons}
            parts.append(Text(_("Revise first (lowest first-attempt accuracy)"), style="bold underline"))
            for lesson in weakest:
                parts.append(Text(f"  {titles.get(lesson.lesson, lesson.lesson)}: " + _(
                    "{count} of {total} right at the first attempt").format(
                    count=lesson.first_correct, total=lesson.questions) + f" ({lesson.first_accuracy:.0%})"))
        elif totals.questions:
            parts.append(Text(_("Every question answered so far was right at the first attempt.")))
        else:
            parts.append(Text(_("No answers yet: press z on a lesson for its quiz.")))
        parts.append(Text("\n" + _("Kept in {path}").format(path=self.progress.path), style="dim"))
        return Group(*parts)
