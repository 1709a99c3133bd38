"""Text a user typed, made safe for every place it goes: the page and every exported file.

- ``check_text`` refuses the characters no output can carry (control characters, unpaired
  surrogates, line and paragraph separators, text-direction overrides, noncharacters) and
  says which one, and where. ``lossviz.state.Field.check`` applies it to every text input.
- ``escape_markdown`` makes any text display literally through ``st.markdown``.
- ``toml_string``, ``csv_text`` and ``py_string_literal`` write text into a lesson file, a
  CSV table and a Python script so that each parses back to the same text.

Pure Python and numpy: no streamlit import.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

MAX_CSV_ROWS = 100_000

# Characters refused in text inputs. Control characters (C0, DEL, C1): TOML forbids most of
# them raw, they end lines in CSV and scripts, and nobody means to type them. Surrogates
# (U+D800-U+DFFF) alone are not characters and cannot be encoded as UTF-8. U+2028/U+2029
# break lines in some readers and not in others. The embedding, override and isolate
# controls can make a line of a script display in another order than it runs (CVE-2021-42574).
# Noncharacters (U+FDD0-U+FDEF and the last two code points of every plane) are reserved for
# programs' internal use.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)
_REFUSED = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
    + _NONCHARACTERS
    + "]"
)
ALLOWED_TEXT = (
    "letters, digits, punctuation, symbols and spaces on one line (no control characters, "
    "line breaks, unpaired surrogates, direction overrides or noncharacters)"
)


def describe_character(ch: str) -> str:
    """What kind of refused character ``ch`` is, in words: ``"a control character"``."""
    cp = ord(ch)
    category = unicodedata.category(ch)
    if category == "Cc":
        return "a control character"
    if category == "Cs":
        return "half of a surrogate pair, not a character on its own"
    if category in ("Zl", "Zp"):
        return "a line break"
    if 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069:
        return "a text-direction control"
    return "a noncharacter"


def find_refused(text: str) -> tuple[int, str] | None:
    r"""The 0-based index and the character of the first refused character, or None.

    Example: ``find_refused("q\x7fz")  # (1, "\x7f")``
    """
    found = _REFUSED.search(text)
    return None if found is None else (found.start(), found.group())


def check_text(text: str, what: str = "the text") -> str:
    r"""``text`` itself, or ``ValueError`` naming the first refused character and its position.

    Positions count from 1, as a reader counts characters.

    Example: ``check_text("q\x7fz", "custom_p3_name")`` raises ``ValueError:
    custom_p3_name: U+007F (a control character) at position 2 is not allowed; ...``
    """
    found = find_refused(text)
    if found is None:
        return text
    index, ch = found
    raise ValueError(
        f"{what}: U+{ord(ch):04X} ({describe_character(ch)}) at position {index + 1} is not "
        f"allowed; text may hold {ALLOWED_TEXT}"
    )


# -- Markdown -------------------------------------------------------------------------------
# Every ASCII punctuation character may be backslash-escaped in CommonMark, and an escaped
# one is always literal. Escaping them all covers emphasis (* _), code (`), links and
# footnotes ([ ] ( )), raw HTML (< >), entities (&), tables (|), headings (#), quotes (>),
# lists (- + * 1.), fences (` ~), and what Streamlit's parser adds: LaTeX between dollars
# ($) and directives such as colored text (:red[...]).
_MD_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
# Some rewrites work on the parsed text, where escapes are already gone, so no backslash
# stops them (streamlit 1.67, frontend StreamlitMarkdown): ":streamlit:" becomes the logo,
# ":material_name:" an icon, " -> ", " <- ", " <-> ", " -- ", " >= ", " <= ", " ~= " arrows,
# a dash and signs; and GitHub's autolinks make "www.", "http://" and "a@b.c" links. A word
# joiner (U+2060: invisible, no line break) after ":" and "@", after "www", and inside those
# pairs breaks each pattern and shows nothing. tests/browser/test_text_browser.py checks
# this in Chromium; if a Streamlit release adds a rewrite, that test fails.
WORD_JOINER = "\u2060"
_BREAK_REWRITES = re.compile(r"(?<=[:@])|(?<=www)(?=\.)|(?<=[-<>~])(?=[->=])", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    r"""``text`` as Markdown that ``st.markdown`` shows literally, character for character.

    Every ASCII punctuation character gets a backslash, and a word joiner (U+2060, which
    shows nothing) goes where Streamlit would otherwise turn text into a logo, an icon, an
    arrow or a link (see ``_BREAK_REWRITES``). Each line break becomes a hard line break (a
    backslash at the end of the line); line breaks at the very end are dropped (a paragraph
    cannot end with a hard break). Spaces and tabs that start a line are written as character
    references (``&#32;``, ``&#9;``) so that no line opens a code block and ``st.markdown``
    (which dedents and strips its text) keeps them; the browser still shows a run of spaces
    as one space, as HTML does everywhere. Control characters other than line breaks are left
    as they are: ``check_text`` keeps them out of the inputs.

    Example: ``escape_markdown("*a* $x$")  # '\*a\* \$x\$'`` (one backslash each)
    """
    lines = _LINE_BREAKS.split(str(text))
    while len(lines) > 1 and lines[-1] == "":
        lines.pop()
    out = []
    for line in lines:
        body = line.lstrip(" \t")
        lead = line[: len(line) - len(body)]
        body = _BREAK_REWRITES.sub(WORD_JOINER, body)
        out.append(
            lead.replace(" ", "&#32;").replace("\t", "&#9;")
            + _MD_PUNCTUATION.sub(r"\\\1", body)
        )
    return "\\\n".join(out)


# -- files ----------------------------------------------------------------------------------
_TOML_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
               "\r": "\\r"}
_TOML_ESCAPED = re.compile('["\\\\]|' + _REFUSED.pattern)
_TOML_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _TOML_SHORT:
        return _TOML_SHORT[ch]
    if 0xD800 <= ord(ch) <= 0xDFFF:
        raise ValueError(
            f"U+{ord(ch):04X} at position {match.start() + 1} is half of a surrogate pair: "
            "TOML (and UTF-8) cannot hold it"
        )
    return f"\\u{ord(ch):04X}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08X}"


def toml_string(text: str) -> str:
    r"""``text`` as a TOML basic string (in double quotes) that reads back as ``text``.

    Quotes, backslashes and every character ``check_text`` refuses are escaped (TOML forbids
    most control characters raw); an unpaired surrogate, which TOML cannot hold, raises
    ``ValueError``.

    Example: ``toml_string('say "hi"')  # '"say \"hi\""'``
    """
    return '"' + _TOML_ESCAPED.sub(_toml_escape, str(text)) + '"'


def toml_key(key: str) -> str:
    """``key`` as a TOML key: bare when it is letters, digits, ``_`` and ``-``, else quoted."""
    return key if _TOML_BARE_KEY.fullmatch(key) else toml_string(key)


def py_string_literal(text: str) -> str:
    r"""``text`` as a Python string literal on one line; ``ast.literal_eval`` gives it back.

    ``repr`` escapes every character that is not printable (controls, line separators,
    direction overrides, surrogates), so the literal is one line of UTF-8 that displays in
    the order it runs. Never paste user text into a script any other way.

    Example: ``py_string_literal("a\u202eb")  # "'a\u202eb'"``
    """
    return repr(str(text))


def _cells(values: Any) -> list[Any]:
    if values is None:
        return []
    arr = np.asarray(values, dtype=object).ravel()
    return [v.item() if hasattr(v, "item") else v for v in arr]


def csv_text(columns: Mapping[str, Iterable[Any]], *, max_rows: int = MAX_CSV_ROWS) -> str:
    r"""Columns (name -> 1-D values) as CSV text: a header row, then one row per index.

    Shorter columns leave empty cells; at most ``max_rows`` rows. Python's ``csv`` quotes any
    cell holding a comma, a quote or a line break, so ``csv.reader`` reads back the same text
    (numbers as their ``repr``). Raises ``ValueError`` for text that UTF-8 cannot encode
    (an unpaired surrogate), naming where it is.

    Example: ``csv_text({"x": [1.5], "name": ["a,b"]})  # 'x,name\r\n1.5,"a,b"\r\n'``
    """
    out = io.StringIO()
    writer = csv.writer(out)
    names = [str(k) for k in columns]
    cols = [_cells(columns[k]) for k in columns]
    writer.writerow(names)
    n = max((len(c) for c in cols), default=0)
    for j in range(min(n, max_rows)):
        writer.writerow([c[j] if j < len(c) else "" for c in cols])
    text = out.getvalue()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(
            f"the table holds U+{ord(text[err.start]):04X}, half of a surrogate pair, at "
            f"character {err.start + 1} of the file: UTF-8 cannot hold it"
        ) from None
    return text
