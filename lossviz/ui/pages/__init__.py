"""The app's pages, one module each with a ``render()``; ``app.py`` routes between them.

key -> (title in the navigation, icon, module). The order is the order of the navigation.
"""

from __future__ import annotations

from importlib import import_module

import streamlit as st

PAGES: dict[str, tuple[str, str]] = {
    "regression": ("Regression", ":material/scatter_plot:"),
    "classification": ("Classification", ":material/join_left:"),
    "custom": ("Custom loss", ":material/function:"),
    "conventions": ("Conventions", ":material/translate:"),
    "stopping": ("When to stop", ":material/timer:"),
    "classroom": ("Class", ":material/groups:"),
}


def _runner(key: str):
    def run() -> None:
        import_module(f"lossviz.ui.pages.{key}").render()

    run.__name__ = key  # Streamlit names a page after its function
    return run


def pages() -> dict[str, st.Page]:
    """One ``st.Page`` per section, by key (the first is the default page)."""
    return {key: st.Page(_runner(key), title=title, icon=icon, url_path=key,
                         default=i == 0)
            for i, (key, (title, icon)) in enumerate(PAGES.items())}
