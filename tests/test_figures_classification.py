"""Classification figures: the numbers drawn are lossviz's numbers, at the right places."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly_data import plotly_array as _arr

import lossviz
from lossviz.classify import line_in_box, margins, sigmoid
from lossviz.figures.classification import (
    SURROGATES,
    BoundaryFit,
    boundary_figure,
    margin_data,
    margin_figure,
    margin_values,
    probability_data,
    probability_figure,
    softmax_data,
    softmax_figure,
)
from lossviz.figures.style import loss_color, loss_label


def _traces(fig: go.Figure, name: str) -> list:
    return [t for t in fig.data if t.name == name]


@pytest.fixture(scope="module")
def flipped_2d():
    data = lossviz.make_classification(40, dim=2, flip=4, seed=0)
    clean = np.where(data.is_flipped, 1 - data.y, data.y)
    fits = [
        BoundaryFit(
            name,
            lossviz.fit(data.x, data.y, name, lr=0.1, steps=120).params,
            lossviz.fit(data.x, clean, name, lr=0.1, steps=120).final_params,
        )
        for name in SURROGATES
    ]
    return data, fits


# -- margin picture ---------------------------------------------------------------------------
def test_cross_entropy_in_bits_touches_the_zero_one_loss_at_zero():
    nats, _ = margin_values("cross_entropy", [0.0])
    bits, slope = margin_values("cross_entropy", [0.0], bits=True)
    assert nats[0] == pytest.approx(math.log(2.0), rel=1e-15)
    assert bits[0] == pytest.approx(1.0, rel=1e-15)
    assert slope[0] == pytest.approx(-0.5 / math.log(2.0), rel=1e-15)
    assert margin_values("zero_one", [0.0])[0][0] == 1.0
    # bits change only cross-entropy
    assert margin_values("hinge", [0.0], bits=True)[0][0] == 1.0


@pytest.mark.parametrize("name", SURROGATES)
def test_margin_data_places_points_on_each_loss_and_its_slope(name):
    m = np.array([-2.5, -0.3, 0.0, 0.7, 1.0, 2.2])
    data = margin_data(SURROGATES, point_margins=m)
    loss = lossviz.get_loss(name)
    np.testing.assert_array_equal(data.point_values[name], loss.elementwise(m))
    np.testing.assert_array_equal(data.point_slopes[name], loss.derivative(m))
    np.testing.assert_array_equal(data.values[name], loss.elementwise(data.m))
    assert "zero_one" in data.names
    assert 0.0 in data.m  # the 0-1 jump is drawn where it is


def test_margin_axis_widens_to_show_every_point_but_not_forever():
    assert margin_data(["hinge"], point_margins=[-5.0, 3.5]).m[[0, -1]].tolist() == [-5.3, 3.8]
    assert margin_data(["hinge"], point_margins=[9.0]).m[-1] == 4.0  # the flat tail is cut
    assert margin_data(["hinge"], point_margins=[-50.0]).m[0] == -8.0
    assert margin_data(["hinge"]).m[[0, -1]].tolist() == [-3.0, 3.0]


def test_margin_figure_draws_every_loss_in_its_colour_with_the_points_on_top():
    m = np.array([-4.0, -0.5, 0.5, 2.0])
    data = margin_data(SURROGATES, point_margins=m, labels=[1, 0, 1, 0],
                       flipped=[True, False, False, False])
    fig = margin_figure(data, y_max=5.0)
    for name in (*SURROGATES, "zero_one"):
        label = loss_label(name)
        lines = [t for t in _traces(fig, label) if t.mode == "lines"]
        assert len(lines) == 2  # loss and slope
        assert all(t.line.color == loss_color(name) for t in lines)
    exp_points = [t for t in _traces(fig, "Exponential") if t.mode == "markers"]
    loss_pts, slope_pts = exp_points
    # e^4 = 54.6 is off the chart: drawn at the top edge as a triangle, true value in hover
    y = _arr(loss_pts.y)
    assert y[0] == pytest.approx(5.0)
    assert _arr(loss_pts.customdata)[0, 1] == pytest.approx(math.exp(4.0), rel=1e-6)
    np.testing.assert_allclose(y[1:], np.exp(-m[1:]), rtol=1e-6)
    # plotly symbol codes: 5 triangle-up, 6 triangle-down, +100 hollow (the flipped point)
    np.testing.assert_array_equal(_arr(loss_pts.marker.symbol), [105, 0, 0, 0])
    np.testing.assert_array_equal(_arr(slope_pts.marker.symbol), [106, 0, 0, 0])


def test_points_beyond_the_margin_axis_sit_at_its_edge_pointing_out():
    data = margin_data(["hinge"], point_margins=[-1.0, 9.0])
    pts = next(t for t in margin_figure(data).data if t.name == "Hinge" and t.mode == "markers")
    np.testing.assert_allclose(_arr(pts.x), [-1.0, 4.0])
    np.testing.assert_array_equal(_arr(pts.marker.symbol), [0, 8])  # 8: triangle-right
    assert _arr(pts.customdata)[1, 2] == 9.0  # the true margin, for the hover text


def test_margin_figure_in_bits_names_the_unit_and_marks_the_touch_point():
    fig = margin_figure(margin_data(["cross_entropy"], bits=True))
    line = next(t for t in fig.data if t.name == "Cross-entropy (bits)" and t.mode == "lines")
    at_zero = int(np.flatnonzero(np.asarray(line.x) == 0.0)[0])
    assert line.y[at_zero] == pytest.approx(1.0, rel=1e-6)
    assert any("m = 0" in (a.text or "") for a in fig.layout.annotations)


# -- decision boundaries ---------------------------------------------------------------------
def test_boundary_figure_draws_each_final_boundary_where_f_is_zero(flipped_2d):
    data, fits = flipped_2d
    fig = boundary_figure(data.x, data.y, fits, flipped=data.is_flipped)
    for fit in fits:
        line = next(t for t in fig.data if t.name == loss_label(fit.name))
        assert line.line.color == loss_color(fit.name)
        w1, w2, b = fit.params[-1]
        np.testing.assert_allclose(w1 * _arr(line.x) + w2 * _arr(line.y) + b, 0.0,
                                   atol=1e-3 * (abs(w1) + abs(w2)) * 10)
    for level in (-1, 1):
        margin = next(t for t in fig.data if t.name == f"Hinge margin f = {level:+d}")
        w1, w2, b = fits[1].params[-1]
        np.testing.assert_allclose(w1 * _arr(margin.x) + w2 * _arr(margin.y) + b,
                                   level, atol=1e-2)
    ring = next(t for t in fig.data if t.name == "flipped label")
    assert len(_arr(ring.x)) == int(data.is_flipped.sum())


def test_probability_shading_is_sigmoid_of_the_cross_entropy_score(flipped_2d):
    data, fits = flipped_2d
    fig = boundary_figure(data.x, data.y, fits, flipped=data.is_flipped)
    heat = next(t for t in fig.data if t.type == "heatmap")
    w1, w2, b = fits[0].params[-1]
    x1, x2 = _arr(heat.x), _arr(heat.y)
    expected = sigmoid(w1 * x1[None, :] + w2 * x2[:, None] + b)
    np.testing.assert_allclose(_arr(heat.z), expected, atol=1e-5)
    assert not any(t.type == "heatmap" for t in
                   boundary_figure(data.x, data.y, fits, probability_of=None).data)


def test_boundary_animation_starts_untrained_and_ends_at_the_final_boundary(flipped_2d):
    data, fits = flipped_2d
    fig = boundary_figure(data.x, data.y, fits, frames=12)
    assert len(fig.frames) == 12
    assert fig.frames[0].name == "0"
    assert fig.frames[-1].name == str(len(fits[0].params) - 1)
    # step 0: all parameters are zero, f = 0 everywhere, so there is no boundary to draw
    assert all(t.x[0] is None for t in fig.frames[0].data)
    last = fig.frames[-1]
    for index, trace in zip(last.traces, last.data, strict=True):
        np.testing.assert_array_equal(_arr(trace.x), _arr(fig.data[index].x))
    # the controls travel as plain JSON (FastFigure), as the browser receives them
    spec = fig.to_dict()["layout"]
    assert spec["updatemenus"][0]["buttons"][0]["label"].endswith("play")
    assert [s["label"] for s in spec["sliders"][0]["steps"]] == [f.name for f in fig.frames]


@pytest.mark.parametrize("level", [0.0, -1.0, 1.0], ids=["boundary", "margin-", "margin+"])
def test_every_frame_draws_the_line_of_its_step(flipped_2d, level):
    data, fits = flipped_2d
    fig = boundary_figure(data.x, data.y, fits, frames=15)
    box = (fig.layout.xaxis.range[0], fig.layout.xaxis.range[1], *fig.layout.yaxis.range)
    name = "Hinge" if level == 0 else f"Hinge margin f = {level:+g}"
    index = next(i for i, t in enumerate(fig.data) if t.name == name)
    hinge = fits[1].params
    for frame in fig.frames:
        trace = frame.data[list(frame.traces).index(index)]
        x1, x2 = line_in_box(hinge[int(frame.name)], box, level)
        if x1.size == 0:
            assert list(trace.x) == [None, None]
        else:
            np.testing.assert_allclose(_arr(trace.x), x1, atol=1e-4)
            np.testing.assert_allclose(_arr(trace.y), x2, atol=1e-4)


def test_clean_boundaries_are_drawn_only_when_asked(flipped_2d):
    data, fits = flipped_2d
    names = [t.name for t in boundary_figure(data.x, data.y, fits, show_clean=True).data]
    assert "Exponential, clean labels" in names
    names = [t.name for t in boundary_figure(data.x, data.y, fits).data]
    assert "Exponential, clean labels" not in names


def test_boundary_figure_in_1d_draws_thresholds_and_the_probability_curve():
    data = lossviz.make_classification(30, dim=1, seed=2)
    fits = [BoundaryFit(n, lossviz.fit(data.x, data.y, n, lr=0.1, steps=80).params)
            for n in ("cross_entropy", "hinge")]
    fig = boundary_figure(data.x, data.y, fits)
    w, b = fits[1].params[-1]
    hinge = _arr(next(t for t in fig.data if t.name == "Hinge").x)
    assert hinge[0] == hinge[1] == pytest.approx(-b / w, abs=1e-4)
    plus = _arr(next(t for t in fig.data if t.name == "Hinge margin f = +1").x)
    assert plus[0] == pytest.approx((1 - b) / w, abs=1e-4)
    curve = next(t for t in fig.data if t.name.startswith("P(class 1)"))
    wc, bc = fits[0].params[-1]
    np.testing.assert_allclose(_arr(curve.y), sigmoid(wc * _arr(curve.x) + bc), atol=1e-6)
    classes = [t for t in fig.data if t.name in ("class 0", "class 1")]
    assert sum(len(_arr(t.x)) for t in classes) == 30


# -- probability view --------------------------------------------------------------------------
@pytest.mark.parametrize("bits", [False, True], ids=["nats", "bits"])
def test_cross_entropy_is_minus_log_p_of_the_true_class(bits):
    m = np.array([-3.0, 0.0, 2.0])
    data = probability_data(SURROGATES, point_margins=m, bits=bits)
    log = np.log2 if bits else np.log
    np.testing.assert_allclose(data.values["cross_entropy"], -log(data.p), rtol=1e-9)
    np.testing.assert_allclose(data.point_p, sigmoid(m))
    np.testing.assert_allclose(data.point_values, -log(sigmoid(m)), rtol=1e-12)
    # hinge read through the logit: max(0, 1 - logit p)
    np.testing.assert_allclose(data.values["hinge"],
                               np.maximum(0, 1 - np.log(data.p / (1 - data.p))), atol=1e-9)


def test_probability_figure_marks_the_points_and_clips_confident_mistakes():
    data = probability_data(point_margins=[-9.0, 0.0, 3.0])
    fig = probability_figure(data, y_max=7.0)
    pts = next(t for t in fig.data if t.name == "training points")
    y = _arr(pts.y)
    assert y[0] == pytest.approx(7.0)  # -ln sigmoid(-9) = 9.0001 is above the chart
    assert _arr(pts.customdata)[0, 1] == pytest.approx(9.000123, rel=1e-5)
    assert y[1] == pytest.approx(math.log(2.0), rel=1e-6)
    np.testing.assert_array_equal(_arr(pts.marker.symbol), [5, 0, 0])
    assert fig.layout.xaxis.title.text.startswith("p = predicted probability")


# -- multiclass corner -------------------------------------------------------------------------
def test_softmax_data_matches_the_formulas():
    data = softmax_data([2.0, 1.0, 0.1, -1.0], 2)
    e = np.exp([2.0, 1.0, 0.1, -1.0])
    p = e / e.sum()
    np.testing.assert_allclose(data.probs, p, rtol=1e-14)
    assert data.loss == pytest.approx(-math.log(p[2]), rel=1e-14)
    np.testing.assert_allclose(data.gradient, p - np.eye(4)[2], atol=1e-15)
    assert data.gradient.sum() == pytest.approx(0.0, abs=1e-15)


def test_softmax_figure_shows_probabilities_and_gradient_bars():
    data = softmax_data([0.5, 0.5, 3.0], 0)
    fig = softmax_figure(data)
    prob, grad = fig.data
    assert list(prob.x) == ["class 0", "class 1", "class 2"]
    np.testing.assert_allclose(prob.y, data.probs, rtol=1e-6)
    np.testing.assert_allclose(grad.y, data.gradient, rtol=1e-6)
    assert grad.y[0] < 0 < grad.y[2]  # raise the true logit, lower the favourite
    assert prob.marker.color[0] == loss_color("softmax_cross_entropy")


def test_margins_helper_agrees_with_the_losses_own_margin():
    y = np.array([1.0, 0.0, 1.0])
    f = np.array([0.3, 0.3, -2.0])
    loss = lossviz.get_loss("hinge")
    np.testing.assert_allclose(loss.pointwise(y, f), loss.elementwise(margins(y, f)))
