"""Messages the screens send up to the app."""

from __future__ import annotations

from textual.message import Message

from dltui.lessons import Lesson


class OpenLesson(Message):
    """The learner chose a lesson to open."""

    def __init__(self, lesson: Lesson) -> None:
        super().__init__()
        self.lesson = lesson
