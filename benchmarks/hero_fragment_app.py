"""A probe, not part of the app: the regression page's first picture alone, to measure what
a fragment design could reach against the 1.5x target (``bench_app_latency.py --probe``).

The outlier's distance and Huber's δ, the two charts of the first picture (lossviz's own
figures, states and chart component, as the app draws them), and ``?text=N`` unchanged lines
of text below: the app's regression page has some forty elements.

* ``?frag=1``: the sliders and the charts in an ``st.fragment``: a change reruns only them.
* ``?words=1``: the pull caption and the best-lines table as Streamlit elements beside the
  charts, as the app has them; without it they are left out, which bounds a design that
  would draw them inside the chart component.
* ``?strip=1``: a chart whose figure and states this session was already sent gets only the
  state to show (its texts left out): what the bytes of a change cost.

Run alone: ``streamlit run benchmarks/hero_fragment_app.py``
"""

import math

import numpy as np
import streamlit as st

from lossviz.figures import outliers as fo
from lossviz.ui import chart, widgets
from lossviz.ui.pages.regression import SHIFTS, at, dataset, hero

st.set_page_config(layout="wide")
query = st.query_params
texts = min(int(query.get("text", "0")), 100) if query.get("text", "0").isdigit() else 0
words = query.get("words") == "1"
strip = query.get("strip") == "1"


def lean(ready: chart.Prepared, key: str) -> chart.Prepared:
    # ?strip=1: a chart whose texts this browser already has gets only its state's index.
    sent = st.session_state.setdefault("probe_sent", set())
    if strip and (key, ready.rev) in sent:
        return ready._replace(figure="", states=None)
    sent.add((key, ready.rev))
    return ready


def first_picture() -> None:
    chart.forget_figures()
    left, right = st.columns([2.1, 1])
    with right:
        widgets.slider("reg_shift", "Outlier: how far above the line")
        widgets.slider("reg_delta", "Huber's δ")
    shift, delta = float(widgets.value("reg_shift")), float(widgets.value("reg_delta"))
    points = dataset(30, 1.0, 0, 1, shift, "right")
    # the axis sized for the distance, as the page does (one cached picture per 10 units)
    sized = math.copysign(max(10.0, 10.0 * math.ceil(abs(shift) / 10.0 - 1e-9)), shift or 1)
    y = points.y.copy()
    y[points.is_outlier] += sized - shift
    extra = None if np.isclose(SHIFTS, shift).any() else shift
    built = hero(points.x, y, points.is_outlier, delta, sized, extra, False)
    data = at(built.data, shift)
    with left:
        chart.chart(lean(built.lines, "reg_lines"), key="reg_lines", index=data.index,
                    param="reg_shift")
        chart.chart(lean(built.pulls, "reg_pulls"), key="reg_pulls", index=data.index,
                    param="reg_shift")
        if words:
            st.caption("Bars: how hard each point pulls. " + fo.pull_sentence(fo.pulls_data(data)))
    if words:
        rows = ["| best line | slope | intercept |", "|:--|--:|--:|"]
        rows += [f"| {name} | {w:.2f} | {b:.2f} |" for name, (w, b) in data.lines.items()]
        right.markdown("\n".join(rows))


(st.fragment(first_picture) if query.get("frag") == "1" else first_picture)()
for i in range(texts):
    st.markdown(f"An unchanged line of text, number {i + 1}, with **a few words** in bold.")
