"""What the teacher sees of a class, worked out once for both ways of showing it: `dltui class` prints it as a table,
the app's class screen draws it (and refreshes it while the class answers), and both export the same rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dltui.i18n import _, ngettext
from dltui.lessons import Lesson
from dltui.progress import CLASS_COLUMNS, DONE, Missed, Progress, Totals, os_user, write_table

SHORT_PROMPT = 50  # cells of a missed question's id and prompt in the CLI's table


@dataclass(frozen=True)
class LearnerSummary:
    """One learner's row: their totals and the lessons they have done, by number (then ids of lessons not loaded)."""

    name: str
    totals: Totals
    done: str

    @property
    def first_accuracy(self) -> float | None:
        return self.totals.first_correct / self.totals.questions if self.totals.questions else None


@dataclass(frozen=True)
class MissedQuestion:
    """A question most learners missed at their first try: the counts, its lesson's number (or id, if that lesson is
    not loaded) and the question as `id: prompt` on one line."""

    counts: Missed
    lesson: str
    text: str


def spans(numbers: list[int]) -> str:
    """[1, 2, 3, 5] as '1-3, 5'."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs)


def local_time(stamp: str) -> str:
    """A stored UTC time as this machine's local minute, '' for none."""
    return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M") if stamp else ""


def ago(stamp: str, now: datetime) -> str:
    """How long before `now` a stored time was: 'just now', '5 min ago', '3 h ago', 'yesterday', '4 days ago'."""
    if not stamp:
        return ""
    seconds = (now - datetime.fromisoformat(stamp)).total_seconds()
    minutes, hours, days = int(seconds // 60), int(seconds // 3600), int(seconds // 86400)
    if minutes < 1:
        return _("just now")
    if hours < 1:
        return _("{minutes} min ago").format(minutes=minutes)
    if days < 1:
        return _("{hours} h ago").format(hours=hours)
    return _("yesterday") if days == 1 else ngettext("{count} day ago", "{count} days ago", days).format(count=days)


def summaries(lessons: list[Lesson], progress: Progress, learners: list[str]) -> list[LearnerSummary]:
    """A row per learner, in the order given."""
    numbers = {lesson.id: lesson.order for lesson in lessons}
    rows = []
    for learner in learners:
        found = progress.lessons(learner)
        done = [lesson for lesson in found if found[lesson].state == DONE]
        listed = spans([numbers[lesson] for lesson in done if lesson in numbers])
        unloaded = [lesson for lesson in done if lesson not in numbers]
        rows.append(LearnerSummary(learner, progress.totals(learner), ", ".join(filter(None, [listed, *unloaded]))))
    return rows


def hardest(lessons: list[Lesson], progress: Progress, limit: int = 5) -> list[MissedQuestion]:
    """The questions most learners got wrong at their first try (`Progress.missed`), with what they asked."""
    numbers = {lesson.id: str(lesson.order) for lesson in lessons}
    questions = {(lesson.id, question.id): question for lesson in lessons for question in lesson.quiz}
    found = []
    for counts in progress.missed(limit):
        question = questions.get((counts.lesson, counts.question))
        prompt = f": {' '.join(question.prompt.split())}" if question else ""
        found.append(MissedQuestion(counts, numbers.get(counts.lesson, counts.lesson), counts.question + prompt))
    return found


def export_path(fmt: str, output: str | None = None) -> Path:
    """Where an export goes: `output`, else a dated file in the current folder."""
    return Path(output or f"dltui-class-{date.today():%Y%m%d}.{fmt}")


def export(progress: Progress, path: Path, fmt: str, learners: list[str]) -> int:
    """Write a row per learner (of `learners`) and lesson started, with CLASS_COLUMNS, as CSV or JSON; the row count.
    OSError when the file cannot be written."""
    rows = [row for row in progress.class_rows() if row["user"] in learners]
    write_table(path, fmt, CLASS_COLUMNS, rows)
    return len(rows)


def teaches_here(progress: Progress) -> bool:
    """Whether this session may open the class screen: it runs as the teacher's own login (a served learner's session
    runs as the serving account with `--user` naming the learner, and `--user` never makes a teacher), that login may
    see every learner (`Progress.sees_the_class`), and the file is a class's: a server named its teachers, or someone
    else has progress in it (a learner alone with their own folder has no class to look at). It reads the file."""
    return (progress.user == os_user() and progress.sees_the_class()
            and bool(progress.teachers() or set(progress.learners()) - {progress.user}))
