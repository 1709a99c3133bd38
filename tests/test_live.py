"""lossviz.ui.live: which runs keep a chart on the page, and what they ask the browser."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lossviz.ui import live


def test_fingerprint_tells_inputs_apart():
    a = np.array([1.0, 2.0, 3.0])
    assert live.fingerprint(a, (1, 2), True) == live.fingerprint(a.copy(), (1, 2), True)
    assert live.fingerprint(a) != live.fingerprint(np.array([1.0, 2.0, 3.5]))
    assert live.fingerprint(a) != live.fingerprint(a.astype(np.float32))  # same values, dtype
    assert live.fingerprint(a) != live.fingerprint(a.reshape(3, 1))
    assert live.fingerprint(a, None) != live.fingerprint(a, False)


def _script():
    import streamlit as st

    from lossviz.ui import live

    plan = st.session_state["plan"]
    step = st.session_state.get("step", 0)
    inputs, value, follows = plan[step]
    got = live.anchor("chart", inputs, value, follows=follows)
    asked = live.follow("chart", inputs, value)
    live.mount({"chart": [live.frame_request(f"{value:g}")] if asked else []})
    st.session_state.setdefault("got", []).append((got.value, got.kept, asked))
    st.session_state["step"] = step + 1


def test_anchor_keeps_the_first_value_while_the_inputs_stay_the_same():
    at = AppTest.from_function(_script)
    at.session_state["plan"] = [
        ("a", 1.0, True),   # first build: anchored at 1, nothing to move
        ("a", 1.0, True),   # same again: kept, still nothing to move
        ("a", 2.0, True),   # same inputs: still built at 1, kept, moved to 2
        ("a", 1.0, True),   # back at 1: kept, and asked to show 1 again (it shows 2)
        ("b", 2.0, True),   # other inputs: built anew at 2
        ("b", 3.5, False),  # a value the browser cannot show: built anew
        ("b", 4.0, True),   # anchored at 3.5 since: moved to 4
    ]
    sent = []
    for _ in range(7):
        at.run()
        assert not at.exception
        [element] = [e for e in at.get("bidi_component")
                     if e.proto.component_name.endswith(live.NAME)]
        sent.append(json.loads(element.proto.json))
    assert at.session_state["got"] == [
        (1.0, False, False), (1.0, True, False), (1.0, True, True), (1.0, True, True),
        (2.0, False, False), (3.5, False, False), (3.5, True, True)]
    assert [s["charts"] for s in sent] == [{}, {}, {"chart": [{"frame": "2"}]},
                                           {"chart": [{"frame": "1"}]}, {}, {},
                                           {"chart": [{"frame": "4"}]}]
    runs = [s["run"] for s in sent]
    assert runs == sorted(set(runs)), "every run must reach the page script"


def _forgotten():
    import streamlit as st

    from lossviz.ui import live

    live.anchor("chart", "a", 1.0)
    if st.session_state.get("forget"):
        live.forget("chart")
    st.session_state["follows"] = live.follow("chart", "a", 2.0)


def test_a_forgotten_chart_is_not_moved():
    at = AppTest.from_function(_forgotten)
    at.run()
    assert at.session_state["follows"]
    at.session_state["forget"] = True
    at.run()
    assert not at.session_state["follows"]


def test_traces_request_needs_one_update_per_trace():
    assert live.traces_request([4], [{"y": [0.5, 1.5]}]) == {"traces": [4],
                                                            "data": [{"y": [0.5, 1.5]}]}
    with pytest.raises(ValueError, match="one update per trace"):
        live.traces_request([1, 2], [{"y": [0]}])


def test_the_page_script_is_static():
    # Only numbers, frame names and chart keys travel in the element's data; the script is
    # the package's own file, never built from values.
    text = live.script()
    assert text == live.SCRIPT.read_text(encoding="utf-8")
    for risky in ("innerHTML", "eval(", "Function("):
        assert risky not in text
