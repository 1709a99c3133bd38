"""Multiclass losses: integer labels ``y`` of shape ``(n,)``, logits ``f`` of shape ``(n, k)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from lossviz._validation import as_float_array
from lossviz.losses.base import Loss


class MulticlassLoss(Loss):
    task = "multiclass"
    variable = "f"

    def validate(self, y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
        yt = as_float_array(y_true, "y_true")
        yp = as_float_array(y_pred, "y_pred")
        if yt.ndim != 1:
            raise ValueError(f"y_true must be a 1-D array of class labels; got shape {yt.shape}")
        if yp.ndim != 2 or yp.shape[0] != yt.shape[0]:
            raise ValueError(
                "y_pred must be a 2-D array of logits with one row per sample and one column per "
                f"class, shape ({yt.shape[0]}, k); got shape {yp.shape}"
            )
        k = yp.shape[1]
        if k < 2:
            raise ValueError(f"multiclass losses need at least 2 classes (columns); got {k}")
        bad = (yt != np.round(yt)) | (yt < 0) | (yt >= k)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"y_true must hold class labels 0 to {k - 1} (whole numbers, one per column of "
                f"y_pred); found {yt[i]:g} at position {i}"
            )
        return yt, yp

    def gradient(self, y_true: Any, y_pred: Any) -> np.ndarray:
        """Gradient of the MEAN loss with respect to the logits, shape ``(n, k)``."""
        return super().gradient(y_true, y_pred)


def _shifted_exp(f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's logits less their largest, their exp and its sum (a column): the
    probabilities are ``e / total``, one exp per logit, as torch's softmax computes them."""
    shifted = f - f.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return shifted, e, e.sum(axis=1, keepdims=True)


def softmax(logits: Any) -> np.ndarray:
    """Row-wise softmax probabilities ``exp(f_j) / sum_i exp(f_i)``, stable for any logits.

    Example: ``softmax([[0.0, 0.0]])  # [[0.5, 0.5]]``
    """
    f = as_float_array(logits, "logits")
    _, e, total = _shifted_exp(np.atleast_2d(f))
    p = e / total
    return p if f.ndim == 2 else p[0]


class SoftmaxCrossEntropy(MulticlassLoss):
    r"""Softmax cross-entropy: ``l = log(sum_j exp(f_j)) - f_y = -log softmax(f)_y``.

    Computed with the max-shifted log-sum-exp, so any finite logits are safe. The gradient
    with respect to the logits is ``softmax(f) - onehot(y)`` per sample (divided by ``n`` for
    the mean), as ``torch.nn.functional.cross_entropy`` and optax's
    ``softmax_cross_entropy_with_integer_labels``.

    Example: ``get_loss("softmax_cross_entropy")([0], [[0.0, 0.0]])  # log 2 = 0.693147...``
    """

    name = "softmax_cross_entropy"
    label = "Softmax cross-entropy"
    latex = r"\ell(f, y) = -\ln \frac{e^{f_y}}{\sum_j e^{f_j}}"
    derivative_latex = r"\frac{\partial \ell}{\partial f_j} = p_j - [\,j = y\,]"

    def _pointwise_and_dpred(self, y_true, y_pred):
        # The probabilities as softmax() gives them (exp(log p) cost a second exp and lost
        # more digits on small p), and the loss at the label log(sum(e)) - shifted_y.
        labels = y_true.astype(np.intp)
        rows = np.arange(len(labels))
        shifted, e, total = _shifted_exp(y_pred)
        grad = e / total
        grad[rows, labels] -= 1.0
        # 0.0 - x: an exact fit gives 0.0, not -0.0
        return 0.0 - (shifted[rows, labels] - np.log(total[:, 0])), grad


class MulticlassHinge(MulticlassLoss):
    r"""Multiclass hinge, Crammer-Singer form: ``l = max(0, 1 + max_{j != y} f_j - f_y)``.

    Only the strongest wrong class is penalised, and only until the true class leads it by a
    margin of 1 (optax's ``multiclass_hinge_loss`` and scikit-learn's
    ``LinearSVC(multi_class="crammer_singer")`` use this form; the Weston-Watkins form sums
    over all wrong classes instead). Gradient: -1 on the true class and +1 on the strongest
    wrong class (the first one on ties) while the loss is positive; 0 once the margin is met,
    including exactly at margin 1 (as for the binary hinge).

    Example: ``get_loss("multiclass_hinge")([0], [[1.0, 0.5, -1.0]])  # 1 + 0.5 - 1 = 0.5``
    """

    name = "multiclass_hinge"
    label = "Multiclass hinge"
    latex = r"\ell(f, y) = \max\left(0,\; 1 + \max_{j \ne y} f_j - f_y\right)"
    derivative_latex = (
        r"\frac{\partial \ell}{\partial f_j} = [\ell > 0]\left([\,j = j^*\,] - [\,j = y\,]\right),"
        r"\; j^* = \arg\max_{j \ne y} f_j"
    )

    def _pointwise_and_dpred(self, y_true, y_pred):
        labels = y_true.astype(np.intp)
        rows = np.arange(len(labels))
        true_score = y_pred[rows, labels]
        others = y_pred.copy()
        others[rows, labels] = -np.inf
        rival = np.argmax(others, axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            value = np.maximum(0.0, 1.0 + others[rows, rival] - true_score)
        active = (value > 0).astype(np.float64)
        grad = np.zeros_like(y_pred)
        grad[rows, rival] += active
        grad[rows, labels] -= active
        return value, grad


MULTICLASS_LOSSES = (SoftmaxCrossEntropy, MulticlassHinge)
