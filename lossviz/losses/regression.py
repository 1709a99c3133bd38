"""Regression losses, each a function of the residual ``r = y_pred - y_true``.

Every loss returns its value and its derivative with respect to ``r``; the gradient with
respect to ``y_pred`` of the MEAN loss is that derivative divided by the number of samples.
Forms are chosen to stay finite and accurate for residuals up to 1e150.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from lossviz._validation import check_open_unit, check_positive
from lossviz.losses.base import Param, RegressionLoss

_LOG2 = float(np.log(2.0))


def huber(r: Any, *, delta: float = 1.0) -> np.ndarray:
    r"""Huber loss of the residuals ``r``: quadratic up to ``|r| = delta``, linear beyond.

    ``l(r) = r**2 / 2`` if ``|r| <= delta`` else ``delta * (|r| - delta / 2)``, computed as
    optax's ``huber_loss`` does: ``q = min(|r|, delta)``, ``l = |r| - q``,
    ``value = q**2 / 2 + delta * l``. Only the part within ``delta`` is squared, so a large
    residual never overflows by squaring. Together with ``huber_slope`` this is the one
    implementation of Huber's loss in lossviz: the ``Huber`` loss object, its charts and its
    training all use it. NaN and inf pass through as in numpy.

    Example: ``huber([0.5, 3.0], delta=1.0)  # [0.125, 2.5]``
    """
    return _huber(np.asarray(r, dtype=np.float64), check_positive(delta, "delta"))


def huber_slope(r: Any, *, delta: float = 1.0, out: np.ndarray | None = None) -> np.ndarray:
    r"""Derivative of ``huber`` with respect to ``r``: ``clip(r, -delta, delta)``.

    That is ``copysign(q, r)`` with optax's ``q = min(|r|, delta)``: ``r`` inside the
    quadratic zone, ``+-delta`` beyond; continuous, so there is no kink to choose a slope at.
    ``out``, as in numpy, is a float64 array to write it into.

    Example: ``huber_slope([0.5, -3.0], delta=1.0)  # [0.5, -1.0]``
    """
    return _huber_slope(np.asarray(r, dtype=np.float64), check_positive(delta, "delta"), out)


def _huber(r: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(r)
    q = np.minimum(a, delta)
    return 0.5 * q * q + delta * (a - q)


def _huber_slope(r: np.ndarray, delta: float, out: np.ndarray | None = None) -> np.ndarray:
    return r.clip(-delta, delta, out=out)


def _written(values: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.copyto(out, values)
    return out


class MSE(RegressionLoss):
    r"""Mean squared error: ``l(r) = r**2``, ``dl/dr = 2 r``.

    No 1/2 factor: ``mse(y, y + 1) == 1.0``, as scikit-learn's ``mean_squared_error`` and
    PyTorch's ``MSELoss``. Smooth everywhere.

    Example: ``get_loss("mse")([0, 0], [1, 3])  # (1 + 9) / 2 = 5.0``
    """

    name = "mse"
    label = "MSE"
    latex = r"\ell(r) = r^2"
    derivative_latex = r"\ell'(r) = 2r"

    def _value(self, r):
        return r * r

    def _deriv(self, r, out=None):
        return np.add(r, r, out=out)  # 2 r, exactly

    sum_from_slope = (0.5, 0.0)  # sum r^2 = (2 r) . r / 2, exactly: 2 is a power of two


class MAE(RegressionLoss):
    r"""Mean absolute error: ``l(r) = |r|``, ``dl/dr = sign(r)``.

    At the kink ``r = 0`` the subgradient used is 0, as in PyTorch's ``L1Loss``.

    Example: ``get_loss("mae")([0, 0], [1, -3])  # 2.0``
    """

    name = "mae"
    label = "MAE"
    latex = r"\ell(r) = |r|"
    derivative_latex = r"\ell'(r) = \operatorname{sign}(r)"

    def _value(self, r):
        return np.abs(r)

    def _deriv(self, r, out=None):
        return np.sign(r, out=out)

    sum_from_slope = (1.0, 0.0)  # sum |r| = sign(r) . r


class Huber(RegressionLoss):
    r"""Huber loss: quadratic for ``|r| <= delta``, linear beyond.

    ``l(r) = r**2 / 2`` if ``|r| <= delta`` else ``delta * (|r| - delta / 2)``;
    ``dl/dr = clip(r, -delta, delta)``. This is the convention of PyTorch's ``HuberLoss``,
    optax's ``huber_loss`` and scikit-learn's ``HuberLoss``; it is smooth at ``|r| = delta``
    (both pieces have slope ``delta`` there). Computed by ``huber`` and ``huber_slope``
    (optax's split ``q = min(|r|, delta)``, ``l = |r| - q``), which never square a large
    residual.

    Example: ``get_loss("huber", delta=1.0)([0, 0], [0.5, 3])  # (0.125 + 2.5) / 2 = 1.3125``
    """

    name = "huber"
    label = "Huber"
    param_specs: ClassVar[dict[str, Param]] = {
        "delta": Param(1.0, check_positive, "where the quadratic zone ends")
    }

    @property
    def latex(self):
        d = f"{self.params['delta']:g}"
        return (
            r"\ell(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\ "
            r"\delta\,(|r| - \tfrac12\delta) & |r| > \delta \end{cases},\quad \delta = " + d
        )

    @property
    def derivative_latex(self):
        return r"\ell'(r) = \operatorname{clip}(r, -\delta, \delta)"

    def _value(self, r):
        return _huber(r, self.params["delta"])

    def _deriv(self, r, out=None):
        return _huber_slope(r, self.params["delta"], out)

    # With d = clip(r, -delta, delta): d . r - d . d / 2 is r^2/2 inside, delta (|r| - delta/2)
    # outside; optax's q^2/2 + delta l summed, since d . r = q . |r| and q = delta where l > 0.
    sum_from_slope = (1.0, -0.5)


class LogCosh(RegressionLoss):
    r"""Log-cosh loss: ``l(r) = log(cosh(r))``, ``dl/dr = tanh(r)``.

    About ``r**2 / 2`` for small residuals and ``|r| - log 2`` for large ones. Computed as
    ``log1p(2 sinh(r/2)**2)`` near 0 and ``|r| + log1p(exp(-2|r|)) - log 2`` beyond,
    so it keeps its digits for tiny residuals and never overflows for large ones.

    Example: ``get_loss("log_cosh")([0.0], [1.0])  # log(cosh(1)) = 0.4337808...``
    """

    name = "log_cosh"
    label = "Log-cosh"
    latex = r"\ell(r) = \log\cosh(r)"
    derivative_latex = r"\ell'(r) = \tanh(r)"

    def _value(self, r):
        # Near 0, log(cosh r) = log1p(2 sinh^2(r/2)) keeps every digit (logaddexp(r, -r) - log 2
        # would cancel); far out, |r| + log1p(exp(-2|r|)) - log 2 never overflows.
        a = np.abs(r)
        near = a < 1.0
        an = np.where(near, a, 0.0)
        af = np.where(near, 1.0, a)
        s = np.sinh(0.5 * an)
        return np.where(near, np.log1p(2.0 * s * s), af + np.log1p(np.exp(-2.0 * af)) - _LOG2)

    def _deriv(self, r):
        return np.tanh(r)


class Quantile(RegressionLoss):
    r"""Quantile (pinball) loss at level ``tau``.

    ``l(r) = tau * max(-r, 0) + (1 - tau) * max(r, 0)`` with ``r = y_pred - y_true``: an
    under-prediction costs ``tau`` per unit, an over-prediction ``1 - tau``. Its mean equals
    scikit-learn's ``mean_pinball_loss(y_true, y_pred, alpha=tau)``; minimising it fits the
    ``tau`` quantile. ``tau = 0.5`` is half the MAE. ``dl/dr = -tau`` for ``r < 0``,
    ``1 - tau`` for ``r > 0`` and 0 at the kink ``r = 0`` (a valid subgradient, as for MAE).

    Example: ``get_loss("quantile", tau=0.9)([0, 0], [-1, 1])  # (0.9 + 0.1) / 2 = 0.5``
    """

    name = "quantile"
    label = "Quantile"
    param_specs: ClassVar[dict[str, Param]] = {
        "tau": Param(0.5, check_open_unit, "the quantile fitted, in (0, 1)")
    }

    @property
    def latex(self):
        t = f"{self.params['tau']:g}"
        return (
            r"\ell(r) = \tau \max(-r, 0) + (1 - \tau)\max(r, 0),\quad \tau = " + t
        )

    @property
    def derivative_latex(self):
        return (
            r"\ell'(r) = \begin{cases} -\tau & r < 0 \\ 0 & r = 0 \\ 1 - \tau & r > 0"
            r" \end{cases}"
        )

    def _value(self, r):
        tau = self.params["tau"]
        return tau * np.maximum(-r, 0.0) + (1.0 - tau) * np.maximum(r, 0.0)

    def _deriv(self, r, out=None):
        tau = self.params["tau"]
        slope = np.where(r > 0, 1.0 - tau, np.where(r < 0, -tau, 0.0))
        return slope if out is None else _written(slope, out)

    sum_from_slope = (1.0, 0.0)  # each loss is its slope times r


class PseudoHuber(RegressionLoss):
    r"""Pseudo-Huber loss: a smooth Huber, ``l(r) = delta**2 * (sqrt(1 + (r/delta)**2) - 1)``.

    ``dl/dr = r / sqrt(1 + (r/delta)**2)``: about ``r**2 / 2`` near 0, slope tending to
    ``+-delta`` far out. Computed as ``delta**2 * t * (t / (hypot(1, t) + 1))`` with
    ``t = r / delta``, which neither cancels near 0 nor overflows for large ``r``.

    Example: ``get_loss("pseudo_huber", delta=1.0)([0.0], [1.0])  # sqrt(2) - 1 = 0.41421...``
    """

    name = "pseudo_huber"
    label = "Pseudo-Huber"
    param_specs: ClassVar[dict[str, Param]] = {
        "delta": Param(1.0, check_positive, "scale where the loss turns linear")
    }

    @property
    def latex(self):
        d = f"{self.params['delta']:g}"
        return r"\ell(r) = \delta^2\left(\sqrt{1 + (r/\delta)^2} - 1\right),\quad \delta = " + d

    @property
    def derivative_latex(self):
        return r"\ell'(r) = \frac{r}{\sqrt{1 + (r/\delta)^2}}"

    def _value(self, r):
        delta = self.params["delta"]
        t = r / delta
        return delta * delta * t * (t / (np.hypot(1.0, t) + 1.0))

    def _deriv(self, r):
        delta = self.params["delta"]
        t = r / delta
        return delta * (t / np.hypot(1.0, t))


class Cauchy(RegressionLoss):
    r"""Cauchy (Lorentzian) loss: ``l(r) = (c**2 / 2) * log(1 + (r/c)**2)``.

    ``dl/dr = r / (1 + (r/c)**2)``: the pull of a point rises up to ``|r| = c`` and then
    fades, so far outliers barely move the fit. Not convex beyond ``|r| = c``. Computed with
    ``log1p``, and from its limits ``c**2 log|r/c|`` and ``c**2 / r`` where ``(r/c)**2``
    would overflow, so it never does.

    Example: ``get_loss("cauchy", c=1.0)([0.0], [1.0])  # log(2) / 2 = 0.34657...``
    """

    name = "cauchy"
    label = "Cauchy"
    convex = False
    param_specs: ClassVar[dict[str, Param]] = {
        "c": Param(1.0, check_positive, "residual scale where the pull peaks")
    }

    @property
    def latex(self):
        c = f"{self.params['c']:g}"
        return r"\ell(r) = \frac{c^2}{2}\log\left(1 + (r/c)^2\right),\quad c = " + c

    @property
    def derivative_latex(self):
        return r"\ell'(r) = \frac{r}{1 + (r/c)^2}"

    def _value(self, r):
        return self._value_deriv(r)[0]

    def _deriv(self, r):
        return self._value_deriv(r)[1]

    def _value_deriv(self, r):
        # One pass for both (training asks for both once a step), sharing t = r / c and its
        # square: log1p(t**2) and t / (1 + t**2) keep every digit near 0 and far out. Only
        # where t**2 overflows (|r / c| above 1.3e154) are both taken from their limits,
        # c**2 log|t| and c / t, to which 1 / t**2 < 1e-308 adds nothing: nothing overflows.
        c = self.params["c"]
        t = r / c
        tt = t * t
        value = (0.5 * c * c) * np.log1p(tt)
        deriv = r / (1.0 + tt)
        far = np.isinf(tt)
        if far.any():  # rare: computed everywhere, kept where t**2 overflowed
            value = np.where(far, (c * c) * (np.log(np.abs(r)) - np.log(c)), value)
            deriv = np.where(far, c * (c / r), deriv)
        return value, deriv


class Tukey(RegressionLoss):
    r"""Tukey's biweight loss: flat beyond ``|r| = c``, so far outliers have no pull at all.

    ``l(r) = (c**2 / 6) * (1 - (1 - (r/c)**2)**3)`` for ``|r| <= c`` and ``c**2 / 6`` beyond;
    ``dl/dr = r * (1 - (r/c)**2)**2`` inside and 0 outside. Non-convex and *redescending*:
    the derivative rises, then falls back to zero, so gradient descent can stall with points
    stuck on the flat part. ``c = 4.685`` gives 95% efficiency on Gaussian noise.

    Example: ``get_loss("tukey", c=1.0)([0.0], [2.0])  # 1/6 = 0.16666...``
    """

    name = "tukey"
    label = "Tukey"
    convex = False
    param_specs: ClassVar[dict[str, Param]] = {
        "c": Param(4.685, check_positive, "residual beyond which the loss is flat")
    }

    @property
    def latex(self):
        c = f"{self.params['c']:g}"
        return (
            r"\ell(r) = \begin{cases} \frac{c^2}{6}\left(1 - \left(1 - (r/c)^2\right)^3\right)"
            r" & |r| \le c \\ \frac{c^2}{6} & |r| > c \end{cases},\quad c = " + c
        )

    @property
    def derivative_latex(self):
        return r"\ell'(r) = r\left(1 - (r/c)^2\right)^2 \,[\,|r| \le c\,]"

    def _value(self, r):
        c = self.params["c"]
        t2 = np.square(np.where(np.abs(r) <= c, r / c, 1.0))
        u = 1.0 - t2
        # 1 - u^3 = t^2 (1 + u + u^2): no cancellation for tiny residuals.
        return (c * c / 6.0) * t2 * (1.0 + u + u * u)

    def _deriv(self, r):
        c = self.params["c"]
        inside = np.abs(r) <= c
        ri = np.where(inside, r, 0.0)
        u = 1.0 - np.square(ri / c)
        return ri * u * u


REGRESSION_LOSSES = (MSE, MAE, Huber, LogCosh, Quantile, PseudoHuber, Cauchy, Tukey)
