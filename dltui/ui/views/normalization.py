"""The normalization lab's three parts, each one page at 80×24: a deep net's per-layer activation and gradient
sizes as log-scale bars; one batch-norm layer's stages as matrices, one row per feature (channel), so every statistic
batch norm takes runs along a row; and the loss curves of the deep net trained with and without batch norm."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll

from dltui.i18n import N_, _
from dltui.labs.normalization import STAGES, BatchNormStep, NormalizationSnapshot, Stability, init_text
from dltui.numbers import fixed

from ..widgets.bars import hbar
from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.matrix_grid import Grid, MatrixGrids
from ..widgets.readout import Readout

BAR = 12
DECADES = 3  # a log bar's scale spans at least this many factors of 10: small differences stay small
CHART = (8, 24)  # the loss chart's least and most rows
STAGE = {name: k for k, name in enumerate(STAGES)}
FORMULAS = {
    "x": N_("A new batch. Each row is one feature, and batch norm works along the rows."),
    "mean": N_("μ = the mean of each row over the batch (one number per feature)"),
    "variance": N_("σ² = the mean of (x − μ)² over the row (biased: divided by m)"),
    "normalize": N_("x̂ = (x − μ)/√(σ² + ε), ε = 10⁻⁵: every row now has mean 0, variance 1"),
    "scale": N_("y = γ·x̂ + β: learned per feature, so the layer can undo the normalization"),
    "running": N_("running ← 0.9·running + 0.1·batch (variance unbiased: ×m/(m−1))"),
    "eval": N_("Eval mode: (x − running μ)/√(running σ² + ε)·γ + β: no batch statistics"),
    "layer norm": N_("Layer norm: μ and σ per sample, over all its values (columns, not rows)"),
}
COLUMNS = ((N_("layer"), 0), (N_("mean h"), 9), (N_("std h, log scale"), 18), (N_("std ∂L/∂h, log scale"), 45),
           (N_("units"), 71))
"""The stability table's column titles and the cell each starts at."""


def log_bars(values: np.ndarray) -> list[str]:
    """Each value as a bar on a log scale ending at the column's largest value and spanning at least DECADES (or down
    to its smallest positive value); every positive value gets at least a sliver, 0 no bar."""
    positive = values[values > 0]
    high = math.log10(positive.max()) if positive.size else 0.0
    low = min(math.log10(positive.min()), high - DECADES) if positive.size else high - DECADES
    return [hbar(max((math.log10(v) - low) / (high - low), 1 / (8 * BAR)), BAR) if v > 0 else " " * BAR
            for v in values]


def header(columns: tuple[tuple[str, int], ...]) -> str:
    """The column titles (translated) each from its cell, at least a space apart, counted in terminal cells."""
    line = ""
    for title, start in columns:
        line += " " * (start - cell_len(line) if cell_len(line) < start else min(cell_len(line), 1)) + _(title)
    return line


def by_row(a: np.ndarray) -> np.ndarray:
    """N × C (× H × W) as C rows of every value of that channel: the numbers each statistic is taken over."""
    return np.moveaxis(a, 1, 0).reshape(a.shape[1], -1)


class NormalizationView(Fitted, VerticalScroll):
    """A heading line for the part, then its picture: a table, matrices or a chart."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#head", "#picture")
    """The part's heading and its whole picture."""

    SHOWS: ClassVar[dict[str, str]] = {}
    """Every part is one page at 80×24: nothing to turn to."""

    DEFAULT_CSS = """
    NormalizationView {
        height: 1fr;
        & > Readout { height: auto; padding: 0 1; }
        & > #picture { height: auto; padding: 0 1; }
        & #table { height: auto; }
        & #losses { height: 10; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Readout(id="head", markup=False)
        with Vertical(id="picture"):
            yield Readout(id="table", markup=False)
            yield MatrixGrids(id="grids")
            yield Chart(id="losses")

    def show(self, snapshot: NormalizationSnapshot) -> None:
        s = snapshot
        self.fit(s)
        table, grids, chart = self.query_one("#table", Readout), self.query_one(MatrixGrids), self.query_one(Chart)
        table.display, chart.display = s.part != "batch-norm", s.part == "training"
        if s.part == "stability":
            head, body = self._stability(s, s.stability)
            table.update(body)
            grids.show([])
        elif s.part == "batch-norm":
            head = self._batch_norm(s.bn, s.stage, grids)
        else:
            head = Text(_("{depth} layers × {width} units, {activation}, init {init}; the same weights with and "
                          "without a BatchNorm1d before each activation. Loss in eval mode (running statistics).").format(
                depth=s.depth, width=s.width, activation=s.activation, init=_(s.init)))
            accuracy, loss = s.accuracy or {}, {name: fixed(v[-1], 3) for name, v in s.losses.items()}
            body = Text(_("epoch {epoch}/{epochs} · plain: loss {plain_loss}, {plain_right} right · batch norm: loss "
                          "{normed_loss}, {normed_right} right").format(
                epoch=s.epoch, epochs=s.epochs, plain_loss=loss["plain"], plain_right=f"{accuracy.get('plain', 0):.0%}",
                normed_loss=loss["batch norm"], normed_right=f"{accuracy.get('batch norm', 0):.0%}"))
            table.update(body)
            grids.show([])
            rest = head.cell_len // max(self.room, 1) + 3
            chart.styles.height = min(max(self.region.height - rest, CHART[0]), CHART[1])
            epochs = np.arange(len(s.losses["plain"]))
            chart.show(_("BCE loss, eval mode"), [Series(_(name), s.losses[name], epochs) for name in ("plain", "batch norm")],
                       x_label=_("epoch"), y_label=_("loss"), diverged=s.diverged)
        self.query_one("#head", Readout).update(head)

    def _stability(self, s: NormalizationSnapshot, st: Stability) -> tuple[Text, Text]:
        """One row per hidden layer: activations' mean and std, the gradient's std, and how many units differ."""
        head = Text(_("{depth} layers × {width} {activation} units, init {init}: {draw}").format(
            depth=s.depth, width=s.width, activation=s.activation, init=_(s.init), draw=init_text(s.init, s.width))
            + "\n" + _("one forward and backward pass, batch of 64, seed {seed}, loss {loss}").format(
                seed=s.seed, loss=fixed(st.loss, 3)))
        lines = [header(COLUMNS)]
        for layer, (mean, std, bar, grad, grad_bar, units) in enumerate(zip(
                st.mean, st.std, log_bars(st.std), st.grad_std, log_bars(st.grad_std), st.distinct), start=1):
            lines.append(f"{layer:>5} {fixed(mean, 3):>9}  {bar} {fixed(std, 3):>9}   {grad_bar} {fixed(grad, 3):>9}"
                         f"   {units:>2}/{s.width}")
        lines += [_("units: how many of the {width} differ on some sample").format(width=s.width),
                  _("bars: each column on its own log scale")]
        return head, Text("\n".join(lines))

    def _batch_norm(self, bn: BatchNormStep, stage: int, grids: MatrixGrids) -> Text:
        """Four matrices for the stage, rows = features (channels); not yet computed cells show ·."""
        fc = bn.layer == "fc"
        rows = [f"{'f' if fc else 'c'}{c + 1}" for c in range(bn.x.shape[1])]
        if fc:
            cols = [f"s{n + 1}" for n in range(bn.x.shape[0])]
        else:
            cols = [f"{n + 1}{h}{w}" for n in range(bn.x.shape[0]) for h in range(bn.x.shape[2]) for w in range(bn.x.shape[3])]
        cell = 6 if fc else 5
        at = lambda name, values: values if stage >= STAGE[name] else np.full_like(values, np.nan)  # noqa: E731

        def grid(title: str, values: np.ndarray, columns=cols, labels=rows) -> Grid:
            return Grid.of(title, values, labels, columns, cell=cell, max_cols=12)

        stats = np.column_stack([at("mean", bn.mean), at("variance", bn.var), bn.gamma, bn.beta])
        running = np.column_stack([bn.running_before[0], at("running", bn.running_after[0]),
                                   bn.running_before[1], at("running", bn.running_after[1])])
        x = grid("x" if fc else _("x (cols: sample, h, w)"), by_row(bn.x))
        y = grid(_("y = γx̂ + β (train)"), by_row(at("scale", bn.y)))
        name = STAGES[stage]
        if stage <= STAGE["scale"]:
            shown = [x, grid(_("batch μ, σ²; γ, β"), stats, ("μ", "σ²", "γ", "β")),
                     grid("x̂", by_row(at("normalize", bn.x_hat))), y]
        elif name == "running":
            shown = [x, grid(_("batch μ, σ²; γ, β"), stats, ("μ", "σ²", "γ", "β")),
                     grid(_("running μ, σ²: before, after"), running, ("μ", "μ'", "σ²", "σ²'")), y]
        elif name == "eval":
            shown = [x, grid(_("running μ, σ²: before, after"), running, ("μ", "μ'", "σ²", "σ²'")),
                     y, grid(_("y in eval mode (running stats)"), by_row(bn.y_eval))]
        else:
            samples = [f"s{n + 1}" for n in range(bn.x.shape[0])]
            shown = [x, grid(_("per sample μ, σ"), np.column_stack([bn.ln_mean, bn.ln_std]), ("μ", "σ"), samples),
                     grid(_("layer norm (γ = 1, β = 0)"), by_row(bn.ln_y)), y]
        grids.show(shown)
        what = _("4 samples × 3 features, BatchNorm1d") if fc else _("2 samples × 2 channels × 2×2, BatchNorm2d")
        return Text(_("Batch {batch} ({what}), stage {stage}/{stages} {name}").format(
            batch=bn.batch, what=what, stage=stage + 1, stages=len(STAGES), name=_(name)) + "\n" + _(FORMULAS[name]))
