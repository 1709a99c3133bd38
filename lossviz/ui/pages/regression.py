"""Regression: one outlier, and how MSE, MAE and Huber answer it.

The first screen is one idea: drag the orange outlier and watch the MSE line swing while
the MAE line holds; the bars under it say why (each point's pull on each line). Below, one
closer look at a time: the losses' curves and Huber's delta, a line of your own and its
scores, gradient descent, and which loss to pick.

Every number comes from lossviz (exact best lines: ``lossviz.experiments.robust_line``);
every picture from ``lossviz.figures``; every chart is drawn by ``lossviz.ui.chart``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

import lossviz
from lossviz import limits
from lossviz.experiments import read_points
from lossviz.figures import outliers as fo
from lossviz.ui import chart, frame, tables, widgets
from lossviz.ui.pages import regression_views as views
from lossviz.ui.params import REG_VIEWS

SHIFTS = np.arange(-limits.MAX_SHIFT, limits.MAX_SHIFT + 1.0, 1.0)  # the slider's grid
DELTAS = np.round(np.arange(1, 51) * 0.1, 1)  # the delta slider's grid


# -- cached numerics -------------------------------------------------------------------------
@st.cache_data(max_entries=64, show_spinner=False)
def dataset(n: int, noise: float, seed: int, outliers: int, shift: float,
            place: str) -> lossviz.RegressionData:
    return lossviz.make_regression(n, noise=noise, outliers=outliers, outlier_shift=shift,
                                   outlier_place=place, seed=seed)


class Hero(NamedTuple):
    """The first picture, ready to send: the lines for every distance the axis shows, and
    the two charts' texts (the state on screen is chosen apart: ``at``)."""

    data: fo.LinesData
    lines: chart.Prepared
    pulls: chart.Prepared


def _axis_shift(shift: float) -> float:
    """The distance the axis is sized for: ``shift`` rounded away from 0 to a multiple of
    10 (at least 10). Every distance up to it shows on the same axis, so dragging or
    sliding within it reuses the same picture (one cache entry) and only moves its state."""
    size = max(10.0, 10.0 * math.ceil(abs(shift) / 10.0 - 1e-9))
    return size if shift >= 0 else -size


@st.cache_data(max_entries=64, show_spinner=False)
def hero(x: np.ndarray, y: np.ndarray, out: np.ndarray, delta: float, shift: float | None,
         extra: float | None, present: bool) -> Hero:
    """Each loss's best line for every distance of the outliers on the axis sized for
    ``shift`` (the outliers in ``y`` sit there; ``extra``: a distance off the slider's
    grid to include), and the charts of them."""
    grid = None
    if shift is not None:
        grid = SHIFTS if extra is None else np.append(SHIFTS, extra)
    data = fo.lines_data(x, y, out, delta=delta, shift=shift, shifts=grid)
    lines = chart.prepare(fo.lines_figure(data, height=420 if present else 360,
                                          presentation=present),
                          fo.lines_states(data) if shift is not None else None)
    pulls = fo.pulls_data(data)
    bars = chart.prepare(fo.pulls_figure(pulls, height=190, presentation=present),
                         fo.pulls_states(pulls) if shift is not None else None)
    return Hero(data, lines, bars)


def at(data: fo.LinesData, shift: float | None) -> fo.LinesData:
    """``data`` showing the state of the outliers at ``shift`` (its lines those of then)."""
    if shift is None:
        return data
    k = int(np.argmin(np.abs(data.shifts - shift)))
    return data._replace(index=k, lines={n: data.swept[n][k] for n in fo.LOSSES})


class Points:
    """The lab's points this run: generated, or the student's table."""

    def __init__(self, x, y, prediction, is_outlier, rows, problems, generated: bool):
        self.x, self.y, self.prediction = x, y, prediction
        self.is_outlier, self.rows, self.problems = is_outlier, rows, problems
        self.generated = generated


def _points(show_table: bool) -> Points:
    v = widgets.value
    on = v("reg_outliers_on")
    count = v("reg_outliers") if on else 0
    data = dataset(v("reg_n"), v("reg_noise"), v("reg_seed"), count, v("reg_shift"),
                   v("reg_place"))
    slope, intercept = v("reg_slope"), v("reg_intercept")
    frame = pd.DataFrame({"x": data.x, "target": data.y,
                          "prediction": slope * data.x + intercept,
                          "outlier": data.is_outlier}).round(3)
    config = {
        "x": st.column_config.NumberColumn("x", format="%.3f"),
        "target": st.column_config.NumberColumn("target y", format="%.3f"),
        "prediction": st.column_config.NumberColumn("prediction ŷ (your line)", format="%.3f"),
        "outlier": st.column_config.CheckboxColumn("outlier", default=False),
    } if show_table else {}
    table = tables.points("reg_points", frame, show=show_table, num_rows="dynamic",
                          column_config=config, height=260, hide_index=True)
    if not tables.edited("reg_points"):
        # Generated points: exact numbers (the table rounds what it shows).
        return Points(data.x, data.y, slope * data.x + intercept, data.is_outlier,
                      np.arange(1, data.n + 1), [], True)
    parsed = read_points({name: table[name].tolist() for name in table.columns})
    return Points(parsed.x, parsed.y, parsed.prediction, parsed.is_outlier, parsed.rows,
                  parsed.problems, False)


# -- the page --------------------------------------------------------------------------------
def render() -> None:
    present = widgets.presenting()
    v = widgets.value
    # A lesson step sits beside the figure (above it on a phone: frame's CSS).
    stepped = frame.lesson_here("regression")
    if not stepped:
        st.markdown("**Drag the orange outlier up and down:** the red MSE line swings after "
                    "it while the blue MAE line hardly moves. The bars below show why.")
    box = st.container(key="reg_hero_lesson" if stepped else "reg_hero")
    left, right = box.columns([2.6, 1] if not (present or stepped) else [1.9, 1],
                               gap="medium")
    table_box = st.container()
    with table_box:
        table_open = False
        if not present:
            if tables.edited("reg_points") and "reg_table_open" not in st.session_state:
                # A link or a lesson with typed points opens the table. Not by expanded=:
                # a changing ``expanded`` makes a new expander, which drops the student's click.
                st.session_state["reg_table_open"] = True
            table_box = st.expander("Type your own points (table)", key="reg_table_open",
                                    on_change="rerun")
            table_open = table_box.open
    with table_box:
        if table_open:
            st.caption("Your points replace the generated ones until you go back to them. "
                       "A residual is r = prediction − target (your line's prediction).")
            points = _table(True)
        else:
            points = _points(False)
    generated = points.generated
    with right:
        if stepped:
            frame.lesson("regression", compact=True)
        _controls(generated)
        scores = st.container()
        _more(generated, present)
    if len(points.x) < 2 or np.ptp(points.x) == 0:
        with left:
            st.warning("The lab needs at least two points at different x. Add rows to the "
                       "table, or go back to the generated points.")
        return
    delta = float(v("reg_delta"))
    shift = float(v("reg_shift")) if generated and points.is_outlier.any() else None
    y, sized, extra = points.y, None, None
    if shift is not None:
        sized = _axis_shift(shift)
        y = points.y.copy()
        y[points.is_outlier] += sized - shift  # the picture is built with them there
        extra = None if np.isclose(SHIFTS, shift).any() else shift
    built = hero(points.x, y, points.is_outlier, delta, sized, extra, present)
    data = at(built.data, shift)
    pulls = fo.pulls_data(data)
    with left:
        chart.chart(built.lines, key="reg_lines", index=data.index, param="reg_shift",
                    drag=fo.outlier_drag() if shift is not None else None,
                    label="The points, the outlier and each loss's best line")
        chart.chart(built.pulls, key="reg_pulls", index=data.index, param="reg_shift",
                    label="How hard each point pulls on each loss's best line")
        st.caption("Bars: how hard each point pulls on each loss's best line, points left "
                   "to right (orange column: the outlier). " + fo.pull_sentence(pulls))
    with scores:
        _scores(data)
    st.write("")
    view = widgets.choice("reg_view", "Look closer")
    if view is None:
        st.caption("Pick a closer look: each loss against the residual (and Huber's δ), a "
                   "line of your own, gradient descent at work, or which loss to choose.")
    elif view == REG_VIEWS[0]:
        views.curves(points, data, present)
    elif view == REG_VIEWS[1]:
        views.your_line(points, delta, present)
    elif view == REG_VIEWS[2]:
        views.descent(points, data, delta, present)
    elif view == REG_VIEWS[3]:
        views.which_loss(points, data, delta, present)


def _table(show: bool) -> Points:
    points = _points(show)
    if tables.edited("reg_points"):
        st.button("Back to the generated points", key="reg_table_reset",
                  on_click=tables.reset, args=("reg_points",),
                  help="Forget the points you typed.")
    if points.problems:
        shown = "; ".join(points.problems[:5])
        more = len(points.problems) - 5
        st.warning(f"{len(points.problems)} row(s) left out until fixed: {shown}"
                   + (f"; and {more} more" if more > 0 else "") + ".")
    return points


def _controls(generated: bool) -> None:
    """The outlier's distance and Huber's delta: the two settings the first picture is about."""
    on = widgets.value("reg_outliers_on")
    widgets.slider("reg_shift", "Outlier: how far above the line (below if negative)",
                   disabled=not generated or not on,
                   help="Or drag the orange diamond on the chart.")
    widgets.slider("reg_delta", "Huber's δ",
                   help="Huber squares residuals smaller than δ (like MSE) and counts "
                        "larger ones in proportion (like MAE).")


def _more(generated: bool, present: bool) -> None:
    """The generator's settings, in a popover (none in presentation mode)."""
    if present:
        return
    on = widgets.value("reg_outliers_on")
    with st.popover("Data settings", width="stretch", disabled=not generated,
                    help=None if generated else "Your typed points are the data now."):
        widgets.toggle("reg_outliers_on", "Outliers on")
        widgets.slider("reg_outliers", "How many outliers", disabled=not on)
        widgets.choice("reg_place", "Where they sit", disabled=not on)
        widgets.slider("reg_n", "Points", help="Clean points (the outliers come on top).")
        widgets.slider("reg_noise", "Noise", help="Spread of the points around the line.")
        widgets.number("reg_seed", "Seed", help="The same seed gives the same points.")
    if not generated:
        st.caption("Your typed points are the data: the generator's settings are off.")


_COLOR = {"mse": "red", "mae": "blue", "huber": "green"}  # Streamlit's named colours


def _scores(data: fo.LinesData) -> None:
    """Each loss's best line (slope and intercept), and how far the outliers moved it."""
    rows = ["| best line | slope | intercept |", "|:--|--:|--:|"]
    for name in fo.LOSSES:
        w, b = data.lines[name]
        moved = ("", "")
        if data.clean is not None:
            moved = (f" ({w - data.clean[0]:+.2f})", f" ({b - data.clean[1]:+.2f})")
        rows.append(f"| :{_COLOR[name]}[**{fo.label(name, data.delta)}**] | **{w:.2f}**"
                    f"{moved[0]} | **{b:.2f}**{moved[1]} |")
    st.markdown("\n".join(rows))
    if data.clean is not None:
        w, b = data.clean
        st.caption(f"Exact best fits. In brackets: how far the outlier moved them from the "
                   f"line without it (slope {w:.2f}, intercept {b:.2f}).")
    else:
        st.caption("Exact best fits of each loss to all the points.")
