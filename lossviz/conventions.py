"""The same loss in PyTorch, Keras, optax and scikit-learn: the exact call, and why it differs.

Libraries agree on the idea of a loss and disagree on the details: a 1/2 in front of the
squared error, what the Huber threshold is called (``delta`` in Huber's paper, ``beta`` in
PyTorch's ``smooth_l1_loss``, ``epsilon`` in scikit-learn's ``HuberRegressor``), logits or
probabilities, labels in {0, 1} or {-1, 1}, the mean or the sum, natural log or log2.
For every built-in loss, ``library_calls`` lists one call per library with the number it
returns on the given data, computed here with numpy from that library's documented formula
(the tests run every call in the libraries themselves: PyTorch, scikit-learn, and Keras 3 and
optax on JAX). Pure numpy: the libraries are never imported at run time.

How close is "the same": PyTorch (on float64 tensors) and scikit-learn compute in float64 and
agree with lossviz to about 12 digits. Keras and optax compute in float32 with their default
settings (Keras' ``floatx``, JAX without ``jax_enable_x64``), so they agree to about 1e-7
relative, and they lose a residual smaller than about 1e-7 of the targets. ``LibraryCall``
says which (``precision``) and formats its value to the digits that precision carries
(``shown``).

Example::

    rows = library_calls(get_loss("huber", delta=2.0), y_true, y_pred)
    rows[0].code   # "torch.nn.functional.huber_loss(y_pred, y_true, delta=2.0)"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossviz.losses import Loss, get_loss

LIBRARIES = ("PyTorch", "Keras", "optax", "scikit-learn")
LN2 = float(np.log(2.0))
# The floating-point type each library computes in with its default settings, on the data as
# the snippets pass it (numpy float64 arrays; torch.tensor keeps float64).
PRECISION = {"PyTorch": "float64", "Keras": "float32", "optax": "float32",
             "scikit-learn": "float64"}
RTOL = {"float64": 1e-12, "float32": 2e-6}
DIGITS = {"float64": 10, "float32": 7}
FLOAT32_NOTE = {
    "Keras": " Keras computes in float32 (keras.config.floatx()): about 7 digits.",
    "optax": " JAX computes in float32 unless jax.config.update('jax_enable_x64', True) is "
             "set: about 7 digits.",
}

Compute = Callable[[np.ndarray, np.ndarray], float]


@dataclass(frozen=True)
class LibraryCall:
    """One library's way to get (or nearly get) a lossviz loss.

    ``code`` is the exact expression (variables ``y_true``, ``y_pred`` as numpy-like arrays of
    the current data; for classification ``y_pred`` holds logits); ``value`` is what it
    returns on the data; ``relation`` says how that number relates to the lossviz number
    (``"same"``, ``"half"``, ...); ``note`` spells the difference out.
    """

    library: str
    code: str
    value: float | None
    relation: str
    note: str
    builtin: bool = True
    precision: str = "float64"

    @property
    def rtol(self) -> float:
        """How closely the library's own number follows ``value``: its precision's rounding."""
        return RTOL[self.precision]

    @property
    def shown(self) -> str:
        """``value`` to the digits the library's precision carries (10 for float64, 7 for
        float32); ``"n/a"`` when there is none."""
        if self.value is None:
            return "n/a"
        return f"{self.value:.{DIGITS[self.precision]}g}"

    @property
    def agreement(self) -> str:
        """The relation in words, with how close "the same" is.

        Example: ``"same number to float32 precision (about 10⁻⁷ relative)"``
        """
        if self.relation == "same":
            if self.precision == "float32":
                return "same number to float32 precision (about 10⁻⁷ relative)"
            return "same number (float64, about 12 digits)"
        if self.relation == "not available":
            return "not available"
        return f"differs: {self.relation}"

    def matches(self, lossviz_value: float, rtol: float | None = None) -> bool:
        """True when this call returns the lossviz number up to its precision's rounding."""
        rtol = self.rtol if rtol is None else rtol
        return self.value is not None and bool(
            np.isclose(self.value, lossviz_value, rtol=rtol, atol=1e-300)
        )


@dataclass(frozen=True)
class _Recipe:
    library: str
    code: str
    compute: Compute | None
    note: str
    builtin: bool = True


def _r(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return y_pred - y_true


def _mean(loss: Loss) -> Compute:
    return lambda yt, yp: float(np.mean(loss.pointwise(yt, yp)))


def _sigmoid(f: np.ndarray) -> np.ndarray:
    return np.where(f >= 0, 1.0 / (1.0 + np.exp(-np.abs(f))), np.exp(-np.abs(f)) /
                    (1.0 + np.exp(-np.abs(f))))


def _softmax(f: np.ndarray) -> np.ndarray:
    e = np.exp(f - f.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _written(library: str, code: str, loss: Loss, note: str) -> _Recipe:
    return _Recipe(library, code, _mean(loss), note, builtin=False)


def _regression(loss: Loss) -> list[_Recipe]:
    name, p = loss.name, loss.params
    same = _mean(loss)
    if name == "mse":
        return [
            _Recipe("PyTorch", "torch.nn.functional.mse_loss(y_pred, y_true)", same,
                    "Arguments in the order (input, target); mean over points, no 1/2."),
            _Recipe("Keras", "keras.losses.MeanSquaredError()(y_true, y_pred)", same,
                    "Mean over the last axis, then over the batch: the plain mean here."),
            _Recipe("optax", "optax.losses.l2_loss(y_pred, y_true).mean()",
                    lambda yt, yp: float(np.mean(0.5 * _r(yt, yp) ** 2)),
                    "l2_loss has the 1/2 factor (r**2 / 2) and no mean: half the MSE. "
                    "optax.losses.squared_error(y_pred, y_true).mean() gives the MSE itself."),
            _Recipe("scikit-learn", "sklearn.metrics.mean_squared_error(y_true, y_pred)", same,
                    "The same mean of squares, no 1/2."),
        ]
    if name == "mae":
        return [
            _Recipe("PyTorch", "torch.nn.functional.l1_loss(y_pred, y_true)", same,
                    "Called L1 loss in PyTorch; the same mean of |r|."),
            _Recipe("Keras", "keras.losses.MeanAbsoluteError()(y_true, y_pred)", same,
                    "The same mean of |r|."),
            _written("optax", "jnp.mean(jnp.abs(y_pred - y_true))", loss,
                     "optax has no absolute-error loss; write it with jax.numpy."),
            _Recipe("scikit-learn", "sklearn.metrics.mean_absolute_error(y_true, y_pred)", same,
                    "The same mean of |r|."),
        ]
    if name == "huber":
        d = p["delta"]
        return [
            _Recipe("PyTorch", f"torch.nn.functional.huber_loss(y_pred, y_true, delta={d!r})",
                    same,
                    f"Same delta. torch.nn.functional.smooth_l1_loss(y_pred, y_true, "
                    f"beta={d!r}) is this divided by beta = {d:g}: its quadratic piece is "
                    "r**2 / (2 beta), so its linear piece has slope 1, not delta."),
            _Recipe("Keras", f"keras.losses.Huber(delta={d!r})(y_true, y_pred)", same,
                    "Same delta and the same 1/2 in the quadratic piece."),
            _Recipe("optax", f"optax.losses.huber_loss(y_pred, y_true, delta={d!r}).mean()",
                    same, "Per-point values: take the mean yourself."),
            _written("scikit-learn",
                     f"np.mean(sklearn._loss.loss.HuberLoss(delta={d!r})"
                     ".loss(y_true, y_pred))", loss,
                     "A private class (sklearn._loss): scikit-learn has no public Huber "
                     "metric. HuberRegressor(epsilon=...) is "
                     "not the same number: its threshold is epsilon times a scale sigma that "
                     "it fits, and its objective adds sigma terms and an L2 penalty."),
        ]
    if name == "log_cosh":
        return [
            _written("PyTorch", "torch.log(torch.cosh(y_pred - y_true)).mean()", loss,
                     "No built-in; cosh overflows for |r| > 710 in float64, where "
                     "|r| - log 2 is the safe form."),
            _Recipe("Keras", "keras.losses.LogCosh()(y_true, y_pred)", same,
                    "Computed as r + softplus(-2 r) - log 2: safe for large residuals."),
            _Recipe("optax", "optax.losses.log_cosh(y_pred, y_true).mean()", same,
                    "Per-point values: take the mean yourself."),
            _written("scikit-learn", "np.mean(np.log(np.cosh(y_pred - y_true)))", loss,
                     "No scikit-learn function; write it with numpy."),
        ]
    if name == "quantile":
        t = p["tau"]
        return [
            _written("PyTorch",
                     f"torch.maximum({t!r} * (y_true - y_pred), ({t!r} - 1) * (y_true - y_pred))"
                     ".mean()", loss, "No built-in pinball loss; tau is the quantile fitted."),
            _written("Keras",
                     f"keras.ops.mean(keras.ops.maximum({t!r} * (y_true - y_pred), "
                     f"({t!r} - 1) * (y_true - y_pred)))", loss,
                     "No built-in in Keras 3 (TensorFlow Addons had PinballLoss(tau))."),
            _written("optax",
                     f"jnp.mean(jnp.maximum({t!r} * (y_true - y_pred), "
                     f"({t!r} - 1) * (y_true - y_pred)))", loss, "No built-in in optax."),
            _Recipe("scikit-learn",
                    f"sklearn.metrics.mean_pinball_loss(y_true, y_pred, alpha={t!r})", same,
                    "scikit-learn calls tau alpha. At tau = 0.5 this is half the MAE."),
        ]
    if name == "pseudo_huber":
        d = p["delta"]
        expr = f"{d!r}**2 * (sqrt(1 + ((y_pred - y_true) / {d!r})**2) - 1)"
        return [
            _written("PyTorch", f"torch.mean({expr.replace('sqrt', 'torch.sqrt')})", loss,
                     "No built-in pseudo-Huber."),
            _written("Keras", f"keras.ops.mean({expr.replace('sqrt', 'keras.ops.sqrt')})",
                     loss, "No built-in pseudo-Huber."),
            _written("optax", f"jnp.mean({expr.replace('sqrt', 'jnp.sqrt')})", loss,
                     "No built-in pseudo-Huber in optax's losses."),
            _written("scikit-learn", f"np.mean({expr.replace('sqrt', 'np.sqrt')})", loss,
                     "No scikit-learn function."),
        ]
    if name in ("cauchy", "tukey"):
        c = p["c"]
        if name == "cauchy":
            expr = f"{c!r}**2 / 2 * log1p(((y_pred - y_true) / {c!r})**2)"
            fns = ("log1p",)
        else:
            expr = f"{c!r}**2 / 6 * (1 - (1 - clip(((y_pred - y_true) / {c!r})**2, 0, 1))**3)"
            fns = ("clip",)
        def lib(prefix: str) -> str:
            out = expr
            for fn in fns:
                out = out.replace(fn, f"{prefix}.{fn}")
            return out
        what = "Cauchy (Lorentzian)" if name == "cauchy" else "Tukey biweight"
        return [
            _written("PyTorch", f"torch.mean({lib('torch')})", loss, f"No built-in {what} loss."),
            _written("Keras", f"keras.ops.mean({lib('keras.ops')})", loss,
                     f"No built-in {what} loss."),
            _written("optax", f"jnp.mean({lib('jnp')})", loss, f"No built-in {what} loss."),
            _written("scikit-learn", f"np.mean({lib('np')})", loss,
                     "No scikit-learn function (robust regressors such as "
                     "HuberRegressor or RANSACRegressor fit, they do not score)."),
        ]
    raise ValueError(f"no library conventions for the loss {name!r}")


def _classification(loss: Loss) -> list[_Recipe]:
    name = loss.name
    same = _mean(loss)
    m = "(2 * y_true - 1) * y_pred"
    if name == "cross_entropy":
        def sk_log_loss(yt: np.ndarray, f: np.ndarray) -> float:
            # scikit-learn clips probabilities to [eps, 1 - eps], eps = float64's machine eps.
            eps = np.finfo(np.float64).eps
            p = np.clip(_sigmoid(f), eps, 1 - eps)
            return float(np.mean(-(yt * np.log(p) + (1 - yt) * np.log1p(-p))))

        return [
            _Recipe("PyTorch",
                    "torch.nn.functional.binary_cross_entropy_with_logits(y_pred, y_true)",
                    same,
                    "Takes logits. binary_cross_entropy(torch.sigmoid(y_pred), y_true) takes "
                    "probabilities and clamps each log at -100, so it drifts for confident "
                    "mistakes."),
            _Recipe("Keras",
                    "keras.losses.BinaryCrossentropy(from_logits=True)(y_true, y_pred)", same,
                    "from_logits=True is essential: the default expects probabilities and "
                    "clips them to [1e-7, 1 - 1e-7]."),
            _Recipe("optax", "optax.losses.sigmoid_binary_cross_entropy(y_pred, y_true).mean()",
                    same, "Takes logits; per-point values, take the mean yourself."),
            _Recipe("scikit-learn",
                    "sklearn.metrics.log_loss(y_true, scipy.special.expit(y_pred))",
                    sk_log_loss,
                    "Takes probabilities (expit is the sigmoid) and clips them to "
                    "[eps, 1 - eps]. A probability near 0 or 1 keeps few digits in float64, "
                    "so the two agree to about 11 digits only while every |logit| is below "
                    "about 12; from about 15 they differ in the 10th or 11th digit, at 30 by "
                    "up to about 4e-4 relative, and beyond about 36 the clip caps a point's "
                    "loss at -log(eps) = 36.04. All four use the natural log; divide by "
                    "ln 2 = 0.6931 for bits (log2), the scale on which cross-entropy equals "
                    "the 0-1 loss at margin 0."),
        ]
    if name == "hinge":
        return [
            _written("PyTorch", f"torch.relu(1 - {m}).mean()", loss,
                     "No binary hinge on scores: HingeEmbeddingLoss is a different loss (on "
                     "distances) and MultiMarginLoss divides by the number of classes."),
            _Recipe("Keras", "keras.losses.Hinge()(y_true, y_pred)", same,
                    "Keras turns labels 0/1 into -1/+1 itself."),
            _Recipe("optax", "optax.losses.hinge_loss(y_pred, 2 * y_true - 1).mean()", same,
                    "optax wants targets in {-1, +1}: pass 2 y - 1."),
            _Recipe("scikit-learn", "sklearn.metrics.hinge_loss(y_true, y_pred)", same,
                    "y_pred is the decision function (a score), not a probability; labels "
                    "0/1 are mapped to -1/+1."),
        ]
    if name == "squared_hinge":
        return [
            _written("PyTorch", f"(torch.relu(1 - {m}) ** 2).mean()", loss,
                     "No built-in binary squared hinge."),
            _Recipe("Keras", "keras.losses.SquaredHinge()(y_true, y_pred)", same,
                    "Keras turns labels 0/1 into -1/+1 itself."),
            _written("optax", f"jnp.mean(jnp.maximum(0, 1 - {m}) ** 2)", loss,
                     "No built-in squared hinge in optax."),
            _written("scikit-learn", f"np.mean(np.maximum(0, 1 - {m}) ** 2)", loss,
                     "No metric; it is the loss of LinearSVC(loss='squared_hinge') and "
                     "SGDClassifier(loss='squared_hinge')."),
        ]
    if name == "modified_huber":
        expr = f"where({m} >= -1, maximum(0, 1 - {m}) ** 2, -4 * {m})"
        return [
            _written("PyTorch", "torch.mean(" + expr.replace("where", "torch.where").replace(
                "maximum(0, ", "torch.relu(") + ")", loss, "No built-in modified Huber."),
            _written("Keras", "keras.ops.mean(" + expr.replace("where", "keras.ops.where")
                     .replace("maximum", "keras.ops.maximum") + ")", loss,
                     "No built-in modified Huber."),
            _written("optax", "jnp.mean(" + expr.replace("where", "jnp.where").replace(
                "maximum", "jnp.maximum") + ")", loss, "No built-in modified Huber."),
            _written("scikit-learn", "np.mean(" + expr.replace("where", "np.where").replace(
                "maximum", "np.maximum") + ")", loss,
                "No metric; it is the loss of SGDClassifier(loss='modified_huber'), which "
                "also gives probability estimates."),
        ]
    if name == "exponential":
        return [
            _written("PyTorch", f"torch.exp(-{m}).mean()", loss, "No built-in."),
            _written("Keras", f"keras.ops.mean(keras.ops.exp(-{m}))", loss, "No built-in."),
            _written("optax", f"jnp.mean(jnp.exp(-{m}))", loss, "No built-in."),
            _written("scikit-learn", f"np.mean(np.exp(-{m}))", loss,
                     "No metric; GradientBoostingClassifier(loss='exponential') uses it "
                     "(AdaBoost's loss)."),
        ]
    if name == "zero_one":
        def sk_zero_one(yt: np.ndarray, f: np.ndarray) -> float:
            return float(np.mean((f > 0).astype(float) != yt))

        return [
            _written("PyTorch", f"(({m}) <= 0).double().mean()", loss,
                     "Not differentiable, so no training loss; an error rate."),
            _written("Keras", f"keras.ops.mean(keras.ops.cast(({m}) <= 0, 'float32'))", loss,
                     "1 - keras.metrics.BinaryAccuracy(threshold=0.5) on sigmoid(y_pred) "
                     "counts a score of exactly 0 as class 0, not as a mistake."),
            _written("optax", f"jnp.mean(({m}) <= 0)", loss,
                     "An error rate, no loss. The mean of booleans is float32 even with "
                     "jax_enable_x64."),
            _Recipe("scikit-learn", "sklearn.metrics.zero_one_loss(y_true, y_pred > 0)",
                    sk_zero_one,
                    "Predicts class 1 only for a score above 0: a point exactly on the "
                    "boundary counts as class 0 there, but as a mistake in lossviz (no "
                    "evidence either way)."),
        ]
    raise ValueError(f"no library conventions for the loss {name!r}")


def _multiclass(loss: Loss) -> list[_Recipe]:
    same = _mean(loss)
    if loss.name == "softmax_cross_entropy":
        def sk(yt: np.ndarray, f: np.ndarray) -> float:
            eps = np.finfo(np.float64).eps
            p = np.clip(_softmax(f), eps, 1 - eps)
            p = p / p.sum(axis=1, keepdims=True)
            return float(np.mean(-np.log(p[np.arange(len(yt)), yt.astype(int)])))

        return [
            _Recipe("PyTorch", "torch.nn.functional.cross_entropy(y_pred, y_true)", same,
                    "Takes logits (one row per point) and integer labels."),
            _Recipe("Keras",
                    "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
                    "(y_true, y_pred)", same,
                    "Sparse: integer labels. CategoricalCrossentropy wants one-hot labels."),
            _Recipe("optax",
                    "optax.losses.softmax_cross_entropy_with_integer_labels(y_pred, y_true)"
                    ".mean()", same, "Logits and integer labels; take the mean yourself."),
            _Recipe("scikit-learn",
                    "sklearn.metrics.log_loss(y_true, scipy.special.softmax(y_pred, axis=1), "
                    "labels=range(y_pred.shape[1]))", sk,
                    "Takes probabilities, clipped to [eps, 1 - eps] and renormalised."),
        ]
    if loss.name == "multiclass_hinge":
        def torch_mm(yt: np.ndarray, f: np.ndarray) -> float:
            rows = np.arange(len(yt))
            true = f[rows, yt.astype(int)][:, None]
            terms = np.maximum(0.0, 1.0 - true + f)
            terms[rows, yt.astype(int)] = 0.0
            return float(np.mean(terms.sum(axis=1) / f.shape[1]))

        def keras_ch(yt: np.ndarray, f: np.ndarray) -> float:
            onehot = np.eye(f.shape[1])[yt.astype(int)]
            pos = np.sum(onehot * f, axis=1)
            neg = np.max((1.0 - onehot) * f, axis=1)
            return float(np.mean(np.maximum(neg - pos + 1.0, 0.0)))

        return [
            _Recipe("PyTorch", "torch.nn.functional.multi_margin_loss(y_pred, y_true)",
                    torch_mm,
                    "Weston-Watkins form: sums the hinge over every wrong class and divides "
                    "by the number of classes; lossviz (Crammer-Singer) takes only the "
                    "strongest wrong class."),
            _Recipe("Keras",
                    "keras.losses.CategoricalHinge()"
                    "(keras.ops.one_hot(y_true, y_pred.shape[1]), y_pred)",
                    keras_ch,
                    "Takes max((1 - onehot) * y_pred) as the rival score, which is at least 0: "
                    "different when every wrong class has a negative score."),
            _Recipe("optax", "optax.losses.multiclass_hinge_loss(y_pred, y_true).mean()",
                    same, "Crammer-Singer, as lossviz."),
            _Recipe("scikit-learn",
                    "sklearn.metrics.hinge_loss(y_true, y_pred, "
                    "labels=range(y_pred.shape[1]))", same,
                    "Crammer-Singer, as lossviz."),
        ]
    raise ValueError(f"no library conventions for the loss {loss.name!r}")


def _relation(value: float | None, reference: float) -> str:
    if value is None:
        return "not available"
    if np.isclose(value, reference, rtol=1e-12, atol=1e-300):
        return "same"
    # atol=0: numpy's default atol (1e-8) would call any two numbers below 1e-8 "half".
    if reference != 0 and np.isclose(value, 0.5 * reference, rtol=1e-12, atol=0.0):
        return "half"
    if reference != 0:
        ratio = value / reference
        if abs(ratio - 1.0) < 1e-3:  # rounding, not a convention: say by how much
            return f"{ratio - 1.0:+.1e} relative to the lossviz value"
        return f"{ratio:.4g} x the lossviz value"
    return "different"


def library_code(loss: Loss | str) -> list[tuple[str, str]]:
    """``(library, code)`` for each library, in ``LIBRARIES`` order: the calls alone, no data.

    Example: ``library_code("mse")[0]  # ("PyTorch", "torch.nn.functional.mse_loss(...)")``
    """
    loss = get_loss(loss) if isinstance(loss, str) else loss
    recipes = {"regression": _regression, "classification": _classification,
               "multiclass": _multiclass}[loss.task](loss)
    return [(recipe.library, recipe.code) for recipe in recipes]


def library_calls(loss: Loss | str, y_true: Any, y_pred: Any) -> list[LibraryCall]:
    """One ``LibraryCall`` per library for ``loss`` on this data, in ``LIBRARIES`` order.

    ``y_pred`` are predictions (regression), logits (binary) or rows of logits (multiclass).
    Raises ``ValueError`` for data the loss rejects.

    Example: ``library_calls("mse", [0, 0], [1, 3])[2].value  # optax l2_loss: 2.5``
    """
    loss = get_loss(loss) if isinstance(loss, str) else loss
    yt, yp = loss.validate(y_true, y_pred)
    reference = loss(yt, yp)
    recipes = {"regression": _regression, "classification": _classification,
               "multiclass": _multiclass}[loss.task](loss)
    out = []
    for recipe in recipes:
        with np.errstate(all="ignore"):
            value = None if recipe.compute is None else recipe.compute(yt, yp)
        if value is not None and not np.isfinite(value):
            value = None
        precision = PRECISION[recipe.library]
        note = recipe.note + FLOAT32_NOTE.get(recipe.library, "")
        out.append(LibraryCall(recipe.library, recipe.code, value,
                               _relation(value, reference), note, recipe.builtin, precision))
    return out


def bits(value: float) -> float:
    """A natural-log cross-entropy in bits (log2): ``value / ln 2``."""
    return value / LN2
