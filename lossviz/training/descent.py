"""``fit``: train a model with a loss by gradient descent and record every step.

The parameter gradient comes from the loss's exact gradient by the chain rule
(``dL/dtheta = Z.T @ dL/dpred``), never from finite differences. The history records the
parameters, the mean loss and the gradient norm at every step including the start, and says
why the run stopped. It never holds NaN or inf: a run that blows up is cut at its last finite
step and marked diverged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from lossviz._validation import (
    as_float_array,
    as_samples,
    check_binary_labels,
    check_int,
    check_positive,
)
from lossviz.limits import MAX_FIT_STEPS
from lossviz.losses import ElementwiseLoss, Loss, available_losses, get_loss
from lossviz.numbers import figure_text
from lossviz.training.models import Model, feature_scale, make_model, unstandardizing
from lossviz.training.optimizers import make_optimizer
from lossviz.training.schedules import Schedule, get_schedule

MAX_STEPS = MAX_FIT_STEPS
STOP_REASONS = ("budget", "tolerance", "gradient", "early_stopping", "divergence", "time_limit")
_DIVERGENCE_FACTOR = 1e8  # a loss this many times its start has blown up
_PARAM_LIMIT = 1e200  # on the squared norm of the parameters
# The loop looks at the loss, the parameters and the clock every this many steps: often
# enough to stop a blown-up or overdue run within microseconds, rarely enough to cost nothing.
LOOK_EVERY = 16
BLOCK_VALUES = 4096  # losses computed after the loop: about this many values per call
_PERMUTED_AT_ONCE = 4096  # SGD's shuffles: about this many numbers drawn per call


@dataclass(frozen=True)
class History:
    """Everything a gradient-descent run did, one row per step (row 0 is the start).

    Attributes:
        params: ``(steps_run + 1, n_params)``; the weights, then the intercept last. For a
            multiclass loss with ``K`` classes, ``(steps_run + 1, n_params, K)``: a matrix per
            row, a column of weights then intercept per class (predictions are logits).
        loss: mean training loss at each row's parameters.
        grad_norm: Euclidean norm of the full-batch gradient at each row's parameters.
        lr: the learning rate used for each update (``steps_run`` values).
        stop_step: index of the last row (equals ``steps_run``).
        stop_reason: one of ``budget``, ``tolerance``, ``gradient``, ``early_stopping``,
            ``divergence``, ``time_limit``.
        diverged: True when the loss or the parameters blew up; ``diverged_at`` is the step
            where that was seen (the history stops one row before it).
        converged: True when a tolerance rule (``tol`` or ``grad_tol``) stopped the run.
        val_loss: mean loss on the validation data at each row, when validation was given.
        best_step: the row with the lowest validation loss (or training loss without
            validation); ``best_params`` are the parameters there.
        budget: the step budget the run was given (``steps``).
        time_limit: the wall-time limit in seconds, or None.
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
    budget: int | None = None
    time_limit: float | None = None

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

    def coefficients(self, step: int = -1) -> tuple[np.ndarray, Any]:
        """Weights and intercept in raw input units at row ``step`` (see ``Model``); for K
        classes a weight matrix and K intercepts."""
        return self.model.coefficients(self.params[step])

    def describe(self) -> str:
        """One plain-words sentence about how the run ended."""
        last = f"loss {figure_text(self.loss[-1], 4)}"  # 793,600,000, not 7.936e+08
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
                f"at step {self.best_step} ({figure_text(self.val_loss[self.best_step], 4)})"
            )
        if self.stop_reason == "time_limit":
            return (
                f"stopped after {self.stop_step:,} of {self.budget:,} steps: the time limit "
                f"of {self.time_limit:g} s was reached ({last})"
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
    standardize: bool = False,
    time_limit: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
    pause: Callable[[], object] | None = None,
) -> History:
    """Train ``model`` on ``(x, y)`` by minimising the mean ``loss`` with ``optimizer``.

    Step ``t`` takes the predictions ``f = Z theta_t`` (``Z``: the model's features and a
    column of ones), the mean loss ``L = mean_i l(y_i, f_i)`` and its gradient
    ``g_t = Z.T dL/df``, records them, and lets the optimizer move to ``theta_{t+1}`` (plain
    gradient descent: ``theta_{t+1} = theta_t - lr_t g_t``).

    Args:
        x: inputs, shape ``(n,)`` (one feature) or ``(n, k)`` (``k`` features).
        y: targets (regression), labels in {0, 1} (binary classification) or class labels
            0 .. K-1 (multiclass losses; K is one more than the largest label), shape ``(n,)``.
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
        init: starting parameters (weights then intercept; for K classes a ``(k + 1, K)``
            matrix); zeros by default.
        tol: stop once the relative change of the training loss between two steps falls
            below ``tol``.
        grad_tol: stop once the gradient norm falls below ``grad_tol``.
        validation: ``(x_val, y_val)``; the validation loss is recorded at every step.
        patience: with ``validation``, stop once the validation loss has not improved for
            ``patience`` steps.
        standardize: linear model only. Train on standardised features ``(x - mean) / std``
            (each column's mean and spread over the training inputs), so that features on
            very different scales do not force a tiny learning rate. ``lr`` and the
            optimizer's state then live in the standardised units, but everything the
            history reports is in the original units: every row of ``params`` (``init``
            too is given in them), the gradient norms and ``grad_tol``. The minimiser is the
            same; it is reached in fewer steps when the scales differ.
        time_limit: seconds of wall time for the whole call. The clock is read every 16
            steps; once the limit is reached the run stops with the steps it completed
            (``stop_reason == "time_limit"``).
        clock: what ``time_limit`` is measured with: a function returning seconds
            (``time.perf_counter``); tests pass a counter of their own.
        pause: called every 16 steps with no argument (its result is ignored): a server
            that runs many users' fits passes a function that may let another user's work
            go first there, and a ``clock`` that does not count the time spent waiting.

    Returns:
        a ``History``. Divergence (a non-finite loss, or one above 1e8 times the start) stops
        the run; the history keeps only finite rows.

    Example: ``fit([0, 1, 2], [1, 3, 5], "mse", lr=0.1, steps=500).final_params  # ~[2, 1]``
    """
    deadline = None
    if time_limit is not None:  # the clock starts first: the limit is on the whole call
        time_limit = check_positive(time_limit, "time_limit")
        if not callable(clock):
            raise ValueError(f"clock must be a function returning seconds; got {clock!r}")
        deadline = clock() + time_limit
    if pause is not None and not callable(pause):
        raise ValueError(f"pause must be a function or None; got {pause!r}")
    loss_obj = _trainable(loss)
    task = getattr(loss_obj, "task", "regression")
    the_model, design, ys, val_design, val_y = _data(x, y, validation, task, model, degree)
    # K classes train K columns of parameters, kept one after the other in a row of length
    # K (k + 1); every other task has K = 1.
    classes = _n_classes(ys, val_y) if task == "multiclass" else 1
    n, width = design.shape
    p = width * classes
    # Standardising is a change of parameters: Z_s = Z T and theta = T theta_s. The loop runs
    # in theta_s; the rows it writes are mapped back once, after it.
    to_raw = _standardizing(design, model) if standardize else None
    steps = check_int(steps, "steps", low=0, high=MAX_STEPS)
    lr = check_positive(lr, "lr")
    if patience is not None:
        if validation is None:
            raise ValueError("patience needs validation data: pass validation=(x_val, y_val)")
        patience = check_int(patience, "patience", low=1)
    tol = None if tol is None else check_positive(tol, "tol")
    grad_tol = None if grad_tol is None else check_positive(grad_tol, "grad_tol")
    grad_tol2 = None if grad_tol is None else grad_tol * grad_tol  # against the squared norm
    theta0 = _start(init, width, classes)
    raw_grad = None  # g_raw = raw_grad.T @ g_s, with raw_grad = T^-1
    if to_raw is not None:
        raw_grad = np.linalg.inv(to_raw)
        theta0 = _per_class(theta0[None, :], raw_grad.T, classes)[0]
        design = design @ to_raw
        if val_design is not None:
            val_design = val_design @ to_raw
    opt = make_optimizer(
        optimizer, p, {"momentum": momentum, "beta1": beta1, "beta2": beta2, "eps": eps}
    )
    rates = get_schedule(schedule).rates(lr, steps)
    pointwise = _pointwise_and_dpred(loss_obj)
    if optimizer != "sgd" and batch_size is not None:
        raise ValueError("batch_size applies to optimizer='sgd' only")

    # Step t computes z = lhs @ state, the loss's variable at every point, then its slope
    # d = dl/dz, then one product work.T @ d = [gradient of the mean loss, d . z, d . d]
    # (z and d are work's last two columns). A loss declaring sum_from_slope = (a, c) has
    # its sum a (d . z) + c (d . d) read off that product; any other gives its sum itself,
    # at every step or (values_later) after the loop.
    lhs, tail, form, slope_into, sum_and_slope = _variable_space(loss_obj, design, ys, pointwise)
    val_in_loop = validation is not None and patience is not None
    checks = val_in_loop or tol is not None or grad_tol is not None
    # For an elementwise loss without a sum form, what the step itself does not need is
    # computed by ``_rows_after``, a block of steps per product and per call, after the
    # loop: SGD steps along a mini-batch's gradient, so its history's rows (full-data
    # gradient and loss) wait; a loss that computes its value and slope separately (no
    # shared work) trains on its slope alone and its losses wait. Where the loop looks at
    # the loss (every 16 steps, or every step for a rule) it calls the same function on that
    # one row: a row's numbers do not depend on the block, so a run with a rule records the
    # same history as one without. (A sum form makes the full-data row one cheap product.)
    deferrable = form is None and slope_into is not None
    rows_later = deferrable and optimizer == "sgd"
    values_later = deferrable and type(loss_obj)._value_deriv is ElementwiseLoss._value_deriv
    later = rows_later or values_later
    batch_gradient = None
    if optimizer == "sgd":  # a batch's rows: of lhs when it trains in its variable
        batch_gradient = _minibatches(
            np.ascontiguousarray(design if slope_into is None else lhs), ys,
            _batch_gradient(pointwise, slope_into, p, classes), batch_size, seed)
    if classes == 1:
        work = np.empty((n, p + 2), order="F")
        work[:, :p] = lhs[:, :p] / n
        z, d = work[:, p], work[:, p + 1]
        work_t, scaled = work.T, work[:, :p]
    else:  # z and d hold one row per class: the logits and their slopes, transposed
        lhs, work_t = _Logits(design, classes), _LogitGradient(design, classes)
        z, d = np.empty((classes, n)), np.empty((classes, n))
        scaled = None
    # The run is written straight into its history: row t of `states` holds theta_t (then the
    # fixed tail of the state), the product writes row t of `rows` (gradient first), and the
    # optimizer writes theta_{t+1} into the next row of `states`.
    states = np.empty((steps + 1, p + len(tail)))
    states[0, :p] = theta0
    states[:, p:] = tail
    params = states[:, :p]
    rows = np.empty((steps + 1, p + 2))
    grads = rows[:, :p]
    losses = np.empty(steps + 1)
    a, c = (0.0, 0.0) if form is None else form

    def loss_of(row: np.ndarray) -> float:
        """The mean loss of a row, for a loss declaring sum_from_slope."""
        return (a * row.item(p) + (c * row.item(p + 1) if c else 0.0)) / n

    val_losses = np.empty(steps + 1) if val_design is not None else None
    # Early stopping reads the validation loss as the run goes; without it the loss of every
    # row is computed after the loop, in a few batched products instead of one per step.
    stop_reason, converged, last = "budget", False, steps
    best_step, best_val, previous, limit = 0, np.inf, np.nan, -np.inf
    # The last row has no update: no next row, no rate.
    walk = zip(states, params, rows, grads, chain(params[1:], [None]), [*rates.tolist(), None],
               strict=True)
    with np.errstate(all="ignore"):  # blow-ups are detected below, never printed
        for t, (state, theta, row, grad, next_theta, rate) in enumerate(walk):
            look = not t % LOOK_EVERY
            if not rows_later:
                lhs.dot(state, z)
                if form is not None:
                    slope_into(z, d)
                elif values_later:
                    np.copyto(d, slope_into(z))
                else:
                    total, slope = sum_and_slope(z)
                    np.copyto(d, slope)
                    losses[t] = total / n
                work_t.dot(d, row)
            # The loss is looked at when a rule needs it, and every 16 steps to stop a run
            # that blew up (every row is checked after the loop) or ran out of time.
            if checks or look:
                if later:  # (the gradient only for a rule that reads it)
                    _rows_after(states[t : t + 1], lhs, loss_obj, losses[t : t + 1],
                                grads[t : t + 1] if rows_later and checks else None, scaled)
                current = losses.item(t) if form is None else loss_of(row)
            if look:
                if t == 0 and current < np.inf:  # a NaN or infinite start keeps -inf
                    limit = _DIVERGENCE_FACTOR * max(current, 1e-12)
                if not (current <= limit and float(theta @ theta) < _PARAM_LIMIT):
                    last = t
                    break
                if deadline is not None and clock() >= deadline:
                    stop_reason, last = "time_limit", t
                    break
                if pause is not None:
                    pause()
            if checks:
                if val_in_loop:
                    _validation_losses(theta, val_design, val_y, pointwise, classes,
                                       val_losses[t : t + 1])
                    if val_losses[t] < best_val:
                        best_val, best_step = val_losses[t], t
                    elif patience is not None and t - best_step >= patience:
                        stop_reason, last = "early_stopping", t
                        break
                if tol is not None and t > 0:
                    change = abs(current - previous) / max(abs(previous), 1e-300)
                    if change < tol:
                        stop_reason, last, converged = "tolerance", t, True
                        break
                previous = current
                if grad_tol2 is not None and _sq_norm(grad, raw_grad, classes) < grad_tol2:
                    stop_reason, last, converged = "gradient", t, True
                    break
            if next_theta is None:
                break
            # SGD steps along a mini-batch's gradient; the history keeps the full one.
            step = grad if batch_gradient is None else batch_gradient(state)
            opt.step_to(theta, step, rate, next_theta)

    run = slice(0, last + 1)
    if val_losses is not None and not val_in_loop:
        with np.errstate(all="ignore"):  # rows past a blow-up are cut below, as in the loop
            _validation_losses(params[run], val_design, val_y, pointwise, classes,
                               val_losses[run])
    if later:
        if not checks:  # (with a rule the loop has computed every row)
            _rows_after(states[run], lhs, loss_obj, losses[run],
                        grads[run] if rows_later else None, scaled)
    elif form is not None:  # the losses, read off the rows (loss_of's arithmetic, vectorised)
        dots = rows[run, p:]
        losses[run] = (a * dots[:, 0] + (c * dots[:, 1] if c else 0.0)) / n
    # Every row kept must be finite and within bounds: the first that is not is where the
    # run diverged, and the history ends just before it.
    if raw_grad is not None:  # the rows in raw units, as the caller gave x
        params[run] = _per_class(params[run], to_raw.T, classes)
        grads[run] = _per_class(grads[run], raw_grad, classes)
    norms = np.sqrt(np.einsum("ij,ij->i", grads[run], grads[run]))
    sizes = np.einsum("ij,ij->i", params[run], params[run])
    fine = (losses[run] <= limit) & np.isfinite(norms) & (sizes < _PARAM_LIMIT)
    diverged_at = None if fine.all() else int(fine.argmin())  # argmin: the first False
    if diverged_at is not None:
        stop_reason, converged, last = "divergence", False, diverged_at - 1
    if last < 0:
        raise ValueError(
            f"the {getattr(loss_obj, 'label', 'loss')} is not finite at the starting parameters; "
            "choose another start (init) or rescale the data"
        )
    run = slice(0, last + 1)
    val_kept = None if val_losses is None else val_losses[run].copy()
    kept = params[run].copy()
    if classes > 1:  # one matrix per row: (k + 1) x K, a column per class
        kept = kept.reshape(-1, classes, width).transpose(0, 2, 1).copy()
    return History(
        params=kept,
        loss=losses[run].copy(),
        grad_norm=norms[run].copy(),
        lr=rates[:last].copy(),
        stop_step=last,
        stop_reason=stop_reason,
        diverged=stop_reason == "divergence",
        diverged_at=diverged_at,
        converged=converged,
        val_loss=val_kept,
        best_step=int(np.argmin(losses[run] if val_kept is None else val_kept)),
        loss_name=getattr(loss_obj, "label", None) or getattr(loss_obj, "name", "the loss"),
        optimizer=optimizer,
        model=the_model,
        budget=steps,
        time_limit=time_limit,
    )


def _rows_after(
    states: np.ndarray,
    lhs: np.ndarray,
    loss: Any,
    losses: np.ndarray,
    grads: np.ndarray | None = None,
    scaled: np.ndarray | None = None,
) -> None:
    """The mean loss at each row of ``states`` into ``losses``, and with ``grads`` the
    gradient of the mean loss, ``scaled.T @ d`` (``scaled = lhs[:, :p] / n``).

    ``loss``: an elementwise loss that trains in its variable, ``z = lhs @ state``, and
    declares no ``sum_from_slope``. A block of rows takes one product for ``z``, one call
    for the values (and slopes) and one product for the gradients. Products are einsum's:
    numpy sums one row's terms the same way whatever the block (BLAS kernels depend on the
    matrix's shape), so the loop, calling this on single rows, and the caller after it, on
    blocks, agree to the last bit (``tests/test_training_fast_path.py`` checks it on every
    path that uses it).
    """
    n = len(lhs)
    block = max(1, BLOCK_VALUES // n)
    shared = type(loss)._value_deriv is not ElementwiseLoss._value_deriv
    with np.errstate(all="ignore"):
        for start in range(0, len(states), block):
            rows = slice(start, start + block)
            z = np.einsum("tk,ik->ti", states[rows], lhs)  # one row per step
            # The losses are computed one way whether the gradients are wanted or not.
            if shared:
                values, d = loss._value_deriv(z)
                sums = np.add.reduce(values, axis=1)
            else:
                sums = np.add.reduce(loss._value(z), axis=1)
                if grads is not None:
                    d = loss._deriv(z)
            np.divide(sums, n, out=losses[rows])
            if grads is not None:
                grads[rows] = np.einsum("ti,ip->tp", d, scaled)


def _trainable(loss: Any) -> Any:
    """The loss object ``fit`` trains: a built-in by name, or any object with ``pointwise``
    and ``gradient``."""
    loss_obj = get_loss(loss) if isinstance(loss, str) else loss
    if not all(callable(getattr(loss_obj, m, None)) for m in ("pointwise", "gradient")):
        raise ValueError(
            f"loss must be a loss name ({', '.join(available_losses())}) or an object with "
            f"pointwise and gradient methods; got {loss!r}"
        )
    return loss_obj


def _data(
    x: Any, y: Any, validation: Any, task: str, model: str, degree: int | None
) -> tuple[Model, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The model, its design matrix and the targets, checked; the same for validation."""
    xs, ys = as_samples(x, y)
    if task == "classification":
        check_binary_labels(ys, "y")
    elif task == "multiclass":
        _check_class_labels(ys, "y")
    the_model = make_model(model, xs, degree)
    design = the_model.features(xs)
    if validation is None:
        return the_model, design, ys, None, None
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
    elif task == "multiclass":
        _check_class_labels(val_y, "y_val")
    return the_model, design, ys, val_design, val_y


def _check_class_labels(labels: np.ndarray, name: str) -> None:
    bad = (labels != np.round(labels)) | (labels < 0)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} must hold class labels 0, 1, 2, ... (whole numbers); found "
            f"{labels[i]:g} at position {i}"
        )


def _n_classes(ys: np.ndarray, val_y: np.ndarray | None) -> int:
    """K: one more than the largest label seen in training or validation (at least 2)."""
    top = ys.max() if val_y is None else max(ys.max(), val_y.max())
    if top < 1:
        raise ValueError(
            "multiclass losses need at least 2 classes: y holds only the label 0"
        )
    return int(top) + 1


def _start(init: Any, width: int, classes: int) -> np.ndarray:
    """The starting row: zeros, or ``init`` (weights then intercept; for K classes a
    ``(k + 1, K)`` matrix, a column per class) laid out as the loop keeps it."""
    if init is None:
        return np.zeros(width * classes)
    theta0 = as_float_array(init, "init")
    if classes == 1:
        if theta0.shape != (width,):
            raise ValueError(
                f"init must hold {width} numbers (weights then intercept); got {theta0.shape}"
            )
        return theta0
    if theta0.shape != (width, classes):
        raise ValueError(
            f"init must be a {width} x {classes} matrix (a column per class: weights then "
            f"intercept); got shape {theta0.shape}"
        )
    return theta0.T.ravel()


def _per_class(rows: np.ndarray, matrix: np.ndarray, classes: int) -> np.ndarray:
    """Each class's block of every row (``m`` rows of ``K`` blocks) times ``matrix``."""
    m = rows.shape[0]
    return (rows.reshape(m, classes, -1) @ matrix).reshape(m, -1)


class _Logits:
    """The loop's ``lhs`` for K classes: ``dot(state, out)`` writes the logits, transposed
    (``out[j] = Z theta_j``, ``theta_j`` the j-th block of the state)."""

    def __init__(self, design: np.ndarray, classes: int) -> None:
        self.design_t = np.ascontiguousarray(design.T)
        self.shape = (classes, design.shape[1])

    def dot(self, state: np.ndarray, out: np.ndarray) -> None:
        np.dot(state.reshape(self.shape), self.design_t, out=out)


class _LogitGradient:
    """The loop's ``work.T`` for K classes: ``dot(d, row)`` writes the gradient of the mean
    loss, ``Z^T d_j / n`` for each class ``j``, into the row's first ``K (k + 1)`` numbers."""

    def __init__(self, design: np.ndarray, classes: int) -> None:
        self.scaled = design / design.shape[0]
        self.shape = (classes, design.shape[1])
        self.size = classes * design.shape[1]

    def dot(self, d: np.ndarray, row: np.ndarray) -> None:
        np.dot(d, self.scaled, out=row[: self.size].reshape(self.shape))


def _validation_losses(thetas: np.ndarray, val_design: np.ndarray, val_y: np.ndarray,
                       pointwise: Callable, classes: int, out: np.ndarray) -> None:
    """The mean validation loss of each row of ``thetas`` into ``out``, a block of rows at
    a time: one product and one call of the loss per block.

    Each prediction is a product summed along its row, never a BLAS call, so that a row's
    loss has the same bits whether it comes in a block of one (early stopping, in the
    loop) or of thousands (after it): ``patience`` stops where the full run's losses say.
    """
    n_val, width = val_design.shape
    block = max(1, 2**16 // (n_val * classes * width))
    for start in range(0, len(thetas), block):
        rows = thetas[start : start + block].reshape(-1, 1, classes, width)
        # (rows, n_val, K) predictions (logits for K classes), then one sample per line.
        pred = np.add.reduce(rows * val_design[None, :, None, :], axis=3)
        pred = pred.reshape(-1) if classes == 1 else pred.reshape(-1, classes)
        values, _ = pointwise(val_y if len(rows) == 1 else np.tile(val_y, len(rows)), pred)
        out[start : start + len(rows)] = np.add.reduce(values.reshape(len(rows), n_val),
                                                       axis=1) / n_val


def _sq_norm(grad: np.ndarray, raw_grad: np.ndarray | None, classes: int) -> float:
    """The squared norm of a gradient, in raw units (``raw_grad = T^-1`` when standardised)."""
    if raw_grad is None:
        return float(grad @ grad)
    raw = grad.reshape(classes, -1) @ raw_grad
    return float(np.vdot(raw, raw))


def _standardizing(design: np.ndarray, model: str) -> np.ndarray:
    """``T`` with ``Z_s = Z T`` standardised features and ``theta = T theta_s`` raw parameters."""
    if model != "linear":
        raise ValueError(
            "standardize applies to model='linear'; the polynomial model already scales its "
            "features"
        )
    return unstandardizing(*feature_scale(design[:, :-1]))


def _minibatches(
    rows: np.ndarray,
    ys: np.ndarray,
    gradient: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    batch_size: int | None,
    seed: int,
) -> Callable[[np.ndarray], np.ndarray]:
    """``state -> gradient of the mean loss over the next mini-batch`` for SGD.

    Batches of ``batch_size`` (default ``min(32, n)``) walk a seeded permutation of the
    points; a new permutation starts when too few points are left for a whole batch. Each
    permutation gathers ``rows`` and ``ys`` in its order once, and a batch is a slice of
    them; ``gradient(rows_b, ys_b, state)`` is the batch's summed gradient.
    """
    n = len(ys)
    batch = check_int(min(32, n) if batch_size is None else batch_size, "batch_size", low=1)
    batch = min(batch, n)
    orders = _permutations(n, check_int(seed, "seed", low=0))
    order = next(orders)
    shuffled, shuffled_y, cursor = rows.take(order, axis=0), ys.take(order), 0

    def batch_gradient(state: np.ndarray) -> np.ndarray:
        nonlocal shuffled, shuffled_y, cursor
        if cursor + batch > n:
            order = next(orders)
            shuffled, shuffled_y, cursor = rows.take(order, axis=0), ys.take(order), 0
        chosen = slice(cursor, cursor + batch)
        cursor += batch
        g = gradient(shuffled[chosen], shuffled_y[chosen], state)  # a new array
        g /= batch
        return g

    return batch_gradient


def _permutations(n: int, seed: int) -> Iterator[np.ndarray]:
    """The permutations of ``range(n)`` that ``rng.permutation(n)`` gives call after call
    (``rng`` seeded with ``seed``), drawn about ``_PERMUTED_AT_ONCE`` numbers at a time:
    ``Generator.permuted`` shuffles each row of a stack with the same draws, in about a
    fifth of the time per permutation (0.8 against 3.8 us for 40 points)."""
    rng = np.random.default_rng(seed)
    stack = np.tile(np.arange(n), (max(1, _PERMUTED_AT_ONCE // max(n, 1)), 1))
    while True:
        yield from rng.permuted(stack, axis=1)


def _batch_gradient(
    pointwise: Callable, slope: Callable | None, p: int, classes: int
) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """``(rows, ys, state) -> summed gradient`` of a batch's losses, as the loop has them.

    ``slope``: the loss's ``_deriv`` when it trains in its variable (``rows`` are the loop's
    ``lhs``, ``z = rows @ state``): only the slope is computed, never the values. Otherwise
    ``rows`` are the design matrix's and ``state`` starts with the parameters.
    """
    if slope is not None:
        return lambda rows, ys, state: rows[:, :p].T @ slope(rows @ state)
    if classes == 1:

        def gradient(rows: np.ndarray, ys: np.ndarray, state: np.ndarray) -> np.ndarray:
            _, dpred = pointwise(ys, rows @ state[:p])
            return rows.T @ dpred

        return gradient

    def multiclass(rows: np.ndarray, ys: np.ndarray, state: np.ndarray) -> np.ndarray:
        _, dlogits = pointwise(ys, rows @ state[:p].reshape(classes, -1).T)
        return (dlogits.T @ rows).ravel()

    return multiclass


def _variable_space(
    loss: Any, design: np.ndarray, ys: np.ndarray, pointwise: Callable
) -> tuple[np.ndarray, list[float], tuple[float, float] | None, Callable | None, Callable]:
    """What a training step multiplies and differentiates, for ``loss``.

    Returns ``(lhs, tail, form, slope_into, sum_and_slope)``: the step's variable is
    ``z = lhs @ [theta, *tail]`` and the gradient of the mean loss ``lhs[:, :p].T @ d / n``
    with ``d = dl/dz``. For an elementwise loss ``z`` is the residual (``lhs = [Z, -y]``,
    ``tail = [1]``: one product, y folded in) or the margin (``lhs`` = Z times the label
    signs); ``form`` is its ``sum_from_slope`` and ``slope_into(z, out)`` its ``_deriv``.
    Any other loss sees ``z`` = the predictions. ``sum_and_slope(z)`` gives the sum of the
    losses and ``d`` when ``form`` is None.
    """
    if getattr(loss, "task", None) == "multiclass":

        def sum_and_dlogits(logits_t: np.ndarray) -> tuple[float, np.ndarray]:
            values, dlogits = pointwise(ys, logits_t.T)
            return float(np.add.reduce(values)), dlogits.T

        return design, [], None, None, sum_and_dlogits

    if not _in_variable_space(loss):

        def sum_and_dpred(pred: np.ndarray) -> tuple[float, np.ndarray]:
            values, dpred = pointwise(ys, pred)
            return float(np.add.reduce(values)), dpred

        return np.asfortranarray(design), [], None, None, sum_and_dpred

    def sum_and_slope(z: np.ndarray) -> tuple[float, np.ndarray]:
        values, slope = loss._value_deriv(z)
        return float(np.add.reduce(values)), slope

    if loss.task == "regression":
        lhs, tail = np.column_stack([design, -ys]), [1.0]
    else:
        lhs, tail = design * (2.0 * ys - 1.0)[:, None], []
    # Column-major: lhs @ state is a sweep down a few long columns.
    return np.asfortranarray(lhs), tail, loss.sum_from_slope, loss._deriv, sum_and_slope


def _in_variable_space(loss: Any) -> bool:
    """Whether ``fit`` may train ``loss`` as a function of its residual or margin alone.

    True for elementwise losses that keep ``ElementwiseLoss``'s way of turning
    ``(y_true, y_pred)`` into ``z``; a loss whose formula also reads ``y`` (a custom formula
    with ``y`` in it) overrides ``_pointwise_and_dpred`` and trains through it instead.
    """
    return (
        isinstance(loss, ElementwiseLoss)
        and loss.task in ("regression", "classification")
        and type(loss)._pointwise_and_dpred is ElementwiseLoss._pointwise_and_dpred
    )


def _pointwise_and_dpred(loss: Any) -> Callable[[np.ndarray, np.ndarray], Any]:
    """``(y_true, y_pred) -> (values, dpred)``, unchecked, for any loss-like object.

    ``dpred`` is the derivative of each point's loss (not of the mean). A duck-typed loss that
    raises on numbers it cannot handle gives NaN, which ``fit`` reports as divergence.
    """
    if isinstance(loss, Loss):
        return loss._pointwise_and_dpred

    def generic(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        try:
            values = np.asarray(loss.pointwise(y_true, y_pred), dtype=np.float64)
            dpred = np.asarray(loss.gradient(y_true, y_pred), dtype=np.float64) * len(y_pred)
        except (ValueError, FloatingPointError, OverflowError):
            nan = np.full(len(y_pred), np.nan)
            return nan, nan
        if values.shape != y_pred.shape or dpred.shape != y_pred.shape:
            raise ValueError(
                "a loss's pointwise and gradient must give one number per point, shape "
                f"{y_pred.shape}; got shapes {values.shape} and {dpred.shape}"
            )
        return values, dpred

    return generic
