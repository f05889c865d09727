"""What a learner's client does in the serve tests: connect (asyncssh, no keys or agent of its own), open the app,
read the stand-in's report; and whether a session's processes are gone."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import asyncssh

STANDIN = Path(__file__).with_name("standin.py")


def standin(*extra: str):
    """The stand-in app's command line for a learner (standin.py: it starts in a blink and says what it was given)."""
    return lambda learner: [sys.executable, str(STANDIN), learner, *extra]


def connect(server, username: str = "ada", **options) -> asyncssh.SSHClientConnection:
    """A client with no keys or agent of its own (only what the test gives) that trusts any host key."""
    options = {"client_keys": None, "agent_path": None, "password": None, **options}
    return asyncssh.connect("127.0.0.1", server.port, username=username, known_hosts=None, **options)


async def open_app(conn, size=(80, 24), **options) -> asyncssh.SSHClientProcess:
    return await conn.create_process(term_type=options.pop("term_type", "xterm-256color"), term_size=size,
                                     encoding=None, **options)


async def line(process, timeout: float = 10) -> str:
    return (await asyncio.wait_for(process.stdout.readline(), timeout)).decode().rstrip("\r\n")


async def report(process) -> dict:
    """The stand-in's first line: who it runs for, its terminal, its environment, its pid."""
    text = await line(process)
    assert text.startswith("ready "), text
    return json.loads(text.removeprefix("ready "))


def gone(pid: int) -> bool:
    """No such process, or only its exit status is left (a zombie: it runs nothing, holds nothing)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


async def all_gone(pids, timeout: float = 5) -> bool:
    end = time.monotonic() + timeout
    while not all(map(gone, pids)) and time.monotonic() < end:
        await asyncio.sleep(0.05)
    return all(map(gone, pids))
