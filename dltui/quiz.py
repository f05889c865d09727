"""Quiz grading, independent of any screen: pose a question, parse what was typed, grade it.

Every attempt is posed afresh: an engine question gets new numbers (the lab draws them and
computes the answer), and a question with choices shows them in a new order, so neither the right
answer's place nor its length gives it away. The UI keeps the `Posed` it showed and grades the typed
answer against it. What is recorded numbers the choices as the question does, whatever the order
shown. Input that is not an answer at all ("abc" for a number, choice 7 of 4) raises AnswerError
with a message to show; it is not counted as a wrong answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from dltui.i18n import _
from dltui.labs import question_generator
from dltui.lessons import Question
from dltui.numbers import fold, parse_number, show_number

SEPARATORS = re.compile(r"[\s,;，、；]+")


class AnswerError(ValueError):
    """Typed text that is not an answer to this question; the message says what is expected."""


@dataclass(frozen=True)
class Posed:
    """A question as shown for one attempt: for engine questions, with this attempt's numbers; choices in the
    order shown, and the answer numbered as shown (1 = the choice on top)."""

    question: Question
    kind: str  # choice | multi | numeric
    prompt: str
    answer: Any
    choices: tuple[str, ...] = ()
    tolerance: float = 0.0
    unit: str = ""
    worked: str = ""
    asked: str = ""  # an engine question's generated prompt, kept with the answer (the lesson has the others')
    order: tuple[int, ...] = ()
    """The question's own number of each choice shown: (3, 1, 2) shows its third choice on top."""

    @property
    def right(self) -> tuple[int, ...]:
        """The right choices, numbered as shown."""
        return tuple(sorted(self.answer)) if self.kind == "multi" else (self.answer,)

    def own(self, picks: Iterable[int]) -> tuple[int, ...]:
        """Choices numbered as shown → as the question numbers them, sorted: what progress records."""
        return tuple(sorted(self.order[pick - 1] if self.order else pick for pick in picks))

    def shown(self, number: int) -> int:
        """Where the question's own choice `number` is shown (1 = on top)."""
        return self.order.index(number) + 1 if self.order else number

    @property
    def expected(self) -> str:
        """The right answer as text, the choices numbered as the question numbers them (what progress records)."""
        if self.kind == "numeric":
            spread = f" ± {show_number(self.tolerance)}" if self.tolerance else ""
            return f"{show_number(self.answer)}{spread}{' ' + self.unit if self.unit else ''}"
        return "; ".join(f"{own}. {self.choices[self.shown(own) - 1]}" for own in self.own(self.right))

    @property
    def expected_as_shown(self) -> str:
        """The right answer as text, the choices numbered as shown."""
        if self.kind == "numeric":
            return self.expected
        return "; ".join(f"{pick}. {self.choices[pick - 1]}" for pick in self.right)


@dataclass(frozen=True)
class Result:
    question_id: str
    correct: bool
    given: str  # the answer as understood ("1, 3", "0.25"), numbered as the question numbers its choices: recorded
    expected: str
    explanation: str
    worked: str = ""
    asked: str = ""
    given_as_shown: str = ""  # given and expected with the choices numbered as the learner saw them
    expected_as_shown: str = ""


def pose(question: Question, rng: Any = None, lang: str = "en") -> Posed:
    """The question ready to show, drawn from `rng` (a numpy Generator; a fresh one when None): an engine
    question's numbers, then the order of the choices."""
    import numpy as np

    rng = rng if rng is not None else np.random.default_rng()
    if question.kind == "engine":
        drawn = question_generator(question.generator)(rng, lang)
        prompt = f"{question.prompt}\n\n{drawn.prompt}" if question.prompt else drawn.prompt
        posed = Posed(question, drawn.kind, prompt, drawn.answer, drawn.choices, drawn.tolerance, drawn.unit,
                      drawn.worked, drawn.prompt)
    else:
        posed = Posed(question, question.kind, question.prompt, question.answer, question.choices, question.tolerance,
                      question.unit)
    if not posed.choices:
        return posed
    order = tuple(int(own) + 1 for own in rng.permutation(len(posed.choices)))
    shown = {own: number for number, own in enumerate(order, 1)}
    answer = tuple(sorted(shown[own] for own in posed.answer)) if posed.kind == "multi" else shown[posed.answer]
    return replace(posed, answer=answer, choices=tuple(posed.choices[own - 1] for own in order), order=order)


def read_answer(text: str, unit: str = "") -> float | int:
    """A typed number (any form `parse_number` reads), optionally followed by the question's unit ('3 epochs')."""
    cleaned = text.strip()
    if unit and cleaned.lower().endswith(unit.lower()):
        cleaned = cleaned[: -len(unit)]
    try:
        return parse_number(cleaned)
    except ValueError as error:
        raise AnswerError(_("{error} (in {unit})").format(error=error, unit=unit) if unit else str(error)) from None


def close_enough(value: float | int, answer: Any, tolerance: Any) -> bool:
    """|value − answer| ≤ tolerance, plus a rounding slack (0.1 + 0.2 is still 0.3).

    Exact arithmetic, so a lesson's whole-number answer of any size cannot overflow; an answer or tolerance that is
    not a finite number (a broken lesson) matches nothing.
    """
    try:
        value, answer, tolerance = Fraction(value), Fraction(answer), Fraction(tolerance)
    except (OverflowError, ValueError, TypeError):
        return False
    return abs(value - answer) <= tolerance + max(1, abs(answer)) / 10**9


def parse_choices(text: str, count: int, many: bool) -> tuple[int, ...]:
    """'3' or '1, 3' (spaces, commas, semicolons; any order) → sorted choice numbers; AnswerError otherwise."""
    words = [word.rstrip(".") for word in SEPARATORS.split(fold(text).strip()) if word]
    if not words:
        raise AnswerError(_("type the number of each choice you pick, such as 1, 3") if many
                          else _("type the number of a choice"))
    if not all(word.isascii() and word.isdecimal() for word in words):
        raise AnswerError((_("type choice numbers from 1 to {count}, separated by commas or spaces") if many
                           else _("type choice numbers from 1 to {count}")).format(count=count))
    picks = sorted({int(word) for word in words})
    if outside := [pick for pick in picks if not 1 <= pick <= count]:
        raise AnswerError(_("there is no choice {number}: the choices are 1 to {count}").format(number=outside[0],
                                                                                                count=count))
    if len(picks) > 1 and not many:
        raise AnswerError(_("pick one choice only"))
    return tuple(picks)


def grade(posed: Posed, text: str) -> Result:
    """Grade typed text against the posed question; AnswerError if it is not an answer at all."""
    if posed.kind == "numeric":
        value = read_answer(text, posed.unit)
        correct = close_enough(value, posed.answer, posed.tolerance)
        given = format(value, ".12g")
        said = given
    else:
        picks = parse_choices(text, len(posed.choices), many=posed.kind == "multi")
        correct = picks == posed.right
        given, said = ", ".join(map(str, posed.own(picks))), ", ".join(map(str, picks))
    question = posed.question
    return Result(question.id, correct, given, posed.expected, question.explanation, posed.worked, posed.asked,
                  said, posed.expected_as_shown)


@dataclass
class Score:
    """One quiz run's score per question: right at the first attempt, and right at some attempt (best)."""

    attempts: dict[str, int] = field(default_factory=dict)
    first: set[str] = field(default_factory=set)
    solved: set[str] = field(default_factory=set)

    def add(self, result: Result) -> int:
        """Count a graded answer; returns its attempt number (1 for the first)."""
        attempt = self.attempts.get(result.question_id, 0) + 1
        self.attempts[result.question_id] = attempt
        if result.correct:
            self.solved.add(result.question_id)
            if attempt == 1:
                self.first.add(result.question_id)
        return attempt

    @property
    def first_attempt(self) -> int:
        return len(self.first)

    @property
    def best(self) -> int:
        return len(self.solved)
