"""The one optional fast protocol of the training loop: a loss that declares
``sum_from_slope = (a, c)`` (its sum over the points is ``a (d . z) + c (d . d)`` with ``d``
its slope) has its loss read off the product that gives the gradient. Such a loss records the
same history as the general way, the identity holds for every loss declaring it, and a
subclass that redefines the formula trains its own formula. A loss with neither a sum form
nor shared work in ``_value_deriv`` is trained on its slope alone, its losses computed after
the loop: the same history."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import lossviz
from lossviz import available_losses, fit, get_loss, make_regression
from lossviz.losses import ElementwiseLoss
from lossviz.losses.regression import MAE, MSE, Huber

FAST_LOSSES = [
    ("mse", {}),
    ("mae", {}),
    ("huber", {"delta": 1.0}),
    ("huber", {"delta": 0.3}),
    ("quantile", {"tau": 0.8}),
]
FAST_IDS = ["mse", "mae", "huber", "huber-0.3", "quantile-0.8"]
RUNS = [
    ({"optimizer": "gd", "lr": 0.05}),
    ({"optimizer": "momentum", "lr": 0.02}),
    ({"optimizer": "nesterov", "lr": 0.02, "momentum": 0.8}),
    ({"optimizer": "adam", "lr": 0.05}),
    ({"optimizer": "gd", "lr": 0.1, "schedule": "cosine"}),
    ({"optimizer": "sgd", "lr": 0.02, "batch_size": 16, "seed": 2}),
    ({"optimizer": "gd", "lr": 0.05, "tol": 1e-9, "grad_tol": 1e-9}),
]
RUN_IDS = ["gd", "momentum", "nesterov", "adam", "cosine", "sgd", "tolerances"]


def general_twin(loss):
    """The same loss, redefined in a subclass: it trains the general way."""

    class Twin(type(loss)):
        def _value(self, z):
            return super()._value(z)

    return Twin(**loss.params)


class Duck:
    """Only ``pointwise`` and ``gradient``: the most general path of all."""

    def __init__(self, loss):
        self.loss = loss

    def pointwise(self, y_true, y_pred):
        return self.loss.pointwise(y_true, y_pred)

    def gradient(self, y_true, y_pred):
        return self.loss.gradient(y_true, y_pred)


@pytest.fixture(scope="module")
def data():
    d = make_regression(57, noise=1.0, outliers=4, seed=11)
    return d.x, d.y


@pytest.mark.parametrize(("name", "params"), FAST_LOSSES, ids=FAST_IDS)
def test_declared_forms_are_kept_by_the_class_and_dropped_by_a_redefinition(name, params):
    loss = get_loss(name, **params)
    assert loss.sum_from_slope is not None
    assert general_twin(loss).sum_from_slope is None
    assert type(loss).sum_from_slope == loss.sum_from_slope  # the parent keeps its own


DECLARING = [
    name for name in available_losses() if getattr(get_loss(name), "sum_from_slope", None)
]


def test_the_declaring_losses_are_the_ones_with_an_exact_identity():
    assert sorted(DECLARING) == ["huber", "mae", "mse", "quantile"]


@settings(max_examples=60, deadline=None)
@given(
    z=arrays(np.float64, st.integers(1, 40), elements=st.floats(-1e6, 1e6)),
    param=st.floats(0.05, 0.95),
)
@pytest.mark.parametrize("name", DECLARING)
def test_the_declared_sum_matches_the_loss_values(name, z, param):
    params = {"huber": {"delta": 20 * param}, "quantile": {"tau": param}}.get(name, {})
    loss = get_loss(name, **params)
    a, c = loss.sum_from_slope
    d = loss.derivative(z)
    values = loss.elementwise(z)
    declared = a * float(d @ z) + c * float(d @ d)
    # Both sides are sums of n terms of size up to max |value|: rounding within n ulps of it.
    slack = 4 * len(z) * np.finfo(float).eps * (np.abs(values).sum() + np.abs(a * d * z).sum())
    assert declared == pytest.approx(values.sum(), abs=slack + 1e-300)


@pytest.mark.parametrize("run", RUNS, ids=RUN_IDS)
@pytest.mark.parametrize(("name", "params"), FAST_LOSSES, ids=FAST_IDS)
def test_fast_and_general_paths_record_the_same_history(data, name, params, run):
    x, y = data
    loss = get_loss(name, **params)
    fast = fit(x, y, loss, steps=150, **run)
    for other in (general_twin(loss), Duck(loss)):
        general = fit(x, y, other, steps=150, **run)
        assert (general.stop_step, general.stop_reason) == (fast.stop_step, fast.stop_reason)
        np.testing.assert_allclose(fast.params, general.params, rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(fast.loss, general.loss, rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose(fast.grad_norm, general.grad_norm, rtol=1e-9, atol=1e-13)
        np.testing.assert_array_equal(fast.lr, general.lr)


@pytest.mark.parametrize("model", [{"model": "linear"}, {"model": "poly", "degree": 3}],
                         ids=["linear", "poly-3"])
def test_fast_path_rows_hold_each_rows_loss_and_gradient(data, model):
    x, y = data
    loss = get_loss("huber", delta=0.5)
    history = fit(x, y, loss, lr=0.05, steps=40, **model)
    for step in (0, 1, 17, 40):
        pred = history.predict(x, step)
        value, dpred = loss.value_and_gradient(y, pred)
        design = history.model.features(x)
        assert history.loss[step] == pytest.approx(value, rel=1e-13)
        assert history.grad_norm[step] == pytest.approx(np.linalg.norm(design.T @ dpred), rel=1e-12)


def test_a_subclass_that_changes_the_formula_trains_its_own_formula(data):
    x, y = data

    class TripleSquare(MSE):  # 3 r^2: not the 2 r slope MSE declares
        def _value(self, r):
            return 3.0 * r * r

        def _deriv(self, r):
            return 6.0 * r

    class SlopeOnly(MAE):  # changes the slope alone: the sum form of MAE no longer applies
        def _deriv(self, r):
            return 2.0 * np.sign(r)

    assert TripleSquare.sum_from_slope is None
    assert SlopeOnly.sum_from_slope is None
    triple = fit(x, y, TripleSquare(), lr=0.01, steps=100)
    mse = fit(x, y, "mse", lr=0.03, steps=100)  # the same path, at three times the rate
    np.testing.assert_allclose(triple.params, mse.params, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(triple.loss, 3.0 * mse.loss, rtol=1e-12)
    slope = fit(x, y, SlopeOnly(), lr=0.01, steps=100)
    mae = fit(x, y, "mae", lr=0.02, steps=100)
    np.testing.assert_allclose(slope.params, mae.params, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(slope.loss, mae.loss, rtol=1e-12)


@pytest.mark.parametrize("loss", [Huber(delta=0.5), MAE(), get_loss("quantile", tau=0.3)],
                         ids=["huber", "mae", "quantile"])
def test_the_in_place_slope_is_the_slope_even_where_training_blows_up(loss):
    # A declaring loss writes its slope into the training loop's array: _deriv(z, out).
    z = np.array([-np.inf, -1e300, -2.0, -0.3, -0.0, 0.0, 0.3, 2.0, 1e300, np.inf, np.nan])
    out = np.full_like(z, 7.0)
    with np.errstate(invalid="ignore"):
        returned = loss._deriv(z, out)
        expected = loss._deriv(z)
    assert returned is out
    np.testing.assert_array_equal(out, expected)


def test_a_subclass_declaring_its_own_identity_keeps_it():
    class HalfMSE(ElementwiseLoss):
        task, variable = "regression", "r"

        def _value(self, r):
            return 0.5 * r * r

        def _deriv(self, r, out=None):
            return np.multiply(r, 1.0, out=out)

        sum_from_slope = (0.5, 0.0)  # sum r^2 / 2 = r . r / 2

    class Redefined(HalfMSE):
        def _value(self, r):
            return r * r

    assert HalfMSE.sum_from_slope == (0.5, 0.0)
    assert Redefined.sum_from_slope is None


@pytest.mark.parametrize("growth", [1.02, 1.1, 1.5])
def test_a_run_that_blows_up_slowly_stops_at_its_exact_step(data, growth):
    x, y = data
    # Gradient descent on MSE with a rate just past the stable limit: the error grows by
    # `growth` a step, so the loss passes 1e8 times its start after dozens to hundreds of
    # steps, between the loop's looks at the loss (every 16 steps).
    design = np.column_stack([x, np.ones(len(x))])
    curvature = np.linalg.eigvalsh(2 * design.T @ design / len(x)).max()
    lr = (1 + growth) / curvature
    fast = fit(x, y, "mse", lr=lr, steps=3000)
    general = fit(x, y, general_twin(get_loss("mse")), lr=lr, steps=3000)
    assert fast.diverged
    assert fast.loss[-1] <= 1e8 * fast.loss[0]
    assert (fast.diverged_at, fast.stop_step) == (general.diverged_at, general.stop_step)
    np.testing.assert_allclose(fast.params, general.params, rtol=1e-9)
    np.testing.assert_allclose(fast.loss, general.loss, rtol=1e-9)
    # ... and the update after the last kept row is the one that crosses the limit.
    assert fast.diverged_at == fast.stop_step + 1
    theta = fast.params[-1]
    following = theta - lr * 2 * design.T @ (design @ theta - y) / len(x)
    assert np.mean((design @ following - y) ** 2) > 1e8 * fast.loss[0]


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize(("name", "params"), FAST_LOSSES, ids=FAST_IDS)
def test_a_run_that_blows_up_stops_at_the_same_step_on_both_paths(data, name, params, optimizer):
    x, y = data
    loss = get_loss(name, **params)
    # Large inputs and rates: the MSE run blows up gradually, the others (whose slopes are
    # bounded) at the first step; either way in between the loop's looks at the loss.
    lr = {"gd": 3.0, "momentum": 3.0, "adam": 1e3}[optimizer] if name == "mse" else 1e12
    fast = fit(x * 1e3, y, loss, optimizer=optimizer, lr=lr, steps=3000)
    general = fit(x * 1e3, y, general_twin(loss), optimizer=optimizer, lr=lr, steps=3000)
    assert fast.diverged
    assert (fast.diverged_at, fast.stop_step) == (general.diverged_at, general.stop_step)
    assert fast.stop_step % 16 != 0 or fast.stop_step == 0  # not only where the loop looks
    for values in (fast.params, fast.loss, fast.grad_norm):
        assert np.all(np.isfinite(values))
    np.testing.assert_allclose(fast.params, general.params, rtol=1e-9)
    np.testing.assert_allclose(fast.loss, general.loss, rtol=1e-9)


@pytest.mark.parametrize(
    "model",
    [{"model": "linear"}, {"model": "poly", "degree": 3}, {"model": "poly", "degree": 9}],
    ids=["2-params", "4-params", "10-params"],
)
@pytest.mark.parametrize(("name", "params"), FAST_LOSSES[:3], ids=FAST_IDS[:3])
def test_per_step_checks_change_no_number(data, name, params, model):
    x, y = data
    loss = get_loss(name, **params)
    plain = fit(x, y, loss, lr=0.05, steps=200, schedule="cosine", **model)
    # grad_tol=1e-300 never fires (a squared norm is never below it here) but makes the loop
    # read every step's loss off its row, as the history does after the loop.
    checked = fit(x, y, loss, lr=0.05, steps=200, schedule="cosine", grad_tol=1e-300, **model)
    assert checked.stop_reason == plain.stop_reason == "budget"
    np.testing.assert_array_equal(plain.params, checked.params)
    np.testing.assert_array_equal(plain.loss, checked.loss)
    np.testing.assert_array_equal(plain.grad_norm, checked.grad_norm)


# -- losses trained on their slope alone ------------------------------------------------------
# A loss with no sum form whose value and slope share no work (it keeps ElementwiseLoss's
# _value_deriv) is trained on its slope alone when no rule reads the loss at every step; the
# history's losses are computed after the loop, a block of steps per call.
SLOPE_ONLY = [
    name for name in available_losses("regression") + available_losses("classification")
    if get_loss(name).sum_from_slope is None
    and type(get_loss(name))._value_deriv is ElementwiseLoss._value_deriv
]


def in_loop_twin(loss):
    """The same loss with its own _value_deriv: its values are computed at every step."""

    class Twin(type(loss)):
        def _value_deriv(self, z):
            return self._value(z), self._deriv(z)

    return Twin(**loss.params)


def test_the_slope_only_losses_are_the_elementwise_ones_without_shared_work():
    assert sorted(SLOPE_ONLY) == ["cross_entropy", "hinge", "log_cosh", "modified_huber",
                                  "pseudo_huber", "squared_hinge", "tukey", "zero_one"]


@pytest.mark.parametrize("run", RUNS[:6], ids=RUN_IDS[:6])
@pytest.mark.parametrize("name", SLOPE_ONLY)
def test_a_loss_trained_on_its_slope_alone_records_every_rows_loss(name, run):
    loss = get_loss(name)
    if loss.task == "regression":
        d = make_regression(300, noise=1.0, outliers=6, seed=5)  # 13 rows per block after
    else:
        d = lossviz.make_classification(300, dim=2, flip=6, seed=5)
    x, y = d.x, d.y
    later = fit(x, y, loss, steps=100, **run)
    each = fit(x, y, in_loop_twin(loss), steps=100, **run)
    assert (later.stop_step, later.stop_reason) == (each.stop_step, each.stop_reason)
    np.testing.assert_array_equal(later.params, each.params)  # the same steps, bit for bit
    np.testing.assert_allclose(later.loss, each.loss, rtol=1e-13, atol=1e-300)
    np.testing.assert_array_equal(later.grad_norm, each.grad_norm)
    for step in range(later.stop_step + 1):  # every row: the loss at that row's parameters
        assert later.loss[step] == pytest.approx(loss(y, later.predict(x, step)), rel=1e-12)


@pytest.mark.parametrize("growth", [1.02, 1.1, 1.5])
def test_a_slope_only_run_that_blows_up_stops_where_the_in_loop_run_does(data, growth):
    x, y = data

    class Square(ElementwiseLoss):  # r^2 with no sum form: trained on its slope alone
        task, variable = "regression", "r"

        def _value(self, r):
            return r * r

        def _deriv(self, r):
            return 2.0 * r

    # Just past the stable rate: the loss passes 1e8 times its start between two of the
    # loop's looks at it (every 16 steps), so the history is cut after the loop.
    design = np.column_stack([x, np.ones(len(x))])
    lr = (1 + growth) / np.linalg.eigvalsh(2 * design.T @ design / len(x)).max()
    later = fit(x, y, Square(), lr=lr, steps=3000)
    each = fit(x, y, in_loop_twin(Square()), lr=lr, steps=3000)
    assert later.diverged
    assert later.diverged_at == later.stop_step + 1
    assert later.stop_step % 16 != 0
    assert (later.diverged_at, later.stop_step) == (each.diverged_at, each.stop_step)
    np.testing.assert_array_equal(later.params, each.params)
    np.testing.assert_allclose(later.loss, each.loss, rtol=1e-13)
    assert later.loss[-1] <= 1e8 * later.loss[0]


def test_a_slope_only_loss_computes_its_values_only_where_the_loop_looks(data):
    x, y = data
    calls = []

    class Counted(type(get_loss("log_cosh"))):
        def _value(self, r):
            calls.append(r.shape)
            return super()._value(r)

    fit(x, y, Counted(), lr=0.05, steps=160)
    # Where the loop looks (steps 0, 16, ..., 160): one row each; after it, every row in
    # blocks of 4096 // 61 = 67.
    assert calls == [(1, 61)] * 11 + [(67, 61), (67, 61), (27, 61)]
    calls.clear()
    fit(x, y, Counted(), lr=0.05, steps=160, grad_tol=1e-300)  # a rule reads every step
    assert calls == [(1, 61)] * 161


@pytest.mark.parametrize("name", [*available_losses("regression"),
                                  *available_losses("classification")])
def test_sgd_records_the_full_data_loss_and_gradient_of_every_row(name):
    # SGD steps along a batch's gradient; the history's rows (the loss and gradient over all
    # points) are computed after the loop, a block of steps at a time.
    loss = get_loss(name)
    if loss.task == "regression":
        d = make_regression(300, noise=1.0, outliers=6, seed=8)
    else:
        d = lossviz.make_classification(300, dim=2, flip=6, seed=8)
    x, y = d.x, d.y
    run = {"optimizer": "sgd", "lr": 0.02, "batch_size": 16, "seed": 4, "steps": 90}
    later = fit(x, y, loss, **run)
    each = fit(x, y, loss, grad_tol=1e-300, **run)  # a rule reads every row in the loop
    assert (later.stop_step, later.stop_reason) == (each.stop_step, each.stop_reason)
    np.testing.assert_array_equal(later.params, each.params)
    np.testing.assert_array_equal(later.loss, each.loss)  # one row at a time, or in blocks
    np.testing.assert_array_equal(later.grad_norm, each.grad_norm)
    design = np.column_stack([x, np.ones(len(x))])
    for step in range(later.stop_step + 1):
        pred = later.predict(x, step)
        assert later.loss[step] == pytest.approx(loss(y, pred), rel=1e-12, abs=1e-300)
        full = np.linalg.norm(design.T @ loss.gradient(y, pred))
        assert later.grad_norm[step] == pytest.approx(full, rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "adam"])
@pytest.mark.parametrize("name", ["mse", "huber", "cauchy", "log_cosh", "pseudo_huber", "tukey"])
def test_a_rule_reading_every_step_changes_no_number_of_a_polynomial_run(name, optimizer):
    # The stopping page finds where each rule would stop in ONE run without rules: that run's
    # rows must be the ones a run with the rule computes, to the last bit, with the widest
    # model it trains (degree 15: 16 parameters).
    x, y = lossviz.make_curve(120, seed=3)
    run = {"model": "poly", "degree": 15, "optimizer": optimizer, "lr": 0.01, "steps": 300}
    plain = fit(x, y, name, **run)
    checked = fit(x, y, name, grad_tol=1e-300, tol=1e-300, **run)
    assert checked.stop_reason == plain.stop_reason == "budget"
    np.testing.assert_array_equal(plain.params, checked.params)
    np.testing.assert_array_equal(plain.loss, checked.loss)
    np.testing.assert_array_equal(plain.grad_norm, checked.grad_norm)


@pytest.mark.parametrize("n", [1, 2, 40, 333, 5000])
def test_sgd_shuffles_are_those_of_permutation_called_again_and_again(n):
    # SGD draws its permutations a stack at a time (Generator.permuted, row by row); they
    # must be the ones rng.permutation(n) gives call after call, past a stack's end too.
    from itertools import islice

    from lossviz.training.descent import _PERMUTED_AT_ONCE, _permutations

    count = 2 * max(1, _PERMUTED_AT_ONCE // n) + 3
    rng = np.random.default_rng(12)
    expected = [rng.permutation(n) for _ in range(count)]
    got = list(islice(_permutations(n, 12), count))
    assert len(got) == count
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_array_equal(have, want)
