"""The glyphs every widget and view draws with: eighth blocks, shades, sparklines, signed numbers.

Each exists once here, so a sparkline or a minus sign looks the same in every lab.
"""

from __future__ import annotations

import numpy as np

EIGHTHS = " ▁▂▃▄▅▆▇█"  # a cell filled 0…8 eighths from the bottom
SHADES = " ░▒▓█"  # five levels, blank to full


def signed(value: float, spec: str = ".3f") -> str:
    """`value` in `spec` with a real minus sign; + 0.0 turns −0 into 0."""
    return format(value + 0.0, spec).replace("-", "−")


def sparkline(values, width: int) -> str:
    """The newest `width` finite values as eighth blocks between their own min and max (a flat run lies at the bottom)."""
    shown = np.asarray(values, dtype=float)[-width:]
    shown = shown[np.isfinite(shown)]
    if not len(shown):
        return ""
    low, span = shown.min(), shown.max() - shown.min()
    levels = np.zeros(len(shown), int) if span < 1e-12 else np.round((shown - low) / span * 7).astype(int)
    return "".join(EIGHTHS[1 + k] for k in levels)


def downsample(values, width: int) -> np.ndarray:
    """Means of `width` equal slices, so a long history fits a short line."""
    values = np.asarray(values, dtype=float)
    if len(values) <= width:
        return values
    return np.array([chunk.mean() for chunk in np.array_split(values, width)])
