"""When to stop: what each stopping rule picks from one run, and the pictures of it.

Data steps (NamedTuples of arrays) are kept apart from render steps (``go.Figure`` out):

- ``stopping_picks``: from ONE full run without stopping rules, the step at which each rule
  (budget, tolerance, gradient norm, early stopping) would stop, exactly as ``lossviz.fit``
  decides it. A rule only looks at the steps so far, so the run it would have stopped is a
  prefix of the full run: one run answers every rule and every setting of it.
- ``curves_data`` / ``curves_figure``: training and validation loss against step, each
  rule's pick marked and labelled; when marks crowd together on the step axis (early
  stopping and a gradient rule a few steps apart on a 2000-step run), a second panel
  underneath enlarges the steps where they are.
- ``fit_frames_data`` / ``fit_frames_figure`` / ``fit_frames_states``: the fitted curve over
  the data at one step (the last by default), and at every precomputed step for the
  browser to play or scrub (``lossviz.figures.states``); ``animate=True`` gives a
  notebook the same as plotly frames.
- ``schedules_data`` / ``schedules_figure``: the training loss of the same run under each
  learning-rate schedule, with the learning rate itself underneath on a shared step axis.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from lossviz.figures._spec import Spec, build, figure, round_sig, screen, spread_labels
from lossviz.figures.states import States, with_frames
from lossviz.figures.style import (
    DATA_COLOR,
    OKABE_ITO,
    PHONE_WIDTH,
    SCHEDULE_COLORS,
    house_layout,
    line_width,
    log_axis,
    log_range,
    log_ticks,
    loss_color,
    loss_label,
    marker_size,
    note_size,
)
from lossviz.training import History

RULES = ("budget", "tolerance", "gradient", "early_stopping")
RULE_LABELS = {
    "budget": "Step budget",
    "tolerance": "Loss tolerance",
    "gradient": "Gradient norm",
    "early_stopping": "Early stopping",
}
# The order in which ``fit`` checks the rules within one step: the first listed wins a tie.
_CHECK_ORDER = ("early_stopping", "tolerance", "gradient", "budget")
_RULE_SYMBOLS = {
    "budget": "square",
    "tolerance": "diamond",
    "gradient": "triangle-up",
    "early_stopping": "x",
}
# Short names for the labels on the chart, in the order a tie is listed.
_MARK_NAMES = {
    "best": "best",
    "early_stopping": "early stop",
    "tolerance": "tolerance",
    "gradient": "gradient",
    "budget": "budget",
}
MARK_COLOR = OKABE_ITO["black"]  # with a white rim, so the symbols read on a dark theme too
BEST_COLOR = OKABE_ITO["yellow"]
ZOOM_FILL = "rgba(128,128,128,0.12)"
LABEL_LINE = "rgba(90,90,90,0.8)"
TRUE_CURVE_COLOR = OKABE_ITO["grey"]
POINT_COLOR = OKABE_ITO["grey"]


class StopPick(NamedTuple):
    """What one stopping rule does with a run.

    ``step`` is where the rule stops the run (``None``: it never fires within the run);
    ``returned_step`` is the step whose parameters the rule hands back: the stop step, except
    for early stopping, which hands back the best validation step seen so far.
    ``train_loss`` and ``val_loss`` are the losses at ``returned_step``.
    """

    rule: str
    step: int | None
    returned_step: int | None
    train_loss: float | None
    val_loss: float | None


def stopping_picks(
    history: History,
    *,
    tol: float | None = None,
    grad_tol: float | None = None,
    patience: int | None = None,
) -> dict[str, StopPick]:
    """Where each rule would stop ``history`` (a run made without stopping rules).

    The rules are those of ``lossviz.fit``, evaluated on the recorded steps ``t = 0..T``:

    - budget: ``T`` (the last recorded step; earlier when the run diverged);
    - tolerance: the first ``t >= 1`` with ``|L_t - L_{t-1}| / |L_{t-1}| < tol``;
    - gradient: the first ``t`` with ``||g_t|| < grad_tol``;
    - early stopping: the first ``t`` with ``t - b_t >= patience``, where ``b_t`` is the step
      of the lowest validation loss among steps ``0..t`` (the first one, on ties); it hands
      back the parameters of step ``b_t``.

    Only the rules whose setting is given (and ``budget``) appear in the result; a rule that
    never fires has ``step=None``. ``fit(..., tol=tol).stop_step`` equals
    ``stopping_picks(full_run, tol=tol)["tolerance"].step`` whenever the latter is not None.

    Example: ``stopping_picks(fit(x, y, "mse", steps=500), tol=1e-6)["tolerance"].step``
    """
    loss = history.loss
    val = history.val_loss
    last = history.stop_step

    def pick(rule: str, step: int | None, returned: int | None = None) -> StopPick:
        if step is None:
            return StopPick(rule, None, None, None, None)
        back = step if returned is None else returned
        v = None if val is None else float(val[back])
        return StopPick(rule, int(step), int(back), float(loss[back]), v)

    picks = {"budget": pick("budget", last)}
    if tol is not None:
        with np.errstate(all="ignore"):
            change = np.abs(np.diff(loss)) / np.maximum(np.abs(loss[:-1]), 1e-300)
        hits = np.flatnonzero(change < tol)
        picks["tolerance"] = pick("tolerance", int(hits[0]) + 1 if hits.size else None)
    if grad_tol is not None:
        hits = np.flatnonzero(history.grad_norm < grad_tol)
        picks["gradient"] = pick("gradient", int(hits[0]) if hits.size else None)
    if patience is not None:
        if val is None:
            raise ValueError("early stopping needs a run made with validation data")
        best_at = _best_so_far(val)
        hits = np.flatnonzero(np.arange(len(val)) - best_at >= patience)
        if hits.size:
            t = int(hits[0])
            picks["early_stopping"] = pick("early_stopping", t, int(best_at[t]))
        else:
            picks["early_stopping"] = pick("early_stopping", None)
    return picks


def _best_so_far(val: np.ndarray) -> np.ndarray:
    """For each step t, the step of the lowest value among 0..t (first one on ties).

    A step counts as an improvement only when it is strictly below every earlier value, as in
    ``fit`` (fmin skips NaN, which never counts as an improvement).
    """
    previous_min = np.concatenate([[np.inf], np.fmin.accumulate(val)[:-1]])
    improved = val < previous_min
    return np.maximum.accumulate(np.where(improved, np.arange(len(val)), 0))


def first_stop(picks: Mapping[str, StopPick]) -> StopPick:
    """The rule that stops the run first when all of ``picks`` are switched on together.

    Ties go the way ``fit`` checks them within a step: early stopping, tolerance, gradient,
    then the budget.

    Example: ``first_stop(stopping_picks(run, tol=1e-4, patience=20)).rule  # "tolerance"``
    """
    fired = [p for p in picks.values() if p.step is not None]
    return min(fired, key=lambda p: (p.step, _CHECK_ORDER.index(p.rule)))


def decimate(series: Iterable[np.ndarray], *, max_points: int = 400) -> np.ndarray:
    """Indices that keep a long curve's shape in at most about ``max_points`` points.

    Short curves are kept whole. Longer ones are cut into buckets; each keeps its first point
    and the lowest and highest point of every series, so a noisy curve keeps its spikes and
    dips (plain thinning would hide exactly the noise a student should see).

    Example: ``idx = decimate([h.loss, h.val_loss]); plot(idx, h.loss[idx])``
    """
    arrays = [np.asarray(s, dtype=np.float64) for s in series]
    n = len(arrays[0])
    if n <= max_points:
        return np.arange(n)
    buckets = max(1, max_points // (2 * len(arrays) + 1))
    size = -(-n // buckets)
    starts = np.arange(0, n, size)
    keep = [starts, np.array([n - 1])]
    for a in arrays:
        low = np.full(len(starts) * size, np.inf)
        high = np.full(len(starts) * size, -np.inf)
        low[:n] = np.nan_to_num(a, nan=np.inf)
        high[:n] = np.nan_to_num(a, nan=-np.inf)
        keep.append(starts + low.reshape(-1, size).argmin(axis=1))
        keep.append(starts + high.reshape(-1, size).argmax(axis=1))
    return np.unique(np.minimum(np.concatenate(keep), n - 1))


# -- training and validation curves with each rule's pick ---------------------------------------
class Mark(NamedTuple):
    """One mark on the curves: the best step (``kind="best"``) or where a rule stops.

    ``step``/``value``: where it is drawn (on the validation curve). Early stopping is drawn
    where it stops; ``kept_step``/``kept_value`` are the step it hands back and its
    validation loss (None for the other marks).
    """

    kind: str
    step: int
    value: float
    kept_step: int | None = None
    kept_value: float | None = None


def curve_marks(history: History, picks: Mapping[str, StopPick]) -> tuple[Mark, ...]:
    """The best validation step and every rule in ``picks`` that fires, in ``RULES`` order
    after the best step.

    Example: ``[m.kind for m in curve_marks(h, stopping_picks(h, tol=1e-4))]``
    ``# ["best", "budget", "tolerance"]``
    """
    val = history.val_loss
    if val is None:
        raise ValueError("the run needs validation data: fit(..., validation=(x_val, y_val))")
    best = int(history.best_step)
    marks = [Mark("best", best, float(val[best]))]
    for rule in RULES:
        pick = picks.get(rule)
        if pick is None or pick.step is None:
            continue
        if rule == "early_stopping":
            marks.append(Mark(rule, int(pick.step), float(val[pick.step]),
                              int(pick.returned_step), float(val[pick.returned_step])))
        else:
            marks.append(Mark(rule, int(pick.step), float(val[pick.step])))
    return tuple(marks)


def zoom_window(steps: Sequence[int], last: int, *, gap: float = 0.05,
                most: float = 0.5) -> tuple[int, int] | None:
    """The steps to enlarge when marks crowd together on a step axis from 0 to ``last``.

    Marks closer than ``gap`` of the axis are a crowd; the window spans the biggest crowd
    (the earliest, on a tie) with a margin, from step 0 when it is near the start. None when
    nothing crowds, or when the window would cover more than ``most`` of the axis anyway.

    Example: ``zoom_window([23, 73, 80, 638, 2000], 2000)  # (0, 100)``
    """
    xs = sorted({int(s) for s in steps})
    if last <= 0 or len(xs) < 2:
        return None
    crowds: list[list[int]] = [[xs[0]]]
    for s in xs[1:]:
        if s - crowds[-1][-1] < gap * last:
            crowds[-1].append(s)
        else:
            crowds.append([s])
    crowd = max(crowds, key=len)  # max keeps the first of equals: the earliest
    if len(crowd) < 2:
        return None
    lo, hi = crowd[0], crowd[-1]
    pad = max(0.35 * (hi - lo), 2.0)
    lo_w, hi_w = max(0.0, lo - pad), min(float(last), hi + pad)
    if lo_w < 0.5 * (hi_w - lo_w):  # near the start: show the run from step 0
        lo_w = 0.0
    # a round end (100 rather than 97) reads better on the axis
    unit = 10.0 ** math.floor(math.log10(max(hi_w - lo_w, 1.0))) / 2
    lo_w = math.floor(lo_w / unit) * unit
    hi_w = min(math.ceil(hi_w / unit) * unit, float(last))
    if hi_w - lo_w > most * last:
        return None
    return int(lo_w), int(hi_w)


class CurvesData(NamedTuple):
    """Training and validation loss (thinned), each rule's pick and the marks drawn.

    ``zoom``: the steps the lower panel enlarges (None: no lower panel), with the curves
    there at full detail in ``zoom_steps``, ``zoom_train``, ``zoom_val``.
    """

    steps: np.ndarray
    train: np.ndarray
    val: np.ndarray
    picks: dict[str, StopPick]
    best_step: int
    best_val: float
    loss_name: str
    marks: tuple[Mark, ...] = ()
    zoom: tuple[int, int] | None = None
    zoom_steps: np.ndarray = np.empty(0, np.int32)
    zoom_train: np.ndarray = np.empty(0)
    zoom_val: np.ndarray = np.empty(0)


def curves_data(
    history: History, picks: Mapping[str, StopPick], *, loss_name: str,
    max_points: int = 400, zoom: bool = True,
) -> CurvesData:
    """Thin the run's curves for the browser, place the marks, and decide whether marks
    crowd enough to need the enlarged lower panel (``zoom=False``: never).
    ``loss_name`` picks colour and label."""
    if history.val_loss is None:
        raise ValueError("the run needs validation data: fit(..., validation=(x_val, y_val))")
    idx = decimate([history.loss, history.val_loss], max_points=max_points)
    marks = curve_marks(history, picks)
    window = zoom_window([m.step for m in marks], history.stop_step) if zoom else None
    zoom_idx = np.empty(0, int)
    if window is not None:
        lo, hi = window
        zoom_idx = lo + decimate([history.loss[lo:hi + 1], history.val_loss[lo:hi + 1]],
                                 max_points=max_points // 2)
    return CurvesData(
        steps=idx.astype(np.int32),
        train=history.loss[idx].astype(np.float32),
        val=history.val_loss[idx].astype(np.float32),
        picks=dict(picks),
        best_step=history.best_step,
        best_val=float(history.val_loss[history.best_step]),
        loss_name=loss_name,
        marks=marks,
        zoom=window,
        zoom_steps=zoom_idx.astype(np.int32),
        zoom_train=history.loss[zoom_idx].astype(np.float32),
        zoom_val=history.val_loss[zoom_idx].astype(np.float32),
    )


def _pick_name(pick: StopPick, settings: Mapping[str, str]) -> str:
    """A short legend name, e.g. ``tolerance 1e-4: step 628``; ``settings`` holds each rule's
    setting as text (``{"tolerance": "1e-4", "gradient": "1e-2", "early_stopping": "50"}``).
    """
    setting = settings.get(pick.rule)
    if pick.rule == "early_stopping":
        head = "early stopping" if setting is None else f"patience {setting}"
        return f"{head}: stops {pick.step}, keeps {pick.returned_step}"
    head = {
        "budget": "budget",
        "tolerance": "tolerance" if setting is None else f"tolerance {setting}",
        "gradient": "gradient norm" if setting is None else f"gradient < {setting}",
    }[pick.rule]
    return f"{head}: step {pick.step}"


def mark_labels(marks: Sequence[Mark], *, compact: bool = False) -> list[tuple[int, float, str]]:
    """The text on the chart for ``marks``: one label per drawn point, marks at the same
    step sharing one (``"best & gradient 80"``). Returns ``(step, value, text)``.

    Example: ``mark_labels([Mark("best", 23, 0.27), Mark("gradient", 80, 0.34)])``
    ``# [(23, 0.27, "best 23"), (80, 0.34, "gradient 80")]``
    """
    by_step: dict[int, list[Mark]] = {}
    for m in marks:
        by_step.setdefault(m.step, []).append(m)
    out = []
    for step, group in sorted(by_step.items()):
        names = " & ".join(_MARK_NAMES[m.kind] for m in group)
        text = f"{names} {step}"
        kept = [m.kept_step for m in group if m.kept_step is not None]
        if kept and not compact:
            text += f" (keeps {kept[0]})"
        out.append((step, max(m.value for m in group), text))
    return out


def _text_width(text: str, size: int) -> float:
    """About how wide ``text`` is in pixels at font ``size`` (sans-serif, mixed case)."""
    return 0.56 * size * len(text) + 10


class _Panel(NamedTuple):
    x: str  # plotly axis ids: "x", "x2"
    y: str
    x_range: tuple[float, float]
    width_px: float
    height_px: float


def _place_labels(panel: _Panel, labels: Sequence[tuple[float, float | None, str]],
                  size: int) -> tuple[list[tuple[float, int]], int]:
    """Where each of ``labels`` goes in ``panel``: its centre (a step) and its row from the
    top, spread so none overlap; and how many rows that takes."""
    if not labels:
        return [], 0
    lo, hi = panel.x_range
    per_px = (hi - lo) / max(panel.width_px, 1.0)
    widths = [_text_width(text, size) * per_px for _, _, text in labels]
    places = spread_labels([s for s, _, _ in labels], widths, lo, hi, rows=3)
    return places, 1 + max(row for _, row in places)


def _row_height(panel: _Panel, size: int) -> float:
    """One row of labels as a fraction of the panel's height."""
    return (size + 10) / max(panel.height_px, 1.0)


def _label_annotations(panel: _Panel, labels: Sequence[tuple[float, float | None, str]],
                       places: Sequence[tuple[float, int]], y_range: Sequence[float], *,
                       log_y: bool, size: int) -> list[dict[str, Any]]:
    """Annotations for ``labels`` (``(step, value, text)``; value None: no line) at
    ``places`` in rows at the top of ``panel``, each with a thin line down to its mark.

    The label and its mark are both in data coordinates (plotly draws the line only then):
    ``y_range`` is the panel's value axis range (log10 units on a log axis).
    """
    a, b = float(y_range[0]), float(y_range[1])
    row_h = _row_height(panel, size)
    out = []
    for (step, value, text), (centre, row) in zip(labels, places, strict=True):
        tail = a + (b - a) * (1.0 - 0.01 - (row + 0.5) * row_h)
        note: dict[str, Any] = dict(
            text=text, font=dict(size=size), bgcolor="rgba(255,255,255,0.8)",
            xref=panel.x, yref=panel.y, x=centre, y=tail, showarrow=False,
        )
        if value is not None and (value > 0 or not log_y):
            note.update(
                x=step, y=math.log10(value) if log_y else value,
                ax=centre, axref=panel.x, ay=tail, ayref=panel.y,
                showarrow=True, arrowhead=0, arrowwidth=1, arrowcolor=LABEL_LINE, standoff=8,
            )
        out.append(note)
    return out


def _value_axis(values: Sequence[np.ndarray], *, log_y: bool, headroom: float) -> dict:
    """A loss axis over ``values`` whose top ``headroom`` (a fraction of the axis) is left
    free for labels."""
    if log_y:
        extent = log_range(values)
        lo, hi = extent if extent is not None else (0.1, 10.0)
        a, b = math.log10(lo), math.log10(hi)
        top = a + (b - a) / max(1.0 - headroom, 0.3)
        return log_axis(lo, 10.0**top)
    flat = np.concatenate([np.asarray(v, np.float64).ravel() for v in values])
    flat = flat[np.isfinite(flat)]
    lo = min(0.0, float(flat.min())) if flat.size else 0.0
    hi = float(flat.max()) if flat.size else 1.0
    hi = hi + 0.05 * max(hi - lo, 1e-12)
    return {"range": [lo, lo + (hi - lo) / max(1.0 - headroom, 0.3)]}


@figure
def curves_figure(
    data: CurvesData,
    *,
    log_y: bool = True,
    settings: Mapping[str, str] | None = None,
    height: int | None = None,
    width_hint: int | None = None,
    compact: bool = False,
    presentation: bool = False,
) -> Spec:
    """Training loss (thin, pale) and validation loss (bold) against step, in the loss's
    colour, each rule's stop and the best step marked on the validation curve and labelled.

    The best step of the whole run (known only in hindsight) is a star; early stopping is
    drawn where it stops, with a dotted line back to the step it hands back (the patience it
    waited). ``settings`` puts each rule's setting in its name (shown on hover):
    ``{"tolerance": "1e-4", "gradient": "1e-2", "early_stopping": "50"}``.

    When ``data.zoom`` is set (marks crowd together), a second panel underneath enlarges
    those steps, its window shaded on the upper one. Labels sit in rows at the top of each
    panel, spread so they do not overlap at the chart's width: ``width_hint`` (pixels) or
    ``compact`` (a phone's width) says how wide that is. ``height`` defaults to 400 px, 620
    with the lower panel.
    """
    settings = settings or {}
    color = loss_color(data.loss_name)
    label = loss_label(data.loss_name)
    width = line_width(presentation)
    size = note_size(presentation)
    zoomed = data.zoom is not None
    height = int(height or (620 if zoomed else 400) + (60 if presentation else 0))
    chart_px = width_hint or (PHONE_WIDTH if compact else 700)
    plot_w = max(chart_px - 56 - 16 - 24, 120)
    plot_h = max(height - 24 - 48 - (2 * size + 12), 120)
    axes = ("x", "y", "x2", "y2") if zoomed else ("x", "y")
    y_title = "loss (log scale)" if log_y else "loss"
    layout = house_layout(height=height, presentation=presentation, x_title="step",
                          y_title=y_title, axes=axes)
    main_dom = (0.52, 1.0) if zoomed else (0.0, 1.0)
    zoom_dom = (0.0, 0.36)
    last = int(data.steps[-1]) if data.steps.size else 1
    main = _Panel("x", "y", (-0.02 * max(last, 1), 1.02 * max(last, 1)), plot_w,
                  plot_h * (main_dom[1] - main_dom[0]))
    traces: list[dict[str, Any]] = []

    def curves(steps: np.ndarray, train: np.ndarray, val: np.ndarray, panel: _Panel,
               legend: bool) -> None:
        axes_of = dict(xaxis=panel.x, yaxis=panel.y)
        # Both curves in the loss's colour: validation bold (the rules read it), training
        # thin and pale. Dashes would break up into noise on a jumpy SGD curve.
        traces.append(dict(
            type="scatter", x=steps, y=train, mode="lines", name=f"training {label}",
            legendgroup="training", showlegend=legend,
            line=dict(color=color, width=max(1.0, 0.6 * width)), opacity=0.5,
            hovertemplate="step %{x}<br>training loss %{y:.4g}<extra></extra>", **axes_of,
        ))
        traces.append(dict(
            type="scatter", x=steps, y=val, mode="lines", name=f"validation {label}",
            legendgroup="validation", showlegend=legend, line=dict(color=color, width=width),
            hovertemplate="step %{x}<br>validation loss %{y:.4g}<extra></extra>", **axes_of,
        ))

    def marks(panel: _Panel, inside: tuple[float, float]) -> None:
        axes_of = dict(xaxis=panel.x, yaxis=panel.y)
        msize = marker_size(presentation) + 4
        for m in data.marks:
            if not inside[0] <= m.step <= inside[1]:
                continue
            if m.kind == "best":
                traces.append(dict(
                    type="scatter", x=[m.step], y=[m.value], mode="markers",
                    name=f"best validation: step {m.step}", showlegend=False,
                    cliponaxis=False,
                    marker=dict(symbol="star", size=msize + 4, color=BEST_COLOR,
                                line=dict(color=MARK_COLOR, width=1.5)),
                    hovertemplate="lowest validation loss of the run (hindsight)<br>"
                                  "step %{x}<br>%{y:.4g}<extra></extra>", **axes_of,
                ))
                continue
            pick = data.picks[m.kind]
            name = _pick_name(pick, settings)
            if m.kept_step is not None:
                # the patience waited: from the step kept to the stop, no lower value came
                traces.append(dict(
                    type="scatter", x=[m.kept_step, m.step], y=[m.kept_value, m.kept_value],
                    mode="lines", name=f"{name} (patience waited)", showlegend=False,
                    line=dict(color=MARK_COLOR, width=1.5, dash="dot"),
                    hovertemplate=f"patience: {m.step - m.kept_step} steps without a lower "
                                  "validation loss<extra></extra>", **axes_of,
                ))
            traces.append(dict(
                type="scatter", x=[m.step], y=[m.value], mode="markers", name=name,
                showlegend=False, cliponaxis=False,
                marker=dict(symbol=_RULE_SYMBOLS[m.kind], size=msize, color=MARK_COLOR,
                            line=dict(color="white", width=1.5)),
                customdata=[[pick.returned_step, pick.train_loss, pick.val_loss]],
                hovertemplate=(
                    f"{RULE_LABELS[m.kind]}<br>stops at step %{{x}}"
                    "<br>hands back step %{customdata[0]}"
                    "<br>validation loss there %{customdata[2]:.4g}"
                    "<br>training loss there %{customdata[1]:.4g}<extra></extra>"
                ), **axes_of,
            ))

    labels = mark_labels(data.marks, compact=compact)
    curves(data.steps, data.train, data.val, main, legend=True)
    marks(main, (-math.inf, math.inf))
    main_labels: list[tuple[float, float | None, str]] = []
    zoom_labels: list[tuple[float, float | None, str]] = []
    for step, value, text in labels:
        inside = zoomed and data.zoom[0] <= step <= data.zoom[1]
        (zoom_labels if inside else main_labels).append((step, value, text))
    annotations: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    if zoomed:
        lo, hi = data.zoom
        main_labels.append(((lo + hi) / 2, None, "enlarged below ↓"))
        shapes.append(dict(type="rect", xref="x", yref="y domain", x0=lo, x1=hi, y0=0, y1=1,
                           fillcolor=ZOOM_FILL, line=dict(width=0), layer="below"))
    places, rows = _place_labels(main, main_labels, size)
    layout["yaxis"].update(_value_axis([data.train, data.val], log_y=log_y,
                                       headroom=rows * _row_height(main, size) + 0.03))
    annotations += _label_annotations(main, main_labels, places, layout["yaxis"]["range"],
                                      log_y=log_y, size=size)
    layout["yaxis"]["domain"] = list(main_dom)
    layout["xaxis"].update(range=list(main.x_range), anchor="y")
    if zoomed:
        lo, hi = data.zoom
        span = max(hi - lo, 1)
        zoom = _Panel("x2", "y2", (lo - 0.02 * span, hi + 0.02 * span), plot_w,
                      plot_h * (zoom_dom[1] - zoom_dom[0]))
        curves(data.zoom_steps, data.zoom_train, data.zoom_val, zoom, legend=False)
        marks(zoom, (lo, hi))
        places, rows = _place_labels(zoom, zoom_labels, size)
        layout["yaxis2"].update(_value_axis([data.zoom_train, data.zoom_val], log_y=log_y,
                                            headroom=rows * _row_height(zoom, size) + 0.03))
        annotations += _label_annotations(zoom, zoom_labels, places,
                                          layout["yaxis2"]["range"], log_y=log_y, size=size)
        layout["yaxis2"].update(domain=list(zoom_dom), anchor="x2",
                                title={"text": y_title})
        layout["xaxis2"].update(range=list(zoom.x_range), anchor="y2",
                                title={"text": f"step (steps {lo}–{hi} enlarged)"})
    layout["annotations"] = annotations
    layout["shapes"] = shapes
    return build(traces, layout)


# -- the fitted curve at each step ----------------------------------------------------------------
class FitFramesData(NamedTuple):
    """The data and the fitted curve on a grid at a few precomputed steps (the states)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    grid: np.ndarray
    truth: np.ndarray | None
    steps: np.ndarray
    curves: np.ndarray  # (len(steps), len(grid)), float32
    train_loss: np.ndarray
    val_loss: np.ndarray
    y_range: tuple[float, float]


def frame_steps(last: int, *, n_frames: int = 60, keep: Iterable[int] = ()) -> np.ndarray:
    """About ``n_frames`` steps from 0 to ``last``: dense early (where the fit changes fast,
    on a log scale), even later, plus the steps in ``keep``.

    Example: ``frame_steps(5)  # [0, 1, 2, 3, 4, 5]``
    """
    if last <= n_frames:
        return np.arange(last + 1)
    early = np.geomspace(1, last, n_frames // 2)
    even = np.linspace(0, last, n_frames - n_frames // 2)
    extra = [s for s in keep if 0 <= s <= last]
    return np.unique(np.concatenate([[0, last], np.round(early), np.round(even), extra])).astype(
        int
    )


def fit_frames_data(
    history: History,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    truth: bool = True,
    n_frames: int = 60,
    grid_points: int = 120,
    keep: Iterable[int] = (),
) -> FitFramesData:
    """The fitted curve at ~``n_frames`` steps of ``history`` on a grid over the data.

    ``truth`` adds ``sin(x)``, the curve ``make_curve`` draws its points around.
    """
    xs = np.concatenate([x_train, x_val])
    ys = np.concatenate([y_train, y_val])
    pad = 0.05 * max(float(np.ptp(xs)), 1e-9)
    grid = np.linspace(xs.min() - pad, xs.max() + pad, grid_points)
    steps = frame_steps(history.stop_step, n_frames=n_frames, keep=keep)
    design = history.model.features(grid)
    with np.errstate(all="ignore"):
        curves = (design @ history.params[steps].T).T
    span = max(float(np.ptp(ys)), 1e-6)
    y_range = (float(ys.min()) - 0.35 * span, float(ys.max()) + 0.35 * span)
    # Clip far outside the view: the browser draws the same picture, the JSON stays small.
    curves = np.clip(curves, y_range[0] - 10 * span, y_range[1] + 10 * span)
    val = history.val_loss if history.val_loss is not None else np.full_like(history.loss, np.nan)
    return FitFramesData(
        x_train=np.asarray(x_train, np.float64),
        y_train=np.asarray(y_train, np.float64),
        x_val=np.asarray(x_val, np.float64),
        y_val=np.asarray(y_val, np.float64),
        grid=grid.astype(np.float32),
        truth=np.sin(grid).astype(np.float32) if truth else None,
        steps=steps,
        curves=curves.astype(np.float32),
        train_loss=history.loss[steps],
        val_loss=val[steps],
        y_range=y_range,
    )


def _frame_label(step: int, train: float, val: float) -> str:
    return f"step {step}: training loss {train:.4g}, validation loss {val:.4g}"


def fit_frames_states(data: FitFramesData, *, state: int | None = None) -> States:
    """Every state of ``fit_frames_figure(data)``: the model's curve (the figure's last
    trace) at each precomputed step, with a caption giving the step and both losses. A
    sequence to play (``play=True``); ``state`` is the one shown first (the last if None)."""
    k = len(data.steps)
    index = k - 1 if state is None else int(np.clip(state, 0, k - 1))
    curve_index = 3 if data.truth is not None else 2
    captions = tuple(
        _frame_label(s, t, v)
        for s, t, v in zip(data.steps.tolist(), data.train_loss.tolist(),
                           data.val_loss.tolist(), strict=True)
    )
    return States("step", np.asarray(data.steps, np.int64), index,
                  traces={curve_index: {"y": round_sig(data.curves, 5)}},
                  captions=captions, play=True).check()


@figure
def fit_frames_figure(
    data: FitFramesData,
    *,
    loss_name: str,
    state: int | None = None,
    height: int = 460,
    compact: bool = False,
    presentation: bool = False,
    animate: bool = False,
) -> Spec:
    """The training points (filled), validation points (open), the true curve (dotted) and
    the model's curve at the step of ``state`` (an index into ``data.steps``; the last by
    default). ``fit_frames_states(data)`` holds every step; ``animate=True`` returns the
    figure with them as plotly frames, a slider and play/pause (for a notebook).

    Traces: the true curve (when ``data.truth``), training points, validation points, and
    last the model's curve. The model's name says the step shown.
    """
    states = fit_frames_states(data, state=state)
    k = states.index
    color = loss_color(loss_name)
    msize = marker_size(presentation)
    traces: list[dict[str, Any]] = []
    if data.truth is not None:
        traces.append(dict(
            type="scatter", x=data.grid, y=data.truth, mode="lines", name="true curve sin(x)",
            line=dict(color=TRUE_CURVE_COLOR, dash="dot", width=1.5), hoverinfo="skip",
        ))
    # Filled and open circles in grey: both read on the light and the dark theme.
    traces.append(dict(
        type="scatter", x=screen(data.x_train), y=screen(data.y_train), mode="markers",
        name="training points",
        marker=dict(color=POINT_COLOR, size=msize, line=dict(color=DATA_COLOR, width=1)),
        hovertemplate="training point<br>x %{x:.3g}, y %{y:.3g}<extra></extra>",
    ))
    traces.append(dict(
        type="scatter", x=screen(data.x_val), y=screen(data.y_val), mode="markers",
        name="validation points",
        marker=dict(symbol="circle-open", color=POINT_COLOR, size=msize + 1,
                    line=dict(width=2.5)),
        hovertemplate="validation point<br>x %{x:.3g}, y %{y:.3g}<extra></extra>",
    ))
    traces.append(dict(
        type="scatter", x=data.grid, y=states.traces[len(traces)]["y"][k], mode="lines",
        name=f"model ({loss_label(loss_name)})" if compact
        else f"model, trained with {loss_label(loss_name)}",
        line=dict(color=color, width=line_width(presentation)),
        hovertemplate="x %{x:.3g}<br>model %{y:.3g}<extra></extra>",
    ))
    layout = house_layout(height=height, presentation=presentation, x_title="x", y_title="y")
    layout["yaxis"].update(range=list(data.y_range), autorange=False)
    layout["xaxis"].update(range=[float(data.grid[0]), float(data.grid[-1])], autorange=False)
    fig = build(traces, layout)
    return with_frames(fig, states) if animate else fig


# -- learning-rate schedules ----------------------------------------------------------------------
class SchedulesData(NamedTuple):
    """Per schedule: thinned steps, training loss and learning rate; where it diverged."""

    names: tuple[str, ...]
    steps: tuple[np.ndarray, ...]
    loss: tuple[np.ndarray, ...]
    lr_steps: tuple[np.ndarray, ...]
    lr: tuple[np.ndarray, ...]
    diverged_at: tuple[int | None, ...]
    final_loss: tuple[float, ...]
    tail_loss: tuple[float, ...]  # mean training loss over the last tenth of the steps


def schedules_data(histories: Mapping[str, History], *, max_points: int = 300) -> SchedulesData:
    """Thin each schedule's run for the browser; ``histories`` maps schedule name to run."""
    names, steps, losses, lr_steps, lrs, div, final, tail = [], [], [], [], [], [], [], []
    for name, h in histories.items():
        idx = decimate([h.loss], max_points=max_points)
        names.append(name)
        steps.append(idx.astype(np.int32))
        losses.append(h.loss[idx].astype(np.float32))
        # The rates are smooth or piecewise constant: even thinning keeps their shape.
        n = len(h.lr)
        lidx = np.unique(np.linspace(0, max(n - 1, 0), min(n, max_points)).astype(int))
        lr_steps.append(lidx.astype(np.int32))
        lrs.append(h.lr[lidx].astype(np.float32) if n else np.empty(0, np.float32))
        div.append(h.diverged_at)
        final.append(h.final_loss)
        # a noisy (SGD) run's last value is luck; its level over the last tenth is not
        tail.append(float(np.mean(h.loss[-max(1, len(h.loss) // 10) :])))
    return SchedulesData(
        tuple(names), tuple(steps), tuple(losses), tuple(lr_steps), tuple(lrs), tuple(div),
        tuple(final), tuple(tail),
    )


@figure
def schedules_figure(
    data: SchedulesData, *, log_y: bool = True, height: int = 520, compact: bool = False,
    presentation: bool = False,
) -> Spec:
    """Top: training loss against step for each schedule. Bottom: the learning rate each
    schedule used at each step. Shared step axis; one colour per schedule, named in the
    legend (with the step where it diverged, if it did)."""
    width = line_width(presentation)
    traces: list[dict[str, Any]] = []
    for i, name in enumerate(data.names):
        color = SCHEDULE_COLORS.get(name, MARK_COLOR)
        label = name if data.diverged_at[i] is None else (
            f"{name} (diverged at step {data.diverged_at[i]})"
        )
        traces.append(dict(
            type="scatter", x=data.steps[i], y=data.loss[i], mode="lines", name=label,
            legendgroup=name, line=dict(color=color, width=width),
            hovertemplate=f"{name}<br>step %{{x}}<br>training loss %{{y:.4g}}<extra></extra>",
            xaxis="x", yaxis="y",
        ))
        traces.append(dict(
            type="scatter", x=data.lr_steps[i], y=data.lr[i], mode="lines", name=name,
            legendgroup=name, showlegend=False, line=dict(color=color, width=width * 0.8),
            hovertemplate=f"{name}<br>step %{{x}}<br>learning rate %{{y:.4g}}<extra></extra>",
            xaxis="x2", yaxis="y2",
        ))
    layout = house_layout(height=height + (60 if presentation else 0),
                          presentation=presentation, axes=("x", "y", "x2", "y2"))
    # Two rows on one step axis (as make_subplots(rows=2, shared_xaxes=True) lays them
    # out): the loss on top, 64% of the height after a 6% gap, the rate below.
    gap, top = 0.06, 0.64
    layout["xaxis"].update(anchor="y", domain=[0.0, 1.0], matches="x2", showticklabels=False)
    layout["yaxis"].update(
        anchor="x", domain=[1.0 - (1.0 - gap) * top, 1.0],
        title={"text": ("loss (log)" if compact else "training loss (log scale)") if log_y
               else "training loss"},
    )
    layout["xaxis2"].update(anchor="y2", domain=[0.0, 1.0], title={"text": "step"})
    layout["yaxis2"].update(
        anchor="x2", domain=[0.0, (1.0 - gap) * (1.0 - top)], rangemode="tozero",
        title={"text": "rate" if compact else "learning rate"},
    )
    rates = [float(np.nanmax(lr)) for lr in data.lr if np.isfinite(lr).any()]
    if rates and max(rates) > 0:  # 0 a little above the step axis: its "0" and the
        # step axis's "0" met in the corner
        layout["yaxis2"]["range"] = [-0.08 * max(rates), 1.08 * max(rates)]
    if log_y:
        extent = log_range(data.loss)
        if extent is not None:
            layout["yaxis"].update(log_axis(*extent))
        else:
            layout["yaxis"]["type"] = "log"
    return build(traces, layout)


__all__ = [
    "RULES",
    "RULE_LABELS",
    "CurvesData",
    "FitFramesData",
    "Mark",
    "SchedulesData",
    "StopPick",
    "curve_marks",
    "curves_data",
    "curves_figure",
    "decimate",
    "first_stop",
    "fit_frames_data",
    "fit_frames_figure",
    "fit_frames_states",
    "frame_steps",
    "log_ticks",
    "mark_labels",
    "schedules_data",
    "schedules_figure",
    "stopping_picks",
    "zoom_window",
]
