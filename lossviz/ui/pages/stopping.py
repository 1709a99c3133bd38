"""When to stop: training against validation loss, what each stopping rule picks, and
learning-rate schedules compared on one plot.

One full run (no stopping rule) answers every rule: a rule only looks at the steps so far,
so the run it would have stopped is a prefix of the full run. Moving patience or a tolerance
therefore costs no training at all: the run comes from the cache.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import streamlit as st

import lossviz
from lossviz import budget, limits
from lossviz.figures import stopping as fs
from lossviz.numbers import value_text
from lossviz.training import History
from lossviz.ui import chart, frame, lessons, params, turns, widgets

MAX_POINTS, MAX_STEPS, MAX_DEGREE = limits.MAX_POINTS, limits.MAX_STOP_STEPS, limits.MAX_STOP_DEGREE


# Three stories, each one click away: the values every control takes.
PRESETS: dict[str, tuple[str, str, dict]] = {
    "overfit": (
        "Overfitting",
        "Degree 12 on 11 training points: the validation loss turns upward; early stopping "
        "keeps the good step.",
        dict(stop_points=16, stop_noise=0.3, stop_seed=1, stop_val_share=0.3, stop_degree=12,
             stop_loss="mse", stop_optimizer="adam", stop_lr=0.05, stop_steps=2000,
             stop_schedule="constant", stop_patience=50, stop_tol="1e-4",
             stop_grad_tol="1e-2"),
    ),
    "flat": (
        "A flat curve",
        "A cubic by plain gradient descent: the loss soon barely moves, and a tolerance "
        "stops there.",
        dict(stop_points=40, stop_noise=0.3, stop_seed=0, stop_val_share=0.3, stop_degree=3,
             stop_loss="mse", stop_optimizer="gd", stop_lr=0.1, stop_steps=2000,
             stop_schedule="constant", stop_patience=50, stop_tol="1e-4",
             stop_grad_tol="1e-3"),
    ),
    "noisy": (
        "Noisy SGD",
        "Mini-batches of 2: the validation loss jumps, and a patience of 5 quits at the "
        "first bump. Raise it.",
        dict(stop_points=40, stop_noise=0.3, stop_seed=0, stop_val_share=0.3, stop_degree=5,
             stop_loss="mse", stop_optimizer="sgd", stop_lr=0.05, stop_steps=1500,
             stop_batch=2, stop_schedule="constant", stop_patience=5, stop_tol="1e-4",
             stop_grad_tol="1e-3"),
    ),
}


class Setup(NamedTuple):
    """Everything that shapes one training run (hashable, so it keys the caches)."""

    points: int
    noise: float
    seed: int
    val_share: float
    degree: int
    loss: str
    optimizer: str
    lr: float
    steps: int
    batch: int


def _schedule(name: str, steps: int) -> lossviz.Schedule:
    # Exponential decay reaches 1% of the base rate at the end of any budget, so the five
    # schedules are compared over the same span whatever the budget.
    if name == "exponential":
        return lossviz.get_schedule("exponential", gamma=0.01 ** (1.0 / max(steps, 1)))
    return lossviz.get_schedule(name)


def _split(setup: Setup) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = lossviz.make_curve(setup.points, noise=setup.noise, seed=setup.seed)
    return lossviz.train_validation_split(
        x, y, validation_fraction=setup.val_share, seed=setup.seed
    )


def _fit(setup: Setup, schedule: str, *, validation: bool) -> History:
    xt, yt, xv, yv = _split(setup)
    return lossviz.fit(
        xt, yt, setup.loss, model="poly", degree=setup.degree, optimizer=setup.optimizer,
        lr=setup.lr, steps=setup.steps, schedule=_schedule(schedule, setup.steps),
        batch_size=setup.batch if setup.optimizer == "sgd" else None, seed=setup.seed,
        validation=(xv, yv) if validation else None,
        time_limit=budget.TIME_LIMIT_FACTOR * budget.RUN_BUDGET_S,  # should an estimate miss
        pause=turns.checkpoint, clock=turns.run_clock,  # others may go first every 16 steps
    )


def _plan(setup: Setup, schedules: int) -> budget.Plan:
    """How many steps this change may train: the studied run (with validation) and the
    other schedules' runs, all together within ``budget.RUN_BUDGET_S`` of server time."""
    xt, _, xv, _ = _split(setup)
    kw = dict(optimizer=setup.optimizer, params=setup.degree + 1,
              batch_size=setup.batch if setup.optimizer == "sgd" else None)
    main = budget.step_seconds(setup.loss, len(xt), validation_points=len(xv), **kw)
    other = budget.step_seconds(setup.loss, len(xt), **kw)
    # The page draws more from these runs than the others do (frames, two panels): 0.3 s.
    return budget.plan_steps(main + max(schedules - 1, 0) * other, setup.steps, budget=0.3,
                             n_points=len(xt), subject="These runs are",
                             advice="lower the step budget, the degree or the number of "
                                    "schedules compared")


@st.cache_data(max_entries=48, show_spinner=False)
def _history(setup: Setup, schedule: str) -> History:
    """The run the page studies, with the validation loss at every step."""
    return _fit(setup, schedule, validation=True)


@st.cache_data(max_entries=48, show_spinner=False)
def _training_run(setup: Setup, schedule: str) -> History:
    """A run for the schedules chart, which shows only the training loss: without the
    validation loss at every step it trains about a third faster, and its steps are the
    same (the validation data never moves the parameters)."""
    return _fit(setup, schedule, validation=False)


@st.cache_data(max_entries=16, show_spinner=False)
def _frames(setup: Setup, schedule: str) -> fs.FitFramesData:
    h = _history(setup, schedule)
    return fs.fit_frames_data(h, *_split(setup), keep=[h.best_step], n_frames=60)


@st.cache_data(max_entries=16, show_spinner=False)
def _schedules(setup: Setup, names: tuple[str, ...], _shown: str) -> fs.SchedulesData:
    # The schedule the page studies is already trained (with validation): reuse that run.
    # ``_shown`` stays out of the cache key (leading underscore): with or without
    # validation a schedule's run has the same training loss, so the data are the same.
    return fs.schedules_data({
        name: _history(setup, name) if name == _shown else _training_run(setup, name)
        for name in names
    })


def _apply_preset(name: str) -> None:
    for key, value in PRESETS[name][2].items():
        st.session_state[key] = value


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else value_text(value, 4)


def live_line(picks: dict[str, fs.StopPick], history: History, settings: dict[str, str]) -> str:
    """The sentence under the stopping rules: who stops first, where, and at what cost."""
    first = fs.first_stop(picks)
    where = f"step {first.step}"
    if first.rule == "early_stopping":
        where += f" and hands back step {first.returned_step}"
    lead = (
        f"With every rule on, **{fs.RULE_LABELS[first.rule].lower()}"
        f"{settings.get(first.rule, '')} stops first**, at {where}, where the validation "
        f"loss is **{_fmt(first.val_loss)}**."
    )
    if first.rule == "budget" and history.diverged:
        lead = f"The run {history.describe()}."
    others = []
    for rule in ("early_stopping", "tolerance", "gradient"):
        pick = picks[rule]
        if rule == first.rule:
            continue
        name = fs.RULE_LABELS[rule].lower() + settings.get(rule, "")
        if pick.step is None:
            others.append(f"{name} never fires within the run")
        elif rule == "early_stopping":
            others.append(
                f"{name} would stop at step {pick.step} and keep step {pick.returned_step} "
                f"(validation {_fmt(pick.val_loss)})"
            )
        else:
            others.append(f"{name} would stop at step {pick.step} (validation "
                          f"{_fmt(pick.val_loss)})")
    budget = picks["budget"]
    best = history.best_step
    tail = (
        f"The whole budget ends at step {budget.step} with validation "
        f"{_fmt(budget.val_loss)}; the lowest validation loss of the run, known only in "
        f"hindsight, is {_fmt(float(history.val_loss[best]))} at step {best}."
    )
    return f"{lead} Alone, {'; '.join(others)}. {tail}"


def render() -> None:
    # A step about the schedules sits beside their chart (on a phone right above it), so
    # that a projector shows the question and the chart together; any other at the top.
    about = frame.lesson_about("stopping", ("stop_schedules",))
    top = st.container()
    if not _lab(about) or not about:
        with top:
            frame.lesson("stopping")


def _lab(about: bool) -> bool:
    """The page under the lesson step; True if it drew the schedules' chart (the step
    ``about`` it then sits beside it)."""
    st.markdown(
        "The loss tells you not only how wrong a model is but also when to stop training. "
        "Fit a polynomial to noisy points, watch the loss on held-out points, and see where "
        "each stopping rule would end the same run. Try a story:"
    )
    cols = st.columns(3)
    for col, (name, (title, blurb, _)) in zip(cols, PRESETS.items(), strict=True):
        with col:
            st.button(title, key=f"stop_preset_{name}", on_click=_apply_preset, args=(name,),
                      width="stretch")
            st.caption(blurb)
    setup, schedule = _controls()
    compared = len(widgets.value("stop_compare")) if widgets.value("stop_schedules_on") else 1
    plan = _plan(setup, compared)
    if plan.refused:
        st.warning(plan.message, icon="⏱️")
        return False
    if plan.cut:
        st.info(plan.message, icon="⏱️")
        setup = setup._replace(steps=plan.steps)
    try:
        frames = _frames(setup, schedule)
    except ValueError as err:
        st.error(f"This run cannot be trained: {err}")
        return False
    _rules_panel(setup, schedule)
    # In presentation mode the figures are built for the projector: the generic projector
    # copy of ``controls.plot`` would drop the slider and play button kept as plain data.
    fig = fs.fit_frames_figure.spec(frames, loss_name=setup.loss, presentation=widgets.presenting(),
                                    compact=widgets.compact())
    chart.chart(fig, key="stop_fit", states=fs.fit_frames_states(frames),
                label="The model's curve over the data, step by step")
    st.caption(
        "The model's curve over the data at any step: press ▶ or drag the slider (it runs "
        "in your browser). Filled points train the model, open points only judge it; the "
        "dotted line is the true curve sin(x) the points were drawn around."
    )
    st.divider()
    return _schedules_panel(setup, schedule, about)


def _controls() -> tuple[Setup, str]:
    presenting = widgets.presenting()
    # side by side on a screen; stacked in presentation mode, where the type is larger
    data_card, train_card = (st.container(), st.container()) if presenting else st.columns(
        [1, 1.25]
    )
    with data_card, st.container(border=True):
        st.markdown("**Data and model**")
        a, b = st.columns(2)
        with a:
            points = widgets.slider("stop_points", "Points")
            degree = widgets.slider("stop_degree", "Degree")
        with b:
            noise = widgets.slider("stop_noise", "Noise")
            if not presenting:
                val_share = widgets.slider("stop_val_share", "Share held out")
            else:
                val_share = widgets.value("stop_val_share")
        if not presenting:
            seed = widgets.number("stop_seed", "Seed (data and split)")
        else:
            seed = widgets.value("stop_seed")
        st.caption(
            f"Points around sin(x). Limits: {MAX_POINTS} points, degree {MAX_DEGREE}, "
            f"{MAX_STEPS:,} steps."
        )
    with train_card, st.container(border=True):
        st.markdown("**Training**")
        # Beside the data card each menu has the card's width ("Pseudo-Huber" and "SGD
        # (mini-batch)" stay whole at 1024 px); in presentation mode the card has the page's
        # width, and they share a row.
        menus = st.columns(2) if presenting else (st.container(), st.container())
        with menus[0]:
            loss = widgets.choice("stop_loss", "Loss", widget="select")
        with menus[1]:
            optimizer = widgets.choice("stop_optimizer", "Optimizer", widget="select")
        a, b = st.columns(2)
        with a:
            lr = widgets.number("stop_lr", "Learning rate", format="%.4f")
            steps = widgets.slider("stop_steps", "Step budget")
        with b:
            schedule = widgets.choice("stop_schedule", "Schedule", widget="select")
            batch = widgets.value("stop_batch")
            if optimizer == "sgd":
                batch = widgets.slider("stop_batch", "Mini-batch size")
    setup = Setup(int(points), float(noise), int(seed), float(val_share), int(degree), loss,
                  optimizer, float(lr), int(steps), int(batch))
    return setup, schedule


def _setting_names(patience: int, tol: str, grad_tol: str) -> dict[str, str]:
    return {
        "early_stopping": f" (patience {patience})",
        "tolerance": f" ({params.power_of_ten(tol)})",
        "gradient": f" (below {params.power_of_ten(grad_tol)})",
        "budget": "",
    }


def _rules_panel(setup: Setup, schedule: str) -> None:
    """Stopping-rule settings, the live line and the loss curves. Moving a rule's setting
    needs no training: the run comes from the cache."""
    history = _history(setup, schedule)
    with st.container(border=True):
        st.markdown("**Stopping rules**")
        c1, c2, c3, c4 = st.columns([1, 1, 1, 0.8], vertical_alignment="bottom")
        with c1:
            patience = widgets.number("stop_patience", "Patience (steps)",
                help="Early stopping quits once the validation loss has not improved for "
                     "this many steps, and keeps the best step it saw.",
            )
        with c2:
            tol = widgets.choice("stop_tol", "Loss tolerance", widget="select",
                help="Stop once one step changes the training loss by less than this "
                     "fraction of its value.",
            )
        with c3:
            grad_tol = widgets.choice("stop_grad_tol", "Gradient below", widget="select",
                help="Stop once the gradient is this small: the slope has (nearly) vanished.",
            )
        with c4:
            if widgets.presenting():
                log_y = bool(widgets.value("stop_log"))
            else:
                log_y = widgets.toggle("stop_log", "Log scale")
    picks = fs.stopping_picks(
        history, tol=float(tol), grad_tol=float(grad_tol), patience=int(patience)
    )
    names = _setting_names(int(patience), tol, grad_tol)
    short = {"early_stopping": str(int(patience)), "tolerance": tol, "gradient": grad_tol}
    if history.diverged:
        st.warning(f"The run {history.describe()}. Lower the learning rate.")
    st.markdown(live_line(picks, history, names))
    data = fs.curves_data(history, picks, loss_name=setup.loss)
    fig = fs.curves_figure.spec(data, log_y=log_y, settings=short, compact=widgets.compact(),
                                width_hint=None if widgets.compact() else 700,
                                presentation=widgets.presenting())
    chart.chart(fig, key="stop_curves")
    st.caption(
        "Training loss (thin, pale) keeps falling as the model follows its own points ever "
        "more closely; validation loss (bold), on points it never trains on, turns upward "
        "once the model starts to fit their noise. Each symbol marks where a rule "
        "would stop this same run; the star is the best step, which only hindsight knows."
    )


def _schedules_panel(setup: Setup, shown: str, about: bool) -> bool:
    """The schedules compared, if asked for; True if their chart was drawn (``about``: with
    the lesson step beside it)."""
    st.subheader("Learning-rate schedules")
    st.markdown(
        "The same model, data, loss, optimizer, start and step budget; only the learning "
        "rate over the steps differs."
    )
    # Off until asked for: five more training runs on every change otherwise.
    if not widgets.toggle("stop_schedules_on", "Compare the schedules"):
        return False
    names = widgets.multi("stop_compare", "Schedules to compare")
    if not names:
        st.info("Pick at least one schedule to compare.")
        return False
    ordered = tuple(n for n in lossviz.SCHEDULES if n in names)
    turns.checkpoint()  # a lighter session's run may go first between the page's fits
    try:
        data = _schedules(setup, ordered, shown)
    except ValueError as err:
        st.error(f"These runs cannot be trained: {err}")
        return False
    fig = fs.schedules_figure.spec(data, log_y=True, presentation=widgets.presenting(),
                                   height=460 if widgets.presenting() else 520,
                                   compact=widgets.compact())
    with frame.beside_lesson("stopping", "stop_look_lesson", about):
        chart.chart(fig, key="stop_schedules", caption=(
            "Top: the training loss under each schedule. Bottom: the learning rate it used at "
            "each step. Step decay halves the rate every quarter of the budget, exponential "
            "decay shrinks it to 1% by the end, cosine glides to zero, warm-up ramps up over "
            "the first tenth and then holds. A large rate moves fast but rattles; a small one "
            "settles."))
        # While a step asks where the schedules settle, their losses would answer it.
        told = _outcome(data, losses=not lessons.asking_about("stop_schedules"))
        if told:
            st.markdown(told)
    with st.expander("The formulas"):
        for name in ordered:
            st.markdown(f"**{name}**")
            st.latex(_schedule(name, setup.steps).latex)
    return True


def _outcome(data: fs.SchedulesData, *, losses: bool) -> str:
    """Which schedule ended lowest and highest (``losses``), and which diverged where."""
    finished = [(data.tail_loss[i], name) for i, name in enumerate(data.names)
                if data.diverged_at[i] is None]
    parts = []
    if finished and losses:
        low, high = min(finished), max(finished)
        parts.append(f"Mean training loss over the last tenth of the budget: lowest "
                     f"**{low[1]}** ({value_text(low[0], 4)})")
        if len(finished) > 1:
            parts.append(f"highest **{high[1]}** ({value_text(high[0], 4)})")
    parts += [f"**{name}** diverged at step {data.diverged_at[i]}"
              for i, name in enumerate(data.names) if data.diverged_at[i] is not None]
    return "; ".join(parts) + "." if parts else ""
