"""The loss object every part of lossviz speaks to.

A loss carries its value and its exact gradient together (as scikit-learn's ``_loss`` module
does). The public methods validate their input and refuse to return a non-finite number; the
training engine uses the unchecked ``_pointwise_and_dpred`` so that a run that blows up is
reported as divergence instead of raising halfway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from lossviz._validation import (
    as_float_array,
    check_binary_labels,
    check_same_shape,
)

TASKS = ("regression", "classification", "multiclass")


@dataclass(frozen=True)
class Param:
    """A loss hyperparameter: its default, how it is checked, and what it means."""

    default: float
    check: Callable[[Any, str], float]
    doc: str


class Loss:
    """Base class of every loss.

    Attributes:
        name: registry name (``"huber"``), the key used everywhere in lossviz.
        label: the name a student reads in charts and captions (``"Huber"``).
        task: ``"regression"``, ``"classification"`` (binary, labels in {0, 1}, real scores)
            or ``"multiclass"`` (integer labels, one logit per class).
        variable: what the elementwise curve is a function of: ``"r"`` (residual
            ``y_pred - y_true``), ``"m"`` (margin ``(2y - 1) f``) or ``"f"`` (multiclass logits).
        params: the hyperparameters in force, e.g. ``{"delta": 1.0}``.
        latex: the pointwise formula, for display.
        derivative_latex: its derivative with respect to ``variable``, for display.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    task: ClassVar[str] = "regression"
    variable: ClassVar[str] = "r"
    param_specs: ClassVar[dict[str, Param]] = {}
    convex: ClassVar[bool] = True

    def __init__(self, **params: Any) -> None:
        unknown = sorted(set(params) - set(self.param_specs))
        if unknown:
            allowed = ", ".join(self.param_specs) or "none"
            raise ValueError(
                f"{self.name} has no parameter {', '.join(map(repr, unknown))}; "
                f"allowed parameters: {allowed}"
            )
        self.params: dict[str, float] = {
            key: spec.check(params.get(key, spec.default), key)
            for key, spec in self.param_specs.items()
        }

    # -- display ---------------------------------------------------------------------------
    @property
    def latex(self) -> str:
        raise NotImplementedError

    @property
    def derivative_latex(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"get_loss({self.name!r}{', ' if params else ''}{params})"

    # -- public, checked API ---------------------------------------------------------------
    def __call__(self, y_true: Any, y_pred: Any) -> float:
        """Mean loss over the samples, as a Python float."""
        return self._finite_mean(self.pointwise(y_true, y_pred))

    def _finite_mean(self, values: np.ndarray) -> float:
        with np.errstate(over="ignore"):
            mean = float(np.mean(values))
        if not np.isfinite(mean):
            raise ValueError(
                f"the mean {self.label} loss exceeds the largest float64 number (about 1.8e308)"
            )
        return mean

    def pointwise(self, y_true: Any, y_pred: Any) -> np.ndarray:
        """Per-sample losses, shape ``y_true.shape`` (``(n,)`` for multiclass)."""
        yt, yp = self.validate(y_true, y_pred)
        values, _ = self._unchecked(yt, yp)
        self._check_finite(yt, yp, values, "loss")
        return values

    def gradient(self, y_true: Any, y_pred: Any) -> np.ndarray:
        """Gradient of the MEAN loss with respect to ``y_pred``, same shape as ``y_pred``."""
        yt, yp = self.validate(y_true, y_pred)
        _, dpred = self._unchecked(yt, yp)
        self._check_finite(yt, yp, dpred, "gradient")
        return dpred / len(yp)

    def value_and_gradient(self, y_true: Any, y_pred: Any) -> tuple[float, np.ndarray]:
        """Mean loss and its gradient with respect to ``y_pred`` in one pass."""
        yt, yp = self.validate(y_true, y_pred)
        values, dpred = self._unchecked(yt, yp)
        self._check_finite(yt, yp, values, "loss")
        self._check_finite(yt, yp, dpred, "gradient")
        return self._finite_mean(values), dpred / len(yp)

    def _unchecked(self, y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._pointwise_and_dpred(y_true, y_pred)

    # -- input checks ------------------------------------------------------------------------
    def validate(self, y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
        """Return float64 arrays for ``y_true`` and ``y_pred`` or raise ``ValueError``."""
        yt = as_float_array(y_true, "y_true")
        yp = as_float_array(y_pred, "y_pred")
        check_same_shape(yt, yp)
        if yt.ndim != 1:
            raise ValueError(
                f"y_true and y_pred must be 1-D arrays (one value per sample); got shape {yt.shape}"
            )
        if self.task == "classification":
            check_binary_labels(yt)
        return yt, yp

    def _check_finite(
        self, y_true: np.ndarray, y_pred: np.ndarray, values: np.ndarray, what: str
    ) -> None:
        bad = ~np.isfinite(values)
        if np.any(bad):
            i = int(np.flatnonzero(bad.ravel())[0] // max(1, values.size // len(y_true)))
            raise ValueError(self._explain_nonfinite(y_true, y_pred, i, what))

    def _explain_nonfinite(self, y_true: np.ndarray, y_pred: np.ndarray, i: int, what: str) -> str:
        return (
            f"the {self.label} {what} is too large for float64 (above about 1.8e308) at point "
            f"{i} (y_true={y_true[i]:g}, y_pred={np.ravel(y_pred[i])[0]:g}); "
            "use smaller predictions or residuals"
        )

    # -- the one method a loss must provide ----------------------------------------------------
    def _pointwise_and_dpred(
        self, y_true: np.ndarray, y_pred: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample losses and d(loss_i)/d(y_pred_i), unchecked; may hold inf.

        Callers wrap it in ``np.errstate`` (the public methods and ``fit`` do), so that the
        training loop pays for that once per run rather than once per step.
        """
        raise NotImplementedError


class ElementwiseLoss(Loss):
    """A loss that is a function of one number per sample: the residual or the margin.

    ``z`` is the residual ``r = y_pred - y_true`` for regression and the margin
    ``m = (2y - 1) f`` for binary classification. Subclasses write the loss once: ``_value(z)``
    and ``_deriv(z)`` on float64 arrays, or ``_value_deriv(z)`` too when computing both
    together saves work.

    One optional fast protocol: a loss whose sum over the points can be read off its slope
    declares it in ``sum_from_slope = (a, c)``, meaning

        ``sum_i l(z_i) = a * (d . z) + c * (d . d)``  with ``d = l'(z)``, for every ``z``.

    ``fit`` then gets the loss from the product that gives the gradient, and never computes
    the per-point values in its loop (MSE: ``(1/2, 0)`` as ``l' = 2r``; MAE: ``(1, 0)``). Such
    a loss also writes its slope into the loop's array, numpy's way: ``_deriv(z, out)``.
    The identity holds for the formula it was declared with: a subclass that redefines
    ``_value``, ``_deriv`` or ``_value_deriv`` without declaring its own trains the general way
    (a test checks every declared identity against the loss's values).
    """

    sum_from_slope: ClassVar[tuple[float, float] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        if "sum_from_slope" not in own and any(
            name in own for name in ("_value", "_deriv", "_value_deriv")
        ):
            cls.sum_from_slope = None

    def elementwise(self, z: Any) -> np.ndarray:
        """The loss as a function of the residual (or margin) ``z``: the curve in the charts."""
        z = as_float_array(z, self.variable)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._value(z)

    def derivative(self, z: Any) -> np.ndarray:
        """d loss / d z at ``z`` (the subgradient documented for the loss at its kinks)."""
        z = as_float_array(z, self.variable)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._deriv(z)

    def _value(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _deriv(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _value_deriv(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._value(z), self._deriv(z)

    def to_variable(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """The residual (regression) or margin (classification) of each sample."""
        if self.task == "regression":
            return y_pred - y_true
        return (2.0 * y_true - 1.0) * y_pred

    def _pointwise_and_dpred(
        self, y_true: np.ndarray, y_pred: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.task == "regression":
            return self._value_deriv(y_pred - y_true)
        sign = 2.0 * y_true - 1.0
        value, deriv = self._value_deriv(sign * y_pred)
        return value, sign * deriv + 0.0  # + 0.0 turns -0.0 into 0.0


class RegressionLoss(ElementwiseLoss):
    task = "regression"
    variable = "r"


class MarginLoss(ElementwiseLoss):
    task = "classification"
    variable = "m"
