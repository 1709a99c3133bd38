"""Pictures of binary and multiclass classification losses: pure builders, no streamlit.

- ``margin_figure``: every surrogate loss and its slope against the margin ``m = (2y - 1) f``,
  with the training points placed on each curve (scikit-learn's classic plot, made live).
- ``boundary_data`` / ``boundary_figure`` / ``boundary_states``: the data, each loss's
  decision boundary ``f = 0`` (and the hinge's margin lines ``f = +-1``), the predicted
  probability as shading, at one training step (the last by default), and at every shown
  step for the browser to play or scrub (``lossviz.figures.states``). In 2-D both axes
  have one scale and the plot is as wide as the chart (``aspect``); the legacy one-call
  form ``boundary_figure(x, y, fits)`` returns the animated figure for a notebook.
- ``probability_figure``: the loss as a function of the probability given to the true class.
- ``softmax_figure``: softmax probabilities and the cross-entropy gradient ``p - onehot``.

Example::

    data = margin_data(["hinge", "cross_entropy"], point_margins=[-1.0, 0.5, 2.0])
    margin_figure(data)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from lossviz.classify import (
    sigmoid,
)
from lossviz.figures._spec import Spec, build, figure, round_sig
from lossviz.figures.states import States, with_frames
from lossviz.figures.style import (
    CLASS_COLORS,
    CLASS_SYMBOLS,
    DASHES,
    DATA_COLOR,
    PHONE_WIDTH,
    font_size,
    house_layout,
    legend_height,
    line_width,
    loss_color,
    loss_label,
    marker_size,
    note_size,
    text_width,
)
from lossviz.losses import SURROGATES, get_loss, softmax

LN2 = math.log(2.0)
CURVE_POINTS = 181
SHADING_GRID = 20  # cells per side of the probability shading (smoothed by the browser)
BOUNDARY_STATES = 40
WIDE_ASPECT = 1.6  # the plot area's width / height of a 2-D boundary chart on a wide page
BESIDE_ASPECT = 1.3  # ... in a column beside a lesson step (at most 640 px wide)
NARROW_ASPECT = 1.0  # ... on a phone
# A projector's legend in a narrow chart beside a lesson step: the largest size that lays
# two entries a row, at least the laptop's 13 px (one a row, the plot is a strip). A chart
# given a width of 560 px is 460 px wide beside a step at 1024x768 (measured): the size is
# chosen for that.
BESIDE_LEGEND_SIZE = 13
NARROWEST_SHARE = 460 / 560
_POINT_KEY = "#777777"  # the neutral colour of the legend keys for point markers


def _f32(values: Any) -> np.ndarray:
    # Screen precision; halves the bytes sent to the browser.
    return np.asarray(values, dtype=np.float32)


def _symbols(values: np.ndarray, lo: float, hi: float, flipped: np.ndarray,
             x: np.ndarray | None = None, x_range: tuple[float, float] | None = None) -> Any:
    """Marker symbols as plotly's numeric codes (compact): a circle, or a triangle pointing
    off the chart for a value beyond its edge (up 5, down 6, left 7, right 8); hollow
    (code + 100) for a flipped label."""
    codes = np.where(values > hi, 5, np.where(values < lo, 6, 0))
    if x is not None and x_range is not None:
        codes = np.where(x < x_range[0], 7, np.where(x > x_range[1], 8, codes))
    if not codes.any() and not flipped.any():
        return "circle"
    # a list of ints: plotly checks each symbol, ~6x faster on Python ints than numpy's
    return (codes + np.where(flipped, 100, 0)).astype(int).tolist()


def curve_label(name: str, *, bits: bool = False) -> str:
    """The legend name of a loss; cross-entropy says when it is drawn in bits."""
    if name == "cross_entropy" and bits:
        return f"{loss_label(name)} (bits)"
    return loss_label(name)


def margin_values(name: str, m: Any, *, bits: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A loss and its slope at margins ``m``; cross-entropy divided by ``ln 2`` when ``bits``.

    ``log2(1 + e^-m) = ln(1 + e^-m) / ln 2`` equals 1 at ``m = 0``, where it touches the
    0-1 loss; in nats (lossviz's default, natural log) it is ``ln 2 = 0.693`` there.

    Example: ``margin_values("cross_entropy", [0.0], bits=True)  # ([1.0], [-0.7213])``
    """
    loss = get_loss(name)
    m = np.asarray(m, dtype=np.float64)
    if m.size == 0:
        return np.empty(0), np.empty(0)
    scale = 1.0 / LN2 if (bits and name == "cross_entropy") else 1.0
    return loss.elementwise(m) * scale, loss.derivative(m) * scale


class MarginData(NamedTuple):
    """The data step of ``margin_figure``.

    ``m``: the margin grid; ``values[name]`` / ``slopes[name]``: each loss and its derivative
    on it (``zero_one`` always included for reference). ``point_m``: the training points'
    margins; ``point_values[name]`` / ``point_slopes[name]``: their loss and slope.
    ``labels`` and ``flipped`` describe the points (for hover text and marker shapes).
    """

    names: tuple[str, ...]
    m: np.ndarray
    values: dict[str, np.ndarray]
    slopes: dict[str, np.ndarray]
    point_m: np.ndarray
    point_values: dict[str, np.ndarray]
    point_slopes: dict[str, np.ndarray]
    labels: np.ndarray
    flipped: np.ndarray
    bits: bool


def margin_data(
    names: Sequence[str],
    *,
    point_margins: Any = (),
    labels: Any = None,
    flipped: Any = None,
    bits: bool = False,
    m_range: tuple[float, float] | None = None,
    n: int = CURVE_POINTS,
) -> MarginData:
    """Curves of the losses ``names`` (plus the 0-1 loss) and the points' places on them.

    The margin axis spans ``m_range``, by default [-3, 3] widened to show the points, down
    to -8 on the wrong side but only up to 4 on the right side: past m = 4 every loss is
    nearly 0, and a long flat tail would squeeze the interesting part. Points beyond the
    axis are drawn at its edge by ``margin_figure``.
    """
    pm = np.asarray(point_margins, dtype=np.float64).reshape(-1)
    if m_range is None:
        lo = min(-3.0, float(pm.min()) - 0.3) if pm.size else -3.0
        hi = max(3.0, float(pm.max()) + 0.3) if pm.size else 3.0
        m_range = (max(lo, -8.0), min(hi, 4.0))
    m = np.linspace(m_range[0], m_range[1], n)
    if 0.0 not in m:  # the 0-1 jump and the cross-entropy touch point sit exactly at m = 0
        m = np.sort(np.append(m, 0.0))
    shown = tuple(dict.fromkeys([*names, "zero_one"]))
    values, slopes, pv, ps = {}, {}, {}, {}
    for name in shown:
        values[name], slopes[name] = margin_values(name, m, bits=bits)
        pv[name], ps[name] = margin_values(name, pm, bits=bits)
    labels = np.zeros(pm.size) if labels is None else np.asarray(labels, dtype=np.float64)
    flipped = np.zeros(pm.size, bool) if flipped is None else np.asarray(flipped, dtype=bool)
    return MarginData(shown, m, values, slopes, pm, pv, ps, labels, flipped, bits)


@figure
def margin_figure(
    data: MarginData,
    *,
    y_max: float = 5.0,
    slope_min: float = -4.5,
    show_points: bool = True,
    height: int = 560,
    compact: bool = False,
    presentation: bool = False,
) -> Spec:
    """Loss (top) and slope dl/dm (bottom) against the margin, points placed on each curve.

    Values beyond the plotted range are drawn at its edge as triangles (their true values
    are in the hover text), so a badly wrong point never disappears off the chart; the
    legend explains the point markers (and the hollow ones of flipped labels, and the
    triangles, when there are any). ``compact``: a shorter axis title for a phone's width.
    """
    traces: list[dict[str, Any]] = []
    width = line_width(presentation)
    hover_pt = ("point %{customdata[0]}<br>margin m = %{customdata[2]:.3f}<br>"
                "%{fullData.name}: %{customdata[1]:.4g}<extra></extra>")
    x_range = (float(data.m[0]), float(data.m[-1]))
    shown_m = np.clip(data.point_m, *x_range)
    index = np.arange(1, data.point_m.size + 1)
    m32 = _f32(data.m)
    panels = {1: {"xaxis": "x", "yaxis": "y"}, 2: {"xaxis": "x2", "yaxis": "y2"}}
    for name in data.names:
        label = curve_label(name, bits=data.bits)
        color = loss_color(name)
        dash = DASHES.get(name, "solid")
        traces.append(dict(
            type="scatter", x=m32, y=_f32(data.values[name]), mode="lines", name=label,
            legendgroup=name, line=dict(color=color, width=width, dash=dash),
            hovertemplate=f"{label}<br>m = %{{x:.3f}}<br>loss %{{y:.4g}}<extra></extra>",
            **panels[1],
        ))
        traces.append(dict(
            type="scatter", x=m32, y=_f32(data.slopes[name]), mode="lines", name=label,
            legendgroup=name, showlegend=False, line=dict(color=color, width=width, dash=dash),
            hovertemplate=f"{label}<br>m = %{{x:.3f}}<br>slope %{{y:.4g}}<extra></extra>",
            **panels[2],
        ))
        if not show_points or data.point_m.size == 0 or name == "zero_one":
            continue
        for row, values, lo, hi in (
            (1, data.point_values[name], -math.inf, y_max),
            (2, data.point_slopes[name], slope_min, math.inf),
        ):
            traces.append(dict(
                type="scatter", x=_f32(shown_m), y=_f32(np.clip(values, lo, hi)),
                mode="markers", name=label, legendgroup=name, showlegend=False,
                marker=dict(color=color, size=marker_size(presentation) - 1,
                            symbol=_symbols(values, lo, hi, data.flipped, data.point_m,
                                            x_range),
                            line=dict(color=color, width=1.5)),
                customdata=_f32(np.column_stack([index, values, data.point_m])),
                hovertemplate=hover_pt.replace("%{fullData.name}", f"{label} "
                                               + ("loss" if row == 1 else "slope")),
                **panels[row],
            ))
    shapes = [
        dict(type="line", xref=xr, yref=f"{yr} domain", x0=x0, x1=x0, y0=0, y1=1,
             line=dict(color=c, width=1, dash=d))
        for xr, yr in (("x", "y"), ("x2", "y2"))
        for x0, c, d in ((0.0, "rgba(0,0,0,0.35)", "solid"), (1.0, "rgba(0,0,0,0.25)", "dot"))
    ]
    if show_points and data.point_m.size and any(n != "zero_one" for n in data.names):
        traces += _point_keys(data, y_max, slope_min, x_range, presentation)
    size = note_size(presentation)
    # Where no curve runs: every surrogate is above ln 2 left of m = 0 (foot of the loss
    # panel), every slope near 0 right of m = 1 (foot of the slope panel). The tops of the
    # panels hold the points beyond them.
    annotations = [
        dict(x=0.0, y=0.0, xref="x", yref="y domain", showarrow=False, xanchor="right",
             yanchor="bottom", xshift=-3, font=dict(size=size),
             text="m = 0" if compact else "m = 0 (boundary)"),
        dict(x=1.0, y=0.0, xref="x2", yref="y2 domain", showarrow=False, xanchor="left",
             yanchor="bottom", xshift=3, font=dict(size=size),
             text="m = 1" if compact else "m = 1 (hinge margin)"),
    ]
    if data.bits and "cross_entropy" in data.names:
        # the text to the upper right, where every curve has fallen below 1
        # (on two lines in a narrow chart, which the one line would run out of)
        text = "touches the<br>0-1 loss here" if compact else "touches the 0-1 loss here"
        annotations.append(dict(x=0.0, y=1.0, xref="x", yref="y", text=text, ax=30, ay=-40,
                                xanchor="left", showarrow=True, arrowhead=2,
                                font=dict(size=size)))
    layout = house_layout(height=height + (80 if presentation else 0),
                          presentation=presentation, axes=("x", "y", "x2", "y2"))
    layout.update(shapes=shapes, annotations=annotations)
    layout["xaxis"].update(anchor="y", matches="x2", showticklabels=False, range=list(x_range))
    layout["xaxis2"].update(
        anchor="y2", range=list(x_range),
        title={"text": "margin m = (2y − 1) f" if compact
               else "margin m = (2y − 1) f(x)<br>(wrong side ← 0 → right side)"},
    )
    layout["yaxis"].update(domain=[0.41, 1.0], anchor="x", title={"text": "loss"},
                           range=[-0.2, y_max + 0.2])
    layout["yaxis2"].update(domain=[0.0, 0.35], anchor="x2", title={"text": "slope dℓ/dm"},
                            range=[slope_min - 0.3, 0.6])
    if presentation and compact:  # beside a lesson step: nine entries, two a row (as above)
        layout["legend"]["font"] = {"size": BESIDE_LEGEND_SIZE}
    return build(traces, layout)




def _point_keys(data: MarginData, y_max: float, slope_min: float,
                x_range: tuple[float, float], presentation: bool) -> list[dict[str, Any]]:
    """Legend-only entries that say what the point markers on the curves are."""
    size = marker_size(presentation) - 1
    keys = [("points on each curve", "circle")]
    if data.flipped.any():
        keys.append(("flipped label", "circle-open"))
    beyond = np.zeros(data.point_m.size, bool)
    for name in data.names:
        if name != "zero_one":
            beyond |= data.point_values[name] > y_max
            beyond |= data.point_slopes[name] < slope_min
    beyond |= (data.point_m < x_range[0]) | (data.point_m > x_range[1])
    if beyond.any():
        keys.append(("beyond the axis", "triangle-up"))
    return [dict(type="scatter", x=[None], y=[None], mode="markers", name=name,
                 marker=dict(symbol=symbol, color=_POINT_KEY, size=size,
                             line=dict(color=_POINT_KEY, width=1.5)),
                 hoverinfo="skip", xaxis="x", yaxis="y")
            for name, symbol in keys]


class BoundaryFit(NamedTuple):
    """One trained classifier to draw: loss name, the parameter rows of its run (one per
    step, ``fit``'s ``History.params``), and optionally the final parameters of the same loss
    fitted on the clean labels."""

    name: str
    params: np.ndarray
    clean_params: np.ndarray | None = None


def _lines_2d(rows: np.ndarray, box: tuple[float, float, float, float],
              level: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``line_in_box`` for every parameter row at once: per row the ends of the segment of
    ``w1 x1 + w2 x2 + b = level`` inside the box as ``(x (r, 2), y (r, 2))``, NaN where
    the line misses the box.

    One numpy pass over all rows (a state needs a line per loss per step): the same
    crossings of the box edges as ``line_in_box``, whose first and last in sorted order
    span the segment.
    """
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
    w1, w2, b = rows[:, :1], rows[:, 1:2], rows[:, 2:]
    x1lo, x1hi, x2lo, x2hi = map(float, box)
    c = level - b
    edges1, edges2 = np.array([x1lo, x1hi]), np.array([x2lo, x2hi])
    with np.errstate(all="ignore"):  # a zero or tiny weight: that crossing is off the box
        at2 = (c - w1 * edges1) / w2  # crossings of the left and right edges
        at1 = (c - w2 * edges2) / w1  # crossings of the bottom and top edges
    px1 = np.concatenate([np.broadcast_to(edges1, at2.shape), at1], axis=1)
    px2 = np.concatenate([at2, np.broadcast_to(edges2, at1.shape)], axis=1)
    ok = np.concatenate([(w2 != 0.0) & (x2lo <= at2) & (at2 <= x2hi),
                         (w1 != 0.0) & (x1lo <= at1) & (at1 <= x1hi)], axis=1)
    # Smallest and largest crossing in (x1, x2) order.
    lo1 = np.where(ok, px1, np.inf).min(axis=1)
    lo2 = np.where(ok & (px1 == lo1[:, None]), px2, np.inf).min(axis=1)
    hi1 = np.where(ok, px1, -np.inf).max(axis=1)
    hi2 = np.where(ok & (px1 == hi1[:, None]), px2, -np.inf).max(axis=1)
    has = ok.any(axis=1) & ~((lo1 == hi1) & (lo2 == hi2))
    xs = np.where(has[:, None], np.column_stack([lo1, hi1]), np.nan)
    ys = np.where(has[:, None], np.column_stack([lo2, hi2]), np.nan)
    return xs, ys


def _lines_1d(rows: np.ndarray, level: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``threshold`` for every parameter row at once, as a vertical line (NaN: none)."""
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, 2)
    w, b = rows[:, 0], rows[:, 1]
    with np.errstate(all="ignore"):
        t = np.where(w != 0.0, (level - b) / w, np.nan)
    t = np.where(np.isfinite(t), t, np.nan)
    ys = np.where(np.isfinite(t)[:, None], np.array([[-0.15, 1.15]]), np.nan)
    return np.column_stack([t, t]), ys


def _gaps(values: np.ndarray, digits: int = 6) -> list:
    """Rounded numbers as nested lists, NaN as None: a gap plotly skips, and valid JSON."""
    rounded = round_sig(values, digits)
    if np.isfinite(rounded).all():
        return rounded.tolist()
    return np.where(np.isfinite(rounded), rounded, None).tolist()


def boundary_aspect(*, width_hint: int | None = None, compact: bool = False,
                    presentation: bool = False) -> float:
    """The plot's width / height for a 2-D boundary chart ``width_hint`` pixels wide: square
    on a phone (``compact`` or at most 500 px), a little wider than tall in a column beside
    a lesson step (at most 640 px; square there on a projector, whose large axis labels
    take the difference), wider still on a wide page.

    Example: ``boundary_aspect(width_hint=390)  # 1.0``
    """
    beside = width_hint is not None and width_hint <= 640
    if compact or (width_hint is not None and width_hint <= 500) or (beside and presentation):
        return NARROW_ASPECT
    return BESIDE_ASPECT if beside else WIDE_ASPECT


class BoundaryData(NamedTuple):
    """The data step of ``boundary_figure``.

    ``x`` (n,) or (n, 2), ``y``, ``flipped``: the points. ``view``: the axis ranges
    ``(x_lo, x_hi, y_lo, y_hi)``; in 2-D the points' box widened to ``aspect`` (width /
    height, equal units on both axes). ``state_steps`` (k,): the steps shown.
    ``lines[j]`` = ``(name, level, xs, ys)``: the line ``f = level`` of fit ``name`` at every
    state, ends ``xs``/``ys`` of shape (k, 2) (NaN: no line in view). ``clean[name]``: the
    ends of the clean-label fit's boundary. ``probability_of``: the fit whose probability is
    shaded; ``prob_x``, ``prob_y`` its grid (2-D) or inputs (1-D), ``prob`` its
    probability of class 1 at every state, (k, len(prob_y), len(prob_x)) or (k, len(prob_x)).
    """

    dim: int
    x: np.ndarray
    y: np.ndarray
    flipped: np.ndarray
    view: tuple[float, float, float, float]
    aspect: float
    names: tuple[str, ...]
    state_steps: np.ndarray
    lines: tuple[tuple[str, float, np.ndarray, np.ndarray], ...]
    clean: dict[str, tuple[np.ndarray, np.ndarray]]
    probability_of: str | None
    prob_x: np.ndarray
    prob_y: np.ndarray
    prob: np.ndarray


def _view_2d(x: np.ndarray, aspect: float) -> tuple[float, float, float, float]:
    """The points' box, padded and widened (along x or y) to ``aspect`` = width / height."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.maximum(hi - lo, 1.0)
    pad = 0.08 * float(span.max())
    x0, x1 = float(lo[0] - pad), float(hi[0] + pad)
    y0, y1 = float(lo[1] - pad), float(hi[1] + pad)
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:  # too narrow: widen x about its centre
        grow = (aspect * h - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (w / aspect - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return x0, x1, y0, y1


def boundary_data(
    x: Any,
    y: Any,
    fits: Sequence[BoundaryFit],
    *,
    flipped: Any = None,
    probability_of: str | None = "cross_entropy",
    margin_lines_of: str | None = "hinge",
    show_clean: bool = False,
    states: int = BOUNDARY_STATES,
    aspect: float = WIDE_ASPECT,
    grid: int = SHADING_GRID,
) -> BoundaryData:
    """Each fit's boundary ``f = 0`` (and the ``margin_lines_of`` fit's ``f = +-1``) at
    ``states`` evenly spaced steps of training, and the ``probability_of`` fit's predicted
    probability at each of them: on a ``grid`` x ``grid`` shading over the view (2-D) or as
    a curve (1-D). ``show_clean`` keeps each fit's clean-label boundary. ``aspect``: the
    plot's width / height (``boundary_aspect``), which the 2-D view is widened to.

    Example: ``boundary_data(d.x, d.y, [BoundaryFit("hinge", fit(d.x, d.y, "hinge").params)])``
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    flipped = np.zeros(len(y), bool) if flipped is None else np.asarray(flipped, dtype=bool)
    dim = 1 if x.ndim == 1 else 2
    if dim == 2:
        view = _view_2d(x, float(aspect))
    else:
        span = float(max(x.max() - x.min(), 1.0))
        view = (float(x.min() - 0.08 * span), float(x.max() + 0.08 * span), -0.2, 1.2)
    longest = max((len(f.params) - 1 for f in fits), default=0)
    steps = np.unique(np.round(np.linspace(0, longest, min(max(int(states), 2),
                                                            longest + 1))).astype(int))

    def at_steps(rows: np.ndarray) -> np.ndarray:
        return np.asarray(rows)[np.minimum(steps, len(rows) - 1)]

    # The shading reaches a quarter of the view past each edge, the lines a whole view (they
    # cost nothing more): when the page is not the width the plot's shape assumed, plotly
    # widens an axis's range to keep equal units, and a strip without shading showed along
    # that edge, or lines that stopped short of it (at 1024 px with the sidebar open).
    def around(part: float) -> tuple[float, float, float, float]:
        dx, dy = part * (view[1] - view[0]), part * (view[3] - view[2])
        return (view[0] - dx, view[1] + dx, view[2] - dy, view[3] + dy)

    reach = around(0.25) if dim == 2 else view

    def ends(rows: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
        return _lines_2d(rows, around(1.0), level) if dim == 2 else _lines_1d(rows, level)

    lines = []
    clean = {}
    for fit in fits:
        levels = (0.0, -1.0, 1.0) if margin_lines_of == fit.name else (0.0,)
        for level in levels:
            xs, ys = ends(at_steps(fit.params), level)
            lines.append((fit.name, level, xs, ys))
        if show_clean and fit.clean_params is not None:
            xs, ys = ends(np.asarray(fit.clean_params)[None, :], 0.0)
            clean[fit.name] = (xs[0], ys[0])
    prob_fit = next((f for f in fits if f.name == probability_of), None)
    px = py = prob = np.empty(0)
    if prob_fit is not None:
        rows = at_steps(prob_fit.params)
        if dim == 2:
            px = np.linspace(reach[0], reach[1], int(grid))
            py = np.linspace(reach[2], reach[3], int(grid))
            f = (rows[:, None, None, 0] * px[None, None, :] + rows[:, None, None, 1]
                 * py[None, :, None] + rows[:, None, None, 2])
        else:
            px = np.linspace(view[0], view[1], 100)
            f = rows[:, None, 0] * px[None, :] + rows[:, None, 1]
        prob = sigmoid(f)
    return BoundaryData(
        dim=dim, x=x, y=y, flipped=flipped, view=view, aspect=float(aspect),
        names=tuple(f.name for f in fits), state_steps=steps, lines=tuple(lines),
        clean=clean, probability_of=prob_fit.name if prob_fit is not None else None,
        prob_x=px, prob_y=py, prob=prob,
    )


def _boundary_traces_index(data: BoundaryData) -> dict[str, Any]:
    """Where each moving trace sits in ``boundary_figure``'s traces (and the order of all)."""
    index = 0
    prob = None
    if data.probability_of is not None:
        prob, index = 0, 1
    index += 2  # class 0, class 1
    index += 1 if data.flipped.any() else 0
    index += 1 if data.clean else 0  # the legend key of the dotted clean-label lines
    moving: dict[tuple[str, str], int] = {}
    for name in data.names:
        if name in data.clean:
            index += 1
        moving[(name, "boundary")] = index
        index += 1
        if any(n == name and level != 0 for n, level, _, _ in data.lines):
            moving[(name, "margin")] = index
            index += 1
    return {"prob": prob, "moving": moving}


def _margin_rows(data: BoundaryData, name: str) -> tuple[list, list]:
    """Per state, the two margin lines of fit ``name`` as one trace: ``[a, b, None, c, d]``."""
    lines = {level: (xs, ys) for n, level, xs, ys in data.lines if n == name and level != 0}
    (mx, my), (px, py) = lines[-1.0], lines[1.0]
    gap = np.full((len(data.state_steps), 1), np.nan)
    return (_gaps(np.hstack([mx, gap, px])), _gaps(np.hstack([my, gap, py])))


def boundary_states(data: BoundaryData, *, state: int | None = None) -> States:
    """Every state of ``boundary_figure(data)``: each boundary and margin trace at each
    shown step, and the probability (shading in 2-D, curve in 1-D) of the shaded fit.
    A sequence to play (``play=True``)."""
    k = len(data.state_steps)
    index = k - 1 if state is None else int(np.clip(state, 0, k - 1))
    where = _boundary_traces_index(data)
    traces: dict[int, dict[str, Any]] = {}
    for (name, kind), t in where["moving"].items():
        if kind == "boundary":
            xs, ys = next((xs, ys) for n, lv, xs, ys in data.lines if n == name and lv == 0)
            traces[t] = {"x": _gaps(xs), "y": _gaps(ys)}
        else:
            mx, my = _margin_rows(data, name)
            traces[t] = {"x": mx, "y": my}
    if where["prob"] is not None:
        # shading to two decimals (1% of the colour scale: no eye tells them apart), the
        # 1-D curve to three (a pixel on a chart 300 px tall)
        key, digits = ("z", 2) if data.dim == 2 else ("y", 3)
        traces[where["prob"]] = {key: np.round(data.prob, digits)}
    last = int(data.state_steps[-1])
    captions = tuple(f"step {int(s)} of {last}" for s in data.state_steps.tolist())
    return States("step", data.state_steps.astype(np.int64), index, traces=traces,
                  captions=captions, play=True).check()


@figure
def boundary_figure(
    data: BoundaryData | Any,
    y: Any = None,
    fits: Sequence[BoundaryFit] | None = None,
    *,
    state: int | None = None,
    width_hint: int | None = None,
    height: int | None = None,
    compact: bool = False,
    presentation: bool = False,
    flipped: Any = None,
    probability_of: str | None = "cross_entropy",
    margin_lines_of: str | None = "hinge",
    show_clean: bool = False,
    animate: bool | None = None,
    frames: int = BOUNDARY_STATES,
    axis_titles: tuple[str, ...] | None = None,
) -> Spec:
    """The data with each loss's decision boundary ``f = 0`` at the step of ``state`` (an
    index into ``data.state_steps``; the last, after training, by default).

    2-D: points in the plane, boundaries as lines, the shaded fit's ``sigmoid(f)`` as shading,
    the hinge's lines ``f = +-1`` dashed (one legend entry). Both axes have one scale, and
    the view is as wide as ``data.aspect``; the height follows from the chart's width
    (``width_hint`` pixels, or a phone's width when ``compact``) so that the plot fills it.
    1-D: points at height 0 or 1 (their label), boundaries as vertical lines,
    ``sigmoid(f)`` as a curve. Flipped labels are ringed; clean-label boundaries dotted.
    ``axis_titles`` name the inputs (a real data set's features): by default "x1" and "x2"
    in 2-D, "x" in 1-D.

    Given points and fits instead of data (``boundary_figure(x, y, fits, flipped=...)``, the
    notebook form), builds the data with the keyword arguments after ``flipped`` and returns
    the animated figure (``with_frames``) unless ``animate=False``.
    """
    if not isinstance(data, BoundaryData):
        if y is None or fits is None:
            raise ValueError("boundary_figure needs BoundaryData, or points x, y and fits")
        data = boundary_data(data, y, fits, flipped=flipped, probability_of=probability_of,
                             margin_lines_of=margin_lines_of, show_clean=show_clean,
                             states=frames)
        animate = True if animate is None else animate
    states = boundary_states(data, state=state)
    fig = _boundary_still(data, states, width_hint=width_hint, height=height,
                          compact=compact, presentation=presentation, axis_titles=axis_titles)
    return with_frames(fig, states) if animate else fig


def _boundary_still(data: BoundaryData, states: States, *, width_hint: int | None,
                    height: int | None, compact: bool, presentation: bool,
                    axis_titles: tuple[str, ...] | None) -> Spec:
    k = states.index
    dim = data.dim
    if axis_titles is None:
        axis_titles = ("x",) if dim == 1 else ("x1", "x2")
    width = line_width(presentation)
    where = _boundary_traces_index(data)
    traces: list[dict[str, Any]] = []
    show_scale = not compact  # on a phone the colour bar would take a fifth of the width
    if data.probability_of is not None:
        label = loss_label(data.probability_of)
        rows = states.traces[where["prob"]]
        if dim == 2:
            traces.append(dict(
                type="heatmap", x=data.prob_x.astype(np.float32),
                y=data.prob_y.astype(np.float32), z=rows["z"][k].astype(np.float32),
                zmin=0.0, zmax=1.0,
                colorscale=[[0.0, CLASS_COLORS[0]], [0.5, "#FFFFFF"], [1.0, CLASS_COLORS[1]]],
                # "fast": the browser smooths the 20x20 grid when it scales the image.
                # "best" interpolated every pixel in plotly.js, 40 of a redraw's 74 ms.
                opacity=0.35, zsmooth="fast", name="P(class 1) shading",
                showscale=show_scale, showlegend=not show_scale,
                colorbar=dict(title=dict(text="P(class 1)", side="right"), thickness=10,
                              len=0.7, tickvals=[0, 0.5, 1]),
                hovertemplate="x1 %{x:.2f}, x2 %{y:.2f}<br>P(class 1) = %{z:.3f}"
                              "<extra>" + label + "</extra>",
            ))
        else:
            traces.append(dict(
                type="scatter", x=data.prob_x.astype(np.float32),
                y=rows["y"][k].astype(np.float32), mode="lines",
                name=f"P(class 1), {label}",
                line=dict(color=loss_color(data.probability_of), width=width - 1,
                          dash="dash"),
                hovertemplate="x %{x:.2f}<br>P(class 1) = %{y:.3f}<extra></extra>",
            ))
    for cls in (0, 1):
        pick = data.y == cls
        px = data.x[pick] if dim == 1 else data.x[pick, 0]
        py = np.full(pick.sum(), float(cls)) if dim == 1 else data.x[pick, 1]
        traces.append(dict(
            type="scatter", x=px.astype(np.float32), y=py.astype(np.float32),
            mode="markers", name=f"class {cls}",
            marker=dict(color=CLASS_COLORS[cls], symbol=CLASS_SYMBOLS[cls],
                        size=marker_size(presentation) + 2, opacity=0.85,
                        line=dict(color="white", width=1)),
            customdata=(np.flatnonzero(pick) + 1).astype(np.int32),
            hovertemplate=f"point %{{customdata}}, label {cls}<br>"
                          + ("x %{x:.3f}" if dim == 1 else "x1 %{x:.3f}, x2 %{y:.3f}")
                          + "<extra></extra>",
        ))
    if data.flipped.any():
        fx = data.x[data.flipped] if dim == 1 else data.x[data.flipped, 0]
        fy = data.y[data.flipped] if dim == 1 else data.x[data.flipped, 1]
        traces.append(dict(
            type="scatter", x=fx.astype(np.float32), y=fy.astype(np.float32),
            mode="markers", name="flipped label",
            marker=dict(symbol="circle-open", size=marker_size(presentation) + 10,
                        color=DATA_COLOR, line=dict(width=2)),
            hoverinfo="skip",
        ))
    if data.clean:
        # one legend entry for every dotted line (each in its loss's colour)
        traces.append(dict(
            type="scatter", x=[None], y=[None], mode="lines",
            name="clean labels",  # its key: a grey dotted line
            line=dict(color=DATA_COLOR, width=width - 1, dash="dot"), hoverinfo="skip",
        ))
    for name in data.names:
        label = loss_label(name)
        color = loss_color(name)
        if name in data.clean:
            cx, cy = data.clean[name]
            traces.append(dict(
                type="scatter", x=_gaps(cx), y=_gaps(cy), mode="lines",
                name=f"{label}, clean labels", legendgroup=name, showlegend=False,
                line=dict(color=color, width=width - 1, dash="dot"),
                hovertemplate=f"{label} fitted on the clean labels<extra></extra>",
            ))
        rows = states.traces[where["moving"][(name, "boundary")]]
        traces.append(dict(
            type="scatter", x=rows["x"][k], y=rows["y"][k], mode="lines", name=label,
            legendgroup=name, line=dict(color=color, width=width),
            hovertemplate=f"{label} boundary f = 0<extra></extra>",
        ))
        if (name, "margin") in where["moving"]:
            rows = states.traces[where["moving"][(name, "margin")]]
            traces.append(dict(
                type="scatter", x=rows["x"][k], y=rows["y"][k], mode="lines",
                name=f"{label} f = ±1", legendgroup=name,
                line=dict(color=color, width=width - 1.2, dash="dash"),
                hovertemplate=f"{label}: f = ±1<extra></extra>",
            ))
    x0, x1, y0, y1 = data.view
    chart_px = width_hint or (PHONE_WIDTH if compact else 700)
    right = 90 if (data.probability_of is not None and dim == 2 and show_scale) else 16
    if height is None:
        if dim == 2:
            # the plot as wide as the chart, and as tall as the view's shape asks
            plot_w = max(chart_px - 56 - right - 2 * font_size(presentation), 160)
            shown = [t["name"] for t in traces if t.get("showlegend", t["type"] != "heatmap")]
            legend_px = legend_height(shown, chart_px - 16, presentation=presentation)
            axis_px = 2 * font_size(presentation) + 40  # tick labels and the x title
            height = int(np.clip(plot_w / data.aspect + 24 + legend_px + axis_px, 300, 900))
        else:
            height = 380
    layout = house_layout(height=height, presentation=presentation,
                          x_title=axis_titles[0])
    layout["margin"]["r"] = right
    if presentation and dim == 2 and width_hint is not None and width_hint <= 640:
        # A wrapping legend is a grid as wide as its widest entry. In a narrow chart on a
        # projector (beside a lesson step, at most 640 px) that can be an entry a row, half
        # the chart, and the plot a strip: the legend then takes a size that fits two
        # entries a row (every other projector chart keeps its 20 px).
        shown = [t["name"] for t in traces if t.get("showlegend", t["type"] != "heatmap")]
        # The legend wraps at about the plot's width (the colour bar and the y axis aside).
        room = NARROWEST_SHARE * chart_px - 56 - right - 2 * font_size(True)
        size = font_size(True)
        while len(shown) > 2 and size > BESIDE_LEGEND_SIZE and 2 * (
                max(text_width(name, size) for name in shown) + 50) > room:
            size -= 1
        if size != font_size(True):
            layout["legend"]["font"] = {"size": size}
    layout["xaxis"].update(range=[x0, x1], showgrid=dim == 1)
    if dim == 2:
        # Equal units on both axes. The view already has the plot's shape; if the page is
        # not the width expected, plotly widens an axis's range (constrain="range") rather
        # than leave the plot narrower than the card.
        layout["yaxis"].update(range=[y0, y1], title={"text": axis_titles[1]}, scaleanchor="x",
                               scaleratio=1.0, constrain="range", showgrid=False)
        layout["xaxis"]["constrain"] = "range"
    else:
        layout["yaxis"].update(range=[y0, y1], title={"text": "label / P(class 1)"},
                               tickvals=[0, 0.5, 1])
    return build(traces, layout)


class ProbabilityData(NamedTuple):
    """The data step of ``probability_figure``: losses against the probability ``p`` given
    to the true class (``p = sigmoid(m)``, so ``m = logit(p)``), and the points' places."""

    names: tuple[str, ...]
    p: np.ndarray
    values: dict[str, np.ndarray]
    point_p: np.ndarray
    point_values: np.ndarray
    bits: bool


def probability_data(
    names: Sequence[str] = ("cross_entropy",),
    *,
    point_margins: Any = (),
    bits: bool = False,
    n: int = 300,
) -> ProbabilityData:
    """Each loss at ``m = logit(p)`` for ``p`` in (0, 1): cross-entropy is exactly ``-ln p``
    (``-log2 p`` in bits); the others read the score as a logit. Points sit on the
    cross-entropy curve at ``p_i = sigmoid(m_i)``."""
    # A logit-spaced grid resolves the steep end near p = 0 as well as the flat end.
    m = np.linspace(-7.0, 7.0, n)
    p = sigmoid(m)
    values = {name: margin_values(name, m, bits=bits)[0] for name in names}
    pm = np.asarray(point_margins, dtype=np.float64).reshape(-1)
    pv = margin_values("cross_entropy", pm, bits=bits)[0]
    return ProbabilityData(tuple(names), p, values, sigmoid(pm), pv, bits)


@figure
def probability_figure(
    data: ProbabilityData,
    *,
    y_max: float = 7.0,
    flipped: Any = None,
    height: int = 400,
    compact: bool = False,
    presentation: bool = False,
) -> Spec:
    """Loss against the probability of the true class; the training points marked (points
    beyond the top are triangles at the edge, flipped labels hollow, both in the legend).
    ``compact``: a shorter axis title for a phone's width."""
    traces: list[dict[str, Any]] = []
    width = line_width(presentation)
    for name in data.names:
        label = curve_label(name, bits=data.bits)
        formula = ("−log₂ p" if data.bits else "−ln p") if name == "cross_entropy" else \
            "score read as logit"
        traces.append(dict(
            type="scatter", x=_f32(data.p), y=_f32(np.minimum(data.values[name], 1e3)),
            mode="lines", name=f"{label}: {formula}", legendgroup=name,
            line=dict(color=loss_color(name), width=width if name == "cross_entropy" else
                      width - 1, dash="solid" if name == "cross_entropy" else "dash"),
            hovertemplate=f"{label}<br>p = %{{x:.4f}}<br>loss %{{y:.4g}}<extra></extra>",
        ))
    if data.point_p.size:
        flipped = (np.zeros(data.point_p.size, bool) if flipped is None
                   else np.asarray(flipped, dtype=bool))
        clipped = np.minimum(data.point_values, y_max)
        traces.append(dict(
            type="scatter", x=_f32(data.point_p), y=_f32(clipped), mode="markers",
            name="training points",
            marker=dict(color=loss_color("cross_entropy"), size=marker_size(presentation),
                        symbol=_symbols(data.point_values, -math.inf, y_max, flipped),
                        line=dict(color=loss_color("cross_entropy"), width=1.5)),
            customdata=_f32(np.column_stack([np.arange(1, data.point_p.size + 1),
                                             data.point_values])),
            hovertemplate="point %{customdata[0]}<br>p(true class) = %{x:.4f}<br>"
                          "cross-entropy %{customdata[1]:.4g}<extra></extra>",
        ))
        keys = []
        if flipped.any():
            keys.append(("flipped label", "circle-open"))
        if (data.point_values > y_max).any():
            keys.append((f"above {y_max:g}", "triangle-up"))
        traces += [dict(type="scatter", x=[None], y=[None], mode="markers", name=name,
                        marker=dict(symbol=symbol, color=_POINT_KEY,
                                    size=marker_size(presentation),
                                    line=dict(color=_POINT_KEY, width=1.5)),
                        hoverinfo="skip") for name, symbol in keys]
    layout = house_layout(height=height, presentation=presentation,
                          x_title="p(true class)" if compact
                          else "p = predicted probability of the true class",
                          y_title="loss" + (" (bits)" if data.bits else " (nats)"))
    layout["xaxis"]["range"] = [0.0, 1.0]
    layout["yaxis"]["range"] = [-0.2, y_max + 0.2]
    return build(traces, layout)


class SoftmaxData(NamedTuple):
    """Logits, their softmax probabilities, the true class, the loss and ``p - onehot``."""

    logits: np.ndarray
    probs: np.ndarray
    true_class: int
    loss: float
    gradient: np.ndarray


def softmax_data(logits: Any, true_class: int) -> SoftmaxData:
    """Softmax cross-entropy of one sample and its gradient with respect to the logits.

    Example: ``softmax_data([2.0, 1.0, 0.0], 0).loss  # 0.4076``
    """
    f = np.asarray(logits, dtype=np.float64).reshape(1, -1)
    loss = get_loss("softmax_cross_entropy")
    value, grad = loss.value_and_gradient([true_class], f)
    return SoftmaxData(f[0], softmax(f[0]), int(true_class), value, grad[0])


@figure
def softmax_figure(data: SoftmaxData, *, height: int | None = None, compact: bool = False,
                   presentation: bool = False) -> Spec:
    """Two bar charts: the softmax probabilities (true class highlighted) and the gradient
    ``p - onehot(y)``: negative (push up) for the true class, positive (push down) for
    the others. Side by side on a wide page; stacked, with shorter titles, when
    ``compact`` (a phone's width). Every bar carries its value."""
    k = data.logits.size
    names = [f"class {j}" for j in range(k)]
    color = loss_color("softmax_cross_entropy")
    colors = [color if j == data.true_class else "rgba(128,128,128,0.55)" for j in range(k)]
    traces = [
        dict(type="bar", x=names, y=data.probs.astype(np.float32), marker=dict(color=colors),
             name="probability", text=[f"{v:.3f}" for v in data.probs], textposition="outside",
             cliponaxis=False,
             hovertemplate="%{x}: p = %{y:.4f}<extra></extra>", xaxis="x", yaxis="y"),
        dict(type="bar", x=names, y=data.gradient.astype(np.float32),
             marker=dict(color=colors),
             name="gradient", text=[f"{v:+.3f}" for v in data.gradient],
             textposition="outside", cliponaxis=False,
             hovertemplate="%{x}: gradient %{y:+.4f}<extra></extra>", xaxis="x2", yaxis="y2"),
    ]
    size = note_size(presentation) + 2
    if compact:
        titles = ("probabilities p = softmax(f)", "gradient p − onehot(y)")
        spots = ((0.5, 1.0), (0.5, 0.44))
    else:
        titles = ("probabilities p = softmax(f)", "gradient ∂ℓ/∂f = p − onehot(y)")
        spots = ((0.22, 1.0), (0.78, 1.0))
    notes = [dict(text=text, x=x, y=y, xref="paper", yref="paper", xanchor="center",
                  yanchor="bottom", showarrow=False, font=dict(size=size))
             for text, (x, y) in zip(titles, spots, strict=True)]
    if height is None:
        height = (560 if compact else 330) + (80 if presentation else 0)
    layout = house_layout(height=height, presentation=presentation,
                          axes=("x", "y", "x2", "y2"))
    layout.update(annotations=notes, showlegend=False)
    layout["margin"]["t"] = 40
    if compact:
        layout["xaxis"].update(domain=[0.0, 1.0], anchor="y")
        layout["xaxis2"].update(domain=[0.0, 1.0], anchor="y2")
        layout["yaxis"].update(domain=[0.6, 1.0])
        layout["yaxis2"].update(domain=[0.0, 0.44])
    else:
        layout["xaxis"].update(domain=[0.0, 0.44], anchor="y")
        layout["xaxis2"].update(domain=[0.56, 1.0], anchor="y2")
    layout["yaxis"].update(anchor="x", range=[0.0, 1.18])
    layout["yaxis2"].update(anchor="x2", range=[-1.25, 1.25], zeroline=True,
                            zerolinecolor="rgba(0,0,0,0.4)")
    return build(traces, layout)


__all__ = [
    "SURROGATES",
    "BoundaryData",
    "BoundaryFit",
    "MarginData",
    "ProbabilityData",
    "SoftmaxData",
    "boundary_aspect",
    "boundary_data",
    "boundary_figure",
    "boundary_states",
    "curve_label",
    "margin_data",
    "margin_figure",
    "margin_values",
    "probability_data",
    "probability_figure",
    "softmax_data",
    "softmax_figure",
]
