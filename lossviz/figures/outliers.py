"""The regression lab's first picture: one outlier, the best line of each loss, and the pull of
every point on those lines, for every distance of the outlier at once.

Data steps compute everything from the points (exact minimisers, ``robust_line``); render
steps draw one distance and return the others as ``States``, so the browser moves the outlier
and the lines together while the student drags it.

- ``lines_data(x, y, is_outlier, delta=..., shift=..., shifts=...)`` -> ``LinesData``
- ``lines_figure(data)`` / ``lines_states(data)``: points, the outliers, each loss's best line
  and the least-squares line without the outliers;
- ``pulls_data(data)`` -> ``PullsData``; ``pulls_figure(pulls)`` / ``pulls_states(pulls)``:
  how hard each point pulls on each loss's best line (up is +).

Example::

    d = lossviz.make_regression(30, outliers=1, outlier_shift=20, seed=0)
    data = lines_data(d.x, d.y, d.is_outlier, delta=1.0, shift=20, shifts=range(-60, 61))
    fig, states = lines_figure(data), lines_states(data)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import lossviz
from lossviz.claims import STARS_GIANT_BELOW
from lossviz.experiments import robust_line
from lossviz.figures._spec import Spec, build, figure, house_layout
from lossviz.figures.states import Drag, States
from lossviz.figures.style import (
    DATA_COLOR,
    OKABE_ITO,
    line_width,
    loss_color,
    loss_label_at,
    marker_size,
)
from lossviz.losses import OUTLIER_LOSSES as LOSSES
from lossviz.numbers import figure_text, line_text

OUTLIER_COLOR = OKABE_ITO["orange"]  # vermillion is MSE's
CLEAN_COLOR = "#A0A0A0"
# Trace order of lines_figure (States address traces by index).
T_POINTS, T_OUTLIERS, T_LINES, T_CLEAN = 0, 1, {"mse": 2, "mae": 3, "huber": 4}, 5
T_LABELS = 6  # the lines' names at their right ends (a text trace: a state moves it)
HEADROOM = 1.5  # the y axis leaves room to drag the outlier 50% further than it is


def _loss(name: str, delta: float) -> lossviz.Loss:
    return lossviz.get_loss(name, **({"delta": delta} if name == "huber" else {}))


NAMES = {"mse": "MSE", "mae": "MAE", "huber": "Huber"}  # trace names: lessons highlight by them


class LinesData(NamedTuple):
    """The points and each loss's best line, at the current outlier distance and on a grid.

    ``lines[name]`` is ``(w, b)`` now; ``swept[name]`` is ``(k, 2)``: the line for each
    distance in ``shifts`` (``index`` is the current one); ``outlier_y`` is ``(k, m)``: where
    the ``m`` outliers sit at each distance. ``clean`` is the least-squares line of the points
    that are not outliers (None when all or none are). Without a grid, ``k`` is 1.
    """

    x: np.ndarray
    y: np.ndarray
    is_outlier: np.ndarray
    delta: float
    lines: dict[str, np.ndarray]
    clean: np.ndarray | None
    shifts: np.ndarray
    index: int
    outlier_y: np.ndarray
    swept: dict[str, np.ndarray]
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def lines_data(x: Any, y: Any, is_outlier: Any, *, delta: float, shift: float | None = None,
               shifts: Any = None, min_pad: float = 0.5) -> LinesData:
    """Each loss's exact best line for the points, and for every outlier distance in
    ``shifts`` (the outliers move together by ``s - shift``; ``shift`` is where they are now).

    Without ``shift``/``shifts`` (points typed by hand, a real data set) there is one state:
    now. The x axis reaches 5% of the points' range past them, and at least ``min_pad``
    (0 for real data, whose x can span less than 1 or many thousands).
    """
    xs = np.asarray(x, float)
    ys = np.asarray(y, float)
    out = np.asarray(is_outlier, bool)
    now_shift = 0.0 if shift is None else float(shift)
    lines = {name: robust_line(xs, ys, name, delta=delta) for name in LOSSES}
    clean = None
    if out.any() and (~out).sum() >= 2 and np.ptp(xs[~out]) > 0:
        clean = robust_line(xs[~out], ys[~out], "mse")
    lo, hi = float(xs.min()), float(xs.max())
    pad = max(0.05 * (hi - lo), min_pad)
    x_range = (lo - pad, hi + pad)
    # The y axis holds the points, the outliers at up to HEADROOM times their distance, and
    # the lines where the points are: room to drag, and the clean points still readable.
    if abs(now_shift) >= 10:
        reach = now_shift * HEADROOM
    else:
        reach = now_shift + (15.0 if now_shift >= 0 else -15.0)
    tops = [ys]
    if out.any() and shift is not None and shifts is not None:  # room to drag them
        tops.append(ys[out] + (reach - now_shift))
    for w, b in lines.values():
        tops.append(np.array([w * x_range[0] + b, w * x_range[1] + b]))
    allv = np.concatenate(tops)
    y_lo, y_hi = float(allv.min()), float(allv.max())
    span = max(y_hi - y_lo, 1.0)
    y_range = (y_lo - 0.06 * span, y_hi + 0.06 * span)
    if shift is None or shifts is None or not out.any():
        grid, index = np.array([now_shift]), 0
        moved = ys[None, :]
    else:
        grid = np.unique(np.append(np.round(np.asarray(shifts, float), 9), now_shift))
        # Only the distances the outliers can be dragged to inside the axis: what the
        # browser cannot reach is not sent.
        oy = ys[out][None, :] + (grid - now_shift)[:, None]
        inside = np.all((oy >= y_range[0]) & (oy <= y_range[1]), axis=1)
        inside[grid == now_shift] = True
        grid = grid[inside]
        index = int(np.flatnonzero(grid == now_shift)[0])
        moved = np.tile(ys, (len(grid), 1))
        moved[:, out] += (grid - now_shift)[:, None]
    swept = {name: np.atleast_2d(robust_line(xs, moved, name, delta=delta)) for name in LOSSES}
    lines = {name: swept[name][index] for name in LOSSES}
    return LinesData(xs, ys, out, float(delta), lines, clean, grid, index,
                     moved[:, out], swept, x_range, y_range)


def _ends(data: LinesData) -> np.ndarray:
    return np.array(data.x_range)


@figure
def lines_figure(data: LinesData, *, height: int = 420, presentation: bool = False,
                 x_title: str = "x", y_title: str = "y") -> Spec:
    """The points (grey), the outliers (orange diamonds, one of them named beside it), each
    loss's best line (named at its right end by trace ``T_LABELS``) and, dashed, the
    least-squares line without the outliers. ``x_title`` and
    ``y_title`` name the axes (a real data set's columns and units; plotly markup is not
    escaped here: the caller escapes a user's text).

    Example: ``lines_figure(lines_data(x, y, out, delta=1.0))``
    """
    ends = _ends(data)
    clean, out = ~data.is_outlier, data.is_outlier
    size = marker_size(presentation)
    rows = np.arange(1, len(data.x) + 1)
    traces: list[dict[str, Any]] = [
        dict(type="scatter", x=data.x[clean], y=data.y[clean], mode="markers", name="points",
             marker=dict(color=DATA_COLOR, size=size, line=dict(color="white", width=1)),
             customdata=rows[clean],
             hovertemplate="point %{customdata}: x %{x:,.3~r}, y %{y:,.3~r}<extra></extra>"),
        dict(type="scatter", x=data.x[out], y=data.outlier_y[data.index],
             mode="markers+text", name="outlier",
             marker=dict(color=OUTLIER_COLOR, size=size + 8, symbol="diamond",
                         line=dict(color="white", width=1.5)),
             customdata=rows[out], cliponaxis=False, **_outlier_label(data, presentation),
             hovertemplate="outlier (point %{customdata}): y %{y:,.3~r}<extra></extra>"),
    ]
    width = line_width(presentation)
    for name in LOSSES:
        w, b = data.lines[name]
        traces.append(dict(
            type="scatter", x=ends, y=w * ends + b, mode="lines", name=NAMES[name],
            showlegend=False, line=dict(color=loss_color(name), width=width,
                      dash="dash" if name == "huber" else "solid"),
            hovertemplate=f"{loss_label_at(name, data.delta)}'s best line<br>"
                          "y = %{customdata[0]:,.3~r} x %{customdata[1]:+,.3~r}<extra></extra>",
            customdata=[[w, b]] * 2,
        ))
    if data.clean is not None:
        w, b = data.clean
        traces.append(dict(type="scatter", x=ends, y=w * ends + b, mode="lines",
                           name="MSE without the outlier",
                           line=dict(color=CLEAN_COLOR, width=2, dash="dot"),
                           hovertemplate=f"without outliers: {line_text(w, b)}<extra></extra>"))
    else:
        traces.append(dict(type="scatter", x=[], y=[], mode="lines", showlegend=False,
                           name="MSE without the outliers", hoverinfo="skip"))
    traces.append(_end_labels(data, data.index, presentation))
    layout = house_layout(height=height, presentation=presentation, x_title=x_title,
                          y_title=y_title)
    layout["xaxis"].update(range=list(data.x_range), fixedrange=True)
    layout["yaxis"].update(range=list(data.y_range), fixedrange=True)
    layout.update(dragmode=False, showlegend=False)
    layout["margin"].update(r=90)
    return build(traces, layout)


def _label_heights(data: LinesData, k: int) -> list[float]:
    """y of each line's end label at state ``k`` (the three losses, then the line without
    the outliers), pushed apart so labels never overlap."""
    x1 = data.x_range[1]
    ys = [float(data.swept[n][k][0] * x1 + data.swept[n][k][1]) for n in LOSSES]
    if data.clean is not None:
        ys.append(float(data.clean[0] * x1 + data.clean[1]))
    gap = 0.065 * (data.y_range[1] - data.y_range[0])
    order = np.argsort(ys)
    placed = list(ys)
    tall = len(ys) - 1 if data.clean is not None else -1  # "without outlier": two lines
    for i in range(1, len(order)):
        a, b = order[i - 1], order[i]
        placed[b] = max(placed[b], placed[a] + gap * (1.6 if tall in (a, b) else 1.0))
    # Plotly hides a label outside the axis: a stack pushed past the top comes down whole.
    over = placed[order[-1]] - (data.y_range[1] - 0.5 * gap)
    if over > 0:
        placed = [h - over for h in placed]
    return placed


def _end_labels(data: LinesData, k: int, presentation: bool) -> dict[str, Any]:
    """Each line named at its right end (no legend to read), in the margin beside the plot:
    a text trace, so that a state moves the names with the lines."""
    font = 20 if presentation else 13
    names = [(f"<b>{NAMES[n]}</b>", loss_color(n), font) for n in LOSSES]
    if data.clean is not None:
        names.append(("without<br>outliers" if data.is_outlier.sum() > 1 else "without<br>outlier",
                      CLEAN_COLOR, font - 2))
    text, color, size = (list(column) for column in zip(*names, strict=True))
    return dict(type="scatter", x=[data.x_range[1]] * len(names), y=_label_heights(data, k),
                mode="text", text=text, textposition="middle right", cliponaxis=False,
                textfont=dict(color=color, size=size), name="line names", showlegend=False,
                hoverinfo="skip")


def _outlier_label(data: LinesData, presentation: bool) -> dict[str, Any]:
    """The outliers' trace's text: one outlier named beside it (toward the middle of the
    plot, and on the far side from the lines: above an outlier above them, below one below),
    so that the name moves with it and does not cross a line when the outlier comes near."""
    if not data.is_outlier.any():
        return {}
    j = _labelled_outlier(data)
    x0 = float(data.x[data.is_outlier][j])
    right = x0 > 0.5 * (data.x_range[0] + data.x_range[1])
    y0 = float(data.outlier_y[data.index][j])
    above = y0 >= np.mean([w * x0 + b for w, b in data.lines.values()])
    many = data.is_outlier.sum() > 1
    name = "outliers" if many else "outlier"
    if len(data.shifts) > 1:  # states to drag through (typed or real points have none)
        name += ": drag one" if many else ": drag it"
    text = [""] * int(data.is_outlier.sum())
    text[j] = name
    side = ("top " if above else "bottom ") + ("left" if right else "right")
    return dict(text=text, textposition=side,
                textfont=dict(color=OUTLIER_COLOR, size=20 if presentation else 13))


def _labelled_outlier(data: LinesData) -> int:
    """Which outlier the "outliers" label sits beside: the one farthest from every line now
    (the label then stays clear of them; the outliers move together, so it stays that one)."""
    xo, yo = data.x[data.is_outlier], data.outlier_y[data.index]
    gaps = np.array([np.abs(yo - (w * xo + b)) for w, b in data.lines.values()])
    return int(np.argmax(gaps.min(axis=0)))


def lines_states(data: LinesData) -> States:
    """Every outlier distance of ``data``: the outliers, the three lines and their labels.

    Example: ``lines_states(data).values  # the distances, e.g. -60 ... 60``
    """
    ends = _ends(data)
    traces: dict[int, dict[str, Any]] = {T_OUTLIERS: {"y": data.outlier_y}}
    for name in LOSSES:
        w, b = data.swept[name][:, 0], data.swept[name][:, 1]
        # the line's y at its two ends, and its slope and intercept for the hover text
        traces[T_LINES[name]] = {"y": w[:, None] * ends[None, :] + b[:, None],
                                 "customdata": np.repeat(data.swept[name][:, None, :], 2, axis=1)}
    traces[T_LABELS] = {"y": np.array([_label_heights(data, k)
                                       for k in range(len(data.shifts))])}
    captions = tuple(
        f"Outlier {s:+g} from the line: slopes MSE {data.swept['mse'][k][0]:.2f}, "
        f"MAE {data.swept['mae'][k][0]:.2f}, Huber {data.swept['huber'][k][0]:.2f}"
        for k, s in enumerate(data.shifts))
    return States("outlier distance", data.shifts, data.index, traces, captions=captions)


def outlier_drag() -> Drag:
    """The handle of ``lines_figure``: the first outlier, dragged up and down."""
    return Drag(T_OUTLIERS, 0, "Drag the outlier up or down")


# -- each point's pull on each line ------------------------------------------------------------
class PullsData(NamedTuple):
    """How hard each point pulls on each loss's best line: ``pull[name]`` is ``(k, n)``,
    ``-ℓ'(r)`` at that loss's line for each state (up is +), points in x order."""

    order: np.ndarray
    is_outlier: np.ndarray
    pull: dict[str, np.ndarray]
    shifts: np.ndarray
    index: int
    delta: float
    y_range: tuple[float, float]


MAX_BARS = 60  # points in the pull chart: every outlier, and clean points evenly by x


def pulls_data(data: LinesData, *, max_bars: int = MAX_BARS) -> PullsData:
    """Each point's pull ``-ℓ'(r)`` (``r = prediction - target``) on each loss's best line.

    At a best line the pulls of one loss add up to zero (for the intercept): an outlier's
    pull is balanced by the pull of all the other points together. With more than
    ``max_bars`` points, every outlier and an even choice of the others are kept.
    """
    order = np.argsort(data.x, kind="stable")
    if len(order) > max_bars:
        flagged = data.is_outlier[order]
        others = np.flatnonzero(~flagged)
        room = max(max_bars - int(flagged.sum()), 2)
        keep = others[np.unique(np.round(np.linspace(0, len(others) - 1, room)).astype(int))]
        order = order[np.sort(np.concatenate([keep, np.flatnonzero(flagged)]))]
    k = len(data.shifts)
    ys = np.tile(data.y, (k, 1))
    ys[:, data.is_outlier] = data.outlier_y
    pull = {}
    for name in LOSSES:
        w, b = data.swept[name][:, :1], data.swept[name][:, 1:]
        r = w * data.x[None, order] + b - ys[:, order]
        pull[name] = -_loss(name, data.delta).derivative(r)
    # One axis for every state the chart can reach by dragging: the bars grow and shrink.
    every = np.concatenate([p.ravel() for p in pull.values()] + [np.array([-1.0, 1.0])])
    lo, hi = float(every.min()), float(every.max())
    pad = 0.08 * (hi - lo)
    return PullsData(order, data.is_outlier[order], pull, data.shifts, data.index, data.delta,
                     (lo - pad, hi + pad))


@figure
def pulls_figure(pulls: PullsData, *, height: int = 230, presentation: bool = False
                 ) -> Spec:
    """Bars: each point's pull on each loss's best line, points left to right by x.

    Example: ``pulls_figure(pulls_data(lines_data(x, y, out, delta=1.0)))``
    """
    n = len(pulls.order)
    pos = np.arange(1, n + 1)
    traces = []
    for name in LOSSES:
        traces.append(dict(
            type="bar", x=pos, y=pulls.pull[name][pulls.index], name=NAMES[name],
            marker=dict(color=loss_color(name)), offsetgroup=name,
            customdata=pulls.order + 1,
            hovertemplate=(f"point %{{customdata}}: pulls the {loss_label_at(name, pulls.delta)} "
                           "line with %{y:,.3~r}<extra></extra>"),
        ))
    layout = house_layout(height=height, presentation=presentation,
                          y_title="pull (up is +)")
    layout["xaxis"].update(showticklabels=False, fixedrange=True, range=[0.3, n + 0.7],
                           title={"text": "points, left to right"})
    layout["yaxis"].update(range=list(pulls.y_range), fixedrange=True, zeroline=True,
                           zerolinecolor="#888888")
    layout.update(dragmode=False, bargap=0.15, showlegend=False,
                  shapes=[dict(type="rect", xref="x", yref="paper", x0=i + 0.5, x1=i + 1.5,
                               y0=0, y1=1, fillcolor=OUTLIER_COLOR, opacity=0.18,
                               line=dict(width=0), layer="below")
                          for i in np.flatnonzero(pulls.is_outlier)[:10].tolist()])
    layout["margin"].update(t=10, b=36)
    return build(traces, layout)


def pulls_states(pulls: PullsData) -> States:
    """Every outlier distance: the bars of the three losses."""
    traces = {i: {"y": pulls.pull[name]} for i, name in enumerate(LOSSES)}
    return States("outlier distance", pulls.shifts, pulls.index, traces)


def pull_sentence(pulls: PullsData, k: int | None = None) -> str:
    """One plain sentence on the outlier's pull against the rest, at state ``k`` (now)."""
    k = pulls.index if k is None else k
    out = pulls.is_outlier
    if not out.any() or out.all():
        return ("No outlier: every point pulls on every line, and at each best line the pulls "
                "up and down balance.")
    mse_out = float(np.abs(pulls.pull["mse"][k][out]).max())
    mse_rest = float(np.median(np.abs(pulls.pull["mse"][k][~out])))
    mae_out = float(np.abs(pulls.pull["mae"][k][out]).max())
    hub_out = float(np.abs(pulls.pull["huber"][k][out]).max())
    return (f"On the MSE line the outlier pulls with {mse_out:.1f}, a typical point with "
            f"{mse_rest:.1f}: the line moves until all the others balance it. On the MAE "
            f"line it pulls with {mae_out:.0f}, like any point; on the Huber line with at "
            f"most δ\u00a0=\u00a0{pulls.delta:,g}"
            + (f" (here {hub_out:.2g})." if f"{hub_out:.2g}" != f"{pulls.delta:.2g}" else "."))


# -- real data: what the fitted lines show -----------------------------------------------------


def fits_sentence(data: LinesData, *, name: str, x_name: str = "x", y_name: str = "y",
                  y_unit: str = "") -> str:
    """What the best lines of a real data set show, every number read off ``data``'s fits.

    ``name`` is the data set (``lossviz.datasets``) or ``"csv"``. Every set gets the slopes
    and, where δ is large or small next to the residuals, what Huber then acts like; a few
    sets get a sentence on what they are known for (the stars' giants, Anscombe's one point
    off the line, the sea's warming), the others the point furthest from the MSE line. Plain
    text: escape it before Markdown.

    Example: ``fits_sentence(lines_data(x, y, np.zeros(len(x), bool), delta=1.0), name="engel")``
    """
    w = {n: float(data.lines[n][0]) for n in LOSSES}
    unit = f" {y_unit}" if y_unit else ""
    said = {n: figure_text(w[n]) for n in LOSSES}  # -107,000, not -1.07e+05
    parts = [f"Best slopes: MSE {said['mse']}, MAE {said['mae']}, Huber {said['huber']} "
             f"({y_name} per unit of {x_name})."]
    x, y = data.x, data.y
    if name == "stars_cyg_ob1" and x_name == "log_temperature":
        giants = x < STARS_GIANT_BELOW
        if 0 < giants.sum() <= len(x) - 2 and np.ptp(x[~giants]) > 0:
            clean = float(robust_line(x[~giants], y[~giants], "mse")[0])
            text = (f"The {int(giants.sum())} red giants (log temperature below "
                    f"{STARS_GIANT_BELOW:g}, at the left) are cool but bright: the other "
                    f"{int((~giants).sum())} stars alone give an MSE slope of "
                    f"{figure_text(clean)}.")
            down = [NAMES[n] for n in LOSSES if w[n] < 0]
            if "MAE" in down and clean > 0:
                text += (f" {', '.join(down)} all slope down: the giants sit far out in x "
                         "(leverage points), so capping their pull, as MAE and Huber do, is "
                         "not enough.")
            parts.append(text)
    elif name == "anscombe_3":
        r = np.abs(data.lines["mae"][0] * x + data.lines["mae"][1] - y)
        k = int(np.argmax(r))
        rest = np.arange(len(x)) != k
        if np.ptp(x[rest]) > 0:
            clean = float(robust_line(x[rest], y[rest], "mse")[0])
            follows = abs(w["mae"] - clean) <= 0.01 * max(abs(clean), 1e-12)
            parts.append(
                f"All points but point {k + 1} lie on one line (slope {figure_text(clean)}). "
                + ("MAE's line follows them; " if follows else
                   f"MAE's slope is {said['mae']}; ")
                + f"MSE's tilts to {said['mse']} towards the one point off the line.")
    elif name == "elnino_sst" and np.ptp(x) > 0:
        span = float(np.ptp(x))
        rise = {n: figure_text(w[n] * span, 2) for n in LOSSES}
        parts.append(f"Over the {span:g} years the lines rise by {rise['mse']}{unit} (MSE), "
                     f"{rise['mae']} (MAE) and {rise['huber']} (Huber).")
    wm, bm = data.lines["mse"]
    res = wm * x + bm - y
    far = int(np.argmax(np.abs(res)))
    typical = float(np.median(np.abs(res)))
    if len(parts) == 1:  # nothing the set is known for: the point that pulls hardest
        text = (f"Point {far + 1} is furthest from the MSE line (residual r = "
                f"{figure_text(res[far])}{unit})")
        if typical > 0:
            text += (f": it pulls on that line {abs(res[far]) / typical:.0f} times as hard as "
                     "a typical point")
        parts.append(text + ".")
    if typical > 0 and data.delta >= 3 * typical:
        parts.append(f"Huber's δ = {data.delta:,g} is large next to a typical residual "
                     f"({figure_text(typical, 2)}): here Huber is almost MSE; lower δ to tell "
                     "them apart.")
    elif typical > 0 and data.delta <= typical / 3:
        parts.append(f"Huber's δ = {data.delta:,g} is small next to a typical residual "
                     f"({figure_text(typical)}): here Huber is almost MAE.")
    return " ".join(parts)


def real_pull_sentence(pulls: PullsData, n: int, k: int | None = None) -> str:
    """The pull chart's sentence for data without marked outliers (``n`` points, of which
    the chart may show an even choice): who pulls hardest among the bars."""
    k = pulls.index if k is None else k
    mse = np.abs(pulls.pull["mse"][k])
    i = int(np.argmax(mse))
    rest = ~pulls.is_outlier if (~pulls.is_outlier).any() else np.ones(len(mse), bool)
    shown = "" if len(pulls.order) >= n else f" (bars for {len(pulls.order)} of the {n} points)"
    typical = figure_text(float(np.median(mse[rest])))
    return (f"Point {int(pulls.order[i]) + 1} pulls hardest on the MSE line "
            f"({figure_text(mse[i])}, a typical point {typical}){shown}; on the MAE line "
            f"every point pulls with at most 1, on the Huber line with at most "
            f"δ = {pulls.delta:,g}.")


def lever_sentence(data: LinesData, pulls: PullsData, k: int | None = None) -> str:
    """For real data with marked outliers far out in x: their pulls on the MSE line against
    a typical point's, and how far out in x they act (a pull's lever on the slope)."""
    k = pulls.index if k is None else k
    out = pulls.is_outlier
    if not out.any() or out.all():
        return ""
    mse = np.abs(pulls.pull["mse"][k])
    lo, hi = float(mse[out].min()), float(mse[out].max())
    arm = np.abs(data.x - data.x.mean())
    far, usual = float(arm[data.is_outlier].mean()), float(np.median(arm[~data.is_outlier]))
    text = (f"Orange columns: the {int(data.is_outlier.sum())} marked points; they pull on the "
            f"MSE line with {figure_text(lo)} to {figure_text(hi)}")
    if usual > 0:
        text += (f"; but they sit {far / usual:.1f} times as far from the mean x as a typical "
                 "point, and a pull's hold on the slope grows with that distance (a lever)")
    return text + "."
