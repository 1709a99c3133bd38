"""Regression lab (placeholder until the full lab lands): one loss against the residual."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import lossviz
from lossviz.figures.style import base_layout, loss_color
from lossviz.state import field

DELTA = field("delta", "float", 1.0, low=0.1, high=5.0, step=0.1, section="regression")


def render() -> None:
    from lossviz.ui import controls

    delta = controls.slider(DELTA, "Huber delta")
    r = np.linspace(-4, 4, 201)
    fig = go.Figure()
    for name in ("mse", "mae", "huber"):
        loss = lossviz.get_loss(name, **({"delta": delta} if name == "huber" else {}))
        fig.add_scatter(x=r, y=loss.elementwise(r), name=loss.label,
                        line=dict(color=loss_color(name)))
    st.plotly_chart(base_layout(fig, x_title="residual r", y_title="loss"))
