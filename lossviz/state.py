"""The type of a UI parameter (``Field``: kind, default, bounds) and the URL forms of values.

The app's parameters are declared in one list, ``lossviz.ui.params.PARAMS``; the functions
here take that list (as a ``{key: Field}`` mapping) and parse and format values for the URL
query string: a hand-edited or truncated link falls back to defaults, never to an error.
Pure Python: no streamlit import.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlencode

from lossviz import limits
from lossviz.textsafe import check_text

KINDS = ("int", "float", "bool", "choice", "multi", "text")
MAX_TEXT = 500
# A URL is read only this far: enough for every parameter of the app several times over,
# little enough that a hostile link costs nothing to reject.
MAX_QUERY_KEYS = 200
MAX_KEY_SHOWN = 40
# A table's edits in a link: at most this many characters (about 200 new rows of four
# short numbers) and this many rows named or added.
MAX_TABLE_TEXT = limits.MAX_TABLE_TEXT
MAX_TABLE_ROWS = limits.MAX_POINTS  # rows a link may add: a lab holds no more points
MAX_TABLE_INDEX = 999


class TableEdits(NamedTuple):
    """A table's edits against its generated rows (row numbers as the table shows them, from 0).

    ``changed`` maps a generated row to its new cells (column name -> number, ``None`` for
    an emptied cell, or a bool for a check box); ``deleted`` lists removed generated rows;
    ``added`` holds the new rows, in order, each a full ``{column: value}``.
    """

    changed: dict[int, dict[str, Any]]
    deleted: tuple[int, ...]
    added: tuple[dict[str, Any], ...]


_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:e-?\d{1,3})?"
_DELETE = re.compile(r"d(\d{1,3})(?:-(\d{1,3}))?")
_ROW = re.compile(r"(\d{1,3}|n)((?:[a-z](?:" + _NUMBER + r")?)+)")
_CELL = re.compile(r"([a-z])(" + _NUMBER + r")?")


@dataclass(frozen=True)
class TableCodec:
    """A table's edits as short URL text, and back; never evaluated as code.

    ``columns`` lists ``(letter, column name, "number" | "flag")``. The text is items joined
    by ``_`` (characters a URL keeps as they are): ``3y20p1.5`` sets row 3's columns ``y``
    and ``p``; ``3y`` empties a cell; ``d7`` or ``d7-9`` deletes generated rows; ``nx1y2p3o0``
    adds a row (missing cells are empty, missing flags false). Flags are ``1`` or ``0``.

    Example: ``TableCodec((("x", "x", "number"),)).decode("2x0.5_d4")``
    ``# TableEdits(changed={2: {"x": 0.5}}, deleted=(4,), added=())``
    """

    columns: tuple[tuple[str, str, str], ...]
    example: str = "0x1.5"

    def decode(self, text: str) -> TableEdits:
        """The edits in ``text``; ``ValueError`` naming the first part that is not one."""
        names = {letter: (name, kind) for letter, name, kind in self.columns}
        changed: dict[int, dict[str, Any]] = {}
        deleted: set[int] = set()
        added: list[dict[str, Any]] = []
        if not text:
            return TableEdits({}, (), ())
        for part in text.split("_"):
            shown = part[:12] + ("..." if len(part) > 12 else "")
            gone = _DELETE.fullmatch(part)
            if gone:
                first = int(gone.group(1))
                last = int(gone.group(2)) if gone.group(2) else first
                if last < first:
                    raise ValueError(f"'{shown}' deletes rows {first} to {last}: backwards")
                deleted.update(range(first, last + 1))
                continue
            row = _ROW.fullmatch(part)
            if not row:
                raise ValueError(f"'{shown}' is not a table edit")
            cells: dict[str, Any] = {}
            for letter, number in _CELL.findall(row.group(2)):
                if letter not in names:
                    raise ValueError(f"'{shown}': this table has no column '{letter}'")
                name, kind = names[letter]
                if name in cells:
                    raise ValueError(f"'{shown}' sets column '{letter}' twice")
                if kind == "flag":
                    if number not in ("0", "1"):
                        raise ValueError(f"'{shown}': column '{letter}' takes 0 or 1")
                    cells[name] = number == "1"
                elif not number:
                    cells[name] = None
                else:
                    value = float(number)
                    if not math.isfinite(value):
                        raise ValueError(f"'{shown}' holds a number too large")
                    cells[name] = value
            if row.group(1) == "n":
                for _, name, kind in self.columns:
                    cells.setdefault(name, False if kind == "flag" else None)
                added.append(cells)
            else:
                changed.setdefault(int(row.group(1)), {}).update(cells)
        if len(added) > MAX_TABLE_ROWS:
            raise ValueError(f"adds {len(added)} rows; at most {MAX_TABLE_ROWS}")
        if max([*deleted, *changed, 0]) > MAX_TABLE_INDEX:
            raise ValueError(f"names a row past {MAX_TABLE_INDEX}")
        return TableEdits(changed, tuple(sorted(deleted)), tuple(added))

    def encode(self, edits: TableEdits) -> str:
        """The text form of ``edits``; ``""`` when there are none (a link stays short)."""
        letters = {name: (letter, kind) for letter, name, kind in self.columns}

        def cells(values: Mapping[str, Any], full: bool) -> str:
            out = []
            for name, value in values.items():
                letter, kind = letters[name]
                if kind == "flag":
                    if full and not value:
                        continue
                    out.append(f"{letter}{1 if value else 0}")
                elif value is None:
                    if not full:
                        out.append(letter)
                else:
                    out.append(letter + _short(value))
            return "".join(out)

        parts = [f"{i}{cells(edits.changed[i], False)}" for i in sorted(edits.changed)
                 if edits.changed[i]]
        rows = sorted(set(edits.deleted))
        start = 0
        while start < len(rows):  # runs of deleted rows as ranges: d3-9
            end = start
            while end + 1 < len(rows) and rows[end + 1] == rows[end] + 1:
                end += 1
            parts.append(f"d{rows[start]}" + (f"-{rows[end]}" if end > start else ""))
            start = end + 1
        for row in edits.added:
            text = cells(row, True)
            # An all-empty new row still needs one cell to be a row.
            parts.append("n" + (text or self.columns[0][0]))
        return "_".join(parts)


def _short(value: Any) -> str:
    """The shortest exact text of a number, with no ``+`` (a space in a URL)."""
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number).replace("e+", "e")


@dataclass(frozen=True)
class Field:
    """One UI parameter.

    ``kind`` is ``int`` / ``float`` (with ``low``, ``high`` and optional ``step``), ``bool``,
    ``choice`` (one of ``choices``), ``multi`` (a subset of ``choices``, comma-separated in
    the URL) or ``text`` (at most ``max_len`` characters on one line, none of the characters
    ``lossviz.textsafe.check_text`` refuses; never evaluated as code).
    """

    key: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    max_len: int = MAX_TEXT
    section: str = ""
    codec: TableCodec | None = None  # a text field that holds a table's edits
    optional: bool = False  # a choice that may be none of its choices (None)
    # What a menu shows for each choice (``choice``, ``multi``): "Huber" for "huber". A
    # menu bound to the address bar writes this label there, so ``check`` takes it too.
    labels: Callable[[str], str] | None = None

    def label(self, choice: str) -> str:
        """The text a menu shows for ``choice``."""
        return choice if self.labels is None else self.labels(choice)

    def _choice_of(self, item: Any) -> str | None:
        """``item`` as one of the choices: a choice itself, or the label of one."""
        if not isinstance(item, str):
            return None
        if item in self.choices:
            return item
        if self.labels is not None:
            return next((c for c in self.choices if self.labels(c) == item), None)
        return None

    def check(self, value: Any) -> Any:
        """Return ``value`` converted to this field's type, or raise ``ValueError``."""
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"{self.key} must be true or false")
        if self.kind in ("int", "float"):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{self.key} must be a number") from None
            if not math.isfinite(number):
                raise ValueError(f"{self.key} must be a finite number")
            if self.kind == "int":
                if not number.is_integer():
                    raise ValueError(f"{self.key} must be a whole number")
                number = int(number)
            if (self.low is not None and number < self.low) or (
                self.high is not None and number > self.high
            ):
                raise ValueError(f"{self.key} must be between {self.low:g} and {self.high:g}")
            return number
        if self.kind == "choice":
            if self.optional and value in (None, ""):
                return None  # nothing picked
            choice = self._choice_of(value)
            if choice is None:
                raise ValueError(f"{self.key} must be one of {', '.join(self.choices)}")
            return choice
        if self.kind == "multi":
            if isinstance(value, str):
                items = value.split(",")
            elif isinstance(value, list | tuple):
                items = list(value)
            else:
                raise ValueError(f"{self.key} must be a list of {', '.join(self.choices)}")
            if not all(isinstance(item, str) for item in items):
                raise ValueError(f"{self.key} accepts only {', '.join(self.choices)}")
            picked = [self._choice_of(item.strip()) for item in items if item.strip()]
            if None in picked:
                raise ValueError(f"{self.key} accepts only {', '.join(self.choices)}")
            return list(dict.fromkeys(picked))
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError(f"{self.key} must be text")
        text = str(value)
        if len(text) > self.max_len:
            raise ValueError(f"{self.key} is longer than {self.max_len} characters")
        # Every export (lesson TOML, CSV, script, page) must be able to carry it.
        check_text(text, self.key)
        if self.codec is not None:
            try:
                self.codec.decode(text)
            except ValueError as err:
                raise ValueError(f"{self.key}: {err}") from None
        return text

    def format(self, value: Any) -> str:
        """The URL form of ``value``."""
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "multi":
            return ",".join(value)
        if value is None:
            return ""
        if self.kind == "float":
            # The shortest text that reads back as the same float: links round-trip.
            return _short(value)
        return str(value)


def make_registry(fields: Iterable[Field]) -> dict[str, Field]:
    """``{key: field}`` for ``fields``, after checking every default and that no key repeats."""
    out: dict[str, Field] = {}
    for f in fields:
        if f.kind not in KINDS:
            raise ValueError(f"{f.key}: unknown kind {f.kind!r}; choose one of: {', '.join(KINDS)}")
        f.check(f.default)
        if f.key in out:
            raise ValueError(f"UI parameter {f.key!r} is declared twice")
        out[f.key] = f
    return out


def parse_query(query: Mapping[str, Any], registry: Mapping[str, Field]
                ) -> tuple[dict[str, Any], list[str]]:
    """Values for the known, valid keys of ``query``; plus the keys that were ignored."""
    values, reasons = explain_query(query, registry)
    return values, list(reasons)


def explain_query(
    query: Mapping[str, Any], registry: Mapping[str, Field]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Values for the known, valid keys of ``query``, and why each other key was ignored.

    Never raises: any mapping of any keys to any values gives valid values (each one passed
    its field's ``check``) and a plain reason per ignored key, such as
    ``{"reg_delta": "reg_delta must be between 0.1 and 5"}``. A repeated URL parameter
    (a list) counts by its last value, as ``st.query_params`` reads it.

    Example: ``explain_query({"nope": "1"}, {})  # ({}, {"nope": "not a setting of this app"})``
    """
    values: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for i, (key, raw) in enumerate(query.items()):
        name = str(key)[:MAX_KEY_SHOWN]
        if i >= MAX_QUERY_KEYS:
            reasons["..."] = f"only the first {MAX_QUERY_KEYS} parameters are read"
            break
        spec = registry.get(key) if isinstance(key, str) else None
        if spec is None:
            reasons[name] = "not a setting of this app"
            continue
        if isinstance(raw, list) and spec.kind != "multi":
            raw = raw[-1] if raw else ""
        try:
            values[key] = spec.check(raw)
        except (ValueError, TypeError, OverflowError) as err:
            reasons[name] = str(err) if isinstance(err, ValueError) else f"{key} is malformed"
    return values, reasons


def current_values(
    state: Mapping[str, Any], registry: Mapping[str, Field]
) -> dict[str, Any]:
    """The valid registry values held in ``state`` (a dict or ``st.session_state``).

    Keys that are missing or hold an invalid value are left out (they mean "the default").
    """
    out: dict[str, Any] = {}
    for key, spec in registry.items():
        if key in state:
            try:
                out[key] = spec.check(state[key])
            except (ValueError, TypeError, OverflowError):
                continue
    return out


def query_string(
    values: Mapping[str, Any],
    registry: Mapping[str, Field],
    extra: Mapping[str, str] | None = None,
) -> str:
    """``to_query(values)`` (plus ``extra`` first) as URL text, ``"reg_delta=2.0&..."``.

    Example: ``query_string({"reg_delta": 2.0}, PARAMS)  # "reg_delta=2.0" (default 1.0)``
    """
    pairs = dict(extra or {})
    pairs.update(to_query(values, registry))
    return urlencode(pairs)


def to_query(values: Mapping[str, Any], registry: Mapping[str, Field]) -> dict[str, str]:
    """The query-string form of the values that differ from their defaults."""
    out: dict[str, str] = {}
    for key, value in values.items():
        spec = registry.get(key)
        if spec is not None and value != spec.default:
            out[key] = spec.format(value)
    return out
