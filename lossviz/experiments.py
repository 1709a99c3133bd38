"""Small numeric experiments on a straight-line fit ``f(x) = w x + b``: numpy only.

- ``loss_landscape``: the mean loss over a grid of ``(w, b)``, for contour plots.
- ``curvature_bound`` and ``safe_learning_rate``: the largest curvature of a loss's mean
  over the line's parameters, and the gradient-descent step size it allows.
- ``robust_line`` and ``outlier_sweep``: the line each loss prefers, and how it moves as one
  outlier is pushed further away.
- ``cross_validate``: how well each loss's line predicts points it was not fitted on, on
  data of any origin (a shipped set, a student's file).
- ``slider_units``: what one unit of the regression lab's δ, slope and intercept sliders
  stands for on a data set whose numbers are far larger or smaller than the generated ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from lossviz._validation import as_float_array, cell_number, check_int, check_positive
from lossviz.limits import MAX_GRID, MAX_IRLS_ITERATIONS
from lossviz.limits import MAX_POINTS as MAX_TABLE_POINTS
from lossviz.limits import MAX_TABLE_VALUE as MAX_ABS_VALUE
from lossviz.losses import Loss, huber_slope

# sup of l''(r) over r for the smooth regression losses: MSE r^2 -> 2; Huber, pseudo-Huber and
# log-cosh all have l'' <= 1 (Huber's quadratic piece is r^2 / 2).
_MAX_CURVATURE = {"mse": 2.0, "huber": 1.0, "pseudo_huber": 1.0, "log_cosh": 1.0}


def _design(x: Any) -> np.ndarray:
    xs = as_float_array(x, "x")
    if xs.ndim != 1 or len(xs) == 0:
        raise ValueError(f"x must be a non-empty 1-D array; got shape {xs.shape}")
    return np.column_stack([xs, np.ones(len(xs))])


class Landscape(NamedTuple):
    """``loss[j, i]`` is the mean loss of the line with slope ``w[i]`` and intercept ``b[j]``."""

    w: np.ndarray
    b: np.ndarray
    loss: np.ndarray


def loss_landscape(
    x: Any,
    y: Any,
    loss: Loss,
    *,
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    size: int = 60,
) -> Landscape:
    """Mean ``loss`` of the line ``w x + b`` on a ``size`` x ``size`` grid of ``(w, b)``.

    ``L(w, b) = mean_i l(w x_i + b - y_i)``, with ``l`` the loss as a function of the
    residual (``loss.elementwise``).

    Example: ``loss_landscape([0, 1], [0, 1], get_loss("mse"), w_range=(0, 2),
    b_range=(-1, 1), size=3).loss[1, 1]  # 0.0 (w = 1, b = 0 fits exactly)``
    """
    z = _design(x)
    ys = as_float_array(y, "y")
    if ys.shape != (len(z),):
        raise ValueError(f"x and y must have the same length; got {len(z)} and {ys.shape}")
    size = check_int(size, "size", low=2, high=MAX_GRID)
    (w0, w1), (b0, b1) = (tuple(map(float, w_range)), tuple(map(float, b_range)))
    if not (np.isfinite([w0, w1, b0, b1]).all() and w0 < w1 and b0 < b1):
        raise ValueError("w_range and b_range must be finite (low, high) pairs with low < high")
    w = np.linspace(w0, w1, size)
    b = np.linspace(b0, b1, size)
    # (size_b, size_w, n) residuals; the sizes are bounded so this stays a few MB.
    r = w[None, :, None] * z[:, 0] + b[:, None, None] - ys
    with np.errstate(over="ignore", invalid="ignore"):
        values = loss.elementwise(r).mean(axis=-1)
    return Landscape(w=w, b=b, loss=values)


def curvature_bound(x: Any, loss_name: str) -> float:
    """Upper bound ``L`` on the curvature of the mean loss over ``(w, b)``.

    The Hessian of ``mean_i l(z_i . theta - y_i)`` is ``Z^T diag(l''(r)) Z / n``, so
    ``L = max l'' * lambda_max(Z^T Z) / n`` with ``Z = [x, 1]``: ``2 lambda_max / n`` for MSE,
    half that for Huber (its quadratic piece is ``r^2 / 2``). ``inf`` for MAE and other
    losses whose slope jumps (no bound exists).

    Example: ``curvature_bound([-1, 1], "mse")  # 2.0 (Z^T Z / n is the identity)``
    """
    z = _design(x)
    top = float(np.linalg.eigvalsh(z.T @ z / len(z))[-1])
    return _MAX_CURVATURE.get(loss_name, np.inf) * top


class StepSize(NamedTuple):
    """A learning rate, the schedule to use it with, and why (one plain sentence)."""

    lr: float
    schedule: str
    reason: str


def safe_learning_rate(x: Any, loss_name: str) -> StepSize:
    """The gradient-descent step ``1 / L`` that the loss's curvature bound ``L`` allows.

    With ``lr <= 1 / L`` every plain gradient step lowers a smooth loss (and any ``lr < 2 / L``
    still converges). For MSE, whose curvature is the same everywhere, ``2 / L`` is a sharp
    limit: above it the error along the steepest direction grows at every step. For Huber
    ``L`` is only an upper bound (every residual in the quadratic zone); points in the linear
    zone add no curvature, so a step above ``2 / L`` can still converge (1.3 x 2 / L does on
    the regression lab's default data). MAE has no
    such bound (its slope jumps from -1 to +1 at the fit), so no constant step is safe: it
    gets Huber's (delta = 1) step with a cosine decay, so that its zig-zag shrinks.

    Example: ``safe_learning_rate([-1, 1], "mse").lr  # 0.5``
    """
    bound = curvature_bound(x, loss_name)
    if np.isfinite(bound) and bound > 0:
        return StepSize(
            1.0 / bound, "constant",
            f"1/L with L = {bound:.3g}, the largest curvature of the mean loss",
        )
    huber = curvature_bound(x, "huber")
    lr = 1.0 / huber if huber > 0 else 1.0
    return StepSize(
        lr, "cosine",
        "no curvature bound (the slope jumps at the fit): Huber's step, decayed to 0",
    )


def robust_line(
    x: Any, y: Any, loss_name: str, *, delta: float = 1.0, iterations: int = 100
) -> np.ndarray:
    """The line ``(w, b)`` that minimises the mean MSE, MAE or Huber loss; batched over rows.

    ``y`` is ``(n,)`` or ``(k, n)`` (k data sets sharing ``x``); returns ``(2,)`` or ``(k, 2)``.
    MSE is solved exactly (least squares). MAE is solved exactly too, by a descent over the
    lines through two of the points (``_l1_lines``). Huber uses iteratively reweighted least
    squares with weights ``l'(r) / r`` (``1`` inside ``|r| <= delta``, ``delta / |r|``
    outside, 1 at ``r = 0``), each weighted fit a 2 x 2 solve, for at most ``iterations``
    rounds (a few dozen reach the minimiser to rounding error).

    Example: ``robust_line([0, 1, 2, 3, 4], [0, 1, 30, 3, 4], "mae")  # [1.0, 0.0]``
    """
    z = _design(x)
    ys = as_float_array(y, "y")
    single = ys.ndim == 1
    ys = np.atleast_2d(ys)
    if ys.shape[1] != len(z):
        raise ValueError(f"y must have {len(z)} columns (one per x); got shape {ys.shape}")
    if loss_name not in ("mse", "mae", "huber"):
        raise ValueError(f"robust_line fits mse, mae or huber; got {loss_name!r}")
    delta = check_positive(delta, "delta")
    iterations = check_int(iterations, "iterations", low=1, high=MAX_IRLS_ITERATIONS)
    weights = np.ones_like(ys)
    scale = max(float(np.abs(ys).max()), 1.0)
    theta = _weighted_lines(z, ys, weights)
    if loss_name == "mae":
        theta = _l1_lines(z[:, 0], ys, theta)
    elif loss_name == "huber":
        for _ in range(iterations):
            r = theta @ z.T - ys
            weights = np.divide(
                huber_slope(r, delta=delta), r, out=np.ones_like(r), where=r != 0.0
            )
            new = _weighted_lines(z, ys, weights)
            # np.allclose's test (|new - theta| <= atol + rtol |theta|), written out: the
            # loop runs up to 100 times per fit and allclose costs five times as much.
            done = bool((np.abs(new - theta) <= 1e-13 * (scale + np.abs(theta))).all())
            theta = new
            if done:
                break
    return theta[0] if single else theta


def _weighted_lines(z: np.ndarray, ys: np.ndarray, weights: np.ndarray) -> np.ndarray:
    # Normal equations of weighted least squares, 2 x 2 per row, solved in closed form.
    x = z[:, 0]
    s0 = weights.sum(axis=1)
    s1 = weights @ x
    s2 = weights @ (x * x)
    t0 = (weights * ys).sum(axis=1)
    t1 = (weights * ys) @ x
    det = s2 * s0 - s1 * s1
    flat = np.abs(det) <= 1e-12 * np.maximum(s2 * s0, 1e-300)
    safe = np.where(flat, 1.0, det)
    w = np.where(flat, 0.0, (s0 * t1 - s1 * t0) / safe)
    b = np.where(flat, t0 / np.maximum(s0, 1e-300), (s2 * t0 - s1 * t1) / safe)
    return np.column_stack([w, b])


def _l1_lines(x: np.ndarray, ys: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The least-absolute-deviations line of each row of ``ys`` (``(k, n)``), exactly.

    Wesolowsky's descent (1981). A best L1 line passes through two of the points. Among the
    lines through one point ``p``, the best slope is the weighted median of the slopes
    ``(y_i - y_p) / (x_i - x_p)`` with weights ``|x_i - x_p|``, and that line passes through
    a second point. Each round pivots on that second point and takes the best line through
    it: the mean absolute error falls at every round. A line that is the best through both
    of its points is the best of all: near it the loss is a plane plus ``|u| + |v|`` (``u``
    and ``v`` the two points' residuals), which no direction lowers. ``start`` (a line per
    row, least squares) picks the first pivot: the point nearest it.

    The rounds stop at the minimiser (a few, at most a few dozen, on the app's data sets).
    Where the minimiser is not unique (a flat stretch of slopes), one of the best lines.
    """
    k, n = ys.shape
    if np.ptp(x) == 0:  # every line is flat: the best intercept is the median
        return np.column_stack([np.zeros(k), np.median(ys, axis=1)])
    rows = np.arange(k)
    pivot = np.abs(start[:, :1] * x + start[:, 1:] - ys).argmin(axis=1)
    slope, pivot = _best_through(x, ys, pivot)[:2]  # the best line through the first pivot
    todo = rows
    for _ in range(4 * n + 10):  # the error falls every round: no vertex comes twice
        best, through, settled = _best_through(x, ys[todo], pivot[todo], slope[todo])
        todo_moved = todo[~settled]
        slope[todo_moved], pivot[todo_moved] = best[~settled], through[~settled]
        todo = todo_moved
        if not len(todo):
            break
    w = slope
    b = ys[rows, pivot] - w * x[pivot]
    return np.column_stack([w, b])


def _best_through(x: np.ndarray, ys: np.ndarray, pivot: np.ndarray,
                  slope: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row the best line through its point ``pivot``: its slope, the point it passes
    through besides the pivot, and (given the row's current ``slope``) whether that slope is
    already a best one, so the row is done."""
    rows = np.arange(len(ys))
    dx = x[None, :] - x[pivot][:, None]
    weight = np.abs(dx)
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes = np.where(weight > 0, (ys - ys[rows, pivot][:, None]) / dx, 0.0)
    order = np.argsort(slopes, axis=1, kind="stable")
    cumulative = np.cumsum(np.take_along_axis(weight, order, axis=1), axis=1)
    half = 0.5 * cumulative[:, -1]
    through = order[rows, np.argmax(cumulative >= half[:, None], axis=1)]
    best = slopes[rows, through]
    if slope is None:
        return best, through, np.zeros(len(ys), bool)
    # The current slope is a best one when the points whose slope is above it weigh at most
    # half, and those below it too. A point's slope is above where its residual from the
    # current line has the sign of its dx; a residual within rounding of 0 (three points on
    # one line) counts on neither side.
    resid = ys - ys[rows, pivot][:, None] - slope[:, None] * dx
    scale = np.abs(ys).max(axis=1) + np.abs(slope) * np.ptp(x)
    off = np.abs(resid) > 1e-12 * scale[:, None]
    side = np.sign(resid) * np.sign(dx)
    above = (weight * (off & (side > 0))).sum(axis=1)
    below = (weight * (off & (side < 0))).sum(axis=1)
    settled = (below <= half * (1 + 1e-12)) & (above <= half * (1 + 1e-12))
    return best, through, settled


class Sweep(NamedTuple):
    """``outlier_sweep`` result: per loss, the fitted slope and the clean-point error per size.

    ``slope[name][k]`` and ``clean_error[name][k]`` belong to ``magnitudes[k]``; the clean
    error is the root-mean-square error of that fitted line on the clean points alone.
    """

    magnitudes: np.ndarray
    outlier_x: float
    slope: dict[str, np.ndarray]
    intercept: dict[str, np.ndarray]
    clean_error: dict[str, np.ndarray]


def outlier_sweep(
    x: Any,
    y: Any,
    *,
    outlier_x: float,
    magnitudes: Any,
    losses: Sequence[str] = ("mse", "mae", "huber"),
    delta: float = 1.0,
) -> Sweep:
    """Add one outlier at ``outlier_x``, ``m`` above the clean points' least-squares line.

    For each ``m`` in ``magnitudes`` each loss's best line (``robust_line``) is fitted to the
    clean points plus that outlier, and its slope and its error on the clean points are kept.

    Example: ``outlier_sweep(x, y, outlier_x=4.5, magnitudes=[0, 50]).slope["mse"]``
    """
    z = _design(x)
    ys = as_float_array(y, "y")
    if ys.shape != (len(z),):
        raise ValueError(f"x and y must have the same length; got {len(z)} and {ys.shape}")
    mags = as_float_array(magnitudes, "magnitudes")
    ox = float(outlier_x)
    if not np.isfinite(ox):
        raise ValueError("outlier_x must be a finite number")
    base_w, base_b = robust_line(z[:, 0], ys, "mse")
    xs = np.append(z[:, 0], ox)
    data = np.column_stack([np.tile(ys, (len(mags), 1)), base_w * ox + base_b + mags])
    slope, intercept, clean = {}, {}, {}
    for name in losses:
        lines = robust_line(xs, data, name, delta=delta)
        slope[name], intercept[name] = lines[:, 0], lines[:, 1]
        resid = lines[:, :1] * z[:, 0] + lines[:, 1:] - ys
        clean[name] = np.sqrt(np.mean(resid * resid, axis=1))
    return Sweep(mags, ox, slope, intercept, clean)


class SliderUnits(NamedTuple):
    """What one unit of the regression lab's sliders stands for: Huber's δ, the slope and
    the intercept of the student's line are the slider's value times these (powers of ten)."""

    delta: float = 1.0
    slope: float = 1.0
    intercept: float = 1.0


def _power_of_ten(value: float, low: float, high: float, lowest: float) -> float:
    """1 if ``low <= |value| <= high`` (or 0); else the power of ten that brings ``|value|``
    to between ``lowest`` and ``10 * lowest``."""
    size = abs(float(value))
    if size == 0.0 or not math.isfinite(size) or low <= size <= high:
        return 1.0
    return 10.0 ** math.floor(math.log10(size / lowest))


def slider_units(x: Any, y: Any) -> SliderUnits:
    """Units for the lab's fixed slider ranges (δ 0.1 to 5, slope -5 to 5, intercept -10 to
    10) on data ``(x, y)``, read off its least-squares line ``w x + b`` and the median size
    of its residuals: each stays 1 where that number already fits its slider, else becomes
    the power of ten that brings it to 0.5-5 (δ, slope) or 1-10 (intercept).

    On Windsor's house prices (line 6.6 x + 34,136 dollars, residuals of about 12,800)
    the units are (10,000, 10, 10,000): δ's slider at 1 means 10,000 dollars.

    Example: ``slider_units([0, 1, 2, 3], [0, 200, 390, 610])  # (1.0, 100.0, 1.0)``
    """
    z = _design(x)
    ys = as_float_array(y, "y")
    if ys.shape != (len(z),):
        raise ValueError(f"x and y must have the same length; got {len(z)} and {ys.shape}")
    w, b = robust_line(z[:, 0], ys, "mse")
    typical = float(np.median(np.abs(w * z[:, 0] + b - ys)))
    return SliderUnits(_power_of_ten(typical, 0.1, 5.0, 0.5),
                       _power_of_ten(w, 0.1, 5.0, 0.5),
                       _power_of_ten(b, 0.0, 10.0, 1.0))


CV_FOLDS = 5  # the regression lab's "Which loss?" on real data, and its lesson's claim


class CrossValidation(NamedTuple):
    """Each loss's line judged on the points it did not see: ``folds`` fits per loss, each on
    all points but one fold, tested on that fold (every point is tested once). Arrays are in
    the order of ``losses``."""

    losses: tuple[str, ...]
    folds: int
    slopes: np.ndarray  # (L, folds) each fold's line
    intercepts: np.ndarray  # (L, folds)
    rmse: np.ndarray  # (L,) root of the mean squared error over every tested point
    mean_abs: np.ndarray  # (L,) mean absolute error over every tested point
    median_abs: np.ndarray  # (L,) median absolute error over every tested point

    @property
    def slope_spread(self) -> np.ndarray:
        """(L,) how far each loss's slope moves over the folds: highest minus lowest."""
        return self.slopes.max(axis=1) - self.slopes.min(axis=1)


def cross_validate(
    x: Any,
    y: Any,
    *,
    losses: Sequence[str] = ("mse", "mae", "huber"),
    delta: float = 1.0,
    folds: int = CV_FOLDS,
    seed: int = 0,
) -> CrossValidation:
    """``folds``-fold cross-validation of each loss's best line (``robust_line``).

    The points are put in a random order (``seed``); point ``i`` of that order is in fold
    ``i % folds``. Every fold's training points must span two x values.

    Example: ``cross_validate(x, y).mean_abs  # MSE's, MAE's and Huber's held-out errors``
    """
    z = _design(x)
    ys = as_float_array(y, "y")
    if ys.shape != (len(z),):
        raise ValueError(f"x and y must have the same length; got {len(z)} and {ys.shape}")
    folds = check_int(folds, "folds", low=2, high=max(2, len(z)))
    if len(z) < 2 * folds:
        raise ValueError(f"{folds}-fold cross-validation needs at least {2 * folds} points; "
                         f"got {len(z)}")
    fold = np.empty(len(z), dtype=np.int64)
    fold[np.random.default_rng(seed).permutation(len(z))] = np.arange(len(z)) % folds
    for k in range(folds):
        if np.ptp(z[fold != k, 0]) == 0:
            raise ValueError("every fold's training points must have at least two different "
                             "x values")
    names = tuple(losses)
    slopes = np.empty((len(names), folds))
    intercepts = np.empty((len(names), folds))
    errors = np.empty((len(names), len(z)))
    for j, name in enumerate(names):
        for k in range(folds):
            train, test = fold != k, fold == k
            w, b = robust_line(z[train, 0], ys[train], name, delta=delta)
            slopes[j, k], intercepts[j, k] = w, b
            errors[j, test] = w * z[test, 0] + b - ys[test]
    return CrossValidation(names, folds, slopes, intercepts,
                           np.sqrt(np.mean(errors * errors, axis=1)),
                           np.mean(np.abs(errors), axis=1),
                           np.median(np.abs(errors), axis=1))


class TablePoints(NamedTuple):
    """The usable rows of an edited points table, and a note for every row left out."""

    x: np.ndarray
    y: np.ndarray
    prediction: np.ndarray
    is_outlier: np.ndarray
    rows: np.ndarray
    problems: list[str]


def read_points(
    columns: Any,
    *,
    max_points: int = MAX_TABLE_POINTS,
    max_abs: float = MAX_ABS_VALUE,
) -> TablePoints:
    """Read the columns ``x``, ``target``, ``prediction`` (and optional ``outlier``) of a table.

    Never raises on cell contents: a row with a blank, text, non-finite or too large value
    (``|v| > max_abs``) is left out and described in ``problems`` (rows counted from 1).
    A row needs all three numbers, so the metrics always compare a target with a prediction.
    Rows past ``max_points`` are left out with one note.

    Example: ``read_points({"x": [1, "a"], "target": [2, 3], "prediction": [2, 2]}).problems``
    ``# ["row 2: x 'a' is not a number"]``
    """
    names = ("x", "target", "prediction")
    missing = [c for c in names if c not in columns]
    if missing:
        raise ValueError(f"the table needs the column(s) {', '.join(missing)}")
    n = len(columns["x"])
    outlier_col = columns.get("outlier", [False] * n)
    kept: list[tuple[float, float, float, bool, int]] = []
    problems: list[str] = []
    for i in range(n):  # table rows are few (a few hundred at most) and each may need a note
        if len(kept) >= max_points:
            problems.append(f"rows {i + 1} to {n}: left out, the table takes at most "
                            f"{max_points} points")
            break
        values, notes = [], []
        for name in names:
            raw = columns[name][i]
            value = cell_number(raw)
            if value is None or (isinstance(raw, str) and not raw.strip()):
                blank = raw is None or (isinstance(raw, str) and not raw.strip())
                notes.append(f"{name} is empty" if blank else f"{name} {str(raw)[:20]!r} is "
                             "not a number")
            elif not np.isfinite(value):
                # NaN is what a cleared cell holds: for the student it is simply empty.
                notes.append(f"{name} is {value!r}, not a finite number" if value == value
                             else f"{name} is empty")
            elif abs(value) > max_abs:
                notes.append(f"{name} {value:.3g} is beyond ±{max_abs:g}")
            values.append(value)
        if notes:
            problems.append(f"row {i + 1}: " + ", ".join(notes))
            continue
        flag = outlier_col[i] if i < len(outlier_col) else False
        kept.append((*values, bool(flag) if flag is not None and flag == flag else False, i + 1))
    if not kept:
        empty = np.empty(0)
        return TablePoints(empty, empty, empty, np.zeros(0, bool), np.zeros(0, int), problems)
    x, y, pred, out, rows = zip(*kept, strict=True)
    return TablePoints(np.array(x, float), np.array(y, float), np.array(pred, float),
                       np.array(out, bool), np.array(rows, int), problems)
