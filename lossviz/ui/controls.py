"""Widgets built from ``lossviz.state`` fields: one spec gives label bounds, default and key.

Every control of the app goes through these helpers so that the state registry, the session
state and (later) the URL all agree on each parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from lossviz.state import Field


def _seed(f: Field) -> None:
    # The widget reads its value from session state; seeding there (not via value=) avoids
    # Streamlit's warning about a widget given both a default and a session-state value.
    if f.key not in st.session_state:
        st.session_state[f.key] = f.default


def slider(f: Field, label: str, **kw: Any) -> Any:
    _seed(f)
    if f.kind == "int":
        lo, hi, step = int(f.low), int(f.high), int(f.step or 1)
    else:
        lo, hi, step = float(f.low), float(f.high), float(f.step) if f.step else None
    return st.slider(label, min_value=lo, max_value=hi, step=step, key=f.key, **kw)


def number(f: Field, label: str, **kw: Any) -> Any:
    _seed(f)
    if f.kind == "int":
        return st.number_input(
            label, min_value=int(f.low), max_value=int(f.high), step=int(f.step or 1),
            key=f.key, **kw,
        )
    return st.number_input(
        label, min_value=float(f.low), max_value=float(f.high),
        step=float(f.step) if f.step else None, key=f.key, **kw,
    )


def choice(
    f: Field,
    label: str,
    *,
    widget: str = "segmented",
    format_func: Callable[[Any], str] = str,
    **kw: Any,
) -> Any:
    """One of ``f.choices``; a segmented control, a select box or radio buttons."""
    _seed(f)
    if widget == "select":
        return st.selectbox(label, f.choices, format_func=format_func, key=f.key, **kw)
    if widget == "radio":
        return st.radio(label, f.choices, format_func=format_func, key=f.key, **kw)
    value = st.segmented_control(
        label, f.choices, format_func=format_func, required=True, key=f.key, **kw
    )
    return f.default if value is None else value


def multi(
    f: Field, label: str, *, format_func: Callable[[Any], str] = str, **kw: Any
) -> list[Any]:
    """A subset of ``f.choices``, as pills."""
    _seed(f)
    value = st.pills(
        label, f.choices, selection_mode="multi", format_func=format_func, key=f.key, **kw
    )
    return list(value or [])


def toggle(f: Field, label: str, **kw: Any) -> bool:
    _seed(f)
    return bool(st.toggle(label, key=f.key, **kw))


def text(f: Field, label: str, **kw: Any) -> str:
    _seed(f)
    return st.text_input(label, max_chars=f.max_len, key=f.key, **kw)
