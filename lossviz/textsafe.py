"""Text a user typed, made safe for the places the app shows it.

``escape_markdown(text)``: shown by ``st.markdown`` exactly as typed (no bold, links, HTML
or LaTeX made from it).
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&])")


def escape_markdown(text: str) -> str:
    """``text`` with Markdown's special characters escaped: ``"a*b*"`` -> ``"a\\*b\\*"``."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))
