"""The lesson browser: every lesson in order, filtered as you type after `/`."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input

from dltui.lessons import Lesson

from ..messages import OpenLesson
from ..widgets.too_small import TooSmall


def matches(lesson: Lesson, query: str) -> bool:
    """Every word of the query appears in the lesson's number, id, title or summary."""
    haystack = f"{lesson.order} {lesson.id} {lesson.title} {lesson.summary}".casefold()
    return all(word in haystack for word in query.casefold().split())


class HomeScreen(Screen):
    """Lessons as a table: number, title, one-line summary. Enter opens the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", priority=True, id="home.open"),
        Binding("slash", "filter", "Filter", key_display="/", id="home.filter"),
        Binding("escape", "clear_filter", "Clear filter", id="home.clear_filter"),
        Binding("q", "app.quit", "Quit", id="home.quit"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up / down | Move through the lessons. |
    | enter | Open the highlighted lesson (also from the filter). |
    | / | Type to filter by number, id, title or summary. |
    | escape | Clear the filter and go back to the list. |
    | q | Quit. |
    """

    def __init__(self, lessons: list[Lesson]) -> None:
        super().__init__()
        self.lessons = lessons

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Press / to filter lessons", id="filter")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="lessons")
        yield Footer()
        yield TooSmall()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("#", key="order")
        table.add_column("Lesson", key="title")
        table.add_column("What you will see", key="summary")
        self.show_lessons("")
        table.focus()

    def show_lessons(self, query: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for lesson in self.lessons:
            if matches(lesson, query):
                table.add_row(str(lesson.order), lesson.title, lesson.summary, key=lesson.id)
        self.refresh_bindings()

    @property
    def highlighted(self) -> Lesson | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next(lesson for lesson in self.lessons if lesson.id == key)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.highlighted is not None
        if action == "clear_filter":
            return bool(self.query_one("#filter", Input).value) or self.query_one("#filter", Input).has_focus
        return True

    def action_open(self) -> None:
        if lesson := self.highlighted:
            self.post_message(OpenLesson(lesson))

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.query_one(DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_lessons(event.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()
