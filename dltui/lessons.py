"""Lesson files: TOML front matter between `+++` lines, then Markdown. Data, never code.

Every problem is reported as `file:line: message` and never stops the other lessons
from loading. A translation sits beside its lesson as `NN-id.LANG.md`, shares the id
and quiz ids, and is used when the learner's language matches.

Lesson files are untrusted (a teacher's own folder, a shared classroom server): a file with a
control character anywhere, a value no lab or question can use, or nesting no lesson needs is
refused at its line, so a loaded Lesson carries only text that is safe to draw.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import stat
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from dltui.i18n import N_, _, preferred_language
from dltui.labs import LABS, QUESTION_GENERATORS, lab_class
from dltui.text import CONTROL, ECHO_CELLS, cells, echo, printable

FENCE = "+++"
QUESTION_KINDS = ("choice", "multi", "numeric", "engine")
LESSON_KEYS = {"id", "title", "order", "summary", "lab", "params", "quiz"}
QUESTION_KEYS = {"id", "kind", "prompt", "choices", "answer", "tolerance", "unit", "explanation", "generator"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FILE_PATTERN = re.compile(r"^\d+-(?P<id>[a-z0-9-]+?)(\.(?P<lang>[a-z]{2}(_[A-Z]{2})?))?\.md$")
KEY = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*[.=]""")  # a key's first part
CONTROL_IN_FILE = N_("control character {characters}: a lesson file is plain text (tab and newline are the only ones "
                     "allowed)")
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 6  # quiz → question → choices → a choice is 4 deep; deeper is a slip or an attack on the parser
ID_CHARS, TITLE_CELLS, SUMMARY_CELLS, MAX_ORDER = 40, 60, 80, 9999
NUMBERED_CHOICE = re.compile(r"\b(?:choices?|options?) +\d+|选项 *\d+", re.IGNORECASE)
"""'choice 2', '选项 2': true of the order a lesson file lists its choices, not of the order the quiz shows them."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson file, located to the line. A warning is advice: the lesson still loads."""

    path: Path
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        message = _("warning: {message}").format(message=self.message) if self.warning else self.message
        return printable(f"{self.path}:{self.line}: {message}")


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
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)  # top-level key → its line


class LessonFileError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def lessons_dir() -> Path:
    """The bundled lessons: package data in an installed wheel, the repo's lessons/ otherwise."""
    shipped = Path(str(resources.files("dltui"))) / "_data" / "lessons"
    return shipped if shipped.is_dir() else Path(__file__).resolve().parent.parent / "lessons"


def _key_name(text: str) -> str | None:
    """The first part of the key written at the start of `text` ("[/]" included), or None."""
    if not (match := KEY.match(text)):
        return None
    part = match.group(1)
    if part[0] not in "\"'":
        return part
    try:
        return next(iter(tomllib.loads(f"{part} = 0")))
    except (tomllib.TOMLDecodeError, StopIteration):
        return None


def _key_lines(lines: list[str], first: int) -> dict[tuple, int]:
    """Map (table, [index,] key) to the line it is written on, so errors can point at it."""
    where: dict[tuple, int] = {}
    table: tuple = ()
    counts: dict[str, int] = {}
    for number, raw in enumerate(lines, first):
        text = raw.strip()
        if text.startswith("[["):
            name = _key_name(text.strip("[] ") + "=") or ""  # a table's name reads as a key
            counts[name] = counts.get(name, -1) + 1
            table = (name, counts[name])
            where[table] = number
        elif text.startswith("["):
            table = (_key_name(text.strip("[] ") + "=") or "",)
            where[table] = number
        elif (name := _key_name(text)) is not None:
            where.setdefault(table + (name,), number)
    return where


def _controls(path: Path, line: int, text: str) -> list[Problem]:
    """A problem naming the control characters in `text`, if it has any."""
    found = dict.fromkeys(CONTROL.findall(text))
    return [Problem(path, line, _(CONTROL_IN_FILE).format(characters=printable(", ".join(found))))] if found else []


def _read(path: Path) -> str:
    """The file as text (UTF-8, a byte-order mark dropped, CRLF as LF); refuses raw control characters at their line."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise LessonFileError([Problem(path, 1, _("not a regular file"))])
        if info.st_size > MAX_FILE_BYTES:
            raise LessonFileError([Problem(path, 1, _("the file has {size} bytes; a lesson file has at most {most}").format(
                size=f"{info.st_size:,}", most=f"{MAX_FILE_BYTES:,}"))])
        raw = path.read_bytes()
    except OSError as error:
        raise LessonFileError([Problem(path, 1, _("cannot read the file: {error}").format(
            error=error.strerror or error))]) from None
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        column = error.start - raw.rfind(b"\n", 0, error.start)
        raise LessonFileError([Problem(path, raw.count(b"\n", 0, error.start) + 1,
                                       _("not UTF-8: byte {byte} at column {column}; save the file as UTF-8").format(
                                           byte=f"0x{raw[error.start]:02x}", column=column))]) from None
    if CONTROL.search(text):
        raise LessonFileError([problem for number, line in enumerate(text.split("\n"), 1)
                               for problem in _controls(path, number, line)])
    return text


def _deepest(lines: list[str]) -> int:
    """The index of the line where brackets and braces nest deepest."""
    depth, deepest, where = 0, 0, 0
    for index, line in enumerate(lines):
        for char in line:
            depth += (char in "[{") - (char in "]}")
            if depth > deepest:
                deepest, where = depth, index
    return where


def _toml(path: Path, lines: list[str], first: int) -> dict[str, Any]:
    """Parse front-matter lines (the first is line `first` of the file); LessonFileError at the line that fails."""
    try:
        return tomllib.loads("\n".join(lines))
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = first + (int(match.group(1)) - 1 if match else len(lines) - 1)  # else "at end of document"
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
    except RecursionError:
        line, message = first + _deepest(lines), _("values nested too deep")
    except ValueError as error:  # int() refuses more than 4,300 digits; tomllib gives no position, so the longest line
        line, message = first + max(range(len(lines)), key=lambda i: len(lines[i]), default=0), str(error).split(";")[0]
    raise LessonFileError([Problem(path, line, _("front matter is not valid TOML: {error}").format(error=message))])


def _unclosed(path: Path, lines: list[str]) -> Problem:
    """The front matter has no closing fence: point where the TOML stops parsing, before the comments
    and blank lines just above it (a Markdown heading reads as a TOML comment)."""
    try:
        _toml(path, lines[1:], 2)
        line = len(lines)
    except LessonFileError as error:
        line = error.problems[0].line
        while line > 2 and (not lines[line - 2].strip() or lines[line - 2].lstrip().startswith("#")):
            line -= 1
    return Problem(path, line, _("the front matter opened on line 1 is never closed: a '{fence}' line must end it "
                                 "before the lesson text").format(fence=FENCE))


def _split(path: Path, text: str) -> tuple[dict[str, Any], dict[tuple, int], str, int]:
    """Front matter (parsed), its key lines, the Markdown body and the body's first line."""
    lines = text.rstrip("\n").split("\n")
    if lines[0].strip() != FENCE:
        raise LessonFileError([Problem(path, 1, _("a lesson starts with a '{fence}' line opening its TOML front "
                                                  "matter").format(fence=FENCE))])
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    if close is None:
        raise LessonFileError([_unclosed(path, lines)])
    front = lines[1:close]
    return _toml(path, front, 2), _key_lines(front, 2), "\n".join(lines[close + 1 :]).strip("\n"), close + 2


def _line(where: dict[tuple, int], key_path: tuple) -> int:
    """The line of `key_path`'s nearest written key (a list item's is its list's)."""
    return next((where[key_path[:n]] for n in range(len(key_path), 0, -1) if key_path[:n] in where), 1)


def _unsafe_values(path: Path, data: dict[str, Any], where: dict[tuple, int]) -> list[Problem]:
    """Control characters written as TOML escapes ("\\u001b") in any key or value, and nesting deeper than any
    lesson needs, at the line of their key. Iterative, so no nesting can exhaust the stack."""
    problems: list[Problem] = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        key_path, value = stack.pop()
        if len(key_path) > MAX_DEPTH:
            problems.append(Problem(path, _line(where, key_path),
                                    _("values nested more than {depth} deep").format(depth=MAX_DEPTH)))
            continue
        text = "".join(part for part in (value, key_path[-1] if key_path else None) if isinstance(part, str))
        if CONTROL.search(text):
            problems += _controls(path, _line(where, key_path), text)
        if isinstance(value, dict):
            stack.extend((key_path + (key,), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((key_path + (index,), item) for index, item in enumerate(value))
    return sorted(dict.fromkeys(problems), key=lambda problem: problem.line)


def _finite(value: Any) -> bool:
    """A TOML number every answer box and comparison can use: not a bool, inf, nan or beyond a float's range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _id_problem(value: str) -> str | None:
    if not ID_PATTERN.fullmatch(value):
        return _("id {id} must be lowercase letters, digits and dashes").format(id=echo(value))
    if len(value) > ID_CHARS:
        return _("id {id} is {length} characters long; at most {most}").format(id=echo(value), length=len(value),
                                                                                most=ID_CHARS)
    return None


def _question(path: Path, index: int, entry: Any, where: dict[tuple, int], problems: list[Problem]) -> Question | None:
    line = where.get(("quiz", index), 1)

    def bad(message: str, key: str | None = None) -> None:
        problems.append(Problem(path, where.get(("quiz", index, key), line) if key else line,
                                _("quiz question {number}: {problem}").format(number=index + 1, problem=message)))

    if not isinstance(entry, dict):
        bad(_("must be a [[quiz]] table"))
        return None
    before = len(problems)
    for key in sorted(set(entry) - QUESTION_KEYS):
        bad(_("unknown key {key} (known: {known})").format(key=echo(key), known=", ".join(sorted(QUESTION_KEYS))), key)
    kind = entry.get("kind")
    required = ("id", "kind") if kind == "engine" else ("id", "kind", "prompt", "explanation")
    for key in required:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            bad(_("missing or empty {key}").format(key=repr(key)), key if key in entry else None)
    for key in sorted(({"prompt", "explanation"} - set(required)) & set(entry)):  # an engine question's optional text
        if not isinstance(entry[key], str):
            bad(_("{key} must be text").format(key=repr(key)), key)
    if isinstance(entry.get("id"), str) and entry["id"].strip() and (problem := _id_problem(entry["id"])):
        bad(problem, "id")
    if isinstance(kind, str) and kind not in QUESTION_KINDS:
        bad(_("kind {kind} is not one of {kinds}").format(kind=echo(kind), kinds=", ".join(QUESTION_KINDS)), "kind")
    if not isinstance(entry.get("unit", ""), str) or "\n" in entry.get("unit", ""):
        bad(_("'unit' must be one line of text"), "unit")
    if "tolerance" in entry and kind != "engine" and not (_finite(entry["tolerance"]) and entry["tolerance"] >= 0):
        bad(_("'tolerance' must be a finite number ≥ 0"), "tolerance")
    answer = entry.get("answer")
    choices = entry.get("choices", [])
    if kind in ("choice", "multi"):
        if not (isinstance(choices, list) and len(choices) >= 2 and all(isinstance(c, str) and c.strip() for c in choices)):
            bad(_("needs 'choices', a list of at least two non-empty strings"), "choices" if "choices" in entry else None)
            choices = []
        picks = answer if kind == "multi" else [answer]
        if kind == "multi" and not (isinstance(answer, list) and answer):
            bad(_("'answer' must be a non-empty list of choice numbers (1 = first choice)"),
                "answer" if "answer" in entry else None)
        elif not all(isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= max(len(choices), 1) for p in picks):
            bad(_("'answer' must be a choice number from 1 to {count}").format(count=len(choices)),
                "answer" if "answer" in entry else None)
        elif len(set(picks)) != len(picks):
            bad(_("'answer' lists a choice twice"), "answer")
    elif kind == "numeric":
        if not _finite(answer):
            bad(_("'answer' must be a finite number"), "answer" if "answer" in entry else None)
        if "choices" in entry:
            bad(_("a numeric question has no 'choices'"), "choices")
    elif kind == "engine":
        generator = entry.get("generator")
        if not isinstance(generator, str) or generator not in QUESTION_GENERATORS:
            known = ", ".join(sorted(QUESTION_GENERATORS))
            bad(_("unknown generator {generator} (known: {known})").format(generator=echo(generator), known=known)
                if "generator" in entry else _("needs a 'generator' (known: {known})").format(known=known),
                "generator" if "generator" in entry else None)
        for key in sorted({"choices", "answer", "tolerance", "unit"} & set(entry)):
            bad(_("an engine question has no {key}: its generator draws the numbers and computes the answer").format(
                key=repr(key)), key)
    if kind != "engine" and "generator" in entry:
        bad(_("only an engine question has a 'generator'"), "generator")
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
        unit=entry.get("unit", ""),
        line=line,
        generator=entry.get("generator", ""),
    )


def _without_long_values(message: str, value: Any) -> str:
    """A lab's refusal with a long echoed value cut short (a lab quotes the value whole)."""
    for whole in {repr(value), str(value)}:
        if len(whole) > ECHO_CELLS:
            message = message.replace(whole, echo(value))
    return message


def param_problems(lab: str, params: dict[str, Any]) -> list[tuple[str | None, str]]:
    """(parameter or None for the table, message) for each [params] value the lab refuses, then the lab's own
    checks across values. Any exception counts as a refusal: a value no lab can take leaves its lesson out,
    it never stops the loader or the app."""
    controls = {control.name: control for control in lab_class(lab).controls}
    found: list[tuple[str | None, str]] = []
    for name, value in params.items():
        if name not in controls:
            found.append((name, _("[params]: lab {lab} has no parameter {name} (it has: {names})").format(
                lab=repr(lab), name=echo(name), names=", ".join(controls))))
            continue
        try:
            controls[name].parse(value)
        except Exception as error:
            found.append((name, f"[params]: {_without_long_values(str(error), value)}"))
    if not found:
        try:
            lab_class(lab).validate_params(params)
        except Exception as error:
            found.append((None, f"[params]: {error}"))
    return found


def load_lesson(path: Path, check_params: bool = True) -> Lesson:
    """Parse and validate one lesson file; raise LessonFileError listing every problem found.

    `check_params=False` skips checking [params] against the lab's controls, which imports the
    lab (and NumPy): the app starts without it and checks in the background after its first frame.
    """
    path = Path(path)
    return _parse(path, _read(path), check_params)


def _parse(path: Path, text: str, check_params: bool) -> Lesson:
    data, where, body, _body_line = _split(path, text)
    if unsafe := _unsafe_values(path, data, where):
        raise LessonFileError(unsafe)
    problems: list[Problem] = []

    def bad(message: str, *key: Any) -> None:
        problems.append(Problem(path, where.get(key, 1), message))

    for key in sorted(set(data) - LESSON_KEYS):
        bad(_("unknown front-matter key {key} (known: {known})").format(key=echo(key),
                                                                       known=", ".join(sorted(LESSON_KEYS))), key)
    for key in ("id", "title", "summary", "lab"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            bad(_("missing or empty {key}").format(key=repr(key)), key)
    for key, width in (("title", TITLE_CELLS), ("summary", SUMMARY_CELLS)):
        text = data.get(key)
        if isinstance(text, str) and "\n" in text.strip():
            bad(_("{key} must be one line").format(key=repr(key)), key)
        elif isinstance(text, str) and cells(text.strip()) > width:
            bad(_("{key} is {cells} cells wide; at most {most} (a wide CJK character is 2)").format(
                key=repr(key), cells=cells(text.strip()), most=width), key)
    lesson_id = data.get("id")
    if isinstance(lesson_id, str) and lesson_id and (problem := _id_problem(lesson_id)):
        bad(problem, "id")
    order = data.get("order")
    if not isinstance(order, int) or isinstance(order, bool) or not 1 <= order <= MAX_ORDER:
        bad(_("'order' must be a whole number from 1 to {most}").format(most=MAX_ORDER), "order")
    lab = data.get("lab")
    params = data.get("params", {})
    if isinstance(lab, str) and lab and lab not in LABS:
        bad(_("unknown lab {lab} (known: {known})").format(lab=echo(lab), known=", ".join(sorted(LABS))), "lab")
    elif isinstance(lab, str) and lab:
        if not isinstance(params, dict):
            bad(_("'params' must be a [params] table"), "params")
        elif check_params:
            for name, message in param_problems(lab, params):
                bad(message, "params", *([name] if name is not None else []))
    if not body.strip():
        bad(_("the lesson has no Markdown text after its front matter"))
    quiz_entries = data.get("quiz", [])
    questions: list[Question] = []
    if not isinstance(quiz_entries, list):
        bad(_("'quiz' must be a list of [[quiz]] tables"), "quiz")
        quiz_entries = []
    for index, entry in enumerate(quiz_entries):
        if (question := _question(path, index, entry, where, problems)) is not None:
            questions.append(question)
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            problems.append(Problem(path, question.line,
                                    _("quiz question id {id} is used twice").format(id=repr(question.id))))
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
        lines={key: line for (key, *rest), line in where.items() if not rest},
    )


def _translation_problems(base: Lesson, translated: Lesson) -> list[Problem]:
    problems = []
    if translated.id != base.id:
        problems.append(Problem(translated.path, translated.lines.get("id", 1),
                                _("a translation must keep the id {id}, not {other}").format(id=repr(base.id),
                                                                                           other=repr(translated.id))))
    if {q.id for q in translated.quiz} != {q.id for q in base.quiz}:
        problems.append(Problem(translated.path, translated.lines.get("quiz", 1),
                                _("a translation must have the same quiz ids as {file}").format(file=base.path.name)))
    return problems


def _clash(lesson: Lesson, others: dict[str, Lesson], what: str) -> Problem | None:
    """A problem on `lesson` when one of `others` has its id or order (`what`) already."""
    mine = getattr(lesson, what)
    if clash := next((other for other in others.values() if getattr(other, what) == mine), None):
        where = clash.path.name if clash.path.parent == lesson.path.parent else clash.path
        return Problem(lesson.path, lesson.lines.get(what, 1), _("{key} {value} is already used by {where}").format(
            key=what, value=repr(mine), where=where))
    return None


class ParsedLessons:
    """Lessons the app parsed before, by their file's text: the app's start-up spent 60 ms of its 0.6 s in the
    TOML of the lessons it shows. A file is read and hashed each time (a changed one is parsed again); a lesson is
    kept only if it comes back from JSON equal, and only without [params] checks (they depend on the labs' code).
    The parser's own source is part of the key, so a new dltui never reads an old entry. The cache is the user's
    own file, like their progress; any trouble with it (missing, corrupt, unwritable) only means parsing again."""

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self.changed = False
        self.entries: dict[str, list] = {}
        try:
            kept = json.loads(file.read_text(encoding="utf-8")) if file else {}
            if kept.get("parser") == parser_version():
                self.entries = dict(kept["lessons"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            pass

    @classmethod
    def for_user(cls) -> ParsedLessons:
        from platformdirs import user_cache_dir

        return cls(Path(user_cache_dir("dltui")) / "lessons.json")

    def load(self, path: Path) -> Lesson:
        text = _read(path)
        digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        kept = self.entries.get(str(path))
        if kept and kept[0] == digest:
            try:
                return _lesson_from(kept[1])
            except (TypeError, KeyError, ValueError):
                pass
        lesson = _parse(path, text, check_params=False)
        data = _lesson_data(lesson)
        if _lesson_from(json.loads(json.dumps(data))) == lesson:
            self.entries[str(path)], self.changed = [digest, data], True
        return lesson

    def save(self) -> None:
        if not (self.file and self.changed):
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            part = self.file.with_suffix(f".{os.getpid()}.part")
            part.write_text(json.dumps({"parser": parser_version(), "lessons": self.entries}), encoding="utf-8")
            os.replace(part, self.file)
        except OSError:
            pass


@functools.cache
def parser_version() -> str:
    """This module's own hash, for ParsedLessons (read once, and only by the app's start)."""
    return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()


def _lesson_data(lesson: Lesson) -> dict[str, Any]:
    return {**asdict(lesson), "path": str(lesson.path)}


def _lesson_from(data: dict[str, Any]) -> Lesson:
    quiz = tuple(Question(**{**q, "choices": tuple(q["choices"]),
                             "answer": tuple(q["answer"]) if isinstance(q["answer"], list) else q["answer"]})
                 for q in data["quiz"])  # JSON has lists where a Question has tuples
    return Lesson(**{**data, "path": Path(data["path"]), "quiz": quiz})


def _load_folder(directory: Path, lang: str, check_params: bool, every_translation: bool,
                 parsed: ParsedLessons | None = None) -> tuple[dict[str, Lesson], list[Problem]]:
    """One folder's lessons by id, in `lang` where the folder has that translation, and its problems. Translations
    into other languages are read only for `every_translation` (`dltui check`): the app needs none of them."""
    base: dict[str, Lesson] = {}
    translations: list[Lesson] = []
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.md")):
        if path.name.upper() == "README.MD":
            continue
        named = FILE_PATTERN.match(path.name)
        if not every_translation and named and named["lang"] and named["lang"].lower() != lang:
            continue
        try:
            lesson = parsed.load(path) if parsed else load_lesson(path, check_params)
        except LessonFileError as error:
            problems.extend(error.problems)
            continue
        if lesson.lang != "en":
            translations.append(lesson)
        elif clash := _clash(lesson, base, "id") or _clash(lesson, base, "order"):
            problems.append(clash)
        else:
            base[lesson.id] = lesson
    for translated in translations:
        original = base.get(translated.id)
        if original is None:
            problems.append(Problem(translated.path, translated.lines.get("id", 1),
                                    _("translation of unknown lesson {id}").format(id=repr(translated.id))))
        elif found := _translation_problems(original, translated):
            problems.extend(found)
        elif translated.lang == lang:
            base[translated.id] = Lesson(**{**translated.__dict__, "order": original.order, "params": original.params})
    return base, problems


def load_lessons(
    directory: Path | Sequence[Path] | None = None, lang: str | None = None, check_params: bool = True,
    every_translation: bool = False, parsed: ParsedLessons | None = None,
) -> tuple[list[Lesson], list[Problem]]:
    """Every lesson in `directory` (default: the bundled ones) in order, in `lang` where a translation exists,
    and every problem found (in the translations into other languages too with `every_translation`: parsing
    them was half of the app's 160 ms here). Given several folders (the bundled ones, then a teacher's), a
    later folder's lesson replaces an earlier one with the same id; one whose order another folder's lesson
    has is left out. `parsed` (the app's, without [params] checks) keeps what it parses for the next start."""
    folders = [lessons_dir()] if directory is None else [directory] if isinstance(directory, (str, Path)) else directory
    lang = (lang or preferred_language()).lower()
    lessons: dict[str, Lesson] = {}
    problems: list[Problem] = []
    for folder in folders:
        found, trouble = _load_folder(Path(folder), lang, check_params, every_translation, parsed)
        problems.extend(trouble)
        for lesson in found.values():
            others = {key: other for key, other in lessons.items() if key != lesson.id}
            if clash := _clash(lesson, others, "order"):
                problems.append(clash)
            else:
                lessons[lesson.id] = lesson
    if parsed:
        parsed.save()
    return sorted(lessons.values(), key=lambda lesson: lesson.order), problems


def _longest(question: Question) -> bool:
    """Whether the right choice is longer than every other one."""
    widths = [cells(choice) for choice in question.choices]
    return widths[question.answer - 1] > max(w for n, w in enumerate(widths, 1) if n != question.answer)


def advice(lesson: Lesson) -> list[Problem]:
    """Warnings on a lesson that loads: answers a learner could find without knowing them (every single-choice
    answer is choice 1, or is the longest choice), and quiz text that names a choice by its number, which the
    quiz screen does not keep (it shows the choices in a new order each attempt)."""
    found: list[Problem] = []
    single = [question for question in lesson.quiz if question.kind == "choice"]
    which = ", ".join(question.id for question in single)
    if len(single) >= 2 and all(question.answer == 1 for question in single):
        found.append(Problem(lesson.path, single[0].line, _(
            "every single-choice answer is choice 1 ({questions}): put the right answers in different places").format(
            questions=which), warning=True))
    if len(single) >= 2 and all(_longest(question) for question in single):
        found.append(Problem(lesson.path, single[0].line, _(
            "every single-choice answer is its longest choice ({questions}): a learner can pick by length; shorten "
            "the right answers or give the others their reasons too").format(questions=which), warning=True))
    for number, question in enumerate(lesson.quiz, 1):
        text = "\n".join((question.prompt, question.explanation, *question.choices))
        if match := NUMBERED_CHOICE.search(text):
            found.append(Problem(lesson.path, question.line, _(
                "quiz question {number} says {words}, but the quiz shows the choices in a new order each attempt: "
                "name the choice by its words").format(number=number, words=repr(match[0])), warning=True))
    return found


def check(paths: Sequence[Path]) -> tuple[int, list[Problem]]:
    """Validate lesson files or folders as `dltui check` does: (files checked, problems, then warnings). Folders
    are checked together, as the app loads them (a later one's lesson replaces an earlier one's with the same id)."""
    files: list[Path] = []
    folders: list[Path] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            folders.append(path)
            files.extend(p for p in sorted(path.glob("*.md")) if p.name.upper() != "README.MD")
        elif path.exists():
            files.append(path)
            try:
                load_lesson(path)
            except LessonFileError as error:
                problems.extend(error.problems)
        else:
            problems.append(Problem(path, 0, _("no such file or folder")))
    if folders:
        problems.extend(load_lessons(folders, lang="en", every_translation=True)[1])
    for path in files:
        try:
            problems.extend(advice(load_lesson(path, check_params=False)))
        except LessonFileError:
            pass  # reported above
    return len(files), problems


def find_lesson(lessons: list[Lesson], query: str) -> Lesson | None:
    """A lesson by id or by its number in the list (as `dltui list` shows it)."""
    if query.isascii() and query.isdigit():
        return next((lesson for lesson in lessons if str(lesson.order) == query.lstrip("0")), None)
    return next((lesson for lesson in lessons if lesson.id == query), None)
