"""The convention inspector's numbers, checked against the libraries themselves.

PyTorch and scikit-learn are called for real (each code string shown in the app is run here
as written). Keras and optax are too heavy to install for a test run, so their built-in calls
are checked against their documented formulas, written out below independently of lossviz;
their "no built-in" rows are run with numpy standing in for ``keras.ops`` and ``jnp``.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import lossviz
from lossviz.conventions import LIBRARIES, bits, library_calls

REG_DATA = {
    "small": (np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.5, -2.0, 3.0, 10.0])),
    "outlier": (np.linspace(-2, 2, 9), np.linspace(-2, 2, 9) * 1.3
                + np.array([0.2, -0.1, 0.05, 0.3, -0.4, 0.0, 0.1, -0.2, 25.0])),
    "tiny": (np.array([1.0, 2.0]), np.array([1.0 + 1e-9, 2.0 - 3e-9])),
}
CLF_DATA = {
    "mixed": (np.array([0.0, 1.0, 1.0, 0.0, 1.0]), np.array([0.5, -2.0, 3.0, -1.5, 0.25])),
    "confident_mistakes": (np.array([1.0, 0.0, 1.0]), np.array([-12.0, 8.0, 30.0])),
    "on_boundary": (np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.0, 0.0, 2.0, -2.0])),
}
MC_DATA = {
    "three": (np.array([0, 1, 2, 1]),
              np.array([[1.0, 0.5, -1.0], [0.2, 0.1, 0.3], [-1.0, -2.0, -3.0], [0.0, 3.0, 1.0]])),
    "negative_rivals": (np.array([0, 2]), np.array([[2.0, -1.0, -3.0], [-0.5, -2.0, 0.5]])),
}


def cases():
    for name in lossviz.available_losses():
        task = lossviz.loss_class(name).task
        data = {"regression": REG_DATA, "classification": CLF_DATA, "multiclass": MC_DATA}[task]
        params = {"huber": {"delta": 0.7}, "quantile": {"tau": 0.8},
                  "pseudo_huber": {"delta": 1.5}, "cauchy": {"c": 2.0}, "tukey": {"c": 3.0}}
        for label, (yt, yp) in data.items():
            yield pytest.param(name, params.get(name, {}), yt, yp, id=f"{name}-{label}")


CASES = list(cases())


def rows_for(name, params, yt, yp):
    rows = library_calls(lossviz.get_loss(name, **params), yt, yp)
    assert [r.library for r in rows] == list(LIBRARIES)
    return {r.library: r for r in rows}


# -- PyTorch, called for real ----------------------------------------------------------------
@pytest.mark.parametrize(("name", "params", "yt", "yp"), CASES)
def test_pytorch_call_returns_the_number_shown(name, params, yt, yp):
    torch = pytest.importorskip("torch")
    row = rows_for(name, params, yt, yp)["PyTorch"]
    task = lossviz.loss_class(name).task
    y_true = torch.tensor(yt, dtype=torch.long if task == "multiclass" else torch.float64)
    y_pred = torch.tensor(yp, dtype=torch.float64)
    got = float(eval(row.code, {"torch": torch, "y_true": y_true, "y_pred": y_pred}))
    assert row.value == pytest.approx(got, rel=1e-12, abs=1e-15)


def test_pytorch_smooth_l1_is_huber_over_beta():
    torch = pytest.importorskip("torch")
    yt, yp = REG_DATA["outlier"]
    for beta in (0.5, 1.0, 2.5):
        huber = lossviz.get_loss("huber", delta=beta)(yt, yp)
        smooth = torch.nn.functional.smooth_l1_loss(torch.tensor(yp), torch.tensor(yt), beta=beta)
        assert float(smooth) == pytest.approx(huber / beta, rel=1e-12)


# -- scikit-learn, called for real ---------------------------------------------------------
@pytest.mark.parametrize(("name", "params", "yt", "yp"), CASES)
def test_sklearn_call_returns_the_number_shown(name, params, yt, yp):
    pytest.importorskip("sklearn")
    import scipy.special
    import sklearn._loss.loss
    import sklearn.metrics

    row = rows_for(name, params, yt, yp)["scikit-learn"]
    k = yp.shape[1] if yp.ndim == 2 else 2
    namespace = {"sklearn": sklearn, "scipy": scipy, "np": np, "y_true": yt, "y_pred": yp,
                 "k": k}
    got = float(eval(row.code, namespace))
    assert row.value == pytest.approx(got, rel=1e-12, abs=1e-15)


# -- Keras and optax: documented formulas, written out here --------------------------------
def _softplus(x):
    return np.logaddexp(0.0, x)


def _onehot(yt, k):
    return np.eye(k)[yt.astype(int)]


def _lse(f):
    top = f.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(f - top).sum(axis=1, keepdims=True)))[:, 0]


KERAS = {
    # keras/src/losses/losses.py, Keras 3
    "mse": lambda t, p, **_: np.mean(np.square(p - t)),
    "mae": lambda t, p, **_: np.mean(np.abs(p - t)),
    "huber": lambda t, p, delta, **_: np.mean(np.where(
        np.abs(p - t) <= delta, 0.5 * np.square(p - t), delta * np.abs(p - t) - 0.5 * delta**2)),
    "log_cosh": lambda t, p, **_: np.mean((p - t) + _softplus(-2.0 * (p - t)) - np.log(2.0)),
    # tf.nn.sigmoid_cross_entropy_with_logits: max(x, 0) - x z + log(1 + exp(-|x|))
    "cross_entropy": lambda t, p, **_: np.mean(
        np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))),
    "hinge": lambda t, p, **_: np.mean(np.maximum(1.0 - (2 * t - 1) * p, 0.0)),
    "squared_hinge": lambda t, p, **_: np.mean(np.square(np.maximum(1.0 - (2 * t - 1) * p, 0.0))),
    "softmax_cross_entropy": lambda t, p, **_: np.mean(_lse(p) - p[np.arange(len(t)), t]),
    "multiclass_hinge": lambda t, p, **_: np.mean(np.maximum(
        np.max((1 - _onehot(t, p.shape[1])) * p, axis=1)
        - np.sum(_onehot(t, p.shape[1]) * p, axis=1) + 1.0, 0.0)),
}
OPTAX = {
    # optax/losses/_regression.py and _classification.py
    "mse": lambda t, p, **_: np.mean(0.5 * (p - t) ** 2),  # l2_loss
    "huber": lambda t, p, delta, **_: np.mean(
        0.5 * np.minimum(np.abs(p - t), delta) ** 2
        + delta * (np.abs(p - t) - np.minimum(np.abs(p - t), delta))),
    "log_cosh": lambda t, p, **_: np.mean(np.logaddexp(p - t, t - p) - np.log(2.0)),
    "cross_entropy": lambda t, p, **_: np.mean(
        -t * -np.logaddexp(0, -p) - (1 - t) * -np.logaddexp(0, p)),
    "hinge": lambda t, p, **_: np.mean(np.maximum(0.0, 1.0 - p * (2 * t - 1))),
    "softmax_cross_entropy": lambda t, p, **_: np.mean(_lse(p) - p[np.arange(len(t)), t]),
    "multiclass_hinge": lambda t, p, **_: np.mean(
        np.max(p + 1.0 - _onehot(t, p.shape[1]), axis=1)
        - np.sum(p * _onehot(t, p.shape[1]), axis=1)),
}


def numpy_stand_in():
    """``keras.ops`` and ``jnp`` replaced by numpy, to run the written-out expressions."""
    keras = types.SimpleNamespace(ops=types.SimpleNamespace(
        mean=np.mean, maximum=np.maximum, clip=np.clip, minimum=np.minimum, sqrt=np.sqrt,
        exp=np.exp,
        log1p=np.log1p, where=np.where, cast=lambda x, _dtype: np.asarray(x, dtype=float)))
    return {"keras": keras, "jnp": np, "np": np}


@pytest.mark.parametrize("library", ["Keras", "optax"])
@pytest.mark.parametrize(("name", "params", "yt", "yp"), CASES)
def test_keras_and_optax_rows_follow_their_documented_formulas(library, name, params, yt, yp):
    row = rows_for(name, params, yt, yp)[library]
    formulas = KERAS if library == "Keras" else OPTAX
    if row.builtin:
        assert name in formulas, f"no written-out {library} formula for {name}"
        expected = formulas[name](yt, yp, **params)
    else:
        ns = {**numpy_stand_in(), "y_true": yt, "y_pred": yp}
        expected = float(eval(row.code, ns))
    assert row.value == pytest.approx(float(expected), rel=1e-12, abs=1e-15)


# -- what the inspector says ----------------------------------------------------------------
def test_relations_name_the_known_differences():
    yt, yp = REG_DATA["outlier"]
    rows = rows_for("mse", {}, yt, yp)
    assert rows["optax"].relation == "half"
    assert "1/2" in rows["optax"].note
    assert all(rows[lib].relation == "same" for lib in ("PyTorch", "Keras", "scikit-learn"))
    rows = rows_for("huber", {"delta": 2.0}, yt, yp)
    assert "beta" in rows["PyTorch"].note
    assert "delta=2.0" in rows["PyTorch"].code
    assert "epsilon" in rows["scikit-learn"].note


def test_zero_one_boundary_convention_is_flagged_only_when_it_matters():
    yt, yp = CLF_DATA["on_boundary"]
    assert rows_for("zero_one", {}, yt, yp)["scikit-learn"].relation != "same"
    yt, yp = CLF_DATA["mixed"]
    assert rows_for("zero_one", {}, yt, yp)["scikit-learn"].relation == "same"


def test_cross_entropy_in_bits_is_one_at_margin_zero():
    value = lossviz.get_loss("cross_entropy")([1.0], [0.0])
    assert bits(value) == pytest.approx(1.0, rel=1e-15)


def test_bad_data_raises_value_error():
    with pytest.raises(ValueError, match="y_true"):
        library_calls("hinge", [0.0, 2.0], [1.0, 1.0])
