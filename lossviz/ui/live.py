"""Charts that follow a control in the browser instead of being sent and drawn again.

Streamlit replaces a plotly chart whenever its figure changes: the browser throws the old
chart away and plotly draws the new one from nothing (50-70 ms for each of the regression
lab's charts on the 2-core test machine). Moving the page's Huber delta changed two charts
that way, although only a few traces in them depend on delta, and the curves chart already
holds every delta of the slider's grid as an animation frame.

So a chart can be *anchored*: while its other inputs stay the same, the page keeps sending
the figure as first built (same JSON: Streamlit sees an unchanged element and the browser
keeps the chart it has), and the few traces that follow the control are moved in the
browser by a small static script (``live.js`` beside this module), through plotly's own
``Plotly.animate`` -- the same call the chart's in-figure slider makes:

- ``anchor(key, inputs, value)`` returns the value to build the chart with this run: the
  value it was first built with, if ``inputs`` (everything else the figure depends on) are
  unchanged (the chart is *kept*), else ``value`` itself (the figure is then built anew and
  the anchor moves);
- ``follow(key, inputs, value)`` says whether the kept chart must be moved to ``value``;
- ``frame_request(name)`` (show animation frame ``name``) and ``traces_request(traces,
  updates)`` (set data of some traces, e.g. a line's y values and its hover text) are what
  ``mount(requests)`` sends to the page, from one fixed place of the page (it can sit in a
  fragment: moving the slider then reruns the fragment alone).

A kept chart gets a request on every run once it was moved, also when the value is back at
the anchor (the chart shows another value since). The script applies a request once per
chart element, so what the student does in the chart (scrubbing its slider) stays until
the value changes. A chart built anew gets no request: its figure already shows the value.

No user text reaches the script: it receives numbers, frame names the app made, and the
chart keys of the app's own code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode

import numpy as np
import streamlit as st

NAME = "lossviz_live"
SCRIPT = Path(__file__).with_name("live.js")
ANCHORS = "_lossviz_live_anchors"  # chart key -> (fingerprint of its inputs, value built with)
RUNS = "_lossviz_live_runs"  # a counter, so the script hears from every run


@cache
def script() -> str:
    """The page script (``live.js``), as it is in the package."""
    return SCRIPT.read_text(encoding="utf-8")


def fingerprint(*parts: Any) -> str:
    """A short digest of numbers, arrays and strings: equal inputs give equal digests."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, np.ndarray):
            arr = np.ascontiguousarray(part)
            h.update(f"{arr.dtype.str}{arr.shape}".encode())
            h.update(arr.tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


class Anchor(NamedTuple):
    """What to build a chart with this run: ``value``; and whether the chart on the page is
    ``kept`` (built before with the same inputs)."""

    value: float
    kept: bool


def anchor(key: str, inputs: str, value: float, *, follows: bool = True) -> Anchor:
    """The value to build chart ``key`` with on this run.

    ``inputs`` is the fingerprint of everything but ``value`` that the figure depends on.
    If the chart was built before with the same inputs: the value it was built with, and
    ``kept`` (the page keeps its chart; ``follow`` then says whether to move it). Otherwise
    ``value``, not kept, and the chart becomes anchored there. ``follows=False`` (a value
    the browser cannot show, say) always builds anew.
    """
    anchors = st.session_state.setdefault(ANCHORS, {})
    held = anchors.get(key)
    if follows and held is not None and held[0] == inputs:
        return Anchor(held[1], True)
    anchors[key] = [inputs, value, False]  # inputs, value built with, moved since
    return Anchor(value, False)


def follow(key: str, inputs: str, value: float) -> bool:
    """Must the page's chart ``key`` be asked to show ``value``?

    Yes if it was built from these ``inputs`` (so the page keeps it) and ``value`` is not the
    one it was built with -- or is, but the chart was moved away from it since.
    """
    held = st.session_state.get(ANCHORS, {}).get(key)
    if held is None or held[0] != inputs:
        return False
    if value != held[1]:
        held[2] = True
    return bool(held[2])


def forget(key: str) -> None:
    """Drop chart ``key``'s anchor: its next build is anew."""
    st.session_state.get(ANCHORS, {}).pop(key, None)


def frame_request(name: str) -> dict[str, Any]:
    """Show the chart's animation frame ``name`` (as its own slider would)."""
    return {"frame": str(name)}


def traces_request(traces: Sequence[int], updates: Sequence[Mapping[str, Any]]
                   ) -> dict[str, Any]:
    """Set data of the chart's traces, e.g. ``traces_request([4], [{"y": [...]}])``."""
    if len(traces) != len(updates):
        raise ValueError("one update per trace")
    return {"traces": [int(t) for t in traces], "data": [dict(u) for u in updates]}


def mount(requests: Mapping[str, Sequence[Mapping[str, Any]]], *,
          url: Mapping[str, str] | None = None) -> None:
    """Send ``requests`` (chart key -> requests) to the page, from a fixed place of the page.

    The element takes no room. It carries a run counter, so the script runs after every run
    (a chart drawn again from its anchored figure -- after switching views, say -- needs the
    request again). ``url``: the query parameters of the view, which the page writes to the
    address bar (replacing the current entry) if they differ from what it shows -- for a
    fragment, whose runs do not reach the page's own URL sync.
    """
    runs = st.session_state.get(RUNS, 0) + 1
    st.session_state[RUNS] = runs
    charts = {str(k): [dict(r) for r in v] for k, v in requests.items() if v}
    data: dict[str, Any] = {"run": runs, "charts": charts}
    if url is not None:
        query = urlencode({str(k): str(v) for k, v in url.items()})
        data["search"] = f"?{query}" if query else ""
    component = st.components.v2.component(NAME, js=script(), isolate_styles=False)
    component(key=NAME, data=data, height=0)
