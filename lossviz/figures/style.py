"""One place for the look of every chart: each loss's colour and name, fonts, sizes.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); a loss
keeps its colour and its name in every chart and caption.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import plotly.graph_objects as go

from lossviz.losses import available_losses, loss_class

OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}

LOSS_COLORS: dict[str, str] = {
    # regression
    "mse": OKABE_ITO["vermillion"],
    "mae": OKABE_ITO["blue"],
    "huber": OKABE_ITO["green"],
    "log_cosh": OKABE_ITO["purple"],
    "quantile": OKABE_ITO["orange"],
    "pseudo_huber": OKABE_ITO["sky"],
    "cauchy": "#8C6D31",
    "tukey": OKABE_ITO["grey"],
    # binary classification
    "cross_entropy": OKABE_ITO["blue"],
    "hinge": OKABE_ITO["vermillion"],
    "squared_hinge": OKABE_ITO["orange"],
    "modified_huber": OKABE_ITO["green"],
    "exponential": OKABE_ITO["purple"],
    "zero_one": "#777777",  # neutral (reference only); black would vanish on the dark theme
    # multiclass
    "softmax_cross_entropy": OKABE_ITO["blue"],
    "multiclass_hinge": OKABE_ITO["vermillion"],
    # user-written
    "custom": "#882255",
}
DASHES: dict[str, str] = {"zero_one": "dot", "custom": "dash"}

# learning-rate schedules (lossviz.SCHEDULES), one colour each in every chart
SCHEDULE_COLORS: dict[str, str] = {
    "constant": OKABE_ITO["grey"],  # the baseline; grey reads on light and dark themes
    "step": OKABE_ITO["orange"],
    "exponential": OKABE_ITO["sky"],
    "cosine": OKABE_ITO["green"],
    "warmup": OKABE_ITO["purple"],
}

DATA_COLOR = "#777777"  # mid grey: about 4:1 contrast on both the light and the dark theme
OUTLIER_COLOR = OKABE_ITO["vermillion"]
CLASS_COLORS = (OKABE_ITO["blue"], OKABE_ITO["orange"])  # class 0, class 1
CLASS_SYMBOLS = ("circle", "diamond")
FONT = "Inter, Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif"


def loss_color(name: str) -> str:
    """The colour of a loss in every chart (``custom`` for user-written losses)."""
    return LOSS_COLORS.get(name, LOSS_COLORS["custom"])


def loss_label(name: str) -> str:
    """The name a student reads for a loss (``"huber"`` -> ``"Huber"``)."""
    if name in available_losses():
        return loss_class(name).label
    return "Custom" if name == "custom" else name


# The few settings of plotly's "plotly_white" template the house look relies on (white
# paper, faint axis lines, left-aligned hover labels): the whole template is 7 KB per figure
# and costs ~10 ms to apply on every build, for colours every trace sets itself anyway.
_AXIS = {"automargin": True, "linecolor": "#EBF0F8", "ticks": "", "zerolinecolor": "#EBF0F8",
         "title": {"standoff": 12}}
HOUSE_TEMPLATE = {"layout": {"paper_bgcolor": "white", "plot_bgcolor": "white",
                             "hoverlabel": {"align": "left"}, "xaxis": _AXIS, "yaxis": _AXIS}}


@lru_cache(maxsize=1)
def _house_template() -> go.layout.Template:
    return go.layout.Template(HOUSE_TEMPLATE)


def base_layout(
    fig: go.Figure,
    *,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    height: int = 380,
    presentation: bool = False,
    **extra: Any,
) -> go.Figure:
    """Apply the house layout: fonts, margins, legend on top, light grid."""
    size = 17 if presentation else 13
    fig.update_layout(
        title=dict(text=title, x=0.0, xanchor="left", font=dict(size=size + 2)) if title else None,
        font=dict(family=FONT, size=size),
        height=height,
        margin=dict(l=56, r=16, t=48 if title else 24, b=48),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0),
        hovermode="closest",
        **extra,
    )
    fig.layout.template = _house_template()
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    fig.update_xaxes(showgrid=True, gridcolor="rgba(128,128,128,0.2)", zeroline=False)
    fig.update_yaxes(showgrid=True, gridcolor="rgba(128,128,128,0.2)", zeroline=False)
    return fig


def line_width(presentation: bool = False) -> float:
    return 4.0 if presentation else 2.5


def marker_size(presentation: bool = False) -> int:
    return 12 if presentation else 8
