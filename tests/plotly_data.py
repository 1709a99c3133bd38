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
