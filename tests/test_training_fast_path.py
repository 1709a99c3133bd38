"""The training fast path (one matrix-vector product gives the gradient and the loss) records
the same history as the general path, and only runs for losses whose declared form holds."""

from __future__ import annotations

import numpy as np
import pytest

from lossviz import fit, get_loss, make_regression
from lossviz.losses.regression import MAE, MSE, Huber
from lossviz.training.descent import _fast_form

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
    """The same loss, redefined in a subclass: the fast path is off for it."""

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
def test_builtin_losses_take_the_fast_path_and_redefined_ones_do_not(name, params):
    loss = get_loss(name, **params)
    assert _fast_form(loss) is not None
    assert _fast_form(general_twin(loss)) is None


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

        def _sum_deriv(self, r):
            return 3.0 * float(r.dot(r)), 6.0 * r

    class SlopeOnly(MAE):  # changes the slope alone: the sum form of MAE no longer applies
        def _deriv(self, r):
            return 2.0 * np.sign(r)

        def _deriv_into(self, r, out):
            np.multiply(np.sign(r), 2.0, out=out)

        def _sum_deriv(self, r):
            return float(np.abs(r).sum()), 2.0 * np.sign(r)

    assert _fast_form(TripleSquare()) is None
    assert _fast_form(SlopeOnly()) is None
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
    z = np.array([-np.inf, -1e300, -2.0, -0.3, -0.0, 0.0, 0.3, 2.0, 1e300, np.inf, np.nan])
    out = np.empty_like(z)
    with np.errstate(invalid="ignore"):
        loss._deriv_into(z, out)
        expected = loss._deriv(z)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("growth", [1.02, 1.1, 1.5])
def test_a_run_that_blows_up_slowly_stops_at_its_exact_step(data, growth):
    x, y = data
    # Gradient descent on MSE with a rate just past the stable limit: the error grows by
    # `growth` a step, so the loss passes 1e8 times its start after dozens to hundreds of
    # steps, between the fast path's looks at the loss (every 64 steps).
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
    # bounded) at the first step; either way in between the fast path's looks at the loss.
    lr = {"gd": 3.0, "momentum": 3.0, "adam": 1e3}[optimizer] if name == "mse" else 1e12
    fast = fit(x * 1e3, y, loss, optimizer=optimizer, lr=lr, steps=3000)
    general = fit(x * 1e3, y, general_twin(loss), optimizer=optimizer, lr=lr, steps=3000)
    assert fast.diverged
    assert (fast.diverged_at, fast.stop_step) == (general.diverged_at, general.stop_step)
    assert fast.stop_step % 64 != 0 or fast.stop_step == 0  # not only where the loop looks
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
def test_the_lean_loop_updates_exactly_as_the_general_loop(data, name, params, model):
    x, y = data
    loss = get_loss(name, **params)
    lean = fit(x, y, loss, lr=0.05, steps=200, schedule="cosine", **model)
    # grad_tol=1e-300 never fires (a squared norm is never below 0) but sends the run
    # through the general loop, which updates with numpy: the numbers must be the same.
    general = fit(x, y, loss, lr=0.05, steps=200, schedule="cosine", grad_tol=1e-300, **model)
    assert general.stop_reason == lean.stop_reason == "budget"
    np.testing.assert_array_equal(lean.params, general.params)
    np.testing.assert_array_equal(lean.loss, general.loss)
    np.testing.assert_array_equal(lean.grad_norm, general.grad_norm)
