"""Shareable links: the URL query string holds every setting that shapes the page.

``restore_from_url`` reads the link once per browser session (before any widget exists) and
seeds the session state from it; ``lossviz.ui.controls`` writes every change back. A
parameter that is unknown, malformed or out of bounds is dropped with a small notice naming
it, and the page opens with that setting at its default: a hand-edited or truncated link
never breaks the page.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import re
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from lossviz.state import Field, TableEdits, explain_query
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


# The notice quotes what the link said ("reg_delta: 'inf' is not a number"), as alerts quote
# what a student typed.
NOTICE_LEAD = "Note: the link had settings this page could not use, so they kept their defaults:"


def notice() -> None:
    """A small notice naming the link parameters that were ignored, until dismissed."""
    ignored = st.session_state.get(IGNORED_KEY)
    if not ignored:
        return
    names = "; ".join(f"{plain(k)} ({plain(v)})" for k, v in list(ignored.items())[:8])
    more = f" and {len(ignored) - 8} more" if len(ignored) > 8 else ""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"{NOTICE_LEAD} {names}{more}.")
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


LINK_BOX_HTML = (
    '<div class="lv-share"><code class="lv-link"></code>'
    '<div class="lv-row"><button class="lv-copy" type="button">Copy link</button>'
    '<span class="lv-status" role="status" aria-live="polite"></span></div></div>'
)
LINK_BOX_CSS = """
.lv-share { font-family: var(--st-font); color: var(--st-text-color); }
.lv-link { display: block; padding: 0.6rem 0.75rem; overflow-wrap: anywhere;
  font-family: var(--st-code-font, monospace); font-size: 0.8rem; line-height: 1.4;
  background: var(--st-code-background-color, var(--st-secondary-background-color));
  border-radius: var(--st-base-radius, 0.5rem); }
.lv-row { display: flex; align-items: center; gap: 0.6rem; margin-top: 0.5rem; }
.lv-copy { font: inherit; font-size: 0.875rem; padding: 0.3rem 0.8rem; cursor: pointer;
  color: var(--st-text-color); background: var(--st-background-color);
  border: 1px solid var(--st-border-color); border-radius: var(--st-base-radius, 0.5rem); }
.lv-copy:hover { border-color: var(--st-primary-color); color: var(--st-primary-color); }
.lv-copy:focus-visible { outline: 2px solid var(--st-primary-color); outline-offset: 2px; }
.lv-status { font-size: 0.8rem; opacity: 0.8; }
"""
LINK_BOX_SCRIPT = Path(__file__).with_name("share_link.js")


@cache
def _link_box_script() -> str:
    return LINK_BOX_SCRIPT.read_text(encoding="utf-8")


def share_panel(query: dict[str, str] | None = None) -> None:
    """The "copy link" box: the link to exactly what is on screen, with a copy button.

    ``query``: this view's query parameters, when the caller has them already. The box
    (``share_link.js``) shows the address bar, which every change keeps current, so it stays
    right after a change that reran only part of the page (the sidebar is not drawn again
    then); the server's own link rides along as the element's data.
    """
    query = url_query() if query is None else query
    st.markdown("**Share this view**")
    box = st.components.v2.component("lossviz_share_link", html=LINK_BOX_HTML,
                                     css=LINK_BOX_CSS, js=_link_box_script())
    box(key="lossviz_share_link", data={"link": share_link(query)})
    st.caption("Copy the link: whoever opens it sees this same view. It holds only the "
               "settings that differ from the default view.")


# -- tables in the link ----------------------------------------------------------------------
def _cell(value: Any, kind: str) -> Any:
    """A table cell as the link holds it: a bool for a check box, else a float or None."""
    if kind == "flag":
        return bool(value) if value is not None and value == value else False
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _same(a: Any, b: Any) -> bool:
    return a == b or (a is None and b is None)


def table_from_edits(generated: pd.DataFrame, edits: TableEdits,
                     kinds: dict[str, str]) -> tuple[pd.DataFrame, dict[int, int]]:
    """The generated table with ``edits`` applied, and its generated rows (label -> row).

    Kept rows keep their generated numbers, so the table and the link count rows alike; new
    rows are numbered on from the last generated row.

    ``ValueError`` when the edits name a row or a column this table does not have.
    """
    n = len(generated)
    cols = list(generated.columns)
    named = sorted(i for i in (*edits.changed, *edits.deleted) if i >= n)
    if named:
        raise ValueError(f"row {named[0]} is not in this table (rows 0 to {n - 1})")
    extra = {c for cells in edits.changed.values() for c in cells if c not in cols}
    extra |= {c for row in edits.added for c, v in row.items() if c not in cols and v}
    if extra:
        raise ValueError(f"this table has no column {sorted(extra)[0]}")
    rows = generated.to_dict("records")
    records, labels = [], []
    gone = set(edits.deleted)
    for i in range(n):
        if i not in gone:
            records.append({**rows[i], **edits.changed.get(i, {})})
            labels.append(i)
    for k, row in enumerate(edits.added):
        records.append({c: row.get(c, False if kinds.get(c) == "flag" else None) for c in cols})
        labels.append(n + k)
    # The editor numbers rows it adds past the largest label: never a generated row's.
    table = pd.DataFrame(records, columns=cols, index=pd.Index(labels, dtype="int64"))
    for c in cols:  # keep whole-number columns (a 0/1 label) whole when they still are
        if pd.api.types.is_integer_dtype(generated[c].dtype) and len(table):
            values = pd.to_numeric(table[c], errors="coerce")
            if values.notna().all() and (values % 1 == 0).all():
                table[c] = values.astype(generated[c].dtype)
    return table, {label: label for label in labels if label < n}


def edits_from_table(generated: pd.DataFrame, edited: pd.DataFrame, origin: dict[int, int],
                     kinds: dict[str, str]) -> TableEdits:
    """What ``edited`` (an editor started from rows ``origin``) changed in ``generated``."""
    cols = list(generated.columns)
    rows = generated.to_dict("records")
    changed: dict[int, dict[str, Any]] = {}
    added: list[dict[str, Any]] = []
    kept: set[int] = set()
    for label, row in zip(edited.index, edited.to_dict("records"), strict=True):
        src = origin.get(int(label)) if isinstance(label, numbers.Integral) else None
        cells = {c: _cell(row.get(c), kinds.get(c, "number")) for c in cols}
        if src is None:
            added.append(cells)
            continue
        kept.add(src)
        diff = {c: v for c, v in cells.items()
                if not _same(v, _cell(rows[src][c], kinds.get(c, "number")))}
        if diff:
            changed[src] = diff
    deleted = tuple(i for i in range(len(rows)) if i not in kept)
    return TableEdits(changed, deleted, tuple(added))


# Rows an edited table may hold before the edit is undone unseen: twice the labs' 200-point
# limit, so a slightly long table still gets the labs' own "rows left out" note.
MAX_EDITOR_ROWS = 400


def _editor_key(spec: Field, sig: str, memo: dict[str, Any], reset: int) -> str:
    return f"{spec.key}_editor_{sig}_{memo['version']}_{reset}"


def linked_table(spec: Field, generated: pd.DataFrame, *, signature: tuple[Any, ...],
                 reset: int = 0, max_rows: int = MAX_EDITOR_ROWS, show: bool = True,
                 **editor_kw: Any) -> pd.DataFrame:
    """``st.data_editor`` of ``generated`` whose edits live in the link as the field ``spec``.

    An editor's content cannot be set from code, so it starts from the field's rows: a link
    or a lesson step that sets the field gives a new editor (a new key) started from them.
    Every edit is written back to the field (so to the address bar and the share box) as
    the difference from ``generated``: an unedited table adds nothing to the link. A change
    of ``signature`` (the controls that generate the table) starts a fresh table.
    With ``show=False`` (the table's expander is closed) no editor is drawn: the table is
    the generated one with the field's edits, and the next editor drawn starts from them.
    """
    codec = spec.codec
    kinds = {name: kind for _, name, kind in codec.columns}
    memo = st.session_state.setdefault(f"_{spec.key}_memo", {"version": 0})
    text = st.session_state.get(spec.key, "")
    text = text if isinstance(text, str) else ""
    sig = hashlib.sha1(repr(signature).encode()).hexdigest()[:10]
    if memo.get("seen") != text:  # set from outside: a link, a lesson step, the first run
        memo.update(seen=text, base=text, sig=sig, version=memo["version"] + 1)
    elif memo.get("sig") != sig:  # a control moved: a fresh table from the generated data
        memo.update(seen="", base="", sig=sig, version=memo["version"] + 1)
        text = st.session_state[spec.key] = ""
    drawn_before = _editor_key(spec, sig, memo, reset) in st.session_state
    if show and memo["base"] != text and not drawn_before:
        # The editor was not drawn last run (another tab was open), so its own record of the
        # edits is gone: start the new one from the edits the field still holds.
        memo.update(base=text, version=memo["version"] + 1)
    # The editor starts from its base edits (it adds its own); with no editor the table is
    # the field's edits as they stand.
    start = memo["base"] if show else text
    base, origin = generated, {i: i for i in range(len(generated))}
    if start:
        try:
            base, origin = table_from_edits(generated, codec.decode(start), kinds)
        except ValueError as err:
            # The link's edits do not fit this table: open it unedited, and say so at the top.
            ignored = dict(st.session_state.get(IGNORED_KEY) or {})
            ignored[spec.key] = f"{spec.key}: {err}"
            st.session_state[IGNORED_KEY] = ignored
            st.session_state[spec.key] = ""
            memo.update(seen="", base="", version=memo["version"] + 1)
            st.rerun()
    if not show:
        return base
    key = _editor_key(spec, sig, memo, reset)
    pending = st.session_state.get(key)
    added = len(pending.get("added_rows") or ()) if isinstance(pending, dict) else 0
    if len(base) + added > max_rows:
        # Streamlit applies every pasted row inside st.data_editor, about 1 ms a row, before
        # the lab's point limit sees the table: a huge paste is undone here, before that work.
        memo.update(version=memo["version"] + 1)
        key = _editor_key(spec, sig, memo, reset)
        st.warning(f"That edit added {added:,} rows; the table holds at most {max_rows:,} "
                   "rows, so it was undone.")
    edited = st.data_editor(base, key=key, **editor_kw)
    new = spec.codec.encode(edits_from_table(generated, edited, origin, kinds))
    try:
        spec.check(new)
    except ValueError:
        st.caption(f"These table edits are too many for a link (at most {spec.max_len:,} "
                   "characters): the link shows the generated table.")
        new = ""
    if new != text:
        st.session_state[spec.key] = new
        memo["seen"] = new
    return edited


def drop_table_edits(spec: Field) -> None:
    """Forget the table edits of ``spec`` (the lab's "Undo all table edits")."""
    st.session_state[spec.key] = ""
