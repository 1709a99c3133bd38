"""The minimal page of the app latency benchmark: the least a Streamlit page with a chart does.

One slider and one plotly chart of 101 points drawn with ``st.plotly_chart``: what is left of
a change's latency here is Streamlit's own floor on this machine (websocket round trip,
script run, React and a plotly redraw). ``bench_app_latency.py`` times it next to the app.
The residuals reach past the largest delta, so that every step of the slider changes the
chart (with |r| <= 4, every delta from 4 to 5 drew the same parabola and nothing redrew).

``?text=N`` and ``?sliders=N`` (at most 100 each) add N elements that never change below the
chart (lines of text, sliders): ``bench_app_latency.py --floor`` times what unchanged
elements cost a change, since Streamlit's browser side redraws every element of a rerun.
``?fragment=1`` puts the slider and the chart in an ``st.fragment``, so a change reruns only
them: what is left of the unchanged elements' cost is what a fragment cannot save.

Run alone: ``streamlit run benchmarks/baseline_app.py``
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st


def curve() -> None:
    delta = st.slider("Huber delta", min_value=0.1, max_value=5.0, value=1.0, step=0.1)
    r = np.linspace(-6.0, 6.0, 101)
    a = np.abs(r)
    huber = np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))
    st.plotly_chart(go.Figure(go.Scatter(x=r, y=huber, name="Huber")), key="curve")


def _count(name: str) -> int:
    # A number from the link, 0 to 100 (anything else: 0).
    text = st.query_params.get(name, "0")
    return min(int(text), 100) if text.isdigit() else 0


(st.fragment(curve) if st.query_params.get("fragment") == "1" else curve)()
for i in range(_count("text")):
    st.markdown(f"An unchanged line of text, number {i + 1}, with **a few words** in bold.")
for i in range(_count("sliders")):
    st.slider(f"An unchanged slider, number {i + 1}", 0, 10, 5, key=f"unchanged_{i}")
