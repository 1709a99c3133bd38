"""The regression lab in the app (AppTest): every control, the table's bad inputs, the numbers
on screen against lossviz's own, and the size of what is sent to the browser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from plotly_data import chart as _chart
from plotly_data import live_data, live_requests
from plotly_data import ok as _ok
from plotly_data import plotly_array as _arr
from plotly_data import shown as _shown
from streamlit.testing.v1 import AppTest

import lossviz
from lossviz.experiments import safe_learning_rate

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CHARTS = ("reg_data_fig", "reg_curves_fig", "reg_pull_fig", "reg_convergence_fig",
          "reg_path_fig", "reg_sweep_fig")
DEFAULT_CHARTS = ["reg_data_fig", "reg_curves_fig"]
PULL, DESCENT, SWEEP = "Each point's pull", "Gradient descent", "Which loss?"
MAX_BYTES = 300_000


# -- helpers -----------------------------------------------------------------------------------


def _app(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in state.items():
        at.session_state[key] = value
    return _ok(at.run())


def _charts(at: AppTest) -> list[str]:
    return [k for k in CHARTS if any(e.proto.id.endswith(k) for e in at.get("plotly_chart"))]


def _trace(fig: dict, name: str) -> dict:
    for trace in fig["data"]:
        if trace.get("name") == name:
            return trace
    raise AssertionError(f"no trace {name!r}; have {[t.get('name') for t in fig['data']]}")


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _table_key(at: AppTest) -> str:
    if not at.dataframe:  # the table is built only while its expander is open
        at.session_state["reg_table_open"] = True
        _ok(at.run())
    return at.dataframe[0].key


def _text(at: AppTest) -> str:
    parts = [e.value for e in (*at.info, *at.warning, *at.error, *at.caption, *at.markdown)]
    return "\n".join(str(p) for p in parts)


def _expected(n=30, noise=1.0, seed=0, outliers=1, shift=20.0, place="right", slope=1.0,
              intercept=0.0, delta=1.0) -> dict[str, str]:
    d = lossviz.make_regression(n, noise=noise, outliers=outliers, outlier_shift=shift,
                                outlier_place=place, seed=seed)
    # the table rounds to 3 decimals
    x, y = np.round(d.x, 3), np.round(d.y, 3)
    pred = np.round(slope * d.x + intercept, 3)
    return {
        "MSE": f"{lossviz.get_loss('mse')(y, pred):.4g}",
        "MAE": f"{lossviz.get_loss('mae')(y, pred):.4g}",
        f"Huber (δ = {delta:g})": f"{lossviz.get_loss('huber', delta=delta)(y, pred):.4g}",
        "x": x,
    }


@pytest.fixture(scope="module")
def default_app() -> AppTest:
    return _app()


# -- the default page ----------------------------------------------------------------------------
def test_default_page_shows_the_data_and_curves_and_the_right_metrics(default_app):
    at = default_app
    assert _charts(at) == DEFAULT_CHARTS
    want = _expected()
    got = _metrics(at)
    for label in ("MSE", "MAE", "Huber (δ = 1)"):
        assert got[label] == want[label]
    assert "makes up" in at.info[0].value
    assert "% of your line's MSE" in at.info[0].value
    assert "moved the MSE line's slope" in at.info[0].value
    assert any("\\mathrm{Huber}" in latex.value for latex in at.latex)
    assert "at most 200 points" in _text(at)
    assert not at.warning
    assert sum(len(e.proto.spec) for e in at.get("plotly_chart")) <= MAX_BYTES


def test_a_delta_change_keeps_both_charts_and_moves_them_in_the_browser():
    """Only Huber depends on delta: the charts already drawn are sent unchanged (the browser
    keeps them) and asked to move Huber's traces, to exactly what a fresh page would show."""
    at = _app()
    before = {key: _chart(at, key) for key in DEFAULT_CHARTS}
    assert live_requests(at) == {}
    at.slider(key="reg_delta").set_value(2.5)
    _ok(at.run())
    for key in DEFAULT_CHARTS:
        assert _chart(at, key) == before[key], key  # same figure: not drawn again
    assert live_requests(at)["reg_curves_fig"] == [{"frame": "2.5"}]
    fresh = _app(reg_delta=2.5)  # the same settings on a new page: figures built at 2.5
    assert live_requests(fresh) == {}
    for key in DEFAULT_CHARTS:
        moved, built = _shown(at, key), _chart(fresh, key)
        assert moved["data"] == built["data"], key
        assert moved["layout"].get("sliders") == built["layout"].get("sliders"), key
    # Any other change builds the figures anew, at the current delta.
    at.slider(key="reg_slope").set_value(1.5)
    _ok(at.run())
    assert live_requests(at) == {}
    assert _trace(_chart(at, "reg_data_fig"), "Huber fit") == _trace(
        _chart(_app(reg_delta=2.5, reg_slope=1.5), "reg_data_fig"), "Huber fit")


def test_the_huber_panel_brings_the_address_bar_for_its_own_runs():
    # A delta change reruns the Huber panel alone, which the page's URL sync at the end of
    # a full run never reaches: the panel sends the view's query string to the page script,
    # which writes it to the address bar (lossviz/ui/live.js).
    from urllib.parse import parse_qs

    from lossviz.ui.regression import VIEWS

    at = _app()
    assert live_data(at)["search"] == ""  # the default view: a bare address
    at.slider(key="reg_delta").set_value(2.5)
    _ok(at.run())
    sent = parse_qs(live_data(at)["search"].removeprefix("?"))
    assert sent == {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}
    assert sent["reg_delta"] == ["2.5"]
    # On the other views the panel is part of the page's run, which syncs the URL itself.
    at.button_group(key="reg_view").set_value(VIEWS[1])
    _ok(at.run())
    assert "search" not in live_data(at)
    assert at.query_params["reg_delta"] in ("2.5", ["2.5"])


def test_the_export_pack_has_the_charts_at_the_current_delta():
    from lossviz.ui.controls import FIGURES_KEY
    from lossviz.ui.export import figure_csv

    at = _app()
    at.slider(key="reg_delta").set_value(2.5)
    _ok(at.run())
    fresh = _app(reg_delta=2.5)
    for key in DEFAULT_CHARTS:
        kept, built = at.session_state[FIGURES_KEY][key], fresh.session_state[FIGURES_KEY][key]
        assert figure_csv(kept) == figure_csv(built), key


def test_fitted_lines_are_the_minimisers(default_app):
    fig = _chart(default_app, "reg_data_fig")
    want = _expected()
    d = lossviz.make_regression(30, outlier_shift=20.0, outliers=1, seed=0)
    y = np.round(d.y, 3)
    for name, label in (("mse", "MSE fit"), ("mae", "MAE fit"), ("huber", "Huber fit")):
        t = _trace(fig, label)
        x, line = _arr(t["x"]), _arr(t["y"])
        w = (line[1] - line[0]) / (x[1] - x[0])
        best = lossviz.experiments.robust_line(want["x"], y, name)
        assert w == pytest.approx(best[0], abs=2e-3)


# -- data, line and outlier controls --------------------------------------------------------------
@pytest.mark.parametrize(
    ("widget", "key", "value", "expect"),
    [
        pytest.param("slider", "reg_slope", 2.0, {"slope": 2.0}, id="slope"),
        pytest.param("slider", "reg_intercept", -3.5, {"intercept": -3.5}, id="intercept"),
        pytest.param("slider", "reg_n", 60, {"n": 60}, id="points"),
        pytest.param("slider", "reg_noise", 3.0, {"noise": 3.0}, id="noise"),
        pytest.param("number_input", "reg_seed", 7, {"seed": 7}, id="seed"),
        pytest.param("slider", "reg_outliers", 4, {"outliers": 4}, id="outlier-count"),
        pytest.param("slider", "reg_shift", -45.0, {"shift": -45.0}, id="outlier-shift"),
        pytest.param("segmented_control", "reg_place", "middle", {"place": "middle"},
                     id="outlier-place"),
        pytest.param("slider", "reg_delta", 2.5, {"delta": 2.5}, id="delta"),
    ],
)
def test_each_data_control_changes_the_metrics_and_points(widget, key, value, expect):
    at = _app()
    getattr(at, widget)(key=key).set_value(value)
    _ok(at.run())
    want = _expected(**expect)
    got = _metrics(at)
    for label in ("MSE", "MAE", f"Huber (δ = {expect.get('delta', 1.0):g})"):
        assert got[label] == want[label], label
    fig = _chart(at, "reg_data_fig")
    xs = np.concatenate([_arr(_trace(fig, "points")["x"]), _arr(_trace(fig, "outliers")["x"])])
    np.testing.assert_allclose(np.sort(xs), np.sort(want["x"]), atol=1e-9)


def test_outliers_switch_off_and_on():
    at = _app()
    at.toggle(key="reg_outliers_on").set_value(False)
    _ok(at.run())
    assert _metrics(at)["MSE"] == _expected(outliers=0)["MSE"]
    names = [t.get("name") for t in _chart(at, "reg_data_fig")["data"]]
    assert "outliers" not in names
    assert "nearly agree" in at.info[0].value
    at.toggle(key="reg_outliers_on").set_value(True)
    _ok(at.run())
    assert _metrics(at)["MSE"] == _expected()["MSE"]


@pytest.mark.parametrize(
    ("view", "charts"),
    [
        pytest.param(PULL, ["reg_data_fig", "reg_pull_fig"], id="pull"),
        pytest.param(DESCENT, ["reg_data_fig", "reg_convergence_fig", "reg_path_fig"],
                     id="descent"),
        pytest.param(SWEEP, ["reg_data_fig", "reg_sweep_fig"], id="sweep"),
    ],
)
def test_each_view_draws_only_its_own_charts(view, charts):
    at = _app(reg_view=view)
    assert _charts(at) == charts
    assert sum(len(e.proto.spec) for e in at.get("plotly_chart")) <= MAX_BYTES


def test_delta_moves_the_in_figure_slider_and_the_huber_bars():
    at = _app()
    at.slider(key="reg_delta").set_value(3.0)
    _ok(at.run())
    fig = _shown(at, "reg_curves_fig")
    slider = fig["layout"]["sliders"][0]
    assert slider["steps"][slider["active"]]["label"] == "3"
    assert len(slider["steps"]) == 50
    kinks = _arr(_trace(fig, "kinks at ±δ")["x"])
    np.testing.assert_allclose(kinks[np.isfinite(kinks)], [-3, -3, 3, 3])
    at = _app(reg_view=PULL, reg_delta=3.0)
    pull = _chart(at, "reg_pull_fig")
    huber = [t for t in pull["data"] if t["name"] == "Huber"][1]
    assert np.max(np.abs(_arr(huber["y"]))) <= 3.0 + 1e-9


# -- gradient descent -----------------------------------------------------------------------------
def test_losses_optimizer_steps_and_log_axis():
    at = _app(reg_view=DESCENT)
    at.pills(key="reg_gd_losses").set_value(["huber", "mae"])
    at.selectbox(key="reg_optimizer").set_value("momentum")
    at.slider(key="reg_steps").set_value(120)
    at.toggle(key="reg_log_y").set_value(False)
    _ok(at.run())
    fig = _chart(at, "reg_convergence_fig")
    lines = [t for t in fig["data"] if t.get("mode") == "lines"]
    assert [t["name"] for t in lines] == ["MAE", "Huber"]
    assert _arr(lines[0]["x"])[-1] == 120
    assert fig["layout"]["yaxis"].get("type") != "log"
    d = lossviz.make_regression(30, outlier_shift=20.0, outliers=1, seed=0)
    h = lossviz.fit(np.round(d.x, 3), np.round(d.y, 3), "huber", optimizer="momentum", lr=0.04,
                    steps=120)
    np.testing.assert_allclose(_arr(lines[1]["y"])[-1], h.loss[-1], rtol=1e-5)
    assert len(fig["frames"]) <= 100
    at.toggle(key="reg_log_y").set_value(True)
    _ok(at.run())
    assert _chart(at, "reg_convergence_fig")["layout"]["yaxis"]["type"] == "log"


def test_no_loss_chosen_gives_a_message():
    at = _app(reg_view=DESCENT)
    at.pills(key="reg_gd_losses").set_value([])
    _ok(at.run())
    assert "Pick at least one loss" in _text(at)
    assert "reg_convergence_fig" not in _charts(at)


def test_an_exploding_learning_rate_says_where_it_diverged():
    at = _app(reg_view=DESCENT)
    at.slider(key="reg_lr").set_value(0.5)
    _ok(at.run())
    errors = [e.value for e in at.error]
    assert any("MSE" in e and "diverged at step" in e and "learning rate is too large" in e
               for e in errors)
    fig = _chart(at, "reg_convergence_fig")
    assert any("diverged at step" in (t.get("text") or [""])[0] for t in fig["data"])
    for t in fig["data"]:
        if "y" in t:
            assert np.all(np.isfinite(_arr(t["y"])))


def test_fair_comparison_uses_each_losses_safe_step():
    at = _app(reg_view=DESCENT)
    at.toggle(key="reg_fair").set_value(True)
    _ok(at.run())
    d = lossviz.make_regression(30, outlier_shift=20.0, outliers=1, seed=0)
    x = np.round(d.x, 3)
    text = _text(at)
    assert f"MSE: {safe_learning_rate(x, 'mse').lr:.3g} (1/L)" in text
    assert "decayed to 0 by a cosine schedule" in text
    assert "too bold for MSE or too timid for Huber" in text
    assert not at.error  # no run diverges at its own safe step


def test_contour_choice_and_path_figure():
    at = _app(reg_view=DESCENT)
    at.selectbox(key="reg_landscape").set_value("huber")
    _ok(at.run())
    fig = _chart(at, "reg_path_fig")
    assert fig["data"][0]["type"] == "contour"
    assert fig["data"][1]["name"] == "lowest Huber"
    assert "contours of Huber" in _text(at)


# -- the sweep ------------------------------------------------------------------------------------
def test_sweep_range_and_choosing_panel():
    at = _app(reg_view=SWEEP)
    at.slider(key="reg_sweep_max").set_value(120.0)
    _ok(at.run())
    fig = _chart(at, "reg_sweep_fig")
    assert _arr(_trace(fig, "MSE")["x"])[-1] == pytest.approx(120.0)
    text = _text(at)
    assert "With the outlier 120 away" in text
    assert "avoid MSE" in text


# -- the table: edits and garbage -----------------------------------------------------------------
def test_editing_a_target_and_a_prediction_changes_the_metrics():
    at = _app()
    at.session_state[_table_key(at)] = {"edited_rows": {0: {"target": 0.0, "prediction": 0.0}},
                                        "added_rows": [], "deleted_rows": []}
    _ok(at.run())
    d = lossviz.make_regression(30, outlier_shift=20.0, outliers=1, seed=0)
    y, pred = np.round(d.y, 3), np.round(d.x, 3)
    y[0], pred[0] = 0.0, 0.0
    assert _metrics(at)["MSE"] == f"{lossviz.get_loss('mse')(y, pred):.4g}"


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        pytest.param({"x": "abc"}, "x is empty", id="text"),
        pytest.param({"target": None}, "target is empty", id="blank"),
        pytest.param({"prediction": 1e308}, "beyond", id="huge"),
        pytest.param({"x": float("nan")}, "x is empty", id="nan"),
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
    assert _charts(at) == DEFAULT_CHARTS


def test_an_emptied_table_gives_a_message_then_undo_restores():
    at = _app()
    at.session_state[_table_key(at)] = {"edited_rows": {}, "added_rows": [],
                                        "deleted_rows": list(range(31))}
    _ok(at.run())
    assert "no usable points" in _text(at)
    assert _charts(at) == []
    at.button(key="reg_table_reset_button").click()
    _ok(at.run())
    assert _charts(at) == DEFAULT_CHARTS


def test_all_points_identical_and_a_garbage_filled_table():
    at = _app()
    same = {i: {"x": 1.0, "target": 2.0, "prediction": 2.0, "outlier": False}
            for i in range(31)}
    at.session_state[_table_key(at)] = {"edited_rows": same, "added_rows": [],
                                        "deleted_rows": []}
    _ok(at.run())
    assert _metrics(at)["MSE"] == "0"
    assert "hit every target" in at.info[0].value
    assert not at.warning
    junk = {i: {"x": v, "target": v} for i, v in enumerate(["a", None, 1e308, float("nan")] * 8)
            if i < 31}
    at.session_state[_table_key(at)] = {"edited_rows": junk, "added_rows": [],
                                        "deleted_rows": []}
    _ok(at.run())
    assert "no usable points" in _text(at)


def test_added_rows_count_as_points():
    at = _app()
    at.session_state[_table_key(at)] = {
        "edited_rows": {}, "deleted_rows": [],
        "added_rows": [{"x": 0.0, "target": 40.0, "prediction": 0.0}],
    }
    _ok(at.run())
    fig = _chart(at, "reg_data_fig")
    assert 40.0 in _arr(_trace(fig, "points")["y"])


# -- size limits ----------------------------------------------------------------------------------
@pytest.mark.parametrize("view", [None, PULL, DESCENT, SWEEP], ids=["curves", "pull", "descent",
                                                                   "sweep"])
def test_largest_settings_stay_under_the_payload_budget(view):
    state = {"reg_n": 200, "reg_outliers": 10, "reg_steps": 2000}
    at = _app(**state, **({"reg_view": view} if view else {}))
    assert sum(len(e.proto.spec) for e in at.get("plotly_chart")) <= MAX_BYTES


def test_presentation_mode_keeps_the_animations_and_the_in_figure_slider():
    at = _app(present=True)
    assert _charts(at) == DEFAULT_CHARTS
    assert _chart(at, "reg_curves_fig")["layout"]["sliders"]
    assert not at.latex  # fewer things on a projected page
    at = _app(present=True, reg_view=DESCENT)
    assert _chart(at, "reg_convergence_fig")["frames"]


def test_points_far_from_zero_say_gradient_descent_has_not_settled():
    at = _app()
    far = {i: {"x": 1000.0 + i} for i in range(31)}
    at.session_state[_table_key(at)] = {"edited_rows": far, "added_rows": [],
                                        "deleted_rows": []}
    _ok(at.run())
    assert any("had not settled" in w.value for w in at.warning)


def test_a_closed_table_still_counts_its_edits():
    # The table is built only while its expander is open; closed, the points are the
    # generated ones with the edits the link holds, and opening it shows those edits.
    at = _app()
    assert not at.dataframe
    key = _table_key(at)
    at.session_state[key] = {"edited_rows": {0: {"target": 0.0, "prediction": 0.0}},
                             "added_rows": [], "deleted_rows": []}
    _ok(at.run())
    edited = _metrics(at)
    assert edited != _metrics(_app())
    at.session_state["reg_table_open"] = False
    _ok(at.run())
    assert not at.dataframe
    assert _metrics(at) == edited
    at.session_state["reg_table_open"] = True
    _ok(at.run())
    first = at.dataframe[0].value.iloc[0]
    assert (first["target"], first["prediction"]) == (0.0, 0.0)
    assert _metrics(at) == edited
