"""The regression page's closer looks, one at a time under the first picture: the losses'
curves and Huber's delta, a line of your own, gradient descent, and which loss to pick."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

import lossviz
from lossviz.experiments import (
    CV_FOLDS,
    CrossValidation,
    SliderUnits,
    cross_validate,
    curvature_bound,
    loss_landscape,
    outlier_sweep,
    robust_line,
    safe_learning_rate,
)
from lossviz.figures import descent as fd
from lossviz.figures import outliers as fo
from lossviz.figures import regression as fr
from lossviz.figures.raster import contour_png
from lossviz.figures.style import loss_color, loss_label, loss_label_at
from lossviz.losses import OUTLIER_LOSSES
from lossviz.numbers import card_text, column_texts, figure_text, number_text
from lossviz.ui import chart, lessons, widgets
from lossviz.ui.uploads import cached_or_fresh

DELTAS = np.round(np.arange(1, 51) * 0.1, 1)  # the delta slider's grid
SLOPES = np.round(np.arange(-50, 51) * 0.1, 1)  # the slope slider's grid
OUTLIER_X = {"right": 4.5, "left": -4.5, "middle": 0.0, "random": 4.5}
SWEEP_SIZES = 25


def _loss(name: str, delta: float) -> lossviz.Loss:
    return lossviz.get_loss(name, **({"delta": delta} if name == "huber" else {}))


# -- loss and gradient --------------------------------------------------------------------------
def _curves_fresh(residual: np.ndarray, out: np.ndarray, extra: float | None, present: bool,
                  small: bool, unit: float = 1.0) -> tuple[chart.Prepared, np.ndarray]:
    """The curves chart for these residuals, for every delta of the slider's grid times
    ``unit`` (and ``extra``, a delta off it): one picture whatever delta is, which only
    picks its state."""
    deltas = DELTAS * unit if extra is None else np.append(DELTAS * unit, extra)
    data = fr.curves_data(residual, delta=1.0, deltas=deltas, is_outlier=out)
    fig = fr.curves_figure.spec(data, height=560 if present else 520, presentation=present)
    return chart.prepare(fig, fr.curves_states(data)), data.deltas


_curves = st.cache_data(max_entries=32, show_spinner=False)(_curves_fresh)


def curves(points, data: fo.LinesData, present: bool, unit: float = 1.0) -> None:
    """Loss and gradient against the residual; the points at the MSE line; drag delta (in
    steps of the slider's grid times ``unit``)."""
    w, b = data.lines["mse"]
    residual = w * points.x + b - points.y
    delta = float(data.delta)
    extra = None if np.isclose(DELTAS * unit, delta).any() else delta
    ready, deltas = cached_or_fresh(points.source, _curves, _curves_fresh, residual,
                                    points.is_outlier, extra, present, widgets.compact(), unit)
    r = float(residual[int(np.argmax(np.abs(residual)))])
    about = (
        f"The dots are your points at the MSE line's residuals (r = prediction − target: a "
        f"point above the line has r < 0). The farthest, r = {figure_text(r, 4)}, costs "
        f"{figure_text(r * r, 4)} under MSE and pulls with {figure_text(abs(2 * r), 4)}; under "
        f"MAE it costs {figure_text(abs(r), 4)} and pulls with 1; under Huber it pulls with at "
        f"most δ = {delta:,g}. Drag the green square to change δ.")
    chart.chart(ready, key="reg_curves", index=int(np.argmin(np.abs(deltas - delta))),
                param="reg_delta", scale=unit, drag=fr.delta_drag(),
                label="Loss and gradient of MSE, MAE and Huber against the residual",
                caption=about)


# -- your own line --------------------------------------------------------------------------------
def your_line(points, delta: float, present: bool, units: SliderUnits,
              axes: tuple[str, str] = ("x", "y")) -> None:
    """A line of the student's own: its residuals and its three scores (its slope and
    intercept are the sliders' values times ``units``; ``axes``: the titles, escaped)."""
    a, b = st.columns([1.4, 2.6], gap="medium")  # room for a score such as 8.379×10⁸
    with a:
        slope = units.slope * widgets.slider("reg_slope", "Slope of your line",
                                             format=scaled(units.slope))
        intercept = units.intercept * widgets.slider("reg_intercept", "Intercept of your line",
                                                     format=scaled(units.intercept))
        prediction = slope * points.x + intercept if points.generated else points.prediction
        for name in OUTLIER_LOSSES:
            value = _loss(name, delta)(points.y, prediction)
            st.metric(f"{loss_label(name)} of your line", card_text(value), border=True)
    residual = prediction - points.y
    with b:
        fig = fr.data_figure.spec(points.x, points.y, predictions=prediction,
                                  is_outlier=points.is_outlier, user_line=(slope, intercept),
                                  height=380, presentation=present, x_title=axes[0],
                                  y_title=axes[1])
        states = None
        if points.generated:  # typed predictions do not follow a line: nothing to tilt
            states = fr.your_line_states(points.x, points.y, intercept=intercept,
                                         slopes=SLOPES * units.slope, slope=slope)
            span = np.ptp(points.y) or 1.0
            ends = fr.line_ends(points.x)
            layout = fig["layout"]
            layout["dragmode"] = False
            layout.setdefault("xaxis", {})["range"] = list(ends)
            layout.setdefault("yaxis", {})["range"] = [points.y.min() - 0.3 * span,
                                                       points.y.max() + 0.3 * span]
        chart.chart(fig, key="reg_your_line", states=states, param="reg_slope",
                    scale=units.slope,
                    drag=fr.your_line_drag() if states is not None else None,
                    label="Your line, its predictions and residuals")
        chart.chart(fr.pull_figure.spec(residual, delta=delta, is_outlier=points.is_outlier,
                                        height=380, presentation=present),
                    key="reg_your_pulls", label="Each point's share of each loss and pull")
    sq = residual * residual
    if sq.sum() > 0:
        i = int(np.argmax(sq))
        st.caption(f"Drag the dark square at the right end of your line to tilt it. Grey "
                   f"segments are the residuals r = prediction − target. Point "
                   f"{points.rows[i]} alone makes up {100 * sq[i] / sq.sum():.0f}% of your "
                   "line's MSE: squaring makes one big miss outweigh many small ones.")


def scaled(unit: float) -> str:
    """A slider's printf format showing its value times ``unit`` ("%.1f × 10,000")."""
    return "%.1f" if unit == 1 else f"%.1f × {unit:,g}"


# -- gradient descent -----------------------------------------------------------------------------
def _descent_fresh(x, y, name: str, delta: float, optimizer: str, lr: float, schedule: str,
                   steps: int) -> lossviz.History:
    return lossviz.fit(x, y, _loss(name, delta), optimizer=optimizer, lr=lr,
                       schedule=schedule, steps=steps, seed=0)


def _exact_fresh(x, y, name: str, delta: float) -> lossviz.Solution:
    return lossviz.solve(x, y, _loss(name, delta))


def _landscape_fresh(x, y, name: str, delta: float, w_range, b_range):
    return loss_landscape(x, y, _loss(name, delta), w_range=w_range, b_range=b_range, size=50)


_descent = st.cache_data(max_entries=64, show_spinner=False)(_descent_fresh)
_exact = st.cache_data(max_entries=64, show_spinner=False)(_exact_fresh)
_landscape = st.cache_data(max_entries=32, show_spinner=False)(_landscape_fresh)
_picture = st.cache_data(max_entries=32, show_spinner=False)(contour_png)  # of a landscape


def descent(points, data: fo.LinesData, delta: float, present: bool,
            narrow: bool = False) -> None:
    """Gradient descent for the chosen losses, played in the browser. ``narrow``: in a
    column beside a lesson step (the controls in rows that wrap, the table turned)."""
    x, y = points.x, points.y
    with st.container(border=True):
        if narrow:  # the optimizer's name needs a row's width, not half of it
            k1 = st.container(horizontal=True, gap="medium")
            k2, k3 = st.columns(2, gap="medium"), st.container(horizontal=True, gap="medium")
        else:
            k1, k2, k3 = st.columns(3, gap="medium")
        with k1:
            names = widgets.multi("reg_gd_losses", "Losses")
            optimizer = widgets.choice("reg_optimizer", "Optimizer", widget="select")
        fair = bool(widgets.value("reg_fair"))
        with k2[0] if narrow else k2:
            lr = widgets.slider("reg_lr", "Learning rate", format="%.3f", disabled=fair)
        with k2[1] if narrow else k2:
            steps = widgets.slider("reg_steps", "Steps")
        with k3:
            widgets.toggle("reg_fair", "Fair comparison",
                           help="Each loss gets its own safe step size, from its curvature.")
            log_y = widgets.toggle("reg_log_y", "Log-scale loss axis")
            landscape = widgets.choice("reg_landscape", "Contours of", widget="select")
    if not names:
        st.info("Pick at least one loss to run gradient descent.")
        return
    runs, rates = [], {}
    for name in names:
        if fair:
            step = safe_learning_rate(x, name)
            rate, schedule = step.lr, step.schedule
        else:
            rate, schedule = lr, "constant"
        rates[name] = (rate, schedule)
        h = cached_or_fresh(points.source, _descent, _descent_fresh, x, y, name,
                            delta if name == "huber" else 0.0, optimizer, rate, schedule, steps)
        runs.append(fd.Run(loss_label(name), loss_color(name), h))
        if h.diverged:
            limit = 2.0 / curvature_bound(x, name)
            hint = ""
            if math.isfinite(limit):
                hint = (f" Try a learning rate below {figure_text(limit)}: above it, plain "
                        f"gradient descent on {loss_label(name)} overshoots here.")
            st.error(f"**{loss_label(name)}** {h.describe()}.{hint}")
    small = widgets.compact()
    curves = fd.convergence_data(runs)
    chart.chart(fd.convergence_figure.spec(curves, log_y=log_y, presentation=present, height=360,
                                           compact=small),
                key="reg_convergence", states=fd.convergence_states(curves, log_y=log_y),
                param="reg_gd_step",
                label="Training loss at every step of gradient descent")
    _against_exact(points, names, delta, runs, turned=narrow)
    land = _landscape_for(points, landscape, delta, runs, data)
    path = fd.path_data(land, runs)
    picture = cached_or_fresh(points.source, _picture, contour_png, path.log_loss)
    chart.chart(fd.path_figure.spec(path, landscape_label=loss_label(landscape),
                                    presentation=present, height=420, compact=small,
                                    picture=picture),
                key="reg_path", states=fd.path_states(path), param="reg_gd_step",
                label="The path of gradient descent over the loss's contours",
                caption=f"The path of (slope w, intercept b) over the contours of "
                        f"{loss_label(landscape)} (lighter is lower; the star is its minimum). "
                        "▶ plays the run in your browser.")
    _fair_note(x, names, rates, fair, optimizer)


def _line_text(w: float, b: float) -> str:
    """A line as a person writes it, under a header that says it is a line:
    ``1.7637 x + 2.7864``, ``0.5000 x − 1.2500`` (no-break spaces: a table column never
    splits it)."""
    return f"{w:.4f} x {'−' if b < 0 else '+'} {abs(b):.4f}".replace(" ", "\u00a0")


def _within_text(g: lossviz.exact.Gap) -> str:
    """When a run's loss first came within ``g.tol`` of the minimum, and whether it was
    still there at the end (MAE's steps of a fixed size can take it out again)."""
    if g.within is None:
        return "never"
    return f"first at step {g.within}" + ("" if g.loss <= g.tol else ", not at the end")


def _against_exact(points, names, delta: float, runs, turned: bool = False) -> None:
    """Each run beside the exact minimiser of its loss (``lossviz.solve``): how far it
    ended, and from which step its loss was within 0.001 of the minimum (``turned``: a
    column per loss, for a narrow column)."""
    rows = []
    for name, run in zip(names, runs, strict=True):
        h = run.history
        if h.diverged:
            continue
        best = cached_or_fresh(points.source, _exact, _exact_fresh, points.x, points.y, name,
                               delta if name == "huber" else 0.0)
        g = lossviz.exact.gap(h, best)
        (w,), b = best.coefficients()
        gw, gb = (float(v) for v in h.params[-1])
        rows.append({
            "Loss": loss_label(name),
            "Exact line": _line_text(w, b),
            "Gradient descent's line": _line_text(gw, gb),
            "Steps": f"{h.stop_step:,}",  # text, as every cell: a turned table mixes none
            "Largest parameter gap": number_text(g.params),  # 1.3×10⁻¹⁵, not 1.3e-15
            "Loss above the minimum": number_text(max(g.loss, 0.0)),
            "Within 0.001 of the minimum loss": _within_text(g),
        })
    if not rows:
        return
    st.markdown("**Against the exact answer** (the minimiser computed directly: least "
                "squares, a linear program for MAE, Newton's method for Huber)")
    # A static table: lighter in the browser than the interactive grid (measured in
    # benchmarks/README.md).
    table = pd.DataFrame(rows).set_index("Loss")
    st.table(table.T if turned else table)


def _landscape_for(points, name, delta, runs, data: fo.LinesData):
    best = data.lines[name]
    ws, bs = [0.0, float(best[0])], [0.0, float(best[1])]
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
    return cached_or_fresh(points.source, _landscape, _landscape_fresh, points.x, points.y,
                           name, delta if name == "huber" else 0.0, w_range, b_range)


def _fair_note(x, names, rates, fair: bool, optimizer: str) -> None:
    big = curvature_bound(x, "mse")
    with st.expander("Why one learning rate for all losses is unfair", expanded=fair):
        st.markdown(
            "Plain gradient descent is stable when the step is below 2/L, where L is the "
            "largest curvature (how sharply the slope of the mean loss can turn) over (w, b). "
            r"For a line, $L = \max_r \ell''(r)\cdot\lambda_{\max}(Z^\top Z)/n$ with "
            f"$Z = [x, 1]$: here λ_max(ZᵀZ)/n = {figure_text(big / 2)}, so L = "
            f"{figure_text(big)} for MSE (ℓ'' = 2) and at most {figure_text(big / 2)} for Huber "
            "(ℓ'' = 1 in its quadratic zone; Huber's true curvature can be lower, so a somewhat "
            "larger step may still work). "
            "One learning rate is therefore too bold for MSE or too timid for Huber. MAE's "
            "slope jumps from −1 to +1, so no constant step is safe: it zig-zags unless the "
            "step shrinks.")
        if fair:
            parts = []
            for name in names:
                rate, schedule = rates[name]
                parts.append(f"{loss_label(name)}: {figure_text(rate)}"
                             + (" (shrinking to 0 by a cosine schedule)"
                                if schedule == "cosine" else " (1/L)"))
            st.markdown("Step sizes used now: " + "; ".join(parts) + ".")
            if optimizer == "adam":
                st.caption("Adam divides each step by the gradient's running size, so the "
                           "curvature argument is for plain gradient descent; with Adam these "
                           "steps are only a rough guide.")


# -- which loss -------------------------------------------------------------------------------
@st.cache_data(max_entries=32, show_spinner=False)
def _sweep(x, y, delta: float, outlier_x: float, top: float):
    return outlier_sweep(x, y, outlier_x=outlier_x, magnitudes=np.linspace(0.0, top, SWEEP_SIZES),
                         delta=max(delta, 1e-3))


def which_loss(points, data: fo.LinesData, delta: float, present: bool) -> None:
    """One outlier pushed from the line to far away: each loss's slope and clean error."""
    clean = ~points.is_outlier
    x, y = points.x[clean], points.y[clean]
    if len(x) < 2 or np.ptp(x) == 0:
        st.info("This needs at least two points that are not outliers, at different x.")
        return
    place = widgets.value("reg_place")
    shift = widgets.value("reg_shift")
    top = widgets.slider("reg_sweep_max", "Push the outlier up to")
    sign = -1.0 if shift < 0 else 1.0
    sweep = _sweep(x, y, delta, OUTLIER_X[place], sign * top)
    clean_slope = float(robust_line(x, y, "mse")[0])
    current = shift if points.is_outlier.any() and points.generated else None
    fig = fr.sweep_figure.spec(sweep, clean_slope=clean_slope, current=current, delta=delta,
                               presentation=present, height=360)
    chart.chart(fig, key="reg_sweep", label="Each loss's slope as one outlier moves away")
    st.caption(f"One outlier at x = {OUTLIER_X[place]:g}, moved from the clean points' line "
               f"to {sign * top:g} away; every line is the loss's exact best line. Left: its "
               "slope. Right: how badly it then fits the clean points. Flat is robust.")
    with st.container(border=True):
        st.markdown("**Choosing a loss** (read off the sweep above)")
        st.markdown(choosing(sweep, clean_slope, delta))


def choosing(sweep, clean_slope: float, delta: float) -> str:
    """Advice read off the sweep's numbers."""
    far = float(sweep.magnitudes[-1])
    move = {k: float(abs(sweep.slope[k][-1] - clean_slope)) for k in sweep.slope}
    err0 = {k: float(sweep.clean_error[k][0]) for k in sweep.slope}
    err_far = {k: float(sweep.clean_error[k][-1]) for k in sweep.slope}
    robust = min(move, key=move.get)
    efficient = min(err0, key=err0.get)
    names = {k: loss_label(k) for k in sweep.slope}
    t = figure_text  # 1,230 and 4.5×10⁻⁶ in a sentence, never 1.23e+03
    lines = [
        f"- With the outlier {abs(far):g} away, the slope moves by {t(move['mse'])} under "
        f"MSE, {t(move['mae'])} under MAE and {t(move['huber'])} under Huber "
        f"(δ = {delta:,g}); the error on the clean points grows to {t(err_far['mse'])}, "
        f"{t(err_far['mae'])} and {t(err_far['huber'])}.",
        f"- Without the outlier, {names[efficient]} fits the clean points best (error "
        f"{t(err0[efficient])}; MSE {t(err0['mse'])}, MAE {t(err0['mae'])}, Huber "
        f"{t(err0['huber'])}).",
    ]
    if move["mse"] > 0.05 * max(abs(clean_slope), 1.0) and robust != "mse":
        text = (f"- So: if outliers are possible, avoid MSE. {names[robust]}'s slope moved "
                f"least ({t(move[robust])}).")
        if move["huber"] > 0 and err0["mse"] > 0:
            text += (f" Huber at δ = {delta:,g} moves {t(move['mse'] / move['huber'])}× less "
                     f"than MSE and costs {t(100 * (err0['huber'] / err0['mse'] - 1), 2)}% "
                     "more error than MSE on clean data: robust, with little price when the "
                     "data is clean.")
        lines.append(text)
    else:
        lines.append("- Here the outlier barely moves any line (it sits where the line goes "
                     "anyway): MSE is fine.")
    return "\n".join(lines)


# -- which loss, on real data ---------------------------------------------------------------------
FOLDS = CV_FOLDS
_cross_validate = st.cache_data(max_entries=32, show_spinner=False)(cross_validate)


def which_loss_real(points, delta: float, present: bool = False,
                    axes: tuple[str, str] = ("x", "y"), narrow: bool = False) -> None:
    """On real data: each loss's line judged on the points it was not fitted on, and each
    loss's lines from the five fits side by side (``axes``: the axis titles, escaped)."""
    if len(points.x) < 2 * FOLDS:
        st.info(f"This needs at least {2 * FOLDS} points: each loss's line is fitted "
                f"{FOLDS} times, each time without a fifth of them.")
        return
    try:
        cv = cached_or_fresh(points.source, _cross_validate, cross_validate, points.x,
                             points.y, delta=max(delta, 1e-3), folds=FOLDS)
    except ValueError as err:
        st.info(f"Cross-validation is not possible on these points: {err}.")
        return
    names = [loss_label_at(n, delta) for n in cv.losses]
    columns = {"squared error (RMSE)": column_texts(cv.rmse),
               "mean |error|": column_texts(cv.mean_abs),
               "median |error|": column_texts(cv.median_abs),
               f"slope over the {FOLDS} fits": [
                   f"{figure_text(lo)} to {figure_text(hi)}"
                   for lo, hi in zip(cv.slopes.min(axis=1), cv.slopes.max(axis=1), strict=True)]}
    st.markdown(f"**Which loss predicts these points best?** Each loss's line is fitted "
                f"{FOLDS} times, each time without a fifth of the points, and judged on the "
                "points it did not see (every point once):")
    if narrow or widgets.compact():
        # A narrow column (beside a lesson step, or a phone): a loss a column, in a static
        # table whose cells wrap; the grid's five columns were cut at the column's edge.
        whole = [loss_label_at(n, delta, whole=True) for n in cv.losses]
        st.table(pd.DataFrame({name: [c[i] for c in columns.values()]
                               for i, name in enumerate(whole)}, index=list(columns)))
    else:
        st.dataframe({"loss": names} | columns, hide_index=True, width="stretch")
    folds = fr.fold_lines_data(points.x, points.y, cv, delta=delta)
    chart.chart(fr.fold_lines_figure.spec(folds, presentation=present, x_title=axes[0],
                                          y_title=axes[1]),
                key="reg_folds", label="Each loss's line from each of the five fits",
                caption=f"Each loss's line from each of the {FOLDS} fits, every one without a "
                        "fifth of the points. Lines that fan out: a few points decide them.")
    with st.container(border=True):
        st.markdown("**Choosing a loss** (read off the table and the lines)")
        # While a step asks whose lines spread most, the advice leaves that out.
        st.markdown(choosing_real(cv, delta, spread=not lessons.asking_about("reg_folds")))


def choosing_real(cv: CrossValidation, delta: float, *, spread: bool = True) -> str:
    """Advice read off a cross-validation's numbers (``spread``: with whose slope moves
    least and most over the fits)."""
    label = {n: loss_label(n) for n in cv.losses}
    measures = (("squared error", cv.rmse), ("mean absolute error", cv.mean_abs),
                ("median absolute error", cv.median_abs))
    best = {what: _best(cv.losses, values) for what, values in measures}
    lines = []
    if len(set(best.values())) == 1:
        only = next(iter(best.values()))
        lines.append(f"- {label[only]}'s line predicts the unseen points best by all three "
                     "measures.")
    else:
        lines.append("- The measures disagree: " + "; ".join(
            f"by {what}, {label[name]}'s line is best" for what, name in best.items()) + ". "
            "Judge by what your predictions will be judged by: squared error punishes a few "
            "big misses, absolute error counts every miss in proportion.")
    if spread:
        moves = cv.slope_spread
        steady, shaky = int(np.argmin(moves)), int(np.argmax(moves))
        lines.append(f"- Over the {cv.folds} fits, the slope moves least under "
                     f"{label[cv.losses[steady]]} ({figure_text(moves[steady])}) and most under "
                     f"{label[cv.losses[shaky]]} ({figure_text(moves[shaky])}): the more it moves, "
                     "the more a few points decide the line.")
    if "huber" in cv.losses:
        text = (f"- Huber's δ = {delta:,g} is in the units of y: residuals smaller than δ "
                "count as under MSE, larger ones as under MAE.")
        typical = float(cv.median_abs[cv.losses.index("huber")])
        if typical > 10 * delta:
            text += (f" Here a typical error is {figure_text(typical)}, far beyond δ, so "
                     "Huber's line is almost MAE's.")
        lines.append(text)
    return "\n".join(lines)


def _best(names: tuple[str, ...], values: np.ndarray) -> str:
    """The loss with the lowest value (the first of equal ones, to 4 significant digits)."""
    shown = [float(f"{v:.4g}") for v in values]
    return names[int(np.argmin(shown))]
