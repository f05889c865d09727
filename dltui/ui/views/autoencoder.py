"""The autoencoder lab. First page: every test digit at its 2-D code, drawn as its own digit, beside the two followed
digits (A and B) going in and coming out, and the numbers (the loss terms, for the VAE A's z = μ + σ·ε step by step).
Then the loss terms per step and each hidden unit's mean activation (against ρ for the sparse AE), the decoded path
from A's code to B's, and the latent map (a grid of codes decoded) beside codes drawn from the prior N(0, I).

Digits are drawn one cell per pixel across and per two pixel rows down (the brighter of the two), so an 8×8 digit is
8×4 cells: terminal cells are about twice as tall as wide, and the digit looks square.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll

from dltui.i18n import _
from dltui.labs.autoencoder import AutoencoderSnapshot
from dltui.numbers import fixed

from ..widgets.chart import Chart, Series
from ..widgets.fitting import Fitted
from ..widgets.readout import Readout
from ..widgets.scatter import Point, Scatter
from ..widgets.shade_image import beside, shade, side_by_side, titled

PICTURES = 26  # three digits of 8 cells and two gaps
TOP = (12, 24)  # the codes and pictures row: its least and most rows
PRIOR_COLUMNS = 4  # prior samples a row


def half_height(images: np.ndarray) -> np.ndarray:
    """(…, 8, 8) → (…, 4, 8): each pair of pixel rows as the brighter of the two, so a digit looks square."""
    images = np.asarray(images)
    return images.reshape(*images.shape[:-2], images.shape[-2] // 2, 2, images.shape[-1]).max(axis=-2)


def digit(image: np.ndarray) -> Text:
    return shade(half_height(image), 0.0, 1.0, width=1)


def pair_text(values: np.ndarray, places: int = 2) -> str:
    """(0.12, −1.30): rounded first, so a mean of 0.003 reads 0.00."""
    return f"({', '.join(fixed(round(float(v), places), places) for v in values)})"


class AutoencoderView(Fitted, VerticalScroll):
    """Codes | A and B in and out; the numbers; loss terms | hidden activity; A → B decoded; the map | prior samples."""

    ESSENTIAL: ClassVar[tuple[str, ...]] = ("#codes", "#pictures", "#numbers")
    """Where every test digit's code lies, how A and B come out, and the loss terms: what every step changes."""

    SHOWS: ClassVar[dict[str, str]] = {"sample": "#top", "pair": "#top", "prior": "#maps"}
    """A new ε or other digits show on the first page; new prior samples beside the map."""

    DEFAULT_CSS = """
    AutoencoderView {
        height: 1fr;
        & > Horizontal { height: auto; }
        & > #top { height: 12; }
        & #codes { width: 1fr; min-width: 30; }
        & #pictures { width: 28; padding: 0 0 0 2; }
        & > Readout { height: auto; padding: 0 1; }
        & > #charts { height: 10; }
        & #charts > Chart { height: 1fr; width: 1fr; padding: 0 1 0 0; }
        & > #path { margin: 1 0 0 0; }
        & #map { width: auto; height: auto; padding: 0 1; }
        & #prior { width: 1fr; height: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Scatter(id="codes")
            yield Readout(id="pictures", markup=False)
        yield Readout(id="numbers", markup=False)
        with Horizontal(id="charts"):
            yield Chart(id="losses")
            yield Chart(id="activity")
        yield Readout(id="path", markup=False)
        with Horizontal(id="maps"):
            yield Readout(id="map", markup=False)
            yield Readout(id="prior", markup=False)

    def show(self, snapshot: AutoencoderSnapshot) -> None:
        s = snapshot
        self.fit(s)
        numbers = self._numbers(s)
        self.query_one("#numbers", Readout).update(numbers)
        room = self.region.height - len(numbers.plain.split("\n"))
        self.query_one("#top").styles.height = min(max(room, TOP[0]), TOP[1])
        self._codes(s)
        self.query_one("#pictures", Readout).update(self._pictures(s))
        self._charts(s)
        if self.in_view("#path"):
            path = side_by_side([digit(image) for image in s.interpolation],
                                ["A"] + [""] * (len(s.interpolation) - 2) + ["B"], gap=1)
            self.query_one("#path", Readout).update(titled(path, _("decoded along the line from A's code to B's")))
        if self.in_view("#maps"):
            self._maps(s)

    def _codes(self, s: AutoencoderSnapshot) -> None:
        scatter = self.query_one(Scatter)
        a, b = s.pair
        points = [Point(x, y, str(label), f"scatter--class-{label % 2}") for (x, y), label in zip(s.codes, s.labels)]
        points += [Point(*s.codes[a], "A", "scatter--wrong"), Point(*s.codes[b], "B", "scatter--wrong")]
        if s.trace is not None:
            points.append(Point(*s.trace.z, "*", "scatter--wrong"))
        x_lo, x_hi, y_lo, y_hi = s.bounds
        inside = [p for p in points if x_lo <= p.x <= x_hi and y_lo <= p.y <= y_hi]
        ends = s.codes[[a, b]]
        line = (list(ends[:, 0]), list(ends[:, 1])) if np.isfinite(ends).all() else None
        scatter.plot(inside, line, s.bounds)
        what = _("μ of {count} test digits · A → B") if s.kind == "vae" else _("code of {count} test digits · A → B")
        scatter.border_title = what.format(count=len(s.codes))
        scatter.border_subtitle = f"z₁ {fixed(x_lo, 1)}…{fixed(x_hi, 1)} · z₂ {fixed(y_lo, 1)}…{fixed(y_hi, 1)}"

    def _pictures(self, s: AutoencoderSnapshot) -> Text:
        """A and B: what goes in, what comes out, and the third picture of the kind (the clean target, a sampled z)."""
        blocks = []
        for k, name in enumerate("AB"):
            if s.kind == "denoising":
                row = [(s.inputs[k], _("{name} noisy").format(name=name)), (s.outputs[k], _("{name} out").format(name=name)),
                       (s.targets[k], _("{name} clean").format(name=name))]
            else:
                row = [(s.inputs[k], _("{name} in").format(name=name)), (s.outputs[k], _("{name} out").format(name=name))]
                if s.kind == "vae" and k == 0:
                    row.append((s.sampled, _("A from z")))
            blocks.append(side_by_side([digit(image) for image, _title in row], [title for _image, title in row], gap=1))
        text = blocks[0]
        text.append("\n")
        text.append_text(blocks[1])
        return text

    def _numbers(self, s: AutoencoderSnapshot) -> Text:
        penalty = s.penalty_name
        setting = {"denoising": " · " + _("noise σ {noise}").format(noise=f"{s.noise:g}"),
                   "sparse": f" · ρ {s.rho:g} · β {s.beta:g}", "vae": f" · β {s.beta:g}"}.get(s.kind, "")
        lines = [_("{kind}{setting} · epoch {epoch}/{epochs} · step {step}").format(
            kind=_(s.kind), setting=setting, epoch=s.epoch, epochs=s.max_epochs, step=s.step)]
        if s.step:
            if penalty:
                lines.append(_("nats per image, batch: reconstruction {reconstruction} · {penalty} {value} · loss {loss}").format(
                    reconstruction=fixed(s.reconstruction[-1], 2), penalty=_(penalty), value=fixed(s.penalty[-1], 2),
                    loss=fixed(s.loss[-1], 2)))
            else:
                lines.append(_("nats per image, batch: reconstruction {reconstruction}").format(
                    reconstruction=fixed(s.reconstruction[-1], 2)))
        if penalty:
            lines.append(_("test: reconstruction {reconstruction} · {penalty} {value} · error {error} per pixel").format(
                reconstruction=fixed(s.test_reconstruction, 2), penalty=_(penalty), value=fixed(s.test_penalty, 2),
                error=fixed(s.test_error, 4)))
        else:
            lines.append(_("test: reconstruction {reconstruction} · error {error} per pixel").format(
                reconstruction=fixed(s.test_reconstruction, 2), error=fixed(s.test_error, 4)))
        if s.kind == "denoising":
            lines.append(_("noisy test inputs: error {noisy} per pixel; outputs {outputs}").format(
                noisy=fixed(s.noisy_error, 4), outputs=fixed(s.test_error, 4)))
        if s.kind == "sparse":
            rho = s.hidden_mean
            lines.append(_("ρ̂ of the {count} hidden units: mean {mean} ({low}…{high}), target ρ {rho}").format(
                count=len(rho), mean=fixed(rho.mean(), 3), low=fixed(rho.min(), 3), high=fixed(rho.max(), 3),
                rho=f"{s.rho:g}"))
        if s.trace is not None:
            t = s.trace
            lines += [f"A: μ {pair_text(t.mu)}  log σ² {pair_text(t.logvar)}  σ {pair_text(t.sigma)}",
                      f"   ε {pair_text(t.eps)} → z = μ + σ·ε {pair_text(t.z)}"]
        lines.append(_("codes: mean {mean} std {std} · prior (0, 0), (1, 1)").format(
            mean=pair_text(s.code_mean), std=pair_text(s.code_std)))
        return Text("\n".join(lines))

    def _charts(self, s: AutoencoderSnapshot) -> None:
        steps = np.arange(1, len(s.reconstruction) + 1)
        series = [Series(_("reconstruction"), s.reconstruction, steps)]
        if penalty := s.penalty_name:
            series.append(Series(_(penalty), s.penalty, steps))
        log = bool(penalty) and len(s.penalty) > 0 and s.penalty.min() > 0  # the terms differ 10-fold: log shows both
        self.query_one("#losses", Chart).show(_("loss terms"), series, x_label=_("step"), y_label=_("nats"), log=log,
                                              diverged=s.diverged)
        units = np.arange(1, len(s.hidden_mean) + 1)
        target = [Series("ρ", [s.rho, s.rho], [1, len(units)])] if s.kind == "sparse" else []
        activity = target + [Series("ρ̂", s.hidden_mean, units, points=True)]  # the points drawn over the line
        self.query_one("#activity", Chart).show(_("hidden units' mean"), activity, x_label=_("unit"), y_label="ρ̂",
                                                y_range=(0, 1))

    def _maps(self, s: AutoencoderSnapshot) -> None:
        """The largest map that fits beside the prior samples and on one page."""
        width = self.room - PRIOR_COLUMNS * 9 - 2
        height = self.region.height - 2
        fits = [size for size in s.maps if 8 * size <= width and 4 * size <= height]
        size = max(fits, default=min(s.maps))
        images = half_height(s.maps[size])  # (M, M, 4, 8)
        mosaic = images.transpose(0, 2, 1, 3).reshape(4 * size, 8 * size)
        x_lo, x_hi, y_lo, y_hi = s.bounds
        title = _("map: z₁ {z1_from}→{z1_to}, z₂ {z2_from}↓{z2_to}").format(
            z1_from=fixed(x_lo, 1), z1_to=fixed(x_hi, 1), z2_from=fixed(y_hi, 1), z2_to=fixed(y_lo, 1))
        self.query_one("#map", Readout).update(titled(shade(mosaic, 0.0, 1.0, width=1), title))
        rows = [beside([digit(image) for image in s.prior_images[k:k + PRIOR_COLUMNS]], 1)
                for k in range(0, len(s.prior_images), PRIOR_COLUMNS)]
        prior = Text(_("z ~ N(0, I), decoded") + "\n", no_wrap=True)
        for row in rows:
            prior.append_text(row)
            prior.append("\n\n")
        prior.append(_("nearest test code: {gap}× the\nspacing between codes (median)").format(gap=fixed(s.prior_gap, 1)))
        self.query_one("#prior", Readout).update(prior)
