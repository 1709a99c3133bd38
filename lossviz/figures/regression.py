"""Regression pictures: data and lines, loss and gradient against residual, each point's pull,
and the outlier sensitivity sweep.

Pure builders (arrays in, a ``go.Figure`` out; ``.spec`` gives plotly's figure dict) shared
by the app and notebooks. Colours and names of the losses come from ``lossviz.figures.style``.

Example::

    d = lossviz.make_regression(30, outliers=1, seed=0)
    data_figure(d.x, d.y, predictions=1.0 * d.x, is_outlier=d.is_outlier,
                lines={"mse": (1.9, 3.0)}, user_line=(1.0, 0.0))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

import lossviz
from lossviz.figures._spec import Spec, build, figure, house_layout, subplot_layout
from lossviz.figures.states import Drag, States
from lossviz.figures.style import (
    DATA_COLOR,
    OKABE_ITO,
    font_size,
    line_width,
    loss_color,
    loss_label,
    loss_label_at,
    marker_size,
)
from lossviz.losses import OUTLIER_LOSSES
from lossviz.numbers import figure_text, line_text

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
@figure
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
    x_title: str = "x",
    y_title: str = "y",
) -> Spec:
    """The points, the student's predictions with residual segments, and fitted lines
    (``x_title``, ``y_title``: the axes' titles, plotly text).

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
            type="scatter", x=_round(ends), y=_round(w * ends + b), mode="lines+markers",
            name="your line", line=dict(color=USER_COLOR, width=2, dash="dash"),
            marker=dict(symbol="square", size=marker_size(presentation) + 2,
                        color=USER_COLOR), cliponaxis=False,
            hovertemplate=f"your line: {line_text(w, b)}<extra></extra>",
        ))
    idx = np.arange(1, len(xs) + 1)
    data.append(dict(
        type="scatter", x=xs, y=pred, mode="markers", name="your predictions", showlegend=False,
        marker=dict(symbol="circle-open", color=USER_COLOR, size=marker_size(presentation) - 1),
        customdata=idx, hovertemplate="point %{customdata}: prediction %{y:,.4~r}<extra></extra>",
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
            hovertemplate="point %{customdata}<br>x %{x:,.4~r}, y %{y:,.4~r}<extra></extra>",
        ))
    layout = house_layout(height=height, presentation=presentation, x_title=x_title,
                          y_title=y_title)
    # Equal-width entries (plotly's grid when a legend wraps) sized for these short names.
    layout["legend"].update(entrywidth=120 if presentation else 100, entrywidthmode="pixels")
    return build(data, layout)


MAX_DRAGGED_POINTS = 60  # residuals that follow a drag of the student's line: ~50 KB of states


def your_line_states(x: Any, y: Any, *, intercept: float, slopes: Any, slope: float
                     ) -> States:
    """Every slope of the student's line on a grid (the intercept held): the line, its
    predictions and its residual segments, for ``data_figure(..., lines=None,
    reference=None, user_line=(slope, intercept))`` (traces 0, 1 and 2).

    Example: ``your_line_states(x, y, intercept=0.0, slopes=np.arange(-50, 51) / 10, slope=1)``
    """
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    grid = np.unique(np.append(np.asarray(slopes, float), float(slope)))
    ends = line_ends(xs)
    pred = grid[:, None] * xs[None, :] + intercept
    n = len(xs)
    seg = np.full((len(grid), 3 * n), np.nan)
    seg[:, 0::3] = ys[None, :]
    seg[:, 1::3] = pred
    line = grid[:, None] * ends[None, :] + intercept
    index = int(np.flatnonzero(grid == float(slope))[0])
    traces: dict[int, dict[str, Any]] = {1: {"y": line}}
    if n <= MAX_DRAGGED_POINTS:  # more points: the line alone moves until released
        traces.update({0: {"y": seg}, 2: {"y": pred}})
    return States("slope", grid, index, traces=traces,
                  captions=tuple(f"your line: {line_text(w, intercept, 4)}" for w in grid))


def your_line_drag() -> Drag:
    """The handle of ``your_line_states``: the right end of the student's line."""
    return Drag(1, 1, "Drag to tilt your line")


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
                hovertemplate=f"{loss_label(name)} fit: {line_text(w, b)}<extra></extra>")


# -- loss and gradient against residual ------------------------------------------------------
def _subsample(n: int, most: int) -> np.ndarray:
    if n <= most:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, most)).astype(int))


class CurvesData(NamedTuple):
    """Loss and gradient of MSE, MAE and Huber against the residual, Huber for every delta.

    ``grid``: residuals where MSE and MAE are drawn; ``points``: the points' residuals (at
    most ``MAX_CURVE_POINTS``, the outliers always among them), ``rows`` their numbers;
    ``deltas`` the grid of Huber's delta (``index`` the current one); ``huber_x``,
    ``huber_loss`` and ``huber_grad`` are Huber's curves, one row per delta.
    """

    grid: np.ndarray
    points: np.ndarray
    rows: np.ndarray
    is_outlier: np.ndarray
    deltas: np.ndarray
    index: int
    huber_x: np.ndarray
    huber_loss: np.ndarray
    grad_x: np.ndarray
    huber_grad: np.ndarray
    loss_top: float
    grad_top: float


def curves_data(residuals: Any, *, delta: float, deltas: Sequence[float] | None = None,
                is_outlier: Any = None) -> CurvesData:
    """The curves of ``curves_figure`` for residuals ``r = prediction - target``.

    The residual axis reaches every point (the outlier included); the loss axis reaches the
    highest cost of a point under any of the three losses, the gradient axis its largest pull.

    Example: ``curves_data([0.5, -2, -17], delta=1.0, deltas=[0.5, 1, 2])``
    """
    r = np.asarray(residuals, float)
    out = np.zeros(len(r), bool) if is_outlier is None else np.asarray(is_outlier, bool)
    keep = _subsample(len(r), MAX_CURVE_POINTS)
    keep = np.union1d(keep, np.flatnonzero(out)[:MAX_CURVE_POINTS // 4]).astype(int)
    ds = np.unique(np.append(np.asarray(deltas if deltas is not None else [], float), delta))
    index = int(np.argmin(np.abs(ds - delta)))
    reach = float(np.abs(r).max()) if len(r) else 0.0
    r_max = max(3.0, 1.08 * reach, 1.2 * float(delta))
    grid = np.linspace(-r_max, r_max, 81)  # a parabola needs no more to look smooth
    # Huber per delta: straight beyond the kinks (two points each side), curved within.
    cut = np.minimum(ds, r_max)[:, None]
    hx = np.column_stack([np.full(len(ds), -r_max), cut * np.linspace(-1, 1, 25),
                          np.full(len(ds), r_max)])
    q = np.minimum(np.abs(hx), ds[:, None])
    h_loss = q * (np.abs(hx) - 0.5 * q)
    gx = np.column_stack([np.full(len(ds), -r_max), -cut[:, 0], cut[:, 0],
                          np.full(len(ds), r_max)])
    h_grad = np.clip(gx, -ds[:, None], ds[:, None])
    pts = r[keep]
    loss_top = max(float((pts * pts).max()) if len(pts) else 1.0, 1.0) * 1.08
    # The gradient axis is sized for Huber's and MAE's pulls (so that δ can be read and
    # dragged); MSE's pull on far points leaves it, and the figure says how far.
    grad_top = max(1.3 * float(ds.max()), 2.5) * 1.08
    return CurvesData(grid, pts, keep + 1, out[keep], ds, index, hx, h_loss, gx, h_grad,
                      loss_top, grad_top)


# Trace order of curves_figure: (loss, gradient) pairs; States address traces by index.
C_MSE, C_MAE, C_HUBER = (0, 1), (2, 3), (4, 5)
C_POINTS, C_HUBER_POINTS, C_HANDLE = (6, 7), (8, 9), 10
# Huber's kinks at ±δ (a dotted line across each panel) and the δ named at the top: traces,
# so that a state of δ moves them with the curves.
C_KINKS, C_DELTA = (11, 12), 13


@figure
def curves_figure(data: CurvesData, *, height: int = 520, presentation: bool = False
                  ) -> Spec:
    """Loss (top) and gradient (bottom) against the residual for MSE, MAE and Huber, sharing
    the residual axis; Huber's kinks at ``±δ`` marked (dotted lines ``C_KINKS``, the value
    ``C_DELTA``); every point shown on all three curves, so one look says what each loss
    charges for it and how hard it pulls.

    Example: ``curves_figure(curves_data([0.5, -2, -17], delta=1.0))``
    """
    g, k = data.grid, data.index
    width = line_width(presentation)
    traces: list[dict[str, Any]] = []

    def pair(name, xs, loss_y, grad_x, grad_y, dash="solid"):
        for axis, x, y in (("", xs, loss_y), ("2", grad_x, grad_y)):
            traces.append(dict(type="scatter", x=x, y=y, mode="lines", name=loss_label(name),
                               legendgroup=name, showlegend=axis == "",
                               line=dict(color=loss_color(name), width=width, dash=dash),
                               hoverinfo="skip", xaxis="x" + axis, yaxis="y" + axis))

    # Straight pieces need only their ends: fewer points, a faster repaint in the browser.
    r_max = float(g[-1])
    ends = np.array([-r_max, r_max])
    pair("mse", g, g * g, ends, 2 * ends)
    pair("mae", np.array([-r_max, 0.0, r_max]), np.array([r_max, 0.0, r_max]),
         np.array([-r_max, 0.0, 0.0, r_max]), np.array([-1.0, -1.0, 1.0, 1.0]))
    pair("huber", data.huber_x[k], data.huber_loss[k], data.grad_x[k], data.huber_grad[k],
         dash="dash")
    d = float(data.deltas[k])
    pts = data.points
    colors = np.where(data.is_outlier, OUTLIER_MARK, DATA_COLOR).tolist()
    marker = dict(size=marker_size(presentation) - 1, line=dict(color="white", width=0.5))
    for axis, ys, what in (("", [pts * pts, np.abs(pts)], "cost"),
                           ("2", [2 * pts, np.sign(pts)], "gradient")):
        traces.append(dict(
            type="scatter", x=np.tile(pts, 2), y=np.concatenate(ys), mode="markers",
            name="your points (orange: outlier)", showlegend=axis == "",
            legendgroup="points", marker={**marker, "color": colors * 2},
            customdata=np.tile(data.rows, 2),
            hovertemplate="point %{customdata}: r = %{x:,.3~r}, " + what
                          + " %{y:,.3~r}<extra></extra>",
            xaxis="x" + axis, yaxis="y" + axis))
    for axis, ys, what in (("", _huber(pts, d), "Huber cost"),
                           ("2", np.clip(pts, -d, d), "Huber gradient")):
        traces.append(dict(
            type="scatter", x=pts, y=ys, mode="markers", name="your points (orange: outlier)",
            showlegend=False, legendgroup="points", marker={**marker, "color": colors},
            customdata=data.rows,
            hovertemplate="point %{customdata}: r = %{x:,.3~r}, " + what
                          + " %{y:,.3~r}<extra></extra>",
            xaxis="x" + axis, yaxis="y" + axis))
    traces.append(dict(
        type="scatter", x=[d], y=[d], mode="markers", name="δ: where Huber's pull stops",
        showlegend=False, marker=dict(size=marker_size(presentation) + 6, symbol="square",
                                      color=loss_color("huber"),
                                      line=dict(color="white", width=1.5)),
        hovertemplate="δ = %{x:,.3~r}: Huber's pull stops here<extra></extra>",
        xaxis="x2", yaxis="y2"))
    spans = ((-0.03 * data.loss_top, data.loss_top), (-data.grad_top, data.grad_top))
    for axis, (lo, hi) in zip(("", "2"), spans, strict=True):
        # named as Huber's curves: a lesson step that keeps Huber lit keeps its kinks lit
        traces.append(dict(
            type="scatter", x=_kinks(d), y=[lo, hi, None, lo, hi], mode="lines",
            name=loss_label("huber"), showlegend=False, hoverinfo="skip",
            line=dict(color=loss_color("huber"), width=1.2, dash="dot"),
            xaxis="x" + axis, yaxis="y" + axis))
    traces.append(dict(
        type="scatter", x=[d], y=[data.loss_top], mode="text", text=[_delta_text(d)],
        textposition="bottom right", cliponaxis=False, name="δ", showlegend=False,
        hoverinfo="skip",
        textfont=dict(color=loss_color("huber"), size=20 if presentation else 13)))
    layout = house_layout(height=height, presentation=presentation)
    subplot_layout(layout, rows=2, spacing=0.1, titles=(
        "cost of a point ℓ(r)", "gradient ℓ′(r): how hard a point pulls"),
        font_size=20 if presentation else 13)
    r_max = float(g[-1])
    layout["xaxis"].update(range=[-r_max, r_max], showticklabels=False, fixedrange=True)
    layout["xaxis2"].update(range=[-r_max, r_max], fixedrange=True,
                            title={"text": "residual r = prediction − target"})
    layout["yaxis"].update(range=[-0.03 * data.loss_top, data.loss_top], fixedrange=True)
    layout["yaxis2"].update(range=[-data.grad_top, data.grad_top], fixedrange=True)
    if len(pts) and 2 * float(np.abs(pts).max()) > data.grad_top:
        far = float(pts[int(np.argmax(np.abs(pts)))])  # MSE's pull leaves the axis here
        up = far > 0
        # On a projector the long note ran across the δ lines at the middle: a short one.
        said = "MSE's pull here:" if presentation else "MSE pulls this point with"
        layout["annotations"].append(dict(
            x=far, y=data.grad_top if up else -data.grad_top, xref="x2", yref="y2",
            text=f"{said} {figure_text(abs(2 * far))} {'↑' if up else '↓'}",
            showarrow=True, arrowhead=2, ax=0, ay=28 if up else -28,
            xanchor="right" if far > 0 else "left", bgcolor="rgba(255,255,255,0.92)",
            font=dict(color=loss_color("mse"), size=20 if presentation else 13)))
    layout.update(dragmode=False)
    layout["margin"]["t"] = 70
    layout["legend"]["y"] = 1.08
    return build(traces, layout)


def _kinks(delta: Any) -> list[Any] | np.ndarray:
    """x of the two dotted lines at ``-δ`` and ``δ`` (a gap between them); for an array
    of deltas, one row per delta."""
    if np.ndim(delta) == 0:
        return [-delta, -delta, None, delta, delta]
    ds = np.asarray(delta, np.float64)
    return np.column_stack([-ds, -ds, np.full(len(ds), np.nan), ds, ds])


def _delta_text(delta: float) -> str:
    return f"δ = {delta:,g}"


def _huber(r: np.ndarray, delta: float) -> np.ndarray:
    if not len(r):  # no points: the curves alone (the loss refuses an empty array)
        return np.empty(0)
    return lossviz.get_loss("huber", delta=delta).elementwise(r)


def curves_states(data: CurvesData) -> States:
    """Every delta of ``data``: Huber's curves, its kinks, the points on its curves and the
    handle at ``(δ, δ)``."""
    pts = data.points
    ds = data.deltas
    q = np.minimum(np.abs(pts)[None, :], ds[:, None])
    traces = {
        C_HUBER[0]: {"x": data.huber_x, "y": data.huber_loss},
        C_HUBER[1]: {"x": data.grad_x, "y": data.huber_grad},
        C_HUBER_POINTS[0]: {"y": q * (np.abs(pts)[None, :] - 0.5 * q)},
        C_HUBER_POINTS[1]: {"y": np.clip(pts[None, :], -ds[:, None], ds[:, None])},
        C_HANDLE: {"x": ds[:, None], "y": ds[:, None]},
        C_KINKS[0]: {"x": _kinks(ds)},
        C_KINKS[1]: {"x": _kinks(ds)},
        C_DELTA: {"x": ds[:, None], "text": [[_delta_text(float(d))] for d in ds]},
    }
    return States("δ", ds, data.index, traces, captions=tuple(
        f"Huber with δ = {d:,g}: quadratic for |r| ≤ {d:,g}, straight beyond; "
        f"its pull stops at {d:,g}" for d in ds))


def delta_drag() -> Drag:
    """The handle of ``curves_figure``: the square where Huber's pull stops (at δ)."""
    return Drag(C_HANDLE, 0, "Drag to change δ, where Huber's pull stops")


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
        empty = {name: np.empty(0) for name in OUTLIER_LOSSES}
        return Pull(empty, dict(empty))
    for name in OUTLIER_LOSSES:
        loss = _loss(name, delta)
        values = loss.elementwise(r)
        total = float(values.sum())
        share[name] = 100.0 * values / total if total > 0 else np.zeros_like(r)
        pull[name] = loss.derivative(r)
    return Pull(share, pull)


@figure
def pull_figure(
    residuals: Any,
    *,
    delta: float,
    is_outlier: Any = None,
    height: int = 420,
    presentation: bool = False,
) -> Spec:
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
    for name in OUTLIER_LOSSES:
        for axis, values in (("", pulls.share[name]), ("2", pulls.pull[name])):
            data.append(dict(
                type="bar", x=labels, y=values, name=loss_label(name), legendgroup=name,
                showlegend=axis == "", marker=dict(color=loss_color(name)),
                hovertemplate=f"point %{{x}}<br>{loss_label(name)} %{{y:,.3~r}}<extra></extra>",
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
@figure
def sweep_figure(
    sweep: Any,
    *,
    clean_slope: float,
    current: float | None = None,
    delta: float = 1.0,
    height: int = 380,
    presentation: bool = False,
) -> Spec:
    """Fitted slope (left) and error on the clean points (right) against outlier magnitude.

    ``sweep`` is a ``lossviz.experiments.Sweep``; ``clean_slope`` (the least-squares slope of
    the clean points) is drawn dotted; ``current`` marks the outlier magnitude on the page.

    Example: ``sweep_figure(outlier_sweep(x, y, outlier_x=4.5, magnitudes=m), clean_slope=1.5)``
    """
    m = np.asarray(sweep.magnitudes, float)
    data: list[dict[str, Any]] = []
    for name in sweep.slope:
        label = loss_label_at(name, delta)
        for axis, values in (("", sweep.slope[name]), ("2", sweep.clean_error[name])):
            data.append(dict(
                type="scatter", x=m, y=np.asarray(values, float), mode="lines+markers",
                name=label, legendgroup=name, showlegend=axis == "",
                line=dict(color=loss_color(name), width=line_width(presentation)),
                marker=dict(size=5),
                hovertemplate=(f"{label}<br>outlier %{{x:,.3~r}} away<br>%{{y:,.4~r}}"
                               "<extra></extra>"),
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
        hovertemplate="slope without the outlier: %{y:,.4~r}<extra></extra>",
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


# -- cross-validation: each loss's line from every fold ----------------------------------------
class FoldLines(NamedTuple):
    """The points and each loss's line from every fold of a cross-validation
    (``lossviz.experiments.cross_validate``): ``slopes`` and ``intercepts`` are ``(L, K)``,
    one row per loss in ``losses``, one column per fold (the line fitted without that fold's
    points); ``ends`` are the x where the lines start and stop. How far a loss's K lines fan
    out is how much a fifth of the points decides it."""

    x: np.ndarray
    y: np.ndarray
    losses: tuple[str, ...]
    slopes: np.ndarray
    intercepts: np.ndarray
    ends: np.ndarray
    delta: float


def fold_lines_data(x: Any, y: Any, cv: Any, *, delta: float) -> FoldLines:
    """``cv`` (a ``CrossValidation`` of the points ``x``, ``y``) as the picture's data.

    Example: ``fold_lines_data(x, y, cross_validate(x, y, delta=2.0), delta=2.0)``
    """
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError(f"x and y must be 1-D and of the same length; got {xs.shape} and "
                         f"{ys.shape}")
    slopes, intercepts = np.asarray(cv.slopes, float), np.asarray(cv.intercepts, float)
    if slopes.shape != intercepts.shape or slopes.shape[0] != len(cv.losses):
        raise ValueError("one row of slopes and intercepts per loss")
    return FoldLines(xs, ys, tuple(cv.losses), slopes, intercepts, line_ends(xs), float(delta))


@figure
def fold_lines_figure(data: FoldLines, *, height: int = 340, presentation: bool = False,
                      x_title: str = "x", y_title: str = "y") -> Spec:
    """One panel per loss, side by side on the same axes (titled once): the points (grey)
    and the loss's line from every fold. A loss whose lines fan out is decided by a few points.
    ``x_title`` and ``y_title`` name the axes (plotly markup is not escaped here).

    Example: ``fold_lines_figure(fold_lines_data(x, y, cv, delta=1.0))``
    """
    cols = len(data.losses)
    axes = tuple(f"{a}{'' if k == 1 else k}" for k in range(1, cols + 1) for a in ("x", "y"))
    layout = house_layout(height=height, presentation=presentation, axes=axes)
    titles = tuple(loss_label_at(n, data.delta) for n in data.losses)
    subplot_layout(layout, cols=cols, spacing=0.08 if presentation else 0.05, titles=titles,
                   font_size=font_size(presentation))
    lines = data.slopes[..., None] * data.ends + data.intercepts[..., None]  # (L, K, 2)
    span = np.concatenate([data.y, lines.ravel()])
    lo, hi = float(span.min()), float(span.max())
    pad = 0.05 * (hi - lo) or 1.0
    size = max(3, marker_size(presentation) - 4)
    traces: list[dict[str, Any]] = []
    for j, name in enumerate(data.losses):
        sx = "" if j == 0 else str(j + 1)
        traces.append(dict(type="scatter", x=data.x, y=data.y, mode="markers", name="points",
                           showlegend=False, marker=dict(color=DATA_COLOR, size=size,
                                                         opacity=0.45),
                           hoverinfo="skip", xaxis="x" + sx, yaxis="y" + sx))
        for k in range(data.slopes.shape[1]):
            w, b = float(data.slopes[j, k]), float(data.intercepts[j, k])
            traces.append(dict(
                type="scatter", x=data.ends, y=lines[j, k], mode="lines",
                name=f"{loss_label(name)} fit {k + 1}", showlegend=False,
                line=dict(color=loss_color(name), width=line_width(presentation) * 0.75),
                hovertemplate=f"{loss_label(name)}, fit {k + 1} (without fifth {k + 1}): "
                              f"{line_text(w, b)}<extra></extra>",
                xaxis="x" + sx, yaxis="y" + sx))
        # few ticks: a panel is a third of the width, and one panel's last tick label ran
        # into the next one's first ("4.5 5 3 3.5" on a projector)
        layout["xaxis" + sx].update(range=[float(data.ends[0]), float(data.ends[1])],
                                    fixedrange=True, nticks=3 if presentation else 4)
        layout["yaxis" + sx].update(range=[lo - pad, hi + pad], fixedrange=True,
                                    showticklabels=j == 0)
    # One title per axis (the panels share both axes): three would overlap on a phone.
    middle = "" if cols < 3 else str(cols // 2 + 1)
    layout["xaxis" + middle]["title"] = {"text": x_title}
    layout["yaxis"]["title"] = {"text": y_title}
    layout.update(dragmode=False, showlegend=False)
    layout["margin"]["t"] = 36
    return build(traces, layout)
