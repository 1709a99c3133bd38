"""The baseline of the app latency benchmark: the least a Streamlit page with a chart can do.

One slider and one plotly chart of 201 points: what is left of a rerun's latency here is
Streamlit's own floor (websocket round trip, script run, React and plotly redraw) on this
machine. ``bench_app_latency.py`` times it next to the real app.

Run alone: ``streamlit run benchmarks/baseline_app.py``
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

delta = st.slider("Huber delta", min_value=0.1, max_value=5.0, value=1.0, step=0.1)
r = np.linspace(-4.0, 4.0, 201)
a = np.abs(r)
huber = np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))
st.plotly_chart(go.Figure(go.Scatter(x=r, y=huber, name="Huber")), key="curve")
