"""A student's own CSV file ("Your own data" on the regression and classification pages).

The file is read once per upload by ``lossviz.tabular.read_csv`` (nothing in it is ever
evaluated) and kept in the session only: never in a cache that sessions share, never in the
link. Every problem is said in the page, naming the line or the column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from lossviz import tabular
from lossviz.textsafe import escape_markdown

HELP = (f"A header line naming the columns, then numbers; UTF-8, at most "
        f"{tabular.MAX_BYTES / 1e6:g} MB, {tabular.MAX_ROWS:,} rows and "
        f"{tabular.MAX_COLUMNS} columns. It stays in this browser session's memory: "
        "nothing is saved.")


def cached_or_fresh(source: str, cached, fresh, *args, **kwargs):
    """``cached(*args, **kwargs)``; for the student's own file (``source`` "csv") ``fresh``:
    a file stays in its session's memory, out of the caches that sessions share."""
    return (fresh if source == "csv" else cached)(*args, **kwargs)


def table(file_key: str, memo_key: str, on_new: Callable[[], None],
          ask: str = "Upload a CSV file.") -> tuple[str, tabular.Table] | None:
    """The uploader (widget key ``file_key``) and the file's usable columns with its name;
    None, with a prompt (``ask``) or the reader's message, while there is no usable file.

    The parsed file is kept under ``memo_key`` until another file is uploaded or the student
    removes it: Streamlit's uploader forgets its file when its page is left, and the page
    then keeps using the one it read (and says so). ``on_new`` runs when the file changes
    (the page forgets edits made to the old file's points)."""
    upload = st.file_uploader("Your CSV file", type=["csv"], key=file_key, help=HELP,
                              max_upload_size=max(1, round(tabular.MAX_BYTES / 1e6)),
                              on_change=_removed, args=(file_key, memo_key, on_new))
    memo = st.session_state.get(memo_key)
    if upload is None:
        if isinstance(memo, dict) and memo.get("table") is not None:
            st.caption(f"Using {escape_markdown(memo['name'])}, the file you uploaded earlier "
                       "in this session: upload another one to replace it.")
            st.button(f"Forget {escape_markdown(memo['name'])}", key=f"{file_key}_forget",
                      on_click=_forget, args=(memo_key, on_new))
            return memo["name"], memo["table"]
        st.session_state.pop(memo_key, None)
        st.info(f"{ask} {HELP}")
        return None
    if not isinstance(memo, dict) or memo.get("id") != upload.file_id:
        try:
            memo = {"id": upload.file_id, "name": upload.name,
                    "table": tabular.read_csv(upload.getvalue()), "error": ""}
        except ValueError as err:
            memo = {"id": upload.file_id, "name": upload.name, "table": None,
                    "error": str(err)}
        st.session_state[memo_key] = memo
        on_new()
    if memo["table"] is None:
        st.error(f"{escape_markdown(upload.name)}: {escape_markdown(memo['error'])}",
                 icon="⚠️")
        return None
    return upload.name, memo["table"]


def _removed(file_key: str, memo_key: str, on_new: Callable[[], None]) -> None:
    """The student took the file out of the uploader: the page forgets it too."""
    if st.session_state.get(file_key) is None:
        _forget(memo_key, on_new)


def _forget(memo_key: str, on_new: Callable[[], None]) -> None:
    st.session_state.pop(memo_key, None)
    on_new()


def select(box, label: str, options: Sequence[str], *, key: str, memo_key: str,
           default: str | Callable[[], str], **kwargs: Any) -> str:
    """A select box (in ``box``) over the file's columns whose pick outlives its page: its
    value is the widget's, else the one picked for this file before the page was left
    (kept in the file's memo under ``memo_key``), else ``default`` (a function: called only
    when it is needed)."""
    memo = st.session_state.get(memo_key)
    picks = memo.setdefault("picks", {}) if isinstance(memo, dict) else {}
    for value in (st.session_state.get(key), picks.get(key), default):
        value = value() if callable(value) else value
        if value in options:
            st.session_state[key] = value
            break
    picks[key] = box.selectbox(label, options, key=key, **kwargs)
    return picks[key]


def describe(name: str, table: tabular.Table) -> None:
    """What was read: rows and usable columns, and the columns left out with why."""
    st.caption(f"{escape_markdown(name)}: {table.rows:,} rows, {len(table.names)} numeric "
               "column(s).")
    if table.skipped:
        left = "; ".join(f"{escape_markdown(n)} ({escape_markdown(w)})"
                         for n, w in list(table.skipped.items())[:5])
        more = len(table.skipped) - 5
        st.caption(f"Columns left out: {left}" + (f"; and {more} more" if more > 0 else "")
                   + ".")
