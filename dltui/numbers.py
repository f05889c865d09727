"""Reading a number a person typed: one parser for quiz answers and lab controls, so both accept the same forms.

Accepted: 2, −0.5 (any minus sign), .5, 1.5e-3, 1/4, thousands grouped by commas (589,824 or 1,234.5), surrounding
spaces, and all of these typed with a Chinese input method's full-width forms (１２３, １，０００, ０．５, －１, １／４).
Refused, with the reason: everything else, including what Python's float() takes but nobody types on purpose (1_0,
digits of other scripts such as ٣, inf, nan), numbers beyond a float's range, and commas that do not group thousands:
1,2,3 and 0,5 are refused rather than guessed at (a list, or a decimal comma?).

Writing numbers back: `show_number` in a form the parser reads again, `fixed` for a model's numbers in a lab (losses,
weights, V(D, G)), which switches to scientific notation where fixed decimals would mislead.
"""

from __future__ import annotations

import math
import re
import sys

from dltui.i18n import N_, _

FULL_WIDTH = str.maketrans("０１２３４５６７８９，．－＋／ｅＥ−", "0123456789,.-+/eE-")
INTEGER = r"(?:\d{1,3}(?:,\d{3})+|\d+)"  # a comma always starts a group of exactly three digits
NUMBER = re.compile(rf"[+-]?(?:{INTEGER}(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
PLAIN = re.compile(r"[+-]?[\d.]+", re.ASCII)
EXAMPLES = N_("2, −0.5, 1.5e-3, 1/4 or 589,824")


def fold(text: str) -> str:
    """Full-width digits and punctuation (a Chinese input method's) and the minus sign `−` as their ASCII forms."""
    return text.translate(FULL_WIDTH)


def quoted(text: str) -> str:
    """What was typed, quoted for a message: control characters escaped, a long text cut short."""
    return repr(text if len(text) <= 24 else text[:20] + "…")


def show_number(value: float | int) -> str:
    """A number written back to the learner in a form `parse_number` reads: whole numbers grouped (138,357,544),
    others to 6 significant digits, a real minus sign."""
    whole = isinstance(value, int) or (math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15)
    return (f"{int(value):,}" if whole else f"{value:g}").replace("-", "−")


def fixed(value: float, places: int = 3) -> str:
    """A model's number for display: `places` decimals where they show it (0.256, 12.500), scientific notation where
    they would not (3.26e+42 from 10⁵ up; 4.00e−05 where the decimals would round it to 0), and ∞, −∞ or NaN when it is
    not finite, all with a real minus sign. Training can throw a loss or a weight anywhere, so no fixed format fits."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if abs(value) >= 1e5 or 0 < abs(value) < 0.5 * 10**-places:
        return f"{value:.{max(places - 1, 1)}e}".replace("-", "−")
    return f"{value + 0.0:.{places}f}".replace("-", "−")


def parse_number(text: str) -> float | int:
    """The number in `text`: an int for a whole number written without a point, exponent or fraction, else a float.

    Raises ValueError saying why the text is not a number.
    """
    cleaned = fold(text).strip()
    if not cleaned:
        raise ValueError(_("type a number, like {examples}").format(examples=_(EXAMPLES)))
    numerator, slash, denominator = (part.strip() for part in cleaned.partition("/"))
    if not slash:
        return _single(numerator, text)
    top, bottom = _single(numerator, text), _single(denominator, text)
    if bottom == 0:
        raise ValueError(_("a fraction cannot have 0 below the line"))
    try:
        value = top / bottom
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise ValueError(_("{text} is too large").format(text=quoted(text)))
    return value


def _single(part: str, typed: str) -> float | int:
    """One number without a fraction bar; `typed` is the whole text, for the message."""
    if not NUMBER.fullmatch(part):
        raise ValueError(_why(part).format(text=quoted(typed), examples=_(EXAMPLES)))
    digits = part.replace(",", "")
    if not math.isfinite(float(digits)):
        raise ValueError(_("{text} is too large").format(text=quoted(typed)))
    if any(mark in digits for mark in ".eE"):
        return float(digits)
    number = int(digits)
    if abs(number) > sys.float_info.max:  # int() is exact, but every later sum and comparison needs a float
        raise ValueError(_("{text} is too large").format(text=quoted(typed)))
    return number


def _why(part: str) -> str:
    """Why a text that looked like a number is not one, or the forms that are: a message with the fields {text} (what
    was typed, quoted) and {examples}."""
    if "/" in part:
        return _("{text} is not a number: a fraction has one /, like 1/4")
    if any(char.isdigit() and not char.isascii() for char in part):
        return _("{text} is not a number: type the digits 0–9")
    if "_" in part:
        return _("{text} is not a number: leave out the _ (write 1000 or 1,000)")
    if "," in part and NUMBER.fullmatch(re.sub(r"[\s,]", "", part)):
        return _("{text} is not a number: a comma groups thousands, like 589,824, and the decimal point is a full stop, "
                 "like 0.5")
    if len(words := part.split()) > 1 and all(PLAIN.fullmatch(word) for word in words):
        return _("{text} is not a number: it has a space inside")
    if part.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return _("{text} is not a number; only finite numbers count")
    return _("{text} is not a number; type one like {examples}")
