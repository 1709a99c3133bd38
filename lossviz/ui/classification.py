"""Classification lab: surrogate losses on the margin, flipped labels, decision boundaries,
the probability view and a multiclass softmax corner.

All numbers come from lossviz (``make_classification``, ``fit``, the losses); all pictures
from ``lossviz.figures.classification`` and ``lossviz.figures.descent``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

import lossviz
from lossviz.classify import (
    MAX_TABLE_POINTS,
    ParsedPoints,
    accuracy,
    boundary_change,
    margin_width,
    margins,
    parse_points,
    sigmoid,
)
from lossviz.figures.classification import (
    LN2,
    SURROGATES,
    BoundaryFit,
    boundary_figure,
    curve_label,
    margin_data,
    margin_figure,
    probability_data,
    probability_figure,
    softmax_data,
    softmax_figure,
)
from lossviz.figures.descent import Run, convergence_figure
from lossviz.figures.style import loss_color, loss_label
from lossviz.state import MAX_TABLE_TEXT, TableCodec, field
from lossviz.ui import turns

SECTION = "classification"
DIMS = ("1-D", "2-D")
MAX_LOGIT = 30.0

DIM = field("clf_dim", "choice", "2-D", choices=DIMS, section=SECTION)
N = field("clf_n", "int", 40, low=20, high=200, step=2, section=SECTION)
SEPARATION = field("clf_separation", "float", 3.0, low=0.5, high=6.0, step=0.25,
                   section=SECTION)
SEED = field("clf_seed", "int", 0, low=0, high=9999, section=SECTION)
FLIP = field("clf_flip", "int", 0, low=0, high=10, section=SECTION)
FLIP_CLASS = field("clf_flip_class", "choice", "both", choices=lossviz.data.FLIP_CLASSES,
                   section=SECTION)
LOSSES = field("clf_losses", "multi", list(SURROGATES), choices=SURROGATES, section=SECTION)
OPTIMIZER = field("clf_optimizer", "choice", "gd", choices=lossviz.OPTIMIZERS, section=SECTION)
LR = field("clf_lr", "float", 0.1, low=0.01, high=2.0, step=0.01, section=SECTION)
STEPS = field("clf_steps", "int", 300, low=10, high=1000, step=10, section=SECTION)
SHADING = field("clf_shading", "bool", True, section=SECTION)
SHOW_CLEAN = field("clf_show_clean", "bool", True, section=SECTION)
LOG_Y = field("clf_log_y", "bool", False, section=SECTION)
BITS = field("clf_bits", "bool", False, section=SECTION)
MARGIN_MODEL = field("clf_margin_model", "choice", "cross_entropy", choices=SURROGATES,
                     section=SECTION)
PROB_OTHERS = field("clf_prob_others", "bool", False, section=SECTION)
CLASSES = field("clf_classes", "choice", "3", choices=("3", "4"), section=SECTION)
TRUE_CLASS = field("clf_true_class", "choice", "0", choices=("0", "1", "2", "3"),
                   section=SECTION)
LOGITS = tuple(
    field(f"clf_logit_{j}", "float", default, low=-MAX_LOGIT, high=MAX_LOGIT, step=0.1,
          section=SECTION)
    for j, default in enumerate((2.0, 1.0, 0.1, -1.0))
)

VIEW_KEY = "clf_view"  # the open view of the lab (a tab label)
VIEWS = {
    "Boundaries": "The trained classifiers over the data, and what flipped labels do to them.",
    "Training curves": "The training loss of each classifier, step by step.",
    "Margin picture": "Every loss against the margin, with the training points on each curve.",
    "Probability view": "Cross-entropy against the probability given to the true class.",
    "Multiclass corner": "Softmax cross-entropy of one sample with three or four classes.",
}
# The open view is a setting like the others: a shared link opens the same view.
VIEW = field(VIEW_KEY, "choice", "Boundaries", choices=tuple(VIEWS), section=SECTION)
# The table's edits, as the difference from the generated rows (empty when unedited).
POINTS = field("clf_points", "text", "", max_len=MAX_TABLE_TEXT, section=SECTION,
               codec=TableCodec((("x", "x1", "number"), ("y", "x2", "number"),
                                 ("l", "label", "number"), ("f", "flipped", "flag"))))
TABLE_RESET = "clf_table_reset"  # bumped by the reset button: a new editor, the edits dropped
OPTIMIZER_NAMES = {"gd": "GD", "sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov",
                   "adam": "Adam"}


# -- cached numerics -------------------------------------------------------------------------
@st.cache_data(max_entries=16, show_spinner=False)
def _dataset(dim: int, n: int, separation: float, flip: int, flip_class: str,
             seed: int) -> lossviz.ClassificationData:
    return lossviz.make_classification(n, dim=dim, separation=separation, flip=flip,
                                       flip_class=flip_class, seed=seed)


@st.cache_data(max_entries=128, show_spinner=False)
def _fit(x: np.ndarray, y: np.ndarray, loss: str, optimizer: str, lr: float,
         steps: int) -> lossviz.History:
    return lossviz.fit(x, y, loss, optimizer=optimizer, lr=lr, steps=steps, seed=0)


# -- small helpers ---------------------------------------------------------------------------
def _card(title: str):
    box = st.container(border=True)
    box.markdown(f"**{title}**")
    return box


def _frame(data: lossviz.ClassificationData, dim: int) -> pd.DataFrame:
    columns: dict[str, Any] = {"x1": data.x if dim == 1 else data.x[:, 0]}
    if dim == 2:
        columns["x2"] = data.x[:, 1]
    # Float, shown without decimals: a pasted 2.5 or 1e300 then reaches the lab's own check
    # ("label must be 0 or 1") instead of failing inside the editor's integer column.
    columns["label"] = data.y.astype(np.float64)
    columns["flipped"] = data.is_flipped
    return pd.DataFrame(columns)


def _moved_text(dim: int, change) -> str:
    if dim == 1:
        return f"moved its threshold by {change.shift:+.2f}"
    return f"turned {change.angle:+.1f}° and shifted {change.shift:+.2f}"


# -- the page --------------------------------------------------------------------------------
def render() -> None:
    from lossviz.ui import controls

    present = controls.presenting()
    st.subheader("Classification lab")
    st.caption(
        "A linear classifier scores each point, f(x) = w·x + b, and says class 1 when f > 0 "
        "and class 0 when f < 0; a point exactly on the boundary (f = 0) counts as a mistake "
        "for either class in the accuracy and the 0-1 loss. Each loss turns the margin "
        "m = (2y − 1)·f (positive = right side) into a penalty; "
        "flip a few labels and watch which losses get dragged by them."
    )

    with _card("Data"):
        c1, c2, c3, c4 = st.columns([1.1, 1.2, 1.2, 0.9])
        with c1:
            dim_label = controls.choice(DIM, "Inputs")
        with c2:
            n = controls.slider(N, "Points")
        with c3:
            separation = controls.slider(SEPARATION, "Separation",
                                         help="Distance between the two class centres.")
        with c4:
            seed = controls.number(SEED, "Seed")
        c1, c2, c3 = st.columns([1.2, 1.2, 2.2])
        with c1:
            flip = controls.slider(FLIP, "Flip labels",
                                   help="Mislabel this many points, the ones deepest inside "
                                        "their class: label noise at its worst.")
        with c2:
            flip_class = controls.choice(FLIP_CLASS, "Flip labels of", widget="select")
        with c3:
            st.caption("Flipped labels are the classification version of outliers: points "
                       "far on the wrong side. Move or relabel single points in the table "
                       f"below (at most {MAX_TABLE_POINTS} points).")
    dim = 1 if dim_label == "1-D" else 2
    try:
        data = _dataset(dim, n, separation, flip, flip_class, seed)
    except ValueError as err:
        st.error(f"Could not make the data: {err}.")
        return
    with st.expander("Move or relabel points (table)", expanded=False):
        points = _edit_points(data, dim, (dim, n, separation, flip, flip_class, seed))
    _report_table_problems(points)
    with _card("Training"):
        names = controls.multi(LOSSES, "Losses", format_func=loss_label)
        c2, c3, c4 = st.columns(3)
        with c2:
            optimizer = controls.choice(OPTIMIZER, "Optimizer", widget="select",
                                        format_func=lambda o: OPTIMIZER_NAMES.get(o, o))
        with c3:
            lr = controls.slider(LR, "Learning rate")
        with c4:
            steps = controls.slider(STEPS, "Steps", help=f"At most {STEPS.high:g} steps.")

    problem = _data_problem(points)
    # One view at a time: only the open one runs and sends its charts, so a change of the
    # data or the training redraws one or two charts, not six.
    tabs = st.tabs(list(VIEWS), key=VIEW.key, on_change=controls.sync_url)
    for view, tab in zip(VIEWS, tabs, strict=True):
        if not tab.open:
            continue
        with tab:
            st.caption(VIEWS[view])
            if view == "Multiclass corner":
                _multiclass_corner()
            elif problem:
                st.warning(problem)
            elif view == "Boundaries":
                if not names:
                    st.info("Pick at least one loss in the Training card to train a "
                            "classifier.")
                else:
                    fits, clean = _train(points, names, optimizer, lr, steps)
                    _boundary_section(points, dim, names, fits, clean, present, controls)
            elif view == "Training curves":
                _convergence_section(names, points, optimizer, lr, steps, present, controls)
            elif view == "Margin picture":
                _margin_section(points, optimizer, lr, steps, present, controls)
            else:
                _probability_section(points, optimizer, lr, steps, present, controls)


def _edit_points(data: lossviz.ClassificationData, dim: int,
                 signature: tuple[Any, ...]) -> ParsedPoints:
    from lossviz.ui import share

    st.caption("Edit x to move a point, change its label (0 or 1) to relabel it, add or delete "
               "rows. 'flipped' marks a label that is wrong on purpose: the clean-label fit "
               "uses the other label. Changing the Data card's settings starts a fresh table.")
    config = {
        "x1": st.column_config.NumberColumn("x1", format="%.3f", required=True),
        "x2": st.column_config.NumberColumn("x2", format="%.3f", required=True),
        "label": st.column_config.NumberColumn("label", min_value=0, max_value=1, step=1,
                                               format="%d", required=True, default=0),
        "flipped": st.column_config.CheckboxColumn("flipped", default=False),
    }
    edited = share.linked_table(POINTS, _frame(data, dim), signature=signature,
                                reset=st.session_state.get(TABLE_RESET, 0), num_rows="dynamic",
                                column_config=config, hide_index=True, height=260)
    if st.button("Undo all table edits", key="clf_table_reset_button"):
        st.session_state[TABLE_RESET] = st.session_state.get(TABLE_RESET, 0) + 1
        share.drop_table_edits(POINTS)
        st.rerun()
    columns = {name: edited[name].tolist() for name in edited.columns}
    return parse_points(columns, dim=dim)


def _report_table_problems(points: ParsedPoints) -> None:
    # Shown outside the table's expander, so a closed expander never hides it.
    if points.problems:
        shown = points.problems[:5]
        more = len(points.problems) - len(shown)
        st.warning(
            f"{len(points.problems)} row(s) of the table left out until fixed (your edits stay "
            "in the table): " + "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
            + "."
        )


def _data_problem(points: ParsedPoints) -> str:
    if len(points.y) < 2:
        return (f"Only {len(points.y)} usable point(s) in the table: add at least two, one of "
                "each class, to train a classifier.")
    if np.all(points.y == points.y[0]):
        return (f"All usable points have label {points.y[0]:g}: a classifier needs both "
                "classes. Relabel a point or undo the table edits.")
    return ""


def _clean_labels(points: ParsedPoints) -> np.ndarray:
    return np.where(points.flipped, 1.0 - points.y, points.y)


def _train(points: ParsedPoints, names: list[str], optimizer: str, lr: float, steps: int):
    fits = {name: _fit(points.x, points.y, name, optimizer, lr, steps) for name in names}
    clean = {}
    if points.flipped.any():
        y_clean = _clean_labels(points)
        if not np.all(y_clean == y_clean[0]):
            clean = {name: _fit(points.x, y_clean, name, optimizer, lr, steps)
                     for name in names}
    return fits, clean


@turns.fragment
def _boundary_section(points, dim, names, fits, clean, present, controls) -> None:
    """A fragment: its two toggles redraw only this chart."""
    c1, c2 = st.columns(2)
    with c1:
        shading = controls.toggle(SHADING, "Probability shading (cross-entropy)")
    with c2:
        show_clean = controls.toggle(SHOW_CLEAN, "Clean-label boundaries (dotted)",
                                     disabled=not clean)
    fig = boundary_figure(
        points.x, points.y,
        [BoundaryFit(n, fits[n].params, clean[n].final_params if n in clean else None)
         for n in names],
        flipped=points.flipped,
        probability_of="cross_entropy" if shading else None,
        show_clean=show_clean and bool(clean),
        presentation=present,
    )
    controls.plot(fig, key="clf_boundary_fig")
    st.caption(
        ("Each line is where a loss's classifier switches class (f = 0); the dashed Hinge "
         "lines are its margin f = ±1. " if dim == 2 else
         "Points sit at height 0 or 1 (their label); each vertical line is where a loss's "
         "classifier switches class, the dashed Hinge lines its margin f = ±1. ")
        + "Ringed points have flipped labels. Press play to watch the boundaries form."
    )
    diverged = [loss_label(n) for n in names if fits[n].diverged]
    for n in names:
        if fits[n].diverged:
            st.error(f"{loss_label(n)}: {fits[n].describe()}. Lower the learning rate.")
    y_true = _clean_labels(points)
    if clean:
        st.markdown("**Boundary moved by the flipped labels** (against the same loss fitted on "
                    "the clean labels; " + ("threshold shift" if dim == 1 else
                                            "rotation of the boundary") + ")")
    else:
        st.markdown("**Share of points classified right**")
    for start in range(0, len(names), 3):
        cols = st.columns(3)
        for col, n in zip(cols, names[start:start + 3], strict=False):
            h = fits[n]
            acc = accuracy(y_true, h.predict(points.x))
            if n in clean:
                change = boundary_change(clean[n].final_params, h.final_params)
                value = f"{change.shift:+.2f}" if dim == 1 else f"{change.angle:+.1f}°"
                delta = (f"slope |w| {_weight_change(clean[n].final_params, h.final_params):+.0%}"
                         if dim == 1 else f"shifted {change.shift:+.2f}")
                note = f"{_moved_text(dim, change)}; {acc:.0%} of the true labels right"
            else:
                value = f"{acc:.0%}"
                delta = None
                note = f"hinge margin band {margin_width(h.final_params):.2f} wide" \
                    if n == "hinge" else "right side of the boundary"
            col.metric(loss_label(n), value, delta=delta, delta_color="off", delta_arrow="off",
                       help=note)
    st.markdown(_boundary_story(points, dim, names, fits, clean, diverged))


def _boundary_story(points, dim, names, fits, clean, diverged) -> str:
    """The live 'what is happening' line under the boundary chart."""
    if not clean:
        accs = {n: accuracy(points.y, fits[n].predict(points.x)) for n in names}
        lead = ("no labels are flipped" if not points.flipped.any() else
                "with the flips undone only one class is left, so there is no clean-label "
                "fit to compare with")
        text = (f"**What is happening:** {lead}; "
                + ", ".join(f"{loss_label(n)} gets {accs[n]:.0%} right" for n in names)
                + ". Flip a few labels in the Data card to see which losses get dragged.")
        if "hinge" in fits:
            w = margin_width(fits["hinge"].final_params)
            text += f" The hinge margin band is {w:.2f} wide."
        return text
    y_true = _clean_labels(points)
    size = {n: boundary_change(clean[n].final_params, fits[n].final_params) for n in clean}
    order = sorted(size, key=lambda n: size[n].size)
    most, least = order[-1], order[0]
    k = int(points.flipped.sum())
    parts = [f"**What is happening:** with {k} flipped label(s), the {loss_label(most)} "
             f"boundary {_moved_text(dim, size[most])} against its clean-label fit, "
             f"the {loss_label(least)} one only {_moved_text(dim, size[least])}."]
    # The pull of the worst flipped point under each loss's own fit: |dl/dm| at its margin.
    pulls = {}
    for n in names:
        m = margins(points.y, fits[n].predict(points.x))[points.flipped]
        worst = float(m.min())
        pulls[n] = (worst, abs(float(lossviz.get_loss(n).derivative([worst])[0])))
    text = ", ".join(f"{loss_label(n)} {pulls[n][1]:.3g} (at m = {pulls[n][0]:.2f})"
                     for n in names)
    parts.append(f"\n- Pull of the worst flipped point on each fit, |dℓ/dm|: {text}. Hinge's pull "
                 "is capped at 1 and points beyond its margin pull 0; squared hinge's grows "
                 "with the distance, exponential's as e⁻ᵐ.")
    shrink = ", ".join(
        f"{loss_label(n)} {_weight_change(clean[n].final_params, fits[n].final_params):+.0%}"
        for n in names if n in clean)
    parts.append(f"\n- Confidence |w| against the clean-label fit: {shrink}.")
    accs = ", ".join(f"{loss_label(n)} {accuracy(y_true, fits[n].predict(points.x)):.0%}"
                     for n in names)
    parts.append(f"\n- True labels classified right: {accs}.")
    if diverged:
        parts.append(f"\n- Diverged: {', '.join(diverged)}.")
    return " ".join(parts)


def _weight_change(reference: np.ndarray, params: np.ndarray) -> float:
    """Relative change of the weight norm |w|: how much less sure the classifier became."""
    ref = float(np.linalg.norm(reference[:-1]))
    return float(np.linalg.norm(params[:-1])) / ref - 1.0 if ref > 0 else 0.0


@turns.fragment
def _convergence_section(names, points, optimizer, lr, steps, present, controls) -> None:
    """A fragment: the log-scale toggle redraws only this chart."""
    if not names:
        st.info("Pick at least one loss to see its training curve.")
        return
    log_y = controls.toggle(LOG_Y, "Log scale for the loss")
    runs = [Run(loss_label(n), loss_color(n), _fit(points.x, points.y, n, optimizer, lr, steps))
            for n in names]
    fig = convergence_figure(runs, log_y=log_y, presentation=present, height=360)
    controls.plot(fig, key="clf_convergence_fig")
    st.caption("Training loss of each classifier at every step of "
               f"{OPTIMIZER_NAMES.get(optimizer, optimizer)} (learning rate {lr:g}). The losses "
               "have different scales, so compare how fast each curve flattens, not its height.")
    st.markdown("**What is happening:** " + "; ".join(
        f"{r.label} {r.history.describe()}" for r in runs) + ".")


@turns.fragment
def _margin_section(points, optimizer, lr, steps, present, controls) -> None:
    """A fragment: its controls redraw only this chart."""
    with _card("Margin picture"):
        c1, c2 = st.columns(2)
        with c1:
            model = controls.choice(MARGIN_MODEL, "Place points with the classifier of",
                                    widget="select", format_func=loss_label)
        with c2:
            bits = controls.toggle(BITS, "Cross-entropy in bits (divide by ln 2)")
            st.caption(
                "lossviz's cross-entropy uses the natural log: ln(1 + e⁻ᵐ) = ln 2 ≈ 0.693 at "
                "m = 0. In bits, log₂(1 + e⁻ᵐ) equals 1 at m = 0 and touches the 0-1 loss, "
                "so it lies above the 0-1 loss everywhere. Same minimiser, other scale."
            )
    h = _fit(points.x, points.y, model, optimizer, lr, steps)
    m = margins(points.y, h.predict(points.x))
    data = margin_data(SURROGATES, point_margins=m, labels=points.y, flipped=points.flipped,
                       bits=bits)
    controls.plot(margin_figure(data, presentation=present), key="clf_margin_fig")
    st.caption(
        "Top: each loss against the margin m (left of 0 = wrong side). Bottom: its slope, the "
        "push a point gives the classifier. Dots are the training points under the "
        f"{loss_label(model)} classifier (hollow = flipped label); triangles are off the "
        "chart, at its edge (hover for the true values)."
    )
    worst = int(np.argmin(m))
    wrong = int((m <= 0).sum())
    beyond = int((m >= 1).sum())
    vals = ", ".join(
        f"{curve_label(n, bits=bits)} {data.point_values[n][worst]:.3g} "
        f"(slope {data.point_slopes[n][worst]:.3g})" for n in SURROGATES)
    st.markdown(
        f"**What is happening:** under the {loss_label(model)} classifier {wrong} of "
        f"{m.size} points are on the wrong side (m ≤ 0) and {beyond} are beyond the hinge "
        f"margin (m ≥ 1), where hinge loss and slope are exactly 0. The worst point, "
        f"#{worst + 1} at m = {m[worst]:.2f}, costs: {vals}."
    )
    st.latex(r"\log_2\!\left(1 + e^{-m}\right) = \frac{\ln\left(1 + e^{-m}\right)}{\ln 2},"
             r"\qquad \log_2\!\left(1 + e^{0}\right) = 1")
    with st.expander("Formulas of the losses and their slopes"):
        cols = st.columns(2)
        for i, n in enumerate((*SURROGATES, "zero_one")):
            loss = lossviz.get_loss(n)
            with cols[i % 2]:
                st.markdown(f"**{loss.label}**")
                st.latex(loss.latex)
                st.latex(loss.derivative_latex)


@turns.fragment
def _probability_section(points, optimizer, lr, steps, present, controls) -> None:
    """A fragment: its controls redraw only this chart."""
    with _card("Probability view"):
        c1, c2 = st.columns(2)
        with c1:
            others = controls.toggle(PROB_OTHERS, "Also the other losses")
            # the same setting as in the margin picture (only one view runs at a time)
            bits = controls.toggle(BITS, "Cross-entropy in bits (divide by ln 2)")
        with c2:
            st.caption(
                "Cross-entropy is −ln p, where p = sigmoid(f) is the probability the classifier "
                "gives the true class. The others are not about probabilities; they are drawn "
                "by reading f as a logit, f = ln(p / (1 − p)). The bits setting is shared "
                "with the margin picture."
            )
    h = _fit(points.x, points.y, "cross_entropy", optimizer, lr, steps)
    m = margins(points.y, h.predict(points.x))
    names = list(SURROGATES) if others else ["cross_entropy"]
    data = probability_data(names, point_margins=m, bits=bits)
    controls.plot(probability_figure(data, flipped=points.flipped, presentation=present),
                  key="clf_probability_fig")
    st.caption(
        "Loss against the probability given to the true class. Near p = 1 it is almost free; "
        "as p goes to 0 it climbs without bound, so one confident mistake can cost more than "
        "many good points together. Dots: the training points under the cross-entropy "
        "classifier."
    )
    p = sigmoid(m)
    costs = data.point_values
    worst = int(np.argmin(p))
    good = p > 0.5
    unit = "bits" if bits else "nats"
    st.markdown(
        f"**What is happening:** point #{worst + 1} gets p = {p[worst]:.3g} for its true "
        f"class and costs {costs[worst]:.3g} {unit}; the {int(good.sum())} points with "
        f"p > 0.5 cost {costs[good].sum():.3g} {unit} together. Mean cross-entropy "
        f"{costs.mean():.4g} {unit}"
        + (f" (= {costs.mean() * LN2:.4g} nats)." if bits else ".")
    )
    st.latex(r"\ell = -\ln p,\qquad p = \sigma(f) = \frac{1}{1 + e^{-f}}")


@turns.fragment
def _multiclass_corner() -> None:
    """Softmax and its cross-entropy for one sample; a fragment: only it reruns on edits."""
    from lossviz.ui import controls

    with _card("Logits of one sample"):
        c1, c2 = st.columns([1, 2.5])
        with c1:
            k = int(controls.choice(CLASSES, "Classes"))
        if int(st.session_state.get(TRUE_CLASS.key, "0")) >= k:
            # The options stay 0-3; with 3 classes a chosen class 3 falls back to class 2.
            st.session_state[TRUE_CLASS.key] = str(k - 1)
        with c2:
            true_class = int(controls.choice(TRUE_CLASS, "True class", widget="radio",
                                             horizontal=True,
                                             format_func=lambda c: f"class {c}"))
        cols = st.columns(4)
        logits = []
        for j in range(k):
            with cols[j]:
                logits.append(controls.number(LOGITS[j], f"logit f{j}"))
    data = softmax_data(logits, true_class)
    controls.plot(softmax_figure(data, presentation=controls.presenting()),
                  key="clf_softmax_fig")
    st.caption(
        "Left: softmax turns the logits into probabilities that sum to 1. Right: the gradient "
        "of the cross-entropy, p − onehot(y): gradient descent lowers the logits with positive "
        "bars and raises the true class's logit (negative bar)."
    )
    c1, c2, c3 = st.columns(3)
    c1.metric("Softmax cross-entropy", f"{data.loss:.4f}")
    c2.metric(f"p(class {true_class})", f"{data.probs[true_class]:.4f}")
    c3.metric(f"gradient on f{true_class}", f"{data.gradient[true_class]:+.4f}")
    rival = int(np.argmax(np.where(np.arange(k) == true_class, -np.inf, data.probs)))
    st.markdown(
        f"**What is happening:** class {true_class} gets p = "
        f"{data.probs[true_class]:.3f}, so the loss is −ln {data.probs[true_class]:.3f} = "
        f"{data.loss:.3f}. The strongest rival, class {rival}, has p = "
        f"{data.probs[rival]:.3f}; one step of gradient descent raises f{true_class} by "
        f"{-data.gradient[true_class]:.3f}·lr and lowers f{rival} by "
        f"{data.gradient[rival]:.3f}·lr. Adding the same number to every logit changes "
        "nothing."
    )
    st.latex(r"p_j = \frac{e^{f_j}}{\sum_i e^{f_i}},\quad \ell = -\ln p_y,\quad "
             r"\frac{\partial \ell}{\partial f_j} = p_j - [\,j = y\,]")
