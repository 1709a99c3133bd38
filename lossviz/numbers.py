"""Numbers written for people: in a sentence, on a card, in a table column, on a chart.

Never Python's e-notation (``1.07e+05``): a student reads ``-107,000`` or ``7.9×10⁸``. The
core (a run's ``describe()``), the figures and the pages all write numbers through these.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(k: int) -> str:
    """An integer as superscript digits, for a power of ten: ``superscript(-5)  # "⁻⁵"``."""
    return str(k).translate(_SUPERSCRIPT)


def number_text(value: float, digits: int = 2) -> str:
    """A number for a note on a chart: ``digits`` significant digits, and powers of ten
    written out beyond [0.001, 10^5] (``2.5×10⁹``, not ``2.5e+09``).

    Example: ``number_text(7.9e8)  # "7.9×10⁸"``
    """
    value = float(value)
    if not math.isfinite(value):
        return "∞" if value > 0 else ("−∞" if value < 0 else "not a number")
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{float(f'{value:.{digits}g}'):.12g}"
    k = math.floor(math.log10(abs(value)))
    m = float(f"{value / 10.0**k:.{digits}g}")
    if abs(m) >= 10:  # 9.96 rounded up to 10
        m, k = m / 10, k + 1
    power = "10" + superscript(k)
    return power if m == 1 else f"{m:g}×{power}"


def figure_text(value: float, digits: int = 3, *, grouped_below: float = 1e9) -> str:
    """A number in a sentence: ``digits`` significant digits, thousands grouped, trailing
    zeros dropped (-107,000 dollars, not -1.07e+05; 6.6; 0.0123); powers of ten written out
    beyond [0.001, ``grouped_below``) (``number_text``: 1.14×10¹⁰).

    Example: ``figure_text(-106_942.3)  # "-107,000"``
    """
    value = float(value)
    if not math.isfinite(value) or value == 0 or not 1e-3 <= abs(value) < grouped_below:
        return number_text(value, digits)
    rounded = float(f"{value:.{digits}g}")
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
    text = f"{rounded:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def value_text(value: float, digits: int = 3) -> str:
    """A computed value in a sentence (``figure_text``), or what it is when it is not a
    number: past a float's range (e⁷⁸⁵⁴ at a diverged fit's margin) it overflowed, so it is
    "over 10³⁰⁸", never "inf"; NaN is "undefined".

    Example: ``value_text(float("inf"))  # "over 10³⁰⁸"``
    """
    value = float(value)
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "over 10³⁰⁸" if value > 0 else "below −10³⁰⁸"
    return figure_text(value, digits)


def line_text(w: float, b: float, digits: int = 3) -> str:
    """A line as a person writes it, through ``figure_text``: ``y = 1.76 x + 2.79``,
    ``y = 6.6 x − 34,100`` (a minus sign, spaces around it; never ``x +3.41e+04``).

    Example: ``line_text(1.0, 0.0)  # "y = 1 x + 0"``
    """
    sign = "−" if b < 0 else "+"
    return f"y = {figure_text(w, digits)} x {sign} {figure_text(abs(b), digits)}"


def card_text(value: float) -> str:
    """A number on a metric card, whose column can be ~180 px wide: four significant digits,
    grouped up to a million, a power of ten beyond (22,620; 8.379×10⁸, not 837,900,000)."""
    return figure_text(value, 4, grouped_below=1e6)


def column_texts(values: Iterable[float], digits: int = 4) -> list[str]:
    """A table column's numbers with the same decimals, about ``digits`` significant ones
    for the largest: 0.6170 above 0.7104 (not 0.617), 15,020 (not 1.502e+04)."""
    values = [float(v) for v in values]
    top = max((abs(v) for v in values if math.isfinite(v) and v != 0), default=1.0)
    decimals = max(0, digits - 1 - math.floor(math.log10(top)))
    return [f"{v:,.{decimals}f}" for v in values]
