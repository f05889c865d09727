"""What every lab shares: declared controls, actions, and the snapshot contract.

A lab is a plain class that builds a model, advances it, and hands out frozen snapshots.
It never knows how it is drawn; the UI builds its inputs from `controls` and its keys from
`actions`, and renders whatever `snapshot()` returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from dltui.i18n import N_, _
from dltui.numbers import fixed, parse_number
from dltui.text import echo


class ControlError(ValueError):
    """A value the learner typed that a control refuses; the message says why."""


@dataclass(frozen=True)
class Control:
    """One tunable parameter of a lab: its type, range and default.

    `kind` is "float", "int", "choice" or "bool". Numbers have an inclusive range
    `low..high` and a `step` the UI uses for its arrow keys.
    """

    name: str
    label: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    restarts: bool = True  # False: the value only changes what is shown, and the model keeps going
    words: bool = False  # the choices are words (marked N_), shown in the interface's language; else names, as written

    def parse(self, value: Any) -> Any:
        """Turn typed text (or a value from a lesson file) into a valid value, or raise ControlError."""
        label = _(self.label)
        if self.kind == "choice":
            text = str(value).strip().lower()
            for choice in self.choices:
                if text in (choice.lower(), self.format(choice).lower()):
                    return choice
            raise ControlError(_("{label}: {value} is not one of {choices}").format(
                label=label, value=echo(value), choices=", ".join(map(self.format, self.choices))))
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on", _("on")):
                return True
            if text in ("0", "false", "no", "off", _("off")):
                return False
            raise ControlError(_("{label}: {value} is not on/off").format(label=label, value=echo(value)))
        if isinstance(value, bool):
            raise ControlError(_("{label}: {value} is not a number").format(label=label, value=echo(value)))
        try:  # typed text and a lesson file's numbers alike, read as the quiz's answer box reads them
            number = parse_number(str(value))
        except ValueError as error:
            raise ControlError(f"{label}: {error}") from None
        if self.kind == "int":
            if number != int(number):
                raise ControlError(_("{label}: {value} is not a whole number").format(label=label, value=echo(value)))
            number = int(number)
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            raise ControlError(_("{label}: {value} is out of range {low}–{high}").format(
                label=label, value=value, low=self.format(self.low), high=self.format(self.high)))
        return number

    def nudge(self, value: Any, steps: int) -> Any:
        """The value `steps` arrow presses away, clamped to the range (choices wrap around)."""
        if self.kind == "choice":
            return self.choices[(self.choices.index(value) + steps) % len(self.choices)]
        if self.kind == "bool":
            return not value if steps % 2 else value
        step = self.step or (1 if self.kind == "int" else 0.1)
        number = round((value + steps * step) / step) * step
        number = min(max(number, self.low), self.high)
        return int(round(number)) if self.kind == "int" else round(number, 10)

    def format(self, value: Any) -> str:
        """The value as the UI shows it: numbers with a true minus sign (−4, 1e−05), as the charts write them; the
        controls' entry and the answer box read it back."""
        if self.kind == "bool":
            return _("on") if value else _("off")
        if self.kind == "choice":
            return _(value) if self.words else str(value)
        return num(value) if self.kind == "float" else str(value).replace("-", "−")

    @property
    def range_text(self) -> str:
        if self.kind == "choice":
            return " | ".join(map(self.format, self.choices))
        if self.kind == "bool":
            return f"{_('on')} | {_('off')}"
        return f"{self.format(self.low)}–{self.format(self.high)}"


@dataclass(frozen=True)
class Action:
    """Something the learner can make a lab do, bound to a key by the lesson screen.

    A `background` action may take seconds (training many seeds): the screen runs it in its
    worker thread, so the UI keeps answering, and draws the snapshot when it is done.
    """

    name: str
    key: str
    description: str
    background: bool = False
    fresh: bool = False  # on fresh models of its own (the MLP's seed comparison): it still runs after a divergence


@dataclass(frozen=True)
class GeneratedQuestion:
    """A quiz question a lab drew fresh numbers for and answered with its own code.

    `kind` is "numeric" (answer a number, within `tolerance`) or "choice" (answer a 1-based
    choice number). `worked` writes the arithmetic out, so a wrong answer can be followed
    step by step.
    """

    prompt: str
    answer: float | int
    worked: str
    kind: str = "numeric"
    choices: tuple[str, ...] = ()
    tolerance: float = 0.0
    unit: str = ""


def num(value: float) -> str:
    """A number as a learner writes it: shortest form, a real minus sign (−1, 0.5, 2)."""
    return f"{value + 0.0:g}".replace("-", "−")


def factor(value: float) -> str:
    """A number inside a product: negative ones in parentheses, `(−1)·2`."""
    return f"({num(value)})" if value < 0 else num(value)


@dataclass(frozen=True)
class Status:
    """A one-line verdict the lab has reached (converged, stuck, diverged) and why."""

    kind: str  # "info", "success", "warning" or "error"
    text: str


EXPLODED = 100
"""The divergence rule every training lab shares: a run has diverged once a loss is not a finite number, or is more
than EXPLODED times its first loss (taken as at least 1; each model's own, where a lab trains two). The losses here
start near a blind guess's (ln 10 for ten classes, ln 4 for a GAN's discriminator, 1 for a ±1 target read as 0), and
learning only lowers them: a hundredfold rise is a run thrown off by steps too large, never noise. (The MLP's sigmoid
output bounds its loss, so it adds a rule of its own: every output pinned at 0 or 1, worse than at the start.)"""


def exploded(loss: float, first: float) -> bool:
    """`loss` breaks the divergence rule, measured against the run's `first` loss."""
    return not math.isfinite(loss) or abs(loss) > EXPLODED * max(abs(first), 1.0)


@dataclass(frozen=True)
class Divergence:
    """Where a run diverged: the update that broke the rule (counted in the lab's own `unit`: update, batch, round),
    the value that broke it (`what`: the loss, or a gradient that overflowed), and the model where a lab trains two."""

    at: int
    value: float
    unit: str = N_("update")
    model: str = ""
    what: str = N_("loss")

    def status(self, advice: str) -> Status:
        """The error status a diverged lab shows: where, the value, and what to change (`advice`, in its words).
        `unit`, `model` and `what` are marked `N_` where the lab names them."""
        fields = dict(unit=_(self.unit), at=self.at, what=_(self.what), value=fixed(self.value, 3), advice=advice)
        if self.model:
            return Status("error", _("{model} diverged at {unit} {at}: {what} {value}. {advice}").format(model=_(self.model), **fields))
        return Status("error", _("Diverged at {unit} {at}: {what} {value}. {advice}").format(**fields))


class Lab:
    """Base class: holds validated parameter values; subclasses build the model in `build`.

    `run_action` names the action that free-running repeats (in the runner's thread) until
    `finished` turns true or the learner pauses. A free run goes as fast as the lab can; a lab
    whose run is meant to be watched step by step sets `run_pace`, the seconds between steps.
    """

    controls: ClassVar[tuple[Control, ...]] = ()
    actions: ClassVar[tuple[Action, ...]] = ()
    run_action: ClassVar[str | None] = None
    run_pace: ClassVar[float] = 0.0

    def __init__(self, **params: Any) -> None:
        self.params: dict[str, Any] = {}
        self.interrupted: Callable[[], bool] = lambda: False
        self.divergence: Divergence | None = None
        self.first_loss: dict[str, float] = {}  # each model's first finite loss: what the divergence rule measures
        self.reset(**params)

    @classmethod
    def validate_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Check params from a lesson file or the UI; raise ControlError naming the first bad one."""
        known = {c.name for c in cls.controls}
        for name in params:
            if name not in known:
                raise ControlError(_("unknown parameter {name} (known: {known})").format(name=echo(name), known=", ".join(sorted(known))))
        return {c.name: c.parse(params[c.name]) if c.name in params else c.default for c in cls.controls}

    def reset(self, **params: Any) -> Any:
        """Apply parameter changes (validated) and start the model over; returns the new snapshot.

        Changes only to controls with `restarts=False` keep the model and go to `refresh` instead.
        """
        new = self.validate_params({**self.params, **params})
        changed = {name for name, value in new.items() if self.params.get(name) != value}
        self.params = new
        if params and not any(self.control(name).restarts for name in changed):
            self.refresh(changed)
        else:
            self.divergence, self.first_loss = None, {}
            self.build()
        return self.snapshot()

    @classmethod
    def control(cls, name: str) -> Control:
        return next(control for control in cls.controls if control.name == name)

    def refresh(self, changed: set[str]) -> None:
        """Apply settings that do not restart the model (the snapshot usually reads them itself)."""

    def build(self) -> None:
        raise NotImplementedError

    def snapshot(self) -> Any:
        raise NotImplementedError

    def perform(self, action: str, interrupted: Callable[[], bool] = lambda: False) -> Any:
        """Run the named action and return the new snapshot."""
        self.act(action, interrupted)
        return self.snapshot()

    def act(self, action: str, interrupted: Callable[[], bool] = lambda: False) -> None:
        """Run the named action without building a snapshot (a free run builds one per frame, not per step).
        A long action polls `interrupted` (the runner's cancel flag) between chunks of work and stops early.
        A diverged lab does nothing until it restarts, except an action on fresh models of its own."""
        named = next((a for a in self.actions if a.name == action), None)
        if named is None:
            raise KeyError(action)
        if self.diverged and not named.fresh:
            return
        self.interrupted = interrupted
        getattr(self, action)()

    def watch(self, loss: float, at: int, unit: str = N_("update"), model: str = "", what: str = N_("loss")) -> bool:
        """Note the loss of update `at` (of `model`, in a lab that trains two); the first that breaks the divergence
        rule (see EXPLODED) makes the lab diverged, with that update and loss in its status. Returns whether the lab
        has diverged."""
        if self.divergence is None:
            if math.isfinite(loss):
                self.first_loss.setdefault(model, loss)
            if exploded(loss, self.first_loss.get(model, 1.0)):
                self.divergence = Divergence(at, loss, unit, model, what)
        return self.diverged

    @property
    def diverged(self) -> bool:
        """The run has diverged: free runs stop, and steps do nothing until a restart or a changed setting."""
        return self.divergence is not None

    @property
    def finished(self) -> bool:
        """True once free-running has nothing left to do (converged, gave up, diverged)."""
        return True
