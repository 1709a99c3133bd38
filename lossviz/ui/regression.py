"""Regression lab: predictions and residuals, outliers, Huber's delta, each point's pull,
gradient descent played in the browser, and the outlier sensitivity experiment.

All numbers come from lossviz (``make_regression``, ``fit``, the losses,
``lossviz.experiments``); all pictures from ``lossviz.figures.regression`` and
``lossviz.figures.descent``. Heavy work is cached; the gradient-descent and sweep sections
are fragments, so their own controls rerun only them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

import lossviz
from lossviz.data import OUTLIER_PLACES
from lossviz.experiments import (
    MAX_ABS_VALUE,
    TablePoints,
    curvature_bound,
    loss_landscape,
    outlier_sweep,
    read_points,
    robust_line,
    safe_learning_rate,
)
from lossviz.figures.descent import Run, convergence_figure, path_figure
from lossviz.figures.regression import (
    REGRESSION_LOSSES,
    data_figure,
    fit_line,
    line_ends,
    pull_data,
    pull_figure,
    residual_curves_figure,
    sweep_figure,
)
from lossviz.figures.style import loss_color, loss_label
from lossviz.state import MAX_TABLE_TEXT, TableCodec, field
from lossviz.ui import live, turns

SECTION = "regression"
MAX_POINTS = 200
MAX_STEPS = 2000
MAX_OUTLIERS = 10
FIT_STEPS = 3000  # the fitted lines: enough for GD at the safe step to settle to 4 digits
GRAD_TOL = 1e-9  # ... and where it stops early: the line is then within ~1e-8 of the minimum
DELTAS = tuple(round(0.1 * k, 1) for k in range(1, 51))  # the in-figure slider's states
SWEEP_SIZES = 25
OPTIMIZER_NAMES = {"gd": "GD", "sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov",
                   "adam": "Adam"}
OUTLIER_X = {"right": 4.5, "left": -4.5, "middle": 0.0, "random": 4.5}
CURVES_KEY = "reg_curves_fig"
VIEWS = ("Loss & gradient", "Each point's pull", "Gradient descent", "Which loss?")

N = field("reg_n", "int", 30, low=2, high=MAX_POINTS, step=1, section=SECTION)
NOISE = field("reg_noise", "float", 1.0, low=0.0, high=5.0, step=0.1, section=SECTION)
SEED = field("reg_seed", "int", 0, low=0, high=9999, section=SECTION)
SLOPE = field("reg_slope", "float", 1.0, low=-5.0, high=5.0, step=0.1, section=SECTION)
INTERCEPT = field("reg_intercept", "float", 0.0, low=-10.0, high=10.0, step=0.1,
                  section=SECTION)
OUTLIERS_ON = field("reg_outliers_on", "bool", True, section=SECTION)
OUTLIERS = field("reg_outliers", "int", 1, low=0, high=MAX_OUTLIERS, section=SECTION)
SHIFT = field("reg_shift", "float", 20.0, low=-60.0, high=60.0, step=1.0, section=SECTION)
PLACE = field("reg_place", "choice", "right", choices=OUTLIER_PLACES, section=SECTION)
DELTA = field("reg_delta", "float", 1.0, low=0.1, high=5.0, step=0.1, section=SECTION)
GD_LOSSES = field("reg_gd_losses", "multi", list(REGRESSION_LOSSES), choices=REGRESSION_LOSSES,
                  section=SECTION)
OPTIMIZER = field("reg_optimizer", "choice", "gd", choices=lossviz.OPTIMIZERS, section=SECTION)
LR = field("reg_lr", "float", 0.04, low=0.001, high=1.0, step=0.001, section=SECTION)
STEPS = field("reg_steps", "int", 200, low=10, high=MAX_STEPS, step=10, section=SECTION)
LOG_Y = field("reg_log_y", "bool", True, section=SECTION)
FAIR = field("reg_fair", "bool", False, section=SECTION)
LANDSCAPE = field("reg_landscape", "choice", "mse", choices=REGRESSION_LOSSES, section=SECTION)
VIEW = field("reg_view", "choice", VIEWS[0], choices=VIEWS, section=SECTION)
SWEEP_MAX = field("reg_sweep_max", "float", 60.0, low=10.0, high=200.0, step=5.0,
                  section=SECTION)

# The table's edits, as the difference from the generated rows (empty when unedited).
POINTS = field("reg_points", "text", "", max_len=MAX_TABLE_TEXT, section=SECTION,
               codec=TableCodec((("x", "x", "number"), ("y", "target", "number"),
                                 ("p", "prediction", "number"), ("o", "outlier", "flag"))))
TABLE_RESET = "reg_table_reset"  # bumped by the reset button: a new editor, the edits dropped
TABLE_OPEN = "reg_table_open"  # the table's expander is open

LIMITS = (f"Limits, so one user cannot hog a shared server: at most {MAX_POINTS} points "
          f"(generated or in the table), {MAX_OUTLIERS} outliers, {MAX_STEPS} gradient-descent "
          f"steps, and table values within ±{MAX_ABS_VALUE:,.0f}.")


# -- cached numerics -------------------------------------------------------------------------
@st.cache_data(max_entries=32, show_spinner=False)
def _dataset(n: int, noise: float, seed: int, outliers: int, shift: float,
             place: str) -> lossviz.RegressionData:
    return lossviz.make_regression(n, noise=noise, outliers=outliers, outlier_shift=shift,
                                   outlier_place=place, seed=seed)


def _huber_delta(name: str, delta: float) -> float:
    # Only Huber depends on delta: other losses share one cache entry for every delta.
    return delta if name == "huber" else 0.0


@st.cache_data(max_entries=64, show_spinner=False)
def _fitted_line(x: np.ndarray, y: np.ndarray, name: str, delta: float) -> lossviz.History:
    """The loss's line by plain GD from (0, 0) at its own safe step size.

    It stops once the gradient is nearly zero (at the minimum, to far more digits than the
    chart shows): a smooth loss gets there in a few hundred steps, not the whole budget.
    """
    loss = lossviz.get_loss(name, **({"delta": delta} if name == "huber" else {}))
    step = safe_learning_rate(x, name)
    scale = float(np.ptp(y)) if len(y) else 1.0
    # A loss without a curvature bound (MAE) gets a decaying step and a gradient that never
    # shrinks (a sum of signs): no tolerance, which also keeps fit on its leanest loop.
    smooth = step.schedule == "constant"
    return lossviz.fit(x, y, loss, lr=step.lr, schedule=step.schedule, steps=FIT_STEPS,
                       grad_tol=GRAD_TOL * min(1.0, max(scale, 1e-12)) if smooth else None)


def fitted_line(x: np.ndarray, y: np.ndarray, name: str, delta: float) -> tuple[float, float]:
    h = _fitted_line(x, y, name, _huber_delta(name, delta))
    return float(h.final_params[0]), float(h.final_params[1])


def _unsettled(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], delta: float) -> list[str]:
    """The losses whose gradient-descent line is still visibly off the exact minimiser.

    Points far from x = 0 make the loss a long, narrow valley that gradient descent crosses
    slowly; the page says so rather than show an unfinished line as the answer.
    """
    notes = (_off_minimum(x, y, name, _huber_delta(name, delta)) for name in names)
    return [note for note in notes if note]


@st.cache_data(max_entries=64, show_spinner=False)
def _off_minimum(x: np.ndarray, y: np.ndarray, name: str, delta: float) -> str:
    """How the loss's gradient-descent line misses the exact best line ("" if it does not)."""
    if _fitted_line(x, y, name, delta).converged:
        return ""  # its gradient vanished: it is at the minimum
    loss = _loss(name, delta)
    w, b = fitted_line(x, y, name, delta)
    best = robust_line(x, y, name, delta=delta if name == "huber" else 1.0)
    reached = loss(y, w * x + b)
    lowest = min(loss(y, best[0] * x + best[1]), reached)
    ends = np.array([x.min(), x.max()])
    scale = 1.0 + float(np.ptp(y))
    # Off only if the loss is visibly higher AND the line visibly elsewhere where the data
    # are: MAE can have a whole segment of best lines, and all-equal x many.
    worse = reached - lowest > 1e-3 * lowest + 1e-9 * scale
    apart = np.abs((w - best[0]) * ends + (b - best[1])).max() > 1e-2 * scale
    if worse and apart:
        return f"{loss_label(name)} (its best line is y = {best[0]:.3g} x {best[1]:+.3g})"
    return ""


@st.cache_data(max_entries=64, show_spinner=False)
def _descent(x: np.ndarray, y: np.ndarray, name: str, delta: float, optimizer: str,
             lr: float, schedule: str, steps: int) -> lossviz.History:
    loss = lossviz.get_loss(name, **({"delta": delta} if name == "huber" else {}))
    return lossviz.fit(x, y, loss, optimizer=optimizer, lr=lr, schedule=schedule, steps=steps,
                       seed=0)


@st.cache_data(max_entries=32, show_spinner=False)
def _landscape(x: np.ndarray, y: np.ndarray, name: str, delta: float,
               w_range: tuple[float, float], b_range: tuple[float, float]):
    loss = lossviz.get_loss(name, **({"delta": delta} if name == "huber" else {}))
    return loss_landscape(x, y, loss, w_range=w_range, b_range=b_range, size=50)


@st.cache_data(max_entries=64, show_spinner=False)
def _sweep(x: np.ndarray, y: np.ndarray, name: str, delta: float, outlier_x: float,
           top: float):
    mags = np.linspace(0.0, top, SWEEP_SIZES)
    return outlier_sweep(x, y, outlier_x=outlier_x, magnitudes=mags, losses=(name,),
                         delta=max(delta, 1e-3))


# -- small helpers ---------------------------------------------------------------------------
def _card(title: str):
    box = st.container(border=True)
    box.markdown(f"**{title}**")
    return box


def _plot(fig: Any, key: str, *, export: Any = None) -> None:
    """Show ``fig`` (built for the projector in presentation mode: ``controls.plot`` then
    keeps its animation frames and in-figure sliders); see ``controls.plot`` for ``export``."""
    from lossviz.ui import controls

    controls.plot(fig, key=key, export=export)


def _num(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}g}" if math.isfinite(value) else "not a finite number"


def _loss(name: str, delta: float) -> lossviz.Loss:
    return lossviz.get_loss(name, **({"delta": delta} if name == "huber" else {}))


MEAN_LATEX = (
    r"\begin{aligned}"
    r"\mathrm{MSE} &= \tfrac{1}{n}\textstyle\sum_i r_i^2 \qquad "
    r"\mathrm{MAE} = \tfrac{1}{n}\textstyle\sum_i |r_i| \\[2pt]"
    r"\mathrm{Huber} &= \tfrac{1}{n}\textstyle\sum_i h_\delta(r_i) \quad\text{with} \\"
    r"h_\delta(r) &= \begin{cases}\tfrac12 r^2 & |r|\le\delta\\ "
    r"\delta\,(|r|-\tfrac12\delta) & |r|>\delta\end{cases}"
    r"\end{aligned}"
)


# -- the page --------------------------------------------------------------------------------
def render() -> None:
    from lossviz.ui import controls

    present = controls.presenting()
    st.markdown(
        "Draw a line through the points and see how **MSE**, **MAE** and **Huber** score it, "
        "how one outlier drags each loss's best line, and how gradient descent finds it. "
        "A residual is *prediction − target*."
    )
    story = st.empty()  # the "what is happening" line, filled once the numbers exist
    left, right = st.columns([1, 2.4], gap="medium")
    with left:
        with _card("Data"):
            n = controls.slider(N, "Points", help="How many clean points (outliers come on top).")
            noise = controls.slider(NOISE, "Noise", help="Spread of the points around the line.")
            seed = controls.number(SEED, "Seed", help="The same seed gives the same points.")
        with _card("Your line"):
            slope = controls.slider(SLOPE, "Slope")
            intercept = controls.slider(INTERCEPT, "Intercept")
        with _card("Outliers"):
            on = controls.toggle(OUTLIERS_ON, "Outliers on")
            count = controls.slider(OUTLIERS, "How many", disabled=not on)
            shift = controls.slider(SHIFT, "How far above the line (below if negative)",
                                    disabled=not on)
            place = controls.choice(PLACE, "Where", disabled=not on)
    # The delta slider sits in the Huber panel further down (a fragment of its own, so moving
    # it reruns only what depends on delta); the rest of the page reads its current value.
    delta = float(st.session_state.get(DELTA.key, DELTA.default))
    outliers = count if on else 0
    data = _dataset(n, noise, seed, outliers, shift, place)
    signature = (n, noise, seed, outliers, shift, place, slope, intercept)

    with right:
        figure_box = st.container()
        metric_box = st.container()
    # The table is built only while its expander is open (closed, the points come from the
    # generated data and the edits the link holds): a page run then sends no editor.
    table = st.expander("Edit the points one by one (table)", key=TABLE_OPEN, on_change="rerun")
    if table.open:
        with table:
            points = _edit_points(data, slope, intercept, signature)
    else:
        points = _edit_points(data, slope, intercept, signature, show=False)

    problem = _data_problem(points)
    if problem:
        with figure_box:
            st.warning(problem)
        story.info("Nothing to show until the table has usable points.")
        return

    residual = points.prediction - points.y
    clean = ~points.is_outlier
    try:
        lines = {name: fitted_line(points.x, points.y, name, delta)
                 for name in REGRESSION_LOSSES}
    except ValueError as err:  # lossviz refuses what it cannot compute; say so in place
        with figure_box:
            st.error(f"These points cannot be fitted: {err}")
        story.info("Nothing to show until the points can be fitted.")
        return
    clean_mse = None
    if points.is_outlier.any() and _usable(points.x[clean]):
        clean_mse = fitted_line(points.x[clean], points.y[clean], "mse", delta)

    data_fig = DataChart(points, lines["mse"], lines["mae"], (slope, intercept), clean_mse,
                         present, huber={delta: lines["huber"]})
    story.info(_story(points, residual, lines, clean_mse))
    with figure_box:
        data_fig.plot(delta)
        st.caption(
            "Grey segments are the residuals of your predictions (open circles); coloured lines "
            "are each loss's best line, fitted by gradient descent from the same start (0, 0). "
            "Orange diamonds are the outliers."
        )
        if data_fig.unsettled:
            st.warning(_unsettled_text(data_fig.unsettled))
    view = st.session_state.get(VIEW.key, VIEW.default)
    curves_inputs = live.fingerprint(residual, present)
    with metric_box:
        st.caption("How the three losses score your predictions (r = prediction − target):")
        cols = st.columns(3)
        for col, name in zip(cols, ("mse", "mae"), strict=False):
            with col:
                value = _loss(name, delta)(points.y, points.prediction)
                st.metric(loss_label(name), _num(value, 4), border=True)
                controls.summary(f"reg_{name}_line", {"slope": lines[name][0]},
                                 lead=f"{loss_label(name)}'s line:")
        with cols[2]:
            # Huber's number, delta and what depends on it: on the default view a fragment
            # (moving delta reruns it alone; the charts follow in the browser), on the other
            # views part of the page run (their charts all depend on delta).
            panel = _huber_fragment if view == VIEWS[0] else _huber_panel
            panel(data_fig, residual, curves_inputs if view == VIEWS[0] else None)
        if not present:
            st.latex(MEAN_LATEX)

    # One view at a time: only its charts are built and sent, so a change (of delta, say)
    # redraws two charts instead of six.
    st.write("")
    view = controls.choice(VIEW, "Look closer", width="stretch")
    if view == VIEWS[0]:
        _curves_view(residual, curves_inputs, delta, present)
    elif view == VIEWS[1]:
        _pull_view(points, residual, delta, present)
    elif view == VIEWS[2]:
        _descent_section(points.x, points.y, delta, lines, present)
    else:
        _sweep_section(points, delta, place, shift if outliers else None, present)
    st.caption(LIMITS)


class DataChart:
    """The data, the student's line and the three fitted lines, for one set of points.

    Only Huber's line depends on delta: while nothing else changes, the chart on the page is
    kept and its Huber line moved in the browser (``lossviz.ui.live``).
    """

    KEY = "reg_data_fig"

    def __init__(self, points: TablePoints, mse: tuple[float, float], mae: tuple[float, float],
                 user_line: tuple[float, float], clean_mse: tuple[float, float] | None,
                 present: bool, huber: dict[float, tuple[float, float]] | None = None) -> None:
        self.points, self.mse, self.mae = points, mse, mae
        self.user_line, self.clean_mse, self.present = user_line, clean_mse, present
        self.inputs = live.fingerprint(points.x, points.y, points.prediction, points.is_outlier,
                                       mse, mae, user_line, clean_mse, present)
        self.huber_trace = -1  # where Huber's line is in the figure, once drawn
        self._huber = dict(huber or {})  # delta -> Huber's fitted line, as far as known
        # Where gradient descent stopped short, for the losses that do not depend on delta.
        self.unsettled = _unsettled(points.x, points.y, ("mse", "mae"), 1.0)

    def huber(self, delta: float) -> tuple[float, float]:
        # Asked for by the chart, the panel and its requests in one run: one cache lookup
        # (each hashes the points).
        if delta not in self._huber:
            self._huber[delta] = fitted_line(self.points.x, self.points.y, "huber", delta)
        return self._huber[delta]

    def figure(self, delta: float):
        p = self.points
        return data_figure(
            p.x, p.y, predictions=p.prediction, is_outlier=p.is_outlier,
            lines={"mse": self.mse, "mae": self.mae, "huber": self.huber(delta)},
            user_line=self.user_line,
            reference=("MSE, no outliers", *self.clean_mse) if self.clean_mse else None,
            height=430, presentation=self.present,
        )

    def plot(self, delta: float) -> None:
        """Draw the chart (on a full run): built anew, or as first built for these inputs."""
        base = live.anchor(self.KEY, self.inputs, delta)
        fig = self.figure(base.value)
        name = f"{loss_label('huber')} fit"
        self.huber_trace = next(i for i, t in enumerate(fig.data) if t.name == name)
        _plot(fig, self.KEY)  # the Huber panel, next, puts the export's builder for delta

    def follow(self, delta: float, huber: tuple[float, float]) -> list[dict[str, Any]]:
        """What moves the chart on the page to Huber's line at ``delta``, ``huber`` = (w, b)
        (nothing if the chart was built for that delta, or for other points)."""
        if self.huber_trace < 0 or not live.follow(self.KEY, self.inputs, delta):
            return []
        line = fit_line(line_ends(self.points.x), "huber", *huber)
        return [live.traces_request([self.huber_trace], [
            {"y": line["y"], "hovertemplate": line["hovertemplate"]}])]


def _huber_panel(data_fig: DataChart, residual: np.ndarray, curves_inputs: str | None) -> None:
    """Huber's score, the delta slider under it, Huber's line and zones in words, and the
    requests that move Huber's traces in the data chart and (``curves_inputs`` given, on
    the default view) in the curves chart."""
    from lossviz.ui import controls

    points = data_fig.points
    # Score and line above the slider, level with the other losses' (no placeholders: each
    # element of this panel is sent on every delta change).
    delta = float(controls.value(DELTA))
    value = _loss("huber", delta)(points.y, points.prediction)
    st.metric(f"{loss_label('huber')} (δ = {delta:g})", _num(value, 4), border=True)
    huber = data_fig.huber(delta)
    controls.summary("reg_huber_line", {"slope": huber[0]}, lead="Huber's line:")
    # In the fragment (default view) the panel's own run writes the address bar (below).
    in_fragment = curves_inputs is not None
    controls.slider(DELTA, "Huber delta δ",
                    help="Residuals within ±δ are squared (like MSE); beyond, "
                         "they count linearly (like MAE).", url_from_page=in_fragment)
    inside = int(np.sum(np.abs(residual) <= delta))
    st.caption(f"{inside} of {len(residual)} residuals are inside ±δ, in its quadratic zone.")
    off = _unsettled(points.x, points.y, ("huber",), delta)
    if off:
        st.warning(_unsettled_text(off))
    requests = {DataChart.KEY: data_fig.follow(delta, huber)}
    # The export pack (drawn with the page) takes its figures from this dict when asked.
    figures = st.session_state.setdefault(controls.FIGURES_KEY, {})
    figures[DataChart.KEY] = lambda: data_fig.figure(delta)
    if curves_inputs is not None and live.follow(CURVES_KEY, curves_inputs, delta):
        frame = _grid_frame(delta)
        if frame is None:  # off the frames' grid (a hand-made link): the page draws it anew
            live.forget(CURVES_KEY)
            st.rerun()
        requests[CURVES_KEY] = [live.frame_request(frame)]
    if curves_inputs is not None and CURVES_KEY in figures:
        figures[CURVES_KEY] = lambda: _curves_figure(residual, delta, data_fig.present)
    live.mount(requests, url=controls.url_query() if in_fragment else None)


_huber_fragment = turns.fragment(_huber_panel)


def _grid_frame(delta: float) -> str | None:
    """The name of the curves chart's frame for ``delta``, if delta is on the slider's grid."""
    k = int(np.argmin(np.abs(np.asarray(DELTAS) - delta)))
    return f"{DELTAS[k]:g}" if abs(DELTAS[k] - delta) <= 1e-9 else None


def _curves_figure(residual: np.ndarray, delta: float, present: bool):
    return residual_curves_figure(residual, delta=delta, deltas=DELTAS, presentation=present,
                                  height=380)


def _curves_view(residual: np.ndarray, inputs: str, delta: float, present: bool) -> None:
    st.markdown("Residuals inside ±δ sit in Huber's quadratic zone (blue dots), the rest in its "
                "linear zone (pink). The slider under the chart previews other δ in your "
                "browser; the Huber delta control sets δ for the whole page.")

    # The figure holds every delta of the grid as a frame: while the residuals stay the same,
    # the chart on the page is kept and shows delta's frame (``lossviz.ui.live``).
    base = live.anchor(CURVES_KEY, inputs, delta, follows=_grid_frame(delta) is not None)
    _plot(_curves_figure(residual, base.value, present), CURVES_KEY,
          export=None if base.value == delta else lambda: _curves_figure(residual, delta, present))
    st.caption(
        "Left: how much each residual costs. Right: how hard the loss pulls a prediction "
        "back — MSE's pull grows without limit, MAE's is ±1 (0 only at r = 0), Huber's "
        "stops at ±δ. "
        "Dots are your points on the Huber curves (blue: quadratic zone, pink: linear)."
    )


def _pull_view(points: TablePoints, residual: np.ndarray, delta: float, present: bool) -> None:
    from lossviz.ui import controls

    pull = pull_data(residual, delta=delta)
    fig = pull_figure(residual, delta=delta, is_outlier=points.is_outlier, presentation=present,
                      height=420)
    _plot(fig, "reg_pull_fig")
    top = int(np.argmax(pull.share["mse"]))
    st.caption(
        "Bars are numbered by the points' order in the table, counting from 1 (orange columns "
        "are outliers). Top: each point's "
        "share of the loss. Bottom: its pull ℓ′(r) on its own prediction."
    )
    controls.summary("reg_pull", {loss_label(k): pull.share[k][top] for k in REGRESSION_LOSSES},
                     lead=f"Point {points.rows[top]}, the biggest MSE term, carries this share "
                          "(%) of each loss:")


def _usable(x: np.ndarray) -> bool:
    return len(x) >= 1


def _edit_points(data: lossviz.RegressionData, slope: float, intercept: float,
                 signature: tuple[Any, ...], *, show: bool = True) -> TablePoints:
    """The points: the generated ones with the table's edits, and the table itself when
    ``show`` (its expander is open)."""
    from lossviz.ui import share

    if show:
        st.caption("Change a target or a prediction, add or delete rows. Moving a control on "
                   "the left rebuilds the table from the generated data and your line.")
    frame = pd.DataFrame({
        "x": data.x, "target": data.y, "prediction": slope * data.x + intercept,
        "outlier": data.is_outlier,
    }).round(3)
    config = {
        "x": st.column_config.NumberColumn("x", format="%.3f"),
        "target": st.column_config.NumberColumn("target y", format="%.3f"),
        "prediction": st.column_config.NumberColumn("prediction ŷ", format="%.3f"),
        "outlier": st.column_config.CheckboxColumn("outlier", default=False),
    } if show else {}
    edited = share.linked_table(POINTS, frame, signature=signature,
                                reset=st.session_state.get(TABLE_RESET, 0), num_rows="dynamic",
                                column_config=config, height=240, hide_index=True, show=show)
    if show and st.button("Undo all table edits", key="reg_table_reset_button"):
        st.session_state[TABLE_RESET] = st.session_state.get(TABLE_RESET, 0) + 1
        share.drop_table_edits(POINTS)
        st.rerun()
    columns = {name: edited[name].tolist() for name in edited.columns}
    points = read_points(columns)
    if show and points.problems:
        shown = points.problems[:5]
        more = len(points.problems) - len(shown)
        st.warning(f"{len(points.problems)} row(s) left out until fixed: " + "; ".join(shown)
                   + (f"; and {more} more" if more > 0 else "") + ".")
    return points


def _data_problem(points: TablePoints) -> str:
    if len(points.x) == 0:
        return ("The table has no usable points. Add a row with x, target and prediction, or "
                "press 'Undo all table edits'.")
    return ""


def _unsettled_text(notes: list[str]) -> str:
    return (f"Gradient descent had not settled for {'; '.join(notes)} after {FIT_STEPS} steps. "
            "Points far from x = 0, very few points, or MAE's jumping slope make the valley "
            "slow to walk down; the line drawn is where it stopped.")


def _story(points: TablePoints, residual: np.ndarray, lines: dict[str, tuple[float, float]],
           clean_mse: tuple[float, float] | None) -> str:
    """The "what is happening" line (Huber's part is under its score: it follows delta)."""
    sq = residual * residual
    total = float(sq.sum())
    parts = []
    if total > 0:
        i = int(np.argmax(sq))
        kind = "an outlier" if points.is_outlier[i] else "a clean point"
        parts.append(
            f"Point {points.rows[i]} ({kind} at x = {points.x[i]:.2f}, residual "
            f"{residual[i]:+.2f}) makes up {100 * sq[i] / total:.0f}% of your line's MSE."
        )
    else:
        parts.append("Your predictions hit every target: all three losses are 0.")
    if clean_mse is not None:
        moved = lines["mse"][0] - clean_mse[0]
        subject = "The outlier" if int(points.is_outlier.sum()) == 1 else "The outliers"
        parts.append(
            f"{subject} moved the MSE line's slope from {clean_mse[0]:.2f} to "
            f"{lines['mse'][0]:.2f} ({moved:+.2f}); MAE's line has slope "
            f"{lines['mae'][0]:.2f}. Each line's slope is under its score below."
        )
    else:
        parts.append(f"Without outliers the lines nearly agree: slopes {lines['mse'][0]:.2f} "
                     f"(MSE) and {lines['mae'][0]:.2f} (MAE); Huber's is under its score below.")
    return " ".join(parts)


# -- gradient descent ------------------------------------------------------------------------
@turns.fragment
def _descent_section(x: np.ndarray, y: np.ndarray, delta: float,
                     lines: dict[str, tuple[float, float]], present: bool) -> None:
    from lossviz.ui import controls

    with _card("Run gradient descent"):
        k1, k2, k3 = st.columns(3, gap="medium")
        with k1:
            names = controls.multi(GD_LOSSES, "Losses", format_func=loss_label)
            optimizer = controls.choice(OPTIMIZER, "Optimizer", widget="select",
                                        format_func=lambda k: OPTIMIZER_NAMES.get(k, k))
        with k2:
            lr = controls.slider(LR, "Learning rate", format="%.3f",
                                 disabled=bool(st.session_state.get(FAIR.key, False)))
            steps = controls.slider(STEPS, "Steps")
        with k3:
            fair = controls.toggle(FAIR, "Fair comparison",
                                   help="Each loss gets its own safe step size, from its "
                                        "curvature; see the note below the charts.")
            log_y = controls.toggle(LOG_Y, "Log-scale loss axis")
            landscape = controls.choice(LANDSCAPE, "Contour of", widget="select",
                                        format_func=loss_label)
    names = [name for name in REGRESSION_LOSSES if name in names]  # one order everywhere
    c2 = st.container()
    if not names:
        with c2:
            st.info("Pick at least one loss to run gradient descent.")
        return
    runs, messages, rates = [], [], {}
    for name in names:
        if fair:
            step = safe_learning_rate(x, name)
            rate, schedule = step.lr, step.schedule
        else:
            rate, schedule = lr, "constant"
        rates[name] = (rate, schedule)
        try:
            h = _descent(x, y, name, _huber_delta(name, delta), optimizer, rate, schedule,
                         steps)
        except ValueError as err:
            messages.append(f"**{loss_label(name)}** could not run: {err}")
            continue
        runs.append(Run(loss_label(name), loss_color(name), h))
        if h.diverged:
            limit = 2.0 / curvature_bound(x, name)
            hint = (f" Plain GD on {loss_label(name)} here is stable below 2/L = {limit:.3g}."
                    if math.isfinite(limit) else "")
            messages.append(f"**{loss_label(name)}** {h.describe()}.{hint}")
    with c2:
        for text in messages:
            st.error(text)
        if not runs:
            return
        fig = convergence_figure(runs, log_y=log_y, presentation=present, height=360,
                                 frames=60)
        _plot(fig, "reg_convergence_fig")
        st.caption("Training loss at every step; ▶ play, ❚❚ pause or drag the slider to "
                   "replay the run in your browser.")
        land = _landscape_for(x, y, landscape, delta, runs, lines)
        fig = path_figure(land, runs, landscape_label=loss_label(landscape),
                          presentation=present, height=420, frames=60)
        _plot(fig, "reg_path_fig")
        st.caption(f"Each run's path in (slope w, intercept b) over the contours of "
                   f"{loss_label(landscape)} (darker is lower; the star is its minimum).")
        controls.summary("reg_descent", {f"{r.label} final loss": r.history.final_loss
                                         for r in runs}, lead=f"After {steps} steps:")
    _fair_note(x, names, rates, fair, optimizer)


def _landscape_for(x, y, name, delta, runs, lines):
    ws = [0.0, lines[name][0]]
    bs = [0.0, lines[name][1]]
    for run in runs:
        if not run.history.diverged:
            ws += [float(run.history.params[:, 0].min()), float(run.history.params[:, 0].max())]
            bs += [float(run.history.params[:, -1].min()),
                   float(run.history.params[:, -1].max())]
    w0, w1, b0, b1 = min(ws), max(ws), min(bs), max(bs)
    pw, pb = max(0.25 * (w1 - w0), 0.5), max(0.25 * (b1 - b0), 0.5)
    # Rounded ranges: nearby runs share one cached landscape.
    w_range = (math.floor((w0 - pw) * 10) / 10, math.ceil((w1 + pw) * 10) / 10)
    b_range = (math.floor((b0 - pb) * 10) / 10, math.ceil((b1 + pb) * 10) / 10)
    return _landscape(x, y, name, _huber_delta(name, delta), w_range, b_range)


def _fair_note(x: np.ndarray, names: list[str], rates: dict[str, tuple[float, str]],
               fair: bool, optimizer: str) -> None:
    big = curvature_bound(x, "mse")
    with st.expander("Why one learning rate for all losses is unfair", expanded=fair):
        st.markdown(
            "Gradient descent is stable when the step is below 2/L, where L is the largest "
            "curvature of the mean loss over (w, b). For a line, "
            r"$L = \max_r \ell''(r)\cdot\lambda_{\max}(Z^\top Z)/n$ with $Z = [x, 1]$: "
            f"here λ_max(ZᵀZ)/n = {big / 2:.3g}, so L = {big:.3g} for MSE (ℓ'' = 2) and "
            f"{big / 2:.3g} for Huber (ℓ'' = 1 in its quadratic zone). One learning rate is "
            "therefore too bold for MSE or too timid for Huber. MAE's slope jumps from −1 to "
            "+1, so it has no curvature bound at all: no constant step is safe; it zig-zags "
            "unless the step shrinks."
        )
        if fair:
            rows = []
            for name in names:
                lr, schedule = rates[name]
                rows.append(f"{loss_label(name)}: {lr:.3g}"
                            + (" (decayed to 0 by a cosine schedule)" if schedule == "cosine"
                               else " (1/L)"))
            st.markdown("Step sizes used now: " + "; ".join(rows) + ".")
            if optimizer == "adam":
                st.caption("Adam divides each step by the gradient's running size, so the "
                           "curvature argument is for plain GD; with Adam these steps are only "
                           "a rough guide.")


# -- outlier sensitivity ---------------------------------------------------------------------
@turns.fragment
def _sweep_section(points: TablePoints, delta: float, place: str, current: float | None,
                   present: bool) -> None:
    from lossviz.ui import controls

    clean = ~points.is_outlier
    x, y = points.x[clean], points.y[clean]
    if len(x) < 2 or np.ptp(x) == 0:
        st.info("The sweep needs at least two clean (non-outlier) points at different x.")
        return
    with _card("Sweep"):
        k1, k2 = st.columns([1, 1.4], gap="large")
        with k1:
            top = controls.slider(SWEEP_MAX, "Push the outlier up to")
        sign = -1.0 if (current is not None and current < 0) else 1.0
        k2.caption(f"One outlier at x = {OUTLIER_X[place]:g} ('{place}' end), moved from the "
                   f"clean line to {sign * top:g} away. Huber uses δ = {delta:g}.")
    try:
        parts = [_sweep(x, y, name, delta, OUTLIER_X[place], sign * top)
                 for name in REGRESSION_LOSSES]
    except ValueError as err:
        st.error(f"The sweep cannot run on these points: {err}")
        return
    sweep = parts[0]._replace(
        slope={k: v for p in parts for k, v in p.slope.items()},
        intercept={k: v for p in parts for k, v in p.intercept.items()},
        clean_error={k: v for p in parts for k, v in p.clean_error.items()},
    )
    clean_slope = float(robust_line(x, y, "mse")[0])
    fig = sweep_figure(sweep, clean_slope=clean_slope, current=current, delta=delta,
                       presentation=present, height=340)
    _plot(fig, "reg_sweep_fig")
    st.caption("Left: the slope each loss's best line takes as one outlier moves away. "
               "Right: how badly that line then fits the clean points. Flat is robust.")
    with st.container(border=True):
        st.markdown("**Choosing a loss** (read off the sweep above)")
        st.markdown(_choosing(sweep, clean_slope, delta))


def _choosing(sweep, clean_slope: float, delta: float) -> str:
    far = float(sweep.magnitudes[-1])
    move = {k: float(abs(sweep.slope[k][-1] - clean_slope)) for k in sweep.slope}
    err0 = {k: float(sweep.clean_error[k][0]) for k in sweep.slope}
    err_far = {k: float(sweep.clean_error[k][-1]) for k in sweep.slope}
    robust = min(move, key=move.get)
    efficient = min(err0, key=err0.get)
    names = {k: loss_label(k) for k in sweep.slope}
    lines = [
        f"- With the outlier {abs(far):g} away, the slope moves by {move['mse']:.3g} under "
        f"MSE, {move['mae']:.3g} under MAE and {move['huber']:.3g} under Huber (δ = {delta:g}); "
        f"the clean-point error grows to {err_far['mse']:.3g}, {err_far['mae']:.3g} and "
        f"{err_far['huber']:.3g}.",
        f"- Without the outlier, {names[efficient]} fits the clean points best (error "
        f"{err0[efficient]:.3g}; MSE {err0['mse']:.3g}, MAE {err0['mae']:.3g}, Huber "
        f"{err0['huber']:.3g}).",
    ]
    if move["mse"] > 0.05 * max(abs(clean_slope), 1.0) and robust != "mse":
        text = (f"- So: if outliers are possible, avoid MSE. {names[robust]}'s slope moved "
                f"least ({move[robust]:.3g}).")
        if move["huber"] > 0 and err0["mse"] > 0:
            text += (f" Huber at δ = {delta:g} moves {move['mse'] / move['huber']:.3g}× less "
                     f"than MSE and costs {100 * (err0['huber'] / err0['mse'] - 1):.2g}% more "
                     "error than MSE on clean data: robust, with little price when the data "
                     "is clean.")
        lines.append(text)
    else:
        lines.append("- Here the outlier barely moves any line (it sits where the line goes "
                     "anyway): MSE is fine.")
    return "\n".join(lines)
