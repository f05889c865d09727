"""Messages the screens send up to the app, and the quiz's worker sends to its screen."""

from __future__ import annotations

from textual.message import Message

from dltui.lessons import Lesson
from dltui.progress import Answer


class OpenLesson(Message):
    """The learner chose a lesson to open."""

    def __init__(self, lesson: Lesson) -> None:
        super().__init__()
        self.lesson = lesson


class OpenQuiz(Message):
    """The learner asked for a lesson's quiz (from the lesson list or the lesson itself)."""

    def __init__(self, lesson: Lesson) -> None:
        super().__init__()
        self.lesson = lesson


class AnswerSaved(Message):
    """A quiz answer's write finished: `answer` is None when it was not saved."""

    def __init__(self, question_id: str, attempt: int, answer: Answer | None) -> None:
        super().__init__()
        self.question_id = question_id
        self.attempt = attempt
        self.answer = answer
