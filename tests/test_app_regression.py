"""The regression page in the app (AppTest): every control, the drag of the outlier and of δ,
the typed points (their bad cells, and that they stay the data), the numbers on screen against
lossviz's own, and the size of what is sent to the browser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from plotly_data import chart as _chart
from plotly_data import charts as _charts
from plotly_data import figures as _figures
from plotly_data import ok as _ok
from plotly_data import payload as _payload
from plotly_data import plotly_array as _arr
from plotly_data import sent as _sent
from streamlit.testing.v1 import AppTest

import lossviz
from lossviz.experiments import robust_line, safe_learning_rate
from lossviz.figures import outliers as fo
from lossviz.figures.regression import C_DELTA, C_HUBER, C_KINKS
from lossviz.figures.style import loss_label
from lossviz.numbers import card_text
from lossviz.ui.export import figure_csv
from lossviz.ui.params import REG_VIEWS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HERO = ["reg_lines", "reg_pulls"]
VIEW_CHARTS = {
    REG_VIEWS[0]: ["reg_curves"],
    REG_VIEWS[1]: ["reg_your_line", "reg_your_pulls"],
    REG_VIEWS[2]: ["reg_convergence", "reg_path"],
    REG_VIEWS[3]: ["reg_sweep"],
}
CURVES, YOUR_LINE, DESCENT, SWEEP = REG_VIEWS
MAX_BYTES = 300_000  # figures and their states, per run


# -- helpers -----------------------------------------------------------------------------------
def _app(**state) -> AppTest:
    """The page, with the "Loss & gradient" look open unless ``state`` says otherwise (the
    page itself opens with none: ``test_the_first_screen_is_one_picture``)."""
    at = AppTest.from_file(APP, default_timeout=90)
    state.setdefault("reg_view", REG_VIEWS[0])
    for key, value in state.items():
        at.session_state[key] = value
    return _ok(at.run())


def _data(n=30, noise=1.0, seed=0, outliers=1, shift=20.0, place="right"):
    return lossviz.make_regression(n, noise=noise, outliers=outliers, outlier_shift=shift,
                                   outlier_place=place, seed=seed)


def _trace(fig: dict, name: str) -> dict:
    for trace in fig["data"]:
        if trace.get("name") == name:
            return trace
    raise AssertionError(f"no trace {name!r}; have {[t.get('name') for t in fig['data']]}")


def _line(at: AppTest, name: str, delta: float = 1.0) -> tuple[float, float]:
    """(slope, intercept) of a loss's best line as the first picture draws it."""
    t = _trace(_chart(at, "reg_lines"), fo.NAMES[name])
    x, y = _arr(t["x"]), _arr(t["y"])
    w = (y[1] - y[0]) / (x[1] - x[0])
    return w, y[0] - w * x[0]


def _points(at: AppTest) -> np.ndarray:
    """The points of the first picture (outliers included) as sorted (x, y) rows."""
    fig = _chart(at, "reg_lines")
    xs = [_arr(fig["data"][i]["x"]) for i in (fo.T_POINTS, fo.T_OUTLIERS)]
    ys = [_arr(fig["data"][i]["y"]) for i in (fo.T_POINTS, fo.T_OUTLIERS)]
    rows = np.column_stack([np.concatenate(xs), np.concatenate(ys)])
    return rows[np.lexsort(rows.T[::-1])]


def _sorted(x, y) -> np.ndarray:
    rows = np.column_stack([x, y])
    return rows[np.lexsort(rows.T[::-1])]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _text(at: AppTest) -> str:
    parts = [e.value for e in (*at.info, *at.warning, *at.error, *at.caption, *at.markdown)]
    return "\n".join(str(p) for p in parts)


def _table_key(at: AppTest) -> str:
    if not at.dataframe:  # the table is built only while its expander is open
        at.session_state["reg_table_open"] = True
        _ok(at.run())
    return at.dataframe[0].key


def _edit(at: AppTest, edits: dict) -> AppTest:
    at.session_state[_table_key(at)] = {"edited_rows": {}, "added_rows": [],
                                        "deleted_rows": [], **edits}
    return _ok(at.run())


def _popover(at: AppTest):
    """The "Data settings" popover (the generator's controls)."""
    blocks = [at.main]
    while blocks:
        block = blocks.pop()
        proto = getattr(block, "proto", None)
        if proto is not None and "popover" in proto.DESCRIPTOR.fields_by_name and (
                proto.HasField("popover")):
            return block
        blocks += list(getattr(block, "children", {}).values())
    raise AssertionError("no Data settings popover")


@pytest.fixture(scope="module")
def default_app() -> AppTest:
    return _app()


# -- the first picture ---------------------------------------------------------------------------
def test_the_first_screen_is_one_picture():
    at = AppTest.from_file(APP, default_timeout=90)
    _ok(at.run())
    assert _charts(at) == HERO  # no closer look open until the student picks one
    assert at.session_state["reg_view"] is None
    at.session_state["reg_view"] = REG_VIEWS[1]
    _ok(at.run())
    assert _charts(at)[:2] == HERO
    assert len(_charts(at)) > 2



def test_default_page_draws_each_losses_exact_best_line(default_app):
    at = default_app
    assert _charts(at) == [*HERO, "reg_curves"]
    assert not at.warning
    assert not at.error
    d = _data()
    np.testing.assert_allclose(_points(at), _sorted(d.x, d.y), rtol=1e-12)
    table = next(m.value for m in at.markdown if m.value.startswith("| best line"))
    clean = robust_line(d.x[~d.is_outlier], d.y[~d.is_outlier], "mse")
    for name in fo.LOSSES:
        w, b = robust_line(d.x, d.y, name, delta=1.0)
        # Chart coordinates travel at 6 significant digits (a pixel is 1e-3 of an axis).
        assert _line(at, name) == pytest.approx((w, b), rel=2e-5, abs=1e-6)
        assert f"**{w:.2f}** ({w - clean[0]:+.2f})" in table
        assert f"**{b:.2f}** ({b - clean[1]:+.2f})" in table
    fig = _chart(at, "reg_lines")
    w, b = clean
    x = _arr(_trace(fig, "MSE without the outlier")["x"])
    np.testing.assert_allclose(_arr(_trace(fig, "MSE without the outlier")["y"]), w * x + b,
                               rtol=2e-5)
    assert _payload(at) <= MAX_BYTES


def test_the_bars_say_each_points_pull_at_each_line(default_app):
    d = _data()
    pulls = fo.pulls_data(fo.lines_data(d.x, d.y, d.is_outlier, delta=1.0))
    fig = _chart(default_app, "reg_pulls")
    for name in fo.LOSSES:
        np.testing.assert_allclose(_arr(_trace(fig, fo.NAMES[name])["y"]),
                                   pulls.pull[name][0], rtol=2e-5, atol=1e-9)
    caption = next(c.value for c in default_app.caption if c.value.startswith("Bars:"))
    assert fo.pull_sentence(pulls) in caption


def test_the_outlier_and_delta_are_the_charts_to_drag(default_app):
    lines, pulls, curves = (_sent(default_app, k) for k in ("reg_lines", "reg_pulls",
                                                            "reg_curves"))
    assert lines["param"] == pulls["param"] == "reg_shift"  # the bars follow the drag
    assert lines["drag"]["trace"] == fo.T_OUTLIERS
    assert pulls["drag"] is None
    assert lines["states"]["values"][lines["states"]["index"]] == 20.0
    assert curves["param"] == "reg_delta"
    assert curves["states"]["values"][curves["states"]["index"]] == 1.0
    assert curves["drag"] is not None


# -- moving the outlier: the drag, the slider and what the browser shows meanwhile ---------------
def _released(value) -> None:
    """What the chart component does when the student lets go of the dragged outlier."""
    from types import SimpleNamespace

    import streamlit as st

    from lossviz.ui import chart

    st.session_state.setdefault("reg_shift", 20.0)
    st.session_state["reg_lines"] = SimpleNamespace(commit=value)
    chart._commit("reg_lines", "reg_shift")


@pytest.mark.parametrize(
    ("released", "shift"),
    [
        pytest.param(35.0, 35.0, id="a-state"),
        pytest.param(-12, -12.0, id="an-int"),
        pytest.param(None, 20.0, id="no-release"),
        pytest.param(1e9, 20.0, id="out-of-bounds"),
        pytest.param("nan", 20.0, id="forged"),
    ],
)
def test_releasing_the_dragged_outlier_sets_its_distance(released, shift):
    at = _ok(AppTest.from_function(_released, args=(released,), default_timeout=30).run())
    assert at.session_state["reg_shift"] == shift
    assert isinstance(at.session_state["reg_shift"], float)


def test_moving_the_outlier_swings_the_mse_line_and_not_the_mae_line():
    at = _app()
    before = {name: _line(at, name) for name in fo.LOSSES}
    at.slider(key="reg_shift").set_value(-40.0)
    _ok(at.run())
    d = _data(shift=-40.0)
    after = {name: _line(at, name) for name in fo.LOSSES}
    assert after["mse"][0] == pytest.approx(robust_line(d.x, d.y, "mse")[0], rel=2e-5)
    assert abs(after["mse"][0] - before["mse"][0]) > 0.5
    assert abs(after["mae"][0] - before["mae"][0]) < 0.05
    np.testing.assert_allclose(_points(at), _sorted(d.x, d.y), rtol=1e-12)


def test_what_a_drag_shows_is_what_the_page_draws_once_released(default_app):
    # The browser shows the states while the outlier (or delta's square) is dragged; the
    # rerun after the release draws the same lines and curves.
    lines = _sent(default_app, "reg_lines")["states"]
    k = lines["values"].index(30.0)
    moved = _app(reg_shift=30.0)
    for name in fo.LOSSES:
        row = lines["traces"][str(fo.T_LINES[name])]["y"][k]
        drawn = _arr(_trace(_chart(moved, "reg_lines"), fo.NAMES[name])["y"])
        np.testing.assert_allclose(row, drawn, rtol=1e-5)
    curves = _sent(default_app, "reg_curves")["states"]
    k = curves["values"].index(2.5)
    wide = _chart(_app(reg_delta=2.5), "reg_curves")
    for i in C_HUBER:
        np.testing.assert_allclose(curves["traces"][str(i)]["y"][k],
                                   _arr(wide["data"][i]["y"]), rtol=1e-5, atol=1e-9)


# -- data controls -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("widget", "key", "value", "expect"),
    [
        pytest.param("slider", "reg_n", 60, {"n": 60}, id="points"),
        pytest.param("slider", "reg_noise", 3.0, {"noise": 3.0}, id="noise"),
        pytest.param("number_input", "reg_seed", 7, {"seed": 7}, id="seed"),
        pytest.param("slider", "reg_outliers", 4, {"outliers": 4}, id="outlier-count"),
        pytest.param("slider", "reg_shift", 45.0, {"shift": 45.0}, id="outlier-shift"),
        pytest.param("segmented_control", "reg_place", "middle", {"place": "middle"},
                     id="outlier-place"),
    ],
)
def test_each_data_control_changes_the_points_and_the_lines(widget, key, value, expect):
    at = _app()
    getattr(at, widget)(key=key).set_value(value)
    _ok(at.run())
    d = _data(**expect)
    np.testing.assert_allclose(_points(at), _sorted(d.x, d.y), rtol=1e-12)
    assert len(_arr(_chart(at, "reg_lines")["data"][fo.T_OUTLIERS]["x"])) == d.is_outlier.sum()
    for name in fo.LOSSES:
        assert _line(at, name) == pytest.approx(robust_line(d.x, d.y, name), rel=2e-5,
                                                abs=1e-7)


def test_delta_moves_the_huber_line_its_kinks_and_the_bars():
    at = _app()
    at.slider(key="reg_delta").set_value(3.0)
    _ok(at.run())
    d = _data()
    assert _line(at, "huber", 3.0) == pytest.approx(
        robust_line(d.x, d.y, "huber", delta=3.0), rel=2e-5)
    assert _line(at, "mse", 3.0) == pytest.approx(robust_line(d.x, d.y, "mse"), rel=2e-5)
    fig = _chart(at, "reg_curves")
    for kinks in C_KINKS:
        assert _arr(fig["data"][kinks]["x"]).tolist()[:2] == [-3.0, -3.0]
        assert _arr(fig["data"][kinks]["x"]).tolist()[3:] == [3.0, 3.0]
    assert list(fig["data"][C_DELTA]["text"]) == ["δ = 3"]
    states = _sent(at, "reg_curves")["states"]
    assert states["values"][states["index"]] == 3.0
    assert len(states["values"]) == 50
    huber = _arr(_trace(_chart(at, "reg_pulls"), "Huber")["y"])
    assert np.max(np.abs(huber)) <= 3.0 + 1e-9
    assert "under Huber it pulls with at most δ = 3" in _text(at)


def test_outliers_switch_off_and_on():
    at = _app()
    at.toggle(key="reg_outliers_on").set_value(False)
    _ok(at.run())
    d = _data(outliers=0)
    np.testing.assert_allclose(_points(at), _sorted(d.x, d.y), rtol=1e-12)
    assert at.slider(key="reg_shift").proto.disabled  # nothing to move
    assert _sent(at, "reg_lines")["drag"] is None
    assert "No outlier" in _text(at)
    assert "Exact best fits of each loss to all the points." in _text(at)
    at.toggle(key="reg_outliers_on").set_value(True)
    _ok(at.run())
    assert not at.slider(key="reg_shift").proto.disabled
    d = _data()
    np.testing.assert_allclose(_points(at), _sorted(d.x, d.y), rtol=1e-12)


# -- the closer looks ----------------------------------------------------------------------------
@pytest.mark.parametrize("view", REG_VIEWS)
def test_each_view_draws_its_own_charts_under_the_first_picture(view):
    at = _app(reg_view=view)
    assert _charts(at) == [*HERO, *VIEW_CHARTS[view]]
    assert not at.error
    assert _payload(at) <= MAX_BYTES


def test_your_line_is_scored_by_each_loss():
    at = _app(reg_view=YOUR_LINE)
    at.slider(key="reg_slope").set_value(2.0)
    at.slider(key="reg_intercept").set_value(-3.5)
    _ok(at.run())
    d = _data()
    pred = 2.0 * d.x - 3.5
    shown = _metrics(at)
    for name in fo.LOSSES:
        loss = lossviz.get_loss(name, **({"delta": 1.0} if name == "huber" else {}))
        assert shown[f"{loss_label(name)} of your line"] == card_text(loss(d.y, pred))
    fig = _chart(at, "reg_your_line")
    x = _arr(_trace(fig, "your line")["x"])
    np.testing.assert_allclose(_arr(_trace(fig, "your line")["y"]), 2.0 * x - 3.5, rtol=1e-4)
    sq = (pred - d.y) ** 2
    i = int(np.argmax(sq))
    assert (f"Point {i + 1} alone makes up {100 * sq[i] / sq.sum():.0f}% of your line's MSE"
            in _text(at))


def test_gradient_descent_losses_optimizer_steps_and_log_axis():
    at = _app(reg_view=DESCENT)
    at.pills(key="reg_gd_losses").set_value(["huber", "mae"])
    at.selectbox(key="reg_optimizer").set_value("momentum")
    at.slider(key="reg_steps").set_value(120)
    at.toggle(key="reg_log_y").set_value(False)
    _ok(at.run())
    fig = _chart(at, "reg_convergence")
    lines = [t for t in fig["data"] if t.get("mode") == "lines"]
    assert [t["name"] for t in lines] == ["MAE", "Huber"]  # one order, whatever the clicks
    assert _arr(lines[0]["x"])[-1] == 120
    assert fig["layout"]["yaxis"].get("type") != "log"
    d = _data()
    h = lossviz.fit(d.x, d.y, lossviz.get_loss("huber", delta=1.0), optimizer="momentum",
                    lr=0.04, steps=120, seed=0)
    np.testing.assert_allclose(_arr(lines[1]["y"])[-1], h.loss[-1], rtol=1e-6)
    at.toggle(key="reg_log_y").set_value(True)
    _ok(at.run())
    assert _chart(at, "reg_convergence")["layout"]["yaxis"]["type"] == "log"


@pytest.mark.parametrize("steps", [200, 300])
def test_each_run_is_set_beside_the_exact_minimiser_of_its_loss(steps):
    """The table under the loss curves: lossviz.solve's line, the run's last line, and from
    which step the run's loss was within 1e-3 of the minimum, all computed here again."""
    at = _app(reg_view=DESCENT)
    at.pills(key="reg_gd_losses").set_value(["mse", "mae", "huber"])
    at.slider(key="reg_steps").set_value(steps)
    _ok(at.run())
    assert "Against the exact answer" in _text(at)
    table = at.table[0].value.reset_index()
    assert list(table["Loss"]) == ["MSE", "MAE", "Huber"]
    d = _data()
    lr = at.slider(key="reg_lr").value
    endings = []
    for row, name in zip(table.to_dict("records"), ["mse", "mae", "huber"], strict=True):
        loss = lossviz.get_loss(name, **({"delta": 1.0} if name == "huber" else {}))
        best = lossviz.solve(d.x, d.y, loss)
        run = lossviz.fit(d.x, d.y, loss, lr=lr, steps=steps, seed=0)
        (w,), b = best.coefficients()
        nb = "\u00a0"  # no-break spaces: the table never splits a line's text
        assert row["Exact line"] == f"{w:.4f}{nb}x{nb}{'−' if b < 0 else '+'}{nb}{abs(b):.4f}"
        gw, gb = run.params[-1]
        assert row["Gradient descent's line"] == (
            f"{gw:.4f}{nb}x{nb}{'−' if gb < 0 else '+'}{nb}{abs(gb):.4f}")
        close = np.flatnonzero(run.loss - best.loss <= 1e-3)
        left = run.loss[-1] - best.loss > 1e-3  # came within 0.001, then left again
        assert row["Within 0.001 of the minimum loss"] == (
            "never" if not close.size else
            f"first at step {close[0]}" + (", not at the end" if left else ""))
        endings.append(row["Within 0.001 of the minimum loss"])
        assert _number(row["Loss above the minimum"]) == pytest.approx(
            max(run.loss[-1] - best.loss, 0.0), rel=0.05, abs=1e-15)
    # MSE's run reaches its minimum; MAE's is the slowest to get there
    assert _number(table["Largest parameter gap"][0]) < 1e-3
    if steps == 200:  # MAE's fixed steps came within 0.001 and took it out again
        assert endings[1].endswith(", not at the end"), endings


def _number(text: str) -> float:
    """A number as ``number_text`` writes it: ``0.018`` or ``1.3×10⁻¹⁵``."""
    if "×10" not in text:
        return float(text)
    mantissa, power = text.split("×10")
    digits = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    return float(mantissa) * 10.0 ** int(power.translate(digits))


def test_no_loss_chosen_gives_a_message():
    at = _app(reg_view=DESCENT)
    at.pills(key="reg_gd_losses").set_value([])
    _ok(at.run())
    assert "Pick at least one loss" in _text(at)
    assert _charts(at) == HERO


def test_an_exploding_learning_rate_says_where_it_diverged_and_what_is_safe():
    at = _app(reg_view=DESCENT)
    at.slider(key="reg_lr").set_value(0.5)
    _ok(at.run())
    errors = [e.value for e in at.error]
    assert any("MSE" in e and "diverged at step" in e and "Try a learning rate below" in e
               for e in errors)
    fig = _chart(at, "reg_convergence")
    for t in fig["data"]:
        y = _arr(t.get("y", []))
        if y.size and not np.isnan(y).all():  # a legend key's y is [null]: nothing drawn
            assert np.all(np.isfinite(y[~np.isnan(y)]))


def test_fair_comparison_uses_each_losses_safe_step():
    at = _app(reg_view=DESCENT)
    at.toggle(key="reg_fair").set_value(True)
    _ok(at.run())
    x = _data().x
    text = _text(at)
    assert f"MSE: {safe_learning_rate(x, 'mse').lr:.3g} (1/L)" in text
    assert "shrinking to 0 by a cosine schedule" in text
    assert "too bold for MSE or too timid for Huber" in text
    assert at.slider(key="reg_lr").proto.disabled  # one rate per loss now
    assert not at.error  # no run diverges at its own safe step


def test_contour_choice_and_path_figure():
    at = _app(reg_view=DESCENT)
    at.selectbox(key="reg_landscape").set_value("huber")
    _ok(at.run())
    fig = _chart(at, "reg_path")
    assert fig["data"][0]["name"] == "Huber contours (lighter is lower)"
    assert fig["layout"]["images"][0]["source"].startswith("data:image/png;base64,")
    assert fig["data"][1]["name"] == "lowest Huber"
    assert "contours of Huber" in _text(at)


def test_sweep_range_and_choosing_panel():
    at = _app(reg_view=SWEEP)
    at.slider(key="reg_sweep_max").set_value(120.0)
    _ok(at.run())
    fig = _chart(at, "reg_sweep")
    assert _arr(_trace(fig, "MSE")["x"])[-1] == pytest.approx(120.0)
    assert [s["x0"] for s in fig["layout"]["shapes"]] == [20.0, 20.0]  # the outlier now
    text = _text(at)
    assert "With the outlier 120 away" in text
    assert "avoid MSE" in text


def test_the_export_pack_holds_the_charts_as_a_fresh_page_draws_them():
    at = _app()
    at.slider(key="reg_delta").set_value(2.5)
    _ok(at.run())
    fresh = _app(reg_delta=2.5)
    assert list(_figures(at)) == list(_figures(fresh))
    for key, fig in _figures(at).items():
        assert figure_csv(fig) == figure_csv(_figures(fresh)[key]), key


# -- typed points ----------------------------------------------------------------------------------
def test_editing_a_target_and_a_prediction_changes_the_scores():
    at = _app(reg_view=YOUR_LINE)
    _edit(at, {"edited_rows": {0: {"target": 0.0, "prediction": 0.0}}})
    d = _data()
    y, pred = np.round(d.y, 3), np.round(d.x, 3)  # the table shows three decimals
    y[0], pred[0] = 0.0, 0.0
    assert _metrics(at)["MSE of your line"] == card_text(lossviz.get_loss("mse")(y, pred))
    np.testing.assert_allclose(_points(at), _sorted(np.round(d.x, 3), y))


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        pytest.param({"x": "abc"}, "x is empty", id="text"),
        pytest.param({"target": None}, "target is empty", id="blank"),
        pytest.param({"prediction": 1e308}, "beyond", id="huge"),
        pytest.param({"x": float("nan")}, "x is empty", id="nan"),
    ],
)
def test_a_bad_cell_leaves_its_row_out_with_a_message_and_loses_nothing(edit, says):
    at = _app()
    _edit(at, {"edited_rows": {2: edit}})
    warning = " ".join(w.value for w in at.warning)
    assert "1 row(s) left out until fixed: row 3:" in warning
    assert says in warning
    assert _charts(at) == [*HERO, "reg_curves"]
    assert len(_points(at)) == 30  # the other 30 points are the data
    assert len(at.dataframe[0].value) == 31  # the row stays in the table, to be fixed
    assert at.session_state["reg_points"].startswith("2")  # and in the link


def test_an_emptied_table_gives_a_message_then_going_back_restores():
    at = _app()
    _edit(at, {"deleted_rows": list(range(31))})
    assert "needs at least two points at different x" in _text(at)
    assert _charts(at) == []
    at.button(key="reg_table_reset").click()
    _ok(at.run())
    assert _charts(at) == [*HERO, "reg_curves"]
    assert not at.session_state["reg_points"]


def test_points_all_at_one_x_and_a_garbage_filled_table_give_messages():
    at = _app()
    same = {i: {"x": 1.0, "target": 2.0, "prediction": 2.0, "outlier": False}
            for i in range(31)}
    _edit(at, {"edited_rows": same})
    assert "needs at least two points at different x" in _text(at)
    junk = {i: {"x": v, "target": v} for i, v in enumerate(["a", None, 1e308, float("nan")] * 8)
            if i < 31}
    _edit(at, {"edited_rows": junk})
    assert "31 row(s) left out until fixed" in _text(at)
    assert "and 26 more" in _text(at)
    assert "needs at least two points" in _text(at)


def test_added_rows_count_as_points():
    at = _app()
    _edit(at, {"added_rows": [{"x": 0.0, "target": 40.0, "prediction": 0.0, "outlier": False}]})
    assert [0.0, 40.0] in _points(at).tolist()
    assert len(_points(at)) == 32


def test_a_closed_table_still_counts_its_edits():
    # The table is built only while its expander is open; closed, the points are the
    # generated ones with the edits the link holds, and opening it shows those edits.
    at = _app()
    assert not at.dataframe
    _edit(at, {"edited_rows": {0: {"target": 0.0, "prediction": 0.0}}})
    edited = _points(at)
    at.session_state["reg_table_open"] = False
    _ok(at.run())
    assert not at.dataframe
    np.testing.assert_array_equal(_points(at), edited)
    at.session_state["reg_table_open"] = True
    _ok(at.run())
    first = at.dataframe[0].value.iloc[0]
    assert (first["target"], first["prediction"]) == (0.0, 0.0)
    np.testing.assert_array_equal(_points(at), edited)


# Every control of the page that does not make points, and a value for it (the view first,
# so that the view's own controls exist).
OTHER_CONTROLS = [
    ("slider", "reg_delta", 2.5),
    ("button_group", "reg_view", YOUR_LINE),
    ("slider", "reg_slope", 2.0),
    ("slider", "reg_intercept", -1.0),
    ("button_group", "reg_view", DESCENT),
    ("pills", "reg_gd_losses", ["mae"]),
    ("selectbox", "reg_optimizer", "adam"),
    ("slider", "reg_lr", 0.01),
    ("slider", "reg_steps", 50),
    ("toggle", "reg_log_y", False),
    ("toggle", "reg_fair", True),
    ("selectbox", "reg_landscape", "huber"),
    ("button_group", "reg_view", SWEEP),
    ("slider", "reg_sweep_max", 100.0),
    ("toggle", "present", True),
    ("toggle", "present", False),
    ("button_group", "reg_view", CURVES),
]


def test_typed_points_stay_the_data_whatever_else_moves():
    at = _app()
    _edit(at, {"edited_rows": {0: {"target": 9.0}}, "deleted_rows": [3],
               "added_rows": [{"x": 0.5, "target": -7.0, "prediction": 0.0,
                               "outlier": False}]})
    link, typed = at.session_state["reg_points"], _points(at)
    assert [0.5, -7.0] in typed.tolist()
    # The generator steps aside: its controls are off while the typed points are the data.
    assert at.slider(key="reg_shift").proto.disabled
    assert _popover(at).proto.popover.disabled
    assert "Your typed points are the data" in _text(at)
    assert _sent(at, "reg_lines")["drag"] is None
    for widget, key, value in OTHER_CONTROLS:
        control = getattr(at, widget)(key=key)
        control.set_value(value)
        _ok(at.run())
        assert at.session_state["reg_points"] == link, key
        np.testing.assert_array_equal(_points(at), typed, err_msg=key)
    # ... closing and opening the table keeps them too
    at.session_state["reg_table_open"] = False
    _ok(at.run())
    at.session_state["reg_table_open"] = True
    _ok(at.run())
    assert at.session_state["reg_points"] == link
    assert [0.5, -7.0] in at.dataframe[0].value[["x", "target"]].values.tolist()
    # "Back to the generated points": the generator's points and controls again.
    at.button(key="reg_table_reset").click()
    _ok(at.run())
    assert at.session_state["reg_points"] == ""
    d = _data()
    np.testing.assert_allclose(_points(at), _sorted(d.x, d.y), rtol=1e-12)
    assert not at.slider(key="reg_shift").proto.disabled
    assert not _popover(at).proto.popover.disabled
    assert _sent(at, "reg_lines")["drag"] is not None
    assert not any(b.key == "reg_table_reset" for b in at.button)


# -- presentation mode and size limits -------------------------------------------------------------
def test_presentation_mode_keeps_the_drags_and_hides_the_table_and_the_generator():
    at = _app(present=True)
    assert _charts(at) == [*HERO, "reg_curves"]
    assert _sent(at, "reg_lines")["drag"] is not None
    assert _sent(at, "reg_curves")["drag"] is not None
    assert not at.expander or all(e.proto.label != "Type your own points (table)"
                                  for e in at.expander)
    with pytest.raises(AssertionError, match="no Data settings popover"):
        _popover(at)
    with pytest.raises(KeyError):
        at.slider(key="reg_n")
    assert _chart(at, "reg_lines")["layout"]["font"]["size"] >= 17


@pytest.mark.parametrize("view", REG_VIEWS)
def test_largest_settings_stay_under_the_payload_budget(view):
    at = _app(reg_n=200, reg_outliers=10, reg_steps=2000, reg_view=view)
    assert _charts(at) == [*HERO, *VIEW_CHARTS[view]]
    assert _payload(at) <= MAX_BYTES
