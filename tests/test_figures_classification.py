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
    BoundaryData,
    BoundaryFit,
    boundary_aspect,
    boundary_data,
    boundary_figure,
    boundary_states,
    margin_data,
    margin_figure,
    margin_values,
    probability_data,
    probability_figure,
    softmax_data,
    softmax_figure,
)
from lossviz.figures.states import show_state
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
def _split_gap(values) -> list[np.ndarray]:
    """The pieces of a trace array split at its gaps (None/NaN)."""
    arr = _arr(values)
    pieces = np.split(arr, np.flatnonzero(np.isnan(arr)))
    return [p[~np.isnan(p)] for p in pieces if np.any(~np.isnan(p))]


@pytest.fixture(scope="module")
def boundary_2d(flipped_2d):
    data, fits = flipped_2d
    return boundary_data(data.x, data.y, fits, flipped=data.is_flipped, states=12)


def test_boundary_figure_draws_each_final_boundary_where_f_is_zero(flipped_2d, boundary_2d):
    data, fits = flipped_2d
    fig = boundary_figure(boundary_2d)
    assert isinstance(boundary_2d, BoundaryData)
    assert not fig.frames
    for fit in fits:
        line = next(t for t in fig.data if t.name == loss_label(fit.name))
        assert line.line.color == loss_color(fit.name)
        w1, w2, b = fit.params[-1]
        np.testing.assert_allclose(w1 * _arr(line.x) + w2 * _arr(line.y) + b, 0.0,
                                   atol=1e-3 * (abs(w1) + abs(w2)) * 10)
    # both hinge margin lines in one trace (one legend entry), split by a gap
    margin = next(t for t in fig.data if t.name == "Hinge f = ±1")
    w1, w2, b = fits[1].params[-1]
    for level, xs, ys in zip((-1, 1), _split_gap(margin.x), _split_gap(margin.y),
                             strict=True):
        np.testing.assert_allclose(w1 * xs + w2 * ys + b, level, atol=1e-2)
    ring = next(t for t in fig.data if t.name == "flipped label")
    assert len(_arr(ring.x)) == int(data.is_flipped.sum())


def test_every_mark_is_in_the_legend(flipped_2d):
    data, fits = flipped_2d
    fig = boundary_figure(boundary_data(data.x, data.y, fits, flipped=data.is_flipped,
                                        show_clean=True))
    named = {t.name for t in fig.data if t.showlegend is not False and t.type != "heatmap"}
    for t in fig.data:
        if t.type == "heatmap":
            assert t.showscale or t.showlegend  # a colour bar, or a legend entry on a phone
        elif t.showlegend is False:  # a clean-label line: the dotted key says what it is
            assert t.line.dash == "dot"
            assert "clean labels" in named


def test_probability_shading_is_sigmoid_of_the_cross_entropy_score(flipped_2d, boundary_2d):
    data, fits = flipped_2d
    fig = boundary_figure(boundary_2d)
    heat = next(t for t in fig.data if t.type == "heatmap")
    w1, w2, b = fits[0].params[-1]
    x1, x2 = _arr(heat.x), _arr(heat.y)
    expected = sigmoid(w1 * x1[None, :] + w2 * x2[:, None] + b)
    np.testing.assert_allclose(_arr(heat.z), expected, atol=0.005)  # two decimals sent
    # the shading covers the whole view, and a quarter of it past each edge (plotly widens
    # an axis's range to keep equal units when the page is not the width expected)
    for grid, (lo, hi) in ((x1, fig.layout.xaxis.range), (x2, fig.layout.yaxis.range)):
        assert (grid[0], grid[-1]) == pytest.approx((lo - (hi - lo) / 4, hi + (hi - lo) / 4),
                                                    rel=1e-5)
    none = boundary_data(data.x, data.y, fits, probability_of=None)
    assert not any(t.type == "heatmap" for t in boundary_figure(none).data)


def test_boundary_states_start_untrained_and_end_at_the_final_boundary(flipped_2d,
                                                                        boundary_2d):
    _, fits = flipped_2d
    states = boundary_states(boundary_2d)
    assert states.play
    assert states.count == 12
    assert states.values[0] == 0
    assert states.values[-1] == len(fits[0].params) - 1
    assert states.index == states.count - 1
    fig = boundary_figure(boundary_2d)
    # step 0: all parameters are zero, f = 0 everywhere, so there is no boundary to draw
    first = show_state(fig, states, 0)
    for index in states.traces:
        if fig.data[index].type == "scatter" and fig.data[index].mode == "lines":
            assert all(v is None for v in first.data[index].x)
    last = show_state(fig, states, states.count - 1)
    for index, attrs in states.traces.items():
        for attr in attrs:
            np.testing.assert_allclose(_arr(last.data[index][attr]),
                                       _arr(fig.data[index][attr]), rtol=1e-6)
    # the still figure at an earlier state is that state
    early = boundary_figure(boundary_2d, state=3)
    shown = show_state(fig, states, 3)
    for index in states.traces:
        np.testing.assert_allclose(_arr(early.data[index].x), _arr(shown.data[index].x))


@pytest.mark.parametrize("level", [0.0, -1.0, 1.0], ids=["boundary", "margin-", "margin+"])
def test_every_state_draws_the_line_of_its_step(flipped_2d, level):
    data, fits = flipped_2d
    bd = boundary_data(data.x, data.y, fits, states=15)
    fig = boundary_figure(bd)
    states = boundary_states(bd)
    (a, b), (c, d) = fig.layout.xaxis.range, fig.layout.yaxis.range
    # the lines reach a whole view past each edge (plotly may widen the axes' ranges)
    box = (2 * a - b, 2 * b - a, 2 * c - d, 2 * d - c)
    name = "Hinge" if level == 0 else "Hinge f = ±1"
    index = next(i for i, t in enumerate(fig.data) if t.name == name)
    hinge = fits[1].params
    for k, step in enumerate(states.values.tolist()):
        xs = states.traces[index]["x"][k]
        ys = states.traces[index]["y"][k]
        if level != 0:  # [-1 line, gap, +1 line]
            xs, ys = (xs[:2], ys[:2]) if level < 0 else (xs[3:], ys[3:])
        x1, x2 = line_in_box(hinge[step], box, level)
        if x1.size == 0:
            assert xs == [None, None]
        else:
            np.testing.assert_allclose(xs, x1, atol=1e-4)
            np.testing.assert_allclose(ys, x2, atol=1e-4)


def test_clean_boundaries_are_drawn_only_when_asked(flipped_2d):
    data, fits = flipped_2d
    bd = boundary_data(data.x, data.y, fits, show_clean=True)
    names = [t.name for t in boundary_figure(bd).data]
    assert "Exponential, clean labels" in names
    names = [t.name for t in boundary_figure(boundary_data(data.x, data.y, fits)).data]
    assert "Exponential, clean labels" not in names


@pytest.mark.parametrize(("width", "compact"),
                         [(390, True), (560, False), (700, False), (1200, False)],
                         ids=["phone", "beside-a-step", "laptop", "wide"])
def test_2d_boundary_fills_the_chart_with_one_scale_on_both_axes(flipped_2d, width, compact):
    data, fits = flipped_2d
    aspect = boundary_aspect(width_hint=width, compact=compact)
    bd = boundary_data(data.x, data.y, fits, aspect=aspect)
    x0, x1, y0, y1 = bd.view
    assert (x1 - x0) / (y1 - y0) == pytest.approx(aspect)
    # every point is in view
    assert x0 < data.x[:, 0].min()
    assert data.x[:, 0].max() < x1
    assert y0 < data.x[:, 1].min()
    assert data.x[:, 1].max() < y1
    fig = boundary_figure(bd, width_hint=width, compact=compact)
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.yaxis.scaleratio == 1
    # the height gives the plot about the view's shape at this width
    plot_w = width - fig.layout.margin.l - fig.layout.margin.r
    assert fig.layout.height >= plot_w / aspect
    assert fig.layout.height <= plot_w / aspect + 300


def test_beside_a_step_on_a_projector_the_plot_is_square_and_the_legend_page_sized(flipped_2d):
    # A 560 px column on a projector: the projector's large legend would wrap to an entry a
    # row; the legend takes a size that fits two a row, and the plot is square.
    from lossviz.figures.classification import BESIDE_LEGEND_SIZE

    data, fits = flipped_2d
    assert boundary_aspect(width_hint=560, presentation=True) == 1.0
    assert boundary_aspect(width_hint=560) == pytest.approx(1.3)
    bd = boundary_data(data.x, data.y, fits, show_clean=True, probability_of="cross_entropy",
                       aspect=boundary_aspect(width_hint=560, presentation=True))
    narrow = boundary_figure(bd, width_hint=560, presentation=True, height=520)
    assert narrow.layout.legend.font.size == BESIDE_LEGEND_SIZE
    wide = boundary_figure(bd, width_hint=1200, presentation=True, height=520)
    assert wide.layout.legend.font.size is None  # the projector's own size


def test_legacy_call_gives_the_animated_figure_for_a_notebook(flipped_2d):
    data, fits = flipped_2d
    fig = boundary_figure(data.x, data.y, fits, flipped=data.is_flipped, frames=12)
    assert len(fig.frames) == 12
    assert fig.layout.sliders[0].steps
    assert not boundary_figure(data.x, data.y, fits, animate=False).frames


def test_boundary_figure_in_1d_draws_thresholds_and_the_probability_curve():
    data = lossviz.make_classification(30, dim=1, seed=2)
    fits = [BoundaryFit(n, lossviz.fit(data.x, data.y, n, lr=0.1, steps=80).params)
            for n in ("cross_entropy", "hinge")]
    bd = boundary_data(data.x, data.y, fits)
    fig = boundary_figure(bd)
    w, b = fits[1].params[-1]
    hinge = _arr(next(t for t in fig.data if t.name == "Hinge").x)
    assert hinge[0] == hinge[1] == pytest.approx(-b / w, abs=1e-4)
    minus, plus = _split_gap(next(t for t in fig.data if t.name == "Hinge f = ±1").x)
    assert plus[0] == pytest.approx((1 - b) / w, abs=1e-4)
    assert minus[0] == pytest.approx((-1 - b) / w, abs=1e-4)
    curve = next(t for t in fig.data if t.name.startswith("P(class 1)"))
    wc, bc = fits[0].params[-1]
    np.testing.assert_allclose(_arr(curve.y), sigmoid(wc * _arr(curve.x) + bc), atol=1e-3)
    classes = [t for t in fig.data if t.name in ("class 0", "class 1")]
    assert sum(len(_arr(t.x)) for t in classes) == 30
    # the probability curve moves with the states too
    states = boundary_states(bd)
    index = fig.data.index(curve)
    w0, b0 = fits[0].params[int(states.values[2])]
    np.testing.assert_allclose(states.traces[index]["y"][2],
                               sigmoid(w0 * _arr(curve.x) + b0), atol=1e-3)


def test_margin_figure_names_every_point_marker_in_the_legend():
    data = margin_data(["hinge"], point_margins=[-9.0, 0.5], flipped=[True, False])
    names = [t.name for t in margin_figure(data).data if t.showlegend is not False]
    assert {"points on each curve", "flipped label", "beyond the axis"} <= set(names)
    plain = margin_data(["hinge"], point_margins=[0.5])
    names = [t.name for t in margin_figure(plain).data if t.showlegend is not False]
    assert "flipped label" not in names
    assert "beyond the axis" not in names


@pytest.mark.parametrize("figure", ["margin", "probability", "softmax"])
def test_compact_figures_have_short_axis_titles_and_no_side_by_side_panels(figure):
    if figure == "margin":
        fig = margin_figure(margin_data(SURROGATES, point_margins=[0.5]), compact=True)
    elif figure == "probability":
        fig = probability_figure(probability_data(point_margins=[0.5]), compact=True)
    else:
        fig = softmax_figure(softmax_data([2.0, 1.0, 0.1], 0), compact=True)
    layout = fig.to_dict()["layout"]
    axes = [layout[k] for k in ("xaxis", "xaxis2") if k in layout]
    for axis in axes:
        title = axis.get("title", {}).get("text")
        assert title is None or len(title) <= 24  # about 200 px: fits a phone
        assert tuple(axis.get("domain", (0.0, 1.0))) == (0.0, 1.0)  # stacked, not side by side


def test_presentation_text_is_at_least_20_px():
    figs = [
        margin_figure(margin_data(SURROGATES, point_margins=[0.5]), presentation=True),
        probability_figure(probability_data(point_margins=[0.5]), presentation=True),
        softmax_figure(softmax_data([2.0, 1.0, 0.1], 0), presentation=True),
    ]
    for fig in figs:
        assert fig.layout.font.size >= 20
        for note in fig.layout.annotations:
            assert note.font.size is None or note.font.size >= 20


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
