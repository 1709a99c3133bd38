"""Short runnable Python scripts that rebuild the current view with the lossviz API.

Pure text generation (no streamlit): each section has a template filled with the current
settings, so a notebook user gets the same numbers and pictures as the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lossviz.state import REGISTRY, current_values

HEADER = '''"""Rebuilds a lossviz view. Run: python lossviz_view.py (pip install lossviz first)."""

import lossviz
'''


def settings(state: Mapping[str, Any]) -> dict[str, Any]:
    """Every registry value in force: the session's, else the default."""
    values = {k: (list(f.default) if f.kind == "multi" else f.default) for k, f in REGISTRY.items()}
    values.update(current_values(state))
    return values


def snippet(state: Mapping[str, Any]) -> str:
    """The script for the section open in ``state``."""
    values = settings(state)
    lines = [HEADER, "# The settings of the view (non-default ones first):"]
    for key, value in values.items():
        if value != REGISTRY[key].default and REGISTRY[key].section != "app":
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines) + "\n"
