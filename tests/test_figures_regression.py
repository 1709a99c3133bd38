"""Regression figures: data and lines, residual curves with the in-figure delta slider,
per-point pull, the outlier sweep; and the table reader behind the page."""

from __future__ import annotations

import json

import numpy as np
import pytest
from plotly_data import plotly_array as _arr

import lossviz
from lossviz.experiments import outlier_sweep, read_points
from lossviz.figures.regression import (
    OUTLIER_MARK,
    data_figure,
    pull_data,
    pull_figure,
    residual_curves_figure,
    sweep_figure,
)
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
def test_residual_curves_slider_holds_every_delta_state():
    r = np.array([-6.0, -0.4, 0.2, 1.2, 3.0])
    spec = _spec(residual_curves_figure(r, delta=1.5, deltas=DELTAS))
    slider = spec["layout"]["sliders"][0]
    assert [s["label"] for s in slider["steps"]] == ["0.5", "1", "1.5", "2"]
    assert slider["active"] == 2
    assert [s["args"][0] for s in slider["steps"]] == [[f["name"]] for f in spec["frames"]]
    for frame, d in zip(spec["frames"], DELTAS, strict=True):
        huber = lossviz.get_loss("huber", delta=d)
        loss, grad, kink1, kink2, pts_loss, pts_grad = frame["data"]
        # the Huber curves are exact at their sample points, kinks sit at +-delta
        np.testing.assert_allclose(loss["y"], huber.elementwise(np.array(loss["x"])), rtol=1e-3,
                                   atol=1e-4)
        np.testing.assert_allclose(grad["y"], huber.derivative(np.array(grad["x"])), rtol=1e-3)
        assert kink1["x"] == [-d, -d, None, d, d]
        assert kink2["x"] == kink1["x"]
        np.testing.assert_allclose(pts_loss["y"], huber.elementwise(r), rtol=1e-3)
        np.testing.assert_allclose(pts_grad["y"], huber.derivative(r), rtol=1e-3)
        assert pts_loss["marker"]["color"] == (np.abs(r) > d).astype(int).tolist()
        moved = [spec["data"][i] for i in frame["traces"]]
        assert [t["name"] for t in moved] == ["Huber", "Huber", "kinks at ±δ", "kinks at ±δ",
                                              *["your points: blue inside ±δ, pink outside"] * 2]
    mse = _trace(spec, "MSE")
    np.testing.assert_allclose(_arr(mse["y"]), _arr(mse["x"]) ** 2, rtol=1e-6)
    # the still picture shows the current delta
    pts = [t for t in spec["data"] if t.get("mode") == "markers"]
    assert pts[0]["marker"]["color"] == (np.abs(r) > 1.5).astype(int).tolist()
    assert _trace(spec, "kinks at ±δ")["x"] == [-1.5, -1.5, None, 1.5, 1.5]


def test_residual_curves_without_a_slider():
    spec = _spec(residual_curves_figure([0.5], delta=1.0))
    assert "sliders" not in spec["layout"]
    assert not spec.get("frames")


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


def test_figures_without_points_still_draw_the_curves():
    spec = _spec(residual_curves_figure([], delta=1.0, deltas=DELTAS))
    assert _trace(spec, "MSE")
    assert len(spec["frames"]) == len(DELTAS)
    assert _spec(pull_figure([], delta=1.0))["data"]
