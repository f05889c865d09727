"""Stands in for the app in the serve tests (it starts in 30 ms, the app in seconds): it reports who it runs for and
on what terminal, reports each window-size change and key, and ends on `q`. `standin.py NAME [grandchild]`."""

import json
import os
import resource
import signal
import subprocess
import sys
import tty


def say(text: str) -> None:
    os.write(1, text.encode() + b"\r\n")


def size() -> str:
    columns, rows = os.get_terminal_size(0)
    return f"{columns}x{rows}"


tty.setraw(0)
signal.signal(signal.SIGWINCH, lambda *_: say(f"size {size()}"))
report = {"learner": sys.argv[1], "size": size(), "pid": os.getpid(), "foreground": os.tcgetpgrp(0) == os.getpgrp(),
          "memory": resource.getrlimit(resource.RLIMIT_DATA)[0],
          **{name: os.environ.get(name) for name in ("TERM", "NO_COLOR", "LANG", "LC_ALL", "TEXTUAL", "SSH_AUTH_SOCK")}}
if sys.argv[2:] == ["grandchild"]:
    report["grandchild"] = subprocess.Popen(["sleep", "60"]).pid
say("ready " + json.dumps(report))
while (data := os.read(0, 1024)) and data != b"q":
    say(f"key {data.decode()}")
