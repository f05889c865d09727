"""A horizontal bar in eighth-cell steps, for bars laid out in lines of text (probabilities, gradient norms)."""

from __future__ import annotations

LEFT_EIGHTHS = " ▏▎▍▌▋▊▉█"


def hbar(fraction: float, width: int) -> str:
    """A horizontal bar `fraction` (0…1) of `width` cells long, in eighth-cells, padded to `width`."""
    eighths = round(min(max(fraction, 0.0), 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (LEFT_EIGHTHS[part] if part else "")).ljust(width)
