"""Precomputed states of a figure: what the browser steps through without asking the server.

A figure shows one state of something that moves: gradient descent at one step, the Huber
curves at one delta, the fitted lines for one outlier distance. ``States`` holds every state
on a grid, as the few trace attributes (and layout entries) that change between them, so a
page can scrub, drag or play through them at the speed of the browser, and a notebook gets
the same thing as plotly animation frames (``with_frames``).

``States`` is data, not a picture: the figure builders return it beside their ``go.Figure``;
``show_state`` and ``with_frames`` are the two ways to look at it from Python, and
``lossviz.ui.chart`` is the way the app looks at it in the browser.

Example::

    fig = go.Figure([go.Scatter(x=[0, 1], y=[0, 1])])
    states = States("slope", np.array([0.5, 1.0, 2.0]), 1,
                    traces={0: {"y": np.array([[0, 0.5], [0, 1.0], [0, 2.0]])}})
    show_state(fig, states, 2).data[0].y   # (0.0, 2.0)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go

# The traces plotly animates: a frame moves them without redrawing the plot.
ANIMATED = frozenset({"scatter", "bar"})


class States(NamedTuple):
    """Every state of a figure on a grid of one parameter.

    Attributes:
        label: what the parameter is, as a student reads it (``"δ"``, ``"step"``).
        values: ``(k,)`` the parameter's value at each state, in order.
        index: the state the figure's traces show as built.
        traces: trace index -> attribute (``"x"``, ``"y"``, ``"text"``, ...) -> one entry
            per state (an array of shape ``(k, ...)`` or a sequence of length ``k``).
        layout: layout path as ``Plotly.relayout`` takes it (``"shapes[0].x0"``,
            ``"annotations[1].text"``) -> one value per state. The app's charts move
            scatter and bar traces' ``x``, ``y``, ``customdata`` and ``text`` without
            redrawing the plot; a layout entry makes every state a full redraw, so lossviz's own
            figures put what moves in traces.
        captions: optional one line per state, shown under the chart while scrubbing.
        play: True for a sequence to play (the steps of a run); False for a setting to
            scrub or drag (the browser then commits the state where it was released).
    """

    label: str
    values: np.ndarray
    index: int
    traces: Mapping[int, Mapping[str, Any]] = {}
    layout: Mapping[str, Sequence[Any]] = {}
    captions: tuple[str, ...] = ()
    play: bool = False

    def __len__(self) -> int:  # type: ignore[override]
        return len(self.values)

    @property
    def count(self) -> int:
        """How many states there are."""
        return len(self.values)

    def nearest(self, value: float) -> int:
        """The index of the state whose parameter is closest to ``value``."""
        return int(np.argmin(np.abs(np.asarray(self.values, dtype=float) - float(value))))

    def check(self) -> States:
        """``self`` if every entry has one row per state; ``ValueError`` saying which not."""
        k = self.count
        if k == 0:
            raise ValueError("States needs at least one state")
        if not 0 <= self.index < k:
            raise ValueError(f"index {self.index} is outside the {k} states")
        for trace, attrs in self.traces.items():
            for name, rows in attrs.items():
                if len(rows) != k:
                    raise ValueError(f"trace {trace} {name!r} has {len(rows)} rows for {k} "
                                     "states")
        for path, rows in self.layout.items():
            if len(rows) != k:
                raise ValueError(f"layout {path!r} has {len(rows)} rows for {k} states")
        if self.captions and len(self.captions) != k:
            raise ValueError(f"{len(self.captions)} captions for {k} states")
        return self


class Drag(NamedTuple):
    """A point of a figure that the student can drag along y to choose a state.

    ``trace``/``point`` name the marker; while it is dragged, the browser shows the state
    whose marker height (``States.traces[trace]["y"][k][point]``) is nearest the pointer, and
    commits that state's value when the marker is released.
    """

    trace: int
    point: int
    hint: str = "Drag me"


def _row(rows: Any, k: int) -> Any:
    row = rows[k]
    return row.tolist() if isinstance(row, np.ndarray) else row


def _set_path(layout: dict[str, Any], path: str, value: Any) -> None:
    """Set ``layout`` at a relayout path such as ``shapes[0].x0``."""
    node: Any = layout
    parts = path.split(".")
    for part in parts[:-1]:
        name, _, rest = part.partition("[")
        node = node.setdefault(name, [] if rest else {})
        if rest:
            i = int(rest.rstrip("]"))
            while len(node) <= i:
                node.append({})
            node = node[i]
    node[parts[-1]] = value


def state_update(states: States, k: int) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """What changes to show state ``k``: ``({trace: {attr: value}}, {layout path: value})``."""
    traces = {int(t): {a: _row(rows, k) for a, rows in attrs.items()}
              for t, attrs in states.traces.items()}
    layout = {path: _row(rows, k) for path, rows in states.layout.items()}
    return traces, layout


def show_state(fig: go.Figure, states: States, k: int) -> go.Figure:
    """A copy of ``fig`` showing state ``k`` of ``states``."""
    spec = fig.to_plotly_json()
    data = copy.deepcopy(spec["data"])
    layout = copy.deepcopy(spec["layout"])
    traces, relayout = state_update(states, k)
    for t, attrs in traces.items():
        data[t].update(attrs)
    for path, value in relayout.items():
        _set_path(layout, path, value)
    return go.Figure({"data": data, "layout": layout})


def with_frames(fig: go.Figure | dict[str, Any], states: States, *,
                fmt: str = "{:g}") -> go.Figure | dict[str, Any]:
    """``fig`` with one plotly animation frame per state and a slider (and, for a sequence,
    play and pause buttons): the same stepping in a notebook or an exported HTML file.
    A figure gives a new figure, plotly's figure dict a new dict.

    Layout paths that a frame cannot carry (``shapes``, ``annotations``) stay as built. A
    frame moves scatter and bar traces without redrawing the plot; a figure with another
    kind of trace (a contour, a heatmap) is redrawn at each frame, since an animation
    without a redraw takes those traces' layers off the plot.
    """
    spec = fig.to_plotly_json() if isinstance(fig, go.Figure) else fig
    kinds = [trace.get("type", "scatter") for trace in spec["data"]]
    redraw = any(kind not in ANIMATED for kind in kinds)
    frames = []
    for k in range(states.count):
        traces, _ = state_update(states, k)
        # each entry names its trace's type: plotly reads a typeless one as a scatter
        frames.append({"name": str(k), "traces": list(traces),
                       "data": [{"type": kinds[t], **traces[t]} for t in traces]})
    steps = [{"method": "animate", "label": fmt.format(float(v)),
              "args": [[str(k)], {"mode": "immediate", "frame": {"duration": 0, "redraw": redraw},
                                  "transition": {"duration": 0}}]}
             for k, v in enumerate(states.values)]
    layout = dict(spec["layout"])
    layout["sliders"] = [{"active": states.index, "steps": steps,
                          "currentvalue": {"prefix": f"{states.label} = "}, "pad": {"t": 36}}]
    if states.play:
        layout["updatemenus"] = [{
            "type": "buttons", "showactive": False, "x": 0.0, "y": 0.0, "xanchor": "right",
            "yanchor": "top", "pad": {"t": 36, "r": 8},
            "buttons": [
                {"label": "▶", "method": "animate",
                 "args": [None, {"frame": {"duration": 40, "redraw": redraw},
                                 "fromcurrent": True, "transition": {"duration": 0}}]},
                {"label": "❚❚", "method": "animate",
                 "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}]},
            ]}]
    out = {"data": list(spec["data"]), "layout": layout, "frames": frames}
    return go.Figure(out) if isinstance(fig, go.Figure) else out
