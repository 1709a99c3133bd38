"""The class's answers, revealed: a histogram of numbers or bars of choices, the true answer
marked (and, on a student's phone, their own answer).

Data step (``answers_data``: the answers and the question in, counts out) apart from the
render step (``answers_figure``), as in the other figure modules.

Example::

    q = Question("Slope?", "number", 2.0, low=-10, high=10)
    fig = answers_figure(answers_data([1.5, 2.0, 2.1, 3.0], q, mine=1.5))
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from lossviz.classroom.questions import Question
from lossviz.figures._spec import Spec, build, figure
from lossviz.figures.style import DATA_COLOR, OKABE_ITO, house_layout, note_size
from lossviz.numbers import figure_text

TRUTH_COLOR = OKABE_ITO["green"]
MINE_COLOR = OKABE_ITO["blue"]
MAX_BINS = 20  # bars a phone shows side by side, each still a thumb's width apart


class AnswersData(NamedTuple):
    """Counts of the answers: per bin (numbers: ``edges``) or per choice (``labels``)."""

    kind: str
    labels: tuple[str, ...]  # the choices, or each bin's range as text
    centers: np.ndarray  # the bins' centres (numbers) or 0, 1, ... (choices)
    edges: np.ndarray  # the bins' edges (numbers; empty for choices)
    counts: np.ndarray
    truth: float | str
    mine: float | str | None
    unit: str
    n: int
    median: float  # the middle number answer (NaN for choices or no answers)


def _bin_edges(values: np.ndarray, truth: float) -> np.ndarray:
    lo, hi = float(min(values.min(initial=truth), truth)), float(max(values.max(initial=truth),
                                                                      truth))
    if hi - lo < 1e-9:  # every answer (and the truth) the same number: one bar around it
        half = max(abs(lo) * 0.05, 0.05)
        return np.array([lo - half, lo + half])
    edges = np.histogram_bin_edges(values if len(values) else np.array([truth]),
                                   bins="auto", range=(lo, hi))
    if len(edges) - 1 > MAX_BINS:
        edges = np.linspace(lo, hi, MAX_BINS + 1)
    return edges


def answers_data(values: Sequence[float | str], question: Question, *,
                 mine: float | str | None = None) -> AnswersData:
    """Count ``values`` (the class's answers to ``question``) for the chart.

    Numbers: ``numpy.histogram`` bins over the answers and the true answer together (numpy's
    ``"auto"`` rule, at most ``MAX_BINS``), the last bin closed on the right. Choices: one
    count per choice, in the question's order; answers that are not a choice are left out.
    """
    if question.kind == "choice":
        labels = tuple(question.choices)
        counts = np.array([sum(1 for v in values if v == c) for c in labels], dtype=np.int64)
        return AnswersData("choice", labels, np.arange(len(labels), dtype=np.float64),
                           np.empty(0), counts, question.truth, mine, question.unit,
                           int(counts.sum()), float("nan"))
    numbers = np.asarray([v for v in values if not isinstance(v, str)], dtype=np.float64)
    edges = _bin_edges(numbers, float(question.truth))
    counts, _ = np.histogram(numbers, bins=edges)
    labels = tuple(f"{figure_text(a)} to {figure_text(b)}" for a, b in itertools.pairwise(edges))
    return AnswersData("number", labels, (edges[:-1] + edges[1:]) / 2, edges,
                       counts.astype(np.int64), float(question.truth), mine, question.unit,
                       int(counts.sum()), float(np.median(numbers)) if len(numbers)
                       else float("nan"))


@figure
def answers_figure(data: AnswersData, *, height: int = 300, presentation: bool = False
                   ) -> Spec:
    """Bars of the answers with the true answer marked (a green line for numbers, the green
    bar for choices) and the student's own answer (a blue dashed line or outline).

    Trace names: ``"answers"``, ``"true answer"`` and, with ``mine``, ``"your answer"``.
    """
    top = max(int(data.counts.max(initial=0)), 1) * 1.15
    traces: list[dict] = []
    if data.kind == "choice":
        colours = [TRUTH_COLOR if c == data.truth else DATA_COLOR for c in data.labels]
        outline = [3 if c == data.mine else 0 for c in data.labels]
        traces.append(dict(type="bar", x=list(data.labels), y=data.counts, name="answers",
                           marker=dict(color=colours, line=dict(color=MINE_COLOR,
                                                                width=outline)),
                           text=data.counts, textposition="outside",
                           hovertemplate="%{x}: %{y} answers<extra></extra>"))
        truth_count = int(data.counts[data.labels.index(data.truth)])
        traces.append(dict(type="scatter", mode="markers+text", x=[data.truth],
                           y=[truth_count + top * 0.08], name="true answer",
                           marker=dict(symbol="star", size=16, color=TRUTH_COLOR),
                           text=["true answer"], textposition="top center",
                           textfont=dict(size=note_size(presentation)), hoverinfo="skip"))
        if data.mine is not None and data.mine in data.labels:
            traces.append(dict(type="scatter", mode="markers", x=[data.mine], y=[0],
                               name="your answer", hoverinfo="skip",
                               marker=dict(symbol="triangle-up", size=14, color=MINE_COLOR)))
        x_title, top = "", top * 1.3
    else:
        widths = np.diff(data.edges)
        traces.append(dict(type="bar", x=data.centers, y=data.counts, width=widths * 0.92,
                           name="answers", marker=dict(color=DATA_COLOR),
                           customdata=list(data.labels),
                           hovertemplate="%{customdata}: %{y} answers<extra></extra>"))
        traces.append(dict(type="scatter", mode="lines+text", x=[data.truth, data.truth],
                           y=[0, top], name="true answer",
                           line=dict(color=TRUTH_COLOR, width=4), text=["", "true answer"],
                           textposition="top center",
                           textfont=dict(size=note_size(presentation), color=TRUTH_COLOR),
                           hovertemplate=f"true answer: {data.truth:.4g}<extra></extra>"))
        if data.mine is not None and not isinstance(data.mine, str):
            traces.append(dict(type="scatter", mode="lines", x=[data.mine, data.mine],
                               y=[0, top * 0.8], name="your answer",
                               line=dict(color=MINE_COLOR, width=3, dash="dash"),
                               hovertemplate=f"your answer: {data.mine:.4g}<extra></extra>"))
        x_title = data.unit or "answer"
    layout = house_layout(height=height, presentation=presentation, x_title=x_title,
                          y_title="students")
    # Whole students on the count axis: a tick every 1, 2, 5, 10, ... students.
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if top / s <= 6)
    layout["yaxis"].update(range=[0, top * 1.12], fixedrange=True, dtick=step, tick0=0)
    layout["xaxis"].update(fixedrange=True)
    if data.kind == "number":  # half a bar of room at each end: no mark on the axis line
        pad = 0.5 * float(np.diff(data.edges).min())
        layout["xaxis"].update(range=[float(data.edges[0]) - pad, float(data.edges[-1]) + pad])
    layout.update(dragmode=False, bargap=0.08, showlegend=False)
    layout["margin"].update(t=16)
    return build(traces, layout)


def answers_sentence(data: AnswersData) -> str:
    """One plain sentence under the chart: how many answered, and how many picked the true
    choice or where the middle answer lies against the true number."""
    if data.n == 0:
        return "Nobody answered this one."
    if data.kind == "choice":
        right = int(data.counts[data.labels.index(data.truth)])
        return f"{right} of {data.n} picked the true answer, {data.truth}."
    return (f"{data.n} answered; the middle answer is {figure_text(data.median)}, the true "
            f"answer {figure_text(data.truth)}.")
