"""Geometry of a linear binary classifier ``f(x) = x . w + b``: numpy only.

The classification lab and its figures share these helpers: margins, probabilities, where the
decision boundary (``f = 0``) and the hinge margin lines (``f = +-1``) lie, how far a boundary
moved against a reference fit, and turning a hand-edited table of points into clean arrays
with a plain-words note for every cell that was not usable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from lossviz._validation import as_float_array, cell_number
from lossviz.limits import MAX_POINTS as MAX_TABLE_POINTS
from lossviz.limits import MAX_TABLE_X as MAX_ABS_X

# The margin as the pages write it (no-break spaces: a line never breaks after the minus).
MARGIN_FORMULA = "(2y\u00a0−\u00a01)·f"


def sigmoid(f: Any) -> np.ndarray:
    """``1 / (1 + exp(-f))``, the probability of class 1 for a score ``f``; exact for any finite f.

    Example: ``sigmoid([0.0, 2.0])  # [0.5, 0.8808]``
    """
    f = np.asarray(f, dtype=np.float64)
    e = np.exp(-np.abs(f))
    return np.where(f >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def logit(p: Any) -> np.ndarray:
    """``ln(p / (1 - p))``, the score whose sigmoid is ``p``; -inf at 0 and +inf at 1.

    Example: ``logit([0.5, 0.8808])  # [0.0, 2.0]``
    """
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)


def margins(y: Any, f: Any) -> np.ndarray:
    """``m = (2y - 1) f``: positive on the right side of the boundary, larger when more sure.

    Example: ``margins([1, 0], [2.0, 2.0])  # [2.0, -2.0]``
    """
    y = np.asarray(y, dtype=np.float64)
    return (2.0 * y - 1.0) * np.asarray(f, dtype=np.float64)


def accuracy(y: Any, f: Any) -> float:
    """Share of points with a positive margin (a point on the boundary counts as a mistake,
    as the 0-1 loss counts it).

    Example: ``accuracy([1, 0, 1], [2.0, -1.0, 0.0])  # 2/3``
    """
    return float(np.mean(margins(y, f) > 0.0))


def split_params(params: Any) -> tuple[np.ndarray, float]:
    """Weights and intercept of a parameter row ``[w_1, ..., w_d, b]`` (as ``fit`` stores it)."""
    params = np.asarray(params, dtype=np.float64)
    return params[:-1], float(params[-1])


def threshold(params: Any, level: float = 0.0) -> float:
    """1-D: the input where ``f(x) = w x + b = level``, ``(level - b) / w``; NaN when ``w = 0``
    (no crossing: the model says the same class everywhere).

    Example: ``threshold([2.0, -1.0])  # 0.5``
    """
    w, b = split_params(params)
    if w.shape != (1,):
        raise ValueError(f"threshold is for 1-D models (2 parameters); got {w.size + 1}")
    return (level - b) / float(w[0]) if w[0] != 0.0 else math.nan


def line_in_box(
    params: Any, box: tuple[float, float, float, float], level: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """2-D: the segment of the line ``w1 x1 + w2 x2 + b = level`` inside the box
    ``(x1_min, x1_max, x2_min, x2_max)``, as ``(x1s, x2s)`` with two points each; empty
    arrays when the line misses the box or ``w = 0``.

    Example: ``line_in_box([1.0, 0.0, 0.0], (-1, 1, -1, 1))  # ([0, 0], [-1, 1])``
    """
    (w1, w2), b = split_params(params)
    x1lo, x1hi, x2lo, x2hi = map(float, box)
    c = level - b
    points: list[tuple[float, float]] = []
    with np.errstate(over="ignore", invalid="ignore"):  # a tiny weight: the crossing is off
        if w2 != 0.0:  # crossings of the left and right edges
            for x1 in (x1lo, x1hi):
                x2 = float((c - w1 * x1) / w2)
                if x2lo <= x2 <= x2hi:
                    points.append((x1, x2))
        if w1 != 0.0:  # crossings of the bottom and top edges
            for x2 in (x2lo, x2hi):
                x1 = float((c - w2 * x2) / w1)
                if x1lo <= x1 <= x1hi:
                    points.append((x1, x2))
    unique = sorted(set(points))
    if len(unique) < 2:
        return np.empty(0), np.empty(0)
    # Two corners can be hit twice; the extreme pair spans the whole segment.
    first, last = unique[0], unique[-1]
    return np.array([first[0], last[0]]), np.array([first[1], last[1]])


def normal_angle(params: Any) -> float:
    """2-D: the direction of ``w`` in degrees, in (-180, 180]; the boundary is perpendicular.

    Example: ``normal_angle([0.0, 1.0, 0.0])  # 90.0``
    """
    w, _ = split_params(params)
    return math.degrees(math.atan2(float(w[1]), float(w[0])))


def offset(params: Any) -> float:
    """Signed distance of the boundary ``f = 0`` from the origin along ``w``, ``-b / |w|``
    (in 1-D that is the threshold itself); NaN when ``w = 0``.

    Example: ``offset([3.0, 4.0, -10.0])  # 2.0``
    """
    w, b = split_params(params)
    norm = float(np.linalg.norm(w))
    return -b / norm if norm > 0.0 else math.nan


def margin_width(params: Any) -> float:
    """Distance between the hinge margin lines ``f = -1`` and ``f = +1``, ``2 / |w|``.

    Example: ``margin_width([0.5, 0.0])  # 4.0``
    """
    w, _ = split_params(params)
    norm = float(np.linalg.norm(w))
    return 2.0 / norm if norm > 0.0 else math.inf


class BoundaryChange(NamedTuple):
    """How a boundary differs from a reference one.

    ``angle``: rotation of the normal in degrees, in [-180, 180] (always 0 in 1-D).
    ``shift``: change of the signed offset from the origin (``offset(params) -
    offset(reference)``), in input units; in 1-D the move of the threshold.
    """

    angle: float
    shift: float

    @property
    def size(self) -> float:
        """One number for 'how much it moved': |shift| plus the rotation as an arc of radius 1."""
        return abs(self.shift) + abs(math.radians(self.angle))


def boundary_change(reference: Any, params: Any) -> BoundaryChange:
    """Rotation and shift of the boundary of ``params`` against that of ``reference``.

    Example: ``boundary_change([1.0, 0.0], [1.0, -0.5]).shift  # 0.5``
    """
    ref, new = np.asarray(reference, dtype=np.float64), np.asarray(params, dtype=np.float64)
    if ref.shape != new.shape:
        raise ValueError(
            f"both fits need the same number of parameters; got {ref.size} and {new.size}"
        )
    angle = 0.0
    if new.size == 3:
        angle = (normal_angle(new) - normal_angle(ref) + 180.0) % 360.0 - 180.0
    return BoundaryChange(angle, offset(new) - offset(ref))


def plot_box(x: Any, pad: float = 0.6) -> tuple[float, float, float, float]:
    """A square-ish box around 2-D points ``x`` (shape ``(n, 2)``), padded by ``pad``.

    Example: ``plot_box([[0, 0], [1, 2]], pad=0.5)  # (-0.5, 1.5, -0.5, 2.5)``
    """
    x = as_float_array(x, "x")
    lo, hi = x.min(axis=0) - pad, x.max(axis=0) + pad
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


class ProbabilityGrid(NamedTuple):
    """``p[i, j] = sigmoid(f(x1[j], x2[i]))`` on a regular grid (rows follow ``x2``)."""

    x1: np.ndarray
    x2: np.ndarray
    p: np.ndarray


def probability_grid(
    params: Any, box: tuple[float, float, float, float], n: int = 40
) -> ProbabilityGrid:
    """The predicted probability of class 1, ``sigmoid(w . x + b)``, on an ``n`` x ``n`` grid.

    Example: ``probability_grid([0.0, 0.0, 0.0], (0, 1, 0, 1), n=2).p  # all 0.5``
    """
    (w1, w2), b = split_params(params)
    x1 = np.linspace(box[0], box[1], n)
    x2 = np.linspace(box[2], box[3], n)
    return ProbabilityGrid(x1, x2, sigmoid(w1 * x1[None, :] + w2 * x2[:, None] + b))


class ParsedPoints(NamedTuple):
    """Points read from an edited table: the usable rows and a note for each unusable one.

    ``x`` has shape ``(n,)`` (1-D) or ``(n, 2)``; ``y`` holds 0/1; ``flipped`` marks labels
    flipped on purpose; ``rows`` are the table rows (0-based) they came from.
    """

    x: np.ndarray
    y: np.ndarray
    flipped: np.ndarray
    rows: np.ndarray
    problems: list[str]


def _cell_number(value: Any) -> float | None:
    """The finite number in a table cell, or None (empty, text, NaN, infinity, True/False)."""
    number = cell_number(value)
    return number if number is not None and math.isfinite(number) else None


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _shown(value: Any) -> str:
    text = str(value)
    return f'"{text[:20]}..."' if len(text) > 20 else f'"{text}"'


def _is_ticked(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    number = _cell_number(value)
    return number is not None and number != 0.0


def parse_points(
    columns: Mapping[str, Sequence[Any]],
    *,
    dim: int,
    max_points: int = MAX_TABLE_POINTS,
    max_abs: float = MAX_ABS_X,
) -> ParsedPoints:
    """Read the columns ``x1`` (and ``x2`` when ``dim == 2``), ``label`` and optional
    ``flipped`` of an edited table. Never raises on cell contents: a row with an empty, text,
    non-finite or too large input, or a label other than 0 or 1, is left out and described in
    ``problems`` (rows numbered from 1, as a student counts them). Rows past ``max_points``
    are left out with one note.

    Example: ``parse_points({"x1": [0.5, "a"], "label": [1, 0]}, dim=1).problems``
    ``# ['row 2: x1 "a" is not a finite number']``
    """
    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2; got {dim!r}")
    names = ["x1", "x2"][:dim]
    missing = [c for c in [*names, "label"] if c not in columns]
    if missing:
        raise ValueError(f"the table needs the column(s) {', '.join(missing)}")
    n = len(columns["label"])
    problems: list[str] = []
    xs: list[list[float]] = []
    ys: list[float] = []
    flips: list[bool] = []
    rows: list[int] = []
    flipped_col = columns.get("flipped", [False] * n)
    for i in range(n):  # table rows are few (at most a few hundred) and each may need a note
        if len(rows) >= max_points:
            problems.append(
                f"rows {i + 1} to {n}: left out, the table takes at most {max_points} points"
            )
            break
        notes = []
        coords = []
        for name in names:
            raw = columns[name][i]
            number = _cell_number(raw)
            if _is_blank(raw):  # the table shows text it cannot read as a blank cell
                notes.append(f"{name} is empty or not a number")
            elif number is None:
                notes.append(f"{name} {_shown(raw)} is not a finite number")
            elif abs(number) > max_abs:
                notes.append(f"{name} {number:g} is outside -{max_abs:g} to {max_abs:g}")
            else:
                coords.append(number)
        raw = columns["label"][i]
        label = _cell_number(raw)
        if _is_blank(raw):
            notes.append("label is empty (use 0 or 1)")
        elif label not in (0.0, 1.0):
            notes.append(f"label {_shown(raw)} must be 0 or 1")
        if notes:
            problems.append(f"row {i + 1}: " + "; ".join(notes))
            continue
        xs.append(coords)
        ys.append(float(label))
        flips.append(_is_ticked(flipped_col[i]))
        rows.append(i)
    x = np.array(xs, dtype=np.float64).reshape(len(xs), dim)
    return ParsedPoints(
        x=x[:, 0].copy() if dim == 1 else x,
        y=np.array(ys, dtype=np.float64),
        flipped=np.array(flips, dtype=bool),
        rows=np.array(rows, dtype=np.intp),
        problems=problems,
    )
