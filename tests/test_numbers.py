"""One number parser for the quiz's answer box and the labs' controls: what people type is read, the rest refused."""

import re

import pytest

from dltui.labs import Control, ControlError
from dltui.lessons import Question
from dltui.numbers import parse_number, show_number
from dltui.quiz import AnswerError, grade, pose

ACCEPTED = [
    ("589,824", 589824), ("138,357,544", 138357544), ("1,000.5", 1000.5),  # thousands separators
    ("1/4", 0.25), ("32/2", 16), (" 1 / 4 ", 0.25), ("-1/4", -0.25),  # fractions
    ("1e-3", 0.001), ("2E3", 2000), (".5", 0.5), ("5.", 5), ("+3", 3),
    ("−0.5", -0.5), ("－0.5", -0.5),  # Unicode and full-width minus
    ("１２３", 123), ("５８９，８２４", 589824), ("０．５", 0.5), ("１／４", 0.25), ("１ｅ－３", 0.001),  # a Chinese IME
    ("  7\t", 7), ("\u30007\u3000", 7),  # surrounding spaces, an ideographic one included
]
REFUSED = [
    ("1_0", "leave out the _"), ("٣", "digits 0–9"), ("１_０", "leave out the _"),
    ("inf", "only finite"), ("-Infinity", "only finite"), ("nan", "only finite"),
    ("1,2,3", "a comma groups thousands"), ("0,5", "decimal point is a full stop"), ("1,0000", "groups thousands"),
    ("5 4", "space inside"), ("1/2/3", "one /"), ("1/0", "0 below the line"),
    ("1" * 400, "too large"), ("1e999", "too large"), ("1e308/1e-308", "too large"),
    ("abc", "type one like 2, −0.5"), ("", "type a number"), ("0x10", "not a number"), ("½", "not a number"),
]


@pytest.mark.parametrize("text, value", ACCEPTED)
def test_what_people_type_is_read(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text, reason", REFUSED)
def test_everything_else_is_refused_with_the_reason(text, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_number(text)


def test_whole_numbers_stay_exact_and_echoes_stay_short():
    assert isinstance(parse_number("9,007,199,254,740,993"), int) and parse_number("9007199254740993") == 2**53 + 1
    assert isinstance(parse_number("3.0"), float)
    with pytest.raises(ValueError) as long:
        parse_number("x" * 10_000)
    with pytest.raises(ValueError) as escape:
        parse_number("\x1b]0;x")
    assert len(str(long.value)) < 100 and "\x1b" not in str(escape.value)


def test_numbers_are_shown_back_in_a_form_that_is_read():
    assert [show_number(v) for v in (138357544, 2.0, -0.5, 0.0833, 1e20)] == ["138,357,544", "2", "−0.5", "0.0833", "1e+20"]
    assert all(parse_number(show_number(v)) == v for v in (138357544, -2, 0.25))


NUMERIC = Question("count", "numeric", "How many parameters?", "", 589824)


@pytest.mark.parametrize("text, value", ACCEPTED)
def test_the_answer_box_reads_the_same_forms(text, value):
    assert grade(pose(Question("q", "numeric", "?", "", value)), text).correct


@pytest.mark.parametrize("text, reason", REFUSED)
def test_the_answer_box_refuses_the_same_forms(text, reason):
    with pytest.raises(AnswerError, match=re.escape(reason)):
        grade(pose(NUMERIC), text)


def test_a_huge_answer_in_a_lesson_grades_instead_of_crashing():
    huge = Question("huge", "numeric", "?", "", 10**400)
    assert not grade(pose(huge), "1e300").correct and pose(huge).expected.startswith("10,000,")
    for broken in (Question("inf", "numeric", "?", "", float("inf")), Question("nan", "numeric", "?", "", 1, tolerance=float("nan"))):
        assert not grade(pose(broken), "1e300").correct  # a broken lesson matches nothing, and never everything


RATE = Control("lr", "Learning rate", "float", 0.5, low=-1e9, high=1e9)
UNITS = Control("hidden", "Hidden units", "int", 2, low=1, high=1e9)


@pytest.mark.parametrize("text, value", ACCEPTED)
def test_controls_read_the_same_forms(text, value):
    assert RATE.parse(text) == pytest.approx(value)
    if value >= 1 and float(value).is_integer():
        assert UNITS.parse(text) == value and isinstance(UNITS.parse(text), int)


@pytest.mark.parametrize("text, reason", REFUSED)
def test_controls_refuse_the_same_forms(text, reason):
    with pytest.raises(ControlError, match=re.escape(reason)) as refused:
        RATE.parse(text)
    assert str(refused.value).startswith("Learning rate: ")


def test_controls_take_a_lesson_files_numbers_and_refuse_what_is_not_one():
    assert RATE.parse(0.001) == 0.001 and RATE.parse(1e-05) == 1e-05 and UNITS.parse(7) == 7
    for value, reason in [(10**400, "too large"), (float("nan"), "only finite"), (True, "not a number"),
                          ("2.5", "not a whole number"), (2_000_000_000, "out of range")]:
        with pytest.raises(ControlError, match=reason):
            (UNITS if reason in ("not a whole number", "out of range") else RATE).parse(value)


def test_controls_write_negative_numbers_with_a_true_minus_that_reads_back():
    """RBM's "Hidden–hidden L" showed its range as `-4–4`, a hyphen beside the en dash; the charts write −."""
    lateral = Control("lateral", "Hidden–hidden L", "float", 2.0, -4.0, 4.0, 0.5)
    assert lateral.range_text == "−4–4" and lateral.format(-0.5) == "−0.5" and RATE.format(1e-05) == "1e−05"
    assert UNITS.format(-3) == "−3"
    for value in (-0.5, -4.0, 1e-05):
        assert RATE.parse(RATE.format(value)) == value  # what the entry is filled with is read back as it was
