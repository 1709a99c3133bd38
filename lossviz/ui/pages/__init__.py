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


FIRST = next(iter(PAGES))
# The default page is served at "/"; Streamlit still reserves a path of its own for it, and a
# typed /regression would open it under "Page not found". That path goes to a hidden alias
# instead, which the app sends on to "/" (``aliased``), and the page itself reserves this one.
_FIRST_OWN_PATH = "start"


def pages() -> dict[str, st.Page]:
    """One ``st.Page`` per section, by key (the first is the default page, at "/")."""
    return {key: st.Page(_runner(key), title=title, icon=icon,
                         url_path=_FIRST_OWN_PATH if i == 0 else key, default=i == 0)
            for i, (key, (title, icon)) in enumerate(PAGES.items())}


def _alias() -> None:  # never drawn: the app switches to the first section first
    return None


def alias() -> st.Page:
    """/regression: the first section's name as a path, hidden from the navigation."""
    return st.Page(_alias, title=PAGES[FIRST][0], url_path=FIRST, visibility="hidden")


def aliased(page: st.Page) -> str | None:
    """The section ``page`` stands for when it is the alias (None for a section's own)."""
    return FIRST if page.url_path == FIRST else None
