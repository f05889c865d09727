"""A lesson: its text beside its live lab, the lab's controls folded to one line, and a status line.

The screen never calls the lab: a `LabRunner` owns it and performs every action, free run, reset
and view request on its own thread, in the order the keys came. The screen draws the runner's
newest snapshot on a frame timer while it works (stale frames are skipped, never queued) and once
more when each job ends, so the UI answers keys while an epoch trains.

At 80×24 the lab gets the whole pane: the controls show as one summary line (`o` opens them over
the foot of the lab), a view taller than the pane is read a page at a time (`v`), and an action
whose result lies on another page turns to it. Where the learner was (the lab's settings, the
text's scroll) is kept in progress when the screen is left and restored when the lesson is opened
again.
"""

from __future__ import annotations

import gc
import re
from time import monotonic
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Input, Static

from dltui.i18n import N_, _
from dltui.labs import ControlError, lab_class
from dltui.labs.runner import Job, LabRunner
from dltui.lessons import Lesson
from dltui.progress import Place, Progress

from ..messages import LabRequest, OpenQuiz
from ..views import view_class
from ..widgets.controls_panel import ControlsPanel
from ..widgets.key_footer import KeyFooter
from ..widgets.lesson_markdown import LessonMarkdown
from ..widgets.pages import Pages
from ..widgets.param_control import ParamControl
from ..widgets.readout import Readout
from ..widgets.steady_focus import steady
from ..widgets.too_small import TooSmall

STATUS_MARKS = {"info": "›", "success": "✓", "warning": "!", "error": "✗"}
ACTION_NAME = re.compile(r"\{(\w+)\}")
TALL = 40
"""From this many rows the controls stay open; below, they fold to one line so the lab fits."""


def action_name(action: str) -> str:
    """`lab('epoch')` → epoch, `freeze(True)` → freeze: the names a lab's status text may use."""
    name, _, args = action.partition("(")
    return args[1:-2] if name == "lab" else name


class JobDone(Message):
    """The runner finished a job (posted from its thread)."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job


class LessonScreen(Screen):
    """Text and lab side by side; below 120 columns one at a time, switched with `t`.

    `LessonScreen.for_lab(lab)` makes the screen class for one lab, its action keys first.
    """

    FRAME_INTERVAL: ClassVar[float] = 1 / 20
    """How often the newest snapshot is drawn while the runner works (the timer sleeps otherwise)."""

    KEY_QUIET: ClassVar[float] = 0.2
    """Seconds after a key during which the frame timer draws nothing: a learner pressing keys gets their
    answers first (a frame under way when a key came held it back for up to the frame's cost, 20-60 ms at
    160×50); the picture goes on once the keys stop. A key's own result is drawn at once all the same."""

    FRAME_SHARE: ClassVar[float] = 0.25
    """The most of the UI thread's time frames may take: a view that is slow to draw is drawn less often,
    so a key never waits behind frame after frame (issue 14, §7)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", N_("Run"), id="lesson.run"),
        Binding("r", "pause", N_("Pause"), id="lesson.pause"),
        Binding("escape", "leave_input", N_("Stop typing"), show=False, id="lesson.leave_input"),
        Binding("escape", "fold_controls", N_("Close controls"), show=False, id="lesson.fold_controls"),
        Binding("escape", "pause", N_("Pause"), show=False, id="lesson.pause_escape"),
        Binding("space", "freeze(True)", N_("Freeze"), id="lesson.freeze"),
        Binding("space", "freeze(False)", N_("Follow"), id="lesson.follow"),
        Binding("x", "reset", N_("Reset"), id="lesson.reset"),
        Binding("u", "undo", N_("Undo restart"), id="lesson.undo"),
        Binding("o", "controls", N_("Controls"), show=False, id="lesson.controls"),  # both named on the lab's own line
        Binding("v", "page", N_("Next page"), show=False, id="lesson.page"),
        Binding("i", "type_in", N_("Type"), id="lesson.type_in"),
        Binding("t", "show_pane('lab')", N_("Lab"), id="lesson.show_lab"),
        Binding("t", "show_pane('text')", N_("Text"), id="lesson.show_text"),
        Binding("z", "quiz", N_("Quiz"), id="lesson.quiz"),
        Binding("q", "app.pop_screen", N_("Back"), id="lesson.back"),
        Binding("escape", "app.pop_screen", N_("Back"), show=False, id="lesson.back_escape"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | (lab keys) | The lab's own actions, e.g. s Step, e Epoch; pressed fast, each one counts. |
    | d | Step through the next update's forward and backward pass (labs with a tape). |
    | r | Run the lab until it finishes; again (or escape) to pause. |
    | space | While it runs: freeze the picture to study it, training goes on; again to follow. |
    | x | Start the lab over with the current settings. |
    | u | Undo a restart: bring back the run a settings change threw away. |
    | o | Open the controls (↑↓ choose, ←→ change, enter to type a value); o or escape closes them. |
    | v | The lab's next page, when it is taller than the screen. |
    | i | Type into the lab's input box (a lab that has one: your own digits); escape leaves it. |
    | t | Switch between the text and the lab. |
    | z | The lesson's quiz. |
    | q, escape | Back to the lessons. |
    """

    # repaint=False: a screen's reactive repaints the whole screen by default (every widget's lines again, 17 ms
    # at 160×50); what they change repaints itself (classes, the footer's keys).
    running: reactive[bool] = reactive(False, bindings=True, init=False, repaint=False)
    """A free run or a long action is going."""

    dirty: reactive[bool] = reactive(False, bindings=True, repaint=False)
    """The lab has moved since its last (re)start, so Reset has something to do."""

    show_lab: reactive[bool] = reactive(False, bindings=True, repaint=False)
    """In the narrow layout: the lab, not the text, is on screen."""

    frozen: reactive[bool] = reactive(False, bindings=True, repaint=False)
    """The picture stays as it is while the run goes on (memray's live view does the same)."""

    controls_open: reactive[bool] = reactive(False, bindings=True, repaint=False)
    """The controls show every row (else one summary line)."""

    can_undo: reactive[bool] = reactive(False, bindings=True, repaint=False)
    """A restart threw away a run that `u` can bring back."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """Screen's own, without its repaint of the whole screen at each focus change (the widgets that gain and lose the
    focus repaint themselves, as does the footer): `t` and `o` at 160×50 repainted every widget on screen."""

    @classmethod
    def for_lab(cls, lab: type) -> type[LessonScreen]:
        """This screen with `lab`'s action keys bound first (they win over the screen's own)."""
        keys = [Binding(a.key, f"lab('{a.name}')", a.description, id=f"lab.{a.name}") for a in lab.actions]
        if hasattr(lab, "trace"):  # a lab that records its passes on a tape can be stepped through
            keys.append(Binding("d", "debugger", N_("Debug"), id="lesson.debugger"))
        taken = {binding.key for binding in keys}
        own = [binding for binding in (*Screen.BINDINGS, *cls.BINDINGS) if binding.key not in taken]
        return type(f"{lab.__name__}Screen", (cls,), {"BINDINGS": keys + own}, inherit_bindings=False)

    def __init__(self, lesson: Lesson, progress: Progress | None = None) -> None:
        super().__init__()
        self.lesson = lesson
        self.progress = progress or Progress(None, "")
        place = self.progress.place(lesson.id)
        self._scroll = place.scroll
        try:
            lab = lab_class(lesson.lab)(**{**lesson.params, **place.params})
        except Exception:  # settings saved by an older lab: start from the lesson's own
            lab = lab_class(lesson.lab)(**lesson.params)
        self.runner = LabRunner(lab, lambda job: self.post_message(JobDone(job)))
        self.view = steady(view_class(lesson.lab))(id="view")
        self.view.can_focus = True  # `t` puts the focus on the lab, so it shows, even where the view has no part to focus
        # Nothing styles the view by its focus (the divider shows it: `_light_divider`), so a focus change restyles
        # nothing, not every widget in it as Textual does (LeNet's 13: 15 ms of `o` and `t` at 80×24). Watchers are
        # looked up on the instance.
        self.view.watch_has_focus = lambda _has_focus: None
        self.pages = Pages(self.view)
        self.sub_title = f"{lesson.order}. {lesson.title}"
        self._drawn: Any = None
        self._next_frame = 0.0  # monotonic time the frame timer may draw again
        self._notice = ""
        self._keys = {action_name(binding.action): binding for binding in reversed(self.BINDINGS)}

    @property
    def lab(self) -> Any:
        return self.runner.lab

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            with steady(VerticalScroll)(id="text"):
                yield Static(LessonMarkdown(self.lesson.body), id="body")  # one widget: Textual's Markdown lays out slowly
            with Vertical(id="lab"):
                yield self.view
                yield ControlsPanel(self.lab.controls, self.lab.params, id="controls")
                with Horizontal(id="lab-bar"):
                    yield Static(id="summary", markup=False)
                    yield Static(id="page-info", markup=False)
        yield Readout(id="status", markup=False)
        yield KeyFooter()
        yield TooSmall()

    def on_mount(self) -> None:
        self._draw()
        self._frames = self.set_interval(self.FRAME_INTERVAL, self._frame, pause=True)
        self.set_focus(self.query_one("#text"))
        self.progress.lesson_opened(self.lesson.id)
        if self._scroll:
            self.call_after_refresh(self.query_one("#text").scroll_to, y=self._scroll, animate=False)
        self.call_after_refresh(self._freeze_heap)
        # The page count follows the view's laid-out height: measured after a draw's refresh it could be a layout
        # early (a tree that grew by a row showed "page 1/3" for 1/2 until the next draw).
        self.watch(self.view, "virtual_size", lambda _size: self._show_page_info(), init=False)
        # The signal, not a watch of `theme`: it comes once the new theme's variables are built.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._light_divider())

    @staticmethod
    def _freeze_heap() -> None:
        """Now the lesson is on screen, let the collector skip what is alive from then on.

        A full collection walks every object Python tracks (the app's widgets, caches, the lab): 150 ms on the
        UI thread at 160×50, every few seconds while a lab trains, and a key pressed then waited for it. Frozen
        objects are never walked again (gen2 then took 18 ms); leaving the lesson unfreezes them, so what it
        leaves behind can still be collected. Only the young generations are collected first (a full collection
        here cost as much again, at every lesson opened); older garbage waits for the unfreeze."""
        gc.collect(1)
        gc.freeze()

    def _save_place(self) -> None:
        self.progress.keep_place(self.lesson.id, Place(self.lab.params, self._scroll))

    def on_screen_suspend(self) -> None:
        self._scroll = round(self.query_one("#text").scroll_y)
        self._save_place()  # leaving for the lessons, another lesson or the quiz

    def on_unmount(self) -> None:
        gc.unfreeze()
        self.runner.close()
        self._save_place()  # the app quitting from here (the text is gone by now: its last scroll is kept)

    def on_resize(self) -> None:
        self.call_later(self._fit)  # after Screen's own handler has set the breakpoint classes

    def _fit(self) -> None:
        """Entering the narrow layout keeps the pane that has focus on screen; short screens fold the controls, and
        open them as a drawer over the foot of the lab: the view keeps its size, so `o` neither moves the picture nor
        makes the view draw it again (GAN at 80×24, training: `o` to its frame p50 33 → 14 ms)."""
        if self.narrow and self.focused is not None:
            self.show_lab = self.query_one("#lab") in self.focused.ancestors_with_self
        self.watch_show_lab(self.show_lab)
        self.query_one("#controls").set_class(not self.tall, "-drawer")
        self.watch_controls_open(self.controls_open)
        self._light_divider()
        self.refresh_bindings()

    @property
    def narrow(self) -> bool:
        return self.has_class("-narrow")

    @property
    def tall(self) -> bool:
        return self.size.height >= TALL

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # What runs is asked of the runner, not of `running` (which follows it from job to job, to refresh the
        # footer): Escape must leave a lesson whose run has ended, even if its last JobDone is still on its way.
        if action == "run":
            return self.lab.run_action is not None and not self.runner.running
        if action == "pause":
            return self.runner.running
        if action in ("lab", "debugger"):
            return not self.runner.running and (action == "lab" or not self.runner.busy)
        if action == "reset":
            return self.dirty
        if action == "undo":
            return self.can_undo
        if action == "freeze":
            return self.frozen if parameters[0] is False else self.runner.running and not self.frozen
        if action == "quiz":
            return bool(self.lesson.quiz)
        if action == "show_pane":
            shown = self.show_lab if self.narrow else self._in_lab
            return shown == (parameters[0] == "text")
        if action == "leave_input":
            return isinstance(self.focused, Input)
        if action == "fold_controls":
            return self._in_controls
        if action == "type_in":
            return bool(self.view.query(Input)) and not isinstance(self.focused, Input)
        if action == "page":
            return self.pages.count > 1 and (self.show_lab or not self.narrow)
        return True

    @property
    def _in_lab(self) -> bool:
        return self.focused is not None and self.query_one("#lab") in self.focused.ancestors_with_self

    @property
    def _in_controls(self) -> bool:
        return self.focused is not None and self.query_one("#controls") in self.focused.ancestors_with_self

    def watch_focused(self, focused: Widget | None) -> None:
        """Follows the focus as it moves (Screen's own watcher updates the footer): the focus events, and the
        DescendantFocus that bubbles up to here, arrive a frame or more later while a lab trains, and `t` then
        showed the new footer first and the lit divider 40 ms later."""
        if focused is None:  # the terminal lost the focus: nothing moved
            return
        self._light_divider()
        self.controls_open = self._in_controls
        self._show_bar()

    def _light_divider(self) -> None:
        """The lab's left edge, the divider between the panes, is lit while the lab has the focus (the narrow layout
        shows one pane and no divider). Not a tint of the focused pane, nor a class: both restyled and repainted every
        widget in the pane at each `t` or `o` (LeNet training at 160×50: 60 ms from `t` to its frame, now 31)."""
        lab = self.query_one("#lab")
        if self.narrow:
            lab.styles.border_left = None  # the stylesheet's: none
            return
        # The theme's variables as built, not get_css_variables(), which builds them all again (1 ms).
        color = Color.parse(self.app.theme_variables["border" if self._in_lab else "border-blurred"])
        had_edge = bool(lab.styles.border_left[0])
        # Set as a rule, not through `styles.border_left`, which repaints the whole pane: only its edge changes.
        if lab.styles.inline.set_rule("border_left", ("vkey", color)):
            if not had_edge:
                lab.refresh(layout=True)
                return
            left, top = lab.content_offset  # refresh() takes regions in content coordinates
            lab.refresh(Region(-left, -top, 1, lab.outer_size.height))

    def watch_running(self, running: bool) -> None:
        if running:
            self._frames.resume()

    # The panes and the controls are shown and hidden by their own `display`, not by a class on the screen: a
    # screen's class restyles every widget on it (about 45 ms of UI CPU of `t`'s 160 and of `o`'s 260 at 80×24).

    def watch_show_lab(self, show_lab: bool) -> None:
        narrow = self.narrow
        self.query_one("#text").display = not narrow or not show_lab
        self.query_one("#lab").display = not narrow or show_lab

    def watch_controls_open(self, open_: bool) -> None:
        self.query_one("#controls").display = open_ or self.tall

    # Keys ------------------------------------------------------------------------------------------

    def action_quiz(self) -> None:
        self.action_pause()
        self.post_message(OpenQuiz(self.lesson))

    def action_show_pane(self, pane: str) -> None:
        self.show_lab = pane == "lab"
        self.set_focus(self._lab_focus() if self.show_lab else self.query_one("#text"))

    def _lab_focus(self) -> Widget:
        """The view itself (or its first focusable part): arrows scroll it, its own keys work."""
        return next((w for w in self.view.walk_children(with_self=True) if w.focusable), self.view)

    def _reveal_lab(self) -> None:
        """A lab key pressed while the narrow layout shows the text brings the lab into view."""
        if self.narrow and not self.show_lab:
            self.action_show_pane("lab")

    def action_controls(self) -> None:
        """`o` opens the controls on their first row; again closes them."""
        if self._in_controls:
            self.action_fold_controls()
            return
        self._reveal_lab()
        self.controls_open = True
        self.set_focus(self.query_one(ControlsPanel))  # on the row chosen last

    def action_fold_controls(self) -> None:
        self.controls_open = False
        self.set_focus(self._lab_focus())

    def action_leave_input(self) -> None:
        self.set_focus(self._lab_focus() if self._in_lab else self.query_one("#text"))

    def action_type_in(self) -> None:
        self._reveal_lab()
        box = self.view.query(Input).first()
        self.set_focus(box)
        self.call_after_refresh(self.view.scroll_to_widget, box, animate=False)

    def action_page(self) -> None:
        self.pages.next()
        self._show_page_info()

    def _reveal(self, section: str) -> None:
        self.pages.reveal(section)
        self._show_page_info()

    def action_lab(self, name: str) -> None:
        self._reveal_lab()
        self._notice = ""
        self.frozen = False
        self.runner.perform(name)
        self._started()

    def action_run(self) -> None:
        self._reveal_lab()
        self._notice = ""
        self.frozen = False
        self.runner.perform(self.lab.run_action, repeat=True)
        self._started()

    def action_pause(self) -> None:
        self.runner.stop()

    def action_reset(self) -> None:
        self.runner.stop()
        self._notice = _("Started over.") + " "
        self.runner.call("reset")
        self._started(dirty=False)

    def action_undo(self) -> None:
        self.runner.stop()
        self._notice = _("The run before the restart is back.") + " "
        self.runner.undo_restart()
        self._started()

    def action_debugger(self) -> None:
        from .debugger import DebuggerScreen

        self.app.push_screen(DebuggerScreen(self.lab, self._apply_update))

    def _apply_update(self, trace: Any) -> None:
        """The debugger's `u`: the lab takes the traced update as if `s` had been pressed (the runner is idle)."""
        self.runner.latest = self.lab.apply_update(trace)
        self.dirty = True
        self._draw()

    def action_freeze(self, frozen: bool) -> None:
        """Space answers in the next frame with the status mark and the lab bar; following again, the newest
        picture comes with the frame timer's next frame, once the keys stop (a whole picture costs 25-70 ms,
        which a key behind it would wait for)."""
        self.frozen = frozen
        self._show_status()
        self._show_bar()
        if frozen:
            return
        if self.runner.busy:
            self._frames.resume()
        else:
            self._draw()

    def on_param_control_changed(self, event: ParamControl.Changed) -> None:
        spec = event.control.spec
        setting = f"{_(spec.label)} = {spec.format(event.value)}"
        self._notice = (_("{setting}: the lab started over.") if spec.restarts else "{setting}.").format(setting=setting) + " "
        if spec.restarts:
            self.runner.stop()
        self.runner.call("reset", **{event.name: event.value})
        self._started(dirty=not spec.restarts and self.dirty)

    def on_lab_request(self, request: LabRequest) -> None:
        request.stop()
        self.frozen = False
        self.runner.call(request.method, *request.args)
        self._started()

    # The runner's side -----------------------------------------------------------------------------

    def _started(self, dirty: bool = True) -> None:
        self.dirty = dirty
        self.running = self.runner.running or self.running
        self._frames.resume()

    def on_job_done(self, message: JobDone) -> None:
        if not self.is_attached:  # the learner has left; the lab went with the screen
            return
        job, error = message.job, message.job.error
        if job.kind == "call":
            self._settle_controls(job, error)
        if isinstance(error, ControlError) and not job.kwargs:
            self.notify(str(error), title=_("Not accepted"), severity="warning", markup=False)
        elif error is not None and not isinstance(error, ControlError):
            self.notify(f"{type(error).__name__}: {error}", title=_("The lab stopped with an error"),
                        severity="error", timeout=10, markup=False)
        self.running = self.runner.running
        self.can_undo = self.runner.previous is not None
        if job.kind == "action" and (section := self.view.SHOWS.get(job.name)):
            self.refresh(layout=True)  # the section's new size is laid out before the page turns to it
            self.call_after_refresh(self.call_after_refresh, self._reveal, section)
        if not self.runner.busy:
            self._frames.pause()
        self._draw(status_only=True)

    def _settle_controls(self, job: Job, error: BaseException | None) -> None:
        """Rows follow what the job changed besides the learner's own change (a preset sets several, an undo
        all). The changed row itself may already be further on (keys of a burst wait their turn), so it is
        only set back when its value was refused, and then says why."""
        for row in self.query(ParamControl):
            name = row.spec.name
            if name in job.changed and name not in job.kwargs:
                row.value = self.lab.params[name]
            elif isinstance(error, ControlError) and job.kwargs.get(name, row) == row.value:
                row.value, row.error = self.lab.params[name], str(error)
        if not job.kwargs:
            return
        if error is not None:
            self._notice = _("Not changed: the control says why.") + " "
        elif self.runner.previous is not None and any(self.lab.control(n).restarts for n in job.kwargs):
            self._notice += _("{key} brings the last run back.").format(key=self._key('undo')) + " "

    def _key(self, action: str) -> str:
        binding = self._keys.get(action)
        return self.app.get_key_display(binding) if binding else action

    def _status_text(self, text: str) -> str:
        """A lab names actions as `{name}`; the learner reads the key bound to each."""
        return ACTION_NAME.sub(lambda m: self._key(m[1]) if m[1] in self._keys else m[0], text)

    def _frame(self) -> None:
        """The frame timer's tick: keys first (none waiting, none in the last KEY_QUIET seconds), and after a
        frame that took c seconds to draw and paint, rest c·(1/FRAME_SHARE − 1) before the next."""
        now = monotonic()
        if getattr(self.app, "keys_waiting", False) or now - getattr(self.app, "last_input", 0.0) < self.KEY_QUIET:
            return
        if now >= self._next_frame:
            self._draw()

    def _frame_painted(self, started: float) -> None:
        now = monotonic()
        self._next_frame = now + (now - started) * (1 / self.FRAME_SHARE - 1)

    def _draw(self, status_only: bool = False) -> None:
        """Draw the newest snapshot if it is not on screen yet; older ones are simply skipped.
        A finished job may only have a notice to add: `status_only` rewrites the status line then."""
        snapshot = self.runner.latest
        if self.frozen or not self.is_attached or snapshot is self._drawn and not status_only:
            return
        with self.app.batch_update():
            if snapshot is not self._drawn:
                self._drawn = snapshot
                self.view.show(snapshot)
                self.call_after_refresh(self._frame_painted, monotonic())
            self._show_status()
        self._show_bar()
        self.call_after_refresh(self._show_page_info)

    def _show_status(self) -> None:
        """The status of the snapshot on screen, marked ⏸ while the picture is frozen: a mark as wide as the
        others, so the line count stays (a line more made following again cost a layout, 60-200 ms at 160×50);
        the lab bar says what ⏸ means."""
        status, line = self.query_one("#status", Readout), self._drawn.status
        mark = "⏸" if self.frozen else STATUS_MARKS[line.kind]
        status.update(f"{mark} {self._notice}{self._status_text(line.text)}")
        status.set_classes(f"-{line.kind}")

    def _show_bar(self) -> None:
        """Under the lab, on one line: the controls' values (or, while open, how to use them), after the word
        that the picture is frozen."""
        key = self._key('controls')
        text = (_("Controls · ↑↓ choose · ←→ change · ⏎ type · {key} or esc closes").format(key=key)
                if self._in_controls else
                _("{key} Controls: {summary}").format(key=key, summary=ControlsPanel.summary(self.lab.controls, self.lab.params)))
        if self.frozen:
            text = _("⏸ Frozen ({key} follows)").format(key=self._key('freeze')) + f" · {text}"
        self._set_line("#summary", text)

    def _show_page_info(self) -> None:
        if self.is_attached:
            self.pages.measure()
            count = self.pages.count
            self._set_line("#page-info", _("{key} page {page}/{count}").format(key=self._key('page'), page=self.pages.current + 1, count=count)
                           if count > 1 else "")

    def _set_line(self, selector: str, text: str) -> None:
        """A one-line Static of fixed size: rewritten only when its text changes, and without a new layout
        (a layout per frame cost 10–40 ms of the UI thread)."""
        line = self.query_one(selector, Static)
        if line.content != text:
            line.update(text, layout=False)
