"""The classification page in the app (AppTest): every control, the table's bad inputs, the
numbers on screen against lossviz's own, and the size of what is sent to the browser."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from plotly_data import chart as _chart
from plotly_data import charts as _drawn
from plotly_data import ok as _ok
from plotly_data import payload as _bytes
from plotly_data import plotly_array as _arr
from streamlit.testing.v1 import AppTest

import lossviz
from lossviz.classify import accuracy, boundary_change, margins
from lossviz.figures.classification import SURROGATES
from lossviz.figures.style import loss_label
from lossviz.ui.params import MAX_LOGIT

APP = str(Path(__file__).resolve().parents[1] / "app.py")
VIEWS = {
    "Boundaries": "clf_boundary_fig",
    "Training curves": "clf_convergence_fig",
    "Margin picture": "clf_margin_fig",
    "Probability view": "clf_probability_fig",
    "Multiclass corner": "clf_softmax_fig",
}
CHARTS = tuple(VIEWS.values())
MAX_BYTES = 300_000


# -- helpers -----------------------------------------------------------------------------------


def _app(view: str = "Boundaries", **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["_lossviz_open_page"] = "classification"
    at.session_state["clf_view"] = view
    for key, value in state.items():
        at.session_state[key] = value
    return _ok(at.run())


def _charts(at: AppTest) -> list[str]:
    return [k for k in _drawn(at) if k in CHARTS]


def _trace(fig: dict, name: str, mode: str | None = None) -> dict:
    for trace in fig["data"]:
        if trace.get("name") == name and (mode is None or trace.get("mode") == mode):
            return trace
    raise AssertionError(f"no trace {name!r}; have {[t.get('name') for t in fig['data']]}")


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _story(at: AppTest, phrase: str) -> str:
    for md in at.markdown:
        if md.value.startswith("**What is happening:**") and phrase in md.value:
            return md.value
    raise AssertionError(f"no live line with {phrase!r}")


def _data(dim=2, n=40, separation=3.0, flip=0, flip_class="both", seed=0):
    return lossviz.make_classification(n, dim=dim, separation=separation, flip=flip,
                                       flip_class=flip_class, seed=seed)


def _fit(x, y, name, optimizer="gd", lr=0.1, steps=300):
    return lossviz.fit(x, y, name, optimizer=optimizer, lr=lr, steps=steps, seed=0)


def _view(at: AppTest, view: str) -> AppTest:
    at.session_state["clf_view"] = view
    return _ok(at.run())


def _table(at: AppTest):
    """The points table (built only while its expander is open)."""
    if not at.dataframe:
        at.session_state["clf_table_open"] = True
        _ok(at.run())
    return at.dataframe[0]


def _table_key(at: AppTest) -> str:
    return _table(at).key


# -- the default page --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def default_app() -> AppTest:
    return _app()


@pytest.mark.parametrize("view", list(VIEWS))
def test_each_view_shows_its_chart_alone_and_small(view):
    at = _app(view)
    assert _charts(at) == [VIEWS[view]]  # only the open view runs and sends its chart
    assert _bytes(at) <= MAX_BYTES
    assert not at.warning
    assert not at.error


def test_default_accuracies_are_lossviz_numbers(default_app):
    data = _data()
    shown = _metrics(default_app)
    for name in SURROGATES:
        acc = accuracy(data.y, _fit(data.x, data.y, name).predict(data.x))
        assert shown[loss_label(name)] == f"{acc:.0%}"


def test_boundary_chart_draws_the_fitted_boundaries(default_app):
    data = _data()
    fig = _chart(default_app, "clf_boundary_fig")
    for name in SURROGATES:
        w1, w2, b = _fit(data.x, data.y, name).final_params
        line = _trace(fig, loss_label(name))
        x, y = _arr(line["x"]), _arr(line["y"])
        np.testing.assert_allclose(w1 * x + w2 * y + b, 0.0, atol=1e-3 * (abs(w1) + abs(w2)))
    assert any(t["type"] == "heatmap" for t in fig["data"])  # probability shading on


def test_multiclass_default_numbers():
    shown = _metrics(_app("Multiclass corner"))
    p = np.exp([2.0, 1.0, 0.1]) / np.exp([2.0, 1.0, 0.1]).sum()
    assert shown["Softmax cross-entropy"] == f"{-math.log(p[0]):.4f}"
    assert shown["p(class 0)"] == f"{p[0]:.4f}"
    assert shown["gradient on f0"] == f"{p[0] - 1:+.4f}"


# -- flipped labels: the lesson, on the fitted boundaries --------------------------------------
@pytest.mark.parametrize("seed", [0, 1], ids=["seed0", "seed1"])
def test_flipped_labels_move_exponential_and_squared_hinge_more_than_hinge(seed):
    at = _app(clf_seed=seed)
    at.selectbox(key="clf_flip_class").set_value("class 0")
    at.slider(key="clf_flip").set_value(4)
    _ok(at.run())
    data = _data(flip=4, flip_class="class 0", seed=seed)
    clean = np.where(data.is_flipped, 1 - data.y, data.y)
    shown = _metrics(at)
    moved = {}
    for name in SURROGATES:
        change = boundary_change(_fit(data.x, clean, name).final_params,
                                 _fit(data.x, data.y, name).final_params)
        assert shown[loss_label(name)] == f"{change.angle:+.1f}°"
        moved[name] = change.size
    assert moved["exponential"] > moved["hinge"]
    assert moved["squared_hinge"] > moved["hinge"]
    story = _story(at, "flipped label")
    assert "Hinge's pull is capped at 1" in story
    fig = _chart(at, "clf_boundary_fig")
    assert len(_arr(_trace(fig, "flipped label")["x"])) == 4
    assert _trace(fig, "Exponential, clean labels")  # dotted clean-label boundaries


def test_flipped_points_pull_per_loss_is_the_derivative_at_their_margin():
    at = _app(clf_flip=2)
    data = _data(flip=2)
    story = _story(at, "Pull of the worst flipped point")
    for name in ("hinge", "exponential"):
        m = margins(data.y, _fit(data.x, data.y, name).predict(data.x))[data.is_flipped].min()
        pull = abs(float(lossviz.get_loss(name).derivative([m])[0]))
        assert f"{loss_label(name)} {pull:.3g} (at m = {m:.2f})" in story


def test_clean_boundaries_toggle_off():
    at = _app(clf_flip=2)
    at.toggle(key="clf_show_clean").set_value(False)
    fig = _chart(_ok(at.run()), "clf_boundary_fig")
    assert not any("clean labels" in (t.get("name") or "") for t in fig["data"])


# -- data controls ---------------------------------------------------------------------------
def test_one_dimensional_data_draws_thresholds():
    at = _app()
    at.segmented_control(key="clf_dim").set_value("1-D")
    _ok(at.run())
    data = _data(dim=1)
    fig = _chart(at, "clf_boundary_fig")
    w, b = _fit(data.x, data.y, "hinge").final_params
    line = _arr(_trace(fig, "Hinge")["x"])
    assert line[0] == line[1] == pytest.approx(-b / w, abs=1e-4)
    assert fig["layout"]["yaxis"]["title"]["text"] == "label / P(class 1)"
    assert _table(at).value.columns.tolist() == ["x1", "label", "flipped"]


@pytest.mark.parametrize(
    ("key", "value", "kwargs"),
    [
        pytest.param("clf_n", 60, {"n": 60}, id="points"),
        pytest.param("clf_separation", 1.0, {"separation": 1.0}, id="separation"),
    ],
)
def test_data_sliders_change_the_points(key, value, kwargs):
    at = _app()
    at.slider(key=key).set_value(value)
    _ok(at.run())
    data = _data(**kwargs)
    fig = _chart(at, "clf_boundary_fig")
    shown = np.concatenate([_arr(_trace(fig, f"class {c}")["x"]) for c in (0, 1)])
    expected = np.concatenate([data.x[data.y == c, 0] for c in (0, 1)])
    np.testing.assert_allclose(shown, expected, rtol=1e-6)


def test_seed_changes_the_points():
    at = _app()
    at.number_input(key="clf_seed").set_value(7)
    _ok(at.run())
    data = _data(seed=7)
    fig = _chart(at, "clf_boundary_fig")
    np.testing.assert_allclose(_arr(_trace(fig, "class 1")["y"]), data.x[data.y == 1, 1],
                               rtol=1e-6)


def test_flip_class_picks_which_labels_are_flipped():
    at = _app(clf_flip=3)
    at.selectbox(key="clf_flip_class").set_value("class 1")
    _ok(at.run())
    data = _data(flip=3, flip_class="class 1")
    assert np.all(data.y[data.is_flipped] == 0)  # class-1 points now labelled 0
    table = _table(at).value
    assert table["flipped"].sum() == 3
    assert (table.loc[table["flipped"], "label"] == 0).all()


# -- training controls -----------------------------------------------------------------------
def test_losses_pills_choose_which_boundaries_are_drawn():
    at = _app()
    at.pills(key="clf_losses").set_value(["hinge", "exponential"])
    _ok(at.run())
    fig = _chart(at, "clf_boundary_fig")
    names = {t.get("name") for t in fig["data"]}
    assert {"Hinge", "Exponential"} <= names
    assert "Squared hinge" not in names
    conv = _chart(_view(at, "Training curves"), "clf_convergence_fig")
    assert {t["name"] for t in conv["data"] if t.get("mode") == "lines"} == {"Hinge",
                                                                             "Exponential"}
    at.pills(key="clf_losses").set_value([])
    _ok(at.run())
    assert any("Pick at least one loss" in i.value for i in at.info)
    assert _charts(at) == []
    assert _charts(_view(at, "Boundaries")) == []


@pytest.mark.parametrize(
    ("optimizer", "lr", "steps"),
    [pytest.param("adam", 0.05, 120, id="adam"), pytest.param("momentum", 0.2, 50, id="mom"),
     pytest.param("sgd", 0.3, 200, id="sgd"), pytest.param("nesterov", 0.1, 80, id="nag")],
)
def test_optimizer_learning_rate_and_steps_drive_the_fits(optimizer, lr, steps):
    at = _app("Training curves")
    at.selectbox(key="clf_optimizer").set_value(optimizer)
    at.slider(key="clf_lr").set_value(lr)
    at.slider(key="clf_steps").set_value(steps)
    _ok(at.run())
    data = _data()
    conv = _chart(at, "clf_convergence_fig")
    h = _fit(data.x, data.y, "hinge", optimizer, lr, steps)
    line = _trace(conv, "Hinge", "lines")
    np.testing.assert_allclose(_arr(line["y"])[-1], h.loss[-1], rtol=1e-6)
    assert _arr(line["x"])[-1] == h.stop_step
    assert f"Hinge {h.describe()}" in _story(at, "Hinge ran")


def test_a_learning_rate_that_explodes_is_reported_in_words():
    at = _app(clf_flip=6, clf_dim="1-D", clf_separation=6.0, clf_lr=2.0, clf_steps=1000,
              clf_optimizer="momentum")
    data = _data(dim=1, separation=6.0, flip=6)
    h = _fit(data.x, data.y, "exponential", "momentum", 2.0, 1000)
    assert h.diverged  # the premise of the test
    assert any("Exponential: diverged at step" in e.value for e in at.error)


def test_the_story_says_diverged_instead_of_an_accuracy():
    at = _app(clf_flip=0, clf_separation=0.5, clf_lr=2.0, clf_steps=1000)
    data = _data(separation=0.5, flip=0)
    assert _fit(data.x, data.y, "exponential", "gd", 2.0, 1000).diverged  # premise
    assert not _fit(data.x, data.y, "hinge", "gd", 2.0, 1000).diverged
    story = next(m.value for m in at.markdown if m.value.startswith("**What is happening"))
    assert "Exponential diverged" in story
    assert "Exponential gets" not in story
    assert "Hinge gets" in story


def test_log_scale_toggle():
    at = _app("Training curves")
    at.toggle(key="clf_log_y").set_value(True)
    _ok(at.run())
    assert _chart(at, "clf_convergence_fig")["layout"]["yaxis"]["type"] == "log"


def test_shading_toggle():
    at = _app()
    at.toggle(key="clf_shading").set_value(False)
    _ok(at.run())
    assert not any(t["type"] == "heatmap" for t in _chart(at, "clf_boundary_fig")["data"])


# -- margin picture and probability view ------------------------------------------------------
def test_margin_picture_places_points_with_the_chosen_classifier():
    at = _app("Margin picture")
    at.selectbox(key="clf_margin_model").set_value("hinge")
    _ok(at.run())
    data = _data()
    m = margins(data.y, _fit(data.x, data.y, "hinge").predict(data.x))
    fig = _chart(at, "clf_margin_fig")
    pts = _trace(fig, "Hinge", "markers")
    shown_m = np.clip(m, -8.0, 4.0)  # beyond the axis, a point waits at its edge
    np.testing.assert_allclose(_arr(pts["x"]), shown_m, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(_arr(pts["customdata"])[:, 2], m, rtol=1e-6, atol=1e-6)
    story = _story(at, "under the Hinge classifier")
    assert f"{int((m >= 1).sum())} are beyond the hinge margin" in story


def test_a_diverged_classifier_is_said_first_and_its_costs_are_numbers_never_inf():
    # Nesterov at lr 2 blows the squared-hinge fit up: the worst margin is about -7,850
    # and the exponential loss there, e^7854, is past a float's range.
    state = dict(clf_n=20, clf_separation=0.5, clf_seed=0, clf_optimizer="nesterov",
                 clf_lr=2.0, clf_margin_model="squared_hinge")
    at = _app("Margin picture", **state)
    data = _data(n=20, separation=0.5)
    h = _fit(data.x, data.y, "squared_hinge", optimizer="nesterov", lr=2.0)
    assert h.diverged
    m = margins(data.y, h.predict(data.x))
    assert -m.min() > 710  # e^-m, the exponential loss, overflows there
    story = _story(at, "Under the Squared hinge classifier")
    # The fit blew up: said first, with the step, before what its last parameters show.
    assert story.startswith(f"**What is happening:** the Squared hinge fit diverged at step "
                            f"{h.diverged_at}")
    assert "so the points sit where its last finite parameters put them. Under" in story
    assert "Exponential over 10³⁰⁸ (slope below −10³⁰⁸)" in story
    assert not re.search(r"(?<![\w.])[-+]?(nan|inf)(?![\w])", story, re.IGNORECASE)
    assert not re.search(r"\de[+-]\d", story)  # no 6.17e+07: 61,700,000


def test_bits_toggle_rescales_cross_entropy_everywhere():
    at = _app("Margin picture")
    at.toggle(key="clf_bits").set_value(True)
    _ok(at.run())
    line = _trace(_chart(at, "clf_margin_fig"), "Cross-entropy (bits)", "lines")
    x, y = _arr(line["x"]), _arr(line["y"])
    assert y[np.flatnonzero(x == 0.0)[0]] == pytest.approx(1.0, rel=1e-6)
    _view(at, "Probability view")
    assert at.toggle(key="clf_bits").value  # one setting, shown in both views
    prob = _chart(at, "clf_probability_fig")
    assert prob["layout"]["yaxis"]["title"]["text"] == "loss (bits)"
    data = _data()
    m = margins(data.y, _fit(data.x, data.y, "cross_entropy").predict(data.x))
    mean_bits = float(np.mean(np.logaddexp(0, -m))) / math.log(2)
    assert f"Mean cross-entropy {mean_bits:.4g} bits" in _story(at, "Mean cross-entropy")


def test_probability_view_marks_points_and_can_add_other_losses():
    at = _app("Probability view")
    fig = _chart(at, "clf_probability_fig")
    data = _data()
    m = margins(data.y, _fit(data.x, data.y, "cross_entropy").predict(data.x))
    pts = _trace(fig, "training points")
    np.testing.assert_allclose(_arr(pts["x"]), 1 / (1 + np.exp(-m)), rtol=1e-6)
    assert len([t for t in fig["data"] if t.get("mode") == "lines"]) == 1
    at.toggle(key="clf_prob_others").set_value(True)
    _ok(at.run())
    fig = _chart(at, "clf_probability_fig")
    assert len([t for t in fig["data"] if t.get("mode") == "lines"]) == len(SURROGATES)


# -- multiclass corner -------------------------------------------------------------------------
def test_multiclass_logits_true_class_and_class_count():
    at = _app("Multiclass corner")
    at.segmented_control(key="clf_classes").set_value("4")
    _ok(at.run())
    at.number_input(key="clf_logit_3").set_value(5.0)
    at.radio(key="clf_true_class").set_value("3")
    _ok(at.run())
    f = np.array([2.0, 1.0, 0.1, 5.0])
    p = np.exp(f - f.max()) / np.exp(f - f.max()).sum()
    shown = _metrics(at)
    assert shown["Softmax cross-entropy"] == f"{-math.log(p[3]):.4f}"
    assert shown["gradient on f3"] == f"{p[3] - 1:+.4f}"
    bars = _chart(at, "clf_softmax_fig")["data"]
    np.testing.assert_allclose(_arr(bars[1]["y"]), p - np.eye(4)[3], atol=1e-6)
    # back to 3 classes: class 3 no longer exists, the true class falls back to class 2
    at.segmented_control(key="clf_classes").set_value("3")
    _ok(at.run())
    assert "p(class 2)" in _metrics(at)
    assert len(_arr(_chart(at, "clf_softmax_fig")["data"][0]["y"])) == 3


def test_extreme_logits_stay_finite():
    at = _app("Multiclass corner")
    at.number_input(key="clf_logit_0").set_value(-MAX_LOGIT)
    at.number_input(key="clf_logit_1").set_value(MAX_LOGIT)
    _ok(at.run())
    f = np.array([-MAX_LOGIT, MAX_LOGIT, 0.1])
    loss = 2 * MAX_LOGIT + math.log1p(math.exp(f[2] - MAX_LOGIT) + math.exp(-2 * MAX_LOGIT))
    assert _metrics(at)["Softmax cross-entropy"] == f"{loss:.4f}"


# -- the table: move, relabel, and garbage -----------------------------------------------------
def test_moving_and_relabelling_points_in_the_table():
    at = _app()
    key = _table_key(at)
    at.session_state[key] = {"edited_rows": {0: {"x1": 4.5, "x2": -3.0}, 1: {"label": 1}},
                             "added_rows": [{"x1": -4.0, "x2": 0.5, "label": 0,
                                             "flipped": False}],
                             "deleted_rows": []}
    _ok(at.run())
    fig = _chart(at, "clf_boundary_fig")
    n0, n1 = (len(_arr(_trace(fig, f"class {c}")["x"])) for c in (0, 1))
    assert n0 + n1 == 41
    assert 4.5 in _arr(_trace(fig, "class 0")["x"]).round(4)
    assert not at.warning


def test_edited_points_stay_the_data_and_switch_the_generator_off():
    at = _app()
    at.session_state[_table_key(at)] = {"edited_rows": {0: {"x1": 4.5}}, "added_rows": [],
                                        "deleted_rows": [5]}
    _ok(at.run())
    link = at.session_state["clf_points"]
    assert link == "0x4.5_d5"
    for key in ("clf_n", "clf_separation", "clf_flip"):
        assert at.slider(key=key).proto.disabled, key
    assert at.number_input(key="clf_seed").proto.disabled
    assert at.selectbox(key="clf_flip_class").proto.disabled
    at.pills(key="clf_losses").set_value(["hinge"])
    at.slider(key="clf_lr").set_value(0.2)
    _ok(at.run())
    _ok(_view(at, "Margin picture"))
    _ok(_view(at, "Boundaries"))
    assert at.session_state["clf_points"] == link
    fig = _chart(at, "clf_boundary_fig")
    assert sum(len(_arr(_trace(fig, f"class {c}")["x"])) for c in (0, 1)) == 39


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        pytest.param({"x1": "abc"}, "x1 is empty or not a number", id="text"),
        pytest.param({"x1": None}, "x1 is empty", id="blank"),
        pytest.param({"x2": 1e308}, "outside", id="huge"),
        pytest.param({"x1": float("nan")}, "x1 is empty", id="nan"),
        pytest.param({"label": 7}, "must be 0 or 1", id="label-7"),
        pytest.param({"label": 0.5}, "must be 0 or 1", id="label-half"),
        pytest.param({"label": -1e300}, "must be 0 or 1", id="label-huge"),
        pytest.param({"label": None}, "label is empty", id="label-blank"),
    ],
)
def test_a_bad_cell_leaves_one_row_out_with_a_message(edit, says):
    at = _app()
    at.session_state[_table_key(at)] = {"edited_rows": {2: edit}, "added_rows": [],
                                        "deleted_rows": []}
    _ok(at.run())
    warning = " ".join(w.value for w in at.warning)
    assert "row 3:" in warning
    assert says in warning
    assert "your edits stay in the table" in warning
    fig = _chart(at, "clf_boundary_fig")
    assert sum(len(_arr(_trace(fig, f"class {c}")["x"])) for c in (0, 1)) == 39


def test_an_emptied_table_and_a_single_class_table_give_messages_not_errors():
    at = _app()
    key = _table_key(at)
    at.session_state[key] = {"edited_rows": {}, "added_rows": [],
                             "deleted_rows": list(range(40))}
    _ok(at.run())
    assert any("Only 0 usable point(s)" in w.value for w in at.warning)
    assert _charts(at) == []
    for view in ("Training curves", "Margin picture", "Probability view"):
        assert any("Only 0 usable point(s)" in w.value for w in _view(at, view).warning)
    assert _charts(_view(at, "Multiclass corner")) == ["clf_softmax_fig"]  # still works
    _view(at, "Boundaries")
    assert any("Only 0 usable point(s)" in w.value for w in at.warning)  # the edits stayed
    at.button(key="clf_table_reset").click()
    _ok(at.run())
    key = _table_key(at)  # the multiclass view drew no table: its editor is a new one
    at.session_state[key] = {"edited_rows": {i: {"label": 0} for i in range(40)},
                             "added_rows": [], "deleted_rows": []}
    _ok(at.run())
    assert any("a classifier needs both classes" in w.value for w in at.warning)


def test_undo_button_restores_the_generated_points():
    at = _app()
    at.session_state[_table_key(at)] = {"edited_rows": {0: {"x1": "zzz"}}, "added_rows": [],
                                        "deleted_rows": []}
    _ok(at.run())
    assert at.warning
    at.button(key="clf_table_reset").click()
    _ok(at.run())
    assert not at.warning
    fig = _chart(at, "clf_boundary_fig")
    assert sum(len(_arr(_trace(fig, f"class {c}")["x"])) for c in (0, 1)) == 40


@pytest.mark.parametrize("view", ["Boundaries", "Training curves", "Margin picture",
                                  "Probability view"])
def test_most_points_and_every_loss_stay_under_the_payload_budget(view):
    at = _app(view, clf_n=200, clf_flip=10, clf_steps=1000, clf_prob_others=True,
              clf_show_clean=True)
    assert _charts(at) == [VIEWS[view]]
    assert _bytes(at) <= MAX_BYTES


def test_flips_that_leave_one_clean_class_are_explained_not_compared():
    at = _app()
    edits = {i: {"label": 0, "flipped": False} for i in range(40)}
    edits[0] = {"label": 1, "flipped": True}  # undoing this flip leaves only class 0
    at.session_state[_table_key(at)] = {"edited_rows": edits, "added_rows": [],
                                        "deleted_rows": []}
    _ok(at.run())
    assert "no clean-label fit to compare with" in _story(at, "only one class is left")
    assert set(_metrics(at)) == {loss_label(n) for n in SURROGATES}


@pytest.mark.parametrize(("value", "chart"), [("Margin picture", "clf_margin_fig"),
                                              ("<script>", "clf_boundary_fig")],
                         ids=["known-view", "garbage"])
def test_a_link_opens_the_view_it_names_and_ignores_garbage(value, chart):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["section"] = "classification"  # an old link: the page by name
    at.query_params["clf_view"] = value
    _ok(at.run())
    assert _charts(at) == [chart]
    notice = " ".join(c.value for c in at.caption if "could not use" in c.value)
    assert ("clf\\_view" in notice) == (value == "<script>")


def test_a_diverged_fit_is_not_compared_with_its_clean_fit():
    """Exponential diverges at lr 2 with 1 flip at separation 6 (2-D); its clean-label fit
    does not. The card says so and the story compares only the fits that have a boundary:
    no "nan" anywhere (seen in the class load test)."""
    at = _app(clf_flip=1, clf_separation=6.0, clf_lr=2.0)
    data = _data(separation=6.0, flip=1)
    assert _fit(data.x, data.y, "exponential", lr=2.0).diverged  # the premise
    assert _metrics(at)["Exponential"] == "diverged"
    texts = [m.value for m in at.markdown] + [f"{m.value} {m.delta}" for m in at.metric]
    assert not [t for t in texts if re.search(r"[+-]?\bnan\b", t)]
    story = _story(at, "What is happening")
    assert "Exponential boundary" not in story
    assert re.search(r"Diverged: [^.]*Exponential", story)


# -- the handwritten digits (the multiclass view's real data) --------------------------------
def _digit_split():
    ds = lossviz.datasets.load("digits")
    order = np.random.default_rng(0).permutation(ds.n)
    return np.asarray(ds.x)[order] / 16, np.asarray(ds.y)[order].astype(int)


def test_digits_train_both_losses_on_the_training_images_and_test_on_the_rest():
    at = _app("Multiclass corner", clf_mc_data="digits", clf_digit_n=300, clf_lr=0.5,
              clf_steps=200)
    x, y = _digit_split()
    shown = _metrics(at)
    for name in ("softmax_cross_entropy", "multiclass_hinge"):
        params = _fit(x[:300], y[:300], name, lr=0.5, steps=200).final_params
        right = (x[1200:] @ params[:-1] + params[-1]).argmax(axis=1) == y[1200:]
        assert shown[loss_label(name)] == f"{right.mean():.1%}"
    assert "On 597 images neither fit saw" in _story(at, "597")
    fig = _chart(at, "clf_digits_fig")
    heading = fig["layout"]["annotations"][0]["text"]
    assert heading.startswith("Softmax cross-entropy: each class's weights")
    assert not at.slider(key="clf_digit_n").disabled
    # the one-sample controls step aside
    assert not [e for e in at.number_input if e.key and e.key.startswith("clf_logit_")]


def test_digits_show_the_picked_loss_and_follow_the_training_settings():
    at = _app("Multiclass corner", clf_mc_data="digits", clf_digit_n=100)
    at.selectbox(key="clf_digit_loss").set_value("multiclass_hinge")
    _ok(at.run())
    fig = _chart(at, "clf_digits_fig")
    assert fig["layout"]["annotations"][0]["text"].startswith("Multiclass hinge: each class")
    before = _metrics(at)
    at.session_state["clf_optimizer"] = "adam"
    _ok(at.run())
    x, y = _digit_split()
    params = _fit(x[:100], y[:100], "softmax_cross_entropy", optimizer="adam").final_params
    right = (x[1200:] @ params[:-1] + params[-1]).argmax(axis=1) == y[1200:]
    shown = _metrics(at)["Softmax cross-entropy"]
    assert shown == f"{right.mean():.1%}"
    assert shown != before["Softmax cross-entropy"]


def test_digits_and_back_to_one_sample():
    at = _app("Multiclass corner", clf_mc_data="digits", clf_digit_n=100)
    assert "clf_digits_fig" in _drawn(at)
    at.segmented_control(key="clf_mc_data").set_value("one sample")
    _ok(at.run())
    assert "clf_softmax_fig" in _drawn(at)
    assert "clf_digits_fig" not in _drawn(at)


def test_the_two_class_controls_step_aside_in_the_multiclass_view_and_keep_their_values():
    at = _app()
    at.slider(key="clf_n").set_value(60)
    _ok(at.run())
    _view(at, "Multiclass corner")
    assert not [s for s in at.slider if s.key == "clf_n"]
    assert not [s for s in at.selectbox if s.key == "clf_data"]
    _view(at, "Boundaries")
    assert at.slider(key="clf_n").value == 60


# -- against the exact answer ----------------------------------------------------------------
def test_training_curves_set_each_run_beside_its_exact_minimiser():
    from lossviz.numbers import figure_text, number_text

    at = _app("Training curves", clf_flip=4, clf_steps=200)
    table = at.table[0].value
    story = next(m.value for m in at.markdown if m.value.startswith("**What is happening"))
    data = lossviz.make_classification(40, dim=2, separation=3.0, flip=4, seed=0)
    assert set(SURROGATES) <= set(lossviz.SOLVABLE)  # every loss of the page has its answer
    for name in SURROGATES:
        row = table.loc[loss_label(name)]
        h = lossviz.fit(data.x, data.y, name, optimizer="gd", lr=0.1, steps=200, seed=0)
        best = lossviz.solve(data.x, data.y, name)
        g = lossviz.exact.gap(h, best)
        assert row["Exact minimum loss"] == figure_text(best.loss, 4)
        assert row["Gradient descent's loss"] == figure_text(float(h.loss[-1]), 4)
        # The same figure as the sentence above the table (History.describe).
        assert f"{loss_label(name)} {h.describe()}" in story
        shown = row["Gradient descent's loss"]
        assert f"(loss {shown})" in h.describe()
        assert row["Loss above the minimum"] == number_text(max(g.loss, 0.0))
        assert row["Largest parameter gap"] == number_text(g.params)
        assert row["Within 0.001 of the minimum loss"] == (
            "never" if g.within is None else f"first at step {g.within:,}")
    assert len(table) == len(SURROGATES)


def test_separable_classes_say_cross_entropy_has_no_minimiser():
    from lossviz.numbers import figure_text

    at = _app("Training curves", clf_separation=6.0)
    data = lossviz.make_classification(40, dim=2, separation=6.0, seed=0)
    said = " ".join(c.value for c in at.caption)
    assert "Cross-entropy and Exponential have no minimiser here: the classes are separable" in said
    for name in ("cross_entropy", "exponential"):
        with pytest.raises(lossviz.NoFiniteMinimum):
            lossviz.solve(data.x, data.y, name)
        assert at.table[0].value.loc[loss_label(name), "Exact minimum loss"] == (
            "none (separable classes)")
        h = lossviz.fit(data.x, data.y, name, optimizer="gd", lr=0.1, steps=300, seed=0)
        length = figure_text(float(np.linalg.norm(h.params[-1][:-1])))
        assert f"{loss_label(name)}'s after 300 steps: {length}" in said
    # The hinges and modified Huber reach their minimum, 0, at finite weights.
    for name in ("hinge", "squared_hinge", "modified_huber"):
        assert at.table[0].value.loc[loss_label(name), "Exact minimum loss"] == "0"
