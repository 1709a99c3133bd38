"""Regression: one outlier, and how MSE, MAE and Huber answer it.

The first screen is one idea: drag the orange outlier and watch the MSE line swing while
the MAE line holds; the bars under it say why (each point's pull on each line). Below, one
closer look at a time: the losses' curves and Huber's delta, a line of your own and its
scores, gradient descent, and which loss to pick.

The data are generated (a line, noise and outliers the student sets, the default), one of
the shipped regression sets (``lossviz.datasets``, one feature at a time) or the student's own
CSV file (``lossviz.tabular``); ``_source`` picks them and ``_points`` makes the points.

Every number comes from lossviz (exact best lines: ``lossviz.experiments.robust_line``);
every picture from ``lossviz.figures``; every chart is drawn by ``lossviz.ui.chart``.
"""

from __future__ import annotations

import functools
import html
import math
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

import lossviz
from lossviz import datasets, limits
from lossviz.claims import STARS_GIANT_BELOW
from lossviz.experiments import SliderUnits, read_points, slider_units
from lossviz.figures import outliers as fo
from lossviz.figures.style import loss_label_at
from lossviz.numbers import column_texts
from lossviz.textsafe import escape_markdown
from lossviz.ui import chart, frame, lessons, tables, uploads, widgets
from lossviz.ui.pages import regression_views as views
from lossviz.ui.params import REG_VIEWS

SHIFTS = np.arange(-limits.MAX_SHIFT, limits.MAX_SHIFT + 1.0, 1.0)  # the slider's grid
DELTAS = np.round(np.arange(1, 51) * 0.1, 1)  # the delta slider's grid
CSV_MEMO = "_reg_csv"  # the student's parsed file, in this session only
FEATURE_PICK = "_reg_feature_pick"  # the feature select box (reg_feature is its parameter)
CSV_TARGET, CSV_FEATURE, CSV_FILE = "reg_csv_target", "reg_csv_feature", "reg_csv_file"

HERO_CHARTS = ("reg_lines", "reg_pulls")  # the first picture's charts (a lesson's ``show``)


class Source(NamedTuple):
    """Where the page's points come from: the generator (``x`` is None), a shipped data set,
    or the student's file (key "csv": it stays out of the caches sessions share)."""

    key: str
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    x_name: str = "x"
    y_name: str = "y"
    x_unit: str = ""
    y_unit: str = ""
    marked: np.ndarray | None = None  # points the set's own documentation calls outliers
    # What one unit of the δ, slope and intercept sliders stands for on these points (1 on
    # the generated ones; read off the source's own points, not the table's edits).
    units: SliderUnits = SliderUnits()

    @property
    def real(self) -> bool:
        return self.x is not None

    def axis(self, which: str) -> str:
        """An axis title: the column's name and unit, as plotly text (escaped: a file's
        column names are the student's text)."""
        name, unit = (self.x_name, self.x_unit) if which == "x" else (self.y_name, self.y_unit)
        return html.escape(f"{name} ({unit})" if unit and unit != name else name)


GENERATED = Source("generated")


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


def build_hero(x: np.ndarray, y: np.ndarray, out: np.ndarray, delta: float,
               shift: float | None, extra: float | None, present: bool,
               axes: tuple[str, str] = ("x", "y"), min_pad: float = 0.5) -> Hero:
    """Each loss's best line for every distance of the outliers on the axis sized for
    ``shift`` (the outliers in ``y`` sit there; ``extra``: a distance off the slider's
    grid to include), and the charts of them (``axes``: their titles)."""
    grid = None
    if shift is not None:
        grid = SHIFTS if extra is None else np.append(SHIFTS, extra)
    data = fo.lines_data(x, y, out, delta=delta, shift=shift, shifts=grid, min_pad=min_pad)
    lines = chart.prepare(fo.lines_figure.spec(data, height=420 if present else 360,
                                               presentation=present, x_title=axes[0],
                                               y_title=axes[1]),
                          fo.lines_states(data) if shift is not None else None)
    pulls = fo.pulls_data(data)
    bars = chart.prepare(fo.pulls_figure.spec(pulls, height=190, presentation=present),
                         fo.pulls_states(pulls) if shift is not None else None)
    return Hero(data, lines, bars)


hero = st.cache_data(max_entries=64, show_spinner=False)(build_hero)


def at(data: fo.LinesData, shift: float | None) -> fo.LinesData:
    """``data`` showing the state of the outliers at ``shift`` (its lines those of then)."""
    if shift is None:
        return data
    k = int(np.argmin(np.abs(data.shifts - shift)))
    return data._replace(index=k, lines={n: data.swept[n][k] for n in fo.LOSSES})


class Points:
    """The lab's points this run: the source's (``generated`` True: the generator's or a
    data set's, as they come), or the student's table (``generated`` False)."""

    def __init__(self, x, y, prediction, is_outlier, rows, problems, generated: bool,
                 source: str = "generated"):
        self.x, self.y, self.prediction = x, y, prediction
        self.is_outlier, self.rows, self.problems = is_outlier, rows, problems
        self.generated = generated
        self.source = source


def _points(show_table: bool, source: Source = GENERATED) -> Points:
    v = widgets.value
    if source.real:
        x, y = source.x, source.y
        out = source.marked if source.marked is not None else np.zeros(len(x), bool)
    else:
        on = v("reg_outliers_on")
        count = v("reg_outliers") if on else 0
        data = dataset(v("reg_n"), v("reg_noise"), v("reg_seed"), count, v("reg_shift"),
                       v("reg_place"))
        x, y, out = data.x, data.y, data.is_outlier
    units = source.units
    slope, intercept = v("reg_slope") * units.slope, v("reg_intercept") * units.intercept
    exact = Points(x, y, slope * x + intercept, out, np.arange(1, len(x) + 1), [], True,
                   source.key)
    if not show_table and not tables.edited("reg_points"):
        return exact  # no table to draw and no edits to read: the source's points as they are
    frame = pd.DataFrame({"x": x, "target": y, "prediction": slope * x + intercept,
                          "outlier": out}).round(3)
    config = {
        "x": st.column_config.NumberColumn("x", format="%.3f"),
        "target": st.column_config.NumberColumn("target y", format="%.3f"),
        "prediction": st.column_config.NumberColumn("prediction ŷ (your line)", format="%.3f"),
        "outlier": st.column_config.CheckboxColumn("outlier", default=False),
    } if show_table else {}
    if source.real and len(x) > limits.MAX_POINTS:
        # The table edits at most MAX_POINTS points: a larger set is shown, not edited.
        if tables.edited("reg_points"):
            tables.reset("reg_points")
        if show_table:
            st.dataframe(frame, column_config=config, height=260, hide_index=True)
            st.caption(f"{len(x):,} points: the table edits at most {limits.MAX_POINTS} "
                       "points, so it only shows this set.")
        return exact
    table = tables.points("reg_points", frame, show=show_table, num_rows="dynamic",
                          column_config=config, height=260, hide_index=True)
    if not tables.edited("reg_points"):
        # The source's points: exact numbers (the table rounds what it shows).
        return exact
    parsed = read_points({name: table[name].tolist() for name in table.columns})
    return Points(parsed.x, parsed.y, parsed.prediction, parsed.is_outlier, parsed.rows,
                  parsed.problems, False, source.key)


# -- where the points come from -----------------------------------------------------------------
def _new_source() -> None:
    """Another data set: the table's edits and the feature were the old set's."""
    tables.reset("reg_points")
    st.session_state["reg_feature"] = ""


def _feature_picked() -> None:
    st.session_state["reg_feature"] = st.session_state[FEATURE_PICK]
    tables.reset("reg_points")


def _source(box, below) -> Source | None:
    """The data picker in ``box`` (and under it, in ``below``, the feature picker of a set
    with several features, or the file's controls); the source it picks, or None while
    "Your own data" has no usable file."""
    with box:
        key = widgets.choice("reg_data", "Data", widget="select", on_change=_new_source,
                             help="Generated points (a line, noise and outliers you set), a "
                             "real data set, or your own CSV file.")
    if key == "generated":
        return GENERATED
    with below:
        a, b = st.columns([1.4, 1], gap="medium")
        if key == "csv":
            with a:
                return _csv_source(b)
        ds = datasets.load(key)
        wanted = widgets.value("reg_feature")
        feature = wanted if wanted in ds.feature_names else ds.feature_names[0]
        if ds.k > 1:
            with a:
                st.session_state[FEATURE_PICK] = feature
                st.selectbox("Feature (x)", ds.feature_names, key=FEATURE_PICK,
                             on_change=_feature_picked,
                             help="The line is y = a·x + b on one feature of the set.")
        if wanted and wanted != feature:
            st.caption(f"This data set has no feature {escape_markdown(wanted)}: it shows "
                       f"{escape_markdown(feature)}.")
        x = np.asarray(ds.column(feature))
        marked = None
        if key == "stars_cyg_ob1" and feature == "log_temperature":
            marked = x < STARS_GIANT_BELOW  # the red giants (the set's context names them)
        return Source(key, x, np.asarray(ds.y), feature, ds.target_name, ds.units[feature],
                      ds.units[ds.target_name], marked=marked, units=_set_units(key, feature))


@functools.cache
def _set_units(key: str, feature: str) -> SliderUnits:
    """``slider_units`` of a shipped set's feature against its target (fixed data: once per
    process)."""
    ds = datasets.load(key)
    return slider_units(ds.column(feature), ds.y)


def _csv_source(side) -> Source | None:
    read = uploads.table(CSV_FILE, CSV_MEMO, on_new=lambda: tables.reset("reg_points"))
    if read is None:
        return None
    name, table = read
    names = table.names
    with side:
        c, d = st.columns(2)
        target = uploads.select(c, "Target (y)", names, key=CSV_TARGET, memo_key=CSV_MEMO,
                                default=names[-1], on_change=tables.reset,
                                args=("reg_points",))
        feature = uploads.select(d, "Feature (x)", names, key=CSV_FEATURE, memo_key=CSV_MEMO,
                                 default=names[0], on_change=tables.reset,
                                 args=("reg_points",))
    uploads.describe(name, table)
    try:
        x, y = table.pair(feature=feature, target=target)
    except ValueError as err:
        st.warning(escape_markdown(str(err)))
        return None
    x, y = np.asarray(x), np.asarray(y)
    return Source("csv", x, y, feature, target, units=slider_units(x, y))


def _about(source: Source, data: fo.LinesData, sentence: bool = True) -> None:
    """One sentence on what the fitted lines show (not during a lesson step: the step asks
    first and its answer says it), and where the data come from."""
    if sentence:
        st.caption(escape_markdown(fo.fits_sentence(
            data, name=source.key, x_name=source.x_name, y_name=source.y_name,
            y_unit=source.y_unit)))
    if source.key == "csv":
        return
    ds = datasets.load(source.key)
    frame.about_data(ds, (source.x_name, source.y_name), f"{ds.n} rows.")


# -- the page --------------------------------------------------------------------------------
def render() -> None:
    present = widgets.presenting()
    v = widgets.value
    # A lesson step sits beside the figure it talks about: the first picture's, or the
    # closer look's, so that a projector shows the question and the chart together. A
    # phone puts it right above that figure, full width (and scrolls to it: chart.js).
    stepped = frame.lesson_here("regression")
    by_hero = stepped and ((focus := lessons.focus()) is None or focus.chart in HERO_CHARTS)
    # The invitation and the data picker share the first row: the chart starts right under.
    # (The picker's column holds "House prices in Windsor, Canada" whole at 1024 px.)
    # (A lesson's phone page starts with the picker: a stacked empty column left a gap.)
    phone = stepped and widgets.compact()
    top, pick = ((None, st.container()) if phone else
                 st.columns([1.55, 1.45], vertical_alignment="bottom", gap="medium"))
    below = st.container(key="reg_data_box")
    source = _source(pick, below)
    about = below.container()
    if top is not None and (source is None or source.real):
        top.markdown("**Real data:** each loss's exact best line through the set's points. "
                     "The bars below show how hard each point pulls on each line.")
    elif top is not None and v("reg_outliers_on"):
        top.markdown("**Drag the orange outlier up and down:** the MSE line swings "
                     "after it while the MAE line hardly moves. The bars below show why.")
    elif top is not None:
        top.markdown("**No outlier:** each loss's exact best line through the points. The "
                     "bars below show how hard each point pulls on each line.")
    if source is None:  # "Your own data" without a usable file yet
        return
    # A phone stacks the columns: the chart the step talks about draws the step right above
    # itself (lessons.above_chart), and the controls come after; a step about neither chart
    # goes here, above them.
    hero_top = st.container() if by_hero and phone else None
    box = st.container(key="reg_hero_lesson" if by_hero and not phone else "reg_hero")
    left, right = box.columns(frame.beside_step() if by_hero and not phone
                              else [2.1, 1] if not present else [1.9, 1], gap="medium")
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
            st.caption(f"Your points replace the {_origin(source)} until you go back to "
                       "them. A residual is r = prediction − target (your line's prediction).")
            points = _table(True, source)
        else:
            points = _points(False, source)
    generated = points.generated
    with right:
        if by_hero and not phone:
            frame.lesson("regression", compact=True)
        _controls(generated, source)
        scores = st.container(key="reg_scores")
        if not source.real:
            _more(generated, present)
    if len(points.x) < 2 or np.ptp(points.x) == 0:
        with left:
            st.warning("The lab needs at least two points at different x. Add rows to the "
                       "table, or go back to the generated points.")
        if stepped and not by_hero:  # no closer look to sit beside: the step stays here
            with right:
                frame.lesson("regression", compact=True)
        frame.lesson_if_not_drawn(hero_top, "regression")
        return
    units = source.units
    delta = float(v("reg_delta")) * units.delta
    shift = (float(v("reg_shift")) if generated and not source.real
             and points.is_outlier.any() else None)
    y, sized, extra = points.y, None, None
    if shift is not None:
        sized = _axis_shift(shift)
        y = points.y.copy()
        y[points.is_outlier] += sized - shift  # the picture is built with them there
        extra = None if np.isclose(SHIFTS, shift).any() else shift
    built = uploads.cached_or_fresh(source.key, hero, build_hero, points.x, y,
                                    points.is_outlier, delta, sized, extra, present,
                                    (source.axis("x"), source.axis("y")),
                                    0.0 if source.real else 0.5)
    data = at(built.data, shift)
    pulls = fo.pulls_data(data)
    if source.real:
        with about:
            _about(source, data, sentence=not stepped)
    with left:
        chart.chart(built.lines, key="reg_lines", index=data.index, param="reg_shift",
                    drag=fo.outlier_drag() if shift is not None else None,
                    label="The points, the outlier and each loss's best line")
        if source.real:
            lever = fo.lever_sentence(data, pulls)
            about_bars = ("Bars: how hard each point pulls on each loss's best line, points "
                          "left to right. " + fo.real_pull_sentence(pulls, len(data.x))
                          + (" " + lever if lever else ""))
        else:
            n = int(points.is_outlier.sum())
            shaded = ("" if n == 0 else " (shaded column: the outlier)" if n == 1
                      else " (shaded columns: the outliers)")
            # (a lesson asking about these bars waits for the answer before saying it)
            told = "" if lessons.asking_about("reg_pulls") else fo.pull_sentence(pulls)
            about_bars = ("Bars: how hard each point pulls on each loss's best line, points "
                          f"left to right{shaded}. " + told)
        chart.chart(built.pulls, key="reg_pulls", index=data.index, param="reg_shift",
                    label="How hard each point pulls on each loss's best line",
                    caption=about_bars)
    frame.lesson_if_not_drawn(hero_top, "regression")
    with scores:
        _scores(data, real=source.real)
    st.write("")
    # The picker keeps the page's width (beside a lesson step its last choices would be cut).
    view = widgets.choice("reg_view", "Look closer")
    beside = stepped and not by_hero
    with frame.beside_lesson("regression", "reg_look_lesson", beside):
        _closer_look(view, source, points, data, delta, present, units,
                     narrow=beside and not phone)


def _closer_look(view: str | None, source: Source, points: Points, data: fo.LinesData,
                 delta: float, present: bool, units: SliderUnits, narrow: bool = False) -> None:
    """The closer look ``view`` the student picked, under the first picture (``narrow``: in
    a column beside a lesson step)."""
    axes = (source.axis("x"), source.axis("y"))
    if view is None:
        st.caption("Pick a closer look: each loss against the residual (and Huber's δ), a "
                   "line of your own, gradient descent at work, or which loss to choose.")
    elif view == REG_VIEWS[0]:
        views.curves(points, data, present, units.delta)
    elif view == REG_VIEWS[1]:
        views.your_line(points, delta, present, units, axes)
    elif view == REG_VIEWS[2]:
        views.descent(points, data, delta, present, narrow)
    elif view == REG_VIEWS[3]:
        if source.real:
            views.which_loss_real(points, delta, present, axes, narrow)
        else:
            views.which_loss(points, data, delta, present)


def _origin(source: Source) -> str:
    return {"generated": "generated points", "csv": "points of your file"}.get(
        source.key, "data set's points")


def _table(show: bool, source: Source = GENERATED) -> Points:
    points = _points(show, source)
    if tables.edited("reg_points"):
        st.button(f"Back to the {_origin(source)}", key="reg_table_reset",
                  on_click=tables.reset, args=("reg_points",),
                  help="Forget the points you typed.")
    if points.problems:
        shown = "; ".join(points.problems[:5])
        more = len(points.problems) - 5
        st.warning(f"{len(points.problems)} row(s) left out until fixed: {shown}"
                   + (f"; and {more} more" if more > 0 else "") + ".")
    return points


def _controls(generated: bool, source: Source = GENERATED) -> None:
    """The outlier's distance and Huber's delta: the two settings the first picture is about
    (real data has no generated outlier to move: its slider steps aside)."""
    on = widgets.value("reg_outliers_on")
    if not source.real:
        widgets.slider("reg_shift", "Outlier: how far above the line (below if negative)",
                       format="%+.0f", disabled=not generated or not on,
                       help="Or drag the orange diamond on the chart.")
    unit = source.units.delta
    scale = f"{unit:,g} {escape_markdown(source.y_unit)}".rstrip()
    widgets.slider("reg_delta", "Huber's δ", format=views.scaled(unit),
                   help="Huber squares residuals smaller than δ (like MSE) and counts "
                        "larger ones in proportion (like MAE)."
                        + (f" On this data δ is the slider's value times {scale}: the "
                           "residuals are that large." if unit != 1 else ""))


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


def _scores(data: fo.LinesData, real: bool = False) -> None:
    """Each loss's best line (slope and intercept), and how far the outliers moved it. A
    real set's columns keep about four significant digits in its own units (34,140, not
    3.414e+04); generated points two decimals."""
    lines = [data.lines[name] for name in fo.LOSSES]
    if real:
        slopes, intercepts = (column_texts(column) for column in zip(*lines, strict=True))
    else:
        slopes, intercepts = ([f"{v:.2f}" for v in column] for column in zip(*lines, strict=True))
    rows = ["| best line | slope | intercept |", "|:--|--:|--:|"]
    for name, (w, b), w_text, b_text in zip(fo.LOSSES, lines, slopes, intercepts, strict=True):
        moved = ("", "")
        if data.clean is not None:
            moved = (f" ({w - data.clean[0]:+.2f})", f" ({b - data.clean[1]:+.2f})")
        rows.append(f"| :{_COLOR[name]}[**{loss_label_at(name, data.delta, whole=True)}**] | "
                    f"**{w_text}**{moved[0]} | **{b_text}**{moved[1]} |")
    st.markdown("\n".join(rows))
    if data.clean is not None:
        w, b = data.clean
        them = ("outliers moved them from the line without them" if data.is_outlier.sum() > 1
                else "outlier moved them from the line without it")
        st.caption(f"Exact best fits. In brackets: how far the {them} (slope {w:.2f}, "
                   f"intercept {b:.2f}).")
    else:
        st.caption("Exact best fits of each loss to all the points.")
