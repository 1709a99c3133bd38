"""Gradient descent, played in the browser: convergence curves and the parameter path.

Both pictures carry plotly animation frames, a slider and play/pause buttons, so a student
can play, pause and scrub through the iterations with no server round trip. Frames move only
the markers of the current step (a few numbers each), so the figures stay small.

- ``convergence_figure(runs)``: training loss against step for any number of runs, each a
  ``Run(label, color, history)``; linear or log axis; a diverged run ends in a cross.
- ``path_figure(landscape, runs)``: the path of ``(w, b)`` over the contour of one loss's
  landscape (``lossviz.experiments.loss_landscape``).

Example::

    h = lossviz.fit(x, y, "mse", lr=0.05, steps=200)
    convergence_figure([Run("MSE", loss_color("mse"), h)], log_y=True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go

from lossviz.figures._spec import build, house_layout
from lossviz.figures.style import DATA_COLOR, line_width, marker_size
from lossviz.training import History

MAX_FRAMES = 100
CURVE_POINTS = 300
_LOG_FLOOR = 1e-12  # an exact fit has loss 0, which a log axis cannot show


def _short(value: float) -> float:
    # Six significant digits are plenty on screen and keep frame JSON small.
    return float(f"{float(value):.6g}")


def _shorts(values: np.ndarray) -> list[float]:
    """``_short`` for a whole array at once."""
    arr = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(np.abs(arr)))
    scale = 10.0 ** np.where(np.isfinite(exponent), 5 - exponent, 0.0)
    return (np.round(arr * scale) / scale).tolist()


class Run(NamedTuple):
    """One gradient-descent run to draw: its name, its colour and its history."""

    label: str
    color: str
    history: History


class ConvergenceData(NamedTuple):
    """The data step of ``convergence_figure``.

    ``steps[i]`` / ``loss[i]``: run ``i``'s curve, downsampled to at most ``max_points``
    (the first and last rows are always kept). ``frame_steps``: the step shown by each
    animation frame (shared by all runs). ``frame_loss[i][k]``: run ``i``'s loss at
    ``min(frame_steps[k], its last step)``.
    """

    labels: tuple[str, ...]
    colors: tuple[str, ...]
    steps: tuple[np.ndarray, ...]
    loss: tuple[np.ndarray, ...]
    frame_steps: np.ndarray
    frame_loss: tuple[np.ndarray, ...]
    diverged_at: tuple[int | None, ...]


_F32_MAX = 1e37  # below float32's largest number (3.4e38), with room for its rounding


def _compact(values: np.ndarray) -> np.ndarray:
    """float32 (half the bytes) unless a value is beyond its range, as the loss of a run
    that runs off to minus infinity can be; then float64 (float32 would make it infinite)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size and float(np.abs(arr).max()) > _F32_MAX:
        return arr
    return arr.astype(np.float32)


def downsample_index(length: int, max_points: int) -> np.ndarray:
    """Indices of at most ``max_points`` rows out of ``length``, first and last included.

    Example: ``downsample_index(1001, 5)  # [0, 250, 500, 750, 1000]``
    """
    if length <= max_points:
        return np.arange(length)
    return np.unique(np.round(np.linspace(0, length - 1, max(max_points, 2))).astype(int))


def frame_steps(runs: Sequence[Run], frames: int = 60) -> np.ndarray:
    """The steps the animation frames show: at most ``frames`` steps from 0 to the longest run.

    Example: ``frame_steps([run_of_100_steps], frames=5)  # [0, 25, 50, 75, 100]``
    """
    longest = max((r.history.stop_step for r in runs), default=0)
    frames = int(np.clip(frames, 2, MAX_FRAMES))
    return np.unique(np.round(np.linspace(0, longest, min(frames, longest + 1))).astype(int))


def convergence_data(
    runs: Sequence[Run], *, max_points: int = CURVE_POINTS, frames: int = 60
) -> ConvergenceData:
    """Downsampled loss curves and the per-frame markers of ``runs``."""
    shown = frame_steps(runs, frames)
    steps, loss, frame_loss = [], [], []
    for run in runs:
        h = run.history
        idx = downsample_index(len(h.loss), max_points)
        steps.append(idx)
        loss.append(h.loss[idx])
        frame_loss.append(h.loss[np.minimum(shown, h.stop_step)])
    return ConvergenceData(
        labels=tuple(r.label for r in runs),
        colors=tuple(r.color for r in runs),
        steps=tuple(steps),
        loss=tuple(loss),
        frame_steps=shown,
        frame_loss=tuple(frame_loss),
        diverged_at=tuple(r.history.diverged_at for r in runs),
    )


def convergence_figure(
    runs: Sequence[Run],
    *,
    log_y: bool = False,
    animate: bool = True,
    frames: int = 60,
    max_points: int = CURVE_POINTS,
    frame_ms: int = 60,
    title: str | None = None,
    y_title: str = "training loss",
    height: int = 380,
    presentation: bool = False,
) -> go.Figure:
    """Loss against step for each run, with play/pause and a step slider.

    Each run is a line in its colour; its current step is a marker that the animation moves.
    A run that diverged ends in a cross at its last finite step, labelled with the step where
    it blew up. With ``log_y`` the loss axis is logarithmic (losses of exactly 0 are shown
    at 1e-12).

    Example: ``convergence_figure([Run("MSE", "#D55E00", history)], log_y=True)``
    """
    cd = convergence_data(runs, max_points=max_points, frames=frames)
    width = line_width(presentation)

    def _y(values: np.ndarray) -> np.ndarray:
        return np.maximum(values, _LOG_FLOOR) if log_y else values

    data: list[dict[str, Any]] = []
    for label, color, steps, loss in zip(cd.labels, cd.colors, cd.steps, cd.loss, strict=True):
        data.append(dict(
            type="scatter", x=steps.astype(np.int32), y=_compact(_y(loss)),
            mode="lines", name=label, legendgroup=label, line=dict(color=color, width=width),
            hovertemplate=f"{label}<br>step %{{x}}<br>loss %{{y:.4g}}<extra></extra>",
        ))
    marker_traces = []
    for label, color, steps, fl in zip(cd.labels, cd.colors, cd.steps, cd.frame_loss,
                                       strict=True):
        marker_traces.append(len(data))
        data.append(dict(
            type="scatter", x=[int(min(cd.frame_steps[-1], steps[-1]))],
            y=[_short(_y(fl[-1:])[0])], mode="markers", name=label, legendgroup=label,
            showlegend=False,
            marker=dict(color=color, size=marker_size(presentation) + 3,
                        line=dict(color="white", width=1.5)),
            hovertemplate=f"{label} now<br>step %{{x}}<br>loss %{{y:.4g}}<extra></extra>",
        ))
    # A run that blows up would squash every other curve: the axis stops a little above the
    # highest starting loss, and a diverged run's cross waits at that ceiling.
    start = max((float(loss[0]) for loss in cd.loss), default=1.0)
    ceiling = 10.0 * max(start, _LOG_FLOOR) if log_y else 1.3 * start
    for label, color, steps, loss, at in zip(
        cd.labels, cd.colors, cd.steps, cd.loss, cd.diverged_at, strict=True
    ):
        if at is None:
            continue
        data.append(dict(
            type="scatter", x=[int(steps[-1])], y=[_short(min(_y(loss[-1:])[0], ceiling))],
            mode="markers+text", showlegend=False, legendgroup=label,
            text=[f"diverged at step {at}"], textposition="bottom right",
            textfont=dict(color=color), marker=dict(symbol="x", size=12, color=color),
            hovertemplate=f"{label} diverged at step {at}<extra></extra>",
        ))
    layout = house_layout(height=height, presentation=presentation, x_title="step",
                          y_title=y_title)
    if title:
        layout["title"] = dict(text=title, x=0.0, xanchor="left")
        layout["margin"]["t"] = 48
    if any(at is not None for at in cd.diverged_at) and start > 0:
        if log_y:
            low = max(min(float(np.min(_y(loss))) for loss in cd.loss), _LOG_FLOOR)
            layout["yaxis"]["range"] = [float(np.log10(low)) - 0.2, float(np.log10(ceiling))]
        else:
            layout["yaxis"]["range"] = [0.0, ceiling]
    if log_y:
        layout["yaxis"].update(type="log", exponentformat="power")
    longest = int(cd.frame_steps[-1])
    layout["xaxis"]["range"] = [-0.02 * max(longest, 1), 1.02 * max(longest, 1)]
    frame_list = None
    if animate and len(cd.frame_steps) > 1:
        # Per run, every frame's marker at once (plain lists: cheap to turn into frames).
        fx = [np.minimum(cd.frame_steps, steps[-1]).tolist() for steps in cd.steps]
        fy = [_shorts(_y(fl)) for fl in cd.frame_loss]
        frame_list = _marker_frames(cd.frame_steps, fx, fy, marker_traces)
        add_player(layout, frame_list, frame_ms=frame_ms, prefix="step ")
    return build(data, layout, frame_list)


def _marker_frames(
    frame_steps: np.ndarray, xs: list[list[float]], ys: list[list[float]], traces: list[int]
) -> list[dict[str, Any]]:
    """One animation frame per step: each run's marker moved to its ``k``-th position."""
    return [
        dict(
            name=str(int(s)),
            data=[dict(type="scatter", x=[x[k]], y=[y[k]]) for x, y in zip(xs, ys, strict=True)],
            traces=traces,
        )
        for k, s in enumerate(frame_steps.tolist())
    ]


def add_player(
    fig: go.Figure | dict[str, Any],
    frame_list: Sequence[dict[str, Any]],
    *,
    frame_ms: int = 60,
    prefix: str = "step ",
    active: int | None = None,
) -> Any:
    """Play/pause buttons and a scrub slider over ``frame_list``.

    Each frame is a plain dict (``name``, ``data`` with partial trace updates, ``traces``).
    Frames play in the browser (``redraw=False``: only the moved traces are repainted). The
    slider starts at ``active`` (default: the last frame, so the still picture shows the
    finished run).

    Given a figure, returns a new figure with the frames and controls (added as plain data,
    without plotly's slow per-item validation). Given a layout dict, adds the controls to it
    in place and returns it (the caller passes the frames to its figure).
    """
    if isinstance(fig, go.Figure):
        spec = fig.to_dict()
        add_player(spec["layout"], frame_list, frame_ms=frame_ms, prefix=prefix, active=active)
        # Callers holding a figure may read its controls as plotly objects: keep them so.
        return build(spec["data"], spec["layout"], list(frame_list), raw_controls=False)
    layout = fig
    names = [str(f["name"]) for f in frame_list]
    active = len(names) - 1 if active is None else active
    still: dict[str, Any] = {"mode": "immediate", "frame": {"duration": 0, "redraw": False},
                             "transition": {"duration": 0}}
    # Buttons stacked at the left, the slider beside them: fits a chart 300 px wide.
    layout["updatemenus"] = [dict(
        type="buttons", direction="down", showactive=False,
        x=0.0, xanchor="left", y=-0.3, yanchor="top", pad=dict(t=0, r=4),
        font=dict(size=11),
        buttons=[
            dict(label="▶ play", method="animate",
                 args=[names, {"mode": "immediate", "fromcurrent": True,
                               "frame": {"duration": frame_ms, "redraw": False},
                               "transition": {"duration": 0}}]),
            dict(label="❚❚ pause", method="animate", args=[[None], still]),
        ],
    )]
    layout["sliders"] = [dict(
        active=active, x=0.3, len=0.7, xanchor="left", y=-0.3, yanchor="top",
        pad=dict(t=0, b=0), ticklen=0, minorticklen=0,
        font=dict(color="rgba(0,0,0,0)", size=1),  # the current value says the step
        currentvalue=dict(prefix=prefix, visible=True, xanchor="left",
                          font=dict(color=DATA_COLOR, size=12)),
        steps=[dict(label=n, method="animate", args=[[n], still]) for n in names],
    )]
    layout.setdefault("margin", {})["b"] = 140
    return layout


class PathData(NamedTuple):
    """The data step of ``path_figure``: each run's ``(w, b)`` path, downsampled."""

    labels: tuple[str, ...]
    colors: tuple[str, ...]
    w: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...]
    frame_steps: np.ndarray
    frame_w: tuple[np.ndarray, ...]
    frame_b: tuple[np.ndarray, ...]


def path_data(
    runs: Sequence[Run], *, max_points: int = CURVE_POINTS, frames: int = 60
) -> PathData:
    """Each run's parameter path (first weight and intercept) and its per-frame position."""
    shown = frame_steps(runs, frames)
    w, b, fw, fb = [], [], [], []
    for run in runs:
        p = run.history.params
        idx = downsample_index(len(p), max_points)
        w.append(p[idx, 0])
        b.append(p[idx, -1])
        at = np.minimum(shown, run.history.stop_step)
        fw.append(p[at, 0])
        fb.append(p[at, -1])
    return PathData(
        labels=tuple(r.label for r in runs), colors=tuple(r.color for r in runs),
        w=tuple(w), b=tuple(b), frame_steps=shown, frame_w=tuple(fw), frame_b=tuple(fb),
    )


def path_figure(
    landscape: Any,
    runs: Sequence[Run],
    *,
    landscape_label: str = "loss",
    animate: bool = True,
    frames: int = 60,
    max_points: int = CURVE_POINTS,
    frame_ms: int = 60,
    title: str | None = None,
    height: int = 380,
    presentation: bool = False,
) -> go.Figure:
    """The path of the parameters ``(w, b)`` over the contour of a loss landscape.

    ``landscape`` has arrays ``w`` (m,), ``b`` (k,) and ``loss`` (k, m), as returned by
    ``lossviz.experiments.loss_landscape``; contour lines are drawn at levels of
    ``log10(loss)`` so that both the floor of the bowl and its walls show. A star marks the
    grid's lowest point. Each run's path is a line with dots; the animation moves a marker
    along it.

    Example: ``path_figure(loss_landscape(x, y, get_loss("mse")), [Run("MSE", c, h)])``
    """
    pd_ = path_data(runs, max_points=max_points, frames=frames)
    z = np.log10(np.maximum(np.asarray(landscape.loss, dtype=np.float64), _LOG_FLOOR))
    z = np.where(np.isfinite(z), z, np.nanmax(np.where(np.isfinite(z), z, -np.inf)))
    data: list[dict[str, Any]] = [dict(
        type="contour", x=np.asarray(landscape.w, np.float32),
        y=np.asarray(landscape.b, np.float32), z=z.astype(np.float32), showscale=False,
        colorscale="Greys", reversescale=True, opacity=0.45, ncontours=18,
        contours=dict(coloring="fill", showlines=True),
        line=dict(width=0.6, color="rgba(80,80,80,0.5)"),
        hovertemplate=(f"w %{{x:.3g}}, b %{{y:.3g}}<br>log10 {landscape_label} "
                       "%{z:.3f}<extra></extra>"),
        name=landscape_label, showlegend=False,
    )]
    low = np.unravel_index(int(np.argmin(z)), z.shape)
    data.append(dict(
        type="scatter", x=[float(landscape.w[low[1]])], y=[float(landscape.b[low[0]])],
        mode="markers", name=f"lowest {landscape_label}",
        marker=dict(symbol="star", size=14, color=DATA_COLOR),
        hovertemplate=f"lowest {landscape_label} on the grid<br>w %{{x:.3g}}, b %{{y:.3g}}"
                      "<extra></extra>",
    ))
    width = line_width(presentation) - 0.5
    for label, color, w, b in zip(pd_.labels, pd_.colors, pd_.w, pd_.b, strict=True):
        data.append(dict(
            type="scatter", x=w.astype(np.float32), y=b.astype(np.float32),
            mode="lines+markers", name=label, legendgroup=label,
            line=dict(color=color, width=width), marker=dict(color=color, size=4),
            hovertemplate=f"{label}<br>w %{{x:.4g}}, b %{{y:.4g}}<extra></extra>",
        ))
    marker_traces = []
    for label, color, fw, fb in zip(pd_.labels, pd_.colors, pd_.frame_w, pd_.frame_b,
                                    strict=True):
        marker_traces.append(len(data))
        data.append(dict(
            type="scatter", x=[_short(fw[-1])], y=[_short(fb[-1])], mode="markers",
            showlegend=False, legendgroup=label,
            marker=dict(color=color, size=marker_size(presentation) + 5,
                        line=dict(color="white", width=2)),
            hovertemplate=f"{label} now<br>w %{{x:.4g}}, b %{{y:.4g}}<extra></extra>",
        ))
    layout = house_layout(height=height, presentation=presentation, x_title="slope w",
                          y_title="intercept b")
    if title:
        layout["title"] = dict(text=title, x=0.0, xanchor="left")
        layout["margin"]["t"] = 48
    layout["xaxis"].update(range=[float(landscape.w[0]), float(landscape.w[-1])],
                           showgrid=False)
    layout["yaxis"].update(range=[float(landscape.b[0]), float(landscape.b[-1])],
                           showgrid=False)
    frame_list = None
    if animate and len(pd_.frame_steps) > 1:
        fw = [_shorts(w) for w in pd_.frame_w]
        fb = [_shorts(b) for b in pd_.frame_b]
        frame_list = _marker_frames(pd_.frame_steps, fw, fb, marker_traces)
        add_player(layout, frame_list, frame_ms=frame_ms, prefix="step ")
    return build(data, layout, frame_list)
