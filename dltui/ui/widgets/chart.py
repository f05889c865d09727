"""Line, scatter and bar charts that say what they show: a title, ticks on both axes, axis labels with units.

Every lab draws its histories and curves here (plotext, through textual-plotext), so one set of
rules holds everywhere:

- a bounded figure keeps its fixed range (`y_range=(0, 100)`): 10 % is a short bar, never a full one;
- a positive series spanning more than `LOG_SPAN` (max/min) is drawn on a log scale (unless its range
  is fixed), and the y label says "log"; otherwise the range is the data's, with round ticks;
- the whole history is drawn: more points than the plot has columns are averaged in buckets (the
  first and last value kept as they are), never cut to the newest;
- NaN and ±inf are left out, and `diverged=True` says in the title that the run diverged;
- series differ by glyph, not only by color (braille, quarter blocks, x, o; • for a line of few
  points; o, x, + for data points (`Series(points=True)`, drawn unjoined and never averaged); bars █
  then ▒), so `NO_COLOR` loses nothing; the legend is in the title.

plotext takes milliseconds to draw a chart (4–25 ms at the sizes the labs use), so a chart is drawn
again only when its picture changes: the same numbers again, or a new value that moves no dot, draw
nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import ClassVar, Sequence

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from dltui.i18n import N_, _
from dltui.text import cells, shorten

from .glyphs import signed

LOG_SPAN = 30.0
"""A positive series whose largest value is more than this many times its smallest gets a log y axis."""

LINE_MARKERS = ("braille", "hd", "x", "o")
"""Each line's glyph, in order: braille dots (2×4 a cell), quarter blocks (2×2), then letters."""
SPARSE_MARKERS = ("•", "x", "o", "+")
"""The glyphs of a line with fewer points than half the columns: a lone braille dot is hard to see."""
POINT_MARKERS = ("o", "x", "+", "•")
"""The glyphs of data points, drawn one by one and never joined."""
BAR_MARKERS = ("█", "▒", "░")
LEGEND_GLYPHS = {"braille": "⠤", "hd": "▄"}
GLYPHS = {"braille": re.compile("[\u2801-\u28ff]+"), "hd": re.compile("[▖▗▘▙▚▛▜▝▞▟▀▄▌▐█]+"),
          **{m: re.compile(re.escape(m) + "+") for m in {*SPARSE_MARKERS, *POINT_MARKERS, *LINE_MARKERS[2:], *BAR_MARKERS}}}
"""What each marker draws in the plot, to color it by series."""
RESET = "\x1b[0m"  # all plotext writes with no colors: one reset per line
DIVERGED = N_("DIVERGED · ")
"""Leads the title of a run that diverged (first, so a narrow chart keeps it)."""
SERIES_CLASSES = ("chart--series-1", "chart--series-2", "chart--series-3", "chart--series-4")


@dataclass(frozen=True, eq=False)
class Series:
    """One line (or one set of bars): `values` over `x` (1, 2, … when not given); `points`: data points,
    each drawn where it is, not joined and not averaged (a scatter)."""

    label: str
    values: Sequence[float] | np.ndarray
    x: Sequence[float] | np.ndarray | None = None
    points: bool = False
    y: np.ndarray = field(init=False, repr=False)
    xs: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        y = np.asarray(self.values, dtype=float).ravel()
        xs = np.arange(1, len(y) + 1, dtype=float) if self.x is None else np.asarray(self.x, dtype=float).ravel()
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "xs", xs)

    def same(self, other: Series) -> bool:
        return (self.label == other.label and self.points == other.points and np.array_equal(self.y, other.y, equal_nan=True)
                and np.array_equal(self.xs, other.xs))


@dataclass(frozen=True, eq=False)
class Figure:
    """What a view asks one chart to draw; `same` says whether a new request changes anything."""

    title: str
    series: tuple[Series, ...]
    x_label: str
    y_label: str
    y_range: tuple[float, float] | None = None
    log: bool | None = None
    bars: bool = False
    mark: float | None = None
    x_range: tuple[float, float] | None = None
    diverged: bool = False

    def same(self, other: Figure | None) -> bool:
        if other is None or len(self.series) != len(other.series):
            return False
        fields = ("title", "x_label", "y_label", "y_range", "log", "bars", "mark", "x_range", "diverged")
        return (all(getattr(self, f) == getattr(other, f) for f in fields)
                and all(a.same(b) for a, b in zip(self.series, other.series)))


@dataclass(frozen=True, eq=False)
class Plan:
    """What plotext is told for one figure at one size. `key` is the picture: ticks, labels, glyphs and
    every point rounded to the dot it lands on, so a new number that moves no dot draws nothing."""

    key: tuple
    width: int
    height: int
    title: str
    x_label: str
    y_label: str
    log: bool
    y_limits: tuple[float, float]
    y_ticks: list[float]
    y_labels: tuple[str, ...]
    x_limits: tuple[float, float]
    x_ticks: list[float]
    lines: tuple[tuple[np.ndarray, np.ndarray], ...]
    scattered: tuple[bool, ...]  # per line: data points, drawn unjoined
    markers: list[str]
    bars: bool
    bar_floor: float
    mark: float | None
    gutter: int  # the y tick labels' columns


class Chart(PlotextPlot):
    """A line or bar chart of one or more series: `chart.show(title, series, x_label=…, y_label=…)`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*SERIES_CLASSES, "chart--axis", "chart--diverged"}
    """
    | Class | Description |
    | :- | :- |
    | `chart--series-1` … `-4` | Each series' marks, in order. |
    | `chart--axis` | Ticks and labels. |
    | `chart--diverged` | The title of a run that diverged. |
    """

    DEFAULT_CSS = """
    Chart {
        width: 1fr;
        height: 1fr;
        & > .chart--series-1 { color: $primary; }
        & > .chart--series-2 { color: $warning; }
        & > .chart--series-3 { color: $success; }
        & > .chart--series-4 { color: $secondary; }
        & > .chart--axis { color: $text-muted; }
        & > .chart--diverged { color: $error; }
        &:nocolor > .chart--series-1, &:nocolor > .chart--series-2, &:nocolor > .chart--series-3,
        &:nocolor > .chart--series-4 { color: $foreground; }  /* in grey the glyphs tell the series apart */
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.theme = "clear"  # no canvas and no colors of plotext's own: the glyphs are styled here
        self.figure: Figure | None = None
        self._asked: tuple = ()  # the figure, size and theme last planned
        self._drawn: tuple[tuple, Text] = ((), Text())  # the plan's key and the text drawn for it

    def show(self, title: str, series: Sequence[Series], *, x_label: str, y_label: str,
             y_range: tuple[float, float] | None = None, log: bool | None = None, bars: bool = False,
             mark: float | None = None, x_range: tuple[float, float] | None = None, diverged: bool = False) -> None:
        """Draw `series` (redrawn only if something changed). `y_range` fixes the y axis (a bounded
        figure); `log` forces the y scale (None: log when no range is fixed and a positive series spans
        more than LOG_SPAN);
        `mark` draws a vertical line at that x; `diverged` says so in the title."""
        figure = Figure(title, tuple(series), x_label, y_label, y_range, log, bars, mark, x_range, diverged)
        if not figure.same(self.figure):
            self.figure = figure
            self.refresh()

    def render(self) -> RenderResult:
        if self.figure is None:
            return ""
        asked = (self.figure, self.size, self.app.theme)
        if asked != self._asked:  # a repaint of the same figure reuses its text as it is
            self._asked = asked
            plan = self._plan(*self.size)
            if plan.key != self._drawn[0]:  # plotext only when the picture changes, not for every new number
                self._drawn = plan.key, self._draw(plan)
        return self._drawn[1]

    def _plan(self, width: int, height: int) -> Plan:
        """Everything plotext will be told, and `key`: what the picture looks like, to the dot."""
        f = self.figure
        points = [finite(s) for s in f.series]
        ys = np.concatenate([y for _, y in points]) if points else np.empty(0)
        rows = max(height - 3, 1)  # less the title, the x ticks and the axis labels
        log = f.log if f.log is not None else f.y_range is None and log_scale(ys)  # a fixed range stays linear
        log = bool(log) and len(ys) > 0 and float(ys.min()) > 0  # nothing (yet) to draw on a log axis: linear
        low, high, y_ticks = y_axis(ys, rows, f.y_range, log)
        y_labels = tuple(tick_label(t, y_ticks, log) for t in y_ticks)
        columns = max(width - max(map(len, y_labels), default=1), 4)
        x_low, x_high = f.x_range or x_extent([x for x, _ in points], 2 * columns)
        whole = all(np.array_equal(x, np.round(x)) for x, _ in points)  # steps, epochs: whole ticks
        x_ticks = spaced_ticks(x_low, x_high, columns, whole)
        if f.bars:  # a bar is as wide as its slot: keep half a slot either side
            half = 0.5 * bar_slot([x for x, _ in points])
            x_low, x_high = x_low - half, x_high + half
        markers = self._markers([len(y) for _, y in points], columns)
        scattered = tuple(s.points for s in f.series)
        lines = tuple((x, y) if scatter else downsample(x, y, columns if f.bars else 2 * columns)
                      for (x, y), scatter in zip(points, scattered))
        y_map = (math.log10(low), math.log10(high)) if log else (low, high)
        dots = tuple(raster(x, np.log10(y) if log else y, (x_low, x_high), y_map, 2 * columns, 4 * rows)
                     for x, y in lines)
        title = (_(DIVERGED) if f.diverged else "") + f.title + self._legend(markers)
        title = shorten(title, width - 2 - width % 2)  # plotext drops a title without a space each side (two, at odd widths)
        return Plan(
            key=(width, height, self.app.theme, title, f.x_label, f.y_label, log, y_ticks, y_labels, x_ticks, f.bars,
                 f.mark, tuple(markers), dots),
            width=width, height=height, title=title, x_label=f.x_label, y_label=_("{label} (log)").format(label=f.y_label) if log else f.y_label,
            log=log, y_limits=y_map, y_ticks=y_ticks, y_labels=y_labels, x_limits=(x_low, x_high), x_ticks=x_ticks,
            lines=lines, scattered=scattered, markers=markers, bars=f.bars, bar_floor=low, mark=f.mark,
            gutter=max(map(len, y_labels), default=0),
        )

    def _draw(self, plan: Plan) -> Text:
        """plotext draws the glyphs (no colors: decoding them costs more than styling by glyph here)."""
        plt = self.plt
        plt.clear_figure()
        plt.plotsize(plan.width, plan.height)
        plt._set_size(plan.width, plan.height)  # as PlotextPlot.render does: plotext needs both to resize
        plt.theme(self.theme)
        columns = plan.width - plan.gutter
        for (x, y), marker, scatter in zip(plan.lines, plan.markers, plan.scattered):
            if not len(y):
                continue
            if scatter:
                plt.scatter(x.tolist(), y.tolist(), marker=marker, color="default")
            elif plan.bars:
                plt.bar(x.tolist(), y.tolist(), marker=marker, color="default", width=bar_width(len(y), columns),
                        reset_ticks=False, minimum=plan.bar_floor)
            else:
                plt.plot(x.tolist(), y.tolist(), marker=marker, color="default")
        if plan.mark is not None:
            plt.vertical_line(plan.mark, color="default")
        plt.title(plan.title)
        plt.xlabel(plan.x_label)
        plt.ylabel(plan.y_label)
        plt.frame(False)
        if plan.log:  # plotext takes the limits of a log axis as powers of ten, and the data and ticks as they are
            plt.yscale("log")
        plt.ylim(*plan.y_limits)
        plt.yticks(plan.y_ticks, plan.y_labels)
        plt.xlim(*plan.x_limits)
        plt.xticks(plan.x_ticks, [tick_label(t, plan.x_ticks) for t in plan.x_ticks])
        drawn = "\n".join(fit_cells(line, plan.width) for line in plt.build().replace(RESET, "").split("\n"))
        return self._styled(drawn, plan)

    def _styled(self, drawn: str, plan: Plan) -> Text:
        """Each series' glyphs in its color, in the plot and in the legend; ticks and labels muted."""
        style = self.get_component_rich_style
        text = Text(drawn, no_wrap=True, overflow="crop")
        lines = drawn.split("\n")
        starts = np.cumsum([0] + [len(line) + 1 for line in lines])
        axis = style("chart--axis")
        glyphs = [(GLYPHS[m], style(SERIES_CLASSES[k % len(SERIES_CLASSES)])) for k, m in enumerate(plan.markers)]
        for row, line in enumerate(lines[1:-2], start=1):
            text.stylize(axis, starts[row], starts[row] + plan.gutter)
            for pattern, series_style in glyphs:
                for match in pattern.finditer(line, plan.gutter):
                    text.stylize(series_style, starts[row] + match.start(), starts[row] + match.end())
        text.stylize(axis, starts[max(len(lines) - 2, 1)], len(drawn))
        at = lines[0].find(plan.title)
        if at >= 0:  # the legend's glyphs, and the word DIVERGED
            for (_pattern, series_style), glyph in zip(glyphs, (LEGEND_GLYPHS.get(m, m) for m in plan.markers)):
                for match in re.finditer(f" {re.escape(glyph)} ", plan.title):
                    text.stylize(series_style, at + match.start() + 1, at + match.start() + 2)
            if plan.title.startswith(_(DIVERGED)):
                text.stylize(style("chart--diverged"), at, at + len(_(DIVERGED)) - 3)
        return text

    def _markers(self, lengths: list[int], columns: int) -> list[str]:
        """Each series' plotext marker: a glyph of its own, so the series differ without color."""
        if self.figure.bars:
            return [BAR_MARKERS[k % len(BAR_MARKERS)] for k in range(len(lengths))]
        markers: list[str] = []
        for k, (length, series) in enumerate(zip(lengths, self.figure.series)):
            if series.points:  # data points: the first glyph not taken, o before x
                markers.append(next((m for m in POINT_MARKERS if m not in markers), POINT_MARKERS[0]))
                continue
            choices = SPARSE_MARKERS if length < columns / 2 else LINE_MARKERS
            markers.append(next((m for m in choices[k:] + choices[:k] if m not in markers), choices[k % len(choices)]))
        return markers

    def _legend(self, markers: list[str]) -> str:
        """' · ⠤ train · ▄ validation' for two or more series (one series is named by the title)."""
        if len(self.figure.series) < 2:
            return ""
        return "".join(f" · {LEGEND_GLYPHS.get(m, m)} {s.label}" for s, m in zip(self.figure.series, markers))


def fit_cells(line: str, width: int) -> str:
    """`line` as wide as the chart: plotext counts a CJK character as one cell, so a title or label line with
    Chinese in it comes out too wide by one cell a character; the spaces around it give the cells back, from both
    ends in turn (a centred title stays centred), then from the widest gap (between the axis labels)."""
    excess = cells(line) - width
    while excess > 0:
        if line.endswith(" "):
            line, excess = line[:-1], excess - 1
        if excess > 0 and line.startswith(" "):
            line, excess = line[1:], excess - 1
        elif excess > 0 and not line.endswith(" "):
            gap = max(re.finditer(" +", line), key=lambda m: len(m.group()), default=None)
            if gap is None:
                return line
            line, excess = line[:gap.start()] + line[gap.start() + 1:], excess - 1
    return line


def finite(series: Series) -> tuple[np.ndarray, np.ndarray]:
    """The series' points with a finite x and y: NaN and ±inf are not drawn."""
    n = min(len(series.xs), len(series.y))
    x, y = series.xs[:n], series.y[:n]
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def downsample(x: np.ndarray, y: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most `points` (+2) points for the whole history: means of buckets of a power-of-two size, the first
    and last value kept as they are. The buckets stay put as the history grows (only the last one fills up),
    so one more value moves one point, not all of them."""
    if len(y) <= points:
        return x, y
    size = 1 << math.ceil(math.log2(len(y) / points))
    starts = np.arange(0, len(y), size)
    counts = np.diff(np.append(starts, len(y)))
    mean_x = np.add.reduceat(x, starts) / counts
    mean_y = np.add.reduceat(y, starts) / counts
    return np.concatenate(([x[0]], mean_x, [x[-1]])), np.concatenate(([y[0]], mean_y, [y[-1]]))


def raster(x: np.ndarray, y: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float],
           columns: int, rows: int) -> bytes:
    """The points as the dots they land on (columns × rows of them): what a redraw would change."""
    (x0, x1), (y0, y1) = x_range, y_range
    at = np.stack([np.round((x - x0) / ((x1 - x0) or 1) * (columns - 1)),
                   np.round((y - y0) / ((y1 - y0) or 1) * (rows - 1))])
    return np.clip(at, -1, max(columns, rows)).astype(np.int32).tobytes()


def log_scale(y: np.ndarray) -> bool:
    """Log when every value is positive and the largest is more than LOG_SPAN times the smallest."""
    return bool(len(y)) and y.min() > 0 and y.max() / y.min() > LOG_SPAN


def y_axis(y: np.ndarray, rows: int, fixed: tuple[float, float] | None, log: bool) -> tuple[float, float, list[float]]:
    """The y range and its ticks: `fixed` as given; else the data's range with round ticks inside it
    (powers of ten on a log axis), widened to the round ticks around it when fewer than two fit (a single
    value gets a band around it)."""
    count = max(2, min(rows // 2 + 1, 6))
    if fixed is not None:
        return fixed[0], fixed[1], nice_ticks(fixed[0], fixed[1], count, inside=True)
    if not len(y):
        return 0.0, 1.0, [0.0, 1.0]
    low, high = float(y.min()), float(y.max())
    if log:  # ticks at powers of ten, every one or every few: inside the data's range if two fit there
        first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
        if last - first < 1:
            first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
            low, high = min(low, 10.0 ** first), max(high, 10.0 ** last)
        every = max(1, math.ceil((last - first) / max(count - 1, 1)))
        return low, high, [10.0 ** k for k in range(first, last + 1, every)]
    if high - low < 1e-12 * max(abs(low), 1.0):
        pad = 0.1 * abs(low) or 0.5
        low, high = low - pad, high + pad
    ticks = nice_ticks(low, high, count, inside=True)
    if len(ticks) < 2:  # a finer step may put two inside
        ticks = nice_ticks(low, high, count + 1, inside=True)
    if len(ticks) < 2:  # too few round numbers inside: widen the range to the ones around it
        ticks = nice_ticks(low, high, count)
        low, high = min(ticks[0], low), max(ticks[-1], high)
    return low, high, ticks


def nice_ticks(low: float, high: float, count: int, inside: bool = False, whole: bool = False) -> list[float]:
    """About `count` round ticks (steps of 1, 2, 2.5 or 5 × 10ⁿ) covering low…high, or within it if
    `inside`; `whole` keeps the step at 1 or more (steps, epochs)."""
    span = high - low
    if not span > 0 or not math.isfinite(span):
        return [low]
    raw = span / max(count - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    if whole:
        step = max(round(step), 1)
    if inside:
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    else:
        first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def spaced_ticks(low: float, high: float, columns: int, whole: bool) -> list[float]:
    """As many round x ticks as `columns` hold with their labels three columns apart (plotext drops a
    label that would touch its neighbour)."""
    count = max(columns // 4, 2)
    while True:
        ticks = nice_ticks(low, high, count, inside=True, whole=whole)
        room = max(len(tick_label(t, ticks)) for t in ticks) + 3
        if count <= 2 or len(ticks) * room <= columns:
            return ticks
        count -= 1


def tick_label(value: float, ticks: Sequence[float], log: bool = False) -> str:
    """A tick as short as its neighbours allow: 0.25, 500, 10000, 1e−05; on a log axis 0.01, 1, 1e9."""
    if value == 0:
        return "0"
    size = max(abs(t) for t in ticks)
    if log and 1e-3 <= value < 1e5:
        return signed(value, "g")
    if log or size >= 1e5 or size < 1e-3:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{signed(float(mantissa), 'g')}e{int(exponent)}".replace("-", "−")
    step = min((abs(b - a) for a, b in zip(ticks, ticks[1:])), default=abs(value)) or abs(value)
    decimals = 0
    if step < 1 or not all(float(t).is_integer() for t in ticks):
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        if round(step, decimals) != round(step, 12):  # 0.25 needs two decimals, not one
            decimals += 1
    return signed(value, f".{decimals}f")


def x_extent(xs: list[np.ndarray], dots: int) -> tuple[float, float]:
    """The x range of every series (1…2 with no data, a band around a single x). A long one ends on a
    multiple of a power of two worth less than a dot of the `dots` across, so a history that grows by
    one point keeps its scale (and its picture) for a while: at most a dot is left empty."""
    filled = [x for x in xs if len(x)]
    if not filled:
        return 1.0, 2.0
    low, high = min(float(x.min()) for x in filled), max(float(x.max()) for x in filled)
    if high == low:
        return low - 0.5, high + 0.5
    if high - low > dots:
        quantum = 2.0 ** math.floor(math.log2((high - low) / dots))
        high = low + math.ceil((high - low) / quantum) * quantum
    return low, high


def bar_slot(xs: list[np.ndarray]) -> float:
    """The x distance between neighbouring bars (1 for a single bar)."""
    gaps = [np.diff(np.unique(x)) for x in xs if len(np.unique(x)) > 1]
    return float(min(g.min() for g in gaps)) if gaps else 1.0


def bar_width(bars: int, columns: int) -> float:
    """A bar's share of its slot: a gap between bars while they are wide enough to show one."""
    return 0.6 if columns / max(bars, 1) >= 3 else 1.0
