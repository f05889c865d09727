"""A lesson: its text beside its live lab, the lab's controls, and a status line.

The lab runs on the UI thread for single actions and in a worker thread for free-running.
The worker only stores the newest snapshot; a timer draws it at a capped frame rate, so a
fast lab never floods the UI and a slow one never blocks it. One lock serialises every
call into the lab.

Where the learner was (the lab's settings, how far the text is scrolled) is kept in progress
when the screen is left and restored when the lesson is opened again.
"""

from __future__ import annotations

import json
import time
from threading import Lock
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from rich.markdown import Markdown
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState, get_current_worker

from dltui.labs import lab_class
from dltui.lessons import Lesson
from dltui.progress import Progress

from ..messages import OpenQuiz
from ..views import view_class
from ..widgets.controls_panel import ControlsPanel
from ..widgets.param_control import ParamControl
from ..widgets.too_small import TooSmall

STATUS_MARKS = {"info": "›", "success": "✓", "warning": "!", "error": "✗"}


class LessonScreen(Screen):
    """Text and lab side by side; below 120 columns one at a time, switched with `t`."""

    RUN_DELAY: ClassVar[float] = 0.15
    """Seconds between free-running steps (one epoch, one truth-table row), so the change is visible."""

    BUSY_WAIT: ClassVar[float] = 0.5
    """Seconds a call from the UI waits for a background action to let go of the lab (a free-run burst is shorter)."""

    FRAME_INTERVAL: ClassVar[float] = 1 / 20
    """How often the newest snapshot is drawn while a run is going (the timer sleeps otherwise)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run", id="lesson.run"),
        Binding("r", "pause", "Pause", id="lesson.pause"),
        Binding("escape", "pause", "Pause", show=False, id="lesson.pause_escape"),
        Binding("space", "freeze(True)", "Freeze", id="lesson.freeze"),
        Binding("space", "freeze(False)", "Follow", id="lesson.follow"),
        Binding("x", "reset", "Reset", id="lesson.reset"),
        Binding("t", "show_pane('lab')", "Lab", id="lesson.show_lab"),
        Binding("t", "show_pane('text')", "Text", id="lesson.show_text"),
        Binding("z", "quiz(True)", "Quiz", id="lesson.quiz"),
        Binding("z", "quiz(False)", "Quiz", show=False, id="lesson.quiz_narrow"),  # narrow: the lab's keys fill the Footer
        Binding("q", "app.pop_screen", "Back", id="lesson.back"),
        Binding("escape", "app.pop_screen", "Back", show=False, id="lesson.back_escape"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | (lab keys) | The lab's own actions, e.g. s Step, e Epoch. |
    | d | Step through the next update's forward and backward pass (labs with a tape). |
    | r | Run the lab until it finishes; again (or escape) to pause. |
    | space | While it runs: freeze the picture to study it, training goes on; again to follow. |
    | x | Start the lab over with the current settings. |
    | t | Switch between text and lab (narrow terminals). |
    | z | The lesson's quiz (in the Footer from 120 columns; at 80 the lab's keys fill it). |
    | tab | Move between the text and the controls. |
    | q, escape | Back to the lessons. |
    """

    running: reactive[bool] = reactive(False, bindings=True, init=False)
    """A free-run worker is going."""

    dirty: reactive[bool] = reactive(False, bindings=True)
    """The lab has moved since its last (re)start, so Reset has something to do."""

    show_lab: reactive[bool] = reactive(False, bindings=True)
    """In the narrow layout: the lab, not the text, is on screen."""

    frozen: reactive[bool] = reactive(False, bindings=True)
    """The picture stays as it is while the run goes on (memray's live view does the same)."""

    def __init__(self, lesson: Lesson, progress: Progress | None = None) -> None:
        super().__init__()
        self.lesson = lesson
        self.progress = progress or Progress(None, "")
        self._position = self.progress.position(lesson.id)
        self._scroll = self._saved("scroll", 0)
        saved = self._saved("params", {})
        try:
            self.lab = lab_class(lesson.lab)(**{**lesson.params, **saved})
        except Exception:  # settings saved by an older lab: start from the lesson's own
            self.lab = lab_class(lesson.lab)(**lesson.params)
        self.view_type = view_class(lesson.lab)
        self.sub_title = f"{lesson.order}. {lesson.title}"
        self._lock = Lock()
        self._latest: Any = self.lab.snapshot()
        self._drawn: Any = None
        self._notice = ""
        lab_keys = {action.key: [Binding(action.key, f"lab('{action.name}')", action.description, id=f"lab.{action.name}")]
                    for action in self.lab.actions}
        if hasattr(self.lab, "trace"):  # a lab that records its passes on a tape can be stepped through
            lab_keys["d"] = [Binding("d", "debugger", "Debug", id="lesson.debugger")]
        screen_keys = {key: bindings for key, bindings in self._bindings.key_to_bindings.items() if key not in lab_keys}
        self._bindings.key_to_bindings = {**lab_keys, **screen_keys}  # the lab's keys first in the Footer, and they win

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            with VerticalScroll(id="text"):
                yield Static(Markdown(self.lesson.body), id="body")  # one widget: Textual's Markdown lays out slowly
            with Vertical(id="lab"):
                yield self.view_type(id="view")
                yield ControlsPanel(self.lab.controls, self.lab.params, id="controls")
        yield Static(id="status", markup=False)
        yield Footer(compact=True)  # the lab's keys and the screen's all fit in 80 columns
        yield TooSmall()

    def on_mount(self) -> None:
        self._draw()
        self._frames = self.set_interval(self.FRAME_INTERVAL, self._draw, pause=True)
        self.set_focus(self.query_one("#text"))
        self.progress.lesson_opened(self.lesson.id)
        if self._scroll:
            self.call_after_refresh(self.query_one("#text").scroll_to, y=self._scroll, animate=False)

    def _saved(self, key: str, default: Any) -> Any:
        """One field of the saved position; a position that is not ours (or not JSON) counts as none."""
        try:
            saved = json.loads(self._position or "{}")
        except ValueError:
            return default
        return saved.get(key, default) if isinstance(saved, dict) else default

    def _save_position(self) -> None:
        """Keep the lab's settings and the text's scroll; written only when they changed."""
        position = json.dumps({"params": self.lab.params, "scroll": self._scroll}, sort_keys=True, default=str)
        if position != self._position and self.progress.set_position(self.lesson.id, position):
            self._position = position

    def on_screen_suspend(self) -> None:
        self._scroll = round(self.query_one("#text").scroll_y)
        self._save_position()  # leaving for the lessons, another lesson or the quiz

    def on_unmount(self) -> None:
        self._save_position()  # the app quitting from here (the text is gone by now: its last scroll is kept)

    def on_resize(self) -> None:
        self.call_later(self._fit_width)  # after Screen's own handler has set the breakpoint classes

    def _fit_width(self) -> None:
        """Entering the narrow layout keeps the pane that has focus on screen; `t` applies only there.
        The Footer then needs its width for keys: the palette's ^p (in the help) gives way."""
        if self.narrow and self.focused is not None:
            self.show_lab = self.query_one("#lab") in self.focused.ancestors_with_self
        self.query_one(Footer).show_command_palette = not self.narrow
        self.refresh_bindings()

    @property
    def narrow(self) -> bool:
        return self.has_class("-narrow")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return self.lab.run_action is not None and not self.running
        if action == "pause":
            return self.running
        if action in ("lab", "debugger"):
            return not self.running
        if action == "reset":
            return self.dirty
        if action == "freeze":
            return self.frozen if parameters[0] is False else self.running and not self.frozen
        if action == "quiz":
            return bool(self.lesson.quiz) and parameters[0] != self.narrow
        if action == "show_pane":
            return self.narrow and self.show_lab == (parameters[0] == "text")
        return True

    def watch_running(self, running: bool) -> None:
        if running:
            self._frames.resume()
        else:
            self._frames.pause()

    def watch_show_lab(self, show_lab: bool) -> None:
        self.set_class(show_lab, "-show-lab")

    def action_quiz(self, _in_footer: bool) -> None:
        self.action_pause()
        self.post_message(OpenQuiz(self.lesson))

    def action_show_pane(self, pane: str) -> None:
        self.show_lab = pane == "lab"
        self.set_focus(self.query_one(ParamControl) if self.show_lab else self.query_one("#text"))

    def _reveal_lab(self) -> None:
        """A lab key pressed while the narrow layout shows the text brings the lab into view."""
        if self.narrow and not self.show_lab:
            self.action_show_pane("lab")

    def action_lab(self, name: str) -> None:
        self._reveal_lab()
        self._notice = ""
        if next(action for action in self.lab.actions if action.name == name).background:
            self.frozen = False
            self.running = True
            self.run_lab(name, repeat=False)
        else:
            self.call_lab(self.lab.perform, name)
        self.dirty = True

    def action_debugger(self) -> None:
        from .debugger import DebuggerScreen

        self.app.push_screen(DebuggerScreen(self.lab, self._apply_update))

    def _apply_update(self, trace: Any) -> None:
        """The debugger's `u`: the lab takes the traced update as if `s` had been pressed."""
        self.call_lab(self.lab.apply_update, trace)
        self.dirty = True

    def action_freeze(self, frozen: bool) -> None:
        self.frozen = frozen
        if frozen:
            status = self.query_one("#status", Static)
            status.update(f"⏸ Frozen: the run goes on behind this picture; space to follow it. {status.content}")
        else:
            self._drawn = None
            self._draw()

    def action_run(self) -> None:
        self._reveal_lab()
        self._notice = ""
        self.frozen = False
        self.running = self.dirty = True
        self.run_lab(self.lab.run_action, repeat=True)

    def action_pause(self) -> None:
        self.workers.cancel_group(self, "lab")

    def action_reset(self) -> None:
        self.workers.cancel_group(self, "lab")
        self._notice = "Started over. "
        self.call_lab(self.lab.reset)
        self.dirty = False

    def on_param_control_changed(self, event: ParamControl.Changed) -> None:
        spec = event.control.spec
        self._notice = f"{spec.label} = {spec.format(event.value)}" + (": the lab started over. " if spec.restarts else ". ")
        if spec.restarts:
            self.workers.cancel_group(self, "lab")
        self.call_lab(self.lab.reset, **{event.name: event.value})
        for row in self.query(ParamControl):  # one control may set others (a GAN preset)
            row.value = self.lab.params[row.spec.name]
        if spec.restarts:
            self.dirty = False

    def call_lab(self, method, *args: Any, **kwargs: Any) -> None:
        """Call into the lab on the UI thread and draw the result now; errors become notifications.

        A background action still holding the lab after BUSY_WAIT makes the call a notice, not a frozen UI.
        """
        self.frozen = False  # what the learner just did should show
        if not self._lock.acquire(timeout=self.BUSY_WAIT):
            self.notify("The lab is still busy with its last action; try again when it is done.", severity="warning")
            return
        try:
            self._latest = method(*args, **kwargs)
        except Exception as error:
            self._report(error)
        finally:
            self._lock.release()
        self._draw()

    @work(thread=True, exclusive=True, exit_on_error=False, group="lab")
    def run_lab(self, name: str, repeat: bool) -> None:
        """Perform the action `name` once, or repeat it until the lab finishes or the run is cancelled."""
        worker = get_current_worker()
        while True:
            with self._lock:
                if worker.is_cancelled:
                    return
                self._latest = self.lab.perform(name, lambda: worker.is_cancelled)
                if self.lab.finished or not repeat:
                    return
            time.sleep(self.RUN_DELAY)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "lab":
            return
        if event.state == WorkerState.ERROR:
            self._report(event.worker.error)
        self.running = any(worker.group == "lab" and worker.node is self and not worker.is_finished
                           for worker in self.workers)
        self._draw()

    def _report(self, error: BaseException | None) -> None:
        self.notify(f"{type(error).__name__}: {error}", title="The lab stopped with an error", severity="error", timeout=10)

    def _draw(self) -> None:
        """Draw the newest snapshot if it is not on screen yet; older ones are simply skipped."""
        snapshot = self._latest
        if snapshot is self._drawn or self.frozen:
            return
        self._drawn = snapshot
        with self.app.batch_update():
            self.query_one("#view").show(snapshot)
            status = self.query_one("#status", Static)
            status.update(f"{STATUS_MARKS[snapshot.status.kind]} {self._notice}{snapshot.status.text}")
            status.set_classes(f"-{snapshot.status.kind}")
