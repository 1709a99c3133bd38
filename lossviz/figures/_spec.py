"""Small helpers the figure builders share: figures from plain dicts, subplot grids, and
numbers rounded for the browser.

Every render step is written once, as a function that builds plotly's figure as a plain
dict (``build``: traces and layout; numpy arrays stay numpy). ``@figure`` makes that
function return an ordinary validated ``go.Figure``, for notebooks and for the tests (which
so validate every render step against plotly's schema), and keeps the dict builder as its
``.spec``: the app sends the dict to the browser as it is, since plotly's validation costs
2-7 ms per chart (a fifth of a rerun) and checks nothing the tests have not.

    lines_figure(data)        # a go.Figure
    lines_figure.spec(data)   # the same figure as plotly's dict, unvalidated

The house layout is ``style.house_layout``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic, ParamSpec

import numpy as np
import plotly.graph_objects as go

from lossviz.figures.style import house_layout

__all__ = ["Spec", "build", "figure", "house_layout", "round_sig", "screen", "spread_labels",
           "subplot_layout"]

Spec = dict[str, Any]  # plotly's figure as a dict: {"data": [...], "layout": {...}}
P = ParamSpec("P")


def build(data: list[dict], layout: dict, frames: list[dict] | None = None) -> Spec:
    """Plotly's figure dict for plain ``data``/``layout`` (and optional ``frames``) dicts."""
    spec: Spec = {"data": data, "layout": layout}
    if frames:
        spec["frames"] = frames
    return spec


class Render(Generic[P]):
    """A render step: called, it returns a validated ``go.Figure``; ``.spec`` is the function
    that builds the same figure as plotly's dict (what the app sends)."""

    def __init__(self, spec: Callable[P, Spec]) -> None:
        self.spec = spec
        functools.update_wrapper(self, spec)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> go.Figure:
        return go.Figure(self.spec(*args, **kwargs))


def figure(spec: Callable[P, Spec]) -> Render[P]:
    """Decorate a function that builds plotly's figure dict: calling it then gives a
    validated ``go.Figure``, and ``.spec`` the dict (see the module's docstring)."""
    return Render(spec)


def subplot_layout(layout: dict, *, cols: int = 1, rows: int = 1, spacing: float = 0.1,
                   titles: tuple[str, ...] = (), font_size: int = 13) -> dict:
    """Domains, anchors and titles for a ``rows`` x ``cols`` grid (axis ``k`` is cell ``k``).

    Cells count left to right, then top to bottom; with several rows the x axes are shared.
    """
    annotations = []
    width = (1.0 - spacing * (cols - 1)) / cols
    height = (1.0 - spacing * (rows - 1)) / rows
    k = 0
    for row in range(rows):
        for col in range(cols):
            k += 1
            sx = "" if k == 1 else str(k)
            # Rounded and clamped: plotly checks that domains lie in [0, 1].
            x0 = round(col * (width + spacing), 6)
            y1 = round(1.0 - row * (height + spacing), 6)
            xa = layout.setdefault(f"xaxis{sx}", copy.deepcopy(layout["xaxis"]))
            ya = layout.setdefault(f"yaxis{sx}", copy.deepcopy(layout["yaxis"]))
            xa.update(domain=[x0, min(round(x0 + width, 6), 1.0)], anchor=f"y{sx}")
            ya.update(domain=[max(round(y1 - height, 6), 0.0), y1], anchor=f"x{sx}")
            if rows > 1 and k > 1 and cols == 1:
                xa["matches"] = "x"
            if k <= len(titles):
                annotations.append(dict(
                    text=titles[k - 1], x=x0 + width / 2, y=y1, xref="paper", yref="paper",
                    xanchor="center", yanchor="bottom", showarrow=False,
                    font=dict(size=font_size),
                ))
    layout.setdefault("annotations", []).extend(annotations)
    return layout


def round_sig(values: Any, digits: int = 6) -> np.ndarray:
    """``values`` as float64 rounded to ``digits`` significant digits (same shape; NaN and
    infinities kept): each number is then the double nearest its short decimal, so its
    JSON text is short. One numpy pass for the whole array.

    Example: ``round_sig([3.14159265, 2e-7], 3).tolist()  # [3.14, 2e-07]``
    """
    arr = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = np.floor(np.log10(np.abs(arr)))
        shift = np.where(np.isfinite(exponent), digits - 1 - exponent, 0.0)
        # Whole digits times or over an exact power of ten: the nearest double to the
        # rounded decimal, so the JSON is as short as the decimal.
        up = 10.0 ** np.abs(shift)
        out = np.where(shift >= 0, np.round(arr * up) / up, np.round(arr / up) * up)
    out = np.where(np.isfinite(out), out, arr)
    # Powers of ten beyond 1e22 are not exact doubles: the rare huge or tiny values are
    # rounded one by one through their decimal text.
    flat = out.reshape(-1)
    for i in np.flatnonzero(np.isfinite(flat) & (np.abs(shift.reshape(-1)) > 22)).tolist():
        flat[i] = float(f"{flat[i]:.{digits}g}")
    return out


_F32_MAX = 1e37  # below float32's largest number (3.4e38), with room for its rounding


def screen(values: Any) -> np.ndarray:
    """An array for a figure's trace as a compact typed array: float32 (7 digits, half the
    bytes of float64) unless a value is beyond its range, as an exploding formula can be
    (then float64). Non-finite values become NaN: a gap in a line.
    """
    arr = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        arr = np.where(finite, arr, np.nan)
    if finite.any() and float(np.abs(arr[finite]).max()) > _F32_MAX:
        return arr
    return arr.astype(np.float32)


def spread_labels(
    xs: Sequence[float], widths: Sequence[float], lo: float, hi: float, *, rows: int = 3
) -> list[tuple[float, int]]:
    """Places for labels centred near ``xs`` on a line from ``lo`` to ``hi``, none overlapping.

    ``widths`` are the labels' widths in the same units as ``xs``. Labels go left to right
    in a row, each nudged right just enough to clear the one before, and stay inside
    ``[lo, hi]``; a label that does not fit in a row goes to the next one (up to ``rows``;
    beyond that it shares the least crowded row). Returns ``(centre, row)`` per label, in
    the order given.

    Example: ``spread_labels([0, 1], [4, 4], 0, 20)  # [(2.0, 0), (6.0, 0)]``
    """
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ends = [-np.inf] * rows  # where each row's last label ends
    out: list[tuple[float, int]] = [(0.0, 0)] * len(xs)
    for i in order:
        w = float(widths[i])
        half = w / 2
        centre = min(max(float(xs[i]), lo + half), hi - half)
        for row in range(rows):
            c = max(centre, ends[row] + half)
            if c + half <= hi + 1e-9:
                break
        else:
            row = int(np.argmin(ends))
            c = min(max(centre, ends[row] + half), hi - half)
        ends[row] = c + half
        out[i] = (c, row)
    return out
