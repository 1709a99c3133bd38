"""Keyboard access to the play/pause buttons and frame sliders drawn inside plotly charts.

Plotly draws a figure's animation controls (``layout.updatemenus``, ``layout.sliders``) as SVG
that takes no keyboard focus. ``mount()``, called once near the top of the page, installs a
small static script (``keyboard.js`` beside this module) in the page: Tab reaches every
chart's buttons and sliders, Enter or Space presses a button, the arrow keys (Page Up/Down,
Home, End) move a slider, a focus ring shows where the keyboard is, and screen readers hear
"Play animation", "Pause animation" and the slider's frame. The script drives plotly's own
controls, so animations still play in the browser without a server round trip.

The script is our own constant code: no value from the app or from a user reaches it.
It is sent as a ``st.components.v2`` component (it runs in the page itself, not in an iframe,
and sets no state, so it never triggers a rerun). The element is the same on every run and
larger than Streamlit's ``global.minCachedMessageSize`` (10 KB), so Streamlit sends it in full
once per session and after that only its hash (about 70 bytes per rerun, measured); that is
also why the script is sent with its comments rather than shortened.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

NAME = "lossviz_keyboard"
SCRIPT = Path(__file__).with_name("keyboard.js")


@cache
def script() -> str:
    """The page script (``keyboard.js``), as it is in the package."""
    return SCRIPT.read_text(encoding="utf-8")


def mount() -> None:
    """Install the keyboard script in the page (call once per run, at a fixed place).

    Installing is idempotent in the browser (the script checks a flag on ``window``), and
    the element takes no room on the page.
    """
    # Registering on every run is cheap and keeps working across runtimes (AppTest starts
    # its own); Streamlit only warns when a name is registered with a different definition.
    component = st.components.v2.component(NAME, js=script(), isolate_styles=False)
    component(key=NAME, height=0)
