"""Start-up time: process start to the first painted frame of the home screen.

Runs `dltui` in a pseudo-terminal and times until the home screen's lesson list appears in
what the app writes, with an empty numba cache (cold) and again with the cache kept (warm).
A minimal Textual app that paints one label is measured the same way as the baseline: the
difference is what dltui itself adds. Target: warm ≤ 1.0 s.

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


def time_to_text(argv: list[str], marker: bytes, env: dict[str, str], timeout: float = 60.0) -> float:
    """Seconds from spawning `argv` in an 80x24 pty until `marker` appears on its output."""
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
        return time.perf_counter() - start
    finally:
        process.kill()
        process.wait()
        os.close(controller)


def measure(label: str, argv: list[str], runs: int, cold: bool) -> float:
    times = []
    with tempfile.TemporaryDirectory() as kept_cache:
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as fresh_cache:
                env = {**os.environ, "TERM": "xterm-256color", "NUMBA_CACHE_DIR": fresh_cache if cold else kept_cache}
                times.append(time_to_text(argv, b"perceptron", env))
    median = statistics.median(times)
    print(f"{label:<34} median {median:6.3f} s   (runs: {', '.join(f'{t:.3f}' for t in times)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    dltui = [sys.executable, "-m", "dltui", "--lang", "en"]
    measure("warm-up run (fills caches)", dltui, 1, cold=False)
    baseline = measure("baseline: bare Textual app", [sys.executable, "-c", BASELINE], runs, cold=False)
    cold = measure("dltui home screen, cold numba cache", dltui, runs, cold=True)
    warm = measure("dltui home screen, warm", dltui, runs, cold=False)
    print(f"\nratio warm / baseline: {warm / baseline:.2f}x   cold / baseline: {cold / baseline:.2f}x")
    print(f"target warm ≤ 1.0 s: {'met' if warm <= 1.0 else 'NOT met'} ({warm:.3f} s)")


if __name__ == "__main__":
    main()
