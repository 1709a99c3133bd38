"""Tables of points that a student edits, kept in the link as their difference from the
generated points (``lossviz.state.TableCodec``).

Once a student has typed into a table, those points are the data: the page shows them,
the controls that generate points step aside, and nothing the student typed is thrown away
by another control. ``reset(key)`` (the page's "Back to generated points" button) is the one
way back.
"""

from __future__ import annotations

import hashlib
import math
import numbers
from typing import Any

import pandas as pd
import streamlit as st

from lossviz.state import TableEdits
from lossviz.ui import params

# Rows an edited table may hold before the edit is undone unseen: twice the labs' 200-point
# limit, so a slightly long table still gets the labs' own "rows left out" note.
MAX_EDITOR_ROWS = 400


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
    rows are numbered on from the last generated row. ``ValueError`` when the edits name a
    row or a column this table does not have.
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


def edited(key: str) -> bool:
    """Has the student edited table ``key`` (a ``params`` text field holding the edits)?"""
    return bool(st.session_state.get(key))


def reset(key: str) -> None:
    """Forget the edits of table ``key``: the generated points again (a callback)."""
    st.session_state[key] = ""
    memo = st.session_state.get(f"_{key}_memo")
    if isinstance(memo, dict):
        memo["version"] = memo.get("version", 0) + 1


def points(key: str, generated: pd.DataFrame, *, show: bool, **editor_kw: Any) -> pd.DataFrame:
    """The table ``generated`` with the edits parameter ``key`` holds, drawn as an editor when
    ``show``; every edit is written back to the parameter (so to the link).

    An editor's content cannot be set from code, so a link or a lesson that sets the edits
    gets a new editor (a new widget key) started from them.
    """
    spec = params.get(key)
    codec = spec.codec
    kinds = {name: kind for _, name, kind in codec.columns}
    memo = st.session_state.setdefault(f"_{key}_memo", {"version": 0})
    text = st.session_state.get(key, "")
    text = text if isinstance(text, str) else ""
    if memo.get("seen") != text:  # set from outside: a link, a lesson step, the first run
        memo.update(seen=text, base=text, version=memo["version"] + 1)
    # The editor's content is the generated rows with the edits: when the generated rows
    # change under it (the student's line moves the predictions), Streamlit starts that editor
    # afresh without the student's edits; a new editor started from the edits keeps them.
    made = hashlib.blake2b(pd.util.hash_pandas_object(generated).to_numpy().tobytes()
                           + repr(list(generated.columns)).encode(), digest_size=8).hexdigest()
    if show and memo.get("made") not in (None, made):
        memo.update(base=text, version=memo["version"] + 1)
    memo["made"] = made
    widget = f"{key}_editor_{memo['version']}"
    if show and memo.get("base") != text and widget not in st.session_state:
        memo.update(base=text, version=memo["version"] + 1)
        widget = f"{key}_editor_{memo['version']}"
    start = memo.get("base", "") if show else text
    base, origin = generated, {i: i for i in range(len(generated))}
    if start:
        try:
            base, origin = table_from_edits(generated, codec.decode(start), kinds)
        except ValueError as err:
            from lossviz.ui import url

            ignored = dict(st.session_state.get(url.IGNORED) or {})
            ignored[key] = f"{key}: {err}"
            st.session_state[url.IGNORED] = ignored
            st.session_state[key] = ""
            memo.update(seen="", base="", version=memo["version"] + 1)
            return generated
    if not show:
        return base
    # An editor that adds rows shows its table's index, and makes it required, unless that
    # index is a RangeIndex (Streamlit 1.67 ignores hide_index then): rows numbered 0.. here,
    # each mapped to the generated row it came from.
    origin = {pos: origin[label] for pos, label in enumerate(base.index) if label in origin}
    base = base.reset_index(drop=True)
    pending = st.session_state.get(widget)
    added = len(pending.get("added_rows") or ()) if isinstance(pending, dict) else 0
    if len(base) + added > MAX_EDITOR_ROWS:
        # Streamlit applies every pasted row inside st.data_editor before the lab's own
        # limit sees the table: a huge paste is undone here, before that work.
        memo.update(version=memo["version"] + 1)
        widget = f"{key}_editor_{memo['version']}"
        st.warning(f"That edit added {added:,} rows; the table holds at most "
                   f"{MAX_EDITOR_ROWS:,} rows, so it was undone.")
    table = st.data_editor(base, key=widget, **editor_kw)
    new = codec.encode(edits_from_table(generated, table, origin, kinds))
    try:
        spec.check(new)
    except ValueError:
        st.caption(f"These edits are too many for a link (at most {spec.max_len:,} "
                   "characters): the link shows the generated points.")
        new = text
    if new != text:
        st.session_state[key] = new
        memo["seen"] = new
    return table
