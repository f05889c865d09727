"""The teacher's class screen: every learner's lessons and quiz scores, live, and the questions most of them missed.

Only the teacher reaches it (`class_report.teaches_here` on the lesson list; `dltui class --tui` after the command
line's own check). Progress is read off the UI thread when the screen shows and every REFRESH_S seconds while it
does, so a class answering shows up as the teacher watches, the cursor staying on its learner. Columns are fitted
to the width (a timestamp becomes "5 min ago", long lists end in …, the least needed columns go) instead of being
clipped. Learner names and question prompts are other people's text: plain `Text`, control characters written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Static

from dltui.class_report import LearnerSummary, MissedQuestion, ago, export, export_path, hardest, local_time, summaries
from dltui.i18n import N_, _, ngettext
from dltui.lessons import Lesson
from dltui.progress import NOT_STARTED, LessonProgress, Progress, Totals
from dltui.text import cells, printable, shorten

from ..widgets.key_footer import KeyFooter
from ..widgets.too_small import TooSmall
from .home import STATE_MARKS

REFRESH_S = 3.0
MISSED_SHORT, MISSED_TALL, TALL = 5, 10, 40  # missed questions listed below and from TALL rows
SORTS = {"name": N_("by name"), "done": N_("fewest lessons done first"), "first": N_("weakest first try first"),
         "active": N_("longest idle first")}
"""`s` cycles these columns; each but the name puts the learners who may need the teacher on top."""

Cell = str | tuple[str, ...]
"""A cell's text, or its forms from the fullest to the shortest: the fullest that fits its column is shown."""


def utc_now() -> datetime:
    """The time "5 min ago" counts from."""
    return datetime.now(timezone.utc)


def when(stamp: str) -> tuple[str, str]:
    """A last activity in full (local time and how long ago) and short (how long ago)."""
    since = ago(stamp, utc_now())
    return (_("{time}, {ago}").format(time=local_time(stamp), ago=since), since) if stamp else ("", "")


def score(right: int, out_of: int) -> str:
    return f"{right}/{out_of}"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    right: bool = False  # numbers line up at the right


def fit(natural: dict[str, int], least: dict[str, int], room: int,
        squeeze: tuple[tuple[str, int | None], ...]) -> dict[str, int]:
    """Column widths that fit `room` cells (each column takes two more for its padding): `squeeze`'s steps in order,
    only while the columns are too wide: (key, cells) narrows a column to `cells` but not below `least`,
    (key, None) leaves it out; room left over widens the narrowed columns again, the last narrowed first."""
    widths, narrowed = dict(natural), []

    def spare() -> int:
        return room - sum(width + 2 for width in widths.values())

    for key, narrow in squeeze:
        if spare() >= 0:
            break
        if key in widths:
            if narrow is None:
                del widths[key]
            else:
                widths[key] = max(least[key], min(widths[key], narrow))
                narrowed.append(key)
    for key in reversed(narrowed):  # what a column left out gave back goes to the last ones narrowed
        widths[key] = min(natural[key], widths[key] + max(0, spare()))
    return widths


def translated(columns: list[Column]) -> list[Column]:
    """The columns with their labels in the interface's language."""
    return [Column(column.key, _(column.label), column.right) for column in columns]


class LiveScreen(Screen):
    """A screen of progress read off the UI thread (`read`) and drawn (`show`) when it shows and every REFRESH_S
    seconds while it does."""

    DEFAULT_CSS = """
    LiveScreen {
        & > DataTable { height: 1fr; margin: 1 1 0 1; scrollbar-size-vertical: 1; }
        & > .note { height: auto; margin: 1 2 0 2; }
    }
    """

    def __init__(self, lessons: list[Lesson], progress: Progress) -> None:
        super().__init__()
        self.lessons = lessons
        self.progress = progress
        self.data: object | None = None
        self._timer: Timer | None = None
        self._layout: list[tuple[str, str, int]] = []  # the table's columns as last drawn: (key, label, width)

    def on_mount(self) -> None:
        self.set_focus(self.query_one(DataTable))

    def on_screen_resume(self) -> None:
        self.load()
        if self._timer is None:
            self._timer = self.set_interval(REFRESH_S, self.load)
        else:
            self._timer.resume()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def on_resize(self) -> None:
        if self.data is not None:
            self.call_after_refresh(self.draw)

    @work(thread=True, exclusive=True, exit_on_error=False, group="live")
    def load(self) -> None:
        data = self.read()
        self.app.call_from_thread(self.show, data)

    def read(self) -> object:
        raise NotImplementedError

    def fill(self, columns: list[Column], rows: dict[str, dict[str, Cell]],
             squeeze: tuple[tuple[str, int | None], ...]) -> None:
        """Show `rows` (key → column key → cell) in the table, fitted to its width, the cursor kept on its row's
        key. Only changed cells are redrawn while the columns and the rows' order stay."""
        table = self.query_one(DataTable)
        if not table.size.width:  # hidden (a terminal too small): drawn on the next refresh or resize
            return
        forms = {key: {column.key: (cell,) if isinstance(cell, str) else cell for column, cell in
                       ((column, row.get(column.key, "")) for column in columns)} for key, row in rows.items()}
        natural = {c.key: max([cells(c.label), *(cells(row[c.key][0]) for row in forms.values())]) for c in columns}
        least = {c.key: max([cells(c.label), *(cells(row[c.key][-1]) for row in forms.values() if len(row[c.key]) > 1)])
                 for c in columns}  # a column of plain text narrows to its label (its cells end in …)
        scroll_bar = int(len(rows) + 1 > table.size.height)  # rows and the header taller than the table
        widths = fit(natural, least, table.size.width - scroll_bar, squeeze)
        shown = [column for column in columns if column.key in widths]

        def text(cell: tuple[str, ...], column: Column) -> Text:
            width = widths[column.key]
            fitting = next((form for form in cell if cells(form) <= width), shorten(cell[-1], width))
            return Text(fitting, justify="right" if column.right else "left", no_wrap=True)

        layout = [(column.key, column.label, widths[column.key]) for column in shown]
        if layout == self._layout and list(rows) == [key.value for key in table.rows]:
            for key, row in forms.items():
                for column in shown:
                    if (new := text(row[column.key], column)) != table.get_cell(key, column.key):
                        table.update_cell(key, column.key, new)
            return
        keep = self.chosen
        table.clear(columns=True)
        for column in shown:
            table.add_column(Text(column.label, justify="right" if column.right else "left", style="bold"),
                             width=widths[column.key], key=column.key)
        for key, row in forms.items():
            table.add_row(*(text(row[column.key], column) for column in shown), key=key)
        self._layout = layout
        if keep in rows:
            table.move_cursor(row=list(rows).index(keep))

    @property
    def chosen(self) -> str | None:
        """The key of the row under the cursor (None in an empty table)."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def show(self, data: object) -> None:
        if self.is_attached:
            self.data = data
            self.draw()
            self.refresh_bindings()  # keys that need data (a learner to open) now work

    def draw(self) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class ClassData:
    learners: list[LearnerSummary]
    missed: list[MissedQuestion]


class ClassScreen(LiveScreen):
    """A row per learner (↑↓ choose, Enter opens their lessons), then the questions most of them missed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", N_("Lessons"), priority=True, id="class.open"),
        Binding("s", "sort", N_("Sort"), id="class.sort"),
        Binding("e", "export", N_("Export CSV"), id="class.export"),
        Binding("q", "app.pop_screen", N_("Back"), id="class.back"),
        Binding("escape", "app.pop_screen", N_("Back"), show=False, id="class.back_escape"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up / down, pageup / pagedown | Choose a learner. |
    | enter | The learner's lessons: state and scores of each. |
    | s | Sort by name, lessons done, first try or last active. |
    | e | Export the class as a CSV file in the current folder (as `dltui class --export csv`). |
    | q, escape | Back to the lessons. |
    """

    COLUMNS = [Column("name", N_("Learner")), Column("done", N_("Done"), right=True),
               Column("which", N_("Lessons done")), Column("first", N_("First try"), right=True),
               Column("best", N_("Best"), right=True), Column("answers", N_("Answers"), right=True),
               Column("active", N_("Last active"))]
    """The labels are translated where the table is drawn (`columns`)."""
    SQUEEZE = (("active", 0), ("which", 16), ("name", 16), ("answers", None), ("which", 0), ("name", 12),
               ("best", None), ("name", 0))

    def __init__(self, lessons: list[Lesson], progress: Progress) -> None:
        super().__init__(lessons, progress)
        self.sort = "name"
        self.sub_title = _("Class")

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="learners", cursor_type="row")
        yield Static(id="missed", classes="note")
        yield KeyFooter()
        yield TooSmall()

    def read(self) -> ClassData:
        learners = self.progress.learners()
        return ClassData(summaries(self.lessons, self.progress, learners),
                         hardest(self.lessons, self.progress, MISSED_TALL))

    def sorted_learners(self) -> list[LearnerSummary]:
        def key(row: LearnerSummary) -> tuple:
            accuracy = -1.0 if row.first_accuracy is None else row.first_accuracy
            return {"name": (), "done": (row.totals.lessons_done, accuracy), "first": (accuracy,),
                    "active": (row.totals.last_active,)}[self.sort] + (row.name.casefold(), row.name)
        return sorted(self.data.learners, key=key)

    def draw(self) -> None:
        table, missed = self.query_one(DataTable), self.query_one("#missed", Static)
        learners = self.data.learners
        count = len(learners)
        self.sub_title = ngettext("Class · {count} learner · {sort}", "Class · {count} learners · {sort}", count).format(
            count=count, sort=_(SORTS[self.sort]))
        if not learners:
            table.clear(columns=True)
            missed.update(Text(printable(_("No learner has opened a lesson in {path} yet.").format(
                path=self.progress.path) if self.progress.enabled else self.progress.notice)))
            return
        columns = [self.sort_mark(column) for column in translated(self.COLUMNS)]
        rows = {row.name: self.cells(row.name, row.totals, row.done) for row in self.sorted_learners()}
        self.fill(columns, rows, self.SQUEEZE)
        listed = MISSED_TALL if self.app.size.height >= TALL else MISSED_SHORT
        missed.update(self.missed_table(self.data.missed[:listed]))

    def sort_mark(self, column: Column) -> Column:
        """The column with room for the sort mark, ▲ if it is the sort column."""
        if column.key not in SORTS:
            return column
        mark = "▲" if column.key == self.sort else " "
        return Column(column.key, f"{mark} {column.label}" if column.right else f"{column.label} {mark}", column.right)

    def cells(self, name: str, totals: Totals, done: str) -> dict[str, Cell]:
        return {"name": printable(name), "done": score(totals.lessons_done, len(self.lessons)),
                "which": printable(done), "first": score(totals.first_correct, totals.questions),
                "best": score(totals.best_correct, totals.questions), "answers": str(totals.answers),
                "active": when(totals.last_active)}

    @staticmethod
    def missed_table(items: list[MissedQuestion]) -> Group | Text:
        if not items:
            return Text(_("No question has been missed at the first try yet."), style="dim")
        table = Table(box=None, padding=(0, 1), pad_edge=False, expand=True, header_style="bold")
        table.add_column(_("Missed"), justify="right", no_wrap=True)
        table.add_column(_("Not yet right"), justify="right", no_wrap=True)
        table.add_column(_("Lesson"), justify="right", no_wrap=True)
        table.add_column(_("Question"), ratio=1, no_wrap=True, overflow="ellipsis")
        for item in items:
            table.add_row(_("{count} of {total}").format(count=item.counts.missed_first, total=item.counts.learners),
                          str(item.counts.unsolved), Text(printable(item.lesson)), Text(printable(item.text)))
        return Group(Text(_("Missed at the first try by the most learners"), style="bold underline"), table)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "sort", "export"):
            return bool(self.data and self.data.learners)
        return True

    def action_open(self) -> None:
        if (name := self.chosen) is not None:
            self.app.push_screen(LearnerScreen(self.lessons, self.progress, name))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # a click on the chosen row; Enter is the screen's own key
        self.action_open()

    def action_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self.draw()

    def action_export(self) -> None:
        self.export_csv()

    @work(thread=True, exit_on_error=False, group="export")
    def export_csv(self) -> None:
        path = export_path("csv")
        try:
            count = export(self.progress, path, "csv", self.progress.learners())
        except OSError as error:
            self.app.call_from_thread(self.notify, printable(_("Cannot write {path}: {error}").format(
                path=path, error=error.strerror)), title=_("Export"), severity="error", markup=False)
            return
        self.app.call_from_thread(self.notify, printable(ngettext(
            "{count} row (a learner and a lesson each) in {path}", "{count} rows (a learner and a lesson each) in {path}",
            count).format(count=count, path=path.resolve())), title=_("Exported"), markup=False)


@dataclass(frozen=True)
class LearnerData:
    lessons: dict[str, LessonProgress]
    totals: Totals


class LearnerScreen(LiveScreen):
    """One learner's lessons, every lesson in order: its state, first-try and best scores, answers, last activity."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.pop_screen", N_("Back"), id="learner.back"),
        Binding("escape", "app.pop_screen", N_("Back"), show=False, id="learner.back_escape"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up / down, pageup / pagedown | Scroll. |
    | q, escape | Back to the class. |
    """

    COLUMNS = [Column("number", N_("No"), right=True), Column("title", N_("Lesson")), Column("state", N_("State")),
               Column("first", N_("First try"), right=True), Column("best", N_("Best"), right=True),
               Column("answers", N_("Answers"), right=True), Column("active", N_("Last active"))]
    SQUEEZE = (("active", 0), ("title", 24), ("answers", None), ("title", 0))

    def __init__(self, lessons: list[Lesson], progress: Progress, learner: str) -> None:
        super().__init__(lessons, progress)
        self.learner = learner
        self.sub_title = printable(_("Class · {learner}").format(learner=learner))

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="totals", classes="note")
        yield DataTable(id="lessons", cursor_type="row")
        yield KeyFooter()
        yield TooSmall()

    def read(self) -> LearnerData:
        return LearnerData(self.progress.lessons(self.learner), self.progress.totals(self.learner))

    def draw(self) -> None:
        found, totals = self.data.lessons, self.data.totals
        right = (_("first try {right} of {count} right ({percent}), best {best}").format(
            right=totals.first_correct, count=totals.questions,
            percent=f"{totals.first_correct / totals.questions:.0%}", best=totals.best_correct)
            if totals.questions else _("no answers yet"))
        self.query_one("#totals", Static).update(Text(printable(" · ".join([
            self.learner, _("{done} of {count} lessons done").format(done=totals.lessons_done, count=len(self.lessons)),
            right, ngettext("{count} answer", "{count} answers", totals.answers).format(count=totals.answers),
            _("last active {when}").format(when=when(totals.last_active)[0])]))))
        rows = {lesson.id: self.cells(str(lesson.order), lesson.title, len(lesson.quiz),
                                      found.get(lesson.id, LessonProgress(lesson.id))) for lesson in self.lessons}
        rows |= {lesson: self.cells("", lesson, state.questions, state)  # lessons no longer loaded, by id
                 for lesson, state in sorted(found.items()) if lesson not in rows}
        self.fill(translated(self.COLUMNS), rows, self.SQUEEZE)

    @staticmethod
    def cells(number: str, title: str, questions: int, state: LessonProgress) -> dict[str, Cell]:
        started = state.state != NOT_STARTED
        return {"number": number, "title": printable(title), "state": _(STATE_MARKS[state.state]),
                "first": score(state.first_correct, questions) if started else "",
                "best": score(state.best_correct, questions) if started else "",
                "answers": str(state.answers) if started else "", "active": when(state.last_active)}
