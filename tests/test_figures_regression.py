"""Regression figures: data and lines, the loss and gradient curves with a state per delta,
per-point pull, the outlier sweep; the first picture of the page (``lossviz.figures.outliers``:
every loss's exact best line for every outlier distance); and the table reader behind it."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from plotly_data import plotly_array as _arr

import lossviz
from lossviz.experiments import outlier_sweep, read_points, robust_line
from lossviz.figures import outliers as fo
from lossviz.figures.regression import (
    C_DELTA,
    C_HANDLE,
    C_HUBER,
    C_HUBER_POINTS,
    C_KINKS,
    C_MAE,
    C_MSE,
    C_POINTS,
    MAX_CURVE_POINTS,
    OUTLIER_MARK,
    curves_data,
    curves_figure,
    curves_states,
    data_figure,
    delta_drag,
    pull_data,
    pull_figure,
    sweep_figure,
)
from lossviz.figures.states import show_state
from lossviz.figures.style import loss_color

DELTAS = [0.5, 1.0, 1.5, 2.0]


def _spec(fig) -> dict:
    return json.loads(fig.to_json())


def _trace(spec: dict, name: str, axis: str = "x") -> dict:
    for t in spec["data"]:
        if t.get("name") == name and t.get("xaxis", "x") == axis:
            return t
    raise AssertionError(f"no trace {name!r} on {axis}: {[t.get('name') for t in spec['data']]}")


@pytest.fixture(scope="module")
def data():
    return lossviz.make_regression(20, outliers=1, outlier_shift=25.0, seed=3)


# -- data and lines ----------------------------------------------------------------------------
def test_data_figure_draws_each_residual_and_each_line(data):
    pred = 0.5 * data.x + 1.0
    lines = {"mse": (1.9, 2.9), "mae": (1.5, 2.1), "huber": (1.55, 2.2)}
    spec = _spec(data_figure(data.x, data.y, predictions=pred, is_outlier=data.is_outlier,
                             lines=lines, user_line=(0.5, 1.0)))
    seg = spec["data"][0]
    sx, sy = _arr(seg["x"]).reshape(-1, 3), _arr(seg["y"]).reshape(-1, 3)
    np.testing.assert_allclose(sx[:, 0], data.x)
    np.testing.assert_allclose(sy[:, 0], data.y)
    np.testing.assert_allclose(sy[:, 1], pred)
    for name, (w, b) in lines.items():
        t = _trace(spec, f"{name.upper() if name != 'huber' else 'Huber'} fit")
        assert t["line"]["color"] == loss_color(name)
        x, y = _arr(t["x"]), _arr(t["y"])
        np.testing.assert_allclose(y, w * x + b, rtol=1e-4)
    out = _trace(spec, "outliers")
    np.testing.assert_allclose(_arr(out["x"]), data.x[data.is_outlier])
    assert out["marker"]["color"] == OUTLIER_MARK
    assert len(_arr(_trace(spec, "points")["x"])) == int((~data.is_outlier).sum())


def test_data_figure_without_points_is_still_a_figure():
    spec = _spec(data_figure([], [], predictions=[]))
    assert spec["layout"]["xaxis"]["title"]["text"] == "x"


# -- loss and gradient against the residual -----------------------------------------------------
R = np.array([-6.0, -0.4, 0.2, 1.2, 3.0, -17.0])
OUT = np.array([False, False, False, False, False, True])


def _xy(fig, index: int) -> tuple[np.ndarray, np.ndarray]:
    t = fig.data[index]
    return _arr(t.x), _arr(t.y)


def test_curves_are_each_losses_value_and_slope():
    fig = curves_figure(curves_data(R, delta=1.5, deltas=DELTAS))
    for (loss_i, grad_i), name in ((C_MSE, "mse"), (C_MAE, "mae"), (C_HUBER, "huber")):
        loss = lossviz.get_loss(name, **({"delta": 1.5} if name == "huber" else {}))
        x, y = _xy(fig, loss_i)
        np.testing.assert_allclose(y, loss.elementwise(x), rtol=1e-12, atol=1e-12)
        x, y = _xy(fig, grad_i)
        # MAE's slope jumps at 0 (drawn as a vertical step; its value there is 0)
        off = x != 0 if name == "mae" else np.ones(len(x), bool)
        np.testing.assert_allclose(y[off], loss.derivative(x[off]), rtol=1e-12, atol=1e-12)
        assert fig.data[loss_i].name == fig.data[grad_i].name
        assert fig.data[loss_i].line.color == loss_color(name)
    # every point on the MSE and MAE curves (cost on top, pull below)
    x, y = _xy(fig, C_POINTS[0])
    np.testing.assert_allclose(x, np.tile(R, 2))
    np.testing.assert_allclose(y, np.concatenate([R * R, np.abs(R)]))
    x, y = _xy(fig, C_POINTS[1])
    np.testing.assert_allclose(y, np.concatenate([2 * R, np.sign(R)]))


def test_the_residual_axis_reaches_every_point_and_the_outlier_is_shown():
    data = curves_data(R, delta=1.0, is_outlier=OUT)
    fig = curves_figure(data)
    low, high = fig.layout.xaxis2.range
    assert low <= R.min()
    assert high >= R.max()
    assert fig.data[C_POINTS[0]].marker.color[5] == OUTLIER_MARK
    assert fig.data[C_POINTS[0]].marker.color[0] != OUTLIER_MARK
    # many points: an even subsample, the outliers always among them
    r = np.linspace(-3, 3, 500)
    out = np.zeros(500, bool)
    out[[7, 333]] = True
    many = curves_data(r, delta=1.0, is_outlier=out)
    assert len(many.points) <= MAX_CURVE_POINTS + 2
    assert {8, 334} <= set(many.rows.tolist())  # rows count from 1, as the table does
    np.testing.assert_allclose(many.points, r[many.rows - 1])


def test_each_delta_state_shows_that_deltas_huber_kinks_points_and_handle():
    data = curves_data(R, delta=1.5, deltas=DELTAS, is_outlier=OUT)
    fig = curves_figure(data)
    states = curves_states(data).check()
    assert states.values.tolist() == DELTAS
    assert states.index == DELTAS.index(1.5)
    for k, d in enumerate(DELTAS):
        shown = show_state(fig, states, k)
        huber = lossviz.get_loss("huber", delta=d)
        x, y = _xy(shown, C_HUBER[0])
        np.testing.assert_allclose(y, huber.elementwise(x), rtol=1e-12)
        x, y = _xy(shown, C_HUBER[1])
        np.testing.assert_allclose(y, huber.derivative(x), rtol=1e-12)
        np.testing.assert_allclose(_xy(shown, C_HUBER_POINTS[0])[1], huber.elementwise(R))
        np.testing.assert_allclose(_xy(shown, C_HUBER_POINTS[1])[1], huber.derivative(R))
        assert [*_xy(shown, C_HANDLE)[0], *_xy(shown, C_HANDLE)[1]] == [d, d]
        for kinks in C_KINKS:  # a dotted line at -δ and one at δ, in each panel
            x = np.array(shown.data[kinks].x, dtype=float)  # the gap: None or NaN
            assert x[[0, 1, 3, 4]].tolist() == [-d, -d, d, d]
            assert np.isnan(x[2])
        assert list(shown.data[C_DELTA].x) == [d]
        assert list(shown.data[C_DELTA].text) == [f"δ = {d:g}"]
        assert not states.layout  # a state moves traces alone (no redraw in the browser)
        # the MSE and MAE curves do not depend on delta
        np.testing.assert_allclose(_xy(shown, C_MSE[0])[1], _xy(fig, C_MSE[0])[1])
    # the figure as built is its current state
    now = show_state(fig, states, states.index)
    for t in (*C_HUBER, *C_HUBER_POINTS, C_HANDLE):
        np.testing.assert_allclose(_xy(now, t)[0], _xy(fig, t)[0])
        np.testing.assert_allclose(_xy(now, t)[1], _xy(fig, t)[1])


def test_dragging_the_handle_to_a_height_picks_that_delta():
    data = curves_data(R, delta=1.0, deltas=DELTAS)
    states = curves_states(data)
    drag = delta_drag()
    heights = [row[drag.point] for row in states.traces[drag.trace]["y"]]
    assert heights == pytest.approx(DELTAS)
    for d in DELTAS:
        assert states.values[states.nearest(d + 0.01)] == d


def test_curves_without_points_still_draw():
    data = curves_data([], delta=1.0, deltas=DELTAS)
    fig = curves_figure(data)
    assert fig.data[C_MSE[0]].y is not None
    assert len(fig.data[C_POINTS[0]].x) == 0
    assert curves_states(data).check().count == len(DELTAS)


# -- each point's pull --------------------------------------------------------------------------
def test_pull_is_2r_for_mse_capped_at_1_for_mae_and_at_delta_for_huber():
    r = np.array([-10.0, -0.5, 0.0, 0.25, 8.0])
    p = pull_data(r, delta=1.5)
    np.testing.assert_allclose(p.pull["mse"], 2 * r)
    np.testing.assert_allclose(p.pull["mae"], np.sign(r))
    np.testing.assert_allclose(p.pull["huber"], np.clip(r, -1.5, 1.5))
    for name in p.share:
        assert p.share[name].sum() == pytest.approx(100.0)
    assert p.share["mse"][0] > p.share["huber"][0] > p.share["mae"][0] * 0.9


def test_pull_of_a_perfect_fit_is_zero_not_nan():
    p = pull_data(np.zeros(3), delta=1.0)
    assert all(np.all(v == 0) for v in p.share.values())


def test_pull_figure_bars_and_outlier_band():
    r = np.array([0.5, -1.0, 20.0])
    spec = _spec(pull_figure(r, delta=1.0, is_outlier=[False, False, True]))
    bars = [t for t in spec["data"] if t["type"] == "bar"]
    assert [t["name"] for t in bars] == ["MSE", "MSE", "MAE", "MAE", "Huber", "Huber"]
    np.testing.assert_allclose(_arr(bars[1]["y"]), 2 * r)
    assert [s["x0"] for s in spec["layout"]["shapes"]] == [2.5]


# -- the outlier sweep --------------------------------------------------------------------------
def test_sweep_figure_plots_the_sweep(data):
    clean = ~data.is_outlier
    sweep = outlier_sweep(data.x[clean], data.y[clean], outlier_x=4.5,
                          magnitudes=np.linspace(0, 50, 6), delta=1.0)
    spec = _spec(sweep_figure(sweep, clean_slope=1.5, current=25.0, delta=1.0))
    mse = _trace(spec, "MSE")
    np.testing.assert_allclose(_arr(mse["y"]), sweep.slope["mse"])
    err = _trace(spec, "Huber (δ = 1)", axis="x2")
    np.testing.assert_allclose(_arr(err["y"]), sweep.clean_error["huber"])
    ref = _trace(spec, "slope without the outlier")
    assert _arr(ref["y"]).tolist() == [1.5, 1.5]
    assert [s["x0"] for s in spec["layout"]["shapes"]] == [25.0, 25.0]


# -- the table reader ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "says"),
    [
        pytest.param("abc", "not a number", id="text"),
        pytest.param(None, "x is empty", id="none"),
        pytest.param("", "x is empty", id="blank"),
        pytest.param(float("nan"), "x is empty", id="nan"),
        pytest.param(1e308, "beyond", id="huge"),
        pytest.param(float("inf"), "not a finite number", id="inf"),
    ],
)
def test_read_points_leaves_bad_rows_out_with_a_note(cell, says):
    pts = read_points({"x": [1.0, cell, 3.0], "target": [1, 2, 3], "prediction": [0, 0, 0],
                       "outlier": [False, True, None]})
    assert pts.rows.tolist() == [1, 3]
    assert pts.x.tolist() == [1.0, 3.0]
    assert pts.is_outlier.tolist() == [False, False]
    assert len(pts.problems) == 1
    assert pts.problems[0].startswith("row 2:")
    assert says in pts.problems[0]


def test_read_points_accepts_numeric_text_and_caps_rows():
    pts = read_points({"x": ["1.5", 2], "target": [1, " 2 "], "prediction": [0, 0]})
    assert pts.x.tolist() == [1.5, 2.0]
    assert pts.y.tolist() == [1.0, 2.0]
    many = read_points({"x": list(range(10)), "target": [0] * 10, "prediction": [0] * 10},
                       max_points=4)
    assert len(many.x) == 4
    assert many.problems == ["rows 5 to 10: left out, the table takes at most 4 points"]


def test_read_points_needs_its_columns():
    with pytest.raises(ValueError, match="prediction"):
        read_points({"x": [1], "target": [1]})


def test_pull_figure_without_points_is_still_a_figure():
    assert _spec(pull_figure([], delta=1.0))["data"]


# -- the first picture: every loss's best line for every outlier distance ------------------------
SHIFT = 20.0
SHIFTS = np.arange(-60.0, 61.0)


@pytest.fixture(scope="module")
def lab():
    d = lossviz.make_regression(30, outliers=1, outlier_shift=SHIFT, seed=0)
    return d, fo.lines_data(d.x, d.y, d.is_outlier, delta=1.0, shift=SHIFT, shifts=SHIFTS)


def _moved(d, s: float) -> np.ndarray:
    y = d.y.copy()
    y[d.is_outlier] += s - SHIFT
    return y


def test_the_mse_line_is_least_squares(lab):
    d, data = lab
    w, b = np.polyfit(d.x, d.y, 1)
    np.testing.assert_allclose(data.lines["mse"], [w, b], rtol=1e-10)
    clean = ~d.is_outlier
    np.testing.assert_allclose(data.clean, np.polyfit(d.x[clean], d.y[clean], 1), rtol=1e-10)


def test_each_swept_line_is_the_best_line_of_the_moved_data(lab):
    d, data = lab
    assert SHIFT in data.shifts
    assert data.shifts[data.index] == SHIFT
    assert set(data.shifts) <= set(SHIFTS) | {SHIFT}
    for name in fo.LOSSES:
        np.testing.assert_array_equal(data.lines[name], data.swept[name][data.index])
    for k in range(0, len(data.shifts), 7):
        y = _moved(d, data.shifts[k])
        np.testing.assert_allclose(data.outlier_y[k], y[d.is_outlier])
        for name in fo.LOSSES:
            best = robust_line(d.x, y, name, delta=1.0)
            np.testing.assert_allclose(data.swept[name][k], best, rtol=1e-6, atol=1e-7)
    mse = data.swept["mse"][:, 0]
    mae = data.swept["mae"][:, 0]
    assert np.ptp(mse) > 0.5  # MSE follows the outlier ...
    assert np.ptp(mae) < 0.05  # ... MAE hardly moves


def test_only_distances_the_chart_can_show_are_kept(lab):
    _, data = lab
    low, high = data.y_range
    assert np.all((data.outlier_y >= low) & (data.outlier_y <= high))
    assert len(data.shifts) > 20


def test_typed_points_have_one_state_and_no_clean_line_without_outliers():
    x, y = np.arange(5.0), np.array([0.0, 1.0, 2.0, 3.0, 4.5])
    data = fo.lines_data(x, y, np.zeros(5, bool), delta=1.0)
    assert data.shifts.tolist() == [0.0]
    assert data.clean is None
    assert fo.lines_states(data).check().count == 1
    assert "No outlier" in fo.pull_sentence(fo.pulls_data(data))


def test_the_states_rows_are_what_the_figure_shows_at_each_distance(lab):
    d, data = lab
    fig = fo.lines_figure(data)
    states = fo.lines_states(data).check()
    assert states.values.tolist() == data.shifts.tolist()
    ends = np.array(data.x_range)
    for k in (0, data.index, len(data.shifts) - 1):
        shown = show_state(fig, states, k)
        for name in fo.LOSSES:
            t = shown.data[fo.T_LINES[name]]
            w, b = data.swept[name][k]
            np.testing.assert_allclose(_arr(t.y), w * ends + b, rtol=1e-12)
            assert t.name == fo.NAMES[name]
        np.testing.assert_allclose(_arr(shown.data[fo.T_OUTLIERS].y), data.outlier_y[k])
        assert f"MSE {data.swept['mse'][k][0]:.2f}" in states.captions[k]
    now = show_state(fig, states, states.index)
    for i in (fo.T_OUTLIERS, *fo.T_LINES.values()):
        np.testing.assert_allclose(_arr(now.data[i].y), _arr(fig.data[i].y))
    # dragging the outlier to a height picks the distance that puts it there
    drag = fo.outlier_drag()
    heights = np.array([row[drag.point] for row in states.traces[drag.trace]["y"]])
    np.testing.assert_allclose(heights, d.y[d.is_outlier][0] + data.shifts - SHIFT)


def test_pulls_at_a_best_line_balance(lab):
    _, data = lab
    pulls = fo.pulls_data(data)
    assert fo.pulls_states(pulls).check().count == len(data.shifts)
    for name in ("mse", "huber"):  # smooth losses: zero slope of the mean at the best line
        sums = pulls.pull[name].sum(axis=1)
        np.testing.assert_allclose(sums, 0.0, atol=1e-8 * np.abs(pulls.pull[name]).max())
    assert np.all(np.abs(pulls.pull["mae"]) <= 1.0)
    assert np.all(np.abs(pulls.pull["huber"]) <= 1.0 + 1e-12)
    # points left to right, the outlier's column marked
    np.testing.assert_array_equal(np.diff(data.x[pulls.order]) >= 0, True)
    assert pulls.is_outlier.sum() == 1


def test_many_points_keep_every_outlier_among_the_bars():
    d = lossviz.make_regression(200, outliers=5, outlier_shift=30.0, seed=2)
    data = fo.lines_data(d.x, d.y, d.is_outlier, delta=1.0, shift=30.0, shifts=SHIFTS)
    pulls = fo.pulls_data(data, max_bars=40)
    assert len(pulls.order) <= 40
    assert pulls.is_outlier.sum() == 5
    assert set(np.flatnonzero(d.is_outlier)) <= set(pulls.order.tolist())


def test_pull_sentence_says_the_numbers_of_the_pulls(lab):
    d, data = lab
    sentence = fo.pull_sentence(fo.pulls_data(data))
    out = d.is_outlier
    r = {n: (data.lines[n][0] * d.x + data.lines[n][1] - d.y) for n in fo.LOSSES}
    mse_out = abs(2 * r["mse"][out][0])
    typical = float(np.median(np.abs(2 * r["mse"][~out])))
    assert f"the outlier pulls with {mse_out:.1f}, a typical point with {typical:.1f}" in sentence
    assert "On the MAE line it pulls with 1, like any point" in sentence
    hub = min(abs(r["huber"][out][0]), 1.0)
    here = "" if f"{hub:.2g}" == "1" else f" (here {hub:.2g})"  # said only when not δ
    assert f"at most δ\u00a0=\u00a01{here}." in sentence


def test_the_line_labels_stay_inside_the_axis_when_they_crowd_at_the_top():
    """On Engel's data Huber ends where MAE does, at the top of the axis: pushed apart, the
    upper label once left the axis and plotly hid it (MAE's name was missing)."""
    import lossviz
    from lossviz.figures import outliers as fo

    d = lossviz.datasets.load("engel")
    x, y = d.x[:, 0], d.y
    data = fo.lines_data(x, y, np.zeros(len(x), bool), delta=1.0, min_pad=0.0)
    heights = fo._label_heights(data, 0)
    assert all(data.y_range[0] <= h <= data.y_range[1] for h in heights)
    gap = 0.065 * (data.y_range[1] - data.y_range[0])
    ordered = sorted(heights)
    assert all(b - a >= gap - 1e-9 for a, b in itertools.pairwise(ordered))


def test_the_outliers_label_sits_beside_the_outlier_farthest_from_every_line():
    """On the star cluster the label sat beside the lowest giant, one of the two points the
    MAE line passes through: the line ran through the word. It now sits by the giant
    farthest from every line, and follows that one through the states."""
    from lossviz.claims import STARS_GIANT_BELOW
    from lossviz.figures import outliers as fo

    d = lossviz.datasets.load("stars_cyg_ob1")
    x, y = d.x[:, 0], d.y
    giants = x < STARS_GIANT_BELOW  # as the page marks them
    data = fo.lines_data(x, y, giants, delta=1.0, min_pad=0.0)
    outliers = fo.lines_figure.spec(data)["data"][fo.T_OUTLIERS]
    named = [i for i, text in enumerate(outliers["text"]) if text]
    assert [outliers["text"][i] for i in named] == ["outliers"]
    xo, yo = x[giants], y[giants]
    gaps = [min(abs(yo[i] - (w * xo[i] + b)) for w, b in data.lines.values())
            for i in range(len(xo))]
    i = int(np.argmax(gaps))
    assert named == [i]  # the name is that outlier's text: it moves with it
    assert min(gaps) < 1e-9  # the old spot: on the MAE line
    assert gaps[i] > 0.5  # this one: clear of every line

    g = lossviz.make_regression(30, outliers=3, outlier_shift=20.0, seed=0)
    swept = fo.lines_data(g.x, g.y, g.is_outlier, delta=1.0, shift=20.0,
                          shifts=np.arange(-40.0, 41.0))
    states = fo.lines_states(swept)
    k = fo._labelled_outlier(swept)
    text = fo.lines_figure.spec(swept)["data"][fo.T_OUTLIERS]["text"]
    assert [i for i, t in enumerate(text) if t] == [k]
    assert text[k] == "outliers: drag one"
    # A state moves the outliers (their names with them) and the lines' names: no layout.
    assert not states.layout
    np.testing.assert_array_equal(states.traces[fo.T_OUTLIERS]["y"], swept.outlier_y)
    np.testing.assert_array_equal(states.traces[fo.T_LABELS]["y"][swept.index],
                                  fo._label_heights(swept, swept.index))



@pytest.mark.parametrize(("shift", "place", "side"), [
    (10.0, "right", "top left"), (-10.0, "right", "bottom left"),
    (10.0, "left", "top right"), (-10.0, "left", "bottom right")])
def test_the_outliers_name_sits_on_the_far_side_from_the_lines(shift, place, side):
    """Beside the outlier at its height, the name crossed the lines when the outlier came
    within a few units of them (at 1024 px, 6 below): it now sits above an outlier above the
    lines and below one below them, toward the middle of the plot."""
    from lossviz.figures import outliers as fo

    g = lossviz.make_regression(30, outliers=1, outlier_shift=shift, outlier_place=place,
                                seed=0)
    data = fo.lines_data(g.x, g.y, g.is_outlier, delta=1.0, shift=shift,
                         shifts=np.arange(-20.0, 21.0))
    outliers = fo.lines_figure.spec(data)["data"][fo.T_OUTLIERS]
    assert outliers["textposition"] == side


# -- cross-validation: each loss's line from every fold ------------------------------------------
def test_fold_lines_draw_each_folds_line_of_each_loss_over_the_points():
    from lossviz.experiments import cross_validate
    from lossviz.figures.regression import fold_lines_data, fold_lines_figure

    d = lossviz.make_regression(40, outliers=2, outlier_shift=25, seed=3)
    cv = cross_validate(d.x, d.y, delta=2.0, folds=5)
    data = fold_lines_data(d.x, d.y, cv, delta=2.0)
    fig = json.loads(fold_lines_figure(data, x_title="income", y_title="food").to_json())
    traces = fig["data"]
    assert len(traces) == 3 * (1 + 5)  # per loss: the points, then its five lines
    for j, name in enumerate(("mse", "mae", "huber")):
        panel = traces[6 * j: 6 * j + 6]
        axis = "" if j == 0 else str(j + 1)
        assert {t.get("xaxis", "x") for t in panel} == {"x" + axis}
        np.testing.assert_array_equal(_arr(panel[0]["y"]), d.y)
        for k, line in enumerate(panel[1:]):
            xs, ys = _arr(line["x"]), _arr(line["y"])
            np.testing.assert_allclose(ys, cv.slopes[j, k] * xs + cv.intercepts[j, k])
            assert line["line"]["color"] == loss_color(name)
            assert line["name"] == f"{['MSE', 'MAE', 'Huber'][j]} fit {k + 1}"
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles == ["MSE", "MAE", "Huber (δ = 2)"]
    # every panel on the same y range, which holds every point and every line
    ranges = {tuple(fig["layout"][f"yaxis{s}"]["range"]) for s in ("", "2", "3")}
    assert len(ranges) == 1
    lo, hi = ranges.pop()
    assert lo < d.y.min()
    assert hi > d.y.max()
    # each axis titled once (under the middle panel, beside the first)
    assert [fig["layout"][f"xaxis{s}"].get("title", {}).get("text") for s in ("", "2", "3")] \
        == [None, "income", None]
    assert [fig["layout"][f"yaxis{s}"].get("title", {}).get("text") for s in ("", "2", "3")] \
        == ["food", None, None]


def test_fold_lines_refuse_mismatched_points_or_folds():
    from lossviz.experiments import cross_validate
    from lossviz.figures.regression import fold_lines_data

    x = np.arange(20.0)
    cv = cross_validate(x, 2 * x, folds=5)
    with pytest.raises(ValueError, match="same length"):
        fold_lines_data(x, x[:-1], cv, delta=1.0)
    with pytest.raises(ValueError, match="one row"):
        fold_lines_data(x, x, cv._replace(slopes=cv.slopes[:2]), delta=1.0)


def test_a_large_delta_is_written_with_thousands_separators():
    # On house prices δ counts in units of 10,000: "δ = 20000" is hard to read at a glance.
    from lossviz.figures.style import loss_label_at

    assert loss_label_at("huber", 20000.0) == "Huber (δ = 20,000)"
    assert loss_label_at("huber", 1.5) == "Huber (δ = 1.5)"
    assert loss_label_at("mse", 20000.0) == "MSE"
