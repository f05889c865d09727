"""Hopfield networks: a memory recalled by rolling downhill on an energy.

The recall part has N = 35 neurons sᵢ = ±1, one per cell of a 7×5 letter. Storing letters p¹ … pᴾ is Hebb's rule,
one sum: W = (1/N)·Σ pᵘpᵘᵀ with a zero diagonal. Recall starts from a letter with some cells flipped and updates one
neuron at a time (asynchronously, in a fresh random order each sweep): hᵢ = Σⱼ wᵢⱼ·sⱼ, sᵢ ← sign(hᵢ), unchanged when
hᵢ = 0. A flip lowers the energy E = −½·sᵀWs by 2·|hᵢ| and nothing raises it, so recall ends at a fixed point, a
local minimum of E where no neuron wants to change: the letter, or a spurious state (its inverse, a mixture of three
letters, something else).

The capacity part stores more and more random patterns in N = 100 neurons and counts how many come back from a
corrupted start; for large N theory puts the edge at P ≈ 0.138·N (Amit, Gutfreund and Sompolinsky, 1985). It also
runs the letters' network from random starts and sorts the fixed points it finds.

Nothing here has a gradient: storing is a sum of outer products and recall is sign updates, so the lab writes both in
NumPy as the definitions read rather than with the engine's tensors. The dynamics use the whole-number sums N·W, whose
fields are exact, so a zero field is exactly zero and the energy can be compared exactly.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np

from dltui.i18n import N_, _, in_language

from ..numbers import fixed
from .base import Action, Control, GeneratedQuestion, Lab, Status, factor, num

LETTERS = {  # 7 rows × 5 columns, # on (+1) and . off (−1), in the order `patterns` stores them
    "B": ("####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."),
    "T": ("#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."),
    "V": ("#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."),
    "X": ("#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"),
    "J": ("..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."),
    "I": ("#####", "..#..", "..#..", "..#..", "..#..", "..#..", "#####"),
}
SHAPE = (7, 5)
CAPACITY_SHAPE = (10, 10)
CAPACITY_CELLS = 100
LOADS = tuple(range(1, 31))  # patterns stored at each point of the capacity curve: P/N from 0.01 to 0.30
ATTEMPTS = 200  # recall attempts per point: ⌈ATTEMPTS/P⌉ sets of P random patterns
STARTS = 200  # random starts of the search for spurious states
THEORY = 0.138  # the capacity of a large network, P/N
PARTS = (N_("recall"), N_("capacity"))


def letter(rows: tuple[str, ...]) -> np.ndarray:
    return np.array([1.0 if cell == "#" else -1.0 for cell in "".join(rows)])


def letters(count: int) -> tuple[str, np.ndarray]:
    """The first `count` letters' names and patterns, (count, 35)."""
    names = "".join(LETTERS)[:count]
    return names, np.array([letter(LETTERS[name]) for name in names])


def hebbian_sums(patterns: np.ndarray) -> np.ndarray:
    """Σ pᵘpᵘᵀ with a zero diagonal: N·W, whole numbers. Patterns (…, P, N) give (…, N, N), one matrix per set."""
    n = patterns.shape[-1]
    sums = np.swapaxes(patterns, -1, -2) @ patterns
    sums[..., np.arange(n), np.arange(n)] = 0
    return sums


def hebbian(patterns: np.ndarray) -> np.ndarray:
    """Hebb's rule: W = (1/N)·Σ pᵘpᵘᵀ with wᵢᵢ = 0."""
    return hebbian_sums(patterns) / patterns.shape[-1]


def energy(weights: np.ndarray, state: np.ndarray) -> float:
    """E = −½·sᵀWs (no thresholds)."""
    return float(-0.5 * state @ weights @ state)


def is_fixed_point(weights: np.ndarray, state: np.ndarray) -> bool:
    """No neuron would change: each sᵢ has the sign of its field, or its field is 0."""
    return bool(np.all(state * (weights @ state) >= 0))


def corrupted(patterns: np.ndarray, flips: int, rng: np.random.Generator) -> np.ndarray:
    """Each pattern (a row) with `flips` of its cells, drawn at random, flipped."""
    chosen = np.zeros(patterns.shape, dtype=bool)
    np.put_along_axis(chosen, rng.random(patterns.shape).argsort(axis=-1)[..., :flips], True, axis=-1)
    return np.where(chosen, -patterns, patterns)


def settle(sums: np.ndarray, states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Asynchronous updates until no neuron changes: sweep after sweep, each neuron once a sweep in a fresh random
    order, every state of the batch at once. `sums` (…, N, N) are the whole-number weights N·W, so a field's sign is
    exact; states (…, B, N) are updated with the matrix of their stack. Every flip lowers the energy, so this ends."""
    s = states.copy()
    changed = True
    while changed:
        changed = False
        for i in rng.permutation(s.shape[-1]):
            field = (s @ sums[..., i, None])[..., 0]  # W is symmetric: column i is row i
            new = np.where(field > 0, 1.0, np.where(field < 0, -1.0, s[..., i]))
            changed = changed or bool(np.any(new != s[..., i]))
            s[..., i] = new
    return s


def mixture(patterns: np.ndarray, names: str, picks: tuple[int, ...], signs: tuple[int, ...]) -> tuple[str, np.ndarray]:
    """sign(±pᵃ ± pᵇ ± pᶜ) and its label, B+T−V (a sum of three ±1 is never 0)."""
    label = "".join(("+" if sign > 0 else "−") + names[k] for k, sign in zip(picks, signs)).removeprefix("+")
    return label, np.sign(np.tensordot(signs, patterns[list(picks)], axes=1))


def catalog(patterns: np.ndarray, names: str) -> dict[bytes, tuple[str, str]]:
    """Every state with a name: each letter ("letter", "B"), its inverse ("inverse", "−B") and each mixture of three
    with any signs ("mixture", "B+T−V"), keyed by the state's bytes."""
    known = {}
    for picks in itertools.combinations(range(len(names)), 3):
        for signs in itertools.product((1, -1), repeat=3):
            label, state = mixture(patterns, names, picks, signs)
            known[state.tobytes()] = ("mixture", label)
    for name, pattern in zip(names, patterns):  # a letter is a letter even where a mixture happens to equal it
        known[(-pattern).tobytes()] = ("inverse", "−" + name)
        known[pattern.tobytes()] = ("letter", name)
    return known


def identify(state: np.ndarray, known: dict[bytes, tuple[str, str]]) -> tuple[str, str]:
    """What a state is, by `catalog`: a letter, an inverse, a mixture, or ("other", "")."""
    return known.get(np.asarray(state, dtype=float).tobytes(), ("other", ""))


@dataclass(frozen=True, eq=False)
class Ending:
    """A fixed point the search from random starts reached: what it is and how many starts ended there."""

    state: np.ndarray
    kind: str  # letter, inverse, mixture or other
    label: str
    starts: int


def endings(sums: np.ndarray, known: dict[bytes, tuple[str, str]], rng: np.random.Generator) -> tuple[Ending, ...]:
    """STARTS random states settled with these weights: each distinct fixed point, named by `known`, the most visited
    first."""
    ends = settle(sums, rng.choice((-1.0, 1.0), size=(STARTS, len(sums))), rng)
    states, counts = np.unique(ends, axis=0, return_counts=True)
    found = [Ending(state, *identify(state, known), int(count)) for state, count in zip(states, counts)]
    return tuple(sorted(found, key=lambda ending: -ending.starts))


@dataclass(frozen=True)
class LoadPoint:
    """One point of the capacity curve: P random patterns in CAPACITY_CELLS neurons."""

    patterns: int
    stable: float  # the share of stored patterns that are fixed points
    recalled: float  # the share that comes back exactly from a corrupted start


@functools.cache
def load_point(patterns: int, flips: int, seed: int) -> LoadPoint:
    """⌈ATTEMPTS/P⌉ sets of P random patterns, each set stored in its own network; every pattern is checked for being a
    fixed point, then corrupted by `flips` cells and settled. The same numbers every time: kept once computed."""
    rng = np.random.default_rng([seed, patterns])
    stored = rng.choice((-1.0, 1.0), size=(-(-ATTEMPTS // patterns), patterns, CAPACITY_CELLS))
    sums = hebbian_sums(stored)
    stable = np.all(stored * (stored @ sums) >= 0, axis=-1)
    ends = settle(sums, corrupted(stored, flips, rng), rng)
    return LoadPoint(patterns, float(stable.mean()), float(np.all(ends == stored, axis=-1).mean()))


@dataclass(frozen=True)
class Update:
    """One neuron's update: its field h = Σⱼ wᵢⱼ·sⱼ, its state before and after, and the energy's change."""

    neuron: int
    field: float
    old: float
    new: float
    delta: float


@dataclass(frozen=True)
class HopfieldSnapshot:
    part: str
    shape: tuple[int, int]
    names: str  # the stored letters
    patterns: np.ndarray  # (P, 35)
    weights: np.ndarray  # W, (35, 35)
    noise: float
    # recall
    state: np.ndarray
    target: int  # the letter that was corrupted
    flipped: int  # how many of its cells
    updates: int  # neuron updates since the corruption
    sweep: int  # the sweep under way (1 = the first)
    last: Update | None
    focus: int  # the neuron last updated; before any update, the first of the sweep
    energies: np.ndarray  # E after 0, 1, … updates
    fixed_at: int | None  # the update after which no neuron would change
    overlaps: np.ndarray  # mᵘ = pᵘ·s/N for each letter
    unstable: int  # neurons that would flip now
    kind_label: tuple[str, str]  # what the state is now (see `identify`)
    # capacity
    points: tuple[LoadPoint, ...]
    half: LoadPoint | None  # the first point where fewer than half came back
    found: tuple[Ending, ...]  # the letters' network from random starts
    shown: tuple[Ending, ...]  # spurious states worth a picture: an inverse, a mixture, another
    first_mixture: Ending | None  # sign(p¹ + p² + p³), with starts 0 where the search never met it
    first_mixture_fixed: bool
    status: Status
    diverged: bool = False

    @property
    def energy(self) -> float:
        return float(self.energies[-1])


class HopfieldLab(Lab):
    controls = (
        Control("part", N_("Part"), "choice", "recall", choices=PARTS,
                help=N_("recall: corrupt a letter and watch it come back; capacity: how many patterns fit, and what "
                        "else the network remembers"), words=True),
        Control("patterns", N_("Letters stored"), "int", 4, 1, len(LETTERS), 1,
                help=N_("The first of B, T, V, X, J, I")),  # LETTERS in order
        Control("noise", N_("Noise"), "float", 0.2, 0.0, 1.0, 0.05, help=N_("The share of cells flipped in a corrupted start")),
        Control("seed", N_("Seed"), "int", 0, 0, 9999, 1, help=N_("Which cells flip, and the update order")),
    )
    actions = (
        Action("step", "s", N_("Update")),
        Action("sweep", "e", N_("Sweep")),
        Action("corrupt", "c", N_("Corrupt")),
        Action("next", "n", N_("Next letter")),
    )
    run_action = "step"
    run_pace = 0.03  # about 30 neuron updates a second: each flip can be watched

    def build(self) -> None:
        p = self.params
        self.part = p["part"]
        self.names, self.patterns = letters(p["patterns"])
        self.sums = hebbian_sums(self.patterns)
        self.weights = self.sums / self.patterns.shape[1]
        self.known = catalog(self.patterns, self.names)
        self.draws = 0  # corruptions and searches so far: each draws its own random numbers
        self.target = 0
        self.corrupt_target()
        self.points: list[LoadPoint] = []
        self.found: tuple[Ending, ...] = ()
        if self.part == "capacity":
            self.search()

    @property
    def cells(self) -> int:
        return self.patterns.shape[1]

    def flips(self, cells: int) -> int:
        return round(self.params["noise"] * cells)

    # ------------------------------------------------------------------ recall
    def corrupt_target(self) -> None:
        """Start again from the target letter with its cells flipped: a new draw of cells and update orders."""
        self.draws += 1
        self.rng = np.random.default_rng([self.params["seed"], self.draws])
        self.state = corrupted(self.patterns[self.target], self.flips(self.cells), self.rng)
        self.order, self.position, self.sweeps = self.rng.permutation(self.cells), 0, 0
        self.updates, self.last = 0, None
        self.energies = [self.energy()]
        self.fixed_at = 0 if is_fixed_point(self.sums, self.state) else None

    def energy(self) -> float:
        return energy(self.sums, self.state) / self.cells

    def update(self) -> None:
        """The next neuron of this sweep's order (a new order once every neuron has had its turn)."""
        if self.position == self.cells:
            self.order, self.position = self.rng.permutation(self.cells), 0
        if self.position == 0:
            self.sweeps += 1
        i = int(self.order[self.position])
        self.position += 1
        field = float(self.sums[i] @ self.state)
        old = float(self.state[i])
        self.state[i] = np.sign(field) or old
        self.energies.append(self.energy())
        self.updates += 1
        self.last = Update(i, field / self.cells, old, float(self.state[i]), self.energies[-1] - self.energies[-2])
        if self.fixed_at is None and is_fixed_point(self.sums, self.state):
            self.fixed_at = self.updates

    # ------------------------------------------------------------------ capacity
    def search(self) -> None:
        """Settle the letters' network from STARTS random states (a new draw each time)."""
        self.draws += 1
        self.found = endings(self.sums, self.known, np.random.default_rng([self.params["seed"], self.draws]))

    def add_point(self) -> None:
        if len(self.points) < len(LOADS):
            load = LOADS[len(self.points)]
            self.points.append(load_point(load, self.flips(CAPACITY_CELLS), self.params["seed"]))

    # ------------------------------------------------------------------ actions
    def step(self) -> None:
        """Recall: one neuron's update. Capacity: the next point of the curve."""
        if self.part == "recall":
            self.update()
        else:
            self.add_point()

    def sweep(self) -> None:
        """Recall: the rest of this sweep, or a whole new one. Capacity: the rest of the curve."""
        if self.part == "recall":
            self.update()
            while self.position < self.cells:
                self.update()
        else:
            while not self.finished and not self.interrupted():
                self.add_point()

    def corrupt(self) -> None:
        """Recall: corrupt the same letter again. Capacity: search from new random starts."""
        if self.part == "recall":
            self.corrupt_target()
        else:
            self.search()

    def next(self) -> None:
        """Recall: corrupt the next letter."""
        if self.part == "recall":
            self.target = (self.target + 1) % len(self.names)
            self.corrupt_target()

    @property
    def finished(self) -> bool:
        if self.part == "recall":
            return self.fixed_at is not None
        return len(self.points) == len(LOADS)

    # ------------------------------------------------------------------ what it shows
    @property
    def half(self) -> LoadPoint | None:
        return next((point for point in self.points if point.recalled < 0.5), None)

    def first_mixture(self) -> tuple[Ending | None, bool]:
        """sign(p¹ + p² + p³), how many random starts ended there, and whether it is a fixed point."""
        if len(self.names) < 3:
            return None, False
        label, state = mixture(self.patterns, self.names, (0, 1, 2), (1, 1, 1))
        starts = next((e.starts for e in self.found if np.array_equal(e.state, state)), 0)
        return Ending(state, "mixture", label, starts), is_fixed_point(self.sums, state)

    def shown(self) -> tuple[Ending, ...]:
        """The most visited inverse, mixture (sign(p¹ + p² + p³) first when the search met it) and other fixed point."""
        first, _fixed = self.first_mixture()
        picks = []
        for kind in ("inverse", "mixture", "other"):
            ends = [e for e in self.found if e.kind == kind]
            if kind == "mixture" and first is not None and first.starts:
                ends = [e for e in ends if e.label == first.label]
            picks += ends[:1]
        return tuple(picks)

    def status(self) -> Status:
        if self.part == "capacity":
            return self.capacity_status()
        name, flips = self.names[self.target], self.flips(self.cells)
        if self.fixed_at is None:
            if self.updates == 0:
                return Status("info", _("{name} with {flips} of {cells} cells flipped. Press {step} to update one neuron, "
                                        "{sweep} for a sweep, {run} to run to a fixed point.").format(
                    name=name, flips=flips, cells=self.cells, step="{step}", sweep="{sweep}", run="{run}"))
            return Status("info", _("Update {update}: E = {energy}, {count} neurons would still flip.").format(
                update=self.updates, energy=fixed(self.energies[-1], 3), count=self.unstable()))
        kind, label = identify(self.state, self.known)
        energy_now = fixed(self.energies[-1], 3)
        where = (_("Fixed point after {count} updates, E = {energy}").format(count=self.fixed_at, energy=energy_now)
                 if self.fixed_at else _("The start is a fixed point already, E = {energy}").format(energy=energy_now))
        if kind == "letter" and label == name:
            return Status("success", _("{where}: {name} recalled, every cell right. {corrupt} corrupts it again, "
                                       "{next} the next letter.").format(
                where=where, name=name, corrupt="{corrupt}", next="{next}"))
        what = {"letter": _("the letter {label}, not {name}").format(label=label, name=name),
                "inverse": _("the inverse {label}").format(label=label),
                "mixture": _("the mixture {sign}").format(sign=f"sign({label.replace('−', ' − ').replace('+', ' + ')})"),
                "other": _("a spurious state, no letter")}[kind]
        if not is_fixed_point(self.sums, self.patterns[self.target]):
            why = _("{name} itself is not a fixed point: too many letters stored, or letters too alike.").format(name=name)
        elif label == "−" + name and 2 * flips > self.cells:
            why = _("More than half of the cells were flipped: the start was nearer −{name} than {name}.").format(name=name)
        else:
            why = _("Less noise, or fewer letters, helps.")
        return Status("warning", _("{where}, but it is {what}. {why}").format(where=where, what=what, why=why))

    def capacity_status(self) -> Status:
        if not self.points:
            return Status("info", _("Press {step} to store random patterns one more at a time, {sweep} or {run} for the "
                                    "whole curve; {corrupt} searches the letters' network from new random starts."))
        last, half = self.points[-1], self.half
        where = _("{load}: {percent} recalled").format(
            load=f"P = {last.patterns} (P/N = {last.patterns / CAPACITY_CELLS:.2f})", percent=f"{last.recalled:.0%}")
        if half is None:
            return Status("info", _("{where}.").format(where=where))
        return Status("success" if self.finished else "info",
                      _("{where}. Fewer than half come back from P/N = {load} (theory for large N: {theory}).").format(
                          where=where, load=f"{half.patterns / CAPACITY_CELLS:.2f}", theory=THEORY))

    def unstable(self) -> int:
        return int(np.sum(self.state * (self.sums @ self.state) < 0))

    def snapshot(self) -> HopfieldSnapshot:
        first, first_fixed = self.first_mixture()
        return HopfieldSnapshot(
            part=self.part, shape=SHAPE, names=self.names, patterns=self.patterns, weights=self.weights,
            noise=self.params["noise"], state=self.state.copy(), target=self.target, flipped=self.flips(self.cells),
            updates=self.updates, sweep=self.sweeps, last=self.last,
            focus=self.last.neuron if self.last else int(self.order[0]),
            energies=np.array(self.energies), fixed_at=self.fixed_at, overlaps=self.patterns @ self.state / self.cells,
            unstable=self.unstable(), kind_label=identify(self.state, self.known), points=tuple(self.points),
            half=self.half, found=self.found, shown=self.shown(), first_mixture=first,
            first_mixture_fixed=first_fixed, status=self.status())


# ------------------------------------------------------------------------------ quiz questions
def vector_text(values) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


def matrix_text(matrix: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(num(v) for v in row) + "]" for row in matrix) + "]"


def draw_weights(rng: np.random.Generator, size: int, values: tuple[float, ...]) -> np.ndarray:
    """A symmetric matrix with a zero diagonal, its other entries drawn from `values`."""
    upper = np.triu(rng.choice(values, size=(size, size)), 1)
    return upper + upper.T


def sign_update(weights: np.ndarray, state: np.ndarray, neuron: int) -> float:
    """The update rule: the sign of the neuron's field, or its state unchanged when the field is 0."""
    return float(np.sign(weights[neuron] @ state) or state[neuron])


UPDATE_PROMPT = N_("A Hopfield network of 4 neurons has weights W = {w} (row i holds the weights into neuron i, counted "
                   "from 1) and state s = {s}. Update the neurons asynchronously, in the order 1, 2, 3, 4: each takes the "
                   "sign of its field hᵢ = Σⱼ wᵢⱼ·sⱼ, computed from the newest states, and keeps its state when hᵢ = 0. "
                   "What is the state after these four updates?")


def update_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Four asynchronous updates of a 4-neuron network, each by the lab's rule. A draw where they end where they began,
    or where the synchronous update (every field from the old state) ends in the same place, is redrawn; the other
    choices are that synchronous state, the start, the state after the first update alone and the answer's inverse,
    the first three of them that differ from the rest."""
    while True:
        weights, start = draw_weights(rng, 4, (-2.0, -1.0, 1.0, 2.0)), rng.choice((-1.0, 1.0), size=4)
        state, fields = start.copy(), []
        for i in range(4):
            fields.append(float(weights[i] @ state))
            state[i] = sign_update(weights, state, i)
        synchronous = np.array([sign_update(weights, start, i) for i in range(4)])
        if not np.array_equal(state, start) and not np.array_equal(state, synchronous):
            break
    first = start.copy()
    first[0] = sign_update(weights, start, 0)
    candidates = list({tuple(c): c for c in (state, synchronous, start, first, -state)}.values())[:4]
    order = rng.permutation(len(candidates))
    choices = tuple(vector_text(candidates[k]) for k in order)
    worked = "; ".join(f"h{i + 1} = {num(h)} → s{i + 1} = {num(state[i])}" for i, h in enumerate(fields))
    prompt = in_language(lang, UPDATE_PROMPT).format(w=matrix_text(weights), s=vector_text(start))
    return GeneratedQuestion(prompt, int(np.flatnonzero(order == 0)[0]) + 1, worked, kind="choice", choices=choices)


ENERGY_PROMPT = N_("A Hopfield network of 4 neurons has weights W = {w} (neurons counted from 1) and state s = {s}; its "
                   "energy is E = −½·Σᵢⱼ wᵢⱼ·sᵢ·sⱼ. Neuron {k} flips its state. By how much does E change (E after − E "
                   "before)?")


def energy_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """The energy's change when one neuron flips, from the lab's `energy` before and after. A draw whose change is 0
    (a zero field) or ±1 is redrawn; the slips (no factor 2, the wrong sign) then differ from the answer by itself."""
    tenths = tuple(v / 10 for v in range(-9, 10) if v)
    while True:
        weights, state = draw_weights(rng, 4, tenths), rng.choice((-1.0, 1.0), size=4)
        k = int(rng.integers(4))
        field = round(float(weights[k] @ state), 10)
        if abs(2 * field) not in (0.0, 1.0):
            break
    flipped = state.copy()
    flipped[k] = -state[k]
    before, after = energy(weights, state), energy(weights, flipped)
    worked = in_language(lang, N_("{field}; only the terms with neuron {k} change, so {change} (E from {before} to "
                                  "{after})")).format(
        field=f"h{k + 1} = Σⱼ w{k + 1}ⱼ·sⱼ = {num(field)}", k=k + 1,
        change=(f"ΔE = −(s{k + 1}' − s{k + 1})·h{k + 1} = −({num(flipped[k])} − {factor(state[k])})·{factor(field)} = "
                f"{num(after - before)}"), before=num(before), after=num(after))
    prompt = in_language(lang, ENERGY_PROMPT).format(w=matrix_text(weights), s=vector_text(state), k=k + 1)
    return GeneratedQuestion(prompt, after - before, worked, tolerance=0.001)


FIELD_PROMPT = N_("A Hopfield network of N = 6 neurons stores three patterns by Hebb's rule, W = (1/N)·Σ pᵘ·pᵘᵀ with a "
                  "zero diagonal: p¹ = {p1}, p² = {p2}, p³ = {p3}. Its state is s = {s}. What is the field "
                  "h{i} = Σⱼ w{i}ⱼ·sⱼ of neuron {i} (neurons counted from 1)? (2 decimals)")


def field_question(rng: np.random.Generator, lang: str = "en") -> GeneratedQuestion:
    """Three patterns stored by the lab's `hebbian`, a probe state and one neuron's field. A draw whose field is 0, ½
    or 1 in size (a guess, or the diagonal's term alone) is redrawn; leaving the diagonal in, or 1/N out, always gives
    another number."""
    while True:
        patterns, state = rng.choice((-1.0, 1.0), size=(3, 6)), rng.choice((-1.0, 1.0), size=6)
        i = int(rng.integers(6))
        field = float(hebbian(patterns)[i] @ state)
        if round(abs(field) * 6) not in (0, 3, 6):
            break
    terms = [f"{num(p[i])}·({num(p @ state)} − {factor(p[i] * state[i])})" for p in patterns]
    worked = (f"h{i + 1} = (1/6)·Σᵤ pᵘ{i + 1}·(pᵘ·s − pᵘ{i + 1}·s{i + 1}) = (1/6)·({' + '.join(terms)}) = "
              f"{num(round(6 * field))}/6 = {num(round(field, 4))}")
    p1, p2, p3 = (vector_text(p) for p in patterns)
    prompt = in_language(lang, FIELD_PROMPT).format(p1=p1, p2=p2, p3=p3, s=vector_text(state), i=i + 1)
    return GeneratedQuestion(prompt, field, worked, tolerance=0.01)
