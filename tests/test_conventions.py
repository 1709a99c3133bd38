"""The convention inspector's numbers, checked against the libraries themselves.

Every code string shown in the app is run here as written, in PyTorch, scikit-learn, Keras 3
(JAX backend) and optax (all in the ``test`` extra), and must return the number shown to the
precision the row claims: about 12 digits for float64, about 7 for float32.
"""

from __future__ import annotations

import numpy as np
import pytest
from references import reference

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
    torch = reference("torch")
    row = rows_for(name, params, yt, yp)["PyTorch"]
    task = lossviz.loss_class(name).task
    y_true = torch.tensor(yt, dtype=torch.long if task == "multiclass" else torch.float64)
    y_pred = torch.tensor(yp, dtype=torch.float64)
    out = eval(row.code, {"torch": torch, "y_true": y_true, "y_pred": y_pred})
    assert out.dtype == torch.float64
    assert row.precision == "float64"
    assert row.value == pytest.approx(float(out), rel=row.rtol, abs=1e-15)


def test_pytorch_smooth_l1_is_huber_over_beta():
    torch = reference("torch")
    yt, yp = REG_DATA["outlier"]
    for beta in (0.5, 1.0, 2.5):
        huber = lossviz.get_loss("huber", delta=beta)(yt, yp)
        smooth = torch.nn.functional.smooth_l1_loss(torch.tensor(yp), torch.tensor(yt), beta=beta)
        assert float(smooth) == pytest.approx(huber / beta, rel=1e-12)


# -- scikit-learn, called for real ---------------------------------------------------------
@pytest.mark.parametrize(("name", "params", "yt", "yp"), CASES)
def test_sklearn_call_returns_the_number_shown(name, params, yt, yp):
    sklearn, scipy = reference("sklearn"), reference("scipy")
    reference("scipy.special"), reference("sklearn.metrics"), reference("sklearn._loss.loss")
    row = rows_for(name, params, yt, yp)["scikit-learn"]
    k = yp.shape[1] if yp.ndim == 2 else 2
    namespace = {"sklearn": sklearn, "scipy": scipy, "np": np, "y_true": yt, "y_pred": yp,
                 "k": k}
    got = float(eval(row.code, namespace))
    assert row.value == pytest.approx(got, rel=1e-12, abs=1e-15)


# -- Keras 3 (JAX backend) and optax, called for real --------------------------------------
def library_namespace(yt, yp):
    keras, optax, jnp = reference("keras"), reference("optax"), reference("jax.numpy")
    return {"keras": keras, "optax": optax, "jnp": jnp, "np": np, "y_true": yt, "y_pred": yp}


# optax's log_cosh and sigmoid_binary_cross_entropy ask JAX for float64 and get float32.
@pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64:UserWarning")
@pytest.mark.parametrize("library", ["Keras", "optax"])
@pytest.mark.parametrize(("name", "params", "yt", "yp"), CASES)
def test_keras_and_optax_calls_return_the_number_shown_to_float32(library, name, params, yt,
                                                                   yp):
    assert reference("keras").backend.backend() == "jax"
    row = rows_for(name, params, yt, yp)[library]
    assert row.precision == "float32"
    assert "float32" in row.note
    out = eval(row.code, library_namespace(yt, yp))
    assert str(out.dtype) == "float32"  # with their defaults both compute in float32
    # float32 rounding of the arithmetic (2e-6 relative), and of the data: a residual of 1e-9
    # on targets of 1 (the "tiny" data) is lost where the library rounds the data first.
    on_float32_data = lossviz.get_loss(name, **params)(
        yt if yt.dtype.kind == "i" else yt.astype(np.float32), yp.astype(np.float32))
    assert float(out) in (pytest.approx(row.value, rel=row.rtol, abs=1e-12),
                          pytest.approx(on_float32_data, rel=row.rtol, abs=1e-12))
    assert row.shown == f"{row.value:.7g}"


@pytest.mark.parametrize(("name", "params", "yt", "yp"), CASES)
def test_optax_with_x64_gives_float64_except_where_the_note_says(name, params, yt, yp):
    jax = reference("jax")
    row = rows_for(name, params, yt, yp)["optax"]
    with jax.enable_x64(True):
        out = eval(row.code, library_namespace(yt, yp))
        got, dtype = float(out), str(out.dtype)
    if dtype == "float32":
        assert "float32 even with jax_enable_x64" in row.note
        assert row.value == pytest.approx(got, rel=row.rtol, abs=1e-12)
    else:
        assert dtype == "float64"
        assert row.value == pytest.approx(got, rel=1e-12, abs=1e-15)


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


def test_half_is_said_only_of_half_even_for_tiny_numbers():
    # Two equal numbers near 2e-9 (scikit-learn rounds a confident point's probability):
    # numpy's default atol would have called the one "half" of the other.
    rows = rows_for("cross_entropy", {}, np.array([1.0, 0.0]), np.array([20.0, -20.0]))
    sk = rows["scikit-learn"]
    assert sk.value == pytest.approx(rows["PyTorch"].value, rel=1e-7)
    assert sk.value < 1e-8
    assert sk.relation != "half"
    assert "relative" in sk.relation  # says by how much it differs
    # A true half far below 1e-8 is still found: optax's l2_loss on residuals of 1e-9.
    rows = rows_for("mse", {}, *REG_DATA["tiny"])
    assert rows["optax"].value < 1e-17
    assert rows["optax"].relation == "half"
    assert rows["PyTorch"].relation == "same"


@pytest.mark.parametrize("labels", [[1.0, 0.0], [0.0, 1.0]], ids=["both-right", "both-wrong"])
def test_scikit_learn_cross_entropy_note_gives_the_logits_where_rounding_shows(labels):
    """The note's numbers: 11 digits below |f| = 12, the 10th-11th digit from 15, at most
    about 4e-4 relative at 30, a cap of -log(eps) = 36.04 beyond 36."""
    sklearn, scipy = reference("sklearn"), reference("scipy")
    reference("sklearn.metrics"), reference("scipy.special")
    note = rows_for("cross_entropy", {}, np.array([1.0, 0.0]), np.array([1.0, -1.0]))[
        "scikit-learn"].note
    for quoted in ("below about 12", "from about 15", "at 30 by up to about 4e-4",
                   "beyond about 36", "36.04"):
        assert quoted in note
    ce = lossviz.get_loss("cross_entropy")
    yt = np.array([*labels, 1.0, 0.0])

    def rel(f):
        yp = np.array([f, -f, 0.3, -0.2])
        ours = ce(yt, yp)
        theirs = sklearn.metrics.log_loss(yt, scipy.special.expit(yp), labels=[0, 1])
        return abs(theirs / ours - 1.0)

    assert max(rel(f) for f in np.linspace(0.0, 12.0, 49)) < 1e-11
    two_point = np.array(labels)

    def rel_alone(f):
        yp = np.array([f, -f])
        ours = ce(two_point, yp)
        theirs = sklearn.metrics.log_loss(two_point, scipy.special.expit(yp), labels=[0, 1])
        return abs(theirs / ours - 1.0)

    assert 1e-12 < rel_alone(15.0) < 1e-9
    assert 1e-6 < rel_alone(30.0) < 5e-4
    wrong = sklearn.metrics.log_loss([1.0], scipy.special.expit([-40.0]), labels=[0, 1])
    assert wrong == pytest.approx(-np.log(np.finfo(np.float64).eps), rel=1e-12)
    assert round(wrong, 2) == 36.04
    assert ce([1.0], [-40.0]) == pytest.approx(40.0, rel=1e-12)


def test_float32_rows_show_seven_digits_and_say_how_close():
    yt, yp = REG_DATA["outlier"]
    rows = rows_for("huber", {"delta": 0.7}, yt, yp)
    for lib in ("Keras", "optax"):
        assert rows[lib].precision == "float32"
        assert rows[lib].agreement == "same number to float32 precision (about 10⁻⁷ relative)"
        assert len(rows[lib].shown.replace(".", "").lstrip("0")) <= 7
    for lib in ("PyTorch", "scikit-learn"):
        assert rows[lib].precision == "float64"
    assert rows["PyTorch"].agreement.startswith("same number")
    assert rows["PyTorch"].shown == f"{rows['PyTorch'].value:.10g}"
