"""``lossviz.solve``: the exact minimisers agree with the reference libraries (statsmodels'
OLS, QuantReg and RLM, scikit-learn's LogisticRegression), with brute force where a
loss is piecewise linear, and with the optimality conditions of each loss.

A data set is one line in ``REGRESSION`` or ``CLASSIFICATION``: a name and a function
returning ``(x, y)``.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from references import reference

import lossviz
from lossviz import NoFiniteMinimum, get_loss, solve


# -- data sets: (x, y), x of shape (n,) or (n, k) --------------------------------------------
def stackloss() -> tuple[np.ndarray, np.ndarray]:
    data = reference("statsmodels.api").datasets.stackloss.load_pandas().data
    return data[["AIRFLOW", "WATERTEMP", "ACIDCONC"]].to_numpy(float), data["STACKLOSS"].to_numpy(
        float
    )


def engel() -> tuple[np.ndarray, np.ndarray]:
    data = reference("statsmodels.api").datasets.engel.load_pandas().data
    return data["income"].to_numpy(float), data["foodexp"].to_numpy(float)


def outlier_line() -> tuple[np.ndarray, np.ndarray]:
    data = lossviz.make_regression(30, outliers=2, outlier_shift=25, seed=0)
    return data.x, data.y


def four_features() -> tuple[np.ndarray, np.ndarray]:
    """200 points, 4 features on very different scales, heavy-tailed noise."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((200, 4)) * [1.0, 10.0, 0.1, 100.0]
    y = x @ [1.5, -0.2, 8.0, 0.01] + 3.0 + rng.standard_t(2, 200)
    return x, y


def breast_cancer(k: int) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    def load() -> tuple[np.ndarray, np.ndarray]:
        data = reference("sklearn.datasets").load_breast_cancer()
        x = data.data[:, :k]
        return (x - x.mean(axis=0)) / x.std(axis=0), data.target.astype(float)

    load.__name__ = f"breast_cancer_{k}"
    return load


def classes_2d() -> tuple[np.ndarray, np.ndarray]:
    data = lossviz.make_classification(60, dim=2, separation=2.0, flip=3, seed=1)
    return data.x, data.y


def classes_1d() -> tuple[np.ndarray, np.ndarray]:
    data = lossviz.make_classification(50, dim=1, separation=1.5, seed=2)
    return data.x, data.y


REGRESSION = [stackloss, engel, outlier_line, four_features]
SMALL_REGRESSION = [stackloss, engel, outlier_line]  # few enough vertices to enumerate
CLASSIFICATION = [breast_cancer(5), breast_cancer(10), classes_2d, classes_1d]
SMALL_CLASSIFICATION = [classes_2d, classes_1d]


def cases(loaders: list[Callable]) -> Callable:
    return pytest.mark.parametrize("load", loaders, ids=[f.__name__ for f in loaders])


def design(x: np.ndarray) -> np.ndarray:
    feats = x[:, None] if x.ndim == 1 else x
    return np.column_stack([feats, np.ones(len(feats))])


def mean_gradient(name: str, x: np.ndarray, y: np.ndarray, params: np.ndarray, **kw) -> np.ndarray:
    z = design(x)
    return z.T @ get_loss(name, **kw).gradient(y, z @ params)


# -- references -----------------------------------------------------------------------------
@cases(REGRESSION)
def test_mse_is_statsmodels_ols(load):
    sm = reference("statsmodels.api")
    x, y = load()
    ols = sm.OLS(y, design(x)).fit().params
    np.testing.assert_allclose(solve(x, y, "mse").params, ols, rtol=0, atol=1e-6)


@cases(REGRESSION)
@pytest.mark.parametrize("tau", [0.25, 0.5, 0.9])
def test_quantile_is_statsmodels_quantreg(load, tau):
    sm = reference("statsmodels.api")
    x, y = load()
    loss = get_loss("quantile", tau=tau)
    exact = solve(x, y, loss)
    with _quiet():
        ref = sm.QuantReg(y, design(x)).fit(q=tau, max_iter=50_000, p_tol=1e-12).params
    # QuantReg's IRLS floors |r| at 1e-6, so it stops about that far from the vertex ...
    np.testing.assert_allclose(exact.params, ref, rtol=0, atol=1e-5 * max(1.0, np.abs(ref).max()))
    assert exact.loss <= loss(y, design(x) @ ref) + 1e-12
    # ... and the vertex it approaches, through the p points it nearly interpolates, is solve's.
    z = design(x)
    nearest = np.argsort(np.abs(z @ ref - y))[: z.shape[1]]
    vertex = np.linalg.solve(z[nearest], y[nearest])
    np.testing.assert_allclose(exact.params, vertex, rtol=1e-9, atol=1e-9)


@cases(REGRESSION)
def test_mae_is_quantreg_at_one_half(load):
    sm = reference("statsmodels.api")
    x, y = load()
    mae, half = solve(x, y, "mae"), solve(x, y, "quantile", tau=0.5)
    assert mae.loss == pytest.approx(2.0 * half.loss, rel=1e-12)
    with _quiet():
        ref = sm.QuantReg(y, design(x)).fit(q=0.5, max_iter=50_000, p_tol=1e-12).params
    np.testing.assert_allclose(mae.params, ref, rtol=0, atol=1e-5 * max(1.0, np.abs(ref).max()))


@cases(SMALL_REGRESSION)
@pytest.mark.parametrize("tau", [0.25, 0.5, 0.9])
def test_quantile_is_the_best_vertex(load, tau):
    """Brute force, independent of any solver: some minimiser of a pinball loss passes
    through p of the points, so the best of all lines (planes) through p points is optimal."""
    x, y = load()
    z = design(x)
    p = z.shape[1]
    subsets = np.array(list(itertools.combinations(range(len(y)), p)))
    sub = z[subsets]
    ok = np.abs(np.linalg.det(sub)) > 1e-9 * np.abs(sub).max() ** p
    thetas = np.linalg.solve(sub[ok], y[subsets[ok]][..., None])[..., 0]
    r = thetas @ z.T - y
    objective = np.mean(np.maximum(-tau * r, (1 - tau) * r), axis=1)
    best = objective.min()
    exact = solve(x, y, "quantile", tau=tau)
    assert exact.loss == pytest.approx(best, rel=1e-12, abs=1e-12)
    winners = thetas[objective <= best * (1 + 1e-12) + 1e-12]
    if np.ptp(winners, axis=0).max() < 1e-9:  # a unique minimiser: the same parameters
        np.testing.assert_allclose(exact.params, winners[0], rtol=1e-9, atol=1e-9)


@cases(REGRESSION)
@pytest.mark.parametrize("delta", [0.5, 1.345, 5.0])
def test_huber_is_statsmodels_rlm_with_unit_scale(load, delta):
    """RLM with HuberT(t=delta) minimises sum rho(r / scale); held at scale 1 its rho is
    lossviz's Huber. ``start_scale=1, update_scale=False`` holds it (statsmodels 0.14 and
    later); conv="coefs" with tol 1e-13 runs its IRLS until the parameters stop moving."""
    sm = reference("statsmodels.api")
    x, y = load()
    rlm = sm.RLM(y, design(x), M=sm.robust.norms.HuberT(t=delta))
    ref = rlm.fit(
        start_scale=1.0, update_scale=False, conv="coefs", tol=1e-13, maxiter=100_000
    ).params
    exact = solve(x, y, "huber", delta=delta).params
    np.testing.assert_allclose(exact, ref, rtol=0, atol=1e-6 * max(1.0, np.abs(ref).max()))


@cases(CLASSIFICATION)
def test_cross_entropy_is_sklearn_logistic_regression(load):
    lm = reference("sklearn.linear_model")
    x, y = load()
    feats = x[:, None] if x.ndim == 1 else x
    model = lm.LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-14, max_iter=1000)
    model.fit(feats, y)
    ref = np.append(model.coef_[0], model.intercept_[0])
    np.testing.assert_allclose(solve(x, y, "cross_entropy").params, ref, rtol=0, atol=1e-6)


# -- optimality, without a reference -----------------------------------------------------------
SMOOTH = [
    ("huber", {"delta": 1.0}),
    ("huber", {"delta": 0.05}),  # few points in the quadratic zone: a nearly singular Hessian
    ("pseudo_huber", {"delta": 2.0}),
    ("log_cosh", {}),
]


@cases(REGRESSION)
@pytest.mark.parametrize(("name", "kw"), SMOOTH, ids=[f"{n}-{kw}" for n, kw in SMOOTH])
def test_the_gradient_vanishes_at_smooth_regression_minimisers(load, name, kw):
    x, y = load()
    found = solve(x, y, name, **kw)
    z = design(x)
    # the gradient is zero up to rounding: compare it with the size of its terms
    scale = np.abs(z).T @ np.abs(get_loss(name, **kw).gradient(y, z @ found.params))
    grad = mean_gradient(name, x, y, found.params, **kw)
    assert np.all(np.abs(grad) <= 1e-10 * np.maximum(scale, 1e-300) + 1e-14)


@cases(CLASSIFICATION)
@pytest.mark.parametrize("name", ["cross_entropy", "squared_hinge", "modified_huber",
                                  "exponential"])
def test_the_gradient_vanishes_at_smooth_classification_minimisers(load, name):
    x, y = load()
    found = solve(x, y, name)
    assert np.abs(mean_gradient(name, x, y, found.params)).max() < 1e-10


@cases(CLASSIFICATION)
@pytest.mark.parametrize("name", ["squared_hinge", "modified_huber"])
def test_piecewise_quadratic_margin_losses_agree_with_bfgs_from_many_starts(load, name):
    """Squared hinge and modified Huber: a Hessian that jumps where a point crosses the
    margin (and for modified Huber at m = -1 too); BFGS from five starts finds no lower loss
    and the same parameters."""
    minimize = reference("scipy.optimize").minimize
    x, y = load()
    z = design(x)
    loss = get_loss(name)
    found = solve(x, y, loss)
    rng = np.random.default_rng(0)
    for start in rng.normal(0.0, 3.0, (5, z.shape[1])):
        run = minimize(
            lambda t: loss(y, z @ t),
            start,
            jac=lambda t: z.T @ loss.gradient(y, z @ t),
            method="BFGS",
            options={"gtol": 1e-12, "maxiter": 10_000},
        )
        assert found.loss <= run.fun + 1e-12
        np.testing.assert_allclose(found.params, run.x, rtol=0, atol=1e-5)


@cases(SMALL_CLASSIFICATION)
def test_hinge_is_the_best_vertex(load):
    """Brute force: the hinge objective is piecewise linear, and some minimiser puts p points
    exactly on the margin (m = 1); the best of all such parameters is optimal."""
    x, y = load()
    signed = design(x) * (2 * y - 1)[:, None]
    p = signed.shape[1]
    subsets = np.array(list(itertools.combinations(range(len(y)), p)))
    sub = signed[subsets]
    ok = np.abs(np.linalg.det(sub)) > 1e-9
    thetas = np.linalg.solve(sub[ok], np.ones((ok.sum(), p, 1)))[..., 0]
    objective = np.maximum(0.0, 1.0 - thetas @ signed.T).mean(axis=1)
    exact = solve(x, y, "hinge")
    assert exact.loss == pytest.approx(objective.min(), rel=1e-12, abs=1e-12)
    winners = thetas[objective <= objective.min() * (1 + 1e-12) + 1e-12]
    if np.ptp(winners, axis=0).max() < 1e-9:
        np.testing.assert_allclose(exact.params, winners[0], rtol=1e-9, atol=1e-9)


@cases(CLASSIFICATION)
def test_hinge_meets_its_subgradient_optimality_condition(load):
    """theta minimises the mean hinge iff some a in [0, 1]^n, with a_i = 1 where m_i < 1 and
    a_i = 0 where m_i > 1, has sum_i a_i s_i z_i = 0 (0 is in the subdifferential). Found by
    a small feasibility program, which fails if solve's answer is not optimal."""
    linprog = reference("scipy.optimize").linprog
    x, y = load()
    signed = design(x) * (2 * y - 1)[:, None]
    m = signed @ solve(x, y, "hinge").params
    on = np.abs(m - 1.0) <= 1e-9
    low = np.where(m < 1.0, 1.0, 0.0)
    bounds = [(0.0, 1.0) if o else (v, v) for o, v in zip(on, low, strict=True)]
    check = linprog(np.zeros(len(m)), A_eq=signed.T, b_eq=np.zeros(signed.shape[1]),
                    bounds=bounds, method="highs")
    assert check.status == 0, "no subgradient of the hinge objective is zero there"


# -- what solve says --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x", "y", "strict"),
    [
        ([0.0, 1.0, 2.0, 3.0], [0, 0, 1, 1], 4),  # complete separation
        ([0.0, 1.0, 1.0, 2.0], [0, 0, 1, 1], 2),  # quasi-complete: the two at x = 1 sit on it
        ("make_classification", None, 40),
    ],
    ids=["complete", "quasi-complete", "generated-2d"],
)
@pytest.mark.parametrize("name", ["cross_entropy", "exponential"])
def test_separable_classes_have_no_finite_minimum(x, y, strict, name):
    if x == "make_classification":
        data = lossviz.make_classification(40, dim=2, separation=6.0, seed=0)
        x, y = data.x, data.y
    x, y = np.asarray(x, float), np.asarray(y, float)
    with pytest.raises(NoFiniteMinimum, match="no finite minimum") as caught:
        solve(x, y, name)
    message = str(caught.value)
    assert "separable" in message
    assert f"{strict} of {len(y)} strictly" in message
    margins = design(x) @ caught.value.direction * (2 * y - 1)
    assert margins.min() >= -1e-9
    assert np.sum(margins > 1e-9) == strict
    assert str(caught.value).startswith(get_loss(name).label)
    # lossviz's own descent agrees: the loss still falls and the weights keep growing
    history = lossviz.fit(x, y, name, lr=1.0, steps=2000)
    assert np.linalg.norm(history.params[-1]) > np.linalg.norm(history.params[1000]) + 0.1


def test_overlapping_classes_have_a_finite_minimum():
    found = solve([0.0, 1.0, 2.0, 3.0], [0, 1, 0, 1], "cross_entropy")
    assert np.all(np.isfinite(found.params))
    assert found.unique


@pytest.mark.parametrize(
    "name", ["cauchy", "tukey", "zero_one", "softmax_cross_entropy", "multiclass_hinge"],
)
def test_other_losses_are_refused_with_the_list_of_supported_ones(name):
    with pytest.raises(ValueError, match="convex losses mse, mae, quantile, huber") as caught:
        solve([0.0, 1.0, 2.0], [0.0, 1.0, 1.0], name)
    if not get_loss(name).convex:
        assert "not convex" in str(caught.value)


def test_a_custom_loss_is_refused():
    custom = lossviz.custom_loss("r**2")
    with pytest.raises(ValueError, match=r"Train other losses with lossviz\.fit"):
        solve([0.0, 1.0, 2.0], [0.0, 1.0, 1.0], custom)


def test_a_loss_object_and_a_name_with_parameters_agree():
    x, y = outlier_line()
    by_name = solve(x, y, "huber", delta=2.0)
    by_object = solve(x, y, get_loss("huber", delta=2.0))
    np.testing.assert_array_equal(by_name.params, by_object.params)
    assert by_name.loss_name == "huber"
    assert by_name.method == "newton"
    assert "Huber" in by_name.message


@pytest.mark.parametrize("name", lossviz.SOLVABLE)
def test_one_feature_as_a_column_gives_the_same_answer(name):
    data = lossviz.make_classification(40, dim=1, separation=1.0, seed=3)
    x, y = (data.x, data.y) if get_loss(name).task == "classification" else outlier_line()
    flat, column = solve(x, y, name), solve(x[:, None], y, name)
    np.testing.assert_allclose(flat.params, column.params, rtol=1e-12, atol=1e-12)
    assert flat.params.shape == (2,)
    assert flat.loss == pytest.approx(get_loss(name)(y, flat.predict(x)), rel=1e-12)
    w, b = flat.coefficients()
    assert w.shape == (1,)
    assert b == flat.params[-1]


def test_collinear_features_are_named_and_mse_gives_the_least_norm_answer():
    x, y = outlier_line()
    twice = np.column_stack([x, 2.0 * x])
    found = solve(twice, y, "mse")
    assert not found.unique
    assert "collinear" in found.message
    assert "least norm" in found.message
    slope, intercept = solve(x, y, "mse").params
    np.testing.assert_allclose(found.params, [slope / 5, 2 * slope / 5, intercept], atol=1e-10)


def test_a_newton_run_cut_short_says_it_is_not_exact(monkeypatch):
    module = importlib.import_module("lossviz.exact")
    monkeypatch.setattr(module, "MAX_ITERATIONS", 1)
    x, y = stackloss()
    found = solve(x, y, "log_cosh")
    assert found.message.startswith("close to the minimiser of the mean Log-cosh loss")
    assert "stopped before the gradient vanished" in found.message
    assert not found.unique


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="binary labels 0 or 1"):
        solve([0.0, 1.0], [0.0, 2.0], "hinge")
    with pytest.raises(ValueError, match="same number of samples"):
        solve([0.0, 1.0, 2.0], [0.0, 1.0], "mse")
    with pytest.raises(ValueError, match="1-D or 2-D"):
        solve(np.zeros((3, 2, 2)), [0.0, 1.0, 2.0], "mse")


def test_importing_lossviz_does_not_import_scipy():
    code = "import sys, lossviz; print('scipy' in sys.modules)"
    root = Path(lossviz.__file__).parent.parent  # this lossviz, not an installed one
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "False"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silences statsmodels' IterationLimitWarning: QuantReg's IRLS can stop at max_iter near a
    vertex (its 1e-6 floor keeps it from settling), which the tolerances above allow for."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_gap_measures_a_run_against_the_minimiser():
    d = lossviz.make_regression(30, outliers=2, seed=0)
    best = solve(d.x, d.y, "mse")
    run = lossviz.fit(d.x, d.y, "mse", lr=0.05, steps=400)
    g = lossviz.exact.gap(run, best, tol=1e-3)
    assert g.params == np.abs(run.params[-1] - best.params).max()
    assert g.loss == run.loss[-1] - best.loss
    assert run.loss[g.within] - best.loss <= 1e-3 < run.loss[g.within - 1] - best.loss
    short = lossviz.fit(d.x, d.y, "mse", lr=0.05, steps=3)
    assert lossviz.exact.gap(short, best).within is None
    with pytest.raises(ValueError, match="tol must be a number greater than 0"):
        lossviz.exact.gap(run, best, tol=0)
    other = solve(np.column_stack([d.x, d.x**2]), d.y, "mse")
    with pytest.raises(ValueError, match="not the same model"):
        lossviz.exact.gap(run, other)
