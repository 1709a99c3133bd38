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


def chart(at: Any, key: str) -> dict:
    """The plotly figure JSON of the chart whose element key ends with ``key``."""
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(key):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart {key}")


def live_data(at: Any) -> dict:
    """All the run sent the page script (``lossviz/ui/live.js``); {} without the element."""
    for element in at.get("bidi_component"):
        if element.proto.component_name.endswith("lossviz_live"):
            return json.loads(element.proto.json)
    return {}


def live_requests(at: Any) -> dict[str, list[dict]]:
    """What the run asked the page script (``lossviz/ui/live.js``) to do, chart by chart."""
    return live_data(at).get("charts", {})


def _merge(target: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def shown(at: Any, key: str) -> dict:
    """The chart as the student sees it: the figure sent, moved by the run's live requests
    the way ``live.js`` moves it with ``Plotly.animate`` (a frame's data, or trace data,
    merged into the traces; a slider whose step shows that frame becomes active)."""
    fig = chart(at, key)
    for request in live_requests(at).get(key, []):
        if "frame" in request:
            frame = next(f for f in fig["frames"] if f["name"] == request["frame"])
            traces, data = frame["traces"], frame["data"]
            for slider in fig["layout"].get("sliders", []):
                names = [step["args"][0] for step in slider["steps"]]
                slider["active"] = names.index([request["frame"]])
        else:
            traces, data = request["traces"], request["data"]
        for index, update in zip(traces, data, strict=True):
            _merge(fig["data"][index], {k: v for k, v in update.items() if k != "type"})
    return fig


def share_box(at: Any) -> str:
    """The link the "Share this view" box got from the run (``lossviz/ui/share_link.js``
    shows it, then follows the address bar)."""
    for element in at.get("bidi_component"):
        if element.proto.component_name.endswith("lossviz_share_link"):
            return json.loads(element.proto.json)["link"]
    raise AssertionError("no share box")
