"""Pure figure builders: arrays and histories in, ``plotly.graph_objects.Figure`` out.

No streamlit here: a notebook user calls the same builders and gets the same pictures.
Each picture has a data step (a small NamedTuple of arrays) kept apart from a render step.
"""

from lossviz.figures.style import LOSS_COLORS, base_layout, loss_color, loss_label

__all__ = ["LOSS_COLORS", "base_layout", "loss_color", "loss_label"]
