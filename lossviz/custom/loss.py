"""``CustomLoss``: a loss written as a formula, used exactly like the built-in ones."""

from __future__ import annotations

from typing import Any

import numpy as np

from lossviz._validation import as_float_array, as_scalar
from lossviz.custom.derivative import differentiate
from lossviz.custom.expr import Node, Tape, find_failure, run_tree
from lossviz.custom.latex import format_number, param_latex, to_latex, to_text
from lossviz.custom.parser import FormulaError, check_params, parse_formula
from lossviz.losses.base import ElementwiseLoss

CONVEXITY_RANGE = (-5.0, 5.0)
_SEEDS = {
    # d/d y_pred with y_true held fixed: r = yhat - y moves with yhat, y does not.
    "regression": {"r": 1.0, "yhat": 1.0, "y": 0.0},
    "classification": {"m": 1.0},
}
_LATEX_VARIABLE = {"regression": "r", "classification": "m"}


class CustomLoss(ElementwiseLoss):
    r"""A loss given by a formula in the residual ``r`` (regression) or the margin ``m``.

    Behaves like the built-in losses: ``loss(y_true, y_pred)`` is the mean, ``.pointwise``,
    ``.gradient`` (of the mean, with respect to ``y_pred``), ``.value_and_gradient``,
    ``.elementwise(z)`` and ``.derivative(z)`` as functions of ``r`` or ``m``, ``.latex`` and
    ``.derivative_latex``, and training with ``lossviz.fit``. The derivative is exact: the
    formula's tree is differentiated rule by rule (see ``lossviz.custom.derivative`` for the
    conventions at kinks), never by finite differences.

    A regression formula may also use ``y`` (y_true) and ``yhat`` (y_pred): ``reads_target``
    is then True, and its curves (``elementwise``, ``derivative``) are drawn at
    ``y_true = 0`` unless another ``y_true`` is given. Bad formulas raise ``FormulaError``
    (a ``ValueError``).

    Example: ``CustomLoss("log(1 + r**2)")([0.0], [1.0])  # log 2 = 0.693147...``
    """

    name = "custom"
    label = "Custom"

    # ``formula`` positional-only: a parameter may be called "formula" (or "self"); "task"
    # is a reserved name (``check_params``), as it is this keyword's.
    def __init__(self, formula: str, /, task: str = "regression", **params: Any) -> None:
        if task not in _SEEDS:
            raise FormulaError(
                f"custom losses are for task 'regression' (a formula in r) or "
                f"'classification' (a formula in m); got {task!r}"
            )
        checked = check_params(params)
        parsed = parse_formula(formula, task, checked)
        self.task = task  # type: ignore[misc]  # per instance, unlike the built-ins
        self.variable = _LATEX_VARIABLE[task]  # type: ignore[misc]
        self.params = checked
        self.formula = parsed.formula
        self.variables = parsed.variables
        self.parameters = parsed.parameters
        self.expression: Node = parsed.tree
        self.derivative_expression: Node = differentiate(parsed.tree, _SEEDS[task])
        self._value_tape = Tape([self.expression])
        self._deriv_tape = Tape([self.derivative_expression])
        self._convex: bool | None = None
        self.reads_target = bool({"y", "yhat"} & set(self.variables))
        if self.reads_target:
            # Not a function of r alone: the loss of a point needs its y_true too.
            self.__class__ = _CustomLossOfTarget
            self._both = Tape([self.expression, self.derivative_expression])

    def __repr__(self) -> str:
        params = "".join(f", {k}={v:g}" for k, v in self.params.items())
        return f"custom_loss({self.formula!r}, task={self.task!r}{params})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.formula, self.task, self.params))

    # -- display ------------------------------------------------------------------------------
    @property
    def latex(self) -> str:
        z = _LATEX_VARIABLE[self.task]
        text = rf"\ell({z}) = {to_latex(self.expression)}"
        return text + self._params_latex()

    @property
    def derivative_latex(self) -> str:
        z = _LATEX_VARIABLE[self.task]
        return rf"\ell'({z}) = {to_latex(self.derivative_expression)}"

    @property
    def derivative_text(self) -> str:
        """The derivative in the formula language, e.g. ``2*r / (1 + r**2)``."""
        return to_text(self.derivative_expression)

    def _params_latex(self) -> str:
        used = [k for k in self.params if k in self.parameters]
        if not used:
            return ""
        shown = r",\ ".join(f"{param_latex(k)} = {format_number(self.params[k])}" for k in used)
        return rf",\quad {shown}"

    # -- shape checks ---------------------------------------------------------------------------
    @property
    def convex(self) -> bool:  # type: ignore[override]
        """Whether the loss looks convex on ``CONVEXITY_RANGE`` (-5 to 5): a numeric check.

        See ``is_convex_on``; a formula that is not finite somewhere there counts as not
        convex. Best effort: a loss can look convex on the range and bend beyond it.
        """
        if self._convex is None:
            self._convex = self.is_convex_on(*CONVEXITY_RANGE)
        return self._convex

    def is_convex_on(self, low: float, high: float, points: int = 2001) -> bool:
        """True when, on ``points`` evenly spaced values of z in [low, high], the exact
        derivative never decreases and no value lies above the chord of its neighbours
        (this catches upward jumps, which have zero slope on both sides).

        Example: ``custom_loss("abs(r)**1.5").is_convex_on(-5, 5)  # True``
        """
        z = np.linspace(float(low), float(high), int(points))
        values = self.elementwise(z, check=False)
        slopes = self.derivative(z, check=False)
        if not (np.all(np.isfinite(values)) and np.all(np.isfinite(slopes))):
            return False
        scale = 1e-9 * max(1.0, float(np.max(np.abs(values))), float(np.max(np.abs(slopes))))
        with np.errstate(all="ignore"):
            rising = np.all(np.diff(slopes) >= -scale)
            below_chords = np.all(values[1:-1] <= 0.5 * (values[:-2] + values[2:]) + scale)
        return bool(rising and below_chords)

    def looks_unbounded_below(self, low: float, high: float, points: int = 2001) -> bool:
        """True when, on [low, high], the loss is lowest at an end of the range, still falling
        towards that end, and below zero there: a sign that training can run off to minus
        infinity. A best-effort check on the sampled range only.

        Example: ``custom_loss("r**3").looks_unbounded_below(-4, 4)  # True``
        """
        z = np.linspace(float(low), float(high), int(points))
        values = self.elementwise(z, check=False)
        finite = np.isfinite(values)
        if not np.any(finite):
            return False
        i = int(np.argmin(np.where(finite, values, np.inf)))
        if values[i] >= 0 or i not in (0, len(z) - 1):
            return False
        slope = float(self.derivative(z[i : i + 1], check=False)[0])
        return slope > 0 if i == 0 else slope < 0

    # -- numbers --------------------------------------------------------------------------------
    def _env(self, z: np.ndarray, y_true: Any) -> dict[str, Any]:
        env: dict[str, Any] = dict(self.params)
        env[self.variable] = z
        if self.reads_target:  # (yhat is an array operation: only when the formula asks)
            env["y"] = y_true
            env["yhat"] = z + y_true
        return env

    def elementwise(self, z: Any, y_true: float = 0.0, *, check: bool = True) -> np.ndarray:
        """The loss as a function of ``r`` (or ``m``): the curve in the charts.

        Where the formula is not finite (``log(r)`` for r <= 0) this raises ``FormulaError``
        naming the failing part; with ``check=False`` it returns NaN or inf there instead,
        which a chart leaves as a gap.

        Example: ``custom_loss("abs(r)**1.5").elementwise([-4.0, 1.0])  # [8.0, 1.0]``
        """
        z = as_float_array(z, self.variable)
        with np.errstate(all="ignore"):
            (value,) = self._value_tape.run(self._env(z, as_scalar(y_true, "y_true")))
        value = _fill(value, z.shape)
        if check:
            self._check_curve(z, value, float(y_true), "")
        return value

    def derivative(self, z: Any, y_true: float = 0.0, *, check: bool = True) -> np.ndarray:
        """The exact derivative d loss / d z (the documented choice at kinks).

        Raises ``FormulaError`` where it is not finite, unless ``check=False`` (NaN or inf).

        Example: ``custom_loss("abs(r)**1.5").derivative([-4.0, 0.0])  # [-3.0, 0.0]``
        """
        z = as_float_array(z, self.variable)
        with np.errstate(all="ignore"):
            (slope,) = self._deriv_tape.run(self._env(z, as_scalar(y_true, "y_true")))
        slope = _fill(slope, z.shape) + 0.0
        if check:
            self._check_curve(z, slope, float(y_true), "the slope: ")
        return slope

    def _check_curve(self, z: np.ndarray, out: np.ndarray, y_true: float, what: str) -> None:
        bad = ~np.isfinite(out)
        if np.any(bad):
            zi = float(z.ravel()[np.flatnonzero(bad.ravel())[0]])
            message = self.explain_at(zi, y_true=y_true)
            raise FormulaError(
                message or f"{what}the formula is not a finite number at {self.variable}={zi:g}"
            )

    def _value(self, z: np.ndarray) -> np.ndarray:
        (value,) = self._value_tape.run(self._env(z, 0.0))
        return _fill(value, z.shape)

    def _deriv(self, z: np.ndarray) -> np.ndarray:
        (slope,) = self._deriv_tape.run(self._env(z, 0.0))
        return _fill(slope, z.shape)

    # -- explaining non-finite results ----------------------------------------------------------
    def _check_finite(
        self, y_true: np.ndarray, y_pred: np.ndarray, values: np.ndarray, what: str
    ) -> None:
        try:
            super()._check_finite(y_true, y_pred, values, what)
        except FormulaError:
            raise
        except ValueError as err:
            raise FormulaError(str(err)) from None

    def _explain_nonfinite(self, y_true: np.ndarray, y_pred: np.ndarray, i: int, what: str) -> str:
        yt, yp = float(y_true[i]), float(np.ravel(y_pred[i])[0])
        z = yp - yt if self.task == "regression" else (2.0 * yt - 1.0) * yp
        at = (
            f"at point {i} (y_true={yt:g}, y_pred={yp:g}, {self.variable}={z:g})"
        )
        message = self.explain_at(z, y_true=yt, at=at)
        if message is None:
            return super()._explain_nonfinite(y_true, y_pred, i, what)
        return message

    def explain_at(self, z: float, *, y_true: float = 0.0, at: str | None = None) -> str | None:
        """Why the loss or its derivative is not finite at ``z`` (``None`` when both are).

        Names the innermost failing part of the formula.

        Example: ``custom_loss("log(r)").explain_at(-1.0)``
        ``# 'log(r) is undefined for r <= 0, e.g. at r=-1'``
        """
        at = at or f"at {self.variable}={z:g}"
        env = self._env(np.array([float(z)]), float(y_true))
        for tree, prefix in (
            (self.expression, ""),
            (self.derivative_expression, "the formula is finite but its derivative is not: "),
        ):
            values = run_tree(tree, env)
            culprit = find_failure(tree, values)
            if culprit is not None:
                return prefix + _describe(culprit, values, at)
        return None


class _CustomLossOfTarget(CustomLoss):
    """A regression formula that also reads ``y`` or ``yhat``: a point's loss needs its
    ``y_true`` as well as its residual, so the value and slope come from the targets and
    predictions (one tape for both), and ``fit`` trains it on its predictions. A formula in
    ``r`` (or ``m``) alone is an elementwise loss like the built-ins: ``fit`` trains it on
    its slope alone and computes its values after the loop."""

    def _pointwise_and_dpred(
        self, y_true: np.ndarray, y_pred: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        value, slope = self._both.run(self._env(y_pred - y_true, y_true))
        return _fill(value, y_true.shape), _fill(slope, y_true.shape)


def _rebuild(formula: str, task: str, params: dict[str, float]) -> CustomLoss:
    return CustomLoss(formula, task, **params)


def _fill(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    # A formula without the variable (a constant, or a derivative that is 0) gives a scalar.
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != shape:
        arr = np.full(shape, arr)
    return arr


def _describe(node: Node, values: dict[Node, Any], at: str) -> str:
    def val(n: Node) -> float:
        return float(np.ravel(values[n])[0])

    text = to_text(node)
    args = node.args

    def where(n: Node) -> str:  # the value of an argument, unless ``at`` already says it
        return "" if n.op == "var" else f", where {to_text(n)} = {val(n):g}"

    if node.op in ("log", "log2", "log10", "sqrt", "log1p"):
        bound = {"sqrt": "< 0", "log1p": "<= -1"}.get(node.op, "<= 0")
        return f"{text} is undefined for {to_text(args[0])} {bound}, e.g. {at}{where(args[0])}"
    if node.op == "div" and val(args[1]) == 0:
        return f"{text} divides by zero {at}: {to_text(args[1])} = 0 there"
    if node.op == "pow":
        base, exponent = val(args[0]), val(args[1])
        if base < 0 and not float(exponent).is_integer():
            return (
                f"{text} is undefined for negative {to_text(args[0])} with a fractional "
                f"exponent, e.g. {at}{where(args[0])}"
            )
        if base == 0 and exponent < 0:
            return f"{text} is infinite where {to_text(args[0])} = 0, e.g. {at}"
    if np.isnan(val(node)):
        return (
            f"{text} is not a number {at} (it works out as inf - inf, 0 * inf or inf / inf)"
        )
    where_arg = where(args[0]) if len(args) == 1 else ""
    return f"{text} is too large for float64 (beyond about 1.8e308) {at}{where_arg}"


def custom_loss(formula: str, /, task: str = "regression", **params: float) -> CustomLoss:
    """A loss from a formula: ``r`` (residual ``y_pred - y_true``) for regression, ``m``
    (margin ``(2y - 1) f``) for binary classification; ``params`` become named constants.

    The formula language: numbers, the task's variables (regression also has ``y`` and
    ``yhat``), the parameters, ``pi``, ``+ - * / **``, and the functions abs, sqrt, exp,
    expm1, log, log1p, log2, log10, sin, cos, tan, tanh, sinh, cosh, arctan, sign, sigmoid,
    softplus, logaddexp, hypot, minimum (min), maximum (max), clip(x, low, high) and
    where(condition, a, b) with comparisons (< <= > >= == !=) and & | ~ in the condition.
    At most 500 characters. The text is parsed, never run as code.

    Example: ``custom_loss("where(abs(r) < d, r**2/2, d*(abs(r) - d/2))", d=1.0)([0], [3])
    # 2.5, the Huber loss``
    """
    return CustomLoss(formula, task, **params)
