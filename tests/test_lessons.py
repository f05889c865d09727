"""The lesson loader: the bundled lessons load, and every kind of broken file is reported with its line."""

from pathlib import Path

import pytest

from dltui.lessons import check, find_lesson, lessons_dir, load_lesson, load_lessons, LessonFileError, ParsedLessons

GOOD = '''+++
id = "demo"
title = "A demo"
order = 7
summary = "One line"
lab = "perceptron"

[params]
dataset = "OR"

[[quiz]]
id = "q1"
kind = "choice"
prompt = "Pick one"
choices = ["a", "b"]
answer = 2
explanation = "b is right"

[[quiz]]
id = "q2"
kind = "numeric"
prompt = "How many?"
answer = 4
tolerance = 0.5
unit = "epochs"
explanation = "four"
+++
# Body

Text.
'''


def write(tmp_path: Path, text: str, name: str = "07-demo.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(LessonFileError) as error:
        load_lesson(write(tmp_path, text))
    return [str(p) for p in error.value.problems]


def test_bundled_lessons_load_in_order_with_quizzes():
    lessons, problems = load_lessons(lang="en")
    assert problems == []
    assert [l.id for l in lessons][:2] == ["mp-neuron", "perceptron"]
    assert [l.order for l in lessons] == sorted(l.order for l in lessons)
    for lesson in lessons:
        assert len(lesson.quiz) >= 4, lesson.id
        assert lesson.body.strip() and lesson.summary


def test_a_valid_file_parses_every_field(tmp_path):
    lesson = load_lesson(write(tmp_path, GOOD))
    assert (lesson.id, lesson.title, lesson.order, lesson.lab) == ("demo", "A demo", 7, "perceptron")
    assert lesson.params == {"dataset": "OR"}
    assert lesson.body.startswith("# Body")
    choice, numeric = lesson.quiz
    assert (choice.kind, choice.choices, choice.answer) == ("choice", ("a", "b"), 2)
    assert (numeric.answer, numeric.tolerance, numeric.unit, numeric.line) == (4, 0.5, "epochs", 19)


@pytest.mark.parametrize(
    "old, new, line, words",
    [
        ('title = "A demo"\n', "", 1, "missing or empty 'title'"),
        ('lab = "perceptron"', 'lab = "perceptorn"', 6, "unknown lab 'perceptorn'"),
        ('order = 7', 'order = "seven"', 4, "'order' must be a whole number"),
        ('dataset = "OR"', 'dataset = "XNOR"', 9, "Dataset: 'XNOR' is not one of AND, OR"),
        ('dataset = "OR"', 'speed = 3', 9, "has no parameter 'speed'"),
        ('answer = 2\n', 'answer = 3\n', 16, "quiz question 1: 'answer' must be a choice number from 1 to 2"),
        ('kind = "numeric"', 'kind = "essay"', 21, "quiz question 2: kind 'essay' is not one of"),
        ('tolerance = 0.5', 'tolerance = -1', 24, "'tolerance' must be a finite number ≥ 0"),
        ('explanation = "four"', 'explain = "four"', 26, "unknown key 'explain'"),
        ('id = "q2"', 'id = "q1"', 19, "quiz question id 'q1' is used twice"),
        ('summary = "One line"', 'summary = "One line', 5, "front matter is not valid TOML"),
    ],
)
def test_broken_files_name_the_line_and_the_problem(tmp_path, old, new, line, words):
    assert old in GOOD
    problems = problems_of(tmp_path, GOOD.replace(old, new, 1))
    assert any(p.startswith(f"{tmp_path / '07-demo.md'}:{line}: ") and words in p for p in problems), problems


def test_missing_front_matter_and_unclosed_fence(tmp_path):
    assert "starts with a '+++' line" in problems_of(tmp_path, "# Just markdown\n")[0]
    assert ":2: the front matter opened on line 1 is never closed" in problems_of(tmp_path, "+++\nid = 'x'\n")[0]


def test_one_broken_lesson_does_not_stop_the_others(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace('id = "demo"', 'id = "other"').replace("order = 7", "order = 8")
          .replace('lab = "perceptron"', 'lab = "nope"'), "08-other.md")
    lessons, problems = load_lessons(tmp_path, lang="en")
    assert [l.id for l in lessons] == ["demo"]
    assert len(problems) == 1 and "08-other.md:6: unknown lab 'nope'" in str(problems[0])


def test_duplicate_ids_are_reported_and_the_first_kept(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("order = 7", "order = 9"), "09-demo.md")
    lessons, problems = load_lessons(tmp_path, lang="en")
    assert [l.order for l in lessons] == [7]
    assert "id 'demo' is already used by 07-demo.md" in str(problems[0])


def test_a_translation_replaces_text_but_keeps_id_order_and_params(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("A demo", "演示").replace("order = 7", "order = 1"), "07-demo.zh.md")
    [english], _ = load_lessons(tmp_path, lang="en")
    [chinese], problems = load_lessons(tmp_path, lang="zh")
    assert problems == []
    assert (english.title, chinese.title) == ("A demo", "演示")
    assert (chinese.id, chinese.order, chinese.params) == ("demo", 7, {"dataset": "OR"})


def test_a_translation_with_other_quiz_ids_is_refused(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace('id = "q2"', 'id = "q9"'), "07-demo.zh.md")
    [chinese], problems = load_lessons(tmp_path, lang="zh")
    assert chinese.title == "A demo"
    assert "same quiz ids" in str(problems[0])


def test_the_app_reads_only_its_own_language_and_check_reads_every_translation(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace('id = "q2"', 'id = "q9"'), "07-demo.zh.md")
    [english], problems = load_lessons(tmp_path, lang="en")
    assert english.title == "A demo" and problems == []  # a Chinese file an English learner never sees
    checked, problems = check([tmp_path])
    assert checked == 2 and any("07-demo.zh.md" in str(p) and "same quiz ids" in str(p) for p in problems)


def test_parsed_lessons_come_back_equal_and_a_changed_or_broken_file_is_read_again(tmp_path):
    folder, cache = tmp_path / "lessons", tmp_path / "cache" / "lessons.json"
    folder.mkdir()
    path = write(folder, GOOD)
    fresh = load_lessons(lessons_dir(), lang="zh", check_params=False)
    assert load_lessons(lessons_dir(), lang="zh", check_params=False, parsed=ParsedLessons(cache)) == fresh
    assert load_lessons(lessons_dir(), lang="zh", check_params=False, parsed=ParsedLessons(cache)) == fresh  # from it
    assert len(ParsedLessons(cache).entries) == 2 * len(fresh[0])  # each lesson and its translation
    [first], _ = load_lessons(folder, lang="en", check_params=False, parsed=ParsedLessons(cache))
    path.write_text(GOOD.replace("A demo", "Changed"), encoding="utf-8")
    [changed], _ = load_lessons(folder, lang="en", check_params=False, parsed=ParsedLessons(cache))
    assert (first.title, changed.title) == ("A demo", "Changed")
    path.write_text(GOOD.replace('lab = "perceptron"', 'lab = "nope"'), encoding="utf-8")
    lessons, problems = load_lessons(folder, lang="en", check_params=False, parsed=ParsedLessons(cache))
    assert lessons == [] and "unknown lab 'nope'" in str(problems[0])
    cache.write_text("{not json", encoding="utf-8")
    assert load_lessons(folder, lang="en", check_params=False, parsed=ParsedLessons(cache))[1] == problems


def test_bundled_translations_match_their_lessons():
    english, _ = load_lessons(lang="en")
    chinese, problems = load_lessons(lang="zh")
    assert problems == []
    for en, zh in zip(english, chinese):
        assert en.id == zh.id and [q.id for q in en.quiz] == [q.id for q in zh.quiz]
        assert [q.answer for q in en.quiz] == [q.answer for q in zh.quiz]


def test_find_lesson_by_id_or_number():
    lessons, _ = load_lessons(lang="en")
    assert find_lesson(lessons, "perceptron").order == 2
    assert find_lesson(lessons, "1").id == "mp-neuron"
    assert find_lesson(lessons, "99") is None and find_lesson(lessons, "nope") is None


def test_lessons_are_data_not_code(tmp_path):
    text = GOOD.replace('title = "A demo"', 'title = "__import__(\'os\').system(\'touch pwned\')"')
    lesson = load_lesson(write(tmp_path, text))
    assert lesson.title.startswith("__import__") and not Path("pwned").exists()
    assert lessons_dir().is_dir()


ENGINE = GOOD.replace("+++\n# Body", '''
[[quiz]]
id = "q3"
kind = "engine"
generator = "perceptron.update"
+++
# Body''')


def test_an_engine_question_needs_only_a_generator(tmp_path):
    drill = load_lesson(write(tmp_path, ENGINE)).quiz[2]
    assert (drill.kind, drill.generator, drill.line) == ("engine", "perceptron.update", 28)
    assert (drill.prompt, drill.explanation, drill.answer) == ("", "", None)


@pytest.mark.parametrize(
    "old, new, line, words",
    [
        ('generator = "perceptron.update"', 'generator = "perceptron.updat"', 31,
         "quiz question 3: unknown generator 'perceptron.updat' (known: "),
        ('generator = "perceptron.update"\n', '', 28, "quiz question 3: needs a 'generator'"),
        ('generator = "perceptron.update"', 'generator = ["perceptron.update"]', 31, "unknown generator ['perceptron.update']"),
        ('generator = "perceptron.update"\n', 'generator = "perceptron.update"\nanswer = 3\n', 32,
         "an engine question has no 'answer': its generator draws the numbers"),
        ('generator = "perceptron.update"\n', 'generator = "perceptron.update"\nprompt = 3\n', 32, "'prompt' must be text"),
        ('unit = "epochs"', 'generator = "perceptron.update"', 25, "quiz question 2: only an engine question has a 'generator'"),
    ],
)
def test_broken_engine_questions_name_the_line(tmp_path, old, new, line, words):
    assert old in ENGINE
    problems = problems_of(tmp_path, ENGINE.replace(old, new, 1))
    assert any(p.startswith(f"{tmp_path / '07-demo.md'}:{line}: ") and words in p for p in problems), problems


def test_bundled_lessons_have_engine_questions_in_every_language():
    for lang in ("en", "zh"):
        lessons, _ = load_lessons(lang=lang)
        for lesson in lessons:
            assert any(q.kind == "engine" and q.generator.startswith(lesson.lab + ".") for q in lesson.quiz), lesson.path


def test_a_later_folder_replaces_a_lesson_by_id_with_its_own_translations(tmp_path):
    bundled, teacher = tmp_path / "bundled", tmp_path / "teacher"
    bundled.mkdir(), teacher.mkdir()
    write(bundled, GOOD)
    write(bundled, GOOD.replace("A demo", "演示"), "07-demo.zh.md")
    write(bundled, GOOD.replace('id = "demo"', 'id = "other"').replace("order = 7", "order = 8"), "08-other.md")
    write(teacher, GOOD.replace("A demo", "Our demo").replace("order = 7", "order = 3"), "03-demo.md")
    write(teacher, GOOD.replace('id = "demo"', 'id = "mine"').replace("order = 7", "order = 8"), "08-mine.md")
    lessons, problems = load_lessons([bundled, teacher], lang="zh")
    assert [(l.order, l.title) for l in lessons] == [(3, "Our demo"), (8, "A demo")]  # no bundled translation
    assert [str(p) for p in problems] == [f"{teacher / '08-mine.md'}:4: order 8 is already used by "
                                          f"{bundled / '08-other.md'}"]


def test_the_labs_own_checks_across_parameters_are_made_when_loading(tmp_path):
    text = GOOD.replace('lab = "perceptron"', 'lab = "convolution"').replace('dataset = "OR"', "kernel_size = 7\npadding = 0")
    assert any(":8: [params]: " in p and "kernel" in p for p in problems_of(tmp_path, text))


def test_text_is_measured_in_cells_and_ids_are_plain(tmp_path):
    assert load_lesson(write(tmp_path, GOOD.replace('"One line"', '"' + "注" * 40 + '"'))).summary == "注" * 40
    assert "'summary' is 82 cells wide" in problems_of(tmp_path, GOOD.replace('"One line"', '"' + "注" * 41 + '"'))[0]
    assert "must be lowercase letters" in problems_of(tmp_path, GOOD.replace('id = "demo"', r'id = "demo\n"'))[0]


GIVEAWAY = GOOD.replace('choices = ["a", "b"]\nanswer = 2\nexplanation = "b is right"', '''choices = ["the long right answer", "short"]
answer = 1
explanation = "Choice 2 is too short."

[[quiz]]
id = "q3"
kind = "choice"
prompt = "Pick another"
choices = ["right again, and longest", "no", "nope"]
answer = 1
explanation = "Yes."''')


def test_check_warns_when_the_answers_give_themselves_away(tmp_path):
    """Every single-choice answer first, or the longest: a learner can pass without knowing. And the quiz shows the
    choices in a new order each attempt, so an explanation that says "choice 2" points at the wrong one."""
    path = write(tmp_path, GIVEAWAY)
    assert load_lessons(tmp_path, lang="en")[1] == []  # advice, not an error: the lesson loads
    checked, found = check([path])
    assert checked == 1 and all(problem.warning for problem in found)
    assert [str(problem) for problem in found] == [
        f"{path}:11: warning: every single-choice answer is choice 1 (q1, q3): put the right answers in different places",
        f"{path}:11: warning: every single-choice answer is its longest choice (q1, q3): a learner can pick by length; "
        "shorten the right answers or give the others their reasons too",
        f"{path}:11: warning: quiz question 1 says 'Choice 2', but the quiz shows the choices in a new order each "
        "attempt: name the choice by its words"]
    moved = GIVEAWAY.replace('["the long right answer", "short"]\nanswer = 1', '["short", "the long right answer"]\nanswer = 2')
    assert [problem.message[:40] for problem in check([write(tmp_path, moved)])[1]] == [
        "every single-choice answer is its longes", "quiz question 1 says 'Choice 2', but the"]


def test_the_bundled_lessons_need_no_advice():
    checked, found = check([lessons_dir()])
    assert checked >= 36 and [str(problem) for problem in found] == []
