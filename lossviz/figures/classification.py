"""Pictures of binary and multiclass classification losses: pure builders, no streamlit.

- ``margin_figure``: every surrogate loss and its slope against the margin ``m = (2y - 1) f``,
  with the training points placed on each curve (scikit-learn's classic plot, made live).
- ``boundary_figure``: the data, each loss's decision boundary ``f = 0`` (and the hinge's
  margin lines ``f = +-1``), the predicted probability as shading; the boundaries move
  through training with play/pause and a step slider that run in the browser.
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
import plotly.graph_objects as go

from lossviz.classify import (
    probability_grid,
    sigmoid,
    split_params,
)
from lossviz.figures._spec import build, house_layout
from lossviz.figures.descent import add_player
from lossviz.figures.style import (
    CLASS_COLORS,
    CLASS_SYMBOLS,
    DASHES,
    DATA_COLOR,
    line_width,
    loss_color,
    loss_label,
    marker_size,
)
from lossviz.losses import get_loss, softmax

SURROGATES = ("cross_entropy", "hinge", "squared_hinge", "modified_huber", "exponential")
LN2 = math.log(2.0)
CURVE_POINTS = 181
_GRID = 40


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
    return (codes + np.where(flipped, 100, 0)).astype(np.int16)


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


def margin_figure(
    data: MarginData,
    *,
    y_max: float = 5.0,
    slope_min: float = -4.5,
    show_points: bool = True,
    height: int = 560,
    presentation: bool = False,
) -> go.Figure:
    """Loss (top) and slope dl/dm (bottom) against the margin, points placed on each curve.

    Values beyond the plotted range are drawn at its edge as triangles (their true values
    are in the hover text), so a badly wrong point never disappears off the chart.
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
    annotations = [dict(x=1.0, y=1.0, xref="x", yref="y domain", text="m = 1 (hinge margin)",
                        showarrow=False, xanchor="left", yanchor="top", font=dict(size=11))]
    if data.bits and "cross_entropy" in data.names:
        annotations.append(dict(x=0.0, y=1.0, xref="x", yref="y", text="both = 1 at m = 0",
                                ax=40, ay=-30, showarrow=True, arrowhead=2,
                                font=dict(size=11)))
    layout = house_layout(height=height, presentation=presentation,
                          axes=("x", "y", "x2", "y2"))
    layout.update(shapes=shapes, annotations=annotations)
    layout["xaxis"].update(anchor="y", matches="x2", showticklabels=False, range=list(x_range))
    layout["xaxis2"].update(
        anchor="y2", range=list(x_range),
        title={"text": "margin m = (2y − 1) f(x)   (wrong side ← 0 → right side)"},
    )
    layout["yaxis"].update(domain=[0.41, 1.0], anchor="x", title={"text": "loss"},
                           range=[-0.2, y_max + 0.2])
    layout["yaxis2"].update(domain=[0.0, 0.35], anchor="x2", title={"text": "slope dℓ/dm"},
                            range=[slope_min - 0.3, 0.6])
    return build(traces, layout)


class BoundaryFit(NamedTuple):
    """One trained classifier to draw: loss name, the parameter rows of its run (one per
    step, ``fit``'s ``History.params``), and optionally the final parameters of the same loss
    fitted on the clean labels."""

    name: str
    params: np.ndarray
    clean_params: np.ndarray | None = None


_NO_LINE = ([None, None], [None, None])


def _lines_2d(rows: np.ndarray, box: tuple[float, float, float, float],
              level: float = 0.0) -> list[tuple[list, list]]:
    """``line_in_box`` for every parameter row at once: per row the segment of
    ``w1 x1 + w2 x2 + b = level`` inside the box, ends rounded to 4 decimals, or gaps.

    One numpy pass over all rows (an animation needs a line per loss per frame): the same
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
    ends = np.column_stack([lo1, hi1, lo2, hi2]).tolist()
    return [
        ([round(a, 4), round(b, 4)], [round(c, 4), round(d, 4)]) if keep else _NO_LINE
        for (a, b, c, d), keep in zip(ends, has.tolist(), strict=True)
    ]


def _lines_1d(rows: np.ndarray, level: float = 0.0) -> list[tuple[list, list]]:
    """``threshold`` for every parameter row at once, as a vertical line (or gaps)."""
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, 2)
    w, b = rows[:, 0], rows[:, 1]
    with np.errstate(all="ignore"):
        t = np.where(w != 0.0, (level - b) / w, np.nan)
    return [([round(v, 4)] * 2, [-0.15, 1.15]) if math.isfinite(v) else _NO_LINE
            for v in t.tolist()]


def boundary_figure(
    x: Any,
    y: Any,
    fits: Sequence[BoundaryFit],
    *,
    flipped: Any = None,
    probability_of: str | None = "cross_entropy",
    margin_lines_of: str | None = "hinge",
    show_clean: bool = False,
    animate: bool = True,
    frames: int = 40,
    frame_ms: int = 80,
    height: int = 460,
    presentation: bool = False,
) -> go.Figure:
    """The data with each loss's decision boundary ``f = 0`` after training.

    2-D: points in the plane, boundaries as lines, ``sigmoid(f)`` of the ``probability_of``
    fit as shading, the ``margin_lines_of`` fit's lines ``f = +-1`` dashed. 1-D: points at
    height 0 or 1 (their label), boundaries as vertical lines, ``sigmoid(f)`` as a curve.
    Flipped labels are ringed. With ``animate``, play/pause and a slider move the boundaries
    through the training steps (in the browser). ``show_clean`` adds each loss's boundary
    fitted on the clean labels, dotted.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    flipped = np.zeros(len(y), bool) if flipped is None else np.asarray(flipped, dtype=bool)
    dim = 1 if x.ndim == 1 else 2
    traces: list[dict[str, Any]] = []
    width = line_width(presentation)
    by_name = {f.name: f for f in fits}
    if dim == 2:
        lo, hi = x.min(axis=0), x.max(axis=0)
        pad = 0.08 * float(max(hi[0] - lo[0], hi[1] - lo[1], 1.0))
        box = (float(lo[0] - pad), float(hi[0] + pad), float(lo[1] - pad), float(hi[1] + pad))
    else:
        span = float(max(x.max() - x.min(), 1.0))
        box = (float(x.min() - 0.08 * span), float(x.max() + 0.08 * span), -0.15, 1.15)

    prob = by_name.get(probability_of) if probability_of else None
    if prob is not None:
        if dim == 2:
            grid = probability_grid(prob.params[-1], box, n=_GRID)
            traces.append(dict(
                type="heatmap", x=_f32(grid.x1), y=_f32(grid.x2), z=_f32(grid.p),
                zmin=0.0, zmax=1.0,
                colorscale=[[0.0, CLASS_COLORS[0]], [0.5, "#FFFFFF"], [1.0, CLASS_COLORS[1]]],
                opacity=0.35, zsmooth="best", name="P(class 1)", showscale=True,
                colorbar=dict(title=dict(text="P(class 1)", side="right"), thickness=10,
                              len=0.7, tickvals=[0, 0.5, 1]),
                hovertemplate="x1 %{x:.2f}, x2 %{y:.2f}<br>P(class 1) = %{z:.3f}"
                              "<extra>" + loss_label(prob.name) + "</extra>",
            ))
        else:
            grid_x = np.linspace(box[0], box[1], 200)
            w, b = split_params(prob.params[-1])
            traces.append(dict(
                type="scatter", x=_f32(grid_x), y=_f32(sigmoid(w[0] * grid_x + b)),
                mode="lines", name=f"P(class 1), {loss_label(prob.name)}",
                line=dict(color=loss_color(prob.name), width=width - 1, dash="dash"),
                hovertemplate="x %{x:.2f}<br>P(class 1) = %{y:.3f}<extra></extra>",
            ))

    for cls in (0, 1):
        pick = y == cls
        px = x[pick] if dim == 1 else x[pick, 0]
        py = np.full(pick.sum(), float(cls)) if dim == 1 else x[pick, 1]
        rows = np.flatnonzero(pick) + 1
        traces.append(dict(
            type="scatter", x=_f32(px), y=_f32(py), mode="markers", name=f"class {cls}",
            marker=dict(color=CLASS_COLORS[cls], symbol=CLASS_SYMBOLS[cls],
                        size=marker_size(presentation) + 2, opacity=0.85,
                        line=dict(color="white", width=1)),
            customdata=rows.astype(np.int32),
            hovertemplate=f"point %{{customdata}}, label {cls}<br>"
                          + ("x %{x:.3f}" if dim == 1 else "x1 %{x:.3f}, x2 %{y:.3f}")
                          + "<extra></extra>",
        ))
    if flipped.any():
        fx = x[flipped] if dim == 1 else x[flipped, 0]
        fy = y[flipped] if dim == 1 else x[flipped, 1]
        traces.append(dict(
            type="scatter", x=_f32(fx), y=_f32(fy), mode="markers", name="flipped label",
            marker=dict(symbol="circle-open", size=marker_size(presentation) + 10,
                        color=DATA_COLOR, line=dict(width=2)),
            hoverinfo="skip",
        ))

    def lines(rows: np.ndarray, level: float = 0.0) -> list[tuple[list, list]]:
        return _lines_2d(rows, box, level) if dim == 2 else _lines_1d(rows, level)

    moving: list[tuple[int, np.ndarray, float]] = []  # (trace index, params rows, level)
    for fit in fits:
        label = loss_label(fit.name)
        color = loss_color(fit.name)
        if show_clean and fit.clean_params is not None:
            lx, ly = lines(fit.clean_params)[0]
            traces.append(dict(
                type="scatter", x=lx, y=ly, mode="lines", name=f"{label}, clean labels",
                legendgroup=fit.name, showlegend=False,
                line=dict(color=color, width=width - 1, dash="dot"),
                hovertemplate=f"{label} fitted on the clean labels<extra></extra>",
            ))
        levels = [0.0]
        if margin_lines_of == fit.name:
            levels += [-1.0, 1.0]
        for level in levels:
            lx, ly = lines(fit.params[-1], level)[0]
            moving.append((len(traces), fit.params, level))
            name = label if level == 0 else f"{label} margin f = {level:+g}"
            traces.append(dict(
                type="scatter", x=lx, y=ly, mode="lines", name=name, legendgroup=fit.name,
                showlegend=level == 0,
                line=dict(color=color, width=width if level == 0 else width - 1.2,
                          dash="solid" if level == 0 else "dash"),
                hovertemplate=(f"{label} boundary f = 0" if level == 0
                               else f"{label}: f = {level:+g}") + "<extra></extra>",
            ))

    layout = house_layout(height=height, presentation=presentation,
                          x_title="x" if dim == 1 else "x1")
    layout["xaxis"]["range"] = [box[0], box[1]]
    if dim == 2:
        # Equal units on both axes; the plot area shrinks to fit (constrain="domain")
        # instead of the axis ranges growing past the shaded box.
        layout["yaxis"].update(range=[box[2], box[3]], title={"text": "x2"}, scaleanchor="x",
                               scaleratio=1.0, constrain="domain")
        layout["xaxis"]["constrain"] = "domain"
    else:
        layout["yaxis"].update(range=[-0.2, 1.2], title={"text": "label / P(class 1)"},
                               tickvals=[0, 0.5, 1])
    layout["margin"]["r"] = 16

    frame_list = None
    if animate and fits:
        longest = max(len(f.params) - 1 for f in fits)
        steps = np.unique(np.round(np.linspace(0, longest, min(frames, longest + 1))).astype(int))
        if len(steps) > 1:
            # Per moving trace, its line at every frame's step (a shorter run holds its end).
            per_trace = [lines(rows[np.minimum(steps, len(rows) - 1)], level)
                         for _, rows, level in moving]
            traces_moved = [i for i, _, _ in moving]
            frame_list = [
                dict(name=str(int(s)),
                     data=[dict(type="scatter", x=at[k][0], y=at[k][1]) for at in per_trace],
                     traces=traces_moved)
                for k, s in enumerate(steps.tolist())
            ]
            add_player(layout, frame_list, frame_ms=frame_ms, prefix="step ")
    return build(traces, layout, frame_list)


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


def probability_figure(
    data: ProbabilityData,
    *,
    y_max: float = 7.0,
    flipped: Any = None,
    height: int = 400,
    presentation: bool = False,
) -> go.Figure:
    """Loss against the probability of the true class; the training points marked."""
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
    layout = house_layout(height=height, presentation=presentation,
                          x_title="p = predicted probability of the true class",
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


def softmax_figure(data: SoftmaxData, *, height: int = 330,
                   presentation: bool = False) -> go.Figure:
    """Two bar charts: the softmax probabilities (true class highlighted) and the gradient
    ``p - onehot(y)``: negative (push up) for the true class, positive (push down) for
    the others."""
    k = data.logits.size
    names = [f"class {j}" for j in range(k)]
    color = loss_color("softmax_cross_entropy")
    colors = [color if j == data.true_class else "rgba(128,128,128,0.55)" for j in range(k)]
    traces = [
        dict(type="bar", x=names, y=_f32(data.probs), marker=dict(color=colors),
             name="probability", text=[f"{v:.3f}" for v in data.probs], textposition="outside",
             hovertemplate="%{x}: p = %{y:.4f}<extra></extra>", xaxis="x", yaxis="y"),
        dict(type="bar", x=names, y=_f32(data.gradient), marker=dict(color=colors),
             name="gradient", text=[f"{v:+.3f}" for v in data.gradient],
             textposition="outside",
             hovertemplate="%{x}: gradient %{y:+.4f}<extra></extra>", xaxis="x2", yaxis="y2"),
    ]
    titles = [dict(text=text, x=x, y=1.0, xref="paper", yref="paper", xanchor="center",
                   yanchor="bottom", showarrow=False, font=dict(size=14))
              for text, x in (("probabilities p = softmax(f)", 0.22),
                              ("gradient ∂ℓ/∂f = p − onehot(y)", 0.78))]
    layout = house_layout(height=height, presentation=presentation,
                          axes=("x", "y", "x2", "y2"))
    layout.update(annotations=titles, showlegend=False)
    layout["margin"]["t"] = 40
    layout["xaxis"].update(domain=[0.0, 0.44], anchor="y")
    layout["xaxis2"].update(domain=[0.56, 1.0], anchor="y2")
    layout["yaxis"].update(anchor="x", range=[0.0, 1.18])
    layout["yaxis2"].update(anchor="x2", range=[-1.25, 1.25], zeroline=True,
                            zerolinecolor="rgba(0,0,0,0.4)")
    return build(traces, layout)


__all__ = [
    "SURROGATES",
    "BoundaryFit",
    "MarginData",
    "ProbabilityData",
    "SoftmaxData",
    "boundary_figure",
    "curve_label",
    "margin_data",
    "margin_figure",
    "margin_values",
    "probability_data",
    "probability_figure",
    "softmax_data",
    "softmax_figure",
]
