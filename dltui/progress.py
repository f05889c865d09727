"""Where each learner stands: lessons opened and finished, last position, every quiz answer.

One SQLite file (WAL) in the user's data folder, shared by every session on the machine and
keyed by user; a served class (`dltui serve`) is one such file for all its learners, and the
teacher's view (`dltui class`) reads every user's rows. Each write is its own transaction,
committed (synchronous=FULL) before the call returns, so a dropped SSH connection or a killed
process loses nothing acknowledged. Progress never stops the app: a damaged file is moved aside and a fresh one started; a folder that cannot
be written turns progress off, and every method then does nothing. `notice` says so, once.
"""

from __future__ import annotations

import csv
import getpass
import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dltui.i18n import N_, _
from dltui.text import printable

FILE_NAME = "progress.sqlite3"
BUSY_TIMEOUT_S = 10.0  # another session's write waits its turn instead of failing
NOT_STARTED, IN_PROGRESS, DONE = N_("not started"), N_("in progress"), N_("done")  # kept in English; _() shows them
DONE_RULE = N_("every question has been answered right once")  # what makes a lesson done, as the learner reads it
OFF = N_("Progress is off: {reason}. Use --data-dir or DLTUI_DATA_DIR to keep it in another folder.")
EXPORT_COLUMNS = ("user", "lesson", "question", "attempt", "given", "expected", "correct", "answered_at", "asked")
CLASS_COLUMNS = ("user", "lesson", "state", "questions", "first_correct", "best_correct", "answers", "opened_at",
                 "finished_at", "last_active")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula (OWASP)
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

# Migration N brings a file from user_version N-1 to N. Append, never edit: old files replay the tail.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE lessons (
            user TEXT NOT NULL, lesson TEXT NOT NULL, opened_at TEXT NOT NULL,
            finished_at TEXT, position TEXT NOT NULL DEFAULT '', PRIMARY KEY (user, lesson))""",
        """CREATE TABLE answers (
            id INTEGER PRIMARY KEY, user TEXT NOT NULL, lesson TEXT NOT NULL, question TEXT NOT NULL,
            given TEXT NOT NULL, correct INTEGER NOT NULL, attempt INTEGER NOT NULL, answered_at TEXT NOT NULL)""",
        "CREATE INDEX answers_by_question ON answers (user, lesson, question)",
    ),
    # The expected answer beside the given one, for whoever reads an export.
    ("ALTER TABLE answers ADD COLUMN expected TEXT NOT NULL DEFAULT ''",),
    # The question as asked: an engine question's numbers are drawn afresh for every attempt.
    ("ALTER TABLE answers ADD COLUMN asked TEXT NOT NULL DEFAULT ''",),
    # A served class: when each learner last came back to a lesson, and the accounts that see the whole class.
    ("ALTER TABLE lessons ADD COLUMN seen_at TEXT NOT NULL DEFAULT ''",
     "CREATE TABLE teachers (name TEXT PRIMARY KEY, added_at TEXT NOT NULL)"),
)


class Damaged(Exception):
    """The file is not a healthy SQLite database (detected by SQLite or by its integrity check)."""


class TooNew(Exception):
    """The file was written by a newer dltui, whose schema this one must not touch."""


@dataclass(frozen=True)
class Place:
    """Where the learner was in a lesson: the lab's settings and how far the text was scrolled."""

    params: dict
    scroll: int = 0


@dataclass(frozen=True)
class Answer:
    id: int
    lesson: str
    question: str
    given: str
    correct: bool
    attempt: int  # 1 for this user's first answer to this question, ever
    answered_at: str
    expected: str = ""
    asked: str = ""


@dataclass(frozen=True)
class LessonProgress:
    """One lesson for one user. Scores count questions: right at the first attempt, right at any."""

    lesson: str
    state: str = NOT_STARTED
    answers: int = 0
    questions: int = 0  # distinct questions answered
    first_correct: int = 0
    best_correct: int = 0
    position: str = ""
    opened_at: str = ""
    finished_at: str = ""
    last_active: str = ""  # the latest opening, move or answer

    @property
    def first_accuracy(self) -> float | None:
        return self.first_correct / self.questions if self.questions else None


@dataclass(frozen=True)
class Totals:
    lessons_started: int = 0
    lessons_done: int = 0
    answers: int = 0
    questions: int = 0
    first_correct: int = 0
    best_correct: int = 0
    last_active: str = ""


@dataclass(frozen=True)
class Missed:
    """A question of the class's quizzes: how many learners answered it, got it wrong at their first attempt, and
    have not answered it right yet."""

    lesson: str
    question: str
    learners: int
    missed_first: int
    unsolved: int


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name and no passwd entry (some containers)
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "user"


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """`data_dir`, else `DLTUI_DATA_DIR`, else the platform's per-user data folder."""
    if folder := data_dir or os.environ.get("DLTUI_DATA_DIR"):
        return Path(folder).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("dltui", appauthor=False))


def user_dir(data_dir: str | Path | None = None, user: str | None = None) -> Path:
    """Where a user's own files go (the LeNet saved from its lab): a folder per user in the data folder, chosen
    as progress's is (`--data-dir`/`DLTUI_DATA_DIR`, `--user`/`DLTUI_USER`)."""
    user = user or os.environ.get("DLTUI_USER") or os_user()
    return resolve_data_dir(data_dir) / "users" / re.sub(r"[^\w.-]|^\.", "_", user)


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows and never runs: text starting as a formula does (=, +, -, @, tab, CR) gets a
    leading ' (OWASP's CSV-injection rule), except a plain number such as -0.5, which stays a number (it cannot
    hold a formula). Control characters are written out as `\\x1b`."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return f"'{text}" if value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text) else text


def _connect(path: Path) -> sqlite3.Connection:
    """Open, check and migrate the file; Damaged, TooNew or sqlite3.Error when that fails."""
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        if (check := db.execute("PRAGMA quick_check").fetchone()[0]) != "ok":
            raise Damaged(check.splitlines()[0])
        db.execute("BEGIN IMMEDIATE")  # one session migrates; the others then see the new version
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise TooNew(version)
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            db.execute("COMMIT")
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")
    except BaseException:
        db.close()
        raise
    return db


def _is_damage(error: Exception) -> bool:
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    return isinstance(error, Damaged) or code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def write_table(path: str | Path, fmt: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Rows as a CSV file a spreadsheet opens safely (Chinese included, no formula runs) or as JSON, exactly as
    stored."""
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as file:
            writer = csv.DictWriter(file, columns)
            writer.writeheader()
            writer.writerows({key: spreadsheet_cell(value) for key, value in row.items()} for row in rows)
    elif fmt == "json":
        Path(path).write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        raise ValueError(_("unknown export format {format} (csv or json)").format(format=repr(fmt)))


def _done(fields: dict[str, Any]) -> bool:
    """Marked finished, and no answered question still without a right answer: files written before DONE_RULE marked
    a lesson finished once every question had been answered, right or wrong."""
    return bool(fields.get("finished_at")) and fields.get("best_correct", 0) >= fields.get("questions", 0)


def _off(reason: str) -> str:
    """The notice of progress turned off, saying why."""
    return _(OFF).format(reason=reason)


def _move_aside(path: Path) -> Path:
    """Rename the file (and its WAL, which must never be replayed into a fresh file) with a timestamp."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target, n = path.with_name(f"{path.name}.damaged-{stamp}"), 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    for suffix in ("-wal", "-shm", ""):
        if (part := Path(f"{path}{suffix}")).exists():
            part.rename(f"{target}{suffix}")
    return target


class Progress:
    """A user's progress. Use `Progress.open(...)`; check `enabled` and show `notice` if set."""

    def __init__(self, path: Path | None, user: str, db: sqlite3.Connection | None = None, notice: str = ""):
        self.path = path
        self.user = user
        self.notice = notice
        self._db = db
        self._lock = threading.Lock()  # the UI writes from worker threads

    @property
    def enabled(self) -> bool:
        return self._db is not None

    @classmethod
    def open(cls, data_dir: str | Path | None = None, user: str | None = None) -> Progress:
        """Progress in `data_dir` (else DLTUI_DATA_DIR, else the platform's) for `user` (else DLTUI_USER,
        else the OS user). Never raises: problems end up in `notice`, with progress off if need be."""
        user = user or os.environ.get("DLTUI_USER") or os_user()
        try:
            folder = resolve_data_dir(data_dir)
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return cls(None, user, notice=_off(_("cannot create the folder {folder} ({error})").format(
                folder=error.filename, error=error.strerror)))
        path = folder / FILE_NAME
        for place in (folder, path):
            if place.exists() and not os.access(place, os.W_OK):
                return cls(None, user, notice=_off(_("{path} is read-only").format(path=place)))
        try:
            return cls(path, user, _connect(path))
        except TooNew:
            return cls(None, user, notice=_off(_("{path} was written by a newer dltui; update dltui to use it").format(
                path=path)))
        except (Damaged, sqlite3.Error) as error:
            if not _is_damage(error):
                return cls(None, user, notice=_off(_("cannot open {path} ({error})").format(path=path, error=error)))
            damage = error
        try:
            moved = _move_aside(path)
            return cls(path, user, _connect(path), notice=_(
                "The progress file was damaged ({damage}). It was moved to {moved} and a fresh one started.").format(
                damage=damage, moved=moved))
        except (OSError, Damaged, TooNew, sqlite3.Error) as error:
            return cls(None, user, notice=_off(_("{path} is damaged and could not be replaced ({error})").format(
                path=path, error=error)))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        finally:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")

    def _write(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run `work` in one committed transaction; None (and a notice) if it could not be saved."""
        with self._lock:
            if self._db is None:
                return None
            try:
                with self._transaction() as db:
                    return work(db)
            except sqlite3.Error as error:
                self.notice = _("Progress could not be saved: {error}.").format(error=error)
                return None

    def _read(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        with self._lock:
            if self._db is None:
                return []
            try:
                cursor = self._db.execute(sql, args)
                columns = [c[0] for c in cursor.description]
                return [dict(zip(columns, row)) for row in cursor.fetchall()]
            except sqlite3.Error as error:
                self.notice = _("Progress could not be read: {error}.").format(error=error)
                return []

    def _execute(self, sql: str, *args: Any) -> bool:
        return self._write(lambda db: db.execute(sql, args)) is not None

    def lesson_opened(self, lesson_id: str) -> bool:
        """Mark the lesson started (the first opening's time is kept, the latest is the last activity); True once
        saved."""
        at = now()
        return self._execute("INSERT INTO lessons (user, lesson, opened_at, seen_at) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (user, lesson) DO UPDATE SET seen_at = excluded.seen_at",
                             self.user, lesson_id, at, at)

    def solved(self, lesson_id: str) -> set[str]:
        """The ids of the lesson's questions this user has answered right at least once, in any session."""
        return {row["question"] for row in self._read(
            "SELECT DISTINCT question FROM answers WHERE user = ? AND lesson = ? AND correct", self.user, lesson_id)}

    def lesson_finished(self, lesson_id: str, questions: Iterable[str]) -> bool:
        """Mark the lesson done if DONE_RULE holds for `questions` (its quiz's ids): the learner sees that rule, and a
        quiz answered all wrong is not done. The first finishing time is kept; True once the lesson is marked done."""
        if not set(questions) <= self.solved(lesson_id):
            return False
        at = now()
        return self._execute("INSERT INTO lessons (user, lesson, opened_at, finished_at) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (user, lesson) DO UPDATE SET finished_at = COALESCE(finished_at, excluded.finished_at)",
                             self.user, lesson_id, at, at)

    def set_position(self, lesson_id: str, position: str) -> bool:
        """Remember where the learner is in a lesson (small text or JSON the UI gives back later)."""
        at = now()
        return self._execute("INSERT INTO lessons (user, lesson, opened_at, seen_at, position) VALUES (?, ?, ?, ?, ?) "
                             "ON CONFLICT (user, lesson) DO UPDATE SET position = excluded.position, "
                             "seen_at = excluded.seen_at", self.user, lesson_id, at, at, position)

    def position(self, lesson_id: str) -> str:
        rows = self._read("SELECT position FROM lessons WHERE user = ? AND lesson = ?", self.user, lesson_id)
        return rows[0]["position"] if rows else ""

    def place(self, lesson_id: str) -> Place:
        """Where the learner left a lesson: the lab's settings and the text's scroll (a position that is
        not ours, or not JSON, counts as none)."""
        try:
            saved = json.loads(self.position(lesson_id) or "{}")
        except ValueError:
            saved = {}
        if not isinstance(saved, dict):
            saved = {}
        params, scroll = saved.get("params", {}), saved.get("scroll", 0)
        return Place(params if isinstance(params, dict) else {}, scroll if isinstance(scroll, int) else 0)

    def keep_place(self, lesson_id: str, place: Place) -> bool:
        """Remember `place`; written only when it changed."""
        position = json.dumps({"params": place.params, "scroll": place.scroll}, sort_keys=True, default=str)
        return position == self.position(lesson_id) or self.set_position(lesson_id, position)

    def record_answer(self, lesson_id: str, question_id: str, given: str, correct: bool,
                      expected: str = "", asked: str = "") -> Answer | None:
        """Store one answer, committed before returning; None if it was not saved (see `notice`)."""

        def insert(db: sqlite3.Connection) -> Answer:
            attempt = db.execute("SELECT COUNT(*) FROM answers WHERE user = ? AND lesson = ? AND question = ?",
                                 (self.user, lesson_id, question_id)).fetchone()[0] + 1
            at = now()
            cursor = db.execute(
                "INSERT INTO answers (user, lesson, question, given, correct, attempt, answered_at, expected, asked) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.user, lesson_id, question_id, given, int(correct), attempt, at, expected, asked))
            return Answer(cursor.lastrowid, lesson_id, question_id, given, bool(correct), attempt, at, expected, asked)

        return self._write(insert)

    def lessons(self, user: str | None = None) -> dict[str, LessonProgress]:
        """Every lesson this user (or `user`, for the teacher's view) has opened or answered in, by id; absent ones
        are not started."""
        user = self.user if user is None else user
        found: dict[str, dict[str, Any]] = {}
        for row in self._read("SELECT lesson, opened_at, finished_at, position, "
                              "MAX(opened_at, seen_at, COALESCE(finished_at, '')) AS last_active "
                              "FROM lessons WHERE user = ?", user):
            found[row["lesson"]] = {**row, "finished_at": row["finished_at"] or ""}
        for row in self._read(
            "SELECT lesson, COUNT(*) AS answers, COUNT(DISTINCT question) AS questions, "
            "SUM(attempt = 1 AND correct) AS first_correct, "
            "COUNT(DISTINCT CASE WHEN correct THEN question END) AS best_correct, MAX(answered_at) AS answered_at "
            "FROM answers WHERE user = ? GROUP BY lesson", user):
            answered_at = row.pop("answered_at")
            fields = found.setdefault(row["lesson"], {"lesson": row["lesson"]})
            fields.update(row)
            fields["last_active"] = max(fields.get("last_active", ""), answered_at)
        return {lesson: LessonProgress(state=DONE if _done(fields) else IN_PROGRESS, **fields)
                for lesson, fields in found.items()}

    def lesson(self, lesson_id: str) -> LessonProgress:
        return self.lessons().get(lesson_id, LessonProgress(lesson_id))

    def totals(self, user: str | None = None) -> Totals:
        lessons = self.lessons(user).values()
        return Totals(
            lessons_started=len(lessons),
            lessons_done=sum(lesson.state == DONE for lesson in lessons),
            **{name: sum(getattr(lesson, name) for lesson in lessons)
               for name in ("answers", "questions", "first_correct", "best_correct")},
            last_active=max((lesson.last_active for lesson in lessons), default=""),
        )

    def weakest(self, limit: int = 3) -> list[LessonProgress]:
        """Lessons with the lowest first-attempt accuracy (perfect ones left out): what to revise first."""
        answered = [l for l in self.lessons().values() if l.questions and l.first_correct < l.questions]
        return sorted(answered, key=lambda l: (l.first_accuracy, -l.questions, l.lesson))[:limit]

    def export_rows(self, all_users: bool = False) -> list[dict[str, Any]]:
        """Every answer, oldest first, as dicts with EXPORT_COLUMNS; this user's only unless `all_users`."""
        where = "" if all_users else "WHERE user = ?"
        rows = self._read(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM answers {where} ORDER BY user, answered_at, id",
                          *(() if all_users else (self.user,)))
        return [{**row, "correct": bool(row["correct"])} for row in rows]

    def export(self, path: str | Path, fmt: str = "csv", all_users: bool = False) -> int:
        """Write the answers to a CSV (opens safely in a spreadsheet, Chinese included) or JSON file (exactly as
        stored); returns the count."""
        rows = self.export_rows(all_users)
        write_table(path, fmt, EXPORT_COLUMNS, rows)
        return len(rows)

    # The class: every learner in this file. Only a teacher's account should be shown these (`sees_the_class`).

    def learners(self) -> list[str]:
        """Everyone who has opened a lesson or answered a question here, by name."""
        return [row["user"] for row in self._read("SELECT user FROM lessons UNION SELECT user FROM answers ORDER BY 1")]

    def missed(self, limit: int = 5) -> list[Missed]:
        """The questions most learners got wrong at their first attempt (then those still unsolved by most)."""
        rows = self._read(
            "SELECT lesson, question, COUNT(*) AS learners, SUM(first_wrong) AS missed_first, "
            "SUM(never_right) AS unsolved FROM (SELECT user, lesson, question, "
            "MAX(attempt = 1 AND NOT correct) AS first_wrong, MAX(correct) = 0 AS never_right "
            "FROM answers GROUP BY user, lesson, question) GROUP BY lesson, question HAVING missed_first > 0 "
            "ORDER BY missed_first DESC, unsolved DESC, learners, lesson, question LIMIT ?", limit)
        return [Missed(**row) for row in rows]

    def class_rows(self) -> list[dict[str, Any]]:
        """One dict with CLASS_COLUMNS per learner and lesson they started, for an export."""
        return [{"user": user, **{name: getattr(lesson, name) for name in CLASS_COLUMNS[1:]}}
                for user in self.learners() for lesson in sorted(self.lessons(user).values(), key=lambda l: l.lesson)]

    def teachers(self) -> set[str]:
        """The accounts named by `dltui serve` (the one serving, and its --teacher list)."""
        return {row["name"] for row in self._read("SELECT name FROM teachers")}

    def add_teachers(self, names: Iterable[str]) -> bool:
        at = now()
        return self._write(lambda db: db.executemany(
            "INSERT INTO teachers (name, added_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            [(name, at) for name in names])) is not None

    def sees_the_class(self) -> bool:
        """Whether the account running this (its login, never a --user) may see every learner: it owns the data
        folder (it made it: the account serving the class, or the teacher who set up a shared folder), or
        `dltui serve` named it."""
        if self.path is None:
            return False
        owns_folder = hasattr(os, "getuid") and self.path.parent.stat().st_uid == os.getuid()
        return owns_folder or os_user() in self.teachers()
