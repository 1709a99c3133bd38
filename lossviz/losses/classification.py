"""Binary classification losses, each a function of the margin ``m = (2y - 1) f``.

Labels ``y`` are 0 or 1 and ``f = y_pred`` is a real score (a logit), not a probability: the
margin is positive when the point is on the right side of the boundary and grows with
confidence. Derivatives are with respect to ``m``; the gradient with respect to ``f`` is that
times ``(2y - 1)``, divided by the number of samples for the mean.
"""

from __future__ import annotations

import numpy as np

from lossviz.losses.base import MarginLoss


def _sigmoid_neg(m: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(m))`` without overflow for any finite ``m``."""
    e = np.exp(-np.abs(m))
    return np.where(m > 0, e / (1.0 + e), 1.0 / (1.0 + e))


class CrossEntropy(MarginLoss):
    r"""Cross-entropy (log loss) from logits: ``l(m) = log(1 + exp(-m))``, natural log.

    Equals ``-[y log p + (1 - y) log(1 - p)]`` with ``p = sigmoid(f)``, but is computed from
    the logit with ``logaddexp(0, -m)``, never as ``log(p + eps)``: exact and finite for
    logits of any size. ``dl/dm = -1 / (1 + exp(m)) = -sigmoid(-m)``, so the gradient with
    respect to the logit is ``p - y``. In bits (divide by ``ln 2``) it equals 1 at ``m = 0``,
    where it touches the 0-1 loss.

    Example: ``get_loss("cross_entropy")([1], [0.0])  # log 2 = 0.693147...``
    """

    name = "cross_entropy"
    label = "Cross-entropy"
    latex = r"\ell(m) = \ln\left(1 + e^{-m}\right)"
    derivative_latex = r"\ell'(m) = -\frac{1}{1 + e^{m}}"

    def _value(self, m):
        return np.logaddexp(0.0, -m)

    def _deriv(self, m):
        return -_sigmoid_neg(m)


class Hinge(MarginLoss):
    r"""Hinge loss (the SVM loss): ``l(m) = max(0, 1 - m)``.

    Zero once a point is beyond the margin ``m >= 1``: such points stop pulling on the
    boundary. ``dl/dm = -1`` for ``m < 1`` and 0 for ``m >= 1``; at the kink ``m = 1`` the
    subgradient used is 0, as autograd gives for PyTorch's ``relu(1 - m)``.

    Example: ``get_loss("hinge")([1, 0], [0.5, 0.5])  # (0.5 + 1.5) / 2 = 1.0``
    """

    name = "hinge"
    label = "Hinge"
    latex = r"\ell(m) = \max(0,\, 1 - m)"
    derivative_latex = r"\ell'(m) = \begin{cases} -1 & m < 1 \\ 0 & m \ge 1 \end{cases}"

    def _value(self, m):
        return np.maximum(0.0, 1.0 - m)

    def _deriv(self, m):
        return np.where(m < 1.0, -1.0, 0.0)


class SquaredHinge(MarginLoss):
    r"""Squared hinge loss: ``l(m) = max(0, 1 - m)**2``, ``dl/dm = -2 max(0, 1 - m)``.

    Smooth at ``m = 1`` (both sides have slope 0) but quadratic for badly wrong points, so
    mislabelled points pull much harder than under the plain hinge.

    Example: ``get_loss("squared_hinge")([1], [-1.0])  # 4.0``
    """

    name = "squared_hinge"
    label = "Squared hinge"
    latex = r"\ell(m) = \max(0,\, 1 - m)^2"
    derivative_latex = r"\ell'(m) = -2\max(0,\, 1 - m)"

    def _value(self, m):
        h = np.maximum(0.0, 1.0 - m)
        return h * h

    def _deriv(self, m):
        return -2.0 * np.maximum(0.0, 1.0 - m)


class ModifiedHuber(MarginLoss):
    r"""Modified Huber loss, as scikit-learn's ``SGDClassifier(loss="modified_huber")``.

    ``l(m) = max(0, 1 - m)**2`` for ``m >= -1`` and ``-4 m`` for ``m < -1``: the squared hinge
    made linear for badly wrong points, so a mislabelled point's pull is capped at 4.
    ``dl/dm = -4`` for ``m < -1``, ``-2 (1 - m)`` for ``-1 <= m < 1``, 0 for ``m >= 1``
    (continuous: both pieces give -4 at ``m = -1``).

    Example: ``get_loss("modified_huber")([1], [-3.0])  # 12.0``
    """

    name = "modified_huber"
    label = "Modified Huber"
    latex = (
        r"\ell(m) = \begin{cases} \max(0,\, 1 - m)^2 & m \ge -1 \\ -4m & m < -1 \end{cases}"
    )
    derivative_latex = (
        r"\ell'(m) = \begin{cases} -4 & m < -1 \\ -2(1 - m) & -1 \le m < 1 \\ 0 & m \ge 1"
        r" \end{cases}"
    )

    def _value(self, m):
        h = np.maximum(0.0, 1.0 - m)
        return np.where(m >= -1.0, h * h, -4.0 * m)

    def _deriv(self, m):
        return np.where(m < -1.0, -4.0, -2.0 * np.maximum(0.0, 1.0 - m))


class Exponential(MarginLoss):
    r"""Exponential loss (AdaBoost's): ``l(m) = exp(-m)``, ``dl/dm = -exp(-m)``.

    Every wrong point pulls exponentially harder the more wrong it is, which is why boosting
    is so sensitive to label noise. The value exceeds the largest float64 for margins below
    about -709.78; there the checked methods raise ``ValueError`` and ``fit`` reports
    divergence.

    Example: ``get_loss("exponential")([1], [0.0])  # 1.0``
    """

    name = "exponential"
    label = "Exponential"
    latex = r"\ell(m) = e^{-m}"
    derivative_latex = r"\ell'(m) = -e^{-m}"

    def _value(self, m):
        return np.exp(-m)

    def _deriv(self, m):
        return -np.exp(-m)

    def _value_deriv(self, m):
        e = np.exp(-m)
        return e, -e


class ZeroOne(MarginLoss):
    r"""0-1 loss, for reference: ``l(m) = 1`` if ``m <= 0`` else 0 (mistakes counted).

    A point exactly on the boundary (``m = 0``) counts as a mistake: it has no evidence for its
    class. (That is also where cross-entropy in bits, ``log2(1 + e^-m)``, equals 1.) Its
    derivative is 0 everywhere it exists (and is set to 0 at ``m = 0``), so gradient descent
    gets no signal at all: the loss is flat almost everywhere and jumps at the boundary. That
    is why we train with smooth or convex *surrogates* that have useful slopes: hinge, squared
    hinge, modified Huber and exponential upper-bound it as they are, cross-entropy only in
    bits (``log2(1 + e^-m)``): with the natural log it is below 1 for margins between
    ``-log(e - 1) = -0.54`` and 0.

    Example: ``get_loss("zero_one")([1, 0, 1], [2.0, 0.5, 0.0])  # 2/3``
    """

    name = "zero_one"
    label = "0-1"
    convex = False
    latex = r"\ell(m) = [\,m \le 0\,]"
    derivative_latex = r"\ell'(m) = 0 \text{ (almost everywhere)}"

    def _value(self, m):
        return np.where(m <= 0.0, 1.0, 0.0)

    def _deriv(self, m):
        return np.zeros_like(m)


CLASSIFICATION_LOSSES = (CrossEntropy, Hinge, SquaredHinge, ModifiedHuber, Exponential, ZeroOne)
