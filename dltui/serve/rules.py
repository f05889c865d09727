"""What every way of serving a class shares: the app each learner runs, and the rule about public addresses."""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Callable
from pathlib import Path


class Refused(Exception):
    """Settings the server will not start with; the message says why and what to do."""


def is_loopback(host: str) -> bool:
    """Whether every address `host` stands for is this machine's own (127.0.0.0/8, ::1)."""
    try:
        infos = socket.getaddrinfo(host or None, None, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def dltui_command(data_dir: Path, extra: list[str]) -> Callable[[str], list[str]]:
    """The app each learner runs: this Python's dltui, the class's progress file, the learner's name."""
    return lambda learner: [sys.executable, "-m", "dltui", "--data-dir", str(data_dir), "--user", learner, *extra]
