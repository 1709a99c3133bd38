"""Reading what the app and the figure builders produce, shared by the tests."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np


def plotly_array(value: Any) -> np.ndarray:
    """A trace array whichever way a figure holds it: numpy, a list (None for gaps), or
    plotly's base64 typed data (``{"bdata": ..., "dtype": ..., "shape": ...}``), as float64."""
    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if value.get("shape"):
            out = out.reshape([int(s) for s in str(value["shape"]).split(",")])
        return out.astype(np.float64)
    flat = [np.nan if v is None else v for v in np.asarray(value, dtype=object).ravel()]
    return np.asarray(flat, dtype=np.float64).reshape(np.shape(value))


def ok(at: Any) -> Any:
    """The AppTest, after asserting its run raised nothing."""
    assert not at.exception, [e.message for e in at.exception]
    return at


FIGURES = "_lossviz_figures"  # lossviz.ui.chart.FIGURES: the figures drawn on a run


def figures(at: Any) -> dict[str, Any]:
    """The ``go.Figure`` of every chart the last run drew (showing the state on screen), by
    chart key, in page order."""
    from lossviz.ui.chart import as_figure

    drawn = dict(at.session_state[FIGURES]) if FIGURES in at.session_state else {}
    return {key: as_figure(value) for key, value in drawn.items()}


def charts(at: Any) -> list[str]:
    """The keys of the charts the last run drew, in page order."""
    return list(figures(at))


def chart(at: Any, key: str) -> dict:
    """The plotly JSON (``fig.to_json()``) of the chart ``key`` as the last run built it."""
    drawn = figures(at)
    if key not in drawn:
        raise AssertionError(f"no chart {key}; drawn: {list(drawn)}")
    return json.loads(drawn[key].to_json())


def _sent_elements(at: Any) -> list[Any]:
    return [e for e in at.get("bidi_component")
            if e.proto.component_name.endswith("lossviz.chart")]


def sent(at: Any, key: str) -> dict:
    """What the chart component ``key`` got from the last run: the figure and its states
    (parsed), the parameter its drag sets, the drag, the highlighted traces."""
    for element in _sent_elements(at):
        data = json.loads(element.proto.json)
        if data["key"] == key:
            data["figure"] = json.loads(data["figure"])
            data["states"] = json.loads(data["states"]) if data["states"] else None
            if data["states"] is not None:
                data["states"]["index"] = data["index"]  # sent apart from the states
                for rows in (*data["states"]["traces"].values(), data["states"]["layout"]):
                    for name, value in rows.items():
                        if isinstance(value, dict) and "bdata" in value:
                            rows[name] = plotly_array(value)  # float32, as float64
            return data
    raise AssertionError(f"no chart {key} sent")


def payload(at: Any) -> int:
    """Bytes the last run sent to the browser for its charts (figures and their states)."""
    return sum(len(e.proto.json) for e in _sent_elements(at))


def share_link(at: Any) -> str:
    """The link the sidebar's "Share this view" box shows."""
    return at.sidebar.code[0].value


def open_page(at: Any, section: str) -> Any:
    """Run ``at`` on page ``section`` (``lossviz.ui.url.open_page``), asserting no exception."""
    at.session_state["_lossviz_open_page"] = section
    return ok(at.run())
