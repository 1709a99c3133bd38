"""The gradient-descent engine: it reaches the known optima, stops for the stated reasons,
reports divergence, and follows PyTorch's optimizers and schedules step for step."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from references import reference

import lossviz
from lossviz import available_losses, fit, get_loss, get_schedule, make_regression

OPTIMIZERS = list(lossviz.OPTIMIZERS)


@pytest.fixture(scope="module")
def line():
    data = make_regression(40, noise=1.0, seed=3)
    return data.x, data.y


def lad_line_by_brute_force(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """The least-absolute-deviations line: some optimal line passes through two data points,
    so the best of all lines through pairs is the optimum. Returns (slope, intercept, mean |r|).
    """
    i, j = np.triu_indices(len(x), 1)
    keep = x[i] != x[j]
    i, j = i[keep], j[keep]
    slope = (y[j] - y[i]) / (x[j] - x[i])
    intercept = y[i] - slope * x[i]
    objective = np.abs(y[None, :] - (slope[:, None] * x[None, :] + intercept[:, None])).mean(1)
    best = int(np.argmin(objective))
    return float(slope[best]), float(intercept[best]), float(objective[best])


# -- the known optima -----------------------------------------------------------------------
def test_mse_gradient_descent_reaches_the_least_squares_line(line):
    x, y = line
    history = fit(x, y, "mse", lr=0.05, steps=1000)
    np.testing.assert_allclose(history.final_params, np.polyfit(x, y, 1), atol=1e-6)
    assert history.stop_reason == "budget"
    assert not history.diverged


def test_mae_reaches_the_least_absolute_deviations_line(line):
    x, y = line
    slope, intercept, objective = lad_line_by_brute_force(x, y)
    decaying = get_schedule("exponential", gamma=0.995)
    history = fit(x, y, "mae", lr=0.5, steps=5000, schedule=decaying)
    assert history.final_loss == pytest.approx(objective, rel=1e-9)
    assert history.final_loss >= objective - 1e-12  # nothing beats the optimum
    np.testing.assert_allclose(history.final_params, [slope, intercept], atol=1e-5)
    # the least-squares line is a different, worse line for this objective
    assert get_loss("mae")(y, np.polyval(np.polyfit(x, y, 1), x)) > objective + 1e-4


def test_outliers_move_the_mae_and_huber_slopes_far_less_than_the_mse_slope():
    clean = make_regression(40, noise=0.5, seed=1)
    dirty = make_regression(40, noise=0.5, outliers=4, outlier_shift=40.0, seed=1)
    decaying = get_schedule("exponential", gamma=0.995)
    shift = {}
    for name, lr in (("mse", 0.05), ("mae", 0.3), ("huber", 0.3)):
        before = fit(clean.x, clean.y, name, lr=lr, steps=3000, schedule=decaying)
        after = fit(dirty.x, dirty.y, name, lr=lr, steps=3000, schedule=decaying)
        shift[name] = abs(after.final_params[0] - before.final_params[0])
    assert shift["mse"] > 1.0  # the outliers drag the least-squares slope a long way
    assert shift["mae"] < shift["mse"] / 20
    assert shift["huber"] < shift["mse"] / 10


@pytest.mark.parametrize(
    ("optimizer", "options"),
    [
        ("gd", {"lr": 0.5}),
        ("sgd", {"lr": 0.3, "batch_size": 5}),
        ("momentum", {"lr": 0.1}),
        ("nesterov", {"lr": 0.1}),
        ("adam", {"lr": 0.05, "schedule": "cosine"}),
    ],
    ids=OPTIMIZERS,
)
@pytest.mark.parametrize("noise", [0.0, 0.1], ids=["exact-line", "noisy"])
def test_every_optimizer_converges_on_a_well_conditioned_problem(optimizer, options, noise):
    x = np.linspace(-1, 1, 50)
    y = 2 * x - 1 + noise * np.random.default_rng(0).standard_normal(50)
    if optimizer == "sgd" and noise:
        options = {**options, "schedule": "cosine"}  # mini-batch noise needs a decaying rate
    history = fit(x, y, "mse", optimizer=optimizer, steps=2000, **options)
    tolerance = 1e-3 if optimizer == "sgd" and noise else 1e-8
    np.testing.assert_allclose(history.final_params, np.polyfit(x, y, 1), atol=tolerance)
    assert history.loss[-1] < history.loss[0]


def test_poly_model_with_gradient_descent_reaches_polyfit():
    x, y = lossviz.make_curve(20, seed=0)
    for degree in (2, 3):
        history = fit(x, y, "mse", model="poly", degree=degree, lr=0.2, steps=20000)
        weights, intercept = history.coefficients()
        np.testing.assert_allclose([*weights[::-1], intercept], np.polyfit(x, y, degree), atol=1e-6)
        np.testing.assert_allclose(
            history.predict(x), np.polyval(np.polyfit(x, y, degree), x), atol=1e-6
        )


@pytest.mark.parametrize(
    "name", available_losses("regression") + available_losses("classification")
)
def test_history_records_the_loss_and_gradient_at_each_rows_parameters(name):
    loss = get_loss(name)
    if loss.task == "regression":
        data = make_regression(25, outliers=2, seed=4)
        x, y = data.x, data.y
    else:
        data = lossviz.make_classification(30, dim=2, flip=2, seed=4)
        x, y = data.x, data.y
    history = fit(x, y, loss, optimizer="momentum", lr=0.01, steps=30)
    assert history.params.shape == (31, x.shape[1] + 1 if x.ndim == 2 else 2)
    design = np.column_stack([x, np.ones(len(x))])
    for t in (0, 1, 17, 30):
        pred = history.predict(x, t)
        np.testing.assert_allclose(pred, design @ history.params[t], rtol=1e-14)
        assert history.loss[t] == pytest.approx(loss(y, pred), rel=1e-12, abs=1e-15)
        grad = design.T @ loss.gradient(y, pred)
        assert history.grad_norm[t] == pytest.approx(np.linalg.norm(grad), rel=1e-12, abs=1e-15)


# -- divergence -------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_divergence_is_detected_reported_with_its_step_and_never_stored(line, optimizer):
    x, y = line
    lr = 50.0 if optimizer == "adam" else 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning may escape
        history = fit(x * 1e3, y, "mse", optimizer=optimizer, lr=lr, steps=5000)
    assert history.diverged
    assert history.stop_reason == "divergence"
    assert not history.converged
    assert history.diverged_at == history.stop_step + 1
    assert history.stop_step < 5000
    assert len(history.params) == len(history.loss) == len(history.grad_norm)
    assert len(history.params) == history.stop_step + 1
    assert len(history.lr) == history.stop_step
    for values in (history.params, history.loss, history.grad_norm):
        assert np.all(np.isfinite(values))
    assert f"diverged at step {history.diverged_at}" in history.describe()


def test_divergence_of_a_loss_that_overflows():
    data = lossviz.make_classification(40, dim=1, separation=1.0, flip=5, seed=0)
    history = fit(data.x * 100, data.y, "exponential", lr=10.0, steps=1000)
    assert history.diverged
    assert np.all(np.isfinite(history.loss))


def test_parameters_blowing_up_under_a_bounded_loss_is_divergence(line):
    x, y = line  # Tukey's loss stays finite for any parameters: only they show the blow-up
    history = fit(x, y, "tukey", lr=1e250, steps=200)
    assert history.diverged
    assert history.diverged_at == history.stop_step + 1
    assert np.all(np.isfinite(history.params))
    assert np.all(np.einsum("ij,ij->i", history.params, history.params) < 1e200)


def test_an_infinite_gradient_under_a_finite_loss_is_divergence(line):
    x, y = line

    class Spiky(PlainSquare):
        def pointwise(self, y_true, y_pred):
            return np.minimum(super().pointwise(y_true, y_pred), 1e6)

        def gradient(self, y_true, y_pred):
            r = np.asarray(y_pred) - np.asarray(y_true)
            return np.where(np.abs(r) > 100, np.inf, 2 * r) / len(r)

    history = fit(x, y, Spiky(), lr=0.2, steps=200)
    assert history.diverged
    assert history.stop_step >= 1
    assert np.all(np.isfinite(history.grad_norm))
    assert len(history.grad_norm) == history.stop_step + 1


def test_a_non_finite_start_is_an_error_not_a_history():
    with pytest.raises(ValueError, match="not finite at the starting parameters"):
        fit([1.0, 2.0], [1.0, 0.0], "exponential", init=[-1e4, 0.0])


# -- stopping rules -----------------------------------------------------------------------------
@pytest.mark.parametrize("tol", [1e-3, 1e-6])
def test_tol_stops_once_the_relative_change_falls_below_it_and_not_before(line, tol):
    x, y = line
    history = fit(x, y, "huber", lr=0.01, steps=20000, tol=tol)
    change = np.abs(np.diff(history.loss)) / np.abs(history.loss[:-1])
    assert history.stop_reason == "tolerance"
    assert history.converged
    assert change[-1] < tol
    assert np.all(change[:-1] >= tol)
    assert "converged" in history.describe()


def test_grad_tol_stops_at_the_first_small_gradient(line):
    x, y = line
    history = fit(x, y, "mse", lr=0.01, steps=20000, grad_tol=1e-4)
    assert history.stop_reason == "gradient"
    assert history.converged
    assert history.grad_norm[-1] < 1e-4
    assert np.all(history.grad_norm[:-1] >= 1e-4)


def test_budget_run_is_not_converged(line):
    x, y = line
    history = fit(x, y, "mse", lr=0.01, steps=10, tol=1e-12)
    assert history.stop_reason == "budget"
    assert not history.converged
    assert history.stop_step == 10
    assert history.describe().startswith("ran all 10 steps")


@pytest.mark.parametrize("patience", [1, 5, 20])
def test_early_stopping_returns_the_best_validation_step_within_the_patience_window(line, patience):
    x, y = line
    # validating against half the targets: the validation loss falls, then rises again
    history = fit(x, y, "mse", lr=0.005, steps=2000, validation=(x, 0.5 * y), patience=patience)
    assert history.stop_reason == "early_stopping"
    val = history.val_loss
    assert val is not None
    assert len(val) == len(history.loss)
    best = history.best_step
    assert val[best] == val.min()
    assert history.stop_step == best + patience
    assert np.all(val[best + 1 :] >= val[best])
    np.testing.assert_array_equal(history.best_params, history.params[best])
    expected = np.mean((0.5 * y - history.predict(x, best)) ** 2)
    assert val[best] == pytest.approx(expected, rel=1e-12)
    assert f"last improved at step {best}" in history.describe()


def test_validation_without_patience_is_recorded_and_best_step_is_its_minimum(line):
    x, y = line
    history = fit(x, y, "mse", lr=0.005, steps=300, validation=(x, 0.5 * y))
    assert history.stop_reason == "budget"
    assert history.best_step == int(np.argmin(history.val_loss))
    assert 0 < history.best_step < 300


# -- SGD ------------------------------------------------------------------------------------
def test_sgd_is_seeded(line):
    x, y = line
    runs = [fit(x, y, "mse", optimizer="sgd", lr=0.01, steps=50, seed=s) for s in (7, 7, 8)]
    np.testing.assert_array_equal(runs[0].params, runs[1].params)
    np.testing.assert_array_equal(runs[0].loss, runs[1].loss)
    assert not np.array_equal(runs[0].params, runs[2].params)


def _sgd_by_hand(x, y, loss, *, lr, steps, batch, seed, classes=1):
    """SGD written out: batches of a seeded permutation (a new one when too few points are
    left), each step along the mean gradient of the batch's losses (the public method)."""
    design = np.column_stack([np.reshape(x, (len(y), -1)), np.ones(len(y))])
    theta = np.zeros((design.shape[1], classes)) if classes > 1 else np.zeros(design.shape[1])
    rng = np.random.default_rng(seed)
    order, cursor, path = rng.permutation(len(y)), 0, [theta.copy()]
    for _ in range(steps):
        if cursor + batch > len(y):
            order, cursor = rng.permutation(len(y)), 0
        chosen = order[cursor : cursor + batch]
        cursor += batch
        rows = design[chosen]
        theta = theta - lr * (rows.T @ loss.gradient(y[chosen], rows @ theta))
        path.append(theta.copy())
    return np.array(path)


@pytest.mark.parametrize(
    "case",
    ["log_cosh", "cauchy", "mse", "formula with y", "cross_entropy", "softmax"],
)
def test_sgd_steps_along_each_batch_of_the_seeded_permutation(case):
    # Every way fit takes a batch's gradient: in the residual or margin (slope only), the
    # declared fast form, a custom formula that reads y (through the predictions), two
    # classes and K classes. 23 points in batches of 5: three new permutations in 14 steps.
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, 23)
    y = 1.5 * x - 0.5 + rng.standard_normal(23)
    classes = 1
    if case == "formula with y":
        loss = lossviz.custom_loss("log(1 + r**2) + 0.01*y*r", "regression")
    elif case == "cross_entropy":
        loss, y = get_loss(case), (y > 0).astype(float)
    elif case == "softmax":
        loss, y, classes = get_loss("softmax_cross_entropy"), np.digitize(y, [-1.0, 1.0]), 3
    else:
        loss = get_loss(case)
    history = fit(x, y, loss, optimizer="sgd", lr=0.1, steps=14, batch_size=5, seed=4)
    expected = _sgd_by_hand(x, y, loss, lr=0.1, steps=14, batch=5, seed=4, classes=classes)
    np.testing.assert_allclose(history.params, expected, rtol=1e-12, atol=1e-14)


def test_sgd_with_one_full_batch_is_gradient_descent(line):
    x, y = line
    sgd = fit(x, y, "mse", optimizer="sgd", lr=0.01, steps=50, batch_size=len(x))
    gd = fit(x, y, "mse", lr=0.01, steps=50)
    np.testing.assert_allclose(sgd.params, gd.params, rtol=1e-12, atol=1e-14)


# -- schedules ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("constant", {}, [0.4] * 5),
        ("step", {"every": 2, "factor": 0.5}, [0.4, 0.4, 0.2, 0.2, 0.1]),
        ("exponential", {"gamma": 0.5}, [0.4, 0.2, 0.1, 0.05, 0.025]),
        ("cosine", {"min_lr": 0.0}, [0.4 * (1 + math.cos(math.pi * t / 5)) / 2 for t in range(5)]),
        ("warmup", {"warmup_steps": 4}, [0.1, 0.2, 0.3, 0.4, 0.4]),
    ],
    ids=lossviz.SCHEDULES,
)
def test_schedules_give_their_documented_rates(line, name, params, expected):
    schedule = get_schedule(name, **params)
    np.testing.assert_allclose(schedule.rates(0.4, 5), expected, rtol=1e-14)
    assert schedule.latex
    x, y = line
    history = fit(x, y, "mse", lr=0.4 / 100, steps=5, schedule=schedule)
    np.testing.assert_allclose(history.lr, np.asarray(expected) / 100, rtol=1e-14)


def test_schedule_defaults_depend_on_the_budget():
    np.testing.assert_allclose(
        get_schedule("step").rates(1.0, 8), [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125]
    )
    np.testing.assert_allclose(get_schedule("warmup").rates(1.0, 20)[:3], [0.5, 1.0, 1.0])
    assert get_schedule(None).name == "constant"


# -- any loss-like object trains --------------------------------------------------------------
class PlainSquare:
    """A user-written loss with only ``pointwise`` and ``gradient``."""

    def pointwise(self, y_true, y_pred):
        return (np.asarray(y_pred) - np.asarray(y_true)) ** 2

    def gradient(self, y_true, y_pred):
        return 2 * (np.asarray(y_pred) - np.asarray(y_true)) / len(y_pred)


def test_fit_works_with_a_duck_typed_loss(line):
    x, y = line
    duck = fit(x, y, PlainSquare(), lr=0.05, steps=300)
    builtin = fit(x, y, "mse", lr=0.05, steps=300)
    np.testing.assert_allclose(duck.params, builtin.params, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(duck.loss, builtin.loss, rtol=1e-12)
    stochastic = fit(x, y, PlainSquare(), optimizer="sgd", lr=0.01, steps=50, seed=1)
    reference = fit(x, y, "mse", optimizer="sgd", lr=0.01, steps=50, seed=1)
    np.testing.assert_allclose(stochastic.params, reference.params, rtol=1e-12, atol=1e-14)


def test_loss_subclasses_train_like_the_builtin(line):
    x, y = line

    class HalfSquare(lossviz.losses.RegressionLoss):  # only the curve and its slope
        name, label = "half_square", "Half square"

        def _value(self, r):
            return 0.5 * r * r

        def _deriv(self, r):
            return r

    class ViaPredictions(lossviz.Loss):  # only values and d/dpred from (y_true, y_pred)
        name, label = "via_predictions", "Via predictions"

        def _pointwise_and_dpred(self, y_true, y_pred):
            r = y_pred - y_true
            return 0.5 * r * r, r

    builtin = fit(x, y, get_loss("mse"), lr=0.1, steps=200)
    for loss in (HalfSquare(), ViaPredictions()):
        history = fit(x, y, loss, lr=0.2, steps=200)  # half the loss, twice the rate
        np.testing.assert_allclose(history.params, builtin.params, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(history.loss, builtin.loss / 2, rtol=1e-12)


def test_a_duck_typed_loss_that_raises_is_reported_as_divergence(line):
    x, y = line

    class Fragile(PlainSquare):
        def pointwise(self, y_true, y_pred):
            values = super().pointwise(y_true, y_pred)
            if values.max() > 1e6:
                raise ValueError("too big")
            return values

    history = fit(x * 1e3, y, Fragile(), lr=1.0, steps=100)
    assert history.diverged
    assert np.all(np.isfinite(history.loss))


# -- classification -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["cross_entropy", "hinge", "squared_hinge", "modified_huber", "exponential"]
)
@pytest.mark.parametrize("dim", [1, 2])
def test_classification_fit_separates_separable_data(name, dim):
    data = lossviz.make_classification(60, dim=dim, separation=8.0, seed=2)
    history = fit(data.x, data.y, name, lr=0.1, steps=300)
    assert not history.diverged
    predicted = (history.predict(data.x) > 0).astype(float)
    np.testing.assert_array_equal(predicted, data.y)
    assert get_loss("zero_one")(data.y, history.predict(data.x)) == 0.0
    assert history.loss[-1] < history.loss[0]


# -- PyTorch as an independent reference (the test extra installs it) ------------------------
@pytest.fixture(scope="module")
def torch():
    return reference("torch")


@pytest.mark.parametrize(
    ("optimizer", "options", "torch_options"),
    [
        ("gd", {}, {}),
        ("momentum", {"momentum": 0.8}, {"momentum": 0.8}),
        ("nesterov", {}, {"momentum": 0.9, "nesterov": True}),
        ("adam", {}, {}),
        ("adam", {"beta1": 0.5, "beta2": 0.9, "eps": 1e-6}, {"betas": (0.5, 0.9), "eps": 1e-6}),
    ],
    ids=["gd", "momentum", "nesterov", "adam", "adam-options"],
)
@pytest.mark.parametrize("loss_name", ["mse", "huber"])
def test_optimizers_match_torch_optim_step_for_step(
    torch, line, optimizer, options, torch_options, loss_name
):
    x, y = line
    steps, lr = 60, 0.02
    history = fit(x, y, loss_name, optimizer=optimizer, lr=lr, steps=steps, **options)
    design = torch.tensor(np.column_stack([x, np.ones(len(x))]))
    target = torch.tensor(y)
    theta = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    make = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
    opt = make([theta], lr=lr, **torch_options)
    criterion = torch.nn.MSELoss() if loss_name == "mse" else torch.nn.HuberLoss()
    path = [theta.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        criterion(design @ theta, target).backward()
        opt.step()
        path.append(theta.detach().numpy().copy())
    np.testing.assert_allclose(history.params, np.array(path), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("step", {"every": 7, "factor": 0.3}),
        ("exponential", {"gamma": 0.93}),
        ("cosine", {"min_lr": 0.01}),
        ("warmup", {"warmup_steps": 10}),
    ],
    ids=["step", "exponential", "cosine", "warmup"],
)
def test_schedules_match_torch_lr_scheduler(torch, name, params):
    steps, lr = 40, 0.5
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = torch.optim.lr_scheduler
    scheduler = {
        "step": lambda: sched.StepLR(opt, step_size=7, gamma=0.3),
        "exponential": lambda: sched.ExponentialLR(opt, gamma=0.93),
        "cosine": lambda: sched.CosineAnnealingLR(opt, T_max=steps, eta_min=0.01),
        "warmup": lambda: sched.LinearLR(opt, start_factor=1 / 10, end_factor=1.0, total_iters=9),
    }[name]()
    expected = []
    for _ in range(steps):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    np.testing.assert_allclose(get_schedule(name, **params).rates(lr, steps), expected, rtol=1e-12)


# -- errors ---------------------------------------------------------------------------------
BAD_ARGUMENTS = [
    ({"loss": "l2"}, "unknown loss"),
    ({"optimizer": "rmsprop"}, "unknown optimizer 'rmsprop'; choose one of: gd, sgd"),
    ({"model": "tree"}, "unknown model 'tree'; choose one of: linear, poly"),
    ({"schedule": "cyclic"}, "unknown schedule 'cyclic'"),
    ({"lr": 0.0}, "lr must be a number greater than 0"),
    ({"lr": float("nan")}, "lr must be a finite number"),
    ({"steps": -1}, "steps must be between 0 and 100000"),
    ({"steps": 100_001}, "steps must be between 0 and 100000"),
    ({"steps": 2.5}, "steps must be a whole number"),
    ({"batch_size": 4}, "batch_size applies to optimizer='sgd' only"),
    ({"optimizer": "sgd", "batch_size": 0}, "batch_size must be at least 1"),
    ({"patience": 3}, "patience needs validation data"),
    ({"init": [0.0, 0.0, 0.0]}, "init must hold 2 numbers"),
    ({"init": [np.nan, 0.0]}, "init contains"),
    ({"optimizer": "adam", "momentum": 0.9}, "takes no momentum; it takes: beta1, beta2, eps"),
    ({"optimizer": "momentum", "momentum": 1.0}, "momentum must lie strictly between 0 and 1"),
    ({"optimizer": "gd", "beta1": 0.9}, "takes no beta1; it takes: only lr"),
    ({"tol": -1.0}, "tol must be a number greater than 0"),
    ({"grad_tol": 0.0}, "grad_tol must be a number greater than 0"),
    ({"degree": 3}, "degree applies to model='poly' only"),
    ({"model": "poly", "degree": 50}, "degree must be between 1 and 20"),
    ({"validation": [1.0, 2.0, 3.0]}, "validation must be a pair"),
    ({"validation": ([1.0, 2.0], [1.0])}, "same number of samples"),
    ({"loss": 3}, "loss must be a loss name"),
    ({"loss": None}, "object with pointwise and gradient"),
    ({"optimizer": "sgd", "seed": -1}, "seed must be at least 0"),
    ({"optimizer": "sgd", "seed": 1.5}, "seed must be a whole number"),
]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    BAD_ARGUMENTS,
    ids=["-".join(f"{k}={v}" for k, v in kwargs.items()) for kwargs, _ in BAD_ARGUMENTS],
)
def test_bad_arguments_raise_a_clear_value_error(kwargs, match):
    args = {"loss": "mse", **kwargs}
    loss = args.pop("loss")
    with pytest.raises(ValueError, match=match):
        fit([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], loss, **args)


@pytest.mark.parametrize(
    ("x", "y", "loss", "match"),
    [
        ([0.0, 1.0, 2.0], [1.0, 3.0], "mse", "same number of samples"),
        ([0.0, 1.0], [[1.0], [3.0]], "mse", "y must be 1-D"),
        ([], [], "mse", "x is empty"),
        ([0.0, np.inf], [1.0, 2.0], "mse", "x contains"),
        ([0.0, 1.0], [0.0, 2.0], "hinge", "binary labels 0 or 1"),
        ([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], "poly", "at least two different x values"),
        (np.zeros((3, 2, 2)), [1.0, 2.0, 3.0], "mse", "1-D or 2-D"),
        ([0.0, 1.0, 2.0], [0.0, 1.5, 2.0], "softmax_cross_entropy", r"class labels 0, 1, 2"),
        ([0.0, 1.0], [0.0, 0.0], "multiclass_hinge", "at least 2 classes"),
    ],
    ids=["length", "2d-y", "empty", "inf", "labels", "poly-constant-x", "3d-x",
         "class-labels", "one-class"],
)
def test_bad_data_raises_a_clear_value_error(x, y, loss, match):
    kwargs = {"model": "poly", "degree": 2} if loss == "poly" else {}
    with pytest.raises(ValueError, match=match):
        fit(x, y, "mse" if loss == "poly" else loss, **kwargs)


def test_zero_steps_records_only_the_start(line):
    x, y = line
    history = fit(x, y, "mse", steps=0, init=[1.0, 2.0])
    np.testing.assert_array_equal(history.params, [[1.0, 2.0]])
    assert history.stop_step == 0
    assert len(history.lr) == 0


# -- the time limit -------------------------------------------------------------------------
class Ticks:
    """A clock that advances by ``step`` seconds each time it is read, and counts the reads."""

    def __init__(self, step: float = 1.0) -> None:
        self.step, self.reads = step, 0

    def __call__(self) -> float:
        self.reads += 1
        return (self.reads - 1) * self.step


@pytest.mark.parametrize(("limit", "stop"), [(1.0, 0), (2.0, 16), (5.0, 64), (5.5, 80)])
def test_time_limit_stops_at_the_first_look_past_it(line, limit, stop):
    x, y = line
    clock = Ticks()  # read once at the start (0 s), then at steps 0, 16, 32, ... (1 s, 2 s, ...)
    history = fit(x, y, "huber", lr=0.01, steps=2000, time_limit=limit, clock=clock)
    assert history.stop_reason == "time_limit"
    assert history.stop_step == stop
    assert clock.reads == stop // 16 + 2
    assert not history.converged
    assert not history.diverged
    assert history.diverged_at is None
    # the steps it ran are the steps a run without a limit runs
    full = fit(x, y, "huber", lr=0.01, steps=2000)
    np.testing.assert_array_equal(history.params, full.params[: stop + 1])
    np.testing.assert_array_equal(history.loss, full.loss[: stop + 1])
    np.testing.assert_array_equal(history.grad_norm, full.grad_norm[: stop + 1])
    assert len(history.lr) == stop


def test_time_limit_is_described_in_plain_words(line):
    x, y = line
    # Ticks of 1/128 s (exact in binary): 0.375 s is reached at the 48th look, at step 47 * 16.
    history = fit(x, y, "mse", lr=0.01, steps=2000, time_limit=0.375, clock=Ticks(1 / 128))
    assert history.stop_step == 752
    assert history.describe().startswith(
        "stopped after 752 of 2,000 steps: the time limit of 0.375 s was reached"
    )


def test_a_run_within_its_time_limit_runs_its_budget(line):
    x, y = line
    frozen = fit(x, y, "mae", lr=0.01, steps=300, time_limit=1.0, clock=lambda: 0.0)
    free = fit(x, y, "mae", lr=0.01, steps=300)
    assert frozen.stop_reason == "budget"
    np.testing.assert_array_equal(frozen.params, free.params)
    assert frozen.describe() == free.describe()


def test_pause_is_called_every_16_steps_and_changes_nothing(line):
    x, y = line
    calls = []
    paused = fit(x, y, "huber", lr=0.01, steps=100, pause=lambda: calls.append(1))
    assert len(calls) == 7  # at steps 0, 16, ..., 96
    free = fit(x, y, "huber", lr=0.01, steps=100)
    np.testing.assert_array_equal(paused.params, free.params)


def test_a_clock_that_stops_while_paused_gives_the_run_its_whole_time_limit(line):
    """What a server does: the time spent letting others go first is not the run's."""
    x, y = line
    wall = Ticks()  # every read: one more second
    waited = [0.0]

    def pause() -> None:
        waited[0] += 100.0  # another user's work ran for 100 s

    own = fit(x, y, "mse", lr=0.01, steps=200, time_limit=50.0, pause=pause,
              clock=lambda: wall() - waited[0])
    assert own.stop_reason == "budget"
    cut = fit(x, y, "mse", lr=0.01, steps=200, time_limit=50.0, pause=pause,
              clock=lambda: wall() + waited[0])
    assert cut.stop_reason == "time_limit"


def test_pause_must_be_a_function(line):
    x, y = line
    with pytest.raises(ValueError, match="pause must be a function or None"):
        fit(x, y, "mse", steps=10, pause=3)


def test_a_divergence_before_the_time_limit_is_reported_as_divergence(line):
    x, y = line
    history = fit(x * 1e3, y, "mse", lr=1.0, steps=5000, time_limit=100.0, clock=Ticks())
    assert history.diverged
    assert history.stop_reason == "divergence"
    assert history.stop_step < 100 * 16


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time_limit": 0.0}, "time_limit must be a number greater than 0"),
        ({"time_limit": "soon"}, "time_limit must be a number"),
        ({"time_limit": 1.0, "clock": 3.0}, "clock must be a function returning seconds"),
    ],
    ids=["zero", "text", "clock-not-callable"],
)
def test_bad_time_limits_raise_a_clear_value_error(line, kwargs, match):
    x, y = line
    with pytest.raises(ValueError, match=match):
        fit(x, y, "mse", **kwargs)


# -- several features -----------------------------------------------------------------------
def test_fit_takes_several_features_and_reaches_least_squares():
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, (60, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.standard_normal(60)
    history = fit(x, y, "mse", lr=0.1, steps=3000)
    design = np.column_stack([x, np.ones(60)])
    exact, *_ = np.linalg.lstsq(design, y, rcond=None)
    assert history.params.shape == (3001, 4)
    np.testing.assert_allclose(history.final_params, exact, atol=1e-8)
    weights, intercept = history.coefficients()
    np.testing.assert_allclose([*weights, intercept], exact, atol=1e-8)


@pytest.mark.parametrize("name", ["mse", "huber", "log_cosh"])
def test_one_feature_as_a_column_trains_exactly_as_a_flat_array(line, name):
    x, y = line
    flat = fit(x, y, name, lr=0.05, steps=100)
    column = fit(x[:, None], y, name, lr=0.05, steps=100)
    np.testing.assert_array_equal(flat.params, column.params)
    np.testing.assert_array_equal(flat.loss, column.loss)


def test_plain_descent_updates_few_and_many_parameters_with_the_same_arithmetic():
    from lossviz.training.optimizers import Optimizer

    rng = np.random.default_rng(0)
    theta, g = rng.standard_normal(12), rng.standard_normal(12)
    many = np.empty(12)
    Optimizer(12).step_to(theta, g, 0.37, many)
    for p in (1, 2, 3, 4, 5):
        few = np.empty(p)
        Optimizer(p).step_to(theta[:p], g[:p], 0.37, few)
        np.testing.assert_array_equal(few, many[:p])


def test_adam_updates_few_and_many_parameters_with_the_same_arithmetic():
    # Up to 16 parameters Adam's moments are Python floats; beyond, numpy arrays. Forty
    # steps of the same gradients give the same bits either way.
    from lossviz.training.optimizers import Adam

    rng = np.random.default_rng(1)
    grads = rng.standard_normal((40, 24)) * np.logspace(-8, 8, 24)
    many, opt = np.empty((41, 24)), Adam(24, beta1=0.8, beta2=0.99, eps=1e-7)
    many[0] = rng.standard_normal(24)
    for t in range(40):
        opt.step_to(many[t], grads[t], 0.05, many[t + 1])
    assert not opt.few
    for p in (1, 2, 5, 16):
        few, opt = np.empty((41, p)), Adam(p, beta1=0.8, beta2=0.99, eps=1e-7)
        few[0] = many[0, :p]
        for t in range(40):
            opt.step_to(few[t], grads[t, :p], 0.05, few[t + 1])
        assert opt.few
        np.testing.assert_array_equal(few, many[:, :p])


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_updates_few_and_many_parameters_with_the_same_arithmetic(name):
    # Up to 4 parameters the velocity is a list of Python floats; beyond, a numpy array.
    from lossviz.training.optimizers import Momentum, Nesterov

    kind = Momentum if name == "momentum" else Nesterov
    rng = np.random.default_rng(2)
    grads = rng.standard_normal((40, 9)) * np.logspace(-8, 8, 9)
    many, opt = np.empty((41, 9)), kind(9, 0.83)
    many[0] = rng.standard_normal(9)
    for t in range(40):
        opt.step_to(many[t], grads[t], 0.07, many[t + 1])
    assert not opt.few
    for p in (1, 2, 3, 4):
        few, opt = np.empty((41, p)), kind(p, 0.83)
        few[0] = many[0, :p]
        for t in range(40):
            opt.step_to(few[t], grads[t, :p], 0.07, few[t + 1])
        assert opt.few
        np.testing.assert_array_equal(few, many[:, :p])


def test_a_duck_typed_loss_must_give_one_number_per_point(line):
    x, y = line

    class MeanOnly(PlainSquare):
        def pointwise(self, y_true, y_pred):
            return np.mean(super().pointwise(y_true, y_pred))

    with pytest.raises(ValueError, match=r"one number per point, shape \(40,\); got shapes \(\)"):
        fit(x, y, MeanOnly(), steps=3)
