"""Grading every kind of question, and engine questions whose numbers and answers come from the labs."""

import re
import subprocess
import sys

import numpy as np
import pytest

from dltui.labs import QUESTION_GENERATORS, lab_class, question_generator
from dltui.lessons import Question, load_lessons
from dltui.quiz import AnswerError, Posed, Score, grade, pose, read_answer

CHOICE = Question("pick", "choice", "Which?", "Because.", 3, choices=("a", "b", "c", "d"))
MULTI = Question("many", "multi", "Which ones?", "Those.", (1, 2, 3, 5), choices=("A", "B", "C", "D", "E", "F"))
NUMERIC = Question("w1", "numeric", "w1?", "Add.", 1.0, tolerance=0.001)
EPOCHS = Question("epochs", "numeric", "How many?", "Count.", 6, unit="epochs")
DECIMAL = Question("sum", "numeric", "0.1 + 0.2?", "", 0.3)
ENGINE = Question("drill", "engine", "Practise:", "Predict, then update.", None, generator="perceptron.update")


def as_written(question):
    """The question posed with its choices in the order it lists them: these tests read what a learner types."""
    return Posed(question, question.kind, question.prompt, question.answer, question.choices, question.tolerance,
                 question.unit)


def right(question, text):
    return grade(as_written(question), text).correct


@pytest.mark.parametrize("text, correct", [("3", True), (" 3. ", True), ("３", True), ("３．", True), ("2", False), ("4", False)])
def test_single_choice(text, correct):
    assert right(CHOICE, text) is correct


@pytest.mark.parametrize("text", ["1,2,3,5", "5 3 2 1", "1, 2; 3,5", "1，2，3，5", "1、2、3、5", "1,1,2,3,5", "１，２，３，５"])
def test_multi_choice_accepts_any_order_and_separator(text):
    assert right(MULTI, text)


@pytest.mark.parametrize("text", ["1,2,3", "1,2,3,4,5", "4"])
def test_multi_choice_needs_exactly_the_right_set(text):
    assert not right(MULTI, text)


@pytest.mark.parametrize("question, text, words", [
    (CHOICE, "abc", "choice numbers from 1 to 4"),
    (CHOICE, "7", "there is no choice 7: the choices are 1 to 4"),
    (CHOICE, "0", "there is no choice 0"),
    (CHOICE, "1,2", "pick one choice only"),
    (CHOICE, "  ", "type the number of a choice"),
    (MULTI, "1, x", "separated by commas or spaces"),
    (MULTI, "2, 9", "there is no choice 9"),
    (CHOICE, "²", "choice numbers from 1 to 4"),
    (CHOICE, "٣", "choice numbers from 1 to 4"),  # Python reads it as 3; nobody types it for 3
    (NUMERIC, "abc", "'abc' is not a number; type one like 2, −0.5, 1.5e-3, 1/4 or 589,824"),
    (NUMERIC, "", "type a number"),
    (NUMERIC, "1/0", "0 below the line"),
    (NUMERIC, "1e999", "too large"),
    (NUMERIC, "nan", "only finite numbers count"),
    (NUMERIC, "1, 3", "a comma groups thousands"),  # a list of choices is no number
    (EPOCHS, "6 seconds", "(in epochs)"),
])
def test_input_that_is_not_an_answer_is_a_message_not_a_wrong_answer(question, text, words):
    with pytest.raises(AnswerError, match=re.escape(words)):
        grade(as_written(question), text)


@pytest.mark.parametrize("text, correct", [
    ("1", True), ("1.0", True), ("1.001", True), ("0.999", True),  # the tolerance edges count as right
    ("1.0011", False), ("0.9989", False), ("2", False),
])
def test_numeric_tolerance_is_inclusive(text, correct):
    assert right(NUMERIC, text) is correct


def test_numeric_forms_learners_type():
    assert read_answer("−1.5") == -1.5 and read_answer(" 1 / 4 ") == 0.25 and read_answer(".5") == 0.5
    assert read_answer("2e-3") == 0.002 and read_answer("+3") == 3 and read_answer("１２３ epochs", "epochs") == 123
    assert right(EPOCHS, "6 epochs") and right(EPOCHS, "6epochs") and right(EPOCHS, "6") and not right(EPOCHS, "5")
    assert right(DECIMAL, "0.30000000000000004") and right(DECIMAL, "3/10") and not right(DECIMAL, "0.3001")


def test_result_carries_what_the_ui_shows_and_progress_records():
    result = grade(as_written(MULTI), "5 1 3 2")
    assert (result.question_id, result.correct, result.given) == ("many", True, "1, 2, 3, 5")
    assert result.expected == "1. A; 2. B; 3. C; 5. E" and result.explanation == "Those." and result.worked == result.asked == ""
    assert grade(pose(NUMERIC), "−0.5").given == grade(pose(NUMERIC), "−0.5").given_as_shown == "-0.5"
    assert pose(NUMERIC).expected == "1 ± 0.001" and pose(EPOCHS).expected == pose(EPOCHS).expected_as_shown == "6 epochs"
    assert pose(CHOICE).expected == "3. c"


def test_choices_come_in_an_order_drawn_per_attempt_and_the_same_seed_draws_the_same():
    posings = [pose(CHOICE, np.random.default_rng(seed)) for seed in range(40)]
    assert {posed.answer for posed in posings} == {1, 2, 3, 4}  # the right one is not always in the same place
    assert all(posed.choices[posed.answer - 1] == "c" and sorted(posed.choices) == ["a", "b", "c", "d"] for posed in posings)
    assert [pose(CHOICE, np.random.default_rng(7)).choices for _ in range(2)] == [posings[7].choices] * 2


def test_a_reordered_question_is_graded_as_shown_and_recorded_as_the_question_numbers_it():
    posed = next(p for p in (pose(MULTI, np.random.default_rng(seed)) for seed in range(20)) if p.order[0] != 1)
    shown = [posed.shown(own) for own in (1, 2, 3, 5)]
    assert [posed.choices[number - 1] for number in shown] == ["A", "B", "C", "E"] and posed.right == tuple(sorted(shown))
    result = grade(posed, ", ".join(map(str, shown)))
    assert result.correct and (result.given, result.expected) == ("1, 2, 3, 5", "1. A; 2. B; 3. C; 5. E")
    assert result.given_as_shown == ", ".join(map(str, sorted(shown)))
    assert result.expected_as_shown == "; ".join(f"{n}. {posed.choices[n - 1]}" for n in sorted(shown))
    wrong = grade(posed, "1")  # the choice shown on top, which is not the question's first
    assert not wrong.correct and wrong.given == str(posed.order[0]) and wrong.given_as_shown == "1"


def test_an_engine_choice_question_is_reordered_too():
    posings = [pose(Question("gate", "engine", "", "", None, generator="mp_neuron.gate"), np.random.default_rng(seed))
               for seed in range(30)]
    assert len({posed.choices for posed in posings}) > 1
    for seed, posed in enumerate(posings):
        drawn = question_generator("mp_neuron.gate")(np.random.default_rng(seed))
        assert posed.choices[posed.answer - 1] == drawn.choices[drawn.answer - 1]
        assert grade(posed, str(posed.answer)).given == str(drawn.answer)


def test_score_counts_first_attempts_and_best():
    score = Score()
    for question, text in [(CHOICE, "1"), (CHOICE, "3"), (NUMERIC, "1"), (MULTI, "1"), (NUMERIC, "5")]:
        score.add(grade(as_written(question), text))
    assert (score.first_attempt, score.best) == (1, 2)
    assert score.attempts == {"pick": 2, "w1": 2, "many": 1}


# Engine questions: the numbers are read back from the prompt and fed to the lab, which must agree.

NUMBER = r"(−?\d+(?:\.\d+)?)"


def numbers(pattern, text):
    """The numbers a prompt shows where `pattern` has an `N`, as floats (a real minus sign included)."""
    match = re.search(re.escape(pattern).replace("N", NUMBER), text)
    return [float(n.replace("−", "-")) for n in match.groups()]


def perceptron_after_one_step(w1, w2, b, lr, x1, x2, y):
    lab = lab_class("perceptron")(lr=lr)
    lab.inputs, lab.labels = np.array([[x1, x2]]), np.array([y])
    lab.weights, lab.bias = np.array([w1, w2]), b
    lab.step()
    return {"w1": lab.weights[0], "w2": lab.weights[1], "b": lab.bias}


def mp_outputs(w1, w2, threshold):
    snapshot = lab_class("mp_neuron")(w1=w1, w2=w2, threshold=threshold).snapshot()
    return {row.inputs: row.output for row in snapshot.rows}


@pytest.mark.parametrize("seed", range(40))
def test_perceptron_update_answer_is_what_the_lab_computes(seed):
    drawn = question_generator("perceptron.update")(np.random.default_rng(seed))
    w1, w2, b, lr, x1, x2, y = numbers("w = (N, N), b = N, η = N. The sample x = (N, N) has label y = N.", drawn.prompt)
    target = re.search(r"What is (w1|w2|b) after", drawn.prompt).group(1)
    assert drawn.answer == perceptron_after_one_step(w1, w2, b, lr, x1, x2, y)[target]
    assert drawn.kind == "numeric" and drawn.tolerance > 0
    first, _, update = drawn.worked.splitlines()
    assert first.startswith("w·x + b = ") and update.startswith(f"{target} ← ")
    for value in (w1, w2, b, x1, x2, drawn.answer):
        assert f"{value:g}".replace("-", "−") in drawn.worked


@pytest.mark.parametrize("seed", range(40))
def test_mp_neuron_answers_are_what_the_lab_computes(seed):
    output = question_generator("mp_neuron.output")(np.random.default_rng(seed))
    w1, w2, threshold = numbers("w1 = N, w2 = N and threshold θ = N.", output.prompt)
    x1, x2 = numbers("x = (N, N)", output.prompt)
    assert output.answer == mp_outputs(w1, w2, threshold)[(x1, x2)]
    assert output.worked.endswith(f"→ {output.answer}") and f"{threshold:g}".replace("-", "−") in output.worked

    gate = question_generator("mp_neuron.gate")(np.random.default_rng(seed))
    w1, w2, threshold = numbers("w1 = N, w2 = N and threshold θ = N.", gate.prompt)
    table = tuple(mp_outputs(w1, w2, threshold).values())
    expected = {(0, 0, 0, 1): "AND", (0, 1, 1, 1): "OR"}.get(table, "neither AND nor OR")
    assert gate.kind == "choice" and gate.choices[gate.answer - 1] == expected
    assert len(gate.worked.splitlines()) == 5 and f"({', '.join(map(str, table))})" in gate.worked


@pytest.mark.parametrize("name", sorted(QUESTION_GENERATORS))
def test_every_generator_draws_fresh_numbers_and_speaks_chinese(name):
    generate = question_generator(name)
    prompts = {generate(np.random.default_rng(seed)).prompt for seed in range(20)}
    assert len(prompts) >= 10
    assert generate(np.random.default_rng(1)).prompt == generate(np.random.default_rng(1)).prompt
    assert re.search(r"[\u4e00-\u9fff]", generate(np.random.default_rng(1), "zh").prompt)


def test_gate_questions_reach_every_answer():
    answers = {question_generator("mp_neuron.gate")(np.random.default_rng(seed)).answer for seed in range(60)}
    assert answers == {1, 2, 3}


def test_an_engine_question_is_posed_afresh_and_graded_against_its_own_numbers():
    first, second = pose(ENGINE, np.random.default_rng(1)), pose(ENGINE, np.random.default_rng(2))
    assert first.prompt != second.prompt and first.prompt.startswith("Practise:\n\n")
    result = grade(first, f"{first.answer}")
    assert result.correct and result.worked == first.worked and result.explanation == "Predict, then update."
    assert first.prompt.endswith(result.asked) and result.asked.startswith("w = (")
    assert not grade(first, f"{first.answer + 0.5}").correct
    assert pose(ENGINE).prompt  # no rng: fresh entropy


def test_every_bundled_engine_question_poses_and_grades_in_both_languages():
    for lang in ("en", "zh"):
        lessons, problems = load_lessons(lang=lang)
        engine = [(lesson, q) for lesson in lessons for q in lesson.quiz if q.kind == "engine"]
        assert problems == [] and {lesson.id for lesson, _ in engine} >= {"mp-neuron", "perceptron"}
        for lesson, question in engine:
            posed = pose(question, np.random.default_rng(0), lesson.lang)
            assert posed.worked and grade(posed, str(posed.answer)).correct


def test_grading_and_progress_stay_headless_and_light():
    code = ("import sys, dltui.progress; light = 'numpy' not in sys.modules; import dltui.quiz; "
            "print(light, any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "False"], result.stderr
