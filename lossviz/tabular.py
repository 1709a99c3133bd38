"""A user's own table of numbers, read from CSV bytes: checked, bounded, never evaluated.

``read_csv(data)`` reads a comma-separated file (UTF-8, a header row of column names, then
numbers) into a ``Table``. Nothing in the file is run or interpreted beyond ``csv`` splitting
and ``float`` conversion: a cell is a number, or the column cannot be used. The file is read
from bytes in memory; nothing is written anywhere.

- A problem with the whole file (empty, too large, not text, not UTF-8, rows of different
  lengths, a header that names no columns or names one twice, too many rows or columns)
  raises ``ValueError`` naming the line or column and what is allowed.
- A column that cannot be fitted (a cell that is not a number, an empty cell, ``nan`` or
  ``inf`` written out, a value beyond ±``MAX_ABS``, the same value in every row) is left out
  of ``Table.names`` and its reason kept in ``Table.skipped``; fewer than two usable columns
  is a ``ValueError``.

Pure Python and numpy: no streamlit import.

Example::

    t = read_csv(b"x,y\\n1,2\\n2,4.5\\n3,5\\n")
    t.names              # ('x', 'y')
    x, y = t.pair(feature="x", target="y")
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from lossviz.textsafe import check_text

#: Bytes an uploaded file may have: far more than any table the labs can draw.
MAX_BYTES = 5_000_000
#: Rows of numbers (the header not counted): the exact fits stay well under a second.
MAX_ROWS = 10_000
#: Columns in the file: enough for any teaching table; a picker of more is unusable.
MAX_COLUMNS = 50
#: Different values a label column may hold (the classifier takes one against the rest).
MAX_CLASSES = 20
#: Largest |value| read: squares and sums of squares (MSE, its gradient) stay far from
#: overflow and keep their digits; house prices in dollars are 1e5.
MAX_ABS = 1e12
#: Characters of a column name: it is shown in pickers and axis titles.
MAX_NAME = 60
#: Characters of a cell quoted back in a message.
_SHOWN = 20


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


class Table(NamedTuple):
    """The usable columns of a file: ``names`` and ``values`` of shape ``(n, len(names))``
    (float64, read-only); ``skipped`` maps each left-out column to why; ``rows`` is ``n``."""

    names: tuple[str, ...]
    values: np.ndarray
    skipped: Mapping[str, str]
    rows: int

    def column(self, name: str) -> np.ndarray:
        """One usable column as a read-only 1-D array; ``ValueError`` names a column that
        is not usable and says why."""
        if name in self.names:
            return self.values[:, self.names.index(name)]
        if name in self.skipped:
            raise ValueError(f"column {name!r} cannot be used: {self.skipped[name]}")
        raise ValueError(f"the file has no column {name!r}; usable columns: "
                         f"{', '.join(self.names)}")

    def pair(self, *, feature: str, target: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)``: the feature and target columns (``ValueError`` if they are the same)."""
        if feature == target:
            raise ValueError(f"the feature and the target are both {feature!r}: pick two "
                             "different columns")
        return self.column(feature), self.column(target)

    def labels(self, target: str, positive: float | None = None) -> tuple[np.ndarray, float]:
        """Two classes from column ``target``: ``(y, value)``, y 1.0 where the column holds
        ``value`` (class 1) and 0.0 elsewhere (class 0). ``positive`` is that value; left out,
        the larger of a column's two values. ``ValueError`` for a column of more than two
        values without ``positive``, one of more than ``MAX_CLASSES`` values (not labels),
        or a ``positive`` the column does not hold.

        Example: ``read_csv(b"x,spam\\n1,-1\\n2,1\\n").labels("spam")  # ([0., 1.], 1.0)``
        """
        column = self.column(target)
        values = np.unique(column)
        shown = ", ".join(f"{v:g}" for v in values[:5]) + (", ..." if len(values) > 5 else "")
        if len(values) > MAX_CLASSES:
            raise ValueError(f"the label column {target!r} holds {len(values):,} different "
                             f"values ({shown}): labels name a few classes, at most "
                             f"{MAX_CLASSES}")
        if positive is None:
            if len(values) != 2:
                raise ValueError(f"the label column {target!r} holds {len(values)} different "
                                 f"values ({shown}): say which one is class 1 (the others "
                                 "are class 0)")
            positive = float(values[1])
        elif positive not in values:
            raise ValueError(f"the label column {target!r} holds no {positive:g}; its values "
                             f"are {shown}")
        y = (column == positive).astype(np.float64)
        y.setflags(write=False)
        return y, float(positive)


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("the file is UTF-16 text (its first two bytes say so), not UTF-8; "
                         "save it as CSV UTF-8")
    if b"\x00" in data:
        at = data.index(b"\x00")
        raise ValueError(f"this is not a CSV text file: byte {at + 1} is a NUL byte, which "
                         "text files do not have (is it a spreadsheet or an image?); save "
                         "it as CSV UTF-8")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark (Excel's "CSV UTF-8") is fine
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ValueError(f"the file is not UTF-8 text: byte 0x{data[err.start]:02X} on line "
                         f"{line} is not UTF-8 (another encoding, such as Latin-1 or "
                         "Windows-1252?); save it as CSV UTF-8") from None
    return text


def _header(row: list[str]) -> tuple[str, ...]:
    names = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(row, start=1):
        name = raw.strip()
        if not name:
            raise ValueError(f"column {i} has no name in the header (line 1): the first line "
                             "must name every column")
        if len(name) > MAX_NAME:
            raise ValueError(f"column {i}'s name is {len(name)} characters long; at most "
                             f"{MAX_NAME}")
        check_text(name, f"the name of column {i}")
        if name in seen:
            raise ValueError(f"column name {name!r} appears twice in the header (columns "
                             f"{seen[name]} and {i}); every column needs its own name")
        seen[name] = i
        names.append(name)
    if all(_is_number(n) for n in names):
        raise ValueError("the first line holds numbers, not column names: add a header line "
                         "that names the columns")
    return tuple(names)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column(name: str, cells: list[str], lines: list[int]) -> tuple[np.ndarray | None, str]:
    """A column as float64, or None and why it cannot be used."""
    try:
        values = np.asarray(cells, dtype=str).astype(np.float64)
    except ValueError:
        for text, line in zip(cells, lines, strict=True):
            if not text.strip():
                return None, f"line {line} has an empty cell (a missing value)"
            if not _is_number(text):
                return None, f"not numeric: line {line} holds {_shown(text.strip())}"
        return None, "not numeric"  # numpy refused what float accepts: refuse it too
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        k = int(bad[0])
        return None, (f"line {lines[k]} holds {_shown(cells[k].strip())}, which is not a "
                      "finite number (missing and infinite values cannot be fitted)")
    big = np.flatnonzero(np.abs(values) > MAX_ABS)
    if big.size:
        k = int(big[0])
        return None, (f"line {lines[k]} holds {_shown(cells[k].strip())}, beyond ±{MAX_ABS:g} "
                      "(rescale the column: squares of such numbers lose their digits)")
    if values.size and np.all(values == values[0]):
        return None, f"the same value ({values[0]:g}) on every line: nothing to fit"
    return values, ""


def read_csv(data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
             max_columns: int = MAX_COLUMNS) -> Table:
    """The numeric columns of a comma-separated file given as bytes.

    The first line names the columns; every other non-blank line holds one value per column.
    ``ValueError`` names the line or the column of the first problem and what is allowed.

    Example: ``read_csv(b"a,b\\n1,2\\n3,5\\n").values  # [[1, 2], [3, 5]]``
    """
    if not isinstance(data, bytes | bytearray):
        raise ValueError(f"expected the file's bytes, got {type(data).__name__}")
    size = len(data)
    if size > max_bytes:
        raise ValueError(f"the file has {size:,} bytes; at most {max_bytes:,} "
                         f"({max_bytes / 1e6:g} MB) are read")
    text = _decode(bytes(data))
    if not text.strip():
        raise ValueError("the file is empty: it needs a header line naming the columns, then "
                         "lines of numbers")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True,
                        skipinitialspace=True)
    try:
        header = next(reader)
        if len(header) > max_columns:
            raise ValueError(f"the file has {len(header)} columns; at most {max_columns}")
        names = _header(header)
        if len(names) < 2:
            raise ValueError(f"the header names one column ({names[0]!r}); fitting a line "
                             "needs two, a feature and a target, separated by a comma "
                             "(lossviz reads comma-separated files)")
        rows: list[list[str]] = []
        lines: list[int] = []
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            if len(row) != len(names):
                raise ValueError(f"line {reader.line_num} has {len(row)} field(s); the header "
                                 f"(line 1) names {len(names)} columns")
            if len(rows) == max_rows:
                raise ValueError(f"the file has more than {max_rows:,} lines of numbers; at "
                                 f"most {max_rows:,} are read")
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as err:
        raise ValueError(f"this is not a CSV file the csv module can read: line "
                         f"{reader.line_num}: {err}") from None
    if len(rows) < 2:
        raise ValueError(f"the file has {len(rows)} line(s) of numbers under its header; "
                         "fitting a line needs at least 2")
    keep: list[str] = []
    columns: list[np.ndarray] = []
    skipped: dict[str, str] = {}
    for j, name in enumerate(names):
        values, why = _column(name, [r[j] for r in rows], lines)
        if values is None:
            skipped[name] = why
        else:
            keep.append(name)
            columns.append(values)
    if len(keep) < 2:
        reasons = "; ".join(f"{n!r}: {w}" for n, w in list(skipped.items())[:4])
        raise ValueError(f"the file needs two numeric columns (a feature, and a target or "
                         f"labels), and has {len(keep)} ({reasons})")
    values = np.column_stack(columns)
    values.flags.writeable = False
    return Table(tuple(keep), values, MappingProxyType(skipped), len(rows))
