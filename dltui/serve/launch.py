"""The first moment of a learner's session process, before it becomes the app: `python -m dltui.serve.launch
MEMORY_BYTES COMMAND...`, started in a new session.

Over SSH, stdin is the session's pseudo-terminal: it becomes the session's controlling terminal (so a window-size
change sends the app SIGWINCH, and a closed connection sends it SIGHUP like any hung-up terminal); in a browser tab
stdin is a pipe and there is no terminal to take. Then its private memory is capped at MEMORY_BYTES (0: no cap), and
the process replaces itself with COMMAND. Done here rather than in a `preexec_fn`, which is unsafe in the server's
threaded process."""

import fcntl
import os
import resource
import sys
import termios


def launched(command: list[str], memory_bytes: int) -> list[str]:
    """The command line that runs `command` through this module."""
    return [sys.executable, "-m", "dltui.serve.launch", str(memory_bytes), *command]


def main(argv: list[str]) -> None:
    memory, command = int(argv[0]), argv[1:]
    if os.isatty(0):
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    if memory:
        # RLIMIT_DATA: heap and private writable mappings, what the app really uses (Linux 4.7+); not
        # RLIMIT_AS, which counts address space merely reserved (about 0.8 GiB of the app's, more with cores)
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
