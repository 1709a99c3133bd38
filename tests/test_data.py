"""Seeded example data: same seed same data, shapes, outliers and flips where asked, errors."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz import make_classification, make_curve, make_regression, train_validation_split


# -- regression ------------------------------------------------------------------------------
def test_regression_is_seeded():
    a = make_regression(30, outliers=3, outlier_place="random", seed=5)
    b = make_regression(30, outliers=3, outlier_place="random", seed=5)
    c = make_regression(30, outliers=3, outlier_place="random", seed=6)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.y, c.y)


def test_regression_shapes_and_line():
    data = make_regression(50, slope=-2.0, intercept=3.0, noise=0.0, outliers=4, seed=1)
    assert data.x.shape == data.y.shape == data.is_outlier.shape == (54,)
    assert data.n == 54
    assert data.is_outlier.dtype == bool
    np.testing.assert_array_equal(data.is_outlier, [False] * 50 + [True] * 4)
    inliers = ~data.is_outlier
    np.testing.assert_allclose(data.y[inliers], -2.0 * data.x[inliers] + 3.0, rtol=1e-14)
    assert np.all(np.diff(data.x[inliers]) >= 0)  # inliers sorted
    assert np.all((data.x >= -5.0) & (data.x <= 5.0))
    assert (data.slope, data.intercept) == (-2.0, 3.0)


def test_noise_has_the_asked_spread():
    data = make_regression(5000, noise=2.0, seed=3)
    residual = data.y - (data.slope * data.x + data.intercept)
    assert np.std(residual) == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize(
    ("place", "low", "high"),
    [("right", 4.0, 5.0), ("left", -5.0, -4.0), ("middle", -0.5, 0.5), ("random", -5.0, 5.0)],
    ids=["right", "left", "middle", "random"],
)
@pytest.mark.parametrize("shift", [30.0, -12.5], ids=["above", "below"])
def test_outliers_sit_where_asked(place, low, high, shift):
    data = make_regression(20, outliers=5, outlier_shift=shift, outlier_place=place, seed=2)
    xo, yo = data.x[data.is_outlier], data.y[data.is_outlier]
    assert len(xo) == 5
    assert np.all((xo >= low) & (xo <= high))
    np.testing.assert_allclose(yo - (1.5 * xo + 2.0), shift, rtol=1e-12)


def test_a_single_outlier_sits_at_the_centre_of_its_place():
    data = make_regression(10, outliers=1, outlier_place="middle", seed=0)
    assert data.x[-1] == 0.0


def test_outliers_only():
    data = make_regression(0, outliers=2, seed=0)
    assert data.n == 2
    assert data.is_outlier.all()


# -- curve ------------------------------------------------------------------------------------
def test_curve_is_seeded_sorted_and_around_the_sine():
    x, y = make_curve(25, noise=0.0, seed=4)
    x2, y2 = make_curve(25, noise=0.0, seed=4)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert x.shape == y.shape == (25,)
    assert np.all(np.diff(x) >= 0)
    np.testing.assert_allclose(y, np.sin(x))
    assert not np.array_equal(make_curve(25, seed=4)[1], make_curve(25, seed=5)[1])


# -- classification ---------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [1, 2])
def test_classification_is_seeded_and_shaped(dim):
    a = make_classification(41, dim=dim, flip=3, seed=9)
    b = make_classification(41, dim=dim, flip=3, seed=9)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.x.shape == ((41,) if dim == 1 else (41, 2))
    assert a.y.shape == a.is_flipped.shape == (41,)
    assert a.n == 41
    assert set(np.unique(a.y)) <= {0.0, 1.0}
    assert not np.array_equal(a.x, make_classification(41, dim=dim, seed=10).x)


def test_classes_are_balanced_and_centred_apart():
    data = make_classification(2000, dim=2, separation=4.0, seed=0)
    first = data.x[:, 0]
    assert data.y.sum() == 1000
    assert first[data.y == 1].mean() == pytest.approx(2.0, abs=0.1)
    assert first[data.y == 0].mean() == pytest.approx(-2.0, abs=0.1)
    assert data.x[:, 1].mean() == pytest.approx(0.0, abs=0.1)


@pytest.mark.parametrize(
    ("flip_class", "from_class"),
    [("class 0", 0.0), ("class 1", 1.0), ("both", None)],
    ids=["class-0", "class-1", "both"],
)
@pytest.mark.parametrize("flip", [0, 1, 4, 7])
def test_flipped_labels_count_and_class(flip_class, from_class, flip):
    clean = make_classification(30, dim=1, separation=3.0, seed=3)
    data = make_classification(30, dim=1, separation=3.0, flip=flip, flip_class=flip_class, seed=3)
    np.testing.assert_array_equal(data.x, clean.x)  # flipping changes labels only
    assert data.is_flipped.sum() == flip
    np.testing.assert_array_equal(data.y != clean.y, data.is_flipped)
    original = clean.y[data.is_flipped]
    if from_class is not None:
        assert np.all(original == from_class)
    else:  # alternating between the classes
        assert abs(int((original == 1).sum()) - int((original == 0).sum())) <= 1


def test_flipped_points_are_the_deepest_inside_their_class():
    clean = make_classification(30, dim=1, separation=3.0, seed=3)
    data = make_classification(30, dim=1, flip=2, flip_class="class 1", seed=3)
    ones = clean.x[clean.y == 1]
    np.testing.assert_allclose(np.sort(data.x[data.is_flipped]), np.sort(ones)[-2:])


# -- split ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n", "fraction", "n_val"), [(10, 0.3, 3), (7, 0.5, 4), (2, 0.01, 1), (3, 0.99, 2)]
)
def test_split_sizes_and_content(n, fraction, n_val):
    x, y = np.arange(n, dtype=float), 10.0 * np.arange(n)
    x_tr, y_tr, x_va, y_va = train_validation_split(x, y, validation_fraction=fraction, seed=1)
    assert len(x_va) == len(y_va) == n_val
    assert len(x_tr) == len(y_tr) == n - n_val
    np.testing.assert_array_equal(np.sort(np.concatenate([x_tr, x_va])), x)
    np.testing.assert_array_equal(y_tr, 10.0 * x_tr)  # pairs stay together
    np.testing.assert_array_equal(y_va, 10.0 * x_va)
    assert np.all(np.diff(x_tr) > 0)  # input order kept
    assert np.all(np.diff(x_va) > 0)


def test_split_is_seeded_and_takes_2d_inputs():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    first = train_validation_split(x, y, seed=4)
    again = train_validation_split(x, y, seed=4)
    other = train_validation_split(x, y, seed=5)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[3], other[3])
    assert first[0].shape[1] == 2


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: make_regression(-1), "number of points must be between 0 and 5000"),
        (lambda: make_regression(6000), "number of points must be between 0 and 5000"),
        (lambda: make_regression(2.5), "number of points must be a whole number"),
        (lambda: make_regression(0), "at least one point"),
        (lambda: make_regression(10, noise=-1.0), "noise must be 0 or more"),
        (lambda: make_regression(10, outliers=-2), "number of outliers must be between"),
        (lambda: make_regression(10, outlier_place="top"), "choose one of: right, left"),
        (lambda: make_regression(10, slope=float("nan")), "slope must be a finite number"),
        (lambda: make_regression(10, outlier_shift="far"), "outlier_shift must be a number"),
        (lambda: make_regression(10, seed=-1), "seed must be at least 0"),
        (lambda: make_curve(1), "number of points must be between 2 and 5000"),
        (lambda: make_curve(10, noise=-0.1), "noise must be 0 or more"),
        (lambda: make_classification(1), "number of points must be between 2"),
        (lambda: make_classification(10, dim=3), "dim must be between 1 and 2"),
        (lambda: make_classification(10, flip=11), "number of flipped labels must be between"),
        (lambda: make_classification(10, flip=6, flip_class="class 0"), "only 5 points"),
        (lambda: make_classification(10, flip_class="0"), "choose one of: both"),
        (lambda: train_validation_split([1.0], [1.0]), "at least 2 points"),
        (lambda: train_validation_split([1.0, 2.0], [1.0]), "same length"),
        (
            lambda: train_validation_split([1.0, 2.0], [1.0, 2.0], validation_fraction=1.0),
            "strictly between 0 and 1",
        ),
        (lambda: train_validation_split([1.0, np.nan], [1.0, 2.0]), "x contains"),
        (lambda: train_validation_split([], []), "x is empty"),
    ],
    ids=[
        "negative-n",
        "too-many",
        "fractional-n",
        "no-points",
        "negative-noise",
        "negative-outliers",
        "unknown-place",
        "nan-slope",
        "text-shift",
        "negative-seed",
        "curve-one-point",
        "curve-negative-noise",
        "classification-one-point",
        "dim-3",
        "flip-more-than-n",
        "flip-more-than-class",
        "unknown-flip-class",
        "split-one-point",
        "split-length",
        "split-fraction-1",
        "split-nan",
        "split-empty",
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
