"""The lab runner gives way to the UI: a free run rests while a key is dealt with, and no longer than it must."""

from __future__ import annotations

import time
from types import SimpleNamespace

from dltui.labs import runner as runner_module
from dltui.labs.base import Action, Lab, Status
from dltui.labs.runner import LabRunner


class Counting(Lab):
    """Counts steps: a free run that never ends by itself, and a long action made of chunks."""

    actions = (Action("step", "s", "Step"), Action("long", "l", "Long", background=True))
    run_action = "step"
    finished = False

    def build(self) -> None:
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        time.sleep(0.001)

    def long(self) -> None:
        for _chunk in range(1000):
            if self.interrupted():
                return
            self.steps += 1
            time.sleep(0.001)

    def snapshot(self) -> Status:
        return Status("info", str(self.steps))


def steps_during(runner: LabRunner, seconds: float) -> int:
    before = runner.lab.steps
    time.sleep(seconds)
    return runner.lab.steps - before


def test_a_free_run_rests_while_the_ui_deals_with_a_key_and_goes_on_after():
    runner = LabRunner(Counting())
    runner.perform("step", repeat=True)
    try:
        assert steps_during(runner, 0.1) > 10  # it trains
        runner.give_way()
        time.sleep(0.01)  # the step under way ends
        assert steps_during(runner, 0.1) == 0
        runner.go_on()
        assert steps_during(runner, 0.1) > 10
    finally:
        runner.close()


def test_a_long_action_gives_way_between_its_chunks():
    runner = LabRunner(Counting())
    runner.perform("long")
    try:
        time.sleep(0.05)
        runner.give_way()
        time.sleep(0.01)
        assert steps_during(runner, 0.1) == 0
        runner.go_on()
        assert steps_during(runner, 0.1) > 10
    finally:
        runner.close()


def test_a_ui_that_never_says_it_is_done_holds_training_back_only_briefly(monkeypatch):
    monkeypatch.setattr(runner_module, "MAX_YIELD", 0.05)
    runner = LabRunner(Counting())
    runner.perform("step", repeat=True)
    try:
        runner.give_way()
        time.sleep(0.1)  # the hold has run out
        assert steps_during(runner, 0.1) > 10  # full speed again, not a step per MAX_YIELD
    finally:
        runner.close()


def test_a_free_run_shares_the_interpreter_again_once_the_ui_has_shown_a_key(monkeypatch):
    """Between steps a free run sleeps a moment every SHARE_EVERY, so the UI and input threads get the GIL without
    Python's 5 ms wait. After a key it went on for the rest of MAX_YIELD without those sleeps, and a key pressed then
    waited at each of its turns (MLP's `o` at 160×50: 10 ms before the app even saw it)."""
    shares: list[float] = []
    clock = SimpleNamespace(monotonic=time.monotonic, perf_counter=time.perf_counter,
                            sleep=lambda seconds: (shares.append(seconds), time.sleep(seconds)))
    monkeypatch.setattr(runner_module, "time", clock)
    runner = LabRunner(Counting())
    runner.perform("step", repeat=True)
    try:
        time.sleep(0.05)
        assert runner_module.SHARE_FOR in shares  # it shares while it trains
        runner.give_way()
        time.sleep(0.01)
        runner.go_on()  # the key is on screen
        shares.clear()
        time.sleep(0.1)
        assert shares.count(runner_module.SHARE_FOR) >= 5  # about one per SHARE_EVERY of the 0.1 s
    finally:
        runner.close()
