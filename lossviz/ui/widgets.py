"""Widgets built from the parameters of ``lossviz.ui.params``: one spec gives bounds, default
and key, so a widget, the link and a lesson step always agree on a parameter.

Each widget is bound to the URL (``bind="query-params"``: Streamlit writes the address bar
from the browser as the value changes, so every view is a link) and keeps its value for the
whole session (``persist_state="session"``), also while its page is not shown. Its default
is the field's: the address bar leaves out exactly the values a link need not carry (a
widget's own default, such as a slider's minimum, would drop a value the link needs).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lossviz.state import Field
from lossviz.textsafe import escape_markdown
from lossviz.ui import params


def seed(f: Field) -> Any:
    """Put ``f``'s value in the session if it is missing or invalid; return the value.

    A widget reads its value from the session (its ``value=`` is the field's default, which
    the address bar leaves out); a value a stale session left out of bounds falls back to
    the default, so the widget never raises.
    """
    if f.key in st.session_state:
        value = st.session_state[f.key]
        try:
            checked = f.check(value)
        except (ValueError, TypeError):
            if f.kind == "text" and isinstance(value, str):
                return value  # typed text stays as typed: ``text()`` says what is wrong
        else:
            if checked != value or type(checked) is not type(value):
                st.session_state[f.key] = checked
            return checked
    st.session_state[f.key] = list(f.default) if f.kind == "multi" else f.default
    return st.session_state[f.key]


def value(key: str) -> Any:
    """The value parameter ``key`` has on this run (to draw what depends on it above it)."""
    return seed(params.get(key))


def _kw(kw: dict[str, Any]) -> dict[str, Any]:
    kw.setdefault("bind", "query-params")
    kw.setdefault("persist_state", "session")
    return kw


def slider(key: str, label: str, **kw: Any) -> Any:
    f = params.get(key)
    seed(f)
    if f.kind == "int":
        lo, hi, step, default = int(f.low), int(f.high), int(f.step or 1), int(f.default)
    else:
        lo, hi = float(f.low), float(f.high)
        step, default = (float(f.step) if f.step else None), float(f.default)
    return st.slider(label, min_value=lo, max_value=hi, value=default, step=step, key=key,
                     **_kw(kw))


def number(key: str, label: str, **kw: Any) -> Any:
    f = params.get(key)
    seed(f)
    if f.kind == "int":
        return st.number_input(label, min_value=int(f.low), max_value=int(f.high),
                               value=int(f.default), step=int(f.step or 1), key=key, **_kw(kw))
    return st.number_input(label, min_value=float(f.low), max_value=float(f.high),
                           value=float(f.default), step=float(f.step) if f.step else None,
                           key=key, **_kw(kw))


def choice(key: str, label: str, *, widget: str = "segmented", **kw: Any) -> Any:
    """One of the field's choices: a segmented control, a select box or radio buttons, each
    shown by the field's label (``Field.labels``)."""
    f = params.get(key)
    seed(f)
    kw = _kw(kw)
    format_func = f.label
    if f.optional:  # pills: a second click on the picked one puts it away again
        return st.pills(label, f.choices, format_func=format_func, selection_mode="single",
                        default=f.default, key=key, **kw)
    if widget == "select":
        return st.selectbox(label, f.choices, index=f.choices.index(f.default),
                            format_func=format_func, key=key, **kw)
    if widget == "radio":
        return st.radio(label, f.choices, index=f.choices.index(f.default),
                        format_func=format_func, key=key, **kw)
    picked = st.segmented_control(label, f.choices, format_func=format_func, required=True,
                                  default=f.default, key=key, **kw)
    return f.default if picked is None else picked


def multi(key: str, label: str, **kw: Any) -> list[Any]:
    """A subset of the field's choices, as pills shown by the field's label."""
    f = params.get(key)
    seed(f)
    picked = st.pills(label, f.choices, selection_mode="multi", format_func=f.label,
                      default=list(f.default), key=key, **_kw(kw))
    return [c for c in f.choices if c in (picked or [])]  # one order everywhere


def toggle(key: str, label: str, **kw: Any) -> bool:
    f = params.get(key)
    seed(f)
    return bool(st.toggle(label, value=bool(f.default), key=key, **_kw(kw)))


def text(key: str, label: str, **kw: Any) -> str:
    """A text input; text the app cannot use (a control character, say) stays in the box
    with a message under it, and the default is used meanwhile."""
    f = params.get(key)
    seed(f)
    typed = st.text_input(label, value=f.default, max_chars=f.max_len, key=key, **_kw(kw))
    try:
        return f.check(typed)
    except ValueError as err:
        st.error(escape_markdown(str(err)), icon="⚠️")
        return f.default


def presenting() -> bool:
    """True in presentation mode (for a projector): larger type, fewer controls."""
    return bool(st.session_state.get("present", False))


def compact() -> bool:
    """True on a phone (its browser says "Mobi" in its user agent): figures then use their
    narrow layout. Streamlit tells the server nothing about the screen's width."""
    try:
        agent = st.context.headers.get("user-agent", "") or ""
    except Exception:  # no browser (AppTest, bare mode)
        return False
    return "Mobi" in agent
