"""`dltui serve ssh|web` and `dltui serve add-user NAME`: the command lines, their checks and what they print."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from dltui import i18n
from dltui.i18n import N_, _, ngettext
from dltui.progress import Progress, os_user, resolve_data_dir
from dltui.text import cells, printable

EXAMPLES = (
    ("dltui serve ssh", N_("learners on this machine: ssh -p 2222 NAME@127.0.0.1")),
    ("dltui serve add-user ada", N_("set ada's password (asked twice; read from stdin when piped)")),
    ("dltui serve ssh --host 0.0.0.0", N_("the class over the network: needs passwords or --authorized-keys")),
    ("dltui serve ssh --host 0.0.0.0 --authorized-keys 'keys/%u.pub'",
     N_("each learner signs in with the key in keys/NAME.pub")),
    ("dltui serve web", N_("the class in browser tabs at http://127.0.0.1:8000, as you")),
    ("dltui serve web --user-header X-Forwarded-User",
     N_("behind a proxy that signs learners in and names them in that header")),
    ("dltui class", N_("what every learner has done (the teacher's account only)")),
)
EXAMPLE_WIDTH = 37  # a longer example puts its text on the next line


def epilog() -> str:
    """The examples under `dltui serve --help`, in the interface's language."""
    return "\n".join([_("examples:"), *(f"  {command:<{EXAMPLE_WIDTH}}{_(text)}" if len(command) < EXAMPLE_WIDTH
                                        else f"  {command}\n{'':{EXAMPLE_WIDTH + 2}}{_(text)}"
                                        for command, text in EXAMPLES), ""])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dltui serve", description=_("Serve the lessons to a class: one app process per "
                                "learner, each learner's progress under their own name."), epilog=epilog(),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = p.add_subparsers(dest="command", required=True, metavar="ssh|web|add-user")
    folder = argparse.ArgumentParser(add_help=False)
    folder.add_argument("--data-dir", metavar="DIR", help=_("the class's folder: progress, host key, passwords "
                                                            "(default: $DLTUI_DATA_DIR, then your data folder)"))
    served = argparse.ArgumentParser(add_help=False, parents=[folder])
    served.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default: 127.0.0.1, this "
                        "machine only; another address needs a way to tell learners apart)"))
    served.add_argument("--max-sessions", type=int, default=40, metavar="N", help=_("sessions at once (default: 40)"))
    served.add_argument("--memory-mb", type=int, default=2048, metavar="MB",
                        help=_("private memory (heap) of each session's process, 0 for no cap (default: 2048)"))
    served.add_argument("--teacher", action="append", default=[], metavar="NAME",
                        help=_("another login that may run `dltui class` on this folder (repeat for more); the "
                               "account serving always may"))
    served.add_argument("--lessons", metavar="DIR", help=_("your lesson files beside the bundled ones (as for dltui)"))
    served.add_argument("--lessons-only", action="store_true", help=_("only the lessons in --lessons DIR"))
    served.add_argument("--lang", help=_("lesson language for everyone (default: each learner's LANG)"))
    served.add_argument("--backend", choices=("numpy", "numba", "cuda"), help=_("kernels for every session"))
    ssh = commands.add_parser("ssh", parents=[served], help=_("serve over SSH (asyncssh; no sshd needed)"),
                              description=_("Serve the lessons over SSH: `ssh -p PORT NAME@HOST` opens the app for "
                                            "NAME."))
    ssh.add_argument("--port", type=int, default=2222, help=_("default: {port}").format(port=2222))
    ssh.add_argument("--authorized-keys", metavar="FILE", help=_("OpenSSH authorized_keys; %%u in the path stands "
                     "for the learner's name, one file each (e.g. 'keys/%%u.pub'); without %%u, its keys sign in "
                     "under any name"))
    ssh.add_argument("--users", metavar="FILE", help=_("learners' password hashes (default: DIR/serve/passwords)"))
    ssh.add_argument("--idle-minutes", type=float, default=30, metavar="M",
                     help=_("end a session after M minutes without a key (default: 30)"))
    web = commands.add_parser("web", parents=[served], help=_("serve in browser tabs (textual-serve)"),
                              description=_("Serve the lessons in browser tabs: one app process per tab."))
    web.add_argument("--port", type=int, default=8000, help=_("default: {port}").format(port=8000))
    web.add_argument("--user-header", metavar="HEADER", help=_("the header an authenticating reverse proxy sets to "
                     "the learner's name (e.g. X-Forwarded-User); needed on any address but 127.0.0.1"))
    web.add_argument("--user", help=_("without --user-header, the learner every tab is (default: your login name)"))
    web.add_argument("--public-url", metavar="URL", help=_("the address browsers use, when a proxy is in front"))
    add = commands.add_parser("add-user", parents=[folder], help=_("set a learner's password"),
                              description=_("Set a learner's password; only a salted scrypt hash is kept."))
    add.add_argument("--users", metavar="FILE", help=_("learners' password hashes (default: DIR/serve/passwords)"))
    add.add_argument("--lang", help=_("language of the messages, e.g. en or zh (default: $DLTUI_LANG, then the "
                                      "locale)"))
    add.add_argument("name")
    return p


def folder_of(args: argparse.Namespace) -> tuple[Path, Path]:
    """The class's data folder and the server's own folder inside it."""
    data_dir = resolve_data_dir(args.data_dir).resolve()
    return data_dir, data_dir / "serve"


def passwords_of(args: argparse.Namespace, serve_folder: Path):
    from dltui.serve.accounts import PasswordFile

    return PasswordFile(Path(args.users).expanduser() if args.users else serve_folder / "passwords")


def read_password(name: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(_("password for {name}: ").format(name=name))
    if getpass.getpass(_("again: ")) != first:
        raise ValueError(_("the two passwords differ"))
    return first


def add_user(args: argparse.Namespace) -> int:
    _data_dir, serve_folder = folder_of(args)
    passwords = passwords_of(args, serve_folder)
    try:
        new = passwords.add(args.name, read_password(args.name))
    except (ValueError, OSError) as error:
        print(printable(_("dltui serve add-user: {error}").format(error=error)), file=sys.stderr)
        return 2
    done = _("added {name} in {path}") if new else _("changed the password of {name} in {path}")
    print(printable(done.format(name=args.name, path=passwords.path)))
    return 0


def app_options(args: argparse.Namespace) -> list[str]:
    """The dltui options every session gets from the server's command line."""
    options = []
    for name in ("lessons", "lang", "backend"):
        if value := getattr(args, name):
            options += [f"--{name}", str(Path(value).expanduser().resolve()) if name == "lessons" else value]
    return options + (["--lessons-only"] if args.lessons_only else [])


def warm_kernels(backend: str | None) -> None:
    """Compile the numba kernels once, into the shared cache, before learners arrive: else each session would."""
    if (backend or os.environ.get("DLTUI_BACKEND") or "numba") == "numpy":
        return
    subprocess.run([sys.executable, "-m", "dltui", "warmup", *(["--backend", backend] if backend else [])],
                   check=False)


def open_class(data_dir: Path, teachers: list[str], command: str) -> Path | None:
    """Make and migrate the class's progress file once, before sessions open it; record who may see the class."""
    with Progress.open(data_dir, os_user()) as progress:
        if not progress.enabled:
            print(printable(f"dltui serve {command}: {progress.notice}"), file=sys.stderr)  # the notice is translated
            return None
        progress.add_teachers([os_user(), *teachers])
        return progress.path


def serve_web(args: argparse.Namespace) -> int:
    from dltui.serve.rules import Refused, dltui_command
    from dltui.serve.web import ClassWebServer, WebSettings, check_web

    data_dir, _serve_folder = folder_of(args)
    settings = WebSettings(app=dltui_command(data_dir, app_options(args)), learner=args.user or os_user(),
                           host=args.host, port=args.port, user_header=args.user_header,
                           public_url=args.public_url, sessions=args.max_sessions, memory_mb=args.memory_mb)
    try:
        check_web(settings)
    except Refused as error:
        print(printable(_("dltui serve web: {error}").format(error=error)), file=sys.stderr)
        return 2
    if not (progress_path := open_class(data_dir, args.teacher, "web")):
        return 1
    warm_kernels(args.backend)
    who = (_("the {header} header your proxy sets").format(header=args.user_header) if args.user_header
           else _("{learner} in every tab (no --user-header)").format(learner=settings.learner))
    limits = (_("{count} tabs at once, {memory} MB each") if settings.memory_mb
              else _("{count} tabs at once, no memory cap")).format(count=settings.sessions, memory=settings.memory_mb)
    server = ClassWebServer(settings, printable("\n".join([
        _("dltui serve web: listening on {address}").format(address=f"http://{args.host}:{args.port}"),
        banner_line(_("learner"), who),
        banner_line(_("progress"), _("{path} (`dltui class` shows every learner)").format(path=progress_path)),
        banner_line(_("limits"), limits),
        _("Ctrl+C stops the server and ends every tab.")])))
    try:
        server.serve()
    except OSError as error:
        print(printable(cannot_listen("web", args.host, args.port, error)), file=sys.stderr)
        return 1
    return 0


def banner_line(label: str, text: str) -> str:
    """`  label     text`: the labels of a server's banner in one column, however wide a translated label is."""
    return f"  {label}{' ' * max(2, 10 - cells(label))}{text}"


def cannot_listen(command: str, host: str, port: int, error: OSError) -> str:
    return _("dltui serve {command}: cannot listen on {address}: {error}").format(
        command=command, address=f"{host}:{port}", error=error.strerror)


def serve_ssh(args: argparse.Namespace) -> int:
    from dltui.serve.accounts import KeyFiles
    from dltui.serve.rules import Refused, dltui_command
    from dltui.serve.ssh import Limits, Settings, check, host_key

    data_dir, serve_folder = folder_of(args)
    passwords = passwords_of(args, serve_folder)
    if not args.users and not passwords.hashes():
        passwords = None  # no learner added: passwords are not asked for
    settings = Settings(
        app=dltui_command(data_dir, app_options(args)), folder=serve_folder, host=args.host, port=args.port,
        keys=KeyFiles(args.authorized_keys) if args.authorized_keys else None, passwords=passwords,
        limits=Limits(args.max_sessions, args.idle_minutes * 60, args.memory_mb))
    try:
        check(settings)
        key, key_path, made = host_key(serve_folder)
    except (Refused, OSError) as error:
        print(printable(_("dltui serve ssh: {error}").format(error=error)), file=sys.stderr)
        return 2
    if not (progress_path := open_class(data_dir, args.teacher, "ssh")):
        return 1
    warm_kernels(args.backend)
    keys = passwords_in = ""
    if settings.keys:
        keys = (_("public keys in {template}") if settings.keys.per_learner
                else _("public keys in {template} (any of them signs in under any name)")).format(
            template=settings.keys.template)
    if passwords:
        count = len(passwords.hashes())
        passwords_in = ngettext("passwords in {path} ({count} learner)", "passwords in {path} ({count} learners)",
                                count).format(path=passwords.path, count=count)
    sign_in = (_("{keys} or {passwords}").format(keys=keys, passwords=passwords_in) if keys and passwords_in
               else keys or passwords_in or _("no check: anyone on this machine, under any name"))
    limits = settings.limits
    made_key = (_("{fingerprint} ({algorithm}, new) in {path}") if made
                else _("{fingerprint} ({algorithm}) in {path}")).format(
        fingerprint=key.get_fingerprint(), algorithm=key.get_algorithm(), path=key_path)
    host = args.host if args.host not in ('0.0.0.0', '::', '') else 'HOST'
    banner = printable("\n".join([
        _("dltui serve ssh: listening on {address}").format(address=f"{args.host}:{args.port}"),
        banner_line(_("host key"), made_key),
        banner_line(_("sign-in"), sign_in),
        banner_line(_("connect"), f"ssh -p {args.port} NAME@{host}"),
        banner_line(_("progress"), _("{path} (`dltui class` shows every learner)").format(path=progress_path)),
        banner_line(_("limits"), (_("{count} sessions at once, {minutes} min idle, {memory} MB each")
                                  if limits.memory_mb else _("{count} sessions at once, {minutes} min idle, no memory "
                                                             "cap")).format(
            count=limits.sessions, minutes=f"{args.idle_minutes:g}", memory=limits.memory_mb)),
        _("Ctrl+C stops the server and ends every session.")]))
    logging.basicConfig(format="%(asctime)s %(message)s", datefmt="%H:%M:%S", level=logging.INFO)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    try:
        asyncio.run(run_until_stopped(settings, banner))
    except OSError as error:  # the port is taken, the address is not ours
        print(printable(cannot_listen("ssh", args.host, args.port, error)), file=sys.stderr)
        return 1
    return 0


async def run_until_stopped(settings, banner: str) -> None:
    from dltui.serve.ssh import serve

    server = await serve(settings)
    print(banner, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.close()


def main(argv: list[str]) -> int:
    from dltui.cli import language_option

    i18n.use(language_option(argv))  # the help in that language too
    args = parser().parse_args(argv)
    i18n.use(args.lang)  # the server's messages; the sessions get --lang as well
    if args.command == "add-user":
        return add_user(args)
    return serve_ssh(args) if args.command == "ssh" else serve_web(args)
