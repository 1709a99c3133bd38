"""Regression pictures: data and lines, loss and gradient against residual, each point's pull,
and the outlier sensitivity sweep.

Pure builders (arrays in, ``go.Figure`` out) shared by the app and notebooks. Colours and
names of the losses come from ``lossviz.figures.style``.

Example::

    d = lossviz.make_regression(30, outliers=1, seed=0)
    data_figure(d.x, d.y, predictions=1.0 * d.x, is_outlier=d.is_outlier,
                lines={"mse": (1.9, 3.0)}, user_line=(1.0, 0.0))
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go

import lossviz
from lossviz.figures._spec import build, house_layout, subplot_layout
from lossviz.figures.style import (
    DATA_COLOR,
    OKABE_ITO,
    line_width,
    loss_color,
    loss_label,
    marker_size,
)

REGRESSION_LOSSES = ("mse", "mae", "huber")
# Outliers need a colour no loss uses on this page (vermillion is MSE's).
OUTLIER_MARK = OKABE_ITO["orange"]
USER_COLOR = DATA_COLOR  # black would vanish on the dark theme
ZONE_COLORS = (OKABE_ITO["sky"], OKABE_ITO["purple"])  # quadratic zone, linear zone
MAX_CURVE_POINTS = 80  # points drawn on the residual curves (a random-free even subsample)


def _round(values: Any, digits: int = 5) -> list[float]:
    """Plain floats with ``digits`` significant digits: small JSON for slider states."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(np.abs(arr)))
    scale = 10.0 ** np.where(np.isfinite(exponent), digits - 1 - exponent, 0.0)
    return (np.round(arr * scale) / scale).tolist()


def _loss(name: str, delta: float) -> lossviz.Loss:
    return lossviz.get_loss(name, **({"delta": delta} if name == "huber" else {}))


# -- data and lines ----------------------------------------------------------------------------
def data_figure(
    x: Any,
    y: Any,
    *,
    predictions: Any,
    is_outlier: Any = None,
    lines: Mapping[str, tuple[float, float]] | None = None,
    user_line: tuple[float, float] | None = None,
    reference: tuple[str, float, float] | None = None,
    height: int = 420,
    presentation: bool = False,
) -> go.Figure:
    """The points, the student's predictions with residual segments, and fitted lines.

    Each residual ``r_i = prediction_i - y_i`` is a grey segment from the point to its
    prediction. ``lines`` maps a loss name to a fitted ``(w, b)``; ``user_line`` is the
    student's ``(slope, intercept)``; ``reference`` is ``(label, w, b)`` drawn dotted (e.g. the
    MSE line fitted without the outliers).

    Example: ``data_figure([0, 1], [0, 2], predictions=[0, 1], lines={"mse": (2, 0)})``
    """
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    pred = np.asarray(predictions, float)
    out = np.zeros(len(xs), bool) if is_outlier is None else np.asarray(is_outlier, bool)
    ends = line_ends(xs)
    seg_x = np.column_stack([xs, xs, np.full(len(xs), np.nan)]).ravel()
    seg_y = np.column_stack([ys, pred, np.full(len(xs), np.nan)]).ravel()
    data: list[dict[str, Any]] = [dict(
        type="scatter", x=seg_x, y=seg_y, mode="lines", name="residual", showlegend=False,
        line=dict(color="rgba(128,128,128,0.6)", width=1.5), hoverinfo="skip",
    )]
    if reference is not None:
        label, w, b = reference
        data.append(dict(
            type="scatter", x=_round(ends), y=_round(w * ends + b), mode="lines", name=label,
            line=dict(color=loss_color("mse"), width=1.5, dash="dot"), hoverinfo="skip",
        ))
    for name, (w, b) in (lines or {}).items():
        data.append(dict(
            type="scatter", mode="lines", name=f"{loss_label(name)} fit",
            line=dict(color=loss_color(name), width=line_width(presentation)),
            **fit_line(ends, name, w, b),
        ))
    if user_line is not None:
        w, b = user_line
        data.append(dict(
            type="scatter", x=_round(ends), y=_round(w * ends + b), mode="lines",
            name="your line", line=dict(color=USER_COLOR, width=2, dash="dash"),
            hovertemplate=f"your line: y = {w:.3g} x {b:+.3g}<extra></extra>",
        ))
    idx = np.arange(1, len(xs) + 1)
    data.append(dict(
        type="scatter", x=xs, y=pred, mode="markers", name="your predictions", showlegend=False,
        marker=dict(symbol="circle-open", color=USER_COLOR, size=marker_size(presentation) - 1),
        customdata=idx, hovertemplate="point %{customdata}: prediction %{y:.4g}<extra></extra>",
    ))
    for mask, label, color, symbol, size in (
        (~out, "points", DATA_COLOR, "circle", marker_size(presentation)),
        (out, "outliers", OUTLIER_MARK, "diamond", marker_size(presentation) + 4),
    ):
        if not mask.any() and label == "outliers":
            continue
        data.append(dict(
            type="scatter", x=xs[mask], y=ys[mask], mode="markers", name=label,
            showlegend=label == "outliers",
            marker=dict(color=color, size=size, symbol=symbol, line=dict(color="white", width=1)),
            customdata=idx[mask],
            hovertemplate="point %{customdata}<br>x %{x:.4g}, y %{y:.4g}<extra></extra>",
        ))
    layout = house_layout(height=height, presentation=presentation, x_title="x", y_title="y")
    # Equal-width entries (plotly's grid when a legend wraps) sized for these short names.
    layout["legend"].update(entrywidth=120 if presentation else 100, entrywidthmode="pixels")
    return build(data, layout)


def line_ends(x: Any) -> np.ndarray:
    """Where ``data_figure`` starts and ends its lines: the points' x range, padded."""
    xs = np.asarray(x, float)
    lo, hi = (float(xs.min()), float(xs.max())) if len(xs) else (-5.0, 5.0)
    pad = max(0.05 * (hi - lo), 0.5)
    return np.array([lo - pad, hi + pad])


def fit_line(ends: Any, name: str, w: float, b: float) -> dict[str, Any]:
    """The data of a loss's fitted line ``y = w x + b`` in ``data_figure``: x, y, hover text."""
    ends = np.asarray(ends, float)
    return dict(x=_round(ends), y=_round(w * ends + b),
                hovertemplate=f"{loss_label(name)} fit: y = {w:.3g} x {b:+.3g}<extra></extra>")


# -- loss and gradient against residual ------------------------------------------------------
def _subsample(n: int, most: int) -> np.ndarray:
    if n <= most:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, most)).astype(int))


def residual_curves_figure(
    residuals: Any,
    *,
    delta: float,
    deltas: Sequence[float] | None = None,
    r_max: float | None = None,
    height: int = 400,
    presentation: bool = False,
) -> go.Figure:
    """Loss (left) and gradient (right) against the residual for MSE, MAE and Huber.

    Dotted lines mark Huber's kinks at ``+-delta``; the current points sit on the Huber curves,
    coloured by zone (quadratic ``|r| <= delta``, linear beyond). With ``deltas`` the figure
    gets a slider over those precomputed Huber states (curves, kinks, points), so scrubbing
    delta repaints in the browser without asking the server.

    Example: ``residual_curves_figure([0.5, -2, 30], delta=1.0, deltas=[0.5, 1, 2])``
    """
    r = np.asarray(residuals, float)
    keep = _subsample(len(r), MAX_CURVE_POINTS)
    r_pts = r[keep]
    ds = np.unique(np.asarray(deltas if deltas is not None else [delta], float))
    active = int(np.argmin(np.abs(ds - delta)))
    if r_max is None:
        top = float(np.abs(r).max()) if len(r) else 0.0
        r_max = max(3.0, 1.1 * top, 1.2 * float(ds.max()))
    r_max = float(r_max)
    loss_top = 1.15 * r_max
    grad_top = 1.25 * max(1.0, float(ds.max()))
    grid = np.linspace(-r_max, r_max, 201)
    width = line_width(presentation)
    data: list[dict[str, Any]] = []
    for name in ("mse", "mae"):
        loss = _loss(name, delta)
        color = loss_color(name)
        data.append(dict(type="scatter", x=grid, y=loss.elementwise(grid), mode="lines",
                         name=loss_label(name), legendgroup=name,
                         line=dict(color=color, width=width), xaxis="x", yaxis="y"))
        gx = [-r_max, 0, 0, r_max] if name == "mae" else [-r_max, r_max]
        gy = [-1, -1, 1, 1] if name == "mae" else [-2 * r_max, 2 * r_max]
        data.append(dict(type="scatter", x=gx, y=gy, mode="lines", name=loss_label(name),
                         legendgroup=name, showlegend=False, line=dict(color=color, width=width),
                         xaxis="x2", yaxis="y2"))
    huber = loss_color("huber")

    moving = list(range(len(data), len(data) + 6))
    states, all_frames = _huber_states(r_pts.tobytes(), ds.tobytes(), r_max, tuple(moving))
    huber_state = states.__getitem__

    now = huber_state(active)
    data.append(dict(type="scatter", mode="lines", name="Huber", legendgroup="huber",
                     line=dict(color=huber, width=width), xaxis="x", yaxis="y", **now[0]))
    data.append(dict(type="scatter", mode="lines", name="Huber", legendgroup="huber",
                     showlegend=False, line=dict(color=huber, width=width), xaxis="x2",
                     yaxis="y2", **now[1]))
    for k, (axis, top, low) in enumerate((("", loss_top, 0.0), ("2", grad_top, -grad_top))):
        data.append(dict(type="scatter", mode="lines", name="kinks at ±δ", legendgroup="kink",
                         showlegend=k == 0, y=[low, top, None, low, top], hoverinfo="skip",
                         line=dict(color=huber, width=1.2, dash="dot"), xaxis="x" + axis,
                         yaxis="y" + axis, **now[2 + k]))
    zone_scale = [[0, ZONE_COLORS[0]], [0.5, ZONE_COLORS[0]], [0.5, ZONE_COLORS[1]],
                  [1, ZONE_COLORS[1]]]
    for k, (axis, what) in enumerate((("", "Huber loss"), ("2", "Huber gradient"))):
        state = now[4 + k]
        data.append(dict(
            type="scatter", x=r_pts, y=state["y"], mode="markers",
            name="your points: blue inside ±δ, pink outside", legendgroup="pts",
            showlegend=axis == "",
            marker=dict(color=state["marker"]["color"], colorscale=zone_scale, cmin=0, cmax=1,
                        size=marker_size(presentation) + 1,
                        line=dict(color="white", width=0.5)),
            customdata=(keep + 1),
            hovertemplate="point %{customdata}: r = %{x:.3g}, " + what
            + " %{y:.3g}<extra></extra>",
            xaxis="x" + axis, yaxis="y" + axis,
        ))
    layout = house_layout(height=height, presentation=presentation)
    subplot_layout(layout, cols=2, spacing=0.1,
                   titles=("loss ℓ(r)", "gradient ℓ′(r): the pull on a prediction"))
    for key in ("xaxis", "xaxis2"):
        layout[key].update(title={"text": "residual r = prediction − target"},
                           range=[-r_max, r_max])
    layout["yaxis"]["range"] = [-0.02 * loss_top, loss_top]
    layout["yaxis2"]["range"] = [-grad_top, grad_top]
    layout["margin"]["t"] = 70
    layout["legend"]["y"] = 1.12
    frames = None
    if len(ds) > 1:
        frames = all_frames
        still = {"mode": "immediate", "frame": {"duration": 0, "redraw": False},
                 "transition": {"duration": 0}}
        layout["sliders"] = [dict(
            active=active, x=0.0, len=1.0, y=-0.34, yanchor="top", pad=dict(t=0, b=0),
            ticklen=3, minorticklen=0, font=dict(color="rgba(0,0,0,0)", size=1),
            currentvalue=dict(prefix="preview δ = ", xanchor="left",
                              font=dict(color=DATA_COLOR, size=13)),
            steps=[dict(label=f["name"], method="animate", args=[[f["name"]], still])
                   for f in frames],
        )]
        layout["margin"]["b"] = 145
    return build(data, layout, frames)


@functools.lru_cache(maxsize=8)  # ~0.3 MB each (Python lists, ready for JSON)
def _huber_states(r_key: bytes, ds_key: bytes, r_max: float, moving: tuple[int, ...]
                  ) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]:
    """What moves with delta, for every delta at once: per delta the Huber curve, its
    gradient, the two kink markers and the points on both curves; and the animation frames.

    They depend on the residuals and the deltas only (not on the delta shown), so they are
    memoised: moving delta recomputes nothing here. Callers must not modify the result.
    """
    r_pts, ds = np.frombuffer(r_key), np.frombuffer(ds_key)
    # One rounding per array: the Huber curves (the quadratic piece sampled, the straight
    # ends need 2 points each), the kinks and the points on the curves.
    clipped = np.minimum(ds, r_max)
    cx = np.column_stack([np.full(len(ds), -r_max),
                          clipped[:, None] * np.linspace(-1.0, 1.0, 21),
                          np.full(len(ds), r_max)])
    hubers = [_loss("huber", float(d)) for d in ds]
    cy = np.array([h.elementwise(row) for h, row in zip(hubers, cx, strict=True)])
    gx = np.column_stack([np.full(len(ds), -r_max), -clipped, clipped,
                          np.full(len(ds), r_max)])
    gy = np.column_stack([-clipped, -clipped, clipped, clipped])
    if len(r_pts):
        pl = np.array([h.elementwise(r_pts) for h in hubers])
        pg = np.array([h.derivative(r_pts) for h in hubers])
    else:  # no points: the curves alone
        pl = pg = np.empty((len(ds), 0))
    cx_l, cy_l, gx_l, gy_l, pl_l, pg_l = (
        np.reshape(_round(a, 4), a.shape).tolist() for a in (cx, cy, gx, gy, pl, pg)
    )
    zones = (np.abs(r_pts)[None, :] > ds[:, None]).astype(int).tolist()
    kinks = [[-c, -c, None, c, c] for c in clipped.tolist()]
    states = [
        [
            dict(x=cx_l[k], y=cy_l[k]),
            dict(x=gx_l[k], y=gy_l[k]),
            dict(x=kinks[k]),
            dict(x=kinks[k]),
            dict(y=pl_l[k], marker=dict(color=zones[k])),
            dict(y=pg_l[k], marker=dict(color=zones[k])),
        ]
        for k in range(len(ds))
    ]
    # One frame per delta with only what moves; the slider animates between them in the
    # browser (no redraw of the other traces: about half the time of a restyle).
    frames = [
        dict(name=f"{d:g}", traces=list(moving),
             data=[dict(type="scatter", **part) for part in states[k]])
        for k, d in enumerate(ds.tolist())
    ]
    return states, frames


# -- each point's pull -------------------------------------------------------------------------
class Pull(NamedTuple):
    """Per point and per loss: share of the total loss (%) and the pull ``l'(r_i)``."""

    share: dict[str, np.ndarray]
    pull: dict[str, np.ndarray]


def pull_data(residuals: Any, *, delta: float) -> Pull:
    """Each point's share of the summed loss and its pull ``l'(r)`` on its own prediction.

    Example: ``pull_data([1, -3], delta=1).pull["mae"]  # [1, -1]``
    """
    r = np.asarray(residuals, float)
    share, pull = {}, {}
    if not len(r):
        empty = {name: np.empty(0) for name in REGRESSION_LOSSES}
        return Pull(empty, dict(empty))
    for name in REGRESSION_LOSSES:
        loss = _loss(name, delta)
        values = loss.elementwise(r)
        total = float(values.sum())
        share[name] = 100.0 * values / total if total > 0 else np.zeros_like(r)
        pull[name] = loss.derivative(r)
    return Pull(share, pull)


def pull_figure(
    residuals: Any,
    *,
    delta: float,
    is_outlier: Any = None,
    height: int = 420,
    presentation: bool = False,
) -> go.Figure:
    """Bars per point (numbered as in the table): share of each loss, and pull on the prediction.

    The pull is ``l'(r_i)``, the derivative of the point's loss with respect to its prediction:
    ``2 r`` for MSE (grows with the residual), ``sign(r)`` for MAE (capped at 1),
    ``clip(r, -delta, delta)`` for Huber (capped at delta). Outliers get a shaded column.

    Example: ``pull_figure([0.5, -1, 20], delta=1.0, is_outlier=[False, False, True])``
    """
    r = np.asarray(residuals, float)
    pulls = pull_data(r, delta=delta)
    labels = np.arange(1, len(r) + 1)
    data: list[dict[str, Any]] = []
    for name in REGRESSION_LOSSES:
        for axis, values in (("", pulls.share[name]), ("2", pulls.pull[name])):
            data.append(dict(
                type="bar", x=labels, y=values, name=loss_label(name), legendgroup=name,
                showlegend=axis == "", marker=dict(color=loss_color(name)),
                hovertemplate=f"point %{{x}}<br>{loss_label(name)} %{{y:.3g}}<extra></extra>",
                xaxis="x" + axis, yaxis="y" + axis,
            ))
    layout = house_layout(height=height, presentation=presentation)
    subplot_layout(layout, rows=2, spacing=0.12,
                   titles=("share of the total loss (%)", "pull on the prediction ℓ′(r)"))
    layout["xaxis"]["showticklabels"] = False
    layout["xaxis2"]["title"] = {"text": "point (numbered as in the table)"}
    out = np.zeros(len(r), bool) if is_outlier is None else np.asarray(is_outlier, bool)
    layout["shapes"] = [
        dict(type="rect", xref="x", yref="paper", x0=i + 0.5, x1=i + 1.5, y0=0, y1=1,
             fillcolor=OUTLIER_MARK, opacity=0.15, line=dict(width=0), layer="below")
        for i in np.flatnonzero(out)[:20].tolist()
    ]
    layout.update(bargap=0.15)
    layout["margin"]["t"] = 70
    layout["legend"]["y"] = 1.1
    if len(r) <= 40:
        for key in ("xaxis", "xaxis2"):
            layout[key]["dtick"] = 1 if len(r) <= 20 else 2
    return build(data, layout)


# -- outlier sensitivity -----------------------------------------------------------------------
def sweep_figure(
    sweep: Any,
    *,
    clean_slope: float,
    current: float | None = None,
    delta: float = 1.0,
    height: int = 380,
    presentation: bool = False,
) -> go.Figure:
    """Fitted slope (left) and error on the clean points (right) against outlier magnitude.

    ``sweep`` is a ``lossviz.experiments.Sweep``; ``clean_slope`` (the least-squares slope of
    the clean points) is drawn dotted; ``current`` marks the outlier magnitude on the page.

    Example: ``sweep_figure(outlier_sweep(x, y, outlier_x=4.5, magnitudes=m), clean_slope=1.5)``
    """
    m = np.asarray(sweep.magnitudes, float)
    data: list[dict[str, Any]] = []
    for name in sweep.slope:
        label = loss_label(name) + (f" (δ = {delta:g})" if name == "huber" else "")
        for axis, values in (("", sweep.slope[name]), ("2", sweep.clean_error[name])):
            data.append(dict(
                type="scatter", x=m, y=np.asarray(values, float), mode="lines+markers",
                name=label, legendgroup=name, showlegend=axis == "",
                line=dict(color=loss_color(name), width=line_width(presentation)),
                marker=dict(size=5),
                hovertemplate=f"{label}<br>outlier %{{x:.3g}} away<br>%{{y:.4g}}<extra></extra>",
                xaxis="x" + axis, yaxis="y" + axis,
            ))
    layout = house_layout(height=height, presentation=presentation)
    subplot_layout(layout, cols=2, spacing=0.12,
                   titles=("fitted slope", "error on the clean points (RMS)"))
    for key in ("xaxis", "xaxis2"):
        layout[key]["title"] = {"text": "how far the outlier sits from the line"}
    data.append(dict(
        type="scatter", x=[float(m[0]), float(m[-1])], y=[clean_slope, clean_slope],
        mode="lines", name="slope without the outlier",
        line=dict(color=DATA_COLOR, dash="dot", width=1.5),
        hovertemplate="slope without the outlier: %{y:.4g}<extra></extra>",
    ))
    shapes = []
    if current is not None:
        for axis in ("", "2"):
            shapes.append(dict(type="line", xref="x" + axis, yref=f"y{axis} domain", x0=current,
                               x1=current, y0=0, y1=1,
                               line=dict(color=OUTLIER_MARK, width=1.5, dash="dash")))
    layout["shapes"] = shapes
    layout["margin"]["t"] = 70
    layout["legend"]["y"] = 1.12
    return build(data, layout)
