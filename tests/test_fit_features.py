"""``fit`` with several features: gradient descent reaches ``solve``'s exact minimiser, and
``standardize=True`` reaches the same one in far fewer steps while reporting everything in
the original units."""

from __future__ import annotations

import numpy as np
import pytest
from references import reference

import lossviz
from lossviz import fit, get_loss, solve


def design(x: np.ndarray) -> np.ndarray:
    feats = x[:, None] if x.ndim == 1 else x
    return np.column_stack([feats, np.ones(len(feats))])


@pytest.fixture(scope="module")
def three_features():
    """150 points, 3 features on similar scales: plain gradient descent converges."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((150, 3)) * [1.0, 2.0, 0.5] + [0.5, -1.0, 2.0]
    y = x @ [2.0, -1.0, 3.0] + 1.0 + rng.standard_t(3, 150)
    return x, y


@pytest.fixture(scope="module")
def badly_scaled():
    """Features whose scales differ by 10^4 and whose means are far from 0."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((200, 4)) * [1.0, 10.0, 0.1, 100.0] + [0.0, 50.0, 0.0, 300.0]
    y = x @ [1.5, -0.2, 8.0, 0.01] + 3.0 + rng.standard_normal(200)
    return x, y


@pytest.fixture(scope="module")
def overlapping_classes():
    """Two overlapping classes in 2-D plus a third, uninformative feature."""
    data = lossviz.make_classification(80, dim=2, separation=1.5, seed=4)
    noise = np.random.default_rng(4).standard_normal(80)
    return np.column_stack([data.x, noise]), data.y


FITS = [("mse", {}), ("huber", {"delta": 1.0})]


@pytest.mark.parametrize(("name", "kw"), FITS, ids=[n for n, _ in FITS])
@pytest.mark.parametrize("standardize", [False, True], ids=["raw", "standardized"])
def test_descent_on_several_features_reaches_the_exact_minimiser(
    three_features, name, kw, standardize
):
    x, y = three_features
    loss = get_loss(name, **kw)
    history = fit(x, y, loss, lr=0.1, steps=5000, standardize=standardize)
    np.testing.assert_allclose(history.final_params, solve(x, y, loss).params, atol=1e-4)


@pytest.mark.parametrize("standardize", [False, True], ids=["raw", "standardized"])
def test_cross_entropy_descent_reaches_the_exact_minimiser(overlapping_classes, standardize):
    x, y = overlapping_classes
    history = fit(x, y, "cross_entropy", lr=1.0, steps=5000, standardize=standardize)
    np.testing.assert_allclose(
        history.final_params, solve(x, y, "cross_entropy").params, atol=1e-4
    )


@pytest.mark.parametrize("name", ["mse", "huber"])
def test_standardizing_reaches_the_same_minimiser_in_far_fewer_steps(badly_scaled, name):
    x, y = badly_scaled
    exact = solve(x, y, name).params
    standardized = fit(x, y, name, lr=0.3, steps=2000, standardize=True)
    error = np.abs(standardized.params - exact).max(axis=1)
    assert error[-1] < 1e-8
    reached = int(np.argmax(error < 1e-4))
    assert 0 < reached < 200
    # Raw features at the largest rate that does not diverge (1 / L, with L the largest
    # curvature of the MSE; Huber's is at most MSE's / 2): still far away after 20,000 steps.
    z = design(x)
    rate = 1.0 / np.linalg.eigvalsh(2.0 * z.T @ z / len(y))[-1]
    raw = fit(x, y, name, lr=rate, steps=20_000)
    assert not raw.diverged
    assert np.abs(raw.final_params - exact).max() > 1e-2


def test_every_row_of_a_standardized_history_is_in_the_original_units(badly_scaled):
    x, y = badly_scaled
    loss = get_loss("huber")
    z = design(x)
    history = fit(x, y, loss, optimizer="adam", lr=0.05, steps=300, standardize=True)
    for t in (0, 1, 17, 300):
        params = history.params[t]
        assert history.loss[t] == pytest.approx(loss(y, z @ params), rel=1e-10)
        grad = z.T @ loss.gradient(y, z @ params)
        assert history.grad_norm[t] == pytest.approx(np.linalg.norm(grad), rel=1e-8)
        np.testing.assert_allclose(history.predict(x, t), z @ params)
    w, b = history.coefficients()
    np.testing.assert_array_equal(np.append(w, b), history.final_params)


def test_init_and_grad_tol_are_in_the_original_units(badly_scaled):
    x, y = badly_scaled
    exact = solve(x, y, "mse").params
    start = exact + np.array([0.1, 0.0, 0.0, 0.0, 1.0])
    history = fit(x, y, "mse", lr=0.3, steps=5000, init=start, standardize=True, grad_tol=1e-6)
    np.testing.assert_allclose(history.params[0], start, rtol=1e-14)
    assert history.stop_reason == "gradient"
    assert history.grad_norm[-1] < 1e-6
    z = design(x)
    raw = np.linalg.norm(z.T @ get_loss("mse").gradient(y, z @ history.final_params))
    assert raw < 1e-6


def test_standardized_validation_losses_are_those_of_the_raw_parameters(badly_scaled):
    x, y = badly_scaled
    x_tr, y_tr, x_va, y_va = lossviz.train_validation_split(x, y, seed=1)
    history = fit(x_tr, y_tr, "mse", lr=0.1, steps=50, validation=(x_va, y_va),
                  standardize=True)
    expected = [get_loss("mse")(y_va, design(x_va) @ row) for row in history.params]
    np.testing.assert_allclose(history.val_loss, expected, rtol=1e-10)


def test_one_feature_standardized_or_not_reaches_the_same_line():
    data = lossviz.make_regression(40, outliers=2, seed=5)
    raw = fit(data.x, data.y, "huber", lr=0.1, steps=3000)
    standardized = fit(data.x, data.y, "huber", lr=0.1, steps=3000, standardize=True)
    assert standardized.params.shape == raw.params.shape == (3001, 2)
    np.testing.assert_allclose(standardized.final_params, raw.final_params, atol=1e-6)


def test_a_constant_feature_is_left_as_it_is():
    x = np.column_stack([np.linspace(-1, 1, 20), np.full(20, 3.0)])
    y = 2 * x[:, 0] + 1
    # lr 0.05: the constant column (3) and the intercept share a curvature of 2 (9 + 1) = 20
    history = fit(x, y, "mse", lr=0.05, steps=1000, standardize=True)
    np.testing.assert_allclose(history.predict(x), y, atol=1e-6)


def test_standardize_is_for_the_linear_model():
    with pytest.raises(ValueError, match="standardize applies to model='linear'"):
        fit([0.0, 1.0, 2.0], [0.0, 1.0, 4.0], "mse", model="poly", degree=2, standardize=True)


# -- several classes ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def three_classes():
    """300 points of 3 overlapping classes in 2-D, plus a third feature on another scale."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300).astype(float)
    centres = np.array([[0.0, 0.0], [2.0, 0.5], [1.0, 2.0]])
    x = centres[y.astype(int)] + rng.standard_normal((300, 2))
    return np.column_stack([x, 10.0 * rng.standard_normal(300) + 5.0]), y


def centred(params: np.ndarray) -> np.ndarray:
    """Softmax logits are unchanged by adding one column to every class's: the parameters
    are compared with each row's mean over the classes taken out."""
    return params - params.mean(axis=-1, keepdims=True)


def test_softmax_cross_entropy_reaches_sklearns_multinomial_fit(three_classes):
    lm = reference("sklearn.linear_model")
    x, y = three_classes
    history = fit(x, y, "softmax_cross_entropy", lr=0.5, steps=5000, standardize=True)
    assert history.params.shape == (5001, 4, 3)
    model = lm.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(x, y)
    expected = np.vstack([model.coef_.T, model.intercept_])
    np.testing.assert_allclose(centred(history.final_params), centred(expected), atol=1e-4)
    np.testing.assert_allclose(
        lossviz.softmax(history.predict(x)), model.predict_proba(x), atol=1e-6
    )


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "multiclass_hinge"])
@pytest.mark.parametrize("standardize", [False, True], ids=["raw", "standardized"])
def test_multiclass_rows_are_the_loss_and_gradient_of_their_parameter_matrix(
    three_classes, name, standardize
):
    x, y = three_classes
    loss = get_loss(name)
    z = design(x)
    history = fit(x, y, loss, optimizer="momentum", lr=0.01, steps=40, standardize=standardize)
    assert history.loss[-1] < history.loss[0]
    for t in (0, 1, 40):
        logits = z @ history.params[t]
        assert history.loss[t] == pytest.approx(loss(y, logits), rel=1e-12)
        grad = z.T @ loss.gradient(y, logits)
        assert history.grad_norm[t] == pytest.approx(np.linalg.norm(grad), rel=1e-9)
    w, b = history.coefficients()
    assert w.shape == (3, 3)
    assert b.shape == (3,)


def test_multiclass_init_validation_and_sgd(three_classes):
    x, y = three_classes
    start = np.zeros((4, 3))
    start[-1] = [0.3, 0.0, -0.3]
    history = fit(x, y, "softmax_cross_entropy", optimizer="sgd", lr=0.05, steps=30,
                  init=start, validation=(x[:60], y[:60]), standardize=True)
    np.testing.assert_allclose(history.params[0], start, atol=1e-15)
    loss = get_loss("softmax_cross_entropy")
    expected = [loss(y[:60], design(x[:60]) @ row) for row in history.params]
    np.testing.assert_allclose(history.val_loss, expected, rtol=1e-10)
    with pytest.raises(ValueError, match=r"init must be a 4 x 3 matrix"):
        fit(x, y, "softmax_cross_entropy", init=np.zeros(12))
