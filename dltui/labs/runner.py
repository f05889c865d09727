"""One worker thread per open lab: every call into the lab runs there, in order; the UI reads the newest snapshot.

The lesson screen never calls the lab. It submits jobs (an action, a free run, a reset, a view's
request) and the runner's thread performs them one after the other, so a key pressed while an epoch
trains waits its turn instead of being lost or freezing the UI. A free run trains as fast as the lab
allows, stops when the lab is finished or has diverged, and refreshes `latest` at most `FRAME_RATE`
times a second; a lab that wants slow motion (the perceptron, sample by sample) sets its own
`run_pace`. Nothing here knows about Textual: the screen passes `on_done`, which the worker calls
(from its thread) when a job ends.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from .base import ControlError, Lab

FRAME_RATE = 20
"""Snapshots per second a free run publishes; the UI draws at most this often anyway."""

UNDO_AFTER = 3.0
"""Seconds of training after which a restart keeps the old run, so the learner can take it back."""

MAX_YIELD = 0.25
"""The longest a free run waits for the UI after `give_way` (a UI that never says it is done cannot stop training)."""

SHARE_EVERY, SHARE_FOR = 0.005, 0.0001
"""A free run sleeps SHARE_FOR seconds once per SHARE_EVERY between its steps (2 % of its time): see `_yield`."""


@dataclass
class Job:
    """One unit of work for the lab: `perform` an action (`repeat` for a free run) or call a lab method."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    kind: str = "action"  # "action" or "call"
    repeat: bool = False
    cancelled: bool = False
    error: BaseException | None = None
    changed: frozenset[str] = frozenset()
    """The settings a `reset` or an undo changed (a preset changes several)."""


class LabRunner:
    """Owns the lab, the thread that runs it, its newest snapshot and the run the learner can take back."""

    def __init__(self, lab: Lab, on_done: Callable[[Job], None] = lambda job: None) -> None:
        self.lab = lab
        self.latest: Any = lab.snapshot()
        self.on_done = on_done
        self.trained_seconds = 0.0
        """Time spent in actions since the lab last (re)started: what a restart would throw away."""
        self.previous: tuple[Lab, float] | None = None
        """The lab as it was before a restart that threw away more than UNDO_AFTER seconds of training."""
        self._ui_done = threading.Event()
        """Cleared while the UI deals with a key: a free run waits between steps (see `give_way`)."""
        self._ui_done.set()
        self._give_way_until = 0.0
        self._shared_at = 0.0
        self._jobs: deque[Job] = deque()
        self._current: Job | None = None
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name="lab-runner", daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """A job is running or waiting."""
        return self._current is not None or bool(self._jobs)

    @property
    def running(self) -> bool:
        """A free run (or a long background action) is going or waiting its turn."""
        return any(job is not None and not job.cancelled and (job.repeat or job.kind == "action" and self._is_background(job.name))
                   for job in (self._current, *self._jobs))

    def _is_background(self, name: str) -> bool:
        return any(action.name == name and action.background for action in self.lab.actions)

    def perform(self, action: str, repeat: bool = False) -> Job:
        return self._submit(Job(action, repeat=repeat))

    def call(self, method: str, *args: Any, **kwargs: Any) -> Job:
        """Call one of the lab's methods (`reset`, `set_cell`, `apply_update`…) in turn with the actions."""
        return self._submit(Job(method, args, kwargs, kind="call"))

    def _submit(self, job: Job) -> Job:
        with self._wake:
            self._jobs.append(job)
            self._wake.notify()
        return job

    def stop(self) -> None:
        """Stop what runs now (at its next check) and drop what waits: a pause, a reset, leaving the lesson."""
        with self._wake:
            for job in (*self._jobs, self._current):
                if job is not None:
                    job.cancelled = True
            self._jobs.clear()

    def close(self) -> None:
        self.stop()
        with self._wake:
            self._closed = True
            self._wake.notify()

    def give_way(self) -> None:
        """The UI has a key to deal with: a free run rests after its current step (or chunk) until `go_on`, at most
        MAX_YIELD from now.

        Both threads run Python, and only one can at a time: with a training thread that never waits, the UI
        thread waited up to Python's switch interval (5 ms) each time it came back from the event loop's poll,
        many times per key (a key took 380 ms beside the MLP's seed comparison, 40 ms of it the UI's own work)."""
        self._give_way_until = time.monotonic() + MAX_YIELD
        self._ui_done.clear()

    def go_on(self) -> None:
        """The UI has shown the key: training goes on, and shares the GIL again (`_yield` shared nothing for the rest of
        MAX_YIELD after a key, and the next key then waited up to 5 ms at each of its turns: MLP's `o` at 160×50)."""
        self._give_way_until = 0.0
        self._ui_done.set()

    def _yield(self) -> None:
        """Between steps: rest while the UI deals with a key, and otherwise let the other threads in.

        A thread that waits for the GIL asks the holder to drop it only if no switch happened for 5 ms,
        and every NumPy or kernel call that drops the GIL and takes it back counts as a switch: beside the
        RNN's free run the UI thread (and the terminal's input thread, with a key) waited up to 85 ms for
        its turn. A real sleep gives them the GIL; in a key's path there are several such turns."""
        now = time.monotonic()
        if (left := self._give_way_until - now) > 0:
            self._ui_done.wait(left)
        elif now - self._shared_at >= SHARE_EVERY:
            time.sleep(SHARE_FOR)
            self._shared_at = time.monotonic()

    def undo_restart(self) -> Job:
        """Bring back the run a restart threw away (in turn, so a pending job cannot see half a swap)."""
        return self.call("__undo__")

    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._jobs and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                job = self._current = self._jobs.popleft()
            try:
                self._run(job)
            except BaseException as error:  # reported to the UI, never raised in this thread
                job.error = error
            finally:
                self._current = None
                self.on_done(job)

    def _run(self, job: Job) -> None:
        started = time.perf_counter()
        if job.kind == "call":
            self._call(job)
            return
        def interrupted() -> bool:  # a long action's chunks give way to the UI too
            self._yield()
            return job.cancelled

        published = 0.0
        pace = self.lab.run_pace
        while not job.cancelled:
            self.lab.act(job.name, interrupted)
            now = time.perf_counter()
            self.trained_seconds += now - started
            started = now
            done = not job.repeat or self.lab.finished or self.lab.diverged
            if done or pace or now - published >= 1 / FRAME_RATE:
                self.latest = self.lab.snapshot()
                published = now
            if done:
                return
            if pace:
                time.sleep(pace)
            self._yield()
            started = time.perf_counter()

    def _call(self, job: Job) -> None:
        before = dict(self.lab.params)
        if job.name == "__undo__":
            if self.previous is not None:
                (self.lab, self.trained_seconds), self.previous = self.previous, None
        elif job.name == "reset":
            self._reset(*job.args, **job.kwargs)
        else:
            getattr(self.lab, job.name)(*job.args, **job.kwargs)
        job.changed = frozenset(name for name, value in self.lab.params.items() if before.get(name) != value)
        self.latest = self.lab.snapshot()

    def _reset(self, **params: Any) -> None:
        """Restart (or, for view-only settings, refresh) the lab; a refused value raises ControlError first."""
        self.lab.validate_params({**self.lab.params, **params})
        restarts = not params or any(self.lab.control(name).restarts for name in params)
        keep = restarts and self.trained_seconds > UNDO_AFTER
        previous = (copy.deepcopy(self.lab), self.trained_seconds) if keep else None
        self.lab.reset(**params)
        if restarts:
            self.previous, self.trained_seconds = previous, 0.0
