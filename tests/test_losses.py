"""The loss catalogue: values, exact gradients, kinks, stated properties, stability, errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from references import reference

import lossviz
from lossviz import available_losses, get_loss, softmax
from lossviz.losses import huber, huber_slope

REGRESSION = available_losses("regression")
BINARY = available_losses("classification")
MULTICLASS = available_losses("multiclass")
ELEMENTWISE = REGRESSION + BINARY
ALL = available_losses()

# Points where some loss of the catalogue (at its default parameters) has a kink or a jump:
# finite differences are only compared away from these.
KINKS = np.array([-4.685, -1.0, 0.0, 1.0, 4.685])

NON_CONVEX = {"cauchy", "tukey", "zero_one"}

# The naive textbook formula of each loss, as a function of the residual or the margin, at
# default parameters. Only valid for moderate arguments: the catalogue must agree there.
NAIVE = {
    "mse": lambda r: r**2,
    "mae": lambda r: np.abs(r),
    "huber": lambda r: np.where(np.abs(r) <= 1.0, 0.5 * r**2, np.abs(r) - 0.5),
    "log_cosh": lambda r: np.log(np.cosh(r)),
    "quantile": lambda r: 0.5 * np.abs(r),
    "pseudo_huber": lambda r: np.sqrt(1.0 + r**2) - 1.0,
    "cauchy": lambda r: 0.5 * np.log(1.0 + r**2),
    "tukey": lambda r: np.where(
        np.abs(r) <= 4.685, 4.685**2 / 6 * (1 - (1 - (r / 4.685) ** 2) ** 3), 4.685**2 / 6
    ),
    "cross_entropy": lambda m: np.log(1.0 + np.exp(-m)),
    "hinge": lambda m: np.maximum(0.0, 1.0 - m),
    "squared_hinge": lambda m: np.maximum(0.0, 1.0 - m) ** 2,
    "modified_huber": lambda m: np.where(m >= -1, np.maximum(0.0, 1.0 - m) ** 2, -4.0 * m),
    "exponential": lambda m: np.exp(-m),
    "zero_one": lambda m: (m <= 0).astype(float),
}


def test_catalogue_lists_every_loss_once_by_task():
    assert set(NAIVE) == set(ELEMENTWISE)
    assert set(MULTICLASS) == {"softmax_cross_entropy", "multiclass_hinge"}
    assert sorted(ALL) == sorted(REGRESSION + BINARY + MULTICLASS)
    assert len(set(ALL)) == len(ALL)
    for name in ALL:
        loss = get_loss(name)
        assert loss.name == name
        assert loss.task in ("regression", "classification", "multiclass")
        assert loss.label
        assert loss.latex
        assert loss.derivative_latex
        assert loss.convex == (name not in NON_CONVEX)
        assert repr(loss).startswith(f"get_loss({name!r}")


# -- helpers ---------------------------------------------------------------------------------
def readable(value) -> str:
    """A short test id for a parameter value: ``huber-delta2-[0,0]-[0.5,3]-1.312``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return (
            "-".join(
                f"{k}{v:g}" if isinstance(v, float | int) else f"{k}{v}" for k, v in value.items()
            )
            or "default"
        )
    if isinstance(value, float | int):
        return f"{value:.4g}"
    return str(np.asarray(value).tolist()).replace(" ", "")


def away_from_kinks(z: np.ndarray, gap: float = 0.05) -> np.ndarray:
    return z[np.min(np.abs(z[:, None] - KINKS[None, :]), axis=1) > gap]


def targets_for(loss, z: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred) whose residual (regression) or margin (classification) is ``z``."""
    if loss.task == "regression":
        y_true = rng.normal(size=z.shape)
        return y_true, y_true + z
    y_true = rng.integers(0, 2, size=z.shape).astype(float)
    return y_true, (2.0 * y_true - 1.0) * z


def central_difference(fun, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d fun / d x by central differences, one coordinate at a time."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (fun(up) - fun(down)) / (2 * h)
    return grad


# -- value and gradient against central differences --------------------------------------------
@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=40, deadline=None)
@given(z=st.lists(st.floats(-6.0, 6.0), min_size=1, max_size=8), seed=st.integers(0, 2**16))
def test_gradient_of_the_mean_matches_central_differences(name, z, seed):
    loss = get_loss(name)
    z = away_from_kinks(np.array(z))
    assume(z.size > 0)
    y_true, y_pred = targets_for(loss, z, np.random.default_rng(seed))
    expected = central_difference(lambda p: loss(y_true, p), y_pred)
    grad = loss.gradient(y_true, y_pred)
    assert grad.shape == y_pred.shape
    # Rounding in the difference of two means of size |L| costs about eps |L| / h: a point
    # with a tiny slope beside one with a large loss (exponential at m = -6) needs that slack.
    roundoff = 50 * np.finfo(float).eps * abs(loss(y_true, y_pred)) / 1e-6
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-8 + roundoff)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences_of_the_curve(name):
    loss = get_loss(name)
    z = away_from_kinks(np.linspace(-8, 8, 161))
    h = 1e-6
    expected = (loss.elementwise(z + h) - loss.elementwise(z - h)) / (2 * h)
    np.testing.assert_allclose(loss.derivative(z), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", MULTICLASS)
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 5), k=st.integers(2, 4))
def test_multiclass_gradient_matches_central_differences(name, seed, n, k):
    loss = get_loss(name)
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=(n, k))
    labels = rng.integers(0, k, size=n)
    if name == "multiclass_hinge":  # away from its kinks: ties and a margin of exactly 1
        rows = np.arange(n)
        others = logits.copy()
        others[rows, labels] = -np.inf
        top2 = np.sort(others, axis=1)[:, -2:] if k > 2 else None
        margin = 1.0 + others.max(axis=1) - logits[rows, labels]
        assume(np.all(np.abs(margin) > 1e-3))
        if top2 is not None:
            assume(np.all(top2[:, 1] - top2[:, 0] > 1e-3))
    expected = central_difference(lambda f: loss(labels, f), logits)
    np.testing.assert_allclose(loss.gradient(labels, logits), expected, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_value_and_gradient_agree_with_the_separate_methods(name):
    loss = get_loss(name)
    rng = np.random.default_rng(1)
    y_true, y_pred = targets_for(loss, rng.normal(scale=3, size=20), rng)
    value, grad = loss.value_and_gradient(y_true, y_pred)
    assert isinstance(value, float)
    assert value == loss(y_true, y_pred)
    np.testing.assert_array_equal(grad, loss.gradient(y_true, y_pred))
    np.testing.assert_allclose(value, np.mean(loss.pointwise(y_true, y_pred)), rtol=1e-15)


# Where a loss's branches meet, both sides of it, and the far ends of float64.
EDGES = np.array([0.0, -0.0, 1.0, -1.0, np.nextafter(1.0, 0.0), np.nextafter(1.0, 2.0),
                  4.685, 1e-300, -1e-300, 5e-324, 1e150, -1e150, 1e200, 1e308, -1e308,
                  np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("scale", [0.3, 1.0, 7.0])
def test_the_training_step_s_value_and_slope_are_the_separate_ones_to_the_last_bit(name, scale):
    # fit calls _value_deriv once a step; a loss may compute both at once (Cauchy shares
    # r / c and its square), but never other numbers than _value and _deriv give.
    scales = {k: scale for k in get_loss(name).param_specs if k != "tau"}  # tau: in (0, 1)
    loss = get_loss(name, **scales)
    with np.errstate(all="ignore"):  # 1e308 * 7 is inf: one more edge
        z = np.concatenate([np.random.default_rng(2).normal(scale=3 * scale, size=2000),
                            EDGES, EDGES * scale])
        value, slope = loss._value_deriv(z)
        alone = loss._value(z), loss._deriv(z)
    for got, want in zip((value, slope), alone, strict=True):
        assert np.array_equal(got, want, equal_nan=True)
        assert np.array_equal(np.signbit(got), np.signbit(want))


# -- hand-computed values ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_matches_the_naive_formula_for_moderate_arguments(name):
    loss = get_loss(name)
    z = np.linspace(-4, 4, 81)
    np.testing.assert_allclose(loss.elementwise(z), NAIVE[name](z), rtol=1e-12, atol=1e-15)
    rng = np.random.default_rng(2)
    y_true, y_pred = targets_for(loss, z, rng)
    np.testing.assert_allclose(
        loss.pointwise(y_true, y_pred), NAIVE[name](z), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize(
    ("name", "params", "y_true", "y_pred", "expected"),
    [
        ("mse", {}, [0, 0], [1, 3], 5.0),
        ("mse", {}, [2.0], [3.0], 1.0),  # no 1/2 factor
        ("mae", {}, [0, 0], [1, -3], 2.0),
        ("huber", {}, [0, 0], [0.5, 3], (0.125 + 2.5) / 2),
        ("huber", {"delta": 2.0}, [0.0], [3.0], 4.0),
        ("huber", {"delta": 2.0}, [0.0], [-1.5], 1.125),
        ("log_cosh", {}, [0.0], [1.0], math.log(math.cosh(1.0))),
        ("quantile", {"tau": 0.9}, [0, 0], [-1, 1], 0.5),
        ("pseudo_huber", {}, [0.0], [1.0], math.sqrt(2) - 1),
        ("pseudo_huber", {"delta": 2.0}, [0.0], [2.0], 4 * (math.sqrt(2) - 1)),
        ("cauchy", {}, [0.0], [1.0], math.log(2) / 2),
        ("cauchy", {"c": 2.0}, [1.0], [3.0], 2 * math.log(2)),
        ("tukey", {"c": 1.0}, [0.0], [2.0], 1 / 6),
        ("tukey", {"c": 2.0}, [0.0], [1.0], 4 / 6 * (1 - 0.75**3)),
        ("cross_entropy", {}, [1], [0.0], math.log(2)),
        (
            "cross_entropy",
            {},
            [0, 1],
            [2.0, 2.0],
            (math.log1p(math.e**2) + math.log1p(math.e**-2)) / 2,
        ),
        ("hinge", {}, [1, 0], [0.5, 0.5], 1.0),
        ("squared_hinge", {}, [1], [-1.0], 4.0),
        ("modified_huber", {}, [1], [-3.0], 12.0),
        ("modified_huber", {}, [0], [0.5], 2.25),
        ("exponential", {}, [1, 0], [0.0, 1.0], (1 + math.e) / 2),
        ("zero_one", {}, [1, 0, 1], [2.0, 0.5, 0.0], 2 / 3),
        ("softmax_cross_entropy", {}, [0], [[0.0, 0.0]], math.log(2)),
        (
            "softmax_cross_entropy",
            {},
            [2],
            [[1.0, 2.0, 3.0]],
            math.log(math.e + math.e**2 + math.e**3) - 3,
        ),
        ("multiclass_hinge", {}, [0], [[1.0, 0.5, -1.0]], 0.5),
        ("multiclass_hinge", {}, [1, 2], [[0.0, 3.0, 0.0], [2.0, 0.0, 1.0]], (0 + 2) / 2),
    ],
    ids=readable,
)
def test_hand_computed_mean(name, params, y_true, y_pred, expected):
    value = get_loss(name, **params)(y_true, y_pred)
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-14, abs=1e-15)


def mean_pinball_loss_by_hand(y_true, y_pred, alpha):
    """scikit-learn's ``mean_pinball_loss``, written out."""
    diff = y_true - y_pred
    sign = (diff >= 0).astype(float)
    return np.mean(alpha * sign * diff - (1 - alpha) * (1 - sign) * diff)


@pytest.mark.parametrize("tau", [0.05, 0.25, 0.5, 0.9, 0.99])
def test_quantile_is_sklearn_mean_pinball_loss(tau):
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.normal(size=50), rng.normal(size=50)
    loss = get_loss("quantile", tau=tau)
    assert loss(y_true, y_pred) == pytest.approx(
        mean_pinball_loss_by_hand(y_true, y_pred, tau), rel=1e-14
    )
    r = y_pred - y_true
    np.testing.assert_allclose(
        loss.gradient(y_true, y_pred), np.where(r > 0, 1 - tau, -tau) / 50, rtol=1e-15
    )


def test_quantile_at_one_half_is_half_the_mae():
    rng = np.random.default_rng(4)
    y_true, y_pred = rng.normal(size=30), rng.normal(size=30)
    assert get_loss("quantile", tau=0.5)(y_true, y_pred) == pytest.approx(
        get_loss("mae")(y_true, y_pred) / 2, rel=1e-14
    )


def test_cross_entropy_is_the_log_loss_of_the_sigmoid():
    f = np.linspace(-8, 8, 33)
    for y in (0.0, 1.0):
        labels = np.full_like(f, y)
        p = 1 / (1 + np.exp(-f))
        expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
        loss = get_loss("cross_entropy")
        np.testing.assert_allclose(loss.pointwise(labels, f), expected, rtol=1e-12)
        # the gradient with respect to the logit is p - y (divided by n for the mean)
        np.testing.assert_allclose(
            loss.gradient(labels, f), (p - y) / len(f), rtol=1e-12, atol=1e-17
        )


# -- gradient of the mean --------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL)
def test_gradient_is_of_the_mean_and_has_the_shape_of_y_pred(name):
    loss = get_loss(name)
    rng = np.random.default_rng(5)
    if loss.task == "multiclass":
        y_true, y_pred = rng.integers(0, 3, size=6), rng.normal(size=(6, 3))
        twice_true, twice_pred = np.concatenate([y_true, y_true]), np.vstack([y_pred, y_pred])
    else:
        y_true, y_pred = targets_for(loss, rng.normal(scale=2, size=6), rng)
        twice_true, twice_pred = np.tile(y_true, 2), np.tile(y_pred, 2)
    grad = loss.gradient(y_true, y_pred)
    assert grad.shape == np.shape(y_pred)
    # the same points twice: the same mean, each point's share of the gradient halves
    assert loss(twice_true, twice_pred) == pytest.approx(loss(y_true, y_pred), rel=1e-14)
    np.testing.assert_allclose(loss.gradient(twice_true, twice_pred)[:6], grad / 2, rtol=1e-14)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_gradient_is_the_curve_derivative_by_the_chain_rule(name):
    loss = get_loss(name)
    rng = np.random.default_rng(6)
    z = rng.normal(scale=3, size=12)
    y_true, y_pred = targets_for(loss, z, rng)
    inner = 1.0 if loss.task == "regression" else 2 * y_true - 1  # dz / dy_pred
    np.testing.assert_allclose(
        loss.gradient(y_true, y_pred), inner * loss.derivative(z) / len(z), rtol=1e-14, atol=1e-300
    )
    assert loss.variable == ("r" if loss.task == "regression" else "m")


# -- kinks: documented subgradients ----------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "params", "z", "expected"),
    [
        ("mae", {}, 0.0, 0.0),
        ("quantile", {"tau": 0.3}, 0.0, 0.0),
        ("huber", {"delta": 2.0}, 2.0, 2.0),
        ("huber", {"delta": 2.0}, -2.0, -2.0),
        ("tukey", {"c": 3.0}, 3.0, 0.0),
        ("hinge", {}, 1.0, 0.0),
        ("squared_hinge", {}, 1.0, 0.0),
        ("modified_huber", {}, 1.0, 0.0),
        ("modified_huber", {}, -1.0, -4.0),
        ("zero_one", {}, 0.0, 0.0),
    ],
    ids=readable,
)
def test_subgradient_at_kinks(name, params, z, expected):
    loss = get_loss(name, **params)
    assert loss.derivative([z])[0] == expected
    y_true, y_pred = (
        (np.array([0.0]), np.array([z]))
        if loss.task == "regression"
        else (np.array([1.0]), np.array([z]))
    )
    assert loss.gradient(y_true, y_pred)[0] == expected
    # and the one-sided limits bracket it (a valid subgradient for the convex ones)
    left, right = loss.derivative([z - 1e-9, z + 1e-9])
    assert min(left, right) - 1e-6 <= expected <= max(left, right) + 1e-6


def test_multiclass_hinge_subgradient_at_margin_one_and_ties():
    loss = get_loss("multiclass_hinge")
    # true class leads by exactly 1: loss 0, gradient 0
    assert loss([0], [[2.0, 1.0, 0.0]]) == 0.0
    np.testing.assert_array_equal(loss.gradient([0], [[2.0, 1.0, 0.0]]), [[0.0, 0.0, 0.0]])
    # two rivals tie: the first one takes the +1
    np.testing.assert_array_equal(loss.gradient([0], [[0.0, 1.0, 1.0]]), [[-1.0, 1.0, 0.0]])


def test_multiclass_hinge_is_crammer_singer_not_weston_watkins():
    loss = get_loss("multiclass_hinge")
    f = np.array([[0.0, 0.5, 0.8]])
    # Crammer-Singer: only the strongest wrong class counts: 1 + 0.8 - 0 = 1.8
    assert loss([0], f) == pytest.approx(1.8)
    # (Weston-Watkins would sum both: 1.5 + 1.8 = 3.3)
    np.testing.assert_array_equal(loss.gradient([0], f), [[-1.0, 0.0, 1.0]])


# -- stated properties -------------------------------------------------------------------------
@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_is_half_mse_inside_and_linear_beyond_delta(delta):
    loss = get_loss("huber", delta=delta)
    inside = np.linspace(-delta, delta, 41)
    np.testing.assert_allclose(loss.elementwise(inside), inside**2 / 2, rtol=1e-15)
    mse = get_loss("mse")
    assert loss(np.zeros(41), inside) == pytest.approx(mse(np.zeros(41), inside) / 2, rel=1e-14)
    beyond = np.linspace(delta, 10 * delta, 41)
    np.testing.assert_allclose(
        np.diff(loss.elementwise(beyond)), delta * np.diff(beyond), rtol=1e-10
    )
    np.testing.assert_allclose(loss.derivative(beyond), delta)
    np.testing.assert_allclose(loss.derivative(-beyond), -delta)


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_functions_are_the_loss_and_optax_split(delta):
    r = np.concatenate([np.linspace(-4 * delta, 4 * delta, 81), [0.0, delta, -delta, 1e200]])
    q = np.minimum(np.abs(r), delta)
    optax = 0.5 * q**2 + delta * (np.abs(r) - q)  # optax.losses.huber_loss, written out
    np.testing.assert_array_equal(huber(r, delta=delta), optax)
    np.testing.assert_array_equal(huber_slope(r, delta=delta), np.clip(r, -delta, delta))
    loss = get_loss("huber", delta=delta)
    np.testing.assert_array_equal(loss.elementwise(r), huber(r, delta=delta))
    np.testing.assert_array_equal(loss.derivative(r), huber_slope(r, delta=delta))
    assert huber([1e200], delta=delta)[0] == pytest.approx(delta * (1e200 - delta / 2))
    out = np.empty_like(r)
    assert huber_slope(r, delta=delta, out=out) is out


@pytest.mark.parametrize("function", [huber, huber_slope])
@pytest.mark.parametrize("delta", [0.0, -1.0, float("nan"), "one"])
def test_huber_functions_refuse_a_bad_delta(function, delta):
    with pytest.raises(ValueError, match="delta must be a"):
        function([1.0], delta=delta)


def test_the_core_uses_no_private_numpy_member():
    import pathlib
    import re

    root = pathlib.Path(lossviz.__file__).parent
    core = [*root.glob("*.py"), *root.glob("losses/*.py"), *root.glob("training/*.py")]
    private = re.compile(r"\b(numpy|np)\.(_(?!_version__)\w+|core)\b")
    offenders = [
        f"{path.relative_to(root)}:{i}: {line.strip()}"
        for path in core
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if private.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize("delta", [0.5, 1.0, 3.0])
def test_pseudo_huber_is_smooth_quadratic_near_zero_and_slope_delta_far_out(delta):
    loss = get_loss("pseudo_huber", delta=delta)
    z = np.linspace(-20, 20, 4001)
    d = loss.derivative(z)
    assert np.all(np.diff(d) > 0)  # strictly increasing slope: smooth and strictly convex
    assert np.max(np.abs(np.diff(d))) < 0.011  # no jump anywhere
    small = np.array([1e-4, -1e-5])
    np.testing.assert_allclose(loss.elementwise(small), small**2 / 2, rtol=1e-7)
    assert loss.derivative([1e6])[0] == pytest.approx(delta, rel=1e-9)


@pytest.mark.parametrize("c", [1.0, 4.685])
def test_tukey_is_flat_beyond_c(c):
    loss = get_loss("tukey", c=c)
    far = np.array([c, c * 1.001, 10 * c, -50 * c, 1e100])
    np.testing.assert_allclose(loss.elementwise(far), c * c / 6, rtol=1e-15)
    np.testing.assert_array_equal(loss.derivative(far), 0.0)
    inside = np.linspace(-0.99 * c, 0.99 * c, 11)
    assert np.all(loss.elementwise(inside) < c * c / 6)


def test_tukey_keeps_its_digits_for_tiny_residuals():
    loss = get_loss("tukey", c=2.0)
    assert loss.elementwise([1e-8])[0] == pytest.approx(1e-16 / 2, rel=1e-12)


@pytest.mark.parametrize("c", [0.5, 1.0, 3.0])
def test_cauchy_derivative_redescends(c):
    loss = get_loss("cauchy", c=c)
    z = np.linspace(0, 50 * c, 5001)
    d = loss.derivative(z)
    peak = z[np.argmax(d)]
    assert peak == pytest.approx(c, abs=0.01 * c)
    assert d.max() == pytest.approx(c / 2, rel=1e-6)
    assert np.all(np.diff(d[z > c]) < 0)
    assert loss.derivative([1e6 * c])[0] == pytest.approx(1e-6 * c, rel=1e-9)
    np.testing.assert_allclose(loss.derivative(-z), -d)


def test_log_cosh_is_quadratic_near_zero_and_abs_minus_log2_far_out():
    loss = get_loss("log_cosh")
    for r in (1e-10, 1e-5, 1e-3):
        # log cosh r = r^2/2 - r^4/12 + ...: keep every digit for tiny residuals
        assert loss.elementwise([r])[0] == pytest.approx(r * r / 2 - r**4 / 12, rel=1e-14)
    for r in (30.0, -100.0, 1e10):
        assert loss.elementwise([r])[0] == pytest.approx(abs(r) - math.log(2), rel=1e-15)
    np.testing.assert_allclose(loss.derivative([-3.0, 0.0, 0.5]), np.tanh([-3.0, 0.0, 0.5]))


def test_mse_has_no_half_and_huber_is_half_mse_for_small_residuals():
    assert get_loss("mse")([2.0], [3.0]) == 1.0
    assert get_loss("huber")([2.0], [2.5]) == 0.125


@pytest.mark.parametrize("name", REGRESSION)
@settings(max_examples=30, deadline=None)
@given(r=st.floats(-1e6, 1e6))
def test_regression_losses_are_zero_at_zero_and_grow_away_from_it(name, r):
    loss = get_loss(name)
    assert loss.elementwise([0.0])[0] == 0.0
    assert loss.derivative([0.0])[0] == 0.0
    value = loss.elementwise([r])[0]
    assert value >= 0.0
    assert loss.derivative([r])[0] * r >= 0.0  # the slope never points away from r = 0
    if name != "quantile":  # the only asymmetric one (unless tau = 0.5)
        assert loss.elementwise([-r])[0] == value


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_convex_flag_tells_the_truth(name):
    loss = get_loss(name)
    a, b = np.meshgrid(np.linspace(-8, 8, 41), np.linspace(-8, 8, 41))
    a, b = a.ravel(), b.ravel()
    mid = loss.elementwise((a + b) / 2)
    chord = (loss.elementwise(a) + loss.elementwise(b)) / 2
    violated = np.any(mid > chord + 1e-12)
    assert violated == (not loss.convex)


@pytest.mark.parametrize("name", ["hinge", "squared_hinge", "modified_huber", "exponential"])
def test_surrogates_upper_bound_the_zero_one_loss(name):
    m = np.linspace(-5, 5, 1001)
    zero_one = get_loss("zero_one").elementwise(m)
    assert np.all(get_loss(name).elementwise(m) >= zero_one)


def test_cross_entropy_in_bits_upper_bounds_zero_one_and_equals_one_at_the_boundary():
    m = np.linspace(-5, 5, 1001)
    bits = get_loss("cross_entropy").elementwise(m) / math.log(2)
    assert np.all(bits >= get_loss("zero_one").elementwise(m))
    assert get_loss("cross_entropy").elementwise([0.0])[0] / math.log(2) == pytest.approx(1.0)


def test_zero_one_gives_no_gradient_signal():
    rng = np.random.default_rng(7)
    y, f = rng.integers(0, 2, 20), rng.normal(size=20)
    np.testing.assert_array_equal(get_loss("zero_one").gradient(y, f), 0.0)


# -- multiclass ---------------------------------------------------------------------------------
def test_softmax_cross_entropy_gradient_is_p_minus_onehot():
    rng = np.random.default_rng(8)
    f, y = rng.normal(scale=3, size=(7, 4)), rng.integers(0, 4, size=7)
    onehot = np.eye(4)[y]
    grad = get_loss("softmax_cross_entropy").gradient(y, f)
    np.testing.assert_allclose(grad, (softmax(f) - onehot) / 7, rtol=1e-13, atol=1e-17)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-16)
    naive = -np.log(np.exp(f[np.arange(7), y]) / np.exp(f).sum(axis=1))
    np.testing.assert_allclose(get_loss("softmax_cross_entropy").pointwise(y, f), naive, rtol=1e-12)


def test_softmax_cross_entropy_gradient_uses_the_very_probabilities_softmax_gives():
    # The page shows p = softmax(f) beside the gradient p - onehot(y): the same bits. With 8
    # samples the mean's division is exact; off the label, the gradient is p itself.
    rng = np.random.default_rng(10)
    f, y = rng.normal(scale=8, size=(8, 5)), rng.integers(0, 5, size=8)
    per_sample = get_loss("softmax_cross_entropy").gradient(y, f) * 8
    off = np.eye(5)[y] == 0
    np.testing.assert_array_equal(per_sample[off], softmax(f)[off])


def test_softmax_of_two_classes_is_binary_cross_entropy():
    rng = np.random.default_rng(9)
    f, y = rng.normal(scale=2, size=10), rng.integers(0, 2, size=10)
    logits = np.column_stack([np.zeros(10), f])
    assert get_loss("softmax_cross_entropy")(y, logits) == pytest.approx(
        get_loss("cross_entropy")(y, f), rel=1e-14
    )


def test_softmax_rows_sum_to_one_and_stay_finite():
    p = softmax([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(softmax([0.0, 0.0]), [0.5, 0.5])
    assert lossviz.softmax([1.0, 2.0]).shape == (2,)


# -- stability ----------------------------------------------------------------------------------
@pytest.fixture
def strict_floats():
    """Any numpy floating-point warning or Python warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


HUGE = 1e150


@pytest.mark.usefixtures("strict_floats")
@pytest.mark.parametrize("name", REGRESSION)
def test_regression_losses_survive_residuals_of_1e150(name):
    loss = get_loss(name)
    y_true = np.array([0.0, 0.0, 5.0, -3.0])
    y_pred = np.array([HUGE, -HUGE, 5.0, 1e-300])
    values = loss.pointwise(y_true, y_pred)
    grad = loss.gradient(y_true, y_pred)
    assert np.all(np.isfinite(values))
    assert np.all(np.isfinite(grad))
    assert np.isfinite(loss(y_true, y_pred))
    # the far points keep their exact asymptotic value
    far = {
        "mse": HUGE**2,
        "mae": HUGE,
        "huber": HUGE - 0.5,
        "log_cosh": HUGE - math.log(2),
        "quantile": HUGE / 2,
        "pseudo_huber": HUGE - 1,
        "cauchy": math.log(HUGE),
        "tukey": 4.685**2 / 6,
    }[name]
    assert values[0] == pytest.approx(far, rel=1e-14)
    assert values[1] == pytest.approx(far, rel=1e-14)
    assert values[2] == 0.0


@pytest.mark.usefixtures("strict_floats")
@pytest.mark.parametrize("c", [1.0, 2.5, 1e-3])
def test_cauchy_is_exact_where_the_square_of_r_over_c_overflows(c):
    # Beyond |r / c| ~ 1.34e154, (r / c)**2 is inf in float64; the loss is then c**2 log|r/c|
    # and its slope c**2 / r, to within 1e-308 relative. Either side of that edge: no jump.
    loss = get_loss("cauchy", c=c)
    r = np.array([1e160, -1e200, 1.7e308, -5e307])
    values, slopes = loss.pointwise(np.zeros(4), r), loss.gradient(np.zeros(4), r) * 4
    np.testing.assert_allclose(values, c * c * (np.log(np.abs(r)) - np.log(c)), rtol=1e-15)
    np.testing.assert_allclose(slopes, c * c / r, rtol=1e-15, atol=1e-307)  # subnormal: 0
    edge = np.sqrt(np.finfo(float).max) * c
    r = np.array([edge * (1 - 1e-15), edge * (1 + 1e-15)])
    values, slopes = loss.pointwise(np.zeros(2), r), loss.gradient(np.zeros(2), r) * 2
    assert values[1] == pytest.approx(values[0], rel=1e-14)
    assert slopes[1] == pytest.approx(slopes[0], rel=1e-14)


@pytest.mark.usefixtures("strict_floats")
@pytest.mark.parametrize("name", [n for n in BINARY if n != "exponential"])
def test_binary_losses_survive_logits_of_1e4(name):
    loss = get_loss(name)
    y_true = np.array([1.0, 0.0, 1.0, 0.0])
    y_pred = np.array([1e4, -1e4, -1e4, 1e4])  # two right, two badly wrong
    values = loss.pointwise(y_true, y_pred)
    grad = loss.gradient(y_true, y_pred)
    assert np.all(np.isfinite(values))
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(
        values,
        NAIVE[name](np.array([1e4, 1e4, -1e4, -1e4]))
        if name != "cross_entropy"
        else [0.0, 0.0, 1e4, 1e4],
        rtol=1e-15,
    )


@pytest.mark.usefixtures("strict_floats")
def test_cross_entropy_is_exact_for_huge_logits():
    loss = get_loss("cross_entropy")
    assert loss([1.0], [-1e4]) == 1e4
    assert loss([1.0], [1e4]) == 0.0
    assert loss([1.0], [-40.0]) == pytest.approx(40.0, rel=1e-15)
    assert loss([1.0], [40.0]) == pytest.approx(math.exp(-40.0), rel=1e-14)  # no log(p + eps)
    np.testing.assert_array_equal(loss.gradient([1.0, 0.0], [-1e4, 1e4]), [-0.5, 0.5])


@pytest.mark.usefixtures("strict_floats")
def test_exponential_is_finite_for_right_margins_and_refuses_to_overflow_for_wrong_ones():
    loss = get_loss("exponential")
    assert loss([1.0], [1e4]) == 0.0
    assert loss([1.0], [-700.0]) == pytest.approx(math.exp(700.0))
    # e^10000 is beyond float64: a clear error, never inf or a warning
    with pytest.raises(ValueError, match="too large for float64"):
        loss([1.0], [-1e4])
    with pytest.raises(ValueError, match="too large for float64"):
        loss.gradient([0.0], [1e4])


@pytest.mark.usefixtures("strict_floats")
@pytest.mark.parametrize("name", MULTICLASS)
def test_multiclass_losses_survive_logits_of_1e4(name):
    loss = get_loss(name)
    y = np.array([0, 1, 2])
    f = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0], [0.0, 0.0, -1e4]])
    values = loss.pointwise(y, f)
    assert np.all(np.isfinite(values))
    assert np.all(np.isfinite(loss.gradient(y, f)))
    assert values[0] == 0.0
    assert values[2] == pytest.approx(
        1e4 + (math.log(2) if name.startswith("softmax") else 1.0), rel=1e-15
    )


@pytest.mark.usefixtures("strict_floats")
def test_mean_beyond_float64_raises_instead_of_returning_inf():
    loss = get_loss("mse")
    with pytest.raises(ValueError, match="largest float64"):
        loss([0.0, 0.0], [1e154, 1e154])
    with pytest.raises(ValueError, match="largest float64"):
        loss.value_and_gradient([0.0, 0.0], [1e154, 1e154])
    with pytest.raises(ValueError, match="too large for float64"):
        loss.pointwise([0.0], [1e200])


# -- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    ("y_true", "y_pred", "match"),
    [
        ([0.0, 1.0, 0.0], [0.0, 1.0], "same shape|one row per sample"),
        ([], [], "empty"),
        ([0.0, np.nan], [0.0, 1.0], "NaN"),
        ([0.0, 1.0], [np.inf, 1.0], "infinite|non-finite"),
        (["a", "b"], [0.0, 1.0], "numbers only"),
    ],
    ids=["mismatched-length", "empty", "nan", "inf", "text"],
)
def test_bad_arrays_raise_a_clear_value_error(name, y_true, y_pred, match):
    loss = get_loss(name)
    if loss.task == "multiclass" and len(y_pred) and np.ndim(y_pred) == 1:
        y_pred = np.column_stack([y_pred, np.zeros(len(y_pred))])
        if np.isinf(y_pred).any():
            y_pred = np.array([[np.inf, 0.0], [0.0, 0.0]])
    for method in (loss, loss.pointwise, loss.gradient, loss.value_and_gradient):
        with pytest.raises(ValueError, match=match):
            method(y_true, y_pred)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_nothing_is_broadcast(name):
    loss = get_loss(name)
    with pytest.raises(ValueError, match="same shape"):
        loss([0.0, 1.0, 1.0], [0.5])
    with pytest.raises(ValueError, match="same shape"):
        loss([0.0, 1.0], [[0.5], [0.5]])
    with pytest.raises(ValueError, match="1-D"):
        loss([[0.0, 1.0]], [[0.5, 0.5]])
    with pytest.raises(ValueError, match="NaN"):
        loss.elementwise([0.0, np.nan])


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("label", [0.5, 2.0, -1.0])
def test_binary_labels_outside_zero_one_raise(name, label):
    with pytest.raises(ValueError, match="binary labels 0 or 1"):
        get_loss(name)([0.0, label], [0.3, 0.3])


@pytest.mark.parametrize("name", MULTICLASS)
@pytest.mark.parametrize(
    ("y_true", "y_pred", "match"),
    [
        ([0, 3], [[0.0, 1.0, 2.0]] * 2, "labels 0 to 2"),
        ([0, -1], [[0.0, 1.0, 2.0]] * 2, "labels 0 to 2"),
        ([0, 0.5], [[0.0, 1.0, 2.0]] * 2, "labels 0 to 2"),
        ([0, 1], [0.0, 1.0], "2-D array of logits"),
        ([0, 1, 1], [[0.0, 1.0]] * 2, "2-D array of logits"),
        ([0, 0], [[0.0], [1.0]], "at least 2 classes"),
        ([[0, 1]], [[0.0, 1.0]], "1-D array of class labels"),
    ],
    ids=[
        "label-too-big",
        "negative-label",
        "fractional-label",
        "1d-logits",
        "row-mismatch",
        "one-class",
        "2d-labels",
    ],
)
def test_multiclass_bad_input_raises(name, y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        get_loss(name)(y_true, y_pred)


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("huber", {"delta": 0.0}, "delta must be a number greater than 0"),
        ("huber", {"delta": -1.0}, "delta must be a number greater than 0"),
        ("pseudo_huber", {"delta": 0}, "delta must be a number greater than 0"),
        ("cauchy", {"c": -2.0}, "c must be a number greater than 0"),
        ("tukey", {"c": 0.0}, "c must be a number greater than 0"),
        ("quantile", {"tau": 0.0}, "tau must lie strictly between 0 and 1"),
        ("quantile", {"tau": 1.0}, "tau must lie strictly between 0 and 1"),
        ("quantile", {"tau": 1.5}, "tau must lie strictly between 0 and 1"),
        ("huber", {"delta": float("nan")}, "finite"),
        ("huber", {"delta": "big"}, "must be a number"),
        ("huber", {"c": 1.0}, "huber has no parameter 'c'; allowed parameters: delta"),
        ("mse", {"delta": 1.0}, "allowed parameters: none"),
        ("quantile", {"alpha": 0.5}, "allowed parameters: tau"),
    ],
    ids=readable,
)
def test_bad_parameters_raise(name, params, match):
    with pytest.raises(ValueError, match=match):
        get_loss(name, **params)


def test_unknown_loss_lists_the_available_ones():
    with pytest.raises(ValueError, match="unknown loss 'l2'") as info:
        get_loss("l2")
    for name in ALL:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="unknown task"):
        available_losses("ranking")
    with pytest.raises(ValueError, match="together with a loss name"):
        get_loss(get_loss("mse"), delta=1.0)


def test_parameters_are_recorded_and_a_loss_object_passes_through():
    loss = get_loss("huber", delta=2)
    assert loss.params == {"delta": 2.0}
    assert get_loss(loss) is loss
    assert get_loss("quantile").params == {"tau": 0.5}
    assert "2" in loss.latex


# -- PyTorch as an independent reference (the test extra installs it) -------------------------
@pytest.fixture(scope="module")
def torch():
    return reference("torch")


def torch_value_and_grad(torch, fn, y_true, y_pred):
    pred = torch.tensor(np.asarray(y_pred, dtype=np.float64), requires_grad=True)
    target = torch.tensor(np.asarray(y_true, dtype=np.float64))
    out = fn(pred, target)
    out.backward()
    return out.item(), pred.grad.numpy()


def _torch_references(torch):
    F = torch.nn.functional

    def margin(f, y):
        return (2 * y - 1) * f

    return {
        ("mse", ()): lambda p, t: F.mse_loss(p, t),
        ("mae", ()): lambda p, t: F.l1_loss(p, t),
        ("huber", (("delta", 1.0),)): lambda p, t: F.huber_loss(p, t, delta=1.0),
        ("huber", (("delta", 0.3),)): lambda p, t: F.huber_loss(p, t, delta=0.3),
        ("huber", (("delta", 2.5),)): lambda p, t: 2.5 * F.smooth_l1_loss(p, t, beta=2.5),
        ("log_cosh", ()): lambda p, t: torch.log(torch.cosh(p - t)).mean(),
        ("cross_entropy", ()): lambda p, t: F.binary_cross_entropy_with_logits(p, t),
        ("hinge", ()): lambda p, t: torch.relu(1 - margin(p, t)).mean(),
        ("squared_hinge", ()): lambda p, t: (torch.relu(1 - margin(p, t)) ** 2).mean(),
        ("exponential", ()): lambda p, t: torch.exp(-margin(p, t)).mean(),
    }


TORCH_CASES = [
    ("mse", ()),
    ("mae", ()),
    ("huber", (("delta", 1.0),)),
    ("huber", (("delta", 0.3),)),
    ("huber", (("delta", 2.5),)),
    ("log_cosh", ()),
    ("cross_entropy", ()),
    ("hinge", ()),
    ("squared_hinge", ()),
    ("exponential", ()),
]


@pytest.mark.parametrize(
    "case", TORCH_CASES, ids=[n + "".join(f"-{k}{v:g}" for k, v in p) for n, p in TORCH_CASES]
)
def test_matches_pytorch_value_and_gradient(torch, case):
    name, params = case
    loss = get_loss(name, **dict(params))
    rng = np.random.default_rng(10)
    z = np.concatenate([rng.normal(scale=3, size=40), [0.0, 1.0, -1.0]])  # kinks included
    if loss.task == "regression":  # y_true = 0 makes r = 0 and r = +-1 exact
        y_true, y_pred = np.zeros_like(z), z
    else:
        y_true, y_pred = targets_for(loss, z, rng)
    expected, expected_grad = torch_value_and_grad(
        torch, _torch_references(torch)[case], y_true, y_pred
    )
    value, grad = loss.value_and_gradient(y_true, y_pred)
    assert value == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-18)


def test_softmax_cross_entropy_matches_pytorch(torch):
    rng = np.random.default_rng(11)
    f, y = rng.normal(scale=3, size=(9, 4)), rng.integers(0, 4, size=9)
    logits = torch.tensor(f, requires_grad=True)
    out = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    out.backward()
    value, grad = get_loss("softmax_cross_entropy").value_and_gradient(y, f)
    assert value == pytest.approx(out.item(), rel=1e-13)
    np.testing.assert_allclose(grad, logits.grad.numpy(), rtol=1e-12, atol=1e-18)


def test_multiclass_hinge_matches_pytorch(torch):
    rng = np.random.default_rng(12)
    f, y = rng.normal(scale=2, size=(9, 4)), rng.integers(0, 4, size=9)
    logits = torch.tensor(f, requires_grad=True)
    rows = torch.arange(9)
    true = logits[rows, torch.tensor(y)]
    masked = logits.masked_fill(
        torch.nn.functional.one_hot(torch.tensor(y), 4).bool(), -float("inf")
    )
    out = torch.relu(1 + masked.max(dim=1).values - true).mean()  # Crammer-Singer
    out.backward()
    value, grad = get_loss("multiclass_hinge").value_and_gradient(y, f)
    assert value == pytest.approx(out.item(), rel=1e-13)
    np.testing.assert_allclose(grad, logits.grad.numpy(), rtol=1e-12, atol=1e-18)
    # with two classes PyTorch's (Weston-Watkins) multi_margin_loss is the same loss over k = 2
    f2, y2 = f[:, :2], rng.integers(0, 2, size=9)
    ww = torch.nn.functional.multi_margin_loss(torch.tensor(f2), torch.tensor(y2))
    assert get_loss("multiclass_hinge")(y2, f2) / 2 == pytest.approx(ww.item(), rel=1e-13)


def test_the_readme_example_prints_what_the_readme_shows():
    import doctest
    import pathlib

    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Using the package\n", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    test = doctest.DocTestParser().get_doctest(code, {}, "README", "README.md", 0)
    assert len(test.examples) > 10
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=lambda text: None)
    assert runner.summarize(verbose=False).failed == 0
