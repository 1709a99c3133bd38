"""Parameter names: every name the reader accepts is written as valid LaTeX, and the names it
cannot write (a__, b_) are refused with the rule. KaTeX itself checks the same names in
tests/browser/test_text_browser.py."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lossviz.custom import FormulaError, custom_loss
from lossviz.custom.latex import _CAPITAL_GREEK, _GREEK, param_latex
from lossviz.custom.parser import _PARAM_NAME, PARAMETER_NAME_RULE, check_params
from lossviz.state import Field

COMMANDS = {"mathrm", "_"} | _GREEK | {g.capitalize() for g in _CAPITAL_GREEK}


def assert_valid_name_latex(tex: str) -> None:
    """A small reading of the only LaTeX a name can become: known commands, letters and
    digits, balanced braces, and every ``_`` (a subscript) followed by a group, never two
    subscripts on one symbol."""
    groups: list[str] = []  # "sub" for a subscript's group, "arg" for a command's
    i, after_sub = 0, False
    while i < len(tex):
        ch = tex[i]
        if ch == "\\":
            command = re.match(r"\\([A-Za-z]+|_)", tex[i:])
            assert command, f"a backslash that starts no command in {tex!r}"
            assert command.group(1) in COMMANDS, f"unknown command {command.group()} in {tex!r}"
            i += len(command.group())
            after_sub = False
            continue
        if ch == "_":
            assert tex[i + 1 : i + 2] == "{", f"a subscript without a group in {tex!r}"
            assert not after_sub, f"a double subscript in {tex!r}"
            groups.append("sub")
            i += 2
            continue
        if ch == "{":
            groups.append("arg")
        elif ch == "}":
            assert groups, f"unbalanced braces in {tex!r}"
            after_sub = groups.pop() == "sub"
            i += 1
            continue
        else:
            assert re.fullmatch("[A-Za-z0-9]", ch), f"{ch!r} in {tex!r}"
        after_sub = False
        i += 1
    assert not groups, f"unbalanced braces in {tex!r}"
    assert tex, "empty LaTeX"


def accepted(name: str) -> bool:
    try:
        check_params({name: 1.0})
    except FormulaError:
        return False
    return True


_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_PART = st.one_of(st.text(_ALNUM, min_size=1, max_size=4), st.sampled_from(sorted(_GREEK)),
                  st.sampled_from(sorted(g.capitalize() for g in _CAPITAL_GREEK)))
# Built the way the pattern reads (a letter, letters and digits, single underscores), with
# Greek words mixed in; the reader has the last word.
NAMES = st.builds(
    lambda head, parts: "_".join([head, *parts])[:20].rstrip("_"),
    st.one_of(
        st.builds(str.__add__, st.sampled_from(_ALNUM[:52]), st.text(_ALNUM, max_size=4)),
        st.sampled_from(sorted(_GREEK)),
        st.sampled_from(sorted(g.capitalize() for g in _CAPITAL_GREEK)),
    ),
    st.lists(_PART, max_size=3),
).filter(lambda name: re.fullmatch(_PARAM_NAME, name) is not None and accepted(name))


# Each kind of character and place the pattern allows: lowercase and capital letters, digits
# after the first letter, a subscript of one part or several, Greek symbols and subscripts,
# Greek capitals, and the longest name.
@pytest.mark.parametrize(
    ("name", "tex"),
    [
        ("d", "d"),
        ("Z", "Z"),
        ("tau", r"\tau"),
        ("Gamma", r"\Gamma"),
        ("Alpha", r"\mathrm{Alpha}"),  # no \Alpha in LaTeX: it looks like A
        ("scale", r"\mathrm{scale}"),
        ("x1", r"\mathrm{x1}"),
        ("c_1", "c_{1}"),
        ("c_max", r"c_{\mathrm{max}}"),
        ("tau_max", r"\tau_{\mathrm{max}}"),
        ("alpha_beta", r"\alpha_{\beta}"),
        ("a_b_c", r"a_{b\_c}"),
        ("c_1_b", r"c_{1\_b}"),
        ("a1_B2_c3", r"\mathrm{a1}_{\mathrm{B2}\_\mathrm{c3}}"),
        ("abcdefghijklmnopqrst", r"\mathrm{abcdefghijklmnopqrst}"),
    ],
)
def test_each_kind_of_name_has_its_latex(name, tex):
    assert accepted(name)
    assert param_latex(name) == tex
    assert_valid_name_latex(tex)


@given(NAMES)
def test_every_accepted_name_is_valid_latex_alone_and_in_a_formula(name):
    assert_valid_name_latex(param_latex(name))
    loss = custom_loss(f"{name}*r**2 + {name}**2*abs(r)", **{name: 1.5})
    assert param_latex(name) in loss.latex
    assert param_latex(name) in loss.derivative_latex


@given(NAMES, NAMES)
def test_two_names_never_print_the_same(a, b):
    if a != b:
        assert param_latex(a) != param_latex(b)


@pytest.mark.parametrize("name", ["a__", "a_", "b_c_", "x__y", "_a", "1a", "a-b", "a b", "é",
                                  "a" * 21])
def test_names_latex_cannot_write_are_refused_with_the_rule(name):
    with pytest.raises(FormulaError, match=re.escape(PARAMETER_NAME_RULE)):
        check_params({name: 1.0})


def test_the_linked_name_a__is_refused_before_any_latex_is_drawn():
    # ?custom_p1_name=a__&custom_formula_r=a__*r**2 drew both formulas as KaTeX errors.
    with pytest.raises(FormulaError, match=r"parameter name 'a__' is not allowed: use a letter"):
        custom_loss("a__*r**2", a__=1.0)


def test_the_printer_stays_valid_even_for_names_the_reader_refuses():
    for name in ("a__", "a_", "_", "__x", "a_b_"):
        assert_valid_name_latex(param_latex(name))
    with pytest.raises(ValueError, match="only letters, digits and underscores"):
        param_latex("a}b")


def test_a_parameter_name_field_still_accepts_text_for_the_parser_to_judge():
    # The text check refuses control characters only; the name rule is the parser's.
    assert Field("custom_p1_name", "text", "c", max_len=20).check("a__") == "a__"
