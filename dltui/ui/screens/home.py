"""The lesson browser: every lesson in order with where the learner stands, filtered as you type after `/`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList
from textual.widgets.option_list import Option

from dltui.class_report import teaches_here
from dltui.i18n import N_, _, ngettext
from dltui.lessons import Lesson
from dltui.progress import DONE, IN_PROGRESS, NOT_STARTED, LessonProgress, Progress

from ..messages import OpenLesson, OpenQuiz
from ..widgets.key_footer import KeyFooter
from ..widgets.too_small import TooSmall
from ..widgets.wide_text import wrap

STATE_MARKS = {NOT_STARTED: N_("○ not started"), IN_PROGRESS: N_("◐ in progress"), DONE: N_("● done")}
"""Shapes and words, so the state reads without color."""


def matches(lesson: Lesson, query: str) -> bool:
    """Every word of the query appears in the lesson's number, id, title or summary."""
    haystack = f"{lesson.order} {lesson.id} {lesson.title} {lesson.summary}".casefold()
    return all(word in haystack for word in query.casefold().split())


class LessonEntry:
    """A lesson on the list, in three columns: its number, its title with the summary wrapped below, and its state
    with the quiz score below, lined up at the right on every row.

    Drawn line by line, not as a Rich Table (which drew the same): the list measures every entry's height at each
    layout, and a Table took 1.3 ms an entry (31 entries: 40 ms a layout, several before the first frame)."""

    NUMBER, STATE = 3, 23  # columns' widths; the middle one takes the rest, a space between each

    def __init__(self, *rows: tuple[Text, Text, Text]) -> None:
        self.rows = rows
        self._drawn: dict[int, list[Segment]] = {}
        """The segments drawn at a width: each layout measures the entry again at the same width."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if width not in self._drawn:
            self._drawn[width] = [segment for line in self._lines(console, width)
                                  for segment in (*line.render(console), Segment.line())]
        yield from self._drawn[width]

    def _lines(self, console: Console, width: int) -> Iterator[Text]:
        middle = max(width - self.NUMBER - self.STATE - 2, 1)
        for number, text, right in self.rows:
            for k, line in enumerate(wrap(console, text, middle)):
                start, end = (number.copy(), right.copy()) if k == 0 else (Text(), Text())
                start.align("right", self.NUMBER)
                line.align("left", middle)
                end.truncate(self.STATE, overflow="ellipsis", pad=True)
                yield Text.assemble(start, " ", line, " ", end)


class HomeScreen(Screen):
    """Lessons as a list: number, title and state; below, the summary (wrapped, not cut, at 80 columns) and quiz score."""

    teacher = reactive(False, bindings=True)
    """Whether `c` opens the class: found once, off the UI thread (`class_report.teaches_here` reads the file)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", N_("Open"), priority=True, id="home.open"),
        Binding("slash", "filter", N_("Filter"), key_display="/", id="home.filter"),
        Binding("escape", "clear_filter", N_("Clear filter"), id="home.clear_filter"),
        Binding("z", "quiz", N_("Quiz"), id="home.quiz"),
        Binding("p", "app.progress", N_("Progress"), id="home.progress"),
        Binding("c", "class", N_("Class"), id="home.class"),
        Binding("q", "app.quit", N_("Quit"), id="home.quit"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up / down | Move through the lessons. |
    | enter | Open the highlighted lesson (also from the filter). |
    | / | Type to filter by number, id, title or summary. |
    | escape | Clear the filter and go back to the list. |
    | z | The highlighted lesson's quiz. |
    | p | Totals and the weakest topics. |
    | c | The class: every learner's progress (the teacher's account only). |
    | q | Quit. |
    """

    def __init__(self, lessons: list[Lesson], progress: Progress | None = None) -> None:
        super().__init__()
        self.lessons = lessons
        self.progress = progress or Progress(None, "")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=_("Press / to filter lessons"), id="filter")
        yield OptionList(id="lessons")
        yield KeyFooter()
        yield TooSmall()

    def on_mount(self) -> None:
        self.set_focus(self.query_one(OptionList))
        self.find_teacher()

    @work(thread=True, exit_on_error=False, group="teacher")
    def find_teacher(self) -> None:
        if teaches_here(self.progress):
            self.app.call_from_thread(setattr, self, "teacher", True)

    def on_screen_resume(self) -> None:
        """Shown, first or back from a lesson or a quiz (states and scores may have changed): the list, built once."""
        self.show_lessons(self.query_one("#filter", Input).value)

    @staticmethod
    def entry(lesson: Lesson, state: LessonProgress) -> LessonEntry:
        total = len(lesson.quiz)
        score = (_("quiz {first}/{total} · best {best}/{total}").format(
                     first=state.first_correct, best=state.best_correct, total=total) if state.questions
                 else ngettext("quiz: {count} question", "quiz: {count} questions", total).format(count=total)
                 if total else "")
        return LessonEntry(
            (Text(f"{lesson.order}.", style="bold"), Text(lesson.title, style="bold"),
             Text(_(STATE_MARKS[state.state]), style="dim" if state.state == NOT_STARTED else "")),
            (Text(), Text(lesson.summary, style="dim"), Text(score, style="dim")))

    def show_lessons(self, query: str) -> None:
        options = self.query_one(OptionList)
        keep = options.highlighted_option.id if options.highlighted_option else None
        found = self.progress.lessons()
        options.clear_options()
        options.add_options(Option(self.entry(lesson, found.get(lesson.id, LessonProgress(lesson.id))), id=lesson.id)
                            for lesson in self.lessons if matches(lesson, query))
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.highlighted = ids.index(keep) if keep in ids else 0 if ids else None
        self.refresh_bindings()

    @property
    def highlighted(self) -> Lesson | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        key = options.get_option_at_index(options.highlighted).id
        return next(lesson for lesson in self.lessons if lesson.id == key)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.highlighted is not None
        if action == "quiz":
            return bool(self.highlighted and self.highlighted.quiz)
        if action == "class":
            return self.teacher
        if action == "clear_filter":
            return bool(self.query_one("#filter", Input).value) or self.query_one("#filter", Input).has_focus
        return True

    def action_open(self) -> None:
        if lesson := self.highlighted:
            self.post_message(OpenLesson(lesson))

    def action_quiz(self) -> None:
        if lesson := self.highlighted:
            self.post_message(OpenQuiz(lesson))

    def action_class(self) -> None:
        from .class_view import ClassScreen

        self.app.push_screen(ClassScreen(self.lessons, self.progress))

    def action_filter(self) -> None:
        self.set_focus(self.query_one("#filter", Input))  # now, so keys typed right after land in it

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.set_focus(self.query_one(OptionList))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_lessons(event.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()
