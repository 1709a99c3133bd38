"""Input checks shared by losses, the training engine and the data generators.

Every check raises ``ValueError`` with a message that says what was wrong and what is allowed,
in words a student understands. Nothing is silently broadcast or coerced beyond float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_float_array(values: Any, name: str) -> np.ndarray:
    """Convert ``values`` to a float64 array, refusing text, empties, NaN and infinity."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must contain numbers only; got {_preview(values)}") from None
    if arr.size == 0:
        raise ValueError(f"{name} is empty: give at least one value")
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.isfinite(arr.ravel()))
        kinds = "NaN" if np.isnan(arr.ravel()[bad[0]]) else "infinite"
        raise ValueError(
            f"{name} contains {bad.size} {kinds} or non-finite value(s), first at position "
            f"{int(bad[0])}; every value must be a finite number"
        )
    return arr


def check_same_shape(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape; got {y_true.shape} and {y_pred.shape} "
            "(lossviz never broadcasts one against the other)"
        )


def check_binary_labels(y_true: np.ndarray, name: str = "y_true") -> None:
    bad = (y_true != 0.0) & (y_true != 1.0)
    if np.any(bad):
        i = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"{name} must hold binary labels 0 or 1; found {y_true.ravel()[i]:g} at position {i}"
        )


def as_samples(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` as float arrays of one sample per row: ``y`` 1-D, and as many rows
    in ``x`` as in ``y`` (``x`` itself may be of any shape the caller accepts)."""
    xs = as_float_array(x, "x")
    ys = as_float_array(y, "y")
    if ys.ndim != 1:
        raise ValueError(f"y must be 1-D (one target per sample); got shape {ys.shape}")
    if xs.shape[0] != ys.shape[0]:
        raise ValueError(
            f"x and y must have the same number of samples; got {xs.shape[0]} and {ys.shape[0]}"
        )
    return xs, ys


def check_positive(value: Any, name: str) -> float:
    v = as_scalar(value, name)
    if not v > 0.0:
        raise ValueError(f"{name} must be a number greater than 0; got {v:g}")
    return v


def check_open_unit(value: Any, name: str) -> float:
    v = as_scalar(value, name)
    if not 0.0 < v < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1; got {v:g}")
    return v


def check_int(value: Any, name: str, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be a whole number; got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        allowed = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"{name} must be {allowed}; got {value}")
    return value


def check_choice(value: Any, name: str, allowed: tuple[str, ...] | list[str]) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; choose one of: {', '.join(allowed)}")
    return value


def as_scalar(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; got {value!r}") from None
    if not np.isfinite(v):
        raise ValueError(f"{name} must be a finite number; got {v}")
    return v


def cell_number(raw: Any) -> float | None:
    """The number a table cell holds, or None when it holds none.

    A number or numeric text (spaces around it allowed) gives a float, possibly NaN or
    infinite: a cleared cell often holds NaN, and each table says what that means for it.
    None, True/False, other text and whatever ``float`` refuses give None. The one cell
    reader of lossviz's editable tables.

    Example: ``cell_number(" 2.5 ")  # 2.5``; ``cell_number("a")  # None``
    """
    if raw is None or isinstance(raw, (bool, np.bool_)):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError, OverflowError):
        return None


def _preview(values: Any, limit: int = 60) -> str:
    text = repr(values)
    return text if len(text) <= limit else text[: limit - 3] + "..."
