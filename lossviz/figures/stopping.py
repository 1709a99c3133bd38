"""When to stop: what each stopping rule picks from one run, and the pictures of it.

Data steps (NamedTuples of arrays) are kept apart from render steps (``go.Figure`` out):

- ``stopping_picks``: from ONE full run without stopping rules, the step at which each rule
  (budget, tolerance, gradient norm, early stopping) would stop, exactly as ``lossviz.fit``
  decides it. A rule only looks at the steps so far, so the run it would have stopped is a
  prefix of the full run: one run answers every rule and every setting of it.
- ``curves_figure``: training and validation loss against step, each rule's pick marked.
- ``fit_frames_figure``: the fitted curve over the data, with a slider and play button over
  precomputed steps; scrubbing runs in the browser, no server round trip.
- ``schedules_figure``: the training loss of the same run under each learning-rate schedule,
  with the learning rate itself underneath on a shared step axis.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go

from lossviz.figures._spec import FastFigure, build, house_layout
from lossviz.figures.style import (
    DATA_COLOR,
    FONT,
    OKABE_ITO,
    SCHEDULE_COLORS,
    line_width,
    loss_color,
    loss_label,
    marker_size,
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
MARK_COLOR = OKABE_ITO["black"]  # with a white rim, so the symbols read on a dark theme too
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


class CurvesData(NamedTuple):
    """Training and validation loss (thinned) and each rule's pick."""

    steps: np.ndarray
    train: np.ndarray
    val: np.ndarray
    picks: dict[str, StopPick]
    best_step: int
    best_val: float
    loss_name: str


def curves_data(
    history: History, picks: Mapping[str, StopPick], *, loss_name: str, max_points: int = 400
) -> CurvesData:
    """Thin the run's curves for the browser; ``loss_name`` picks colour and label."""
    if history.val_loss is None:
        raise ValueError("the run needs validation data: fit(..., validation=(x_val, y_val))")
    idx = decimate([history.loss, history.val_loss], max_points=max_points)
    return CurvesData(
        steps=idx.astype(np.int32),
        train=history.loss[idx].astype(np.float32),
        val=history.val_loss[idx].astype(np.float32),
        picks=dict(picks),
        best_step=history.best_step,
        best_val=float(history.val_loss[history.best_step]),
        loss_name=loss_name,
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


def curves_figure(
    data: CurvesData,
    *,
    log_y: bool = True,
    settings: Mapping[str, str] | None = None,
    height: int = 400,
    presentation: bool = False,
) -> go.Figure:
    """Training loss (thin, pale) and validation loss (bold) against step, in the loss's colour.

    Each rule that fires is marked on the validation curve at the step whose parameters it
    hands back (a black symbol per rule, named in the legend); the step with the lowest
    validation loss of the whole run is a star. ``settings`` puts each rule's setting in its
    legend name: ``{"tolerance": "1e-4", "gradient": "1e-2", "early_stopping": "50"}``.
    """
    settings = settings or {}
    color = loss_color(data.loss_name)
    label = loss_label(data.loss_name)
    width = line_width(presentation)
    # Both curves in the loss's colour: validation bold (the rules read it), training thin
    # and pale. Dashes would break up into noise on a jumpy SGD curve.
    traces: list[dict[str, Any]] = [
        dict(
            type="scatter", x=data.steps, y=data.train, mode="lines", name=f"training {label}",
            line=dict(color=color, width=max(1.0, 0.6 * width)), opacity=0.5,
            hovertemplate="step %{x}<br>training loss %{y:.4g}<extra></extra>",
        ),
        dict(
            type="scatter", x=data.steps, y=data.val, mode="lines",
            name=f"validation {label}", line=dict(color=color, width=width),
            hovertemplate="step %{x}<br>validation loss %{y:.4g}<extra></extra>",
        ),
    ]
    size = marker_size(presentation) + 4
    best = int(data.best_step)
    traces.append(dict(
        type="scatter", x=[best], y=[data.best_val], mode="markers",
        name=f"best validation: step {best}",
        marker=dict(symbol="star", size=size + 4, color=OKABE_ITO["yellow"],
                    line=dict(color=MARK_COLOR, width=1.5)),
        hovertemplate="lowest validation loss<br>step %{x}<br>%{y:.4g}<extra></extra>",
        legendrank=1100,  # listed last, drawn under the rules' symbols (often the same step)
    ))
    for rule in RULES:
        pick = data.picks.get(rule)
        if pick is None or pick.step is None:
            continue
        traces.append(dict(
            type="scatter", x=[pick.returned_step], y=[pick.val_loss], mode="markers",
            name=_pick_name(pick, settings),
            marker=dict(
                symbol=_RULE_SYMBOLS[rule], size=size, color=MARK_COLOR,
                line=dict(color="white", width=1.5),
            ),
            customdata=[[pick.step, pick.train_loss]],
            hovertemplate=(
                f"{RULE_LABELS[rule]}<br>stops at step %{{customdata[0]}}"
                "<br>hands back step %{x}<br>validation loss %{y:.4g}"
                "<br>training loss %{customdata[1]:.4g}<extra></extra>"
            ),
        ))
    layout = house_layout(
        height=height, presentation=presentation, x_title="step",
        y_title="loss (log scale)" if log_y else "loss",
    )
    if log_y:
        layout["yaxis"].update(_log_axis([data.train, data.val]))
    # two legend entries per row: seven entries stacked one per row would dwarf the chart
    layout["legend"].update(entrywidth=0.5, entrywidthmode="fraction")
    return build(traces, layout)


def log_ticks(lo: float, hi: float) -> list[float]:
    """Tick values 1, 2, 5 x 10^k covering ``[lo, hi]`` (positive) and one step beyond.

    Plotly's own log ticks label a short range with bare digits ("2", "5"), which students
    misread; these ticks carry full numbers.

    Example: ``log_ticks(0.03, 0.4)  # [0.02, 0.05, 0.1, 0.2, 0.5]``
    """
    lo, hi = max(lo, 1e-300), max(hi, lo)
    k0, k1 = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    ticks = [m * 10.0**k for k in range(k0, k1 + 1) for m in (1, 2, 5)]
    # one tick beyond each end: plotly's autorange pads the axis past the data, and the
    # padding should carry a label too (ticks outside the shown range are simply not drawn)
    below = [t for t in ticks if t < lo][-1:]
    above = [t for t in ticks if t > hi][:1]
    inside = below + [t for t in ticks if lo <= t <= hi] + above
    if len(inside) > 10:  # many decades: powers of ten are enough
        inside = [t for t in inside if np.isclose(t / 10.0 ** np.floor(np.log10(t)), 1.0)]
    return inside


def _log_axis(series: Iterable[np.ndarray]) -> dict[str, Any]:
    """The properties of a log axis over the positive values of ``series``, ticked by
    ``log_ticks``."""
    values = np.concatenate([np.asarray(s, np.float64).ravel() for s in series])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return {"type": "log"}
    ticks = log_ticks(float(values.min()), float(values.max()))
    return {"type": "log", "tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks]}


class FitFramesData(NamedTuple):
    """The data and the fitted curve on a grid at a few precomputed steps."""

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
    grid_points: int = 160,
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


class _FramesFigure(FastFigure):
    """A ``FastFigure`` whose frames keep their curves as numpy arrays (``fig.frames`` and
    ``frame_dicts`` read them as numbers) and send them as plotly's base64 typed arrays, as
    plotly's own frames do: half the JSON of a list of numbers."""

    def to_dict(self) -> dict:
        res = super().to_dict()
        if "frames" in res:
            res["frames"] = [
                {**frame, "data": [_typed_arrays(trace) for trace in frame["data"]]}
                for frame in res["frames"]
            ]
        return res


def _typed_arrays(trace: dict[str, Any]) -> dict[str, Any]:
    """``trace`` with each float32 array as ``{"dtype": "f4", "bdata": <base64>}``."""
    return {
        key: {"dtype": "f4", "bdata": base64.b64encode(value.astype("<f4")).decode("ascii")}
        if isinstance(value, np.ndarray) and value.dtype == np.float32 else value
        for key, value in trace.items()
    }


def _frame_label(step: int, train: float, val: float) -> str:
    return f"{step}: training loss {train:.4g}, validation loss {val:.4g}"


def fit_frames_figure(
    data: FitFramesData,
    *,
    loss_name: str,
    start: int | None = None,
    height: int = 460,
    presentation: bool = False,
) -> go.Figure:
    """The training points (filled), validation points (open), the true curve (dotted) and
    the model's curve at one step; a slider and a play button move through the steps.

    The slider's label states the step and both losses there. ``start`` is the index into
    ``data.steps`` shown first (default: the last step).
    """
    k = len(data.steps)
    start = k - 1 if start is None else int(np.clip(start, 0, k - 1))
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
        type="scatter", x=data.x_train, y=data.y_train, mode="markers", name="training points",
        marker=dict(color=POINT_COLOR, size=msize, line=dict(color=DATA_COLOR, width=1)),
        hovertemplate="training point<br>x %{x:.3g}, y %{y:.3g}<extra></extra>",
    ))
    traces.append(dict(
        type="scatter", x=data.x_val, y=data.y_val, mode="markers", name="validation points",
        marker=dict(symbol="circle-open", color=POINT_COLOR, size=msize + 1,
                    line=dict(width=2.5)),
        hovertemplate="validation point<br>x %{x:.3g}, y %{y:.3g}<extra></extra>",
    ))
    traces.append(dict(
        type="scatter", x=data.grid, y=data.curves[start], mode="lines",
        name=f"model, trained with {loss_label(loss_name)}",
        line=dict(color=color, width=line_width(presentation)),
        hovertemplate="x %{x:.3g}<br>model %{y:.3g}<extra></extra>",
    ))
    curve_index = len(traces) - 1
    names = [str(s) for s in data.steps.tolist()]
    # Plain dicts: each frame replaces the model curve's y, nothing else.
    frames = [
        dict(name=name, data=[dict(type="scatter", y=curve)], traces=[curve_index])
        for name, curve in zip(names, data.curves, strict=True)
    ]
    layout = house_layout(height=height, presentation=presentation, x_title="x", y_title="y")
    layout["yaxis"].update(range=list(data.y_range), autorange=False)
    layout["xaxis"].update(range=[float(data.grid[0]), float(data.grid[-1])], autorange=False)
    fast = dict(frame=dict(duration=0, redraw=False), mode="immediate",
                transition=dict(duration=0))
    play = dict(frame=dict(duration=80, redraw=False), mode="immediate", fromcurrent=True,
                transition=dict(duration=0))
    labels = [
        _frame_label(s, t, v)
        for s, t, v in zip(data.steps.tolist(), data.train_loss.tolist(),
                           data.val_loss.tolist(), strict=True)
    ]
    size = 15 if presentation else 12
    layout["margin"]["b"] = 118
    layout["sliders"] = [dict(
        active=start,
        x=0.15, len=0.85, y=-0.17, yanchor="top", pad=dict(t=0, b=0),
        ticklen=0, minorticklen=0,
        # the 60 step labels would overprint each other: they shrink to nothing, and the
        # one chosen is spelled out above the slider (in the theme's text colour)
        font=dict(size=1),
        currentvalue=dict(prefix="step ", xanchor="left", font=dict(family=FONT, size=size)),
        steps=[
            dict(label=label, method="animate", args=[[name], fast])
            for label, name in zip(labels, names, strict=True)
        ],
    )]
    layout["updatemenus"] = [dict(
        type="buttons", direction="left", showactive=False,
        x=0.0, y=-0.24, xanchor="left", yanchor="top", pad=dict(t=0, r=4),
        buttons=[
            dict(label="▶", method="animate", args=[None, play]),
            dict(label="❚❚", method="animate", args=[[None], fast]),
        ],
    )]
    return _FramesFigure(traces, layout, frames)


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


def schedules_figure(
    data: SchedulesData, *, log_y: bool = True, height: int = 520, presentation: bool = False
) -> go.Figure:
    """Top: training loss against step for each schedule. Bottom: the learning rate each
    schedule used at each step. Shared step axis; one colour per schedule."""
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
    layout = house_layout(height=height, presentation=presentation,
                          axes=("x", "y", "x2", "y2"))
    # Two rows on one step axis (as make_subplots(rows=2, shared_xaxes=True) lays them
    # out): the loss on top, 64% of the height after a 6% gap, the rate below.
    gap, top = 0.06, 0.64
    layout["xaxis"].update(anchor="y", domain=[0.0, 1.0], matches="x2", showticklabels=False)
    layout["yaxis"].update(
        anchor="x", domain=[1.0 - (1.0 - gap) * top, 1.0],
        title={"text": "training loss (log scale)" if log_y else "training loss"},
    )
    layout["xaxis2"].update(anchor="y2", domain=[0.0, 1.0], title={"text": "step"})
    layout["yaxis2"].update(
        anchor="x2", domain=[0.0, (1.0 - gap) * (1.0 - top)], title={"text": "learning rate"},
        rangemode="tozero",
    )
    if log_y:
        layout["yaxis"].update(_log_axis(data.loss))
    return build(traces, layout)
