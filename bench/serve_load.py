"""A class at once over SSH: N learners connect to `dltui serve ssh` together, open lessons, step their labs and
answer quiz questions; what it costs the host, and what is lost.

    python bench/serve_load.py [--learners 30] [--minutes 3] [--backend numba] [--no-kill]

The server runs as the teacher would start it (`dltui serve ssh`, its own process, a fresh data folder); each
learner is an asyncssh client in this process with a terminal emulator (pyte) at 80×24, so it reads the screen as
a person would. A learner waits for the lesson list, opens lesson 1, 2 or 3 (learners are spread over them), steps
the lab (`s` three times), opens the quiz (`z`) and then, until the time is up, answers a question (`1`, Enter),
waits for "Recorded in your progress." (the app's acknowledgement, shown once the answer is committed), goes to the
next question (Enter), and after the last question starts the quiz again. Then every learner disconnects at once.
No learner free-runs a lab (`r`): a free run trains as fast as the engine goes and takes a core while it lasts,
whatever the serving.
Unless --no-kill, one learner's app process is killed with SIGKILL halfway: what it had acknowledged must be kept.

Printed:
- start-up: seconds from connecting to the lesson list drawn (median, slowest);
- key-to-frame latency: from a key sent to the first screen bytes back (median, p95), over every key a learner
  pressed after the lesson list was up (lab steps, quiz keys);
- memory per session: each app process's PSS (its share of shared pages) and RSS, at their peak (mean, max);
- CPU: the session processes' CPU time per second while learners work (after everyone's lesson list is up), as
  cores; the keys a learner pressed a minute and the sessions' CPU per key; sessions per core = learners / cores,
  at the pace they managed (on a busy host slower learners press fewer keys: CPU per key is the figure that
  carries over); start-up CPU per session; beside it the SSH server's and this
  process's (the simulated clients: their SSH and terminal emulation, which on a small host compete with the
  sessions for its cores and lengthen every latency measured here);
- errors (a learner's exception or a screen that never came), answers acknowledged, stored, lost
  (acknowledged but not in the class's progress file), and orphans (session processes alive 5 s after their
  connection closed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pyte

from dltui.progress import Progress

TICKS = os.sysconf("SC_CLK_TCK")
SCREEN_TIMEOUT = 60.0  # a busy 2-core host starting 30 apps at once needs its time


@dataclass
class Learner:
    name: str
    lesson: int
    started: float = 0.0
    home_after: float = 0.0
    acknowledged: int = 0
    latencies: list[float] = field(default_factory=list)
    error: str = ""
    killed: bool = False


class Screen:
    """A learner's view: the bytes their client receives, fed through a terminal emulator."""

    def __init__(self, process: asyncssh.SSHClientProcess):
        self.process = process
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def key(self, data: bytes, learner: Learner) -> None:
        """Send a key and time it to the first bytes of screen that come back."""
        sent = time.perf_counter()
        self.process.stdin.write(data)
        try:
            chunk = await asyncio.wait_for(self.process.stdout.read(65536), SCREEN_TIMEOUT)
        except TimeoutError:
            raise TimeoutError(f"nothing drawn after the key {data!r}:\n" + self.text()) from None
        learner.latencies.append(time.perf_counter() - sent)
        self.stream.feed(chunk)

    async def until(self, shows, timeout: float = SCREEN_TIMEOUT) -> None:
        end = time.monotonic() + timeout
        while not shows(self.text()):
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the screen never showed what was awaited:\n" + self.text())
            try:
                chunk = await asyncio.wait_for(self.process.stdout.read(65536), remaining)
            except TimeoutError:
                continue  # and raise with the screen above
            if not chunk:
                raise EOFError("the session ended")
            self.stream.feed(chunk)


async def learn(learner: Learner, port: int, work: Work) -> None:
    learner.started = time.monotonic()
    try:
        async with asyncssh.connect("127.0.0.1", port, username=learner.name, known_hosts=None, client_keys=None,
                                    agent_path=None) as conn:
            process = await conn.create_process(term_type="xterm-256color", term_size=(80, 24), encoding=None)
            screen = Screen(process)
            await screen.until(lambda text: "Quit" in text and "1. The MP neuron" in text)
            learner.home_after = time.monotonic() - learner.started
            await work.begun.wait()
            for _ in range(learner.lesson - 1):
                await screen.key(b"\x1b[B", learner)  # ↓
            await screen.key(b"\r", learner)
            await screen.until(lambda text: f"dltui — {learner.lesson}." in text)
            for _ in range(3):
                await screen.key(b"s", learner)
                await asyncio.sleep(0.3)
            await screen.key(b"z", learner)
            await screen.until(lambda text: "Question 1 of" in text)
            while time.monotonic() < work.ends:
                await screen.key(b"1", learner)
                await screen.key(b"\r", learner)
                await screen.until(lambda text: "you answered" in text)  # the verdict, the sheet focused
                process.stdin.write(b"\x1b[F")  # End: the sheet's foot, where the acknowledgement is written
                await screen.until(lambda text: "Recorded in your progress." in text or "Not saved" in text)
                if "Not saved" in screen.text():
                    raise RuntimeError("an answer was not saved: " + screen.text())
                learner.acknowledged += 1
                await asyncio.sleep(0.5)  # reading the explanation
                await screen.key(b"\r", learner)  # the next question, or after the last the summary
                await screen.until(lambda text: "Recorded" not in text)
                if "Question " not in screen.text():  # the summary: the quiz again
                    await screen.key(b"q", learner)
                    await screen.key(b"z", learner)
                    await screen.until(lambda text: "Question 1 of" in text)
    except (OSError, asyncssh.Error, TimeoutError, EOFError, RuntimeError) as error:
        if not learner.killed:
            learner.error = f"{type(error).__name__}: {str(error)[:3000]}"


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in KiB."""
    values = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for row in rollup:
                name, _, rest = row.partition(":")
                if name in ("Pss", "Rss"):
                    values[name] = int(rest.split()[0])
    except OSError:
        return 0, 0
    return values.get("Pss", 0), values.get("Rss", 0)


def session_of(name: str, sessions: list[int]) -> int:
    """The app process running for learner `name` (its command line says `--user NAME`)."""
    for pid in sessions:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            if f"\0--user\0{name}\0".encode() in cmdline.read():
                return pid
    raise LookupError(name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@dataclass
class Work:
    """Learners work together: from when every lesson list is up (`begun`) until `ends`."""

    begun: asyncio.Event = field(default_factory=asyncio.Event)
    started: float = 0.0
    ends: float = float("inf")


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="dltui-serve-load-"))
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "dltui", "serve", "ssh", "--port", str(port), "--data-dir",
                               str(folder), "--backend", args.backend, "--max-sessions", str(args.learners + 5)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while "listening on" not in (banner := server.stdout.readline()):
        if not banner:
            raise SystemExit("the server did not start")
    learners = [Learner(f"learner{n:02d}", 1 + n % 3) for n in range(args.learners)]
    work = Work()
    tasks = [asyncio.create_task(learn(learner, port, work)) for learner in learners]
    peak: dict[int, tuple[int, int]] = {}  # session pid -> (PSS, RSS) at its highest
    cpu: dict[int, float] = {}  # session pid -> CPU seconds when last seen (a session that ended keeps its last)
    startup_cpu = work_cpu = cores = 0.0
    others = {"server": 0.0, "clients": 0.0}  # cores busy while working: the SSH server, this process's clients
    others_at_start = (0.0, 0.0)
    killed = None
    while not all(task.done() for task in tasks):
        await asyncio.sleep(1.0)
        sessions = children(server.pid)
        for pid in sessions:
            peak[pid] = max(peak.get(pid, (0, 0)), memory_kib(pid))
            cpu[pid] = max(cpu.get(pid, 0.0), cpu_seconds(pid))
        now = time.monotonic()
        if not work.begun.is_set() and all(learner.home_after or learner.error for learner in learners):
            work_cpu = sum(cpu.values())
            startup_cpu = work_cpu / max(len(cpu), 1)
            work.started, work.ends = now, now + args.minutes * 60
            others_at_start = (cpu_seconds(server.pid), time.process_time())
            work.begun.set()
        elif work.begun.is_set() and now < work.ends:
            cores = (sum(cpu.values()) - work_cpu) / (now - work.started)  # the last reading counts
            others = {"server": (cpu_seconds(server.pid) - others_at_start[0]) / (now - work.started),
                      "clients": (time.process_time() - others_at_start[1]) / (now - work.started)}
            if not args.no_kill and killed is None and now > work.started + args.minutes * 30 and sessions:
                killed = learners[0]
                killed.killed = True
                os.kill(session_of(killed.name, sessions), signal.SIGKILL)
    await asyncio.sleep(5)
    orphans = [pid for pid in peak if alive(pid)]
    server.send_signal(signal.SIGINT)
    server.wait(timeout=30)
    with Progress.open(folder, user="teacher") as progress:
        rows = progress.export_rows(all_users=True)
    stored = {learner.name: sum(row["user"] == learner.name for row in rows) for learner in learners}
    report(args, learners, peak, startup_cpu, cores, others, stored, orphans, killed)


def report(args, learners: list[Learner], peak: dict, startup_cpu: float, cores: float, others: dict,
           stored: dict, orphans: list[int], killed: Learner | None) -> None:
    def quantile(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    homes = [learner.home_after for learner in learners if learner.home_after]
    latencies = [value for learner in learners for value in learner.latencies]
    pss = [value[0] / 1024 for value in peak.values()]
    rss = [value[1] / 1024 for value in peak.values()]
    acknowledged = sum(learner.acknowledged for learner in learners)
    lost = sum(max(0, learner.acknowledged - stored[learner.name]) for learner in learners)
    errors = [learner for learner in learners if learner.error]
    median, p95 = quantile(latencies, 0.5) * 1000, quantile(latencies, 0.95) * 1000
    per_core = args.learners / cores if cores else float("inf")
    pace = len(latencies) / args.learners / args.minutes  # keys are timed from the lesson list on: the work
    cpu_per_key = cores * args.minutes * 60 / max(len(latencies), 1)
    lines = [
        f"dltui serve ssh under load: {args.learners} learners, {args.minutes:g} min of work, backend {args.backend}, "
        f"{os.cpu_count()} CPUs",
        f"  start-up        lesson list after {statistics.median(homes):.1f} s median, {max(homes):.1f} s slowest; "
        f"{startup_cpu:.2f} CPU-s per session",
        f"  key to frame    {median:.0f} ms median, {p95:.0f} ms p95 over {len(latencies)} keys",
        f"  memory/session  PSS {statistics.mean(pss):.0f} MiB mean, {max(pss):.0f} max; "
        f"RSS {statistics.mean(rss):.0f} MiB mean, {max(rss):.0f} max",
        f"  CPU             sessions {cores:.2f} cores while working, {pace:.0f} keys a minute per learner, "
        f"{cpu_per_key * 1000:.0f} ms CPU per key: {per_core:.1f} sessions per core at this pace",
        f"                  SSH server {others['server']:.2f} cores; simulated clients {others['clients']:.2f} "
        "(this process)",
        f"  answers         {acknowledged} acknowledged, {sum(stored.values())} stored, {lost} lost"
        + (f" ({killed.name}'s app killed with SIGKILL midway: {killed.acknowledged} acknowledged, "
           f"{stored[killed.name]} stored)" if killed else ""),
        f"  errors          {len(errors)}" + "".join(f"\n    {learner.name}: {learner.error}" for learner in errors),
        f"  orphans         {len(orphans)} session processes alive 5 s after their connections closed"]
    print("\n".join(lines))

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--backend", default="numba", choices=("numpy", "numba"))
    parser.add_argument("--no-kill", action="store_true", help="kill no session's process midway")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
