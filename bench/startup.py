"""Start-up time: process start to the first painted frame of the home screen; and idle memory.

Runs `dltui` in a pseudo-terminal and times until the home screen's lesson list appears in
what the app writes, with empty caches (numba's kernels and the parsed lessons: a first start, cold)
and again with the caches a first start filled (warm).
A minimal Textual app that paints one label is measured the same way as the baseline: the
difference is what dltui itself adds. Then the resident memory (RSS) of `dltui` sitting idle
on the home screen once its kernel warm-up is done. Targets (issue 22): warm ≤ 0.6 s, idle RSS
≤ 150 MB.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

BASELINE = """
from textual.app import App
from textual.widgets import Label
class Baseline(App):
    def compose(self):
        yield Label("The perceptron")
Baseline().run()
"""


def time_to_text(argv: list[str], marker: bytes, env: dict[str, str], timeout: float = 60.0,
                 idle: float = 0.0) -> tuple[float, int]:
    """Seconds from spawning `argv` in an 80x24 pty until `marker` appears on its output, and the process's
    resident memory in bytes after `idle` more seconds (0 when not asked for)."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    seen = b""
    try:
        while marker not in seen:
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"{marker!r} not seen after {timeout} s; last output: {seen[-300:]!r}")
            ready, _, _ = select.select([controller], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(controller, 65536)
                except OSError:
                    break
        seconds = time.perf_counter() - start
        if idle:
            until = time.perf_counter() + idle
            while time.perf_counter() < until:  # keep reading, so the app never blocks on a full pty
                if select.select([controller], [], [], 0.05)[0]:
                    os.read(controller, 65536)
        return seconds, resident_bytes(process.pid) if idle else 0
    finally:
        process.kill()
        process.wait()
        os.close(controller)


def resident_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


def measure(label: str, argv: list[str], runs: int, kept_cache: str | None) -> float:
    """Median seconds to the first frame over `runs`, with the caches in `kept_cache` (None: empty ones each run)."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as fresh_cache:
            cache = kept_cache or fresh_cache
            env = {**os.environ, "TERM": "xterm-256color", "NUMBA_CACHE_DIR": cache, "XDG_CACHE_HOME": cache}
            times.append(time_to_text(argv, b"perceptron", env)[0])
    median = statistics.median(times)
    print(f"{label:<34} median {median:6.3f} s   (runs: {', '.join(f'{t:.3f}' for t in times)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    dltui = [sys.executable, "-m", "dltui", "--lang", "en"]
    with tempfile.TemporaryDirectory() as kept:
        measure("warm-up run (fills the caches)", dltui, 1, kept)
        time.sleep(3)  # the warm-up's compile (in a child process) ends
        baseline = measure("baseline: bare Textual app", [sys.executable, "-c", BASELINE], runs, kept)
        cold = measure("dltui home screen, empty caches", dltui, runs, None)
        warm = measure("dltui home screen, warm", dltui, runs, kept)
    print(f"\nratio warm / baseline: {warm / baseline:.2f}x   cold / baseline: {cold / baseline:.2f}x")
    print(f"target warm ≤ 0.6 s: {'met' if warm <= 0.6 else 'NOT met'} ({warm:.3f} s)")
    env = {**os.environ, "TERM": "xterm-256color"}
    rss = time_to_text(dltui, b"perceptron", env, idle=5.0)[1] / 1e6
    print(f"idle RSS of dltui on the home screen, 5 s after its first frame: {rss:.0f} MB;"
          f" target ≤ 150 MB: {'met' if rss <= 150 else 'NOT met'}")


if __name__ == "__main__":
    main()
