"""A student's own CSV file ("Your own data" on the regression and classification pages).

The file is read once per upload by ``lossviz.tabular.read_csv`` (nothing in it is ever
evaluated) and kept in the session only: never in a cache that sessions share, never in the
link. Every problem is said in the page, naming the line or the column.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from lossviz import tabular
from lossviz.textsafe import escape_markdown

HELP = (f"A header line naming the columns, then numbers; UTF-8, at most "
        f"{tabular.MAX_BYTES / 1e6:g} MB, {tabular.MAX_ROWS:,} rows and "
        f"{tabular.MAX_COLUMNS} columns. It stays in this browser session's memory: "
        "nothing is saved.")


def table(file_key: str, memo_key: str, on_new: Callable[[], None],
          ask: str = "Upload a CSV file.") -> tuple[str, tabular.Table] | None:
    """The uploader (widget key ``file_key``) and the file's usable columns with its name;
    None, with a prompt (``ask``) or the reader's message, while there is no usable file.

    The parsed file is kept under ``memo_key`` until another file is uploaded; ``on_new``
    runs when one is (the page forgets edits made to the old file's points)."""
    upload = st.file_uploader("Your CSV file", type=["csv"], key=file_key, help=HELP,
                              max_upload_size=max(1, round(tabular.MAX_BYTES / 1e6)))
    if upload is None:
        st.session_state.pop(memo_key, None)
        st.info(f"{ask} {HELP}")
        return None
    memo = st.session_state.get(memo_key)
    if not isinstance(memo, dict) or memo.get("id") != upload.file_id:
        try:
            memo = {"id": upload.file_id, "table": tabular.read_csv(upload.getvalue()),
                    "error": ""}
        except ValueError as err:
            memo = {"id": upload.file_id, "table": None, "error": str(err)}
        st.session_state[memo_key] = memo
        on_new()
    if memo["table"] is None:
        st.error(f"{escape_markdown(upload.name)}: {escape_markdown(memo['error'])}",
                 icon="⚠️")
        return None
    return upload.name, memo["table"]


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
