"""One place for the look of every chart: each loss's colour and name, fonts, sizes, the
house layout and the ticks of every log axis.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); a loss
keeps its colour and its name in every chart and caption.

Text sizes: 13 px on a screen; at least 20 px in presentation mode (``presentation=True``
on every builder), for the back row of a lecture hall.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import plotly.graph_objects as go

from lossviz.losses import loss_label
from lossviz.numbers import superscript

OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}

LOSS_COLORS: dict[str, str] = {
    # regression
    "mse": OKABE_ITO["vermillion"],
    "mae": OKABE_ITO["blue"],
    "huber": OKABE_ITO["green"],
    "log_cosh": OKABE_ITO["purple"],
    "quantile": OKABE_ITO["orange"],
    "pseudo_huber": OKABE_ITO["sky"],
    "cauchy": "#8C6D31",
    "tukey": OKABE_ITO["grey"],
    # binary classification
    "cross_entropy": OKABE_ITO["blue"],
    "hinge": OKABE_ITO["vermillion"],
    "squared_hinge": OKABE_ITO["orange"],
    "modified_huber": OKABE_ITO["green"],
    "exponential": OKABE_ITO["purple"],
    "zero_one": "#777777",  # neutral (reference only); black would vanish on the dark theme
    # multiclass
    "softmax_cross_entropy": OKABE_ITO["blue"],
    "multiclass_hinge": OKABE_ITO["vermillion"],
    # user-written
    "custom": "#882255",
}
DASHES: dict[str, str] = {"zero_one": "dot", "custom": "dash"}

# learning-rate schedules (lossviz.SCHEDULES), one colour each in every chart
SCHEDULE_COLORS: dict[str, str] = {
    "constant": OKABE_ITO["grey"],  # the baseline; grey reads on light and dark themes
    "step": OKABE_ITO["orange"],
    "exponential": OKABE_ITO["sky"],
    "cosine": OKABE_ITO["green"],
    "warmup": OKABE_ITO["purple"],
}

DATA_COLOR = "#777777"  # mid grey: about 4:1 contrast on both the light and the dark theme
OUTLIER_COLOR = OKABE_ITO["vermillion"]
CLASS_COLORS = (OKABE_ITO["blue"], OKABE_ITO["orange"])  # class 0, class 1
CLASS_SYMBOLS = ("circle", "diamond")
FONT = "Inter, Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif"


def loss_color(name: str) -> str:
    """The colour of a loss in every chart (``custom`` for user-written losses)."""
    return LOSS_COLORS.get(name, LOSS_COLORS["custom"])


def loss_label_at(name: str, delta: float, *, whole: bool = False) -> str:
    """A loss's name with Huber's δ when it is Huber: ``"Huber (δ = 20,000)"``, ``"MSE"``
    (``whole``: narrow no-break spaces around "=", so that a narrow table cell never
    breaks the brackets as "Huber (δ =" / "1)", and the cell stays as narrow as it can)."""
    eq = "\u202f=\u202f" if whole else " = "
    return loss_label(name) + (f" (δ{eq}{delta:,g})" if name == "huber" else "")


# -- text sizes --------------------------------------------------------------------------------
FONT_SIZE = 13  # chart text on a screen
SMALL_FONT_SIZE = 11  # in-plot notes on a screen (labels on marks, panel notes)
PRESENTATION_FONT_SIZE = 20  # every chart text in presentation mode, notes included
PHONE_WIDTH = 390  # the narrowest page the charts are laid out for (``compact=True``)


def font_size(presentation: bool = False) -> int:
    """The size of chart text (ticks, legend, axis titles): 13 px, or 20 px presenting."""
    return PRESENTATION_FONT_SIZE if presentation else FONT_SIZE


def note_size(presentation: bool = False) -> int:
    """The size of text written inside a plot (labels on marks, notes): 11 px, or 20 px
    presenting (the projector's minimum applies to every text)."""
    return PRESENTATION_FONT_SIZE if presentation else SMALL_FONT_SIZE


def line_width(presentation: bool = False) -> float:
    return 4.0 if presentation else 2.5


def marker_size(presentation: bool = False) -> int:
    return 12 if presentation else 8


# -- the house layout ----------------------------------------------------------------------------
# The few settings of plotly's "plotly_white" template the house look relies on (white
# paper, faint axis lines, left-aligned hover labels): the whole template is 7 KB per figure
# and costs ~10 ms to apply on every build, for colours every trace sets itself anyway.
_AXIS = {"automargin": True, "linecolor": "#EBF0F8", "ticks": "", "zerolinecolor": "#EBF0F8",
         "title": {"standoff": 12}}
HOUSE_TEMPLATE = {"layout": {"paper_bgcolor": "white", "plot_bgcolor": "white",
                             "hoverlabel": {"align": "left"}, "xaxis": _AXIS, "yaxis": _AXIS}}
GRID_COLOR = "rgba(128,128,128,0.2)"
_GRID = {"showgrid": True, "gridcolor": GRID_COLOR, "zeroline": False}


def house_layout(
    *,
    height: int = 380,
    presentation: bool = False,
    x_title: str | None = None,
    y_title: str | None = None,
    title: str | None = None,
    axes: tuple[str, ...] = ("x", "y"),
) -> dict[str, Any]:
    """A fresh layout dict in the house style: fonts, margins, legend on top, light grid.

    ``axes`` names every axis to style (``("x", "y", "x2", "y2")``). The legend sits above
    the plot, from its left edge (the app hides plotly's mode bar, which would cover the
    right end). A plain dict: builders add to it and wrap it in ``go.Figure``.

    Example: ``house_layout(x_title="step", y_title="loss")["font"]["size"]  # 13``
    """
    size = font_size(presentation)
    layout: dict[str, Any] = {
        "font": {"family": FONT, "size": size},
        "margin": {"l": 56, "r": 16, "t": 48 if title else 24, "b": 48},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left",
                   "x": 0.0},
        "height": int(height),
        "hovermode": "closest",
        "hoverlabel": {"font": {"size": size}},
        "template": copy.deepcopy(HOUSE_TEMPLATE),
    }
    if title:
        layout["title"] = {"text": title, "x": 0.0, "xanchor": "left",
                           "font": {"size": size + 2}}
    for name in axes:
        layout[name[0] + "axis" + name[1:]] = dict(_GRID)
    if x_title is not None:
        layout["xaxis"]["title"] = {"text": x_title}
    if y_title is not None:
        layout["yaxis"]["title"] = {"text": wrapped_title(y_title, 0.7 * height, size)}
    return layout


def wrapped_title(text: str, room: float, size: int) -> str:
    """An axis title on two lines, its units in brackets on the second, when one line would
    not fit ``room`` pixels: "food_expenditure<br>(Belgian francs per year)"."""
    if "<br>" in text or " (" not in text or text_width(text, size) <= room:
        return text
    head, _, tail = text.partition(" (")
    return f"{head}<br>({tail}"


def base_layout(
    fig: go.Figure,
    *,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    height: int = 380,
    presentation: bool = False,
    **extra: Any,
) -> go.Figure:
    """Apply the house layout (``house_layout``) to ``fig`` in place and return it: for a
    figure made elsewhere, e.g. in a notebook."""
    layout = house_layout(height=height, presentation=presentation, title=title)
    for key in ("xaxis", "yaxis"):
        layout.pop(key)
    fig.update_layout(layout, **extra)
    fig.update_xaxes(_GRID)
    fig.update_yaxes(_GRID)
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig


def text_width(text: str, size: int) -> float:
    """About how wide ``text`` is in pixels at font ``size`` (a sans-serif, mixed case)."""
    return 0.56 * size * len(text)


def legend_height(names: Iterable[str], width_px: float, *, presentation: bool = False) -> float:
    """About how tall a horizontal legend of ``names`` is, in pixels, when it wraps at
    ``width_px``: entries laid left to right, each its symbol (40 px) and its text wide."""
    size = font_size(presentation)
    rows, used = 0, math.inf
    for name in names:
        w = 40 + text_width(name, size) + 10
        if used + w > width_px:
            rows, used = rows + 1, 0.0
        used += w
    return rows * (size + 13)


# -- log axes ------------------------------------------------------------------------------------


def log_ticks(lo: float, hi: float, *, most: int = 10) -> list[float]:
    """Tick values 1, 2, 5 x 10^k covering ``[lo, hi]`` (positive) and one step beyond.

    With more than ``most`` of them, powers of ten only (every second, third, ... power
    when even those are too many). Plotly's own log ticks label a short range with bare
    digits in two sizes ("5 2 10 5 2 1"), which students misread; these carry full numbers.

    Example: ``log_ticks(0.03, 0.4)  # [0.02, 0.05, 0.1, 0.2, 0.5]``
    """
    lo, hi = max(float(lo), 1e-300), float(hi)
    hi = max(hi, lo)
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    ticks = [m * 10.0**k for k in range(k0 - 1, k1 + 1) for m in (1, 2, 5)]
    # one tick beyond each end: an axis padded past the data gets a label there too (ticks
    # outside the shown range are simply not drawn)
    below = [t for t in ticks if t < lo * (1 - 1e-9)][-1:]
    above = [t for t in ticks if t > hi * (1 + 1e-9)][:1]
    inside = below + [t for t in ticks if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)] + above
    if len(inside) > most:
        powers = list(range(math.floor(math.log10(lo) + 1e-9),
                            math.ceil(math.log10(hi) - 1e-9) + 1))
        every = max(1, math.ceil(len(powers) / most))
        start = powers[0] - powers[0] % every  # multiples of ``every``: 10^-6, 10^-3, 10^0
        inside = [10.0**k for k in range(start, powers[-1] + every, every)]
    return inside


def tick_text(ticks: Iterable[float]) -> list[str]:
    """Labels for log-axis ticks, all in one notation: plain numbers (``0.02``, ``500``)
    when every tick lies in [0.001, 10^5], otherwise powers of ten (``10⁻⁶``, ``2×10⁻⁶``).

    Example: ``tick_text([1e-6, 1e-3, 1.0])  # ["10⁻⁶", "10⁻³", "10⁰"]``
    """
    ticks = [float(t) for t in ticks]
    if all(1e-3 <= t <= 1e5 for t in ticks):
        return [f"{t:.12g}" for t in ticks]
    out = []
    for t in ticks:
        k = math.floor(math.log10(t) + 1e-9)
        m = round(t / 10.0**k, 6)
        power = "10" + superscript(k)
        out.append(power if m == 1 else f"{m:g}×{power}")
    return out


def log_range(values: Iterable[Any], *, pad: float = 0.05) -> tuple[float, float] | None:
    """The positive, finite extent ``(lo, hi)`` of ``values`` (arrays are flattened),
    widened by ``pad`` of its span on a log scale (at least 0.05 decades); None if empty."""
    parts = [np.asarray(v, dtype=np.float64).ravel() for v in values]
    flat = np.concatenate(parts) if parts else np.empty(0)
    flat = flat[np.isfinite(flat) & (flat > 0)]
    if flat.size == 0:
        return None
    a, b = math.log10(float(flat.min())), math.log10(float(flat.max()))
    widen = max(pad * (b - a), 0.05)
    return 10.0 ** (a - widen), 10.0 ** (b + widen)


def log_axis(lo: float, hi: float, *, most: int = 10) -> dict[str, Any]:
    """The properties of a log axis shown over ``[lo, hi]``: its range (in log10 units, as
    plotly takes it) and ticks from ``log_ticks`` labelled by ``tick_text``. Every log axis
    of every chart is made here.

    Example: ``fig.update_yaxes(log_axis(0.02, 8.0))``
    """
    lo = max(float(lo), 1e-300)
    hi = max(float(hi), lo * 1.0001)
    ticks = log_ticks(lo, hi, most=most)
    return {"type": "log", "range": [math.log10(lo), math.log10(hi)], "tickvals": ticks,
            "ticktext": tick_text(ticks)}
