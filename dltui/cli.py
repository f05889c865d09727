"""The `dltui` command: the app, plus plain-text commands that never start the TUI."""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from dltui import __version__, i18n
from dltui.i18n import N_, _, ngettext
from dltui.class_report import SHORT_PROMPT, export, export_path, hardest, local_time, summaries
from dltui.lessons import Lesson, ParsedLessons, Problem, check, find_lesson, lessons_dir, load_lessons
from dltui.progress import LessonProgress, Progress, os_user
from dltui.text import cells, left, printable, shorten

COMMANDS = {
    "list": N_("print the lessons as a plain-text table"),
    "check [PATH...]": N_("validate lesson files or folders (default: the lessons the app loads); exit 1 on problems"),
    "progress": N_("your progress per lesson as a plain-text table"),
    "progress --export csv|json": N_("every answer in a file a teacher can open (--all-users, -o FILE)"),
    "class": N_("every learner's progress, for the teacher (--tui: in the app; --export csv|json, -o FILE)"),
    "serve ssh|web|add-user": N_("serve the lessons to a class over SSH or in browser tabs ('dltui serve --help')"),
    "warmup": N_("compile every numba kernel now (the app otherwise does it in the background)"),
    "arch NAME": N_("layer shapes and parameter counts of lenet5, alexnet, vgg16, googlenet(aux), resnet18/34/50, nin,"
                    " densenet121, mobilenetv2; the Transformer's parts (transformer)"),
    "debug FILE.py [ARGS]": N_("run your script and step through its last backward pass ('dltui debug --help')"),
}
WIDTH = max(map(len, COMMANDS)) + 2
EXAMPLES = (
    ("dltui", N_("open the lesson browser")),
    ("dltui perceptron", N_("open a lesson by id")),
    ("dltui 2", N_("open a lesson by number")),
    ("dltui check my.md", N_("validate a lesson file you are writing")),
    ("dltui check class/", N_("validate a folder of your own lessons")),
    ("dltui --lessons class/", N_("open the lesson browser with your lessons beside the bundled ones")),
)
EXAMPLE_WIDTH = 22  # a longer example puts its text on the next line


def epilog() -> str:
    """The commands and examples under `dltui --help`, in the interface's language."""
    commands = [f"  dltui {name:<{WIDTH}}{_(text)}" for name, text in COMMANDS.items()]
    examples = [f"  {command:<{EXAMPLE_WIDTH}}{_(text)}" if len(command) < EXAMPLE_WIDTH
                else f"  {command}\n{'':{EXAMPLE_WIDTH + 2}}{_(text)}" for command, text in EXAMPLES]
    return "\n".join([_("commands:"), *commands, "", _("examples:"), *examples, ""])


def language_option(argv: list[str], options_before: bool = False) -> str | None:
    """The `--lang` in `argv`, read before the parser is built so that its help is in that language (`--lang` is
    parsed again with the rest); `options_before`: only the options before the first other argument count (`dltui
    debug`: what follows the script is the script's own)."""
    found = None
    for k, word in enumerate(argv):
        if word == "--lang" and k + 1 < len(argv):
            found = argv[k + 1]
        elif word.startswith("--lang="):
            found = word.partition("=")[2]
        elif options_before and not word.startswith("-") and argv[k - 1:k] not in (["--lang"], ["--step"],
                                                                                    ["--backend"]):
            break
    return found or None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dltui",
        description=_("A terminal deep-learning lab: pick a lesson, watch real models learn."),
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", nargs="?", metavar="LESSON|COMMAND", help=_("a lesson id or number, or a command below"))
    p.add_argument("paths", nargs="*", metavar="PATH", help=argparse.SUPPRESS)
    p.add_argument("--lessons", metavar="DIR", help=_("also load the lesson files in DIR; one with a bundled lesson's "
                                                      "id replaces it (default: $DLTUI_LESSONS)"))
    p.add_argument("--lessons-only", action="store_true",
                   help=_("load the lessons in --lessons DIR, not the bundled ones"))
    p.add_argument("--lang", help=_("language of the lessons and the interface, e.g. en or zh (default: $DLTUI_LANG, "
                                    "then the locale)"))
    p.add_argument("--data-dir", metavar="DIR", help=_("where progress and your own files are kept (default: "
                                                       "$DLTUI_DATA_DIR, then your data folder)"))
    p.add_argument("--user", help=_("whose progress (default: $DLTUI_USER, then your login name); for shared "
                                    "accounts"))
    p.add_argument("--export", choices=("csv", "json"), help=_("with 'progress' or 'class': write to a file"))
    p.add_argument("--all-users", action="store_true", help=_("with --export: every user's answers, not only yours"))
    p.add_argument("-o", "--output", metavar="FILE", help=_("with --export: the file to write (default: in this "
                                                            "folder)"))
    p.add_argument("--tui", action="store_true", help=_("with 'class': open the app on the class screen (teacher "
                                                        "only)"))
    p.add_argument("--backend", choices=("numpy", "numba", "cuda"),
                   help=_("kernels: NumPy reference, numba on the CPU (default), or numba.cuda (default: "
                          "$DLTUI_BACKEND)"))
    p.add_argument("--version", action="version", version=f"dltui {__version__}")
    return p


def table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as columns lined up by terminal cells (CJK is two wide), the last one unpadded; every cell is
    printable, whatever a lesson file or the progress file holds."""
    rows = [tuple(printable(cell) for cell in row) for row in rows]
    widths = [max(cells(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([*(left(cell, w) for cell, w in zip(row, widths)), row[-1]]).rstrip()
            for row in rows]


def list_lessons(lessons: list[Lesson]) -> str:
    rows = [(_("No"), _("ID"), _("Title"), _("Summary"))] + [(str(l.order), l.id, l.title, l.summary) for l in lessons]
    return "\n".join(table(rows))


def progress_table(lessons: list[Lesson], progress: Progress) -> str:
    """One row per lesson; scores count questions right at the first attempt and at any attempt."""
    found = progress.lessons()
    rows = [(_("No"), _("Lesson"), _("State"), _("First try"), _("Best"), _("Answers"))]
    for lesson in lessons:
        state = found.get(lesson.id, LessonProgress(lesson.id))
        rows.append((str(lesson.order), lesson.id, _(state.state), f"{state.first_correct}/{len(lesson.quiz)}",
                     f"{state.best_correct}/{len(lesson.quiz)}", str(state.answers)))
    lines = table(rows)
    totals = progress.totals()
    if totals.questions:
        answers = ngettext("{count} answer", "{count} answers", totals.answers).format(count=totals.answers)
        lines.append("\n" + ngettext(
            "{answers} by {user}; right at the first try: {right} of {count} question ({percent})",
            "{answers} by {user}; right at the first try: {right} of {count} questions ({percent})",
            totals.questions).format(answers=answers, user=printable(progress.user), right=totals.first_correct,
                                     count=totals.questions, percent=f"{totals.first_correct / totals.questions:.0%}"))
    if weakest := progress.weakest():
        lines.append(_("revise first: {lessons}").format(
            lessons=", ".join(f"{printable(l.lesson)} ({l.first_accuracy:.0%})" for l in weakest)))
    return "\n".join(lines)


@contextmanager
def usable_progress(args: argparse.Namespace) -> Iterator[Progress | None]:
    """The learner's progress for a command that reads it, after saying its notice (a database moved aside…)
    on stderr; None when there is none to read."""
    with Progress.open(args.data_dir, args.user) as progress:
        if progress.notice:
            print(f"dltui: {printable(progress.notice)}", file=sys.stderr)
        yield progress if progress.enabled else None


def show_progress(args: argparse.Namespace, lessons: list[Lesson]) -> int:
    with usable_progress(args) as progress:
        if progress is None:
            return 1
        if not args.export:
            print(progress_table(lessons, progress))
            return 0
        who = "all-users" if args.all_users else re.sub(r"[^\w.-]", "_", progress.user)
        path = Path(args.output or f"dltui-progress-{who}-{date.today():%Y%m%d}.{args.export}")
        try:
            count = progress.export(path, args.export, args.all_users)
        except OSError as error:
            print(printable(cannot_write(path, error)), file=sys.stderr)
            return 1
    print(printable(ngettext("wrote {count} answer to {path}", "wrote {count} answers to {path}", count).format(
        count=count, path=path.resolve())))
    return 0


def cannot_write(path: Path, error: OSError) -> str:
    return _("dltui: cannot write {path}: {error}").format(path=path, error=error.strerror)


def class_table(lessons: list[Lesson], progress: Progress, learners: list[str], missed: int = 5) -> str:
    """A row per learner (lessons done by number, quiz questions right at the first try and at all, answers, last
    activity), then the questions most of them got wrong at the first try."""
    rows = [(_("Learner"), _("Done"), _("Lessons done"), _("First try"), _("Best"), _("Answers"), _("Last active"))]
    for row in summaries(lessons, progress, learners):
        totals = row.totals
        rows.append((row.name, f"{totals.lessons_done}/{len(lessons)}", row.done,
                     f"{totals.first_correct}/{totals.questions}", f"{totals.best_correct}/{totals.questions}",
                     str(totals.answers), local_time(totals.last_active)))
    lines = table(rows)
    if missed and (questions := hardest(lessons, progress, missed)):
        rows = [(_("Missed first try"), _("Not yet right"), _("Lesson"), _("Question"))]
        for item in questions:
            rows.append((_("{count} of {total}").format(count=item.counts.missed_first, total=item.counts.learners),
                         str(item.counts.unsolved), item.lesson, shorten(item.text, SHORT_PROMPT)))
        lines += ["", _("the questions most learners missed:"), *table(rows)]
    return "\n".join(lines)


def not_the_teacher(progress: Progress) -> str:
    """Why this account does not see the class (`dltui class`, and `--tui` refused)."""
    return printable(_("dltui class: only the teacher sees every learner (the account that owns {folder}, or one "
                       "`dltui serve ssh --teacher` named)").format(folder=progress.path.parent))


def show_class(args: argparse.Namespace, lessons: list[Lesson]) -> int:
    """`dltui class`: the teacher sees every learner; anyone else, only their own row (and is told why)."""
    with usable_progress(args) as progress:
        if progress is None:
            return 1
        teacher = progress.sees_the_class()
        if not teacher:
            print(_("{refusal}; this is your own progress, as {user}").format(refusal=not_the_teacher(progress),
                                                                             user=printable(os_user())), file=sys.stderr)
        learners = progress.learners() if teacher else [os_user()]
        if not args.export:
            if not progress.learners():
                print(printable(_("no learner has opened a lesson in {path} yet").format(path=progress.path)))
                return 0
            print(class_table(lessons, progress, learners, missed=5 if teacher else 0))
            return 0
        path = export_path(args.export, args.output)
        try:
            count = export(progress, path, args.export, learners)
        except OSError as error:
            print(printable(cannot_write(path, error)), file=sys.stderr)
            return 1
    print(printable(ngettext("wrote {count} row (a learner and a lesson each) to {path}",
                             "wrote {count} rows (a learner and a lesson each) to {path}", count).format(
        count=count, path=path.resolve())))
    return 0


def unknown_lesson(query: str, lessons: list[Lesson]) -> str:
    names = {lesson.id: lesson for lesson in lessons} | {lesson.title.lower(): lesson for lesson in lessons}
    close = difflib.get_close_matches(query.lower(), names, n=3, cutoff=0.6)
    ids = list(dict.fromkeys(names[name].id for name in close))
    hint = (_("did you mean: {ids}?").format(ids=", ".join(ids)) if ids
            else _("the lessons are: {ids}").format(ids=", ".join(l.id for l in lessons)))
    return _("dltui: no lesson {query}; {hint}\n(run 'dltui list' to see them all)").format(query=repr(query), hint=hint)


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
        print(_("the numpy backend has nothing to compile"))
        return 0
    with Bar(transient=True) as bar:
        task = bar.add_task(_("compiling"), total=None)

        def report(name: str, done: int, total: int) -> None:
            bar.update(task, description=_("compiling {kernel}").format(kernel=name), completed=done, total=total)

        seconds = backend.warmup(report)
    cache = backend.numba_cache_dir()
    ready = (_("{backend} kernels ready in {seconds} s (cached in {cache})") if cache
             else _("{backend} kernels ready in {seconds} s (not cached)"))
    print(printable(ready.format(backend=backend.backend_name(), seconds=f"{seconds:.1f}", cache=cache)))
    return 0


def lesson_folders(args: argparse.Namespace) -> list[Path]:
    """The bundled lessons, then a teacher's folder (--lessons, else $DLTUI_LESSONS); with --lessons-only, it alone."""
    extra = args.lessons or os.environ.get("DLTUI_LESSONS")
    if args.lessons_only and not extra:
        parser().error(_("--lessons-only goes with --lessons DIR (or $DLTUI_LESSONS)"))
    if extra and not Path(extra).expanduser().is_dir():
        parser().error(printable(_("no lesson folder {folder}").format(folder=extra)))
    return ([] if args.lessons_only else [lessons_dir()]) + ([Path(extra).expanduser()] if extra else [])


def debug_script(argv: list[str]) -> int:
    """`dltui debug FILE.py [ARGS]`: the script runs first (its output, or its traceback and exit 1), then the
    debugger opens on the chosen backward pass; a script with none is told so (exit 2)."""
    from dltui.engine import backend
    from dltui.engine.debug import NoBackward, ScriptFailed, run_script

    i18n.use(language_option(argv, options_before=True))  # the help in that language too
    p = argparse.ArgumentParser(
        prog="dltui debug", description=_("Run a Python script on dltui's engine and open the backprop debugger on "
                                          "the loss of its last backward() (or the one --step picks, or the first "
                                          "marked with dltui.engine.breakpoint(loss))."))
    p.add_argument("--step", type=int, metavar="N", help=_("the Nth backward() instead of the last (1 is the first)"))
    p.add_argument("--backend", choices=("numpy", "numba", "cuda"), help=_("kernels, as for dltui"))
    p.add_argument("--lang", help=_("language of the debugger, e.g. en or zh (default: $DLTUI_LANG, then the "
                                    "locale)"))
    p.add_argument("script", metavar="FILE.py", help=_("your script, run as `python FILE.py ARGS` would run it"))
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS", help=_("the script's own arguments"))
    args = p.parse_args(argv)
    i18n.use(args.lang)
    if args.step is not None and args.step < 1:
        p.error(_("--step counts backward() calls from 1"))
    warnings.simplefilter("ignore", backend.BackendNotice)
    if notice := backend.set_backend(args.backend):
        print(f"dltui: {notice}", file=sys.stderr)
    try:
        trace = run_script(args.script, args.args, args.step)
    except ScriptFailed as failed:
        sys.stderr.write(failed.lines)
        return failed.code
    except NoBackward as missing:
        print(printable(_("dltui debug: {reason}").format(reason=missing)), file=sys.stderr)
        return 2
    from dltui.ui.screens.debugger import DebugApp

    DebugApp(trace).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    """The `dltui` command. A reader that stops early (`dltui progress | head -1`) ends it quietly, as `cat` ends."""
    try:
        try:
            return run(argv)
        finally:  # --help's exit too: a closed pipe shows here, not at the interpreter's exit as a traceback
            sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)  # what is still buffered goes nowhere, quietly
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def run(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:  # its own options; asyncssh is imported there, never on the app's way
        from dltui.serve.command import main as serve

        return serve(argv[1:])
    if argv[:1] == ["debug"]:  # the script's own arguments follow it, whatever they look like
        return debug_script(argv[1:])
    i18n.use(language_option(argv))  # the help and the parser's errors in that language too
    args = parser().parse_intermixed_args(argv)  # options anywhere: `dltui arch --lang zh resnet18`
    args.lang = i18n.use(args.lang)  # the interface's language, once, for every command
    if args.target == "check":
        checked, problems = check([Path(p) for p in args.paths] or lesson_folders(args))
        for problem in problems:
            print(problem)
        errors = sum(not problem.warning for problem in problems)
        print(checked_summary(checked, errors, len(problems) - errors), file=sys.stderr)
        return 1 if errors else 0
    if args.target == "warmup":
        return warmup(args.backend)
    if args.target == "arch":
        from dltui.engine.arch import NAMES, format_table

        if len(args.paths) != 1:
            parser().error(_("arch takes one name: {names}").format(names=", ".join(NAMES)))
        try:
            print(format_table(args.paths[0]))
        except KeyError as error:
            print(f"dltui: {error.args[0]}", file=sys.stderr)
            return 2
        return 0
    if args.paths:
        parser().error(_("unexpected arguments: {arguments}").format(arguments=" ".join(args.paths)))
    if args.target not in ("progress", "class") and (args.export or args.all_users or args.output):
        parser().error(_("--export, --all-users and -o go with 'dltui progress' (--export and -o also with 'class')"))
    if args.target == "class" and args.all_users:
        parser().error(_("'dltui class' is every learner already; --all-users goes with 'dltui progress'"))
    if not args.export and (args.all_users or args.output):
        parser().error(_("--all-users and -o go with --export"))
    if args.tui and (args.target != "class" or args.export):
        parser().error(_("--tui goes with 'dltui class' (without --export)"))
    tui = args.target not in ("progress", "list", "class") or args.tui
    # The app checks [params] after its first frame.
    lessons, problems = load_lessons(lesson_folders(args), lang=args.lang, check_params=not tui,
                                     parsed=ParsedLessons.for_user() if tui else None)
    if args.target == "progress":
        return show_progress(args, lessons)
    if args.target == "class" and not args.tui:
        return show_class(args, lessons)
    if args.target == "list":
        print(list_lessons(lessons))
        if problems:
            print("\n" + _("{count} problem(s) in lesson files; run 'dltui check' to see them").format(
                count=len(problems)), file=sys.stderr)
        return 0
    start = None
    if args.target not in (None, "class"):
        lesson = find_lesson(lessons, args.target)
        if lesson is None:
            print(unknown_lesson(args.target, lessons), file=sys.stderr)
            return 2
        start = lesson.id
    return run_app(args, lessons, problems, start)


def checked_summary(checked: int, errors: int, warned: int) -> str:
    """`dltui check`'s last line: files checked, problems, warnings (if any)."""
    files = ngettext("checked {count} lesson file", "checked {count} lesson files", checked).format(count=checked)
    problems = (ngettext("{count} problem", "{count} problems", errors).format(count=errors) if errors
                else _("no problems"))
    if not warned:
        return _("{files}: {problems}").format(files=files, problems=problems)
    warnings = ngettext("{count} warning", "{count} warnings", warned).format(count=warned)
    return _("{files}: {problems}, {warnings}").format(files=files, problems=problems, warnings=warnings)


def run_app(args: argparse.Namespace, lessons: list[Lesson], problems: list[Problem], start: str | None) -> int:
    """The app, on the lesson list, a lesson (`start`) or, for the teacher's `dltui class --tui`, the class screen."""
    from dltui.ui.app import DltuiApp

    # Labs keep the learner's own files (a saved LeNet) in the data folder, per user: they read where from here.
    if args.data_dir:
        os.environ["DLTUI_DATA_DIR"] = str(Path(args.data_dir).expanduser().resolve())
    if args.user:
        os.environ["DLTUI_USER"] = args.user

    with Progress.open(args.data_dir, args.user) as progress:
        if args.tui and not progress.sees_the_class():
            print(f"dltui: {printable(progress.notice)}" if not progress.enabled else not_the_teacher(progress),
                  file=sys.stderr)
            return 1
        app = DltuiApp(lessons, problems, start, progress, args.backend, start_class=args.tui)
        app.run()
    return app.return_code or 0
