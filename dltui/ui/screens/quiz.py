"""A lesson's quiz: one question at a time, graded on Enter, with the explanation right after.

Every question is posed afresh on every show and every retry: engine questions get new numbers,
choices a new order (drawn from the screen's seeded generator); the screen grades against the
`Posed` it showed. Each answer is written to progress in a worker thread and the screen says
"Recorded" only once the write has committed. Lesson text is shown as written, never as markup.
"""

from __future__ import annotations

import re
import zlib
from typing import Any, ClassVar

import numpy as np
from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Input, Static
from textual.worker import Worker, WorkerState

from dltui.i18n import N_, _, ngettext
from dltui.lessons import Lesson, Question
from dltui.numbers import fold
from dltui.progress import DONE_RULE, Progress
from dltui.quiz import AnswerError, Posed, Result, Score, grade, pose
from dltui.text import left

from ..messages import AnswerSaved
from ..widgets.key_footer import KeyFooter
from ..widgets.lesson_markdown import LessonMarkdown
from ..widgets.too_small import TooSmall

KIND_NAMES = {"choice": N_("pick one"), "multi": N_("pick every one that fits"), "numeric": N_("a number")}
MARKS = (("( )", "(•)"), ("[ ]", "[x]"))
"""Unpicked / picked, for one choice and for several: they read without color."""
PLACEHOLDERS = {"choice": N_("the choice's number, e.g. 2"), "multi": N_("every choice that fits, e.g. 1, 3"),
                "numeric": N_("a number, e.g. 0.5 or 1/4")}
CODE_SPAN = re.compile(r"`([^`]+)`")


def typed_picks(text: str) -> set[int]:
    """The choice numbers in what was typed so far, for the marks; grading parses strictly."""
    return {int(word) for word in re.findall(r"\d+", text)}


def inline(text: str) -> Text:
    """One line of lesson text shown outside a Markdown block (a choice, the summary): `code` styled as the
    prompt's Markdown styles it, without its backticks; nothing else is read as markup."""
    line = Text()
    for index, part in enumerate(CODE_SPAN.split(text)):
        line.append(part, style="markdown.code" if index % 2 else "")
    return line


def title(question: Question, lang: str) -> str:
    """A question's name for the summary: its prompt's first paragraph on one line (an engine question without a
    prompt of its own is named by a sample of the question it generates)."""
    if not (prompt := question.prompt):
        prompt = pose(question, np.random.default_rng(0), lang).asked
    return " ".join(prompt.strip().split("\n\n")[0].split())


def tally(heading: str, rows: list[tuple[str, str]]) -> list[tuple[str, str] | str]:
    """A heading, then `label  value` lines with the values lined up (labels measured in cells, for Chinese)."""
    width = max(cell_len(label) for label, _value in rows) + 2
    parts: list[tuple[str, str] | str] = [(heading + "\n", "bold underline")]
    for k, (label, value) in enumerate(rows):
        parts += [(left(label, width), "bold"), value + ("\n" if k < len(rows) - 1 else "")]
    return parts


class QuizScreen(Screen):
    """Question, choices and answer box; after an answer the verdict, the expected answer and why."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", N_("Submit"), priority=True, id="quiz.submit"),  # before the answer box's own Enter
        Binding("enter", "move(1)", N_("Next"), show=False, id="quiz.next_enter"),
        *(Binding(str(n), f"pick({n})", N_("Pick a choice"), show=n == 1, key_display="1-9", id=f"quiz.pick{n}")
          for n in range(1, 10)),
        *(Binding(key, f"type('{char}')", N_("Type the answer"), show=char == "0", key_display="0-9", id=f"quiz.type.{key}")
          for key, char in [*((str(n), str(n)) for n in range(10)), ("minus", "-"), ("full_stop", ".")]),
        Binding("r", "retry", N_("Retry"), id="quiz.retry"),
        Binding("n", "move(1)", N_("Next"), id="quiz.next"),
        Binding("p", "move(-1)", N_("Previous"), id="quiz.previous"),
        Binding("pagedown", "page(1)", N_("Scroll down"), show=False, id="quiz.page_down"),
        Binding("pageup", "page(-1)", N_("Scroll up"), show=False, id="quiz.page_up"),
        Binding("escape", "leave_input", N_("Stop typing"), id="quiz.leave_input"),
        Binding("q", "app.pop_screen", N_("Back"), id="quiz.back"),
        Binding("escape", "app.pop_screen", N_("Back"), show=False, id="quiz.back_escape"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | 1-9 | Pick a choice (several: each digit toggles one). |
    | 0-9, -, . | Start typing a numeric answer (a Chinese input method's ０-９ too). |
    | enter | Submit the answer; after the verdict, the next question. |
    | tab | Move between the question and the answer box (type "1, 3" or a number there). |
    | r | Try the question again (an engine question draws new numbers). |
    | n / p | Next / previous question; after the last, the summary. |
    | pageup / pagedown | Scroll a long explanation. |
    | escape | In the answer box: back to the question's keys; elsewhere: back. |
    | q | Back. |
    """

    DEFAULT_CSS = """
    QuizScreen {
        & > #sheet {
            height: 1fr;
            padding: 0 2;
            &:focus { background-tint: $foreground 3%; }
            & > Static { max-width: 100; margin-top: 1; }
        }
        & #heading { color: $text-muted; text-style: bold; }
        & #feedback {
            display: none;
            padding: 0 1;
            border-left: outer $border;
            &.-right { display: block; border-left: outer $success; }
            &.-wrong { display: block; border-left: outer $error; }
        }
        & #saved { color: $text-muted; }
        & > #entry {
            height: auto;
            padding: 0 1;
            & > Input { width: 1fr; max-width: 60; }
            & > #unit { width: auto; padding: 1 1; color: $text-muted; }
        }
        & > #message { height: auto; padding: 0 2; color: $error; text-style: bold; }
    }
    """

    index: reactive[int] = reactive(0, bindings=True, init=False)
    """The question on screen; `len(lesson.quiz)` is the summary."""

    result: reactive[Result | None] = reactive(None, bindings=True, init=False)
    """The verdict on the current question, once answered (cleared by a retry)."""

    def __init__(self, lesson: Lesson, progress: Progress | None = None, seed: int | None = None) -> None:
        """`seed` draws the numbers and choice orders; by default it follows the lesson and how many answers the
        learner has recorded in it, so each session draws anew and the same progress draws the same (tests)."""
        super().__init__()
        self.lesson = lesson
        self.progress = progress or Progress(None, "")
        self.score = Score()
        self.posed: Posed | None = None
        self.rng = np.random.default_rng(
            seed if seed is not None else (zlib.crc32(lesson.id.encode()), self.progress.lesson(lesson.id).answers))
        self.sub_title = _("Quiz · {title}").format(title=f"{lesson.order}. {lesson.title}")

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="sheet"):
            yield Static(id="heading", markup=False)
            yield Static(id="prompt", markup=False)
            yield Static(id="choices", markup=False)
            yield Static(id="feedback", markup=False)
            yield Static(id="saved", markup=False)
        with Horizontal(id="entry"):
            yield Input(id="answer", select_on_focus=False)
            yield Static(id="unit", markup=False)
        yield Static(id="message", markup=False)
        yield KeyFooter()
        yield TooSmall()

    def on_mount(self) -> None:
        self._show()

    @property
    def total(self) -> int:
        return len(self.lesson.quiz)

    @property
    def typing(self) -> bool:
        return self.query_one("#answer", Input).has_focus

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        asking = self.index < self.total and self.result is None
        if action == "submit":
            return asking
        if action == "leave_input":
            return self.typing
        if action in ("pick", "type"):
            numeric = self.posed is not None and self.posed.kind == "numeric"
            return asking and not self.typing and self.posed is not None and numeric == (action == "type")
        if action == "retry":
            return self.result is not None
        if action == "move":
            if self.typing:
                return False
            return 0 <= self.index + parameters[0] <= self.total
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()  # letters type into the answer box, so their keys leave the Footer

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()

    def watch_index(self) -> None:
        self._show()

    def _show(self) -> None:
        """Pose the current question (engine ones draw new numbers) or show the summary."""
        self.result = None
        self.query_one("#message", Static).update("")
        if self.index == self.total:
            self.posed = None
            self._show_summary()
            return
        question = self.lesson.quiz[self.index]
        self.posed = posed = pose(question, self.rng, self.lesson.lang)
        parts = [_("Question {number} of {total}").format(number=self.index + 1, total=self.total), _(KIND_NAMES[posed.kind])]
        if question.kind == "engine":
            parts.append(_("fresh numbers each attempt"))
        if attempts := self.score.attempts.get(question.id, 0):
            parts.append(_("tried {count}×").format(count=attempts))
        self.query_one("#heading", Static).update(" · ".join(parts))
        self.query_one("#prompt", Static).update(LessonMarkdown(posed.prompt))
        answer = self.query_one("#answer", Input)
        answer.value = ""
        answer.placeholder = _(PLACEHOLDERS[posed.kind])
        self.query_one("#entry").display = True
        self.query_one("#unit", Static).update(posed.unit)
        self._show_choices()
        self._show_feedback()
        self.query_one("#sheet").scroll_home(animate=False)
        self.set_focus(self.query_one("#sheet"))  # the question's keys work; a digit starts typing

    def _show_choices(self) -> None:
        posed, choices = self.posed, self.query_one("#choices", Static)
        choices.display = bool(posed and posed.choices)
        if not choices.display:
            return
        picked = typed_picks(self.query_one("#answer", Input).value)
        right = set(posed.right) if self.result else set()
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        table.add_column(no_wrap=True)
        for number, text in enumerate(posed.choices, 1):
            mark = MARKS[posed.kind == "multi"][number in picked]
            table.add_row(Text(f"{mark} {number}.", style="bold" if number in picked else ""), inline(text),
                          Text(_("← right") if number in right else "", style="bold"))
        choices.update(table)

    def _show_feedback(self, saving: bool = False) -> None:
        result, feedback = self.result, self.query_one("#feedback", Static)
        feedback.set_class(bool(result and result.correct), "-right")
        feedback.set_class(bool(result and not result.correct), "-wrong")
        self.query_one("#saved", Static).update(_("Saving…") if saving else "")
        if result is None:
            feedback.update("")
            return
        attempt = self.score.attempts[result.question_id]
        verdict = Text(_("✓ Right") if result.correct else _("✗ Wrong"), style="bold")
        verdict.append(" · " + _("attempt {number} · you answered {answer}").format(
            number=attempt, answer=result.given_as_shown), style="")
        parts: list[Any] = [verdict, inline(_("Expected: {answer}").format(answer=result.expected_as_shown))]
        if result.explanation:
            parts.append(LessonMarkdown(result.explanation))
        if result.worked:
            parts += [Text(_("Worked computation:"), style="bold"), Text(result.worked)]
        feedback.update(Group(*parts))

    def _show_summary(self) -> None:
        score, quiz = self.score, self.lesson.quiz
        self.query_one("#heading", Static).update(ngettext("Summary · {count} question", "Summary · {count} questions",
                                                           self.total).format(count=self.total))
        solved = len({q.id for q in quiz} & (score.solved | self.progress.solved(self.lesson.id)))
        rule = _(DONE_RULE)
        done = ((_("✓ Done"), "bold"), f": {rule}.") if solved == self.total else (
            (_("Done when {rule}").format(rule=rule), "bold"),
            ": " + _("{count} of {total} so far.").format(count=solved, total=self.total))
        right, of = _("{count} of {total} right"), _("{count} of {total}")
        summary = Text.assemble(*done, "\n\n", *tally(_("This time"), [
            (_("First attempt"), right.format(count=score.first_attempt, total=self.total)),
            (_("Best"), right.format(count=score.best, total=self.total)),
            (_("Answered"), of.format(count=len(score.attempts), total=self.total))]))
        if self.progress.enabled:
            saved = self.progress.lesson(self.lesson.id)
            summary.append_text(Text.assemble("\n\n", *tally(_("In your progress (every session)"), [
                (_("First attempt"), right.format(count=saved.first_correct, total=self.total)),
                (_("Best"), right.format(count=saved.best_correct, total=self.total))])))
        self.query_one("#prompt", Static).update(summary)
        rows = [Text.assemble(f"{'✓' if q.id in score.solved else '✗' if q.id in score.attempts else '·'} {number:>2}. ",
                              inline(title(q, self.lesson.lang)), no_wrap=True, overflow="ellipsis")
                for number, q in enumerate(quiz, 1)]
        self.query_one("#choices", Static).update(Group(*rows))
        self.query_one("#choices").display = True
        self._show_feedback()
        self.query_one("#entry").display = False
        self.set_focus(self.query_one("#sheet"))

    def on_key(self, event: events.Key) -> None:
        """A Chinese input method's full-width digit, point or minus (or a `−`) starts an answer as 0-9 . - do."""
        char = event.character or ""
        if len(char) == 1 and fold(char) != char and fold(char) in "0123456789.-" and self.check_action("type", ()):
            event.stop()
            self.action_type(char)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#message", Static).update("")
        self._show_choices()

    def action_pick(self, number: int) -> None:
        answer = self.query_one("#answer", Input)
        picked = typed_picks(answer.value) ^ {number} if self.posed.kind == "multi" else {number}
        answer.value = ", ".join(map(str, sorted(picked)))

    def action_type(self, char: str) -> None:
        answer = self.query_one("#answer", Input)
        self.set_focus(answer)
        answer.insert_text_at_cursor(char)

    def on_paste(self, event: events.Paste) -> None:
        """A paste while the question has focus is an answer typed at once: it goes into the answer box."""
        if self.index < self.total and self.result is None and not self.typing:
            event.stop()
            self.action_type(event.text.strip())

    def action_submit(self) -> None:
        """Grade what is in the answer box; a non-answer only gets a message and is not counted."""
        answer = self.query_one("#answer", Input)
        try:
            result = grade(self.posed, answer.value)
        except AnswerError as error:
            self.query_one("#message", Static).update(_("Not an answer: {reason}.").format(reason=error))
            return
        attempt = self.score.add(result)
        self.result = result
        self.query_one("#entry").display = False  # room for the explanation; the verdict repeats the answer
        self._show_choices()
        self._show_feedback(saving=True)
        self.save(result, attempt)
        self.set_focus(self.query_one("#sheet"))  # arrows and page keys scroll a long explanation

    @work(thread=True, exit_on_error=False, group="progress")
    def save(self, result: Result, attempt: int) -> None:
        """Commit the answer; a right one may finish the lesson (DONE_RULE)."""
        saved = self.progress.record_answer(self.lesson.id, result.question_id, result.given, result.correct,
                                            result.expected, result.asked)
        if saved and result.correct:
            self.progress.lesson_finished(self.lesson.id, [q.id for q in self.lesson.quiz])
        self.post_message(AnswerSaved(result.question_id, attempt, saved))

    def on_answer_saved(self, message: AnswerSaved) -> None:
        result = self.result
        shown = result and (result.question_id, self.score.attempts[result.question_id])
        if shown != (message.question_id, message.attempt):
            return  # the learner has moved on; the answer was still written
        if message.answer:
            text = _("Recorded in your progress.")
        else:
            text = _("Not saved.") + " " + (self.progress.notice or _("Progress is off."))
        self.query_one("#saved", Static).update(text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "progress" and event.state == WorkerState.ERROR:
            self.notify(f"{type(event.worker.error).__name__}: {event.worker.error}",
                        title=_("The answer was not saved"), severity="error", timeout=10)

    def action_leave_input(self) -> None:
        self.set_focus(self.query_one("#sheet"))

    def action_retry(self) -> None:
        self._show()

    def action_move(self, offset: int) -> None:
        self.index += offset

    def action_page(self, direction: int) -> None:
        sheet = self.query_one("#sheet", VerticalScroll)
        if direction > 0:
            sheet.scroll_page_down()
        else:
            sheet.scroll_page_up()
