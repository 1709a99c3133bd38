"""Custom-loss figures: the curves drawn are the losses' values and slopes, every mark is
named, and the axis keeps the built-ins readable."""

from __future__ import annotations

import numpy as np
import pytest
from plotly_data import plotly_array as _arr

import lossviz
from lossviz.figures import custom as fc
from lossviz.figures.style import loss_color


@pytest.fixture(scope="module")
def curves():
    losses = [lossviz.get_loss("mse"), lossviz.get_loss("huber"),
              lossviz.custom_loss("log(1 + r**2)")]
    return fc.curves_data(losses, low=-4, high=4)


@pytest.mark.parametrize("kind", ["loss", "derivative"])
def test_curves_figure_draws_each_loss_and_its_slope(curves, kind):
    fig = fc.curves_figure(curves, kind=kind)
    assert [t.name for t in fig.data] == ["MSE", "Huber", "Custom"]
    z = _arr(fig.data[0].x)
    for trace, loss in zip(fig.data, [lossviz.get_loss("mse"), lossviz.get_loss("huber")],
                           strict=False):
        expected = loss.elementwise(z) if kind == "loss" else loss.derivative(z)
        np.testing.assert_allclose(_arr(trace.y), expected, rtol=1e-6, atol=1e-6)
        assert trace.line.color == loss_color(loss.name)
    custom = fig.data[2]
    assert custom.line.dash == "dash"
    expected = np.log1p(z**2) if kind == "loss" else 2 * z / (1 + z**2)
    np.testing.assert_allclose(_arr(custom.y), expected, rtol=1e-5, atol=1e-6)
    assert fig.layout.xaxis.title.text == "residual r = y_pred − y_true"
    assert fc.curves_figure(curves, kind=kind, compact=True).layout.xaxis.title.text == "r"


def test_curves_figure_refuses_an_unknown_kind(curves):
    with pytest.raises(ValueError, match="kind must be 'loss' or 'derivative'"):
        fc.curves_figure(curves, kind="slope")


def test_an_exploding_custom_curve_does_not_squash_the_builtins():
    losses = [lossviz.get_loss("mse"), lossviz.custom_loss("exp(abs(r))**3")]
    fig = fc.curves_figure(fc.curves_data(losses, low=-10, high=10))
    top = fig.layout.yaxis.range[1]
    assert top < 5 * 100.0  # MSE reaches 100 here; the custom loss e^30
    assert np.nanmax(_arr(fig.data[1].y)) > 1e12  # still drawn, off the chart


def _history(x, y, loss):
    return lossviz.fit(x, y, loss, lr=0.05, steps=60)


def test_regression_fit_names_the_outliers_in_the_legend():
    d = lossviz.make_regression(30, outliers=3, seed=0)
    runs = {("mse", "MSE"): _history(d.x, d.y, "mse")}
    fig = fc.fit_figure(fc.fit_data("regression", d.x, d.y, d.is_outlier, runs))
    names = [t.name for t in fig.data]
    assert names == ["data", "outliers", "MSE"]
    assert len(_arr(fig.data[1].x)) == int(d.is_outlier.sum())
    np.testing.assert_allclose(_arr(fig.data[2].y), runs["mse", "MSE"].predict(
        _arr(fig.data[2].x)), rtol=1e-5, atol=1e-5)


def test_classification_fit_names_the_flipped_points_and_draws_thresholds():
    d = lossviz.make_classification(30, dim=1, flip=2, seed=1)
    h = _history(d.x, d.y, "hinge")
    fig = fc.fit_figure(fc.fit_data("classification", d.x, d.y, d.is_flipped,
                                    {("hinge", "Hinge"): h}))
    names = [t.name for t in fig.data]
    assert "flipped label (dark rim)" in names
    line = next(t for t in fig.data if t.name == "Hinge")
    w, b = h.coefficients()
    assert line.x[0] == line.x[1] == pytest.approx(-b / float(np.ravel(w)[0]), rel=1e-4)


def test_presentation_text_is_large(curves):
    assert fc.curves_figure(curves, presentation=True).layout.font.size >= 20
    assert fc.curves_figure(curves).layout.font.size == 13
