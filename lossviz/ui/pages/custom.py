"""Custom loss: write a loss as a formula, see it and its exact derivative beside the
built-ins, fit it to the same data and race it against them.

The formula is read by ``lossviz.custom`` (an allow-list over Python's syntax tree); it is
never run as code. A bad formula shows its message right under the input, and the rest of
the page (the built-in curves, their fits and their race) keeps working.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import lossviz
from lossviz import budget
from lossviz.classify import MARGIN_FORMULA
from lossviz.custom import CustomLoss, FormulaError
from lossviz.custom.parser import PARAMETER_HINT, check_params
from lossviz.figures import custom as fc
from lossviz.figures.descent import (
    Run,
    convergence_data,
    convergence_figure,
    convergence_states,
)
from lossviz.figures.style import loss_color, loss_label
from lossviz.losses import Loss
from lossviz.numbers import figure_text
from lossviz.textsafe import escape_markdown
from lossviz.training import History
from lossviz.ui import chart, frame, turns, widgets
from lossviz.ui.params import CUSTOM_SLOTS

SLOTS = CUSTOM_SLOTS  # default parameter names and values


# Examples to start from: (button, task, formula, parameter values by name, one-line why).
EXAMPLES: dict[str, tuple[str, str, str, dict[str, float], str]] = {
    "cauchy": ("Cauchy", "regression", "c**2/2*log(1 + (r/c)**2)", {"c": 1.0},
               "Grows only like log |r|: far outliers barely pull. Not convex."),
    "pinball": ("Pinball", "regression", "where(r < 0, -tau*r, (1 - tau)*r)", {"tau": 0.9},
                "Under-predicting costs tau per unit, over-predicting 1 - tau: fits a quantile."),
    "cubic": ("Cubic", "regression", "r**2/2 + r**3/6", {},
              "Not convex, and unbounded below: gradient descent runs off to minus infinity."),
    "welsch": ("Welsch", "regression", "c**2/2*(1 - exp(-(r/c)**2))", {"c": 2.0},
               "Flat far out: outliers have no pull at all, and the fit can stall."),
    "huber": ("Huber", "regression", "where(abs(r) < d, r**2/2, d*(abs(r) - d/2))",
              {"d": 1.0}, "The built-in Huber, written with where: the curves coincide."),
    "logloss": ("Log-loss", "classification", "log(1 + exp(-m))", {},
                "Cross-entropy by hand: equal to the built-in, but exp(-m) overflows for "
                "m below about -709."),
}
_MAX_LATEX = 3000
# The charts a lesson step can be about: it then sits beside them.
CURVE_CHARTS = ("custom_curves_fig", "custom_slopes_fig")
_FUNCTIONS_HELP = (
    "**Functions:** `abs` `sqrt` `exp` `expm1` `log` (natural) `log1p` `log2` `log10` `sin` "
    "`cos` `tan` `tanh` `sinh` `cosh` `arctan` `sign` `sigmoid` `softplus`; with two "
    "arguments `logaddexp` `hypot` `minimum` `maximum` (or `min` `max`); `clip(x, low, high)`; "
    "`where(condition, a, b)` with `<` `<=` `>` `>=` `==` `!=`, `&` (and), `|` (or), `~` (not) "
    "in the condition.\n\n"
    "**Also:** numbers, `pi`, the parameter names below, `+ - * / **` (`**` is a power; "
    "`^` is not). At most 500 characters; constant exponents between -100 and 100.\n\n"
    "The formula is read, never run as code: anything else is refused with a message."
)
_LANGUAGE_HELP = {
    "regression": "**Variables:** `r` = y_pred − y_true (the residual), `y` = y_true, "
                  "`yhat` = y_pred. Example: `log(1 + r**2)`.\n\n" + _FUNCTIONS_HELP,
    "classification": f"**Variable:** `m` = {MARGIN_FORMULA}, the margin: positive when "
                      "the score f is on the right side. Example: `softplus(-m)`.\n\n"
                      + _FUNCTIONS_HELP,
}


class Setup(NamedTuple):
    """Everything that shapes the data and the training runs (hashable: keys the caches)."""

    task: str
    points: int
    outliers: int
    flip: int
    seed: int
    optimizer: str
    lr: float
    steps: int


# -- cached work ---------------------------------------------------------------------------------
@st.cache_resource(max_entries=64, show_spinner=False)
def _custom(formula: str, task: str, params: tuple[tuple[str, float], ...]) -> CustomLoss:
    # Loss objects are immutable: one per formula, shared by every session.
    return lossviz.custom_loss(formula, task, **dict(params))


@st.cache_data(max_entries=32, show_spinner=False)
def _dataset(task: str, points: int, outliers: int, flip: int, seed: int):
    if task == "regression":
        d = lossviz.make_regression(points, outliers=outliers, seed=seed)
        return d.x, d.y, d.is_outlier
    d = lossviz.make_classification(points, dim=1, flip=flip, seed=seed)
    return d.x, d.y, d.is_flipped


@st.cache_data(max_entries=128, show_spinner=False)
def _history(setup: Setup, key: tuple, time_limit: float) -> History:
    x, y, _ = _dataset(setup.task, setup.points, setup.outliers, setup.flip, setup.seed)
    if key[0] == "custom":
        loss: Loss = _custom(*key[1:])
        # The run starts at zero parameters (all predictions 0): if the formula is not
        # finite there, this says which part fails and at which point.
        loss.value_and_gradient(y, np.zeros_like(y))
    else:
        loss = lossviz.get_loss(key[1])
    # ``time_limit``: a backstop should the cost estimate (lossviz.budget) be far off. A
    # lighter session's change may go first every 16 steps (``pause``); the time limit
    # counts this run's own time only (``clock``).
    return lossviz.fit(x, y, loss, optimizer=setup.optimizer, lr=setup.lr, steps=setup.steps,
                       seed=setup.seed, time_limit=time_limit, pause=turns.checkpoint,
                       clock=turns.run_clock)


def _plan(setup: Setup, loss: CustomLoss | None, compare: list[str], n: int) -> budget.Plan:
    """How many steps this change may train, for all its runs together (one rerun costs at
    most ``budget.RUN_BUDGET_S`` of server time)."""
    others = sum(budget.step_seconds(name, n, optimizer=setup.optimizer) for name in compare)
    if loss is not None:
        return budget.plan_formula(loss, n, setup.steps, optimizer=setup.optimizer,
                                   others_step_s=others)
    return budget.plan_steps(others, setup.steps, n_points=n)


# -- helpers ---------------------------------------------------------------------------------------
_escape = escape_markdown  # text shown through Markdown exactly as written


def _apply_example(name: str) -> None:
    _, task, formula, values, _ = EXAMPLES[name]
    st.session_state["custom_task"] = task
    st.session_state["custom_formula_r" if task == "regression" else "custom_formula_m"] = formula
    for i, (default_name, default_value) in enumerate(SLOTS, start=1):
        st.session_state[f"custom_p{i}_name"] = default_name
        st.session_state[f"custom_p{i}_value"] = float(values.get(default_name, default_value))


def _show_error(err: Exception) -> None:
    if isinstance(err, FormulaError):
        message = err.message.replace(
            PARAMETER_HINT, "To use another name, add it as a parameter below."
        )
        st.error(_escape(message), icon="⚠️")
        if err.caret:
            st.code(err.caret.strip("\n"), language=None)
    else:
        st.error(_escape(str(err)), icon="⚠️")


def _params(names: list[str], values: list[float]) -> tuple[tuple[tuple[str, float], ...], str]:
    """The named parameters (empty names skipped) and a message about a bad one, if any."""
    out: dict[str, float] = {}
    for name, value in zip(names, values, strict=True):
        name = name.strip()
        if not name:
            continue
        if name in out:
            return (), f"the parameter name {name!r} is used twice"
        out[name] = float(value)
    try:
        check_params(out)
    except FormulaError as err:
        return (), err.message
    return tuple(out.items()), ""


def _relative(h: History) -> History:
    """The run with its loss divided by the starting loss (kept as is when that is <= 0)."""
    start = float(h.loss[0])
    if not start > 0:
        return h
    return dataclasses.replace(h, loss=h.loss / start)


def _fmt(value: float) -> str:
    return figure_text(value, 4) if np.isfinite(value) else "undefined"


# -- the page --------------------------------------------------------------------------------------
def render() -> None:
    # A step about the curves sits beside them (on a phone right above them), so that a
    # projector shows the question and the charts together; any other at the top.
    about = frame.lesson_about("custom", CURVE_CHARTS)
    if not about:
        frame.lesson("custom")
    st.markdown(
        "Write your own loss as a formula in the residual r = y_pred − y_true (regression) "
        f"or the margin m = {MARGIN_FORMULA} (classification). lossviz works out its exact "
        "derivative, draws both beside the built-in losses, and trains with it."
    )
    st.markdown("**Start from an example:**")
    # A row that wraps: every name stays whole at a projector's width.
    with st.container(horizontal=True):
        for name, (title, _, formula, _, why) in EXAMPLES.items():
            st.button(title, key=f"custom_example_{name}", on_click=_apply_example,
                      args=(name,), help=f"{formula} — {why}")

    with st.container(border=True):
        task, formula, formula_slot = _formula_row()
    left, right = st.columns([1.05, 1.6], gap="medium")
    with left, st.container(border=True):
        loss, compare, half = _settings_card(task, formula, formula_slot)
    with right:
        _formula_panel(loss, half)

    builtins = [lossviz.get_loss(n) for n in compare]
    shown: list[Loss] = [*builtins, *([loss] if loss is not None else [])]
    with frame.beside_lesson("custom", "custom_look_lesson", about):
        _curves_section(shown, task, half, loss, stacked=about and not widgets.compact())
    st.divider()
    setup = _training_card(task)
    _training_section(setup, loss, compare)


def _formula_row() -> tuple[str, str, DeltaGenerator]:
    """Task and formula, full width (a formula can be long); errors appear right under it."""
    a, b = st.columns([1.8, 2.2], vertical_alignment="top")
    with a:
        task = widgets.choice("custom_task", "Task")
    variable = "r" if task == "regression" else "m"
    formula_field = "custom_formula_r" if task == "regression" else "custom_formula_m"
    with b:
        formula = widgets.text(
            formula_field, f"Your loss: a formula in {variable}",
            help=("Numbers, " + ("r, y, yhat" if task == "regression" else "m")
                  + ", the parameters, pi, + - * / **, and abs, sqrt, exp, log, log1p, "
                  "sin, cos, tanh, sign, sigmoid, softplus, minimum, maximum, clip, "
                  "where(condition, a, b) and more. At most 500 characters."),
        )
    formula_slot = st.container()
    with st.expander("What can I write?"):
        st.markdown(_LANGUAGE_HELP[task])
    return task, formula, formula_slot


def _settings_card(
    task: str, formula: str, formula_slot: DeltaGenerator
) -> tuple[CustomLoss | None, list[str], float]:
    variable = "r" if task == "regression" else "m"
    st.markdown("**Parameters** (leave a name empty to drop it)")
    names, values = [], []
    for i in range(1, len(SLOTS) + 1):
        # One row per parameter, also on a phone (columns would stack name over value).
        with st.container(horizontal=True):
            names.append(widgets.text(f"custom_p{i}_name", f"Name of parameter {i}",
                                      label_visibility="collapsed", width=110))
            values.append(widgets.number(f"custom_p{i}_value", f"Value of parameter {i}",
                                         label_visibility="collapsed", format="%.3f"))
    params, param_problem = _params(names, values)
    loss = None
    with formula_slot:
        if param_problem:
            st.error(_escape(f"Parameters: {param_problem}"), icon="⚠️")
        else:
            try:
                loss = _custom(formula, task, params)
            except FormulaError as err:
                _show_error(err)
    options = "custom_compare_r" if task == "regression" else "custom_compare_m"
    compare = widgets.multi(options, "Compare with")
    half = float(widgets.slider("custom_range", f"Range of {variable} shown (±)"))
    return loss, compare, half


def _formula_panel(loss: CustomLoss | None, half: float) -> None:
    if loss is None:
        st.info("Fix the formula above to see it here; the built-in losses below keep "
                "working meanwhile.")
        return
    z = loss.variable
    st.markdown("**Your loss and its exact derivative**")
    for tex in (loss.latex, loss.derivative_latex):
        if len(tex) <= _MAX_LATEX:
            st.latex(tex)
        else:
            st.caption("(too long to typeset)")
    st.caption("The derivative in the formula language (copy it to check it by hand):")
    text = loss.derivative_text
    if len(text) > _MAX_LATEX:
        text = text[:_MAX_LATEX] + " ... (shortened)"
    st.code(text, language=None)
    st.caption(
        "Worked out from the formula by the rules of calculus, never by finite differences. "
        "At kinks: abs has slope 0 at 0, where() takes the slope of the branch it picks, "
        "max and min the slope of the argument they pick."
    )
    convex = loss.is_convex_on(-half, half)
    if not convex:
        st.warning(
            f"Not convex on {z} in [−{half:g}, {half:g}] (or undefined somewhere there): "
            "gradient descent can stop in a local minimum or stall where the slope fades."
        )
    if loss.looks_unbounded_below(-half, half):
        st.warning(
            "Looks unbounded below: the loss is lowest at the edge of the range, below zero "
            "and still falling. Training can run off towards minus infinity."
        )
    points = [1.0, half]
    vals = loss.elementwise(points, check=False)
    slopes = loss.derivative(points, check=False)
    st.caption(
        f"Now: ℓ({z}=1) = {_fmt(vals[0])}, slope {_fmt(slopes[0])}; "
        f"ℓ({z}={half:g}) = {_fmt(vals[1])}, slope {_fmt(slopes[1])}. "
        f"{'Convex' if convex else 'Not convex'} on the shown range."
    )


def _curves_section(shown: list[Loss], task: str, half: float, loss: CustomLoss | None,
                    stacked: bool = False) -> None:
    """The losses and their slopes, side by side (``stacked``: one above the other, in a
    column beside a lesson step)."""
    if not shown:
        st.info("Pick a built-in loss to compare with, or fix the formula.")
        return
    data = fc.curves_data(shown, low=-half, high=half)
    z = data.variable
    # Built for the projector when presenting: the generic projector copy is slower and
    # would drop the race's play buttons and step slider.
    present = widgets.presenting()
    left, right = (st.container(), st.container()) if stacked else st.columns(2, gap="medium")
    with left:
        chart.chart(fc.curves_figure.spec(data, kind="loss", presentation=present,
                                          compact=widgets.compact()),
                    key="custom_curves_fig",
                    caption=f"Each loss as a function of the "
                            f"{'residual' if z == 'r' else 'margin'} {z}: how much one point "
                            "costs. Your loss is the dashed line.")
    with right:
        chart.chart(fc.curves_figure.spec(data, kind="derivative", presentation=present,
                                          compact=widgets.compact()),
                    key="custom_slopes_fig",
                    caption="The slope of each loss: how hard one point pulls the model. A "
                            "slope that fades back to 0 means far points stop pulling.")
    # "MSE 16, slope 8": each loss at the right edge, its value then its slope.
    at_edge = "; ".join(f"{label} {_fmt(float(v[-1]))}, slope {_fmt(float(s[-1]))}"
                        for label, v, s in zip(data.labels, data.values, data.slopes,
                                               strict=True))
    st.caption(f"At the right edge, {z} = {half:g}: {at_edge}.")


def _training_card(task: str) -> Setup:
    with st.container(border=True):
        st.markdown("**Data and training** (the same for every loss)")
        a, b, c = st.columns(3)
        d, e, f = st.columns(3)
        with a:
            points = widgets.slider("custom_points", "Points")
        with b:
            if task == "regression":
                outliers = widgets.slider("custom_outliers", "Outliers")
                flip = widgets.value("custom_flip")
            else:
                flip = widgets.slider("custom_flip", "Flipped labels")
                outliers = widgets.value("custom_outliers")
        with c:
            seed = widgets.number("custom_seed", "Seed")
        with d:
            optimizer = widgets.choice("custom_optimizer", "Optimizer", widget="select")
        with e:
            lr = widgets.number("custom_lr", "Learning rate", format="%.3f")
        with f:
            steps = widgets.slider("custom_steps", "Steps")
    return Setup(task, int(points), int(outliers), int(flip), int(seed), optimizer,
                 float(lr), int(steps))


def _training_section(setup: Setup, loss: CustomLoss | None, compare: list[str]) -> None:
    try:
        x, y, highlight = _dataset(setup.task, setup.points, setup.outliers, setup.flip,
                                   setup.seed)
    except ValueError as err:
        st.error(_escape(f"Could not make the data: {err}"))
        return
    plan = _plan(setup, loss, compare, len(y))
    if plan.refused:
        st.warning(_escape(plan.message), icon="⏱️")
        return
    if plan.cut:
        st.info(_escape(plan.message), icon="⏱️")
        setup = setup._replace(steps=plan.steps)
    histories: dict[tuple[str, str], History] = {}
    for name in compare:
        try:
            histories[(name, loss_label(name))] = _history(setup, ("builtin", name),
                                                           plan.time_limit_s)
        except ValueError as err:
            st.error(_escape(f"{loss_label(name)} could not be trained: {err}"))
        turns.checkpoint()  # a lighter session's run may go first between two fits
    custom_problem = None
    if loss is not None:
        key = ("custom", loss.formula, loss.task, tuple(loss.params.items()))
        try:
            histories[("custom", "Custom")] = _history(setup, key, plan.time_limit_s)
        except ValueError as err:
            custom_problem = err
    if custom_problem is not None:
        st.error(_escape(f"Your loss cannot be trained on this data: {custom_problem}"),
                 icon="⚠️")
    if not histories:
        st.info("Nothing to train: pick a built-in loss or fix the formula.")
        return
    # Full width, one under the other: side by side they are too narrow on a laptop.
    a, b, _ = st.columns([1.4, 1, 1.6])
    with a:
        relative = widgets.toggle("custom_relative", "Relative to start")
    with b:
        log_y = widgets.toggle("custom_log_y", "Log scale")
    runs = [
        Run(label, loss_color(name), _relative(h) if relative else h)
        for (name, label), h in histories.items()
    ]
    y_title = "loss / starting loss" if relative else "training loss"
    present = widgets.presenting()
    data = convergence_data(runs)
    chart.chart(convergence_figure.spec(data, log_y=log_y, y_title=y_title, height=340,
                                        presentation=present, compact=widgets.compact()),
                key="custom_race_fig", states=convergence_states(data, log_y=log_y),
                label="The race: training loss per step of each loss")
    st.caption(
        "The race: training loss per step for each loss, with the same optimizer, learning "
        "rate and start. Each loss has its own units, so by default each curve is divided by "
        "its value at the start: all begin at 1, and the fastest to fall wins. Press ▶ to "
        "replay it."
    )
    finals = {f"{label} final loss": float(h.loss[-1]) for (_, label), h in histories.items()}
    custom = histories.get(("custom", "Custom"))
    lead = ""
    if custom is not None:
        lead = f"Your loss {custom.describe()}."
        if len(custom.loss) > 1 and custom.loss[-1] < min(0.0, custom.loss[-2]):
            lead += " It is below zero and still falling: there is no minimum to find."
    st.caption(" ".join([lead, "; ".join(f"{k} {_fmt(v)}" for k, v in finals.items()) + "."]))
    fit = fc.fit_data(setup.task, x, y, highlight, histories)
    chart.chart(fc.fit_figure.spec(fit, height=320, presentation=present), key="custom_fit_fig")
    if setup.task == "regression":
        st.caption("The same points fitted with each loss (outliers highlighted): a loss whose "
                   "slope fades lets the outliers go.")
    else:
        st.caption("1-D points of two classes (ringed: flipped labels); each line is the "
                   "threshold where a loss's classifier switches class.")
