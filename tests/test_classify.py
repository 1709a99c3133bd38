"""Geometry of linear classifiers (lossviz.classify): margins, boundaries, probabilities,
how far a boundary moved, and reading an edited table without ever raising on its cells."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lossviz
from lossviz.classify import (
    accuracy,
    boundary_change,
    line_in_box,
    logit,
    margin_width,
    margins,
    normal_angle,
    offset,
    parse_points,
    probability_grid,
    sigmoid,
    threshold,
)
from lossviz.limits import MAX_POINTS

finite = st.floats(-50, 50, allow_nan=False)


# -- probabilities and margins --------------------------------------------------------------
def test_sigmoid_is_exact_and_finite_at_extreme_scores():
    assert sigmoid([0.0])[0] == 0.5
    assert sigmoid([2.0])[0] == pytest.approx(1 / (1 + math.exp(-2.0)), rel=1e-15)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no 0/0
        extreme = sigmoid([-1000.0, 1000.0])
    assert extreme[0] == pytest.approx(0.0, abs=1e-300)
    assert extreme[1] == 1.0


@settings(deadline=None)  # timing on a shared machine is noisy
@given(finite)
def test_sigmoid_is_symmetric(f):
    assert sigmoid(-f) == pytest.approx(1.0 - sigmoid(f), abs=1e-15)


@settings(deadline=None)  # timing on a shared machine is noisy
@given(st.floats(-30, 30))
def test_logit_inverts_sigmoid(f):
    # p carries a rounding error of about 1e-16, which logit magnifies by 1 / (p (1 - p))
    assert float(logit(sigmoid(f))) == pytest.approx(f, abs=1e-15 * (4.0 + math.exp(abs(f))))


def test_margins_and_accuracy_by_hand():
    np.testing.assert_array_equal(margins([1, 0, 1], [2.0, 2.0, -0.5]), [2.0, -2.0, -0.5])
    # a point on the boundary (m = 0) counts as a mistake, as the 0-1 loss counts it
    assert accuracy([1, 0, 1], [2.0, -1.0, 0.0]) == pytest.approx(2 / 3)


# -- where the boundary lies ----------------------------------------------------------------
def test_threshold_of_a_1d_model():
    assert threshold([2.0, -1.0]) == 0.5
    assert threshold([2.0, -1.0], level=1.0) == 1.0
    assert math.isnan(threshold([0.0, 3.0]))
    with pytest.raises(ValueError, match="1-D"):
        threshold([1.0, 1.0, 0.0])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param([1.0, 0.0, 0.0], ([0.0, 0.0], [-1.0, 1.0]), id="vertical"),
        pytest.param([0.0, 2.0, -1.0], ([-1.0, 1.0], [0.5, 0.5]), id="horizontal"),
        pytest.param([1.0, 1.0, 0.0], ([-1.0, 1.0], [1.0, -1.0]), id="diagonal-through-corners"),
    ],
)
def test_line_in_box_by_hand(params, expected):
    x1, x2 = line_in_box(params, (-1, 1, -1, 1))
    np.testing.assert_allclose(x1, expected[0])
    np.testing.assert_allclose(x2, expected[1])


def test_line_in_box_is_empty_when_it_misses_or_there_is_no_line():
    assert line_in_box([1.0, 1.0, 10.0], (-1, 1, -1, 1))[0].size == 0
    assert line_in_box([0.0, 0.0, 1.0], (-1, 1, -1, 1))[0].size == 0


@settings(max_examples=200, deadline=None)
@given(finite, finite, finite, st.sampled_from([-1.0, 0.0, 1.0]))
def test_line_in_box_endpoints_are_on_the_line_and_in_the_box(w1, w2, b, level):
    box = (-3.0, 4.0, -2.0, 5.0)
    x1, x2 = line_in_box([w1, w2, b], box, level)
    if x1.size == 0:
        return
    assert x1.size == x2.size == 2
    np.testing.assert_allclose(w1 * x1 + w2 * x2 + b, level, atol=1e-9 * (1 + abs(b) + 50))
    assert np.all((x1 >= box[0] - 1e-12) & (x1 <= box[1] + 1e-12))
    assert np.all((x2 >= box[2] - 1e-12) & (x2 <= box[3] + 1e-12))


def test_offset_angle_and_margin_width_by_hand():
    assert offset([3.0, 4.0, -10.0]) == 2.0
    assert offset([2.0, -1.0]) == threshold([2.0, -1.0])  # in 1-D: the threshold
    assert normal_angle([0.0, 1.0, 0.0]) == 90.0
    assert margin_width([0.5, 0.0]) == 4.0
    assert margin_width([0.0, 0.0, 1.0]) == math.inf


@settings(deadline=None)  # timing on a shared machine is noisy
@given(st.floats(-179, 179), st.floats(0.1, 5), st.floats(-3, 3), st.floats(-3, 3))
def test_boundary_change_measures_a_known_rotation_and_shift(angle, norm, d0, d1):
    def params(theta_deg, dist):
        t = math.radians(theta_deg)
        w = norm * np.array([math.cos(t), math.sin(t)])
        return np.array([*w, -dist * norm])  # offset -b/|w| = dist

    change = boundary_change(params(10.0, d0), params(10.0 + angle, d1))
    assert change.angle == pytest.approx(angle, abs=1e-9)
    assert change.shift == pytest.approx(d1 - d0, abs=1e-9)
    assert boundary_change(params(10.0, d0), params(10.0, d0)) == (0.0, 0.0)


def test_boundary_change_refuses_fits_of_different_shapes():
    with pytest.raises(ValueError, match="same number of parameters"):
        boundary_change([1.0, 0.0], [1.0, 0.0, 0.0])


def test_probability_grid_is_sigmoid_of_the_score_at_every_cell():
    params = np.array([1.5, -0.5, 0.25])
    grid = probability_grid(params, (-2, 2, -1, 3), n=7)
    i, j = 5, 2
    f = params[0] * grid.x1[j] + params[1] * grid.x2[i] + params[2]
    assert grid.p[i, j] == pytest.approx(1 / (1 + math.exp(-f)), rel=1e-14)
    assert grid.p.shape == (7, 7)


# -- reading an edited table ----------------------------------------------------------------
GOOD = {"x1": [0.5, -1.0, 2.0], "x2": [1.0, 0.0, -2.0], "label": [1, 0, 1],
        "flipped": [False, True, False]}


def test_parse_points_keeps_good_rows_exactly():
    got = parse_points(GOOD, dim=2)
    np.testing.assert_array_equal(got.x, [[0.5, 1.0], [-1.0, 0.0], [2.0, -2.0]])
    np.testing.assert_array_equal(got.y, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(got.flipped, [False, True, False])
    assert got.problems == []


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        pytest.param("x1", "abc", '"abc" is not a finite number', id="text"),
        pytest.param("x1", None, "x1 is empty", id="none"),
        pytest.param("x1", float("nan"), "x1 is empty", id="nan"),
        pytest.param("x1", "", "x1 is empty", id="blank-text"),
        pytest.param("x2", float("inf"), "not a finite number", id="inf"),
        pytest.param("x2", 1e308, "outside", id="huge"),
        pytest.param("x1", True, "not a finite number", id="bool"),
        pytest.param("x1", 10**400, "not a finite number", id="int-beyond-float64"),
        pytest.param("x2", " 2000 ", "outside -1000 to 1000", id="spaced-text-too-large"),
        pytest.param("label", 0.5, "must be 0 or 1", id="label-half"),
        pytest.param("label", 2, "must be 0 or 1", id="label-two"),
        pytest.param("label", "yes", "must be 0 or 1", id="label-text"),
        pytest.param("label", None, "label is empty", id="label-none"),
    ],
)
def test_parse_points_leaves_out_a_bad_row_and_says_which_and_why(column, value, says):
    table = {k: list(v) for k, v in GOOD.items()}
    table[column][1] = value
    got = parse_points(table, dim=2)
    assert len(got.problems) == 1
    assert got.problems[0].startswith("row 2:")
    assert says in got.problems[0]
    np.testing.assert_array_equal(got.rows, [0, 2])  # the other rows are all kept
    np.testing.assert_array_equal(got.y, [1.0, 1.0])


def test_parse_points_caps_the_number_of_rows():
    n = 30
    table = {"x1": list(range(n)), "label": [i % 2 for i in range(n)]}
    got = parse_points(table, dim=1, max_points=10)
    assert got.x.shape == (10,)
    assert got.problems == ["rows 11 to 30: left out, the table takes at most 10 points"]


def test_parse_points_takes_at_most_the_labs_point_limit_by_default():
    n = MAX_POINTS + 5
    table = {"x1": [0.1 * i for i in range(n)], "label": [i % 2 for i in range(n)]}
    got = parse_points(table, dim=1)
    assert got.x.shape == (MAX_POINTS,)
    assert got.problems == [
        f"rows {MAX_POINTS + 1} to {n}: left out, the table takes at most {MAX_POINTS} points"
    ]


def test_parse_points_needs_its_columns():
    with pytest.raises(ValueError, match="x2"):
        parse_points({"x1": [1.0], "label": [1]}, dim=2)
    with pytest.raises(ValueError, match="dim"):
        parse_points(GOOD, dim=3)


cells = st.one_of(st.none(), st.booleans(), st.text(max_size=8), st.integers(-5, 5),
                  st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(cells, cells, cells, cells), max_size=12))
def test_parse_points_never_raises_and_accounts_for_every_row(rows):
    table = {"x1": [r[0] for r in rows], "x2": [r[1] for r in rows],
             "label": [r[2] for r in rows], "flipped": [r[3] for r in rows]}
    got = parse_points(table, dim=2)
    assert len(got.y) + len(got.problems) == len(rows)
    assert np.all(np.isfinite(got.x))
    assert set(np.unique(got.y)) <= {0.0, 1.0}


# -- the lesson of the lab, measured on real fits ----------------------------------------------
def _moved(dim, flip_class, seed, loss):
    data = lossviz.make_classification(40, dim=dim, flip=4, flip_class=flip_class, seed=seed)
    clean = np.where(data.is_flipped, 1 - data.y, data.y)
    noisy_fit = lossviz.fit(data.x, data.y, loss, lr=0.1, steps=300)
    clean_fit = lossviz.fit(data.x, clean, loss, lr=0.1, steps=300)
    return boundary_change(clean_fit.final_params, noisy_fit.final_params).size


@pytest.mark.parametrize(
    ("dim", "flip_class", "seed"),
    [pytest.param(2, "class 0", s, id=f"2d-class0-seed{s}") for s in range(3)]
    + [pytest.param(1, "class 1", s, id=f"1d-class1-seed{s}") for s in range(3)],
)
def test_flipped_deep_points_drag_exponential_and_squared_hinge_more_than_hinge(
    dim, flip_class, seed
):
    hinge = _moved(dim, flip_class, seed, "hinge")
    assert _moved(dim, flip_class, seed, "exponential") > hinge
    assert _moved(dim, flip_class, seed, "squared_hinge") > hinge
