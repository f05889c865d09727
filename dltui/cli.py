"""The `dltui` command: the app, plus plain-text commands that never start the TUI."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from dltui import __version__
from dltui.lessons import Lesson, check, find_lesson, lessons_dir, load_lessons

COMMANDS = {
    "list": "print the lessons as a plain-text table",
    "check [PATH...]": "validate lesson files (default: the bundled lessons); exit 1 on problems",
}

EPILOG = "commands:\n" + "\n".join(f"  dltui {name:<22}{text}" for name, text in COMMANDS.items()) + """

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


def unknown_lesson(query: str, lessons: list[Lesson]) -> str:
    names = {lesson.id: lesson for lesson in lessons} | {lesson.title.lower(): lesson for lesson in lessons}
    close = difflib.get_close_matches(query.lower(), names, n=3, cutoff=0.6)
    ids = list(dict.fromkeys(names[name].id for name in close))
    hint = f"did you mean: {', '.join(ids)}?" if ids else "the lessons are: " + ", ".join(l.id for l in lessons)
    return f"dltui: no lesson {query!r}; {hint}\n(run 'dltui list' to see them all)"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.target == "check":
        checked, problems = check([Path(p) for p in args.paths] or [lessons_dir()])
        for problem in problems:
            print(problem)
        print(f"checked {checked} lesson file{'s' * (checked != 1)}: "
              f"{len(problems) or 'no'} problem{'s' * (len(problems) != 1)}", file=sys.stderr)
        return 1 if problems else 0
    if args.paths:
        parser().error(f"unexpected arguments: {' '.join(args.paths)}")
    lessons, problems = load_lessons(lang=args.lang)
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

    app = DltuiApp(lessons, problems, start)
    app.run()
    return app.return_code or 0
