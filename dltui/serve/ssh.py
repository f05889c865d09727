"""`dltui serve ssh`: the lessons over SSH, each learner's session its own app process on its own terminal.

Built on asyncssh. A learner gets exactly one thing: an interactive session on a terminal, running the command the
server chose (`dltui --user NAME`, NAME being the SSH user name). Every other request a client can make is refused:
running a command, a subsystem (SFTP), a session without a terminal, port, agent or X11 forwarding. Safe by default:
it listens on localhost, and will not listen anywhere else without public keys or passwords to check.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from dltui.i18n import _
from dltui.serve.accounts import KeyFiles, PasswordFile, valid_name
from dltui.serve.rules import Refused, is_loopback
from dltui.serve.terminal import TerminalProcess

log = logging.getLogger("dltui.serve")

HOST_KEY = "ssh_host_ed25519_key"
FROM_CLIENT = ("NO_COLOR", "LANG", "LC_ALL", "LC_CTYPE", "COLORTERM")  # the learner's terminal and language
# The serving account's own handles (its SSH agent, its desktop, its tmux) stay out of learners' sessions.
PRIVATE = re.compile(r"SSH_.*|DISPLAY|WAYLAND_DISPLAY|XAUTHORITY|DBUS_SESSION_BUS_ADDRESS|GPG_AGENT_INFO|TMUX.*|STY")
CLIENT_VALUE = re.compile(r"[\x20-\x7e]{0,100}")
TERM_NAME = re.compile(r"[A-Za-z0-9._+-]{1,64}")
DEFAULT_TERM = "xterm-256color"
# What a killed app leaves on: the alternate screen, a hidden cursor, mouse reports, bracketed paste.
RESTORE_TERMINAL = b"\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[0m"


@dataclass(frozen=True)
class Limits:
    sessions: int = 40  # at once, over all learners
    idle_s: float = 30 * 60  # without a key from the learner, the session ends
    memory_mb: int = 2048  # private memory of each session's process (the app training LeNet: about 260 MB)


@dataclass(frozen=True)
class Settings:
    app: Callable[[str], list[str]]  # a learner's name -> the command line their session runs
    folder: Path  # the server's own files: the host key, by default the password file
    host: str = "127.0.0.1"
    port: int = 2222
    keys: KeyFiles | None = None
    passwords: PasswordFile | None = None
    limits: Limits = field(default_factory=Limits)
    keepalive_s: float = 30.0  # a client that vanished without closing is noticed after 3 unanswered keepalives

    @property
    def checks_who(self) -> bool:
        return self.keys is not None or self.passwords is not None


def check(settings: Settings) -> None:
    """Refuse a public address without a way to tell learners apart, and limits that make no sense."""
    if not is_loopback(settings.host) and not settings.checks_who:
        raise Refused(_("will not listen on {host} without authentication: anyone who reaches the port could sign in "
                        "under any name. Give --authorized-keys FILE (with %u for one file per learner) or add "
                        "learners' passwords with `dltui serve add-user NAME`, or keep the default --host "
                        "127.0.0.1.").format(host=settings.host or _("every address")))
    if settings.passwords and not settings.passwords.hashes() and not settings.keys:
        raise Refused(_("{path} holds no learner; add one with `dltui serve add-user NAME`").format(
            path=settings.passwords.path))
    limits = settings.limits
    if limits.sessions < 1 or limits.idle_s <= 0 or limits.memory_mb < 0:
        raise Refused(_("--max-sessions and --idle-minutes must be positive, --memory-mb 0 (no cap) or more"))


def host_key(folder: Path) -> tuple[asyncssh.SSHKey, Path, bool]:
    """The server's ed25519 key, made on the first start (mode 0600) and kept: learners' clients remember it.
    Returns the key, its file and whether it was made now."""
    path = folder / HOST_KEY
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            raise Refused(_("{path} can be read by other accounts; `chmod 600 {path}` (or delete it for a new key, "
                            "which every learner's ssh will then warn about)").format(path=path)) from None
        return asyncssh.read_private_key(path), path, False
    key = asyncssh.generate_private_key("ssh-ed25519", comment="dltui serve")
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.export_private_key())
    return key, path, True


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"  # units: the same in every language


def app_environment(term: str, client: dict[str, str]) -> dict[str, str]:
    """The server's environment less its PRIVATE handles, with the learner's terminal type and
    NO_COLOR/LANG/LC_*/COLORTERM as their client sent them (values outside printable ASCII are dropped), never the
    server's own."""
    env = {name: value for name, value in os.environ.items()
           if name not in FROM_CLIENT and not PRIVATE.fullmatch(name)}
    env.update({name: client[name] for name in FROM_CLIENT if name in client and CLIENT_VALUE.fullmatch(client[name])})
    env["TERM"] = term if TERM_NAME.fullmatch(term or "") else DEFAULT_TERM
    return env


class ClassServer:
    """The running server: its settings and the sessions open now."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.sessions: set[LearnerSession] = set()
        self.acceptor: asyncssh.SSHAcceptor | None = None

    async def start(self, host_keys: list[asyncssh.SSHKey]) -> None:
        s = self.settings
        self.acceptor = await asyncssh.create_server(
            lambda: Connection(self), s.host, s.port, server_host_keys=host_keys, encoding=None, line_editor=False,
            agent_forwarding=False, x11_forwarding=False, allow_scp=False, sftp_factory=None, gss_host=None,
            gss_kex=False, gss_auth=False, host_based_auth=False, login_timeout=60,
            keepalive_interval=s.keepalive_s, keepalive_count_max=3)

    @property
    def port(self) -> int:
        return self.acceptor.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening, hang up every session and wait until their processes are gone."""
        if self.acceptor:
            self.acceptor.close()
            await self.acceptor.wait_closed()
        for session in list(self.sessions):
            session.end(_("The class server is stopping."))
        await asyncio.gather(*(session.ended() for session in list(self.sessions)))


class Connection(asyncssh.SSHServer):
    """One client's connection: who they are (names checked, then a key or password if the server asks for one)."""

    def __init__(self, server: ClassServer):
        self.server = server
        self.settings = server.settings
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn

    def begin_auth(self, username: str) -> bool:
        """False lets the learner in without a check: only on localhost with no keys or passwords configured."""
        if not valid_name(username):
            self.conn.set_authorized_keys(asyncssh.SSHAuthorizedKeys())
            return True  # and nothing will accept it
        if not self.settings.checks_who:
            return False
        if self.settings.keys:
            path = self.settings.keys.path_for(username)
            try:
                self.conn.set_authorized_keys(asyncssh.read_authorized_keys(str(path)))
            except (OSError, ValueError) as error:
                if not isinstance(error, FileNotFoundError):
                    log.warning(_("cannot read the keys in {path}: {error}").format(path=path, error=error))
                self.conn.set_authorized_keys(asyncssh.SSHAuthorizedKeys())
        return True

    def public_key_auth_supported(self) -> bool:
        return self.settings.keys is not None

    def password_auth_supported(self) -> bool:
        return self.settings.passwords is not None

    async def validate_password(self, username: str, password: str) -> bool:
        if not valid_name(username):
            return False
        loop = asyncio.get_running_loop()  # scrypt takes ~50 ms: off the loop that serves everyone
        return await loop.run_in_executor(None, self.settings.passwords.verify, username, password)

    def session_requested(self) -> LearnerSession:
        return LearnerSession(self.server, self.conn.get_extra_info("username"), self.conn.get_extra_info("peername"))


class LearnerSession(asyncssh.SSHServerSession):
    """One learner's app: started when their client asks for a shell on a terminal; ends when either side goes."""

    def __init__(self, server: ClassServer, learner: str, peer: tuple | None):
        self.server, self.learner, self.peer = server, learner, peer
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term: str | None = None
        self.size = (80, 24, 0, 0)
        self.process: TerminalProcess | None = None
        self.early_input = bytearray()  # keys that came before the app's process started
        self.last_key = time.monotonic()
        self.reason = ""  # why the server ended the session, told to the learner
        self.started = time.monotonic()
        self._done = asyncio.get_running_loop().create_future()
        self._idle_timer: asyncio.TimerHandle | None = None

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int], term_modes: dict) -> bool:
        self.term = term_type
        if term_size[0] and term_size[1]:
            self.size = term_size
        return True

    def shell_requested(self) -> bool:
        return True  # the "shell" is the app: session_started says no if the rest is wrong

    def exec_requested(self, command: str) -> bool:
        log.info(_("{learner}: refused to run a command").format(learner=self.learner))
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        log.info(_("{learner}: refused the {subsystem} subsystem").format(learner=self.learner, subsystem=subsystem))
        return False

    def session_started(self) -> None:
        limits = self.server.settings.limits
        if self.term is None:
            self._refuse(_("dltui needs a terminal: connect with `ssh -t`."))
        elif len(self.server.sessions) >= limits.sessions:
            self._refuse(_("The class is full ({count} sessions at once). Try again in a while.").format(
                count=limits.sessions))
        else:
            self.server.sessions.add(self)
            asyncio.get_running_loop().create_task(self._start())

    def _refuse(self, message: str) -> None:
        log.info("%s: %s", self.learner, message)
        self.chan.write(message.encode() + b"\r\n")
        self.chan.exit(1)
        self._done.set_result(None)

    async def _start(self) -> None:
        columns, rows, width_px, height_px = self.size
        env = app_environment(self.term, dict(self.chan.get_environment()))
        limits = self.server.settings.limits
        try:
            self.process = await TerminalProcess.start(
                self.server.settings.app(self.learner), env, (columns, rows), limits.memory_mb * 2**20,
                on_output=self._output, on_exit=self._exited, on_backlog=self._backlog)
        except OSError as error:
            log.error(_("{learner}: cannot start the app: {error}").format(learner=self.learner, error=error))
            self.server.sessions.discard(self)
            self._refuse(_("The class server could not start your session; tell your teacher."))
            return
        log.info(_("{learner} connected from {address} ({size}, {terminal}, session {number} of {count})").format(
            learner=self.learner, address=self.peer[0] if self.peer else "?", size=f"{columns}×{rows}",
            terminal=f"{env['TERM']} {env.get('LANG', '')}", number=len(self.server.sessions), count=limits.sessions))
        if self.reason:  # the learner left, or the server is stopping, while the app started
            self.process.hang_up()
        self.process.resize(columns, rows, width_px, height_px)  # a change that came while it started
        if self.early_input:
            self.process.write(bytes(self.early_input))
        self._arm_idle_timer()

    def _arm_idle_timer(self) -> None:
        idle_s = self.server.settings.limits.idle_s
        remaining = self.last_key + idle_s - time.monotonic()
        if remaining <= 0:
            self.end(_("Closed after {minutes} minutes without a key. Your progress is saved.").format(
                minutes=f"{idle_s / 60:g}"))
        else:
            self._idle_timer = asyncio.get_running_loop().call_later(remaining, self._arm_idle_timer)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        if width and height:
            self.size = (width, height, pixwidth, pixheight)
            if self.process:
                self.process.resize(width, height, pixwidth, pixheight)

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self.last_key = time.monotonic()
        if self.process:
            self.process.write(data)
        else:
            self.early_input += data

    def eof_received(self) -> bool:
        return True  # keep the channel open: the app, not the client's end of input, ends the session

    def pause_writing(self) -> None:
        if self.process:
            self.process.pause_output()

    def resume_writing(self) -> None:
        if self.process:
            self.process.resume_output()

    def _backlog(self, full: bool) -> None:
        if full:
            self.chan.pause_reading()
        else:
            self.chan.resume_reading()

    def end(self, reason: str) -> None:
        """End the session from the server's side, telling the learner why once the app has gone."""
        self.reason = self.reason or reason
        if self.process:
            self.process.hang_up()

    def connection_lost(self, exc: Exception | None) -> None:
        self.reason = self.reason or _("the connection closed")
        if self.process:  # else _start, still under way, hangs up the process it makes
            self.process.hang_up()

    def _output(self, data: bytes) -> None:
        if not self.chan.is_closing():
            self.chan.write(data)

    def _exited(self, returncode: int) -> None:
        if self._idle_timer:
            self._idle_timer.cancel()
        self.server.sessions.discard(self)
        how = (_("the app ended by {signal}").format(signal=signal.Signals(-returncode).name) if returncode < 0
               else _("exit status {code}").format(code=returncode))
        log.info(_("{learner} left after {duration} ({reason})").format(
            learner=self.learner, duration=duration(time.monotonic() - self.started), reason=self.reason or how))
        if not self.chan.is_closing():
            if self.reason:
                self.chan.write(RESTORE_TERMINAL + b"\r\n" + self.reason.encode() + b"\r\n")
            self.chan.exit(returncode if returncode >= 0 else 128 - returncode)
        self._done.set_result(None)

    async def ended(self) -> None:
        await asyncio.shield(self._done)


async def serve(settings: Settings) -> ClassServer:
    """Check the settings, then listen; the caller awaits `close()` when done."""
    check(settings)
    key, _path, _made = host_key(settings.folder)
    server = ClassServer(settings)
    await server.start([key])
    return server
