"""Shareable links: the URL query string holds every setting that shapes the page.

``restore_from_url`` reads the link once per browser session (before any widget exists) and
seeds the session state from it; ``lossviz.ui.controls`` writes every change back. A
parameter that is unknown, malformed or out of bounds is dropped with a small notice naming
it, and the page opens with that setting at its default: a hand-edited or truncated link
never breaks the page.
"""

from __future__ import annotations

import re
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from lossviz.state import explain_query
from lossviz.ui import SECTIONS
from lossviz.ui.controls import SECTION_KEY, url_query

RESTORED_KEY = "_lossviz_url_restored"
IGNORED_KEY = "_lossviz_url_ignored"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&])")


def register_all() -> None:
    """Import every section module, so the registry knows every parameter of the app."""
    for _, module in SECTIONS.values():
        import_module(f"lossviz.ui.{module}")
    import_module("lossviz.ui.lessons")


def plain(text: str) -> str:
    """``text`` with Markdown's special characters escaped: shown exactly as typed."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def settings_from_query(query: dict[str, Any]) -> tuple[dict[str, Any], str | None, dict]:
    """Split a link's parameters into registry values, the section key and ignored ones."""
    query = dict(query)
    ignored: dict[str, str] = {}
    section = query.pop(SECTION_KEY, None)
    if isinstance(section, list):
        section = section[-1] if section else None
    if section is not None and section not in SECTIONS:
        ignored[SECTION_KEY] = f"section must be one of {', '.join(SECTIONS)}"
        section = None
    values, reasons = explain_query(query)
    ignored.update(reasons)
    return values, section, ignored


def restore_from_url() -> None:
    """Seed the session from the link it was opened with (once per browser session)."""
    if st.session_state.get(RESTORED_KEY):
        return
    st.session_state[RESTORED_KEY] = True
    register_all()
    from lossviz.ui import lessons

    values, section, ignored = settings_from_query(st.query_params.to_dict())
    lesson_id = values.get(lessons.LESSON.key)
    if lesson_id:
        try:
            lessons.apply_step(lesson_id, values.get(lessons.STEP.key, 1))
        except LookupError as err:
            ignored[lessons.LESSON.key] = str(err)
            values.pop(lessons.LESSON.key, None)
            values.pop(lessons.STEP.key, None)
    for key, value in values.items():
        st.session_state[key] = value
    if section is not None:
        st.session_state[SECTION_KEY] = SECTIONS[section][0]
    st.session_state[IGNORED_KEY] = ignored


def notice() -> None:
    """A small notice naming the link parameters that were ignored, until dismissed."""
    ignored = st.session_state.get(IGNORED_KEY)
    if not ignored:
        return
    names = "; ".join(f"{plain(k)} ({plain(v)})" for k, v in list(ignored.items())[:8])
    more = f" and {len(ignored) - 8} more" if len(ignored) > 8 else ""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(
            f"Note: the link had settings this page could not use, so they kept their defaults: "
            f"{names}{more}."
        )
        if st.button("Dismiss", key="url_notice_dismiss", type="tertiary"):
            st.session_state[IGNORED_KEY] = {}
            st.rerun()


def share_link(query: dict[str, str] | None = None) -> str:
    """The full link to this view: the app's address (when known) plus the query string."""
    query = url_query() if query is None else query
    base = ""
    try:
        base = st.context.url or ""
    except Exception:  # no browser context (AppTest, bare mode): a relative link still works
        base = ""
    qs = urlencode(query)
    return f"{base}?{qs}" if qs else (base or "?")


def share_panel() -> None:
    """The "copy link" box: the link to exactly what is on screen, with a copy button."""
    st.markdown("**Share this view**")
    link = share_link()
    st.code(link, language=None, wrap_lines=True)
    changed = len(url_query())
    st.caption(
        f"Copy the link (button at the box's right): whoever opens it sees this same view. "
        f"It lists the {changed} setting(s) that differ from the default view."
        if changed else "Copy the link (button at the box's right): this is the default view."
    )
