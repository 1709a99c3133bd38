"""Models trained by ``fit``: a linear model and a polynomial on scaled features.

A model turns inputs into a design matrix once; predictions are ``Z @ theta`` and the
parameter gradient is ``Z.T @ dloss/dpred`` (the chain rule, exact). Parameters are the
weights followed by the intercept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lossviz._validation import as_float_array, check_int
from lossviz.limits import MAX_DEGREE

MODELS = ("linear", "poly")


@dataclass(frozen=True)
class Model:
    """A linear model in features ``phi(x)``: ``f(x) = phi(x) . w + b``.

    ``kind`` is ``"linear"`` (``phi(x) = x``, 1-D or multi-column ``x``) or ``"poly"``
    (``phi(x) = ((x**j - mean_j) / std_j)`` for ``j = 1..degree``, 1-D ``x``; the scaling, from
    the training inputs, keeps the features on one scale so gradient descent behaves).
    """

    kind: str
    n_features: int
    degree: int = 1
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    @property
    def n_params(self) -> int:
        return self.n_features + 1

    def features(self, x: Any) -> np.ndarray:
        """The design matrix: one row per sample, the features then a column of ones."""
        x = as_float_array(x, "x")
        if self.kind == "poly":
            if x.ndim != 1:
                raise ValueError(f"the polynomial model takes 1-D x; got shape {x.shape}")
            powers = x[:, None] ** np.arange(1, self.degree + 1)
            feats = (powers - self.mean) / self.std
        else:
            feats = x[:, None] if x.ndim == 1 else x
            if feats.ndim != 2 or feats.shape[1] != self.n_features:
                raise ValueError(
                    f"x must have {self.n_features} feature column(s); got shape {x.shape}"
                )
        return np.column_stack([feats, np.ones(len(feats))])

    def predict(self, params: Any, x: Any) -> np.ndarray:
        return self.features(x) @ np.asarray(params, dtype=np.float64)

    def coefficients(self, params: Any) -> tuple[np.ndarray, Any]:
        """Weights and intercept in the units of the raw inputs.

        For ``poly`` the weights are the coefficients of ``x**1 .. x**degree`` (lowest first),
        so ``np.polyval([*w[::-1], b], x)`` reproduces the predictions. For a multiclass
        parameter matrix (a column per class) the weights are a matrix and the intercepts an
        array, one per class.
        """
        params = np.asarray(params, dtype=np.float64)
        w = params[:-1]
        b = params[-1].copy() if params.ndim == 2 else float(params[-1])
        if self.kind == "poly":
            if w.ndim == 2:
                raw = w / self.std[:, None]
                return raw, b - self.mean @ raw
            raw = w / self.std
            return raw, b - float(raw @ self.mean)
        return w.copy(), b


def make_model(kind: str, x: np.ndarray, degree: int | None = None) -> Model:
    """Build the model for training inputs ``x`` (validated, 1-D or 2-D)."""
    if kind not in MODELS:
        raise ValueError(f"unknown model {kind!r}; choose one of: {', '.join(MODELS)}")
    if kind == "linear":
        if degree not in (None, 1):
            raise ValueError("degree applies to model='poly' only")
        if x.ndim not in (1, 2):
            raise ValueError(f"x must be 1-D or 2-D (samples x features); got shape {x.shape}")
        return Model("linear", 1 if x.ndim == 1 else x.shape[1])
    degree = check_int(3 if degree is None else degree, "degree", low=1, high=MAX_DEGREE)
    if x.ndim != 1:
        raise ValueError(f"the polynomial model takes 1-D x; got shape {x.shape}")
    powers = x[:, None] ** np.arange(1, degree + 1)
    mean = powers.mean(axis=0)
    std = powers.std(axis=0)
    if not np.all(std > 0):
        raise ValueError("the polynomial model needs at least two different x values")
    return Model("poly", degree, degree, mean, std)


def feature_scale(feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's mean and standard deviation, for standardising ``(x - mean) / std``.

    A constant column keeps mean 0 and std 1: it carries nothing to centre and nothing to
    divide by (it duplicates the intercept).

    Example: ``feature_scale(np.array([[0.0, 5.0], [2.0, 5.0]]))  # ([1, 0], [1, 1])``
    """
    mean = feats.mean(axis=0)
    std = feats.std(axis=0)
    constant = std <= 1e-12 * np.maximum(np.abs(mean), 1e-300)
    return np.where(constant, 0.0, mean), np.where(constant, 1.0, std)


def unstandardizing(mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """The matrix ``T`` that turns parameters on standardised features into raw units.

    With ``Z`` the raw design (features, then ones) and ``Z_s = Z T`` the standardised one,
    ``Z_s theta_s = Z (T theta_s)``: the raw parameters are ``T theta_s`` (``w = w_s / std``,
    ``b = b_s - w . mean``), and a raw gradient is ``T^-T`` times the standardised one.
    """
    k = len(mean)
    t = np.eye(k + 1)
    t[:k, :k] = np.diag(1.0 / std)
    t[k, :k] = -mean / std
    return t

