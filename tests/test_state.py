"""The typed registry of UI parameters and its URL form: parse, format, round trip, never raise."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossviz.state import (
    MAX_QUERY_KEYS,
    Field,
    current_values,
    explain_query,
    make_registry,
    query_string,
    to_query,
)
from lossviz.textsafe import find_refused

SPECS = {
    f.key: f
    for f in (
        Field("t_int", "int", 30, low=5, high=200),
        Field("t_float", "float", 1.0, low=0.1, high=5.0, step=0.1),
        Field("t_bool", "bool", False),
        Field("t_choice", "choice", "gd", choices=("gd", "sgd", "adam")),
        Field("t_multi", "multi", ["mse"], choices=("mse", "mae", "huber")),
        Field("t_text", "text", "", max_len=20),
    )
}


def valid_values(spec: Field):
    if spec.kind == "int":
        return st.integers(int(spec.low), int(spec.high))
    if spec.kind == "float":
        return st.floats(spec.low, spec.high, allow_nan=False)
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind == "multi":
        return st.lists(st.sampled_from(spec.choices), unique=True)
    # Text inputs refuse control characters, line breaks and the like (lossviz.textsafe).
    return st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                   max_size=spec.max_len).filter(lambda t: find_refused(t) is None)


@pytest.mark.parametrize("key", list(SPECS))
@given(data=st.data())
def test_every_valid_value_survives_the_url(key, data):
    spec = SPECS[key]
    value = data.draw(valid_values(spec))
    link = query_string({key: value}, registry=SPECS)
    parsed, reasons = explain_query(dict(parse_qsl(link, keep_blank_values=True)),
                                    registry=SPECS)
    assert reasons == {}
    restored = parsed.get(key, spec.default)
    assert restored == value
    assert type(restored) is type(spec.check(value))


@pytest.mark.parametrize(
    ("key", "raw", "reason"),
    [
        pytest.param("t_int", "3", "between 5 and 200", id="int-below-range"),
        pytest.param("t_int", "7.5", "whole number", id="int-not-whole"),
        pytest.param("t_float", "nan", "finite", id="float-nan"),
        pytest.param("t_float", "1e999", "finite", id="float-overflow"),
        pytest.param("t_float", "abc", "a number", id="float-garbage"),
        pytest.param("t_bool", "maybe", "true or false", id="bool-garbage"),
        pytest.param("t_choice", "rmsprop", "one of gd, sgd, adam", id="choice-unknown"),
        pytest.param("t_multi", "mse,logistic", "accepts only", id="multi-unknown-item"),
        pytest.param("t_text", "x" * 21, "longer than 20", id="text-too-long"),
        pytest.param("t_text", "q\x7fz", "U+007F (a control character) at position 2",
                     id="text-control-character"),
        pytest.param("nope", "1", "not a setting", id="unknown-key"),
    ],
)
def test_bad_parameters_are_ignored_with_a_reason(key, raw, reason):
    values, reasons = explain_query({key: raw}, registry=SPECS)
    assert values == {}
    assert reason in reasons[key]


def test_repeated_parameter_counts_by_its_last_value():
    values, reasons = explain_query({"t_int": ["7", "9"]}, registry=SPECS)
    assert values == {"t_int": 9}
    assert reasons == {}


def test_multi_accepts_commas_and_drops_blanks_and_repeats():
    values, _ = explain_query({"t_multi": "mae,,huber,mae"}, registry=SPECS)
    assert values["t_multi"] == ["mae", "huber"]


def test_a_menu_takes_the_label_it_shows_as_well_as_its_choice():
    # A menu bound to the address bar writes its label there ("Huber"), one parameter per
    # pick for a multi-select: a link copied from the address bar reads back the same.
    names = {"mse": "MSE", "mae": "MAE", "huber": "Huber (robust)"}
    one = Field("t_menu", "choice", "mse", choices=tuple(names), labels=names.get)
    several = Field("t_menus", "multi", ["mse"], choices=tuple(names), labels=names.get)
    registry = {f.key: f for f in (one, several)}
    values, reasons = explain_query(
        {"t_menu": "Huber (robust)", "t_menus": ["MAE", "huber", "MSE"]}, registry=registry)
    assert values == {"t_menu": "huber", "t_menus": ["mae", "huber", "mse"]}
    assert reasons == {}
    assert explain_query({"t_menus": "MAE,Huber (robust)"}, registry=registry)[0] == {
        "t_menus": ["mae", "huber"]}
    assert one.label("mae") == "MAE"
    assert Field("t", "choice", "a", choices=("a",)).label("a") == "a"
    # what is neither a choice nor a label stays refused, with the choices named
    _, reasons = explain_query({"t_menu": "Huber", "t_menus": ["MAE", "L1"]}, registry=registry)
    assert reasons == {"t_menu": "t_menu must be one of mse, mae, huber",
                       "t_menus": "t_menus accepts only mse, mae, huber"}


def test_defaults_stay_out_of_the_link():
    assert to_query({k: s.default for k, s in SPECS.items()}, registry=SPECS) == {}
    assert to_query({"t_int": 31, "t_bool": True}, registry=SPECS) == {"t_int": "31",
                                                                       "t_bool": "1"}


def test_float_text_is_the_shortest_exact_form():
    assert to_query({"t_float": 0.1 + 0.2}, registry=SPECS) == {"t_float": "0.30000000000000004"}
    assert to_query({"t_float": 2.5}, registry=SPECS) == {"t_float": "2.5"}


def test_a_huge_link_is_read_only_so_far():
    query = {f"k{i}": "1" for i in range(MAX_QUERY_KEYS + 50)}
    values, reasons = explain_query(query, registry=SPECS)
    assert values == {}
    assert len(reasons) == MAX_QUERY_KEYS + 1
    assert "only the first" in reasons["..."]


def test_current_values_skips_missing_and_invalid():
    state = {"t_int": 40, "t_float": "not a number", "other": 1}
    assert current_values(state, registry=SPECS) == {"t_int": 40}


def test_a_key_declared_twice_is_refused():
    one = Field("t_once", "int", 1, low=0, high=5)
    assert make_registry([one]) == {"t_once": one}
    with pytest.raises(ValueError, match="declared twice"):
        make_registry([one, Field("t_once", "int", 2, low=0, high=5)])
    with pytest.raises(ValueError, match="declared twice"):
        make_registry([one, one])  # even identically: one list, one declaration


def test_a_default_outside_its_bounds_is_refused():
    with pytest.raises(ValueError, match="between"):
        make_registry([Field("t_bad", "int", 9, low=0, high=5)])


def test_an_unknown_kind_is_refused_with_the_kinds_allowed():
    with pytest.raises(ValueError, match="unknown kind 'date'; choose one of: int, float"):
        make_registry([Field("t_when", "date", "today")])


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.one_of(st.sampled_from(list(SPECS)), st.text(max_size=30)),
        st.one_of(st.text(max_size=40), st.lists(st.text(max_size=10), max_size=3)),
        max_size=12,
    )
)
def test_any_query_never_raises_and_yields_only_valid_values(query):
    values, reasons = explain_query(query, registry=SPECS)
    assert set(values).isdisjoint(reasons)
    for key, value in values.items():
        assert SPECS[key].check(value) == value
