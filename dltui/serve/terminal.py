"""A command on its own pseudo-terminal, in its own session, driven from asyncio: what every learner's SSH session
runs. Output is read as it comes and handed to `on_output`; input, window sizes and hang-ups go the other way.

Ending is always whole: when the command exits, whatever it started in its process group is killed too, and a
hang-up (the connection closed, the learner idle too long) sends SIGHUP, then SIGKILL after a grace period. So no
process outlives its learner's connection."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import struct
import termios
from collections.abc import Callable

from dltui.serve.launch import launched

GRACE_S = 2.0  # after SIGHUP, before SIGKILL: the app has committed every answer already; this is for a tidy exit
READ_BYTES = 65536
INPUT_BACKLOG = 256 * 1024  # typed or pasted bytes the app has not read yet; past this, stop taking more


def set_window_size(fd: int, columns: int, rows: int, width_px: int = 0, height_px: int = 0) -> None:
    """Resize the terminal on `fd`; the kernel sends SIGWINCH to the foreground process group."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, width_px, height_px))


def signal_group(group: int, signum: int) -> None:
    """Signal every process in a process group, if any is left."""
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        pass


class TerminalProcess:
    """Use `await TerminalProcess.start(...)`. `on_exit(returncode)` is called once, after the last output."""

    def __init__(self, process: asyncio.subprocess.Process, master: int, on_output: Callable[[bytes], None],
                 on_exit: Callable[[int], None], on_backlog: Callable[[bool], None]):
        self.process = process
        self.pid = process.pid  # also its process group and session id
        self._master = master
        self._on_output, self._on_exit, self._on_backlog = on_output, on_exit, on_backlog
        self._loop = asyncio.get_running_loop()
        self._pending = bytearray()  # input not yet taken by the terminal
        self._reading = False
        self._kill_timer: asyncio.TimerHandle | None = None
        self.resume_output()
        self._watcher = self._loop.create_task(self._watch())

    @classmethod
    async def start(cls, argv: list[str], env: dict[str, str], size: tuple[int, int], memory_bytes: int,
                    on_output: Callable[[bytes], None], on_exit: Callable[[int], None],
                    on_backlog: Callable[[bool], None] = lambda full: None) -> TerminalProcess:
        """Start `argv` on a new terminal of `size` (columns, rows) with its private memory capped at `memory_bytes`
        (0: uncapped). `on_backlog(True)` asks the caller to stop sending input until `on_backlog(False)`."""
        master, slave = os.openpty()
        try:
            set_window_size(master, *size)
            process = await asyncio.create_subprocess_exec(
                *launched(argv, memory_bytes), stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        return cls(process, master, on_output, on_exit, on_backlog)

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def write(self, data: bytes) -> None:
        if self._master < 0:
            return
        was_empty = not self._pending
        self._pending += data
        if was_empty:
            self._flush_input()
            if self._pending:
                self._loop.add_writer(self._master, self._flush_input)
        if len(self._pending) > INPUT_BACKLOG:
            self._on_backlog(True)

    def _flush_input(self) -> None:
        try:
            written = os.write(self._master, self._pending)
        except BlockingIOError:
            return
        except OSError:  # the terminal is gone; the watcher finishes
            written = len(self._pending)
        del self._pending[:written]
        if not self._pending:
            self._loop.remove_writer(self._master)
            self._on_backlog(False)

    def resize(self, columns: int, rows: int, width_px: int = 0, height_px: int = 0) -> None:
        if self._master >= 0:
            set_window_size(self._master, columns, rows, width_px, height_px)

    def pause_output(self) -> None:
        """The connection cannot take more now: stop reading, so the app blocks on its writes."""
        if self._reading:
            self._loop.remove_reader(self._master)
            self._reading = False

    def resume_output(self) -> None:
        if not self._reading and self._master >= 0:
            self._loop.add_reader(self._master, self._read)
            self._reading = True

    def _read(self) -> None:
        try:
            data = os.read(self._master, READ_BYTES)
        except BlockingIOError:
            return
        except OSError:  # EIO: every process holding the terminal has closed it
            data = b""
        if data:
            self._on_output(data)
        else:
            self.pause_output()

    def hang_up(self) -> None:
        """As a terminal hang-up: SIGHUP (and SIGCONT, in case it was stopped) to the whole process group now,
        SIGKILL after GRACE_S if the command has not ended by then."""
        if self.running and self._kill_timer is None:
            signal_group(self.pid, signal.SIGHUP)
            signal_group(self.pid, signal.SIGCONT)
            self._kill_timer = self._loop.call_later(GRACE_S, signal_group, self.pid, signal.SIGKILL)

    async def _watch(self) -> None:
        returncode = await self.process.wait()
        signal_group(self.pid, signal.SIGKILL)  # what the command left behind in its group (a compile it started)
        if self._kill_timer:
            self._kill_timer.cancel()
        self.pause_output()
        while True:  # the last frame the app drew before it ended
            try:
                data = os.read(self._master, READ_BYTES)
            except OSError:
                break
            if not data:
                break
            self._on_output(data)
        self._loop.remove_writer(self._master)
        os.close(self._master)
        self._master = -1
        self._on_exit(returncode)

    async def wait(self) -> None:
        """Until the command has ended and `on_exit` has been called."""
        await asyncio.shield(self._watcher)
