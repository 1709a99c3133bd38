"""Pictures for user-written losses: the custom loss beside the built-ins, and its fit.

- ``curves_data(losses, low=, high=)`` then ``curves_figure(data, kind="loss")`` or
  ``kind="derivative"``: each loss (and its exact derivative) as a function of the residual
  r or the margin m; the custom loss is dashed, in its own colour.
- ``fit_data(task, x, y, highlight, histories)`` then ``fit_figure(data)``: the example data
  with each loss's final fit (regression lines, or the decision threshold of a 1-D
  classifier).

The race between the losses is ``lossviz.figures.descent.convergence_figure``.

Example::

    loss = lossviz.custom_loss("log(1 + r**2)")
    data = curves_data([lossviz.get_loss("mse"), loss], low=-4, high=4)
    curves_figure(data, kind="derivative")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from lossviz.custom import CustomLoss
from lossviz.figures._spec import Spec, build, figure, round_sig, screen
from lossviz.figures.style import (
    CLASS_COLORS,
    CLASS_SYMBOLS,
    DASHES,
    DATA_COLOR,
    OUTLIER_COLOR,
    house_layout,
    line_width,
    loss_color,
    marker_size,
)
from lossviz.losses import Loss
from lossviz.training import History

CURVE_POINTS = 301
_AXIS = {"r": "residual r = y_pred − y_true", "m": "margin m = (2y − 1) f"}
FLIPPED_RIM = "black"


class CurvesData(NamedTuple):
    """The data step of ``curves_figure``: values and exact slopes of each loss on ``z``."""

    variable: str
    z: np.ndarray
    names: tuple[str, ...]
    labels: tuple[str, ...]
    values: tuple[np.ndarray, ...]
    slopes: tuple[np.ndarray, ...]


def curves_data(
    losses: Sequence[Loss], *, low: float, high: float, points: int = CURVE_POINTS
) -> CurvesData:
    """Each loss and its derivative at ``points`` values of r (or m) from ``low`` to ``high``.

    Non-finite values (where a formula is undefined) are kept as NaN: a gap in the chart.

    Example: ``curves_data([get_loss("mse")], low=-4, high=4).slopes[0][-1]  # 8.0``
    """
    z = np.linspace(float(low), float(high), int(points))
    variable = losses[0].variable if losses else "r"
    values, slopes = [], []
    with np.errstate(all="ignore"):
        for loss in losses:
            # A custom formula may be undefined on part of the range: keep NaN as a gap.
            kw = {"check": False} if isinstance(loss, CustomLoss) else {}
            values.append(np.asarray(loss.elementwise(z, **kw), dtype=np.float64))
            slopes.append(np.asarray(loss.derivative(z, **kw), dtype=np.float64))
    return CurvesData(
        variable=variable,
        z=z,
        names=tuple(loss.name for loss in losses),
        labels=tuple(loss.label for loss in losses),
        values=tuple(values),
        slopes=tuple(slopes),
    )


def _y_range(curves: Sequence[np.ndarray], names: Sequence[str]) -> list[float] | None:
    """An axis range that keeps the built-ins readable when a custom curve explodes."""
    builtin = [c[np.isfinite(c)] for c, n in zip(curves, names, strict=True) if n != "custom"]
    every = [c[np.isfinite(c)] for c in curves]
    every = [c for c in every if c.size]
    if not every:
        return None
    lo = min(float(c.min()) for c in every)
    hi = max(float(c.max()) for c in every)
    builtin = [c for c in builtin if c.size]
    if builtin:
        b_lo = min(float(c.min()) for c in builtin)
        b_hi = max(float(c.max()) for c in builtin)
        span = max(b_hi - b_lo, 1e-9)
        lo = max(lo, b_lo - 3.0 * span)
        hi = min(hi, b_hi + 3.0 * span)
    pad = 0.05 * max(hi - lo, 1e-9)
    return [lo - pad, hi + pad]


@figure
def curves_figure(
    data: CurvesData,
    *,
    kind: str = "loss",
    height: int = 360,
    compact: bool = False,
    presentation: bool = False,
) -> Spec:
    """The losses (``kind="loss"``) or their derivatives (``kind="derivative"``) against r or m.

    The custom loss is dashed. The y axis keeps the built-ins readable: a custom curve far
    above or below them runs off the chart instead of squashing them flat. ``compact``: the
    short axis titles (``r``, ``m``) for a phone's width.

    Example: ``curves_figure(curves_data([loss], low=-4, high=4), kind="derivative")``
    """
    if kind not in ("loss", "derivative"):
        raise ValueError(f"kind must be 'loss' or 'derivative'; got {kind!r}")
    curves = data.values if kind == "loss" else data.slopes
    z = data.variable
    x = screen(data.z)
    traces: list[dict[str, Any]] = [
        dict(
            type="scatter", x=x, y=screen(y), mode="lines", name=label,
            line=dict(color=loss_color(name), width=line_width(presentation) + (name == "custom"),
                      dash=DASHES.get(name, "solid")),
            connectgaps=False,
            hovertemplate=f"{label}<br>{z} = %{{x:.3g}}<br>%{{y:.4g}}<extra></extra>",
        )
        for name, label, y in zip(data.names, data.labels, curves, strict=True)
    ]
    y_title = "loss" if kind == "loss" else f"slope d loss / d {z}"
    layout = house_layout(height=height, presentation=presentation,
                          x_title=z if compact else _AXIS.get(z, z), y_title=y_title)
    # The axes through 0, as plotly's add_hline / add_vline draw them.
    layout["shapes"] = [
        dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=0.0, y1=0.0,
             line=dict(color="rgba(0,0,0,0.35)", width=1)),
        dict(type="line", xref="x", x0=0.0, x1=0.0, yref="y domain", y0=0, y1=1,
             line=dict(color="rgba(0,0,0,0.2)", width=1)),
    ]
    y_range = _y_range(curves, data.names)
    if y_range is not None:
        layout["yaxis"]["range"] = y_range
    return build(traces, layout)


class FitData(NamedTuple):
    """The data step of ``fit_figure``.

    Regression: ``grid`` and one line of predictions per loss. Classification (1-D inputs):
    ``thresholds`` holds each loss's decision threshold x = -b / w (NaN when w = 0).
    """

    task: str
    x: np.ndarray
    y: np.ndarray
    highlight: np.ndarray
    names: tuple[str, ...]
    labels: tuple[str, ...]
    grid: np.ndarray
    lines: tuple[np.ndarray, ...]
    thresholds: tuple[float, ...]


def fit_data(
    task: str,
    x: Any,
    y: Any,
    highlight: Any,
    histories: Mapping[tuple[str, str], History],
    *,
    points: int = 50,
) -> FitData:
    """Final fits of each run in ``histories`` (keyed by ``(name, label)``) on the data."""
    xs = np.asarray(x, dtype=np.float64).ravel()
    grid = np.linspace(xs.min(), xs.max(), points)
    lines, thresholds = [], []
    for h in histories.values():
        lines.append(h.predict(grid))
        w, b = h.coefficients()
        w0 = float(np.ravel(w)[0])
        thresholds.append(-float(b) / w0 if w0 != 0 else float("nan"))
    return FitData(
        task=task,
        x=xs,
        y=np.asarray(y, dtype=np.float64),
        highlight=np.asarray(highlight, dtype=bool),
        names=tuple(name for name, _ in histories),
        labels=tuple(label for _, label in histories),
        grid=grid,
        lines=tuple(lines),
        thresholds=tuple(thresholds),
    )


@figure
def fit_figure(data: FitData, *, height: int = 360, compact: bool = False,
               presentation: bool = False) -> Spec:
    """The example data and what each loss fitted to it.

    Regression: points and outliers (in vermillion, a legend entry of their own) and each
    loss's fitted line. Classification: the points at height 0 or 1 by class (flipped labels
    with a dark rim, named in the legend) and each loss's decision threshold as a vertical
    line. ``compact`` is accepted for a uniform call (this chart has no long titles).

    Example: ``fit_figure(fit_data("regression", x, y, outlier, {("mse", "MSE"): h}))``
    """
    traces: list[dict[str, Any]] = []
    size = marker_size(presentation)
    if data.task == "regression":
        for mask, name, color in ((~data.highlight, "data", DATA_COLOR),
                                  (data.highlight, "outliers", OUTLIER_COLOR)):
            if name == "outliers" and not mask.any():
                continue
            traces.append(dict(
                type="scatter", x=screen(data.x[mask]), y=screen(data.y[mask]),
                mode="markers", name=name, marker=dict(color=color, size=size, opacity=0.85),
                hovertemplate=f"{name[:-1] if name == 'outliers' else 'point'}<br>"
                              "x %{x:.3g}<br>y %{y:.3g}<extra></extra>",
            ))
        grid = screen(data.grid)
        for name, label, line in zip(data.names, data.labels, data.lines, strict=True):
            traces.append(dict(
                type="scatter", x=grid, y=screen(line), mode="lines", name=label,
                line=dict(color=loss_color(name), width=line_width(presentation),
                          dash=DASHES.get(name, "solid")),
                hovertemplate=f"{label} fit<br>x %{{x:.3g}}<br>y %{{y:.3g}}<extra></extra>",
            ))
        layout = house_layout(height=height, presentation=presentation, x_title="x",
                              y_title="y")
        lo, hi = float(np.min(data.y)), float(np.max(data.y))
        pad = 0.1 * max(hi - lo, 1e-9)
        layout["yaxis"]["range"] = [lo - pad, hi + pad]  # a wild fit must not hide the data
        return build(traces, layout)
    for cls in (0, 1):
        mask = data.y == cls
        traces.append(dict(
            type="scatter", x=screen(data.x[mask]), y=np.full(int(mask.sum()), cls, np.int8),
            mode="markers", name=f"class {cls}",
            marker=dict(color=CLASS_COLORS[cls], symbol=CLASS_SYMBOLS[cls], size=size,
                        line=dict(color=np.where(data.highlight[mask], FLIPPED_RIM,
                                                 "white").tolist(), width=1.5)),
            hovertemplate=f"class {cls}<br>x %{{x:.3g}}<extra></extra>",
        ))
    if data.highlight.any():
        traces.append(dict(
            type="scatter", x=[None], y=[None], mode="markers", name="flipped label (dark rim)",
            marker=dict(color="white", size=size, line=dict(color=FLIPPED_RIM, width=1.5)),
            hoverinfo="skip",
        ))
    for name, label, t in zip(data.names, data.labels, data.thresholds, strict=True):
        if not np.isfinite(t):
            continue
        traces.append(dict(
            type="scatter", x=round_sig([t, t], 5).tolist(), y=[-0.25, 1.25], mode="lines",
            name=label,
            line=dict(color=loss_color(name), width=line_width(presentation),
                      dash=DASHES.get(name, "solid")),
            hovertemplate=f"{label}: threshold x = %{{x:.3g}}<extra></extra>",
        ))
    layout = house_layout(height=height, presentation=presentation, x_title="x",
                          y_title="class")
    layout["yaxis"].update(tickvals=[0, 1], range=[-0.4, 1.4])
    lo, hi = float(data.x.min()), float(data.x.max())
    layout["xaxis"]["range"] = [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)]
    return build(traces, layout)
