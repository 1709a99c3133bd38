"""The classroom sidebar: presentation mode, guided lessons, the share link, the export pack."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lossviz.ui import controls, export, lessons, memory, share
from lossviz.ui.controls import FIGURES_KEY, PRESENT, TABLES_KEY

# Static CSS only (nothing dynamic ever reaches it): Streamlit sizes text in rem, so a larger
# root font scales every label, metric and caption for the back row of a classroom.
_PROJECTOR_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMetricValue"] { font-size: 2.4rem; }
</style>"""


@dataclass
class Sidebar:
    share: st.delta_generator.DeltaGenerator
    export: st.delta_generator.DeltaGenerator


def begin_run() -> None:
    """Forget the figures of the last run; apply presentation mode's larger type."""
    memory.watch()  # once per process: give memory back when the class has left
    st.session_state[FIGURES_KEY] = {}
    st.session_state[TABLES_KEY] = {}
    if controls.presenting():
        st.html(_PROJECTOR_CSS)


def sidebar() -> Sidebar:
    """Fill the sidebar's top (mode and lessons); return the boxes filled after the section."""
    with st.sidebar:
        controls.toggle(
            PRESENT,
            "Presentation mode",
            help="For a projector: larger text, thicker lines and markers, fewer controls.",
        )
        lessons.render()
        st.divider()
        share_box = st.container()
        export_box = st.container()
    return Sidebar(share_box, export_box)


def finish_run(side: Sidebar) -> None:
    """After the open section ran: the link to it, its export pack, and the URL synced."""
    query = controls.url_query()  # once: reading every setting costs ~2 ms a time
    with side.share:
        share.share_panel(query)
    if not controls.presenting():
        with side.export:
            export.render()
    controls.sync_url(query)
