"""Convention inspector: the same number in PyTorch, Keras, optax and scikit-learn.

For the chosen loss and a small seeded data set, shows the lossviz value and, per library,
the exact call that gives it (or the closest built-in and how far off it is, and why).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import lossviz
from lossviz import datasets
from lossviz.conventions import LIBRARIES, bits, library_calls
from lossviz.experiments import slider_units
from lossviz.textsafe import escape_markdown as plain
from lossviz.ui import frame, widgets
from lossviz.ui.params import BY_KEY as REGISTRY
from lossviz.ui.params import REG_SETS

_PARAM = {"huber": ("delta", 1.0), "pseudo_huber": ("delta", 1.0), "quantile": ("tau", 0.5),
          "cauchy": ("c", 1.0), "tukey": ("c", 4.685)}
_LAB_KEYS = ("reg_n", "reg_noise", "reg_seed", "reg_outliers_on", "reg_outliers", "reg_shift",
             "reg_place", "reg_slope", "reg_intercept", "reg_data", "reg_feature")


def lab_settings(state) -> dict | None:
    """The regression lab's data and line settings in ``state`` (defaults where unset)."""
    out = {}
    for key in _LAB_KEYS:
        spec = REGISTRY.get(key)
        if spec is None:
            return None
        try:
            out[key] = spec.check(state.get(key, spec.default))
        except (ValueError, TypeError):
            out[key] = spec.default
    return out


def lab_data(v: dict) -> tuple[np.ndarray, np.ndarray, str]:
    """The regression lab's points and the student's line there (table edits aside): a
    shipped data set's when the lab shows one, else the generated points (a student's file
    stays on the regression page)."""
    if v.get("reg_data") in REG_SETS:
        ds = datasets.load(v["reg_data"])
        feature = v["reg_feature"] if v["reg_feature"] in ds.feature_names else \
            ds.feature_names[0]
        x, y = np.asarray(ds.column(feature), float), np.asarray(ds.y, float)
        units = slider_units(x, y)  # the lab's sliders count in these on this set
        slope, intercept = v["reg_slope"] * units.slope, v["reg_intercept"] * units.intercept
        return y, slope * x + intercept, (
            f"the regression lab's data ({plain(ds.title)}, {plain(feature)} against "
            f"{plain(ds.target_name)}: {ds.n} points) and your line y = {slope:g} x + "
            f"{intercept:g} there (per-point table edits not included)")
    outliers = v["reg_outliers"] if v["reg_outliers_on"] else 0
    data = lossviz.make_regression(v["reg_n"], noise=v["reg_noise"], outliers=outliers,
                                   outlier_shift=v["reg_shift"], outlier_place=v["reg_place"],
                                   seed=v["reg_seed"])
    y_pred = v["reg_slope"] * data.x + v["reg_intercept"]
    return data.y, y_pred, (
        f"the regression lab's {data.n} points and your line y = {v['reg_slope']:g} x + "
        f"{v['reg_intercept']:g} there (per-point table edits not included)")


def _data(task: str, n: int, outliers: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Targets, predictions (or logits) and a plain description of where they came from."""
    if task == "regression":
        data = lossviz.make_regression(n, outliers=outliers, outlier_shift=8.0, seed=seed)
        y_pred = 1.2 * data.x + 1.5  # a line a little off the true one (slope 1.5, intercept 2)
        extra = (f" plus {outliers} outlier{'s' if outliers > 1 else ''} 8 above the line"
                 if outliers else "")
        return data.y, y_pred, (f"{n} points around y = 1.5 x + 2{extra}; predictions from "
                                "the line y = 1.2 x + 1.5")
    if task == "classification":
        data = lossviz.make_classification(n, dim=1, flip=min(outliers, n), seed=seed)
        return data.y.astype(float), 1.5 * np.ravel(data.x), (
            f"{n} points in two classes with {min(outliers, n)} flipped label(s); "
            "scores (logits) f = 1.5 x")
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    logits = rng.normal(0.0, 1.5, (n, 3)) + 1.5 * np.eye(3)[labels]
    return labels, logits, f"{n} points, 3 classes, seeded random logits"


def _loss_changed() -> None:
    # A new loss starts from its own parameter's default (delta 1, tau 0.5, c 1 or 4.685).
    param = _PARAM.get(st.session_state.get("conv_loss"))
    if param is not None:
        st.session_state["conv_param"] = param[1]


def render() -> None:
    frame.lesson("conventions")
    if st.session_state.get("conv_loss") == "quantile" \
            and not 0 < float(st.session_state.get("conv_param", 1.0)) < 1:
        # A link naming the quantile loss without its tau: the field's default (delta 1)
        # is no quantile, so tau starts at its own default, as picking the loss sets it.
        _loss_changed()
    st.markdown("#### Same loss, four libraries")
    st.caption(
        "Libraries agree on what a loss means and disagree on the details. Pick a loss: each "
        "library's exact call is shown with the number it returns on this data, and where a "
        "library differs (a 1/2 factor, beta instead of delta, logits or probabilities, "
        "labels 0/1 or -1/+1, mean or sum, natural log or log2) it says how."
    )
    source = widgets.choice("conv_source", "Data",
                            help="A small example data set, or the regression page's points "
                                 "and your line there (the MSE shown then equals the page's).")
    with st.container(border=True):
        cols = st.columns([2, 1.2, 1, 1.2, 1])
        with cols[0]:
            name = widgets.choice("conv_loss", "Loss", widget="select", on_change=_loss_changed)
        param = _PARAM.get(name)
        with cols[1]:
            value = widgets.number("conv_param", param[0] if param else "none",
                                    disabled=param is None,
                                    help="The loss's parameter (delta, tau or c).")
        with cols[2]:
            n = widgets.number("conv_n", "Points")
        with cols[3]:
            k = widgets.number("conv_outliers", "Outliers", help="Outliers (regression) or "
                                "flipped labels (classification).")
        with cols[4]:
            seed = widgets.number("conv_seed", "Seed")
    loss_cls = lossviz.loss_class(name)
    try:
        if name == "quantile" and not 0 < value < 1:
            raise ValueError("tau must be between 0 and 1 (the quantile fitted); "
                             "set the parameter to a value such as 0.9")
        loss = lossviz.get_loss(name, **({param[0]: value} if param else {}))
        lab = lab_settings(st.session_state) if source == "regression lab" else None
        if lab is not None and loss_cls.task == "regression":
            y_true, y_pred, where = lab_data(lab)
        else:
            y_true, y_pred, where = _data(loss_cls.task, int(n), int(k), int(seed))
            if source == "regression lab":
                where += " (the regression lab's data suits regression losses only)"
        ours = loss(y_true, y_pred)
        rows = library_calls(loss, y_true, y_pred)
    except ValueError as err:
        st.error(f"Cannot compute this: {err}")
        return
    st.caption(f"Data: {where}.")
    head = st.columns([1.3, 2], vertical_alignment="center")
    head[0].metric(f"lossviz {loss.label}", f"{ours:.8g}", help=f"Full precision: {ours!r}")
    with head[1]:
        st.code(f"lossviz.get_loss({name!r}"
                + (f", {param[0]}={value!r}" if param else "") + ")(y_true, y_pred)",
                language="python", wrap_lines=True)
        same = sum(r.relation == "same" for r in rows)
        others = ("" if same == len(LIBRARIES)
                  else " How the others differ is explained in their boxes.")
        st.markdown(f"**{same} of {len(LIBRARIES)} libraries give this number** with the call "
                    "shown: to about 12 digits in float64 (PyTorch, scikit-learn), to about 7 "
                    f"in float32 (Keras, optax by default).{others}")
        if name == "cross_entropy":
            st.caption(f"In bits (log2): {bits(ours):.10g}, i.e. divided by ln 2.")
    grid = st.columns(2)
    for i, row in enumerate(rows):
        with grid[i % 2].container(border=True):
            kind = "built-in" if row.builtin else "no built-in, written out"
            st.markdown(f"**{row.library}** ({kind})  \n`{row.shown}`, {row.agreement}")
            st.code(row.code, language="python", wrap_lines=True)
            st.caption(plain(row.note))

