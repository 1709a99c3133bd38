"""``fit``: train a model with a loss by gradient descent and record every step.

The parameter gradient comes from the loss's exact gradient by the chain rule
(``dL/dtheta = Z.T @ dL/dpred``), never from finite differences. The history records the
parameters, the mean loss and the gradient norm at every step including the start, and says
why the run stopped. It never holds NaN or inf: a run that blows up is cut at its last finite
step and marked diverged.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossviz._validation import (
    as_float_array,
    check_binary_labels,
    check_int,
    check_positive,
)
from lossviz.limits import MAX_FIT_STEPS
from lossviz.losses import ElementwiseLoss, Loss, available_losses, get_loss
from lossviz.training.models import Model, make_model
from lossviz.training.optimizers import Optimizer, make_optimizer
from lossviz.training.schedules import Schedule, get_schedule

MAX_STEPS = MAX_FIT_STEPS
STOP_REASONS = ("budget", "tolerance", "gradient", "early_stopping", "divergence")
_DIVERGENCE_FACTOR = 1e8
_PARAM_LIMIT = 1e200  # on the squared norm of the parameters
# Plain gradient descent updates up to this many parameters in Python floats: on so few
# numbers that beats numpy's two calls per step (measured: about 0.4 us a step less with 2
# parameters, still less with 6, more from about 8).
_FEW_PARAMS = 6


@dataclass(frozen=True)
class History:
    """Everything a gradient-descent run did, one row per step (row 0 is the start).

    Attributes:
        params: ``(steps_run + 1, n_params)``; the weights, then the intercept last.
        loss: mean training loss at each row's parameters.
        grad_norm: Euclidean norm of the full-batch gradient at each row's parameters.
        lr: the learning rate used for each update (``steps_run`` values).
        stop_step: index of the last row (equals ``steps_run``).
        stop_reason: one of ``budget``, ``tolerance``, ``gradient``, ``early_stopping``,
            ``divergence``.
        diverged: True when the loss or the parameters blew up; ``diverged_at`` is the step
            where that was seen (the history stops one row before it).
        converged: True when a tolerance rule (``tol`` or ``grad_tol``) stopped the run.
        val_loss: mean loss on the validation data at each row, when validation was given.
        best_step: the row with the lowest validation loss (or training loss without
            validation); ``best_params`` are the parameters there.
    """

    params: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    lr: np.ndarray
    stop_step: int
    stop_reason: str
    diverged: bool
    diverged_at: int | None
    converged: bool
    val_loss: np.ndarray | None
    best_step: int
    loss_name: str
    optimizer: str
    model: Model

    @property
    def steps_run(self) -> int:
        return self.stop_step

    @property
    def final_params(self) -> np.ndarray:
        return self.params[-1]

    @property
    def best_params(self) -> np.ndarray:
        return self.params[self.best_step]

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def predict(self, x: Any, step: int = -1) -> np.ndarray:
        """The model's predictions (scores, for classification) at row ``step``."""
        return self.model.predict(self.params[step], x)

    def coefficients(self, step: int = -1) -> tuple[np.ndarray, float]:
        """Weights and intercept in raw input units at row ``step`` (see ``Model``)."""
        return self.model.coefficients(self.params[step])

    def describe(self) -> str:
        """One plain-words sentence about how the run ended."""
        last = f"loss {self.loss[-1]:.4g}"
        if self.stop_reason == "divergence":
            return (
                f"diverged at step {self.diverged_at}: the learning rate is too large for "
                f"{self.loss_name} here (last finite {last} at step {self.stop_step})"
            )
        if self.stop_reason == "tolerance":
            return f"converged at step {self.stop_step}: the loss stopped changing ({last})"
        if self.stop_reason == "gradient":
            return f"converged at step {self.stop_step}: the gradient is nearly zero ({last})"
        if self.stop_reason == "early_stopping":
            assert self.val_loss is not None
            return (
                f"stopped early at step {self.stop_step}: the validation loss last improved "
                f"at step {self.best_step} ({self.val_loss[self.best_step]:.4g})"
            )
        return f"ran all {self.stop_step} steps ({last})"


def fit(
    x: Any,
    y: Any,
    loss: str | Loss,
    *,
    model: str = "linear",
    degree: int | None = None,
    optimizer: str = "gd",
    lr: float = 0.1,
    steps: int = 100,
    schedule: str | Schedule | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    init: Any = None,
    momentum: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
    eps: float | None = None,
    tol: float | None = None,
    grad_tol: float | None = None,
    validation: tuple[Any, Any] | None = None,
    patience: int | None = None,
) -> History:
    """Train ``model`` on ``(x, y)`` by minimising the mean ``loss`` with ``optimizer``.

    Args:
        x: inputs, shape ``(n,)`` or ``(n, d)``.
        y: targets (regression) or labels in {0, 1} (binary classification), shape ``(n,)``.
        loss: a loss name (``"huber"``) or a loss object, built-in or custom; any object with
            ``pointwise`` and ``gradient`` works.
        model: ``"linear"`` (``f = x.w + b``) or ``"poly"`` (polynomial of ``degree`` in 1-D
            ``x`` on scaled features).
        optimizer: ``"gd"`` (full batch), ``"sgd"`` (mini-batches of ``batch_size``, default
            ``min(32, n)``, reshuffled each epoch from ``seed``), ``"momentum"`` and
            ``"nesterov"`` (``momentum``, default 0.9), ``"adam"`` (``beta1``, ``beta2``,
            ``eps``; defaults 0.9, 0.999, 1e-8).
        lr: base learning rate; ``schedule`` (a name or ``get_schedule(...)``) varies it.
        steps: the step budget (at most 100,000).
        init: starting parameters (weights then intercept); zeros by default.
        tol: stop once the relative change of the training loss between two steps falls
            below ``tol``.
        grad_tol: stop once the gradient norm falls below ``grad_tol``.
        validation: ``(x_val, y_val)``; the validation loss is recorded at every step.
        patience: with ``validation``, stop once the validation loss has not improved for
            ``patience`` steps.

    Returns:
        a ``History``. Divergence (a non-finite loss, or one above 1e8 times the start) stops
        the run; the history keeps only finite rows.

    Example: ``fit([0, 1, 2], [1, 3, 5], "mse", lr=0.1, steps=500).final_params  # ~[2, 1]``
    """
    loss_obj = get_loss(loss) if isinstance(loss, str) else loss
    if not all(callable(getattr(loss_obj, m, None)) for m in ("pointwise", "gradient")):
        raise ValueError(
            f"loss must be a loss name ({', '.join(available_losses())}) or an object with "
            f"pointwise and gradient methods; got {loss!r}"
        )
    task = getattr(loss_obj, "task", "regression")
    if task == "multiclass":
        raise ValueError(
            "fit trains regression and binary classification losses; for multiclass losses "
            "use loss.gradient on the logits"
        )
    xs = as_float_array(x, "x")
    ys = as_float_array(y, "y")
    if ys.ndim != 1:
        raise ValueError(f"y must be 1-D (one target per sample); got shape {ys.shape}")
    if xs.shape[0] != ys.shape[0]:
        raise ValueError(
            f"x and y must have the same number of samples; got {xs.shape[0]} and {ys.shape[0]}"
        )
    if task == "classification":
        check_binary_labels(ys, "y")
    steps = check_int(steps, "steps", low=0, high=MAX_STEPS)
    lr = check_positive(lr, "lr")
    the_model = make_model(model, xs, degree)
    design = the_model.features(xs)
    n, p = design.shape

    val_design = val_y = None
    if validation is not None:
        try:
            vx, vy = validation
        except (TypeError, ValueError):
            raise ValueError("validation must be a pair (x_val, y_val)") from None
        val_design = the_model.features(vx)
        val_y = as_float_array(vy, "y_val")
        if val_y.shape != (val_design.shape[0],):
            raise ValueError("x_val and y_val must have the same number of samples")
        if task == "classification":
            check_binary_labels(val_y, "y_val")
    if patience is not None:
        if validation is None:
            raise ValueError("patience needs validation data: pass validation=(x_val, y_val)")
        patience = check_int(patience, "patience", low=1)
    if tol is not None:
        tol = check_positive(tol, "tol")
    if grad_tol is not None:
        grad_tol = check_positive(grad_tol, "grad_tol")

    theta = np.zeros(p) if init is None else as_float_array(init, "init").copy()
    if theta.shape != (p,):
        raise ValueError(f"init must hold {p} numbers (weights then intercept); got {theta.shape}")
    opt = make_optimizer(
        optimizer, p, {"momentum": momentum, "beta1": beta1, "beta2": beta2, "eps": eps}
    )
    rates = get_schedule(schedule).rates(lr, steps)
    stochastic = optimizer == "sgd"
    if stochastic:
        batch = check_int(min(32, n) if batch_size is None else batch_size, "batch_size", low=1)
        batch = min(batch, n)
        rng = np.random.default_rng(check_int(seed, "seed", low=0))
        order = rng.permutation(n)
        cursor = 0
    elif batch_size is not None:
        raise ValueError("batch_size applies to optimizer='sgd' only")

    evaluate, evaluate_sum = _evaluators(loss_obj)
    sum_deriv = _variable_space(loss_obj)
    if sum_deriv is not None:
        # Elementwise losses are trained in the space of their variable z (residual or
        # margin): z = A @ state is one matrix-vector product with y (or the label signs)
        # folded into A, and the parameter gradient is A[:, :p].T @ dl/dz / n.
        if task == "regression":
            lhs = np.column_stack([design, -ys])
            start = np.append(theta, 1.0)
        else:
            lhs = design * (2.0 * ys - 1.0)[:, None]
            start = theta
    else:
        lhs, start = design, theta
    # Column-major A makes A @ state a fast column sweep.
    lhs = np.asfortranarray(lhs)
    fast = _fast_form(loss_obj) if sum_deriv is not None else None
    # The run is written straight into its history: row t of `states` is the state at step t
    # (its first p entries the parameters, then the 1 that multiplies -y), and the gradient
    # product writes row t of `rows`; the optimizer writes the next state. No copies per step.
    # (`states` has one spare row so the loop can walk all the rows it needs in step.)
    states = np.empty((steps + 2, len(start)))
    states[:] = start
    params = states[:, :p]
    if fast is not None:
        # Losses with sum l = a (d . z) + c (d . d), d = dl/dz: z (and d when c != 0) are
        # the last columns of W = [A/n | z | d], so one product W.T @ d gives the gradient of
        # the mean, d . z and d . d together. When d = k z (MSE), W = [k A/n | z] and the
        # product is taken with z itself: no derivative array at all.
        k, a, c = fast
        used = p + (2 if c else 1)
        work = np.zeros((n, _padded(used)), order="F")
        work[:, :p] = lhs[:, :p] / n
        zbuf = work[:, p]
        if k is not None:
            work[:, :p] *= k  # exact for k = 2
            dbuf, deriv_into = zbuf, None
        else:
            dbuf = work[:, p + 1] if c else np.empty(n)
            deriv_into = loss_obj._deriv_into
        gdot = work.T.dot
        width = work.shape[1]
    else:
        zbuf = np.empty(n)
        width = _padded(p)
        lhs_tn = np.zeros((width, n))
        lhs_tn[:p] = lhs[:, :p].T / n  # scaled once: one product gives the mean's gradient
        gdot = lhs_tn.dot
    rows = np.empty((steps + 1, width))  # the gradient, then d . z and d . d on the fast path
    grads = rows[:, :p]
    losses: list[float] = []  # lists: appending a float is cheaper than numpy item assignment
    rate_list = rates.tolist()
    val_losses = np.empty(steps + 1) if val_design is not None else None
    stop_reason, diverged_at, converged = "budget", None, False
    best_step, best_val = 0, np.inf
    last = steps
    limit = np.inf
    grad_tol2 = None if grad_tol is None else grad_tol * grad_tol
    # Checks that only some runs need are skipped per step unless asked for; step 0 always
    # runs them (it sets the divergence limit).
    optional = val_losses is not None or tol is not None or grad_tol2 is not None
    total = np.add.reduce
    # Bound methods: a fraction of a microsecond less per call than np.dot or @.
    zdot, step_to, multiply, subtract = lhs.dot, opt.step_to, np.multiply, np.subtract
    plain = type(opt) is Optimizer  # its update is written inline below: a call less per step
    isfinite = math.isfinite
    checks = True
    previous = math.nan  # the loss at the step before, for tol
    state, theta = states[0], params[0]
    # A run on the fast path with no per-step check to make (the common case, and the
    # benchmark's) takes the lean loop; every other run the general one below.
    lean = fast is not None and not optional and not stochastic
    with np.errstate(all="ignore"):  # blow-ups are detected below, never printed
        if lean:
            last, diverged_at, limit = _descend(
                zdot, gdot, deriv_into, zbuf, dbuf, rows, grads, states, params, rate_list,
                opt, a, c,
            )
            if diverged_at is not None:
                stop_reason = "divergence"
        else:
            # Walking the history rows with zip makes each row's view in C (cheaper than
            # indexing); the last row has no update, so no rate.
            walk = zip(
                range(steps + 1), rows, grads, states[1:], params[1:], _rate_arrays(rate_list),
                strict=True,
            )
            for t, row, grad, next_state, next_theta, rate in walk:
                zdot(state, zbuf)  # out given by position: a little cheaper than by keyword
                if fast is not None:
                    if deriv_into is not None:
                        deriv_into(zbuf, dbuf)
                    gdot(dbuf, row)
                    # The loss is read off the rows after the loop (and every row checked there);
                    # here only when a check needs it, and every 64 steps to stop a blown-up run.
                    if checks or not t & 63:
                        current = (a * row.item(p) + c * row.item(p + 1)) / n if c else (
                            a * row.item(p) / n
                        )
                        if not current <= limit:  # also catches NaN
                            stop_reason, diverged_at, last = "divergence", t, t - 1
                            break
                else:
                    if sum_deriv is not None:
                        current, deriv = sum_deriv(zbuf)
                    else:
                        current, deriv = evaluate_sum(ys, zbuf)
                    current /= n
                    try:
                        gdot(deriv, out=row)
                    except (TypeError, ValueError):  # a derivative that is not float64: convert it
                        row[:] = lhs_tn @ np.asarray(deriv, dtype=np.float64)
                    if not current <= limit:  # also catches NaN; the gradient is checked later
                        stop_reason, diverged_at, last = "divergence", t, t - 1
                        break
                    losses.append(current)
                if checks:
                    checks = optional
                    if t == 0:
                        finite = isfinite(current)
                        limit = _DIVERGENCE_FACTOR * max(current, 1e-12) if finite else -1.0
                        if limit < 0:
                            stop_reason, diverged_at, last = "divergence", 0, -1
                            break
                    if val_losses is not None:
                        vv, _ = evaluate(val_y, val_design @ theta)
                        val_losses[t] = float(total(vv)) / len(vv)
                        if val_losses[t] < best_val:
                            best_val, best_step = val_losses[t], t
                        elif patience is not None and t - best_step >= patience:
                            stop_reason, last = "early_stopping", t
                            break
                    if t > 0 and tol is not None:
                        change = abs(current - previous) / max(abs(previous), 1e-300)
                        if change < tol:
                            stop_reason, last, converged = "tolerance", t, True
                            break
                    previous = current
                    if grad_tol2 is not None and float(grad @ grad) < grad_tol2:
                        stop_reason, last, converged = "gradient", t, True
                        break
                if t == steps:
                    break
                if stochastic:
                    if cursor + batch > n:
                        order, cursor = rng.permutation(n), 0
                    batch_rows = order[cursor : cursor + batch]
                    cursor += batch
                    _, dbatch = evaluate(ys[batch_rows], design[batch_rows] @ theta)
                    grad = (design[batch_rows].T @ dbatch) / len(batch_rows)
                if plain:  # Optimizer.step_to, through the next row: no new array
                    multiply(grad, rate, next_theta)
                    subtract(theta, next_theta, next_theta)
                else:
                    step_to(theta, grad, rate, next_theta)
                state, theta = next_state, next_theta
                # A loss that stays finite for any parameters (0-1, Tukey) would never flag a
                # blow-up: look at the parameters every 64 steps (and at every row after the loop).
                if not t & 63 and not float(theta @ theta) < _PARAM_LIMIT:
                    stop_reason, diverged_at, last = "divergence", t + 1, t
                    break

    if fast is not None and last >= 0:
        # The fast path's losses, read off its rows: the same arithmetic as in the loop. The
        # first one above the limit (or NaN) is where the run diverged.
        dots = rows[: last + 1]
        loss_arr = (a * dots[:, p] + c * dots[:, p + 1]) / n if c else a * dots[:, p] / n
        fine = loss_arr <= limit
        if not fine.all():
            stop_reason, diverged_at, converged = "divergence", int(fine.argmin()), False
            last = diverged_at - 1
    else:
        loss_arr = np.array(losses)

    if last >= 0:
        # Rows whose parameters or gradient blew up while the loss stayed finite: the run
        # diverged at the first of them.
        rows_kept = slice(0, last + 1)
        norms = np.sqrt(np.einsum("ij,ij->i", grads[rows_kept], grads[rows_kept]))
        sizes = np.einsum("ij,ij->i", params[rows_kept], params[rows_kept])
        fine = np.isfinite(norms) & (sizes < _PARAM_LIMIT)
        if not fine.all():  # argmin: the first False
            stop_reason, diverged_at, converged = "divergence", int(fine.argmin()), False
            last = diverged_at - 1

    if last < 0:
        raise ValueError(
            f"the {getattr(loss_obj, 'label', 'loss')} is not finite at the starting parameters; "
            "choose another start (init) or rescale the data"
        )
    kept = slice(0, last + 1)
    loss_arr = loss_arr[kept].copy()
    val_kept = None if val_losses is None else val_losses[kept].copy()
    best_step = int(np.argmin(loss_arr if val_kept is None else val_kept))
    return History(
        params=params[kept].copy(),
        loss=loss_arr,
        grad_norm=norms[kept].copy(),
        lr=rates[:last].copy(),
        stop_step=last,
        stop_reason=stop_reason,
        diverged=stop_reason == "divergence",
        diverged_at=diverged_at,
        converged=converged,
        val_loss=val_kept,
        best_step=best_step,
        loss_name=getattr(loss_obj, "label", None) or getattr(loss_obj, "name", "the loss"),
        optimizer=optimizer,
        model=the_model,
    )


def _descend(
    zdot, gdot, deriv_into, zbuf, dbuf, rows, grads, states, params, rates, opt, a, c
) -> tuple[int, int | None, float]:
    """The fast path's loop for a run with no per-step check: ``fit``'s loop, lean.

    Writes the history rows in place (see ``fit``) and returns the last row, the step where
    the run was seen to blow up (or None) and the divergence limit on the loss. It looks at
    the loss and the parameters every 64 steps only, to stop a run that blew up; ``fit``
    checks every row after the loop, so divergence is still reported at its exact step.
    ``rates`` are the learning rates as Python floats.
    """
    n, p = len(zbuf), grads.shape[1]
    limit = math.inf

    def fine(t: int) -> bool:
        """Whether step t's loss and parameters are within bounds (step 0 sets the bound)."""
        nonlocal limit
        row, theta = rows[t], params[t]
        current = (a * row.item(p) + c * row.item(p + 1)) / n if c else a * row.item(p) / n
        if t == 0:
            if not math.isfinite(current):
                return False
            limit = _DIVERGENCE_FACTOR * max(current, 1e-12)
        return current <= limit and float(theta @ theta) < _PARAM_LIMIT

    state = states[0]
    if type(opt) is Optimizer and p <= _FEW_PARAMS:
        # Plain gradient descent on a few parameters: theta - lr * g in Python floats (the
        # same IEEE arithmetic as numpy's), cheaper than two numpy calls on a few numbers.
        theta = params[0].tolist()
        which = range(p)
        walk = zip(range(len(rows)), rows, states[1:], [*rates, None], strict=True)
        for t, row, next_state, rate in walk:
            zdot(state, zbuf)  # out given by position: a little cheaper than by keyword
            if deriv_into is not None:
                deriv_into(zbuf, dbuf)
            gdot(dbuf, row)
            if not t & 63 and not fine(t):
                return t - 1, t, limit
            if rate is None:
                return t, None, limit
            g = row.tolist()
            for i in which:
                theta[i] = value = theta[i] - rate * g[i]
                next_state[i] = value
            state = next_state
    else:
        multiply, subtract = np.multiply, np.subtract
        step_to = None if type(opt) is Optimizer else opt.step_to  # plain GD: updated inline
        theta = params[0]
        walk = zip(
            range(len(rows)), rows, grads, states[1:], params[1:], _rate_arrays(rates),
            strict=True,
        )
        for t, row, grad, next_state, next_theta, rate in walk:
            zdot(state, zbuf)
            if deriv_into is not None:
                deriv_into(zbuf, dbuf)
            gdot(dbuf, row)
            if not t & 63 and not fine(t):
                return t - 1, t, limit
            if rate is None:
                return t, None, limit
            if step_to is None:  # Optimizer.step_to, through the next row: no new array
                multiply(grad, rate, next_theta)
                subtract(theta, next_theta, next_theta)
            else:
                step_to(theta, grad, rate, next_theta)
            state, theta = next_state, next_theta
    raise AssertionError("unreachable: the last row returns")


def _rate_arrays(rates: list[float]) -> list[np.ndarray | None]:
    """The learning rates as 0-d arrays, then None (the last row has no update).

    numpy scales an array by a 0-d array faster than by a Python float (same numbers).
    """
    if rates and min(rates) == max(rates):
        return [np.array(rates[0])] * len(rates) + [None]
    return [np.array(r) for r in rates] + [None]


def _padded(width: int) -> int:
    """``width`` rounded up to a multiple of 4.

    OpenBLAS computes ``M @ v`` for a row-major ``M`` four rows at a time; a leftover row or
    two costs more than a zero row (3 rows of 1,000: about 0.9 us; 4 rows: about 0.65 us).
    """
    return -(-width // 4) * 4


def _variable_space(loss: Any):
    """``_sum_deriv(z)`` of a built-in-style elementwise loss, or None.

    Only when the loss is a function of its variable alone, i.e. it keeps the
    ``ElementwiseLoss`` way of turning ``(y_true, y_pred)`` into ``z`` (a loss whose formula
    also reads ``y`` overrides that, and trains through ``_sum_and_dpred`` instead).
    """
    cls = type(loss)
    if (
        isinstance(loss, ElementwiseLoss)
        and loss.task in ("regression", "classification")
        and cls._sum_and_dpred is ElementwiseLoss._sum_and_dpred
        and cls._pointwise_and_dpred is ElementwiseLoss._pointwise_and_dpred
    ):
        return loss._sum_deriv
    return None


def _fast_form(loss: ElementwiseLoss) -> tuple[float | None, float, float] | None:
    """``(k, a, c)`` of the training fast path, or None (see ``ElementwiseLoss._dot_form``).

    ``k`` is the loss's ``_linear_deriv`` (``dl/dz = k z``, and then ``a = k / 2``, ``c = 0``)
    or None, and ``(a, c)`` its ``_dot_form``. Declared forms hold for the class that declares
    them: if a subclass redefines the loss below it, the fast path is off for that subclass.
    """
    return _class_fast_form(type(loss))


@functools.lru_cache(maxsize=64)  # per class: walking the class tree costs ~15 us per fit
def _class_fast_form(cls: type) -> tuple[float | None, float, float] | None:
    mro = cls.__mro__

    def owner(name: str) -> type:
        return next(klass for klass in mro if name in vars(klass))

    def redefined_below(declared_by: type) -> bool:
        return any(
            not issubclass(declared_by, owner(name))
            for name in ("_value", "_deriv", "_value_deriv", "_sum_deriv", "_deriv_into")
        )

    k = cls._linear_deriv
    if k is not None and not redefined_below(owner("_linear_deriv")):
        return float(k), 0.5 * float(k), 0.0
    form = cls._dot_form
    if form is not None and not redefined_below(owner("_dot_form")):
        return None, float(form[0]), float(form[1])
    return None


def _evaluators(loss: Any):
    """Two unchecked callables: (values, dpred) and (sum, dpred); any loss-like object works."""
    if isinstance(loss, Loss):
        return loss._pointwise_and_dpred, loss._sum_and_dpred

    def generic(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        try:
            return (
                np.asarray(loss.pointwise(y_true, y_pred), dtype=np.float64),
                np.asarray(loss.gradient(y_true, y_pred), dtype=np.float64) * len(y_pred),
            )
        except (ValueError, FloatingPointError, OverflowError):
            nan = np.full(len(y_pred), np.nan)
            return nan, nan

    def generic_sum(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, np.ndarray]:
        values, dpred = generic(y_true, y_pred)
        return float(np.sum(values)), dpred

    return generic, generic_sum
