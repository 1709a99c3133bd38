"""The one place that reads and writes the address bar.

- ``restore()`` reads the link a session was opened with, once, before any widget exists:
  every valid parameter seeds the session (so a link sets the controls of every page, not
  only the one it opens), a lesson link opens its step, and an old ``?section=`` link opens
  that page. A parameter that is unknown, malformed or out of bounds is dropped and named in
  a small notice (``notice()``); the page opens with that setting at its default.
- Widgets write their own values to the address bar (``bind="query-params"``, see
  ``lossviz.ui.widgets``); ``sync()`` writes the few parameters no widget holds (the lesson
  and its step, a table's edits, the regression set's feature, whose choices vary by set).
- ``share_link()`` is the link to exactly what is on screen.
- A class's teacher link carries ``teacher=KEY`` (``lossviz.ui.pages.classroom``):
  ``restore()`` moves the key into the session and out of the address bar, so that neither
  a projected address bar nor a share box shows it; ``teacher_key()`` reads it. A student's
  address bar keeps ``class=CODE&me=TOKEN`` (``student_link()``), so that a page reconnecting
  after a server restart (a new session) is the same student; no share box shows ``me``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from lossviz.state import current_values, explain_query, to_query
from lossviz.textsafe import escape_markdown
from lossviz.ui import params

RESTORED = "_lossviz_url_restored"
IGNORED = "_lossviz_url_ignored"
OPEN_PAGE = "_lossviz_open_page"  # a page to switch to at the start of the next run
RESTART = "_lossviz_url_restart"  # restore() took values out of the link: run again
# Parameters that no widget holds: this module keeps them in the address bar.
UNBOUND = ("lesson", "lesson_step", "reg_points", "reg_feature", "clf_points", "clf_feature_1",
           "clf_feature_2", "class")
_UNBOUND_FIELDS = {k: params.BY_KEY[k] for k in UNBOUND}
SECTIONS = ("regression", "classification", "custom", "conventions", "stopping", "classroom")
TEACHER = "teacher"  # the teacher link's parameter: a class's teacher key
TEACHER_KEY = "_lossviz_class_teacher_key"
STUDENT = "me"  # a student's link: their token in the class
STUDENT_TOKEN = "_lossviz_class_student"
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")  # secrets.token_urlsafe's alphabet
NOTICE_LEAD = "Note: the link had settings this page could not use, so they kept their defaults:"


def restore() -> None:
    """Seed this session from the link it was opened with (once per session)."""
    if st.session_state.get(RESTORED):
        return
    st.session_state[RESTORED] = True
    query: dict[str, Any] = st.query_params.to_dict()
    for name in query:  # a menu of several picks writes one parameter per pick
        if getattr(params.BY_KEY.get(name), "kind", "") == "multi":
            picks = st.query_params.get_all(name)
            query[name] = picks if len(picks) > 1 else query[name]
    ignored: dict[str, str] = {}
    key = query.pop(TEACHER, None)
    if key is not None:
        if _KEY_SHAPE.fullmatch(key):
            st.session_state[TEACHER_KEY] = key
        else:
            ignored[TEACHER] = "not a teacher key"
        del st.query_params[TEACHER]
    me = query.pop(STUDENT, None)
    if me is not None:
        if _KEY_SHAPE.fullmatch(me):
            st.session_state[STUDENT_TOKEN] = me
        else:
            ignored[STUDENT] = "not a student's token"
            del st.query_params[STUDENT]
    section = query.pop("section", None)
    if section is not None:
        if section in SECTIONS:
            st.session_state[OPEN_PAGE] = section
        else:
            ignored["section"] = f"section must be one of {', '.join(SECTIONS)}"
    values, reasons = explain_query(query, params.BY_KEY)
    ignored.update(reasons)
    for key, value in values.items():
        st.session_state[key] = value
    lesson = values.get("lesson")
    if lesson:
        from lossviz.ui import lessons

        try:
            lessons.apply_step(lesson, values.get("lesson_step", 1))
        except LookupError as err:
            ignored["lesson"] = str(err)
            st.session_state["lesson"] = ""
            st.session_state["lesson_step"] = 1
    st.session_state[IGNORED] = ignored
    # Out of the address bar too (the notice names them), before any widget reads it: a
    # widget bound to the link reads the link it was opened with itself (Streamlit 1.67:
    # an integer box given "inf" raised OverflowError; given "1.5" it showed 1 while the
    # notice said the value was not used). ``start_clean()`` then starts the run again,
    # from the link as it is now. Menus stay: their binding drops a value it does not know
    # without failing (Streamlit writes a menu's label into the address bar, "Stars of the
    # cluster CYG OB1", which ``Field.check`` reads as the choice it names).
    menus = {"choice", "multi"}
    dropped = [name for name in ignored if name in st.query_params
               and getattr(params.BY_KEY.get(name), "kind", "") not in menus]
    for name in dropped:
        del st.query_params[name]
    st.session_state[RESTART] = bool(dropped) | _menus_as_shown(values)


def _menus_as_shown(values: dict[str, Any]) -> bool:
    """Write each menu of the link as its binding reads it: by the label it shows, one
    parameter per pick (``reg_data=stars_cyg_ob1`` becomes ``reg_data=Stars+of+...``).
    Given the choice itself, the binding took the parameter out of the address bar, which
    a link copied from there then lacked. True if the link changed."""
    changed = False
    for name, value in values.items():
        f = params.BY_KEY[name]
        if f.kind not in ("choice", "multi") or not value or name not in st.query_params:
            continue
        shown = [f.label(c) for c in value] if f.kind == "multi" else [f.label(value)]
        if st.query_params.get_all(name) != shown:
            st.query_params[name] = shown if f.kind == "multi" else shown[0]
            changed = True
    return changed


def start_clean() -> None:
    """Run again, once, when ``restore()`` took values out of the link, before any widget
    exists. Call it after ``st.navigation``: the new run then opens the same page."""
    if st.session_state.pop(RESTART, False):
        st.rerun()


def teacher_key() -> str | None:
    """The teacher key this session holds (from a teacher link, or a class it started)."""
    key = st.session_state.get(TEACHER_KEY)
    return key if isinstance(key, str) else None


def set_teacher_key(key: str | None) -> None:
    """Hold ``key`` as this session's teacher key (None: forget it)."""
    if key is None:
        st.session_state.pop(TEACHER_KEY, None)
    else:
        st.session_state[TEACHER_KEY] = key


def student_link(token: str | None) -> None:
    """Keep a student's ``token`` in the address bar (None: take it out)."""
    if token is not None and st.query_params.get(STUDENT) != token:
        st.query_params[STUDENT] = token
    elif token is None and STUDENT in st.query_params:
        del st.query_params[STUDENT]


def open_page(section: str) -> None:
    """Ask for page ``section`` to open at the start of the next run (callbacks cannot
    switch pages themselves)."""
    st.session_state[OPEN_PAGE] = section


def pending_page() -> str | None:
    """The page a link, a lesson step or a callback asked for, once."""
    return st.session_state.pop(OPEN_PAGE, None)


def kept_on_switch(*, whole: bool = False) -> dict[str, str]:
    """The link's parameters that a page switch keeps: those no widget holds (``whole``:
    all of them, for a switch before any widget was drawn, the alias /regression on to /).

    ``st.switch_page`` otherwise clears the link, which Streamlit refuses (an exception on
    the page) once a parameter in it is bound to a widget; the widgets' own parameters come
    back with their widgets (they are kept in the session).
    """
    link = st.query_params.to_dict()
    return link if whole else {k: v for k, v in link.items() if k in (*UNBOUND, STUDENT)}


def notice() -> None:
    """A small notice naming the link's parameters that were ignored, until dismissed."""
    ignored = st.session_state.get(IGNORED)
    if not ignored:
        return
    names = "; ".join(f"{escape_markdown(k)} ({escape_markdown(v)})"
                      for k, v in list(ignored.items())[:8])
    more = f" and {len(ignored) - 8} more" if len(ignored) > 8 else ""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"{NOTICE_LEAD} {names}{more}.")
        if st.button("Dismiss", key="url_notice_dismiss", type="tertiary"):
            st.session_state[IGNORED] = {}
            st.rerun()


def query(section: str | None = None) -> dict[str, str]:
    """The query parameters that reproduce this session's view of page ``section`` (every
    page's parameters when ``None``): only values that differ from their defaults."""
    fields = {k: f for k, f in params.BY_KEY.items()
              if section is None or f.section in ("app", section)}
    return to_query(current_values(st.session_state, fields), fields)


def sync() -> None:
    """Write the parameters no widget holds to the address bar, where they changed."""
    wanted = to_query(current_values(st.session_state, _UNBOUND_FIELDS), _UNBOUND_FIELDS)
    shown = st.query_params.to_dict()
    for key in UNBOUND:
        if key in wanted and shown.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and key in shown:
            del st.query_params[key]


def share_link(section: str | None) -> str:
    """The link to this view: the app's address (when known), the page and its settings."""
    try:
        here = st.context.url or ""
    except Exception:  # no browser (AppTest, bare mode): a relative link still works
        here = ""
    base = page_address(here, section) if here else ""
    qs = urlencode(query(section))
    return f"{base}?{qs}" if qs else (base or "?")


def page_address(url: str, section: str | None) -> str:
    """The address of page ``section``, from the browser's ``url``: the app's own (with
    any path it is served under) and the page's path; the first page, the default, at the
    app's address itself. A page's name ending ``url`` is dropped first: Streamlit serves
    the default page at "/" only, so a typed ".../regression" opens it with "Page not
    found", and a link copied from there would send everyone the same notice.

    Example: ``page_address("http://host/lossviz/regression?x=1", "regression")``
    gives ``"http://host/lossviz/"``.
    """
    head = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    rest, _, last = head.rpartition("/")
    if last in SECTIONS and not rest.endswith(":/"):  # "http://regression" is a host
        head = rest
    page = "" if section in (None, SECTIONS[0]) else section
    return f"{head}/{page}"


def values(section: str) -> dict[str, Any]:
    """Every parameter of page ``section`` as this session holds it (defaults filled in)."""
    fields = params.of(section)
    out = {k: (list(f.default) if f.kind == "multi" else f.default) for k, f in fields.items()}
    out.update(current_values(st.session_state, fields))
    return out
