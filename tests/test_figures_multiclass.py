"""The digits picture's numbers (``lossviz.figures.multiclass``): margins, accuracy, the
weights as pictures, the mistakes, and the sentence read off them."""

from __future__ import annotations

import numpy as np
import pytest

import lossviz
from lossviz.figures import multiclass as fm


def test_class_margins_are_the_true_score_minus_the_best_other():
    f = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 5.0], [1.0, 2.0, 4.0]])
    y = np.array([0, 1, 0])
    np.testing.assert_array_equal(fm.class_margins(f, y), [1.0, 0.0, -3.0])


def test_scores_use_the_last_row_as_intercepts():
    params = np.array([[1.0, 0.0], [0.0, 2.0], [0.5, -1.0]])  # 2 pixels, 2 classes
    np.testing.assert_array_equal(fm.scores(np.array([[1.0, 1.0]]), params), [[1.5, 1.0]])


def _tiny():
    """Four 8x8 'images' of two classes, told apart by pixel 0 alone."""
    x = np.zeros((4, 64))
    x[[0, 2], 0] = 1.0
    y = np.array([1, 0, 1, 0])
    params = np.zeros((65, 2))
    params[0, 1] = 2.0  # ink at pixel 0 votes for class 1
    params[64] = [1.0, 0.0]  # class 0 wins a blank image by 1
    return x, y, params


def test_digits_data_counts_right_and_wrong_and_a_tie_is_wrong():
    x, y, right = _tiny()
    tie = right.copy()
    tie[0, 1] = 1.0  # an inked image now ties 1 = 1: a mistake
    data = fm.digits_data(x, y, x, y, [fm.DigitsFit("softmax_cross_entropy", right),
                                       fm.DigitsFit("multiclass_hinge", tie)],
                          "multiclass_hinge")
    np.testing.assert_array_equal(data.accuracy, [1.0, 0.5])
    np.testing.assert_array_equal(data.margins, [[1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    assert data.wrong == 2
    assert data.n_test == 4
    np.testing.assert_array_equal(data.mistake_true, [1, 1])
    # said: the highest score, the first of equal ones (argmax)
    np.testing.assert_array_equal(data.mistake_said, [0, 0])
    assert data.weights.shape == (2, 8, 8)
    assert data.weights[1, 0, 0] == 1.0  # pixel 0 is row 0, column 0 of class 1's picture
    np.testing.assert_array_equal(data.mistakes[0], x[0].reshape(8, 8))


def test_digits_data_refuses_a_shown_loss_it_did_not_fit():
    x, y, params = _tiny()
    with pytest.raises(ValueError, match="shown must be one of"):
        fm.digits_data(x, y, x, y, [fm.DigitsFit("multiclass_hinge", params)], "mse")


def test_on_the_digits_the_hinge_stops_at_margin_one_and_cross_entropy_goes_on():
    ds = lossviz.datasets.load("digits")
    order = np.random.default_rng(0).permutation(ds.n)
    x, y = np.asarray(ds.x)[order] / 16, np.asarray(ds.y)[order]
    fits = [fm.DigitsFit(n, lossviz.fit(x[:500], y[:500], n, lr=0.5, steps=300).final_params)
            for n in fm.MULTICLASS]
    data = fm.digits_data(x[:500], y[:500], x[1200:], y[1200:], fits, "softmax_cross_entropy")
    assert np.all(data.accuracy > 0.9)  # a linear model already does well on real pixels
    ce, hinge = data.margins
    assert np.median(ce) > np.median(hinge) + 0.5
    said = fm.digits_sentence(data)
    assert f"{data.accuracy[0]:.1%}" in said
    assert f"{data.accuracy[1]:.1%}" in said
    assert f"{np.mean(hinge >= 1 - 1e-9):.0%} of the training images" in said
    assert f"its median is {np.median(ce):.2f}" in said
    # the figure draws one picture per class, both histograms and the mistakes shown
    spec = fm.digits_figure.spec(data)
    kinds = [t["type"] for t in spec["data"]]
    assert kinds.count("histogram") == 2
    assert kinds.count("heatmap") == 10 + len(data.mistakes)
    # the histograms reach the largest margin: cross-entropy's long tail is what they show
    hist = next(t for t in spec["data"] if t["type"] == "histogram")
    axis = spec["layout"]["xaxis" + hist["xaxis"][1:]]
    assert axis["range"][1] >= max(ce.max(), hinge.max())
    assert hist["xbins"]["end"] >= ce.max()
    # and leave room above the tallest bar for the note at the top of the plot
    edges = np.linspace(hist["xbins"]["start"], hist["xbins"]["end"], 41)
    tallest = max(np.histogram(m, bins=edges)[0].max() for m in (ce, hinge))
    y_axis = spec["layout"]["yaxis" + hist["yaxis"][1:]]
    assert y_axis["range"][1] >= 1.15 * tallest
