"""Seeded example data: the same seed always gives the same points.

- ``make_regression``: points around a line, with optional outliers placed where you say.
- ``make_curve``: points around a smooth curve, for polynomial fits that can overfit.
- ``make_classification``: two classes in 1-D or 2-D, with optional flipped labels.
- ``train_validation_split``: a seeded split into training and held-out points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lossviz._validation import as_float_array, as_scalar, check_choice, check_int
from lossviz.limits import MAX_GENERATED_POINTS

OUTLIER_PLACES = ("right", "left", "middle", "random")
FLIP_CLASSES = ("both", "class 0", "class 1")
X_RANGE = (-5.0, 5.0)


@dataclass(frozen=True)
class RegressionData:
    """Inputs ``x`` (sorted inliers first, then outliers), targets ``y``, and which are outliers."""

    x: np.ndarray
    y: np.ndarray
    is_outlier: np.ndarray
    slope: float
    intercept: float

    @property
    def n(self) -> int:
        return len(self.x)


@dataclass(frozen=True)
class ClassificationData:
    """Inputs ``x`` (shape ``(n,)`` in 1-D, ``(n, 2)`` in 2-D), labels in {0, 1}, flips."""

    x: np.ndarray
    y: np.ndarray
    is_flipped: np.ndarray

    @property
    def n(self) -> int:
        return len(self.y)


def make_regression(
    n: int = 30,
    *,
    slope: float = 1.5,
    intercept: float = 2.0,
    noise: float = 1.0,
    outliers: int = 0,
    outlier_shift: float = 30.0,
    outlier_place: str = "right",
    seed: int = 0,
) -> RegressionData:
    """``n`` points ``y = slope * x + intercept + noise * N(0, 1)`` with ``x`` in [-5, 5].

    ``outliers`` extra points sit ``outlier_shift`` above the line (below when negative), at
    the ``outlier_place``: ``right`` or ``left`` end (where they have the most leverage on
    the slope), the ``middle``, or ``random`` places. Outliers come after the inliers.

    Example: ``make_regression(5, outliers=1, seed=0).is_outlier  # [F, F, F, F, F, T]``
    """
    n = check_int(n, "number of points", low=0, high=MAX_GENERATED_POINTS)
    outliers = check_int(outliers, "number of outliers", low=0, high=MAX_GENERATED_POINTS)
    if n + outliers < 1:
        raise ValueError("ask for at least one point")
    slope, intercept = as_scalar(slope, "slope"), as_scalar(intercept, "intercept")
    noise, shift = as_scalar(noise, "noise"), as_scalar(outlier_shift, "outlier_shift")
    if noise < 0:
        raise ValueError(f"noise must be 0 or more; got {noise:g}")
    check_choice(outlier_place, "outlier place", OUTLIER_PLACES)
    rng = np.random.default_rng(check_int(seed, "seed", low=0))
    lo, hi = X_RANGE
    x = np.sort(rng.uniform(lo, hi, n))
    y = slope * x + intercept + noise * rng.standard_normal(n)
    xo = _outlier_positions(outliers, outlier_place, rng)
    yo = slope * xo + intercept + shift
    return RegressionData(
        x=np.concatenate([x, xo]),
        y=np.concatenate([y, yo]),
        is_outlier=np.concatenate([np.zeros(n, bool), np.ones(outliers, bool)]),
        slope=slope,
        intercept=intercept,
    )


def _outlier_positions(count: int, place: str, rng: np.random.Generator) -> np.ndarray:
    lo, hi = X_RANGE
    if count == 0:
        return np.empty(0)
    if place == "random":
        return rng.uniform(lo, hi, count)
    width = 0.1 * (hi - lo)
    centre = {"right": hi - width / 2, "left": lo + width / 2, "middle": 0.0}[place]
    if count == 1:
        return np.array([centre])
    return np.linspace(centre - width / 2, centre + width / 2, count)


def make_curve(
    n: int = 20, *, noise: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``y = sin(x) + noise * N(0, 1)`` with ``x`` in [-3, 3], sorted.

    A curve a straight line cannot follow and a high-degree polynomial overfits.

    Example: ``x, y = make_curve(20, noise=0.3, seed=0)``
    """
    n = check_int(n, "number of points", low=2, high=MAX_GENERATED_POINTS)
    noise = as_scalar(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be 0 or more; got {noise:g}")
    rng = np.random.default_rng(check_int(seed, "seed", low=0))
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    return x, np.sin(x) + noise * rng.standard_normal(n)


def make_classification(
    n: int = 40,
    *,
    dim: int = 2,
    separation: float = 3.0,
    flip: int = 0,
    flip_class: str = "both",
    seed: int = 0,
) -> ClassificationData:
    """Two Gaussian classes (unit spread) whose centres are ``separation`` apart.

    Class 0 is centred at ``-separation / 2`` and class 1 at ``+separation / 2`` along the
    first axis (``dim`` is 1 or 2). ``flip`` labels are then flipped, taken from
    ``flip_class`` (``both`` alternates): the points deepest inside their class, so that the
    mislabelled points sit far on the wrong side, as label noise at its worst.

    Example: ``make_classification(10, dim=1, flip=1, seed=0).is_flipped.sum()  # 1``
    """
    n = check_int(n, "number of points", low=2, high=MAX_GENERATED_POINTS)
    dim = check_int(dim, "dim", low=1, high=2)
    separation = as_scalar(separation, "separation")
    flip = check_int(flip, "number of flipped labels", low=0, high=n)
    check_choice(flip_class, "flip class", FLIP_CLASSES)
    rng = np.random.default_rng(check_int(seed, "seed", low=0))
    y = np.arange(n) % 2
    x = rng.standard_normal((n, dim))
    x[:, 0] += np.where(y == 1, separation / 2, -separation / 2)
    depth = np.where(y == 1, x[:, 0], -x[:, 0])
    flipped = np.zeros(n, bool)
    pools = {
        "class 0": [np.flatnonzero(y == 0)],
        "class 1": [np.flatnonzero(y == 1)],
        "both": [np.flatnonzero(y == 1), np.flatnonzero(y == 0)],
    }[flip_class]
    if flip > sum(len(pool) for pool in pools):
        raise ValueError(
            f"cannot flip {flip} labels of {flip_class}: it has only "
            f"{sum(len(pool) for pool in pools)} points"
        )
    ranked = [pool[np.argsort(-depth[pool])] for pool in pools]
    taken = 0
    for i in range(n):
        for pool in ranked:
            if taken < flip and i < len(pool):
                flipped[pool[i]] = True
                taken += 1
    labels = np.where(flipped, 1 - y, y).astype(np.float64)
    return ClassificationData(x=x[:, 0].copy() if dim == 1 else x, y=labels, is_flipped=flipped)


def train_validation_split(
    x: Any, y: Any, *, validation_fraction: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into ``(x_train, y_train, x_val, y_val)`` by a seeded shuffle.

    At least one point goes to each side. Order within each side follows the input.

    Example: ``x_tr, y_tr, x_va, y_va = train_validation_split(x, y, validation_fraction=0.25)``
    """
    xs, ys = as_float_array(x, "x"), as_float_array(y, "y")
    if len(xs) != len(ys):
        raise ValueError(f"x and y must have the same length; got {len(xs)} and {len(ys)}")
    if len(xs) < 2:
        raise ValueError("need at least 2 points to split into training and validation")
    frac = as_scalar(validation_fraction, "validation_fraction")
    if not 0.0 < frac < 1.0:
        raise ValueError(f"validation_fraction must lie strictly between 0 and 1; got {frac:g}")
    n_val = min(len(xs) - 1, max(1, round(frac * len(xs))))
    rng = np.random.default_rng(check_int(seed, "seed", low=0))
    is_val = np.zeros(len(xs), bool)
    is_val[rng.permutation(len(xs))[:n_val]] = True
    return xs[~is_val], ys[~is_val], xs[is_val], ys[is_val]
