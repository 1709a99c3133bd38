"""Text a user typed: refused where no output can carry it, and read back exactly from every
exported file (lesson TOML, CSV, Python script) when accepted."""

from __future__ import annotations

import ast
import csv
import io
import math
import re
import string
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossviz.lessons import lesson_toml
from lossviz.state import MAX_TEXT, Field
from lossviz.textsafe import (
    WORD_JOINER,
    check_text,
    csv_text,
    escape_markdown,
    find_refused,
    py_string_literal,
    toml_key,
    toml_string,
)

# Characters that break one output or another, mixed into any text at all. Hypothesis draws
# surrogates only when asked for them, and one given character (DEL) rarely on its own.
TRICKY = (
    "\x00\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x80\x85\x9f\u2028\u2029\u202a\u202e\u2066\u2069"
    "\ufdd0\ufffe\uffff\U0001fffe\ud800\udbff\udc00\udfff\ufeff\u200d\u00ad\"\\'`$*_<>&#[]|,;="
)
ANY_TEXT = st.text(
    st.one_of(
        st.characters(codec=None, exclude_categories=()),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, codec=None,
                      exclude_categories=()),
        st.sampled_from(TRICKY),
    ),
    max_size=60,
)
TEXT_FIELD = Field("custom_p3_name", "text", "tau", max_len=MAX_TEXT)


def accepted(text: str) -> bool:
    try:
        TEXT_FIELD.check(text)
    except ValueError:
        return False
    return True


# -- what a text input refuses ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "code", "position", "kind"),
    [
        ("q\x7fz", "007F", 2, "a control character"),  # DEL, as in ?custom_p3_name=q%7Fz
        ("\x00", "0000", 1, "a control character"),  # C0
        ("ab\tc", "0009", 3, "a control character"),  # a tab: inputs are one line
        ("line\nbreak", "000A", 5, "a control character"),
        ("x\x85", "0085", 2, "a control character"),  # C1 (NEL)
        ("x\x9f", "009F", 2, "a control character"),
        ("a\ud800b", "D800", 2, "half of a surrogate pair"),
        ("a\udfff", "DFFF", 2, "half of a surrogate pair"),
        ("one\u2028two", "2028", 4, "a line break"),
        ("one\u2029", "2029", 4, "a line break"),
        ("abc\u202edcba", "202E", 4, "a text-direction control"),
        ("\u2066x", "2066", 1, "a text-direction control"),
        ("x\ufdd0", "FDD0", 2, "a noncharacter"),
        ("x\uffff", "FFFF", 2, "a noncharacter"),
        ("x\U0010fffe", "10FFFE", 2, "a noncharacter"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isidentifier() else None,
)
def test_a_text_input_names_the_refused_character_and_its_position(text, code, position, kind):
    with pytest.raises(ValueError, match="custom_p3_name") as err:
        TEXT_FIELD.check(text)
    message = str(err.value)
    assert f"U+{code} ({kind}" in message
    assert f"at position {position} " in message
    assert "text may hold letters, digits, punctuation, symbols and spaces" in message


@pytest.mark.parametrize(
    "text",
    ["tau", "c_1", "élan", "日本語", "émoji 🎉 with ZWJ 👩‍🔬", "x\u200dy", "a\u00adb", "\ue000",
     "right-to-left שלום", "mark\u200f", "", "  spaces  ", "tab-free <b>&amp;</b> $x$"],
)
def test_ordinary_text_is_accepted_as_it_is(text):
    assert TEXT_FIELD.check(text) == text


@settings(max_examples=300)
@given(ANY_TEXT)
def test_accepted_text_has_no_refused_character_and_refused_text_has_one(text):
    assert accepted(text) == (find_refused(text) is None)
    if accepted(text):
        text.encode("utf-8")  # every file is written as UTF-8


# -- lesson TOML --------------------------------------------------------------------------------
VALUES = st.dictionaries(
    st.one_of(st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True), ANY_TEXT.filter(accepted)),
    st.one_of(
        ANY_TEXT.filter(accepted),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False),
        st.lists(ANY_TEXT.filter(accepted), max_size=3),
    ),
    max_size=5,
)


@settings(max_examples=300)
@given(
    title=ANY_TEXT.filter(accepted),
    look=ANY_TEXT,
    values=VALUES,
    section=st.none() | ANY_TEXT.filter(lambda t: accepted(t) and t != ""),
)
def test_a_lesson_file_reads_back_the_same_values(title, look, values, section):
    # ``look`` is any text a teacher might paste (newlines, tabs, DEL...), but no surrogates.
    look = "".join(ch for ch in look if not 0xD800 <= ord(ch) <= 0xDFFF)
    data = tomllib.loads(lesson_toml(title, values, section=section, look=look))
    step = data["steps"][0]
    assert data["title"] == title
    assert step["title"] == title
    assert step["look"] == look
    assert step.get("section") == (section or None)
    assert step["set"] == values


def test_a_parameter_name_holding_del_is_escaped_not_written_raw():
    text = lesson_toml("Names", {"custom_p3_name": "q\x7fz"})
    assert "\x7f" not in text
    assert 'custom_p3_name = "q\\u007Fz"' in text
    assert tomllib.loads(text)["steps"][0]["set"]["custom_p3_name"] == "q\x7fz"


def test_special_floats_and_odd_keys_are_valid_toml():
    values = {"inf": math.inf, "tiny": 5e-324, "big": 1e16, "neg zero": -0.0, "x.y": "k"}
    back = tomllib.loads(lesson_toml("t", values))["steps"][0]["set"]
    assert back == values
    assert math.copysign(1.0, back["neg zero"]) == -1.0


def test_text_toml_cannot_hold_is_refused_with_its_position():
    with pytest.raises(ValueError, match=r"U\+D800 at position 3 .*surrogate"):
        toml_string("ab\ud800")
    with pytest.raises(ValueError, match="64 bits"):
        lesson_toml("t", {"n": 2**63})


@given(ANY_TEXT.filter(lambda t: find_refused(t) is None or accepted(t)))
def test_any_key_is_a_valid_toml_key(key):
    assert tomllib.loads(f"{toml_key(key)} = 1") == {key: 1}


# -- CSV ----------------------------------------------------------------------------------------
@settings(max_examples=300)
@given(
    names=st.lists(ANY_TEXT.filter(accepted), min_size=1, max_size=4, unique=True),
    cells=st.lists(st.lists(ANY_TEXT.filter(accepted), max_size=4), max_size=4),
    numbers=st.lists(st.floats(allow_nan=False), max_size=6),
)
def test_a_csv_table_reads_back_the_same_text(names, cells, numbers):
    columns = {name: cells[i] if i < len(cells) else [] for i, name in enumerate(names)}
    columns.setdefault("number", numbers)
    text = csv_text(columns)
    text.encode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(columns)
    length = max(len(v) for v in columns.values())
    assert len(rows) == 1 + length
    for name, values in columns.items():
        j = list(columns).index(name)
        column = [row[j] for row in rows[1:]]
        expected = [str(v) if isinstance(v, str) else repr(v) for v in values]
        assert column == expected + [""] * (length - len(values))
    if numbers and "number" not in names:
        assert [float(row[-1]) for row in rows[1 : 1 + len(numbers)]] == numbers


def test_csv_refuses_text_utf8_cannot_hold():
    with pytest.raises(ValueError, match="U\\+DC00, half of a surrogate pair"):
        csv_text({"name": ["ok", "bad\udc00"]})


def test_csv_keeps_at_most_max_rows():
    assert csv_text({"x": range(10)}, max_rows=3).splitlines() == ["x", "0", "1", "2"]


# -- Python scripts -----------------------------------------------------------------------------
@settings(max_examples=300)
@given(ANY_TEXT)
def test_a_python_literal_reads_back_the_same_text_on_one_printable_line(text):
    literal = py_string_literal(text)
    assert ast.literal_eval(literal) == text
    assert len(literal.splitlines()) == 1
    assert literal.isprintable()
    assert find_refused(literal) is None  # no direction override can reorder the line
    literal.encode("utf-8")
    # The literal is one expression wherever a script pastes it.
    source = f"x = {literal}  # comment\n"
    assert isinstance(ast.parse(source).body[0].value, ast.Constant)


def test_check_text_returns_accepted_text_unchanged():
    assert check_text("tau_1", "name") == "tau_1"


# -- Markdown -----------------------------------------------------------------------------------
def read_markdown(md: str) -> str:
    """The text ``md`` shows, read the way CommonMark reads it, failing on any character that
    Markdown (or Streamlit's Markdown) would treat as syntax: every ASCII punctuation must be
    backslash-escaped, a line may start with a space or tab only as ``&#32;``/``&#9;``, and a
    line may end only in a backslash (a hard line break)."""
    out = []
    i, line_start = 0, True
    while i < len(md):
        ch = md[i]
        if ch == "\\":
            assert i + 1 < len(md), "a backslash at the very end"
            nxt = md[i + 1]
            assert nxt == "\n" or nxt in string.punctuation, f"backslash before {nxt!r}"
            out.append(nxt)
            i, line_start = i + 2, nxt == "\n"
            continue
        if line_start and md.startswith(("&#32;", "&#9;"), i):
            ref = "&#32;" if md.startswith("&#32;", i) else "&#9;"
            out.append(" " if ref == "&#32;" else "\t")
            i += len(ref)
            continue
        assert ch not in string.punctuation, f"unescaped {ch!r} at {i} in {md!r}"
        assert ch not in "\r\n", f"a line break without a backslash at {i}"
        assert not (line_start and ch in " \t"), f"a line starts with a raw {ch!r}"
        out.append(ch)
        i, line_start = i + 1, False
    return "".join(out)


# The rewrites Streamlit 1.67 applies to parsed text (see lossviz.textsafe._BREAK_REWRITES).
REWRITES = [
    re.compile(r":streamlit:"),
    re.compile(r":material_\w+:"),
    re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
    re.compile(r"www(?=\.)|https?://|(?:mailto|xmpp):[-.\w+]", re.IGNORECASE),
    re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+"),
]


# Pieces that Markdown or Streamlit read as syntax, to be joined at random.
MARKDOWN_PIECES = st.sampled_from([
    *"*_`$<>[]()#!|\\-+=~:@.&;/ \n\r\tw1", "->", "<-", "<->", "--", ">=", "<=", "~=", "www.",
    "WwW.", "http://", "https://", "mailto:", "a@b.co", ":streamlit:", ":material_home:",
    ":red[", "&amp;", "&#65;", "    ", "  \n", "```", "1. ", "# ",
])


@settings(max_examples=500)
@given(st.one_of(ANY_TEXT, st.lists(MARKDOWN_PIECES, max_size=20).map("".join)))
def test_escaped_markdown_has_no_syntax_left_and_shows_the_same_text(text):
    md = escape_markdown(text)
    shown = read_markdown(md)
    lines = re.split(r"\r\n|\r|\n", text)
    while len(lines) > 1 and lines[-1] == "":
        lines.pop()
    assert shown.replace(WORD_JOINER, "") == "\n".join(lines).replace(WORD_JOINER, "")
    for pattern in REWRITES:
        assert not pattern.search(shown), (pattern.pattern, shown)


@pytest.mark.parametrize(
    ("text", "md"),
    [
        ("*a* $x$", r"\*a\* \$x\$"),
        ("# title", r"\# title"),
        ("<b>", r"\<b\>"),
        ("[a](b)", r"\[a\]\(b\)"),
        ("`x`", r"\`x\`"),
        ("a_b", r"a\_b"),
        ("one\ntwo\n", "one\\\ntwo"),
        ("    code", "&#32;&#32;&#32;&#32;code"),
        ("a -> b", "a \\-\u2060\\> b"),
        (":streamlit:", "\\:\u2060streamlit\\:\u2060"),
    ],
)
def test_escape_markdown_examples(text, md):
    assert escape_markdown(text) == md
