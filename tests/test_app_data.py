"""Real data on the regression page (AppTest): each shipped regression set, the feature picker,
the points table on real data, a student's CSV file (good and bad), and links that name data.

Every number on screen is checked against lossviz's own exact fits (``robust_line``) computed
here from ``lossviz.datasets``; every text the student's file brings is checked escaped."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from plotly_data import chart as _chart
from plotly_data import charts as _charts
from plotly_data import ok as _ok
from plotly_data import plotly_array as _arr
from plotly_data import sent as _sent
from plotly_data import share_link
from streamlit.testing.v1 import AppTest

import lossviz
from lossviz import datasets
from lossviz.experiments import cross_validate, robust_line, slider_units
from lossviz.figures import outliers as fo
from lossviz.numbers import card_text, column_texts, figure_text
from lossviz.textsafe import escape_markdown
from lossviz.ui.pages import regression as page
from lossviz.ui.params import REG_DATA, REG_SETS, REG_VIEWS
from lossviz.ui.url import NOTICE_LEAD

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HERO = ["reg_lines", "reg_pulls"]
GENERATOR = ("reg_n", "reg_noise", "reg_seed", "reg_outliers", "reg_shift", "reg_place",
             "reg_outliers_on")


def _app(query: dict[str, str] | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    return _ok(at.run())


def _line(at: AppTest, name: str) -> tuple[float, float]:
    fig = _chart(at, "reg_lines")
    t = next(t for t in fig["data"] if t.get("name") == fo.NAMES[name])
    x, y = _arr(t["x"]), _arr(t["y"])
    w = (y[1] - y[0]) / (x[1] - x[0])
    return w, y[0] - w * x[0]


def _points(at: AppTest) -> np.ndarray:
    """Every point of the first picture (marked outliers too), in the set's row order."""
    fig = _chart(at, "reg_lines")
    rows, xs, ys = [], [], []
    for i in (fo.T_POINTS, fo.T_OUTLIERS):
        rows.append(_arr(fig["data"][i].get("customdata", [])))
        xs.append(_arr(fig["data"][i]["x"]))
        ys.append(_arr(fig["data"][i]["y"]))
    order = np.argsort(np.concatenate(rows))
    return np.column_stack([np.concatenate(xs)[order], np.concatenate(ys)[order]])


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def _widget_keys(at: AppTest) -> set[str]:
    keys = set()
    for kind in ("slider", "number_input", "toggle", "segmented_control", "selectbox"):
        keys |= {w.key for w in at.get(kind)}
    return keys


def _scores(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("| best line"))


def _fits(x, y, delta=1.0):
    return {n: robust_line(x, y, n, delta=delta) for n in fo.LOSSES}


def _set(name: str, feature: str | None = None):
    ds = datasets.load(name)
    feature = feature or ds.feature_names[0]
    return ds, np.asarray(ds.column(feature), float), np.asarray(ds.y, float)


# -- the shipped sets -------------------------------------------------------------------------
def test_the_picker_offers_every_shipped_regression_set_and_nothing_else():
    shipped = {n for n in datasets.available() if datasets.load(n).task == "regression"}
    assert set(REG_SETS) == shipped
    assert ("generated", *REG_SETS, "csv") == REG_DATA


@pytest.mark.parametrize("name", REG_SETS)
def test_each_set_draws_its_exact_best_lines_with_its_names_and_no_generator(name):
    at = _app(reg_data=name)
    ds, x, y = _set(name)
    assert _charts(at) == HERO
    assert not at.error
    assert not at.warning
    np.testing.assert_allclose(_points(at), np.column_stack([x, y]), rtol=1e-12)
    delta = slider_units(x, y).delta  # δ's slider at its default, 1, in the set's units
    fits = _fits(x, y, delta)
    # each column in the set's units, about four significant digits, no e-notation
    slopes = column_texts([fits[loss][0] for loss in fo.LOSSES])
    intercepts = column_texts([fits[loss][1] for loss in fo.LOSSES])
    for loss, w_text, b_text in zip(fo.LOSSES, slopes, intercepts, strict=True):
        w, b = fits[loss]
        assert _line(at, loss) == pytest.approx((w, b), rel=2e-5, abs=1e-6 * max(1, abs(b)))
        assert f"**{w_text}**" in _scores(at)
        assert f"**{b_text}**" in _scores(at)
        assert not re.search(r"\de[+-]\d", _scores(at))
    fig = _chart(at, "reg_lines")
    feature, target = ds.feature_names[0], ds.target_name
    assert fig["layout"]["xaxis"]["title"]["text"].startswith(feature)
    assert fig["layout"]["yaxis"]["title"]["text"].startswith(target)
    if ds.units[target] and ds.units[target] != target:
        assert ds.units[target] in fig["layout"]["yaxis"]["title"]["text"]
    # The y axis holds the points and the lines, with no room for a drag (the stars'
    # giants once squeezed the set into the lower fifth of an axis to 20).
    lo, hi = fig["layout"]["yaxis"]["range"]
    line_ends = [w * e + b for w, b in fits.values() for e in fig["layout"]["xaxis"]["range"]]
    top = max(y.max(), *line_ends)
    bottom = min(y.min(), *line_ends)
    assert lo <= bottom
    assert hi >= top
    assert hi - lo <= 1.2 * max(top - bottom, 1.0) + 1e-9
    # No generated outlier to drag, so no states: the picture is the fit, once.
    assert _sent(at, "reg_lines")["drag"] is None
    assert _sent(at, "reg_lines")["states"] is None
    assert _sent(at, "reg_pulls")["states"] is None
    # The sentence under the picker is read off the same fits.
    data = fo.lines_data(x, y, np.zeros(len(x), bool), delta=delta, min_pad=0.0)
    sentence = fo.fits_sentence(data, name=name, x_name=feature, y_name=target,
                                y_unit=ds.units[target])
    assert escape_markdown(sentence) in _captions(at)
    assert f"MSE {fits['mse'][0]:.3g}, MAE {fits['mae'][0]:.3g}" in sentence
    assert escape_markdown(ds.title) in " ".join(e.label for e in at.expander)
    assert escape_markdown(ds.licence) in _captions(at)
    # The generator's controls step aside.
    assert not set(GENERATOR) & _widget_keys(at)
    assert "reg_delta" in _widget_keys(at)


def test_the_stars_sentence_says_what_the_fits_show():
    at = _app(reg_data="stars_cyg_ob1")
    _, x, y = _set("stars_cyg_ob1")
    fits = _fits(x, y)
    main = x >= 3.6
    clean = robust_line(x[main], y[main], "mse")[0]
    # Read off the fits, not assumed: the giants tilt every line down, MAE's included.
    for loss in fo.LOSSES:
        assert fits[loss][0] < 0, loss
    assert clean > 0
    text = _captions(at).replace("\\", "")
    assert f"MSE {fits['mse'][0]:.3g}, MAE {fits['mae'][0]:.3g}, Huber {fits['huber'][0]:.3g}" \
        in text
    assert "The 4 red giants" in text
    assert f"the other 43 stars alone give an MSE slope of {figure_text(clean)}" in text
    assert "leverage points" in text
    # The giants are marked, and the dashed line is the main sequence's own.
    fig = _chart(at, "reg_lines")
    assert len(_arr(fig["data"][fo.T_OUTLIERS]["x"])) == 4
    np.testing.assert_allclose(np.sort(_arr(fig["data"][fo.T_OUTLIERS]["x"])),
                               np.sort(x[~main]))
    dashed = next(t for t in fig["data"] if t.get("name") == "MSE without the outlier")
    dx, dy = _arr(dashed["x"]), _arr(dashed["y"])
    assert (dy[1] - dy[0]) / (dx[1] - dx[0]) == pytest.approx(clean, rel=1e-5)
    names = [t for t in fig["data"][fo.T_OUTLIERS]["text"] if t]
    assert names == ["outliers"]  # named, and not offered to drag: real data has no states
    arm = np.abs(x - x.mean())
    ratio = arm[~main].mean() / np.median(arm[main])
    assert f"they sit {ratio:.1f} times as far from the mean x" in text
    slope = column_texts([fits[loss][0] for loss in fo.LOSSES])[0]
    assert f"**{slope}** ({fits['mse'][0] - clean:+.2f})" in _scores(at)


def test_the_generated_default_is_unchanged():
    at = _app()
    assert at.session_state["reg_data"] == "generated"
    assert at.selectbox(key="reg_data").value == "generated"
    assert "reg_shift" in _widget_keys(at)
    assert _sent(at, "reg_lines")["drag"] is not None
    assert _sent(at, "reg_lines")["states"] is not None
    assert not at.expander or all("About the data" not in e.label for e in at.expander)
    assert "Drag the orange outlier" in at.markdown[0].value or any(
        "Drag the orange outlier" in m.value for m in at.markdown)


def test_picking_a_set_and_going_back_to_generated():
    at = _app()
    before = _line(at, "mse")
    at.selectbox(key="reg_data").set_value("anscombe_3")
    _ok(at.run())
    _, x, y = _set("anscombe_3")
    assert _line(at, "mse") == pytest.approx(tuple(robust_line(x, y, "mse")), rel=2e-5)
    assert "reg_shift" not in _widget_keys(at)
    at.selectbox(key="reg_data").set_value("generated")
    _ok(at.run())
    assert _line(at, "mse") == pytest.approx(before, rel=1e-9)
    assert "reg_shift" in _widget_keys(at)


@pytest.mark.parametrize("view", REG_VIEWS)
def test_the_closer_looks_work_on_real_data(view):
    at = _app(reg_data="stars_cyg_ob1", reg_view=view)
    assert _charts(at)[:2] == HERO
    assert not at.exception


def test_beside_a_lesson_step_the_cross_validation_table_has_a_column_per_loss():
    # real_data step 3 sits beside the fold lines: five columns would be cut at its edge
    at = _app({"lesson": "real_data", "lesson_step": "3"})
    assert not at.dataframe  # the grid's five columns were cut at the column's edge
    table = at.table[0].value
    assert list(table.columns) == ["MSE", "MAE", "Huber (δ\u202f=\u202f1)"]  # kept whole
    assert list(table.index) == ["squared error (RMSE)", "mean |error|", "median |error|",
                                 "slope over the 5 fits"]


def test_which_loss_on_real_data_judges_each_line_on_points_it_did_not_see():
    at = _app(reg_data="anscombe_3", reg_view="Which loss?")
    _, x, y = _set("anscombe_3")
    cv = cross_validate(x, y, delta=1.0, folds=5)
    table = at.dataframe[0].value
    assert list(table["loss"]) == ["MSE", "MAE", "Huber (δ = 1)"]
    for column, values in (("mean |error|", cv.mean_abs), ("squared error (RMSE)", cv.rmse)):
        (decimals,) = {len(t.split(".")[-1]) for t in table[column]}  # the same decimals
        shown = [float(t.replace(",", "")) for t in table[column]]
        assert shown == pytest.approx(values, abs=0.5 * 10.0**-decimals)
    advice = next(m.value for m in at.markdown if m.value.startswith("- "))
    # Anscombe's set III: one outlier; MAE's line goes through the other ten points and
    # predicts them best however the errors are counted.
    assert [cv.rmse.argmin(), cv.mean_abs.argmin(), cv.median_abs.argmin()] == [1, 1, 1]
    assert "MAE's line predicts the unseen points best by all three measures." in advice
    assert f"most under MSE ({np.ptp(cv.slopes[0]):.3g})" in advice
    assert not at.info  # no "pick the generated data" any more
    # each loss's five lines, on the set's axes
    folds = _chart(at, "reg_folds")
    mse_lines = [t for t in folds["data"] if t["name"].startswith("MSE fit")]
    assert len(mse_lines) == 5
    for k, line in enumerate(mse_lines):
        xs, ys = _arr(line["x"]), _arr(line["y"])
        np.testing.assert_allclose(ys, cv.slopes[0, k] * xs + cv.intercepts[0, k], rtol=1e-9)
    lines = _chart(at, "reg_lines")["layout"]  # the same axes as the first picture's
    for axis, title in (("xaxis2", "xaxis"), ("yaxis", "yaxis")):
        assert folds["layout"][axis]["title"]["text"] == lines[title]["title"]["text"]
    # Engel's households: the measures disagree, and the advice says which picks which
    # (δ's slider at 1 is 100 francs on this set).
    at = _app(reg_data="engel", reg_view="Which loss?")
    _, x, y = _set("engel")
    cv = cross_validate(x, y, delta=100.0, folds=5)
    assert list(at.dataframe[0].value["loss"]) == ["MSE", "MAE", "Huber (δ = 100)"]
    advice = next(m.value for m in at.markdown if m.value.startswith("- "))
    best = [["MSE", "MAE", "Huber"][int(np.argmin([float(f"{v:.4g}") for v in values]))]
            for values in (cv.rmse, cv.mean_abs, cv.median_abs)]
    assert len(set(best)) > 1
    assert (f"The measures disagree: by squared error, {best[0]}'s line is best; by mean "
            f"absolute error, {best[1]}'s line is best; by median absolute error, "
            f"{best[2]}'s line is best.") in advice
    assert "far beyond δ" not in advice
    # House prices with δ at its smallest (1,000 dollars): Huber is almost MAE, and it says so.
    at = _app(reg_data="house_prices", reg_view="Which loss?", reg_delta=0.1)
    _, x, y = _set("house_prices")
    cv = cross_validate(x, y, delta=1000.0, folds=5)
    advice = next(m.value for m in at.markdown if m.value.startswith("- "))
    assert f"Here a typical error is {figure_text(cv.median_abs[2])}, far beyond δ" in advice


def test_which_loss_on_a_csv_is_computed_afresh_and_small_files_are_told_why_not(monkeypatch):
    from lossviz.ui.pages import regression_views as views

    used = []
    monkeypatch.setattr(views, "_cross_validate", lambda *a, **k: used.append(a))
    rows = b"x,y\n" + b"".join(f"{i},{2 * i + (i % 3)}\n".encode() for i in range(12))
    at = _upload(rows)
    at.session_state["reg_view"] = "Which loss?"
    _ok(at.run())
    assert used == []
    assert at.dataframe[0].value["loss"][0] == "MSE"
    at = _upload(GOOD)  # 6 rows
    at.session_state["reg_view"] = "Which loss?"
    _ok(at.run())
    assert any("needs at least 10 points" in i.value for i in at.info)


# -- sliders on sets with large (or small) numbers ------------------------------------------------
def test_on_house_prices_the_sliders_count_in_the_sets_units():
    """δ's slider at 1 means 10,000 dollars there; the line's slope counts in tens and its
    intercept in 10,000s. Every number shown follows."""
    _, x, y = _set("house_prices")
    units = slider_units(x, y)
    assert units == (10000.0, 10.0, 10000.0)
    at = _app(reg_data="house_prices", reg_delta=0.5, reg_view="Your line", reg_slope=0.7,
              reg_intercept=3.4)
    delta = at.slider(key="reg_delta")
    assert delta.value == 0.5
    assert delta.proto.format == "%.1f × 10,000"
    assert "times 10,000 Canadian dollars" in delta.help
    assert _line(at, "huber") == pytest.approx(tuple(robust_line(x, y, "huber", delta=5000.0)),
                                               rel=2e-5)
    assert at.slider(key="reg_slope").proto.format == "%.1f × 10"
    shown = {m.label: m.value for m in at.metric}
    huber = lossviz.get_loss("huber", delta=5000.0)
    assert shown["Huber of your line"] == card_text(huber(y, 7.0 * x + 34000.0))
    assert "×10" in shown["MSE of your line"]  # 8.379×10⁸ fits the card; 837,900,000 did not
    fig = _chart(at, "reg_your_line")
    line = next(t for t in fig["data"] if t.get("name") == "your line")
    assert _arr(line["y"])[0] == pytest.approx(7.0 * _arr(line["x"])[0] + 34000.0)
    # the axes name the set's columns, as on the first picture
    assert fig["layout"]["xaxis"]["title"]["text"] == "lot_size (square feet)"
    assert fig["layout"]["yaxis"]["title"]["text"].startswith("price")


def test_sets_whose_numbers_suit_the_sliders_keep_plain_sliders():
    at = _app(reg_data="stars_cyg_ob1", reg_view="Your line")
    assert at.slider(key="reg_delta").proto.format == "%.1f"
    assert at.slider(key="reg_slope").proto.format == "%.1f"


def _released_delta(value) -> None:
    """Releasing the dragged δ handle on a chart whose δ grid counts in 10,000s."""
    from types import SimpleNamespace

    import streamlit as st

    from lossviz.ui import chart

    st.session_state.setdefault("reg_delta", 1.0)
    st.session_state["reg_curves"] = SimpleNamespace(commit=value)
    chart._commit("reg_curves", "reg_delta", 10000.0)


@pytest.mark.parametrize(("released", "delta"), [(7000.0, 0.7), (30000, 3.0), (1e9, 1.0),
                                                 ("x", 1.0)])
def test_releasing_delta_on_a_scaled_chart_sets_the_sliders_value(released, delta):
    at = _ok(AppTest.from_function(_released_delta, args=(released,), default_timeout=30).run())
    assert at.session_state["reg_delta"] == delta


# -- the feature picker -------------------------------------------------------------------------
def test_the_feature_picker_on_stackloss():
    at = _app(reg_data="stackloss")
    pick = at.selectbox(key=page.FEATURE_PICK)
    assert list(pick.options) == list(datasets.load("stackloss").feature_names)
    assert pick.value == "air_flow"
    pick.set_value("water_temp")
    _ok(at.run())
    _, x, y = _set("stackloss", "water_temp")
    for loss in fo.LOSSES:
        assert _line(at, loss) == pytest.approx(tuple(robust_line(x, y, loss, delta=1.0)),
                                                rel=2e-5)
    assert _chart(at, "reg_lines")["layout"]["xaxis"]["title"]["text"].startswith("water_temp")
    assert at.session_state["reg_feature"] == "water_temp"
    assert "reg_feature=water_temp" in share_link(at)
    # Another set: the feature was that set's, and goes.
    at.selectbox(key="reg_data").set_value("house_prices")
    _ok(at.run())
    assert at.session_state["reg_feature"] == ""
    assert at.selectbox(key=page.FEATURE_PICK).value == "lot_size"


def test_a_set_with_one_feature_has_no_feature_picker():
    at = _app(reg_data="engel")
    assert page.FEATURE_PICK not in _widget_keys(at)


# -- links --------------------------------------------------------------------------------------
def _notice(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption if c.value.startswith(NOTICE_LEAD))


def test_a_link_opens_a_set_and_its_feature():
    at = _app({"section": "regression", "reg_data": "stackloss", "reg_feature": "acid_conc"})
    assert not _notice(at)
    _, x, y = _set("stackloss", "acid_conc")
    assert _line(at, "mae") == pytest.approx(tuple(robust_line(x, y, "mae")), rel=2e-5)


def test_a_link_naming_no_set_shows_the_notice_and_falls_back_to_generated():
    at = _app({"section": "regression", "reg_data": "nope"})
    assert "reg\\_data" in _notice(at)
    assert at.session_state["reg_data"] == "generated"
    assert _sent(at, "reg_lines")["drag"] is not None


def test_a_link_naming_a_feature_the_set_lacks_shows_the_first():
    at = _app({"section": "regression", "reg_data": "stackloss", "reg_feature": "*zz*"})
    assert "has no feature \\*zz\\*: it shows air\\_flow" in _captions(at)
    _, x, y = _set("stackloss")
    assert _line(at, "mse") == pytest.approx(tuple(robust_line(x, y, "mse")), rel=2e-5)


# -- the points table on real data ----------------------------------------------------------------
def _open_table(at: AppTest) -> AppTest:
    at.session_state["reg_table_open"] = True
    return _ok(at.run())


def test_the_table_shows_the_real_points_and_its_edits_are_the_data():
    at = _open_table(_app(reg_data="stars_cyg_ob1"))
    _, x, y = _set("stars_cyg_ob1")
    shown = at.dataframe[0].value
    assert len(shown) == 47
    np.testing.assert_allclose(shown["x"], np.round(x, 3))
    np.testing.assert_allclose(shown["target"], np.round(y, 3))
    # Move a giant down onto the main sequence, delete another, add a star.
    edits = {"edited_rows": {10: {"target": 4.0}}, "deleted_rows": [19],
             "added_rows": [{"x": 4.5, "target": 5.5, "prediction": 0.0, "outlier": False}]}
    at.session_state[at.dataframe[0].key] = edits
    _ok(at.run())
    ex, ey = np.round(x, 3).tolist(), np.round(y, 3).tolist()
    ey[10] = 4.0
    del ex[19], ey[19]
    ex.append(4.5)
    ey.append(5.5)
    for loss in fo.LOSSES:
        assert _line(at, loss) == pytest.approx(
            tuple(robust_line(np.array(ex), np.array(ey), loss, delta=1.0)), rel=2e-5)
    assert at.session_state["reg_points"]
    assert any(b.label == "Back to the data set's points" for b in at.button)
    # Another set: those edits were of the stars.
    at.selectbox(key="reg_data").set_value("anscombe_3")
    _ok(at.run())
    assert at.session_state["reg_points"] == ""
    assert len(at.dataframe[0].value) == 11


def test_a_set_larger_than_the_table_is_shown_not_edited():
    at = _open_table(_app(reg_data="house_prices"))
    assert len(at.dataframe[0].value) == 546
    assert "the table edits at most 200 points" in _captions(at)
    assert not at.warning


# -- the student's CSV ---------------------------------------------------------------------------
def _upload(data: bytes, name: str = "mine.csv") -> AppTest:
    at = _app(reg_data="csv")
    assert _charts(at) == []  # nothing to draw before a file
    assert any("Upload a CSV file" in i.value for i in at.info)
    at.file_uploader(key=page.CSV_FILE).set_value((name, data, "text/csv"))
    return _ok(at.run())


GOOD = b"hours,score,label\n1,52,a\n2,55,b\n3,61,c\n4,60,d\n5,68,e\n6,20,f\n"


def test_a_good_csv_is_the_data_with_its_columns_picked():
    at = _upload(GOOD)
    assert _charts(at) == HERO
    assert at.selectbox(key=page.CSV_TARGET).value == "score"  # the last usable column
    assert at.selectbox(key=page.CSV_FEATURE).value == "hours"
    x = np.arange(1.0, 7.0)
    y = np.array([52, 55, 61, 60, 68, 20.0])
    delta = slider_units(x, y).delta  # the file's residuals are about 10: δ counts in tens
    assert delta == 10.0
    for loss in fo.LOSSES:
        assert _line(at, loss) == pytest.approx(tuple(robust_line(x, y, loss, delta=delta)),
                                                rel=2e-5)
    fig = _chart(at, "reg_lines")
    assert fig["layout"]["xaxis"]["title"]["text"] == "hours"
    assert fig["layout"]["yaxis"]["title"]["text"] == "score"
    assert "mine\\.csv: 6 rows, 2 numeric column(s)." in _captions(at)
    reason = escape_markdown("not numeric: line 2 holds 'a'")
    assert f"Columns left out: label ({reason})." in _captions(at)
    # Swap the columns: score across, hours up.
    at.selectbox(key=page.CSV_TARGET).set_value("hours")
    at.selectbox(key=page.CSV_FEATURE).set_value("score")
    _ok(at.run())
    assert _line(at, "mse") == pytest.approx(tuple(robust_line(y, x, "mse")), rel=2e-5)
    # The same column twice is refused, not fitted.
    at.selectbox(key=page.CSV_FEATURE).set_value("hours")
    _ok(at.run())
    assert "both \\'hours\\'" in " ".join(w.value for w in at.warning)
    assert _charts(at) == []


def test_the_csv_stays_out_of_the_shared_cache(monkeypatch):
    calls = []
    monkeypatch.setattr(page, "hero", lambda *a, **k: calls.append(a) or page.build_hero(*a))
    at = _upload(GOOD)
    assert _charts(at) == HERO
    assert calls == []  # built afresh, never through st.cache_data


@pytest.mark.parametrize("view", REG_VIEWS[:3])
def test_the_closer_looks_compute_the_csv_afresh(view, monkeypatch):
    """Loss & gradient, your line and gradient descent on a student's file: every figure is
    drawn, and none of the cross-session caches (st.cache_data) is called with the file."""
    from lossviz.ui.pages import regression_views as views

    used = []
    for name in ("_curves", "_descent", "_exact", "_landscape"):
        monkeypatch.setattr(views, name, lambda *a, _n=name, **k: used.append(_n))
    at = _upload(GOOD)
    at.session_state["reg_view"] = view
    _ok(at.run())
    assert used == []
    assert len(_charts(at)) > len(HERO)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"x,name\n1,a\n2,b\n", "not numeric: line 2 holds", id="non-numeric"),
        pytest.param(b"x,y\n1,\n2,3\n", "line 2 has an empty cell", id="missing"),
        pytest.param(b"x,y\n1,4\n2,4\n", "the same value (4) on every line", id="constant"),
        pytest.param(b"x,y,x\n1,2,3\n4,5,6\n", "column name 'x' appears twice", id="duplicate"),
        pytest.param(b"x,y\n1,nan\n2,3\n", "line 2 holds 'nan'", id="nan"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file",
                     id="not-csv"),
        pytest.param("x,température\n1,2\n3,4\n".encode("latin-1"), "not UTF-8 text: byte 0xE9",
                     id="latin-1"),
        pytest.param(b"x,y\n" + b"1,2\n" * 10_001, "more than 10,000 lines", id="too-many-rows"),
        pytest.param(",".join(f"c{i}" for i in range(51)).encode() + b"\n"
                     + b",".join([b"1"] * 51) + b"\n", "51 columns; at most 50",
                     id="too-many-columns"),
    ],
)
def test_a_bad_csv_gives_its_reason_and_draws_nothing(data, says):
    at = _upload(data, name="bad_[file].csv")
    errors = " ".join(e.value for e in at.error)
    assert escape_markdown(says) in errors
    assert errors.startswith(escape_markdown("bad_[file].csv") + ":")
    assert _charts(at) == []


def test_a_file_over_the_size_limit_is_refused():
    # The browser refuses it first (max_upload_size); the parser says so too if one gets by.
    at = _app(reg_data="csv")
    assert at.file_uploader(key=page.CSV_FILE).proto.max_upload_size_mb == 5
    big = b"x,y\n" + b"1,2\n" * 1_300_000
    at.file_uploader(key=page.CSV_FILE).set_value(("big.csv", big, "text/csv"))
    _ok(at.run())
    assert escape_markdown("at most 5,000,000") in " ".join(e.value for e in at.error)


def test_the_files_text_is_escaped_everywhere_it_shows():
    evil = b'"**bold** <img src=x onerror=alert(1)>",y,":red[z]"\n1,2,q\n2,5,w\n3,4,e\n'
    at = _upload(evil)
    assert _charts(at) == HERO
    title = _chart(at, "reg_lines")["layout"]["xaxis"]["title"]["text"]
    assert "<img" not in title
    assert "&lt;img" in title
    left = _captions(at)
    assert escape_markdown(":red[z]") in left
    assert ":red[z]" not in left
    sentence = next(c.value for c in at.caption if c.value.startswith("Best slopes"))
    assert "**bold**" not in sentence
    assert escape_markdown("**bold** <img src=x onerror=alert(1)>") in sentence


# -- the lesson on real data ----------------------------------------------------------------------
@pytest.mark.parametrize(("step", "name"), [(1, "stars_cyg_ob1"), (2, "engel")])
def test_the_real_data_lesson_opens_its_set(step, name):
    at = _app({"lesson": "real_data", "lesson_step": str(step)})
    assert at.session_state["reg_data"] == name
    _, x, y = _set(name)
    np.testing.assert_allclose(_points(at), np.column_stack([x, y]), rtol=1e-12)
    assert _line(at, "mse") == pytest.approx(tuple(robust_line(x, y, "mse")), rel=2e-5)
    # The step asks first: the sentence that gives the slopes away is not on the page.
    assert "Best slopes" not in _captions(at)
    assert "Best slopes" in _captions(_app(reg_data=name))


# -- the exported script ------------------------------------------------------------------------
def _script_prints(state: dict, folder: Path, monkeypatch) -> str:
    import contextlib
    import io

    from lossviz.ui.snippets import snippet

    monkeypatch.chdir(folder)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet(state, "regression"), "lossviz_view.py", "exec"),
             {"__name__": "__main__"})
    return out.getvalue()


@pytest.mark.parametrize(("state", "name", "feature"), [
    pytest.param({"reg_data": "stackloss", "reg_feature": "water_temp", "reg_steps": 10},
                 "stackloss", "water_temp", id="a-set"),
    pytest.param({"reg_data": "csv", "reg_csv_feature": "score", "reg_csv_target": "hours",
                  "reg_steps": 10}, None, None, id="a-file"),
])
def test_the_exported_script_fits_the_same_data(state, name, feature, tmp_path, monkeypatch):
    (tmp_path / "your_data.csv").write_bytes(GOOD)
    printed = _script_prints(state, tmp_path, monkeypatch)
    if name is None:
        x, y = np.array([52, 55, 61, 60, 68, 20.0]), np.arange(1.0, 7.0)
    else:
        _, x, y = _set(name, feature)
    for loss in fo.LOSSES:
        w, b = robust_line(x, y, loss, delta=1.0)
        assert f"its best line: slope {w:.4g}, intercept {b:.4g}" in printed


def test_the_conventions_page_uses_the_labs_real_data(tmp_path, monkeypatch, capsys):
    from lossviz.ui.snippets import snippet

    query = {"reg_data": "stackloss", "reg_feature": "water_temp", "reg_slope": "2.0",
             "reg_intercept": "-1.0"}
    lab = _app({"section": "regression", "reg_view": REG_VIEWS[1], **query})
    lab_mse = {m.label: m.value for m in lab.metric}["MSE of your line"]
    _, x, y = _set("stackloss", "water_temp")
    assert slider_units(x, y).intercept == 10.0  # the intercept slider counts in tens here
    assert lab_mse == card_text(np.mean((2.0 * x - 10.0 - y) ** 2))
    at = _app({"section": "conventions", "conv_source": "regression lab", "conv_loss": "mse",
               **query})
    ours = float(at.metric[0].value)
    assert card_text(ours) == lab_mse
    assert "Stack loss of a nitric" in _captions(at)
    state = {k: at.session_state[k] for k in at.session_state if k.startswith(("reg_", "conv_"))}
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet(state, "conventions"), "view.py", "exec"), {"__name__": "__main__"})
    assert f"lossviz: {ours:.8g}"[:14] in capsys.readouterr().out


def test_a_table_column_keeps_one_number_of_decimals():
    from lossviz.numbers import column_texts

    assert column_texts([0.617, 0.7104, 0.621]) == ["0.6170", "0.7104", "0.6210"]
    assert column_texts([15020.4, 9876.0]) == ["15,020", "9,876"]
    assert column_texts([2.5, 12.25]) == ["2.50", "12.25"]


@pytest.mark.parametrize("loss", ["huber", "mse"])  # 4 of 4 agree; 3 of 4 (Keras: float32)
def test_the_conventions_page_points_to_other_libraries_only_when_some_differ(loss):
    at = _app({"section": "conventions", "conv_loss": loss})
    head = next(m.value for m in at.markdown if "libraries give this number" in m.value)
    same = int(head.split("**")[1].split(" of ")[0])
    total = int(head.split(" of ")[1].split(" ")[0])
    assert ("How the others differ" in head) == (same < total)


def test_the_file_and_its_columns_outlive_a_visit_to_another_page():
    at = _upload(GOOD)
    at.selectbox(key=page.CSV_TARGET).set_value("hours")
    at.selectbox(key=page.CSV_FEATURE).set_value("score")
    _ok(at.run())
    at.session_state["_lossviz_open_page"] = "custom"
    _ok(at.run())
    at.session_state["_lossviz_open_page"] = "regression"
    _ok(at.run())
    assert at.selectbox(key=page.CSV_TARGET).value == "hours"
    assert at.selectbox(key=page.CSV_FEATURE).value == "score"
    assert _charts(at) == HERO
    assert any("Using mine\\.csv, the file you uploaded earlier" in c.value for c in at.caption)
