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


class LabRequest(Message):
    """A view asks its lab to run one of the lab's own methods (paint a cell, set a probe).

    Views never call the screen or the lab: the lesson screen hands the request to its lab runner,
    which runs it off the UI thread like any action, and the newest snapshot is drawn as usual.
    """

    def __init__(self, method: str, *args: object) -> None:
        super().__init__()
        self.method = method
        self.args = args
