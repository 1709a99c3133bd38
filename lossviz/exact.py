"""``solve``: the exact minimiser of a convex mean loss for the linear model.

Gradient descent (``fit``) walks towards the best parameters; ``solve`` computes them, so a
lesson can show how far a run still is from the answer. The model is ``fit``'s linear one,
``f(x) = x . w + b``, and the parameters come in the same layout: the weights, then the
intercept last. Each loss gets the method that reaches its minimiser to full precision:

- ``mse``: least squares (``numpy.linalg.lstsq``, an SVD).
- ``mae`` and ``quantile``: a linear program, solved by HiGHS (``scipy.optimize.linprog``):
  minimise ``sum tau u_i + (1 - tau) v_i`` over ``Z theta - y = v - u``, ``u, v >= 0``,
  solved in its dual form (``k + 1`` constraints instead of ``n``).
- ``hinge``: a linear program: minimise ``sum xi_i`` over ``xi_i >= 1 - m_i``, ``xi >= 0``,
  also solved in its dual form.
- ``huber``, ``pseudo_huber``, ``log_cosh``, ``cross_entropy``, ``squared_hinge``,
  ``modified_huber``, ``exponential``: Newton's method with a backtracking line search on
  standardised features; where the Hessian is singular (Huber with few points in its
  quadratic zone, squared hinge and modified Huber with few points inside the margin) a
  majorize-minimize step (iteratively reweighted least squares, weights ``l'(z) / z``) takes
  its place, which never increases the loss.

Cross-entropy and the exponential loss have no finite minimum when a line separates the
classes (the loss keeps falling as the weights grow): ``solve`` checks that first, with a
linear program, and raises ``NoFiniteMinimum``, which carries a separating direction.

SciPy is imported inside the functions that use it, so ``import lossviz`` stays fast.

Example: ``lossviz.solve([0, 1, 2, 3], [0, 1, 2, 30], "mae").params  # ~[1, 0]``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from lossviz._validation import as_float_array, as_samples, check_binary_labels
from lossviz.losses import Loss, get_loss
from lossviz.training.models import feature_scale

# The losses solve minimises exactly, and how.
METHODS = {
    "mse": "least squares",
    "mae": "linear program",
    "quantile": "linear program",
    "huber": "newton",
    "pseudo_huber": "newton",
    "log_cosh": "newton",
    "cross_entropy": "newton",
    "hinge": "linear program",
    "squared_hinge": "newton",
    "modified_huber": "newton",
    "exponential": "newton",
}
# The margin losses whose infimum no finite weights reach on separable classes (the others
# reach 0 at any weights that put every point beyond the margin).
UNBOUNDED_WHEN_SEPARABLE = ("cross_entropy", "exponential")
SOLVABLE = tuple(METHODS)
MAX_ITERATIONS = 500  # Newton and majorize-minimize steps together; a few dozen is typical


class NoFiniteMinimum(ValueError):
    """The mean loss has no minimiser: it keeps falling along ``direction`` for ever.

    Raised for cross-entropy when the classes are separable. ``direction`` (weights then
    intercept, unit length) has a margin of 0 or more at every point and more at some: any
    parameters plus a growing multiple of it lower the loss towards its infimum, 0 for the
    points it separates strictly.
    """

    def __init__(self, message: str, direction: np.ndarray) -> None:
        super().__init__(message)
        self.direction = direction


@dataclass(frozen=True)
class Solution:
    """What ``solve`` found.

    Attributes:
        params: the minimiser, ``(k + 1,)``: the weights, then the intercept last (as
            ``fit``'s ``History.params`` rows).
        loss: the mean loss at ``params``.
        loss_name: the loss's name (``"huber"``).
        method: ``"least squares"``, ``"linear program"`` (HiGHS) or ``"newton"``.
        iterations: solver iterations (simplex or interior-point iterations for a linear
            program, Newton and reweighting steps for ``"newton"``, 1 for least squares).
        unique: False when other parameters reach the same loss (rank-deficient features,
            or a linear program with a tie, which ``solve`` does not try to detect: see
            ``message``).
        message: one plain-words sentence about the answer and whether it is the only one.
    """

    params: np.ndarray
    loss: float
    loss_name: str
    method: str
    iterations: int
    unique: bool
    message: str

    def coefficients(self) -> tuple[np.ndarray, float]:
        """The weights and the intercept."""
        return self.params[:-1].copy(), float(self.params[-1])

    def predict(self, x: Any) -> np.ndarray:
        """The model's predictions (scores, for classification) at inputs ``x``."""
        xs = as_float_array(x, "x")
        feats = xs[:, None] if xs.ndim == 1 else xs
        return feats @ self.params[:-1] + self.params[-1]


def solve(x: Any, y: Any, loss: str | Loss, **params: Any) -> Solution:
    """The parameters ``theta = (w, b)`` that minimise ``mean_i l(y_i, x_i . w + b)`` exactly.

    Args:
        x: inputs, shape ``(n,)`` (one feature) or ``(n, k)``.
        y: targets (regression) or labels in {0, 1} (binary classification), shape ``(n,)``.
        loss: a loss name or a loss object of the convex losses ``solve`` knows (``SOLVABLE``:
            mse, mae, quantile, huber, pseudo_huber, log_cosh, cross_entropy, hinge,
            squared_hinge, modified_huber, exponential). Other losses raise ``ValueError``:
            the non-convex ones (Cauchy, Tukey, 0-1) can have several local minima, and no
            exact method is claimed for them.
        **params: the loss's hyperparameters with a loss name (``delta=2.0``, ``tau=0.9``).

    Returns:
        a ``Solution``. When several parameters reach the minimum (collinear features, a
        flat stretch of an absolute-value loss, hinge on separable classes) one of them is
        returned and ``message`` says so where ``solve`` can tell.

    Raises:
        NoFiniteMinimum: cross-entropy or the exponential loss on separable classes (no
            finite minimiser exists).
        ValueError: an unsupported loss, or inputs of the wrong shape or with labels not in
            {0, 1} for a classification loss.

    Example: ``solve([0, 1, 2], [1, 3, 5], "mse").params  # [2.0, 1.0]``
    """
    loss_obj = get_loss(loss, **params)
    name = loss_obj.name
    if name not in METHODS or type(loss_obj) is not type(get_loss(name)):
        raise ValueError(
            f"solve finds exact minimisers for the convex losses {', '.join(SOLVABLE)}; "
            f"got {getattr(loss_obj, 'label', None) or loss_obj!r}"
            + ("" if loss_obj.convex else " (not convex: it can have several local minima)")
            + ". Train other losses with lossviz.fit."
        )
    design, ys = _design(x, y, loss_obj.task)
    p = design.shape[1]
    method = METHODS[name]
    leftover = None
    if name == "mse":  # lstsq's SVD also gives the rank
        theta, _, rank, _ = np.linalg.lstsq(design, ys, rcond=None)
        iterations = 1
    else:
        rank = np.linalg.matrix_rank(design)
        if name in ("mae", "quantile"):
            theta, iterations = _quantile_lp(design, ys, loss_obj.params.get("tau", 0.5))
        elif name == "hinge":
            theta, iterations = _hinge_lp(design, ys)
        else:
            if name in UNBOUNDED_WHEN_SEPARABLE:
                _refuse_separable(design, ys, loss_obj.label)
            theta, iterations, leftover = _newton(design, ys, loss_obj)
    value = loss_obj(ys, design @ theta)
    how = {
        "least squares": "by least squares",
        "linear program": f"by a linear program (HiGHS, {iterations} iterations)",
        "newton": f"by Newton's method ({iterations} step{'s' if iterations != 1 else ''})",
    }[method]
    notes = []
    if leftover is not None:
        what = f"close to the minimiser of the mean {loss_obj.label} loss ({value:.10g})"
        notes.append(
            f"Newton's method stopped before the gradient vanished (its largest part is "
            f"{leftover:.2g})"
        )
    else:
        what = f"the exact minimiser of the mean {loss_obj.label} loss ({value:.10g})"
    if rank < p:
        notes.append(
            f"the features are collinear (rank {rank} of {p}), so other parameters reach the "
            "same loss" + (" and this is the one of least norm" if name == "mse" else "")
        )
    elif name == "hinge" and value == 0.0:
        notes.append(
            "every point is beyond the margin, so every parameter that keeps them there is a "
            "minimiser too"
        )
    elif method == "linear program":
        notes.append("another vertex of the linear program may tie with it")
    return Solution(
        params=theta,
        loss=value,
        loss_name=name,
        method=method,
        iterations=int(iterations),
        unique=rank == p and method != "linear program" and leftover is None,
        message="; ".join([f"{what}, {how}", *notes]),
    )


def _design(x: Any, y: Any, task: str) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = as_samples(x, y)
    if xs.ndim not in (1, 2):
        raise ValueError(f"x must be 1-D or 2-D (samples x features); got shape {xs.shape}")
    if task == "classification":
        check_binary_labels(ys, "y")
    feats = xs[:, None] if xs.ndim == 1 else xs
    return np.column_stack([feats, np.ones(len(feats))]), ys


# -- linear programs ----------------------------------------------------------------------------
def _linprog(c: np.ndarray, **kwargs: Any) -> Any:
    from scipy.optimize import linprog

    result = linprog(c, method="highs", **kwargs)
    if result.status != 0:  # bounded and feasible by construction: only a solver failure
        raise RuntimeError(f"the linear program solver failed: {result.message}")
    return result


def _quantile_lp(design: np.ndarray, ys: np.ndarray, tau: float) -> tuple[np.ndarray, int]:
    """The pinball minimiser, from the dual linear program (Koenker and d'Orey's form).

    Primal: minimise ``sum tau u_i + (1 - tau) v_i`` with ``Z theta + u - v = y``, ``u, v >= 0``
    (``u`` the under-prediction of each point, ``v`` the over-prediction; lossviz's quantile
    loss costs ``tau`` per unit under and ``1 - tau`` over; MAE is twice ``tau = 1/2``).
    Dual: maximise ``y . a`` with ``Z^T a = 0`` and ``tau - 1 <= a_i <= tau``: ``n`` bounded
    variables and only ``k + 1`` constraints, some thirty times faster for HiGHS than the
    primal's ``n`` constraints on 10,000 points. ``theta`` is minus the constraints' marginals.
    """
    n, p = design.shape
    bounds = np.column_stack([np.full(n, tau - 1.0), np.full(n, tau)])
    result = _linprog(-ys, A_eq=design.T, b_eq=np.zeros(p), bounds=bounds)
    theta = -result.eqlin.marginals
    return _polish_vertex(design, ys, theta), result.nit


def _polish_vertex(design: np.ndarray, ys: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """The vertex the linear program stopped at, solved again from the points it passes through.

    A vertex of the absolute-value programs interpolates ``p`` points exactly; the solver's
    answer meets its constraints to about 1e-9 only. Solving ``Z_B theta = y_B`` for the ``p``
    points nearest the fit (when they are the ``p`` points it interpolates, independent, and
    the answer moves by no more than the solver's tolerance) gives the vertex to rounding error.
    """
    p = design.shape[1]
    r = np.abs(design @ theta - ys)
    basis = np.argsort(r)[:p]
    scale = max(float(np.abs(ys).max()), 1.0)
    if r[basis].max() > 1e-6 * scale:
        return theta
    sub = design[basis]
    if np.linalg.matrix_rank(sub) < p:
        return theta
    exact = np.linalg.solve(sub, ys[basis])
    return exact if np.allclose(exact, theta, rtol=1e-6, atol=1e-6 * scale) else theta


def _hinge_lp(design: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, int]:
    """The hinge minimiser, from the dual linear program (the SVM's dual without its
    regulariser).

    Primal: minimise ``sum xi_i`` with ``A theta + xi >= 1``, ``xi >= 0`` (``A``: the design
    times each label's sign, so ``A theta`` are the margins). Dual: maximise ``sum a_i`` with
    ``A^T a = 0`` and ``0 <= a_i <= 1``; ``theta`` is minus the constraints' marginals.
    """
    n, p = design.shape
    signed = design * (2.0 * ys - 1.0)[:, None]
    bounds = np.column_stack([np.zeros(n), np.ones(n)])
    result = _linprog(-np.ones(n), A_eq=signed.T, b_eq=np.zeros(p), bounds=bounds)
    theta = -result.eqlin.marginals
    # Polish as for the absolute-value programs: the points on the margin (m = 1) pin the vertex.
    m = signed @ theta
    on = np.argsort(np.abs(m - 1.0))[:p]
    if np.abs(m[on] - 1.0).max() <= 1e-6 and np.linalg.matrix_rank(signed[on]) == p:
        exact = np.linalg.solve(signed[on], np.ones(p))
        if np.allclose(exact, theta, rtol=1e-6, atol=1e-6):
            theta = exact
    return theta, result.nit


def _refuse_separable(design: np.ndarray, ys: np.ndarray, label: str) -> None:
    """Raise ``NoFiniteMinimum`` when some direction gives every point a margin >= 0 and
    some point a margin > 0: along it cross-entropy (or the exponential loss, ``label``)
    falls towards its infimum for ever.

    Linear program: maximise ``sum m_i`` over directions with ``0 <= m_i <= 1``.
    """
    signed = design * (2.0 * ys - 1.0)[:, None]
    scale = np.abs(signed).max(axis=0)
    scale[scale == 0.0] = 1.0
    a = signed / scale  # columns on one scale: the program's tolerances mean the same for all
    n, p = a.shape
    result = _linprog(
        -a.sum(axis=0),
        A_ub=np.vstack([-a, a]),
        b_ub=np.concatenate([np.zeros(n), np.ones(n)]),
        bounds=[(None, None)] * p,
    )
    direction = result.x / scale
    m = signed @ direction
    if -result.fun <= 1e-7 or m.min() < -1e-9 * np.abs(m).max():
        return
    strict = int(np.sum(m > 1e-9 * np.abs(m).max()))
    direction = direction / np.linalg.norm(direction)
    raise NoFiniteMinimum(
        f"{label} has no finite minimum here: the classes are separable (a boundary puts "
        f"every point on its own side or on it, {strict} of {n} strictly), so the loss keeps "
        "falling (the strictly separated points' share towards 0) as the weights grow "
        "without bound, and gradient descent's weights keep growing. Hinge, squared hinge "
        "and modified Huber have a minimum on such data; or add overlapping points.",
        direction,
    )


# -- Newton's method ----------------------------------------------------------------------------
def _curvatures(loss: Loss) -> tuple[Callable, Callable]:
    """``l''(z)`` and a majorizing curvature ``w(z) >= l''`` for which the quadratic with
    curvature ``w(z0)`` at ``z0`` lies above ``l`` everywhere (IRLS weights ``l'(z) / z`` for
    the even regression losses; the largest ``l''`` for the margin losses)."""
    name = loss.name
    delta = loss.params.get("delta", 1.0)

    def ratio(slope: Callable) -> Callable:
        def weight(z: np.ndarray) -> np.ndarray:
            safe = np.where(z == 0.0, 1.0, z)
            return np.where(z == 0.0, 1.0, slope(safe) / safe)

        return weight

    if name == "huber":
        return (
            lambda r: (np.abs(r) <= delta).astype(np.float64),
            ratio(lambda r: np.clip(r, -delta, delta)),
        )
    if name == "pseudo_huber":
        return (
            lambda r: np.hypot(1.0, r / delta) ** -3.0,
            lambda r: 1.0 / np.hypot(1.0, r / delta),
        )
    if name == "log_cosh":
        return lambda r: 1.0 / np.cosh(np.minimum(np.abs(r), 700.0)) ** 2, ratio(np.tanh)
    if name == "cross_entropy":

        def sech2(m: np.ndarray) -> np.ndarray:
            e = np.exp(-np.abs(m))
            return e / (1.0 + e) ** 2

        return sech2, lambda m: np.full_like(m, 0.25)
    if name == "squared_hinge":
        return lambda m: 2.0 * (m < 1.0), lambda m: np.full_like(m, 2.0)
    if name == "modified_huber":  # (1 - m)^2 on [-1, 1), linear below, 0 above
        return lambda m: 2.0 * ((m >= -1.0) & (m < 1.0)), lambda m: np.full_like(m, 2.0)
    if name == "exponential":
        # No curvature bounds e^-m everywhere; the Newton step with its line search does the
        # work (the loss is smooth and strictly convex where a minimiser exists), and this
        # stand-in is only tried when that search fails, and kept only if it lowers the loss.
        second = lambda m: np.exp(-m)  # noqa: E731
        return second, second
    raise AssertionError(name)  # pragma: no cover - METHODS lists the Newton losses


def _newton(
    design: np.ndarray, ys: np.ndarray, loss: Loss
) -> tuple[np.ndarray, int, float | None]:
    """Minimise ``mean l(z)`` with ``z = A theta + c`` by Newton's method, to full precision.

    Features are standardised first (mean 0, spread 1; the intercept column kept), which
    makes the Hessian well conditioned; the answer is mapped back. Each step tries the
    Newton direction with a backtracking line search; when the Hessian is (nearly) singular
    or the search fails, it takes the majorize-minimize step instead, which always lowers the
    loss. It stops when a full step changes the parameters by less than 1e-13 of their size,
    or the loss stops falling. Returns the parameters, the steps taken, and None when the
    gradient then vanishes up to rounding (each component within 1e-8 of the sum of its
    terms' sizes), else its largest component.
    """
    n, p = design.shape
    mean, std = feature_scale(design[:, :-1])
    zs = np.column_stack([(design[:, :-1] - mean) / std, np.ones(n)])
    if loss.task == "regression":
        a, c = zs, -ys
        theta = np.linalg.lstsq(zs, ys, rcond=None)[0]  # least squares: a close start
    else:
        a, c = zs * (2.0 * ys - 1.0)[:, None], np.zeros(n)
        theta = np.zeros(p)
    second, majorant = _curvatures(loss)

    def objective(t: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        z = a @ t + c
        values, slope = loss._value_deriv(z)
        return float(np.sum(values)) / n, slope, z

    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        value, slope, z = objective(theta)
        iterations = 0
        for iterations in range(1, MAX_ITERATIONS + 1):  # noqa: B007 - counted after the loop
            grad = a.T @ slope / n
            hess = (a * second(z)[:, None]).T @ a / n
            step = _newton_step(hess, grad)
            moved = False
            if step is not None and grad @ step < 0.0:
                t = 1.0
                for _ in range(30):
                    new = theta + t * step
                    new_value, new_slope, new_z = objective(new)
                    if new_value <= value + 1e-4 * t * float(grad @ step):
                        moved = True
                        break
                    t *= 0.5
            if not moved:  # majorize-minimize: the reweighted least-squares step
                major = (a * majorant(z)[:, None]).T @ a / n
                step = np.linalg.lstsq(major, -grad, rcond=None)[0]
                t = 1.0
                new = theta + step
                new_value, new_slope, new_z = objective(new)
                if not new_value <= value:  # rounding: nothing left to gain
                    break
            size = float(np.max(np.abs(t * step)))
            theta, slope, z = new, new_slope, new_z
            done = size <= 1e-13 * max(1.0, float(np.max(np.abs(theta)))) or (
                value - new_value <= 1e-16 * abs(value) and t == 1.0 and size < 1e-9
            )
            value = new_value
            if done:
                break
    grad = a.T @ slope / n
    rounding = np.abs(a).T @ np.abs(slope) / n
    leftover = None if np.all(np.abs(grad) <= 1e-8 * rounding + 1e-300) else float(
        np.abs(grad).max()
    )
    w = theta[:-1] / std
    return np.append(w, theta[-1] - float(w @ mean)), iterations, leftover


def _newton_step(hess: np.ndarray, grad: np.ndarray) -> np.ndarray | None:
    """``-H^-1 g``, or None when ``H`` is too close to singular for the step to mean much."""
    eig = np.linalg.eigvalsh(hess)
    if eig[0] <= 1e-10 * max(eig[-1], 1e-300):
        return None
    return np.linalg.solve(hess, -grad)


class Gap(NamedTuple):
    """How far a gradient-descent run ended from the exact minimiser.

    ``params``: the largest difference of one parameter, ``|theta_T - theta*|_inf``.
    ``loss``: the run's last loss minus the minimum (>= 0 up to rounding).
    ``within``: the first step whose loss is within ``tol`` of the minimum, or None.
    ``tol``: that tolerance.
    """

    params: float
    loss: float
    within: int | None
    tol: float


def gap(history: Any, solution: Solution, tol: float = 1e-3) -> Gap:
    """How far ``history`` (a ``fit`` run of the same loss on the same data) ended from
    ``solution``, and when its loss first came within ``tol`` of the minimum.

    Example::

        run = lossviz.fit(x, y, "mse", lr=0.1, steps=500)
        lossviz.exact.gap(run, lossviz.solve(x, y, "mse")).within   # e.g. 112
    """
    if not tol > 0:
        raise ValueError(f"tol must be a number greater than 0; got {tol}")
    params = np.asarray(history.params, dtype=np.float64)
    if params.shape[1:] != solution.params.shape:
        raise ValueError(
            f"the run has {params.shape[1:]} parameters and the solution "
            f"{solution.params.shape}: they are not the same model"
        )
    losses = np.asarray(history.loss, dtype=np.float64)
    close = np.flatnonzero(losses - solution.loss <= tol)
    return Gap(
        params=float(np.abs(params[-1] - solution.params).max()),
        loss=float(losses[-1] - solution.loss),
        within=int(close[0]) if close.size else None,
        tol=float(tol),
    )

