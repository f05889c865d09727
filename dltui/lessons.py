"""Lesson files: TOML front matter between `+++` lines, then Markdown. Data, never code.

Every problem is reported as `file:line: message` and never stops the other lessons
from loading. A translation sits beside its lesson as `NN-id.LANG.md`, shares the id
and quiz ids, and is used when the learner's language matches.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from dltui.labs import LABS, QUESTION_GENERATORS, ControlError, lab_class

FENCE = "+++"
QUESTION_KINDS = ("choice", "multi", "numeric", "engine")
LESSON_KEYS = {"id", "title", "order", "summary", "lab", "params", "quiz"}
QUESTION_KEYS = {"id", "kind", "prompt", "choices", "answer", "tolerance", "unit", "explanation", "generator"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FILE_PATTERN = re.compile(r"^\d+-(?P<id>[a-z0-9-]+?)(\.(?P<lang>[a-z]{2}(_[A-Z]{2})?))?\.md$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson file, located to the line."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Question:
    """One [[quiz]] entry. An engine question has a `generator` and no answer of its own:
    the lab draws its numbers and computes its answer each attempt (see dltui.quiz.pose)."""

    id: str
    kind: str
    prompt: str
    explanation: str
    answer: Any
    choices: tuple[str, ...] = ()
    tolerance: float = 0.0
    unit: str = ""
    line: int = 0
    generator: str = ""


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    order: int
    summary: str
    lab: str
    body: str
    path: Path
    params: dict[str, Any] = field(default_factory=dict)
    quiz: tuple[Question, ...] = ()
    lang: str = "en"


class LessonFileError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def lessons_dir() -> Path:
    """The bundled lessons: package data in an installed wheel, the repo's lessons/ otherwise."""
    shipped = Path(str(resources.files("dltui"))) / "_data" / "lessons"
    return shipped if shipped.is_dir() else Path(__file__).resolve().parent.parent / "lessons"


def preferred_language() -> str:
    """`DLTUI_LANG`, else the locale's language (`zh_CN.UTF-8` → `zh`), else English."""
    for var in ("DLTUI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value.split(".")[0].split("_")[0].lower()
    return "en"


def _key_lines(lines: list[str], first: int) -> dict[tuple, int]:
    """Map (table, [index,] key) to the line it is written on, so errors can point at it."""
    where: dict[tuple, int] = {}
    table: tuple = ()
    counts: dict[str, int] = {}
    for number, raw in enumerate(lines, first):
        text = raw.strip()
        if text.startswith("[["):
            name = text.strip("[] ")
            counts[name] = counts.get(name, -1) + 1
            table = (name, counts[name])
            where[table] = number
        elif text.startswith("["):
            table = (text.strip("[] "),)
            where[table] = number
        elif match := re.match(r'^"?([A-Za-z0-9_-]+)"?\s*=', text):
            where.setdefault(table + (match.group(1),), number)
    return where


def _split(path: Path, text: str) -> tuple[dict[str, Any], dict[tuple, int], str, int]:
    """Front matter (parsed), its key lines, the Markdown body and the body's first line."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise LessonFileError([Problem(path, 1, f"a lesson starts with a '{FENCE}' line opening its TOML front matter")])
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        raise LessonFileError([Problem(path, 1, f"front matter opened here is never closed with a '{FENCE}' line")]) from None
    front = lines[1:close]
    try:
        data = tomllib.loads("\n".join(front))
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match.group(1)) + 1 if match else 2
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise LessonFileError([Problem(path, line, f"front matter is not valid TOML: {message}")]) from None
    return data, _key_lines(front, 2), "\n".join(lines[close + 1 :]).strip("\n"), close + 2


def _question(path: Path, index: int, entry: Any, where: dict[tuple, int], problems: list[Problem]) -> Question | None:
    line = where.get(("quiz", index), 1)

    def bad(message: str, key: str | None = None) -> None:
        problems.append(Problem(path, where.get(("quiz", index, key), line) if key else line, f"quiz question {index + 1}: {message}"))

    if not isinstance(entry, dict):
        bad("must be a [[quiz]] table")
        return None
    before = len(problems)
    for key in sorted(set(entry) - QUESTION_KEYS):
        bad(f"unknown key {key!r} (known: {', '.join(sorted(QUESTION_KEYS))})", key)
    kind = entry.get("kind")
    required = ("id", "kind") if kind == "engine" else ("id", "kind", "prompt", "explanation")
    for key in required:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            bad(f"missing or empty {key!r}", key if key in entry else None)
    for key in sorted(({"prompt", "explanation"} - set(required)) & set(entry)):  # an engine question's optional text
        if not isinstance(entry[key], str):
            bad(f"{key!r} must be text", key)
    if isinstance(kind, str) and kind not in QUESTION_KINDS:
        bad(f"kind {kind!r} is not one of {', '.join(QUESTION_KINDS)}", "kind")
    answer = entry.get("answer")
    choices = entry.get("choices", [])
    if kind in ("choice", "multi"):
        if not (isinstance(choices, list) and len(choices) >= 2 and all(isinstance(c, str) and c.strip() for c in choices)):
            bad("needs 'choices', a list of at least two non-empty strings", "choices" if "choices" in entry else None)
            choices = []
        picks = answer if kind == "multi" else [answer]
        if kind == "multi" and not (isinstance(answer, list) and answer):
            bad("'answer' must be a non-empty list of choice numbers (1 = first choice)", "answer" if "answer" in entry else None)
        elif not all(isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= max(len(choices), 1) for p in picks):
            bad(f"'answer' must be a choice number from 1 to {len(choices)}", "answer" if "answer" in entry else None)
        elif len(set(picks)) != len(picks):
            bad("'answer' lists a choice twice", "answer")
    elif kind == "numeric":
        if not isinstance(answer, (int, float)) or isinstance(answer, bool):
            bad("'answer' must be a number", "answer" if "answer" in entry else None)
        tolerance = entry.get("tolerance", 0)
        if not isinstance(tolerance, (int, float)) or isinstance(tolerance, bool) or tolerance < 0:
            bad("'tolerance' must be a number ≥ 0", "tolerance")
        if "choices" in entry:
            bad("a numeric question has no 'choices'", "choices")
    elif kind == "engine":
        generator = entry.get("generator")
        if not isinstance(generator, str) or generator not in QUESTION_GENERATORS:
            what = f"unknown generator {generator!r}" if "generator" in entry else "needs a 'generator'"
            bad(f"{what} (known: {', '.join(sorted(QUESTION_GENERATORS))})", "generator" if "generator" in entry else None)
        for key in sorted({"choices", "answer", "tolerance", "unit"} & set(entry)):
            bad(f"an engine question has no {key!r}: its generator draws the numbers and computes the answer", key)
    if kind != "engine" and "generator" in entry:
        bad("only an engine question has a 'generator'", "generator")
    if len(problems) > before:
        return None
    return Question(
        id=entry["id"],
        kind=kind,
        prompt=entry.get("prompt", "").strip(),
        explanation=entry.get("explanation", "").strip(),
        answer=tuple(answer) if kind == "multi" else answer,
        choices=tuple(choices),
        tolerance=float(entry.get("tolerance", 0)),
        unit=str(entry.get("unit", "")),
        line=line,
        generator=entry.get("generator", ""),
    )


def load_lesson(path: Path, check_params: bool = True) -> Lesson:
    """Parse and validate one lesson file; raise LessonFileError listing every problem found.

    `check_params=False` skips checking [params] against the lab's controls, which imports the
    lab (and NumPy): the app starts without it and checks in the background after its first frame.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LessonFileError([Problem(path, 1, f"cannot read the file: {error}")]) from None
    data, where, body, _ = _split(path, text)
    problems: list[Problem] = []

    def bad(message: str, *key: Any) -> None:
        problems.append(Problem(path, where.get(key, 1), message))

    for key in sorted(set(data) - LESSON_KEYS):
        bad(f"unknown front-matter key {key!r} (known: {', '.join(sorted(LESSON_KEYS))})", key)
    for key in ("id", "title", "summary", "lab"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            bad(f"missing or empty {key!r}", key)
    lesson_id = data.get("id")
    if isinstance(lesson_id, str) and lesson_id and not ID_PATTERN.match(lesson_id):
        bad(f"id {lesson_id!r} must be lowercase letters, digits and dashes", "id")
    order = data.get("order")
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        bad("'order' must be a whole number ≥ 1", "order")
    lab = data.get("lab")
    params = data.get("params", {})
    if isinstance(lab, str) and lab and lab not in LABS:
        bad(f"unknown lab {lab!r} (known: {', '.join(sorted(LABS))})", "lab")
    elif isinstance(lab, str) and lab:
        if not isinstance(params, dict):
            bad("'params' must be a [params] table", "params")
        elif check_params:
            controls = {control.name: control for control in lab_class(lab).controls}
            for name, value in params.items():
                if name not in controls:
                    bad(f"[params]: lab {lab!r} has no parameter {name!r} (it has: {', '.join(controls)})", "params", name)
                    continue
                try:
                    controls[name].parse(value)
                except ControlError as error:
                    bad(f"[params]: {error}", "params", name)
    if not body.strip():
        bad("the lesson has no Markdown text after its front matter")
    quiz_entries = data.get("quiz", [])
    questions: list[Question] = []
    if not isinstance(quiz_entries, list):
        bad("'quiz' must be a list of [[quiz]] tables", "quiz")
        quiz_entries = []
    for index, entry in enumerate(quiz_entries):
        if (question := _question(path, index, entry, where, problems)) is not None:
            questions.append(question)
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            problems.append(Problem(path, question.line, f"quiz question id {question.id!r} is used twice"))
        seen.add(question.id)
    match = FILE_PATTERN.match(path.name)
    if problems:
        raise LessonFileError(problems)
    return Lesson(
        id=lesson_id,
        title=data["title"].strip(),
        order=order,
        summary=data["summary"].strip(),
        lab=lab,
        body=body,
        path=path,
        params=dict(params),
        quiz=tuple(questions),
        lang=(match.group("lang") if match and match.group("lang") else "en"),
    )


def _translation_problems(base: Lesson, translated: Lesson) -> list[Problem]:
    problems = []
    if translated.id != base.id:
        problems.append(Problem(translated.path, 1, f"a translation must keep the id {base.id!r}, not {translated.id!r}"))
    if {q.id for q in translated.quiz} != {q.id for q in base.quiz}:
        problems.append(Problem(translated.path, 1, f"a translation must have the same quiz ids as {base.path.name}"))
    return problems


def load_lessons(
    directory: Path | None = None, lang: str | None = None, check_params: bool = True
) -> tuple[list[Lesson], list[Problem]]:
    """Every lesson in `directory` in order, in `lang` where a translation exists, and every problem found."""
    directory = Path(directory) if directory else lessons_dir()
    lang = (lang or preferred_language()).lower()
    base: dict[str, Lesson] = {}
    translations: list[Lesson] = []
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.md")):
        if path.name.upper() == "README.MD":
            continue
        try:
            lesson = load_lesson(path, check_params)
        except LessonFileError as error:
            problems.extend(error.problems)
            continue
        if lesson.lang != "en":
            translations.append(lesson)
            continue
        clash = base.get(lesson.id) or next((b for b in base.values() if b.order == lesson.order), None)
        if clash:
            what = "id" if clash.id == lesson.id else "order"
            problems.append(Problem(path, 1, f"{what} {getattr(lesson, what)!r} is already used by {clash.path.name}"))
            continue
        base[lesson.id] = lesson
    for translated in translations:
        original = base.get(translated.id)
        if original is None:
            problems.append(Problem(translated.path, 1, f"translation of unknown lesson {translated.id!r}"))
        elif found := _translation_problems(original, translated):
            problems.extend(found)
        elif translated.lang == lang:
            base[translated.id] = Lesson(**{**translated.__dict__, "order": original.order, "params": original.params})
    return sorted(base.values(), key=lambda lesson: lesson.order), problems


def check(paths: list[Path]) -> tuple[int, list[Problem]]:
    """Validate lesson files or folders as `dltui check` does: (files checked, problems)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            _, found = load_lessons(path, lang="en")
            problems.extend(found)
            files.extend(p for p in sorted(path.glob("*.md")) if p.name.upper() != "README.MD")
        elif path.is_file():
            files.append(path)
            try:
                load_lesson(path)
            except LessonFileError as error:
                problems.extend(error.problems)
        else:
            problems.append(Problem(path, 0, "no such file or folder"))
    return len(files), problems


def find_lesson(lessons: list[Lesson], query: str) -> Lesson | None:
    """A lesson by id or by its number in the list (1-based, as `dltui list` shows)."""
    if query.isdigit():
        number = int(query)
        return next((lesson for lesson in lessons if lesson.order == number), None)
    return next((lesson for lesson in lessons if lesson.id == query), None)
