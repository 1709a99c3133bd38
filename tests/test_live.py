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
    inputs, value, follows, ask = plan[st.session_state.get("step", 0)]
    got = live.anchor("chart", inputs, value, follows=follows)
    if ask:
        live.show_frame("chart", f"{value:g}")
    st.session_state.setdefault("got", []).append((got.value, got.kept))
    st.session_state["step"] = st.session_state.get("step", 0) + 1
    live.mount()


def test_anchor_keeps_the_first_value_while_the_inputs_stay_the_same():
    at = AppTest.from_function(_script)
    at.session_state["plan"] = [
        ("a", 1.0, True, False),   # first build: anchored at 1
        ("a", 2.0, True, True),    # same inputs: still built at 1, kept, moved to 2
        ("a", 1.0, True, True),    # back at 1: kept, and asked to show 1 again
        ("b", 2.0, True, False),   # other inputs: built anew at 2
        ("b", 3.5, False, False),  # a value the browser cannot reach: built anew
        ("b", 4.0, True, True),    # anchored at 3.5 since
    ]
    sent = []
    for _ in range(6):
        at.run()
        assert not at.exception
        [element] = [e for e in at.get("bidi_component")
                     if e.proto.component_name.endswith(live.NAME)]
        sent.append(json.loads(element.proto.json))
    assert at.session_state["got"] == [(1.0, False), (1.0, True), (1.0, True), (2.0, False),
                                       (3.5, False), (3.5, True)]
    assert [s["charts"] for s in sent] == [{}, {"chart": [{"frame": "2"}]},
                                           {"chart": [{"frame": "1"}]}, {}, {},
                                           {"chart": [{"frame": "4"}]}]
    runs = [s["run"] for s in sent]
    assert runs == sorted(set(runs)), "every run must reach the page script"


def _interrupted():
    import streamlit as st

    from lossviz.ui import live

    if not st.session_state.get("again"):
        live.anchor("chart", "a", 1.0)
        live.show_frame("chart", "9")  # as if the run stopped before mount()
        st.session_state["again"] = True
        return
    live.anchor("chart", "b", 2.0)  # built anew: the earlier request must not reach the page
    live.mount()


def test_a_request_of_an_interrupted_run_is_dropped():
    at = AppTest.from_function(_interrupted)
    at.run()
    at.run()
    assert not at.exception
    [element] = [e for e in at.get("bidi_component")
                 if e.proto.component_name.endswith(live.NAME)]
    assert json.loads(element.proto.json)["charts"] == {}


def test_move_traces_needs_one_update_per_trace():

    with pytest.raises(ValueError, match="one update per trace"):
        live.move_traces("chart", [1, 2], [{"y": [0]}])


def test_the_page_script_is_static():
    # Only numbers, frame names and chart keys travel in the element's data; the script is
    # the package's own file, never built from values.
    text = live.script()
    assert text == live.SCRIPT.read_text(encoding="utf-8")
    for risky in ("innerHTML", "eval(", "Function("):
        assert risky not in text
