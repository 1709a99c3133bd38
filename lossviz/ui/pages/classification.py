"""Classification lab: surrogate losses on the margin, flipped labels, decision boundaries,
the probability view, and a multiclass view (one sample's softmax, or linear classifiers of
the 8x8 handwritten digits).

All numbers come from lossviz (``make_classification``, ``fit``, the losses); all pictures
from ``lossviz.figures.classification``, ``lossviz.figures.multiclass`` and
``lossviz.figures.descent``.
"""

from __future__ import annotations

import html
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

import lossviz
from lossviz import datasets, limits, tabular
from lossviz.classify import (
    MARGIN_FORMULA,
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
    boundary_aspect,
    boundary_data,
    boundary_figure,
    boundary_states,
    curve_label,
    margin_data,
    margin_figure,
    probability_data,
    probability_figure,
    softmax_data,
    softmax_figure,
)
from lossviz.figures.descent import (
    Run,
    convergence_data,
    convergence_figure,
    convergence_states,
)
from lossviz.figures.multiclass import (
    MULTICLASS,
    DigitsFit,
    digits_data,
    digits_figure,
    digits_sentence,
    digits_split,
)
from lossviz.figures.style import loss_color, loss_label
from lossviz.numbers import figure_text, number_text, value_text
from lossviz.textsafe import escape_markdown
from lossviz.ui import chart, frame, lessons, tables, uploads, widgets
from lossviz.ui.params import CLF_DEFAULT_FEATURES, ONE_FEATURE, optimizer_name

MAX_LOGIT = 30.0
MULTICLASS_VIEW = "Multiclass corner"
VIEWS = {
    "Boundaries": "The trained classifiers over the data, and what flipped labels do to them.",
    "Training curves": "The training loss of each classifier, step by step.",
    "Margin picture": "Every loss against the margin, with the training points on each curve.",
    "Probability view": "Cross-entropy against the probability given to the true class.",
    "Multiclass corner": "Softmax cross-entropy of one sample, or two multiclass losses on "
                         "real handwritten digits.",
}


# -- cached numerics -------------------------------------------------------------------------
@st.cache_data(max_entries=16, show_spinner=False)
def _dataset(dim: int, n: int, separation: float, flip: int, flip_class: str,
             seed: int) -> lossviz.ClassificationData:
    return lossviz.make_classification(n, dim=dim, separation=separation, flip=flip,
                                       flip_class=flip_class, seed=seed)


# A shipped set's two features (its defaults: params.CLF_DEFAULT_FEATURES), as the page shows
# them: the counts and frequencies of the spam e-mails are skewed (half of the e-mails have no
# "!" at all, a few have hundreds of capitals in a row), so both axes are log(1 + value), and a
# fixed sample of n e-mails (n the points slider: growing it adds e-mails).
FEATURE_PICKS = ("_clf_feature_pick_1", "_clf_feature_pick_2")  # their select boxes


# The student's own file: its uploader, the parsed file (this session only), the label column
# and the one or two feature columns (select boxes; the file is never in the link).
CSV_FILE, CSV_MEMO = "clf_csv_file", "_clf_csv"
CSV_LABEL, CSV_X = "clf_csv_label", ("clf_csv_x1", "clf_csv_x2")
CSV_POSITIVE = "clf_csv_positive"  # which label is class 1, where the column holds more than two


class RealSource(NamedTuple):
    key: str
    features: tuple[str, ...]  # two of a shipped set; one or two of the student's file
    titles: tuple[str, ...]  # the axes' titles (plotly text)
    # The student's file only: all its rows with the features standardized, the label
    # column, the label that is class 1 and the others (class 0), and the file's name.
    rows: lossviz.ClassificationData | None = None
    label: str = ""
    positive: float = 1.0
    others: tuple[float, ...] = (0.0,)
    file: str = ""

    @property
    def own(self) -> bool:
        return self.key == "csv"


@st.cache_data(max_entries=16, show_spinner=False)
def _real_points(key: str, features: tuple[str, str], n: int) -> lossviz.ClassificationData:
    ds = datasets.load(key)
    rows = np.random.default_rng(0).permutation(ds.n)[:n]
    x = np.log1p(np.column_stack([ds.column(f)[rows] for f in features]))
    return lossviz.ClassificationData(x, np.asarray(ds.y)[rows].astype(np.float64),
                                      np.zeros(len(rows), dtype=bool))


def _real_source(key: str) -> RealSource:
    """The features of set ``key`` the links asks for (its defaults where it names none or
    one the set does not have)."""
    ds = datasets.load(key)
    picked = []
    for k, default in enumerate(CLF_DEFAULT_FEATURES[key], start=1):
        wanted = widgets.value(f"clf_feature_{k}")
        picked.append(wanted if wanted in ds.feature_names else default)
    f1, f2 = picked
    return RealSource(key, (f1, f2), (f"log(1 + {f1})", f"log(1 + {f2})"))


def _fit_fresh(x: np.ndarray, y: np.ndarray, loss: str, optimizer: str, lr: float,
               steps: int) -> lossviz.History:
    return lossviz.fit(x, y, loss, optimizer=optimizer, lr=lr, steps=steps, seed=0)


_fit_cached = st.cache_data(max_entries=128, show_spinner=False)(_fit_fresh)


def _fit(x: np.ndarray, y: np.ndarray, loss: str, optimizer: str, lr: float,
         steps: int) -> lossviz.History:
    """A training run (not cached on the student's own file)."""
    return uploads.cached_or_fresh(widgets.value("clf_data"), _fit_cached, _fit_fresh,
                                   x, y, loss, optimizer, lr, steps)


def _solve_fresh(x: np.ndarray, y: np.ndarray, loss: str) -> lossviz.Solution | None:
    """The exact minimiser of ``loss`` on the points; None where there is none
    (cross-entropy on separable classes: ``lossviz.NoFiniteMinimum``)."""
    try:
        return lossviz.solve(x, y, loss)
    except lossviz.NoFiniteMinimum:
        return None


_solve_cached = st.cache_data(max_entries=64, show_spinner=False)(_solve_fresh)


def _solve(x: np.ndarray, y: np.ndarray, loss: str) -> lossviz.Solution | None:
    """``_solve_fresh`` (not cached on the student's own file)."""
    return uploads.cached_or_fresh(widgets.value("clf_data"), _solve_cached, _solve_fresh,
                                   x, y, loss)


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
    # A lesson step sits beside the view it talks about (on a phone right above it), so
    # that a projector shows the question with the whole chart.
    stepped = frame.lesson_here("classification")
    narrow = stepped and not widgets.compact()
    present = widgets.presenting()
    st.markdown(
        "A linear classifier scores each point, f(x) = w·x + b, and says class 1 when f > 0 "
        "and class 0 when f < 0; a point exactly on the boundary (f = 0) counts as a mistake "
        "for either class in the accuracy and the 0-1 loss. Each loss turns the margin "
        f"m = {MARGIN_FORMULA} (positive = right side) into a penalty. "
        + {"generated": "**Flip a few labels and watch which losses get dragged by them.**",
           "csv": "**Your own data: pick the column of labels and one or two features, and "
                  "see how many each loss's classifier gets right.**"}.get(
            widgets.value("clf_data"),
            "**Real e-mails: pick two features and see how many each loss's classifier gets "
            "right.**"))
    if widgets.value("clf_view") == MULTICLASS_VIEW:
        # One sample's logits or the digits: the two-class data and losses step aside.
        _view_picker()
        with frame.beside_lesson("classification", "clf_look_lesson", stepped):
            _multiclass_corner(present, narrow=narrow)
        return
    edited = tables.edited("clf_points")
    # The controls sit above the table but are drawn after it has read this run's edits:
    # once a point is edited, the generator's controls are off on that same run.
    controls = st.container(border=True)
    v = widgets.value
    with controls:
        source, points_box = _data_picker()
    if source is None and v("clf_data") == "csv":  # no usable file yet: the page says why
        frame.lesson("classification")
        return
    dim = (len(source.features) if source is not None else
           2 if v("clf_dim") == "2-D" else 1)
    try:
        if source is not None and source.own:
            data = _sample(source.rows, v("clf_n"))
        elif source is not None:
            data = _real_points(source.key, source.features, v("clf_n"))
        else:
            data = _dataset(dim, v("clf_n"), v("clf_separation"), v("clf_flip"),
                            v("clf_flip_class"), v("clf_seed"))
    except ValueError as err:
        with controls:
            _controls(edited, present, source, points_box)
        st.error(f"Could not make the data: {err}.")
        frame.lesson("classification")
        return
    if edited and "clf_table_open" not in st.session_state:
        # A link or a lesson with edited points opens the table. Not by expanded=: a
        # changing ``expanded`` makes a new expander, which drops the student's click.
        st.session_state["clf_table_open"] = True
    table = st.expander("Move or relabel points (table)", key="clf_table_open",
                        on_change="rerun")
    with table:
        points = _edit_points(data, dim, show=table.open, real=source is not None)
    with controls:
        names, optimizer, lr, steps = _controls(tables.edited("clf_points"), present, source,
                                                points_box)
    _report_table_problems(points)
    problem = _data_problem(points)
    view = _view_picker()
    with frame.beside_lesson("classification", "clf_look_lesson", stepped):
        if problem:
            st.warning(problem)
        elif view == "Boundaries":
            if not names:
                st.info("Pick at least one loss to train a classifier.")
            else:
                fits, clean = _train(points, names, optimizer, lr, steps)
                _boundary_section(points, dim, names, fits, clean, present, source, narrow)
        elif view == "Training curves":
            _convergence_section(names, points, optimizer, lr, steps, present)
        elif view == "Margin picture":
            _margin_section(points, optimizer, lr, steps, present, narrow)
        else:
            _probability_section(points, optimizer, lr, steps, present)
    if source is not None:
        _about(source, len(points.y))


def _view_picker() -> str:
    view = widgets.choice("clf_view", "View", width="stretch")
    st.caption(VIEWS[view])
    return view


# -- where the points come from --------------------------------------------------------------
def _new_source() -> None:
    """Another data set: the table's edits and the features were the old set's."""
    tables.reset("clf_points")
    st.session_state["clf_feature_1"] = st.session_state["clf_feature_2"] = ""


def _feature_picked(k: int) -> None:
    st.session_state[f"clf_feature_{k}"] = st.session_state[FEATURE_PICKS[k - 1]]
    tables.reset("clf_points")


def _new_file() -> None:
    """Another file: the table's edits were the old file's points."""
    tables.reset("clf_points")


def _data_picker() -> tuple[RealSource | None, Any]:
    """The data select box (and beside it, the column returned: room for the points slider);
    under them a shipped set's two feature boxes, or the student's file and its columns.
    Returns the source picked (None for the generator, and for "Your own data" while there
    is no usable file) and that column."""
    c1, c4 = st.columns([1.4, 1])
    with c1:
        key = widgets.choice("clf_data", "Data", widget="select", on_change=_new_source,
                             help="Generated points (two clouds whose separation and flipped "
                                  "labels you set), a real data set, or your own CSV file.")
    if key == "generated":
        return None, c4
    if key == "csv":
        return _csv_source(), c4
    source = _real_source(key)
    names = datasets.load(source.key).feature_names
    c2, c3 = st.columns(2)
    for k, (col, feature) in enumerate(zip((c2, c3), source.features, strict=True), start=1):
        with col:
            st.session_state[FEATURE_PICKS[k - 1]] = feature
            st.selectbox(f"Feature x{k}", names, key=FEATURE_PICKS[k - 1],
                         on_change=_feature_picked, args=(k,),
                         help="Shown as log(1 + value): most e-mails have little of "
                              "anything, a few a lot.")
    return source, c4


def _csv_source() -> RealSource | None:
    """The student's file: the uploader, then its label column and one or two features;
    None (with the reason on the page) until they make two classes to separate."""
    read = uploads.table(CSV_FILE, CSV_MEMO, on_new=_new_file,
                         ask="Upload a CSV file with a column of two labels (such as 0 and "
                             "1) and one or more numeric feature columns.")
    if read is None:
        return None
    name, table = read
    names = table.names  # at least two: the reader refuses a file with fewer

    def last_binary() -> str:  # the label column to start from: the last with two values
        two = [n for n in names if len(np.unique(table.column(n))) == 2]
        return two[-1] if two else names[-1]

    a, b, c = st.columns(3)
    label = uploads.select(a, "Labels", names, key=CSV_LABEL, memo_key=CSV_MEMO,
                           default=last_binary, on_change=_new_file,
                           help="A column of class labels: with two values, the larger is "
                                "class 1; with more, you pick the one that is class 1.")
    values = np.unique(table.column(label))
    positive = None
    if 2 < len(values) <= tabular.MAX_CLASSES:  # one class against the rest
        texts = [f"{v:.10g}" for v in values]
        chosen = uploads.select(a, "Class 1 is the label", texts, key=CSV_POSITIVE,
                                memo_key=CSV_MEMO, default=texts[-1], on_change=_new_file,
                                help="Rows with this label are class 1, every other row "
                                     "class 0: one class against the rest.")
        positive = float(values[texts.index(chosen)])
    others = [n for n in names if n != label]
    x1 = uploads.select(b, "Feature x1", names, key=CSV_X[0], memo_key=CSV_MEMO,
                        default=others[0], on_change=_new_file)
    x2 = uploads.select(c, "Feature x2", (ONE_FEATURE, *names), key=CSV_X[1],
                        memo_key=CSV_MEMO,
                        default=others[1] if len(others) > 1 else ONE_FEATURE,
                        on_change=_new_file,
                        help="A second feature draws the points in a plane and the boundary "
                             "as a line; none, on one axis with a threshold.")
    uploads.describe(name, table)
    features = (x1,) if x2 == ONE_FEATURE else (x1, x2)
    if label in features or len(set(features)) < len(features):
        st.warning("Pick different columns for the labels and the features.")
        return None
    try:
        y, positive = table.labels(label, positive)
    except ValueError as err:
        st.warning(escape_markdown(str(err)) + ". Pick another column for the labels.")
        return None
    # Standardized (mean 0, standard deviation 1 over the file), so that one learning rate
    # suits any units; a usable column is never constant.
    columns = [table.column(f) for f in features]
    z = np.column_stack([(col - col.mean()) / col.std() for col in columns])
    rows = lossviz.ClassificationData(z if len(features) == 2 else z[:, 0], y,
                                      np.zeros(len(y), dtype=bool))
    return RealSource("csv", features, tuple(html.escape(f"{f} (standardized)")
                                             for f in features),
                      rows=rows, label=label, positive=positive,
                      others=tuple(float(v) for v in values if v != positive), file=name)


def _sample(rows: lossviz.ClassificationData, n: int) -> lossviz.ClassificationData:
    """``n`` rows of the file, a fixed random sample (more points add rows), as a shipped
    set's are drawn."""
    pick = np.random.default_rng(0).permutation(len(rows.y))[:n]
    return lossviz.ClassificationData(rows.x[pick], rows.y[pick], rows.is_flipped[pick])


def _about(source: RealSource, n: int) -> None:
    if source.own:
        others = " or ".join(f"{v:g}" for v in source.others[:5]) + (
            " or another value" if len(source.others) > 5 else "")
        total = len(source.rows.y)
        which = (f"all its {total:,} rows" if n >= total else
                 f"{n:,} of its {total:,} rows (a fixed random sample, the same for every loss)")
        st.caption(f"{escape_markdown(source.file)}: the page trains on {which}, class 1 "
                   f"where {escape_markdown(source.label)} is {source.positive:g} and class 0 "
                   f"where it is {others}. Each feature is "
                   "standardized (its mean subtracted, divided by its standard deviation over "
                   "the file) so that one learning rate suits any units: the best boundary is "
                   "the same in the original units.")
        return
    ds = datasets.load(source.key)
    frame.about_data(ds, source.features,
                     f"The page trains on {n:,} of its {ds.n:,} rows (the same ones for every "
                     "loss: a fixed random sample), two features at a time.")


def _controls(edited: bool, present: bool, source: RealSource | None,
              points_box) -> tuple[list[str], str, float, int]:
    """The data and training controls under the data picker (the generator's off while the
    table is edited or the data are a real set); the training settings."""
    if source is not None:  # the generator's controls step aside: only how many points
        with points_box:
            widgets.slider("clf_n", "Points", disabled=edited,
                           help="How many rows of the set (the same fixed sample for every "
                                "loss; more points add rows).")
    else:
        with points_box:  # beside the data picker: a row of five is too narrow at 1024 px
            d1, d2 = st.columns([1, 1])
            with d1:
                widgets.choice("clf_dim", "Inputs", disabled=edited)
            if not present:
                with d2:
                    widgets.number("clf_seed", "Seed", disabled=edited)
        c2, c3, c4, c5 = st.columns([1.3, 1.3, 1.3, 1.1])
        with c2:
            widgets.slider("clf_n", "Points", disabled=edited)
        with c3:
            widgets.slider("clf_separation", "Separation", disabled=edited,
                           help="Distance between the two class centres.")
        with c4:
            widgets.slider("clf_flip", "Flip labels", disabled=edited,
                           help="Mislabel this many points, the ones deepest inside "
                                "their class: label noise at its worst.")
        with c5:
            widgets.choice("clf_flip_class", "Flip labels of", widget="select",
                           disabled=edited)
    if present:
        return (widgets.value("clf_losses"), widgets.value("clf_optimizer"),
                widgets.value("clf_lr"), widgets.value("clf_steps"))
    # The losses on a row of their own: every name stays whole.
    names = widgets.multi("clf_losses", "Losses")
    return (names, *_training_controls())


def _training_controls() -> tuple[str, float, int]:
    """The optimizer, learning rate and steps, on one row (every view that trains)."""
    c2, c3, c4 = st.columns([1.2, 1.2, 1])
    with c2:
        optimizer = widgets.choice("clf_optimizer", "Optimizer", widget="select")
    with c3:
        lr = widgets.slider("clf_lr", "Learning rate")
    with c4:
        steps = widgets.slider("clf_steps", "Steps",
                               help=f"At most {limits.MAX_CLF_STEPS} steps.")
    return optimizer, lr, steps


def _edit_points(data: lossviz.ClassificationData, dim: int, *, show: bool,
                 real: bool = False) -> ParsedPoints:
    if show:
        st.caption("Edit x to move a point, change its label (0 or 1) to relabel it, add or "
                   "delete rows. 'flipped' marks a label that is wrong on purpose: the "
                   "clean-label fit uses the other label. Your points stay the data until "
                   f"you go back to the generated ones (at most {MAX_TABLE_POINTS} points).")
    config = {
        "x1": st.column_config.NumberColumn("x1", format="%.3f", required=True),
        "x2": st.column_config.NumberColumn("x2", format="%.3f", required=True),
        "label": st.column_config.NumberColumn("label", min_value=0, max_value=1, step=1,
                                               format="%d", required=True, default=0),
        "flipped": st.column_config.CheckboxColumn("flipped", default=False),
    }
    edited = tables.points("clf_points", _frame(data, dim), show=show, num_rows="dynamic",
                           column_config=config, hide_index=True, height=260)
    if show and tables.edited("clf_points"):
        st.button("Back to the data set's points" if real else "Back to the generated points",
                  key="clf_table_reset",
                  on_click=tables.reset, args=("clf_points",))
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


def _boundary_section(points, dim, names, fits, clean, present, source,
                      narrow: bool = False) -> None:
    """The boundaries and how far the flips moved them (``narrow``: beside a lesson step)."""
    with st.container(horizontal=True, gap="large"):  # a row that wraps beside a lesson step
        shading = widgets.toggle("clf_shading", "Probability shading (cross-entropy)")
        show_clean = widgets.toggle("clf_show_clean", "Clean-label boundaries (dotted)",
                                    disabled=not clean)
    small = widgets.compact()
    # The chart's width, for the plot's shape: a phone's, a column beside a step, the page.
    width = None if small else 560 if narrow else 900
    data = boundary_data(
        points.x, points.y,
        [BoundaryFit(n, fits[n].params, clean[n].final_params if n in clean else None)
         for n in names],
        flipped=points.flipped,
        probability_of="cross_entropy" if shading else None,
        show_clean=show_clean and bool(clean),
        aspect=boundary_aspect(width_hint=width, compact=small, presentation=present),
    )
    # On a projector the chart must leave room for the step beside or above it.
    titles = None if source is None else source.titles
    chart.chart(boundary_figure.spec(data, width_hint=width, compact=small,
                                     presentation=present, height=520 if present else None,
                                     axis_titles=titles),
                key="clf_boundary_fig", states=boundary_states(data), param="clf_step",
                label="Each loss's decision boundary over the data", caption=(
                    ("Each line is where a loss's classifier switches class (f = 0); the "
                     "dashed Hinge lines are its margin f = ±1. " if dim == 2 else
                     "Points sit at height 0 or 1 (their label); each vertical line is where "
                     "a loss's classifier switches class, the dashed Hinge lines its margin "
                     "f = ±1. ")
                    + ("Ringed points have flipped labels. " if points.flipped.any() else "")
                    + ("Dotted lines: each loss fitted on the clean labels. " if data.clean
                       else "")
                    + "Press play to watch the boundaries form."))
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
            if h.diverged or (n in clean and clean[n].diverged):
                value, delta = "diverged", None
                note = "this fit (or its clean-label one) diverged: lower the learning rate"
            elif n in clean:
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
    if not lessons.asking_about("clf_boundary_fig"):  # the story would answer the step
        st.markdown(_boundary_story(points, dim, names, fits, clean, diverged, source))


def _real_story(points, names, fits, source: RealSource) -> str:
    """What the fits on a real set show, read off them: how many they label right, against
    the share of the larger class (what always saying it gets right)."""
    shown = " and ".join(escape_markdown(f) for f in source.features)
    n, ones = len(points.y), int(points.y.sum())
    base = max(ones, n - ones) / n
    accs = {nm: accuracy(points.y, fits[nm].predict(points.x)) for nm in names
            if not fits[nm].diverged}
    among = (f"of these {n} rows {ones} are class 1 ({escape_markdown(source.label)} = "
             f"{source.positive:g})" if source.own else
             f"of these {n} e-mails {ones} are spam")
    text = (f"**What the numbers show:** {among}, so always saying the larger class gets "
            f"{base:.0%} right. With {shown} alone, ")
    if not accs:
        return text + "no classifier trained: lower the learning rate."
    top = max(accs.values())
    best = [loss_label(nm) for nm, a in accs.items() if a == top]
    text += ", ".join(f"{loss_label(nm)} gets {a:.0%}" for nm, a in accs.items()) + "."
    gain = top - base
    who = (f"The best, {best[0]}, is" if len(best) == 1 else
           f"The best ({', '.join(best[:-1])} and {best[-1]}) are")
    text += (f" {who} right {100 * gain:.0f} percentage points more often than that guess."
             if gain > 0 else " None beats that guess: try other features.")
    return text


def _boundary_story(points, dim, names, fits, clean, diverged, source=None) -> str:
    """The live 'what is happening' line under the boundary chart."""
    if source is not None and not clean:
        return _real_story(points, names, fits, source)
    if not clean:
        # A diverged fit has no accuracy to speak of (its scores are not numbers).
        accs = {n: accuracy(points.y, fits[n].predict(points.x)) for n in names
                if not fits[n].diverged}
        lead = ("no labels are flipped" if not points.flipped.any() else
                "with the flips undone only one class is left, so there is no clean-label "
                "fit to compare with")
        said = [f"{loss_label(n)} gets {a:.0%} right" for n, a in accs.items()]
        said += [f"{loss_label(n)} diverged" for n in names if n not in accs]
        text = (f"**What is happening:** {lead}; " + ", ".join(said)
                + ". Flip a few labels in the Data card to see which losses get dragged.")
        if "hinge" in fits and not fits["hinge"].diverged:
            w = margin_width(fits["hinge"].final_params)
            text += f" The hinge margin band is {w:.2f} wide."
        return text
    y_true = _clean_labels(points)
    # A diverged fit (flipped or clean labels) has no boundary to compare.
    size = {n: boundary_change(clean[n].final_params, fits[n].final_params) for n in clean
            if not (fits[n].diverged or clean[n].diverged)}
    if not size:
        return ("**What is happening:** every fit diverged (or its clean-label fit did), so "
                "there is no boundary to compare: lower the learning rate.")
    order = sorted(size, key=lambda n: size[n].size)
    most, least = order[-1], order[0]
    k = int(points.flipped.sum())
    parts = [f"**What is happening:** with {k} flipped label(s), the {loss_label(most)} "
             f"boundary {_moved_text(dim, size[most])} against its clean-label fit"
             + (f", the {loss_label(least)} one only {_moved_text(dim, size[least])}."
                if least != most else ".")]
    # The pull of the worst flipped point under each loss's own fit: |dl/dm| at its margin.
    pulls = {}
    for n in (n for n in names if not fits[n].diverged):
        m = margins(points.y, fits[n].predict(points.x))[points.flipped]
        worst = float(m.min())
        pulls[n] = (worst, abs(float(lossviz.get_loss(n).derivative([worst])[0])))
    text = ", ".join(f"{loss_label(n)} {value_text(pull)} (at m = {figure_text(at)})"
                     for n, (at, pull) in pulls.items())
    parts.append(f"\n- Pull of the worst flipped point on each fit, |dℓ/dm|: {text}. Hinge's pull "
                 "is capped at 1 and points beyond its margin pull 0; squared hinge's grows "
                 "with the distance, exponential's as e⁻ᵐ.")
    shrink = ", ".join(
        f"{loss_label(n)} {_weight_change(clean[n].final_params, fits[n].final_params):+.0%}"
        for n in names if n in size)
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


def _convergence_section(names, points, optimizer, lr, steps, present) -> None:
    if not names:
        st.info("Pick at least one loss to see its training curve.")
        return
    log_y = widgets.toggle("clf_log_y", "Log scale for the loss")
    runs = [Run(loss_label(n), loss_color(n), _fit(points.x, points.y, n, optimizer, lr, steps))
            for n in names]
    data = convergence_data(runs)
    chart.chart(convergence_figure.spec(data, log_y=log_y, presentation=present, height=360,
                                        compact=widgets.compact()),
                key="clf_convergence_fig", states=convergence_states(data, log_y=log_y),
                param="clf_step", label="Training loss of each classifier, step by step")
    st.caption("Training loss of each classifier at every step of "
               f"{optimizer_name(optimizer)} (learning rate {lr:g}). The losses "
               "have different scales, so compare how fast each curve flattens, not its height.")
    st.markdown("**What is happening:** " + "; ".join(
        f"{r.label} {r.history.describe()}" for r in runs) + ".")
    _against_exact(points, names, runs)


def _against_exact(points: ParsedPoints, names: list[str], runs: list[Run]) -> None:
    """Each run beside the exact minimiser of its loss (``lossviz.solve``): how far it ended,
    and from which step its loss was within 0.001 of the minimum; for cross-entropy and the
    exponential loss on separable classes, that there is no minimiser."""
    rows, unbounded = [], {}
    for name, run in zip(names, runs, strict=True):
        h = run.history
        if h.diverged:
            continue
        best = _solve(points.x, points.y, name)
        row = {"Loss": loss_label(name), "Exact minimum loss": "none (separable classes)",
               "Gradient descent's loss": figure_text(float(h.loss[-1]), 4),  # as describe()
               "Loss above the minimum": "", "Largest parameter gap": "",
               "Within 0.001 of the minimum loss": ""}
        if best is None:
            unbounded[loss_label(name)] = (float(np.linalg.norm(h.params[-1][:-1])),
                                           h.stop_step)
        else:
            g = lossviz.exact.gap(h, best)
            # A minimum of 0 comes out of the solvers as 0 or a few units of rounding error.
            row.update({
                "Exact minimum loss": figure_text(best.loss if best.loss > 1e-12 else 0.0, 4),
                "Loss above the minimum": number_text(max(g.loss, 0.0)),
                "Largest parameter gap": number_text(g.params),
                "Within 0.001 of the minimum loss": (
                    "never" if g.within is None else f"first at step {g.within:,}"),
            })
        rows.append(row)
    if not rows:
        return
    st.markdown("**Against the exact answer** (each loss's minimiser computed directly: a "
                "linear program for hinge, Newton's method for the others)")
    table = pd.DataFrame(rows).set_index("Loss")
    if widgets.compact():  # a phone: the columns that answer "how far", the rest is above
        table = table[["Exact minimum loss", "Loss above the minimum",
                       "Within 0.001 of the minimum loss"]]
    st.table(table)
    notes = []
    if unbounded:
        who = " and ".join(unbounded)
        grown = "; ".join(f"{n}'s after {steps:,} steps: {figure_text(w)}"
                          for n, (w, steps) in unbounded.items())
        notes.append(f"{who} {'have' if len(unbounded) > 1 else 'has'} no minimiser here: the "
                     "classes are separable, so the loss keeps falling as the weights grow "
                     f"along a separating direction (their length |w|, {grown}; more steps "
                     "make them longer still and the loss smaller, without end).")
    if {"hinge", "squared_hinge", "modified_huber"} & set(names):
        notes.append("Hinge's minimum, and squared hinge's or modified Huber's when it is 0, "
                     "can be reached by many parameters (a whole region when the classes are "
                     "separable): compare their losses, not their parameters.")
    if notes:
        st.caption(" ".join(notes))


def _margin_section(points, optimizer, lr, steps, present, narrow: bool = False) -> None:
    """Each loss against the margin, with the points on it (``narrow``: beside a lesson
    step, with the phone's shorter notes, which fit its column)."""
    with _card("Margin picture"):
        with st.container(horizontal=True, gap="large", vertical_alignment="bottom"):
            model = widgets.choice("clf_margin_model", "Place points with the classifier of",
                                   widget="select", width=300)
            bits = widgets.toggle("clf_bits", "Cross-entropy in bits (divide by ln 2)")
        st.caption(
            "lossviz's cross-entropy uses the natural log: ln(1 + e⁻ᵐ) = ln 2 ≈ 0.693 at "
            "m = 0. In bits, log₂(1 + e⁻ᵐ) equals 1 at m = 0 and touches the 0-1 loss, "
            "so it lies above the 0-1 loss everywhere. Same minimiser, other scale."
        )
    h = _fit(points.x, points.y, model, optimizer, lr, steps)
    m = margins(points.y, h.predict(points.x))
    data = margin_data(SURROGATES, point_margins=m, labels=points.y, flipped=points.flipped,
                       bits=bits)
    # On a projector it shares the screen with the lesson's step: a little shorter.
    chart.chart(margin_figure.spec(data, presentation=present, height=500 if present else 560,
                                   compact=widgets.compact() or narrow), key="clf_margin_fig",
                caption="Top: each loss against the margin m (left of 0 = wrong side). "
                        "Bottom: its slope, the push a point gives the classifier. Dots are "
                        f"the training points under the {loss_label(model)} classifier "
                        "(hollow = flipped label); triangles are off the chart, at its edge "
                        "(hover for the true values).")
    worst = int(np.argmin(m))
    wrong = int((m <= 0).sum())
    beyond = int((m >= 1).sum())
    vals = ", ".join(
        f"{curve_label(n, bits=bits)} {value_text(data.point_values[n][worst])} "
        f"(slope {value_text(data.point_slopes[n][worst])})" for n in SURROGATES)
    st.markdown("**What is happening:** " + _after_divergence(h, (
        f"under the {loss_label(model)} classifier {wrong} of {m.size} points are on the "
        f"wrong side (m ≤ 0) and {beyond} are beyond the hinge margin (m ≥ 1), where hinge "
        f"loss and slope are exactly 0. The worst point, #{worst + 1} at "
        f"m = {figure_text(m[worst])}, costs: {vals}.")))
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


def _after_divergence(h: lossviz.History, sentence: str) -> str:
    """``sentence`` about the points placed with the fit ``h``; when that fit blew up, said
    first: the points then sit where its last finite parameters put them."""
    if not h.diverged:
        return sentence
    return (f"the {h.loss_name} fit {h.describe()}, so the points sit where its last finite "
            f"parameters put them. {sentence[:1].upper()}{sentence[1:]}")


def _probability_section(points, optimizer, lr, steps, present) -> None:
    with _card("Probability view"):
        c1, c2 = st.columns(2)
        with c1:
            others = widgets.toggle("clf_prob_others", "Also the other losses")
            # the same setting as in the margin picture (only one view runs at a time)
            bits = widgets.toggle("clf_bits", "Cross-entropy in bits (divide by ln 2)")
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
    chart.chart(probability_figure.spec(data, flipped=points.flipped, presentation=present),
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
    st.markdown("**What is happening:** " + _after_divergence(h, (
        f"point #{worst + 1} gets p = {value_text(p[worst])} for its true class and costs "
        f"{value_text(costs[worst])} {unit}; the {int(good.sum())} points with p > 0.5 cost "
        f"{value_text(costs[good].sum())} {unit} together. Mean cross-entropy "
        f"{value_text(costs.mean(), 4)} {unit}"
        + (f" (= {value_text(costs.mean() * LN2, 4)} nats)." if bits else "."))))
    st.latex(r"\ell = -\ln p,\qquad p = \sigma(f) = \frac{1}{1 + e^{-f}}")


def _multiclass_corner(present: bool, narrow: bool = False) -> None:
    """One sample's softmax and its cross-entropy, or classifiers of the handwritten digits."""
    picked = widgets.choice("clf_mc_data", "Data")
    if picked == "digits":
        return _digits(present, narrow)
    with _card("Logits of one sample"):
        c1, c2 = st.columns([1, 2.5])
        with c1:
            k = int(widgets.choice("clf_classes", "Classes"))
        if int(st.session_state.get("clf_true_class", "0")) >= k:
            # The options stay 0-3; with 3 classes a chosen class 3 falls back to class 2.
            st.session_state["clf_true_class"] = str(k - 1)
        with c2:
            true_class = int(widgets.choice("clf_true_class", "True class", widget="radio",
                                             horizontal=True))
        cols = st.columns(4)
        logits = []
        for j in range(k):
            with cols[j]:
                logits.append(widgets.number(f"clf_logit_{j}", f"logit f{j}"))
    data = softmax_data(logits, true_class)
    chart.chart(softmax_figure.spec(data, presentation=widgets.presenting()),
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


# -- the handwritten digits -------------------------------------------------------------------
DIGITS = "digits"


@st.cache_resource(show_spinner=False)
def _digit_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``digits_split``: the training pool and the held-out images, read-only arrays shared
    by every session."""
    parts = digits_split(limits.MAX_DIGIT_IMAGES)
    for part in parts:
        part.setflags(write=False)
    return parts


@st.cache_data(max_entries=32, show_spinner=False)
def _digits_fit(n: int, loss: str, optimizer: str, lr: float, steps: int
                ) -> tuple[np.ndarray, bool, float]:
    """A linear classifier of the first ``n`` training images: its ``(65, 10)``
    parameters, whether the run diverged, and its final training loss."""
    x, y, _, _ = _digit_split()
    history = lossviz.fit(x[:n], y[:n], loss, optimizer=optimizer, lr=lr, steps=steps, seed=0)
    return np.asarray(history.final_params), bool(history.diverged), float(history.loss[-1])


def _digits(present: bool, narrow: bool = False) -> None:
    """The digits' classifiers (``narrow``: beside a lesson step, the picture's phone layout)."""
    x, y, x_test, y_test = _digit_split()
    with st.container(border=True):
        c1, c2 = st.columns([1, 1.4])
        with c1:
            n = widgets.slider("clf_digit_n", "Training images",
                               help=f"Of the first {limits.MAX_DIGIT_IMAGES:,} images in a "
                                    f"fixed random order; the other {len(y_test)} are held "
                                    "out to test on.")
        with c2:
            shown = widgets.choice("clf_digit_loss", "Weights and mistakes of",
                                   widget="select")
        optimizer, lr, steps = _training_controls()
    runs = {loss: _digits_fit(n, loss, optimizer, lr, steps) for loss in MULTICLASS}
    data = digits_data(x[:n], y[:n], x_test, y_test,
                       [DigitsFit(loss, run[0]) for loss, run in runs.items()], shown)
    chart.chart(digits_figure.spec(data, compact=widgets.compact() or narrow,
                                   presentation=present),
                key="clf_digits_fig",
                label="Each class's weights as a picture, the training images' margins, "
                      "and held-out images the classifier gets wrong")
    st.markdown("**Held-out accuracy** (images no classifier trained on)")
    cols = st.columns(len(MULTICLASS))
    for col, (k, loss) in zip(cols, enumerate(MULTICLASS), strict=True):
        col.metric(loss_label(loss), f"{data.accuracy[k]:.1%}",
                   help=f"Training images right: {data.train_accuracy[k]:.1%}; final "
                        f"training loss {value_text(runs[loss][2], 4)}.")
    diverged = [loss_label(loss) for loss, run in runs.items() if run[1]]
    if diverged:
        st.warning(f"{' and '.join(diverged)} diverged at this learning rate: lower it "
                   "(the numbers shown are from its last finite step).")
    if not lessons.asking_about("clf_digits_fig"):  # it says whose margins are larger
        st.markdown("**What is happening:** " + digits_sentence(data))
    st.caption(f"Linear classifiers (a weight per pixel and class, and an intercept per "
               f"class) trained on {n:,} images, their pixels scaled to ink from 0 to 1. A "
               "classifier says the class with the highest score; a tie counts as a "
               "mistake.")
    ds = datasets.load(DIGITS)
    frame.about_data(ds, (), f"The page trains on {n:,} of its {ds.n:,} images and tests on "
                             f"{len(y_test)} others (a fixed random split).")
