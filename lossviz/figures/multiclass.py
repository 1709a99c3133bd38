"""Multiclass losses on real pixels: linear classifiers of the 8x8 handwritten digits
trained with softmax cross-entropy and with the multiclass hinge.

``digits_data`` (the info step) takes the images, labels and each loss's fitted ``(65, 10)``
parameters and computes what the page shows: accuracy on held-out images, every training
image's margin (its true class's score minus the best other class's), the learned weights of
one loss as ten 8x8 pictures, and the held-out images that loss gets wrong. ``digits_figure``
(the render step) draws them: the weights on top, the margins of both losses and the
mistakes below.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from lossviz.figures._spec import Spec, build, figure
from lossviz.figures.style import house_layout, loss_color, loss_label, note_size
from lossviz.losses import available_losses

MULTICLASS = tuple(available_losses("multiclass"))
SIDE = 8  # the images are SIDE x SIDE pixels
MAX_MISTAKES = 6  # the held-out images drawn that the shown loss gets wrong
# Weights: blue below zero, white at zero, red above (zmid=0); ink: white paper, black ink.
WEIGHT_COLORS = [[0.0, "#2166ac"], [0.5, "#f7f7f7"], [1.0, "#b2182b"]]
INK = [[0.0, "#ffffff"], [1.0, "#000000"]]


class DigitsFit(NamedTuple):
    """One loss's classifier: its name and its parameters, ``(pixels + 1, classes)`` (the
    weights of each pixel, then the intercept)."""

    loss: str
    params: np.ndarray


class DigitsData(NamedTuple):
    """What the digits picture shows (arrays, in the order of ``losses``)."""

    losses: tuple[str, ...]
    accuracy: np.ndarray  # (L,) share of held-out images each loss gets right
    train_accuracy: np.ndarray  # (L,) the same on the training images
    margins: np.ndarray  # (L, n_train) true class's score minus the best rival's
    shown: str  # the loss whose weights and mistakes are drawn
    weights: np.ndarray  # (classes, SIDE, SIDE) that loss's weight of every pixel
    mistakes: np.ndarray  # (m, SIDE, SIDE) held-out images it gets wrong (m <= MAX_MISTAKES)
    mistake_true: np.ndarray  # (m,) their labels
    mistake_said: np.ndarray  # (m,) the class the classifier said
    wrong: int  # how many held-out images it gets wrong, in all
    n_test: int


def digits_split(pool: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The shipped 8x8 digits as ink from 0 to 1 and their labels, in a fixed random order
    (seed 0): the first ``pool`` images to train on (a page takes the first n of them), the
    rest held out. ``(x_pool, y_pool, x_test, y_test)``."""
    from lossviz import datasets

    ds = datasets.load("digits")
    order = np.random.default_rng(0).permutation(ds.n)
    x, y = np.asarray(ds.x)[order] / 16.0, np.asarray(ds.y)[order].astype(np.int64)
    return x[:pool], y[:pool], x[pool:], y[pool:]


def scores(x: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Every class's score ``x.W + b`` for images ``x`` (n, pixels): ``(n, classes)``."""
    params = np.asarray(params, dtype=np.float64)
    return x @ params[:-1] + params[-1]


def class_margins(f: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The true class's score minus the best other class's (positive: right, with room)."""
    rows = np.arange(len(y))
    labels = np.asarray(y, dtype=np.int64)
    true = f[rows, labels]
    others = f.copy()
    others[rows, labels] = -np.inf
    return true - others.max(axis=1)


def digits_data(x_train: Any, y_train: Any, x_test: Any, y_test: Any,
                fits: list[DigitsFit], shown: str) -> DigitsData:
    """The numbers behind the digits picture for ``fits`` (one per loss), with the weights
    and mistakes of the fit named ``shown``.

    A classifier says the class with the highest score; an image counts as right only if
    its true class's score is strictly the highest (a tie is a mistake).
    """
    x_train, x_test = (np.asarray(a, dtype=np.float64) for a in (x_train, x_test))
    y_train, y_test = (np.asarray(a).astype(np.int64) for a in (y_train, y_test))
    names = tuple(f.loss for f in fits)
    if shown not in names:
        raise ValueError(f"shown must be one of the fitted losses {names}; got {shown!r}")
    margins = [class_margins(scores(x_train, fit.params), y_train) for fit in fits]
    tests = [scores(x_test, fit.params) for fit in fits]
    test_margins = [class_margins(f, y_test) for f in tests]
    k = names.index(shown)
    params = np.asarray(fits[k].params, dtype=np.float64)
    wrong = np.flatnonzero(test_margins[k] <= 0)
    picked = wrong[:MAX_MISTAKES]
    return DigitsData(
        losses=names,
        accuracy=np.array([np.mean(m > 0) for m in test_margins]),
        train_accuracy=np.array([np.mean(m > 0) for m in margins]),
        margins=np.array(margins),
        shown=shown,
        weights=params[:-1].T.reshape(-1, SIDE, SIDE),
        mistakes=x_test[picked].reshape(-1, SIDE, SIDE),
        mistake_true=y_test[picked],
        mistake_said=tests[k][picked].argmax(axis=1),
        wrong=len(wrong),
        n_test=len(y_test),
    )


def _cells(area_x: tuple[float, float], area_y: tuple[float, float], n: int, cols: int,
           label_room: float) -> list[tuple[list[float], list[float]]]:
    """Domains of ``n`` pictures in ``cols`` columns filling an area (paper fractions), top
    row first, with ``label_room`` above each picture for its label."""
    rows = -(-n // cols)
    w = (area_x[1] - area_x[0]) / cols
    h = (area_y[1] - area_y[0]) / rows
    out = []
    for j in range(n):
        row, col = divmod(j, cols)
        x0 = area_x[0] + col * w
        y1 = area_y[1] - row * h - label_room
        out.append(([round(x0 + 0.005, 4), round(x0 + w - 0.005, 4)],
                    [round(max(y1 - h + label_room + 0.01, 0.0), 4), round(max(y1, 0.0), 4)]))
    return out


def _picture(z: np.ndarray, axis: int, domains: tuple[list[float], list[float]],
             layout: dict, **trace: Any) -> dict:
    """One 8x8 picture on axes number ``axis`` (row 0 of ``z`` at the top), square, without
    ticks, grid or zoom; its axes go into ``layout``."""
    sx = str(axis)  # axis 1 is the margins' histogram
    hidden = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="",
                  fixedrange=True, constrain="domain")
    layout[f"xaxis{sx}"] = dict(hidden, domain=domains[0], anchor=f"y{sx}")
    layout[f"yaxis{sx}"] = dict(hidden, domain=domains[1], anchor=f"x{sx}",
                                scaleanchor=f"x{sx}", constraintoward="top")
    return dict(type="heatmap", z=np.flipud(z).astype(np.float32), showscale=False,
                xaxis=f"x{sx}", yaxis=f"y{sx}", **trace)


def _label(text: str, axis: int, size: int) -> dict:
    """A picture's label, just above it (placed on its axes' domain, which the square
    shape shrinks, not on the cell it was given)."""
    return dict(text=text, x=0.5, y=1.0, xref=f"x{axis} domain", yref=f"y{axis} domain",
                xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=size))


def _heading(text: str, x: float, y: float, size: int) -> dict:
    return dict(text=text, x=x, y=y, xref="paper", yref="paper", xanchor="left",
                yanchor="bottom", showarrow=False, font=dict(size=size))


@figure
def digits_figure(data: DigitsData, *, height: int | None = None, compact: bool = False,
                  presentation: bool = False) -> Spec:
    """Top: every training image's margin under each loss (the comparison the picture is
    about), with hinge's margin of 1 marked, and held-out images the shown loss gets wrong,
    labelled "true → said". Below: the shown loss's weights for each class as an 8x8
    picture (red: ink there raises the class's score, blue: lowers it). On a wide page the
    margins and the mistakes sit side by side; on a phone (``compact``) everything is
    stacked and the weights take two rows."""
    classes = data.weights.shape[0]
    # The stacked layout (a phone, or a column beside a lesson step) takes 16 px notes on a
    # projector: its 20 px would run out of the width, and 12 px cannot be read from the
    # back of a room.
    size = 16 if presentation and compact else note_size(presentation) + 1
    if height is None:  # a projector's larger text gets a little more room
        height = (820 if compact else 540) + (40 if presentation else 0)
    layout = house_layout(height=height, presentation=presentation)
    layout.update(showlegend=True, barmode="overlay")
    layout["margin"].update(t=44, l=48, r=16)
    # Areas of the figure (paper fractions): the weights, the margins, the mistakes.
    if compact:
        hist_x, hist_y = (0.0, 1.0), (0.72, 0.95)
        mistakes_area, mistake_cols = ((0.0, 1.0), (0.47, 0.57)), 6
        weights_area, per_row = ((0.0, 1.0), (0.0, 0.37)), 5
    else:
        hist_x, hist_y = (0.0, 0.55), (0.47, 0.95)
        mistakes_area, mistake_cols = ((0.62, 1.0), (0.47, 0.86)), 3
        weights_area, per_row = ((0.0, 1.0), (0.0, 0.25)), classes
    traces: list[dict] = []
    colours = "red: ink there votes for the class, blue: against"
    # two lines: one ran out of the picture beside a lesson step
    notes = [_heading(f"{loss_label(data.shown)}: each class's weights<br>({colours})",
                      0.0, weights_area[1][1], size)]
    zmax = float(np.abs(data.weights).max()) or 1.0
    axis = 1
    for c, cell in enumerate(_cells(*weights_area, classes, per_row, 0.04)):
        axis += 1
        traces.append(_picture(data.weights[c], axis, cell, layout, colorscale=WEIGHT_COLORS,
                               zmid=0.0, zmin=-zmax, zmax=zmax,
                               hovertemplate=f"class {c}, weight %{{z:.3f}}<extra></extra>"))
        notes.append(_label(str(c), axis, size))
    # The margins of the training images under each loss, on the main axes.
    hx = ""
    # Every large margin is shown (the cross-entropy's long right tail is the point); on the
    # left, the 1% worst images of each loss are left out (a few far-off mistakes).
    low = min(float(np.percentile(m, 1)) for m in data.margins)
    high = max(max(float(np.max(m)) for m in data.margins), low + 1e-6)
    for k, name in enumerate(data.losses):
        traces.append(dict(type="histogram", x=data.margins[k].astype(np.float32),
                           name=loss_label(name), marker=dict(color=loss_color(name)),
                           opacity=0.6, xbins=dict(start=low, end=high, size=(high - low) / 40),
                           xaxis=f"x{hx}", yaxis=f"y{hx}",
                           hovertemplate="margin %{x}: %{y} images<extra>"
                                         + loss_label(name) + "</extra>"))
    title = ("margin (true − best other)" if compact
             else "margin: true class's score − best other's")
    layout[f"xaxis{hx}"] = dict(layout["xaxis"], domain=list(hist_x), anchor=f"y{hx}",
                                title=dict(text=title), range=[low, high])
    # Room above the tallest bar for the note "hinge is content at 1" at the top.
    edges = np.linspace(low, high, 41)
    tallest = max(int(np.histogram(m, bins=edges)[0].max()) for m in data.margins)
    layout[f"yaxis{hx}"] = dict(layout["yaxis"], domain=list(hist_y), anchor=f"x{hx}",
                                title=dict(text="training images"),
                                range=[0, 1.2 * max(tallest, 1)])
    layout["shapes"] = [dict(type="line", xref=f"x{hx}", yref=f"y{hx} domain", x0=1.0, x1=1.0,
                             y0=0.0, y1=1.0,
                             line=dict(color="rgba(0,0,0,0.6)", dash="dash", width=1.5))]
    notes.append(dict(text=" hinge is content at 1", x=1.0, y=1.0, xref=f"x{hx}",
                      yref=f"y{hx} domain", xanchor="left", yanchor="top", showarrow=False,
                      font=dict(size=size - 1)))
    layout["legend"].update(x=hist_x[0], y=hist_y[1] + 0.01, yanchor="bottom")
    # The held-out images the shown loss gets wrong.
    if len(data.mistakes):
        notes.append(_heading(f"{data.wrong} of {data.n_test} held-out images"
                              + (" " if compact else "<br>") + "wrong (true → said)",
                              mistakes_area[0][0],
                              mistakes_area[1][1] + 0.01, size))
        cells = _cells(*mistakes_area, len(data.mistakes), mistake_cols, 0.05)
        for j, cell in enumerate(cells):
            axis += 1
            traces.append(_picture(data.mistakes[j], axis, cell, layout, colorscale=INK,
                                   zmin=0.0, zmax=1.0,
                                   hovertemplate="ink %{z:.2f}<extra></extra>"))
            notes.append(_label(f"{data.mistake_true[j]} → {data.mistake_said[j]}", axis,
                                size))
    layout["annotations"] = notes
    return build(traces, layout)


def digits_sentence(data: DigitsData) -> str:
    """What the picture shows, in words, read off the numbers."""
    parts = []
    for k, name in enumerate(data.losses):
        parts.append(f"{loss_label(name)} {data.accuracy[k]:.1%}")
    said = (f"On {data.n_test:,} images neither fit saw, the classifiers get "
            + " and ".join(parts) + " right.")
    if "multiclass_hinge" in data.losses and "softmax_cross_entropy" in data.losses:
        h = data.margins[data.losses.index("multiclass_hinge")]
        ce = data.margins[data.losses.index("softmax_cross_entropy")]
        done = float(np.mean(h >= 1.0 - 1e-9))
        said += (f" The hinge is content once the true class wins by 1: {done:.0%} of the "
                 "training images are there and cost it nothing (its median margin is "
                 f"{np.median(h):.2f}). Cross-entropy is never zero, so it keeps pushing every "
                 f"margin up: its median is {np.median(ce):.2f}.")
    return said


__all__ = ["MULTICLASS", "DigitsData", "DigitsFit", "class_margins", "digits_data",
           "digits_figure", "digits_sentence", "digits_split", "scores"]
