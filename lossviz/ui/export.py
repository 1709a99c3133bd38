"""The export pack: what is on screen, to take home.

- each chart's data as CSV (one row per plotted point: trace, x, y) and the tables a section
  offers through ``controls.export_table``;
- each chart as a standalone HTML file (plotly.js inside: it opens offline);
- the current settings as a lesson file (a teacher's starting point);
- a short Python snippet that rebuilds the current view with the lossviz API.

Files are built only when their button is clicked (``data=`` callables), so the pack costs
nothing on a normal rerun.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from lossviz.lessons import lesson_toml
from lossviz.state import REGISTRY, current_values
from lossviz.ui.controls import FIGURES_KEY, SECTION_KEY, TABLES_KEY, section_keys

MAX_CSV_ROWS = 100_000


def _cells(values: Any) -> list[Any]:
    if values is None:
        return []
    arr = np.asarray(values, dtype=object).ravel()
    return [v.item() if hasattr(v, "item") else v for v in arr]


def chart_title(key: str) -> str:
    """A chart's key as a reader's title: ``"reg_data_fig"`` -> ``"Data"``."""
    words = key.split("_")[1:] if "_" in key else [key]
    words = [w for w in words if w not in ("fig", "figure")] or [key]
    return " ".join(words).capitalize()


def figure_of(fig: go.Figure | Callable[[], go.Figure]) -> go.Figure:
    """``fig`` itself, or the figure its builder makes (the pack keeps a builder where the
    page shows a chart moved in the browser: the figure is only built when downloaded)."""
    return fig() if callable(fig) else fig


def figure_csv(fig: go.Figure | Callable[[], go.Figure]) -> str:
    """The plotted points of ``fig`` as CSV: ``trace,x,y`` (and ``z`` for surfaces).

    Animation frames are left out: the rows are what the chart shows now.
    """
    fig = figure_of(fig)
    out = io.StringIO()
    writer = csv.writer(out)
    has_z = any(getattr(t, "z", None) is not None for t in fig.data)
    writer.writerow(["trace", "x", "y", *(["z"] if has_z else [])])
    rows = 0
    for i, trace in enumerate(fig.data):
        name = trace.name or f"{trace.type} {i + 1}"
        xs = _cells(getattr(trace, "x", None))
        ys = _cells(getattr(trace, "y", None))
        zs = _cells(getattr(trace, "z", None)) if has_z else []
        if has_z and zs and np.ndim(trace.z) == 2:
            # A contour or heat map: one row per grid cell.
            grid = np.asarray(trace.z, dtype=float)
            gx = _cells(trace.x) or list(range(grid.shape[1]))
            gy = _cells(trace.y) or list(range(grid.shape[0]))
            for r, yv in enumerate(gy[: grid.shape[0]]):
                for c, xv in enumerate(gx[: grid.shape[1]]):
                    writer.writerow([name, xv, yv, grid[r, c]])
            rows += grid.size
            continue
        n = max(len(xs), len(ys), len(zs))
        for j in range(min(n, MAX_CSV_ROWS - rows)):
            row = [name, xs[j] if j < len(xs) else "", ys[j] if j < len(ys) else ""]
            if has_z:
                row.append(zs[j] if j < len(zs) else "")
            writer.writerow(row)
        rows += n
        if rows >= MAX_CSV_ROWS:
            break
    return out.getvalue()


def table_csv(columns: Mapping[str, Any]) -> str:
    """Equal-length columns (name -> 1-D values) as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    names = list(columns)
    cols = [_cells(columns[k]) for k in names]
    writer.writerow(names)
    n = max((len(c) for c in cols), default=0)
    for j in range(min(n, MAX_CSV_ROWS)):
        writer.writerow([c[j] if j < len(c) else "" for c in cols])
    return out.getvalue()


def figure_html(fig: go.Figure | Callable[[], go.Figure]) -> str:
    """A standalone HTML page of ``fig`` that works offline (plotly.js embedded)."""
    return figure_of(fig).to_html(include_plotlyjs=True, full_html=True,
                                  config={"displaylogo": False})


def state_lesson(state: Mapping[str, Any]) -> str:
    """The current non-default settings as a one-step lesson file."""
    values = {
        k: v for k, v in current_values(state).items()
        if REGISTRY[k].section != "app" and v != REGISTRY[k].default
    }
    section = section_keys().get(state.get(SECTION_KEY))
    return lesson_toml("My lossviz view", values, section=section)


def snippet(state: Mapping[str, Any]) -> str:
    """A short runnable script that rebuilds the current view with the lossviz API."""
    from lossviz.ui import snippets

    return snippets.snippet(state, section_keys().get(state.get(SECTION_KEY)))


OPEN_KEY = "lossviz_export_open"
STATE_KEY = "_lossviz_export_state"


def refresh_state() -> None:
    """Bring the settings the lesson file and the script are made from up to date (after a
    change that reran only part of the page; the export box itself is drawn with the page)."""
    snapshot = st.session_state.get(STATE_KEY)
    if isinstance(snapshot, dict):
        snapshot.clear()
        snapshot.update({k: v for k, v in st.session_state.items() if k != STATE_KEY})


def render() -> None:
    """The export box (meant for the sidebar). Its buttons are made only while it is open."""
    # Figures or builders, looked up when a button is pressed: a part of the page that reran
    # alone since (the Huber delta panel, say) has put its current figures in this same dict.
    figures: dict[str, Any] = st.session_state.get(FIGURES_KEY, {})
    tables: dict[str, Mapping[str, Any]] = st.session_state.get(TABLES_KEY, {})
    box = st.expander("Export this view", key=OPEN_KEY, on_change="rerun")
    if not box.open:
        st.session_state.pop(STATE_KEY, None)  # no buttons: nothing for changes to refresh
        return
    state = {k: v for k, v in st.session_state.items() if k != STATE_KEY}
    st.session_state[STATE_KEY] = state  # refresh_state() updates this very dict
    with box:
        st.caption("Data as CSV, charts as standalone HTML (the camera icon on each chart "
                   "saves a PNG), the settings as a lesson file, and a Python script.")
        for name, columns in tables.items():
            st.download_button(
                f"{name} (CSV)", data=lambda c=columns: table_csv(c), file_name=f"{name}.csv",
                mime="text/csv", key=f"export_table_{name}", on_click="ignore",
            )
        for key in figures:
            with st.container(horizontal=True, vertical_alignment="center"):
                st.markdown(chart_title(key))
                st.download_button(
                    "CSV", data=lambda k=key: figure_csv(figures[k]), file_name=f"{key}.csv",
                    mime="text/csv", key=f"export_csv_{key}", on_click="ignore",
                    help="The plotted points: trace, x, y.",
                )
                st.download_button(
                    "HTML", data=lambda k=key: figure_html(figures[k]), file_name=f"{key}.html",
                    mime="text/html", key=f"export_html_{key}", on_click="ignore",
                    help="The interactive chart as a page that works offline.",
                )
        st.download_button(
            "Settings as a lesson file (TOML)", data=lambda: state_lesson(state),
            file_name="my_lesson.toml", mime="application/toml", key="export_lesson",
            on_click="ignore",
        )
        st.download_button(
            "Python script of this view", data=lambda: snippet(state),
            file_name="lossviz_view.py", mime="text/x-python", key="export_snippet",
            on_click="ignore",
        )
