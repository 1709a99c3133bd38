"""Loss landscapes, curvature bounds, robust lines and the outlier sweep."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lossviz
from lossviz import get_loss
from lossviz.experiments import (
    cross_validate,
    curvature_bound,
    loss_landscape,
    outlier_sweep,
    read_points,
    robust_line,
    safe_learning_rate,
)
from lossviz.limits import MAX_GRID, MAX_POINTS, MAX_TABLE_VALUE


@pytest.fixture(scope="module")
def clean():
    d = lossviz.make_regression(30, noise=0.5, seed=1)
    return d.x, d.y


def test_landscape_matches_the_loss_at_every_grid_point(clean):
    x, y = clean
    huber = lossviz.get_loss("huber", delta=0.7)
    land = loss_landscape(x, y, huber, w_range=(-2, 4), b_range=(0, 3), size=7)
    assert land.loss.shape == (7, 7)
    for j in (0, 3, 6):
        for i in (0, 2, 6):
            expected = huber(y, land.w[i] * x + land.b[j])
            assert land.loss[j, i] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("bad", [(1, 1), (2, 1), (0, np.inf)], ids=["empty", "reversed", "inf"])
def test_landscape_rejects_bad_ranges(clean, bad):
    with pytest.raises(ValueError, match="w_range"):
        loss_landscape(*clean, lossviz.get_loss("mse"), w_range=bad, b_range=(0, 1))


def test_curvature_bound_is_the_hessian_norm_for_mse(clean):
    x, _ = clean
    z = np.column_stack([x, np.ones_like(x)])
    hessian = 2 * z.T @ z / len(x)
    assert curvature_bound(x, "mse") == pytest.approx(np.linalg.eigvalsh(hessian)[-1])
    assert curvature_bound(x, "huber") == pytest.approx(curvature_bound(x, "mse") / 2)
    assert curvature_bound(x, "mae") == np.inf


@pytest.mark.parametrize("name", ["mse", "huber", "mae"])
def test_safe_learning_rate_converges_and_twice_the_limit_diverges(clean, name):
    x, y = clean
    step = safe_learning_rate(x, name)
    h = lossviz.fit(x, y, name, lr=step.lr, steps=3000, schedule=step.schedule)
    assert not h.diverged
    np.testing.assert_allclose(h.final_params, robust_line(x, y, name), atol=2e-3)
    if name == "mse":
        assert lossviz.fit(x, y, name, lr=2.2 * step.lr, steps=3000).diverged


@pytest.mark.parametrize("name", ["mse", "mae", "huber"])
def test_robust_line_is_a_minimum(clean, name):
    x, y = clean
    loss = lossviz.get_loss(name, **({"delta": 0.5} if name == "huber" else {}))
    w, b = robust_line(x, y, name, delta=0.5)
    best = loss(y, w * x + b)
    for dw, db in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)]:
        assert loss(y, (w + dw) * x + b + db) >= best - 1e-12


def test_robust_line_exact_on_a_line_with_one_outlier():
    # MAE's line passes through two of the points: the four on y = x give it exactly.
    np.testing.assert_array_equal(robust_line([0, 1, 2, 3, 4], [0, 1, 30, 3, 4], "mae"), [1, 0])


@settings(max_examples=30, deadline=None)
@given(st.floats(-5, 5), st.floats(-5, 5))
def test_robust_line_recovers_exact_lines(w, b):
    x = np.linspace(-3, 3, 9)
    for name in ("mse", "mae", "huber"):
        np.testing.assert_allclose(robust_line(x, w * x + b, name), [w, b], atol=1e-6)


def _mean_abs(x, y, line):
    return float(np.mean(np.abs(line[0] * np.asarray(x) + line[1] - np.asarray(y))))


@pytest.mark.parametrize("name", ["anscombe_3", "elnino_sst", "engel", "stars_cyg_ob1",
                                  "house_prices", "stackloss"])
def test_robust_line_mae_is_the_exact_minimiser_on_every_shipped_set(name):
    # The linear program (lossviz.solve, HiGHS) is the reference: the same line to rounding
    # error, on each set's first feature.
    d = lossviz.datasets.load(name)
    x, y = d.x[:, 0], d.y
    line = robust_line(x, y, "mae")
    exact = lossviz.solve(x, y, "mae").params
    assert _mean_abs(x, y, line) == pytest.approx(_mean_abs(x, y, exact), rel=1e-12)
    np.testing.assert_allclose(line, exact, rtol=1e-9, atol=1e-9 * np.abs(y).max())


def test_robust_line_mae_is_exact_for_every_outlier_distance_of_the_lab():
    # The regression lab's sweep: the outliers moved together, every distance of the slider,
    # in one batched call. Reweighted least squares stopped up to 0.03 off in the slope here.
    for seed, (n, k) in enumerate([(30, 1), (30, 3), (200, 10), (12, 2)]):
        d = lossviz.make_regression(n, outliers=k, outlier_shift=15.0, seed=seed)
        moved = np.tile(d.y, (81, 1))
        moved[:, d.is_outlier] += np.arange(-40.0, 41.0)[:, None]
        lines = robust_line(d.x, moved, "mae")
        for row, line in zip(moved, lines, strict=True):
            exact = lossviz.solve(d.x, row, "mae").params
            np.testing.assert_allclose(line, exact, rtol=1e-9, atol=1e-9)
            np.testing.assert_array_equal(robust_line(d.x, row, "mae"), line)  # batched = alone


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-4, 4), st.integers(-20, 20)), min_size=2, max_size=25))
def test_robust_line_mae_reaches_the_minimum_with_ties_and_repeated_x(pairs):
    # Whole numbers: repeated x, three points on a line, minimisers that are not unique.
    x = np.array([p[0] for p in pairs], float)
    y = np.array([p[1] for p in pairs], float)
    line = robust_line(x, y, "mae")
    if np.ptp(x) == 0:
        np.testing.assert_array_equal(line, [0.0, np.median(y)])
        return
    best = _mean_abs(x, y, lossviz.solve(x, y, "mae").params)
    assert _mean_abs(x, y, line) <= best + 1e-12 * max(1.0, best)


def test_robust_line_mae_with_two_almost_equal_x():
    # The slope between two points 1e-13 apart is ~1e13: a tolerance on slopes scaled by it
    # took the others for ties and stopped early (on 5 of these 40 sets).
    for seed in range(40):
        rng = np.random.default_rng(seed)
        x = rng.uniform(0, 5, 15)
        x[1] = x[0] + 1e-13
        y = 2 * x + rng.standard_cauchy(15)
        best = _mean_abs(x, y, lossviz.solve(x, y, "mae").params)
        assert _mean_abs(x, y, robust_line(x, y, "mae")) <= best * (1 + 1e-9)


def test_sweep_mse_swings_while_mae_and_huber_hold(clean):
    x, y = clean
    sweep = outlier_sweep(x, y, outlier_x=4.5, magnitudes=np.linspace(0, 80, 9), delta=1.0)
    assert sweep.slope["mse"][-1] - sweep.slope["mse"][0] > 1.0
    for name in ("mae", "huber"):
        assert abs(sweep.slope[name][-1] - sweep.slope[name][0]) < 0.1
    assert sweep.clean_error["mse"][-1] > 3 * sweep.clean_error["huber"][-1]
    # Each sweep point is the best line of its own data set.
    xs = np.append(x, 4.5)
    base = robust_line(x, y, "mse")
    ys = np.append(y, base[0] * 4.5 + base[1] + 80.0)
    np.testing.assert_allclose(
        [sweep.slope["huber"][-1], sweep.intercept["huber"][-1]],
        robust_line(xs, ys, "huber"), rtol=1e-9,
    )


# -- the regression lab's table --------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "says"),
    [
        pytest.param(" 2.5 ", None, id="spaced-number-text"),
        pytest.param("", "x is empty", id="blank-text"),
        pytest.param(None, "x is empty", id="none"),
        pytest.param(float("nan"), "x is empty", id="nan"),
        pytest.param(float("inf"), "x is inf, not a finite number", id="inf"),
        pytest.param("two", "x 'two' is not a number", id="text"),
        pytest.param(True, "x 'True' is not a number", id="bool"),
        pytest.param(np.True_, "x 'True' is not a number", id="numpy-bool"),
        pytest.param(10**400, "not a number", id="int-beyond-float64"),
        pytest.param(MAX_TABLE_VALUE * 1.01, "is beyond ±10000", id="too-large"),
    ],
)
def test_read_points_reads_numbers_and_says_why_a_row_is_left_out(value, says):
    got = read_points({"x": [1.0, value], "target": [2.0, 3.0], "prediction": [2.0, 2.5]})
    if says is None:
        np.testing.assert_array_equal(got.x, [1.0, 2.5])
        assert got.problems == []
    else:
        np.testing.assert_array_equal(got.rows, [1])
        assert len(got.problems) == 1
        assert got.problems[0].startswith("row 2: ")
        assert says in got.problems[0]


def test_read_points_takes_at_most_the_labs_point_limit():
    n = MAX_POINTS + 3
    got = read_points({"x": list(range(n)), "target": [0.0] * n, "prediction": [0.0] * n})
    assert len(got.x) == MAX_POINTS
    assert got.problems == [
        f"rows {MAX_POINTS + 1} to {n}: left out, the table takes at most {MAX_POINTS} points"
    ]


def test_landscape_grid_is_limited(clean):
    x, y = clean
    with pytest.raises(ValueError, match=f"size must be between 2 and {MAX_GRID}"):
        loss_landscape(x, y, get_loss("mse"), w_range=(0, 1), b_range=(0, 1), size=MAX_GRID + 1)


# -- cross-validation ---------------------------------------------------------------------------
def test_cross_validation_tests_every_point_once_on_lines_fitted_without_its_fold():
    rng = np.random.default_rng(3)
    x = rng.uniform(-3, 3, 23)
    y = 2 * x + 1 + rng.normal(0, 0.5, 23)
    y[4] += 30
    cv = cross_validate(x, y, folds=5, seed=7, delta=1.0)
    fold = np.empty(23, dtype=int)
    fold[np.random.default_rng(7).permutation(23)] = np.arange(23) % 5
    errors = {name: np.empty(23) for name in cv.losses}
    for k in range(5):
        train = fold != k
        for j, name in enumerate(cv.losses):
            w, b = robust_line(x[train], y[train], name, delta=1.0)
            assert (cv.slopes[j, k], cv.intercepts[j, k]) == pytest.approx((w, b), rel=1e-12)
            errors[name][~train] = w * x[~train] + b - y[~train]
        # MSE's line is least squares on the other folds
        w, b = np.polyfit(x[train], y[train], 1)
        assert cv.slopes[0, k] == pytest.approx(w, rel=1e-9)
    for j, name in enumerate(cv.losses):
        assert cv.rmse[j] == pytest.approx(np.sqrt(np.mean(errors[name] ** 2)), rel=1e-12)
        assert cv.mean_abs[j] == pytest.approx(np.mean(np.abs(errors[name])), rel=1e-12)
        assert cv.median_abs[j] == pytest.approx(np.median(np.abs(errors[name])), rel=1e-12)
    # the outlier spoils MSE's held-out absolute error more than MAE's
    assert cv.mean_abs[1] < cv.mean_abs[0]


def test_cross_validation_refuses_too_few_points_or_a_fold_without_two_x_values():
    with pytest.raises(ValueError, match="at least 10 points"):
        cross_validate(np.arange(9.0), np.arange(9.0))
    with pytest.raises(ValueError, match="two different x values"):
        cross_validate(np.r_[np.zeros(9), 1.0], np.arange(10.0), folds=2)
    with pytest.raises(ValueError, match="same length"):
        cross_validate(np.arange(10.0), np.arange(11.0))
