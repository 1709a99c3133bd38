"""Gradient descent, step by step: convergence curves and the parameter path.

Each picture has a data step, a render step and a states step:

- ``convergence_data(runs)`` -> ``ConvergenceData``; ``convergence_figure(data)``: training
  loss against step for any number of runs (each a ``Run(label, color, history)``), linear
  or log axis, showing the runs at one step (the last by default); ``convergence_states(data)``:
  the same at every shown step, for the browser to play or scrub (``lossviz.figures.states``).
- ``path_data(landscape, runs)`` -> ``PathData``; ``path_figure(data)``: the path of
  ``(w, b)`` over the contours of one loss's landscape
  (``lossviz.experiments.loss_landscape``); ``path_states(data)``.

For the same runs and ``states=`` count, both pictures' states are the same steps, so one
scrubber can drive both.

In a notebook, ``with_frames(figure, states)`` gives the animated figure (plotly frames, a
slider and play/pause buttons). The one-call forms of earlier versions still do that:
``convergence_figure(runs)`` and ``path_figure(landscape, runs)``, given runs rather than
data, return the animated figure (``animate=False`` for the still one).

Example::

    h = lossviz.fit(x, y, "mse", lr=0.05, steps=200)
    data = convergence_data([Run("MSE", loss_color("mse"), h)])
    fig = convergence_figure(data, log_y=True)          # still, at the last step
    states = convergence_states(data, log_y=True)       # every step the browser shows
    with_frames(fig, states)                            # animated, for a notebook
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from lossviz.figures._spec import Spec, build, figure, round_sig, screen
from lossviz.figures.raster import contour_png
from lossviz.figures.states import States, with_frames
from lossviz.figures.style import (
    DATA_COLOR,
    house_layout,
    line_width,
    log_axis,
    log_range,
    marker_size,
    note_size,
)
from lossviz.numbers import number_text
from lossviz.training import History

MAX_STATES = 100
DEFAULT_STATES = 60
CURVE_POINTS = 300
_LOG_FLOOR = 1e-12  # an exact fit has loss 0, which a log axis cannot show
STEP_KEY_COLOR = DATA_COLOR
# The legend key of the moving markers. The step itself is in the player's readout and the
# caption: a state moves trace coordinates only, which a frame carries without a redraw.
STEP_KEY = "at the step shown"


class Run(NamedTuple):
    """One gradient-descent run to draw: its name, its colour and its history."""

    label: str
    color: str
    history: History


def downsample_index(length: int, max_points: int) -> np.ndarray:
    """Indices of at most ``max_points`` rows out of ``length``, first and last included.

    Example: ``downsample_index(1001, 5)  # [0, 250, 500, 750, 1000]``
    """
    if length <= max_points:
        return np.arange(length)
    return np.unique(np.round(np.linspace(0, length - 1, max(max_points, 2))).astype(int))


def state_steps(runs: Sequence[Run], count: int = DEFAULT_STATES) -> np.ndarray:
    """The steps the states show: at most ``count`` (2 to ``MAX_STATES``) evenly spaced
    steps from 0 to the end of the longest run, both ends included.

    Example: ``state_steps([run_of_100_steps], count=5)  # [0, 25, 50, 75, 100]``
    """
    longest = max((r.history.stop_step for r in runs), default=0)
    count = int(np.clip(count, 2, MAX_STATES))
    return np.unique(np.round(np.linspace(0, longest, min(count, longest + 1))).astype(int))


def _index(state: int | None, count: int) -> int:
    """The state shown as built: ``state`` (negative counts from the end), the last if None."""
    if state is None:
        return count - 1
    if not -count <= int(state) < count:
        raise ValueError(f"state {state} is outside the {count} states (0 to {count - 1})")
    return int(state) % count


# -- convergence -------------------------------------------------------------------------------
class ConvergenceData(NamedTuple):
    """The data step of ``convergence_figure``.

    ``steps[i]`` / ``loss[i]``: run ``i``'s curve, downsampled to at most ``max_points``
    (the first and last rows always kept). ``state_steps``: the step of each state (shared
    by all runs). ``state_loss[i][k]``: run ``i``'s loss at ``min(state_steps[k], its last
    step)``. ``diverged_at[i]``: the step where run ``i`` blew up (None if it did not);
    ``peak[i]``: its highest finite loss.
    """

    labels: tuple[str, ...]
    colors: tuple[str, ...]
    steps: tuple[np.ndarray, ...]
    loss: tuple[np.ndarray, ...]
    state_steps: np.ndarray
    state_loss: tuple[np.ndarray, ...]
    diverged_at: tuple[int | None, ...]
    peak: tuple[float, ...]


def convergence_data(
    runs: Sequence[Run], *, max_points: int = CURVE_POINTS, states: int = DEFAULT_STATES
) -> ConvergenceData:
    """Downsampled loss curves of ``runs`` and each run's loss at every state's step."""
    shown = state_steps(runs, states)
    steps, loss, state_loss, peak = [], [], [], []
    for run in runs:
        h = run.history
        idx = downsample_index(len(h.loss), max_points)
        steps.append(idx)
        loss.append(np.asarray(h.loss[idx], dtype=np.float64))
        state_loss.append(np.asarray(h.loss[np.minimum(shown, h.stop_step)], dtype=np.float64))
        finite = h.loss[np.isfinite(h.loss)]
        peak.append(float(finite.max()) if finite.size else math.nan)
    return ConvergenceData(
        labels=tuple(r.label for r in runs),
        colors=tuple(r.color for r in runs),
        steps=tuple(steps),
        loss=tuple(loss),
        state_steps=shown,
        state_loss=tuple(state_loss),
        diverged_at=tuple(r.history.diverged_at for r in runs),
        peak=tuple(peak),
    )


def _axis_top(data: ConvergenceData, log_y: bool) -> float | None:
    """The top of the loss axis when a run diverged, else None (plotly's own range).

    A run that blows up would squash every other curve: the axis stops a little above the
    highest starting loss, and where a diverged run leaves it is marked at the edge. When
    every run diverged there is nothing to squash: the axis holds each run's highest loss
    (its climb is the picture), with room above for the note.
    """
    if not any(at is not None for at in data.diverged_at) or not data.loss:
        return None
    if all(at is not None for at in data.diverged_at):
        peak = max((float(p) for p in data.peak if math.isfinite(p)), default=math.nan)
        if peak > 0:
            return 10.0 * max(peak, _LOG_FLOOR) if log_y else 1.3 * peak
    start = max(float(loss[0]) for loss in data.loss)
    if not start > 0:
        return None
    return 10.0 * max(start, _LOG_FLOOR) if log_y else 1.3 * start


def _shown_loss(values: np.ndarray, log_y: bool, top: float | None) -> np.ndarray:
    """Loss as drawn: floored for a log axis, held at the axis top for a marker beyond it."""
    values = np.maximum(values, _LOG_FLOOR) if log_y else np.asarray(values, np.float64)
    return np.minimum(values, top) if top is not None else values


def _run_at(label: str, numbers: str, step: int, last: int | None,
            diverged_at: int | None) -> str:
    """One run in a state's caption: its ``numbers`` at ``step``; past its end, that it
    diverged (its marker waits at its last finite row, whose numbers are not the run's at
    ``step``) or, with its last numbers, where it stopped (``last``: its last row)."""
    if diverged_at is not None and step >= diverged_at:
        return f"{label} diverged at step {diverged_at}"
    if last is not None and step > last:
        return f"{label} {numbers} (stopped at step {last})"
    return f"{label} {numbers}"


def _step_captions(data: ConvergenceData) -> tuple[str, ...]:
    runs = list(zip(data.labels, data.state_loss, data.steps, data.diverged_at, strict=True))
    return tuple(
        f"step {s}: " + ", ".join(_run_at(label, number_text(float(loss[k]), 4), s,
                                          int(steps[-1]), at)
                                  for label, loss, steps, at in runs)
        for k, s in enumerate(data.state_steps.tolist())
    )


def convergence_states(data: ConvergenceData, *, log_y: bool = False,
                       state: int | None = None) -> States:
    """Every state of ``convergence_figure(data, log_y=log_y)``: each run's marker (traces
    ``n .. 2n-1`` for ``n`` runs) at each state's step, and a caption with every run's
    loss. A sequence to play (``play=True``)."""
    n = len(data.labels)
    top = _axis_top(data, log_y)
    traces: dict[int, dict[str, Any]] = {}
    for i, (steps, loss) in enumerate(zip(data.steps, data.state_loss, strict=True)):
        xs = np.minimum(data.state_steps, int(steps[-1]))
        traces[n + i] = {"x": xs.reshape(-1, 1).astype(np.int64),
                         "y": round_sig(_shown_loss(loss, log_y, top), 6).reshape(-1, 1)}
    k = _index(state, len(data.state_steps))
    return States("step", data.state_steps.astype(np.int64), k, traces=traces,
                  captions=_step_captions(data), play=True).check()


@figure
def convergence_figure(
    data: ConvergenceData | Sequence[Run],
    *,
    log_y: bool = False,
    state: int | None = None,
    title: str | None = None,
    y_title: str = "training loss",
    height: int = 380,
    compact: bool = False,
    presentation: bool = False,
    animate: bool | None = None,
    frames: int = DEFAULT_STATES,
    max_points: int = CURVE_POINTS,
) -> Spec:
    """Loss against step for each run, with each run's marker at the step of ``state``
    (an index into ``data.state_steps``; the last by default).

    Traces: the ``n`` curves, then the ``n`` markers, then the markers' legend key
    (``convergence_states`` moves the ``n`` markers). With ``log_y`` the loss axis is
    logarithmic, ticked 1-2-5 or in powers of ten (losses of exactly 0 are drawn at 1e-12).
    When a run diverged, the axis stops a little above the highest starting loss: a diverged
    run's curve leaves it at a triangle on the top edge, with a note in the plot saying where
    it diverged and how high its loss went.

    ``compact`` (a phone's width): the same picture with shorter notes. Given runs instead of
    data (the notebook form), builds the data (``max_points``, ``frames`` states) and returns
    the animated figure (``with_frames``) unless ``animate=False``.

    Example: ``convergence_figure(convergence_data([Run("MSE", "#D55E00", h)]), log_y=True)``
    """
    if not isinstance(data, ConvergenceData):
        data = convergence_data(list(data), max_points=max_points, states=frames)
        animate = True if animate is None else animate
    states = convergence_states(data, log_y=log_y, state=state)
    fig = _convergence_still(data, states, log_y=log_y, title=title, y_title=y_title,
                             height=height, compact=compact, presentation=presentation)
    return with_frames(fig, states) if animate else fig


def _convergence_still(data: ConvergenceData, states: States, *, log_y: bool,
                       title: str | None, y_title: str, height: int, compact: bool,
                       presentation: bool) -> Spec:
    n = len(data.labels)
    k = states.index
    width = line_width(presentation)
    top = _axis_top(data, log_y)
    traces: list[dict[str, Any]] = []
    for label, color, steps, loss in zip(data.labels, data.colors, data.steps, data.loss,
                                         strict=True):
        traces.append(dict(
            type="scatter", x=steps.astype(np.int32),
            y=screen(np.maximum(loss, _LOG_FLOOR) if log_y else loss), mode="lines",
            name=label, legendgroup=label, line=dict(color=color, width=width),
            hovertemplate=f"{label}<br>step %{{x}}<br>loss %{{y:.4g}}<extra></extra>",
        ))
    for i, (label, color) in enumerate(zip(data.labels, data.colors, strict=True)):
        rows = states.traces[n + i]
        traces.append(dict(
            type="scatter", x=rows["x"][k].tolist(), y=rows["y"][k].tolist(), mode="markers",
            name=label, legendgroup=label, showlegend=False, cliponaxis=False,
            marker=dict(color=color, size=marker_size(presentation) + 3,
                        line=dict(color="white", width=1.5)),
            hovertemplate=f"{label} at the step shown<br>step %{{x}}<br>loss %{{y:.4g}}"
                          "<extra></extra>",
        ))
    # A legend entry for the markers, naming the step they show.
    traces.append(dict(
        type="scatter", x=[None], y=[None], mode="markers", name=STEP_KEY,
        marker=dict(color=STEP_KEY_COLOR, size=marker_size(presentation) + 3,
                    line=dict(color="white", width=1.5)),
        hoverinfo="skip",
    ))
    layout = house_layout(height=height, presentation=presentation, x_title="step",
                          y_title=y_title, title=title)
    longest = int(data.state_steps[-1])
    layout["xaxis"]["range"] = [-0.02 * max(longest, 1), 1.02 * max(longest, 1)]
    annotations: list[dict[str, Any]] = []
    if top is not None:
        traces += _exits(data, top, log_y, presentation)
        annotations = _divergence_notes(data, top, log_y, longest, compact, presentation)
    if log_y:
        extent = log_range([np.maximum(loss, _LOG_FLOOR) for loss in data.loss])
        lo, hi = extent if extent is not None else (0.1, 10.0)
        if top is not None:
            low = min(float(np.min(np.maximum(loss, _LOG_FLOOR))) for loss in data.loss)
            lo, hi = low / 10**0.2, top
        layout["yaxis"].update(log_axis(lo, hi))
    elif top is not None:
        layout["yaxis"]["range"] = [0.0, top]
    else:
        layout["yaxis"].update(_linear_range(data.loss))
    layout["annotations"] = annotations
    return build(traces, layout)


def _linear_range(losses: Sequence[np.ndarray]) -> dict[str, Any]:
    """A fixed loss axis around every curve (5% of room above and below), as plotly's own
    would be: the markers then move along the curves without the axis being redrawn."""
    finite = [v[np.isfinite(v)] for v in (np.asarray(loss, np.float64) for loss in losses)]
    finite = [v for v in finite if v.size]
    if not finite:
        return {}
    lo = min(float(v.min()) for v in finite)
    hi = max(float(v.max()) for v in finite)
    pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
    return {"range": [lo - pad, hi + pad]}


def _exit_step(steps: np.ndarray, loss: np.ndarray, top: float) -> int | None:
    above = np.flatnonzero(~(loss <= top))
    return int(steps[above[0]]) if above.size else None


def _exits(data: ConvergenceData, top: float, log_y: bool,
           presentation: bool) -> list[dict[str, Any]]:
    """For each diverged run, a mark where its curve leaves the chart: a triangle on the top
    edge (or a cross at its last finite step, when it never got that high)."""
    out = []
    for label, color, steps, loss, at, peak in zip(
        data.labels, data.colors, data.steps, data.loss, data.diverged_at, data.peak,
        strict=True,
    ):
        if at is None:
            continue
        leaves = _exit_step(steps, loss, top)
        if leaves is None:
            x, y, symbol = int(steps[-1]), float(_shown_loss(loss[-1:], log_y, None)[0]), "x"
            hover = f"{label} diverged at step {at}<extra></extra>"
        else:
            x, y, symbol = leaves, top, "triangle-up"
            hover = (f"{label} leaves the chart at step {leaves}<br>and reaches {peak:.3g} "
                     f"before diverging at step {at}<extra></extra>")
        out.append(dict(
            type="scatter", x=[x], y=[float(y)], mode="markers",
            name=f"{label} diverged", legendgroup=label, showlegend=False, cliponaxis=False,
            marker=dict(symbol=symbol, size=marker_size(presentation) + 6, color=color,
                        line=dict(color="white", width=1)),
            hovertemplate=hover,
        ))
    return out


def _divergence_notes(data: ConvergenceData, top: float, log_y: bool, longest: int,
                      compact: bool, presentation: bool) -> list[dict[str, Any]]:
    """One note per diverged run, inside the plot area: under its exit mark at the top edge,
    anchored on the side of the mark that has room; when the axis holds the run's whole
    climb (every run diverged) and the mark is its last point, at the foot of the plot,
    where the rising curve leaves room, not over the curve's last steps."""
    notes = []
    size = note_size(presentation)
    lines = {"top": 0, "bottom": 0}  # lines of the notes already at the top, at the foot
    every = all(at is not None for at in data.diverged_at)  # no curve along the foot
    for label, color, steps, loss, at, peak in zip(
        data.labels, data.colors, data.steps, data.loss, data.diverged_at, data.peak,
        strict=True,
    ):
        if at is None:
            continue
        leaves = _exit_step(steps, loss, top)
        x = leaves if leaves is not None else int(steps[-1])
        # two lines: one would run out of a narrow or projected plot
        text = (f"{label} diverged at step {at}" if compact
                else f"{label} diverged at step {at}:<br>loss reached {number_text(peak)}")
        if leaves is not None:
            text = "↑ " + text
        # the half of the plot the mark is in decides which way the text runs
        right_half = x > 0.5 * max(longest, 1)
        side = "bottom" if leaves is None and every else "top"
        shift = 6 + lines[side] * (size + 6)
        notes.append(dict(
            x=x, xref="x", y=1.0 if side == "top" else 0.0, yref="y domain", text=text,
            showarrow=False, xanchor="right" if right_half else "left", yanchor=side,
            xshift=-6 if right_half else 6, yshift=-shift if side == "top" else shift,
            font=dict(size=size, color=color), bgcolor="rgba(255,255,255,0.75)",
            align="right" if right_half else "left",
        ))
        lines[side] += text.count("<br>") + 1
    return notes


# -- the parameter path ------------------------------------------------------------------------
class PathData(NamedTuple):
    """The data step of ``path_figure``.

    ``grid_w`` (m,), ``grid_b`` (k,) and ``log_loss`` (k, m): the landscape's grid and
    ``log10`` of its loss (non-finite values replaced by the largest finite one);
    ``lowest``: ``(w, b)`` of the grid's lowest point. Per run: its path ``w[i]``, ``b[i]``
    (downsampled) and its position at each state's step, ``state_w[i]``, ``state_b[i]``.
    """

    grid_w: np.ndarray
    grid_b: np.ndarray
    log_loss: np.ndarray
    lowest: tuple[float, float]
    labels: tuple[str, ...]
    colors: tuple[str, ...]
    w: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...]
    state_steps: np.ndarray
    state_w: tuple[np.ndarray, ...]
    state_b: tuple[np.ndarray, ...]
    # Per run: its last row and the step where it blew up (None if it did not); empty when
    # built by hand, and the captions then give every run's numbers at every step.
    last: tuple[int, ...] = ()
    diverged_at: tuple[int | None, ...] = ()


def path_data(
    landscape: Any, runs: Sequence[Run], *, max_points: int = CURVE_POINTS,
    states: int = DEFAULT_STATES,
) -> PathData:
    """The landscape's contour data and each run's parameter path (first weight and
    intercept) with its position at every state's step.

    ``landscape`` has arrays ``w`` (m,), ``b`` (k,) and ``loss`` (k, m), as returned by
    ``lossviz.experiments.loss_landscape``.
    """
    z = np.log10(np.maximum(np.asarray(landscape.loss, dtype=np.float64), _LOG_FLOOR))
    finite = np.isfinite(z)
    z = np.where(finite, z, np.max(z[finite]) if finite.any() else 0.0)
    low = np.unravel_index(int(np.argmin(z)), z.shape)
    shown = state_steps(runs, states)
    w, b, sw, sb = [], [], [], []
    for run in runs:
        p = run.history.params
        idx = downsample_index(len(p), max_points)
        w.append(p[idx, 0])
        b.append(p[idx, -1])
        at = np.minimum(shown, run.history.stop_step)
        sw.append(p[at, 0])
        sb.append(p[at, -1])
    grid_w = np.asarray(landscape.w, dtype=np.float64)
    grid_b = np.asarray(landscape.b, dtype=np.float64)
    return PathData(
        grid_w=grid_w, grid_b=grid_b, log_loss=z,
        lowest=(float(grid_w[low[1]]), float(grid_b[low[0]])),
        labels=tuple(r.label for r in runs), colors=tuple(r.color for r in runs),
        w=tuple(w), b=tuple(b), state_steps=shown, state_w=tuple(sw), state_b=tuple(sb),
        last=tuple(int(r.history.stop_step) for r in runs),
        diverged_at=tuple(r.history.diverged_at for r in runs),
    )


def path_states(data: PathData, *, state: int | None = None) -> States:
    """Every state of ``path_figure(data)``: each run's marker (traces ``2 + n .. 1 + 2n``
    for ``n`` runs) at each state's step."""
    n = len(data.labels)
    traces: dict[int, dict[str, Any]] = {}
    for i, (sw, sb) in enumerate(zip(data.state_w, data.state_b, strict=True)):
        traces[2 + n + i] = {"x": round_sig(sw, 6).reshape(-1, 1),
                             "y": round_sig(sb, 6).reshape(-1, 1)}
    ends = (tuple(zip(data.last, data.diverged_at, strict=True)) if data.last
            else ((None, None),) * n)  # built by hand: every run's numbers at every step
    runs = list(zip(data.labels, data.state_w, data.state_b, ends, strict=True))
    captions = tuple(
        f"step {s}: " + ", ".join(_run_at(label, f"w = {float(w[k]):.3g}, b = {float(b[k]):.3g}",
                                          s, *end)
                                  for label, w, b, end in runs)
        for k, s in enumerate(data.state_steps.tolist())
    )
    k = _index(state, len(data.state_steps))
    return States("step", data.state_steps.astype(np.int64), k, traces=traces,
                  captions=captions, play=True).check()


@figure
def path_figure(
    data: PathData | Any,
    runs: Sequence[Run] | None = None,
    *,
    landscape_label: str = "loss",
    state: int | None = None,
    title: str | None = None,
    height: int = 380,
    compact: bool = False,
    presentation: bool = False,
    animate: bool | None = None,
    frames: int = DEFAULT_STATES,
    max_points: int = CURVE_POINTS,
    picture: str | None = None,
) -> Spec:
    """The path of the parameters ``(w, b)`` over the contours of a loss landscape, each
    run's marker at the step of ``state`` (the last by default).

    The landscape is filled contour bands of ``log10(loss)``, so that both the floor of the
    bowl and its walls show (lighter is lower), drawn as a picture under the axes
    (``lossviz.figures.raster``); a star marks the grid's lowest point. Traces: the
    landscape's legend key, the star, the ``n`` paths, the ``n`` markers, the markers'
    legend key: all scatter, so a state only moves the markers. ``picture`` is the
    landscape's picture, ``contour_png(data.log_loss)``, for a caller that keeps it (drawing
    it takes about 10 ms; the app caches it); drawn here when None.

    Given a landscape and runs instead of data (the notebook form), builds the data and
    returns the animated figure (``with_frames``) unless ``animate=False``.

    Example: ``path_figure(path_data(loss_landscape(x, y, get_loss("mse")), runs))``
    """
    if not isinstance(data, PathData):
        if runs is None:
            raise ValueError("path_figure needs PathData, or a landscape and the runs")
        data = path_data(data, runs, max_points=max_points, states=frames)
        animate = True if animate is None else animate
    states = path_states(data, state=state)
    n = len(data.labels)
    k = states.index
    # The landscape is a picture under the axes (lossviz.figures.raster): the markers then
    # move from step to step without redrawing the plot. Its legend key is trace 0.
    traces: list[dict[str, Any]] = [dict(
        type="scatter", x=[None], y=[None], mode="markers",
        name=f"{landscape_label} contours (lighter is lower)",
        marker=dict(symbol="square", size=12, color="rgba(120,120,120,0.55)",
                    line=dict(color="rgba(80,80,80,0.5)", width=1)),
        hoverinfo="skip",
    )]
    traces.append(dict(
        type="scatter", x=[data.lowest[0]], y=[data.lowest[1]], mode="markers",
        name=f"lowest {landscape_label}",
        marker=dict(symbol="star", size=14, color=DATA_COLOR),
        hovertemplate=f"lowest {landscape_label} on the grid<br>w %{{x:.3g}}, b %{{y:.3g}}"
                      "<extra></extra>",
    ))
    width = line_width(presentation) - 0.5
    for label, color, w, b in zip(data.labels, data.colors, data.w, data.b, strict=True):
        traces.append(dict(
            type="scatter", x=screen(w), y=screen(b), mode="lines+markers", name=label,
            legendgroup=label, line=dict(color=color, width=width),
            marker=dict(color=color, size=4),
            hovertemplate=f"{label}<br>w %{{x:.4g}}, b %{{y:.4g}}<extra></extra>",
        ))
    for i, (label, color) in enumerate(zip(data.labels, data.colors, strict=True)):
        rows = states.traces[2 + n + i]
        traces.append(dict(
            type="scatter", x=rows["x"][k].tolist(), y=rows["y"][k].tolist(), mode="markers",
            name=label, showlegend=False, legendgroup=label,
            marker=dict(color=color, size=marker_size(presentation) + 5,
                        line=dict(color="white", width=2)),
            hovertemplate=f"{label} at the step shown<br>w %{{x:.4g}}, b %{{y:.4g}}"
                          "<extra></extra>",
        ))
    traces.append(dict(
        type="scatter", x=[None], y=[None], mode="markers",
        name=STEP_KEY,
        marker=dict(color=STEP_KEY_COLOR, size=marker_size(presentation) + 5,
                    line=dict(color="white", width=2)),
        hoverinfo="skip",
    ))
    layout = house_layout(height=height, presentation=presentation, x_title="slope w",
                          y_title="intercept b", title=title)
    layout["xaxis"].update(range=[float(data.grid_w[0]), float(data.grid_w[-1])],
                           showgrid=False)
    layout["yaxis"].update(range=[float(data.grid_b[0]), float(data.grid_b[-1])],
                           showgrid=False)
    w0, w1, b0, b1 = (float(v) for v in (data.grid_w[0], data.grid_w[-1], data.grid_b[0],
                                         data.grid_b[-1]))
    picture = contour_png(data.log_loss) if picture is None else picture
    layout["images"] = [dict(source=picture, xref="x", yref="y", x=w0,
                             y=b1, sizex=w1 - w0, sizey=b1 - b0, sizing="stretch",
                             xanchor="left", yanchor="top", layer="below")]
    fig = build(traces, layout)
    return with_frames(fig, states) if animate else fig
