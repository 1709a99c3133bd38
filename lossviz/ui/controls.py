"""Widgets built from ``lossviz.state`` fields: one spec gives label bounds, default and key.

Every control of the app goes through these helpers so that the state registry, the session
state and the URL all agree on each parameter:

- the widget is seeded from the field's default (or from a shared link, a lesson step);
- its value survives switching tabs (``persist_state="session"``), since only the open tab
  renders its widgets;
- every change is written to the URL query string at once (in the widget's callback, so it
  also works for widgets inside ``st.fragment``), which makes the address bar a shareable link.

Charts go through ``plot`` (house config, presentation mode applied, figure kept for the
export pack) and ``summary`` (a text line saying what changed in numbers, for screen readers
and for students who read rather than look).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from lossviz.state import Field, current_values, field, to_query

PRESENT = field("present", "bool", False, section="app")

SECTION_KEY = "section"  # the section switcher's key; its session value is the section's title
FIGURES_KEY = "_lossviz_figures"
TABLES_KEY = "_lossviz_tables"
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
PROJECTOR_FONT = 17  # base_layout's presentation font size


# -- URL sync ------------------------------------------------------------------------------
def section_keys() -> dict[str, str]:
    """Section title -> section key (``"Regression lab" -> "regression"``)."""
    from lossviz.ui import SECTIONS

    return {title: key for key, (title, _) in SECTIONS.items()}


def section_button(title: str) -> str:
    """A section's button text: its title without "lab", so all five buttons fit one row at a
    projector's width."""
    return title.removesuffix(" lab")


def section() -> str:
    """The section switcher at the top of the page (one button per section, the open one
    lit); returns the open section's key. A link or a lesson step sets it by its title."""
    keys = section_keys()
    titles = list(keys)
    if st.session_state.get(SECTION_KEY) not in keys:
        st.session_state[SECTION_KEY] = titles[0]
    title = st.segmented_control("Section", titles, key=SECTION_KEY, required=True,
                                 format_func=section_button,
                                 label_visibility="collapsed", width="content")
    return keys.get(title, keys[titles[0]])


def url_query(state: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The query parameters that reproduce ``state`` (default: this session's state).

    Only values that differ from their defaults are listed, so a link stays short; the open
    section comes first.
    """
    state = st.session_state if state is None else state
    out: dict[str, str] = {}
    keys = section_keys()
    label = state.get(SECTION_KEY)
    first = next(iter(keys.values()), None)
    if label in keys and keys[label] != first:
        out[SECTION_KEY] = keys[label]
    out.update(to_query(current_values(state)))
    return out


def sync_url(wanted: dict[str, str] | None = None) -> None:
    """Write this session's settings (``wanted``: their query, if known) to the address bar,
    only when they changed."""
    wanted = url_query() if wanted is None else wanted
    if wanted != st.query_params.to_dict():
        st.query_params.from_dict(wanted)


def _on_change(kw: dict[str, Any]) -> dict[str, Any]:
    """Chain the caller's ``on_change`` (if a callable) with the URL sync.

    ``url_from_page=True``: the run the change starts writes the address bar itself, from
    the page (``lossviz.ui.live.mount(url=...)``, in a fragment), so the server sends none.
    Streamlit's own write re-renders the whole page and adds a history entry per change.
    """
    user = kw.pop("on_change", None)
    args = kw.pop("args", None) or ()
    kwargs = kw.pop("kwargs", None) or {}
    from_page = kw.pop("url_from_page", False)

    def changed() -> None:
        from lossviz.ui import export

        if callable(user):
            user(*args, **kwargs)
        if not from_page:
            sync_url()
        export.refresh_state()  # the export box may not be drawn again on this run

    kw["on_change"] = changed
    kw.setdefault("persist_state", "session")
    return kw


def value(f: Field) -> Any:
    """The value ``f``'s widget will show on this run, before the widget is drawn (to draw
    what depends on it above it)."""
    _seed(f)
    return st.session_state[f.key]


def _seed(f: Field) -> None:
    # The widget reads its value from session state; seeding there (not via value=) avoids
    # Streamlit's warning about a widget given both a default and a session-state value.
    # A value that a stale session or a hand-edited link left out of bounds is replaced by
    # the default, so the widget never raises.
    if f.key in st.session_state:
        value = st.session_state[f.key]
        try:
            checked = f.check(value)
        except (ValueError, TypeError):
            pass
        else:
            if checked != value or type(checked) is not type(value):
                st.session_state[f.key] = checked
            return
    st.session_state[f.key] = list(f.default) if f.kind == "multi" else f.default


# -- widgets -------------------------------------------------------------------------------
def slider(f: Field, label: str, **kw: Any) -> Any:
    _seed(f)
    if f.kind == "int":
        lo, hi, step = int(f.low), int(f.high), int(f.step or 1)
    else:
        lo, hi, step = float(f.low), float(f.high), float(f.step) if f.step else None
    return st.slider(label, min_value=lo, max_value=hi, step=step, key=f.key, **_on_change(kw))


def number(f: Field, label: str, **kw: Any) -> Any:
    _seed(f)
    if f.kind == "int":
        return st.number_input(
            label, min_value=int(f.low), max_value=int(f.high), step=int(f.step or 1),
            key=f.key, **_on_change(kw),
        )
    return st.number_input(
        label, min_value=float(f.low), max_value=float(f.high),
        step=float(f.step) if f.step else None, key=f.key, **_on_change(kw),
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
    kw = _on_change(kw)
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
        label, f.choices, selection_mode="multi", format_func=format_func, key=f.key,
        **_on_change(kw),
    )
    return list(value or [])


def toggle(f: Field, label: str, **kw: Any) -> bool:
    _seed(f)
    return bool(st.toggle(label, key=f.key, **_on_change(kw)))


def text(f: Field, label: str, **kw: Any) -> str:
    _seed(f)
    return st.text_input(label, max_chars=f.max_len, key=f.key, **_on_change(kw))


# -- presentation mode, charts and their text summaries -----------------------------------
def presenting() -> bool:
    """True in presentation mode: pass it to ``base_layout(presentation=...)``; show fewer
    controls (put the advanced ones under ``if not presenting():``)."""
    return bool(st.session_state.get(PRESENT.key, False))


def for_projector(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` with larger text and thicker lines and markers, for a projector."""
    fig = go.Figure(fig)
    fig.update_layout(font_size=max(fig.layout.font.size or 13, PROJECTOR_FONT))
    for trace in fig.data:
        line = getattr(trace, "line", None)
        if line is not None and trace.type in ("scatter", "scattergl"):
            trace.line.width = 1.6 * (line.width or 2.0)
        marker = getattr(trace, "marker", None)
        if marker is not None and trace.type in ("scatter", "scattergl"):
            size = marker.size
            if isinstance(size, int | float):
                trace.marker.size = 1.4 * size
            elif size is None:
                trace.marker.size = 10
    return fig


def plot(fig: go.Figure, key: str, *, export: Any = None, **kw: Any) -> Any:
    """``st.plotly_chart`` with the house config; kept for the export pack as ``key`` (or
    ``export`` instead: a figure or a builder of this run's values, where the page shows a
    kept chart that the browser moves, ``lossviz.ui.live``).

    In presentation mode the figure is shown with larger text and thicker lines, unless it
    was already built for the projector (``base_layout(presentation=True)``: font >= 17),
    which is then shown untouched, animation frames and in-figure sliders included.
    """
    if presenting() and (fig.layout.font.size or 0) < PROJECTOR_FONT:
        fig = for_projector(fig)
    st.session_state.setdefault(FIGURES_KEY, {})[key] = fig if export is None else export
    kw.setdefault("width", "stretch")
    kw.setdefault("config", PLOT_CONFIG)
    return st.plotly_chart(fig, key=key, **kw)


def export_table(name: str, columns: Mapping[str, Any]) -> None:
    """Offer ``columns`` (name -> 1-D array, all the same length) as a CSV in the export pack."""
    st.session_state.setdefault(TABLES_KEY, {})[name] = dict(columns)


def _fmt(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "not a finite number"


def describe_change(
    previous: Mapping[str, float] | None, current: Mapping[str, float]
) -> str:
    """One plain sentence: each number now, and how far it moved since ``previous``.

    ``describe_change({"MSE slope": 1.0}, {"MSE slope": 1.8})`` ->
    ``"MSE slope 1.8 (up 0.8 since the last change)."``
    """
    parts = []
    for name, value in current.items():
        value = float(value)
        text = f"{name} {_fmt(value)}"
        old = None if previous is None else previous.get(name)
        if old is not None and math.isfinite(value) and math.isfinite(float(old)):
            delta = value - float(old)
            scale = max(abs(value), abs(float(old)), 1e-12)
            if abs(delta) <= 1e-9 * scale:
                text += " (unchanged)"
            else:
                way = "up" if delta > 0 else "down"
                text += f" ({way} {_fmt(abs(delta))} since the last change)"
        parts.append(text)
    return "; ".join(parts) + "." if parts else ""


def summary(key: str, values: Mapping[str, float], *, lead: str = "") -> str:
    """Show (and return) the text line under a chart: its numbers and what changed.

    ``key`` names the chart (one per chart); ``values`` maps a plain name to its number,
    ``{"MSE slope": 1.83, "MAE slope": 1.51}``. Call it right after ``plot``.
    """
    store = st.session_state.setdefault("_lossviz_summaries", {})
    current = {str(k): float(v) for k, v in values.items()}
    text = describe_change(store.get(key), current)
    store[key] = current
    line = f"{lead} {text}".strip()
    st.caption(line)
    return line
