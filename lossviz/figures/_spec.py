"""Fast assembly of figures from plain dicts, with the house layout of ``style.base_layout``.

Plotly validates every property of every object it builds, which costs tens of milliseconds
per figure (more with animation frames); an app that redraws six figures on each slider move
cannot afford that. The builders here write traces and layout as plain dicts (numpy arrays
stay numpy, so the JSON carries them as compact typed arrays) and wrap them with
``go.Figure(spec, _validate=False)``. The tests check the resulting JSON instead.

The house layout comes from ``base_layout`` itself (computed once per setting), with its
small ``HOUSE_TEMPLATE``.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import plotly.graph_objects as go

from lossviz.figures.style import HOUSE_TEMPLATE, base_layout


@lru_cache(maxsize=32)
def _house(height: int, presentation: bool) -> dict[str, Any]:
    layout = base_layout(go.Figure(), height=height, presentation=presentation).to_dict()
    layout = layout["layout"]
    layout.pop("template", None)
    layout.pop("title", None)
    layout["template"] = HOUSE_TEMPLATE
    return layout


def house_layout(*, height: int = 380, presentation: bool = False, x_title: str | None = None,
                 y_title: str | None = None, axes: tuple[str, ...] = ("x", "y")) -> dict:
    """A fresh layout dict in the house style; ``axes`` names every axis to style."""
    layout = copy.deepcopy(_house(int(height), bool(presentation)))
    grid = layout.pop("xaxis", {})
    layout.pop("yaxis", None)
    grid.pop("title", None)
    for name in axes:
        key = name[0] + "axis" + name[1:]
        layout[key] = copy.deepcopy(grid)
    if x_title is not None:
        layout["xaxis"]["title"] = {"text": x_title}
    if y_title is not None:
        layout["yaxis"]["title"] = {"text": y_title}
    return layout


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
            # Rounded and clamped: plotly checks domains lie in [0, 1] even unvalidated.
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


_RAW_LAYOUT = ("sliders", "updatemenus")


class FastFigure(go.Figure):
    """A ``go.Figure`` whose animation frames and slider/button controls stay plain data.

    Plotly turns every frame and slider step into validated objects, and ``to_dict`` then
    deep-copies them and walks every number: for a figure with 60 frames that is most of a
    rerun. Here traces and the rest of the layout are ordinary (unvalidated) plotly objects,
    while ``frames`` and ``layout.sliders``/``layout.updatemenus`` are kept as the JSON-ready
    dicts they were built as and joined in by ``to_dict`` (so ``to_json``, ``to_html``,
    ``show`` and ``st.plotly_chart`` all see them). ``frames`` builds plotly frame objects on
    demand; ``frame_dicts`` gives the plain ones.
    """

    def __init__(self, data: list[dict], layout: dict, frames: list[dict] | None = None,
                 *, raw_controls: bool = True):
        layout = dict(layout)
        raw = {key: layout.pop(key) for key in _RAW_LAYOUT if key in layout and raw_controls}
        super().__init__({"data": data, "layout": layout}, _validate=False)
        self._raw_layout = raw
        self._raw_frames = list(frames or [])

    @property
    def frame_dicts(self) -> list[dict]:
        return getattr(self, "_raw_frames", [])

    @property
    def frames(self) -> tuple[go.Frame, ...]:
        """The frames as plotly objects, built on demand (for inspection; slow)."""
        raw = getattr(self, "_raw_frames", None)
        if raw and not self._frame_objs:
            return go.Figure(frames=raw).frames
        return self._frame_objs

    @frames.setter
    def frames(self, new_frames: Any) -> None:
        self._raw_frames = []
        go.Figure.frames.fset(self, new_frames)

    def to_dict(self) -> dict:
        res = super().to_dict()
        res["layout"].update(self._raw_layout)
        if self._raw_frames:
            res["frames"] = self._raw_frames
        return res

    def to_plotly_json(self) -> dict:
        return self.to_dict()


def build(data: list[dict], layout: dict, frames: list[dict] | None = None, *,
          raw_controls: bool = True) -> go.Figure:
    """The figure for plain ``data``/``layout``/``frames`` dicts, without per-item validation.

    With ``raw_controls=False`` the sliders and buttons become ordinary layout objects
    (readable as ``fig.layout.sliders``), at some cost in speed.
    """
    return FastFigure(data, layout, frames, raw_controls=raw_controls)
