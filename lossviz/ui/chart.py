"""Every chart of the app goes through ``chart()``: one browser component, used one way.

Streamlit's own ``st.plotly_chart`` throws a chart away and draws it anew whenever its figure
changes (50-70 ms per chart on a 2-core laptop). The component here (``web/chart.js``, with
plotly.js served from ``web/vendor``) keeps the chart and updates it with ``Plotly.react``,
which moves only what changed; an unchanged figure is not touched at all.

A chart can carry its figure's precomputed states (``lossviz.figures.states.States``): the
browser then plays them (a gradient-descent run), or lets the student drag a marker through
them (``Drag``: the outlier, Huber's delta) with every chart of the same parameter following,
and commits the value where the marker is released to ``param`` (one rerun). That is the one
mechanism by which any control of the app answers at the speed of the browser.

Everything sent is numbers and text made by lossviz (plotly's JSON of the figure): no user
text reaches the script as markup.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from lossviz.figures._spec import Spec, round_sig
from lossviz.figures.states import Drag, States, show_state
from lossviz.ui import params

NAME = "lossviz.chart"  # "<project>.<component>", as pyproject.toml declares it
FIGURES = "_lossviz_figures"  # this run's figures, by chart key: the export pack reads them
_DIGITS = 6  # significant digits of the states' parameter values sent


@cache
def _component() -> Callable[..., Any]:
    return st.components.v2.component(NAME, js="chart.js", css="chart.css",
                                      isolate_styles=False)


# numpy dtypes plotly.js reads as typed arrays ({"dtype", "bdata", "shape"}), little-endian
_TYPED = {np.dtype(t).newbyteorder("<") for t in ("f8", "f4", "i4", "i2", "i1", "u4", "u2",
                                                   "u1")}


def _typed(arr: np.ndarray) -> Any:
    """A numpy array as plotly's typed-array JSON: its bytes in base64, 11 characters per
    float64 where decimal text takes up to 24 (64-bit integers as int32 when they fit)."""
    if arr.dtype.kind in "iu" and arr.dtype.itemsize == 8:
        fits = arr.size == 0 or (arr.min() >= -(2**31) and arr.max() < 2**31)
        arr = arr.astype("<i4") if fits else arr.astype("<f8")
    if arr.dtype.newbyteorder("<") not in _TYPED:
        return arr.tolist()  # text, objects, booleans: as a list
    arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
    out = {"dtype": arr.dtype.str[1:], "bdata": base64.b64encode(arr.tobytes()).decode()}
    if arr.ndim > 1:
        out["shape"] = ",".join(map(str, arr.shape))
    return out


def _rows(values: Any) -> Any:
    """A state's rows for JSON: numbers as one float32 typed array (``_typed``; about seven
    significant digits, more than any axis shows, and no decimal text to write or parse;
    NaN and infinities are gaps); text and ragged rows as they are."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            arr = np.array(values, dtype=np.float32)
    except (TypeError, ValueError):  # text (names, captions) or rows of unequal length
        return [_rows(v) if isinstance(v, list | tuple | np.ndarray) else v for v in values]
    arr[~np.isfinite(arr)] = np.nan  # beyond float32's range too: a gap, not infinity
    return _typed(arr)


def states_json(states: States) -> str:
    """``states`` as the JSON the browser reads (without ``index``: which state to show is
    sent apart, so that one chart's data serve every state). The parameter's values are
    decimals to ``_DIGITS`` significant digits: a released drag commits one of them."""
    states.check()
    return json.dumps({
        "label": states.label,
        "values": round_sig(np.asarray(states.values, dtype=np.float64), _DIGITS).tolist(),
        "traces": {str(t): {a: _rows(rows) for a, rows in attrs.items()}
                   for t, attrs in states.traces.items()},
        "layout": {p: _rows(rows) for p, rows in states.layout.items()},
        "captions": list(states.captions),
        "play": bool(states.play),
    }, separators=(",", ":"), allow_nan=False)


def _plain(value: Any) -> Any:
    """What ``json.dumps`` cannot write, written: numpy arrays as typed arrays, numpy
    scalars as numbers."""
    if isinstance(value, np.ndarray):
        return _typed(value)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not part of a figure")


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities (outside numpy arrays) as null, as JSON has them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def figure_json(fig: Spec | go.Figure) -> str:
    """``fig`` as plotly's JSON: a figure's dict (``.spec`` of a render step) as it is, with
    numeric arrays as compact typed arrays; a ``go.Figure`` through plotly's own writer."""
    if isinstance(fig, go.Figure):
        return pio.to_json(fig, validate=False)
    try:
        return json.dumps(fig, default=_plain, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a NaN or infinity in a list: a gap, written as null
        return json.dumps(_finite(fig), default=_plain, separators=(",", ":"),
                          allow_nan=False)


class Prepared(NamedTuple):
    """A chart ready to send: the figure's JSON, its states' JSON (or None), the state to
    show, and a digest of the two texts. Cheap to keep in ``st.cache_data``: a page caches
    the ``Prepared`` of a chart whose inputs did not change, and a change that only moves
    the state (delta, the outlier) then sends the same texts with another ``index``."""

    figure: str
    states: str | None
    index: int
    rev: str


def prepare(fig: Spec | go.Figure, states: States | None = None) -> Prepared:
    """``fig`` (a render step's ``.spec``, or a ``go.Figure``) and its ``states`` as the
    texts the browser reads."""
    if (fig.get("frames") if isinstance(fig, dict) else fig.frames):
        raise ValueError("plotly frames are for notebooks; pass States")
    figure = figure_json(fig)
    grid = states_json(states) if states is not None else None
    rev = hashlib.blake2b((figure + (grid or "")).encode(), digest_size=12).hexdigest()
    return Prepared(figure, grid, int(states.index) if states is not None else 0, rev)


def _untyped(value: Any) -> Any:
    """A typed array of ``_typed`` (or rows holding some) back as numpy arrays."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype="<" + value["dtype"])
        if value.get("shape"):
            arr = arr.reshape([int(n) for n in value["shape"].split(",")])
        return arr.astype(np.float64) if arr.dtype.kind == "f" else arr
    if isinstance(value, list):
        return [_untyped(v) for v in value]
    return value


def as_figure(drawn: go.Figure | Prepared) -> go.Figure:
    """A drawn chart as a figure showing the state on screen (for the export pack)."""
    if isinstance(drawn, go.Figure):
        return drawn
    fig = pio.from_json(drawn.figure, skip_invalid=True)
    if drawn.states is None:
        return fig
    grid = json.loads(drawn.states)
    traces = {int(k): {a: _untyped(rows) for a, rows in attrs.items()}
              for k, attrs in grid["traces"].items()}
    layout = {p: _untyped(rows) for p, rows in grid["layout"].items()}
    states = States(grid["label"], np.asarray(grid["values"]), drawn.index, traces, layout)
    return show_state(fig, states, drawn.index)


def _commit(key: str, param: str, scale: float = 1.0) -> None:
    # The browser released a dragged marker: its value (divided by ``scale``, what one unit
    # of the parameter stands for in the figure) becomes the parameter's value (the widget
    # bound to the same key shows it, and the link follows).
    result = st.session_state.get(key)
    value = getattr(result, "commit", None)
    if value is None:
        return
    field = params.get(param)
    with contextlib.suppress(ValueError, TypeError):  # stale or forged: keep the current one
        if scale != 1.0:  # 12 digits: 7000 / 10000 is 0.7, not 0.7000000000000001
            value = float(f"{float(value) / scale:.12g}")
        st.session_state[param] = field.check(value)


def chart(fig: Spec | go.Figure | Prepared, *, key: str, states: States | None = None,
          index: int | None = None, param: str = "", scale: float = 1.0,
          drag: Drag | None = None, label: str = "", highlight: Sequence[str] = (),
          focus: str = "", caption: str = "") -> None:
    """Draw ``fig`` (kept on the page and updated in place across reruns).

    Args:
        fig: the figure, as a ``lossviz.figures`` render step's ``.spec`` builds it (or a
            ``go.Figure``), or ``prepare``'s texts.
        index: the state to show (default: the states' own).
        key: a name for this chart, unique on the page.
        states: the figure's states to play or scrub in the browser (with a figure).
        param: what the states are a grid of: a parameter (``lossviz.ui.params`` key) for a
            drag, or any name for a sequence; charts with the same ``param`` follow each
            other (one run's loss curve and its path play together).
        scale: what one unit of ``param`` stands for in the states' values (a slider
            whose value is shown times 10,000 on a set with large numbers).
        drag: the marker the student drags through the states; releasing it sets ``param``.
        label: what the chart shows, for screen readers.
        highlight: trace names a lesson step talks about; the other traces are dimmed.
        focus: a token (a lesson step's id): when it changes, the page scrolls to the chart.
        caption: the sentence under the chart (Markdown), drawn before a lesson step's
            question that a phone puts under the chart: what the chart shows comes first.
    """
    ready = fig if isinstance(fig, Prepared) else prepare(fig, states)
    if drag is not None and (ready.states is None or not param):
        raise ValueError("a draggable chart needs its states and the parameter they set")
    from lossviz.ui import lessons

    step = lessons.focus()
    if step is not None and step.chart == key:  # the chart the lesson step talks about
        highlight, focus = highlight or step.highlight, focus or step.token
        lessons.above_chart(key)  # a phone: the step right above it
    if index is not None:
        ready = ready._replace(index=int(index))
    st.session_state.setdefault(FIGURES, {})[key] = ready
    data = {"key": key, "figure": ready.figure, "states": ready.states, "rev": ready.rev,
            "index": ready.index, "param": param,
            "drag": drag._asdict() if drag is not None else None, "label": label,
            "highlight": list(highlight), "focus": focus}
    callbacks = {}
    if drag is not None:
        callbacks["on_commit_change"] = lambda: _commit(key, param, scale)
    _component()(key=key, data=data, height="content", **callbacks)
    if caption:
        st.caption(caption)
    lessons.under_chart(key)  # a phone: the step's question right under its chart


def figures() -> dict[str, Prepared]:
    """The charts drawn on this run, by chart key (``as_figure`` makes each a figure)."""
    return dict(st.session_state.get(FIGURES, {}))


def forget_figures() -> None:
    """Start a run with no figures recorded (the app calls it first thing)."""
    st.session_state[FIGURES] = {}
