"""The `dltui` command: the app, plus plain-text commands that never start the TUI."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import warnings
from datetime import date
from pathlib import Path

from dltui import __version__
from dltui.lessons import Lesson, check, find_lesson, lessons_dir, load_lessons
from dltui.progress import LessonProgress, Progress

COMMANDS = {
    "list": "print the lessons as a plain-text table",
    "check [PATH...]": "validate lesson files (default: the bundled lessons); exit 1 on problems",
    "progress": "your progress per lesson as a plain-text table",
    "progress --export csv|json": "every answer in a file a teacher can open (--all-users, -o FILE)",
    "warmup": "compile every numba kernel now (the app otherwise does it in the background)",
    "arch NAME": "layer shapes and parameter counts of lenet5, alexnet, vgg16, googlenet, resnet18/34/50",
}
WIDTH = max(map(len, COMMANDS)) + 2

EPILOG = "commands:\n" + "\n".join(f"  dltui {name:<{WIDTH}}{text}" for name, text in COMMANDS.items()) + """

examples:
  dltui                 open the lesson browser
  dltui perceptron      open a lesson by id
  dltui 2               open a lesson by number
  dltui check my.md     validate a lesson file you are writing
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dltui",
        description="A terminal deep-learning lab: pick a lesson, watch real models learn.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", nargs="?", metavar="LESSON|COMMAND", help="a lesson id or number, or a command below")
    p.add_argument("paths", nargs="*", metavar="PATH", help=argparse.SUPPRESS)
    p.add_argument("--lang", help="lesson language, e.g. en or zh (default: $DLTUI_LANG, then the locale)")
    p.add_argument("--data-dir", metavar="DIR", help="where progress is kept (default: $DLTUI_DATA_DIR, then your data folder)")
    p.add_argument("--user", help="whose progress (default: $DLTUI_USER, then your login name); for shared accounts")
    p.add_argument("--export", choices=("csv", "json"), help="with 'progress': write the answers to a file")
    p.add_argument("--all-users", action="store_true", help="with --export: every user's answers, not only yours")
    p.add_argument("-o", "--output", metavar="FILE", help="with --export: the file to write (default: in this folder)")
    p.add_argument("--backend", choices=("numpy", "numba", "cuda"),
                   help="kernels: NumPy reference, numba on the CPU (default), or numba.cuda (default: $DLTUI_BACKEND)")
    p.add_argument("--version", action="version", version=f"dltui {__version__}")
    return p


def cell_width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_width(text))


def list_lessons(lessons: list[Lesson]) -> str:
    rows = [("No", "ID", "Title", "Summary")] + [(str(l.order), l.id, l.title, l.summary) for l in lessons]
    widths = [max(cell_width(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(pad(cell, w) for cell, w in zip(row, widths)) + "  " + row[3] for row in rows)


def progress_table(lessons: list[Lesson], progress: Progress) -> str:
    """One row per lesson; scores count questions right at the first attempt and at any attempt."""
    found = progress.lessons()
    rows = [("No", "Lesson", "State", "First try", "Best", "Answers")]
    for lesson in lessons:
        state = found.get(lesson.id, LessonProgress(lesson.id))
        rows.append((str(lesson.order), lesson.id, state.state, f"{state.first_correct}/{len(lesson.quiz)}",
                     f"{state.best_correct}/{len(lesson.quiz)}", str(state.answers)))
    widths = [max(cell_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    totals = progress.totals()
    if totals.questions:
        lines.append(f"\n{totals.answers} answer{'s' * (totals.answers != 1)} by {progress.user}; right at the first try: "
                     f"{totals.first_correct} of {totals.questions} question{'s' * (totals.questions != 1)} "
                     f"({totals.first_correct / totals.questions:.0%})")
    if weakest := progress.weakest():
        lines.append("revise first: " + ", ".join(f"{l.lesson} ({l.first_accuracy:.0%})" for l in weakest))
    return "\n".join(lines)


def show_progress(args: argparse.Namespace, lessons: list[Lesson]) -> int:
    with Progress.open(args.data_dir, args.user) as progress:
        if progress.notice:
            print(f"dltui: {progress.notice}", file=sys.stderr)
        if not progress.enabled:
            return 1
        if not args.export:
            print(progress_table(lessons, progress))
            return 0
        who = "all-users" if args.all_users else re.sub(r"[^\w.-]", "_", progress.user)
        path = Path(args.output or f"dltui-progress-{who}-{date.today():%Y%m%d}.{args.export}")
        try:
            count = progress.export(path, args.export, args.all_users)
        except OSError as error:
            print(f"dltui: cannot write {path}: {error.strerror}", file=sys.stderr)
            return 1
    print(f"wrote {count} answer{'s' * (count != 1)} to {path.resolve()}")
    return 0


def unknown_lesson(query: str, lessons: list[Lesson]) -> str:
    names = {lesson.id: lesson for lesson in lessons} | {lesson.title.lower(): lesson for lesson in lessons}
    close = difflib.get_close_matches(query.lower(), names, n=3, cutoff=0.6)
    ids = list(dict.fromkeys(names[name].id for name in close))
    hint = f"did you mean: {', '.join(ids)}?" if ids else "the lessons are: " + ", ".join(l.id for l in lessons)
    return f"dltui: no lesson {query!r}; {hint}\n(run 'dltui list' to see them all)"


def warmup(backend_name: str | None) -> int:
    """`dltui warmup`: compile the chosen backend's kernels with a progress bar and say how long it took."""
    from rich.progress import Progress as Bar

    from dltui.engine import backend

    warnings.simplefilter("ignore", backend.BackendNotice)  # said once, below
    try:
        if notice := backend.set_backend(backend_name):
            print(f"dltui: {notice}", file=sys.stderr)
    except ValueError as error:  # a bad $DLTUI_BACKEND
        print(f"dltui: {error}", file=sys.stderr)
        return 2
    if backend.backend_name() == "numpy":
        print("the numpy backend has nothing to compile")
        return 0
    with Bar(transient=True) as bar:
        task = bar.add_task("compiling", total=None)

        def report(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"compiling {name}", completed=done, total=total)

        seconds = backend.warmup(report)
    print(f"{backend.backend_name()} kernels ready in {seconds:.1f} s (cached under numba's cache directory)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.target == "check":
        checked, problems = check([Path(p) for p in args.paths] or [lessons_dir()])
        for problem in problems:
            print(problem)
        print(f"checked {checked} lesson file{'s' * (checked != 1)}: "
              f"{len(problems) or 'no'} problem{'s' * (len(problems) != 1)}", file=sys.stderr)
        return 1 if problems else 0
    if args.target == "warmup":
        return warmup(args.backend)
    if args.target == "arch":
        from dltui.engine.arch import NETWORKS, format_table

        if len(args.paths) != 1:
            parser().error(f"arch takes one name: {', '.join(NETWORKS)}")
        try:
            print(format_table(args.paths[0]))
        except KeyError as error:
            print(f"dltui: {error.args[0]}", file=sys.stderr)
            return 2
        return 0
    if args.paths:
        parser().error(f"unexpected arguments: {' '.join(args.paths)}")
    if args.target != "progress" and (args.export or args.all_users or args.output):
        parser().error("--export, --all-users and -o go with 'dltui progress'")
    if not args.export and (args.all_users or args.output):
        parser().error("--all-users and -o go with --export")
    tui = args.target not in ("progress", "list")
    lessons, problems = load_lessons(lang=args.lang, check_params=not tui)  # the app checks them after its first frame
    if args.target == "progress":
        return show_progress(args, lessons)
    if args.target == "list":
        print(list_lessons(lessons))
        if problems:
            print(f"\n{len(problems)} problem(s) in lesson files; run 'dltui check' to see them", file=sys.stderr)
        return 0
    start = None
    if args.target is not None:
        lesson = find_lesson(lessons, args.target)
        if lesson is None:
            print(unknown_lesson(args.target, lessons), file=sys.stderr)
            return 2
        start = lesson.id
    from dltui.ui.app import DltuiApp

    with Progress.open(args.data_dir, args.user) as progress:
        app = DltuiApp(lessons, problems, start, progress, args.backend)
        app.run()
    return app.return_code or 0
