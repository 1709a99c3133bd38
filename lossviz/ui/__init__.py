"""The Streamlit sections of the app; the only package code that imports streamlit.

Each section is one module with a ``render()`` function; ``app.py`` only routes to them.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

# key -> (tab title, module under lossviz.ui). Order is the order of the tabs.
SECTIONS: dict[str, tuple[str, str]] = {
    "regression": ("Regression lab", "regression"),
    "classification": ("Classification lab", "classification"),
    "custom": ("Custom loss", "custom"),
    "conventions": ("Conventions", "conventions"),
    "stopping": ("When to stop", "stopping"),
}


def section_renderer(key: str) -> Callable[[], None]:
    """The ``render`` function of a section, imported on first use."""
    _, module = SECTIONS[key]
    return import_module(f"lossviz.ui.{module}").render
