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
from lossviz.textsafe import csv_text
from lossviz.ui import chart, params, url

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


def figure_of(fig: Any) -> go.Figure:
    """A drawn chart (``chart.Prepared``, a figure, or a builder of one) as the figure on
    screen: built only when a file is downloaded."""
    if callable(fig):
        fig = fig()
    return chart.as_figure(fig)


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
    """Equal-length columns (name -> 1-D values) as CSV (any text reads back as written)."""
    return csv_text({name: _cells(values)[:MAX_CSV_ROWS] for name, values in columns.items()})


def figure_html(fig: go.Figure | Callable[[], go.Figure]) -> str:
    """A standalone HTML page of ``fig`` that works offline (plotly.js embedded)."""
    return figure_of(fig).to_html(include_plotlyjs=True, full_html=True,
                                  config={"displaylogo": False})


TABLES = "_lossviz_tables"


def table(name: str, columns: Mapping[str, Any]) -> None:
    """Offer ``columns`` (name -> 1-D array, all the same length) as a CSV in the pack."""
    st.session_state.setdefault(TABLES, {})[name] = dict(columns)


def state_lesson(section: str) -> str:
    """The current page's non-default settings as a one-step lesson file."""
    fields = params.of(section)
    values = {k: v for k, v in url.values(section).items() if v != fields[k].default}
    return lesson_toml("My lossviz view", values, section=section)


def snippet(section: str) -> str:
    """A short runnable script that rebuilds the current view with the lossviz API."""
    from lossviz.ui import snippets

    values = {}
    for name in url.SECTIONS:
        values.update(url.values(name))
    return snippets.snippet(values, section)


OPEN_KEY = "lossviz_export_open"


def render(section: str) -> None:
    """The export box (meant for the sidebar). Its buttons are made only while it is open."""
    figures = chart.figures()
    tables: dict[str, Mapping[str, Any]] = st.session_state.get(TABLES, {})
    box = st.expander("Export this view", key=OPEN_KEY, on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption("Data as CSV, charts as standalone HTML, the settings as a lesson file, "
                   "and a Python script.")
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
            "Settings as a lesson file (TOML)", data=lambda: state_lesson(section),
            file_name="my_lesson.toml", mime="application/toml", key="export_lesson",
            on_click="ignore",
        )
        st.download_button(
            "Python script of this view", data=lambda: snippet(section),
            file_name="lossviz_view.py", mime="text/x-python", key="export_snippet",
            on_click="ignore",
        )
